/*
 * sig_sync: synchronous signals, raised by the program's own instructions,
 * caught by SA_SIGINFO handlers that siglongjmp back to main.
 *
 * - SIGSEGV: a store through a null pointer (si_code SEGV_MAPERR, si_addr 0);
 * - SIGFPE: an integer division by zero (si_code FPE_INTDIV);
 * - SIGILL: __builtin_trap(), a ud2 instruction on x86_64 (ILL_ILLOPN);
 * - SIGTRAP: an int3 instruction (si_code SI_KERNEL);
 * - SIGBUS: a store to a mapped page of a file truncated to 0 bytes
 *   (si_code BUS_ADRERR, si_addr the page);
 * - SIGABRT: abort(), caught once (si_code SI_TKILL, si_pid ourselves).
 *
 * Arguments choose some of them (segv fpe ill trap bus abrt, in any order;
 * they run in the order above); with none, all six run.
 *
 * The handler only records what it saw and jumps back; main prints one line
 * per signal, always the same:
 *   SIGSEGV caught: si_code 1, si_addr is 0: yes
 *   SIGFPE caught: si_code 1 (FPE_INTDIV: yes)
 *   SIGILL caught: si_code 2 (ILL_ILLOPN: yes)
 *   SIGTRAP caught: si_code 128 (SI_KERNEL: yes)
 *   SIGBUS caught: si_code 2 (BUS_ADRERR: yes), si_addr is the page: yes
 *   SIGABRT caught: si_code -6 (SI_TKILL: yes), si_pid is ours: yes
 *   caught 6 of 6 signals
 * and exits 0 (1 if a chosen signal did not come as expected).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile sig_atomic_t got_signo;
static volatile int got_code;
static void *volatile got_addr;
static volatile pid_t got_pid;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_signo = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    got_pid = si->si_pid;
    siglongjmp(back, 1);
}

static void catch_signal(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("sigaction");
        exit(2);
    }
}

/* Runs fn; returns 1 if it raised `sig` (the handler jumped back). */
static int expect_signal(int sig, void (*fn)(void))
{
    got_signo = 0;
    got_code = 0;
    got_addr = (void *)1;
    got_pid = 0;
    if (sigsetjmp(back, 1) == 0) {
        fn();
        printf("%s: no signal\n", strsignal(sig));
        return 0;
    }
    if (got_signo != sig) {
        printf("expected signal %d, got %d\n", sig, (int)got_signo);
        return 0;
    }
    return 1;
}

static void null_store(void)
{
    volatile int *volatile p = NULL;
    *p = 42;
}

static volatile int dividend = 7, divisor = 0, quotient;

static void divide_by_zero(void) { quotient = dividend / divisor; }

static void trap(void) { __builtin_trap(); }

#if defined(__aarch64__)
static void breakpoint(void) { __asm__ volatile("brk #0"); }
#else
static void breakpoint(void) { __asm__ volatile("int3"); }
#endif

static volatile char *bus_page;

static void store_beyond_eof(void) { bus_page[0] = 'x'; }

static void call_abort(void) { abort(); }

/* Whether the command line selects `name` (no arguments: everything). */
static int wanted(int argc, char **argv, const char *name)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int tried = 0, caught = 0;
    catch_signal(SIGSEGV);
    catch_signal(SIGFPE);
    catch_signal(SIGILL);
    catch_signal(SIGTRAP);
    catch_signal(SIGBUS);
    catch_signal(SIGABRT);

    if (wanted(argc, argv, "segv") && ++tried && expect_signal(SIGSEGV, null_store)) {
        printf("SIGSEGV caught: si_code %d, si_addr is 0: %s\n", got_code,
               got_addr == NULL ? "yes" : "no");
        caught++;
    }
    if (wanted(argc, argv, "fpe") && ++tried && expect_signal(SIGFPE, divide_by_zero)) {
        printf("SIGFPE caught: si_code %d (FPE_INTDIV: %s)\n", got_code,
               got_code == FPE_INTDIV ? "yes" : "no");
        caught++;
    }
    if (wanted(argc, argv, "ill") && ++tried && expect_signal(SIGILL, trap)) {
        printf("SIGILL caught: si_code %d (ILL_ILLOPN: %s)\n", got_code,
               got_code == ILL_ILLOPN ? "yes" : "no");
        caught++;
    }
    if (wanted(argc, argv, "trap") && ++tried && expect_signal(SIGTRAP, breakpoint)) {
        printf("SIGTRAP caught: si_code %d (SI_KERNEL: %s)\n", got_code,
               got_code == SI_KERNEL ? "yes" : "no");
        caught++;
    }

    if (wanted(argc, argv, "bus")) {
        /* A one-page file, mapped, then truncated to nothing: the page is
         * still mapped but has no file behind it any more. */
        tried++;
        const char *tmp = getenv("TMPDIR");
        char path[4096];
        snprintf(path, sizeof path, "%s/sig_sync_XXXXXX", tmp && *tmp ? tmp : "/tmp");
        int fd = mkstemp(path);
        long page = sysconf(_SC_PAGESIZE);
        if (fd < 0 || unlink(path) != 0 || ftruncate(fd, page) != 0) {
            perror("temporary file");
            return 2;
        }
        void *map = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED || ftruncate(fd, 0) != 0) {
            perror("mmap or ftruncate");
            return 2;
        }
        bus_page = map;
        if (expect_signal(SIGBUS, store_beyond_eof)) {
            printf("SIGBUS caught: si_code %d (BUS_ADRERR: %s), si_addr is the page: %s\n",
                   got_code, got_code == BUS_ADRERR ? "yes" : "no",
                   got_addr == map ? "yes" : "no");
            caught++;
        }
        munmap(map, (size_t)page);
        close(fd);
    }

    if (wanted(argc, argv, "abrt") && ++tried && expect_signal(SIGABRT, call_abort)) {
        printf("SIGABRT caught: si_code %d (SI_TKILL: %s), si_pid is ours: %s\n",
               got_code, got_code == SI_TKILL ? "yes" : "no",
               got_pid == getpid() ? "yes" : "no");
        caught++;
    }

    printf("caught %d of %d signals\n", caught, tried);
    return caught == tried ? 0 : 1;
}
