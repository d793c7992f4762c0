/*
 * threads_watch_exit: a global written by a thread that runs on after
 * another thread exited.
 *
 * main starts `leaver`, which calls watch_here() (where a debugger sets a
 * watchpoint on `shared`, while leaver is the running thread) and exits;
 * main, waiting to join it, is the thread that runs next, and writes
 * `shared` twice. Then a second thread, `writer`, started after leaver's
 * exit, writes it once more.
 *
 * Prints:
 *   leaver joined
 *   shared 42 then 43
 *   writer joined, shared 44
 */
#include <pthread.h>
#include <stdio.h>

volatile long shared;

void watch_here(void)
{
    __asm__ volatile("" ::: "memory");
}

static void *leaver(void *arg)
{
    (void)arg;
    watch_here();
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    shared = 44; /* LINE: writer-write */
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t;
    if (pthread_create(&t, NULL, leaver, NULL) != 0)
        return 2;
    pthread_join(t, NULL);
    printf("leaver joined\n");
    shared = 42;
    long first = shared;
    shared = 43; /* LINE: main-second */
    printf("shared %ld then %ld\n", first, shared);
    if (pthread_create(&t, NULL, writer, NULL) != 0)
        return 3;
    pthread_join(t, NULL);
    printf("writer joined, shared %ld\n", shared);
    return 0;
}
