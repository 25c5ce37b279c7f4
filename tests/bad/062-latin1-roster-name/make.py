data = open('demo/workers.csv', 'rb').read().replace(b'W006,Li Ning,', b'W006,Li N\xeeng,')
open('workers.csv', 'wb').write(data)
