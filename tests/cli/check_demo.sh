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
    -e "s#= \([a-z_]*\.\(gpkg\|csv\)\)#= $src/datasets/demo/\1#" \
    "$src/datasets/demo/scenario.ini" > "$out/threads1.ini"
"$bin" --quiet run "$out/threads1.ini" --out "$out/one"
sql="SELECT atom_id, grid_id FROM atoms ORDER BY atom_id"
diff <(ogrinfo -ro -q "$out/demo/atoms.gpkg" -sql "$sql") <(ogrinfo -ro -q "$out/one/atoms.gpkg" -sql "$sql") >/dev/null \
  || { echo "check.demo: the plan with threads = 1 differs from the default"; exit 1; }
# rebalancing a plan that already meets every bound, stability dominant:
# it comes back unchanged, ids included, with 0 households moved
sed -e "s#= \([a-z_]*\.\(gpkg\|csv\)\)#= $src/datasets/demo/\1#" -e "s#^existing_plan = .*#existing_plan = $out/demo/grids.gpkg#" \
    -e 's/^\[objective\]/[objective]\nstability = 10/' "$src/datasets/demo/scenario.ini" > "$out/again.ini"
"$bin" --quiet run "$out/again.ini" --out "$out/again"
grep -q '"households_moved": 0,' "$out/again/report.json" \
  || { echo "check.demo: rebalancing a feasible plan moved households"; grep households_moved "$out/again/report.json" | head -3; exit 1; }
diff <(ogrinfo -ro -q "$out/demo/atoms.gpkg" -sql "$sql") <(ogrinfo -ro -q "$out/again/atoms.gpkg" -sql "$sql") >/dev/null \
  || { echo "check.demo: rebalancing a feasible plan changed it"; exit 1; }
# locked units: U0089 and U0090 (neighbours) locked to "school", U0092 to
# "clinic": the first two share a grid, the third is in another one
ogr2ogr -f GPKG "$out/units_lock.gpkg" "$src/datasets/demo/units.gpkg" -nln units -sql \
  "SELECT *, CASE WHEN unit_id IN ('U0089', 'U0090') THEN 'school' WHEN unit_id = 'U0092' THEN 'clinic' END AS lock FROM units"
sed -e "s#= \([a-z_]*\.\(gpkg\|csv\)\)#= $src/datasets/demo/\1#" -e "s#^units = .*#units = $out/units_lock.gpkg\nunits.lock = lock#" \
    "$src/datasets/demo/scenario.ini" > "$out/lock.ini"
"$bin" --quiet run "$out/lock.ini" --out "$out/lock"
grids=$(ogrinfo -ro -q "$out/lock/atoms.gpkg" -sql "SELECT DISTINCT grid_id FROM atoms WHERE locked_to = 'school'" | grep -c "grid_id (String)")
other=$(ogrinfo -ro -q "$out/lock/atoms.gpkg" -sql "SELECT COUNT(*) AS n FROM atoms a, atoms b WHERE a.locked_to = 'school' AND b.locked_to = 'clinic' AND a.grid_id = b.grid_id" -dialect sqlite | grep -o "n (Integer) = [0-9]*")
[ "$grids" = 1 ] && [ "$other" = "n (Integer) = 0" ] \
  || { echo "check.demo: locks not kept (school in $grids grids; clinic with school: $other)"; exit 1; }
/usr/bin/python3 "$checker" --strict "$out/lock" --bound households=300..500 --bound population=..1500 >/dev/null \
  || { echo "check.demo: the plan with locks fails the checker"; exit 1; }
# a dedicated unit (U0038, non-residential): a grid of its own, outside the
# bounds; the other grids still meet them
ogr2ogr -f GPKG "$out/units_ded.gpkg" "$src/datasets/demo/units.gpkg" -nln units -sql \
  "SELECT *, CASE WHEN unit_id = 'U0038' THEN 'yes' END AS dedicated FROM units"
sed -e "s#= \([a-z_]*\.\(gpkg\|csv\)\)#= $src/datasets/demo/\1#" -e "s#^units = .*#units = $out/units_ded.gpkg\nunits.dedicated = dedicated#" \
    "$src/datasets/demo/scenario.ini" > "$out/ded.ini"
"$bin" --quiet run "$out/ded.ini" --out "$out/ded"
own=$(ogrinfo -ro -q "$out/ded/grids.gpkg" -sql "SELECT n_atoms AS n FROM grids WHERE status = 'dedicated'" | grep -o "n (Integer) = [0-9]*")
where=$(ogrinfo -ro -q "$out/ded/atoms.gpkg" -sql "SELECT grid_id FROM atoms WHERE unit_id = 'U0038'" | grep -o "grid_id (String) = .*")
dgrid=$(ogrinfo -ro -q "$out/ded/grids.gpkg" -sql "SELECT grid_id FROM grids WHERE status = 'dedicated'" | grep -o "grid_id (String) = .*")
bad=$(ogrinfo -ro -q "$out/ded/grids.gpkg" -sql "SELECT COUNT(*) AS n FROM grids WHERE status <> 'dedicated' AND (households < 300 OR households > 500)" | grep -o "n (Integer) = [0-9]*")
[ "$own" = "n (Integer) = 1" ] && [ "$where" = "$dgrid" ] && [ "$bad" = "n (Integer) = 0" ] \
  || { echo "check.demo: dedicated grid wrong ($own; U0038 in '$where', dedicated '$dgrid'; out of bounds: $bad)"; exit 1; }
/usr/bin/python3 "$checker" --strict "$out/ded" --units "$src/datasets/demo/units.gpkg:hh=households,pop=population" >/dev/null \
  || { echo "check.demo: the plan with a dedicated grid fails the checker"; exit 1; }
/usr/bin/python3 "$checker" --strict "$out/demo" --bound households=300..500 --bound population=..1500 \
  --units "$src/datasets/demo/units.gpkg:hh=households,pop=population"
