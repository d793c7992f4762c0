/*
 * long_stretch: many calls of a function between two syscalls, for reverse
 * execution that must find the last of thousands of hits in one stretch.
 *
 * Calls step(i) COUNT times (the argument; default 100000) with no syscall
 * in between; step() mixes i into the global acc. Then prints acc (one
 * write). Before the calls, main() sets the global phase to 1. acc starts from a getrandom() value, so each run differs and a
 * replay repeats its recording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

unsigned long acc; /* written once by each step() */
int phase;         /* 1 once the calls start: written far from their end */

void step(long i)
{
    unsigned long x = acc ^ (unsigned long)i;
    for (int k = 0; k < 8; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    acc = x;
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 100000;
    if (getrandom(&acc, sizeof acc, 0) != sizeof acc)
        return 1;
    phase = 1;
    for (long i = 0; i < count; i++)
        step(i);
    printf("%lu\n", acc);
    return 0;
}
