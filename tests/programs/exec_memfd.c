// Prints a few lines, then runs a copy of /bin/true held in a memfd
// (execve of /proc/self/fd/N): a program file with no path on disk.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < 5; i++)
        printf("line %d\n", i);
    int src = open("/bin/true", O_RDONLY);
    int mem = memfd_create("prog", 0);
    if (src < 0 || mem < 0) {
        perror("open");
        return 1;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(src, buf, sizeof buf)) > 0)
        if (write(mem, buf, n) != n)
            return 1;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", mem);
    printf("running the memfd copy\n");
    char *argv[] = {"true", NULL};
    char *envp[] = {NULL};
    execve(path, argv, envp);
    perror("execve");
    return 1;
}
