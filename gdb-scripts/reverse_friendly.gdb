# The friendly commands of gdb-scripts/rewind.gdb (loaded before this
# script): when, checkpoint, restart N, goto N.
break add
continue
mcapture ev1 when
mcapture cp1 checkpoint
continue
continue
print i
mcapture ev3 when
# Back to the checkpoint: gdb shows the new position without being told.
eval "restart %d", $cp1
frame
print i
print total
mcapture ev when
print $ev == $ev1
# And forward to the start of the event that `when` showed during step 3's
# call of add(): that call is still ahead.
eval "goto %d", $ev3
mcapture ev when
print $ev == $ev3
continue
print i
