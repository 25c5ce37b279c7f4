import badlib
badlib.copy('demo/units.gpkg', 'units.gpkg', layer='units', map_types='Integer=Real')
badlib.update('units.gpkg', "unit_id = 'U0005'", pop=float('inf'))
