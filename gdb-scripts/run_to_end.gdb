# Running to the end of the trace: the program stops as if killed by SIGKILL
# and can still be inspected.
continue
print total
info registers rip
bt
echo MARK-when-end\n
monitor when
echo MARK-when-end-end\n
