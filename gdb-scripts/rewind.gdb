# Friendly commands for debugging a rewind replay in gdb.
# Loaded by `rewind replay`; elsewhere: (gdb) source gdb-scripts/rewind.gdb

define when
  monitor when
end
document when
Print the current event number of the replay.
end
