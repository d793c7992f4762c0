# A breakpoint in a shared library set before the library is loaded (the
# replay starts in the dynamic loader); it must resolve when libc loads.
set breakpoint pending on
break puts
continue
bt
