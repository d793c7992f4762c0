# `rewind replay --onfork PID` on tests/programs/exec_child.c, for the
# child that only forks: gdb starts in it just after the fork, and its
# loop is followed forwards and backwards.
echo MARK-start\n
info threads
echo MARK-start-end\n
break exec_child.c:37
continue
echo MARK-first\n
print acc
continue
continue
echo MARK-third\n
print acc
reverse-continue
echo MARK-back\n
print acc
echo MARK-back-end\n
