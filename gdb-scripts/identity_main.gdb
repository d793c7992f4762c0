# A packed trace debugged after its program was rewritten in place, with
# no program file given: gdb reads the trace's copy through the server.
break main
continue
next
continue
