# Four hardware watchpoints at once (4- and 8-byte variables, one written
# by the kernel), found backwards from the end of the trace; then an access
# watchpoint, forward and backward.
continue
watch total
watch seed
watch rbuf[1]
watch stamp
# Step 10 wrote seed (in mix) and then total (in add): backwards, total
# first.
reverse-continue
reverse-continue
reverse-continue
reverse-continue
# Only the buffer read() filled and the clock value are left.
delete 1 2
reverse-continue
reverse-continue
delete
# An access watchpoint sees the write, then the read by printf().
awatch stamp
continue
continue
# On to the end, and back to that read.
continue
reverse-continue
