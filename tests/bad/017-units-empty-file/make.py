open('units.gpkg', 'wb').close()
