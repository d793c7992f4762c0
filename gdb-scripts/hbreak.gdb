# A hardware breakpoint behaves like a software one.
hbreak accumulate
continue
print i
continue
print i
