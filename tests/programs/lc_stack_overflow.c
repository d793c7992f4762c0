/*
 * lc_stack_overflow: a stack overflow caught on an alternate signal stack.
 *
 * 1. Unbounded recursion overflows the stack; the SIGSEGV handler runs on
 *    the alternate stack (sigaltstack, SA_ONSTACK), checks that it does,
 *    and siglongjmps back to main.
 * 2. The same again, but this time the handler writes a line with write()
 *    and ends the process with _exit(7).
 *
 * Prints, always the same:
 *   1. overflow caught: SIGSEGV on the alternate stack: yes, fault near the stack: yes
 *   1. back in main after siglongjmp
 *   2. handler: SIGSEGV on the alternate stack: yes
 * and exits 7.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char altstack[64 * 1024];
static sigjmp_buf back;
static volatile int round_no;
static volatile int on_alt;
static volatile int near_stack;
static volatile uintptr_t stack_top;

static int on_alternate(void *p) {
    uintptr_t a = (uintptr_t)p;
    return a >= (uintptr_t)altstack && a < (uintptr_t)altstack + sizeof altstack;
}

static void on_segv(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    int local = 0;
    on_alt = sig == SIGSEGV && on_alternate(&local);
    uintptr_t fault = (uintptr_t)si->si_addr;
    // The fault is below the stack's start, within what the stack can grow.
    near_stack = fault < stack_top && stack_top - fault < 1024ull * 1024 * 1024;
    if (round_no == 1)
        siglongjmp(back, 1);
    const char *msg = on_alt ? "2. handler: SIGSEGV on the alternate stack: yes\n"
                             : "2. handler: SIGSEGV on the alternate stack: no\n";
    ssize_t n = write(1, msg, strlen(msg));
    (void)n;
    _exit(7);
}

static volatile int never;

static long recurse(long n) {
    volatile char pad[256];
    pad[0] = (char)n;
    if (never)
        return 0;
    return recurse(n + 1) + pad[0];
}

int main(void) {
    int top = 0;
    stack_top = (uintptr_t)&top;
    setvbuf(stdout, NULL, _IONBF, 0);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        perror("sigaltstack");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    round_no = 1;
    if (sigsetjmp(back, 1) == 0) {
        recurse(0);
        printf("1. the recursion returned?\n");
        return 2;
    }
    printf("1. overflow caught: SIGSEGV on the alternate stack: %s, fault near the stack: %s\n",
           on_alt ? "yes" : "no", near_stack ? "yes" : "no");
    printf("1. back in main after siglongjmp\n");
    round_no = 2;
    recurse(0);
    printf("2. the recursion returned?\n");
    return 2;
}
