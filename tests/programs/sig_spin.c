/*
 * sig_spin: one asynchronous signal landing in a spin loop that makes no
 * syscall.
 *
 * A one-shot ITIMER_REAL timer (20 ms) sends SIGALRM while main spins,
 * counting; the handler notes the count and sets the flag the loop polls.
 * Prints (the numbers vary from run to run; the replay must print the
 * recorded ones):
 *   signal arrived at iteration N
 *   loop ended at iteration M
 * and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t fired;
static volatile unsigned long count, at;

static void on_alarm(int sig)
{
    (void)sig;
    at = count;
    fired = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (!fired)
        count++;
    printf("signal arrived at iteration %lu\n", at);
    printf("loop ended at iteration %lu\n", count);
    return 0;
}
