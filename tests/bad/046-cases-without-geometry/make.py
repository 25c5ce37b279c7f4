import badlib
badlib.copy('demo/cases.gpkg', 'cases.gpkg', layer='cases')
badlib.update('cases.gpkg', 'fid >= 10 AND fid < 15', geometry=None)
