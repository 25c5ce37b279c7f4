#!/usr/bin/env bash
# report.json against its schema (docs/report.schema.json), for a full
# demo run, a run without roster or plan in force, and an infeasible run;
# report.html rendered by headless Chromium: one overview map, one map per
# community, a page that is not blank; every map with a legend, a scale bar
# that measures true (checked against the grids' areas in grids.gpkg), a
# north arrow and grid labels that do not overlap; printed to PDF, one page
# per community after the front matter and the overview; the same page
# again from a second run of the same scenario.
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
# The maps as Chromium lays them out: a script added to a copy of the page
# writes every map's furniture, labels (boxes in CSS px) and scale bar.
cat > "$out/measure.js" <<'JS'
<script>
const maps = [];
const box = el => { if (!el) return null; const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
for (const svg of document.querySelectorAll('svg.map')) {
  const sb = svg.querySelector('g.scalebar');
  const texts = sb ? sb.querySelectorAll('text') : [];
  maps.push({
    kind: svg.classList.contains('overview') ? 'overview' : 'community',
    title: svg.querySelector('title').textContent,
    legend: box(svg.querySelector('g.legend')), scalebar: box(sb), north: box(svg.querySelector('g.north')),
    north_text: svg.querySelector('g.north text') ? svg.querySelector('g.north text').textContent : '',
    bar_px: sb ? sb.querySelector('rect').width.baseVal.value : 0,
    bar_text: texts.length ? texts[texts.length - 1].textContent : '',
    labels: [...svg.querySelectorAll('g.labels text.label')].map(t => box(t).concat([t.textContent])),
  });
}
const pre = document.createElement('pre');
pre.id = 'maps-json';
pre.textContent = JSON.stringify(maps);
document.body.appendChild(pre);
</script>
JS
chrome() { chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" 2>/dev/null; }
for d in full plain bad; do
  html="$out/$d/report.html"
  [ -s "$html" ] || { echo "check.report: $html missing or empty"; exit 1; }
  cat "$html" "$out/measure.js" > "$out/$d.measure.html"   # the parser puts a script after </html> in the body
  chrome --window-size=1000,2400 --dump-dom "file://$out/$d.measure.html" > "$out/$d.dom"
  chrome --window-size=1000,2400 --screenshot="$out/$d.png" "file://$html" >/dev/null
  chrome --no-pdf-header-footer --print-to-pdf="$out/$d.pdf" "file://$html" >/dev/null
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
  /usr/bin/python3 - "$d" "$out/$d.dom" "$html" "$out/$d/grids.gpkg" "$out/$d.pdf" <<'PY'
import html as H, json, math, re, sys
from osgeo import ogr
name, dom, page, gpkg, pdf = sys.argv[1:]
fail = []
maps = json.loads(H.unescape(re.search(r'<pre id="maps-json">(.*?)</pre>', open(dom).read(), re.S).group(1)))

def overlap(a, b, eps=0.5):
    return min(a[2], b[2]) - max(a[0], b[0]) > eps and min(a[3], b[3]) - max(a[1], b[1]) > eps

# grid areas on the ground (grids.gpkg) against their areas on each community map (the SVG paths), to check the
# scale bar: the SVG unit in metres is sqrt(m2 / unit2)
ds = ogr.Open(gpkg)
area_m2 = {f.GetField("grid_id"): f.GetField("area_m2") for f in ds.GetLayer("grids")}
text = open(page, encoding="utf-8").read()
svgs = {H.unescape(t): svg for svg, t in
        re.findall(r'(<svg class="map community".*?<title>(.*?)</title>.*?</svg>)', text, re.S)}

def path_area(d):
    total = 0
    for ring in re.findall(r'M([^Z]*)Z', d):
        pts = [tuple(map(float, p.split())) for p in re.split(r'[ML]', "M" + ring) if p.strip()]
        total += abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))) / 2
    return total

labels = 0
for m in maps:
    where = f"{name}: map {m['title']!r}"
    for part in ("legend", "scalebar", "north"):
        b = m[part]
        if not b or b[2] - b[0] < 5 or b[3] - b[1] < 5:
            fail.append(f"{where} has no {part} (g.{part})")
    if m["north_text"] != "N":
        fail.append(f"{where}: the north arrow is not marked N")
    if m["kind"] == "community" and not m["labels"]:
        fail.append(f"{where} has no grid label")
    labels += len(m["labels"])
    ls = m["labels"]
    for a in range(len(ls)):
        for b in range(a + 1, len(ls)):
            if overlap(ls[a], ls[b]):
                fail.append(f"{where}: labels {ls[a][4]} and {ls[b][4]} overlap")
        for part in ("legend", "scalebar", "north"):
            if m[part] and overlap(ls[a], m[part]):
                fail.append(f"{where}: label {ls[a][4]} overlaps the {part}")
    # the scale bar: a round length that the map measures true
    t = re.fullmatch(r"([\d,.]+) (m|km)", m["bar_text"].strip())
    if not t:
        fail.append(f"{where}: scale bar labelled {m['bar_text']!r}")
        continue
    metres = float(t.group(1).replace(",", "")) * (1000 if t.group(2) == "km" else 1)
    mant = metres / 10 ** math.floor(math.log10(metres) + 1e-9)
    if not any(abs(mant - r) < 1e-6 for r in (1, 2, 5)):
        fail.append(f"{where}: scale bar of {metres} m is not 1, 2 or 5 times a power of ten")
    if m["kind"] == "community":
        svg = svgs[m["title"]]
        grids = re.findall(r'<path class="grid" fill="[^"]*" d="([^"]*)"><title>([^:<]*):', svg)
        px2 = sum(path_area(d) for d, _ in grids)
        m2 = sum(area_m2[g] for _, g in grids)
        width = float(re.match(r'<svg [^>]*viewBox="0 0 ([\d.]+) ', svg).group(1))
        unit = math.sqrt(m2 / px2)                  # metres per SVG unit
        measured = m["bar_px"] * unit
        if abs(measured - metres) > 0.03 * metres:
            fail.append(f"{where}: the scale bar says {metres:g} m but measures {measured:.0f} m on the map")
        share = m["bar_px"] / width
        if not 0.12 <= share <= 0.33:
            fail.append(f"{where}: the scale bar is {share:.2f} of the map's width, not about a fifth")

# printed: the front matter (one page, two with many warnings), the overview, then one page per community
pages = len(re.findall(rb"/Type\s*/Page\b", open(pdf, "rb").read()))
front = {"bad": (1, 2)}.get(name, (1, 1))
if not front[0] + 11 <= pages <= front[1] + 11:
    fail.append(f"{name}: report.html prints on {pages} A4 pages, not {front[0]}..{front[1]} + 1 + 10")
for f in fail[:10]:
    print("check.report:", f)
if fail:
    sys.exit(1)
print(f"check.report: {name}: {len(maps)} maps with legend, scale bar and north arrow; {labels} grid labels, "
      f"none overlapping; {pages} printed pages")
PY
done
grep -q "3000" "$out/bad.dom" && grep -q 'class="bad"' "$out/bad.dom" \
  || { echo "check.report: the infeasible run's report.html does not show the reasons"; exit 1; }

# the same page from the same scenario, but for the times it reports
"$bin" --quiet run "$demo/scenario.ini" --out "$out/again"
untimed() { sed -E -e 's/&middot; [0-9.]+ s &middot;/\&middot; T s \&middot;/' -e 's#(%|&mdash;)</td><td>[0-9.]+</td>#\1</td><td>T</td>#' "$1"; }
cmp -s <(untimed "$out/full/report.html") <(untimed "$out/again/report.html") \
  || { echo "check.report: two runs of the demo wrote different report.html (times aside)"; exit 1; }
echo "check.report: report.html renders: 1 overview and 10 community maps with legend, scale bar, north arrow and" \
     "labels, not blank; prints one page per community; reasons shown when infeasible; the same from a second run"
