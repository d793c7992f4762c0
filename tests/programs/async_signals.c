/*
 * async_signals: signals that arrive from outside the program's own
 * instruction stream, at points replay must reproduce exactly.
 *
 * - SIGUSR1 sent to itself with kill(): delivered as the syscall returns;
 * - SIGALRM from an interval timer while the program computes, making a
 *   syscall now and then (the signal lands between syscalls);
 * - SIGALRM while blocked in pause().
 * Prints where in its computation each signal landed: the numbers differ
 * from run to run, and replay must print the same ones.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, alarms;
static volatile unsigned long work;
static unsigned long landed[16];

static void on_usr1(int sig) { (void)sig; usr1++; }

static void on_alarm(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    if (alarms < 16)
        landed[alarms] = work + (unsigned long)si->si_code * 0;
    alarms++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    printf("usr1 handled %d time(s)\n", (int)usr1);

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 3000}, {0, 3000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (alarms < 6) {
        work++;
        if (work % 20000 == 0)
            getppid(); /* a syscall now and then */
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    for (int i = 0; i < 6; i++)
        printf("alarm %d landed at work %lu\n", i, landed[i]);

    alarm(1);
    pause();
    printf("after pause: %d alarms\n", (int)alarms);
    return 0;
}
