/* Three threads wait at a barrier while the main thread installs, with
 * SECCOMP_FILTER_FLAG_TSYNC, a filter for every thread of the process:
 *   getpid                  -> ERRNO(EACCES)
 *   uname                   -> TRAP (SIGSYS, handled)
 *   mmap, munmap, mprotect  -> KILL_PROCESS
 * Then each thread in turn blocks reading its own pipe (a syscall that a
 * recorder may prepare with memory of its own: the filter must not get in
 * its way), calls getpid and uname, and prints what it saw. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#define NR_IS(nr, action)                                  \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),       \
        BPF_STMT(BPF_RET | BPF_K, (action))

#define THREADS 3

static pthread_barrier_t barrier;
static int pipes[THREADS][2];
static __thread int my_index = -1;

static void say(const char *text) { write(1, text, strlen(text)); }

static void on_sigsys(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)ctx;
    char buf[128];
    snprintf(buf, sizeof buf, "thread %d: SIGSYS for syscall %d, data %d\n",
             my_index, si->si_syscall, si->si_errno);
    say(buf);
}

static void *worker(void *arg) {
    my_index = (int)(long)arg;
    pthread_barrier_wait(&barrier);
    char c[16];
    ssize_t n = read(pipes[my_index][0], c, sizeof c);
    char buf[160];
    errno = 0;
    long pid = syscall(SYS_getpid);
    int e = errno;
    struct utsname u;
    long r = syscall(SYS_uname, &u);
    snprintf(buf, sizeof buf, "thread %d: read %zd, getpid %ld (%s), uname %ld\n",
             my_index, n, pid, strerror(e), r);
    say(buf);
    return NULL;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    pthread_barrier_init(&barrier, NULL, THREADS + 1);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) {
        if (pipe(pipes[i]) != 0) {
            perror("pipe");
            return 1;
        }
        pthread_create(&t[i], NULL, worker, (void *)i);
    }
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        NR_IS(SYS_getpid, SECCOMP_RET_ERRNO | EACCES),
        NR_IS(SYS_uname, SECCOMP_RET_TRAP | 7),
        NR_IS(SYS_mmap, SECCOMP_RET_KILL_PROCESS),
        NR_IS(SYS_munmap, SECCOMP_RET_KILL_PROCESS),
        NR_IS(SYS_mprotect, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {
        .len = sizeof filter / sizeof filter[0],
        .filter = filter,
    };
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                     SECCOMP_FILTER_FLAG_TSYNC, &prog);
    char buf[96];
    snprintf(buf, sizeof buf, "installed with TSYNC: %ld\n", r);
    say(buf);
    if (r != 0)
        return 1;
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < THREADS; i++) {
        /* Let the thread block in its read first. */
        usleep(20000);
        write(pipes[i][1], "go", 2);
        pthread_join(t[i], NULL);
    }
    errno = 0;
    long pid = syscall(SYS_getpid);
    snprintf(buf, sizeof buf, "main: getpid %ld (%s)\n", pid, strerror(errno));
    say(buf);
    return 0;
}
