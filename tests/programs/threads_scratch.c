// Two threads block at once in large reads from pipes that the main thread
// then fills piece by piece, and a third waits in poll: their outputs go
// through scratch areas that the recorder makes per thread, which would
// be adjacent mappings without the guard page between them. Each reader
// checks every byte it got.
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SIZE 65536
static unsigned char bufs[2][SIZE];
static int pipes[3][2];

static unsigned char pattern(long id, size_t i) { return (unsigned char)((i * 7 + id * 13) % 251); }

static void *reader(void *arg) {
    long id = (long)arg;
    size_t got = 0;
    int reads = 0;
    while (got < SIZE) {
        ssize_t n = read(pipes[id][0], bufs[id] + got, SIZE - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        reads++;
    }
    size_t bad = 0;
    for (size_t i = 0; i < got; i++)
        bad += bufs[id][i] != pattern(id, i);
    printf("reader %ld: %zu bytes, %zu wrong\n", id, got, bad);
    printf("reader %ld: reads %d\n", id, reads);
    return NULL;
}

static void *poller(void *arg) {
    (void)arg;
    struct pollfd p = {.fd = pipes[2][0], .events = POLLIN};
    int n = poll(&p, 1, 5000);
    char c = 0;
    ssize_t r = read(pipes[2][0], &c, 1);
    printf("poller: poll %d revents %#x, read %zd '%c'\n", n, p.revents, r, c);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < 3; i++)
        if (pipe(pipes[i]) != 0)
            return 1;
    pthread_t t[3];
    pthread_create(&t[0], NULL, reader, (void *)0L);
    pthread_create(&t[1], NULL, reader, (void *)1L);
    pthread_create(&t[2], NULL, poller, NULL);
    usleep(20000);
    unsigned char chunk[4096];
    for (size_t off = 0; off < SIZE; off += sizeof chunk) {
        for (long id = 0; id < 2; id++) {
            for (size_t i = 0; i < sizeof chunk; i++)
                chunk[i] = pattern(id, off + i);
            if (write(pipes[id][1], chunk, sizeof chunk) != (ssize_t)sizeof chunk)
                return 2;
        }
    }
    if (write(pipes[2][1], "x", 1) != 1)
        return 3;
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("main: done\n");
    return 0;
}
