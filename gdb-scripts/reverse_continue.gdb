# Breakpoints hit going backwards, and forward and backward interleaved.
# Each step of the program calls mix(), then add(i, r).
break add
continue
continue
continue
continue
# At add (i=4). Back to the previous hits, one at a time.
reverse-continue
print i
print total
reverse-continue
print i
print total
# Forward again, to a hit already seen.
continue
print i
print total
# A breakpoint in mix(), which runs just before add() in each step: going
# back from add (i=3) reaches it first, within step 3.
break mix
reverse-continue
print seed
reverse-continue
print i
reverse-continue
print seed
delete 2
# Forward twice, back once, four times: each round ends one step further.
set $round = 0
while $round < 4
  continue
  continue
  reverse-continue
  printf "ROUND %d: i=%d total=%ld\n", $round, i, total
  set $round = $round + 1
end
