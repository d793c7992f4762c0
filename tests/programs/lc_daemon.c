/*
 * lc_daemon: a process that daemonizes the classic way.
 *
 * The parent forks; the child calls setsid() and forks again; the child
 * exits and the parent, having reaped it, exits too (first). The
 * grandchild waits until the parent is gone (end of file on a pipe whose
 * only write end the parent held), then writes its findings to a file
 * (argv[1]) and to stdout.
 *
 * Prints, always the same:
 *   parent: middle child exit 0, exiting
 *   daemon: parent gone: yes, own session: yes, in the session's group: yes, session leader: no, reparented: yes
 * and the parent exits 0. The file holds the daemon's line too.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    int gone[2];
    if (pipe(gone) != 0)
        return 2;
    pid_t parent = getpid();
    pid_t parent_sid = getsid(0);
    pid_t middle = fork();
    if (middle == 0) {
        if (setsid() < 0)
            _exit(3);
        pid_t grandchild = fork();
        if (grandchild != 0)
            _exit(grandchild < 0 ? 4 : 0);
        // The daemon.
        close(gone[1]);
        char b;
        ssize_t n = read(gone[0], &b, 1);
        pid_t me = getpid();
        char line[256];
        snprintf(line, sizeof line,
                 "daemon: parent gone: %s, own session: %s, in the session's group: %s, session leader: %s, reparented: %s\n",
                 n == 0 ? "yes" : "no", getsid(0) != parent_sid ? "yes" : "no",
                 getpgid(0) == getsid(0) ? "yes" : "no", getsid(0) == me ? "yes" : "no",
                 // The middle child led the session, and is gone too.
                 getppid() != parent && getppid() != getsid(0) ? "yes" : "no");
        int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            ssize_t w = write(fd, line, strlen(line));
            (void)w;
            close(fd);
        }
        ssize_t w = write(1, line, strlen(line));
        (void)w;
        _exit(0);
    }
    close(gone[0]);
    int st = 0;
    waitpid(middle, &st, 0);
    printf("parent: middle child exit %d, exiting\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
