# gdb's `run` starts the replay again from the beginning, on the same
# connection; reverse execution works in the new run.
break add
continue
continue
continue
mcapture ev3 monitor when
run
print i
print total
mcapture ev monitor when
print $ev < $ev3
continue
print i
reverse-continue
print i
print total
