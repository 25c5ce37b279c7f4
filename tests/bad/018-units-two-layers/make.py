import badlib
badlib.copy('demo/units.gpkg', 'two.gpkg', layer='units')
badlib.copy('demo/communities.gpkg', 'two.gpkg', layer='communities', accessMode='update')
