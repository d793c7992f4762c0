/* For the divergence and end-of-trace tests: prints its pid and a total
 * built by a small loop, and exits with a status computed from the total
 * (15). Its stdout is fully buffered when it is a pipe, so all of it goes
 * out in one write at the end, whose length depends on the printed pid. */
#include <stdio.h>
#include <unistd.h>

static long total;

static void accumulate(int i) {
    total += (long)i * i; /* marker: accumulate */
}

int main(void) {
    printf("pid %d\n", (int)getpid());
    for (int i = 1; i <= 5; i++)
        accumulate(i);
    printf("total %ld\n", total);
    return (int)(total % 40); /* marker: return */
}
