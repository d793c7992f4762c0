// Processes and threads together: the parent runs two threads, one of
// which forks a child; the child runs threads of its own and forks a
// grandchild; every task computes without syscalls for a while (at times
// long enough for tasks of different processes to be preempted) and reports.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long sink;

static long spin(long n) {
    long s = 0;
    for (long i = 0; i < n; i++)
        s += (i ^ (i >> 3)) % 11;
    sink = s;
    return s;
}

static void *child_worker(void *arg) {
    long id = (long)arg;
    long s = spin(2500000 + id * 750000);
    printf("child thread %ld sum %ld\n", id, s);
    return (void *)s;
}

static int child_main(void) {
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, child_worker, (void *)i);
    pid_t g = fork();
    if (g == 0) {
        printf("grandchild sum %ld\n", spin(3000000));
        _exit(7);
    }
    long total = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    int st = 0;
    waitpid(g, &st, 0);
    printf("child: threads total %ld, grandchild exit %d\n", total,
           WEXITSTATUS(st));
    return 5;
}

static void *parent_worker(void *arg) {
    long id = (long)arg;
    if (id == 0) {
        pid_t c = fork();
        if (c == 0)
            exit(child_main());
        int st = 0;
        waitpid(c, &st, 0);
        printf("parent thread 0: child exit %d\n", WEXITSTATUS(st));
        return NULL;
    }
    printf("parent thread %ld sum %ld\n", id, spin(1500000));
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, parent_worker, (void *)i);
    printf("main sum %ld\n", spin(1500000));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("main done\n");
    return 0;
}
