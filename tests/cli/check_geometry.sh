#!/usr/bin/env bash
# Every geometry gridplan writes is valid in the CRS it is written in:
# San Francisco (150 m hexagons), New York (400 m squares) and Minnesota
# (5 km hexagons, one community) written in EPSG:4326 and in the working
# CRS, GeoPackage and shapefile. Each output folder must pass the
# independent checker with --strict (validity of every written polygon,
# grid areas equal to their atoms', counts preserved); the shapefiles are
# checked for validity here. A small effort: the plans do not matter, the
# geometry does.
set -euo pipefail
bin=$1
src=${GP_SOURCE_DIR:?}
shared=${GP_SHARED_DIR:-$src/../shared}
d=$shared/datasets
if [ ! -f "$shared/tools/check_plan.py" ] || [ ! -f "$d/sf/SFCrime_blocks.shp" ] || [ ! -f "$d/nyc/NYC_Tract_ACS2008_12.shp" ] \
   || [ ! -f "$d/minnesota/mn_16_min.gpkg" ]; then
  echo "check.geometry: skipped: $shared (datasets/sf, nyc, minnesota and tools/) not found beside the checkout"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

scenario() { # NAME CRS: the scenario text on stdout
  case $1 in
    sf) sed -e "s|\.\./\.\./shared/|$shared/|" -e "s|^effort = .*|effort = 0.05|" -e '/^\[output\]/,$d' "$src/scenarios/sf-cells.ini" ;;
    nyc) printf '[input]\nunits = %s\nunits.households = households\nunits.population = poptot\ncommunities = %s\ncommunities.id = ntacode\n[atoms]\nmode = cells\nshape = square\nsize = 400\n[grid]\nhouseholds = 3000..9000\n[solver]\neffort = 0.05\n' \
           "$d/nyc/NYC_Tract_ACS2008_12.shp" "$d/nyc/NYC_Nhood_ACS2008_12.shp" ;;
    mn) printf '[input]\nunits = %s\nunits.id = VTD\nunits.population = TOTPOP\n[atoms]\nmode = cells\nshape = hex\nsize = 5000\n[grid]\npopulation = 100000..200000\n[solver]\neffort = 0.05\n' \
          "$d/minnesota/mn_16_min.gpkg" ;;
  esac
  printf '[output]\ncrs = %s\nformats = gpkg, shp\n' "$2"
}

fails=0
for name in sf nyc mn; do
  for crs in EPSG:4326 working; do
    tag=$name-${crs/:/}
    scenario "$name" "$crs" > "$out/$tag.ini"
    rc=0
    "$bin" --quiet run "$out/$tag.ini" --out "$out/$tag" || rc=$?
    # 5: some communities cannot meet these bounds (diagnosed, written)
    if [ "$rc" != 0 ] && [ "$rc" != 5 ]; then echo "check.geometry: $tag: gridplan exited $rc"; fails=$((fails + 1)); continue; fi
    if ! res=$(/usr/bin/python3 "$shared/tools/check_plan.py" "$out/$tag" --strict 2>&1); then
      echo "check.geometry: $tag: the checker fails:"; echo "$res" | grep -E "FAIL|Error" | head -5; fails=$((fails + 1))
    fi
    /usr/bin/python3 - "$out/$tag" "$tag" <<'PY' || fails=$((fails + 1))
import sys
import geopandas as gpd
d, tag = sys.argv[1], sys.argv[2]
bad = []
for f in ("grids.gpkg", "atoms.gpkg", "grids.shp", "atoms.shp"):
    df = gpd.read_file(f"{d}/{f}")
    n = int((~df.geometry.is_valid).sum()) + int(df.geometry.is_empty.sum()) + int(df.geometry.isna().sum())
    if n:
        bad.append(f"{f}: {n} of {len(df)} invalid or empty")
print(f"check.geometry: {tag}: {'; '.join(bad) if bad else 'every polygon valid'} "
      f"(crs {df.crs.to_string() if df.crs else None}, {len(df)} atoms)")
sys.exit(1 if bad else 0)
PY
  done
done
[ "$fails" = 0 ] || { echo "check.geometry: $fails failures"; exit 1; }
