/*
 * lc_redzone: data kept in the red zone below the stack pointer survives
 * signal delivery.
 *
 * The x86_64 ABI lets a leaf function keep up to 128 bytes below its stack
 * pointer; the kernel builds a signal frame below that zone. A leaf loop
 * written in assembly stores its counter at -8, -64 and -128 from the stack
 * pointer, computes a little (no inner loop: each point of the loop is
 * told apart by the counter), and checks the three words are still there,
 * counting mismatches; there is no syscall in the loop. A 2 ms interval
 * timer interrupts it: the SIGALRM handler fills 2 KiB of its own stack
 * (which must land below the red zone) and counts its runs.
 *
 * Prints "red zone: 0 mismatches in N iterations" (always the same), then
 * how many timer signals landed in the loop (that varies from run to run,
 * and the replay must reproduce it), then "done". Exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define ITERATIONS 20000000L

long redzone_loop(long n);

#if defined(__x86_64__)
__asm__(".text\n"
        ".globl redzone_loop\n"
        ".type redzone_loop, @function\n"
        "redzone_loop:\n"
        "    xor %eax, %eax\n"
        "    xor %ecx, %ecx\n"
        "1:  mov %rcx, -8(%rsp)\n"
        "    mov %rcx, -64(%rsp)\n"
        "    mov %rcx, -128(%rsp)\n"
        "    mov %rcx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    imul %rdx, %rdx\n"
        "    cmp %rcx, -8(%rsp)\n"
        "    jne 3f\n"
        "    cmp %rcx, -64(%rsp)\n"
        "    jne 3f\n"
        "    cmp %rcx, -128(%rsp)\n"
        "    je 4f\n"
        "3:  inc %rax\n"
        "4:  inc %rcx\n"
        "    cmp %rdi, %rcx\n"
        "    jl 1b\n"
        "    ret\n"
        ".size redzone_loop, .-redzone_loop\n");
#else
// Other architectures have no red zone: the same loop in C.
long redzone_loop(long n) {
    volatile long slot[3];
    long bad = 0;
    for (long i = 0; i < n; i++) {
        slot[0] = slot[1] = slot[2] = i;
        volatile long x = i;
        for (int k = 0; k < 8; k++)
            x = x * x;
        bad += slot[0] != i || slot[1] != i || slot[2] != i;
    }
    return bad;
}
#endif

static volatile long ticks;

static void on_alarm(int sig) {
    (void)sig;
    volatile char fill[2048];
    memset((char *)fill, 0x5a, sizeof fill);
    ticks++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &it, NULL);
    long bad = redzone_loop(ITERATIONS);
    long during = ticks;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("red zone: %ld mismatches in %ld iterations\n", bad, ITERATIONS);
    printf("timer signals during the loop: %ld (some: %s)\n", during, during > 0 ? "yes" : "no");
    printf("done\n");
    return 0;
}
