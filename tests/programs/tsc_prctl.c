/*
 * tsc_prctl: a program that tries to undo what recording relies on: it
 * asks for the time counter to stop trapping (PR_SET_TSC) and to run on
 * every CPU (sched_setaffinity), then reads the counter. The reads must
 * still be recorded and replayed exactly.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <x86intrin.h>

int main(void)
{
    int mode = -1;
    int r = prctl(PR_GET_TSC, &mode, 0, 0, 0);
    printf("PR_GET_TSC returned %d, mode %d\n", r, mode);
    printf("PR_SET_TSC returned %d\n", prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0));
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int c = 0; c < 8; c++)
        CPU_SET(c, &all);
    printf("sched_setaffinity returned %d\n", sched_setaffinity(0, sizeof all, &all));
    for (int i = 0; i < 3; i++)
        printf("tsc %llu\n", (unsigned long long)__rdtsc());
    return 0;
}
