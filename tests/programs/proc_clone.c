/*
 * proc_clone: new processes made with clone() rather than fork(), and
 * processes that outlive their parent.
 *
 * - clone() with its own stack and SIGCHLD (a new process, not a thread),
 *   waited for with waitpid;
 * - clone() with SIGUSR1 as the exit signal: the parent catches SIGUSR1
 *   and waits with __WALL;
 * - clone(CLONE_PARENT_SETTID): the new pid lands in the parent's memory;
 * - the raw clone syscall with SIGCHLD and no stack, as fork does;
 * - posix_spawn of /bin/true (CLONE_VM | CLONE_VFORK in the C library);
 * - a middle process that forks a grandchild and exits at once: the
 *   grandchild outlives it, is re-parented, reads its new parent id and
 *   reports through a pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int shared_before;
static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig) {
    (void)sig;
    usr1_seen++;
}

static int child_main(void *arg) {
    long code = (long)arg;
    /* Writes to its own copy of memory: the parent's stays as it was. */
    shared_before = 99;
    printf("clone child %ld: pid matches getpid: %s\n", code,
           syscall(SYS_getpid) == getpid() ? "yes" : "no");
    fflush(stdout);
    return (int)code;
}

static void ms_sleep(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const size_t stack_size = 256 * 1024;
    char *stack = malloc(stack_size);
    int status;

    /* clone with SIGCHLD and its own stack. */
    pid_t p = clone(child_main, stack + stack_size, SIGCHLD, (void *)11);
    waitpid(p, &status, 0);
    printf("clone SIGCHLD: exit %d, parent's variable %d\n", WEXITSTATUS(status), shared_before);

    /* clone with another exit signal. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    p = clone(child_main, stack + stack_size, SIGUSR1, (void *)12);
    pid_t w;
    while ((w = waitpid(p, &status, __WALL)) < 0 && errno == EINTR) {
    }
    printf("clone SIGUSR1: waited %s, exit %d, SIGUSR1 caught %d\n", w == p ? "it" : "other",
           WEXITSTATUS(status), usr1_seen);

    /* CLONE_PARENT_SETTID. */
    pid_t ptid = 0;
    p = clone(child_main, stack + stack_size, SIGCHLD | CLONE_PARENT_SETTID, (void *)13, &ptid);
    waitpid(p, &status, 0);
    printf("clone PARENT_SETTID: written %s, exit %d\n", ptid == p ? "yes" : "no",
           WEXITSTATUS(status));

    /* The raw syscall, as fork. */
    long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (r == 0) {
        printf("raw clone child: parent is %s\n", getppid() > 1 ? "alive" : "gone");
        _exit(14);
    }
    waitpid((pid_t)r, &status, 0);
    printf("raw clone: exit %d\n", WEXITSTATUS(status));

    /* posix_spawn. */
    char *argv[] = {"true", NULL};
    pid_t sp;
    int e = posix_spawn(&sp, "/bin/true", NULL, NULL, argv, environ);
    if (e == 0) {
        waitpid(sp, &status, 0);
        printf("posix_spawn: exit %d\n", WEXITSTATUS(status));
    } else {
        printf("posix_spawn failed: %s\n", strerror(e));
    }

    /* A grandchild that outlives its parent. */
    int fds[2];
    pipe(fds);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t middle_pid = getpid();
        pid_t g = fork();
        if (g == 0) {
            close(fds[0]);
            /* Wait for the middle process to be gone (it may be already). */
            for (int i = 0; i < 2000 && getppid() == middle_pid; i++)
                ms_sleep(1);
            char msg[80];
            int n = snprintf(msg, sizeof msg, "orphan: re-parented %s\n",
                             getppid() != middle_pid ? "yes" : "no");
            write(fds[1], msg, (size_t)n);
            _exit(0);
        }
        _exit(15);
    }
    close(fds[1]);
    waitpid(middle, &status, 0);
    printf("middle: exit %d\n", WEXITSTATUS(status));
    char buf[80];
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("%s", buf);
    printf("clone done\n");
    free(stack);
    return 0;
}
