#!/usr/bin/env bash
# Benchmarks for rewind: how much slower a program runs while recorded and
# while replayed, and how big its trace is. Workloads: a syscall-heavy copy
# of 2,000 small files, a CPU-bound loop, python3 -c pass, a 4-thread
# mutex/condition-variable program, and `make -j2` building a 4-file C
# program (make, sh, gcc, cc1, as, collect2 and ld: some 30 processes).
#
# For each workload prints native, record and replay wall-clock times (best
# of $RUNS runs, default 5), the record/native and replay/native ratios, the
# trace size and the trace bytes written per second of native run time, and
# the exact commands used, once recorded with --no-syscall-buffer and once
# with --syscall-buffer, so both modes are compared in one run. Nothing is
# asserted.
#
# Usage: bench/run.sh            (from anywhere; builds the release binary)
#        RUNS=3 bench/run.sh
#        REWIND_BIN=/path/to/rewind bench/run.sh   (use that binary, no build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
cd "$ROOT"

if [[ -n ${REWIND_BIN:-} ]]; then
    REWIND=$REWIND_BIN # an already built binary
else
    cargo build --release --quiet
    REWIND=$ROOT/target/release/rewind
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rewind-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export REWIND_TRACE_DIR=$WORK/traces

# Workload inputs.
gcc -O2 -o "$WORK/cpu_loop" "$ROOT/bench/cpu_loop.c"
# 4 threads, a mutex and condition variables (2 producers, 2 consumers,
# 100,000 items): the threaded workload.
gcc -O2 -o "$WORK/threads_mutex" "$ROOT/tests/programs/threads_mutex.c"
make_tree() { # 2,000 small files (1-4 KiB) in 40 directories
    local dir=$1 d f
    for d in $(seq -w 1 40); do
        mkdir -p "$dir/d$d"
        for f in $(seq -w 1 50); do
            head -c $(((10#$d * 50 + 10#$f) % 3072 + 1024)) \
                < <(yes "file $d/$f of the benchmark tree") >"$dir/d$d/f$f.txt"
        done
    done
}
make_tree "$WORK/tree"
make_project() { # four C files and a Makefile
    local dir=$1 i
    mkdir -p "$dir"
    for i in 1 2 3 4; do
        printf 'int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\n' \
            "$i" "$i" >"$dir/f$i.c"
    done
    printf '#include <stdio.h>\nint f1(int);int f2(int);int f3(int);int f4(int);\nint main(void) { printf("%%d\\n", f1(9) + f2(9) + f3(9) + f4(9)); return 0; }\n' >"$dir/main.c"
    printf 'prog: main.o f1.o f2.o f3.o f4.o\n\tgcc -o $@ $^\n%%.o: %%.c\n\tgcc -O1 -c $<\nclean:\n\trm -f prog *.o\n' >"$dir/Makefile"
}
make_project "$WORK/project"

PYTHON=$(command -v python3 || true)
if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; fi

# Wall-clock nanoseconds of one run of "$@", output discarded; empty on failure.
time_once() {
    local start end
    start=$(date +%s%N)
    if ! "$@" >/dev/null 2>"$WORK/last-stderr" </dev/null; then
        echo "    failed: $*" >&2
        sed 's/^/      /' "$WORK/last-stderr" | tail -5 >&2
        return 1
    fi
    end=$(date +%s%N)
    echo $((end - start))
}

# best NAME SETUP -- CMD...: runs SETUP then CMD, $RUNS times; prints the
# best time in nanoseconds, or "failed". "{i}" in CMD is replaced by the run
# number (for fresh trace directories).
best() {
    local setup=$1
    shift
    local best_ns="" i t args
    for ((i = 1; i <= RUNS; i++)); do
        eval "$setup"
        args=("${@//\{i\}/$i}")
        if t=$(time_once "${args[@]}"); then
            if [[ -z $best_ns || $t -lt $best_ns ]]; then best_ns=$t; fi
        else
            echo failed
            return
        fi
    done
    echo "$best_ns"
}

secs() { awk -v n="$1" 'BEGIN { printf "%.3f s", n / 1e9 }'; }
ratio() {
    if [[ $1 == failed || $2 == failed ]]; then echo "n/a"; else
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'
    fi
}
fmt_time() { if [[ $1 == failed ]]; then echo failed; else secs "$1"; fi; }

# One recording mode of a workload: record and replay rows for rewind
# record FLAG (--no-syscall-buffer, or --syscall-buffer).
mode_rows() {
    local name=$1 setup=$2 native=$3 flag=$4
    shift 4
    local trace="$WORK/trace-$name$flag"
    echo "  $flag"
    echo "    record:  $REWIND record $flag -o $trace-{i} $*"
    echo "    replay:  $REWIND replay -a $trace-1"
    local record replay
    record=$(best "$setup" "$REWIND" record "$flag" -o "$trace-{i}" "$@")
    if [[ -d $trace-1 ]]; then
        replay=$(best "" "$REWIND" replay -a "$trace-1")
    else
        replay=failed
    fi
    echo "    record   $(fmt_time "$record")   record/native $(ratio "$record" "$native")"
    echo "    replay   $(fmt_time "$replay")   replay/native $(ratio "$replay" "$native")"
    if [[ -d $trace-1 ]]; then
        local events all
        events=$(du -sb --exclude=files --exclude=syscallbuf "$trace-1" | cut -f1)
        all=$(du -sb "$trace-1" | cut -f1)
        echo "    trace    $events bytes without saved files, $all bytes with them"
        if [[ $native != failed ]]; then
            awk -v b="$events" -v n="$native" \
                'BEGIN { printf "    trace rate %.0f bytes per second of native run\n", b / (n / 1e9) }'
        fi
    fi
}

# workload NAME SETUP -- PROGRAM ARGS...: native, then each recording mode
# (the syscall buffer off, then on) in the same run.
workload() {
    local name=$1 setup=$2
    shift 3
    echo "== $name"
    echo "  native:  $*"
    echo "  before each run: ${setup:-nothing}" | sed "s|\$WORK|$WORK|g"
    local native
    native=$(best "$setup" "$@")
    echo "  native   $(fmt_time "$native")"
    mode_rows "$name" "$setup" "$native" --no-syscall-buffer "$@"
    mode_rows "$name" "$setup" "$native" --syscall-buffer "$@"
    echo
}

echo "rewind benchmarks: best of $RUNS, $(nproc) CPUs, $(uname -r)"
echo
workload cp-tree 'rm -rf "$WORK/copy"' -- cp -r "$WORK/tree" "$WORK/copy"
workload cpu-loop '' -- "$WORK/cpu_loop" 300
workload threads-mutex '' -- "$WORK/threads_mutex"
if command -v make >/dev/null; then
    workload make-j2 'make -s -C "$WORK/project" clean' -- make -s -j2 -C "$WORK/project"
else
    echo "== make-j2: skipped, make not found"
fi
if [[ -n $PYTHON ]]; then
    workload python-pass '' -- "$PYTHON" -c pass
else
    echo "== python-pass: skipped, python3 not found"
fi
