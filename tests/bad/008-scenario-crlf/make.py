# The scenario and a copy of the roster with CRLF line endings.
with open('scenario.ini', 'rb') as f:
    text = f.read().replace(b'\r\n', b'\n')
with open('scenario.ini', 'wb') as f:
    f.write(text.replace(b'\n', b'\r\n'))
with open('demo/workers.csv', 'rb') as f:
    roster = f.read().replace(b'\r\n', b'\n')
with open('workers.csv', 'wb') as f:
    f.write(roster.replace(b'\n', b'\r\n'))
