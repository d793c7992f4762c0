/*
 * lc_flock: flock that blocks.
 *
 * A child takes an exclusive flock on a file and tells the parent through
 * a pipe; the parent's non-blocking attempt fails with EWOULDBLOCK; the
 * parent then blocks in flock(LOCK_EX) while the child, after a pause,
 * appends a line to the file and releases the lock. The parent, holding
 * the lock now, reads the file.
 *
 * Prints, always the same:
 *   child: locked
 *   parent: LOCK_NB while the child holds it: EWOULDBLOCK: yes
 *   child: wrote and unlocked
 *   parent: got the lock, file says: written by the child under the lock
 *   parent: child exit 0
 * and exits 0. argv[1] is the file to use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror("open");
        return 2;
    }
    int p[2];
    if (pipe(p) != 0)
        return 2;
    pid_t c = fork();
    if (c == 0) {
        // A descriptor of its own: flock locks belong to open files.
        int mine = open(argv[1], O_RDWR);
        if (flock(mine, LOCK_EX) != 0)
            _exit(3);
        printf("child: locked\n");
        if (write(p[1], "L", 1) != 1)
            _exit(3);
        struct timespec t = {0, 100 * 1000 * 1000};
        nanosleep(&t, NULL);
        const char *line = "written by the child under the lock";
        if (write(mine, line, strlen(line)) != (ssize_t)strlen(line))
            _exit(3);
        printf("child: wrote and unlocked\n");
        flock(mine, LOCK_UN);
        _exit(0);
    }
    char b;
    if (read(p[0], &b, 1) != 1)
        return 2;
    int r = flock(fd, LOCK_EX | LOCK_NB);
    printf("parent: LOCK_NB while the child holds it: EWOULDBLOCK: %s\n",
           r == -1 && errno == EWOULDBLOCK ? "yes" : "no");
    if (flock(fd, LOCK_EX) != 0) {
        perror("flock");
        return 2;
    }
    char buf[128] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    printf("parent: got the lock, file says: %s\n", n > 0 ? buf : "(nothing)");
    int st = 0;
    waitpid(c, &st, 0);
    printf("parent: child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
