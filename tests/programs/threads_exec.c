// execve while other threads live: first from a thread that is not the
// main one (the kernel ends the others and gives it the process id), then
// from the main thread while a worker waits in a syscall. Each new image
// checks it kept the process id and runs as the only thread.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char pidarg[32];

static void *idle(void *arg) {
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *exec_from_thread(void *arg) {
    (void)arg;
    execl("/proc/self/exe", "threads_exec", "1", pidarg, (char *)NULL);
    perror("execl");
    exit(1);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int stage = argc > 1 ? atoi(argv[1]) : 0;
    pid_t before = argc > 2 ? (pid_t)atoi(argv[2]) : getpid();
    snprintf(pidarg, sizeof pidarg, "%d", (int)before);
    pid_t tid = (pid_t)syscall(SYS_gettid);
    pthread_t t, w;
    switch (stage) {
    case 0:
        printf("stage 0: main thread is the process: %s\n", tid == getpid() ? "yes" : "no");
        pthread_create(&w, NULL, idle, NULL);
        pthread_create(&t, NULL, exec_from_thread, NULL);
        for (;;)
            pause();
    case 1:
        printf("stage 1: exec from a thread kept the pid: %s, now its main thread: %s\n",
               getpid() == before ? "yes" : "no", tid == getpid() ? "yes" : "no");
        pthread_create(&w, NULL, idle, NULL);
        usleep(2000);
        execl("/proc/self/exe", "threads_exec", "2", pidarg, (char *)NULL);
        perror("execl");
        return 1;
    default:
        printf("stage 2: exec from the main thread with a worker alive kept the pid: %s\n",
               getpid() == before ? "yes" : "no");
        return 0;
    }
}
