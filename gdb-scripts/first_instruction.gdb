# Where the replay starts: the program's first instruction after exec, which
# for a dynamically linked program is the dynamic loader's entry point.
info registers rip
info auxv
