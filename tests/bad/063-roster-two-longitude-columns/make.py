lines = open('demo/workers.csv').read().splitlines()
out = [lines[0].replace(',lon,', ',lon,x,')]
for l in lines[1:]:
    f = l.split(',')
    out.append(','.join(f[:6] + ['500123'] + f[6:]))
open('workers.csv', 'w').write('\n'.join(out) + '\n')
