import badlib
badlib.copy('demo/units.gpkg', 'units.gpkg', layerName='units', geometryType='POINT', SQLDialect='SQLite',
            SQLStatement='SELECT unit_id, compound, kind, hh, pop, community, ST_Centroid(geom) AS geom '
                         'FROM units')
