# Checkpoints of a multi-threaded replay (tests/programs/threads_mutex.c):
# a checkpoint taken while four threads live, reverse-continue across
# thread switches (from the automatic checkpoints), a return to the
# checkpoint (its threads made again), and the run on to the end.
break threads_mutex.c:89
continue
echo MARK-near-end\n
print taken
python
import re
made = gdb.execute("monitor checkpoint", to_string=True)
print(made.strip())
gdb.execute("set $ckpt = " + re.search(r"Checkpoint (\d+)", made).group(1))
end
delete 1
break threads_mutex.c:86
reverse-continue
reverse-continue
echo MARK-back\n
print taken
eval "monitor restart %d", $ckpt
maintenance flush register-cache
maintenance flush dcache
frame
echo MARK-restored\n
print taken
info threads
echo MARK-threads-end\n
delete
continue
echo MARK-finished\n
