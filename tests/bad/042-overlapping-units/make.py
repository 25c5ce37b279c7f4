from osgeo import ogr
import badlib
a = ogr.CreateGeometryFromWkt(badlib.wkt_of('demo/units.gpkg', "unit_id = 'U0005'"))
b = ogr.CreateGeometryFromWkt(badlib.wkt_of('demo/units.gpkg', "unit_id = 'U0006'"))
badlib.copy('demo/units.gpkg', 'units.gpkg', layer='units')
badlib.update('units.gpkg', "unit_id = 'U0006'", geometry=a.Union(b).Buffer(0).ExportToWkt())
