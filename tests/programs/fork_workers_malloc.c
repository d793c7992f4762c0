/*
 * fork_workers_malloc: reverse execution at scale, with one process or
 * several alive at once.
 *
 * Usage: fork_workers_malloc [CALLS [WORKERS]] (defaults 200000 and 3).
 *
 * The parent maps a shared area (anonymous MAP_SHARED), forks WORKERS
 * workers, then calls step(i) CALLS times: step() allocates with malloc
 * (freeing the block of 64 calls before) and writes the global g. Every
 * 10,000 calls it calls report(i, p0) with what the first worker last
 * wrote in the shared area, which prints a line, writes the mark i into the
 * shared area and yields the CPU (so that the workers run in the middle of
 * the loop, at record and at replay). The workers loop until
 * the parent says stop: arithmetic, their progress written into the shared
 * area, a getppid() every 8 rounds, and every 256 rounds wreport(w, n,
 * mark) with the last mark the parent wrote there. g starts from a getrandom() value, so
 * every run differs and a replay repeats its recording.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 8

struct area {
    volatile long progress[MAX_WORKERS]; /* written by each worker */
    volatile long parent_mark;           /* written by the parent */
    volatile int stop;
};

static struct area *area;
long seed;
long g;                /* written by every step() */
static void *ring[64]; /* the blocks still held */

__attribute__((noinline)) void step(long i)
{
    size_t n = 16 + (size_t)(i % 61) * 8;
    char *p = malloc(n);
    if (!p)
        abort();
    p[0] = (char)i;
    p[n - 1] = 1;
    free(ring[i % 64]);
    ring[i % 64] = p;
    g = seed + i; /* LINE: write g */
}

__attribute__((noinline)) void report(long i, long p0)
{
    char line[96];
    int len = snprintf(line, sizeof line, "parent i=%ld g=%ld p0=%ld\n", i, g, p0);
    if (write(1, line, len) != len)
        exit(1);
    area->parent_mark = i;
    sched_yield();
}

__attribute__((noinline)) void wreport(int w, long n, long mark)
{
    char line[96];
    int len = snprintf(line, sizeof line, "worker %d n=%ld mark=%ld\n", w, n, mark);
    if (write(1, line, len) != len)
        _exit(1);
}

static void worker(int w)
{
    uint64_t x = (uint64_t)seed + (uint64_t)w + 1;
    long n = 0;
    while (!area->stop) {
        for (int k = 0; k < 2048; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        n++;
        area->progress[w] = n;
        /* A syscall every few rounds keeps each run between two of them
         * short: the workers are not preempted in the middle of a loop. */
        if (n % 8 == 0 && getppid() == 1)
            break;
        if (n % 256 == 0)
            wreport(w, n, area->parent_mark); /* LINE: wreport */
    }
    _exit((int)(x & 1));
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    int workers = argc > 2 ? atoi(argv[2]) : 3;
    if (workers < 0 || workers > MAX_WORKERS) {
        fprintf(stderr, "at most %d workers\n", MAX_WORKERS);
        return 2;
    }
    unsigned short start;
    if (getrandom(&start, sizeof start, 0) != sizeof start)
        return 1;
    seed = start;
    g = seed;
    area = mmap(NULL, sizeof *area, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return 1;
    memset((void *)area, 0, sizeof *area);
    area->parent_mark = -1;
    pid_t pids[MAX_WORKERS];
    for (int w = 0; w < workers; w++) {
        pids[w] = fork();
        if (pids[w] < 0)
            return 1;
        if (pids[w] == 0)
            worker(w);
    }
    for (long i = 0; i < calls; i++) {
        step(i); /* LINE: loop step */
        if (i % 10000 == 9999)
            report(i, workers > 0 ? area->progress[0] : 0); /* LINE: report */
    }
    area->stop = 1;
    for (int w = 0; w < workers; w++) {
        int st;
        if (waitpid(pids[w], &st, 0) != pids[w])
            return 1;
    }
    printf("done g=%ld\n", g);
    return 0;
}
