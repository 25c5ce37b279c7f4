from osgeo import ogr
import badlib
g = ogr.CreateGeometryFromWkt(badlib.wkt_of('demo/communities.gpkg', "code = '231002001002'"))
badlib.copy('demo/communities.gpkg', 'communities.gpkg', layer='communities')
badlib.update('communities.gpkg', "code = '231002001002'", geometry=g.Buffer(0.0008).ExportToWkt())
