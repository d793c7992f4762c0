# Registers, including those beyond the general-purpose set.
break accumulate
continue
info registers rip
print $pc == $rip
print $sp == $rsp
info registers
# fs_base points at the thread control block, whose first word is a pointer
# to itself in glibc.
print *(unsigned long *)$fs_base == $fs_base
print/x $eflags
print $orig_rax
print $xmm0
print $ymm0
print $st0
print sizeof($xmm0)
print sizeof($ymm0)
