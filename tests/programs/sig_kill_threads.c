/*
 * sig_kill_threads: signals sent to one thread by another with
 * pthread_kill, arriving while the target is blocked in a syscall or
 * computing, and a signal main sends to the whole process.
 *
 * main starts a target thread and, for each case, waits until the target
 * says it is about to block (or is spinning), then signals it:
 * (a) the target is blocked in read() on a pipe nobody writes to; SIGUSR1's
 *     handler has no SA_RESTART, so read returns -1/EINTR. main sends
 *     SIGUSR1 every 10 ms until the target reports back (the first one may
 *     land just before the read starts). The target then blocks SIGUSR1.
 * (b) the target is blocked in read() on another pipe; SIGUSR2's handler has
 *     SA_RESTART. Once the handler has run, main writes a message: the read
 *     goes on and returns it.
 * (c) the target spins in a loop with no syscall until SIGRTMIN's handler
 *     sets a flag.
 * (d) main sends SIGUSR1 to the whole process with kill(getpid()) while the
 *     target (which blocks SIGUSR1) waits in read(): main's handler runs.
 * Every handler notes the thread it ran on (gettid()).
 *
 * Prints (only the spin count varies from run to run):
 *   (a) read returned -1 (EINTR: yes), SIGUSR1 handler ran on the target: yes
 *   (b) read returned 18 bytes: data after SIGUSR2, handler ran on the target: yes
 *   (c) spinner stopped by its handler after N spins, handler ran on the target: yes
 *   (d) kill(getpid(), SIGUSR1) handled by main: yes
 *   (d) target's last read returned 1
 *   target thread returned 42
 * and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE "data after SIGUSR2"

static int pipe_a[2], pipe_b[2], pipe_d[2];

/* What the handlers saw. */
static volatile sig_atomic_t usr1_seen, usr2_seen, rt_seen;
static volatile pid_t usr1_tid, usr2_tid, rt_tid;

/* The target's progress, polled by main. */
static volatile sig_atomic_t stage;
static volatile pid_t target_tid;
static volatile unsigned long spins;

/* What the target found. */
static ssize_t a_ret, b_ret, d_ret;
static int a_errno;
static char b_buf[64];

static void on_usr1(int sig) { (void)sig; usr1_tid = gettid(); usr1_seen = 1; }
static void on_usr2(int sig) { (void)sig; usr2_tid = gettid(); usr2_seen = 1; }
static void on_rt(int sig) { (void)sig; rt_tid = gettid(); rt_seen = 1; }

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

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void wait_stage(int s)
{
    while (stage < s)
        sleep_ms(1);
}

static void *target(void *arg)
{
    (void)arg;
    char c;
    target_tid = gettid();

    /* (a) */
    stage = 1;
    a_ret = read(pipe_a[0], &c, 1);
    a_errno = errno;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    stage = 2;

    /* (b) */
    wait_stage(3);
    b_ret = read(pipe_b[0], b_buf, sizeof b_buf - 1);
    if (b_ret > 0)
        b_buf[b_ret] = '\0';
    stage = 4;

    /* (c) */
    wait_stage(5);
    stage = 6;
    unsigned long n = 0; /* a stack slot at -O0: an induction variable */
    while (!rt_seen)
        n++;
    spins = n;
    stage = 7;

    /* (d) */
    d_ret = read(pipe_d[0], &c, 1);
    return (void *)42;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pipe_a) || pipe(pipe_b) || pipe(pipe_d)) {
        perror("pipe");
        return 2;
    }
    handle(SIGUSR1, on_usr1, 0);
    handle(SIGUSR2, on_usr2, SA_RESTART);
    handle(SIGRTMIN, on_rt, 0);

    pthread_t t;
    if (pthread_create(&t, NULL, target, NULL) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        return 2;
    }

    /* (a) interrupt a read with no SA_RESTART. */
    wait_stage(1);
    sleep_ms(10);
    while (stage < 2) {
        pthread_kill(t, SIGUSR1);
        sleep_ms(10);
    }
    pid_t a_tid = usr1_tid;

    /* (b) interrupt a read with SA_RESTART, then feed it. */
    stage = 3;
    sleep_ms(10);
    pthread_kill(t, SIGUSR2);
    while (!usr2_seen)
        sleep_ms(1);
    sleep_ms(5);
    if (write(pipe_b[1], MESSAGE, strlen(MESSAGE)) != (ssize_t)strlen(MESSAGE)) {
        perror("write");
        return 2;
    }
    wait_stage(4);

    /* (c) stop a spinning thread. */
    stage = 5;
    wait_stage(6);
    sleep_ms(10);
    pthread_kill(t, SIGRTMIN);
    wait_stage(7);

    /* (d) a signal for the whole process. */
    usr1_seen = 0;
    usr1_tid = 0;
    kill(getpid(), SIGUSR1);
    int d_seen = usr1_seen;
    pid_t d_tid = usr1_tid;
    if (write(pipe_d[1], "x", 1) != 1) {
        perror("write");
        return 2;
    }
    void *ret;
    pthread_join(t, &ret);

    printf("(a) read returned %zd (EINTR: %s), SIGUSR1 handler ran on the target: %s\n",
           a_ret, a_ret == -1 && a_errno == EINTR ? "yes" : "no",
           a_tid == target_tid ? "yes" : "no");
    printf("(b) read returned %zd bytes: %s, handler ran on the target: %s\n", b_ret,
           b_ret > 0 ? b_buf : "(nothing)", usr2_tid == target_tid ? "yes" : "no");
    printf("(c) spinner stopped by its handler after %lu spins, handler ran on the target: %s\n",
           spins, rt_tid == target_tid ? "yes" : "no");
    printf("(d) kill(getpid(), SIGUSR1) handled by main: %s\n",
           d_seen && d_tid == getpid() ? "yes" : "no");
    printf("(d) target's last read returned %zd\n", d_ret);
    printf("target thread returned %ld\n", (long)ret);
    return 0;
}
