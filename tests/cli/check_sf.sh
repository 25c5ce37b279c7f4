#!/usr/bin/env bash
# San Francisco end to end (150 m hexagons, 41 neighbourhoods, incidents as
# cases): run the scenario, check report.json, and check the output folder
# with the independent checker in ../shared/tools.
set -euo pipefail
bin=$1
src=${GP_SOURCE_DIR:?}
shared=${GP_SHARED_DIR:-$src/../shared}
if [ ! -f "$shared/tools/check_plan.py" ] || [ ! -f "$shared/datasets/sf/SFCrime_blocks.shp" ]; then
  echo "check.sf: skipped: $shared (datasets/sf and tools/) not found beside the checkout"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sed -e "s|\.\./\.\./shared/|$shared/|" -e "s|^time_limit = .*|time_limit = 3|" "$src/scenarios/sf-cells.ini" > "$out/sf.ini"
rc=0
"$bin" --quiet run "$out/sf.ini" --out "$out/sf" || rc=$?
# 5: some neighbourhoods cannot meet 700..1200 people (diagnosed, written)
[ "$rc" = 0 ] || [ "$rc" = 5 ] || { echo "check.sf: gridplan exited $rc"; exit 1; }
/usr/bin/python3 "$src/tests/cli/check_sf.py" "$out/sf" "$shared"
