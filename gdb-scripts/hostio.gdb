# gdb is given no program file, and the program and its library were
# deleted after the recording: both come from the trace through the
# server's file transfer.
break main
continue
info sharedlibrary
break hostio_twice
continue
bt
print x
