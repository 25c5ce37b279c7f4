import badlib
badlib.copy('demo/communities.gpkg', 'communities.gpkg', layer='communities')
badlib.update('communities.gpkg', "code = '231002001003'", code='231002001002')
