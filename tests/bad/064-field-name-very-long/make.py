import badlib
badlib.copy('demo/units.gpkg', 'units.csv', layer='units', layerCreationOptions=['GEOMETRY=AS_WKT'])
text = open('units.csv').read().split('\n', 1)
head = text[0].replace('"hh"', '"households_' + 'x' * 600 + '"').replace(',hh,', ',households_' + 'x' * 600 + ',')
open('units.csv', 'w').write(head + '\n' + text[1])
