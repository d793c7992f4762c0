/*
 * sig_async: asynchronous signals from an interval timer, landing in the
 * middle of the program's computation.
 *
 * setitimer(ITIMER_REAL) fires every 2 ms; the SIGALRM handler counts ticks
 * and notes how far the computation had got at the first few of them.
 * Phase 1 computes (a few hundred ms of arithmetic) WITHOUT any syscall, so
 * every tick interrupts user code; phase 2 calls getppid() in a loop, so the
 * ticks land around syscalls. Then the timer is stopped.
 *
 * Prints (tick counts and positions vary from run to run; the replay must
 * print the recorded ones):
 *   phase 1: N ticks
 *   phase 1: tick K at step S          (up to 4 lines)
 *   phase 2: N ticks
 *   phase 2: tick K at call C          (up to 4 lines)
 *   checksum 0x....                    (always the same)
 *   getppid calls agreed: yes
 *   total ticks N
 * and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define STEPS 90000000UL
#define CALLS 30000UL
#define NOTED 4

static volatile sig_atomic_t ticks;
static volatile unsigned long progress; /* step (phase 1) or call (phase 2) */
static volatile unsigned long noted_at[NOTED];
static volatile int noted;

static void on_alarm(int sig)
{
    (void)sig;
    if (noted < NOTED)
        noted_at[noted++] = progress;
    ticks++;
}

/* Phase 1: arithmetic only, no syscall. A function of its own, so that
 * its loop counter sits near the stack pointer (main's frame is large). */
static unsigned long compute(void)
{
    unsigned long x = 0x12345678UL, sum = 0;
    for (unsigned long i = 0; i < STEPS; i++) {
        progress = i;
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        sum += x >> 33;
    }
    return sum ^ x;
}

/* Phase 2: a syscall each time round; how many calls agreed. */
static unsigned long call_getppid(void)
{
    pid_t first = getppid();
    unsigned long agreed = 0;
    for (unsigned long i = 0; i < CALLS; i++) {
        progress = i;
        agreed += getppid() == first;
    }
    return agreed;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);

    struct itimerval every_2ms = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &every_2ms, NULL);

    unsigned long checksum = compute();

    /* The first phase's numbers, taken with the timer's signal blocked. */
    sigset_t alrm, old;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, &old);
    int ticks1 = ticks;
    int noted1 = noted;
    unsigned long at1[NOTED];
    for (int i = 0; i < noted1; i++)
        at1[i] = noted_at[i];
    noted = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);

    unsigned long agreed = call_getppid();

    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    int ticks2 = ticks - ticks1;

    printf("phase 1: %d ticks\n", ticks1);
    for (int i = 0; i < noted1; i++)
        printf("phase 1: tick %d at step %lu\n", i, at1[i]);
    printf("phase 2: %d ticks\n", ticks2);
    for (int i = 0; i < noted; i++)
        printf("phase 2: tick %d at call %lu\n", i, noted_at[i]);
    printf("checksum 0x%016lx\n", checksum);
    printf("getppid calls agreed: %s\n", agreed == CALLS ? "yes" : "no");
    printf("total ticks %d\n", (int)ticks);
    return 0;
}
