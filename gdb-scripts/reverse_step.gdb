# reverse-step, reverse-next and reverse-finish through nested calls, and
# forward again. The calls: main -> one_step(i) -> mix(), then add(i, r).
break add
continue
continue
continue
delete
# add (i=3, ...) at its first line. Stepping back leaves it for the line of
# its call in one_step().
reverse-step
print r
# Back over the call of mix(): seed is what step 2 left.
reverse-next
print seed
# Forward over mix() again, then back into it from its end.
next
reverse-step
print seed
# Back out of mix() to its call.
reverse-finish
# Forward into add(), to its last line, and back.
next
step
next
next
print total
reverse-next
print total
# Back out of add() to the middle of the line of its call in one_step().
reverse-finish
print total
# To the start of that line, over mix() again, and into main().
reverse-next
reverse-next
reverse-next
print i
print total
# Forward again from there: the same values as the first time.
step
next
step
print i
print r
