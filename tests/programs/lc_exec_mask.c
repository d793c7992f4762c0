/*
 * lc_exec_mask: a blocked signal, pending, survives execve.
 *
 * The first run blocks SIGUSR1 and SIGUSR2, ignores SIGINT, raises SIGUSR1
 * (pending, since blocked), and runs itself again with execve and the
 * argument "after". The new program finds SIGUSR1 and SIGUSR2 still
 * blocked, SIGUSR1 still pending, SIGINT still ignored; it installs a
 * handler and unblocks SIGUSR1, which runs the handler at once.
 *
 * Prints, always the same:
 *   before exec: SIGUSR1 pending: yes
 *   after exec: SIGUSR1 blocked: yes, SIGUSR2 blocked: yes, SIGTERM blocked: no
 *   after exec: SIGUSR1 pending: yes, SIGUSR2 pending: no
 *   after exec: SIGINT ignored: yes
 *   after exec: handler ran after unblocking: 1 time(s), with si_code SI_TKILL: yes
 *   after exec: pending now: none
 * and exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int handled;
static volatile int handled_code;

static void on_usr1(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)ctx;
    handled++;
    handled_code = si->si_code;
}

static const char *yes_no(int b) { return b ? "yes" : "no"; }

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "after") == 0) {
        sigset_t mask, pend;
        sigprocmask(SIG_SETMASK, NULL, &mask);
        sigpending(&pend);
        printf("after exec: SIGUSR1 blocked: %s, SIGUSR2 blocked: %s, SIGTERM blocked: %s\n",
               yes_no(sigismember(&mask, SIGUSR1)), yes_no(sigismember(&mask, SIGUSR2)),
               yes_no(sigismember(&mask, SIGTERM)));
        printf("after exec: SIGUSR1 pending: %s, SIGUSR2 pending: %s\n",
               yes_no(sigismember(&pend, SIGUSR1)), yes_no(sigismember(&pend, SIGUSR2)));
        struct sigaction old;
        sigaction(SIGINT, NULL, &old);
        printf("after exec: SIGINT ignored: %s\n", yes_no(old.sa_handler == SIG_IGN));
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_usr1;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGUSR1, &sa, NULL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, SIGUSR1);
        sigprocmask(SIG_UNBLOCK, &one, NULL);
        printf("after exec: handler ran after unblocking: %d time(s), with si_code SI_TKILL: %s\n",
               handled, yes_no(handled_code == SI_TKILL));
        sigpending(&pend);
        int any = 0;
        for (int s = 1; s < 32; s++)
            any |= sigismember(&pend, s);
        printf("after exec: pending now: %s\n", any ? "some" : "none");
        return 0;
    }
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    signal(SIGINT, SIG_IGN);
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("before exec: SIGUSR1 pending: %s\n", yes_no(sigismember(&pend, SIGUSR1)));
    fflush(stdout);
    char *args[] = {argv[0], "after", NULL};
    execv("/proc/self/exe", args);
    perror("execv");
    return 2;
}
