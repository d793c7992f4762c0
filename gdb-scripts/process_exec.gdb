# `rewind replay -p exec-worker` on tests/programs/exec_child.c: gdb sees
# only the process that ran the program under that name, from its exec;
# breakpoints stop there forwards and backwards; its end is the end.
echo MARK-start\n
info threads
echo MARK-start-end\n
break exec_child.c:15
continue
echo MARK-first\n
print round
print total
continue
continue
echo MARK-third\n
print round
print total
reverse-continue
echo MARK-back\n
print round
print total
info threads
echo MARK-back-end\n
delete
continue
echo MARK-end\n
