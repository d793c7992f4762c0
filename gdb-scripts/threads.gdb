# Threads in gdb (tests/programs/threads_basic.c): each stop names its
# thread, `info threads` lists every thread with its frame, backtraces of
# all threads, `thread 1` with its own backtrace and registers, and
# reverse-continue across thread switches.
break worker
continue
echo MARK-first\n
info threads
echo MARK-first-end\n
thread 1
bt
info registers rip
echo MARK-thread1-end\n
continue
thread apply all bt
echo MARK-all-bt-end\n
continue
echo MARK-third\n
print (long)arg
reverse-continue
echo MARK-back\n
print (long)arg
info threads
echo MARK-back-end\n
continue
echo MARK-forward\n
print (long)arg
