import badlib
badlib.copy('demo/communities.gpkg', 'communities.gpkg', layer='communities')
# 'Shenglì Community': i with grave accent in Latin-1
badlib.sql('communities.gpkg', "UPDATE communities SET name = CAST(X'5368656e676cEC20436f6d6d756e697479' AS TEXT) "
           "WHERE code = '231002001003'")
