/*
 * sig_masks: blocked and pending signals, waiting for signals, and handlers
 * on an alternate stack.
 *
 * 1. sigprocmask blocks SIGUSR1; raise(SIGUSR1) leaves it pending (the
 *    handler does not run, sigpending shows it); unblocking runs the
 *    handler before sigprocmask returns.
 * 2. A helper thread (SIGUSR2 blocked) sends SIGUSR2 to the process with
 *    kill() every millisecond until main, waiting in pause() with SIGUSR2
 *    unblocked, has run its handler; pause returns -1/EINTR. (sigsuspend
 *    and the other waits under a temporary mask: sig_suspend.c and
 *    sig_pmask.c.)
 * 3. SIGRTMIN+1 is blocked and queued three times with sigqueue, carrying
 *    the values 101, 102, 103; sigwaitinfo takes them in order, with
 *    si_code SI_QUEUE and our pid. Then sigtimedwait with 10 ms and nothing
 *    pending returns -1/EAGAIN.
 * 4. sigaltstack sets up an alternate stack; a SIGUSR1 handler installed
 *    with SA_ONSTACK finds the address of one of its locals inside it, and
 *    sigaltstack reports SS_ONSTACK while it runs (and not after).
 *
 * Prints, always the same:
 *   1. handler ran while blocked: no
 *   1. sigpending has SIGUSR1: yes
 *   1. handler ran after unblocking: 1 time(s)
 *   1. sigpending after: empty
 *   2. pause woken by a signal from another thread: yes, EINTR: yes, on main: yes
 *   3. sigwaitinfo: signal SIGRTMIN+1, value 101, SI_QUEUE: yes, our pid: yes
 *   3. sigwaitinfo: signal SIGRTMIN+1, value 102, SI_QUEUE: yes, our pid: yes
 *   3. sigwaitinfo: signal SIGRTMIN+1, value 103, SI_QUEUE: yes, our pid: yes
 *   3. sigtimedwait with nothing pending returned -1 (EAGAIN: yes)
 *   4. handler ran on the alternate stack: yes, SS_ONSTACK: yes
 *   4. after the handler, SS_ONSTACK: no
 *   done
 * and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ALT_SIZE (64 * 1024)

static volatile sig_atomic_t usr1_count, usr2_count;
static volatile pid_t usr2_tid;
static char alt_stack[ALT_SIZE] __attribute__((aligned(16)));
static volatile uintptr_t local_addr;
static volatile int onstack_flag;

static void on_usr1(int sig) { (void)sig; usr1_count++; }

static void on_usr2(int sig)
{
    (void)sig;
    usr2_tid = gettid();
    usr2_count++;
}

static void on_usr1_alt(int sig)
{
    (void)sig;
    volatile int here = 0;
    local_addr = (uintptr_t)&here;
    stack_t now;
    if (sigaltstack(NULL, &now) == 0)
        onstack_flag = (now.ss_flags & SS_ONSTACK) != 0;
    else
        onstack_flag = -1;
}

static void handle(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("sigaction");
        exit(2);
    }
}

static volatile sig_atomic_t main_done;

static void *helper(void *arg)
{
    (void)arg;
    /* Until main has seen one: main may not be in pause() yet. */
    while (!main_done) {
        kill(getpid(), SIGUSR2);
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* 1. blocked, pending, unblocked. */
    handle(SIGUSR1, on_usr1, 0);
    sigset_t usr1, pending;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    printf("1. handler ran while blocked: %s\n", usr1_count ? "yes" : "no");
    sigpending(&pending);
    printf("1. sigpending has SIGUSR1: %s\n", sigismember(&pending, SIGUSR1) ? "yes" : "no");
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    int after = usr1_count;
    printf("1. handler ran after unblocking: %d time(s)\n", after);
    sigpending(&pending);
    printf("1. sigpending after: %s\n", sigisemptyset(&pending) ? "empty" : "not empty");

    /* 2. pause() woken by a signal another thread sends to the process;
     * the helper blocks SIGUSR2, so main takes it. */
    handle(SIGUSR2, on_usr2, 0);
    sigset_t usr2, old;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, &old);
    pthread_t t;
    if (pthread_create(&t, NULL, helper, NULL) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 2;
    }
    sigprocmask(SIG_UNBLOCK, &usr2, NULL);
    int paused = 0, eintr = 1;
    while (usr2_count == 0) {
        int r = pause();
        paused++;
        if (r != -1 || errno != EINTR)
            eintr = 0;
    }
    main_done = 1;
    pthread_join(t, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("2. pause woken by a signal from another thread: %s, EINTR: %s, on main: %s\n",
           usr2_count > 0 ? "yes" : "no", eintr ? "yes" : "no",
           usr2_tid == getpid() ? "yes" : "no");
    (void)paused;

    /* 3. queued real-time signals with values. */
    int rt = SIGRTMIN + 1;
    sigset_t rtset;
    sigemptyset(&rtset);
    sigaddset(&rtset, rt);
    sigprocmask(SIG_BLOCK, &rtset, NULL);
    for (int i = 1; i <= 3; i++) {
        union sigval v;
        v.sival_int = 100 + i;
        if (sigqueue(getpid(), rt, v) != 0)
            perror("sigqueue");
    }
    for (int i = 0; i < 3; i++) {
        siginfo_t si;
        int s = sigwaitinfo(&rtset, &si);
        printf("3. sigwaitinfo: signal %s, value %d, SI_QUEUE: %s, our pid: %s\n",
               s == rt ? "SIGRTMIN+1" : "(another)", si.si_value.sival_int,
               si.si_code == SI_QUEUE ? "yes" : "no", si.si_pid == getpid() ? "yes" : "no");
    }
    struct timespec ten_ms = {0, 10 * 1000000L};
    siginfo_t none;
    int r = sigtimedwait(&rtset, &none, &ten_ms);
    int e = errno;
    printf("3. sigtimedwait with nothing pending returned %d (EAGAIN: %s)\n", r,
           e == EAGAIN ? "yes" : "no");

    /* 4. a handler on the alternate stack. */
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof alt_stack;
    if (sigaltstack(&ss, NULL) != 0) {
        perror("sigaltstack");
        return 2;
    }
    handle(SIGUSR1, on_usr1_alt, SA_ONSTACK);
    raise(SIGUSR1);
    uintptr_t lo = (uintptr_t)alt_stack, hi = lo + sizeof alt_stack;
    printf("4. handler ran on the alternate stack: %s, SS_ONSTACK: %s\n",
           local_addr >= lo && local_addr < hi ? "yes" : "no",
           onstack_flag == 1 ? "yes" : "no");
    stack_t now;
    sigaltstack(NULL, &now);
    printf("4. after the handler, SS_ONSTACK: %s\n", now.ss_flags & SS_ONSTACK ? "yes" : "no");
    printf("done\n");
    return 0;
}
