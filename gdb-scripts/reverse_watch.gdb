# A hardware watchpoint found backwards: from the end of the trace, the last
# write to total, the write before it, then forward to the same write again.
continue
watch total
reverse-continue
print i
reverse-continue
print i
continue
print i
print total
