/*
 * procself: the program's own /proc files.
 *
 * Prints /proc/self/maps, /proc/self/stat and /proc/self/status. These hold
 * the process id, addresses, memory sizes and times, all different between
 * runs; the replay must print what the recording read, even though the
 * replayed process has another pid.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void dump(const char *path)
{
    printf("=== %s ===\n", path);
    fflush(stdout);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return;
    }
    char buf[1000];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
    printf("=== end of %s ===\n", path);
}

int main(void)
{
    dump("/proc/self/maps");
    dump("/proc/self/stat");
    dump("/proc/self/status");
    char link[4096];
    ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
    printf("readlink(/proc/self/exe) returned %zd\n", n);
    return 0;
}
