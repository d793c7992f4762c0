# Running to the end of the trace: the program stops at the end of the
# replay log ("No more reverse-execution history.") and can still be
# inspected.
continue
print total
info registers rip
bt
echo MARK-when-end\n
monitor when
echo MARK-when-end-end\n
