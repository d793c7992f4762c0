// Waits between processes that the recorder must leave in the kernel
// while the other process runs: a named FIFO opened by reader and writer
// (each open waits for the other end) and read through; a blocking POSIX
// record lock (F_SETLKW) and an open file description lock (F_OFD_SETLKW)
// that the child holds while the parent asks; flock; and a pidfd on the
// child (pidfd_open), polled until the child ends, used to send it a
// signal and read by waitid(P_PIDFD). The output is the same on every run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) {
        perror(what);
        exit(2);
    }
}

static void fifo(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/fifo", dir);
    unlink(path);
    check(mkfifo(path, 0600) == 0, "mkfifo");
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_WRONLY);
        check(fd >= 0, "open fifo for writing");
        for (int i = 0; i < 5; i++) {
            char line[32];
            int n = snprintf(line, sizeof line, "line %d\n", i);
            check(write(fd, line, n) == n, "write fifo");
            usleep(1000);
        }
        _exit(0);
    }
    int fd = open(path, O_RDONLY);
    check(fd >= 0, "open fifo for reading");
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    buf[got] = 0;
    printf("fifo: read %zu bytes: %s", got, buf);
    waitpid(pid, NULL, 0);
    unlink(path);
}

static void locks(const char *dir, int ofd) {
    char path[512];
    snprintf(path, sizeof path, "%s/lockfile", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    check(fd >= 0, "open lockfile");
    int ready[2];
    check(pipe(ready) == 0, "pipe");
    int cmd_set = ofd ? F_OFD_SETLK : F_SETLK;
    int cmd_wait = ofd ? F_OFD_SETLKW : F_SETLKW;
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
        check(fcntl(cfd, cmd_set, &fl) == 0, "child lock");
        check(write(ready[1], "x", 1) == 1, "ready");
        usleep(20000);
        check(write(cfd, "child", 5) == 5, "child write");
        fl.l_type = F_UNLCK;
        check(fcntl(cfd, cmd_set, &fl) == 0, "child unlock");
        _exit(0);
    }
    char c;
    check(read(ready[0], &c, 1) == 1, "wait ready");
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    struct flock probe = fl;
    check(fcntl(fd, ofd ? F_OFD_GETLK : F_GETLK, &probe) == 0, "getlk");
    printf("%s: held by another: %s\n", ofd ? "ofd lock" : "posix lock",
           probe.l_type == F_WRLCK ? "yes" : "no");
    errno = 0;
    int r = fcntl(fd, cmd_set, &fl);
    printf("%s: try while held: %d (%s)\n", ofd ? "ofd lock" : "posix lock", r,
           r ? strerror(errno) : "ok");
    check(fcntl(fd, cmd_wait, &fl) == 0, "lock wait");
    char buf[8] = {0};
    check(pread(fd, buf, 5, 0) == 5, "pread");
    printf("%s: got the lock after the child wrote '%s'\n", ofd ? "ofd lock" : "posix lock", buf);
    waitpid(pid, NULL, 0);
    close(fd);
    unlink(path);
}

static void flocks(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/flockfile", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int ready[2];
    check(pipe(ready) == 0, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        check(flock(cfd, LOCK_EX) == 0, "child flock");
        check(write(ready[1], "x", 1) == 1, "ready");
        usleep(20000);
        check(write(cfd, "flock", 5) == 5, "child write");
        _exit(0); // the lock goes with the last descriptor
    }
    char c;
    check(read(ready[0], &c, 1) == 1, "wait ready");
    printf("flock: try while held: %s\n", flock(fd, LOCK_EX | LOCK_NB) ? strerror(errno) : "ok");
    check(flock(fd, LOCK_EX) == 0, "flock wait");
    char buf[8] = {0};
    check(pread(fd, buf, 5, 0) == 5, "pread");
    printf("flock: got the lock after the child wrote '%s'\n", buf);
    waitpid(pid, NULL, 0);
    unlink(path);
}

static void pidfds(void) {
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(3);
    }
    int pfd = syscall(SYS_pidfd_open, pid, 0);
    check(pfd >= 0, "pidfd_open");
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    printf("pidfd: ready before the signal: %d\n", poll(&p, 1, 0));
    check(syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) == 0, "pidfd_send_signal");
    int r = poll(&p, 1, 5000);
    printf("pidfd: ready after the signal: %d (revents %#x)\n", r, p.revents);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    check(waitid(P_PIDFD, pfd, &si, WEXITED) == 0, "waitid");
    printf("pidfd: child %s, code %d, status %d\n", si.si_pid == pid ? "matches" : "differs",
           si.si_code, si.si_status);
    close(pfd);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *dir = argc > 1 ? argv[1] : ".";
    fifo(dir);
    locks(dir, 0);
    locks(dir, 1);
    flocks(dir);
    pidfds();
    printf("done\n");
    return 0;
}
