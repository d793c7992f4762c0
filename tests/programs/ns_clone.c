// A child in new pid, UTS and mount namespaces (clone with
// CLONE_NEWPID|CLONE_NEWUTS|CLONE_NEWNS): it sees itself as pid 1, sets
// and reads its host name, mounts a tmpfs, writes and reads a file there,
// forks a grandchild (pid 2 inside, waited for by its in-namespace id),
// then runs a copy of /bin/echo placed in the tmpfs (a program file that
// cannot be reached from outside the child's mount namespace). The parent
// joins the child's UTS namespace with setns and reads the child's host
// name, then joins its pid namespace and forks a task there.
// With the argument "pivot" the child first makes the tmpfs its root
// with pivot_root (with /usr bind-mounted into it) and runs /echo there.
// Needs root (or a user namespace with the rights).
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static int pivot;
static int to_parent[2], to_child[2];

static int copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (in < 0 || out < 0)
        return -1;
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, n) != n)
            return -1;
    close(in);
    close(out);
    return 0;
}

static int child(void *arg) {
    (void)arg;
    printf("child: getpid %d, getppid %d\n", (int)getpid(), (int)getppid());
    const char *name = "rewind-ns-child";
    if (sethostname(name, strlen(name)) != 0) {
        perror("sethostname");
        return 10;
    }
    struct utsname u;
    uname(&u);
    printf("child: hostname %s\n", u.nodename);
    // Nothing of ours may reach the parent's mount namespace.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        perror("mount private");
        return 11;
    }
    if (mount("tmpfs", dir, "tmpfs", 0, "size=16m") != 0) {
        perror("mount tmpfs");
        return 12;
    }
    char file[128];
    snprintf(file, sizeof file, "%s/note", dir);
    FILE *f = fopen(file, "w");
    if (!f) {
        perror("fopen");
        return 13;
    }
    fprintf(f, "written in the tmpfs\n");
    fclose(f);
    char line[64] = "";
    f = fopen(file, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        perror("read back");
        return 14;
    }
    fclose(f);
    printf("child: read back: %s", line);
    pid_t g = fork();
    if (g == 0) {
        printf("grandchild: getpid %d, getppid %d\n", (int)getpid(), (int)getppid());
        _exit(5);
    }
    int st;
    pid_t w = waitpid(g, &st, 0);
    printf("child: fork gave %d, waitpid gave %d, status %d\n", (int)g, (int)w,
           WEXITSTATUS(st));
    fflush(stdout);
    // The parent may look now; it says when we go on.
    char c = 'x';
    if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
        return 15;
    char prog[128];
    snprintf(prog, sizeof prog, "%s/echo", dir);
    if (pivot) {
        char usr[128], old[128];
        snprintf(usr, sizeof usr, "%s/usr", dir);
        snprintf(old, sizeof old, "%s/old", dir);
        if (mkdir(usr, 0755) != 0 || mkdir(old, 0755) != 0 ||
            mount("/usr", usr, NULL, MS_BIND | MS_REC, NULL) != 0 || chdir(dir) != 0 ||
            symlink("usr/bin", "bin") != 0 || symlink("usr/lib", "lib") != 0 ||
            symlink("usr/lib64", "lib64") != 0) {
            perror("new root");
            return 18;
        }
        if (syscall(SYS_pivot_root, ".", "old") != 0) {
            perror("pivot_root");
            return 19;
        }
        if (chdir("/") != 0 || umount2("/old", MNT_DETACH) != 0) {
            perror("umount old root");
            return 20;
        }
        struct stat sb;
        printf("child: after pivot_root, /old/tmp %s\n",
               stat("/old/tmp", &sb) == 0 ? "is still there" : "is gone");
        strcpy(prog, "/echo");
    }
    if (copy_file("/bin/echo", prog) != 0) {
        perror("copy echo");
        return 16;
    }
    execl(prog, "echo", "child: echo run from the tmpfs", (char *)NULL);
    perror("execl");
    return 17;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pivot = argc > 1 && strcmp(argv[1], "pivot") == 0;
    strcpy(dir, "/tmp/rewind-ns-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    if (pipe(to_parent) != 0 || pipe(to_child) != 0) {
        perror("pipe");
        return 1;
    }
    size_t size = 1 << 20;
    char *stack = malloc(size);
    pid_t pid = clone(child, stack + size, CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS | SIGCHLD,
                      NULL);
    if (pid < 0) {
        perror("clone");
        rmdir(dir);
        return 2;
    }
    char c;
    if (read(to_parent[0], &c, 1) != 1) {
        printf("parent: the child ended early\n");
    } else {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/uts", (int)pid);
        int uts = open(path, O_RDONLY);
        if (uts < 0 || setns(uts, CLONE_NEWUTS) != 0) {
            perror("setns uts");
            return 3;
        }
        char host[64] = "";
        gethostname(host, sizeof host);
        printf("parent: after setns, hostname %s\n", host);
        snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid);
        int pidns = open(path, O_RDONLY);
        if (pidns < 0 || setns(pidns, CLONE_NEWPID) != 0) {
            perror("setns pid");
            return 4;
        }
        pid_t g = fork();
        if (g == 0) {
            printf("joined: getpid %d, getppid %d\n", (int)getpid(), (int)getppid());
            _exit(6);
        }
        int st;
        pid_t w = waitpid(g, &st, 0);
        printf("parent: fork into the namespace gave the same id to waitpid: %s, status %d\n",
               g == w ? "yes" : "no", WEXITSTATUS(st));
        if (write(to_child[1], &c, 1) != 1)
            return 5;
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        perror("waitpid");
        return 6;
    }
    rmdir(dir);
    printf("parent: child exited with %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
