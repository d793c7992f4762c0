/*
 * hostio_main: calls into libhostio.so (tests/programs/hostio_lib.c) and
 * prints the results.
 */
#include <stdio.h>

int hostio_twice(int x);

int main(void)
{
    int total = 0;
    for (int i = 1; i <= 3; i++)
        total += hostio_twice(i); /* marker: call */
    printf("total=%d\n", total);
    return 0;
}
