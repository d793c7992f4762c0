// A syscall rewind refuses on purpose (io_uring_setup: programs fall back
// to plain syscalls) and one no kernel defines (number 1000 on x86_64 and
// aarch64), each with its result and errno printed.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

int main(void) {
    // struct io_uring_params is 120 bytes; zeroed asks for defaults.
    unsigned char params[120];
    memset(params, 0, sizeof params);
    long r = syscall(SYS_io_uring_setup, 4, params);
    int e = errno;
    printf("io_uring_setup: %ld (%s)\n", r, r < 0 ? strerror(e) : "a ring");
    if (r >= 0)
        close((int)r);
    fflush(stdout);
    r = syscall(1000, 1, 2, 3);
    e = errno;
    printf("syscall 1000: %ld (%s)\n", r, r < 0 ? strerror(e) : "?");
    printf("done\n");
    return 0;
}
