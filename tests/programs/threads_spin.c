/*
 * threads_spin: threads that communicate through memory alone, with no
 * syscall on the waiting side.
 *
 * Phase 1: thread A spin-waits on an atomic flag with no syscall in the
 * loop (a pure spin-wait, as spinlocks and busy flags do: every iteration
 * leaves the thread in the same state). Thread B first makes some
 * syscalls (getpid, three 1 ms nanosleeps) and computes, then sets the
 * flag. Recording must not hang: A is switched out so that B can run.
 *
 * Phase 2: two threads each add 1 to a shared counter 200,000 times with
 * __atomic_fetch_add, calling sched_yield() every 1000 additions. Each
 * notes the value its last increment saw, and how many of its increments
 * found the counter moved by the other thread since its previous one (the
 * interleaving, which a replay must reproduce).
 *
 * Prints:
 *   spinner saw the flag                      (fixed)
 *   B computed 0x...                          (fixed)
 *   counter 400000                            (fixed)
 *   adder 0 last saw 399999, interleaved 199  (varies by run)
 *   adder 1 last saw 398999, interleaved 200  (varies by run)
 *   largest last value 399999                 (fixed)
 *   done
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define ADDS 200000

static int flag;
static long counter;

struct adder {
    long last;        /* what the last fetch_add returned */
    long interleaved; /* increments that found the other thread had been there */
};
static struct adder adders[2];

static void *spinner(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&flag, __ATOMIC_ACQUIRE)) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
    }
    return (void *)1;
}

static void *setter(void *arg)
{
    (void)arg;
    uint32_t x = 1;
    for (int round = 0; round < 3; round++) {
        if (getpid() <= 0) /* a real syscall (glibc does not cache getpid) */
            x = 0;
        x += (uint32_t)round;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        for (int i = 0; i < 100000; i++)
            x = x * 1664525u + 1013904223u;
    }
    __atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
    return (void *)(uintptr_t)x;
}

static void *add(void *arg)
{
    struct adder *me = arg;
    long prev = -2;
    for (long i = 0; i < ADDS; i++) {
        long seen = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
        if (seen != prev + 1 && i > 0)
            me->interleaved++;
        prev = seen;
        if (i % 1000 == 999)
            sched_yield();
    }
    me->last = prev;
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    pthread_t a, b;
    void *spun = NULL, *computed = NULL;
    if (pthread_create(&a, NULL, spinner, NULL) != 0 ||
        pthread_create(&b, NULL, setter, NULL) != 0) {
        printf("pthread_create failed\n");
        return 1;
    }
    pthread_join(a, &spun);
    pthread_join(b, &computed);
    if (spun == (void *)1)
        printf("spinner saw the flag\n");
    printf("B computed 0x%08lx\n", (unsigned long)(uintptr_t)computed);

    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, add, &adders[i]) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("counter %ld\n", counter);
    long largest = 0;
    for (int i = 0; i < 2; i++) {
        printf("adder %d last saw %ld, interleaved %ld\n", i, adders[i].last,
               adders[i].interleaved);
        if (adders[i].last > largest)
            largest = adders[i].last;
    }
    printf("largest last value %ld\n", largest);
    printf("done\n");
    return 0;
}
