/*
 * lc_vfork_mem: a vfork child writes memory its parent then reads, as
 * vfork shares the parent's memory until the child execs or exits.
 *
 * 1. The child stores into a global and into a local of the parent's
 *    frame, then _exit(0)s; the parent sees both values.
 * 2. The child tries to exec a file that does not exist and reports errno
 *    through a global (the way spawn functions report exec errors); the
 *    parent reads it.
 * 3. The child runs /bin/true with execve after storing a value: the
 *    parent sees the value (its vfork returns once the child has exec'd).
 * 4. posix_spawn of a file that does not exist returns ENOENT (the C
 *    library's child reports the error through shared memory).
 * 5. posix_spawn of /bin/true succeeds, and the child exits 0.
 * 6. The child stores a value, then dies of SIGSEGV: the parent sees the
 *    value, and the child's end.
 *
 * Prints, always the same:
 *   1. parent sees the child's writes: global 42, local 43
 *   2. exec error reported through memory: errno 2 (ENOENT: yes)
 *   3. value stored before exec: 44, child exit 0
 *   4. posix_spawn of a missing file: ENOENT: yes
 *   5. posix_spawn of /bin/true: 0, child exit 0
 *   6. value stored before the crash: 45, child killed by signal 11
 * and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static volatile int shared_global;
static volatile int exec_errno;

int main(void) {
    volatile int local = 0;
    pid_t c = vfork();
    if (c == 0) {
        shared_global = 42;
        local = 43;
        _exit(0);
    }
    int st = 0;
    waitpid(c, &st, 0);
    printf("1. parent sees the child's writes: global %d, local %d\n", shared_global, local);

    c = vfork();
    if (c == 0) {
        char *args[] = {"/nonexistent/program", NULL};
        execve(args[0], args, environ);
        exec_errno = errno;
        _exit(127);
    }
    waitpid(c, &st, 0);
    printf("2. exec error reported through memory: errno %d (ENOENT: %s)\n", exec_errno,
           exec_errno == ENOENT ? "yes" : "no");

    c = vfork();
    if (c == 0) {
        shared_global = 44;
        char *args[] = {"/bin/true", NULL};
        execve(args[0], args, environ);
        _exit(127);
    }
    waitpid(c, &st, 0);
    printf("3. value stored before exec: %d, child exit %d\n", shared_global,
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    pid_t s;
    char *missing[] = {"/nonexistent/program", NULL};
    int r = posix_spawn(&s, missing[0], NULL, NULL, missing, environ);
    if (r == 0)
        waitpid(s, &st, 0);
    printf("4. posix_spawn of a missing file: ENOENT: %s\n", r == ENOENT ? "yes" : "no");

    char *truth[] = {"/bin/true", NULL};
    r = posix_spawn(&s, truth[0], NULL, NULL, truth, environ);
    st = -1;
    if (r == 0)
        waitpid(s, &st, 0);
    printf("5. posix_spawn of /bin/true: %d, child exit %d\n", r,
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    c = vfork();
    if (c == 0) {
        shared_global = 45;
        *(volatile int *)8 = 0;
        _exit(0);
    }
    waitpid(c, &st, 0);
    printf("6. value stored before the crash: %d, child killed by signal %d\n", shared_global,
           WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 0;
}
