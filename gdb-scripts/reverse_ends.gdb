# The two ends of the trace: forward to the end (the program stops as if
# killed, still inspectable), back from there, back past the start (gdb says
# there is no more history, at the program's first instruction), and forward
# again from the start.
continue
print total
break add
reverse-continue
print i
print total
delete
reverse-continue
info registers rip
# gdb 13 fails its first lookup of a global after going back past the
# loading of shared libraries (see lldb-scripts/README.md); naming the file
# avoids that.
mprint 'reverse_demo.c'::total
# Nothing before the first instruction.
reverse-stepi
info registers rip
# Forward again from the start.
break add
continue
print i
print total
delete
continue
print total
# One instruction back from the end, and to the end again.
reverse-stepi
echo MARK-before-end\n
print total
continue
echo MARK-end-again\n
print total
