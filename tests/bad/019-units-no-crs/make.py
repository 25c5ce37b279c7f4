# The demo units in a layer created without a spatial reference.
from osgeo import gdal, ogr
src = gdal.OpenEx('demo/units.gpkg', gdal.OF_VECTOR)
sl = src.GetLayer(0)
dst = ogr.GetDriverByName('GPKG').CreateDataSource('units.gpkg')
dl = dst.CreateLayer('units', None, ogr.wkbPolygon)
sd = sl.GetLayerDefn()
for i in range(sd.GetFieldCount()):
    dl.CreateField(sd.GetFieldDefn(i))
for f in sl:
    g = ogr.Feature(dl.GetLayerDefn())
    g.SetFrom(f)
    dl.CreateFeature(g)
dst = None
