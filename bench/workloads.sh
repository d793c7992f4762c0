#!/usr/bin/env bash
# Real workloads, each run natively, recorded and replayed once: the
# recording's exit status, whether the replay was faithful (status 0 and
# the same stdout), native / record / replay wall-clock times with the
# record/native and replay/native ratios, and the trace size. A workload
# whose tool is not installed is listed as such. Nothing is asserted: this
# is the table behind the "faithful or loud" figures.
#
# Usage: bench/workloads.sh
#        REWIND_BIN=/path/to/rewind bench/workloads.sh   (no build)
#        LIMIT=600 bench/workloads.sh   (seconds allowed for one record or replay)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [[ -n ${REWIND_BIN:-} ]]; then
    REWIND=$REWIND_BIN
else
    cargo build --release --quiet || exit 1
    REWIND=$ROOT/target/release/rewind
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rewind-workloads.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export REWIND_TRACE_DIR=$WORK/traces
W=$ROOT/tests/programs/workloads
LIMIT=${LIMIT:-300} # seconds for one record or replay

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1fx", b / a; else print "-" }'; }

printf '%-22s %-6s %-22s %8s %8s %8s %7s %7s %9s\n' \
    workload rec replay native record replay rec/nat rep/nat trace
row() { # name, command...
    local name=$1
    shift
    local dir=$WORK/$name
    mkdir -p "$dir/native" "$dir/recorded"
    local t0 t1 t2 t3 t4 t5 code rep size verdict
    t0=$(now)
    (cd "$dir/native" && "$@" >"$dir/native.out" 2>/dev/null)
    t1=$(now)
    (cd "$dir/recorded" && timeout "$LIMIT" "$REWIND" record -o "$dir/trace" "$@" >"$dir/rec.out" 2>"$dir/rec.err")
    code=$?
    t2=$(now)
    t3=$(now)
    timeout "$LIMIT" "$REWIND" replay -a "$dir/trace" >"$dir/rep.out" 2>"$dir/rep.err"
    rep=$?
    t4=$(now)
    if [[ $rep -eq 0 ]] && cmp -s "$dir/rec.out" "$dir/rep.out"; then
        verdict=faithful
    elif [[ $rep -eq 124 ]]; then
        verdict="over ${LIMIT}s"
    elif [[ $rep -eq 0 ]]; then
        verdict="output differs"
    else
        verdict="status $rep: $(grep -m1 -o 'diverged at event [0-9]*\|cut short\|error' "$dir/rep.err" || echo failed)"
    fi
    size=$(du -sh "$dir/trace" 2>/dev/null | cut -f1)
    printf '%-22s %-6s %-22s %8s %8s %8s %7s %7s %9s\n' "$name" "$code" "$verdict" \
        "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" "$(secs "$t3" "$t4")" \
        "$(ratio "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")")" \
        "$(ratio "$(secs "$t0" "$t1")" "$(secs "$t3" "$t4")")" "$size"
    echo "  command: $*" >>"$WORK/commands"
}
missing() { printf '%-22s %s\n' "$1" "(not installed: $2)"; }

if command -v go >/dev/null; then
    (export HOME=$WORK GOCACHE=$WORK/gocache GOPATH=$WORK/gopath GOFLAGS=-mod=mod GOPROXY=off
        go build -o "$WORK/go_busy" "$W/go_busy.go")
    row go-goroutines env GOMAXPROCS=4 "$WORK/go_busy"
else missing go-goroutines go; fi
if command -v node >/dev/null; then row node-worker node "$W/worker.js"; else missing node-worker node; fi
if command -v javac >/dev/null; then
    row javac javac -d "$WORK/classes" "$W/Hello.java"
    row java java -cp "$WORK/classes" Hello
else missing javac-java javac; fi
row python-threads-subproc python3 "$W/threads_subprocess.py"
mkdir -p "$WORK/mk"
for i in 1 2 3 4 5 6; do printf 'int f%d(int x) { return x * %d; }\n' "$i" "$i" >"$WORK/mk/f$i.c"; done
printf 'int main(void) { return 0; }\n' >"$WORK/mk/main.c"
printf 'p: main.o f1.o f2.o f3.o f4.o f5.o f6.o\n\tgcc -o $@ $^\n%%.o: %%.c\n\tgcc -O1 -c $<\n' >"$WORK/mk/Makefile"
row make-j2 make -s -B -j2 -C "$WORK/mk"
if gcc -fsanitize=address -o "$WORK/asan" -x c - <<<'#include <stdlib.h>
int main(void) { void *p = malloc(42); p = 0; return 0; }' 2>/dev/null; then
    row asan-leak "$WORK/asan"
else missing asan-leak libasan; fi
row sqlite3 sqlite3 :memory: "create table t(a); insert into t values (random()); select count(*) from t;"
row git-commit sh -c "git init -q r && cd r && echo x > f && git add f && git -c user.name=a -c user.email=a@b commit -qm m && git log --format=%H"
echo "commands (native and recorded runs each in a fresh directory; rewind record -o TRACE CMD, rewind replay -a TRACE):"
cat "$WORK/commands"
