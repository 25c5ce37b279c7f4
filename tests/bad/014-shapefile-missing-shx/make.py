import os, badlib
badlib.copy('demo/units.gpkg', 'units.shp', layer='units')
os.remove('units.shx')
