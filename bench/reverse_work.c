/*
 * reverse_work: the workload of bench/reverse.sh.
 *
 * Calls work() CALLS times (default 10,000,000); work() does a little
 * arithmetic (ROUNDS steps of a xorshift generator, default 170) and adds the
 * result to the global total. Every 10,000 calls main() writes a line with
 * the total (one write syscall) and copies it into the global last_report.
 * The generator starts from a getrandom() seed, so each run differs and a
 * replay repeats its recording. Usage: reverse_work [CALLS [ROUNDS]].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

uint64_t state;       /* the generator */
uint64_t total;       /* written by every call of work() */
uint64_t last_report; /* written every 10,000 calls */
static long rounds = 170;

__attribute__((noinline)) void work(long i)
{
    uint64_t x = state ^ (uint64_t)i;
    for (long k = 0; k < rounds; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    state = x;
    total += x & 0xff;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 10000000;
    if (argc > 2)
        rounds = atol(argv[2]);
    if (getrandom(&state, sizeof state, 0) != sizeof state)
        return 1;
    state |= 1;
    for (long i = 0; i < calls; i++) {
        work(i);
        if (i % 10000 == 9999) {
            char line[64];
            int len = snprintf(line, sizeof line, "%ld %llu\n", i + 1,
                               (unsigned long long)total);
            if (write(1, line, len) != len)
                return 1;
            last_report = total;
        }
    }
    return 0;
}
