#!/usr/bin/env bash
# Closed-loop ingest of two builds (or one build under two environments) in
# alternating pairs: A then B, B then A, and so on. On a shared machine the
# same build varies by ±20 % between runs minutes apart, so a change worth
# less than that shows only as a lean across many pairs, which this prints.
#
#   scripts/bench-ab.sh A_BINARY B_BINARY [OUT.csv]
#   PAIRS=8 CONNS=64 DURATION=10s A_ENV="GOGC=100" B_ENV="GOGC=200" scripts/bench-ab.sh BIN BIN
#
# Each run starts `serve` on its embedded default in a fresh directory and
# drives it with the shared load generator (../shared/bench/loadgen), the
# same chatter template as ingest-ratio.sh. Per run: events/s, ack p99,
# and the server's CPU per event from /proc/<pid>/stat.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
A=$(realpath "$1"); B=$(realpath "$2"); OUT=${3:-bench-ab.csv}
here=$(cd "$(dirname "$0")" && pwd)
BENCH=${BENCH:-$(cd "$here/../.." && pwd)/shared/bench}
[ -d "$BENCH/loadgen" ] || BENCH=/work/shared/bench
PAIRS=${PAIRS:-8}; CONNS=${CONNS:-64}; DURATION=${DURATION:-10s}
A_ENV=${A_ENV:-}; B_ENV=${B_ENV:-}
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
PORT=18595
TEMPLATE='{"type":"message","conversation":{"id":"{conv}"},"sender":{"id":"s-{conv}","role":"customer"},"text":"thanks, that answers my question #{i}"}'

for c in go curl python3; do
  command -v "$c" >/dev/null || { echo "bench-ab: needs $c" >&2; exit 1; }
done
W=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
(cd "$BENCH/loadgen" && go build -o "$W/loadgen" .)
TICK=$(getconf CLK_TCK)

echo "pair,side,events_per_s,ack_p99_ms,server_cpu_us_per_event,load1" >"$OUT"
run() { # pair side binary env
  local p=$1 side=$2 bin=$3 envs=$4 d="$W/$1-$2" pid t0 t1 out
  mkdir -p "$d/data"; echo "$SECRET" >"$d/data/dev-secret"
  # shellcheck disable=SC2086 # envs is a list of NAME=value words
  (cd "$d" && exec env $envs "$bin" serve --listen 127.0.0.1:$PORT >server.log 2>&1) & pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "bench-ab: $bin did not start" >&2; cat "$d/server.log" >&2; exit 1; }
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$("$W/loadgen" -url "http://127.0.0.1:$PORT/hooks/im/chat" -secret "$SECRET" -conns "$CONNS" \
    -duration "$DURATION" -n 400000 -convs 10000 -template "$TEMPLATE")
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$out" "$p" "$side" "$((t1 - t0))" "$TICK" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY' | tee -a "$OUT"
import json, sys
s = json.loads(sys.argv[1]); p, side, ticks, tick, load = sys.argv[2:7]
n = max(s["requests"], 1)
print(f'{p},{side},{round(s["rps"])},{s["p99_ms"]},{int(ticks) / int(tick) * 1e6 / n:.1f},{load}')
PY
}

for p in $(seq "$PAIRS"); do
  if [ $((p % 2)) = 1 ]; then run "$p" A "$A" "$A_ENV"; run "$p" B "$B" "$B_ENV"
  else run "$p" B "$B" "$B_ENV"; run "$p" A "$A" "$A_ENV"; fi
done

python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
side = lambda s, col: [float(r[col]) for r in sorted(rows, key=lambda r: int(r["pair"])) if r["side"] == s]
a, b = side("A", "events_per_s"), side("B", "events_per_s")
ca, cb = side("A", "server_cpu_us_per_event"), side("B", "server_cpu_us_per_event")
wins = sum(y > x for x, y in zip(a, b))
print(f"# events/s mean A {statistics.mean(a):.0f} B {statistics.mean(b):.0f} "
      f"(B/A {statistics.mean(b) / statistics.mean(a):.3f}); B higher in {wins} of {len(a)} pairs")
print(f"# server CPU µs/event mean A {statistics.mean(ca):.1f} B {statistics.mean(cb):.1f}")
PY
