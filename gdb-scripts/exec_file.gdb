# gdb is given no program file: it must learn it from the server.
break accumulate
continue
bt
