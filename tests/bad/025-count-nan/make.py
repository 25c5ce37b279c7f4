import badlib
badlib.copy('demo/units.gpkg', 'units.geojson', layer='units', map_types='Integer=Real',
            layerCreationOptions=['WRITE_NON_FINITE_VALUES=YES'])
with open('units.geojson') as f:
    text = f.read()
i = text.index('"unit_id": "U0005"')
j = text.index('"hh":', i)
k = text.index(',', j)
with open('units.geojson', 'w') as f:
    f.write(text[:j] + '"hh": NaN' + text[k:])
