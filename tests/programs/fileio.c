/*
 * fileio: file and directory system calls in a directory given as argv[1].
 *
 * Creates a file whose name contains the process id, writes to it, seeks,
 * reads back, stats it (inode numbers and timestamps are nondeterministic),
 * lists the directory with opendir/readdir (getdents64), renames, unlinks,
 * creates and removes a subdirectory. One file, "kept.txt", is left behind
 * so that the test can check that the replay does not write it again.
 *
 * Every result printed comes from a syscall whose outcome replay must
 * reproduce from the trace; replay must not touch the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static void die(const char *what)
{
    printf("FAILED: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void print_stat(const char *label, const struct stat *st)
{
    printf("%s: size=%lld mode=%o nlink=%lu ino=%llu mtime=%lld.%09ld\n", label,
           (long long)st->st_size, (unsigned)(st->st_mode & 07777),
           (unsigned long)st->st_nlink, (unsigned long long)st->st_ino,
           (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

/* Lists the directory in the order getdents64 returned, skipping . and .. */
static void list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        die("opendir");
    struct dirent *e;
    printf("listing of %s:\n", dir);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        printf("  %s type=%d ino=%llu\n", e->d_name, (int)e->d_type,
               (unsigned long long)e->d_ino);
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fileio DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char path[4096], renamed[4096], sub[4096], kept[4096];
    snprintf(path, sizeof path, "%s/data-%ld.txt", dir, (long)getpid());
    snprintf(renamed, sizeof renamed, "%s/renamed-%ld.txt", dir, (long)getpid());
    snprintf(sub, sizeof sub, "%s/subdir", dir);
    snprintf(kept, sizeof kept, "%s/kept.txt", dir);

    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0640);
    if (fd < 0)
        die("open");
    const char text[] = "The quick brown fox jumps over the lazy dog.\n";
    ssize_t n = write(fd, text, sizeof text - 1);
    printf("write returned %zd\n", n);
    n = write(fd, text, sizeof text - 1);
    printf("second write returned %zd\n", n);

    off_t off = lseek(fd, 4, SEEK_SET);
    printf("lseek returned %lld\n", (long long)off);
    char buf[128];
    memset(buf, 0, sizeof buf);
    n = read(fd, buf, 15);
    printf("read returned %zd: \"%s\"\n", n, buf);
    off = lseek(fd, 0, SEEK_END);
    printf("lseek to end returned %lld\n", (long long)off);
    n = pread(fd, buf, 9, 10);
    buf[n > 0 ? n : 0] = '\0';
    printf("pread returned %zd: \"%s\"\n", n, buf);

    struct stat st;
    if (fstat(fd, &st) != 0)
        die("fstat");
    print_stat("fstat", &st);
    close(fd);

    if (stat(path, &st) != 0)
        die("stat");
    print_stat("stat", &st);

    fd = open(kept, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        die("open kept");
    dprintf(fd, "kept by pid %ld\n", (long)getpid());
    close(fd);

    if (mkdir(sub, 0755) != 0)
        die("mkdir");
    printf("mkdir ok\n");
    list_dir(dir);

    if (rename(path, renamed) != 0)
        die("rename");
    printf("rename ok; old name stat: %s\n",
           stat(path, &st) == 0 ? "exists" : strerror(errno));
    if (stat(renamed, &st) != 0)
        die("stat renamed");
    print_stat("renamed", &st);

    if (unlink(renamed) != 0)
        die("unlink");
    printf("unlink ok; stat after unlink: %s\n",
           stat(renamed, &st) == 0 ? "exists" : strerror(errno));
    if (rmdir(sub) != 0)
        die("rmdir");
    printf("rmdir ok; second rmdir: %s\n", rmdir(sub) == 0 ? "ok" : strerror(errno));

    int missing = open("/nonexistent/rewind-test-file", O_RDONLY);
    printf("open of a missing file: %d (%s)\n", missing, strerror(errno));

    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL)
        die("getcwd");
    printf("getcwd length=%zu\n", strlen(cwd));
    list_dir(dir);
    return 0;
}
