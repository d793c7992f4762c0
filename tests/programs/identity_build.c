/*
 * identity_build: a program built twice with different BUILD values, so
 * that one build can be copied over the other in place (same size, other
 * contents): a trace of the first must not run the second at replay.
 */
#include <stdio.h>

#ifndef BUILD
#define BUILD 1
#endif

int main(void)
{
    printf("this is build %d\n", BUILD);
    return BUILD == 1 ? 0 : 40 + BUILD;
}
