# Line stepping in main, stepping into accumulate(), and finish with its
# return value.
break main
continue
next
next
next
step
next
next
print square
print total
finish
next
print last
