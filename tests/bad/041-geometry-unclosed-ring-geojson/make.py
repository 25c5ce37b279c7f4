import json, badlib
badlib.copy('demo/units.gpkg', 'units.geojson', layer='units')
with open('units.geojson') as f:
    doc = json.load(f)
for ft in doc['features']:
    if ft['properties']['unit_id'] == 'U0005':
        ft['geometry']['coordinates'][0].pop()
with open('units.geojson', 'w') as f:
    json.dump(doc, f)
