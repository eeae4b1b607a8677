#!/usr/bin/env bash
# ticketbridge against the Node-RED baseline flow (scripts/nodered/), in
# interleaved rounds of one run, as issue #11 compares them. Only figures
# from the same run compare: this machine is shared and noisy.
#
#   scripts/bench-nodered.sh TICKETBRIDGE_BINARY [OUT.csv]
#   ROUNDS=3 DURATION=15s CONNS="64 256" RATES="50 200" scripts/bench-nodered.sh ./ticketbridge
#   (CONNS="" runs no closed-loop test, RATES="" no open-loop test)
#
# Two measurements, each run on a freshly started server:
#
# closed  Closed-loop ingest of chatter with shared/bench/loadgen (built
#         from there), CONNS senders for DURATION: events/s and ack p50/p99.
#         ticketbridge runs `serve` on its embedded default (as
#         shared/bench/ingest-ratio.sh does); afterwards the script waits
#         up to BACKLOG_MAX seconds (default 120; 0: no wait) for its job
#         backlog to drain and records how long that took. The flow has no
#         backlog: it does its work before it answers.
# open    Open-loop event→ticket with `TICKETBRIDGE_BINARY loadgen
#         --ticket-every 1 --tickets-only` at RATES tickets/s offered for
#         DURATION: every event is a /ticket in its own conversation.
#         ticketbridge runs `serve` with `loadgen config`; the flow posts
#         to the same fake ticket system. --tickets-only: no status
#         webhooks and no waiting for chat replies, which the flow does not
#         send, so both do the same work. backlog_s is loadgen's drain:
#         from the last send to the last ticket.
#
# REFERENCE=1 adds the reference ingest server (shared/bench/limit) to the
# closed-loop runs, with the same load generator and senders: its ratio to
# the flow bounds what any server that stores each event as durably can
# reach against the flow on this machine.
#
# NR_DURABLE=1 runs the flow in its durable variant (scripts/nodered/
# README.md): it stores every event in SQLite, fsync before the answer,
# and drops redeliveries, as ticketbridge does; unset, it stores nothing.
#
# The order of the two systems alternates from round to round. One CSV
# line per run (also echoed); load1_before/load1_after are the 1-minute
# load average before the server starts and after the load ends. Medians
# and ratios follow at the end, as comment lines on stdout only.
# Needs go, curl, python3, sqlite3, bc; the first run installs node-red
# into scripts/nodered/node_modules (npm ci).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,5p' "$0" >&2; exit 2; }
TB=$(realpath "$1"); OUT=${2:-bench-nodered.csv}
here=$(cd "$(dirname "$0")" && pwd)
BENCH=${BENCH:-$(cd "$here/../.." && pwd)/shared/bench}
[ -d "$BENCH/loadgen" ] || BENCH=/work/shared/bench
ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-15s}; CONNS=${CONNS-"64 256"}; RATES=${RATES-"50 200"}
BACKLOG_MAX=${BACKLOG_MAX:-120}
NR_DURABLE=${NR_DURABLE:-0}
REFERENCE=${REFERENCE:-0}
# loadgen's public test secrets (internal/loadgen/options.go): loopback only.
SECRET=whsec_dGlja2V0YnJpZGdlLWxvYWRnZW4tc291cmNlLWtleSE=
SINK_SECRET=whsec_dGlja2V0YnJpZGdlLWxvYWRnZW4tc2luay1rZXkhISE=
NR_PORT=18590; TB_PORT=18591; SINK=127.0.0.1:18592; CHAT=127.0.0.1:18593

for c in go curl python3 sqlite3 bc; do
  command -v "$c" >/dev/null || { echo "bench-nodered: needs $c" >&2; exit 1; }
done
secs=$(python3 -c 'import re,sys
m=re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?",sys.argv[1])
if not m or not sys.argv[1]: sys.exit("DURATION: give e.g. 15s, 2m or 1m30s")
print(int(m.group(1) or 0)*60+int(m.group(2) or 0))' "$DURATION")

W=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
(cd "$BENCH/loadgen" && go build -o "$W/cl-loadgen" .)
[ "$REFERENCE" = 1 ] && (cd "$BENCH/limit" && go build -o "$W/limit" .)
if [ ! -x "$here/nodered/node_modules/.bin/node-red" ]; then
  (cd "$here/nodered" && npm ci --no-audit --no-fund --loglevel=error)
fi

T_LIMIT='{"conversation":"{conv}","sender":"s-{conv}","text":"thanks, that answers my question #{i}"}'
T_CHAT='{"type":"message","conversation":{"id":"{conv}"},"sender":{"id":"s-{conv}","role":"customer"},"text":"thanks, that answers my question #{i}"}'
COLS=round,test,load,system,events_per_s,ack_p50_ms,ack_p99_ms,non_2xx,tickets,tickets_expected,ticket_p50_ms,ticket_p99_ms,backlog_s,load1_before,load1_after
echo "$COLS" >"$OUT"; echo "$COLS"

load1() { cut -d' ' -f1 /proc/loadavg; }

wait_code() { # url code: until a POST of {} gets that status (30 s at most)
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$1" || true)" = "$2" ] && return 0
    sleep 0.1
  done
  echo "bench-nodered: no answer from $1" >&2; return 1
}

# wait_free port: until nothing listens there (30 s at most). A server of
# the previous run that is still shutting down would otherwise answer in
# the next one's place (its flow's settings, its backlog).
wait_free() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
    sleep 0.1
  done
  echo "bench-nodered: port $1 still in use after 30 s" >&2; return 1
}

SRV=""
start() { # system test dir: starts the server, sets SRV (pid) and URL
  local sys=$1 test=$2 d=$3
  mkdir -p "$d/data"
  wait_free "$NR_PORT"; wait_free "$TB_PORT"
  if [ "$sys" = reference ]; then
    "$W/limit" serve -mode group -addr 127.0.0.1:$TB_PORT -db "$d/data/limit.db" -secret "$SECRET" >"$d/server.log" 2>&1 &
    SRV=$!; URL=http://127.0.0.1:$TB_PORT
    for _ in $(seq 300); do curl -sf "$URL/stats" >/dev/null && break; sleep 0.1; done
  elif [ "$sys" = nodered ]; then
    local db=""
    [ "$NR_DURABLE" = 1 ] && db="$d/data/events.db"
    NR_PORT=$NR_PORT NR_SOURCE_SECRET=$SECRET NR_SINK_URL=http://$SINK NR_SINK_SECRET=$SINK_SECRET \
      NR_DB="$db" NR_USER_DIR="$d/data" "$here/nodered/run.sh" >"$d/server.log" 2>&1 &
    SRV=$!; URL=http://127.0.0.1:$NR_PORT
    wait_code "$URL/hooks/im/chat" 401
  else
    if [ "$test" = closed ]; then
      echo "$SECRET" >"$d/data/dev-secret"
      (cd "$d" && exec "$TB" serve --listen 127.0.0.1:$TB_PORT >server.log 2>&1) &
    else
      (cd "$d" && "$TB" loadgen config --listen 127.0.0.1:$TB_PORT --data ./data --sink-url http://$SINK --chat-url http://$CHAT >lg.yaml &&
        exec "$TB" serve --config lg.yaml >server.log 2>&1) &
    fi
    SRV=$!; URL=http://127.0.0.1:$TB_PORT
    for _ in $(seq 300); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.1; done
    curl -sf "$URL/readyz" >/dev/null || { echo "bench-nodered: ticketbridge did not start (see $d/server.log)" >&2; cat "$d/server.log" >&2; return 1; }
  fi
}

stop() { kill -TERM "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; SRV=""; }

# backlog d: seconds until ticketbridge's job queue is empty (BACKLOG_MAX at most).
backlog() {
  local t0 q="select count(*) from river_job where state not in ('completed','discarded','cancelled')"
  [ "$BACKLOG_MAX" -gt 0 ] || { echo ""; return; }
  t0=$(date +%s.%N)
  for _ in $(seq $((BACKLOG_MAX * 10))); do
    [ "$(sqlite3 "$1/data/ticketbridge.db" "$q" 2>/dev/null || echo 1)" = 0 ] && break; sleep 0.1
  done
  printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)"
}

closed() { # round system conns
  local r=$1 sys=$2 c=$3 d="$W/$1-closed-$3-$2" l0 out bl=""
  l0=$(load1); start "$sys" closed "$d"
  local path=/hooks/im/chat tmpl=$T_CHAT
  [ "$sys" = reference ] && path=/hook tmpl=$T_LIMIT
  out=$("$W/cl-loadgen" -url "$URL$path" -secret "$SECRET" -conns "$c" -duration "$DURATION" \
    -n $((secs * 30000 + 20000)) -convs 10000 -template "$tmpl")
  echo "$out" >"$d/out.json"
  local l1; l1=$(load1)
  [ "$sys" = ticketbridge ] && bl=$(backlog "$d")
  stop
  python3 - "$d/out.json" "$r" "$c" "$sys" "$bl" "$l0" "$l1" <<'PY' | tee -a "$OUT"
import json, sys
s = json.load(open(sys.argv[1]))
r, c, sysname, bl, l0, l1 = sys.argv[2:8]
print(",".join(str(x) for x in [r, "closed", c, sysname, round(s["rps"]), s["p50_ms"], s["p99_ms"],
  s["errors"], "", "", "", "", bl, l0, l1]))
PY
}

open_() { # round system rate
  local r=$1 sys=$2 rate=$3 d="$W/$1-open-$3-$2" l0
  l0=$(load1); start "$sys" open "$d"
  "$TB" loadgen --target "$URL" --rate "$rate" --duration "$DURATION" --conversations 1000000 \
    --ticket-every 1 --tickets-only --sink-listen "$SINK" --chat-listen "$CHAT" --drain-timeout 2m \
    -q --json "$d/out.json" >"$d/loadgen.txt" 2>&1 || true
  local l1; l1=$(load1)
  stop
  python3 - "$d/out.json" "$r" "$rate" "$sys" "$l0" "$l1" <<'PY' | tee -a "$OUT"
import json, sys
s = json.load(open(sys.argv[1]))
r, rate, sysname, l0, l1 = sys.argv[2:7]
a, t = s.get("ack", {}), s.get("ticket", {})
print(",".join(str(x) for x in [r, "open", rate, sysname, round(s.get("throughput", 0)),
  a.get("p50_ms", 0), a.get("p99_ms", 0), sum(s.get("errors", {}).values()),
  s.get("tickets_created", 0), s.get("tickets_expected", 0), t.get("p50_ms", 0), t.get("p99_ms", 0),
  round(s.get("drain_seconds", 0), 2), l0, l1]))
PY
}

for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="ticketbridge nodered"; else order="nodered ticketbridge"; fi
  closed_order=$order
  [ "$REFERENCE" = 1 ] && closed_order="$order reference"
  [ "$REFERENCE" = 1 ] && [ $((r % 2)) = 0 ] && closed_order="reference $order"
  for c in $CONNS; do for s in $closed_order; do closed "$r" "$s" "$c"; done; done
  for rate in $RATES; do for s in $order; do open_ "$r" "$s" "$rate"; done; done
done

# Medians per test and load, and ticketbridge's ratios to the flow:
# issue #11 asks events/s ≥ 10×, ack p99 ≤ 1/5 (closed) and ticket
# p50/p99 no worse (open, ratio ≤ 1).
python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
med = lambda xs: statistics.median(xs) if xs else float("nan")
def m(test, load, system, col):
    return med([float(x[col]) for x in rows if x["test"] == test and x["load"] == load and x["system"] == system and x[col] != ""])
def ratio(a, b):
    return a / b if b else float("nan")
for load in dict.fromkeys(x["load"] for x in rows if x["test"] == "closed"):
    tb, nr = (m("closed", load, s, "events_per_s") for s in ("ticketbridge", "nodered"))
    tp, np_ = (m("closed", load, s, "ack_p99_ms") for s in ("ticketbridge", "nodered"))
    print(f"# closed {load} senders, medians: events/s ticketbridge {tb:.0f} nodered {nr:.0f} (x{ratio(tb, nr):.2f}, target >= 10); "
          f"ack p99 ms ticketbridge {tp:g} nodered {np_:g} (x{ratio(tp, np_):.2f}, target <= 0.2)")
    rf, rp = m("closed", load, "reference", "events_per_s"), m("closed", load, "reference", "ack_p99_ms")
    if rf == rf:  # REFERENCE=1 ran
        print(f"# closed {load} senders, reference: events/s {rf:.0f} (x{ratio(rf, nr):.2f} the flow; ticketbridge x{ratio(tb, rf):.2f} the reference); "
              f"ack p99 ms {rp:g} (x{ratio(rp, np_):.2f} the flow's)")
for load in dict.fromkeys(x["load"] for x in rows if x["test"] == "open"):
    t50, n50 = (m("open", load, s, "ticket_p50_ms") for s in ("ticketbridge", "nodered"))
    t99, n99 = (m("open", load, s, "ticket_p99_ms") for s in ("ticketbridge", "nodered"))
    print(f"# open {load} tickets/s, medians: ticket p50 ms ticketbridge {t50:g} nodered {n50:g} (x{ratio(t50, n50):.2f}); "
          f"ticket p99 ms ticketbridge {t99:g} nodered {n99:g} (x{ratio(t99, n99):.2f}); target <= 1")
PY
