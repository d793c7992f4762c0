# Breakpoint on a function, hit twice: arguments, globals, hit counts.
# The replay starts at the program's first instruction; accumulate() is
# first called with i=1 (total still 0), then with i=2 (total now 1).
break accumulate
continue
print i
print total
continue
print i
print total
info breakpoints
