/*
 * threads_futex: every kind of futex wait a threaded program makes, called
 * directly and through the C library.
 *
 * - FUTEX_WAIT with a relative timeout that expires (ETIMEDOUT), and one
 *   whose value has already changed (EAGAIN);
 * - FUTEX_WAIT_BITSET with an absolute CLOCK_MONOTONIC deadline, woken by a
 *   FUTEX_WAKE_BITSET with a matching bit after one with no matching bit
 *   woke nobody;
 * - FUTEX_CMP_REQUEUE: waiters moved from one futex to another, then woken
 *   there;
 * - priority-inheritance mutexes (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI),
 *   contended by four threads, and a timed lock that gives up;
 * - robust mutexes: a thread that exits while holding one (the kernel marks
 *   it with FUTEX_OWNER_DIED from the thread's robust list), the next locker
 *   gets EOWNERDEAD and makes it consistent; then the same across processes,
 *   through shared memory, with a child that dies holding the lock.
 *
 * Lines starting "order" or "woken" depend on how the threads were
 * interleaved; the rest are what a correct program always prints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(atomic_int *uaddr, int op, int val, const struct timespec *ts,
                  atomic_int *uaddr2, int val3) {
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static void ms_sleep(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- plain waits with timeouts ---------------------------------------- */

static void timeouts(void) {
    atomic_int word = 0;
    struct timespec rel = {0, 3 * 1000000L};
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
    printf("wait timeout: %ld %s\n", r, r < 0 ? strerror(errno) : "");
    r = futex(&word, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0);
    printf("wait changed: %ld %s\n", r, r < 0 ? strerror(errno) : "");
}

/* ---- bitset waits ------------------------------------------------------ */

static atomic_int bits_word;
static atomic_int bits_ready;

static void *bits_waiter(void *arg) {
    (void)arg;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 10;
    atomic_store(&bits_ready, 1);
    long r;
    do {
        r = futex(&bits_word, FUTEX_WAIT_BITSET_PRIVATE, 0, &deadline, NULL, 0x4);
    } while (r < 0 && errno == EAGAIN && atomic_load(&bits_word) == 0);
    printf("bitset waiter: woken %s\n", atomic_load(&bits_word) == 2 ? "by its bit" : "early");
    return NULL;
}

static void bitsets(void) {
    pthread_t t;
    pthread_create(&t, NULL, bits_waiter, NULL);
    while (!atomic_load(&bits_ready))
        ms_sleep(1);
    ms_sleep(5);
    /* No waiter has bit 0x1: nobody wakes. */
    long none = futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x1);
    printf("bitset wake other bit: %ld\n", none);
    atomic_store(&bits_word, 2);
    /* 1 if the waiter sleeps in the kernel, 0 if it has not got there
     * yet (it then sees the new value and does not sleep). */
    long one = futex(&bits_word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x4);
    printf("woken bitset: %ld\n", one);
    pthread_join(t, NULL);
    /* An absolute deadline in the past: ETIMEDOUT at once. */
    struct timespec past = {0, 0};
    atomic_int w = 0;
    long r = futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("bitset past deadline: %ld %s\n", r, r < 0 ? strerror(errno) : "");
}

/* ---- requeue ----------------------------------------------------------- */

#define REQUEUERS 4
static atomic_int rq_from;
static atomic_int rq_to;
static atomic_int rq_waiting;
static atomic_int rq_done;

static void *rq_waiter(void *arg) {
    long id = (long)arg;
    atomic_fetch_add(&rq_waiting, 1);
    while (atomic_load(&rq_from) == 0)
        futex(&rq_from, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    int n = atomic_fetch_add(&rq_done, 1);
    printf("order requeue %d: waiter %ld\n", n, id);
    return NULL;
}

static void requeue(void) {
    pthread_t t[REQUEUERS];
    for (long i = 0; i < REQUEUERS; i++)
        pthread_create(&t[i], NULL, rq_waiter, (void *)i);
    while (atomic_load(&rq_waiting) < REQUEUERS)
        ms_sleep(1);
    ms_sleep(10);
    /* Wake one, move the rest to rq_to (only if rq_from is still 0). */
    long moved = futex(&rq_from, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(uintptr_t)REQUEUERS,
                       &rq_to, 0);
    printf("woken requeue: %ld\n", moved);
    ms_sleep(5);
    atomic_store(&rq_from, 1);
    /* Those requeued sleep on rq_to now: wake them there. */
    long woken = futex(&rq_to, FUTEX_WAKE_PRIVATE, REQUEUERS, NULL, NULL, 0);
    woken += futex(&rq_from, FUTEX_WAKE_PRIVATE, REQUEUERS, NULL, NULL, 0);
    printf("woken after requeue: %ld\n", woken);
    for (int i = 0; i < REQUEUERS; i++)
        pthread_join(t[i], NULL);
    printf("requeue: %d waiters done\n", atomic_load(&rq_done));
}

/* ---- priority inheritance ---------------------------------------------- */

#define PI_THREADS 4
#define PI_ROUNDS 2000
static pthread_mutex_t pi_lock;
static long pi_counter;
static int pi_last = -1;
static int pi_switches;

static void *pi_worker(void *arg) {
    int id = (int)(long)arg;
    for (int i = 0; i < PI_ROUNDS; i++) {
        pthread_mutex_lock(&pi_lock);
        pi_counter++;
        if (pi_last != id) {
            pi_switches++;
            pi_last = id;
        }
        if (i % 200 == 0)
            ms_sleep(1); /* held while sleeping: the others block in the kernel */
        pthread_mutex_unlock(&pi_lock);
    }
    return NULL;
}

static void *pi_holder(void *arg) {
    (void)arg;
    pthread_mutex_lock(&pi_lock);
    ms_sleep(30);
    pthread_mutex_unlock(&pi_lock);
    return NULL;
}

static void priority_inheritance(void) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pi_lock, &a);
    pthread_t t[PI_THREADS];
    for (long i = 0; i < PI_THREADS; i++)
        pthread_create(&t[i], NULL, pi_worker, (void *)i);
    for (int i = 0; i < PI_THREADS; i++)
        pthread_join(t[i], NULL);
    printf("pi counter: %ld\n", pi_counter);
    printf("order pi switches: %d\n", pi_switches);

    /* A timed lock on a PI mutex held by another thread gives up. */
    pthread_t h;
    pthread_create(&h, NULL, pi_holder, NULL);
    while (pthread_mutex_trylock(&pi_lock) == 0) {
        pthread_mutex_unlock(&pi_lock);
        ms_sleep(1);
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 2 * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int r = pthread_mutex_timedlock(&pi_lock, &deadline);
    printf("pi timedlock: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
    pthread_join(h, NULL);
    r = pthread_mutex_lock(&pi_lock);
    printf("pi lock after holder left: %d\n", r);
    pthread_mutex_unlock(&pi_lock);
}

/* ---- robust mutexes ----------------------------------------------------- */

static pthread_mutex_t robust_lock;

static void *robust_dier(void *arg) {
    (void)arg;
    pthread_mutex_lock(&robust_lock);
    return NULL; /* exits holding it */
}

static void robust_recover(pthread_mutex_t *m, const char *who) {
    int r = pthread_mutex_lock(m);
    if (r == EOWNERDEAD) {
        pthread_mutex_consistent(m);
        printf("robust %s: EOWNERDEAD, made consistent\n", who);
    } else {
        printf("robust %s: lock returned %d\n", who, r);
    }
    pthread_mutex_unlock(m);
    r = pthread_mutex_lock(m);
    printf("robust %s: locked again: %d\n", who, r);
    pthread_mutex_unlock(m);
}

static void robust(int pi) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pi)
        pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&robust_lock, &a);
    pthread_t t;
    pthread_create(&t, NULL, robust_dier, NULL);
    pthread_join(t, NULL);
    robust_recover(&robust_lock, pi ? "thread pi" : "thread");

    /* Across processes: a child takes a shared robust mutex and dies. */
    pthread_mutex_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(shared, &a);
    pid_t child = fork();
    if (child == 0) {
        pthread_mutex_lock(shared);
        _exit(7);
    }
    int status;
    waitpid(child, &status, 0);
    printf("robust child exited %d\n", WEXITSTATUS(status));
    robust_recover(shared, pi ? "process pi" : "process");
    munmap(shared, 4096);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    timeouts();
    bitsets();
    requeue();
    priority_inheritance();
    robust(0);
    robust(1);
    printf("futex done\n");
    return 0;
}
