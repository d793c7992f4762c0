/*
 * lc_ppoll_intr: ppoll and pselect interrupted by a signal, each with a
 * temporary signal mask.
 *
 * The main thread blocks SIGUSR1 and waits on an empty pipe in ppoll (then
 * pselect) with a temporary mask that unblocks SIGUSR1 and blocks SIGUSR2.
 * A helper thread (SIGUSR1 blocked) sends SIGUSR1 to the process with
 * kill() every millisecond until the handler has run. The wait returns
 * -1/EINTR; the handler ran under the temporary mask (SIGUSR2 blocked in
 * it); afterwards the original mask is back (SIGUSR1 blocked, SIGUSR2
 * not).
 *
 * Prints, always the same:
 *   ppoll: returned -1, EINTR: yes, handler ran: 1, SIGUSR2 blocked in the handler: yes
 *   ppoll: after: SIGUSR1 blocked: yes, SIGUSR2 blocked: no
 *   pselect: returned -1, EINTR: yes, handler ran: 1, SIGUSR2 blocked in the handler: yes
 *   pselect: after: SIGUSR1 blocked: yes, SIGUSR2 blocked: no
 *   done
 * and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static atomic_int handled;
static volatile int usr2_blocked_in_handler;

static void on_usr1(int sig) {
    (void)sig;
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
    atomic_fetch_add(&handled, 1);
}

static void *sender(void *arg) {
    (void)arg;
    struct timespec ms = {0, 1000000};
    while (atomic_load(&handled) == 0) {
        kill(getpid(), SIGUSR1);
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static const char *yes_no(int b) { return b ? "yes" : "no"; }

static void after(const char *what) {
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("%s: after: SIGUSR1 blocked: %s, SIGUSR2 blocked: %s\n", what,
           yes_no(sigismember(&now, SIGUSR1)), yes_no(sigismember(&now, SIGUSR2)));
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    sigset_t temp;
    sigemptyset(&temp);
    sigaddset(&temp, SIGUSR2);
    int p[2];
    if (pipe(p) != 0)
        return 2;
    for (int round = 0; round < 2; round++) {
        const char *what = round == 0 ? "ppoll" : "pselect";
        atomic_store(&handled, 0);
        pthread_t t;
        pthread_create(&t, NULL, sender, NULL);
        int r;
        if (round == 0) {
            struct pollfd pfd = {.fd = p[0], .events = POLLIN};
            r = ppoll(&pfd, 1, NULL, &temp);
        } else {
            fd_set rd;
            FD_ZERO(&rd);
            FD_SET(p[0], &rd);
            r = pselect(p[0] + 1, &rd, NULL, NULL, NULL, &temp);
        }
        int e = errno;
        pthread_join(t, NULL);
        printf("%s: returned %d, EINTR: %s, handler ran: %d, SIGUSR2 blocked in the handler: %s\n",
               what, r, yes_no(e == EINTR), atomic_load(&handled), yes_no(usr2_blocked_in_handler));
        after(what);
    }
    printf("done\n");
    return 0;
}
