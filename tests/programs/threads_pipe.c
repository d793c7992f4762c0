/*
 * threads_pipe: a thread blocked in a syscall while another thread runs and
 * makes the syscall that wakes it.
 *
 * Part 1: a reader thread blocks in read() on a pipe. main computes, sleeps,
 * then writes 5 messages of different sizes (1, 16, 300, 4096 and 10000
 * bytes, each filled with one letter, 'a' to 'e') with a 2 ms pause after
 * each, and closes the pipe. The reader prints every read it completes
 * (length, first and last byte) until end-of-file, then its total.
 *
 * Part 2: the same messages over a socketpair; the reader thread waits with
 * poll() before each read and prints poll's revents too. main shuts down
 * its sending side; the reader answers with a line giving its totals, which
 * main reads (blocking) and prints.
 *
 * Prints (the split of the bytes into reads can vary from run to run):
 *   pipe read 1 bytes: 'a'..'a'
 *   pipe read 16 bytes: 'b'..'b'
 *   ...
 *   pipe reader total 14413 bytes in 5 reads
 *   socket poll revents 0x1, read 1 bytes: 'a'..'a'
 *   ...
 *   socket reader saw end of file
 *   main got reply: socket reader total 14413 bytes in 5 reads
 *   done
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NMSG 5
static const size_t sizes[NMSG] = {1, 16, 300, 4096, 10000};
static char buf_out[10000];

static void pause_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static uint32_t compute(uint32_t seed)
{
    for (int i = 0; i < 200000; i++)
        seed = seed * 1103515245u + 12345u;
    return seed;
}

/* Writes all of buf (a pipe or stream socket may take it in pieces). */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void send_messages(int fd)
{
    for (int m = 0; m < NMSG; m++) {
        memset(buf_out, 'a' + m, sizes[m]);
        if (write_all(fd, buf_out, sizes[m]) != 0)
            printf("write of message %d failed\n", m);
        pause_us(2000);
    }
}

static void *pipe_reader(void *arg)
{
    int fd = *(int *)arg;
    static char buf[16384];
    long total = 0, reads = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            printf("pipe read failed\n");
            break;
        }
        if (n == 0)
            break;
        printf("pipe read %zd bytes: '%c'..'%c'\n", n, buf[0], buf[n - 1]);
        total += n;
        reads++;
    }
    printf("pipe reader total %ld bytes in %ld reads\n", total, reads);
    return NULL;
}

static void *socket_reader(void *arg)
{
    int fd = *(int *)arg;
    static char buf[16384];
    long total = 0, reads = 0;
    int timeouts = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 2000);
        if (r == 0) {
            /* Never expected; bounded so the program cannot hang. */
            if (++timeouts == 5) {
                printf("socket reader gave up waiting\n");
                break;
            }
            continue;
        }
        if (r < 0) {
            printf("poll failed\n");
            break;
        }
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            printf("socket read failed\n");
            break;
        }
        if (n == 0) {
            printf("socket reader saw end of file\n");
            break;
        }
        printf("socket poll revents 0x%x, read %zd bytes: '%c'..'%c'\n", p.revents, n,
               buf[0], buf[n - 1]);
        total += n;
        reads++;
    }
    char reply[128];
    int len = snprintf(reply, sizeof reply, "socket reader total %ld bytes in %ld reads\n",
                       total, reads);
    write_all(fd, reply, (size_t)len);
    close(fd);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Part 1: a pipe. */
    int p[2];
    if (pipe(p) != 0) {
        printf("pipe failed\n");
        return 1;
    }
    pthread_t reader;
    if (pthread_create(&reader, NULL, pipe_reader, &p[0]) != 0) {
        printf("pthread_create failed\n");
        return 1;
    }
    uint32_t x = compute(1);
    pause_us(3000); /* the reader is blocked in read() by now */
    send_messages(p[1]);
    close(p[1]);
    pthread_join(reader, NULL);
    close(p[0]);

    /* Part 2: a socketpair, with poll() in the reader. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        printf("socketpair failed\n");
        return 1;
    }
    if (pthread_create(&reader, NULL, socket_reader, &sv[1]) != 0) {
        printf("pthread_create failed\n");
        return 1;
    }
    x = compute(x);
    pause_us(3000); /* the reader is blocked in poll() by now */
    send_messages(sv[0]);
    shutdown(sv[0], SHUT_WR);
    char reply[256];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(sv[0], reply + got, sizeof reply - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    reply[got] = '\0';
    pthread_join(reader, NULL);
    close(sv[0]);
    printf("main got reply: %s", got > 0 ? reply : "(nothing)\n");
    printf("main computed 0x%08x\n", x);
    printf("done\n");
    return 0;
}
