from osgeo import gdal, ogr
import badlib
badlib.copy('demo/existing_plan.gpkg', 'existing_plan.gpkg', layer='grids')
ds = gdal.OpenEx('existing_plan.gpkg', gdal.OF_VECTOR | gdal.OF_UPDATE)
lyr = ds.GetLayer(0)
f = ogr.Feature(lyr.GetLayerDefn())
f.SetField('grid_id', 'G-99')
f.SetGeometry(ogr.CreateGeometryFromWkt(
    'POLYGON((129.70 44.60,129.71 44.60,129.71 44.61,129.70 44.61,129.70 44.60))'))
lyr.CreateFeature(f)
ds = None
