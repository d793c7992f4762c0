// A long-running program with a thread and a child process, for cutting a
// recording short. It prints the ids of its tasks, then "ready", then each
// task ticks (a line and a short sleep) until killed, or, with an argument
// N, for N ticks of the main thread.
//   cut_target [N] [sigint]   with "sigint": on SIGINT, print "got SIGINT"
//                             and exit with status 0 (the child too)
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

static void nap(void) {
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void *thread_fn(void *arg) {
    (void)arg;
    printf("thread %ld\n", (long)syscall(SYS_gettid));
    for (long i = 0;; i++) {
        if (i % 50 == 0)
            printf("thread tick %ld\n", i);
        nap();
    }
    return NULL;
}

int main(int argc, char **argv) {
    long ticks = argc > 1 ? atol(argv[1]) : 0;
    int handle = argc > 2 && !strcmp(argv[2], "sigint");
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (handle) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigaction(SIGINT, &sa, NULL);
    }
    printf("pid %d\n", getpid());
    pid_t child = fork();
    if (child == 0) {
        printf("child %d\n", getpid());
        while (!interrupted)
            nap();
        printf("child got SIGINT\n");
        return 0;
    }
    pthread_t t;
    pthread_create(&t, NULL, thread_fn, NULL);
    nap();
    printf("ready\n");
    for (long i = 0; (ticks == 0 || i < ticks) && !interrupted; i++) {
        if (i % 50 == 0)
            printf("main tick %ld\n", i);
        nap();
    }
    if (interrupted) {
        printf("got SIGINT\n");
        int st;
        waitpid(child, &st, 0);
        printf("child ended with %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return 0;
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    printf("main: end\n");
    return 0;
}
