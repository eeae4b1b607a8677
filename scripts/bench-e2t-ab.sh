#!/usr/bin/env bash
# Event → ticket of two builds (or one build under two environments) in
# alternating rounds: A then B, B then A, and so on. Each run starts
# `serve` with `loadgen config` in a fresh directory (SQLite, the generic
# sink at loadgen's fake ticket system) and offers RATE tickets/s for
# DURATION with `loadgen --ticket-every 1 --tickets-only`: every event a
# /ticket in its own conversation, open loop. Per run: tickets made,
# ticket p50/p99 (send → the fake ticket system's receipt) and ack p50.
#
#   scripts/bench-e2t-ab.sh A_BINARY B_BINARY [OUT.csv]
#   ROUNDS=6 RATE=200 DURATION=10s B_ENV="NAME=value" scripts/bench-e2t-ab.sh BIN BIN
#
# The loadgen of build A drives both, so that only the server differs.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
A=$(realpath "$1"); B=$(realpath "$2"); OUT=${3:-bench-e2t-ab.csv}
ROUNDS=${ROUNDS:-4}; RATE=${RATE:-200}; DURATION=${DURATION:-10s}
A_ENV=${A_ENV:-}; B_ENV=${B_ENV:-}
PORT=18631; SINK=127.0.0.1:18632; CHAT=127.0.0.1:18633
for c in curl python3; do
  command -v "$c" >/dev/null || { echo "bench-e2t-ab: needs $c" >&2; exit 1; }
done
W=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT

echo "round,side,tickets,ticket_p50_ms,ticket_p99_ms,ack_p50_ms,load1" >"$OUT"
run() { # round side binary env
  local r=$1 side=$2 bin=$3 envs=$4 d="$W/$1-$2" pid
  mkdir -p "$d"
  "$bin" loadgen config --listen 127.0.0.1:$PORT --data "$d/data" \
    --sink-url "http://$SINK" --chat-url "http://$CHAT" >"$d/lg.yaml"
  # shellcheck disable=SC2086 # envs is a list of NAME=value words
  (cd "$d" && exec env $envs "$bin" serve --config lg.yaml >server.log 2>&1) & pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "bench-e2t-ab: $bin did not start" >&2; cat "$d/server.log" >&2; exit 1; }
  "$A" loadgen --target "http://127.0.0.1:$PORT" --rate "$RATE" --duration "$DURATION" \
    --conversations 1000000 --ticket-every 1 --tickets-only --sink-listen "$SINK" \
    --chat-listen "$CHAT" --drain-timeout 1m -q --json "$d/out.json" >"$d/loadgen.txt" 2>&1 || true
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$d/out.json" "$r" "$side" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY' | tee -a "$OUT"
import json, sys
s = json.load(open(sys.argv[1]))
t, a = s["ticket"], s["ack"]
print(",".join(str(x) for x in [sys.argv[2], sys.argv[3], s["tickets_created"], t["p50_ms"], t["p99_ms"], a["p50_ms"], sys.argv[4]]))
PY
}
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then run "$r" A "$A" "$A_ENV"; run "$r" B "$B" "$B_ENV"
  else run "$r" B "$B" "$B_ENV"; run "$r" A "$A" "$A_ENV"; fi
done
python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for side in "AB":
    rs = [r for r in rows if r["side"] == side]
    med = lambda k: statistics.median(float(r[k]) for r in rs)
    print(f"# {side}: median ticket p50 {med('ticket_p50_ms'):.3f} ms, p99 {med('ticket_p99_ms'):.3f} ms over {len(rs)} runs")
PY
