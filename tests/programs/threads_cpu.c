/*
 * threads_cpu: two threads that compute for a while with no syscall at
 * all, so that one is running when the other is ready. Recording switches
 * between them in the middle of their loops (a Preempt event, anchored by
 * registers and the stack); the replay must stop each at exactly the same
 * iteration. Main also computes (in a loop whose counter lives in a
 * register at -O2 and on the stack here) before joining.
 *
 * Prints each thread's result (fixed: the work is deterministic), then
 * "done".
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define ROUNDS 30000000L

static void *crunch(void *arg)
{
    uint64_t x = (uintptr_t)arg + 1;
    for (long i = 0; i < ROUNDS; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (void *)(uintptr_t)(x >> 40);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, crunch, (void *)i) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    for (int i = 0; i < 2; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        printf("thread %d: %06lx\n", i, (unsigned long)(uintptr_t)r);
    }
    printf("done\n");
    return 0;
}
