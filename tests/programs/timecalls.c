/*
 * timecalls: clocks.
 *
 * Reads the time through every common interface (clock_gettime with the
 * realtime, monotonic and boottime clocks, gettimeofday and time, which glibc
 * serves from the vDSO, and the raw syscall) and sleeps in between with
 * nanosleep and clock_nanosleep. The raw values are printed: the replay must
 * print exactly the recorded ones.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void show(const char *label, clockid_t clk)
{
    struct timespec ts;
    int r = clock_gettime(clk, &ts);
    printf("%-26s r=%d %lld.%09ld\n", label, r, (long long)ts.tv_sec, ts.tv_nsec);
}

int main(void)
{
    for (int round = 0; round < 3; round++) {
        printf("round %d\n", round);
        show("CLOCK_REALTIME", CLOCK_REALTIME);
        show("CLOCK_MONOTONIC", CLOCK_MONOTONIC);
        show("CLOCK_BOOTTIME", CLOCK_BOOTTIME);
        show("CLOCK_PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID);

        struct timespec raw;
        long r = syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw);
        printf("%-26s r=%ld %lld.%09ld\n", "syscall(clock_gettime)", r,
               (long long)raw.tv_sec, raw.tv_nsec);

        struct timeval tv;
        int g = gettimeofday(&tv, NULL);
        printf("%-26s r=%d %lld.%06ld\n", "gettimeofday", g, (long long)tv.tv_sec,
               (long)tv.tv_usec);

        time_t t2;
        time_t t1 = time(&t2);
        printf("%-26s %lld %lld\n", "time", (long long)t1, (long long)t2);

        struct timespec req = {0, 1000000 * (round + 1)}, rem = {7, 7};
        int s = nanosleep(&req, &rem);
        printf("nanosleep returned %d\n", s);
        req.tv_nsec = 500000;
        s = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
        printf("clock_nanosleep returned %d\n", s);
    }

    struct timespec res;
    clock_getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(CLOCK_MONOTONIC) %lld.%09ld\n", (long long)res.tv_sec,
           res.tv_nsec);
    return 0;
}
