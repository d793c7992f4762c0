/*
 * rdrand_probe: checks CPUID for RDRAND, RDSEED and RTM, as careful
 * programs do, and takes a random number from RDRAND when it says so,
 * else from getrandom. Under a recording with CPUID faulting, rewind hides
 * those features: RDRAND's answer could not be reproduced at replay.
 */
#include <cpuid.h>
#include <immintrin.h>
#include <stdio.h>
#include <sys/random.h>

__attribute__((target("rdrnd"))) static unsigned long long from_rdrand(void)
{
    unsigned long long v = 0;
    while (!_rdrand64_step(&v)) {
    }
    return v;
}

int main(void)
{
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    int rdrand = (c >> 30) & 1;
    __cpuid_count(7, 0, a, b, c, d);
    int rdseed = (b >> 18) & 1, rtm = (b >> 11) & 1, hle = (b >> 4) & 1;
    printf("rdrand %d rdseed %d rtm %d hle %d\n", rdrand, rdseed, rtm, hle);
    unsigned long long v;
    if (rdrand) {
        v = from_rdrand();
        printf("from rdrand: %llu\n", v);
    } else {
        if (getrandom(&v, sizeof v, 0) != sizeof v)
            return 1;
        printf("from getrandom: %llu\n", v);
    }
    return 0;
}
