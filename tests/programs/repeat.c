/*
 * repeat: prints a fixed number of lines, the number coming from a constant
 * in the read-only data of the executable.
 *
 * The divergence test edits that constant in the copy of this executable
 * saved in a trace: the replayed program then makes a different sequence of
 * system calls than the recorded one, and the replay must notice and report
 * the divergence rather than carry on.
 */
#include <stdio.h>
#include <unistd.h>

/* Read through a volatile access so that the compiler keeps the load. */
const volatile int repeats = 5;

int main(void)
{
    char line[64];
    for (int i = 0; i < repeats; i++) {
        int n = snprintf(line, sizeof line, "line %d of %d, pid %ld\n", i + 1, repeats,
                         (long)getpid());
        if (write(1, line, (size_t)n) != n)
            return 1;
    }
    return 0;
}
