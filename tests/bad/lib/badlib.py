"""Helpers for the make.py of the bad-input cases (tests/bad/README.md).

A make.py runs with /usr/bin/python3 in the case's working copy, where
demo/ is a copy of datasets/demo; it writes its files there, next to
scenario.ini. Every helper takes paths relative to that folder.
"""
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()


def copy(src, dst, layer=None, fmt=None, map_types=None, **options):
    """Copies one layer of src (e.g. demo/units.gpkg) to dst; the format
    follows dst's extension unless fmt is given. map_types: e.g.
    'Integer=Real' (ogr2ogr -mapFieldType). options go to
    gdal.VectorTranslateOptions (e.g. SQLStatement, where,
    layerCreationOptions, accessMode)."""
    if layer is not None and 'SQLStatement' not in options:
        options['layers'] = [layer]
    if map_types:
        options['options'] = ['-mapFieldType', map_types]
    ds = gdal.VectorTranslate(dst, src, format=fmt, **options)
    ds = None


def sql(path, statement):
    """Runs an SQL statement on path through GDAL (a GeoPackage's triggers
    need GDAL's SQL functions)."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_UPDATE)
    ds.ExecuteSQL(statement)
    ds = None


def update(path, where, layer=None, **values):
    """Sets fields of the features of path matching the OGR SQL filter
    where. geometry=WKT sets the geometry (None: removes it); any other
    keyword sets that field (None: NULL). Returns how many changed."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_UPDATE)
    lyr = ds.GetLayerByName(layer) if layer else ds.GetLayer(0)
    lyr.SetAttributeFilter(where)
    feats = list(lyr)
    for f in feats:
        for k, v in values.items():
            if k == 'geometry':
                f.SetGeometryDirectly(ogr.CreateGeometryFromWkt(v) if v else None)
            elif v is None:
                f.SetFieldNull(k)
            else:
                f.SetField(k, v)
        lyr.SetFeature(f)
    ds = None
    if not feats:
        raise SystemExit('make.py: no feature of %s matches %s' % (path, where))
    return len(feats)


def delete(path, where, layer=None):
    """Deletes the features of path matching where."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_UPDATE)
    lyr = ds.GetLayerByName(layer) if layer else ds.GetLayer(0)
    lyr.SetAttributeFilter(where)
    fids = [f.GetFID() for f in lyr]
    lyr.SetAttributeFilter(None)
    for fid in fids:
        lyr.DeleteFeature(fid)
    ds = None
    return len(fids)


def geometry(path, where, layer=None):
    """A copy of the geometry of the first feature of path matching where."""
    ds = gdal.OpenEx(path, gdal.OF_VECTOR)
    lyr = ds.GetLayerByName(layer) if layer else ds.GetLayer(0)
    lyr.SetAttributeFilter(where)
    f = lyr.GetNextFeature()
    if f is None:
        raise SystemExit('make.py: no feature of %s matches %s' % (path, where))
    g = f.GetGeometryRef().Clone()
    f = lyr = ds = None
    return g


def wkt_of(path, where, layer=None):
    """The WKT of the first feature of path matching where."""
    return geometry(path, where, layer).ExportToWkt()


def envelope(path, where, layer=None):
    """(minx, maxx, miny, maxy) of the first feature matching where."""
    return geometry(path, where, layer).GetEnvelope()
