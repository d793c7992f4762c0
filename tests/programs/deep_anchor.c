// A thread that recurses without syscalls while main sets a flag: the
// arrivals at any instruction of the leaf loop have the same registers and
// the same innermost frames in every leaf of the call tree (padding frames
// of constant bytes), and differ only further up the stack (the tree's
// return addresses, the counter in the outer frame). A switch recorded in
// leaf L must be placed in leaf L at replay, not at the same iteration of
// leaf 0, or the thread resumes elsewhere and reports another count.
// Built -O0 by the tests; the counter is only ever changed in memory
// (incq), and the leaf length is a multiple of 256, so no register or flag
// tells the leaves apart.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LEAF 524288L /* iterations per leaf: 2^19 */
#define DEPTH 6      /* 64 leaves per tree */
#define PAD 6        /* padding frames of 144 bytes between tree and leaf */

static volatile int flag;

static void leaf(long *count) {
    for (long i = 0; i < LEAF; i++)
        __asm__ volatile("incq (%0)" : : "r"(count) : "memory");
}

static void pad(int n, long *count) {
    volatile char buf[128];
    memset((char *)buf, 0x5a, sizeof buf);
    if (n == 0)
        leaf(count);
    else
        pad(n - 1, count);
}

/* Returns 1 once main has set the flag (checked at each leaf). */
static int tree(int d, long *count) {
    if (flag)
        return 1;
    if (d == 0) {
        pad(PAD, count);
        return 0;
    }
    return tree(d - 1, count) || tree(d - 1, count);
}

static void *worker(void *arg) {
    (void)arg;
    long count = 0;
    while (!tree(DEPTH, &count))
        ;
    char line[64];
    int n = snprintf(line, sizeof line, "worker stopped after %ld\n", count);
    if (write(1, line, n) != n)
        return (void *)1;
    return NULL;
}

int main(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0)
        return 2;
    // Ready again while the worker runs its slice: the worker is switched
    // out in the middle of a leaf, and the flag is set meanwhile.
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
    flag = 1;
    pthread_join(t, NULL);
    printf("main done\n");
    return 0;
}
