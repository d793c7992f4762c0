# A watched buffer that only the kernel writes, during read(): the
# watchpoint stops there going forward, and going backward.
mtbreak open
continue
watch rbuf[0]
continue
bt
mprint rbuf[1]
# On to the end of the trace (rbuf is not written again), then back to the
# read.
continue
reverse-continue
bt
mprint rbuf[1]
mprint rbuf[0]
