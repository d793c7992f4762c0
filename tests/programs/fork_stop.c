// A child stopped with SIGSTOP and continued with SIGCONT: its parent sees
// it stopped (waitpid WUNTRACED) and continued (WCONTINUED), and it prints
// nothing while stopped.
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < 3; i++) { printf("child tick %d\n", i); usleep(10000); }
        _exit(4);
    }
    kill(c, SIGSTOP);
    int st = 0;
    waitpid(c, &st, WUNTRACED);
    printf("stopped: %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    printf("continued: %d\n", WIFCONTINUED(st));
    waitpid(c, &st, 0);
    printf("exited: %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    return 0;
}
