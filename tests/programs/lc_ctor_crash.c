/*
 * lc_ctor_crash: a fatal signal before main, in a constructor.
 *
 * With "segv", the constructor writes a line and then stores through a
 * null pointer: the process dies of SIGSEGV (status 139 in a shell).
 * With "abort", it writes a line and calls abort(): SIGABRT (134).
 * With "ok", main runs and prints "main ran" (exit 0).
 *
 * Prints "constructor: about to segv|abort|return" first.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *mode = "ok";

static void say(const char *s) {
    ssize_t n = write(1, s, strlen(s));
    (void)n;
}

__attribute__((constructor)) static void early(int argc, char **argv) {
    if (argc > 1)
        mode = argv[1];
    if (strcmp(mode, "segv") == 0) {
        say("constructor: about to segv\n");
        *(volatile int *)0 = 1;
    } else if (strcmp(mode, "abort") == 0) {
        say("constructor: about to abort\n");
        abort();
    }
    say("constructor: about to return\n");
}

int main(void) {
    say("main ran\n");
    return 0;
}
