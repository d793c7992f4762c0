/*
 * lc_code_fault: faults at code addresses.
 *
 * 1. A call into a PROT_NONE page: SIGSEGV, si_code SEGV_ACCERR, si_addr
 *    the page's address, and the handler's saved instruction pointer is it
 *    too.
 * 2. A call into a readable, writable, non-executable page holding a
 *    `ret`: the same.
 * 3. A call to address 0x10 (nothing mapped): SEGV_MAPERR at 0x10.
 * Each handler siglongjmps back.
 *
 * Prints, always the same:
 *   1. PROT_NONE page: SIGSEGV, SEGV_ACCERR: yes, si_addr is the page: yes, pc is the page: yes
 *   2. non-executable page: SIGSEGV, SEGV_ACCERR: yes, si_addr is the page: yes, pc is the page: yes
 *   3. unmapped address: SIGSEGV, SEGV_MAPERR: yes, si_addr is it: yes, pc is it: yes
 *   done
 * and exits 0.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr, got_pc;

static void on_segv(int sig, siginfo_t *si, void *ctx) {
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
#if defined(__x86_64__)
    got_pc = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    got_pc = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.pc;
#endif
    siglongjmp(back, 1);
}

static void try_call(const char *what, uintptr_t target, int code, const char *code_name) {
    got_sig = 0;
    if (sigsetjmp(back, 1) == 0) {
        void (*f)(void) = (void (*)(void))target;
        f();
        printf("%s: returned?\n", what);
        return;
    }
    printf("%s: %s, %s: %s, si_addr is %s: %s, pc is %s: %s\n", what,
           got_sig == SIGSEGV ? "SIGSEGV" : "another signal", code_name,
           got_code == code ? "yes" : "no", code == SEGV_MAPERR ? "it" : "the page",
           got_addr == target ? "yes" : "no", code == SEGV_MAPERR ? "it" : "the page",
           got_pc == target ? "yes" : "no");
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    long page = sysconf(_SC_PAGESIZE);
    void *none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *data = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (none == MAP_FAILED || data == MAP_FAILED)
        return 2;
    memset(data, 0xc3, page); // ret
    try_call("1. PROT_NONE page", (uintptr_t)none, SEGV_ACCERR, "SEGV_ACCERR");
    try_call("2. non-executable page", (uintptr_t)data, SEGV_ACCERR, "SEGV_ACCERR");
    try_call("3. unmapped address", 0x10, SEGV_MAPERR, "SEGV_MAPERR");
    printf("done\n");
    return 0;
}
