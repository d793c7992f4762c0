/*
 * getrandom: random bytes from every source a program commonly uses.
 *
 * Prints 32 bytes from the getrandom syscall, 32 bytes read from
 * /dev/urandom, and the 16 bytes the kernel placed in the auxiliary vector
 * (AT_RANDOM, which glibc uses for the stack protector canary). Each run
 * prints different bytes; the replay must print the recorded ones.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <unistd.h>

static void hex(const char *label, const unsigned char *p, size_t n)
{
    printf("%s:", label);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

int main(void)
{
    unsigned char buf[32];

    ssize_t n = getrandom(buf, sizeof buf, 0);
    printf("getrandom returned %zd\n", n);
    hex("getrandom", buf, sizeof buf);

    n = getrandom(buf, 16, GRND_NONBLOCK);
    printf("getrandom(GRND_NONBLOCK) returned %zd\n", n);
    hex("getrandom-nonblock", buf, 16);

    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0) {
        perror("open /dev/urandom");
        return 1;
    }
    n = read(fd, buf, sizeof buf);
    close(fd);
    printf("read of /dev/urandom returned %zd\n", n);
    hex("urandom", buf, sizeof buf);

    const unsigned char *at_random = (const unsigned char *)getauxval(AT_RANDOM);
    if (at_random)
        hex("AT_RANDOM", at_random, 16);
    else
        printf("AT_RANDOM: missing\n");
    return 0;
}
