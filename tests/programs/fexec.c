/*
 * fexec: runs programs through execveat in three ways, each stage passing
 * on a value from the realtime clock of the first:
 *   stage 1: fexecve of its own executable (the C library uses
 *            execveat(fd, "", ..., AT_EMPTY_PATH));
 *   stage 2: copies itself into a memfd and runs that (a program with no
 *            file name: /proc/self/exe reads "/memfd:... (deleted)");
 *   stage 3: execveat of "echo" relative to a descriptor of /bin.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc == 1) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        char stamp[32];
        snprintf(stamp, sizeof stamp, "%ld", ts.tv_nsec);
        printf("stage 1: stamp %s\n", stamp);
        fflush(stdout);
        int fd = open("/proc/self/exe", O_RDONLY);
        char *args[] = { argv[0], "stage2", stamp, NULL };
        fexecve(fd, args, environ);
        perror("fexecve");
        return 1;
    }
    if (strcmp(argv[1], "stage2") == 0) {
        printf("stage 2: stamp %s\n", argv[2]);
        fflush(stdout);
        int src = open("/proc/self/exe", O_RDONLY);
        struct stat st;
        fstat(src, &st);
        int mem = memfd_create("inmem", 0);
        off_t off = 0;
        while (off < st.st_size) {
            if (sendfile(mem, src, &off, st.st_size - off) <= 0) {
                perror("sendfile");
                return 1;
            }
        }
        char *args[] = { argv[0], "stage3", argv[2], NULL };
        syscall(SYS_execveat, mem, "", args, environ, AT_EMPTY_PATH);
        perror("execveat memfd");
        return 1;
    }
    if (strcmp(argv[1], "stage3") == 0) {
        char exe[256] = "";
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        printf("stage 3: stamp %s, running from %s\n", argv[2],
               strncmp(exe, "/memfd:inmem", 12) == 0 ? "a memfd" : exe);
        fflush(stdout);
        int bin = open("/bin", O_PATH | O_DIRECTORY);
        char *args[] = { "echo", "stage 4: echo says", argv[2], NULL };
        syscall(SYS_execveat, bin, "echo", args, environ, 0);
        perror("execveat echo");
        return 1;
    }
    return 2;
}
