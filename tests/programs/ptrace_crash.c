/* A program that crashes a few calls deep (a null pointer read), for gdb
 * run inside a recording (tests/ptrace_emulation.rs). */
#include <stdio.h>

static int depth(int n, int *p) {
    if (n == 0)
        return *p; /* the crash */
    return depth(n - 1, p) + 1;
}

int main(void) {
    printf("about to crash\n");
    fflush(stdout);
    return depth(3, (int *)0);
}
