text = open('demo/workers.csv').read().replace('W003,Han Ping,231002001002,', 'W003,Han Ping,231002001099,')
open('workers.csv', 'w').write(text)
