/*
 * lc_vfork_threads: vfork from a process with another thread running.
 *
 * vfork suspends only the calling thread: the process's other threads go
 * on, in the memory the child shares. A counting thread writes a counter
 * and a table that sit next to a variable the vfork children write (the
 * same page), and yields now and then; meanwhile the main thread vforks
 * children that each store their number into that variable, make a few
 * syscalls and _exit. Neither side's writes may be lost.
 *
 * Prints, always the same:
 *   children's last store seen: 200
 *   counter 200000, table consistent: yes
 * and exits 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 200
#define COUNT 200000

static struct {
    volatile long child_store;
    volatile long counter;
    volatile long table[64];
} shared;

static void *count(void *arg) {
    (void)arg;
    for (long i = 1; i <= COUNT; i++) {
        shared.table[i % 64] = i;
        shared.counter = i;
        if (i % 500 == 0)
            sched_yield();
    }
    return NULL;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, count, NULL);
    for (long c = 1; c <= CHILDREN; c++) {
        pid_t p = vfork();
        if (p == 0) {
            shared.child_store = c;
            getppid();
            sched_yield();
            getppid();
            _exit(0);
        }
        waitpid(p, NULL, 0);
    }
    pthread_join(t, NULL);
    int ok = 1;
    for (long k = 0; k < 64; k++) {
        long want = COUNT - ((COUNT - k) % 64);
        ok &= shared.table[k] == want;
    }
    printf("children's last store seen: %ld\n", shared.child_store);
    printf("counter %ld, table consistent: %s\n", shared.counter, ok ? "yes" : "no");
    return 0;
}
