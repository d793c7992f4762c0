/* The two seccomp requests a recording refuses: strict mode, and a filter
 * with a user-notification listener. Under a recorder each fails with
 * EINVAL, and the program goes on and says so; natively the first succeeds
 * (strict mode: the program writes one line and leaves with _exit). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    errno = 0;
    long r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
    if (r == 0) {
        write(1, "strict: entered\n", 16);
        syscall(SYS_exit, 0);
    }
    printf("strict: %s\n", strerror(errno));

    struct sock_filter filter[] = {
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = 1, .filter = filter};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    errno = 0;
    r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    printf("listener: %s\n", r >= 0 ? "installed" : strerror(errno));
    return 0;
}
