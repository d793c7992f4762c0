# A breakpoint in a shared library once the library is loaded.
break main
continue
info sharedlibrary
break printf
continue
bt
