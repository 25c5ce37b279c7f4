#!/usr/bin/env bash
# PostGIS output and input through GDAL's PostgreSQL driver, against a real
# server: PostgreSQL 15 with PostGIS 3, started for the test with
# pg_virtualenv (postgresql-common), which sets PGHOST, PGPORT, PGUSER,
# PGPASSWORD and PGDATABASE; [output] postgis = PG: uses them.
#
#  1. the demo written to the files only, then to the files and PostGIS:
#     the same plan digest; the tables hold what the GeoPackages hold
#     (counts, every geometry byte for byte, valid, the same SRID); the
#     assignments; gridplan_runs and the tables' comments name the digest;
#  2. with a view on the grids table, runs that fail in the database (a
#     trigger that refuses the new rows; a change of CRS that would drop
#     the table the view needs; a SIGINT while the rows go in) exit 6 (130)
#     naming the table, and leave every table, the view, gridplan_runs and
#     the previous output folder exactly as they were;
#  3. a second run with other bounds replaces the rows: the table is the
#     same one, and the view shows the new plan;
#  4. a bad connection (no password in the message) and a missing schema
#     exit 6 before the search, and write no folder;
#  5. units and communities read from PostGIS (a scenario file saying
#     units = PG:..., units.layer = inputs.units; a connection string with
#     a password, which appears in no message and not in report.json):
#     the same plan digest as from the files;
#  6. formats = shp alone: the tables are still made from GeoPackage
#     layers (in memory), with the same geometries;
#  7. once the view is dropped, the change of CRS replaces the table.
#
# usage: tests/cli/check_postgis.sh GRIDPLAN      (exit 77: skipped, with the reason)
set -u
bin=${1:?usage: check_postgis.sh GRIDPLAN}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
src=${GP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3

skip() {
  echo "check.postgis: skipped: $*"
  exit 77
}

if [ -z "${GP_PG_INSIDE:-}" ]; then
  command -v pg_virtualenv >/dev/null ||
    skip "pg_virtualenv not found (apt-get install postgresql-common; scripts/deps test installs it)"
  [ -x /usr/lib/postgresql/15/bin/postgres ] ||
    skip "PostgreSQL 15 is not installed (apt-get install postgresql-15)"
  ls /usr/share/postgresql/15/extension/postgis--*.sql >/dev/null 2>&1 ||
    skip "PostGIS for PostgreSQL 15 is not installed (apt-get install postgresql-15-postgis-3)"
  for tool in psql ogr2ogr; do
    command -v $tool >/dev/null || skip "$tool not found (apt-get install postgresql-client gdal-bin)"
  done
  "$py" -c "from osgeo import ogr" 2>/dev/null || skip "GDAL's Python bindings not found (apt-get install python3-gdal)"
  "$py" -c "from osgeo import gdal; import sys; sys.exit(gdal.GetDriverByName('PostgreSQL') is None)" ||
    skip "GDAL has no PostgreSQL driver"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # a throw-away cluster in a temporary folder (-t: also as root); this
  # script again inside it
  GP_PG_INSIDE=1 GP_PG_WORK=$work pg_virtualenv -t -v 15 bash "$0" "$bin"
  rc=$?
  [ $rc -eq 0 ] && echo "check.postgis: all passed" || echo "check.postgis: FAILED (exit $rc)"
  exit $rc
fi

# ---- inside the cluster's environment --------------------------------------

work=$GP_PG_WORK
failures=0
ok() { echo "ok    $*"; }
bad() {
  echo "FAIL  $*"
  failures=$((failures + 1))
}
check() { # check WHAT ACTUAL EXPECTED
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}
contains() { # contains WHAT FILE TEXT
  if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: '$3' not in: $(cat "$2")"; fi
}
lacks() { # lacks WHAT FILE TEXT
  if grep -qF -- "$3" "$2"; then bad "$1: '$3' in: $(cat "$2")"; else ok "$1"; fi
}
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
die() {
  echo "FAIL  $*"
  exit 1
}

# gridplan on the demo (effort 0.3: every run the same, and quick)
gp() { "$bin" --quiet "$@" --set solver.effort=0.3; }
digest() { "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['plan_digest'])" "$1/report.json"; }
# the features of a GeoPackage layer: "count md5", the md5 over "key WKB"
# lines in byte order (as layer_md5 does in the database)
file_md5() {
  "$py" - "$@" <<'EOF'
import hashlib, sys
from osgeo import ogr
path, layer, key = sys.argv[1:4]
ds = ogr.Open(path)  # held: the layer dies with it
lyr = ds.GetLayerByName(layer)
rows = sorted(f"{f.GetField(key)} {f.GetGeometryRef().ExportToWkb(ogr.wkbNDR).hex()}" for f in lyr)
print(len(rows), hashlib.md5("\n".join(rows).encode()).hexdigest())
EOF
}
layer_md5() { # TABLE KEY
  sql "SELECT count(*) || ' ' || md5(coalesce(string_agg(r, E'\n' ORDER BY r COLLATE \"C\"), '')) FROM
       (SELECT $2 || ' ' || encode(ST_AsBinary(geom, 'NDR'), 'hex') AS r FROM $1) t"
}
# everything the database holds that a failed run must leave alone: each
# table's rows, the view's, the runs, the tables' identity and comments,
# and the relations of the schema
snapshot() {
  for t in grids atoms assignments gridplan_runs big_grids; do
    sql "SELECT '$t ' || count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text COLLATE \"C\"), ''))
         FROM plans.$t t" 2>/dev/null || echo "$t missing"
  done
  sql "SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || c.oid::text || ':' ||
              coalesce(obj_description(c.oid, 'pg_class'), ''), E'\n' ORDER BY c.relname)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'plans'"
}
tree() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }
leftovers() { # nothing beside the output folders, no staging table
  local n
  n=$(find "$work" -maxdepth 1 \( -name '*.tmp-*' -o -name '*.old-*' \) | wc -l)
  check "no temporary folder left beside the outputs" "$n" 0
  check "no staging table left" "$(sql "SELECT count(*) FROM pg_class WHERE relname LIKE '%\_\_staging%'")" 0
}

echo "server: $(sql 'SHOW server_version'), PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGDATABASE=${PGDATABASE:-}"
sql "CREATE EXTENSION postgis" || die "CREATE EXTENSION postgis failed"
sql "CREATE SCHEMA plans; CREATE SCHEMA inputs"
cp -r "$src/datasets/demo" "$work/demo"
rm -f "$work/demo/"*.py
demo=$work/demo/scenario.ini

# ---- 1. files, then files and PostGIS ---------------------------------------
echo "== 1. the demo to the files, then to the files and PostGIS"
gp run "$demo" --out "$work/files" 2>"$work/err" || die "the run to files failed: $(cat "$work/err")"
d0=$(digest "$work/files")
gp run "$demo" --out "$work/pg1" --set output.postgis=PG: --set output.postgis.schema=plans 2>"$work/err"
check "run to PostGIS exits 0" "$?" 0
d1=$(digest "$work/pg1")
echo "      files: $d0; files and PostGIS: $d1"
check "the same plan digest as the run to files" "$d1" "$d0"
check "grids: count and geometries as in grids.gpkg" "$(layer_md5 plans.grids grid_id)" \
  "$(file_md5 "$work/pg1/grids.gpkg" grids grid_id)"
check "atoms: count and geometries as in atoms.gpkg" "$(layer_md5 plans.atoms atom_id)" \
  "$(file_md5 "$work/pg1/atoms.gpkg" atoms atom_id)"
check "every geometry valid (ST_IsValid)" \
  "$(sql "SELECT (SELECT count(*) FROM plans.grids WHERE NOT ST_IsValid(geom)) + (SELECT count(*) FROM plans.atoms WHERE NOT ST_IsValid(geom))")" 0
srid=$("$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT srs_id FROM gpkg_geometry_columns WHERE table_name='grids'\").fetchone()[0])" "$work/pg1/grids.gpkg")
check "the SRID of the GeoPackage's ($srid)" "$(sql "SELECT string_agg(DISTINCT ST_SRID(geom)::text, ',') FROM plans.grids")" "$srid"
check "geometry_columns knows the SRID" "$(sql "SELECT Find_SRID('plans', 'atoms', 'geom')")" "$srid"
check "households as in the file (grids and atoms)" \
  "$(sql "SELECT (SELECT sum(households) FROM plans.grids) || ' ' || (SELECT sum(households) FROM plans.atoms)")" \
  "$("$py" -c "
from osgeo import ogr; import sys
def s(p, l):
    ds = ogr.Open(p)
    return sum(f.GetField('households') for f in ds.GetLayerByName(l))
print('%g %g' % (s(sys.argv[1] + '/grids.gpkg', 'grids'), s(sys.argv[1] + '/atoms.gpkg', 'atoms')))" "$work/pg1")"
check "assignments: one row per line of assignments.csv" "$(sql "SELECT count(*) FROM plans.assignments")" \
  "$(($(wc -l <"$work/pg1/assignments.csv") - 1))"
check "assignments: fte and workload are numbers" \
  "$(sql "SELECT string_agg(data_type, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_schema = 'plans' AND table_name = 'assignments' AND column_name IN ('fte', 'workload')")" \
  "double precision,double precision"
check "assignments: the FTE as in the file" "$(sql "SELECT sum(fte) FROM plans.assignments")" \
  "$("$py" -c "import csv,sys; print('%g' % sum(float(r['fte']) for r in csv.DictReader(open(sys.argv[1]))))" "$work/pg1/assignments.csv")"
check "gridplan_runs names the plan digest" \
  "$(sql "SELECT plan_digest || ' ' || grids || ' ' || tables FROM plans.gridplan_runs ORDER BY run_id DESC LIMIT 1")" \
  "$d1 $(sql "SELECT count(*) FROM plans.grids") plans.grids, plans.atoms, plans.assignments"
check "the grids table's comment names it" "$(sql "SELECT obj_description('plans.grids'::regclass, 'pg_class') LIKE 'gridplan % plan $d1,%'")" t
leftovers

# ---- 2. failures leave the database and the folder as they were ------------
echo "== 2. runs that fail in the database"
sql "CREATE VIEW plans.big_grids AS SELECT grid_id, households, geom FROM plans.grids WHERE households > 400"
grids_oid=$(sql "SELECT 'plans.grids'::regclass::oid")
before=$(snapshot)
files_before=$(tree "$work/pg1")

sql "CREATE FUNCTION plans.refuse() RETURNS trigger LANGUAGE plpgsql AS
     \$\$BEGIN RAISE EXCEPTION 'the grids are frozen for the audit'; END\$\$;
     CREATE TRIGGER frozen BEFORE INSERT ON plans.grids FOR EACH STATEMENT EXECUTE FUNCTION plans.refuse()"
gp run "$demo" --out "$work/pg1" --set grid.households=250..450 --set output.postgis=PG: \
  --set output.postgis.schema=plans 2>"$work/err"
check "a trigger refusing the rows: exit 6" "$?" 6
contains "the message names the table" "$work/err" "plans.grids"
contains "the message gives the server's reason" "$work/err" "the grids are frozen for the audit"
contains "the message says it was rolled back" "$work/err" "rolled back"
check "the tables, the view and gridplan_runs are as they were" "$(snapshot)" "$before"
check "the previous output folder is as it was" "$(tree "$work/pg1")" "$files_before"
leftovers
sql "DROP TRIGGER frozen ON plans.grids"

gp run "$demo" --out "$work/pg1" --set output.crs=working --set output.postgis=PG: \
  --set output.postgis.schema=plans 2>"$work/err"
check "another CRS with a view on the table: exit 6" "$?" 6
contains "the message names the table" "$work/err" "plans.grids"
contains "the message names the view" "$work/err" "big_grids"
contains "the message says what to do" "$work/err" "drop the views"
check "the tables, the view and gridplan_runs are as they were" "$(snapshot)" "$before"
check "the previous output folder is as it was" "$(tree "$work/pg1")" "$files_before"
leftovers

# SIGINT while the rows go into the table: a trigger holds the INSERT for 3 s
sql "CREATE FUNCTION plans.slow() RETURNS trigger LANGUAGE plpgsql AS
     \$\$BEGIN PERFORM pg_sleep(3); RETURN NULL; END\$\$;
     CREATE TRIGGER slow BEFORE INSERT ON plans.grids FOR EACH STATEMENT EXECUTE FUNCTION plans.slow()"
# (the binary itself in the background: a function would run in a subshell)
"$bin" --quiet run "$demo" --out "$work/pg1" --set grid.households=250..450 --set output.postgis=PG: \
  --set output.postgis.schema=plans --set solver.effort=0.3 2>"$work/err" &
pid=$!
for _ in $(seq 1200); do
  [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")" = 1 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -INT $pid 2>/dev/null
wait $pid
check "SIGINT during the database write: exit 130" "$?" 130
contains "the message names the stage" "$work/err" "cancelled in stage postgis"
check "the tables, the view and gridplan_runs are as they were" "$(snapshot)" "$before"
check "the previous output folder is as it was" "$(tree "$work/pg1")" "$files_before"
leftovers
sql "DROP TRIGGER slow ON plans.grids"

# ---- 3. a second run replaces the rows; the view follows ---------------------
echo "== 3. a second run with other bounds"
gp run "$demo" --out "$work/pg2" --set grid.households=250..450 --set output.postgis=PG: \
  --set output.postgis.schema=plans 2>"$work/err"
check "second run exits 0" "$?" 0
d2=$(digest "$work/pg2")
echo "      households 250..450: $d2, $(sql "SELECT count(*) FROM plans.grids") grids"
[ "$d2" != "$d1" ] && ok "other bounds, another plan" || bad "other bounds gave the same plan"
check "grids: the new plan's" "$(layer_md5 plans.grids grid_id)" "$(file_md5 "$work/pg2/grids.gpkg" grids grid_id)"
check "atoms: the new plan's" "$(layer_md5 plans.atoms atom_id)" "$(file_md5 "$work/pg2/atoms.gpkg" atoms atom_id)"
check "gridplan_runs: the new digest last" "$(sql "SELECT plan_digest FROM plans.gridplan_runs ORDER BY run_id DESC LIMIT 1")" "$d2"
check "gridplan_runs: two runs" "$(sql "SELECT count(*) FROM plans.gridplan_runs")" 2
check "the grids table is the same table" "$(sql "SELECT 'plans.grids'::regclass::oid")" "$grids_oid"
check "the view shows the new rows" "$(sql "SELECT count(*) FROM plans.big_grids")" \
  "$(sql "SELECT count(*) FROM plans.grids WHERE households > 400")"
check "the view's rows are the new plan's" \
  "$(sql "SELECT count(*) FROM plans.big_grids")" \
  "$("$py" -c "from osgeo import ogr; import sys; ds = ogr.Open(sys.argv[1]); print(sum(f.GetField('households') > 400 for f in ds.GetLayer(0)))" "$work/pg2/grids.gpkg")"
leftovers

# ---- 4. bad connection, missing schema: exit 6 before the search -----------
echo "== 4. a bad connection and a missing schema"
# (not --quiet: the progress shows whether the search began)
"$bin" run "$demo" --out "$work/bad1" --set "output.postgis=PG:host=127.0.0.1 port=1 dbname=nowhere password=hunter2" \
  --set solver.effort=0.3 2>"$work/err"
check "a server that does not answer: exit 6" "$?" 6
contains "the message says it cannot connect" "$work/err" "cannot connect"
contains "the message names the connection" "$work/err" "dbname=nowhere"
lacks "the message hides the password" "$work/err" "hunter2"
contains "the password shown as ***" "$work/err" "password=***"
contains "the inputs were read" "$work/err" "loaded 344 units"
lacks "but no community was solved" "$work/err" "community 1/10"
[ ! -e "$work/bad1" ] && ok "no output folder" || bad "an output folder was written"
gp run "$demo" --out "$work/bad2" --set output.postgis=PG: --set output.postgis.schema=nosuch 2>"$work/err"
check "a schema that does not exist: exit 6" "$?" 6
contains "the message names the schema and the fix" "$work/err" "CREATE SCHEMA nosuch"
[ ! -e "$work/bad2" ] && ok "no output folder" || bad "an output folder was written"
printf '[output]\npostgis = host=x\n' >"$work/noprefix.ini"
"$bin" validate "$work/noprefix.ini" 2>"$work/err"
check "postgis without PG: is a scenario error: exit 3" "$?" 3
contains "the message says what to write" "$work/err" "PG:dbname=NAME"
leftovers

# ---- 5. units and communities from PostGIS ---------------------------------
echo "== 5. units and communities read from PostGIS"
for layer in units communities; do
  ogr2ogr -f PostgreSQL PG: "$work/demo/$layer.gpkg" -nln "inputs.$layer" -lco GEOMETRY_NAME=geom ||
    die "ogr2ogr $layer failed"
done
# a scenario file (relative paths resolved, a connection string kept as it
# is), one of the connection strings with a password
sed -e "s#^units = units.gpkg#units = PG:dbname=$PGDATABASE password=$PGPASSWORD\nunits.layer = inputs.units#" \
  -e 's#^communities = communities.gpkg#communities = PG:\ncommunities.layer = inputs.communities#' \
  "$demo" >"$work/demo/from-postgis.ini"
grep -q "^units.layer = inputs.units" "$work/demo/from-postgis.ini" || die "the scenario was not rewritten"
"$bin" run "$work/demo/from-postgis.ini" --out "$work/pgin" --set solver.effort=0.3 >"$work/out" 2>"$work/err"
check "run from PostGIS inputs exits 0" "$?" 0
check "the same plan digest as from the files" "$(digest "$work/pgin")" "$d0"
lacks "no message shows the password" "$work/err" "$PGPASSWORD"
lacks "report.json does not hold the password" "$work/pgin/report.json" "$PGPASSWORD"
contains "report.json names the table" "$work/pgin/report.json" "inputs.units"
sed -e 's#^units = units.gpkg#units = PG:\nunits.layer = inputs.nosuch#' "$demo" >"$work/demo/no-table.ini"
"$bin" --quiet run "$work/demo/no-table.ini" --out "$work/bad3" 2>"$work/err"
check "a table that is not there: exit 4" "$?" 4
contains "the message names the table and the key" "$work/err" "no layer 'inputs.nosuch'"

# ---- 6. shapefiles only ------------------------------------------------------
echo "== 6. formats = shp alone"
gp run "$demo" --out "$work/shp" --set output.formats=shp --set output.postgis=PG: --set output.postgis.schema=plans \
  --set output.postgis.prefix=shp_ 2>"$work/err"
check "run with shapefiles alone exits 0" "$?" 0
[ ! -e "$work/shp/grids.gpkg" ] && ok "no GeoPackage in the folder" || bad "a GeoPackage in a shapefile-only folder"
check "grids: as in the GeoPackage of the same plan" "$(layer_md5 plans.shp_grids grid_id)" \
  "$(file_md5 "$work/files/grids.gpkg" grids grid_id)"
check "gridplan_runs: the prefixed tables" "$(sql "SELECT tables FROM plans.gridplan_runs ORDER BY run_id DESC LIMIT 1")" \
  "plans.shp_grids, plans.shp_atoms, plans.shp_assignments"
leftovers

# ---- 7. another CRS once the view is gone -----------------------------------
echo "== 7. another CRS, the view dropped"
sql "DROP VIEW plans.big_grids"
gp run "$demo" --out "$work/utm" --set output.crs=working --set output.postgis=PG: --set output.postgis.schema=plans \
  2>"$work/err"
check "run in another CRS exits 0" "$?" 0
check "grids: a new table in the new CRS" "$(sql "SELECT Find_SRID('plans', 'grids', 'geom')")" 32652
check "grids: as in the new GeoPackage" "$(layer_md5 plans.grids grid_id)" \
  "$(file_md5 "$work/utm/grids.gpkg" grids grid_id)"
check "its key and index carry its name" \
  "$(sql "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'plans' AND tablename = 'grids'")" \
  "grids_geom_geom_idx,grids_pkey"
leftovers

echo "check.postgis: $failures failure(s)"
[ $failures -eq 0 ]
