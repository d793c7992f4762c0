/*
 * bigoutput: 10 MiB on stdout.
 *
 * Writes exactly 10 MiB (163840 lines of 64 bytes) whose content comes from a
 * pseudo-random generator seeded by getrandom, so every run differs. The
 * last line holds a checksum of everything before it. The data is written
 * with write() in chunks of varying sizes, handling short writes. A summary
 * goes to stderr.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define LINE 64
#define LINES 163840
#define TOTAL ((size_t)LINE * LINES)

static uint64_t state;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void)
{
    if (getrandom(&state, sizeof state, 0) != sizeof state) {
        perror("getrandom");
        return 1;
    }
    state |= 1;

    char *buf = malloc(TOTAL + 1);
    if (!buf)
        return 1;
    uint64_t sum = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < LINES - 1; i++) {
        char *line = buf + i * LINE;
        /* 8 + 1 + 16 + 1 + 16 + 1 + 20 = 63 characters, then a newline. */
        int n = snprintf(line, LINE + 1, "%08zx %016llx %016llx %020llu\n", i,
                         (unsigned long long)next(), (unsigned long long)next(),
                         (unsigned long long)next());
        if (n != LINE) {
            fprintf(stderr, "bad line length %d\n", n);
            return 1;
        }
        for (int k = 0; k < LINE; k++) {
            sum ^= (unsigned char)line[k];
            sum *= 0x100000001b3ULL;
        }
    }
    snprintf(buf + (size_t)(LINES - 1) * LINE, LINE + 1, "checksum %016llx%*s\n",
             (unsigned long long)sum, LINE - 26, "end");

    size_t done = 0;
    unsigned writes = 0;
    while (done < TOTAL) {
        size_t chunk = 1 + (size_t)(next() % 200000);
        if (chunk > TOTAL - done)
            chunk = TOTAL - done;
        ssize_t w = write(1, buf + done, chunk);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            perror("write");
            return 1;
        }
        done += (size_t)w;
        writes++;
    }
    fprintf(stderr, "bigoutput: wrote %zu bytes in %u writes, checksum %016llx\n", done,
            writes, (unsigned long long)sum);
    free(buf);
    return 0;
}
