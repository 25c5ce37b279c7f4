text = open('demo/workers.csv').read().replace('W001,Song Jing,231002001001,231002001001-G01,',
                                                'W001,Song Jing,231002001001,231002001001-G99,')
open('workers.csv', 'w').write(text)
