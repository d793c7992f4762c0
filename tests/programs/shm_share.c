// Memory shared between processes, in each way programs share it: an
// anonymous MAP_SHARED mapping inherited over fork, a POSIX shared memory
// object (shm_open: a file under /dev/shm) mapped by the parent and by a
// child on its own, a memfd mapped before fork, a regular file that two
// processes map on their own with MAP_SHARED, and a SysV segment attached
// in both. Each child works in the shared memory (counters, a handshake
// through a process-shared semaphore, a spin on a word the other writes)
// and the parent prints what it finds. The output is the same on every run.
#define _GNU_SOURCE
#include <fcntl.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct area {
    sem_t ready;
    sem_t done;
    volatile int flag;
    long counter;
    char text[64];
};

static void check(int ok, const char *what) {
    if (!ok) {
        perror(what);
        exit(2);
    }
}

static void wait_child(pid_t pid, const char *name) {
    int st;
    check(waitpid(pid, &st, 0) == pid, "waitpid");
    printf("%s: child exited %d\n", name, WEXITSTATUS(st));
}

// The child and the parent take turns through two semaphores, then the
// child spins until the parent raises the flag.
static void exercise(struct area *a, const char *name, int (*child_map)(struct area **)) {
    sem_init(&a->ready, 1, 0);
    sem_init(&a->done, 1, 0);
    a->flag = 0;
    a->counter = 0;
    pid_t pid = fork();
    check(pid >= 0, "fork");
    if (pid == 0) {
        struct area *c = a;
        if (child_map)
            check(child_map(&c) == 0, "child map");
        for (int i = 0; i < 1000; i++)
            c->counter += i;
        snprintf(c->text, sizeof c->text, "written by the child of %s", name);
        sem_post(&c->ready);
        sem_wait(&c->done);
        while (!c->flag)
            ;
        c->counter += 1;
        _exit(7);
    }
    sem_wait(&a->ready);
    printf("%s: counter %ld, text '%s'\n", name, a->counter, a->text);
    sem_post(&a->done);
    a->flag = 1;
    wait_child(pid, name);
    printf("%s: counter after %ld\n", name, a->counter);
}

static char shm_name[64];
static char file_name[64];

// Map `fd` (then closed) shared as the child's area.
static int map_fd(int fd, struct area **out) {
    if (fd < 0)
        return -1;
    void *p = mmap(NULL, sizeof(struct area), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    *out = p;
    return 0;
}

static int map_shm_by_name(struct area **out) {
    return map_fd(shm_open(shm_name, O_RDWR, 0), out);
}

static int map_file_by_name(struct area **out) {
    return map_fd(open(file_name, O_RDWR), out);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);

    // 1. Anonymous shared memory, inherited.
    struct area *anon = mmap(NULL, sizeof *anon, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    check(anon != MAP_FAILED, "mmap anon");
    exercise(anon, "anonymous", NULL);

    // 2. A POSIX shared memory object, mapped again by name in the child.
    snprintf(shm_name, sizeof shm_name, "/rewind-shm-%d", getpid());
    int fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    check(fd >= 0, "shm_open");
    check(ftruncate(fd, sizeof(struct area)) == 0, "ftruncate");
    struct area *posix = mmap(NULL, sizeof *posix, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(posix != MAP_FAILED, "mmap shm");
    close(fd);
    exercise(posix, "shm_open", map_shm_by_name);
    shm_unlink(shm_name);

    // 3. A memfd, mapped before fork.
    fd = memfd_create("rewind-area", 0);
    check(fd >= 0, "memfd_create");
    check(ftruncate(fd, sizeof(struct area)) == 0, "ftruncate memfd");
    struct area *mfd = mmap(NULL, sizeof *mfd, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(mfd != MAP_FAILED, "mmap memfd");
    close(fd);
    exercise(mfd, "memfd", NULL);

    // 4. A regular file that both processes map on their own.
    snprintf(file_name, sizeof file_name, "shared-%d.bin", getpid());
    fd = open(file_name, O_RDWR | O_CREAT | O_TRUNC, 0600);
    check(fd >= 0, "open file");
    check(ftruncate(fd, sizeof(struct area)) == 0, "ftruncate file");
    struct area *file = mmap(NULL, sizeof *file, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(file != MAP_FAILED, "mmap file");
    close(fd);
    exercise(file, "file", map_file_by_name);
    check(msync(file, sizeof *file, MS_SYNC) == 0, "msync");
    unlink(file_name);

    // 5. A SysV segment.
    int id = shmget(IPC_PRIVATE, sizeof(struct area), IPC_CREAT | 0600);
    check(id >= 0, "shmget");
    struct area *sysv = shmat(id, NULL, 0);
    check(sysv != (void *)-1, "shmat");
    exercise(sysv, "sysv", NULL);
    check(shmdt(sysv) == 0, "shmdt");
    check(shmctl(id, IPC_RMID, NULL) == 0, "shmctl");
    printf("done\n");
    return 0;
}
