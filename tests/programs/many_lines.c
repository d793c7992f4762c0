/* many_lines N: prints N numbered lines, one write each. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < n; i++)
        printf("line %d of many, long enough that the trace grows quickly\n", i);
    return 0;
}
