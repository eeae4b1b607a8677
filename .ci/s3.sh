#!/usr/bin/env bash
# Starts a real S3-compatible server for the blob store's tests: the Versity
# S3 Gateway (versitygw, Apache-2.0) with its posix backend, listening on
# 127.0.0.1 only, with one access key and a test bucket (a directory under
# the backend's root). versitygw is built from the Go module proxy once per
# machine (about four minutes on 2 quiet cores, nothing cached) and kept in
# GOPATH/bin under a versioned name. Everything human-readable goes to
# stderr; stdout carries only the variables the tests read, so:
#
#   eval "$(.ci/s3.sh)"     # start (or reuse) and export TICKETBRIDGE_TEST_S3…
#   .ci/s3.sh stop          # stop the server this script started
#   .ci/s3.sh install       # only build the binary
#
# Knobs (environment): TB_S3_PORT (18333), TB_S3_DIR (state, logs, data),
# TB_S3_WAIT (seconds to wait for readiness, 60).
set -euo pipefail

VGW_MODULE=github.com/versity/versitygw
VGW_VERSION=v1.8.0
PORT=${TB_S3_PORT:-18333}
ACCESS_KEY=ticketbridge
SECRET_KEY=ticketbridge-test-secret
BUCKET=ticketbridge-test
REGION=us-east-1
STATE=${TB_S3_DIR:-${TMPDIR:-/tmp}/ticketbridge-s3-$PORT}
WAIT=${TB_S3_WAIT:-60}
ENDPOINT=http://127.0.0.1:$PORT

log() { echo "s3.sh: $*" >&2; }

gobin() {
  local d
  d=$(go env GOBIN)
  [ -n "$d" ] || d=$(go env GOPATH)/bin
  echo "$d"
}
BIN=$(gobin)/versitygw-$VGW_VERSION

stop() {
  if [ -f "$STATE/s3.pid" ]; then
    local pid
    pid=$(cat "$STATE/s3.pid")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping versitygw (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$STATE/s3.pid"
  fi
}

install() {
  [ -x "$BIN" ] && return 0
  log "building versitygw $VGW_VERSION into $BIN (once per machine; a few minutes)"
  local tmp start
  start=$(date +%s)
  tmp=$(mktemp -d)
  # Outside any module, so the project's go.mod and go.sum stay untouched;
  # GOFLAGS is cleared so a -mod or -buildvcs setting does not leak in.
  # Without symbol tables (-s -w) the link step is shorter.
  (cd / && GOWORK=off GOFLAGS= GOBIN="$tmp" go install -trimpath -ldflags="-s -w" "$VGW_MODULE/cmd/versitygw@$VGW_VERSION") >&2
  mkdir -p "$(dirname "$BIN")"
  mv "$tmp/versitygw" "$BIN"
  rmdir "$tmp"
  log "built in $(($(date +%s) - start)) s"
}

# ready is true once a signed request sees the test bucket.
ready() {
  curl -fsS -o /dev/null --max-time 2 -I \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" \
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
  rm -rf "$STATE/data" "$STATE/meta"
  # With the posix backend a bucket is a directory under the root. Object
  # metadata goes to a sidecar directory, so the file system needs no
  # extended attributes.
  mkdir -p "$STATE/data/$BUCKET" "$STATE/meta"
  log "starting versitygw on $ENDPOINT (log: $STATE/s3.log)"
  setsid "$BIN" --port "127.0.0.1:$PORT" --access "$ACCESS_KEY" --secret "$SECRET_KEY" \
      --region "$REGION" --quiet \
      posix --sidecar "$STATE/meta" "$STATE/data" \
      </dev/null >"$STATE/s3.log" 2>&1 &
  echo $! >"$STATE/s3.pid"
  local start
  start=$(date +%s)
  until ready && writable; do
    if ! kill -0 "$(cat "$STATE/s3.pid")" 2>/dev/null; then
      log "versitygw exited; last lines of $STATE/s3.log:"
      tail -n 20 "$STATE/s3.log" >&2
      exit 1
    fi
    if [ $(($(date +%s) - start)) -ge "$WAIT" ]; then
      log "no answer from $ENDPOINT after $WAIT s; see $STATE/s3.log"
      exit 1
    fi
    sleep 0.2
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
