#!/usr/bin/env bash
# Starts a real Redmine for the internal/sink/redmine tests: Debian's
# redmine package on its SQLite database, served by WEBrick on 127.0.0.1
# only, with the REST API on, login required (without it a wrong key
# still gets 200 on public projects), and three users: admin, "agent"
# (Developer) and "reporter" (Reporter, whose stock workflow may only
# close issues). Idempotent: installs if missing, sets up, starts if not
# running. Everything human-readable goes to stderr; stdout carries only
# the variables the tests read, so:
#
#   eval "$(.ci/redmine.sh)"   # exports TICKETBRIDGE_TEST_REDMINE_URL, _KEY …
#   .ci/redmine.sh stop        # stop the server this script started
#
# Knobs (environment): TB_REDMINE_PORT (18380), TB_REDMINE_WAIT (seconds
# to wait for readiness, 90).
set -euo pipefail

PORT=${TB_REDMINE_PORT:-18380}
WAIT=${TB_REDMINE_WAIT:-90}
HOME_DIR=/usr/share/redmine
STATE=/var/cache/redmine/default/tmp/ticketbridge-$PORT
URL=http://127.0.0.1:$PORT

log() { echo "redmine.sh: $*" >&2; }
as_www() { (cd "$HOME_DIR" && runuser -u www-data -- env RAILS_ENV=production HOME=/tmp "$@"); }

stop() {
  local pid
  pid=$(cat "$STATE/server.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping Redmine (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$STATE/server.pid"
}

install() {
  if dpkg-query -W -f='${Status}' redmine redmine-sqlite 2>/dev/null | grep -qv 'ok installed' ||
    ! dpkg-query -W redmine redmine-sqlite >/dev/null 2>&1; then
    log "installing redmine and redmine-sqlite (about 35 s)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redmine redmine-sqlite >&2
  fi
  # Ruby 3 no longer ships WEBrick inside the standard library; Debian has
  # it as a gem, which Redmine's bundle must be told about.
  if ! grep -qs "gem 'webrick'" "$HOME_DIR/Gemfile.local"; then
    echo "gem 'webrick'" >>"$HOME_DIR/Gemfile.local"
  fi
  # Tests write from several requests at once; without a busy timeout
  # SQLite answers the second writer "database is locked" and Redmine 500.
  local db=/etc/redmine/default/database.yml
  if ! grep -qs '^  timeout: 60000' "$db"; then
    sed -i '/^  timeout:/d' "$db"
    sed -i 's/^\(  adapter: sqlite3\)$/\1\n  timeout: 60000/' "$db"
    stop # a running server read the old settings
  fi
}

# setup is idempotent: settings, users, keys; it prints KEY lines.
setup() {
  as_www bundle exec rails runner - <<'RUBY'
Setting.rest_api_enabled = '1'
Setting.login_required = '1'
def user(login, first)
  u = User.find_by(login: login) || User.new.tap do |n|
    n.login = login
    n.firstname = first
    n.lastname = 'Test'
    n.mail = "#{login}@ticketbridge.test"
    n.password = n.password_confirmation = 'ticketbridge-test'
    n.save!
  end
  u.api_key
end
admin = User.find_by(login: 'admin')
admin.update_columns(must_change_passwd: false) if admin.respond_to?(:must_change_passwd)
puts "ADMIN=#{admin.api_key}"
puts "AGENT=#{user('agent', 'Agent')}"
puts "REPORTER=#{user('reporter', 'Reporter')}"
RUBY
}

running() {
  curl -fsS -o /dev/null -H "X-Redmine-API-Key: $1" "$URL/users/current.json" 2>/dev/null
}

start() {
  local pid
  pid=$(cat "$STATE/server.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    return 0
  fi
  mkdir -p "$STATE"
  chown www-data:www-data "$STATE"
  log "starting Redmine on $URL (log: $STATE/server.log)"
  # The whole background job's output goes to the log: a process still
  # holding this script's stdout would keep "$(.ci/redmine.sh)" waiting.
  (cd "$HOME_DIR" && exec runuser -u www-data -- env RAILS_ENV=production HOME=/tmp \
    setsid bundle exec rackup -s webrick -o 127.0.0.1 -p "$PORT" -P "$STATE/server.pid") \
    >"$STATE/server.log" 2>&1 </dev/null &
}

case "${1:-start}" in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

install
keys=$(setup)
admin=$(sed -n 's/^ADMIN=//p' <<<"$keys")
agent=$(sed -n 's/^AGENT=//p' <<<"$keys")
reporter=$(sed -n 's/^REPORTER=//p' <<<"$keys")
[ -n "$admin" ] && [ -n "$agent" ] && [ -n "$reporter" ] || { log "setup printed no keys: $keys"; exit 1; }
start
for _ in $(seq 1 "$((WAIT * 5))"); do
  running "$admin" && break
  sleep 0.2
done
running "$admin" || { log "Redmine did not answer on $URL within ${WAIT}s; see $STATE/server.log"; tail -n 20 "$STATE/server.log" >&2; exit 1; }
log "ready on $URL"
echo "export TICKETBRIDGE_TEST_REDMINE_URL=$URL TICKETBRIDGE_TEST_REDMINE_KEY=$admin TICKETBRIDGE_TEST_REDMINE_AGENT_KEY=$agent TICKETBRIDGE_TEST_REDMINE_REPORTER_KEY=$reporter"
