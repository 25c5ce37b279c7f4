#!/usr/bin/env bash
# San Francisco end to end (150 m hexagons, 41 neighbourhoods, incidents as
# cases) at the scenario's effort, written in EPSG:4326 (the neighbourhoods'
# CRS). Runs it on two threads and checks report.json and the output folder
# (the independent checker with --strict: every written geometry valid);
# then runs it again in another process on one thread, pinned to one core
# while two busy loops load the machine, and checks that the plan is the
# same: digest, atom -> grid map, report.json but for its times.
set -euo pipefail
bin=$1
src=${GP_SOURCE_DIR:?}
shared=${GP_SHARED_DIR:-$src/../shared}
if [ ! -f "$shared/tools/check_plan.py" ] || [ ! -f "$shared/datasets/sf/SFCrime_blocks.shp" ]; then
  echo "check.sf: skipped: $shared (datasets/sf and tools/) not found beside the checkout"
  exit 77
fi
out=$(mktemp -d)
busy=()
cleanup() {
  for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT
for t in 1 2; do
  sed -e "s|\.\./\.\./shared/|$shared/|" -e "s|^effort = .*|&\nthreads = $t|" "$src/scenarios/sf-cells.ini" > "$out/sf$t.ini"
done
grep -q "^threads = 2" "$out/sf2.ini" || { echo "check.sf: scenarios/sf-cells.ini has no effort line to follow"; exit 1; }

run() { # run TAG [PREFIX...]: exit 0 or 5 (some neighbourhoods cannot meet 700..1200 people: diagnosed, written)
  local t=$1 rc=0
  shift
  "$@" "$bin" --quiet run "$out/sf$t.ini" --out "$out/sf$t" || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 5 ] || { echo "check.sf: gridplan (threads = $t) exited $rc"; exit 1; }
}
run 2
# the second run: one thread, one core, and that core busy
pin=()
command -v taskset > /dev/null && pin=(taskset -c 0)
for _ in 1 2; do
  ( while :; do :; done ) &
  busy+=($!)
done
run 1 "${pin[@]}"
for p in "${busy[@]}"; do kill "$p" 2>/dev/null || true; done
busy=()
/usr/bin/python3 "$src/tests/cli/check_sf.py" "$out/sf2" "$shared" "$out/sf1"
