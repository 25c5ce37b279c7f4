from osgeo import gdal, ogr
import badlib
badlib.copy('demo/communities.gpkg', 'communities.gpkg', layer='communities')
ds = gdal.OpenEx('communities.gpkg', gdal.OF_VECTOR | gdal.OF_UPDATE)
lyr = ds.GetLayer(0)
f = ogr.Feature(lyr.GetLayerDefn())
f.SetField('code', '231002009009')
f.SetField('name', 'far away')
f.SetGeometry(ogr.CreateGeometryFromWkt(
    'POLYGON((129.70 44.60,129.71 44.60,129.71 44.61,129.70 44.61,129.70 44.60))'))
lyr.CreateFeature(f)
ds = None
