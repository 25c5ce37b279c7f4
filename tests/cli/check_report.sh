#!/usr/bin/env bash
# report.json against its schema (docs/report.schema.json), for a full
# demo run, a run without roster or plan in force, and an infeasible run;
# report.html rendered by headless Chromium: one overview map, one map per
# community, a page that is not blank.
set -euo pipefail
bin=$1
src=${GP_SOURCE_DIR:?}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
demo=$src/datasets/demo

"$bin" --quiet run "$demo/scenario.ini" --out "$out/full"
# no roster, no plan in force: workers is null, existing_plan absent
sed -e "s#= \([a-z_]*\.\(gpkg\|csv\)\)#= $demo/\1#" -e '/^existing_plan/d' -e '/^workers/d' \
    -e '/^\[workers\]/,/^$/d' "$demo/scenario.ini" > "$out/plain.ini"
"$bin" --quiet run "$out/plain.ini" --out "$out/plain"
# bounds no community can meet: reasons everywhere, exit 5
sed -e "s#= \([a-z_]*\.\(gpkg\|csv\)\)#= $demo/\1#" -e 's/^households = 300\.\.500/households = 3000..3500/' \
    -e 's/^population = \.\.1500/population = ..100000/' "$demo/scenario.ini" > "$out/bad.ini"
rc=0
"$bin" --quiet run "$out/bad.ini" --out "$out/bad" 2>/dev/null || rc=$?
[ "$rc" = 5 ] || { echo "check.report: the infeasible run exited $rc, not 5"; exit 1; }

/usr/bin/python3 - "$src/docs/report.schema.json" "$out/full" "$out/plain" "$out/bad" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
for d in sys.argv[2:]:
    r = json.load(open(f"{d}/report.json"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(r), key=lambda e: list(e.path))
    for e in errors[:5]:
        print(f"check.report: {d}/report.json: {list(e.path)}: {e.message}")
    if errors:
        sys.exit(1)
full, plain = (json.load(open(f"{d}/report.json")) for d in sys.argv[2:4])
assert full["workers"] is not None and plain["workers"] is None and "existing_plan" not in plain
print("check.report: 3 reports match docs/report.schema.json")
PY

if ! command -v chromium >/dev/null; then
  echo "check.report: skipped the report.html rendering: chromium is not installed (scripts/deps test installs it)"
  exit 77
fi
for d in full bad; do
  html="$out/$d/report.html"
  [ -s "$html" ] || { echo "check.report: $html missing or empty"; exit 1; }
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,2400 \
    --dump-dom "file://$html" > "$out/$d.dom" 2>/dev/null
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,2400 \
    --screenshot="$out/$d.png" "file://$html" >/dev/null 2>&1
  maps=$(grep -o 'class="map community"' "$out/$d.dom" | wc -l)
  over=$(grep -o 'class="map overview"' "$out/$d.dom" | wc -l)
  [ "$maps" = 10 ] && [ "$over" = 1 ] \
    || { echo "check.report: $d: Chromium's page has $maps community maps and $over overview maps (want 10 and 1)"; exit 1; }
  /usr/bin/python3 - "$out/$d.png" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = im.resize((w // 4, h // 4)).getdata()
coloured = sum(1 for p in px if max(p) - min(p) > 40)   # map fills, not greys
inked = sum(1 for p in px if sum(p) < 600)
colours = len(set(px))
if coloured < 0.05 * len(px) or inked < 0.10 * len(px) or colours < 50:
    print(f"check.report: {sys.argv[1]}: looks blank ({coloured} coloured, {inked} inked of {len(px)}, {colours} colours)")
    sys.exit(1)
PY
done
grep -q "3000" "$out/bad.dom" && grep -q 'class="bad"' "$out/bad.dom" \
  || { echo "check.report: the infeasible run's report.html does not show the reasons"; exit 1; }
echo "check.report: report.html renders: 1 overview and 10 community maps, not blank; reasons shown when infeasible"
