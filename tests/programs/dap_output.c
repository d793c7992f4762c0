/*
 * dap_output: writes to stdout and stderr in turns, for the debug
 * adapter's output events (tests/dap.rs). Each line carries a value the
 * recording captured (the realtime clock), so a replay that invented its
 * output would be caught. Lines on stdout are written in two pieces.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char buf[64];
    for (int i = 1; i <= 5; i++) {
        int n = snprintf(buf, sizeof buf, "out %d: %ld\n", i, (long)ts.tv_nsec + i);
        if (write(1, buf, 4) != 4 || write(1, buf + 4, n - 4) != n - 4)
            return 1;
        n = snprintf(buf, sizeof buf, "err %d\n", i);
        if (write(2, buf, n) != n)
            return 1;
    }
    return 0;
}
