/*
 * sig_pmask: waits with a temporary signal mask (ppoll, pselect6,
 * epoll_pwait, epoll_pwait2) interrupted by a signal that only the
 * temporary mask lets through.
 *
 * Usage: sig_pmask ppoll|pselect6|epoll_pwait|epoll_pwait2
 *
 * The call waits on an empty pipe, with no timeout, under a temporary mask
 * that unblocks SIGUSR1 and blocks SIGUSR2. Three ways:
 *
 *   pending: SIGUSR1 is blocked, raised (and left pending) before the call;
 *   thread:  SIGUSR1 is blocked; a helper thread sends it to main once
 *            main waits (/proc/self/task/TID/syscall names the call);
 *   open:    SIGUSR1 is not blocked; a helper thread sends it to main once
 *            main waits.
 *
 * The SIGUSR1 handler (SA_SIGINFO) runs under the temporary mask: it finds
 * SIGUSR2 blocked, and the mask its frame will restore is the normal one
 * (SIGUSR2 not blocked). It raises SIGUSR2, which the temporary mask holds
 * back until the handler returns and the normal mask is back. The call
 * returns -1/EINTR; afterwards the normal mask is back.
 *
 * Prints, for each way, always the same (B is "yes" for pending and
 * thread, "no" for open):
 *   CALL WAY: returned -1 EINTR yes, SIGUSR1 handler ran 1, SIGUSR2 blocked in it yes,
 *   frame restores SIGUSR1 blocked B SIGUSR2 blocked no, SIGUSR2 ran inside it no,
 *   SIGUSR2 ran 1, after: SIGUSR1 blocked B SIGUSR2 blocked no
 * (one line), then "done", and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_count, usr2_count, in_usr1, usr2_inside;
static volatile int usr2_blocked_in_handler, frame_usr1, frame_usr2;
static pthread_t main_thread;
static pid_t main_tid;
static long call_nr; /* the syscall main waits in */
static int pipe_fds[2];
static int epfd = -1;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    in_usr1 = 1;
    usr1_count++;
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
    frame_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
    frame_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
    raise(SIGUSR2);
    in_usr1 = 0;
}

static void on_usr2(int sig)
{
    (void)sig;
    usr2_count++;
    if (in_usr1)
        usr2_inside = 1;
}

/* Whether main is inside its waiting syscall (or about to enter it). */
static int main_waits(void)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)main_tid);
    FILE *f = fopen(path, "r");
    long nr = -1;
    if (f) {
        if (fscanf(f, "%ld", &nr) != 1)
            nr = -1; /* "running" */
        fclose(f);
    }
    return nr == call_nr;
}

/* Sends SIGUSR1 to main once it waits: were it sent earlier, a SIGUSR1
 * that main does not block would run its handler before the wait. */
static void *sender(void *arg)
{
    (void)arg;
    while (!main_waits())
        usleep(1000);
    pthread_kill(main_thread, SIGUSR1);
    return NULL;
}

/* The wait under `tmp`; returns its result, errno in *err. */
static int wait_with(const char *call, const sigset_t *tmp, int *err)
{
    int r;
    if (strcmp(call, "ppoll") == 0) {
        struct pollfd p = {.fd = pipe_fds[0], .events = POLLIN};
        r = ppoll(&p, 1, NULL, tmp);
    } else if (strcmp(call, "pselect6") == 0) {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(pipe_fds[0], &rd);
        r = pselect(pipe_fds[0] + 1, &rd, NULL, NULL, NULL, tmp);
    } else if (strcmp(call, "epoll_pwait") == 0) {
        struct epoll_event ev;
        r = epoll_pwait(epfd, &ev, 1, -1, tmp);
    } else {
        struct epoll_event ev;
        r = epoll_pwait2(epfd, &ev, 1, NULL, tmp);
    }
    *err = errno;
    return r;
}

static const char *yes_no(int b) { return b ? "yes" : "no"; }

static void one_way(const char *call, const char *way)
{
    usr1_count = usr2_count = usr2_inside = 0;
    usr2_blocked_in_handler = frame_usr1 = frame_usr2 = -1;
    sigset_t tmp;
    sigprocmask(SIG_SETMASK, NULL, &tmp);
    sigdelset(&tmp, SIGUSR1);
    sigaddset(&tmp, SIGUSR2);
    pthread_t t;
    int open = strcmp(way, "open") == 0;
    int threaded = open || strcmp(way, "thread") == 0;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (open)
        sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    if (threaded) {
        if (pthread_create(&t, NULL, sender, NULL) != 0) {
            printf("pthread_create failed\n");
            return;
        }
    } else {
        raise(SIGUSR1);
    }
    int err = 0;
    int r = wait_with(call, &tmp, &err);
    if (threaded)
        pthread_join(t, NULL);
    sigset_t after;
    sigprocmask(SIG_SETMASK, NULL, &after);
    if (open)
        sigprocmask(SIG_BLOCK, &usr1, NULL);
    printf("%s %s: returned %d EINTR %s, SIGUSR1 handler ran %d, SIGUSR2 blocked in it %s, "
           "frame restores SIGUSR1 blocked %s SIGUSR2 blocked %s, SIGUSR2 ran inside it %s, "
           "SIGUSR2 ran %d, after: SIGUSR1 blocked %s SIGUSR2 blocked %s\n",
           call, way, r, yes_no(r == -1 && err == EINTR), (int)usr1_count,
           yes_no(usr2_blocked_in_handler == 1), yes_no(frame_usr1 == 1), yes_no(frame_usr2 == 1),
           yes_no(usr2_inside), (int)usr2_count, yes_no(sigismember(&after, SIGUSR1)),
           yes_no(sigismember(&after, SIGUSR2)));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        fprintf(stderr, "usage: sig_pmask ppoll|pselect6|epoll_pwait|epoll_pwait2\n");
        return 2;
    }
    main_thread = pthread_self();
    main_tid = gettid();
    if (strcmp(argv[1], "ppoll") == 0)
        call_nr = SYS_ppoll;
    else if (strcmp(argv[1], "pselect6") == 0)
        call_nr = SYS_pselect6;
    else if (strcmp(argv[1], "epoll_pwait") == 0)
        call_nr = SYS_epoll_pwait;
    else
        call_nr = SYS_epoll_pwait2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    if (pipe(pipe_fds) != 0)
        return 3;
    epfd = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = pipe_fds[0]};
    if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, pipe_fds[0], &ev) != 0)
        return 4;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    one_way(argv[1], "pending");
    one_way(argv[1], "thread");
    one_way(argv[1], "open");
    printf("done\n");
    return 0;
}
