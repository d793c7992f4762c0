// Unusual memory: mremap that grows, shrinks and moves a mapping with its
// contents; msync; MADV_DONTNEED (private anonymous pages read as zero
// again) and MADV_FREE; mprotect of part of a mapping; MAP_FIXED_NOREPLACE
// on a taken range; a MAP_GROWSDOWN mapping; a transparent huge page
// region; a sparse mapping of 64 GiB touched at a few places; memory read
// and written through /proc/self/mem and, between two processes, with
// process_vm_readv/writev; and a checksum of the vDSO's bytes and of its
// symbol names. Prints what it finds; the same on every run of one
// machine.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(int ok, const char *what) {
    if (!ok) {
        perror(what);
        exit(2);
    }
}

static uint32_t crc(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void remaps(void) {
    long pg = sysconf(_SC_PAGESIZE);
    char *a = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(a != MAP_FAILED, "mmap");
    strcpy(a, "first page");
    strcpy(a + pg, "second page");
    char *b = mremap(a, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
    check(b != MAP_FAILED, "mremap grow");
    strcpy(b + 7 * pg, "eighth page");
    char *c = mremap(b, 8 * pg, pg, 0);
    check(c == b, "mremap shrink");
    char *target = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *d = mremap(c, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, target + pg);
    check(d == target + pg, "mremap move");
    printf("mremap: '%s', moved %s\n", d, d == target + pg ? "where asked" : "elsewhere");
    check(msync(d, pg, MS_SYNC) == 0, "msync");

    char *z = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(z, 'q', 2 * pg);
    check(madvise(z, pg, MADV_DONTNEED) == 0, "MADV_DONTNEED");
    printf("madvise: after DONTNEED %d, untouched page %c\n", z[0], z[pg]);
    int r = madvise(z + pg, pg, MADV_FREE);
    printf("madvise: MADV_FREE %s\n", r == 0 ? "ok" : strerror(errno));
    check(mprotect(z + pg, pg, PROT_READ) == 0, "mprotect part");
    printf("mprotect: first page still writable: %c\n", (z[0] = 'w'));

    void *taken = mmap(z, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE on a taken page: %s\n",
           taken == MAP_FAILED ? strerror(errno) : "mapped (wrong)");

    char *g = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    check(g != MAP_FAILED, "MAP_GROWSDOWN");
    g[3 * pg] = 'g';
    printf("growsdown: %c\n", g[3 * pg]);

    size_t huge = 4 << 20;
    char *h = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(h != MAP_FAILED, "mmap huge");
    madvise(h, huge, MADV_HUGEPAGE);
    for (size_t i = 0; i < huge; i += 4096)
        h[i] = (char)(i >> 12);
    printf("huge region: %u\n", crc((unsigned char *)h, huge));

    size_t sparse = (size_t)64 << 30;
    char *s = mmap(NULL, sparse, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    check(s != MAP_FAILED, "mmap sparse");
    s[0] = 'a';
    s[sparse / 2] = 'b';
    s[sparse - 1] = 'c';
    printf("sparse 64 GiB: %c%c%c\n", s[0], s[sparse / 2], s[sparse - 1]);
    munmap(s, sparse);
}

static char secret[64] = "read through /proc/self/mem";

static void proc_mem(void) {
    int fd = open("/proc/self/mem", O_RDWR);
    check(fd >= 0, "open /proc/self/mem");
    char buf[64] = {0};
    check(pread(fd, buf, sizeof secret, (off_t)(uintptr_t)secret) > 0, "pread mem");
    printf("/proc/self/mem: '%s'\n", buf);
    check(pwrite(fd, "WRITTEN", 7, (off_t)(uintptr_t)secret) == 7, "pwrite mem");
    printf("/proc/self/mem after write: '%s'\n", secret);
    close(fd);

    int ready[2], done[2];
    check(pipe(ready) == 0 && pipe(done) == 0, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(secret, "the child's own words");
        check(write(ready[1], "x", 1) == 1, "ready");
        char c;
        check(read(done[0], &c, 1) == 1, "done");
        printf("child: now '%s'\n", secret);
        _exit(0);
    }
    char c;
    check(read(ready[0], &c, 1) == 1, "wait child");
    char got[64] = {0};
    struct iovec local = {got, sizeof got}, remote = {secret, sizeof secret};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    printf("process_vm_readv: %zd '%s'\n", n, got);
    struct iovec out = {"from the parent", 16};
    n = process_vm_writev(pid, &out, 1, &remote, 1, 0);
    printf("process_vm_writev: %zd\n", n);
    check(write(done[1], "x", 1) == 1, "done");
    waitpid(pid, NULL, 0);
}

static void vdso(void) {
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    if (!base) {
        printf("vdso: none\n");
        return;
    }
    Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
    Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
    size_t size = 0;
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD)
            size = ph[i].p_offset + ph[i].p_filesz;
    Elf64_Shdr *sh = (Elf64_Shdr *)(base + eh->e_shoff);
    uint32_t names = 0;
    int symbols = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM)
            continue;
        Elf64_Sym *sym = (Elf64_Sym *)(base + sh[i].sh_offset);
        const char *str = (const char *)(base + sh[sh[i].sh_link].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++) {
            names ^= crc((const unsigned char *)str + sym[k].st_name,
                         strlen(str + sym[k].st_name));
            symbols++;
        }
    }
    printf("vdso: %zu bytes, checksum %08x, %d symbols, names %08x\n", size,
           crc((unsigned char *)base, size), symbols, names);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    remaps();
    proc_mem();
    vdso();
    printf("done\n");
    return 0;
}
