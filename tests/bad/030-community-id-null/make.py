import badlib
badlib.copy('demo/communities.gpkg', 'communities.gpkg', layer='communities')
badlib.update('communities.gpkg', 'fid = 3', code=None)
