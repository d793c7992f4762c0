# Backtrace from a nested call, and moving between frames.
break report
continue
bt
up
print i
print last
down
print step
print value
