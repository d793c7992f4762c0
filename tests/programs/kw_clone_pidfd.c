// What the kernel writes for clone: a pidfd through parent_tid
// (CLONE_PIDFD, as Go's os/exec asks for), the child's id through
// parent_tid (CLONE_PARENT_SETTID) in the parent and through child_tid
// (CLONE_CHILD_SETTID) in the child, and a pidfd made by a vfork-style
// clone that shares memory with its child. Each pidfd is then polled and
// waited for with waitid(P_PIDFD), and the siginfo printed.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void show_wait(const char *what, int pidfd, pid_t pid) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int n = poll(&p, 1, 5000);
    printf("%s: poll=%d revents=%#x\n", what, n, p.revents);
    siginfo_t si;
    memset(&si, 0xa5, sizeof si);
    int r = syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL);
    printf("%s: waitid=%d signo=%d code=%d status=%d pid_is_child=%d pid=%d uid=%d\n", what, r,
           si.si_signo, si.si_code, si.si_status, si.si_pid == pid, (int)si.si_pid,
           (int)si.si_uid);
    close(pidfd);
}

static volatile int shared_seen = -1;
static int vfork_pidfd = -1;

static int vfork_child(void *arg) {
    (void)arg;
    // Memory shared with the parent: the pidfd the kernel wrote there.
    shared_seen = vfork_pidfd + 1000;
    _exit(3);
}

int main(void) {
    // Descriptors opened first, so that the pidfd's number is not the
    // lowest a process with only stdio would get (a replay opens nothing).
    for (int i = 0; i < 3; i++) {
        if (open("/dev/null", O_RDONLY) < 0)
            return 1;
    }
    // 1. A pidfd through parent_tid, fork-style (no stack of its own).
    int pidfd = -1;
    fflush(stdout);
    long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
    if (pid < 0) {
        printf("clone(CLONE_PIDFD) failed: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        printf("child 1 runs\n");
        fflush(stdout);
        _exit(7);
    }
    printf("clone CLONE_PIDFD: pidfd=%d pid=%ld\n", pidfd, pid);
    show_wait("child 1", pidfd, pid);

    // 2. The child's id in the parent (parent_tid) and in the child
    // (child_tid).
    pid_t ptid = -1, ctid = -1;
    fflush(stdout);
    pid = syscall(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0, &ptid,
                  &ctid, 0);
    if (pid == 0) {
        printf("child 2: ctid=%d ctid_is_me=%d ptid_untouched=%d\n", (int)ctid,
               ctid == getpid(), ptid == -1);
        fflush(stdout);
        _exit(8);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("clone SETTID: ptid=%d ptid_is_child=%d ctid_untouched=%d status=%d\n", (int)ptid,
           ptid == pid, ctid == -1, WEXITSTATUS(status));

    // 3. vfork-style, sharing memory, with a pidfd (Go's os/exec).
    static char stack[64 * 1024];
    fflush(stdout);
    pid = clone(vfork_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                NULL, &vfork_pidfd);
    if (pid < 0) {
        printf("vfork clone failed: %s\n", strerror(errno));
        return 1;
    }
    printf("vfork clone: pidfd=%d child_saw=%d\n", vfork_pidfd, shared_seen);
    show_wait("child 3", vfork_pidfd, pid);
    return 0;
}
