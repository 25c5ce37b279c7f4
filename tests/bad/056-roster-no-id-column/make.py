text = open('demo/workers.csv').read().replace('worker_id,', 'staff_no,', 1)
open('workers.csv', 'w').write(text)
