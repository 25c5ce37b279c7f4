import badlib
badlib.copy('demo/units.gpkg', 'units.gpkg', layer='units')
badlib.update('units.gpkg', "unit_id = 'U0005'", hh=900)
