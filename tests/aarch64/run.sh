#!/bin/sh
# Record and replay on aarch64, under emulation: cross-build rewind and
# aarch64 test programs, put them in a busybox initramfs with the arm64 C
# library, boot Debian's arm64 kernel under qemu-system-aarch64, run the
# tests inside and report each one here. Exits non-zero when any test fails
# or the guest does not report them all.
#
# Needs (Debian, as root once):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install -y rustc-web cargo-web libstd-rust-web-dev:arm64 \
#       gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio
# Downloads (the kernel and busybox packages) are kept in
# $REWIND_AARCH64_CACHE (default ~/.cache/rewind-aarch64).
#
# Time on a loaded 2-core machine: a cold cross-build about 8 minutes
# (dependencies about 5, rewind about 3), the downloads a few seconds, the
# guest 10 to 40 s (the probes' time limits bound it at a few minutes).
#
# Environment: REWIND_AARCH64_TIMEOUT (seconds the guest may run, default
# 900), REWIND_AARCH64_KEEP=1 keeps the work directory,
# REWIND_AARCH64_VERBOSE=1 shows every test's output, not only a failure's.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${REWIND_AARCH64_CACHE:-$HOME/.cache/rewind-aarch64}
timeout_s=${REWIND_AARCH64_TIMEOUT:-900}
target=aarch64-unknown-linux-gnu
sysroot=/usr/aarch64-linux-gnu

say() { printf 'aarch64: %s\n' "$*"; }
die() { printf 'aarch64: error: %s\n' "$*" >&2; exit 2; }

missing=""
for tool in aarch64-linux-gnu-gcc qemu-system-aarch64 cpio /usr/bin/cargo dpkg-deb apt-get; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || missing="$missing $sysroot/lib/ld-linux-aarch64.so.1"
if [ -n "$missing" ]; then
    die "missing:$missing. Install them with:
  dpkg --add-architecture arm64 && apt-get update
  apt-get install -y rustc-web cargo-web libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio"
fi
dpkg --print-foreign-architectures | grep -qx arm64 ||
    die "arm64 is not a dpkg architecture here: run 'dpkg --add-architecture arm64 && apt-get update'"

start=$(date +%s)
mkdir -p "$cache/debs"
work=$(mktemp -d "${TMPDIR:-/tmp}/rewind-aarch64.XXXXXX")
cleanup() { [ "${REWIND_AARCH64_KEEP:-}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# 1. rewind, with Debian's own Rust (which has the arm64 standard library).
say "cross-building rewind for $target"
(
    cd "$root"
    PATH=/usr/bin:$PATH \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CARGO_TARGET_DIR="$root/target-aarch64" \
        cargo build --release --target "$target" --bin rewind
) || die "the cross-build of rewind failed"
rewind_bin="$root/target-aarch64/$target/release/rewind"
built=$(date +%s)
say "cross-build done in $((built - start)) s"

# 2. The kernel and busybox, from Debian's arm64 archive (cached).
fetch() { # package -> path of its .deb in the cache
    deb=$(ls "$cache/debs/$1"_*_arm64.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
        (cd "$cache/debs" && apt-get download "$1:arm64" >/dev/null 2>&1) ||
            die "cannot download $1:arm64 (is 'apt-get update' done with arm64 added?)"
        deb=$(ls "$cache/debs/$1"_*_arm64.deb | head -n 1)
    fi
    printf '%s\n' "$deb"
}
meta=$(fetch linux-image-arm64)
kpkg=$(dpkg-deb -f "$meta" Depends | grep -o 'linux-image-[0-9.]*-[0-9]*-arm64' | head -n 1)
[ -n "$kpkg" ] || die "cannot tell the kernel package from $meta"
kdir="$cache/$kpkg"
if [ ! -e "$kdir/vmlinuz" ]; then
    say "unpacking $kpkg"
    kdeb=$(fetch "$kpkg")
    rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
    dpkg-deb -x "$kdeb" "$kdir.tmp/x"
    mv "$kdir.tmp/x/boot/"vmlinuz-* "$kdir.tmp/vmlinuz"
    rm -rf "$kdir.tmp/x" "$kdir" && mv "$kdir.tmp" "$kdir"
fi
if [ ! -e "$cache/busybox" ]; then
    bdeb=$(fetch busybox-static)
    dpkg-deb -x "$bdeb" "$work/bb"
    cp "$work/bb/bin/busybox" "$cache/busybox.tmp" && mv "$cache/busybox.tmp" "$cache/busybox"
fi

# 3. The initramfs: busybox, rewind and its libraries, the test programs.
say "building the initramfs"
ir="$work/initramfs"
mkdir -p "$ir/bin" "$ir/lib" "$ir/progs" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/tmp"
cp "$cache/busybox" "$ir/bin/busybox"
cp "$rewind_bin" "$ir/bin/rewind"
aarch64-linux-gnu-strip "$ir/bin/rewind" 2>/dev/null || true
for lib in ld-linux-aarch64.so.1 libc.so.6 libgcc_s.so.1 libm.so.6; do
    cp -L "$sysroot/lib/$lib" "$ir/lib/$lib"
done
# The flags of the x86_64 suite (tests/common): -O0 keeps loop counters in
# registers at a loop's head too, where emulation delivers interrupts (at
# -O1 sig_spin's head holds only the flag it polls, the same at every
# iteration, which no register anchor can tell apart).
cc() { # output source flags...
    out=$1 src=$2
    shift 2
    aarch64-linux-gnu-gcc -O0 -g "$@" -o "$ir/progs/$out" "$root/tests/programs/$src.c" ||
        die "cannot compile tests/programs/$src.c for aarch64"
}
for prog in hello fileio threads_basic fork_basic sig_sync sig_spin threads_spin; do
    cc "$prog" "$prog" -static -pthread
done
cc hello_dynamic hello
cp "$root/tests/aarch64/guest.sh" "$ir/init"
chmod +x "$ir/init"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.cpio.gz"

# 4. Boot, run the tests inside, power off.
say "booting $kpkg under qemu-system-aarch64 (at most ${timeout_s} s)"
log="$work/console.log"
booted=$(date +%s)
set +e
timeout "$timeout_s" qemu-system-aarch64 -M virt -cpu max,pauth=off,sve=off -smp 2 -m 2G \
    -nographic -no-reboot \
    -kernel "$kdir/vmlinuz" -initrd "$work/initramfs.cpio.gz" \
    -append "console=ttyAMA0 quiet panic=-1 rewind_verbose=${REWIND_AARCH64_VERBOSE:-0}" </dev/null >"$log" 2>&1
qrc=$?
set -e
finished=$(date +%s)
tr -d '\r' <"$log" >"$log.txt"
sed -n '/^REWIND-AARCH64 BEGIN/,/^REWIND-AARCH64 END/p' "$log.txt"

# 5. The results.
pass=$(grep -c '^REWIND-TEST .* PASS$' "$log.txt" || true)
fail=$(grep -c '^REWIND-TEST .* FAIL$' "$log.txt" || true)
expected=$(grep -c '^REWIND-EXPECT ' "$log.txt" || true)
say "guest ran $((finished - booted)) s; whole run $((finished - start)) s"
if ! grep -q '^REWIND-AARCH64 END' "$log.txt"; then
    say "the guest did not finish its tests (qemu exit $qrc); the console's last lines:"
    tail -n 40 "$log.txt"
    exit 1
fi
probes=$(grep '^REWIND-PROBE ' "$log.txt" | sed 's/^REWIND-PROBE //' | tr '\n' ',' | sed 's/,$//; s/,/, /g')
[ -z "$probes" ] || say "not yet expected to work: $probes"
say "$pass passed, $fail failed, of $expected"
if [ "$fail" -ne 0 ] || [ "$pass" -ne "$expected" ] || [ "$expected" -eq 0 ]; then
    exit 1
fi
