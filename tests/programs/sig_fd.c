/*
 * sig_fd: signals read from a signalfd, and SIGPIPE.
 *
 * 1. SIGUSR1 and SIGUSR2 are blocked and a non-blocking signalfd made for
 *    them. poll() sees nothing; raise() of both makes it readable; one
 *    read() returns two signalfd_siginfo records (lowest signal first),
 *    sent by us with tgkill (SI_TKILL). A third signal, sigqueue'd with a
 *    value, comes as a record carrying it; then the signalfd is empty
 *    (EAGAIN) and nothing is left pending.
 * 2. A write to a pipe whose read end is closed: with SIGPIPE ignored, it
 *    returns -1/EPIPE; with a handler, the handler runs once and the write
 *    still returns -1/EPIPE.
 *
 * Prints, always the same:
 *   1. poll before: 0 ready
 *   1. poll after raise: 1 ready, POLLIN: yes
 *   1. read 2 record(s)
 *   1. record: signal 10 (SIGUSR1), SI_TKILL: yes, our pid: yes
 *   1. record: signal 12 (SIGUSR2), SI_TKILL: yes, our pid: yes
 *   1. queued: signal 10, SI_QUEUE: yes, value 4321
 *   1. read when empty returned -1 (EAGAIN: yes)
 *   1. still pending: none
 *   2. SIGPIPE ignored: write returned -1 (EPIPE: yes)
 *   2. SIGPIPE handled: handler ran 1 time(s), write returned -1 (EPIPE: yes)
 *   done
 * and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static volatile sig_atomic_t pipe_signals;

static void on_pipe(int sig) { (void)sig; pipe_signals++; }

static const char *name(unsigned sig)
{
    return sig == SIGUSR1 ? "SIGUSR1" : sig == SIGUSR2 ? "SIGUSR2" : "another";
}

static int poll_ready(int fd, short *revents)
{
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, 0);
    *revents = p.revents;
    return n;
}

/* Writes to a fresh pipe whose read end is closed; returns write's result
 * and sets *err to errno. */
static ssize_t write_to_closed_pipe(int *err)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(2);
    }
    close(fds[0]);
    ssize_t r = write(fds[1], "x", 1);
    *err = errno;
    close(fds[1]);
    return r;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* 1. signalfd. */
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    int sfd = signalfd(-1, &both, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) {
        perror("signalfd");
        return 2;
    }
    short rev;
    printf("1. poll before: %d ready\n", poll_ready(sfd, &rev));
    raise(SIGUSR2);
    raise(SIGUSR1);
    int n = poll_ready(sfd, &rev);
    printf("1. poll after raise: %d ready, POLLIN: %s\n", n, rev & POLLIN ? "yes" : "no");

    struct signalfd_siginfo recs[4];
    ssize_t got = read(sfd, recs, sizeof recs);
    if (got < 0 || got % (ssize_t)sizeof recs[0] != 0) {
        printf("1. read returned %zd\n", got);
        return 1;
    }
    int count = (int)(got / (ssize_t)sizeof recs[0]);
    printf("1. read %d record(s)\n", count);
    for (int i = 0; i < count; i++)
        printf("1. record: signal %u (%s), SI_TKILL: %s, our pid: %s\n", recs[i].ssi_signo,
               name(recs[i].ssi_signo), recs[i].ssi_code == SI_TKILL ? "yes" : "no",
               recs[i].ssi_pid == (unsigned)getpid() ? "yes" : "no");

    union sigval v;
    v.sival_int = 4321;
    sigqueue(getpid(), SIGUSR1, v);
    got = read(sfd, recs, sizeof recs[0]);
    if (got == (ssize_t)sizeof recs[0])
        printf("1. queued: signal %u, SI_QUEUE: %s, value %d\n", recs[0].ssi_signo,
               recs[0].ssi_code == SI_QUEUE ? "yes" : "no", (int)recs[0].ssi_int);
    else
        printf("1. queued: read returned %zd\n", got);

    got = read(sfd, recs, sizeof recs);
    int e = errno;
    printf("1. read when empty returned %zd (EAGAIN: %s)\n", got, e == EAGAIN ? "yes" : "no");
    sigset_t pending;
    sigpending(&pending);
    printf("1. still pending: %s\n", sigisemptyset(&pending) ? "none" : "some");
    close(sfd);

    /* 2. SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    ssize_t r = write_to_closed_pipe(&e);
    printf("2. SIGPIPE ignored: write returned %zd (EPIPE: %s)\n", r, e == EPIPE ? "yes" : "no");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_pipe;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    r = write_to_closed_pipe(&e);
    printf("2. SIGPIPE handled: handler ran %d time(s), write returned %zd (EPIPE: %s)\n",
           (int)pipe_signals, r, e == EPIPE ? "yes" : "no");
    printf("done\n");
    return 0;
}
