# A point revisited by every route looks exactly the same: registers,
# arguments, locals, globals and the stack. The echo lines delimit the
# visits for the test, which compares their text.
break add if i == 3
continue
set $visit_pc = $pc
echo MARK-visit-1\n
info registers
print i
print r
print term
print total
print seed
print rbuf
print stamp
print/x $fs_base
print $xmm0
x/24xg $sp
echo MARK-visit-1-end\n
# To the end of the trace, and back to it with reverse-continue.
continue
reverse-continue
echo MARK-visit-2\n
info registers
print i
print r
print term
print total
print seed
print rbuf
print stamp
print/x $fs_base
print $xmm0
x/24xg $sp
echo MARK-visit-2-end\n
# Forward by lines and an instruction, and back one instruction at a time
# to the same program counter.
next
next
stepi
set $steps = 0
while $pc != $visit_pc && $steps < 200
  reverse-stepi
  set $steps = $steps + 1
end
echo MARK-visit-3\n
info registers
print i
print r
print term
print total
print seed
print rbuf
print stamp
print/x $fs_base
print $xmm0
x/24xg $sp
echo MARK-visit-3-end\n
# Backwards past it, then forward to it with continue.
break mix
reverse-continue
reverse-continue
delete 2
continue
echo MARK-visit-4\n
info registers
print i
print r
print term
print total
print seed
print rbuf
print stamp
print/x $fs_base
print $xmm0
x/24xg $sp
echo MARK-visit-4-end\n
