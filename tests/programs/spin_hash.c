// A thread that hashes in a loop with no counter (no register or stack slot
// moves by a constant step), preempted when the main thread wakes from a
// sleep: its switch point has no induction variable, so without a hardware
// counter the replay can find it only by stopping at every arrival.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static volatile int stop;
static uint64_t result;

static void *hash(void *arg) {
    uint64_t x = (uintptr_t)arg;
    while (!stop) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    result = x;
    return NULL;
}

int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, hash, (void *)(uintptr_t)88172645463325252ull);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    stop = 1;
    pthread_join(t, NULL);
    printf("hashed to %016llx\n", (unsigned long long)result);
    return 0;
}
