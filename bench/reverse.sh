#!/usr/bin/env bash
# Benchmark of reverse execution: how long reverse commands take in gdb,
# compared with replaying the whole trace in the same run, and how much
# memory the replay and its checkpoints hold. Four workloads:
#
# (a) bench/reverse_work.c: calls work() $CALLS times (default 10^7), writes
#     a line every 10^4 calls (1000 write syscalls) and updates the globals
#     total (every call) and last_report (every 10^4 calls). From the end:
#       * `reverse-continue` to the previous hit of `break work`,
#       * `watch total` + `reverse-continue` to its last write,
#       * `watch last_report` + `reverse-continue` to its last write,
#       * `monitor goto <the middle event>`.
# (b) tests/programs/fork_workers_malloc.c with no workers: step() mallocs
#     and writes the global g, $CALLS_B times (default 2*10^6). From the end:
#     `reverse-continue` to the previous hit of `break step`, and `watch g` +
#     `reverse-continue`.
# (c) the same program with 3 workers ($CALLS_C calls, default 2*10^5): 4
#     processes alive while the parent loops. From the end, `break report` +
#     `reverse-continue` into the middle of the loop, then from there the
#     two commands of (b).
# (d) on the trace of (b), from the last call of step(): `reverse-step` 100
#     times, then `reverse-next` 100 times (in main's loop): the average
#     per command.
#
# For each: `rewind replay -a` of the whole trace (best of $RUNS, default
# 3); one gdb session (batch mode) against `rewind replay -s PORT`, gdb's
# own python clock read around each command; the peak memory of the replay
# server and every process below it (the replayed processes and the
# checkpoints), sampled from /proc every 50 ms: the sums of RSS and PSS.
# Prints each time, the ratio to the full replay, and the exact commands.
# Nothing is asserted.
#
# Usage: bench/reverse.sh
#        RUNS=5 CALLS=10000000 ROUNDS=170 CALLS_B=2000000 CALLS_C=200000 bench/reverse.sh
#        ONLY="b c" bench/reverse.sh                (some workloads only)
#        REWIND_BIN=/path/to/rewind bench/reverse.sh   (use that binary, no build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
CALLS=${CALLS:-10000000}
ROUNDS=${ROUNDS:-170}
CALLS_B=${CALLS_B:-2000000}
CALLS_C=${CALLS_C:-200000}
ONLY=${ONLY:-a b c d}
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


echo "rewind reverse-execution benchmark: $(nproc) CPUs, $(uname -r), $(gdb --version | head -n1)"

# Records `$@` into $WORK/$NAME.trace and replays it: sets TRACE and REPLAY.
record_and_replay() { # NAME PROG ARGS...
    local name=$1 t0 t1 t i
    shift
    TRACE=$WORK/$name.trace
    t0=$(now)
    "$@" >/dev/null
    t1=$(now)
    echo "  native run                  $(elapsed "$t0" "$t1") s"
    t0=$(now)
    "$REWIND" record -o "$TRACE" "$@" >/dev/null 2>"$WORK/$name.record.err"
    t1=$(now)
    echo "  record                      $(elapsed "$t0" "$t1") s   ($REWIND record -o $TRACE $*)"
    REPLAY=""
    for ((i = 1; i <= RUNS; i++)); do
        t0=$(now)
        "$REWIND" replay -a "$TRACE" >/dev/null 2>"$WORK/$name.replay.err"
        t1=$(now)
        t=$(elapsed "$t0" "$t1")
        if [[ -z $REPLAY ]] || awk -v a="$t" -v b="$REPLAY" 'BEGIN { exit !(a < b) }'; then
            REPLAY=$t
        fi
    done
    echo "  replay -a (best of $RUNS)       $REPLAY s   ($REWIND replay -a $TRACE)"
}

# Runs gdb script $2 against a replay server of $TRACE for program $3;
# output in $WORK/$1.gdb.out, peak memory in $WORK/$1.memory.
gdb_session() { # NAME SCRIPT PROG
    local name=$1 script=$2 prog=$3 port t0 t1
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 40777)
    "$REWIND" replay -s "$port" "$TRACE" >"$WORK/$name.server.out" 2>"$WORK/$name.server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 500); do
        listening "$port" && break
        sleep 0.02
    done
    sample_memory "$SERVER_PID" "$WORK/$name.memory" &
    SAMPLER_PID=$!
    GDB_CMD=(gdb -batch -nx -iex 'set pagination off' -iex 'set confirm off'
        -ex "target extended-remote 127.0.0.1:$port" -x "$script" "$prog")
    t0=$(now)
    "${GDB_CMD[@]}" >"$WORK/$name.gdb.out" 2>&1 || true
    t1=$(now)
    SESSION=$(elapsed "$t0" "$t1")
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
    OUT=$WORK/$name.gdb.out
    MEM=$WORK/$name.memory
    ERR=$WORK/$name.server.err
}

figure() { awk -v k="$1" '$1 == "BENCH" && $2 == k { print $3 }' "$OUT" | tail -n1; }
report() { # NAME LABEL
    local t
    t=$(figure "$1")
    if [[ -z $t ]]; then
        printf '  %-52s failed (see the gdb output below)\n' "$2"
    else
        printf '  %-52s %8.3f s   %6s of replay -a\n' "$2" "$t" "$(pct "$t" "$REPLAY")"
    fi
}
memory() {
    if [[ -s $MEM ]]; then
        read -r rss pss n <"$MEM"
        awk -v r="$rss" -v p="$pss" -v n="$n" \
            'BEGIN { printf "  peak memory of the server and the processes below it: RSS sum %.1f MiB, PSS sum %.1f MiB, at most %d processes\n", r / 1024, p / 1024, n }'
    fi
}
details() { # SCRIPT PATTERN
    echo "  gdb: ${GDB_CMD[*]}"
    echo "  script ($1):"
    sed 's/^/      /' "$1"
    echo "  gdb output (stop reports and figures):"
    grep -E "BENCH|Breakpoint|watchpoint|Old value|New value|^\\\$|SIGKILL|Now at|rewind:|error|Error|$2" "$OUT" |
        sed 's/^/      /' | head -n 40
    if [[ -s $ERR ]]; then
        echo "  server stderr (last lines):"
        grep -v '^parent\|^worker' "$ERR" | tail -n 10 | sed 's/^/      /'
    fi
}

PRELUDE='python
import re
import time

def timed(name, command):
    start = time.time()
    gdb.execute(command)
    print("BENCH %s %.6f" % (name, time.time() - start))

def repeated(name, command, n):
    start = time.time()
    for _ in range(n):
        gdb.execute(command, to_string=True)
    print("BENCH %s %.6f" % (name, (time.time() - start) / n))

def event():
    out = gdb.execute("monitor when", to_string=True)
    return int(re.search(r"\d+", out).group(0))
end'

want() { [[ " $ONLY " == *" $1 "* ]]; }

if want a; then
    echo
    PROG=$WORK/reverse_work
    gcc -O1 -g -o "$PROG" "$ROOT/bench/reverse_work.c"
    echo "(a) workload: $PROG $CALLS $ROUNDS   (gcc -O1 -g bench/reverse_work.c)"
    record_and_replay a "$PROG" "$CALLS" "$ROUNDS"
    SCRIPT=$WORK/a.gdb
    cat >"$SCRIPT" <<EOF
$PRELUDE
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
    gdb_session a "$SCRIPT" "$PROG"
    echo "  gdb session ($SESSION s in all), each reverse command from the end of the trace:"
    report continue-to-end "continue from the start to the end"
    report reverse-continue-break "reverse-continue to the last hit of break work"
    report reverse-continue-watch-total "watch total + reverse-continue"
    report reverse-continue-watch-last-report "watch last_report + reverse-continue"
    report goto-middle "monitor goto $(figure middle-event) (of $(figure last-event))"
    memory
    details "$SCRIPT" ' at .*reverse_work[.]c:'
fi

MALLOC=$WORK/fork_workers_malloc
gcc -O1 -g -o "$MALLOC" "$ROOT/tests/programs/fork_workers_malloc.c"

if want b || want d; then
    echo
    echo "(b, d) workload: $MALLOC $CALLS_B 0   (gcc -O1 -g tests/programs/fork_workers_malloc.c)"
    record_and_replay b "$MALLOC" "$CALLS_B" 0
    SCRIPT=$WORK/b.gdb
    cat >"$SCRIPT" <<EOF
$PRELUDE
python timed("continue-to-end", "continue")
break step
python timed("reverse-continue-break", "reverse-continue")
print i
delete
continue
watch g
python timed("reverse-continue-watch", "reverse-continue")
print i
delete
break step
continue
reverse-continue
delete
python repeated("reverse-step", "reverse-step", 100)
print \$pc
python repeated("reverse-next", "reverse-next", 100)
print i
EOF
    gdb_session b "$SCRIPT" "$MALLOC"
    echo "  gdb session ($SESSION s in all), from the end of the trace:"
    report continue-to-end "continue from the start to the end"
    if want b; then
        report reverse-continue-break "(b) reverse-continue to the last hit of break step"
        report reverse-continue-watch "(b) watch g + reverse-continue"
    fi
    if want d; then
        report reverse-step "(d) reverse-step, average of 100 in a row"
        report reverse-next "(d) reverse-next, average of 100 in a row"
    fi
    memory
    details "$SCRIPT" ' at .*fork_workers_malloc[.]c:'
fi

if want c; then
    echo
    echo "(c) workload: $MALLOC $CALLS_C 3   (4 processes)"
    record_and_replay c "$MALLOC" "$CALLS_C" 3
    SCRIPT=$WORK/c.gdb
    cat >"$SCRIPT" <<EOF
$PRELUDE
python timed("continue-to-end", "continue")
break report
python timed("reverse-continue-report", "reverse-continue")
print i
delete
break step
python timed("reverse-continue-break", "reverse-continue")
print i
delete
break report
continue
delete
watch g
python timed("reverse-continue-watch", "reverse-continue")
print i
delete
EOF
    gdb_session c "$SCRIPT" "$MALLOC"
    echo "  gdb session ($SESSION s in all):"
    report continue-to-end "continue from the start to the end"
    report reverse-continue-report "reverse-continue from the end to the last report()"
    report reverse-continue-break "(c) from there, reverse-continue to break step"
    report reverse-continue-watch "(c) from there, watch g + reverse-continue"
    memory
    details "$SCRIPT" ' at .*fork_workers_malloc[.]c:'
fi
