import badlib
badlib.copy('demo/units.gpkg', 'units.gpkg', layerName='units', SQLDialect='SQLite',
            SQLStatement='SELECT unit_id, compound, kind, hh, community, geom FROM units')
