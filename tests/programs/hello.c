/*
 * hello: the smallest recorded program.
 *
 * Prints a greeting on stdout and on stderr. The stdout line also carries the
 * process id and the parent's id, which differ between the recording and the
 * replay: the replay must print the recorded values, not its own.
 */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    printf("hello, world\n");
    printf("argc=%d argv[1]=%s\n", argc, argc > 1 ? argv[1] : "(none)");
    printf("pid=%ld ppid=%ld\n", (long)getpid(), (long)getppid());
    fflush(stdout);
    fprintf(stderr, "hello on stderr\n");
    return 0;
}
