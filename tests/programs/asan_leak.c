// Built with -fsanitize=address: leaks one allocation, which
// LeakSanitizer looks for at exit (from a helper cloned CLONE_VM |
// CLONE_UNTRACED that ptrace-attaches to the program's threads).
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *p = malloc(100);
    p[0] = 'x';
    printf("allocated %c\n", p[0]);
    fflush(stdout);
    p = NULL;
    return 0;
}
