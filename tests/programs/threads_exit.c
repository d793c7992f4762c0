/*
 * threads_exit: the ways a thread can end, and thread-local storage.
 *
 * - "returner" returns 101 from its start routine;
 * - "exiter" calls pthread_exit(202) from a nested function;
 * - "detached" is created detached, finishes on its own and posts a
 *   semaphore, which main waits for (it cannot be joined);
 * - "late" is created while the three above are running (they wait at a
 *   gate until it exists); it creates a "grandchild" thread (returns 505),
 *   joins it, and returns 404.
 * Each thread sets its own copy of `__thread int tls_x` (initially 7) to a
 * different value, waits for the others to be running and to have set
 * theirs, checks its copy is unchanged, and prints it (the threads print
 * in an order that varies by run). The order in which the threads finish
 * is noted under a mutex; it varies too.
 *
 * main prints (after joining everyone):
 *   returner joined: 101
 *   exiter joined: 202
 *   detached posted: 303
 *   late joined: 404 (its child returned 505)
 *   finish order: exiter returner detached late   (varies by run)
 *   main tls_x 7
 *   tls kept: yes
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static __thread int tls_x = 7;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int waiting; /* threads at the gate */
static int gate_open;
static sem_t detached_done;
static long detached_value, grandchild_value;
static int tls_ok = 1;
static const char *finish_order[8];
static int finished;

static void pause_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* Sets this thread's tls_x, waits at the gate, then checks it. */
static void set_tls_and_wait(const char *name, int value)
{
    tls_x = value;
    pthread_mutex_lock(&lock);
    waiting++;
    pthread_cond_broadcast(&cond);
    while (!gate_open)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    pause_us(200);
    int kept = tls_x == value;
    printf("%s: tls_x %d%s\n", name, tls_x, kept ? "" : " (CHANGED)");
    if (!kept) {
        pthread_mutex_lock(&lock);
        tls_ok = 0;
        pthread_mutex_unlock(&lock);
    }
}

static void note_finish(const char *name)
{
    pthread_mutex_lock(&lock);
    finish_order[finished++] = name;
    pthread_mutex_unlock(&lock);
}

static void *returner(void *arg)
{
    (void)arg;
    set_tls_and_wait("returner", 100);
    note_finish("returner");
    return (void *)(intptr_t)101;
}

static void exit_here(void)
{
    note_finish("exiter");
    pthread_exit((void *)(intptr_t)202);
}

static void exit_from_deeper(void)
{
    exit_here();
}

static void *exiter(void *arg)
{
    (void)arg;
    set_tls_and_wait("exiter", 200);
    exit_from_deeper();
    return (void *)(intptr_t)-1; /* not reached */
}

static void *detached(void *arg)
{
    (void)arg;
    set_tls_and_wait("detached", 300);
    detached_value = 303;
    note_finish("detached");
    sem_post(&detached_done);
    return NULL;
}

static void *grandchild(void *arg)
{
    (void)arg;
    tls_x = 500;
    pause_us(100);
    int kept = tls_x == 500;
    printf("grandchild: tls_x %d%s\n", tls_x, kept ? "" : " (CHANGED)");
    if (!kept) {
        pthread_mutex_lock(&lock);
        tls_ok = 0;
        pthread_mutex_unlock(&lock);
    }
    return (void *)(intptr_t)505;
}

static void *late(void *arg)
{
    (void)arg;
    tls_x = 400;
    pthread_t g;
    void *ret = NULL;
    if (pthread_create(&g, NULL, grandchild, NULL) == 0 && pthread_join(g, &ret) == 0)
        grandchild_value = (long)(intptr_t)ret;
    int kept = tls_x == 400;
    printf("late: tls_x %d%s\n", tls_x, kept ? "" : " (CHANGED)");
    if (!kept) {
        pthread_mutex_lock(&lock);
        tls_ok = 0;
        pthread_mutex_unlock(&lock);
    }
    note_finish("late");
    return (void *)(intptr_t)404;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sem_init(&detached_done, 0, 0) != 0) {
        printf("sem_init failed\n");
        return 1;
    }

    pthread_t t_ret, t_exit, t_det, t_late;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t_ret, NULL, returner, NULL) != 0 ||
        pthread_create(&t_exit, NULL, exiter, NULL) != 0 ||
        pthread_create(&t_det, &attr, detached, NULL) != 0) {
        printf("pthread_create failed\n");
        return 1;
    }
    pthread_attr_destroy(&attr);

    /* Wait until the three are running, then start one more. */
    pthread_mutex_lock(&lock);
    while (waiting < 3)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    if (pthread_create(&t_late, NULL, late, NULL) != 0) {
        printf("pthread_create failed\n");
        return 1;
    }
    pthread_mutex_lock(&lock);
    gate_open = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);

    void *v_ret = NULL, *v_exit = NULL, *v_late = NULL;
    pthread_join(t_ret, &v_ret);
    pthread_join(t_exit, &v_exit);
    while (sem_wait(&detached_done) != 0)
        ;
    pthread_join(t_late, &v_late);
    sem_destroy(&detached_done);

    printf("returner joined: %ld\n", (long)(intptr_t)v_ret);
    printf("exiter joined: %ld\n", (long)(intptr_t)v_exit);
    printf("detached posted: %ld\n", detached_value);
    printf("late joined: %ld (its child returned %ld)\n", (long)(intptr_t)v_late,
           grandchild_value);
    printf("finish order:");
    for (int i = 0; i < finished; i++)
        printf(" %s", finish_order[i]);
    printf("\n");
    printf("main tls_x %d\n", tls_x);
    printf("tls kept: %s\n", tls_ok && tls_x == 7 ? "yes" : "no");
    return 0;
}
