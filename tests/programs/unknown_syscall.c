/*
 * unknown_syscall: system calls rewind refuses.
 *
 * io_uring_setup lets the kernel write to memory behind the recorder's back,
 * so rewind refuses it: the program must get -1 with errno ENOSYS (and the
 * recorder warns, naming the call), then continue normally. A syscall number
 * no kernel knows gets ENOSYS as well.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

int main(void)
{
    unsigned char params[120]; /* struct io_uring_params */
    memset(params, 0, sizeof params);
    errno = 0;
    long r = syscall(SYS_io_uring_setup, 4, params);
    int err = errno;
    printf("io_uring_setup returned %ld, errno %d (%s)%s\n", r, err,
           err == ENOSYS ? "ENOSYS" : strerror(err), r >= 0 ? " [not refused]" : "");
    if (r >= 0)
        close((int)r);

    errno = 0;
    r = syscall(1999, 1, 2, 3);
    err = errno;
    printf("syscall 1999 returned %ld, errno %d (%s)\n", r, err,
           err == ENOSYS ? "ENOSYS" : strerror(err));

    printf("still running, pid %ld\n", (long)getpid());
    return 0;
}
