// clone of threads with the kernel's indirect writes: a pidfd through
// parent_tid (CLONE_PIDFD with CLONE_THREAD, Linux 6.9 and later), and
// the new thread's id through parent_tid and child_tid, cleared at its
// exit (CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID,
// waited for with a futex as a join does).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#define THREAD (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static char stack1[64 * 1024], stack2[64 * 1024];
static volatile int ran = 0;
static volatile pid_t ptid = -1, ctid = -1;
static volatile pid_t seen_ctid = -2;

static int one(void *arg) {
    (void)arg;
    ran = 1;
    syscall(SYS_exit, 0);
    return 0;
}

static int two(void *arg) {
    (void)arg;
    seen_ctid = ctid;
    syscall(SYS_exit, 0);
    return 0;
}

int main(void) {
    for (int i = 0; i < 2; i++) {
        if (open("/dev/null", O_RDONLY) < 0)
            return 1;
    }
    int pidfd = -1;
    int r = clone(one, stack1 + sizeof stack1, THREAD | CLONE_PIDFD, NULL, &pidfd);
    if (r < 0) {
        printf("thread with CLONE_PIDFD: %s\n", strerror(errno));
    } else {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int n = poll(&p, 1, 5000);
        printf("thread with CLONE_PIDFD: pidfd=%d poll=%d revents=%#x ran=%d\n", pidfd, n,
               p.revents, ran);
        close(pidfd);
    }

    r = clone(two, stack2 + sizeof stack2,
              THREAD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, NULL,
              (pid_t *)&ptid, NULL, (pid_t *)&ctid);
    if (r < 0) {
        printf("thread with SETTID: %s\n", strerror(errno));
        return 1;
    }
    // As a join: wait until the kernel clears child_tid at the exit.
    pid_t t;
    while ((t = ctid) != 0)
        syscall(SYS_futex, &ctid, FUTEX_WAIT, t, NULL, NULL, 0);
    printf("thread with SETTID: ptid_is_tid=%d seen_ctid_is_tid=%d cleared=%d tid=%d\n",
           ptid == r, seen_ctid == r, ctid == 0, r);
    return 0;
}
