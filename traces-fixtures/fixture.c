/*
 * The program recorded in traces-fixtures/tiny: a static program without
 * the C library that makes a few nondeterministic syscalls and prints what
 * they returned. Its committed trace pins the trace format: a change that
 * breaks reading it must bump the format version (and convert or refuse
 * old traces clearly).
 *
 * Build: gcc -static -nostdlib -O1 -fno-stack-protector -o tiny fixture.c
 */
typedef unsigned long u64;

static long sys(long nr, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

static void put(const char *s, long n) { sys(1, 1, (long)s, n); }

static void hex(const char *label, long llen, u64 v) {
    char buf[32];
    put(label, llen);
    for (int i = 0; i < 16; i++)
        buf[i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    buf[16] = '\n';
    put(buf, 17);
}

void _start(void) {
    u64 ts[2], rnd = 0;
    sys(228, 0, (long)ts, 0);          /* clock_gettime(CLOCK_REALTIME) */
    sys(318, (long)&rnd, sizeof rnd, 0); /* getrandom */
    hex("time ", 5, ts[0]);
    hex("random ", 7, rnd);
    hex("pid ", 4, (u64)sys(39, 0, 0, 0));
    sys(231, 0, 0, 0);                 /* exit_group(0) */
    for (;;) {
    }
}
