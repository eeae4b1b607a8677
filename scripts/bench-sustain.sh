#!/usr/bin/env bash
# Sustained processing: offers chatter at a fixed rate for a while and
# samples, every second, the processing lag and the events processed
# against the events accepted (/metrics), then prints loadgen's summary,
# the largest lag seen and the peak RSS. Issue #11's "≥ 5,000 chatter
# events/s end to end for 60 s, backlog never above 1 s of work":
#
#   scripts/bench-sustain.sh BINARY sqlite|postgres RATE DURATION
#   scripts/bench-sustain.sh /tmp/tb sqlite 5000 60s
#
# PostgreSQL runs in a fresh schema of 127.0.0.1:5432/test (trust auth),
# dropped afterwards.
set -uo pipefail
B=$(realpath "$1"); ST=$2; RATE=$3; DUR=$4
d=$(mktemp -d); cd $d
args="--listen 127.0.0.1:18580 --sink-url http://127.0.0.1:18590 --chat-url http://127.0.0.1:18591"
lg="--target http://127.0.0.1:18580 --sink-listen 127.0.0.1:18590 --chat-listen 127.0.0.1:18591 -q"
if [ $ST = postgres ]; then
  schema=sustain_$$; psql -h 127.0.0.1 -U postgres test -qc "create schema $schema" >/dev/null
  $B loadgen config --postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' $args | sed "s/^  driver: postgres/  driver: postgres\n  schema: $schema/" > lg.yaml
else
  $B loadgen config --data ./data $args > lg.yaml
fi
$B serve --config lg.yaml > server.log 2>&1 & pid=$!
for i in $(seq 100); do curl -sf http://127.0.0.1:18580/readyz >/dev/null && break; sleep 0.1; done
( while kill -0 $pid 2>/dev/null; do
   curl -s http://127.0.0.1:18580/metrics | awk -v t=$(date +%s) '/^ticketbridge_processing_lag_seconds /{l=$2} /^ticketbridge_events_processed_total /{p=$2} /^ticketbridge_events_total\{kind="message",result="accepted"/{a=$2} END{print t, "lag", l, "processed", p, "accepted", a}'
   sleep 1; done ) > samples.txt &
$B loadgen $lg --rate $RATE --duration $DUR --conversations 10000 --ticket-every -1 --json out.json > lg.txt 2>&1
sleep 2
echo "== $ST rate=$RATE dur=$DUR load=$(cut -d' ' -f1 /proc/loadavg)"
python3 -c "
import json;o=json.load(open('out.json'));print({k:o[k] for k in o if not isinstance(o[k],list)})" 2>/dev/null || cat lg.txt | tail -15
awk "BEGIN{m=0} {if(\$3+0>m)m=\$3+0; n++} END{print \"max processing lag s:\", m, \"samples\", n}" samples.txt
tail -1 samples.txt
grep -E 'VmHWM' /proc/$pid/status
kill -TERM $pid; wait $pid 2>/dev/null
[ $ST = postgres ] && psql -h 127.0.0.1 -U postgres test -qc "drop schema $schema cascade" >/dev/null 2>&1
rm -rf $d
