# The replay is read-only: writes to memory and registers must fail with an
# error, and leave the values as recorded. gdb stops a script at the first
# error, so the writes run inside python.
break accumulate
continue
continue
print total
set $saved_rax = $rax
python
for cmd in ["set var total = 5", "set var i = 99", "set var $rax = 7"]:
    try:
        gdb.execute(cmd)
        print("ACCEPTED: " + cmd)
    except gdb.error as e:
        print("REFUSED: %s: %s" % (cmd, e))
end
print total
print i
print $rax == $saved_rax
