/*
 * reverse_loop: a long stretch of execution, for interrupting a debugger in
 * the middle of a command.
 *
 * Calls tick(i) COUNT times (the argument; default 200000); tick() adds to
 * the global counter, which starts from a getrandom() value. Every 1000
 * calls it writes a line with the counter. The output differs between runs
 * and is exactly reproduced by a replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

unsigned long counter; /* written only by tick() */

void tick(long i)
{
    counter += (unsigned long)i & 7; /* LINE: tick */
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 200000;
    unsigned short start;
    if (getrandom(&start, sizeof start, 0) != sizeof start)
        return 1;
    counter = start;
    for (long i = 0; i < count; i++) {
        tick(i); /* LINE: loop tick */
        if (i % 1000 == 999) {
            char line[64];
            int len = snprintf(line, sizeof line, "%ld: %lu\n", i + 1, counter);
            if (write(1, line, len) != len) /* LINE: loop write */
                return 1;
        }
    }
    return 0;
}
