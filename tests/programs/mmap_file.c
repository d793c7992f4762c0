/*
 * mmap_file: memory mappings.
 *
 * Maps the file named by argv[1] read-only and privately-writable, prints a
 * checksum of its contents (the test changes the file after recording: the
 * replay must map the copy saved in the trace), then exercises anonymous
 * mappings, mprotect, mremap (grow and move) and munmap. The addresses the
 * kernel chose are printed too; the replay must place mappings at the
 * recorded addresses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* 64-bit FNV-1a. */
static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mmap_file FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        printf("open failed: %s\n", strerror(errno));
        return 1;
    }
    struct stat st;
    fstat(fd, &st);
    size_t size = (size_t)st.st_size;
    printf("file size %zu\n", size);

    unsigned char *ro = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (ro == MAP_FAILED) {
        printf("mmap failed: %s\n", strerror(errno));
        return 1;
    }
    printf("read-only mapping at %p, checksum %016llx\n", (void *)ro,
           (unsigned long long)fnv1a(ro, size));
    printf("first bytes: %02x %02x %02x %02x\n", ro[0], ro[1], ro[2], ro[3]);

    /* A private writable mapping of the same file at an offset of one page. */
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *priv = mmap(NULL, size - page, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE, fd, page);
    if (priv == MAP_FAILED) {
        printf("private mmap failed: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    priv[0] ^= 0xff;
    printf("private mapping at %p, checksum after a write %016llx\n", (void *)priv,
           (unsigned long long)fnv1a(priv, size - page));
    printf("shared mapping unchanged: %s\n", ro[page] == (priv[0] ^ 0xff) ? "yes" : "no");

    /* Anonymous memory, filled from the file's checksum. */
    size_t anon_len = 4 * (size_t)page;
    unsigned char *anon = mmap(NULL, anon_len, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED) {
        printf("anonymous mmap failed: %s\n", strerror(errno));
        return 1;
    }
    uint64_t seed = fnv1a(ro, size);
    for (size_t i = 0; i < anon_len; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        anon[i] = (unsigned char)(seed >> 56);
    }
    printf("anonymous mapping at %p, checksum %016llx\n", (void *)anon,
           (unsigned long long)fnv1a(anon, anon_len));

    /* Make the last page read-only and back (mremap needs one mapping with
     * uniform protection), then grow the mapping with mremap. */
    int r = mprotect(anon + 3 * page, page, PROT_READ);
    printf("mprotect(PROT_READ) returned %d, byte there %02x\n", r, anon[3 * page]);
    r = mprotect(anon + 3 * page, page, PROT_READ | PROT_WRITE);
    printf("mprotect(PROT_READ|PROT_WRITE) returned %d\n", r);
    unsigned char *grown = mremap(anon, anon_len, 64 * (size_t)page, MREMAP_MAYMOVE);
    if (grown == MAP_FAILED) {
        printf("mremap failed: %s\n", strerror(errno));
        return 1;
    }
    printf("mremap %s, checksum of the old part %016llx\n",
           grown == anon ? "kept the address" : "moved the mapping",
           (unsigned long long)fnv1a(grown, anon_len));
    printf("grown mapping at %p, new part is zero: %s\n", (void *)grown,
           grown[63 * page] == 0 ? "yes" : "no");

    /* mremap that must move: a fixed new address taken from a fresh mapping. */
    unsigned char *target = mmap(NULL, 64 * (size_t)page, PROT_NONE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *moved = mremap(grown, 64 * (size_t)page, 64 * (size_t)page,
                                  MREMAP_MAYMOVE | MREMAP_FIXED, target);
    if (moved == MAP_FAILED) {
        printf("fixed mremap failed: %s\n", strerror(errno));
        return 1;
    }
    printf("fixed mremap to %p: %s, checksum %016llx\n", (void *)target,
           moved == target ? "ok" : "wrong address",
           (unsigned long long)fnv1a(moved, anon_len));

    printf("munmap returned %d %d %d\n", munmap(moved, 64 * (size_t)page),
           munmap(priv, size - page), munmap(ro, size));
    return 0;
}
