// Process groups and waitid: a child leads a group of its own, a
// grandchild joins it, the parent signals the whole group with kill(-pgid)
// and collects each end with waitid, siginfo fields and all.
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int ready[2];
    if (pipe(ready) != 0)
        return 1;
    pid_t leader = fork();
    if (leader == 0) {
        setpgid(0, 0);
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, getppid());
            write(ready[1], "g", 1);
            pause();
            _exit(0);
        }
        write(ready[1], "l", 1);
        siginfo_t si;
        waitid(P_PID, g, &si, WEXITED);
        pause();
        _exit(0);
    }
    char c[2];
    read(ready[0], &c[0], 1);
    read(ready[0], &c[1], 1);
    printf("group of the child: own %d, parent's differs %d\n", getpgid(leader) == leader,
           getpgid(leader) != getpgid(0));
    kill(-leader, SIGTERM);
    siginfo_t si = {0};
    int r = waitid(P_PID, leader, &si, WEXITED);
    printf("waitid %d: pid matches %d, code %d (killed %d), status %d\n", r, si.si_pid == leader,
           si.si_code, si.si_code == CLD_KILLED, si.si_status);
    return 0;
}
