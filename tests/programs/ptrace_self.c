// A program that uses ptrace on its own child: the parent tries
// PTRACE_ATTACH and PTRACE_SEIZE on it, the child asks PTRACE_TRACEME and,
// when that works, stops for its parent, which single-steps it for a while.
// Every failure is printed and the program goes on.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *who, const char *what, long r) {
    if (r < 0)
        printf("%s: %s failed: %s\n", who, what, strerror(errno));
    else
        printf("%s: %s = %ld\n", who, what, r);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int go[2];
    if (pipe(go) < 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        report("child", "PTRACE_TRACEME", r);
        if (r == 0)
            raise(SIGSTOP);
        int sum = 0;
        for (int i = 0; i < 100; i++)
            sum += i;
        printf("child: sum %d\n", sum);
        _exit(3);
    }
    long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
    report("parent", "PTRACE_ATTACH", r);
    int st;
    if (r == 0) {
        waitpid(pid, &st, 0);
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
    }
    r = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
    report("parent", "PTRACE_SEIZE", r);
    if (r == 0)
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
    if (write(go[1], "x", 1) != 1)
        return 1;
    long steps = 0;
    for (;;) {
        if (waitpid(pid, &st, 0) != pid) {
            printf("parent: waitpid failed: %s\n", strerror(errno));
            return 1;
        }
        if (!WIFSTOPPED(st))
            break;
        // Traced after all: single-step a while, then let it run.
        if (steps++ < 1000)
            ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL);
        else
            ptrace(PTRACE_CONT, pid, NULL, NULL);
    }
    printf("parent: child %s %d after %s\n", WIFEXITED(st) ? "exited with" : "killed by",
           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), steps ? "single-steps" : "no stop");
    return 0;
}
