# Packets the server does not know get the protocol's empty reply, and the
# session goes on.
maint packet qRewindNoSuchQuery
maint packet vRewindNoSuchThing
maint packet QRewindNoSuchSetting:1
maint packet bx
break add
continue
print i
reverse-stepi
stepi
continue
print i
reverse-continue
print i
