// Writes to its stdout and stderr through every path a program may take:
// the descriptors themselves, a dup, /dev/stdout and /dev/stderr reopened,
// /proc/self/fd/N, writev, pwrite, sendfile (with and without an offset),
// splice, copy_file_range, a stdio FILE opened on /dev/stdout, a thread
// and a child process. A child whose stdout was pointed into a pipe writes
// into it, and only what the parent forwards reaches stdout. Each line
// names the path it took, so a replay that loses one shows which.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void put(int fd, const char *s) {
    size_t n = strlen(s);
    if (write(fd, s, n) != (ssize_t)n)
        _exit(10);
}

static void *thread_main(void *arg) {
    (void)arg;
    int fd = open("/dev/stdout", O_WRONLY);
    put(fd, "from a thread, through /dev/stdout\n");
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    const char *scratch = argc > 1 ? argv[1] : "/tmp";
    char tmp[4096];
    char line[256];

    put(1, "fd 1 itself\n");
    put(2, "fd 2 itself\n");

    int d = dup(1);
    put(d, "a dup of fd 1\n");
    close(d);
    d = fcntl(2, F_DUPFD_CLOEXEC, 10);
    put(d, "an F_DUPFD copy of fd 2\n");
    close(d);

    int so = open("/dev/stdout", O_WRONLY);
    put(so, "/dev/stdout reopened\n");
    int se = open("/dev/stderr", O_WRONLY);
    put(se, "/dev/stderr reopened\n");
    close(se);
    int pf = open("/proc/self/fd/1", O_WRONLY);
    put(pf, "/proc/self/fd/1 reopened\n");
    close(pf);

    // A descriptor number that stdout once had, now a file: not output.
    snprintf(tmp, sizeof tmp, "%s/output-paths-file", scratch);
    int f = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
    put(f, "sendfile from a file without an offset\n"
           "sendfile from a file at an offset\n"
           "splice from a file\n"
           "copy_file_range from a file\n");

    struct iovec iov[3] = {
        {"writev ", 7}, {"of three ", 9}, {"pieces to /dev/stdout\n", 22}};
    if (writev(so, iov, 3) != 38)
        return 11;
    close(so);

    ssize_t pw = pwrite(1, "pwrite to fd 1\n", 15, 0);
    snprintf(line, sizeof line, "pwrite returned %s\n", pw == 15 ? "15" : "an error");
    put(1, line);

    // sendfile: the first line with the file's own position, the second
    // through an offset pointer.
    lseek(f, 0, SEEK_SET);
    ssize_t n1 = sendfile(1, f, NULL, 39);
    off_t off = 39;
    ssize_t n2 = sendfile(1, f, &off, 34);
    loff_t in_off = 73;
    ssize_t n3 = splice(f, &in_off, 1, NULL, 19, 0);
    if (n3 < 0) // fd 1 is no pipe: splice needs one end to be a pipe
        put(1, "splice from a file\n");
    lseek(f, 92, SEEK_SET);
    ssize_t n4 = copy_file_range(f, NULL, 1, NULL, 28, 0);
    if (n4 < 0) // not a regular file: copy_file_range refuses
        put(1, "copy_file_range from a file\n");
    snprintf(line, sizeof line, "sendfile %zd %zd, offset now %ld\n", n1, n2, (long)off);
    put(1, line);

    FILE *fp = fopen("/dev/stdout", "w");
    fprintf(fp, "a stdio FILE on /dev/stdout, number %d\n", 42);
    fclose(fp);

    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);

    pid_t c = fork();
    if (c == 0) {
        int e = open("/proc/self/fd/2", O_WRONLY);
        put(e, "from a child process, through /proc/self/fd/2\n");
        _exit(0);
    }
    waitpid(c, NULL, 0);

    // A child whose stdout is a pipe, as a shell pipeline makes it: its
    // writes reach the parent, not rewind's output; the parent forwards
    // them once.
    int p[2];
    if (pipe(p) != 0)
        return 12;
    c = fork();
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        int o = open("/dev/stdout", O_WRONLY); // the pipe, reopened
        put(o, "piped child line\n");
        _exit(0);
    }
    close(p[1]);
    ssize_t got = read(p[0], tmp, sizeof tmp - 1);
    waitpid(c, NULL, 0);
    tmp[got > 0 ? got : 0] = 0;
    snprintf(line, sizeof line, "the parent got from its child: %s", tmp);
    put(1, line);

    // From a pipe: splice takes the bytes, tee copies them.
    int q[2];
    if (pipe(q) != 0)
        return 13;
    put(q[1], "spliced from a pipe\n");
    if (splice(q[0], NULL, 1, NULL, 20, 0) < 0) // fd 1 is no pipe
        put(1, "spliced from a pipe\n");
    put(q[1], "teed from a pipe\n");
    if (tee(q[0], 1, 17, 0) < 0)
        put(1, "teed from a pipe\n");
    got = read(q[0], tmp, sizeof tmp - 1);
    tmp[got > 0 ? got : 0] = 0;
    snprintf(line, sizeof line, "still in the pipe after tee: %s", tmp);
    put(1, line);

    close(f);
    put(1, "done\n");
    return 0;
}
