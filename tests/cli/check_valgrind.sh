#!/usr/bin/env bash
# The demo, as shipped, under valgrind's memcheck: no invalid read or
# write, no use of uninitialised values, no memory definitely lost
# (--error-exitcode makes any of them fail the test). The plan must be the
# one the same binary writes without valgrind: the same plan digest,
# although valgrind runs it some fifty times slower (the search stops on
# work, not on time).
set -euo pipefail
bin=$1
src=${GP_SOURCE_DIR:?}
if ! command -v valgrind >/dev/null; then
  echo "check.valgrind: skipped: valgrind is not installed (scripts/deps test installs it)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" --quiet run "$src/datasets/demo/scenario.ini" --out "$out/plain"
rc=0
valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite --num-callers=30 --log-file="$out/valgrind.log" \
  "$bin" --quiet run "$src/datasets/demo/scenario.ini" --out "$out/vg" || rc=$?
if [ "$rc" != 0 ]; then
  echo "check.valgrind: gridplan under valgrind exited $rc; valgrind's report:"
  grep -v "^==[0-9]*== *$" "$out/valgrind.log" | head -80
  exit 1
fi
digest() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan_digest"])' "$1/report.json"; }
a=$(digest "$out/plain")
b=$(digest "$out/vg")
if [ "$a" != "$b" ]; then
  echo "check.valgrind: the plan under valgrind ($b) differs from the plan without it ($a)"
  exit 1
fi
ogrinfo -ro -so "$out/vg/atoms.gpkg" atoms | grep -q "Feature Count: 344"
errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$out/valgrind.log" | tail -1)
lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$out/valgrind.log" | tail -1)
echo "check.valgrind: the demo under memcheck: ${errors:-0} errors, ${lost:-0} bytes definitely lost; plan $a, as without valgrind"
