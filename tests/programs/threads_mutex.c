/*
 * threads_mutex: producers and consumers on a bounded queue, synchronised
 * with one pthread mutex and two condition variables (so a lot of futex
 * waits and wakes, and a lot of contended lock hand-offs).
 *
 * 2 producers put 50000 items each (producer p puts p*50000+1 ...
 * p*50000+50000) into a ring of 8 slots, filling every free slot each time
 * they hold the lock; 2 consumers take every item there is each time they
 * hold the lock, until 100000 have been taken in all. Every consumed item is
 * logged, under the lock, with the index of the consumer that took it. main
 * joins everyone and prints:
 *
 *   consumed 100000 items
 *   sum 5000050000 expected 5000050000     (fixed)
 *   per-producer order kept: yes          (fixed: FIFO per producer)
 *   consumer 0 got 49731 items           (varies by run)
 *   consumer 1 got 50269 items           (varies by run)
 *   fingerprint 0x1c3e...                  (FNV-1a over the consumer index of
 *                                           each item, in order; varies)
 *   switches 1234                          (times consecutive items went to
 *                                           different consumers; varies)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define SLOTS 8
#define PER_PRODUCER 50000
#define PRODUCERS 2
#define CONSUMERS 2
#define TOTAL (PER_PRODUCER * PRODUCERS)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static long ring[SLOTS];
static int head, count;
static long taken;                     /* items taken so far, all consumers */
static unsigned char who[TOTAL];       /* consumer index per item, in order */
static long last_seen[PRODUCERS];      /* last value seen from each producer */
static int order_kept = 1;

static void *producer(void *arg)
{
    long base = (long)(intptr_t)arg * PER_PRODUCER;
    long next = 1;
    while (next <= PER_PRODUCER) {
        pthread_mutex_lock(&lock);
        while (count == SLOTS)
            pthread_cond_wait(&not_full, &lock);
        /* Fill every free slot while holding the lock. */
        while (count < SLOTS && next <= PER_PRODUCER) {
            ring[(head + count) % SLOTS] = base + next++;
            count++;
        }
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    int idx = (int)(intptr_t)arg;
    long sum = 0;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (count == 0 && taken < TOTAL)
            pthread_cond_wait(&not_empty, &lock);
        if (count == 0) {
            /* Everything has been taken (by us or the other consumer). */
            pthread_mutex_unlock(&lock);
            break;
        }
        /* Take every item there is while holding the lock. */
        while (count > 0) {
            long v = ring[head];
            head = (head + 1) % SLOTS;
            count--;
            int from = (int)((v - 1) / PER_PRODUCER);
            if (from < 0 || from >= PRODUCERS || v <= last_seen[from])
                order_kept = 0;
            else
                last_seen[from] = v;
            who[taken++] = (unsigned char)idx;
            sum += v;
        }
        if (taken == TOTAL)
            pthread_cond_broadcast(&not_empty); /* release the other consumer */
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
    }
    return (void *)(intptr_t)sum;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t prod[PRODUCERS], cons[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        if (pthread_create(&cons[i], NULL, consumer, (void *)(intptr_t)i) != 0) {
            printf("cannot create consumer %d\n", i);
            return 1;
        }
    for (int i = 0; i < PRODUCERS; i++)
        if (pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i) != 0) {
            printf("cannot create producer %d\n", i);
            return 1;
        }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(prod[i], NULL);
    long long sum = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        void *ret = NULL;
        pthread_join(cons[i], &ret);
        sum += (long)(intptr_t)ret;
    }

    long got[CONSUMERS] = {0};
    uint64_t hash = 0xcbf29ce484222325ull;
    long switches = 0;
    for (long i = 0; i < taken; i++) {
        got[who[i]]++;
        hash = (hash ^ who[i]) * 0x100000001b3ull;
        if (i > 0 && who[i] != who[i - 1])
            switches++;
    }
    long long expected = (long long)TOTAL * (TOTAL + 1) / 2;
    printf("consumed %ld items\n", taken);
    printf("sum %lld expected %lld\n", sum, expected);
    printf("per-producer order kept: %s\n", order_kept ? "yes" : "no");
    for (int i = 0; i < CONSUMERS; i++)
        printf("consumer %d got %ld items\n", i, got[i]);
    printf("fingerprint 0x%016llx\n", (unsigned long long)hash);
    printf("switches %ld\n", switches);
    return 0;
}
