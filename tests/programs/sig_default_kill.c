/*
 * sig_default_kill: the program kills itself with a signal it does not
 * catch.
 *
 * It makes sure SIGTERM has its default action and is not blocked, prints
 * a line with its pid (which differs from run to run: the replay must print
 * the recorded one), then sends itself SIGTERM with kill(). It dies of
 * it: the exit status is "killed by signal 15" (rewind record exits with
 * 128 + 15 = 143).
 *
 * Prints:
 *   about to be killed by SIGTERM, pid N
 * and never "not reached".
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGTERM, SIG_DFL);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &term, NULL);
    printf("about to be killed by SIGTERM, pid %ld\n", (long)getpid());
    kill(getpid(), SIGTERM);
    printf("not reached\n");
    return 0;
}
