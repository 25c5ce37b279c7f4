import badlib
badlib.copy('demo/units.gpkg', 'units.gpkg', layer='units', where='0 = 1')
