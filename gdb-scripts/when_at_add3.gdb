# The event number at the third call of add() in reverse_demo.
break add
continue
continue
continue
print i
monitor when
