// Tasks cloned with CLONE_UNTRACED, which a tracer must still see.
//   clone_untraced thread   a thread (CLONE_THREAD | CLONE_UNTRACED) that
//                           sums 1..1000 into shared memory; the parent
//                           waits for it on its thread-id word
//   clone_untraced process  a process (SIGCHLD | CLONE_UNTRACED) that prints
//                           and exits with status 7; the parent waits for it
//   clone_untraced vm       a process sharing its parent's memory
//                           (CLONE_VM | CLONE_UNTRACED, as LeakSanitizer's
//                           helper): if the clone fails, say so and go on
//   clone_untraced          thread, then process
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK (1 << 16)

static volatile int shared;
static volatile pid_t thread_tid;

static int thread_fn(void *arg) {
    long n = (long)arg, sum = 0;
    for (long i = 1; i <= n; i++)
        sum += i;
    shared = (int)sum;
    char msg[64];
    int len = snprintf(msg, sizeof msg, "untraced thread: sum %ld\n", sum);
    syscall(SYS_write, 1, msg, len);
    syscall(SYS_exit, 0);
    return 0;
}

static int process_fn(void *arg) {
    printf("untraced process: child of %s, shared %d\n", (const char *)arg, shared);
    fflush(stdout);
    return 7;
}

static int vm_fn(void *arg) {
    (void)arg;
    shared = 42;
    return 0;
}

static void thread_mode(void) {
    char *stack = malloc(STACK);
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                CLONE_SYSVSEM | CLONE_UNTRACED | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    int r = clone(thread_fn, stack + STACK, flags, (void *)1000L, (pid_t *)&thread_tid, NULL,
                  (pid_t *)&thread_tid);
    if (r < 0) {
        printf("thread clone failed: %s\n", strerror(errno));
        exit(1);
    }
    pid_t t;
    while ((t = thread_tid) != 0)
        syscall(SYS_futex, &thread_tid, FUTEX_WAIT, t, NULL, NULL, 0);
    printf("thread done: shared %d\n", shared);
}

static void process_mode(void) {
    char *stack = malloc(STACK);
    pid_t pid = clone(process_fn, stack + STACK, SIGCHLD | CLONE_UNTRACED, "main");
    if (pid < 0) {
        printf("process clone failed: %s\n", strerror(errno));
        exit(1);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        printf("waitpid failed: %s\n", strerror(errno));
        exit(1);
    }
    printf("process done: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void vm_mode(void) {
    char *stack = malloc(STACK);
    pid_t pid = clone(vm_fn, stack + STACK, SIGCHLD | CLONE_VM | CLONE_UNTRACED, NULL);
    if (pid < 0) {
        printf("shared-memory clone failed: %s\n", strerror(errno));
        return;
    }
    int st;
    waitpid(pid, &st, __WALL);
    printf("shared-memory process done: shared %d\n", shared);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "both";
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(mode, "thread") || !strcmp(mode, "both"))
        thread_mode();
    if (!strcmp(mode, "process") || !strcmp(mode, "both"))
        process_mode();
    if (!strcmp(mode, "vm"))
        vm_mode();
    printf("main: end\n");
    return 0;
}
