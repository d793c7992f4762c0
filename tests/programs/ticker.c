/*
 * ticker: a steady stream of lines, for killing mid-way.
 *
 * Usage: ticker COUNT SLEEP_MICROSECONDS
 * Prints its pid first, then COUNT numbered lines, each with its own write()
 * and a clock reading, sleeping between lines when asked to. Tests kill the
 * recorder or this program part-way through and replay what was recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void say(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0)
            exit(3);
        s += w;
        n -= (size_t)w;
    }
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 1000;
    long sleep_us = argc > 2 ? atol(argv[2]) : 0;
    char line[128];
    snprintf(line, sizeof line, "ticker pid %ld\n", (long)getpid());
    say(line);
    for (long i = 0; i < count; i++) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        snprintf(line, sizeof line, "tick %06ld at %lld.%09ld\n", i, (long long)now.tv_sec,
                 now.tv_nsec);
        say(line);
        if (sleep_us > 0) {
            struct timespec d = {sleep_us / 1000000, (sleep_us % 1000000) * 1000};
            nanosleep(&d, NULL);
        }
    }
    say("ticker done\n");
    return 0;
}
