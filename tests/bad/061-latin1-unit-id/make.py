import badlib
badlib.copy('demo/units.gpkg', 'units.gpkg', layer='units')
# 'U0005é': e with acute accent in Latin-1
badlib.sql('units.gpkg', "UPDATE units SET unit_id = CAST(X'5530303035E9' AS TEXT) WHERE unit_id = 'U0005'")
