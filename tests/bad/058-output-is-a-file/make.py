import os
os.makedirs('result', exist_ok=True)
open('result/report.txt', 'w').write('not a folder\n')
