import badlib
x0, x1, y0, y1 = badlib.envelope('demo/units.gpkg', "unit_id = 'U0005'")
badlib.copy('demo/units.gpkg', 'units.gpkg', layer='units')
badlib.update('units.gpkg', "unit_id = 'U0005'",
              geometry='POLYGON((%r %r,%r %r,%r %r,%r %r,%r %r))' % (x0, y0, x1, y1, x1, y0, x0, y1, x0, y0))
