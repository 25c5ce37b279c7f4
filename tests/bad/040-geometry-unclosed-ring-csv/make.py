import csv, badlib
badlib.copy('demo/units.gpkg', 'units.csv', layer='units', layerCreationOptions=['GEOMETRY=AS_WKT'])
rows = list(csv.reader(open('units.csv', newline='')))
for r in rows:
    if r[1] == 'U0005':
        pts = r[0][len('POLYGON (('):-2].split(',')
        r[0] = 'POLYGON ((' + ','.join(pts[:-1]) + '))'
csv.writer(open('units.csv', 'w', newline='')).writerows(rows)
