open('blocker', 'w').write('a file where a folder is expected\n')
