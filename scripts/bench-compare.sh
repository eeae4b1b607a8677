#!/usr/bin/env bash
# Two ticketbridge binaries side by side, interleaved rounds, one run: the
# way BENCHMARKS.md compares a change with what came before on this shared,
# noisy machine (only ratios within one run mean much).
#
#   scripts/bench-compare.sh OLD_BINARY NEW_BINARY [OUT.csv]
#   ROUNDS=3 PROFILES="chatter:5000:-1 mixed:1000:10 tickets:200:1" DURATION=15s scripts/bench-compare.sh …
#
# A profile is name:rate:ticket-every (ticket-every -1: chatter only; 1:
# every conversation opens a ticket). Each run starts `serve` on a fresh
# SQLite directory with `loadgen config`, offers the load open-loop with
# `ticketbridge loadgen` (the new binary's, for both), and records
# acknowledgements, tickets, event→ticket latency and how long the backlog
# took to drain after the last send: drain_s is loadgen's (tickets and
# replies), backlog_s how long after that River still had unfinished jobs.
# One CSV line per run. Needs sqlite3 and bc.
set -euo pipefail
OLD=$(realpath "$1"); NEW=$(realpath "$2"); OUT=${3:-bench-compare.csv}
ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-15s}; CONVS=${CONVS:-10000}
PROFILES=${PROFILES:-"chatter:5000:-1 mixed:1000:10 tickets:200:1"}
W=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$W"' EXIT
echo "round,profile,system,offered,accepted_per_s,ack_p99_ms,refused_429,tickets,ticket_p50_ms,ticket_p99_ms,drain_s,backlog_s,load1" >"$OUT"

run() { # round profile system binary rate every
  local r=$1 prof=$2 sys=$3 bin=$4 rate=$5 every=$6 d="$W/$1-$2-$3"
  mkdir -p "$d"
  (cd "$d" && "$bin" loadgen config --listen 127.0.0.1:18581 >lg.yaml && exec "$bin" serve --config lg.yaml >server.log 2>&1) &
  local pid=$!
  for _ in $(seq 300); do curl -sf http://127.0.0.1:18581/readyz >/dev/null && break; sleep 0.1; done
  local t0 backlog q="select count(*) from river_job where state not in ('completed','discarded','cancelled')"
  "$NEW" loadgen --target http://127.0.0.1:18581 --rate "$rate" --duration "$DURATION" \
    --conversations "$CONVS" --ticket-every "$every" --drain-timeout 2m -q --json "$d/out.json" >"$d/loadgen.txt" 2>&1 || true
  # Processing backlog: until no job waits (at most 120 s after loadgen's own drain).
  t0=$(date +%s.%N)
  for _ in $(seq 1200); do
    [ "$(sqlite3 "$d/data-loadgen/ticketbridge.db" "$q" 2>/dev/null || echo 1)" = 0 ] && break; sleep 0.1
  done
  backlog=$(echo "$(date +%s.%N) - $t0" | bc)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$d/out.json" "$r" "$prof" "$sys" "$rate" "$(cut -d' ' -f1 /proc/loadavg)" "$backlog" >>"$OUT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
lat = lambda k, q: s.get(k, {}).get(q, 0)
print(",".join(str(x) for x in [sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
  round(s.get("throughput", 0)), lat("ack", "p99_ms"), s.get("errors", {}).get("429", 0),
  s.get("tickets_created", 0), lat("ticket", "p50_ms"), lat("ticket", "p99_ms"),
  round(s.get("drain_seconds", 0), 2), round(float(sys.argv[7]), 1), sys.argv[6]]))
PY
  tail -n1 "$OUT"
}

for r in $(seq "$ROUNDS"); do
  for p in $PROFILES; do
    IFS=: read -r name rate every <<<"$p"
    run "$r" "$name" old "$OLD" "$rate" "$every"
    run "$r" "$name" new "$NEW" "$rate" "$every"
  done
done
