/*
 * ioctls: ioctl requests rewind may not know.
 *
 * - 0xc0086202 (DMA_BUF_IOCTL_EXPORT_SYNC_FILE, read/write, 8 bytes), which
 *   Go runtimes issue, on a regular file and on a pipe: both reject it.
 * - A made-up read-direction request, _IOR('z', 7, a 24-byte struct), whose
 *   argument buffer is filled with a pattern first.
 * - Terminal requests (TCGETS, TIOCGWINSZ) on stdout, which is not a
 *   terminal in the tests, and on a fresh pseudo-terminal, where they succeed
 *   and the kernel writes the structures.
 * - FIONREAD on a pipe holding data.
 * The recorder must neither abort nor lose what the kernel wrote; the replay
 * prints the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

struct made_up {
    unsigned long long a, b, c; /* 24 bytes */
};

#define MADE_UP_IOCTL _IOR('z', 7, struct made_up)

static void report(const char *what, int r, int err)
{
    printf("%-40s r=%d errno=%d (%s)\n", what, r, r < 0 ? err : 0,
           r < 0 ? strerror(err) : "ok");
}

int main(void)
{
    printf("MADE_UP_IOCTL = %#lx\n", (unsigned long)MADE_UP_IOCTL);

    char path[] = "/tmp/rewind-ioctls-XXXXXX";
    int file = mkstemp(path);
    if (file < 0) {
        perror("mkstemp");
        return 1;
    }
    unlink(path);
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        perror("pipe");
        return 1;
    }

    unsigned long long arg = 0x1122334455667788ULL;
    int r = ioctl(file, 0xc0086202, &arg);
    report("DMA_BUF_IOCTL_EXPORT_SYNC_FILE on a file", r, errno);
    printf("argument afterwards: %#llx\n", arg);
    r = ioctl(pipefd[0], 0xc0086202, &arg);
    report("DMA_BUF_IOCTL_EXPORT_SYNC_FILE on a pipe", r, errno);

    struct made_up m = {0xaaaaaaaaaaaaaaaaULL, 0xbbbbbbbbbbbbbbbbULL, 0xccccccccccccccccULL};
    r = ioctl(file, MADE_UP_IOCTL, &m);
    report("made-up _IOR('z', 7, 24 bytes)", r, errno);
    printf("argument afterwards: %llx %llx %llx\n", m.a, m.b, m.c);

    struct termios t;
    r = ioctl(1, TCGETS, &t);
    report("TCGETS on stdout", r, errno);
    struct winsize ws;
    r = ioctl(1, TIOCGWINSZ, &ws);
    report("TIOCGWINSZ on stdout", r, errno);

    /* A pseudo-terminal: here the terminal requests succeed. */
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0) {
        const char *name = ptsname(master);
        int slave = name ? open(name, O_RDWR | O_NOCTTY) : -1;
        if (slave >= 0) {
            memset(&t, 0, sizeof t);
            r = ioctl(slave, TCGETS, &t);
            report("TCGETS on a pty", r, errno);
            printf("termios: iflag=%#x oflag=%#x cflag=%#x lflag=%#x\n", t.c_iflag,
                   t.c_oflag, t.c_cflag, t.c_lflag);
            struct winsize set = {.ws_row = 33, .ws_col = 101};
            r = ioctl(master, TIOCSWINSZ, &set);
            report("TIOCSWINSZ on the pty master", r, errno);
            memset(&ws, 0, sizeof ws);
            r = ioctl(slave, TIOCGWINSZ, &ws);
            report("TIOCGWINSZ on the pty", r, errno);
            printf("winsize: rows=%d cols=%d\n", ws.ws_row, ws.ws_col);
            r = ioctl(slave, MADE_UP_IOCTL, &m);
            report("made-up ioctl on the pty", r, errno);
            close(slave);
        } else {
            printf("could not open the pty slave: %s\n", strerror(errno));
        }
        close(master);
    } else {
        printf("no pseudo-terminal available: %s\n", strerror(errno));
    }

    r = (int)write(pipefd[1], "twelve bytes", 12);
    int avail = -1;
    int f = ioctl(pipefd[0], FIONREAD, &avail);
    report("FIONREAD on a pipe", f, errno);
    printf("bytes available: %d\n", avail);
    return 0;
}
