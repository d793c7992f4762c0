/*
 * stdin_echo: input on stdin.
 *
 * Reads stdin to end of file with read() calls of varying sizes, then prints
 * the number of bytes, the number of read calls, a checksum, and the text
 * itself. The replay gets no input: it must take every read's result and
 * bytes from the trace.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    unsigned calls = 0;
    size_t ask = 7;
    for (;;) {
        if (len + ask > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(0, buf + len, ask);
        calls++;
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        ask = ask * 3 % 4093 + 1; /* vary the request size */
    }
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)buf[i];
        h *= 0x100000001b3ULL;
    }
    printf("read %zu bytes in %u calls, checksum %016llx\n", len, calls,
           (unsigned long long)h);
    printf("--- text ---\n");
    fwrite(buf, 1, len, stdout);
    printf("--- end ---\n");
    free(buf);
    return 0;
}
