#!/usr/bin/env bash
# Starts a real S3-compatible server for the internal/blob/s3 tests:
# SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one
# process) listening on 127.0.0.1 only, with one access key and a test
# bucket. `weed` is built from source once per machine and cached in
# GOPATH/bin under a versioned name. Everything human-readable goes to
# stderr; stdout carries only the variables the tests read, so:
#
#   eval "$(.ci/s3.sh)"     # start (or reuse) and export TICKETBRIDGE_TEST_S3…
#   .ci/s3.sh stop          # stop the server this script started
#
# Knobs (environment): TB_S3_PORT (18333), TB_S3_DIR (state, logs, data),
# TB_S3_WAIT (seconds to wait for readiness, 120).
set -euo pipefail

WEED_MODULE=github.com/seaweedfs/seaweedfs
WEED_VERSION=v0.0.0-20261109003541-7506e5f91cd6
PORT=${TB_S3_PORT:-18333}
# Ports of the other components, kept off SeaweedFS's defaults so a
# developer's own SeaweedFS does not collide (gRPC ports are these +10000).
MASTER_PORT=$((PORT + 1000))
VOLUME_PORT=$((PORT + 1007))
FILER_PORT=$((PORT + 555))
ACCESS_KEY=ticketbridge
SECRET_KEY=ticketbridge-test-secret
BUCKET=ticketbridge-test
REGION=us-east-1
STATE=${TB_S3_DIR:-${TMPDIR:-/tmp}/ticketbridge-s3-$PORT}
WAIT=${TB_S3_WAIT:-120}
ENDPOINT=http://127.0.0.1:$PORT

log() { echo "s3.sh: $*" >&2; }

gobin() {
  local d
  d=$(go env GOBIN)
  [ -n "$d" ] || d=$(go env GOPATH)/bin
  echo "$d"
}
BIN=$(gobin)/weed-${WEED_VERSION##*-}

stop() {
  if [ -f "$STATE/weed.pid" ]; then
    local pid
    pid=$(cat "$STATE/weed.pid")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping weed (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$STATE/weed.pid"
  fi
}

# install builds weed from the module's own directory: `go install
# pkg@version` refuses a module whose go.mod has replace directives, and
# SeaweedFS's has one.
install() {
  [ -x "$BIN" ] && return 0
  log "building SeaweedFS $WEED_VERSION into $BIN (once per machine; a few minutes)"
  local dir start
  start=$(date +%s)
  # Outside any module, so the project's go.mod and go.sum stay untouched.
  dir=$(cd / && GOWORK=off GOFLAGS= go mod download -json "$WEED_MODULE@$WEED_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { log "could not download $WEED_MODULE@$WEED_VERSION"; exit 1; }
  mkdir -p "$(dirname "$BIN")"
  (cd "$dir" && GOWORK=off GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN.tmp.$$" ./weed) >&2
  mv "$BIN.tmp.$$" "$BIN"
  log "built in $(($(date +%s) - start)) s"
}

# ready is true once a signed request sees the test bucket, which needs
# the gateway, the filer and a volume server all up.
ready() {
  curl -fsS -o /dev/null --max-time 2 -I \
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    "$ENDPOINT/$BUCKET/" 2>/dev/null
}

# writable is true once an object can be stored and removed.
writable() {
  local probe="$ENDPOINT/$BUCKET/.s3sh-probe"
  curl -fsS -o /dev/null --max-time 5 -X PUT --data-binary probe \
    -H "x-amz-content-sha256: $(printf probe | sha256sum | cut -d' ' -f1)" \
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY" "$probe" 2>/dev/null &&
  curl -fsS -o /dev/null --max-time 5 -X DELETE \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" \
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY" "$probe" 2>/dev/null
}

start() {
  if ready; then
    log "reusing the server at $ENDPOINT"
    return 0
  fi
  stop
  install
  rm -rf "$STATE/data"
  mkdir -p "$STATE/data"
  log "starting weed mini on $ENDPOINT (log: $STATE/weed.log)"
  # No telemetry, WebDAV, admin UI, Iceberg or Lance endpoints: loopback
  # S3 and what it needs, nothing else.
  AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY S3_BUCKET=$BUCKET \
    setsid "$BIN" mini \
      -dir="$STATE/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
      -master.port="$MASTER_PORT" -volume.port="$VOLUME_PORT" -filer.port="$FILER_PORT" \
      -s3.port="$PORT" -s3.port.iceberg=0 -s3.port.lance=0 \
      -master.telemetry=false -webdav=false -admin.ui=false \
      -filer.localSocket="$STATE/filer.sock" -s3.localSocket="$STATE/s3.sock" \
      </dev/null >"$STATE/weed.log" 2>&1 &
  echo $! >"$STATE/weed.pid"
  local start
  start=$(date +%s)
  until ready && writable; do
    if ! kill -0 "$(cat "$STATE/weed.pid")" 2>/dev/null; then
      log "weed exited; last lines of $STATE/weed.log:"
      tail -n 20 "$STATE/weed.log" >&2
      exit 1
    fi
    if [ $(($(date +%s) - start)) -ge "$WAIT" ]; then
      log "no answer from $ENDPOINT after $WAIT s; see $STATE/weed.log"
      exit 1
    fi
    sleep 0.5
  done
  log "ready in $(($(date +%s) - start)) s"
}

case "${1:-start}" in
  start) start ;;
  stop) stop; exit 0 ;;
  install) install; exit 0 ;;
  *) log "usage: $0 [start|stop|install]"; exit 2 ;;
esac

cat <<VARS
export TICKETBRIDGE_TEST_S3=$ENDPOINT
export TICKETBRIDGE_TEST_S3_ACCESS_KEY=$ACCESS_KEY
export TICKETBRIDGE_TEST_S3_SECRET_KEY=$SECRET_KEY
export TICKETBRIDGE_TEST_S3_BUCKET=$BUCKET
export TICKETBRIDGE_TEST_S3_REGION=$REGION
VARS
