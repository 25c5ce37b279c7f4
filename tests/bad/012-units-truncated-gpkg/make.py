# The first 60 % of the demo's units.gpkg.
with open('demo/units.gpkg', 'rb') as f:
    data = f.read()
with open('units.gpkg', 'wb') as f:
    f.write(data[:len(data) * 6 // 10])
