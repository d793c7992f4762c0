/*
 * rewind's syscall buffer: a library preloaded into recorded programs.
 *
 * Each wrapped function below (read, write, fstat...) goes through an
 * assembly stub that calls its `impl_` function. The impl either answers
 * the call itself and returns its result, or returns TRACED, and the stub
 * then makes the syscall from its own (traced) syscall instruction.
 *
 * Recording (header mode 1): a call that cannot block is made from the
 * one instruction at TRAMPOLINE_ADDR, which rewind's seccomp filter lets
 * through without a ptrace stop, and a record (number, arguments, result,
 * the bytes the kernel wrote) is appended to the thread's buffer. rewind
 * reads the buffer into the trace at the thread's next event.
 *
 * Replaying (header mode 2): no syscall is made; rewind has filled the
 * buffer with the thread's batch, and each call takes the next record,
 * checks it is the same call, copies its bytes out and returns its
 * result. Calls past the batch's end are traced, as they were recorded.
 *
 * What the program can see must not depend on the mode: the impls run on
 * a stack of the library's own, the stubs clear the registers the calling
 * convention leaves undefined before returning, and the library uses no
 * vector registers.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include "layout.h"

#ifndef __x86_64__
#error "the syscall buffer library has code for x86_64 only"
#endif

#define HIDDEN __attribute__((visibility("hidden"), used, noinline))
#define TRACED ((long)0x8000000000000000UL)

static __thread char *tls_buf;
static __thread int tls_state; /* 0 unknown, 1 on, -1 off */
static int tramp_state;        /* 0 unknown, 1 mapped, -1 unusable */
static const uint64_t tramp_ptr = TRAMPOLINE_ADDR;

#define U64(b, off) (*(volatile uint64_t *)((b) + (off)))

static long traced6(long nr, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static long untraced6(long nr, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("call *%[t]"
                     : "=a"(ret)
                     : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9),
                       [t] "m"(tramp_ptr)
                     : "rcx", "r11", "memory");
    return ret;
}

static int is_error(long r) { return (unsigned long)r > -4096UL; }

static void copy(char *to, const char *from, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        ((volatile char *)to)[i] = from[i];
}

/* The thread's buffer, set up and registered with rewind at the first
 * wrapped call; null when the library stays out of the way. */
static char *buffer(void)
{
    if (tls_state > 0)
        return tls_buf;
    if (tls_state < 0)
        return 0;
    tls_state = -1;
    long b = traced6(SYS_mmap, 0, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (is_error(b))
        return 0;
    if (traced6(REGISTER_NR, b, BUF_SIZE, TRAMPOLINE_ADDR, LAYOUT_VERSION, 0, 0) != 0) {
        traced6(SYS_munmap, b, BUF_SIZE, 0, 0, 0, 0);
        return 0;
    }
    if (tramp_state == 0) {
        tramp_state = -1;
        long p = traced6(SYS_mmap, TRAMPOLINE_ADDR, 4096, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == (long)TRAMPOLINE_ADDR) {
            volatile unsigned char *c = (unsigned char *)p;
            c[0] = 0x0f; /* syscall */
            c[1] = 0x05;
            c[2] = 0xc3; /* ret */
            if (traced6(SYS_mprotect, p, 4096, PROT_READ | PROT_EXEC, 0, 0, 0) == 0)
                tramp_state = 1;
        }
    }
    if (tramp_state < 0)
        return 0;
    tls_buf = (char *)b;
    tls_state = 1;
    return tls_buf;
}

static uint64_t mode(char *b) { return U64(b, HDR_MODE); }

/* Recording: whether a call on `fd` cannot block (a regular file, a
 * directory or a block device), and its bytes do not go to rewind's own
 * output (which the replay echoes). */
/* Whether a file system of type `t` holds plain files: no procfs
 * (/proc/PID/mem writes another process's memory), sysfs, devices or
 * network and user-space file systems, whose calls may block or act. */
static int ordinary_fs(long t)
{
    switch (t) {
    case 0xEF53:     /* ext2/3/4 */
    case 0x01021994: /* tmpfs */
    case 0x58465342: /* xfs */
    case 0x9123683E: /* btrfs */
    case 0x794c7630: /* overlayfs */
    case 0xF2F52010: /* f2fs */
    case 0x2FC12FC1: /* zfs */
        return 1;
    }
    return 0;
}

static int cannot_block(char *b, long fd)
{
    struct stat st;
    struct statfs sfs;
    if (untraced6(SYS_fstatfs, fd, (long)&sfs, 0, 0, 0, 0) != 0 || !ordinary_fs(sfs.f_type))
        return 0;
    if (untraced6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0)
        return 0;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISBLK(st.st_mode))
        return 0;
    if ((st.st_dev == U64(b, HDR_OUT_DEV0) && st.st_ino == U64(b, HDR_OUT_INO0)) ||
        (st.st_dev == U64(b, HDR_OUT_DEV1) && st.st_ino == U64(b, HDR_OUT_INO1)))
        return 0;
    return 1;
}

/* One buffered call: `out` (if not null) is where the kernel writes up to
 * `out_max` bytes, the result's number of them (`fixed` 0) or all of them
 * when the result is 0 (`fixed` 1). */
static long buffered(char *b, long nr, long a0, long a1, long a2, long a3, long a4, long a5,
                     char *out, uint64_t out_max, int fixed)
{
    uint64_t m = mode(b);
    if (m == MODE_REPLAY) {
        if (U64(b, HDR_CONSUMED) >= U64(b, HDR_COUNT))
            return TRACED;
        char *rec = b + HDR_SIZE + U64(b, HDR_CONSUMED_BYTES);
        uint64_t len = U64(rec, REC_LEN);
        if (U64(rec, REC_NR) != (uint64_t)nr || U64(rec, REC_ARGS) != (uint64_t)a0 ||
            U64(rec, REC_ARGS + 8) != (uint64_t)a1 || U64(rec, REC_ARGS + 16) != (uint64_t)a2 ||
            U64(rec, REC_ARGS + 24) != (uint64_t)a3 || U64(rec, REC_ARGS + 32) != (uint64_t)a4 ||
            U64(rec, REC_ARGS + 40) != (uint64_t)a5 || len > out_max || (len && !out)) {
            U64(b, HDR_MISMATCH) = 1;
            return TRACED;
        }
        copy(out, rec + REC_HDR_SIZE, len);
        U64(b, HDR_CONSUMED) += 1;
        U64(b, HDR_CONSUMED_BYTES) += REC_HDR_SIZE + ((len + 7) & ~7UL);
        return (long)U64(rec, REC_RESULT);
    }
    if (m != MODE_RECORD)
        return TRACED;
    if (U64(b, HDR_TRACE_NEXT)) {
        U64(b, HDR_TRACE_NEXT) = 0;
        return TRACED;
    }
    uint64_t room = out ? out_max : 0;
    uint64_t used = U64(b, HDR_USED);
    if (room > REC_SPACE || used + REC_HDR_SIZE + ((room + 7) & ~7UL) > REC_SPACE)
        return TRACED;
    long r = untraced6(nr, a0, a1, a2, a3, a4, a5);
    uint64_t len = 0;
    if (out && !is_error(r))
        len = fixed ? (r == 0 ? out_max : 0) : (uint64_t)r;
    if (len > out_max)
        len = out_max;
    char *rec = b + HDR_SIZE + used;
    U64(rec, REC_NR) = nr;
    U64(rec, REC_ARGS) = a0;
    U64(rec, REC_ARGS + 8) = a1;
    U64(rec, REC_ARGS + 16) = a2;
    U64(rec, REC_ARGS + 24) = a3;
    U64(rec, REC_ARGS + 32) = a4;
    U64(rec, REC_ARGS + 40) = a5;
    U64(rec, REC_RESULT) = r;
    U64(rec, REC_LEN) = len;
    copy(rec + REC_HDR_SIZE, out, len);
    U64(b, HDR_USED) = used + REC_HDR_SIZE + ((len + 7) & ~7UL);
    U64(b, HDR_COUNT) += 1;
    return r;
}

/* Calls on a descriptor: buffered only when it cannot block. */
static long on_fd(long nr, long fd, long a1, long a2, long a3, char *out, uint64_t out_max,
                  int fixed)
{
    char *b = buffer();
    if (!b)
        return TRACED;
    if (mode(b) == MODE_RECORD && !cannot_block(b, fd))
        return TRACED;
    return buffered(b, nr, fd, a1, a2, a3, 0, 0, out, out_max, fixed);
}

/* Calls that cannot block whatever their arguments. */
static long plain(long nr, long a0, long a1, long a2, long a3, long a4, char *out,
                  uint64_t out_max, int fixed)
{
    char *b = buffer();
    if (!b)
        return TRACED;
    return buffered(b, nr, a0, a1, a2, a3, a4, 0, out, out_max, fixed);
}

HIDDEN long impl_read(long fd, long buf, long n) { return on_fd(SYS_read, fd, buf, n, 0, (char *)buf, n, 0); }
HIDDEN long impl_write(long fd, long buf, long n) { return on_fd(SYS_write, fd, buf, n, 0, 0, 0, 0); }
HIDDEN long impl_pread64(long fd, long buf, long n, long off) { return on_fd(SYS_pread64, fd, buf, n, off, (char *)buf, n, 0); }
HIDDEN long impl_pwrite64(long fd, long buf, long n, long off) { return on_fd(SYS_pwrite64, fd, buf, n, off, 0, 0, 0); }
HIDDEN long impl_lseek(long fd, long off, long whence) { return plain(SYS_lseek, fd, off, whence, 0, 0, 0, 0, 0); }
HIDDEN long impl_close(long fd) { return on_fd(SYS_close, fd, 0, 0, 0, 0, 0, 0); }
HIDDEN long impl_fstat(long fd, long st) { return plain(SYS_fstat, fd, st, 0, 0, 0, (char *)st, sizeof(struct stat), 1); }
HIDDEN long impl_fstatat(long dirfd, long path, long st, long flags) { return plain(SYS_newfstatat, dirfd, path, st, flags, 0, (char *)st, sizeof(struct stat), 1); }
HIDDEN long impl_stat(long path, long st) { return plain(SYS_stat, path, st, 0, 0, 0, (char *)st, sizeof(struct stat), 1); }
HIDDEN long impl_lstat(long path, long st) { return plain(SYS_lstat, path, st, 0, 0, 0, (char *)st, sizeof(struct stat), 1); }
HIDDEN long impl_statx(long dirfd, long path, long flags, long mask, long stx) { return plain(SYS_statx, dirfd, path, flags, mask, stx, (char *)stx, 256, 1); }
HIDDEN long impl_clock_gettime(long clk, long ts) { return plain(SYS_clock_gettime, clk, ts, 0, 0, 0, (char *)ts, 16, 1); }
HIDDEN long impl_gettimeofday(long tv, long tz) { return (tz || !tv) ? TRACED : plain(SYS_gettimeofday, tv, 0, 0, 0, 0, (char *)tv, 16, 1); }
HIDDEN long impl_getpid(void) { return plain(SYS_getpid, 0, 0, 0, 0, 0, 0, 0, 0); }
HIDDEN long impl_getppid(void) { return plain(SYS_getppid, 0, 0, 0, 0, 0, 0, 0, 0); }
HIDDEN long impl_getuid(void) { return plain(SYS_getuid, 0, 0, 0, 0, 0, 0, 0, 0); }
HIDDEN long impl_geteuid(void) { return plain(SYS_geteuid, 0, 0, 0, 0, 0, 0, 0, 0); }
HIDDEN long impl_getgid(void) { return plain(SYS_getgid, 0, 0, 0, 0, 0, 0, 0, 0); }
HIDDEN long impl_getegid(void) { return plain(SYS_getegid, 0, 0, 0, 0, 0, 0, 0, 0); }
HIDDEN long impl_gettid(void) { return plain(SYS_gettid, 0, 0, 0, 0, 0, 0, 0, 0); }

/* openat of a regular file or a directory (or of nothing: it fails at
 * once, or creates a regular file) cannot block; of a FIFO or a device
 * it may. */
static long opening(long nr, long dirfd, long path, long flags, long mode_)
{
    char *b = buffer();
    if (!b)
        return TRACED;
    if (!(flags & (O_CREAT | O_TMPFILE)))
        mode_ = 0;
    if (mode(b) == MODE_RECORD) {
        struct stat st;
        struct statfs sfs;
        const char *p = (const char *)path;
        long r = (p && p[0] == '/') || dirfd == AT_FDCWD
                     ? untraced6(SYS_statfs, path, (long)&sfs, 0, 0, 0, 0)
                     : untraced6(SYS_fstatfs, dirfd, (long)&sfs, 0, 0, 0, 0);
        if (r != 0 || !ordinary_fs(sfs.f_type))
            return TRACED;
        r = untraced6(SYS_newfstatat, dirfd, path, (long)&st, 0, 0, 0);
        if (r != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
            return TRACED;
    }
    if (nr == SYS_open)
        return buffered(b, nr, path, flags, mode_, 0, 0, 0, 0, 0, 0);
    return buffered(b, nr, dirfd, path, flags, mode_, 0, 0, 0, 0, 0);
}
HIDDEN long impl_openat(long dirfd, long path, long flags, long mode_) { return opening(SYS_openat, dirfd, path, flags, mode_); }
HIDDEN long impl_open(long path, long flags, long mode_) { return opening(SYS_open, AT_FDCWD, path, flags, mode_); }

/* The C library's errno for a traced call's raw result. */
HIDDEN long traced_result(long r)
{
    if (is_error(r)) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

/* The stack the impls run on: what they leave in memory differs between
 * recording and replaying, so none of it may be on the program's stack,
 * where an anchor's stack window would see it. */
static __thread char alt_stack[16384] __attribute__((aligned(16)));
HIDDEN char *sb_stack(void) { return alt_stack + sizeof alt_stack; }

/*
 * The stubs. On entry the arguments are in rdi, rsi, rdx, rcx, r8, r9
 * (C calling convention). They are saved on the program's stack, the impl
 * runs on the thread's own stack of the library's, and a TRACED answer
 * makes the syscall here, from this stub's own instruction, with the
 * saved arguments in the kernel's registers. What the stub leaves on the
 * program's stack (the arguments, the frames of sb_stack and
 * traced_result) is the same whichever way the impl went, and the
 * caller-saved registers are cleared before returning.
 */
#define SCRUB_REGS                              \
    "  xor %edx, %edx\n"                        \
    "  xor %esi, %esi\n"                        \
    "  xor %edi, %edi\n"                        \
    "  xor %r8d, %r8d\n"                        \
    "  xor %r9d, %r9d\n"                        \
    "  xor %r10d, %r10d\n"                      \
    "  xor %r11d, %r11d\n"                      \
    "  xor %ecx, %ecx\n"

#define STR2(x) #x
#define STR(x) STR2(x)

#define STUB(name, nr, impl)                                    \
    __asm__(".text\n"                                           \
            ".globl " #name "\n"                                \
            ".type " #name ", @function\n"                      \
            #name ":\n"                                         \
            "  push %rdi\n"                                     \
            "  push %rsi\n"                                     \
            "  push %rdx\n"                                     \
            "  push %rcx\n"                                     \
            "  push %r8\n"                                      \
            "  push %r9\n"                                      \
            "  sub $8, %rsp\n"                                  \
            "  call sb_stack\n"                                 \
            "  add $8, %rsp\n"                                  \
            "  mov %rsp, %r11\n"                                \
            "  mov %rax, %rsp\n"                                \
            "  push %r11\n"                                     \
            "  sub $8, %rsp\n"                                  \
            "  mov 40(%r11), %rdi\n"                            \
            "  mov 32(%r11), %rsi\n"                            \
            "  mov 24(%r11), %rdx\n"                            \
            "  mov 16(%r11), %rcx\n"                            \
            "  mov 8(%r11), %r8\n"                              \
            "  mov 0(%r11), %r9\n"                              \
            "  call " #impl "\n"                                \
            "  add $8, %rsp\n"                                  \
            "  pop %rsp\n"                                      \
            "  movabs $0x8000000000000000, %rcx\n"              \
            "  cmp %rcx, %rax\n"                                \
            "  jne 1f\n"                                        \
            "  mov 40(%rsp), %rdi\n"                            \
            "  mov 32(%rsp), %rsi\n"                            \
            "  mov 24(%rsp), %rdx\n"                            \
            "  mov 16(%rsp), %r10\n"                            \
            "  mov 8(%rsp), %r8\n"                              \
            "  mov 0(%rsp), %r9\n"                              \
            "  add $48, %rsp\n"                                 \
            "  xor %r11d, %r11d\n"                              \
            "  xor %ecx, %ecx\n"                                \
            "  mov $" STR(nr) ", %eax\n"                        \
            "  syscall\n"                                       \
            "  jmp 2f\n"                                        \
            "1:add $48, %rsp\n"                                 \
            "2:mov %rax, %rdi\n"                                \
            "  sub $8, %rsp\n"                                  \
            "  call traced_result\n"                            \
            "  add $8, %rsp\n"                                  \
            SCRUB_REGS                                          \
            "  ret\n"                                           \
            ".size " #name ", .-" #name "\n")

#define ALIAS(alias, name)                                      \
    __asm__(".globl " #alias "\n"                               \
            ".type " #alias ", @function\n"                     \
            ".set " #alias ", " #name "\n")

STUB(read, SYS_read, impl_read);
STUB(write, SYS_write, impl_write);
STUB(pread64, SYS_pread64, impl_pread64);
ALIAS(pread, pread64);
STUB(pwrite64, SYS_pwrite64, impl_pwrite64);
ALIAS(pwrite, pwrite64);
STUB(lseek, SYS_lseek, impl_lseek);
ALIAS(lseek64, lseek);
STUB(close, SYS_close, impl_close);
STUB(fstat, SYS_fstat, impl_fstat);
ALIAS(fstat64, fstat);
STUB(fstatat, SYS_newfstatat, impl_fstatat);
ALIAS(fstatat64, fstatat);
STUB(stat, SYS_stat, impl_stat);
ALIAS(stat64, stat);
STUB(lstat, SYS_lstat, impl_lstat);
ALIAS(lstat64, lstat);
STUB(statx, SYS_statx, impl_statx);
STUB(clock_gettime, SYS_clock_gettime, impl_clock_gettime);
STUB(gettimeofday, SYS_gettimeofday, impl_gettimeofday);
STUB(getpid, SYS_getpid, impl_getpid);
STUB(getppid, SYS_getppid, impl_getppid);
STUB(getuid, SYS_getuid, impl_getuid);
STUB(geteuid, SYS_geteuid, impl_geteuid);
STUB(getgid, SYS_getgid, impl_getgid);
STUB(getegid, SYS_getegid, impl_getegid);
STUB(gettid, SYS_gettid, impl_gettid);
STUB(openat, SYS_openat, impl_openat);
ALIAS(openat64, openat);
STUB(open, SYS_open, impl_open);
ALIAS(open64, open);
