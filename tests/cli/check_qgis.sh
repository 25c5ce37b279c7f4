#!/usr/bin/env bash
# The QGIS Processing provider in qgis/gridplan, headless: qgis_process
# enables the plugin, lists and runs gridplan:run (as is and with
# overrides), gridplan:design on the demo's layers and gridplan:compare;
# the outputs are checked with GDAL and against plain CLI runs. Then the
# Python API (qgis.core) cancels runs, loads the styled layers as the QGIS
# window does, and runs into exit 5 and a missing binary.
set -euo pipefail
bin=$(realpath "$1")
src=${GP_SOURCE_DIR:?}
demo=$src/datasets/demo
py=/usr/bin/python3

if ! command -v qgis_process >/dev/null 2>&1 && ! command -v qgis_process.bin >/dev/null 2>&1; then
  echo "check.qgis: skipped: qgis_process not found (apt-get install qgis python3-qgis; scripts/deps installs them)"
  exit 77
fi
if ! "$py" -c 'import qgis.core' >/dev/null 2>&1; then
  echo "check.qgis: skipped: $py cannot import qgis.core (apt-get install python3-qgis)"
  exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a throwaway home and QGIS profile: the test never reads or changes a real one
export QT_QPA_PLATFORM=offscreen
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share
export XDG_CACHE_HOME=$tmp/home/.cache XDG_RUNTIME_DIR=$tmp/runtime
export QGIS_CUSTOM_CONFIG_PATH=$tmp/qgis-profile
export QGIS_PLUGINPATH=$src/qgis
export GRIDPLAN_BIN=$bin
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$QGIS_CUSTOM_CONFIG_PATH"
chmod 700 "$XDG_RUNTIME_DIR"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree

# Debian 12's /usr/bin/qgis_process wrapper passes --noversioncheck, which
# qgis_process.bin 3.22 rejects (qgis/QGIS#57683): use the binary then.
qp=
for c in qgis_process qgis_process.bin; do
  if command -v "$c" >/dev/null 2>&1 && "$c" --version >/dev/null 2>&1; then qp=$c; break; fi
done
[ -n "$qp" ] || { echo "check.qgis: neither qgis_process nor qgis_process.bin runs:"; qgis_process --version 2>&1 | tail -3; exit 1; }
fail() { echo "check.qgis: $*"; exit 1; }
field() { sed -n "s/^$1:\t//p" "$2" | tail -1; }
digest() { "$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["plan_digest"])' "$1"; }

"$qp" plugins enable gridplan > "$tmp/enable.log" 2>&1 || { cat "$tmp/enable.log"; fail "plugins enable gridplan failed"; }
"$qp" list > "$tmp/list.log" 2>&1 || { tail "$tmp/list.log"; fail "qgis_process list failed"; }
n=$(grep -cE '^\s*gridplan:(run|design|compare)\s' "$tmp/list.log" || true)
[ "$n" = 3 ] || { grep -i gridplan "$tmp/list.log"; fail "qgis_process list shows $n of the 3 gridplan algorithms"; }

# --- gridplan:run on the demo: the plan of a plain CLI run --------------
"$bin" --quiet run "$demo/scenario.ini" --out "$tmp/cli" --set solver.effort=0.2
"$qp" run gridplan:run -- SCENARIO="$demo/scenario.ini" OUTPUT="$tmp/run" EFFORT=0.2 > "$tmp/run.log" 2>&1 \
  || { tail -20 "$tmp/run.log"; fail "gridplan:run failed"; }
want=$(digest "$tmp/cli/report.json")
[ "$(field DIGEST "$tmp/run.log")" = "$want" ] && [ "$(digest "$tmp/run/report.json")" = "$want" ] \
  || fail "gridplan:run's plan digest $(field DIGEST "$tmp/run.log") differs from the CLI's $want"
[ "$(field EXIT_CODE "$tmp/run.log")" = 0 ] || fail "gridplan:run: EXIT_CODE $(field EXIT_CODE "$tmp/run.log")"
# progress: gridplan's last stage reported (step N of N), and the bar at 100
# (qgis_process prints its progress dots without a new line before them)
grep -qE 'gridplan: [a-z_]+ \(([0-9]+)/\1\)$' "$tmp/run.log" || { grep -o 'gridplan: [a-z_]* ([0-9/]*)' "$tmp/run.log"; fail "the last stage never showed"; }
grep -q '100 - done' "$tmp/run.log" || fail "progress did not reach 100"
grep -q -- '--progress=json run .* --set solver.effort=0.2' "$tmp/run.log" || fail "the command line is not in the log"
[ -s "$tmp/run/grids.qml" ] && [ -s "$tmp/run/atoms.qml" ] || fail "grids.qml / atoms.qml not written beside the layers"

check_layers() {  # OUTDIR: grids > 0 and valid, every atom in a grid, counts as report.json says
  "$py" - "$1" <<'EOF'
import json, sys
from osgeo import ogr
out = sys.argv[1]
report = json.load(open(out + '/report.json'))
gds = ogr.Open(out + '/grids.gpkg')  # the layer lives only as long as its dataset
grids = gds.GetLayerByName('grids')
ids, bad = set(), []
for f in grids:
    ids.add(f.GetField('grid_id'))
    g = f.GetGeometryRef()
    if g is None or g.IsEmpty() or not g.IsValid():
        bad.append(f.GetField('grid_id'))
ads = ogr.Open(out + '/atoms.gpkg')
atoms = ads.GetLayerByName('atoms')
stray = [f.GetField('atom_id') for f in atoms if f.GetField('grid_id') not in ids]
problems = []
if not ids or len(ids) != report['totals']['grids']:
    problems.append('%d grids, report.json says %d' % (len(ids), report['totals']['grids']))
if bad:
    problems.append('invalid grid polygons: %s' % bad[:5])
if atoms.GetFeatureCount() != report['totals']['atoms'] or stray:
    problems.append('%d atoms (report.json: %d), %d in no grid' % (atoms.GetFeatureCount(), report['totals']['atoms'], len(stray)))
if problems:
    sys.exit('check.qgis: %s: %s' % (out, '; '.join(problems)))
EOF
}
check_layers "$tmp/run"

# --- gridplan:run with overrides: the bounds reach report.json ----------
"$qp" run gridplan:run -- SCENARIO="$demo/scenario.ini" OUTPUT="$tmp/over" EFFORT=0.2 HOUSEHOLDS=350..480 \
  "SETTINGS=objective.compactness=1;solver.seed=2" > "$tmp/over.log" 2>&1 || { tail -20 "$tmp/over.log"; fail "gridplan:run with overrides failed"; }
"$py" - "$tmp/over" "$(field EXIT_CODE "$tmp/over.log")" <<'EOF'
import json, sys
from osgeo import ogr
out, code = sys.argv[1], int(sys.argv[2])
r = json.load(open(out + '/report.json'))
hh = r['bounds']['households']
if (hh['min'], hh['max']) != (350, 480) or r['solver']['seed'] != 2 or r['solver']['effort'] != 0.2:
    sys.exit('check.qgis: overrides not applied: bounds %s, seed %s, effort %s' % (hh, r['solver']['seed'], r['solver']['effort']))
if code == 0:
    ds = ogr.Open(out + '/grids.gpkg')
    out_of = [f.GetField('grid_id') for f in ds.GetLayerByName('grids')
              if not 350 <= f.GetField('households') <= 480]
    if out_of:
        sys.exit('check.qgis: grids outside 350..480 households: %s' % out_of[:5])
EOF
check_layers "$tmp/over"

# --- gridplan:design from the demo's layers ----------------------------
"$qp" run gridplan:design -- UNITS="$demo/units.gpkg" UNITS_ID=unit_id HOUSEHOLDS=hh POPULATION=pop \
  COMMUNITIES="$demo/communities.gpkg" COMMUNITIES_ID=code COMMUNITIES_NAME=name \
  CASES="$demo/cases.gpkg" CASE_TYPE=category CASE_WORKLOAD=2 \
  HOUSEHOLDS_MIN=300 HOUSEHOLDS_MAX=500 POPULATION_MAX=1500 EFFORT=0.2 \
  SCENARIO="$tmp/design/my plan.ini" OUTPUT="$tmp/design/out" > "$tmp/design.log" 2>&1 \
  || { tail -20 "$tmp/design.log"; fail "gridplan:design failed"; }
[ "$(field SCENARIO "$tmp/design.log")" = "$tmp/design/my plan.ini" ] || fail "gridplan:design: SCENARIO output is '$(field SCENARIO "$tmp/design.log")'"
"$bin" --quiet validate "$tmp/design/my plan.ini" || fail "the scenario gridplan:design wrote does not validate"
check_layers "$tmp/design/out"
grep -qx 'households = 300..500' "$tmp/design/my plan.ini" && grep -qx 'population = ..1500' "$tmp/design/my plan.ini" \
  || { cat "$tmp/design/my plan.ini"; fail "the bounds are not in the written scenario"; }
# the scenario kept beside its data reproduces the plan without QGIS
(cd / && "$bin" --quiet run "$tmp/design/my plan.ini" --out "$tmp/design/again")
[ "$(digest "$tmp/design/again/report.json")" = "$(digest "$tmp/design/out/report.json")" ] \
  || fail "rerunning the written scenario gives another plan"
"$py" - "$tmp/design/out/report.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))['totals']
if (t['units'], t['communities'], t['households'], t['population'], t['cases']) != (344, 10, 16640, 42411, 4079):
    sys.exit('check.qgis: the design run did not get the demo whole: %s' % t)
EOF

# --- gridplan:compare: a table of 2 rows and a page ---------------------
"$qp" run gridplan:compare -- INPUTS="$tmp/run" INPUTS="$tmp/over/report.json" HTML="$tmp/cmp.html" \
  TABLE="$tmp/cmp.gpkg" > "$tmp/cmp.log" 2>&1 || { tail -20 "$tmp/cmp.log"; fail "gridplan:compare failed"; }
grep -qi '<html' "$tmp/cmp.html" || fail "gridplan:compare wrote no HTML page"
"$py" - "$tmp/cmp.gpkg" "$tmp/run" "$tmp/over" <<'EOF'
import sys
from osgeo import ogr
ds = ogr.Open(sys.argv[1])
layer = ds.GetLayer(0)
rows = [(f.GetField('column'), f.GetField('folder'), f.GetField('grids'), f.IsFieldNull('households_moved_vs_first')) for f in layer]
if len(rows) != 2 or [r[1] for r in rows] != sys.argv[2:4] or rows[0][2] <= 0 or not rows[0][3] or rows[1][3]:
    sys.exit('check.qgis: comparison table: %s' % rows)
EOF
# one value holding both folders, as a user of qgis_process may write it
"$qp" run gridplan:compare -- "INPUTS=$tmp/run;$tmp/design/out" > "$tmp/cmp2.log" 2>&1 \
  && [ "$(field FOLDERS "$tmp/cmp2.log")" = 2 ] || { tail "$tmp/cmp2.log"; fail "gridplan:compare with INPUTS=A;B"; }

# --- the Python API: cancel, load as the QGIS window does, exit 5, errors, the plugin object
"$py" - "$src" "$demo/scenario.ini" "$tmp" "$bin" <<'EOF'
import glob, hashlib, os, shutil, sys
src, scenario, tmp = sys.argv[1:4]
from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingException,
                       QgsProcessingFeedback, QgsProject, QgsProcessingUtils)
QgsApplication.setPrefixPath('/usr', True)
app = QgsApplication([], False)
app.initQgis()
sys.path.append('/usr/share/qgis/python/plugins')
sys.path.insert(0, os.path.join(src, 'qgis'))
from processing.core.Processing import Processing
import processing
from gridplan.provider import GridplanProvider
Processing.initialize()
provider = GridplanProvider()  # the registry does not keep the Python object alive
QgsApplication.processingRegistry().addProvider(provider)
errors = []


class CancelAfter(QgsProcessingFeedback):
    """Cancels once gridplan reports progress (in the stage named, if any)."""
    def __init__(self, stage=None):
        super().__init__()
        self.stage, self.reports, self.text = stage, 0, ''

    def setProgressText(self, text):
        self.text = text
        super().setProgressText(text)

    def setProgress(self, value):
        if self.stage is None or self.stage in self.text:
            self.reports += 1
        super().setProgress(value)

    def isCanceled(self):
        return self.reports > 0


def tree(path):
    """Every file under path with its content hash."""
    out = {}
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            with open(p, 'rb') as fh:
                out[os.path.relpath(p, path)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def cancelled(out, feedback, effort):
    try:
        processing.run('gridplan:run', {'SCENARIO': scenario, 'OUTPUT': out, 'EFFORT': effort}, feedback=feedback)
    except QgsProcessingException as e:
        return str(e)
    return None


# 1. cancelled at the first progress report: nothing in OUTPUT, no temporary folder left
out = os.path.join(tmp, 'cancel-new')
msg = cancelled(out, CancelAfter(), 1)
if msg is None or 'cancelled' not in msg:
    errors.append('a run cancelled at once was not reported cancelled: %r' % msg)
if os.path.exists(out) and os.listdir(out):
    errors.append('a cancelled run wrote %s' % os.listdir(out))
if glob.glob(out + '.tmp-*') or glob.glob(out + '.old-*'):
    errors.append('a cancelled run left %s' % glob.glob(out + '.*-*'))

# 2. cancelled while partitioning, over a previous output: that output as it was
before = tree(os.path.join(tmp, 'run'))
fb = CancelAfter('partition')
msg = cancelled(os.path.join(tmp, 'run'), fb, 1)
if msg is None or 'cancelled' not in msg or fb.reports == 0:
    errors.append('a run cancelled while partitioning: %r (reports in the stage: %d)' % (msg, fb.reports))
if tree(os.path.join(tmp, 'run')) != before:
    errors.append('a cancelled run changed the previous output')
if glob.glob(os.path.join(tmp, 'run.tmp-*')):
    errors.append('a cancelled run left %s' % glob.glob(os.path.join(tmp, 'run.tmp-*')))

# 3. the layers load with their style, through the context's post-processors
context = QgsProcessingContext()
context.setProject(QgsProject.instance())
res = processing.run('gridplan:run', {'SCENARIO': scenario, 'OUTPUT': os.path.join(tmp, 'styled'), 'EFFORT': 0.2},
                     feedback=QgsProcessingFeedback(), context=context)
loaded = {}
for uri, details in context.layersToLoadOnCompletion().items():
    layer = QgsProcessingUtils.mapLayerFromString(uri, context)
    if layer is None or details.postProcessor() is None:
        errors.append('cannot load %s with a post-processor' % uri)
        continue
    details.setOutputLayerName(layer)
    QgsProject.instance().addMapLayer(context.temporaryLayerStore().takeMapLayer(layer))
    details.postProcessor().postProcessLayer(layer, context, QgsProcessingFeedback())
    loaded[os.path.basename(layer.source().split('|')[0])] = layer
grids = loaded.get('grids.gpkg')
if grids is None or grids.renderer().type() != 'categorizedSymbol' or grids.renderer().classAttribute() != 'grid_id' \
        or len(grids.renderer().categories()) < res['GRID_COUNT'] or not grids.labelsEnabled() \
        or grids.labeling().settings().fieldName != 'grid_id':
    errors.append('the grids layer is not styled by grid_id with labels: %s' % (grids and grids.renderer().type()))
if 'atoms.gpkg' not in loaded:
    errors.append('the atoms layer is not loaded on completion')
order = [n.name() for n in QgsProject.instance().layerTreeRoot().children()]
if order != ['atoms (styled)', 'grids (styled)']:
    errors.append('layers in the project, top first: %s (the atoms belong above the grids)' % order)
colours = {c.value(): c.symbol().color().name() for c in grids.renderer().categories()} if grids else {}
if grids and len(set(colours.values())) < 0.9 * len(colours):
    errors.append('grid colours repeat: %d colours for %d grids' % (len(set(colours.values())), len(colours)))

# 4. bounds not met (exit 5): a result with EXIT_CODE 5, the folder written
res = processing.run('gridplan:run', {'SCENARIO': scenario, 'OUTPUT': os.path.join(tmp, 'tight'), 'EFFORT': 0.1,
                                      'HOUSEHOLDS': '420..440'}, feedback=QgsProcessingFeedback())
if res['EXIT_CODE'] != 5 or res['INFEASIBLE'] < 1 or not os.path.exists(os.path.join(tmp, 'tight', 'grids.gpkg')):
    errors.append('exit 5 is not a result: %s' % res)

# 5. a bad override: the CLI's message, exit 3
try:
    processing.run('gridplan:run', {'SCENARIO': scenario, 'OUTPUT': os.path.join(tmp, 'bad'),
                                    'SETTINGS': 'grid.househols=300..500'}, feedback=QgsProcessingFeedback())
    errors.append('an unknown key did not fail')
except QgsProcessingException as e:
    if 'exit 3' not in str(e) or "unknown key 'househols'" not in str(e):
        errors.append('an unknown key: %s' % e)

# 5b. an output folder that holds the scenario (gridplan would replace it): refused, nothing touched
demo_copy = os.path.join(tmp, 'demo-copy')
shutil.copytree(os.path.dirname(scenario), demo_copy)
try:
    processing.run('gridplan:run', {'SCENARIO': os.path.join(demo_copy, 'scenario.ini'), 'OUTPUT': demo_copy},
                   feedback=QgsProcessingFeedback())
    errors.append('an output folder holding the scenario was accepted')
except QgsProcessingException as e:
    if 'holds the scenario' not in str(e) or not os.path.exists(os.path.join(demo_copy, 'units.gpkg')):
        errors.append('an output folder holding the scenario: %s' % e)

# 6. no binary: the message names what to set
os.environ['GRIDPLAN_BIN'] = os.path.join(tmp, 'no-such-gridplan')
os.environ['PATH'] = '/nonexistent'
try:
    processing.run('gridplan:run', {'SCENARIO': scenario, 'OUTPUT': os.path.join(tmp, 'nobin')},
                   feedback=QgsProcessingFeedback())
    errors.append('a missing binary did not fail')
except QgsProcessingException as e:
    if 'GRIDPLAN_BIN' not in str(e) or 'PATH' not in str(e):
        errors.append('a missing binary: %s' % e)

# 7. the Processing setting names the binary when GRIDPLAN_BIN is not set
from gridplan import runner
from qgis.core import QgsSettings
del os.environ['GRIDPLAN_BIN']
QgsSettings().setValue(runner.SETTING_KEY, sys.argv[4])
if runner.find_binary() != sys.argv[4]:
    errors.append('the Processing setting is not used: %s' % runner.find_binary())

# 8. the plugin object: initProcessing adds the provider and its setting, unload removes them
import gridplan
from processing.core.ProcessingConfig import ProcessingConfig
registry = QgsApplication.processingRegistry()
registry.removeProvider(provider)
plugin = gridplan.classFactory(None)
plugin.initProcessing()
if registry.providerById('gridplan') is None or runner.SETTING_BIN not in ProcessingConfig.settings:
    errors.append('initProcessing did not add the provider and its setting')
plugin.unload()
if registry.providerById('gridplan') is not None or runner.SETTING_BIN in ProcessingConfig.settings:
    errors.append('unload left the provider or its setting')

app.exitQgis()
if errors:
    sys.exit('check.qgis: ' + '\ncheck.qgis: '.join(errors))
EOF
echo "check.qgis: ok ($qp: gridplan:run, :design, :compare; cancel, styles, exit 5, errors)"
