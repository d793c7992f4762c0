/*
 * sig_suspend: sigsuspend waiting for a signal that another thread sends.
 * SIGUSR2 is blocked; a helper thread sends it to the process after 5 ms;
 * sigsuspend, with SIGUSR2 unblocked for its duration, runs the handler and
 * returns -1/EINTR, and SIGUSR2 is blocked again afterwards (sigsuspend's
 * temporary mask is undone when the handler returns).
 *
 * Prints: sigsuspend -1 EINTR 1 handler ran 1 SIGUSR2 blocked after 1
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr2(int sig)
{
    (void)sig;
    got++;
}

static void *helper(void *arg)
{
    (void)arg;
    usleep(5000);
    kill(getpid(), SIGUSR2);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t usr2, old;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, &old);
    pthread_t t;
    if (pthread_create(&t, NULL, helper, NULL) != 0)
        return 2;
    sigset_t wait_mask = old;
    sigdelset(&wait_mask, SIGUSR2);
    int r = sigsuspend(&wait_mask);
    int e = errno;
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    pthread_join(t, NULL);
    printf("sigsuspend %d EINTR %d handler ran %d SIGUSR2 blocked after %d\n", r, e == EINTR,
           (int)got, sigismember(&now, SIGUSR2));
    return 0;
}
