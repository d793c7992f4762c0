# Checkpoints and reverse execution over shared memory (tests/programs/
# shm_rewind.c): a checkpoint in round 4 shows round 4's shared counter when
# restarted, after the program went on writing it; from the end, a
# watchpoint on the shared counter found backwards stops at its last write.
break tick if i == 4
continue
mcapture cp1 monitor checkpoint
print shared->counter
delete
mbreak end
continue
print shared->counter
eval "monitor restart %d", $cp1
maintenance flush register-cache
maintenance flush dcache
echo MARK-restarted\n
print i
print shared->counter
print shared->rounds
continue
print shared->counter
watch shared->counter
reverse-continue
print i
print shared->counter
