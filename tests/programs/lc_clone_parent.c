/*
 * lc_clone_parent: clone(CLONE_PARENT) makes a sibling, not a child.
 *
 * The parent forks A; A calls clone(CLONE_PARENT) (with no stack of its
 * own: fork-like) to make B, whose parent is therefore the first process.
 * B reports getppid(); A exits 5, B exits 6; the first process waits for
 * any child twice and so reaps both.
 *
 * Prints, always the same:
 *   A: made B: yes
 *   B: my parent is the first process: yes, not A: yes
 *   first: reaped A with 5: yes
 *   first: reaped B with 6: yes
 *   first: no more children: yes
 * and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t first = getpid();
    int p[2];
    if (pipe(p) != 0)
        return 2;
    pid_t a = fork();
    if (a == 0) {
        pid_t me = getpid();
        long b = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (b == 0) {
            pid_t pp = getppid();
            printf("B: my parent is the first process: %s, not A: %s\n",
                   pp == first ? "yes" : "no", pp != me ? "yes" : "no");
            pid_t self = getpid();
            if (write(p[1], &self, sizeof self) != sizeof self)
                _exit(3);
            _exit(6);
        }
        printf("A: made B: %s\n", b > 0 ? "yes" : "no");
        // B is not A's child.
        _exit(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD ? 5 : 4);
    }
    pid_t b;
    if (read(p[0], &b, sizeof b) != sizeof b)
        return 2;
    int seen_a = 0, seen_b = 0;
    for (int i = 0; i < 2; i++) {
        int st = 0;
        pid_t w = wait(&st);
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (w == a)
            seen_a = code;
        else if (w == b)
            seen_b = code;
    }
    printf("first: reaped A with 5: %s\n", seen_a == 5 ? "yes" : "no");
    printf("first: reaped B with 6: %s\n", seen_b == 6 ? "yes" : "no");
    printf("first: no more children: %s\n", wait(NULL) == -1 && errno == ECHILD ? "yes" : "no");
    return 0;
}
