# Helpers for the reverse-execution scripts: name source lines by their
# marker comments ("/* LINE: name */" in the program's source) instead of
# by number, so that the scripts survive edits of the programs.
#
#   mbreak NAME       breakpoint at the line marked NAME
#   mtbreak NAME      temporary breakpoint there
#   madvance NAME     run forward to that line (like `advance`)
#   mline NAME        print "MARKER NAME = N" (for messages)
#   mcapture VAR CMD  run gdb command CMD, show its output, and set the
#                     convenience variable $VAR to the first integer in it
#                     (e.g. `mcapture ev monitor when` sets $ev to the event)
#   mprint EXPR       print "MPRINT EXPR = VALUE", or "MPRINT EXPR: ERROR: ..."
#                     without stopping the script when EXPR cannot be read
#
# The marked file is the one that defines main().
python
import re


def _marker_line(name):
    name = name.strip()
    sym = gdb.lookup_global_symbol("main")
    if sym is None or sym.symtab is None:
        raise gdb.GdbError("no debug information for main()")
    path = sym.symtab.fullname()
    want = "/* LINE: %s */" % name
    hits = []
    with open(path) as f:
        for n, text in enumerate(f, 1):
            if want in text:
                hits.append(n)
    if len(hits) != 1:
        raise gdb.GdbError("marker %r found %d times in %s" % (name, len(hits), path))
    return path, hits[0]


class _MarkerCommand(gdb.Command):
    def __init__(self, name, template):
        super().__init__(name, gdb.COMMAND_BREAKPOINTS)
        self.template = template

    def invoke(self, arg, from_tty):
        path, line = _marker_line(arg)
        gdb.execute(self.template % ("%s:%d" % (path, line)), from_tty)


_MarkerCommand("mbreak", "break %s")
_MarkerCommand("mtbreak", "tbreak %s")
_MarkerCommand("madvance", "advance %s")


class _MarkerLine(gdb.Command):
    def __init__(self):
        super().__init__("mline", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        print("MARKER %s = %d" % (arg.strip(), _marker_line(arg)[1]))


_MarkerLine()


class _Capture(gdb.Command):
    def __init__(self):
        super().__init__("mcapture", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        var, _, command = arg.strip().partition(" ")
        out = gdb.execute(command, from_tty, to_string=True)
        gdb.write(out)
        found = re.search(r"\d+", out)
        if found is None:
            raise gdb.GdbError("`%s` printed no number: %r" % (command, out))
        gdb.set_convenience_variable(var, int(found.group(0)))


_Capture()


class _SafePrint(gdb.Command):
    def __init__(self):
        super().__init__("mprint", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        expr = arg.strip()
        try:
            print("MPRINT %s = %s" % (expr, gdb.parse_and_eval(expr)))
        except gdb.error as e:
            print("MPRINT %s: ERROR: %s" % (expr, e))


_SafePrint()
end
