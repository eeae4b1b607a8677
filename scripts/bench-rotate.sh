#!/usr/bin/env bash
# Two builds and the reference ingest server (../shared/bench/limit) in one
# rotation: every round runs all three at each sender count, in an order
# that reverses from round to round, so each build's ratio to the reference
# comes from runs minutes apart on the same machine. ingest-ratio.sh
# compares one build with the reference; this one also shows how a change
# moves that ratio when the reference itself drifts by ±20 % between runs.
#
#   scripts/bench-rotate.sh BASE_BINARY NEW_BINARY [OUT.csv]
#   ROUNDS=4 CONNS="64 256" DURATION=15s scripts/bench-rotate.sh BASE NEW
#
# Per run: events/s, ack p99, the server's CPU per event (/proc/<pid>/stat)
# and, for ticketbridge, the seconds until its job backlog drained. At the
# end: the median ratio to the reference per build and sender count.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
BASE=$(realpath "$1"); NEW=$(realpath "$2"); OUT=${3:-bench-rotate.csv}
here=$(cd "$(dirname "$0")" && pwd)
BENCH=${BENCH:-$(cd "$here/../.." && pwd)/shared/bench}
[ -d "$BENCH/loadgen" ] || BENCH=/work/shared/bench
ROUNDS=${ROUNDS:-4}; CONNS=${CONNS:-"64 256"}; DURATION=${DURATION:-15s}
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
T_TB='{"type":"message","conversation":{"id":"{conv}"},"sender":{"id":"s-{conv}","role":"customer"},"text":"thanks, that answers my question #{i}"}'
T_LIM='{"conversation":"{conv}","sender":"s-{conv}","text":"thanks, that answers my question #{i}"}'

for c in go curl python3 sqlite3; do
  command -v "$c" >/dev/null || { echo "bench-rotate: needs $c" >&2; exit 1; }
done
W=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
(cd "$BENCH/limit" && go build -o "$W/limit" .)
(cd "$BENCH/loadgen" && go build -o "$W/loadgen" .)
TICK=$(getconf CLK_TCK)

wait_http() { for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

echo "round,conns,system,events_per_s,ack_p99_ms,server_cpu_us_per_event,drain_s,load1" >"$OUT"
run() { # system conns round
  local sys=$1 c=$2 r=$3 d="$W/$1-$2-$3" pid url tmpl out t0 t1 drain=""
  mkdir -p "$d/data"; echo "$SECRET" >"$d/data/dev-secret"
  if [ "$sys" = reference ]; then
    "$W/limit" serve -mode group -addr 127.0.0.1:18480 -db "$d/limit.db" -secret "$SECRET" >"$d/server.log" 2>&1 & pid=$!
    url=http://127.0.0.1:18480/hook; tmpl=$T_LIM; wait_http http://127.0.0.1:18480/stats
  else
    local bin=$BASE; [ "$sys" = new ] && bin=$NEW
    (cd "$d" && exec "$bin" serve --listen 127.0.0.1:18481 >server.log 2>&1) & pid=$!
    url=http://127.0.0.1:18481/hooks/im/chat; tmpl=$T_TB; wait_http http://127.0.0.1:18481/readyz
  fi
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$("$W/loadgen" -url "$url" -secret "$SECRET" -conns "$c" -duration "$DURATION" -n 400000 -convs 10000 -template "$tmpl")
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  if [ "$sys" != reference ]; then
    local s0=$SECONDS q="select count(*) from river_job where state not in ('completed','discarded','cancelled')"
    while [ $((SECONDS - s0)) -lt 120 ]; do
      [ "$(sqlite3 "$d/data/ticketbridge.db" "$q" 2>/dev/null || echo 1)" = 0 ] && break; sleep 1
    done
    drain=$((SECONDS - s0))
  fi
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$out" "$r" "$c" "$sys" "$((t1 - t0))" "$TICK" "$drain" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY' | tee -a "$OUT"
import json, sys
s = json.loads(sys.argv[1]); r, c, sys_, ticks, tick, drain, load = sys.argv[2:9]
n = max(s["requests"], 1)
print(f'{r},{c},{sys_},{round(s["rps"])},{s["p99_ms"]},{int(ticks) / int(tick) * 1e6 / n:.1f},{drain},{load}')
PY
}

for r in $(seq "$ROUNDS"); do
  for c in $CONNS; do
    order="reference base new"; [ $((r % 2)) = 0 ] && order="new base reference"
    for sys in $order; do run "$sys" "$c" "$r"; done
  done
done

python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for x in rows:
    by[(x["round"], x["conns"], x["system"])] = float(x["events_per_s"])
for c in sorted({x["conns"] for x in rows}, key=int):
    rounds = sorted({x["round"] for x in rows if x["conns"] == c}, key=int)
    line = []
    for s in ("base", "new"):
        ratios = [by[(r, c, s)] / by[(r, c, "reference")] for r in rounds]
        line.append(f"{s} {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")
    higher = sum(by[(r, c, "new")] > by[(r, c, "base")] for r in rounds)
    print(f"# {c} senders, median ratio to the reference: " + ", ".join(line) + f"; new above base in {higher} of {len(rounds)}")
PY
