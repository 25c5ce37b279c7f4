"""Styles for gridplan's layers: grids in a categorical style by grid id with
the id as label, atoms as light outlines.

Used by the algorithms (on the layers they load, and saved as grids.qml /
atoms.qml beside the GeoPackages, which QGIS reads when the files are opened
later) and by scripts/render-qgis.
"""
import hashlib
import os

from qgis.PyQt.QtGui import QColor, QFont
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsGeometry,
    QgsFillSymbol,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsSingleSymbolRenderer,
    QgsSpatialIndex,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)

GRID_FIELD = 'grid_id'
OUTLINE = '#3a3a3a'


def grid_colour(grid_id, attempt=0):
    """A colour for a grid, drawn at random but seeded by the grid's id (and
    the attempt, see grid_colours): the same plan always looks the same."""
    key = str(grid_id) if attempt == 0 else '{}#{}'.format(grid_id, attempt)
    d = hashlib.sha256(key.encode('utf-8')).digest()
    hue = int.from_bytes(d[0:2], 'big') % 360
    sat = 90 + d[2] % 90        # of 255: pastel to medium
    val = 200 + d[3] % 50       # light enough for dark labels
    colour = QColor.fromHsv(hue, sat, val)
    # a little see-through: the atoms' outlines and a basemap show under it
    colour.setAlpha(220)
    return colour


def _distance(a, b):
    """Perceived distance of two colours ("redmean" weighting of RGB)."""
    rm = (a.red() + b.red()) / 2
    dr, dg, db = a.red() - b.red(), a.green() - b.green(), a.blue() - b.blue()
    return ((2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db) ** 0.5


def _neighbours(layer, field_idx):
    """grid id -> ids of the grids it touches (bounding boxes first, then the
    geometry; a shared edge or corner counts)."""
    geoms = {}
    for feat in layer.getFeatures():
        gid = feat.attribute(field_idx)
        if gid is not None and feat.hasGeometry():
            geoms[str(gid)] = feat.geometry()
    index = QgsSpatialIndex()
    ids = sorted(geoms)
    for k, gid in enumerate(ids):
        f = QgsFeature(k)
        f.setGeometry(geoms[gid])
        index.addFeature(f)
    result = {gid: set() for gid in ids}
    for k, gid in enumerate(ids):
        engine = QgsGeometry.createGeometryEngine(geoms[gid].constGet())
        engine.prepareGeometry()
        box = geoms[gid].boundingBox()
        box.grow(box.width() * 1e-6 + 1e-9)
        for j in index.intersects(box):
            if j > k and engine.intersects(geoms[ids[j]].constGet()):
                result[gid].add(ids[j])
                result[ids[j]].add(gid)
    return result


# above this many grids the neighbour test costs more than it is worth
NEIGHBOUR_LIMIT = 20000
# redmean distance under which two touching grids look alike
NEAR = 150.0


def grid_colours(layer, field=GRID_FIELD):
    """grid id -> colour. Each grid takes its seeded colour unless a grid it
    touches, coloured before it (in id order), looks alike; then it draws
    again from its seed, up to 16 times, keeping the most distinct draw.
    The result depends only on the plan."""
    idx = layer.fields().indexOf(field)
    values = sorted(str(v) for v in layer.uniqueValues(idx) if v is not None)
    near = _neighbours(layer, idx) if len(values) <= NEIGHBOUR_LIMIT else {}
    colours = {}
    for gid in values:
        taken = [colours[n] for n in near.get(gid, ()) if n in colours]
        best, best_d = None, -1.0
        for attempt in range(16):
            c = grid_colour(gid, attempt)
            d = min((_distance(c, t) for t in taken), default=float('inf'))
            if d > best_d:
                best, best_d = c, d
            if d >= NEAR:
                break
        colours[gid] = best
    return colours


def _fill(colour, outline, width_mm, brush=True):
    return QgsFillSymbol.createSimple({
        'color': '{},{},{},{}'.format(colour.red(), colour.green(), colour.blue(), colour.alpha())
                 if brush else '0,0,0,0',
        'style': 'solid' if brush else 'no',
        'outline_color': outline,
        'outline_width': str(width_mm),
        'outline_width_unit': 'MM',
        'joinstyle': 'round',
    })


def grid_labels(field=GRID_FIELD, size_pt=8.0):
    """The grid id over each grid, dark on a white halo."""
    fmt = QgsTextFormat()
    font = QFont('DejaVu Sans')
    font.setStyleHint(QFont.SansSerif)
    fmt.setFont(font)
    fmt.setSize(size_pt)
    fmt.setSizeUnit(QgsUnitTypes.RenderPoints)
    fmt.setColor(QColor('#1a1a1a'))
    buf = QgsTextBufferSettings()
    buf.setEnabled(True)
    buf.setSize(0.8)
    buf.setSizeUnit(QgsUnitTypes.RenderMillimeters)
    buf.setColor(QColor(255, 255, 255, 220))
    fmt.setBuffer(buf)
    pal = QgsPalLayerSettings()
    pal.fieldName = field
    pal.isExpression = False
    pal.enabled = True
    # several candidate positions inside each grid: small neighbours' labels
    # can move apart instead of piling up on their centroids
    pal.placement = QgsPalLayerSettings.Horizontal
    pal.centroidInside = True
    # a grid without its label is worse than two labels touching
    pal.displayAll = True
    pal.setFormat(fmt)
    return QgsVectorLayerSimpleLabeling(pal)


def style_grids(layer, field=GRID_FIELD, label_size_pt=8.0):
    """Categorical style by grid id (one category per grid present), with
    labels. Returns False when the layer has no such field."""
    idx = layer.fields().indexOf(field)
    if idx < 0:
        return False
    colours = grid_colours(layer, field)
    cats = [QgsRendererCategory(v, _fill(c, OUTLINE, 0.5), v) for v, c in colours.items()]
    renderer = QgsCategorizedSymbolRenderer(field, cats)
    # NULL ids should not occur; if one does it shows grey rather than vanishing
    renderer.addCategory(QgsRendererCategory(None, _fill(QColor('#cccccc'), OUTLINE, 0.5), 'no grid'))
    layer.setRenderer(renderer)
    layer.setLabeling(grid_labels(field, label_size_pt))
    layer.setLabelsEnabled(True)
    layer.triggerRepaint()
    return True


def style_atoms(layer):
    """Atoms as thin light outlines without fill: the units show inside the
    grids without hiding their colours."""
    sym = _fill(QColor(0, 0, 0, 0), '255,255,255,170', 0.2, brush=False)
    layer.setRenderer(QgsSingleSymbolRenderer(sym))
    layer.setLabelsEnabled(False)
    layer.triggerRepaint()
    return True


def apply(layer, kind):
    """Styles a loaded layer of kind 'grids' or 'atoms'."""
    return style_grids(layer) if kind == 'grids' else style_atoms(layer)


def save_qml(out_dir, feedback=None):
    """Writes grids.qml and atoms.qml beside grids.gpkg and atoms.gpkg in an
    output folder. QGIS applies a .qml of the same name when it opens the
    file, so the style follows the folder."""
    written = []
    for kind in ('grids', 'atoms'):
        gpkg = os.path.join(out_dir, kind + '.gpkg')
        if not os.path.exists(gpkg):
            continue
        layer = QgsVectorLayer('{}|layername={}'.format(gpkg, kind), kind, 'ogr')
        if not layer.isValid():
            if feedback:
                feedback.pushWarning('cannot open {} to style it'.format(gpkg))
            continue
        apply(layer, kind)
        qml = os.path.join(out_dir, kind + '.qml')
        msg, ok = layer.saveNamedStyle(qml)
        if ok:
            written.append(qml)
        elif feedback:
            feedback.pushWarning('cannot write {}: {}'.format(qml, msg))
    return written
