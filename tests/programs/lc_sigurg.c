/*
 * lc_sigurg: asynchronous signals that land while threads sit at a syscall
 * instruction, are blocked in a restartable syscall, or spin, as a
 * preempting runtime sends them all the time.
 *
 * Eight workers each run ROUNDS rounds of: a busy loop (a checksum), a
 * getppid(), a blocking read of one byte from their own pipe (fed by the
 * main thread), and a write into a shared pipe (drained by the main
 * thread). One sender thread sends SIGURG with tgkill to the workers in a
 * tight loop until they are done. With "restart" the handler is installed
 * with SA_RESTART (reads are restarted by the kernel); with "norestart"
 * interrupted reads return EINTR and are retried by the worker.
 *
 * The handler counts its runs per thread, and how many times it
 * interrupted the thread right after a syscall instruction (in a syscall
 * that returns EINTR) or exactly at one (a syscall about to run, or one
 * the kernel restarts). Some rounds spin for long, so that signals also
 * land in busy loops and in threads switched out there.
 *
 * Prints "worker I checksum X" (always the same), then counts that depend
 * on where the signals landed (the replay must reproduce them), and
 * "done". Exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define WORKERS 8
#define ROUNDS 40

static int in_pipe[WORKERS][2];
static int out_pipe[2];
static pid_t tids[WORKERS];
static atomic_int started;
static atomic_int finished;
static __thread long handled;
static __thread long at_syscall;
static __thread long at_insn;
static long handled_by[WORKERS];
static long at_syscall_by[WORKERS];
static long at_insn_by[WORKERS];
static long eintr_by[WORKERS];
static uint64_t sums[WORKERS];

static void on_urg(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    handled++;
#if defined(__x86_64__)
    ucontext_t *uc = ctx;
    const unsigned char *ip = (const unsigned char *)uc->uc_mcontext.gregs[REG_RIP];
    if (ip[-2] == 0x0f && ip[-1] == 0x05)
        at_syscall++;
    if (ip[0] == 0x0f && ip[1] == 0x05)
        at_insn++;
#else
    (void)ctx;
#endif
}

static void *worker(void *arg) {
    int me = (int)(intptr_t)arg;
    tids[me] = (pid_t)syscall(SYS_gettid);
    atomic_fetch_add(&started, 1);
    uint64_t sum = 0x9e3779b97f4a7c15ull * (uint64_t)(me + 1);
    long eintr = 0;
    for (int r = 0; r < ROUNDS; r++) {
        int spin = (me == 0 || me == 5) && r == 3 ? 15000000 : 20000 * (1 + r % 5);
        for (int i = 0; i < spin; i++)
            sum = sum * 6364136223846793005ull + (uint64_t)(i ^ r);
        sum ^= (uint64_t)(getppid() != 0);
        char c;
        for (;;) {
            ssize_t n = read(in_pipe[me][0], &c, 1);
            if (n == 1)
                break;
            if (n < 0 && errno == EINTR) {
                eintr++;
                continue;
            }
            perror("read");
            exit(2);
        }
        sum += (uint64_t)c;
        char m = (char)me;
        while (write(out_pipe[1], &m, 1) != 1) {
            if (errno != EINTR) {
                perror("write");
                exit(2);
            }
            eintr++;
        }
    }
    sums[me] = sum;
    handled_by[me] = handled;
    at_syscall_by[me] = at_syscall;
    at_insn_by[me] = at_insn;
    eintr_by[me] = eintr;
    atomic_fetch_add(&finished, 1);
    return NULL;
}

static void *sender(void *arg) {
    (void)arg;
    long *sent = calloc(1, sizeof *sent);
    pid_t pid = getpid();
    while (atomic_load(&finished) < WORKERS) {
        for (int i = 0; i < WORKERS; i++)
            if (syscall(SYS_tgkill, pid, tids[i], SIGURG) == 0)
                (*sent)++;
    }
    return sent;
}

int main(int argc, char **argv) {
    int restart = argc > 1 && strcmp(argv[1], "restart") == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_urg;
    sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
    sigaction(SIGURG, &sa, NULL);
    // The main thread and the sender never take SIGURG.
    sigset_t urg;
    sigemptyset(&urg);
    sigaddset(&urg, SIGURG);
    pthread_sigmask(SIG_BLOCK, &urg, NULL);
    if (pipe(out_pipe) != 0)
        return 2;
    pthread_t w[WORKERS], s;
    sigset_t none;
    sigemptyset(&none);
    for (int i = 0; i < WORKERS; i++) {
        if (pipe(in_pipe[i]) != 0)
            return 2;
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        pthread_create(&w[i], NULL, worker, (void *)(intptr_t)i);
        pthread_sigmask(SIG_BLOCK, &urg, NULL);
    }
    while (atomic_load(&started) < WORKERS)
        sched_yield();
    pthread_create(&s, NULL, sender, NULL);
    // Feed every worker one byte per round; take back their answers.
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < WORKERS; i++) {
            char c = (char)('a' + (r + i) % 26);
            if (write(in_pipe[i][1], &c, 1) != 1)
                return 2;
        }
        for (int i = 0; i < WORKERS; i++) {
            char m;
            if (read(out_pipe[0], &m, 1) != 1)
                return 2;
        }
    }
    long handled_all = 0, at_all = 0, insn_all = 0, eintr_all = 0;
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(w[i], NULL);
        printf("worker %d checksum %016llx\n", i, (unsigned long long)sums[i]);
        handled_all += handled_by[i];
        at_all += at_syscall_by[i];
        insn_all += at_insn_by[i];
        eintr_all += eintr_by[i];
    }
    void *sent;
    pthread_join(s, &sent);
    for (int i = 0; i < WORKERS; i++)
        printf("worker %d handled %ld signals, %ld after a syscall instruction, %ld at one, %ld EINTR\n",
               i, handled_by[i], at_syscall_by[i], at_insn_by[i], eintr_by[i]);
    printf("signals sent %ld\n", *(long *)sent);
    printf("signals handled %ld, after a syscall instruction %ld, at one %ld, EINTR %ld\n",
           handled_all, at_all, insn_all, eintr_all);
    printf("mode %s, EINTR only without SA_RESTART: %s\n", restart ? "restart" : "norestart",
           (restart ? eintr_all == 0 : 1) ? "yes" : "no");
    printf("done\n");
    return 0;
}
