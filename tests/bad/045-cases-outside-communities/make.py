import badlib
badlib.copy('demo/cases.gpkg', 'cases.gpkg', layer='cases')
badlib.update('cases.gpkg', 'fid <= 3', geometry='POINT(129.80 44.70)')
