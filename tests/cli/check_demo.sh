#!/usr/bin/env bash
# Runs the demo and checks its output folder with the independent checker
# in ../shared/tools (contiguity, nesting, bounds, mass from input units).
set -euo pipefail
bin=$1
src=${GP_SOURCE_DIR:?}
checker=${GP_SHARED_DIR:-$src/../shared}/tools/check_plan.py
if [ ! -f "$checker" ]; then
  echo "check.demo: skipped: $checker not found (it lives in ../shared beside the checkout)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" --quiet run "$src/datasets/demo/scenario.ini" --out "$out/demo"
# the layers open in GDAL's own tool, with the contract's feature counts
ogrinfo -ro -so "$out/demo/grids.gpkg" grids | grep -q "Feature Count: [1-9]"
ogrinfo -ro -so "$out/demo/atoms.gpkg" atoms | grep -q "Feature Count: 344"
# the plan does not depend on the number of threads
sed -e 's/^\[solver\]/[solver]\nthreads = 1/' \
    -e "s#= \([a-z_]*\.gpkg\)#= $src/datasets/demo/\1#" \
    "$src/datasets/demo/scenario.ini" > "$out/threads1.ini"
"$bin" --quiet run "$out/threads1.ini" --out "$out/one"
sql="SELECT atom_id, grid_id FROM atoms ORDER BY atom_id"
diff <(ogrinfo -ro -q "$out/demo/atoms.gpkg" -sql "$sql") <(ogrinfo -ro -q "$out/one/atoms.gpkg" -sql "$sql") >/dev/null \
  || { echo "check.demo: the plan with threads = 1 differs from the default"; exit 1; }
# rebalancing a plan that already meets every bound, stability dominant:
# it comes back unchanged, ids included, with 0 households moved
sed -e "s#= \([a-z_]*\.gpkg\)#= $src/datasets/demo/\1#" -e "s#^existing_plan = .*#existing_plan = $out/demo/grids.gpkg#" \
    -e 's/^\[objective\]/[objective]\nstability = 10/' "$src/datasets/demo/scenario.ini" > "$out/again.ini"
"$bin" --quiet run "$out/again.ini" --out "$out/again"
grep -q '"households_moved": 0,' "$out/again/report.json" \
  || { echo "check.demo: rebalancing a feasible plan moved households"; grep households_moved "$out/again/report.json" | head -3; exit 1; }
diff <(ogrinfo -ro -q "$out/demo/atoms.gpkg" -sql "$sql") <(ogrinfo -ro -q "$out/again/atoms.gpkg" -sql "$sql") >/dev/null \
  || { echo "check.demo: rebalancing a feasible plan changed it"; exit 1; }
/usr/bin/python3 "$checker" "$out/demo" --bound households=300..500 --bound population=..1500 \
  --units "$src/datasets/demo/units.gpkg:hh=households,pop=population"
