lines = open('demo/workers.csv').read().split('\n')
f = lines[4].split(',')
f[4] = '-1.0'
lines[4] = ','.join(f)
open('workers.csv', 'w').write('\n'.join(lines))
