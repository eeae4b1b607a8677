#!/usr/bin/env bash
# Runs every Fuzz* target of the module for a while each: 3 s in CI
# (.ci/run calls this script), FUZZTIME=5m for the longer run that
# SECURITY.md and BENCHMARKS.md describe. FUZZ_MATCH narrows the targets
# to those whose "package:Name" matches the extended regexp.
#   bash .ci/fuzz.sh                      # every target, 3 s each
#   FUZZTIME=5m bash .ci/fuzz.sh          # every target, 5 minutes each
#   FUZZTIME=5m FUZZ_MATCH=slack bash .ci/fuzz.sh
# A failure leaves its input under the package's testdata/fuzz/, where
# plain `go test` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-3s}"
match="${FUZZ_MATCH:-.}"
targets=$(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . |
  while read -r file; do
    pkg="./$(dirname "${file#./}")"
    grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | sed "s|^func |$pkg:|"
  done | sort -u | grep -E -- "$match" || true)
[ -n "$targets" ] || { echo "no fuzz targets match $match" >&2; exit 1; }

failed=0
for t in $targets; do
  pkg="${t%%:*}" name="${t##*:}"
  echo "fuzz $pkg $name for $fuzztime"
  if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg"; then
    echo "FAIL: $pkg $name" >&2
    failed=1
  fi
done
exit "$failed"
