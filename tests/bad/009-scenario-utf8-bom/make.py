# A byte-order mark at the start of the scenario and of a copy of the roster.
for src, dst in (('scenario.ini', 'scenario.ini'), ('demo/workers.csv', 'workers.csv')):
    with open(src, 'rb') as f:
        text = f.read()
    with open(dst, 'wb') as f:
        f.write(b'\xef\xbb\xbf' + text)
