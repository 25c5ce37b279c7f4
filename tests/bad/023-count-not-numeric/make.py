import badlib
badlib.copy('demo/units.gpkg', 'units.gpkg', layer='units', map_types='Integer=String')
badlib.update('units.gpkg', "unit_id = 'U0005'", hh='many')
