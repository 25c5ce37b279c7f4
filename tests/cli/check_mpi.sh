#!/usr/bin/env bash
# Open MPI: mpirun -np N gridplan run --mpi gives the output of a single
# process: the same plan digest (the atoms' grids and the grids' polygons as
# written) and the same status for every community. On the demo (2 and 3
# processes), the 40x40 lattice cut into 4 communities (2 processes; the
# process counts need not divide anything) and San Francisco at 150 m
# (2 processes, a small effort: the digest must match at any effort).
set -euo pipefail
bin=$1
src=${GP_SOURCE_DIR:?}
shared=${GP_SHARED_DIR:-$src/../shared}
if ! command -v mpirun >/dev/null; then
  echo "check.mpi: skipped: mpirun not found (scripts/deps test installs openmpi-bin)"
  exit 77
fi
if ! "$bin" version | grep -q "^MPI "; then
  echo "check.mpi: skipped: this gridplan was built without Open MPI (install libopenmpi-dev and build again)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# as root (CI), and more processes than cores
mpi=(mpirun --oversubscribe --allow-run-as-root)
export OMPI_MCA_rmaps_base_oversubscribe=1

fails=0
same() { # NAME SCENARIO NP...
  local name=$1 ini=$2; shift 2
  local rc=0
  "$bin" --quiet run "$ini" --out "$out/$name-1" || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 5 ] || { echo "check.mpi: $name: one process exited $rc"; fails=$((fails + 1)); return; }
  for np in "$@"; do
    rc=0
    "${mpi[@]}" -np "$np" "$bin" --quiet run --mpi "$ini" --out "$out/$name-$np" 2>"$out/mpirun.log" || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then
      echo "check.mpi: $name: mpirun -np $np exited $rc:"; head -40 "$out/mpirun.log"; fails=$((fails + 1)); continue
    fi
    if /usr/bin/python3 - "$out/$name-1" "$out/$name-$np" <<'PY'
import json, sys
a, b = (json.load(open(d + "/report.json")) for d in sys.argv[1:3])
st = lambda r: [(c["id"], c["status"], c["grids"]) for c in r["communities"]]
ok = a["plan_digest"] == b["plan_digest"] and st(a) == st(b)
print(f"{'ok  ' if ok else 'FAIL'} {sys.argv[2].rsplit('/', 1)[1]}: {b['plan_digest'][:23]}... "
      f"({len(b['communities'])} communities{'' if ok else ', one process: ' + a['plan_digest'][:23]})")
sys.exit(0 if ok else 1)
PY
    then :; else fails=$((fails + 1)); fi
    [ "$(ls "$out" | grep -c "^$name-$np\$")" = 1 ] || { echo "check.mpi: $name -np $np left more than its output"; fails=$((fails + 1)); }
  done
}

same demo "$src/datasets/demo/scenario.ini" 2 3

# a folder process 0 cannot write: every process stops with its message
# (none is left waiting for the others), exit 6, nothing written
rc=0
timeout 300 "${mpi[@]}" -np 2 "$bin" --quiet run --mpi "$src/datasets/demo/scenario.ini" --out /proc/gridplan-nope/out \
  2>"$out/mpirun.log" || rc=$?
if [ "$rc" = 6 ] && grep -q "cannot create folder" "$out/mpirun.log"; then
  echo "ok   an output folder process 0 cannot write: exit 6 on every process, no wait"
else
  echo "FAIL an output folder process 0 cannot write: mpirun exited $rc (6 expected; 124: a process waited)"
  head -20 "$out/mpirun.log"; fails=$((fails + 1))
fi

if [ -f "$shared/datasets/lattice/lattice_1600.gpkg" ]; then
  lat=$shared/datasets/lattice/lattice_1600.gpkg
  ogr2ogr -f GPKG "$out/quadrants.gpkg" "$lat" -dialect sqlite -nln quadrants \
    -sql "SELECT ST_Union(geom) AS geom, CAST(\"row\" / 20 AS INTEGER) * 2 + CAST(col / 20 AS INTEGER) AS q FROM lattice_1600 GROUP BY q"
  printf '[input]\nunits = %s\nunits.id = id\nunits.population = pop\ncommunities = %s\ncommunities.id = q\n[grid]\npopulation = 2700..3300\n[solver]\neffort = 0.3\n' \
    "$lat" "$out/quadrants.gpkg" > "$out/lattice.ini"
  same lattice "$out/lattice.ini" 2
  sed -e "s|\.\./\.\./shared/|$shared/|" -e "s|^effort = .*|effort = 0.2|" -e '/^\[output\]/,$d' \
    "$src/scenarios/sf-cells.ini" > "$out/sf.ini"
  same sf "$out/sf.ini" 2
else
  echo "check.mpi: the lattice and San Francisco parts need $shared/datasets (beside the checkout): demo only"
fi
[ "$fails" = 0 ] || { echo "check.mpi: $fails failure(s)"; exit 1; }
echo "check.mpi: every run with processes wrote the plan of one process"
