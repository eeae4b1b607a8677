#!/usr/bin/env bash
# Starts a real Gitea for the gitea dialect's end-to-end test
# (internal/sink/github, TestRealGitea). The first run builds
# code.gitea.io/gitea from the Go module proxy into GOPATH/bin (about 8
# minutes, once per machine); later runs reuse that binary. Gitea runs on
# SQLite, on 127.0.0.1 only, with webhooks allowed to loopback and private
# addresses (the test's ticketbridge listens on 127.0.0.1), and an admin
# user whose token the test uses. Not part of .ci/run. Idempotent: builds
# if missing, sets up, starts if not running. Everything human-readable
# goes to stderr; stdout carries only the variables the test reads, so:
#
#   eval "$(.ci/gitea.sh)"   # exports TICKETBRIDGE_TEST_GITEA_URL, _TOKEN
#   .ci/gitea.sh stop        # stop the server this script started
#
# Knobs (environment): TB_GITEA_VERSION (v1.26.0), TB_GITEA_PORT (18390),
# TB_GITEA_WAIT (seconds to wait for readiness, 60), TB_GITEA_STATE (where
# its data lives, /var/tmp/ticketbridge-gitea-PORT).
set -euo pipefail

VERSION=${TB_GITEA_VERSION:-v1.26.0}
PORT=${TB_GITEA_PORT:-18390}
WAIT=${TB_GITEA_WAIT:-60}
STATE=${TB_GITEA_STATE:-/var/tmp/ticketbridge-gitea-$PORT}
URL=http://127.0.0.1:$PORT
BIN=$(go env GOPATH)/bin/gitea-$VERSION
INI=$STATE/app.ini
ADMIN=tb-admin

log() { echo "gitea.sh: $*" >&2; }

# The Gitea binary refuses to run as root unless told it may.
export GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true

stop() {
  local pid
  pid=$(cat "$STATE/server.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping Gitea (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$STATE/server.pid"
}

# source is the module's directory in the module cache, downloaded from
# the proxy when missing. Gitea serves its templates and static files
# from there (STATIC_ROOT_PATH).
source_dir() {
  go mod download -json "code.gitea.io/gitea@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

build() {
  [ -x "$BIN" ] && return 0
  local dir
  dir=$(source_dir)
  [ -n "$dir" ] || { log "go mod download gave no source directory for code.gitea.io/gitea@$VERSION"; exit 1; }
  log "building code.gitea.io/gitea $VERSION into $BIN (about 8 minutes, once)"
  # Built inside the module's own directory: go install pkg@version
  # refuses modules with replace directives, which Gitea's go.mod has.
  (cd "$dir" && CGO_ENABLED=1 go build -trimpath -tags 'sqlite sqlite_unlock_notify' \
    -ldflags "-s -w -X main.Version=${VERSION#v}" -o "$BIN.tmp" .) >&2
  mv "$BIN.tmp" "$BIN"
}

configure() {
  [ -f "$INI" ] && return 0
  local dir
  dir=$(source_dir)
  mkdir -p "$STATE/data" "$STATE/log" "$STATE/repos"
  cat >"$INI" <<EOF
APP_NAME = ticketbridge test
RUN_MODE = prod
WORK_PATH = $STATE

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = $PORT
ROOT_URL = $URL/
STATIC_ROOT_PATH = $dir
APP_DATA_PATH = $STATE/data
DISABLE_SSH = true
OFFLINE_MODE = true
LFS_START_SERVER = false

[database]
DB_TYPE = sqlite3
PATH = $STATE/data/gitea.db
SQLITE_TIMEOUT = 60000

[repository]
ROOT = $STATE/repos

[security]
INSTALL_LOCK = true
SECRET_KEY = $("$BIN" generate secret SECRET_KEY)
INTERNAL_TOKEN = $("$BIN" generate secret INTERNAL_TOKEN)

[oauth2]
JWT_SECRET = $("$BIN" generate secret JWT_SECRET)

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false

[webhook]
ALLOWED_HOST_LIST = loopback,private
DELIVER_TIMEOUT = 10

[attachment]
ENABLED = true
MAX_SIZE = 4

[mailer]
ENABLED = false

[log]
MODE = file
LEVEL = Warn
ROOT_PATH = $STATE/log
EOF
}

# setup migrates the database and makes the admin and a token; it prints
# the token. Both are idempotent: the token is made once and kept.
setup() {
  "$BIN" --config "$INI" migrate >&2
  if ! "$BIN" --config "$INI" admin user list --admin 2>/dev/null | awk '{print $2}' | grep -qx "$ADMIN"; then
    "$BIN" --config "$INI" admin user create --username "$ADMIN" --password "ticketbridge-test-1" \
      --email "$ADMIN@ticketbridge.test" --admin --must-change-password=false >&2
  fi
  if ! grep -Eqx '[0-9a-f]{40}' "$STATE/token" 2>/dev/null; then
    # Run as root, Gitea warns about it on stdout before the token.
    "$BIN" --config "$INI" admin user generate-access-token --username "$ADMIN" \
      --token-name "ticketbridge-$(date +%s)" --scopes all --raw | grep -Eo '^[0-9a-f]{40}$' | tail -n 1 >"$STATE/token"
  fi
  grep -Eo '^[0-9a-f]{40}$' "$STATE/token" | tail -n 1
}

running() {
  curl -fsS -o /dev/null -H "Authorization: token $1" "$URL/api/v1/user" 2>/dev/null
}

start() {
  local pid
  pid=$(cat "$STATE/server.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    return 0
  fi
  log "starting Gitea on $URL (log: $STATE/server.log)"
  # The whole background job's output goes to the log: a process still
  # holding this script's stdout would keep "$(.ci/gitea.sh)" waiting.
  (cd "$STATE" && exec setsid "$BIN" --config "$INI" web --pid "$STATE/server.pid") \
    >"$STATE/server.log" 2>&1 </dev/null &
}

case "${1:-start}" in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

build
configure
token=$(setup)
[ -n "$token" ] || { log "setup made no token"; exit 1; }
start
for _ in $(seq 1 "$((WAIT * 5))"); do
  running "$token" && break
  sleep 0.2
done
running "$token" || { log "Gitea did not answer on $URL within ${WAIT}s; see $STATE/server.log"; tail -n 20 "$STATE/server.log" >&2; exit 1; }
log "ready on $URL ($("$BIN" --version 2>/dev/null | head -n 1))"
echo "export TICKETBRIDGE_TEST_GITEA_URL=$URL TICKETBRIDGE_TEST_GITEA_TOKEN=$token TICKETBRIDGE_TEST_GITEA_USER=$ADMIN"
