/*
 * rdtsc: the time-stamp counter, read directly by instructions, not syscalls.
 *
 * On x86_64, RDTSC and RDTSCP (which also yields the TSC_AUX value, usually
 * the CPU number) are executed several times with a little work in between.
 * On aarch64 the virtual counter register CNTVCT_EL0 is read instead. The
 * replay must reproduce the recorded values, which requires trapping these
 * instructions.
 */
#include <stdint.h>
#include <stdio.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static volatile uint64_t sink;

int main(void)
{
    for (int i = 0; i < 5; i++) {
#if defined(__x86_64__)
        unsigned long long a = __rdtsc();
        for (int j = 0; j < 1000 * (i + 1); j++)
            sink += j;
        unsigned int aux = 0;
        unsigned long long b = __rdtscp(&aux);
        printf("rdtsc %llu rdtscp %llu aux %u increasing %s\n", a, b, aux,
               b > a ? "yes" : "no");
#elif defined(__aarch64__)
        uint64_t a, b;
        __asm__ volatile("mrs %0, cntvct_el0" : "=r"(a));
        for (int j = 0; j < 1000 * (i + 1); j++)
            sink += j;
        __asm__ volatile("mrs %0, cntvct_el0" : "=r"(b));
        printf("cntvct %llu %llu increasing %s\n", (unsigned long long)a,
               (unsigned long long)b, b >= a ? "yes" : "no");
#else
#error "unsupported architecture"
#endif
    }
    return 0;
}
