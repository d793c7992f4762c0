// What the kernel writes for waitid: the siginfo of a child that exited,
// of one killed by a signal (seen first with WNOWAIT, then reaped), of a
// WNOHANG call with nothing to report, and the rusage of the raw
// syscall's fifth argument. Every field is printed.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, int r, siginfo_t *si, pid_t child) {
    printf("%s: r=%d signo=%d code=%d status=%d errno=%d pid_is_child=%d pid=%d uid=%d\n", what,
           r, si->si_signo, si->si_code, si->si_status, si->si_errno, si->si_pid == child,
           (int)si->si_pid, (int)si->si_uid);
}

int main(void) {
    siginfo_t si;
    fflush(stdout);
    pid_t a = fork();
    if (a == 0)
        _exit(5);
    memset(&si, 0xa5, sizeof si);
    int r = waitid(P_PID, a, &si, WEXITED);
    show("exited", r, &si, a);

    fflush(stdout);
    pid_t b = fork();
    if (b == 0) {
        for (;;)
            pause();
    }
    kill(b, SIGKILL);
    memset(&si, 0xa5, sizeof si);
    r = waitid(P_ALL, 0, &si, WEXITED | WNOWAIT);
    show("killed, not reaped", r, &si, b);
    memset(&si, 0xa5, sizeof si);
    struct rusage ru;
    memset(&ru, 0xa5, sizeof ru);
    r = syscall(SYS_waitid, P_PID, b, &si, WEXITED, &ru);
    show("killed, reaped", r, &si, b);
    printf("rusage: maxrss=%ld minflt=%ld utime=%ld.%06ld\n", ru.ru_maxrss, ru.ru_minflt,
           (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);

    // Nothing left: ECHILD, and WNOHANG with a live child writes a zero
    // si_pid.
    memset(&si, 0xa5, sizeof si);
    r = waitid(P_ALL, 0, &si, WEXITED);
    printf("no children: r=%d\n", r);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        usleep(200 * 1000);
        _exit(9);
    }
    memset(&si, 0xa5, sizeof si);
    r = waitid(P_PID, c, &si, WEXITED | WNOHANG);
    printf("WNOHANG: r=%d si_pid=%d\n", r, (int)si.si_pid);
    memset(&si, 0xa5, sizeof si);
    r = waitid(P_PID, c, &si, WEXITED);
    show("slow child", r, &si, c);
    return 0;
}
