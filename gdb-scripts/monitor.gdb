# Monitor commands of the replay server. The echo lines are markers for the
# test.
monitor help
echo MARK-when-1\n
monitor when
echo MARK-when-1-end\n
break accumulate
continue
echo MARK-when-2\n
monitor when
echo MARK-when-2-end\n
