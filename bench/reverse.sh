#!/usr/bin/env bash
# Benchmark of reverse execution: how long reverse commands take in gdb on a
# trace of a program that runs ~3 s natively, compared with replaying the
# whole trace, and how much memory the replay and its checkpoints hold.
#
# The workload (bench/reverse_work.c) calls work() 10^7 times, writes a line
# every 10^4 calls (1000 write syscalls) and updates the globals total (every
# call) and last_report (every 10^4 calls). It is recorded once; then:
#
#   - `rewind replay -a` of the whole trace, best of $RUNS (default 3);
#   - one gdb session (batch mode) against `rewind replay -s PORT`, which
#     first continues to the end of the trace and then, each time starting
#     from the end, times
#       * `reverse-continue` to the previous hit of `break work`,
#       * `watch total` + `reverse-continue` to its last write,
#       * `watch last_report` + `reverse-continue` to its last write,
#       * `monitor goto <the middle event>`;
#     gdb's own python clock is read around each command;
#   - the peak memory of the replay server and every process below it
#     (the replayed program and its checkpoints), sampled from /proc every
#     50 ms during the session: the sum of RSS and the sum of PSS.
#
# Prints each time, the ratio to the full replay, and the exact commands.
# Nothing is asserted.
#
# Usage: bench/reverse.sh
#        RUNS=5 CALLS=10000000 ROUNDS=170 bench/reverse.sh
#        REWIND_BIN=/path/to/rewind bench/reverse.sh   (use that binary, no build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
CALLS=${CALLS:-10000000}
ROUNDS=${ROUNDS:-170}
cd "$ROOT"

if [[ -n ${REWIND_BIN:-} ]]; then
    REWIND=$REWIND_BIN
else
    cargo build --release --quiet
    REWIND=$ROOT/target/release/rewind
fi
command -v gdb >/dev/null || {
    echo "gdb is not installed" >&2
    exit 1
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rewind-reverse-bench.XXXXXX")
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
    [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null || true
    [[ -n $SERVER_PID ]] && kill -9 "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export REWIND_TRACE_DIR=$WORK/traces

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }

PROG=$WORK/reverse_work
gcc -O1 -g -o "$PROG" "$ROOT/bench/reverse_work.c"
TRACE=$WORK/trace

echo "rewind reverse-execution benchmark: $(nproc) CPUs, $(uname -r), $(gdb --version | head -n1)"
echo
echo "workload: $PROG $CALLS $ROUNDS   (gcc -O1 -g bench/reverse_work.c)"

t0=$(now)
"$PROG" "$CALLS" "$ROUNDS" >/dev/null
t1=$(now)
NATIVE=$(elapsed "$t0" "$t1")
echo "  native run                  $NATIVE s"

t0=$(now)
"$REWIND" record -o "$TRACE" "$PROG" "$CALLS" "$ROUNDS" >/dev/null 2>"$WORK/record.err"
t1=$(now)
echo "  record                      $(elapsed "$t0" "$t1") s   ($REWIND record -o $TRACE $PROG $CALLS $ROUNDS)"

REPLAY=""
for ((i = 1; i <= RUNS; i++)); do
    t0=$(now)
    "$REWIND" replay -a "$TRACE" >/dev/null 2>"$WORK/replay.err"
    t1=$(now)
    t=$(elapsed "$t0" "$t1")
    if [[ -z $REPLAY ]] || awk -v a="$t" -v b="$REPLAY" 'BEGIN { exit !(a < b) }'; then
        REPLAY=$t
    fi
done
echo "  replay -a (best of $RUNS)       $REPLAY s   ($REWIND replay -a $TRACE)"
echo

# The processes below a pid (children, grandchildren...).
descendants() {
    ps -e -o pid= -o ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END {
            want[root] = 1
            do {
                changed = 0
                for (p in parent)
                    if (!(p in want) && (parent[p] in want)) { want[p] = 1; changed = 1 }
            } while (changed)
            for (p in want) if (p != root) print p
        }'
}

# Samples the memory of $1 and its descendants every 50 ms until $1 exits;
# keeps the peaks in $2 as "RSS_KB PSS_KB PROCESSES".
sample_memory() {
    local root=$1 out=$2 peak_rss=0 peak_pss=0 peak_n=0 rss pss n p r s
    while kill -0 "$root" 2>/dev/null; do
        rss=0 pss=0 n=0
        for p in $root $(descendants "$root"); do
            r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
            s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
            [[ -n $r ]] || continue
            rss=$((rss + r))
            pss=$((pss + ${s:-0}))
            n=$((n + 1))
        done
        ((rss > peak_rss)) && peak_rss=$rss
        ((pss > peak_pss)) && peak_pss=$pss
        ((n > peak_n)) && peak_n=$n
        echo "$peak_rss $peak_pss $peak_n" >"$out"
        sleep 0.05
    done
}

listening() { # is something listening on TCP port $1?
    local hex
    hex=$(printf ':%04X' "$1")
    awk -v p="$hex" 'NR > 1 && substr($2, length($2) - 4) == p && $4 == "0A" { found = 1 } END { exit !found }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 40777)

SCRIPT=$WORK/session.gdb
cat >"$SCRIPT" <<'EOF'
python
import re
import time

def timed(name, command):
    start = time.time()
    gdb.execute(command)
    print("BENCH %s %.6f" % (name, time.time() - start))

def event():
    out = gdb.execute("monitor when", to_string=True)
    return int(re.search(r"\d+", out).group(0))
end
python timed("continue-to-end", "continue")
python last = event(); print("BENCH last-event %d" % last)
break work
python timed("reverse-continue-break", "reverse-continue")
print i
delete
continue
watch total
python timed("reverse-continue-watch-total", "reverse-continue")
delete
continue
watch last_report
python timed("reverse-continue-watch-last-report", "reverse-continue")
delete
continue
python timed("goto-middle", "monitor goto %d" % (last // 2))
python print("BENCH middle-event %d" % event())
EOF

"$REWIND" replay -s "$PORT" "$TRACE" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 500); do
    listening "$PORT" && break
    sleep 0.02
done
sample_memory "$SERVER_PID" "$WORK/memory" &
SAMPLER_PID=$!

GDB_CMD=(gdb -batch -nx -iex 'set pagination off' -iex 'set confirm off'
    -ex "target extended-remote 127.0.0.1:$PORT" -x "$SCRIPT" "$PROG")
t0=$(now)
"${GDB_CMD[@]}" >"$WORK/gdb.out" 2>&1 || true
t1=$(now)
SESSION=$(elapsed "$t0" "$t1")
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""

figure() { awk -v k="$1" '$1 == "BENCH" && $2 == k { print $3 }' "$WORK/gdb.out" | tail -n1; }
report() { # NAME LABEL
    local t
    t=$(figure "$1")
    if [[ -z $t ]]; then
        printf '  %-48s failed (see the gdb output below)\n' "$2"
    else
        printf '  %-48s %8.3f s   %6s of replay -a\n' "$2" "$t" "$(pct "$t" "$REPLAY")"
    fi
}

echo "gdb session ($SESSION s in all), each reverse command from the end of the trace:"
report continue-to-end "continue from the start to the end"
report reverse-continue-break "reverse-continue to the last hit of break work"
report reverse-continue-watch-total "watch total + reverse-continue"
report reverse-continue-watch-last-report "watch last_report + reverse-continue"
report goto-middle "monitor goto $(figure middle-event) (of $(figure last-event))"
if [[ -s $WORK/memory ]]; then
    read -r rss pss n <"$WORK/memory"
    echo
    echo "peak memory of the replay server and the processes below it (sampled every 50 ms):"
    awk -v r="$rss" -v p="$pss" -v n="$n" \
        'BEGIN { printf "  RSS sum %.1f MiB, PSS sum %.1f MiB, at most %d processes\n", r / 1024, p / 1024, n }'
fi
echo
echo "gdb: ${GDB_CMD[*]}"
echo "script ($SCRIPT):"
sed 's/^/    /' "$SCRIPT"
echo
echo "gdb output (stop reports and figures):"
grep -E 'BENCH|Breakpoint|watchpoint|Old value|New value|^\$|SIGKILL|Now at|rewind:|error|Error| at .*reverse_work[.]c:' "$WORK/gdb.out" |
    sed 's/^/    /' | head -n 60
if [[ -s $WORK/server.err ]]; then
    echo "server stderr (last lines):"
    tail -n 10 "$WORK/server.err" | sed 's/^/    /'
fi
