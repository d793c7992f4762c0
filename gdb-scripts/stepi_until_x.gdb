# Instruction stepping, until, and examining memory.
break accumulate
continue
continue
# total is 1 at the start of the second call.
x/8xb &total
x/s greeting
x/4xb $pc
set $before = $pc
stepi
print $pc != $before
stepi 3
print $pc > $before
finish
# In main, mid-line after the call: until behaves like next here.
until
# Run to a label after the loop, with no breakpoint in the way.
delete
until -function main -label finished
print last
print total
