text = open('demo/workers.csv').read().replace('\nW005,', '\nW002,')
open('workers.csv', 'w').write(text)
