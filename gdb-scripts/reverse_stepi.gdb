# reverse-stepi and reverse-nexti, checked against the program counter and
# the disassembly, interleaved with forward stepi and nexti.
break add
continue
continue
delete
# add (i=2, ...) after its prologue. Two instructions forward and back.
set $start = $pc
stepi
stepi
set $two = $pc
reverse-stepi
reverse-stepi
print $pc == $start
stepi
stepi
print $pc == $two
# Out of add() to the instruction after its call in one_step().
finish
set $after = $pc
# One instruction back is add's return instruction.
reverse-stepi
bt 1
x/i $pc
stepi
print $pc == $after
# reverse-nexti goes back over the whole call, to the call instruction:
# total is again what step 1 left.
reverse-nexti
x/i $pc
print total
nexti
print $pc == $after
print total
reverse-nexti
print total
# And one more instruction back, still in one_step().
reverse-stepi
print $pc < $after
bt 1
