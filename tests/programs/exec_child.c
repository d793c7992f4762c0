// A parent that runs itself again as another program (fork then execve,
// under the name "exec-worker"), then a child process that only forks;
// each counts in a loop the tests follow in gdb with `rewind replay -p`
// and `--onfork`.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int worker(void) {
    long total = 0;
    for (int round = 0; round < 4; round++) {
        total += (round + 1) * 10;
        printf("worker round %d total %ld\n", round, total); /* LINE: worker */
    }
    return 9;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "worker") == 0)
        return worker();
    pid_t p = fork();
    if (p == 0) {
        execl("/proc/self/exe", "exec-worker", "worker", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    printf("parent: worker exit %d\n", WEXITSTATUS(st));
    pid_t q = fork();
    if (q == 0) {
        long acc = 1;
        for (int k = 0; k < 3; k++) {
            acc *= 3;
            printf("forked acc %ld\n", acc); /* LINE: forked */
        }
        _exit(0);
    }
    waitpid(q, &st, 0);
    printf("parent: forked exit %d\n", WEXITSTATUS(st));
    return 0;
}
