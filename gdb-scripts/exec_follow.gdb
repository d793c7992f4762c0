# A followed process that runs a new program after the debugger started
# (`sh -c "...; exec demo"`): gdb stops at the exec (catch exec), loads the
# new program's symbols, and its breakpoints work forwards and backwards.
catch exec
continue
echo MARK-exec\n
break accumulate
continue
echo MARK-first\n
print i
continue
echo MARK-second\n
print i
reverse-continue
echo MARK-back\n
print i
echo MARK-end\n
