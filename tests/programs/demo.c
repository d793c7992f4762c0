/*
 * demo: a small program to debug.
 *
 * main() calls accumulate() in a loop; accumulate() adds the square of its
 * argument to a global running total and returns it, and main() keeps the
 * latest value in a local. Every fifth step report() prints the total.
 * Breakpoints, next, finish, print, backtraces, memory examination and (later)
 * reverse execution all have something to look at:
 *
 *   total after step n = 1 + 4 + ... + n*n   (1, 5, 14, 30, 55, ...)
 *
 * The gdb tests find lines by their text, so edits here need no renumbering,
 * but keep the marked statements unique.
 */
#include <stdio.h>

/* A string in the data section, for x/s. */
const char greeting[] = "rewind demo";

/* The running total: a global that accumulate() writes. */
long total = 0;

/* Adds i*i to the running total and returns the new total. */
long accumulate(int i)
{
    long square = (long)i * i; /* marker: square */
    total += square;           /* marker: add */
    return total;              /* marker: return */
}

/* Prints the total reached after some number of steps. */
static void report(int step, long value)
{
    printf("after %d steps: total = %ld\n", step, value); /* marker: report */
}

int main(void)
{
    long last = 0;   /* marker: main start */
    puts(greeting);  /* marker: puts */
    for (int i = 1; i <= 10; i++) {
        last = accumulate(i); /* marker: call */
        if (i % 5 == 0)       /* marker: every fifth */
            report(i, last);
    }
finished: __attribute__((unused)); /* a label for "until -label" */
    printf("done: total = %ld\n", last); /* marker: done */
    return 0;
}
