# A session started with `rewind replay -g EVENT` (EVENT: where the third
# call of add() is): it begins at that event; forward to add(), and back
# before the event to the previous call.
monitor when
break add
continue
print i
reverse-continue
print i
