/* A filter built with libseccomp (link with -lseccomp):
 *   getppid                 -> ERRNO(ENOTSUP)
 *   kill(_, SIGUSR1)        -> ERRNO(EPERM) (other signals pass)
 *   uname                   -> TRAP (SIGSYS, handled)
 *   getpgid                 -> KILL_PROCESS (the end: SIGSYS)
 * then makes each call and prints what it saw. */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static void on_sigsys(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)ctx;
    char buf[128];
    int n = snprintf(buf, sizeof buf, "SIGSYS: syscall %d, code %d\n",
                     si->si_syscall, si->si_code);
    write(1, buf, n);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);

    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        fprintf(stderr, "seccomp_init failed\n");
        return 1;
    }
    int rc = 0;
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTSUP), SCMP_SYS(getppid), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
                           SCMP_A1(SCMP_CMP_EQ, SIGUSR1));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(uname), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(getpgid), 0);
    if (rc != 0) {
        fprintf(stderr, "seccomp_rule_add failed: %d\n", rc);
        return 1;
    }
    rc = seccomp_load(ctx);
    printf("seccomp_load: %d\n", rc);
    seccomp_release(ctx);
    if (rc != 0)
        return 1;

    errno = 0;
    long r = syscall(SYS_getppid);
    printf("getppid: %ld (%s)\n", r, strerror(errno));
    errno = 0;
    r = kill(getpid(), SIGUSR1);
    printf("kill SIGUSR1: %ld (%s)\n", r, strerror(errno));
    errno = 0;
    r = kill(getpid(), SIGUSR2);
    printf("kill SIGUSR2: %ld (%s)\n", r, strerror(errno));
    struct utsname u;
    r = uname(&u);
    printf("uname: %ld\n", r);
    fflush(stdout);
    syscall(SYS_getpgid, 0);
    printf("not reached\n");
    return 0;
}
