/*
 * cpu_loop: a CPU-bound benchmark workload with almost no system calls.
 *
 * Runs a few hundred million iterations of integer arithmetic (a xorshift
 * generator folded into a sum) and prints the result, so the work cannot be
 * optimised away. Usage: cpu_loop [MILLIONS_OF_ITERATIONS] (default 300).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    long millions = argc > 1 ? atol(argv[1]) : 300;
    uint64_t x = 88172645463325252ULL, sum = 0;
    for (long i = 0; i < millions * 1000000L; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum += x >> (i & 31);
    }
    printf("%llu\n", (unsigned long long)sum);
    return 0;
}
