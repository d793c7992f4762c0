/* Installs a raw BPF seccomp filter with most actions, then makes the
 * filtered calls and prints what it saw:
 *   getpid  -> ERRNO(EPERM)
 *   getuid  -> TRACE (no tracer of the program's own: fails with ENOSYS)
 *   getgid  -> LOG (runs)
 *   uname   -> TRAP (SIGSYS; the handler prints its siginfo)
 *   getpgid -> KILL_PROCESS (the program dies of SIGSYS)
 * With the argument "prctl" the filter is installed with prctl, otherwise
 * with the seccomp syscall. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#define NR_IS(nr, action)                                  \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),       \
        BPF_STMT(BPF_RET | BPF_K, (action))

static volatile sig_atomic_t traps;

static void on_sigsys(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    char buf[256];
    int n = snprintf(buf, sizeof buf,
                     "SIGSYS: signo %d code %d errno %d syscall %d arch %#x "
                     "call_addr %p\n",
                     sig, si->si_code, si->si_errno, si->si_syscall,
                     si->si_arch, si->si_call_addr);
    write(1, buf, n);
    traps++;
}

int main(int argc, char **argv) {
    int use_prctl = argc > 1 && strcmp(argv[1], "prctl") == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);

    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        NR_IS(SYS_getpid, SECCOMP_RET_ERRNO | EPERM),
        NR_IS(SYS_getuid, SECCOMP_RET_TRACE | 7),
        NR_IS(SYS_getgid, SECCOMP_RET_LOG),
        NR_IS(SYS_uname, SECCOMP_RET_TRAP | 42),
        NR_IS(SYS_getpgid, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {
        .len = sizeof filter / sizeof filter[0],
        .filter = filter,
    };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        perror("PR_SET_NO_NEW_PRIVS");
        return 1;
    }
    long r = use_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)
                       : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    printf("installed with %s: %ld\n", use_prctl ? "prctl" : "seccomp", r);
    if (r != 0) {
        perror("install");
        return 1;
    }

    errno = 0;
    r = syscall(SYS_getpid);
    printf("getpid: %ld (%s)\n", r, strerror(errno));
    errno = 0;
    r = syscall(SYS_getuid);
    printf("getuid: %ld (%s)\n", r, strerror(errno));
    r = syscall(SYS_getgid);
    printf("getgid: %s\n", r == (long)getegid() ? "ran" : "wrong");
    struct utsname u;
    memset(&u, 0x5a, sizeof u);
    errno = 0;
    r = syscall(SYS_uname, &u);
    printf("uname: %ld, traps %d, buffer %s\n", r, (int)traps,
           u.sysname[0] == 0x5a ? "untouched" : "written");
    fflush(stdout);
    syscall(SYS_getpgid, 0);
    printf("not reached\n");
    return 0;
}
