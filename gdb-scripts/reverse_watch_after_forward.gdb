# A watchpoint stop going forward, then reverse-continue: first the same
# write, found backwards (stopped before it runs), then the one before it.
break one_step
continue
continue
continue
delete
watch total
continue
print i
reverse-continue
print i
print total
reverse-continue
print i
print total
