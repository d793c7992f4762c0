// Child processes: fork, work in the child, wait4 in the parent, a pipe
// from child to parent, vfork, a child killed by a signal, and an orphan
// that outlives its parent.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long work(long n) {
    long s = 0;
    for (long i = 0; i < n; i++)
        s += i * i % 7;
    return s;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    printf("parent %d starts, time %ld\n", getpid() > 0, (long)t.tv_nsec);

    // Three children computing, each with its own exit status.
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            long r = work(100000 * (i + 1));
            printf("child %d: pid matches getpid: %d, sum %ld\n", i,
                   getpid() == getpid(), r);
            _exit(10 + i);
        }
    }
    for (int i = 0; i < 3; i++) {
        int st = 0;
        pid_t w = waitpid(kids[i], &st, 0);
        printf("waited child %d: same pid %d, exit %d\n", i, w == kids[i],
               WEXITSTATUS(st));
    }

    // A pipe: the child writes, the parent reads.
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    pid_t p = fork();
    if (p == 0) {
        close(fds[0]);
        for (int i = 0; i < 5; i++) {
            char buf[64];
            int n = snprintf(buf, sizeof buf, "line %d from child\n", i);
            write(fds[1], buf, n);
        }
        _exit(0);
    }
    close(fds[1]);
    char buf[512];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    buf[got] = 0;
    printf("parent read %zu bytes:\n%s", got, buf);
    waitpid(p, NULL, 0);

    // vfork then _exit.
    pid_t v = vfork();
    if (v == 0)
        _exit(42);
    int st = 0;
    waitpid(v, &st, 0);
    printf("vfork child exit %d\n", WEXITSTATUS(st));

    // A child killed by a signal.
    pid_t k = fork();
    if (k == 0) {
        pause();
        _exit(0);
    }
    kill(k, SIGTERM);
    waitpid(k, &st, 0);
    printf("killed child: signaled %d by %d\n", WIFSIGNALED(st), WTERMSIG(st));

    // A child that crashes.
    pid_t c = fork();
    if (c == 0) {
        volatile int *null = NULL;
        *null = 1;
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("crashed child: signaled %d by %d\n", WIFSIGNALED(st), WTERMSIG(st));

    // An orphan that outlives its parent.
    if (fork() == 0) {
        usleep(20000);
        printf("orphan still here, sum %ld\n", work(50000));
        _exit(0);
    }
    printf("parent exits\n");
    return 3;
}
