// Going back over writes into shared memory: a counter in an anonymous
// MAP_SHARED mapping (as a process-shared lock or a ring buffer would be)
// is written once per round, with a syscall in each round so that the
// rounds are events apart. A checkpoint taken in round 4 must show round
// 4's value when returned to, not the last one written.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

struct area {
    long counter;
    long rounds;
};

struct area *shared;

__attribute__((noinline)) void tick(int i) {
    shared->rounds += 1; /* LINE: tick */
    (void)getppid();
}

int main(void) {
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 2;
    for (int i = 1; i <= 10; i++) {
        shared->counter = (long)i * i; /* LINE: write */
        tick(i);
    }
    printf("final %ld after %ld rounds\n", shared->counter, shared->rounds); /* LINE: end */
    return 0;
}
