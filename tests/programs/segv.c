/*
 * segv: a crash.
 *
 * Prints a line (flushed, so that it is written before the crash), then
 * stores through a null pointer and is killed by SIGSEGV. Recording exits
 * with 128 + 11 = 139; the replay reproduces the output and the crash.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("about to crash, pid %ld\n", (long)getpid());
    fflush(stdout);
    volatile int *volatile p = NULL;
    *p = 42;
    printf("not reached\n");
    return 0;
}
