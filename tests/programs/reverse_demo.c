/*
 * reverse_demo: a program to debug backwards.
 *
 * What it does depends on inputs that the recording captures: a seed from
 * getrandom(), the nanoseconds of the realtime clock, and 16 bytes that the
 * kernel writes into a global buffer during read() from /dev/urandom. Each
 * run differs; a replay does exactly what its recording did, so the tests
 * take the expected values from the recording's output.
 *
 * main() calls one_step(i) for i = 1..10. one_step() draws r from mix(),
 * which updates the global seed, and passes it to add(), which adds the term
 * i*1000 + r to the global total. After each step main() prints a line (one
 * write syscall, so each step is a new event):
 *
 *   step I: seed=S total=T
 *
 * where r = (S >> 16) % 100. Lines that tests stop at carry a marker comment
 * "LINE: name"; tests and gdb-scripts/reverse_markers.gdb find them by it,
 * so edits here need no renumbering (keep each marker unique).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

long total;            /* written only by add() */
unsigned int seed;     /* from getrandom(), then advanced by mix() */
unsigned long rbuf[2]; /* written only by the kernel, in read() */
long stamp;            /* nanoseconds of the realtime clock */

unsigned int mix(void)
{
    seed = seed * 1103515245u + 12345u; /* LINE: mix update */
    return (seed >> 16) % 100;          /* LINE: mix return */
} /* LINE: mix end */

long add(int i, unsigned int r)
{
    long term = (long)i * 1000 + r; /* LINE: add term */
    total += term;                  /* LINE: add write */
    return total;                   /* LINE: add return */
} /* LINE: add end */

long one_step(int i)
{
    unsigned int r = mix(); /* LINE: step mix */
    long t = add(i, r);     /* LINE: step add */
    return t;               /* LINE: step return */
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* LINE: main start */
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
        return 1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* LINE: clock */
    stamp = ts.tv_nsec;                         /* LINE: stamp write */
    printf("seed=%u stamp=%ld\n", seed, stamp); /* LINE: print seed */
    int fd = open("/dev/urandom", O_RDONLY); /* LINE: open */
    ssize_t n = read(fd, rbuf, sizeof rbuf); /* LINE: read */
    close(fd);                               /* LINE: close */
    printf("read=%zd rbuf0=%lu rbuf1=%lu\n", n, rbuf[0], rbuf[1]);
    for (int i = 1; i <= 10; i++) {
        long last = one_step(i);                               /* LINE: loop call */
        printf("step %d: seed=%u total=%ld\n", i, seed, last); /* LINE: loop print */
    }
    printf("done: total=%ld\n", total); /* LINE: done */
    return 0;
}
