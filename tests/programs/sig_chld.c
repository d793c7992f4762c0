/*
 * sig_chld: SIGCHLD caught with SA_SIGINFO while the parent is blocked,
 * with and without SA_RESTART.
 *
 * - Children exit with different codes, one is killed by a signal: a
 *   SA_SIGINFO handler notes each siginfo (si_pid, si_code, si_status) and
 *   the parent reaps them with waitpid(WNOHANG) from the handler.
 * - The parent is blocked in read() on a pipe when a child ends. With
 *   SA_RESTART the read carries on after the handler and returns what the
 *   next child writes; without it the read fails with EINTR.
 * - sleep via nanosleep interrupted by SIGCHLD returns the time left.
 *
 * Every line is what a correct program prints, except the "left" values,
 * which depend on when the signal arrived.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_NOTES 16
static volatile sig_atomic_t notes;
static pid_t note_pid[MAX_NOTES];
static int note_code[MAX_NOTES];
static int note_status[MAX_NOTES];
static int reaped_status[MAX_NOTES];
static volatile sig_atomic_t reaped;

static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    if (notes < MAX_NOTES) {
        note_pid[notes] = si->si_pid;
        note_code[notes] = si->si_code;
        note_status[notes] = si->si_status;
        notes++;
    }
    int saved = errno;
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        if (reaped < MAX_NOTES)
            reaped_status[reaped++] = status;
    errno = saved;
}

static void catch_chld(int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
}

static void ms_sleep(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static const char *code_name(int code) {
    switch (code) {
    case CLD_EXITED:
        return "exited";
    case CLD_KILLED:
        return "killed";
    case CLD_DUMPED:
        return "dumped";
    default:
        return "other";
    }
}

/* Waits until the handler has reaped `n` children, with SIGCHLD blocked
 * between the check and the wait so none slips through. */
static void wait_reaped(int n) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    while (reaped < n)
        sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* A child that exits with `code` after `ms`, or sends `msg` down `fd` after
 * that and then exits. */
static pid_t child(int code, long ms, int fd, const char *msg) {
    pid_t p = fork();
    if (p == 0) {
        ms_sleep(ms);
        if (msg)
            write(fd, msg, strlen(msg));
        _exit(code);
    }
    return p;
}

static void report(pid_t *kids, int n) {
    /* Match notes to children by pid: the order children end is theirs. */
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (int j = 0; j < notes; j++) {
            if (note_pid[j] == kids[i]) {
                printf("child %d: %s status %d\n", i, code_name(note_code[j]), note_status[j]);
                found = 1;
            }
        }
        if (!found)
            printf("child %d: no SIGCHLD noted\n", i);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int pipefd[2];
    pipe(pipefd);
    char buf[64];

    /* With SA_RESTART: the read goes on through the first child's end and
     * returns what the second child writes. */
    catch_chld(SA_RESTART);
    pid_t kids[4];
    kids[0] = child(3, 5, -1, NULL);
    kids[1] = child(4, 40, pipefd[1], "second child speaking");
    ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("restarted read: %zd \"%s\" (errno %s)\n", n, buf, n < 0 ? strerror(errno) : "none");
    wait_reaped(2);
    report(kids, 2);

    /* Without SA_RESTART: the read fails with EINTR. */
    notes = 0;
    reaped = 0;
    catch_chld(0);
    kids[2] = child(5, 5, -1, NULL);
    n = read(pipefd[0], buf, sizeof buf - 1);
    printf("interrupted read: %zd (%s)\n", n, n < 0 ? strerror(errno) : "data");
    wait_reaped(1);

    /* A child killed by a signal while the parent sleeps: nanosleep is
     * interrupted and says how much was left. */
    pid_t k = fork();
    if (k == 0) {
        /* Long enough for the parent to be asleep by then. */
        ms_sleep(20);
        raise(SIGKILL);
        for (;;)
            pause();
    }
    kids[3] = k;
    struct timespec ts = {2, 0}, left = {0, 0};
    int r = nanosleep(&ts, &left);
    /* The time left is counted from the timer's expiry, which includes
     * the timer slack: when the signal was already pending it is 2 s and a
     * few microseconds. */
    int in_range = left.tv_sec < 2 || (left.tv_sec == 2 && left.tv_nsec < 1000000);
    printf("nanosleep interrupted: %d (%s), left within the 2s asked: %s\n", r,
           r < 0 ? strerror(errno) : "none", in_range ? "yes" : "no");
    printf("left %ld.%09ld\n", (long)left.tv_sec, left.tv_nsec);
    wait_reaped(2);
    report(kids + 2, 2);
    for (int i = 0; i < reaped; i++) {
        int s = reaped_status[i];
        if (WIFEXITED(s))
            printf("reaped: exit %d\n", WEXITSTATUS(s));
        else if (WIFSIGNALED(s))
            printf("reaped: signal %d\n", WTERMSIG(s));
    }
    printf("sigchld done\n");
    return 0;
}
