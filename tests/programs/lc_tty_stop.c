/*
 * lc_tty_stop: SIGTTIN and SIGTTOU stop a background process group.
 *
 * The program makes a pseudo-terminal (posix_openpt) and forks a session
 * leader, which makes the terminal its controlling terminal (setsid,
 * TIOCSCTTY), sets TOSTOP, and forks a child into a background group of
 * its own.
 * - The child reads from the terminal: it is stopped by SIGTTIN. The
 *   leader sees the stop (waitpid WUNTRACED), puts the child's group in
 *   the foreground, types a line into the terminal and sends SIGCONT: the
 *   child's read gets the line.
 * - The leader takes the foreground back; the child writes to the
 *   terminal: with TOSTOP it is stopped by SIGTTOU. The leader sees it,
 *   gives the child the foreground again and continues it: the write goes
 *   through. The first process reads it from the terminal's master side.
 *
 * Prints, always the same:
 *   leader: child stopped by SIGTTIN: yes
 *   child: read "typed line"
 *   leader: child stopped by SIGTTOU: yes
 *   first: the terminal got "written from the background"
 *   leader: child exit 0
 *   first: leader exit 0
 * and exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void fail(const char *what) {
    perror(what);
    _exit(9);
}

static int stopped_by(pid_t pid, int sig) {
    int st = 0;
    if (waitpid(pid, &st, WUNTRACED) != pid)
        fail("waitpid");
    return WIFSTOPPED(st) && WSTOPSIG(st) == sig;
}

static void take_foreground(int tty, pid_t pgrp) {
    // The leader may be in the background when it does this: SIGTTOU is
    // ignored around it.
    signal(SIGTTOU, SIG_IGN);
    if (tcsetpgrp(tty, pgrp) != 0)
        fail("tcsetpgrp");
    signal(SIGTTOU, SIG_DFL);
}

static void leader(const char *name, int master, int go[2], int back[2]) {
    if (setsid() < 0)
        fail("setsid");
    int tty = open(name, O_RDWR);
    if (tty < 0)
        fail("open the terminal");
    if (ioctl(tty, TIOCSCTTY, 0) != 0)
        fail("TIOCSCTTY");
    struct termios t;
    tcgetattr(tty, &t);
    t.c_lflag |= TOSTOP;
    t.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(tty, TCSANOW, &t);
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0);
        char b;
        // Wait until the leader has made our group (it does it too).
        if (read(go[0], &b, 1) != 1)
            _exit(3);
        char line[64] = {0};
        ssize_t n = read(tty, line, sizeof line - 1);
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = 0;
        printf("child: read \"%s\"\n", line);
        fflush(stdout);
        if (write(back[1], "r", 1) != 1)
            _exit(3);
        if (read(go[0], &b, 1) != 1)
            _exit(3);
        const char *msg = "written from the background\n";
        if (write(tty, msg, strlen(msg)) != (ssize_t)strlen(msg))
            _exit(4);
        _exit(0);
    }
    setpgid(child, child);
    if (write(go[1], "g", 1) != 1)
        fail("write");
    printf("leader: child stopped by SIGTTIN: %s\n", stopped_by(child, SIGTTIN) ? "yes" : "no");
    fflush(stdout);
    take_foreground(tty, child);
    if (write(master, "typed line\n", 11) != 11)
        fail("write to the master");
    kill(-child, SIGCONT);
    // The child's read goes through; once it said so, the leader takes the
    // terminal back.
    char b;
    if (read(back[0], &b, 1) != 1)
        fail("read");
    take_foreground(tty, getpgrp());
    if (write(go[1], "g", 1) != 1)
        fail("write");
    printf("leader: child stopped by SIGTTOU: %s\n", stopped_by(child, SIGTTOU) ? "yes" : "no");
    fflush(stdout);
    take_foreground(tty, child);
    kill(-child, SIGCONT);
    // The first process reads what the child wrote, then lets us go on.
    if (read(back[0], &b, 1) != 1)
        fail("read");
    int st = 0;
    if (waitpid(child, &st, 0) != child)
        fail("waitpid");
    printf("leader: child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    fflush(stdout);
    _exit(0);
}

int main(void) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
        fail("posix_openpt");
    char *name = ptsname(master);
    if (!name)
        fail("ptsname");
    int go[2], back[2];
    if (pipe(go) != 0 || pipe(back) != 0)
        fail("pipe");
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t l = fork();
    if (l == 0)
        leader(name, master, go, back);
    const char *want = "written from the background";
    char got[256] = {0};
    size_t have = 0;
    while (!strstr(got, want) && have < sizeof got - 1) {
        ssize_t n = read(master, got + have, sizeof got - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    // The terminal turns "\n" into "\r\n".
    char *cr = strchr(got, '\r');
    if (cr)
        *cr = 0;
    printf("first: the terminal got \"%s\"\n", got);
    if (write(back[1], "d", 1) != 1)
        fail("write");
    int st = 0;
    waitpid(l, &st, 0);
    printf("first: leader exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
