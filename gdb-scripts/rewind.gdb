# Friendly commands for debugging a rewind replay in gdb.
# Loaded by `rewind replay`; elsewhere: (gdb) source gdb-scripts/rewind.gdb
#
#   when                   the current event number
#   checkpoint             make a checkpoint here
#   info-checkpoints       list the checkpoints (also: info checkpoints)
#   delete-checkpoint N    delete checkpoint N (also: delete checkpoint N)
#   restart [N]            go to checkpoint N; without N, to the start
#   goto EVENT             go to the first point where `when` says EVENT
#
# Reverse execution needs nothing more: reverse-continue, reverse-step,
# reverse-next, reverse-finish, reverse-stepi, reverse-nexti, and
# `watch VAR` then `reverse-continue` for the last write.
#
# `restart` and `goto` move the program behind gdb's back (a monitor
# command is not a resume), so after the monitor command they flush gdb's
# register and frame cache and its memory cache (the stack cache would
# show the old arguments and locals), and show the new frame.

# gdb's own checkpoint commands (for native processes) are replaced; say
# yes to redefining them without asking, then restore the setting.
set $_rewind_confirm = $_gdb_setting("confirm")
set confirm off

define when
  monitor when
end
document when
Print the current event number of the replay.
end

define checkpoint
  monitor checkpoint
end
document checkpoint
Make a checkpoint of the replay here; `restart N` comes back to it.
end

define info-checkpoints
  monitor info checkpoints
end
document info-checkpoints
List the checkpoints of the replay.
end

define info checkpoints
  monitor info checkpoints
end
document info checkpoints
List the checkpoints of the replay.
end

define delete-checkpoint
  if $argc != 1
    echo Usage: delete-checkpoint N\n
  else
    monitor delete checkpoint $arg0
  end
end
document delete-checkpoint
Delete checkpoint N of the replay.
end

define delete checkpoint
  if $argc != 1
    echo Usage: delete checkpoint N\n
  else
    monitor delete checkpoint $arg0
  end
end
document delete checkpoint
Delete checkpoint N of the replay.
end

define _rewind-show
  maintenance flush register-cache
  maintenance flush dcache
  frame
end
document _rewind-show
Flush gdb's caches and show the frame, after a monitor command moved the replay.
end

define restart
  if $argc == 0
    monitor restart
  else
    monitor restart $arg0
  end
  _rewind-show
end
document restart
Go to checkpoint N of the replay (see `info checkpoints`).
Without N, go back to the first instruction of the trace.
end

define goto
  if $argc != 1
    echo Usage: goto EVENT\n
  else
    monitor goto $arg0
    _rewind-show
  end
end
document goto
Go to the first point where `when` says EVENT: just after event EVENT-1
of the trace was replayed.
end

if $_rewind_confirm
  set confirm on
end
