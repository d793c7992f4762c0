/* A program that traces its own children with ptrace, for
 * tests/ptrace_emulation.rs. Each mode forks a child that PTRACE_TRACEMEs
 * and is then driven by the parent; everything the parent sees is
 * printed, so that a replay that saw anything else prints otherwise.
 *
 *   step      the child raises SIGSTOP; the parent reads its registers
 *             (GETREGS, GETREGSET, PEEKUSER, GETFPREGS), its siginfo,
 *             single-steps it 300 times summing the instruction pointers,
 *             PEEKs and POKEs a variable, writes its registers back, and
 *             continues it to its exit.
 *   fault     the child runs ud2; the parent sees SIGILL, moves the
 *             instruction pointer past it (SETREGS) and continues it.
 *   syscalls  the child runs /bin/true by execve; the parent sees the exec
 *             (PTRACE_O_TRACEEXEC, GETEVENTMSG) and then every syscall
 *             entry and exit (PTRACE_SYSCALL, PTRACE_O_TRACESYSGOOD).
 *   kill      the parent kills the stopped child with PTRACE_KILL.
 *   detach    the parent detaches from the stopped child with a signal to
 *             deliver (SIGUSR1, which the child handles).
 *   signal    the child gets SIGUSR1 from its parent; the parent sees the
 *             stop and passes the signal on with PTRACE_CONT.
 *   refused   the parent asks for PTRACE_INTERRUPT and PTRACE_ATTACH,
 *             which rewind does not emulate: each fails.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long secret = 42;
static volatile long counter;
static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig) {
    (void)sig;
    got_usr1 = 1;
}

static long work(int n) {
    long s = 0;
    for (int i = 0; i < n; i++)
        s += i * 3 + (s >> 2);
    return s;
}

static void die(const char *what) {
    printf("parent: %s failed: %s\n", what, strerror(errno));
    exit(1);
}

/* A child that is traced by its parent and stops at once with SIGSTOP. */
static pid_t traced_child(void) {
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        signal(SIGUSR1, on_usr1);
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) {
            printf("child: PTRACE_TRACEME failed: %s\n", strerror(errno));
            _exit(90);
        }
        raise(SIGSTOP);
        counter = work(1000);
        printf("child: secret is %ld, counter %ld, usr1 %d\n", secret, counter, (int)got_usr1);
        fflush(stdout);
        _exit(secret == 4242 ? 7 : 8);
    }
    return child;
}

static int wait_stop(pid_t child, const char *what) {
    int st;
    if (waitpid(child, &st, 0) != child)
        die(what);
    if (!WIFSTOPPED(st)) {
        printf("parent: %s: not a stop: status %#x\n", what, st);
        exit(1);
    }
    return st;
}

static void report_end(pid_t child) {
    int st;
    if (waitpid(child, &st, 0) != child)
        die("waitpid for the end");
    if (WIFEXITED(st))
        printf("parent: child exited with %d\n", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("parent: child killed by signal %d\n", WTERMSIG(st));
    else
        printf("parent: child status %#x\n", st);
}

static void mode_step(void) {
    pid_t child = traced_child();
    int st = wait_stop(child, "waitpid for SIGSTOP");
    printf("parent: child stopped with signal %d\n", WSTOPSIG(st));

    struct user_regs_struct regs, again;
    if (ptrace(PTRACE_GETREGS, child, 0, &regs) != 0)
        die("PTRACE_GETREGS");
    struct iovec iov = {&again, sizeof again};
    if (ptrace(PTRACE_GETREGSET, child, (void *)NT_PRSTATUS, &iov) != 0)
        die("PTRACE_GETREGSET");
    printf("parent: GETREGSET gave %zu bytes, same rip %d, same rsp %d\n", iov.iov_len,
           again.rip == regs.rip, again.rsp == regs.rsp);
    errno = 0;
    long rip = ptrace(PTRACE_PEEKUSER, child, offsetof(struct user, regs.rip), 0);
    printf("parent: PEEKUSER rip same %d (errno %d)\n", (unsigned long long)rip == regs.rip, errno);
    struct user_fpregs_struct fp;
    if (ptrace(PTRACE_GETFPREGS, child, 0, &fp) != 0)
        die("PTRACE_GETFPREGS");
    printf("parent: mxcsr %#x\n", fp.mxcsr);
    siginfo_t si;
    if (ptrace(PTRACE_GETSIGINFO, child, 0, &si) != 0)
        die("PTRACE_GETSIGINFO");
    printf("parent: siginfo signo %d code %d from the child %d\n", si.si_signo, si.si_code,
           si.si_pid == child);

    unsigned long long sum = 0;
    int steps = 0, traps = 0;
    for (int i = 0; i < 300; i++) {
        if (ptrace(PTRACE_SINGLESTEP, child, 0, 0) != 0)
            die("PTRACE_SINGLESTEP");
        st = wait_stop(child, "waitpid after a step");
        if (WSTOPSIG(st) == SIGTRAP)
            traps++;
        if (ptrace(PTRACE_GETREGS, child, 0, &regs) != 0)
            die("PTRACE_GETREGS after a step");
        sum = sum * 31 + regs.rip;
        steps++;
    }
    printf("parent: %d steps, %d traps, checksum %llx\n", steps, traps, sum);

    errno = 0;
    long v = ptrace(PTRACE_PEEKDATA, child, (void *)&secret, 0);
    printf("parent: PEEKDATA secret = %ld (errno %d)\n", v, errno);
    if (ptrace(PTRACE_POKEDATA, child, (void *)&secret, (void *)4242L) != 0)
        die("PTRACE_POKEDATA");
    v = ptrace(PTRACE_PEEKDATA, child, (void *)&secret, 0);
    printf("parent: after POKEDATA secret = %ld\n", v);
    if (ptrace(PTRACE_SETREGS, child, 0, &regs) != 0)
        die("PTRACE_SETREGS");
    if (ptrace(PTRACE_CONT, child, 0, 0) != 0)
        die("PTRACE_CONT");
    report_end(child);
}

static void mode_fault(void) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        __asm__ volatile("ud2");
        printf("child: survived ud2\n");
        fflush(stdout);
        _exit(5);
    }
    int st = wait_stop(child, "waitpid for the fault");
    printf("parent: child stopped with signal %d\n", WSTOPSIG(st));
    siginfo_t si;
    if (ptrace(PTRACE_GETSIGINFO, child, 0, &si) != 0)
        die("PTRACE_GETSIGINFO");
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, child, 0, &regs) != 0)
        die("PTRACE_GETREGS");
    printf("parent: fault at the instruction pointer %d, code %d\n",
           (unsigned long long)si.si_addr == regs.rip, si.si_code);
    regs.rip += 2;
    if (ptrace(PTRACE_SETREGS, child, 0, &regs) != 0)
        die("PTRACE_SETREGS");
    if (ptrace(PTRACE_CONT, child, 0, 0) != 0)
        die("PTRACE_CONT");
    report_end(child);
}

static void mode_syscalls(void) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        execl("/bin/true", "true", (char *)NULL);
        _exit(91);
    }
    wait_stop(child, "waitpid for SIGSTOP");
    if (ptrace(PTRACE_SETOPTIONS, child, 0,
               (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) != 0)
        die("PTRACE_SETOPTIONS");
    int entries = 0, exits = 0, in_call = 0, execs = 0, others = 0;
    long first[6] = {0};
    int nfirst = 0;
    if (ptrace(PTRACE_SYSCALL, child, 0, 0) != 0)
        die("PTRACE_SYSCALL");
    for (;;) {
        int st;
        if (waitpid(child, &st, 0) != child)
            die("waitpid in the loop");
        if (WIFEXITED(st)) {
            printf("parent: child exited with %d\n", WEXITSTATUS(st));
            break;
        }
        if (WIFSIGNALED(st)) {
            printf("parent: child killed by %d\n", WTERMSIG(st));
            break;
        }
        int sig = WSTOPSIG(st);
        if (sig == (SIGTRAP | 0x80)) {
            struct user_regs_struct regs;
            if (ptrace(PTRACE_GETREGS, child, 0, &regs) != 0)
                die("PTRACE_GETREGS");
            if (!in_call) {
                entries++;
                if (nfirst < 6)
                    first[nfirst++] = (long)regs.orig_rax;
            } else {
                exits++;
            }
            in_call = !in_call;
        } else if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
            unsigned long msg = 0;
            if (ptrace(PTRACE_GETEVENTMSG, child, 0, &msg) != 0)
                die("PTRACE_GETEVENTMSG");
            printf("parent: exec event, former id is the child %d\n", (pid_t)msg == child);
            execs++;
        } else {
            others++;
        }
        if (ptrace(PTRACE_SYSCALL, child, 0, 0) != 0)
            die("PTRACE_SYSCALL");
    }
    printf("parent: %d entries, %d exits, %d exec events, %d other stops\n", entries, exits,
           execs, others);
    printf("parent: first syscalls %ld %ld %ld %ld %ld %ld\n", first[0], first[1], first[2],
           first[3], first[4], first[5]);
}

static void mode_kill(void) {
    pid_t child = traced_child();
    wait_stop(child, "waitpid for SIGSTOP");
    if (ptrace(PTRACE_KILL, child, 0, 0) != 0)
        die("PTRACE_KILL");
    report_end(child);
}

static void mode_detach(void) {
    pid_t child = traced_child();
    wait_stop(child, "waitpid for SIGSTOP");
    if (ptrace(PTRACE_DETACH, child, 0, (void *)(long)SIGUSR1) != 0)
        die("PTRACE_DETACH");
    report_end(child);
}

static void mode_signal(void) {
    pid_t child = traced_child();
    wait_stop(child, "waitpid for SIGSTOP");
    if (ptrace(PTRACE_CONT, child, 0, 0) != 0)
        die("PTRACE_CONT");
    /* The child runs on; it may stop for SIGUSR1 before or after it
     * finishes its work, but the signal is reported to us either way. */
    kill(child, SIGUSR1);
    int st = wait_stop(child, "waitpid for SIGUSR1");
    printf("parent: child stopped with signal %d\n", WSTOPSIG(st));
    if (ptrace(PTRACE_POKEDATA, child, (void *)&secret, (void *)4242L) != 0)
        die("PTRACE_POKEDATA");
    if (ptrace(PTRACE_CONT, child, 0, (void *)(long)WSTOPSIG(st)) != 0)
        die("PTRACE_CONT with the signal");
    report_end(child);
}

static void mode_refused(void) {
    pid_t child = traced_child();
    wait_stop(child, "waitpid for SIGSTOP");
    long r = ptrace(PTRACE_INTERRUPT, child, 0, 0);
    printf("parent: PTRACE_INTERRUPT = %ld (%s)\n", r, r ? strerror(errno) : "ok");
    r = ptrace(PTRACE_ATTACH, child, 0, 0);
    printf("parent: PTRACE_ATTACH = %ld (%s)\n", r, r ? strerror(errno) : "ok");
    r = ptrace(PTRACE_CONT, 999999, 0, 0);
    printf("parent: PTRACE_CONT of no such process = %ld (%s)\n", r, r ? strerror(errno) : "ok");
    if (ptrace(PTRACE_POKEDATA, child, (void *)&secret, (void *)4242L) != 0)
        die("PTRACE_POKEDATA");
    if (ptrace(PTRACE_CONT, child, 0, 0) != 0)
        die("PTRACE_CONT");
    report_end(child);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "step";
    if (!strcmp(mode, "step"))
        mode_step();
    else if (!strcmp(mode, "fault"))
        mode_fault();
    else if (!strcmp(mode, "syscalls"))
        mode_syscalls();
    else if (!strcmp(mode, "kill"))
        mode_kill();
    else if (!strcmp(mode, "detach"))
        mode_detach();
    else if (!strcmp(mode, "signal"))
        mode_signal();
    else if (!strcmp(mode, "refused"))
        mode_refused();
    else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("parent: done\n");
    return 0;
}
