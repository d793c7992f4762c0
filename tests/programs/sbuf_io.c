/* Syscall-buffer workloads: many small file reads and writes, a buffer
 * that fills, a read bigger than the buffer, signals in the middle of
 * buffered calls, threads doing buffered I/O, and a program that clears
 * its environment and runs another. Every mode prints values that depend
 * on what the kernel answered (times, sizes, checksums of what was read
 * back), so that a replay that got any result wrong prints otherwise.
 *
 *   sbuf_io small DIR        10,000 small writes, read back 7 bytes at a time
 *   sbuf_io fill DIR N       N small writes in one go
 *   sbuf_io big DIR          a 64 MiB file read with one read(), and 512 KiB
 *   sbuf_io signals DIR      buffered writes while a 1 ms timer ticks
 *   sbuf_io threads DIR      4 threads, each with its own file
 *   sbuf_io exec DIR         clear the environment, exec `sbuf_io small DIR`
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char path_buf[4096];
static const char *file_in(const char *dir, const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

static uint64_t hash(const unsigned char *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

/* Write `n` short lines into `fd`, read them back 7 bytes at a time:
 * returns the hash of what came back. */
static uint64_t small_io(int fd, int n, long *reads)
{
    char line[32];
    for (int i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "line %d\n", i);
        if (write(fd, line, len) != len)
            die("write");
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        die("lseek");
    uint64_t h = 14695981039346656037ULL;
    char buf[7];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        h = hash((unsigned char *)buf, r, h);
        (*reads)++;
    }
    if (r < 0)
        die("read");
    return h;
}

static int mode_small(const char *dir)
{
    int fd = open(file_in(dir, "small.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open");
    long reads = 0;
    uint64_t h = small_io(fd, 10000, &reads);
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("fstat");
    char head[16] = {0};
    if (pread(fd, head, 10, 5) != 10)
        die("pread");
    if (pwrite(fd, "X", 1, 0) != 1)
        die("pwrite");
    close(fd);
    struct stat st2;
    if (stat(file_in(dir, "small.txt"), &st2) != 0)
        die("stat");
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("small: hash %016llx reads %ld size %lld pread [%s] inode-same %d\n",
           (unsigned long long)h, reads, (long long)st.st_size, strtok(head, "\n"),
           st.st_ino == st2.st_ino);
    printf("small: mtime %lld.%09ld monotonic %lld.%09ld tv %lld.%06ld pid %d\n",
           (long long)st2.st_mtim.tv_sec, st2.st_mtim.tv_nsec, (long long)ts.tv_sec,
           ts.tv_nsec, (long long)tv.tv_sec, (long)tv.tv_usec, getpid());
    return 0;
}

static int mode_fill(const char *dir, int n)
{
    int fd = open(file_in(dir, "fill.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open");
    long reads = 0;
    uint64_t h = small_io(fd, n, &reads);
    close(fd);
    printf("fill: %d writes, %ld reads, hash %016llx\n", n, reads, (unsigned long long)h);
    return 0;
}

static int mode_big(const char *dir)
{
    const size_t size = 64 << 20;
    unsigned char *buf = malloc(size);
    if (!buf)
        die("malloc");
    for (size_t i = 0; i < size; i++)
        buf[i] = (unsigned char)(i * 7 + (i >> 12));
    int fd = open(file_in(dir, "big.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open");
    for (size_t off = 0; off < size; off += 1 << 20)
        if (write(fd, buf + off, 1 << 20) != 1 << 20)
            die("write");
    memset(buf, 0, size);
    if (lseek(fd, 0, SEEK_SET) != 0)
        die("lseek");
    ssize_t r = read(fd, buf, size);
    uint64_t h = hash(buf, r > 0 ? r : 0, 14695981039346656037ULL);
    memset(buf, 0, size);
    ssize_t r2 = pread(fd, buf, 512 << 10, 4096);
    uint64_t h2 = hash(buf, r2 > 0 ? r2 : 0, 14695981039346656037ULL);
    close(fd);
    printf("big: read %zd hash %016llx, pread %zd hash %016llx\n", r, (unsigned long long)h, r2,
           (unsigned long long)h2);
    return 0;
}

static volatile sig_atomic_t ticks;
static void on_tick(int sig)
{
    (void)sig;
    ticks++;
}

static int mode_signals(const char *dir)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    int fd = open(file_in(dir, "signals.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open");
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    long writes = 0;
    char line[64];
    while (ticks < 20) {
        int len = snprintf(line, sizeof line, "write %ld at tick %d\n", writes, (int)ticks);
        if (write(fd, line, len) != len)
            die("write");
        writes++;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    long reads = 0;
    uint64_t h = small_io(fd, 10, &reads);
    close(fd);
    printf("signals: %d ticks, %ld writes, hash %016llx\n", (int)ticks, writes,
           (unsigned long long)h);
    return 0;
}

static const char *thread_dir;
static volatile long shared_counter;
static void *worker(void *arg)
{
    long id = (long)arg;
    char name[32];
    snprintf(name, sizeof name, "thread%ld.txt", id);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", thread_dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open");
    char line[64];
    long seen = 0;
    for (int i = 0; i < 20000; i++) {
        /* Which thread ran when shows in what each writes. */
        long c = __atomic_add_fetch(&shared_counter, 1, __ATOMIC_SEQ_CST);
        int len = snprintf(line, sizeof line, "%ld %d %ld\n", id, i, c);
        if (write(fd, line, len) != len)
            die("write");
        seen += c;
    }
    long reads = 0;
    lseek(fd, 0, SEEK_SET);
    uint64_t h = 14695981039346656037ULL;
    char buf[100];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        h = hash((unsigned char *)buf, r, h);
        reads++;
    }
    close(fd);
    printf("thread %ld: hash %016llx reads %ld seen %ld\n", id, (unsigned long long)h, reads,
           seen);
    fflush(stdout);
    return NULL;
}

static int mode_threads(const char *dir)
{
    thread_dir = dir;
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("threads: counter %ld\n", shared_counter);
    return 0;
}

static int mode_exec(const char *self, const char *dir)
{
    clearenv();
    char *argv[] = {(char *)self, "small", (char *)dir, NULL};
    char *envp[] = {NULL};
    execve(self, argv, envp);
    die("execve");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sbuf_io MODE DIR [N]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *m = argv[1], *dir = argv[2];
    if (!strcmp(m, "small"))
        return mode_small(dir);
    if (!strcmp(m, "fill"))
        return mode_fill(dir, argc > 3 ? atoi(argv[3]) : 100000);
    if (!strcmp(m, "big"))
        return mode_big(dir);
    if (!strcmp(m, "signals"))
        return mode_signals(dir);
    if (!strcmp(m, "threads"))
        return mode_threads(dir);
    if (!strcmp(m, "exec"))
        return mode_exec(argv[0], dir);
    fprintf(stderr, "unknown mode %s\n", m);
    return 2;
}
