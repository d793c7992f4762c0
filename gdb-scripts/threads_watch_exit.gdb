# A watchpoint set in a thread that then exits (tests/programs/
# threads_watch_exit.c): the thread that runs next, and a thread started
# later, must both stop at their writes; going back from the last write
# finds that write first, then main's.
break watch_here
continue
watch shared
continue
echo MARK-first\n
print shared
continue
echo MARK-second\n
print shared
continue
echo MARK-third\n
print shared
reverse-continue
echo MARK-back\n
print shared
reverse-continue
echo MARK-back-main\n
print shared
