/*
 * sig_inherited: a program started with signals ignored by whoever ran it
 * (`nohup`, a shell's `trap '' PIPE HUP`), as SIG_IGN survives execve. It
 * changes no disposition itself: a write to a pipe with no reader fails
 * with EPIPE (SIGPIPE ignored), a SIGHUP to itself does nothing, and it
 * reports what it inherited.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *disposition(int sig)
{
    struct sigaction sa;
    sigaction(sig, NULL, &sa);
    return sa.sa_handler == SIG_IGN ? "ignored" : "default";
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("SIGPIPE %s, SIGHUP %s\n", disposition(SIGPIPE), disposition(SIGHUP));
    int p[2];
    if (pipe(p) != 0)
        return 1;
    close(p[0]);
    ssize_t n = write(p[1], "x", 1);
    printf("write to a pipe with no reader: %zd (%s)\n", n, n < 0 ? strerror(errno) : "ok");
    kill(getpid(), SIGHUP);
    printf("alive after SIGHUP\n");
    return 0;
}
