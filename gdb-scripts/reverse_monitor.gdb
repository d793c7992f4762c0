# The replay server's monitor commands for positions: when, checkpoint,
# info checkpoints, restart, delete checkpoint, goto. After `monitor restart`
# and `monitor goto` gdb is told to forget its register and memory caches
# (the stack cache keeps stale frames otherwise), since a
# monitor command moves the program behind gdb's back.
break add
continue
mcapture ev1 monitor when
mcapture cp1 monitor checkpoint
continue
continue
continue
mcapture ev4 monitor when
mcapture cp2 monitor checkpoint
echo MARK-info-1\n
monitor info checkpoints
echo MARK-info-1-end\n
# Back to the first checkpoint.
eval "monitor restart %d", $cp1
maintenance flush register-cache
maintenance flush dcache
frame
print total
mcapture ev monitor when
print $ev == $ev1
# On from there, then to the second checkpoint.
continue
print i
eval "monitor restart %d", $cp2
maintenance flush register-cache
maintenance flush dcache
frame
print total
mcapture ev monitor when
print $ev == $ev4
# A deleted checkpoint is gone, and restarting it is an error.
eval "monitor delete checkpoint %d", $cp1
echo MARK-info-2\n
monitor info checkpoints
echo MARK-info-2-end\n
python
try:
    out = gdb.execute("monitor restart %d" % int(gdb.parse_and_eval("$cp1")), to_string=True)
    print("RESTART-DELETED-OUTPUT: " + out.strip())
except gdb.error as e:
    print("RESTART-DELETED-ERROR: %s" % e)
end
maintenance flush register-cache
maintenance flush dcache
print i
# goto an event backwards (from step 4 to the event of step 1), forward
# (from an earlier event), and again backwards (from the end of the trace):
# the same place each time.
eval "monitor goto %d", $ev1
maintenance flush register-cache
maintenance flush dcache
mcapture ev monitor when
print $ev == $ev1
echo MARK-goto-1\n
info registers
echo MARK-goto-1-end\n
eval "monitor goto %d", $ev1 - 10
maintenance flush register-cache
maintenance flush dcache
mcapture ev monitor when
print $ev == $ev1 - 10
eval "monitor goto %d", $ev1
maintenance flush register-cache
maintenance flush dcache
echo MARK-goto-2\n
info registers
echo MARK-goto-2-end\n
delete
continue
eval "monitor goto %d", $ev1
maintenance flush register-cache
maintenance flush dcache
echo MARK-goto-3\n
info registers
echo MARK-goto-3-end\n
# goto stops where the event's stretch of execution begins (right after
# the previous event): `when` said ev1 during step 1's call of add(), so
# that call is still ahead.
break add
continue
print i
