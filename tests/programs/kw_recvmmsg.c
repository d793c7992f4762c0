// What the kernel writes for recvmsg and recvmmsg over a socketpair:
// message headers and their msg_len, the data, and control data
// (SCM_RIGHTS descriptors and SCM_CREDENTIALS), and the remaining timeout
// recvmmsg writes back. Everything received is printed.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void send_one(int fd, const char *text, int pass_fd) {
    struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass_fd >= 0) {
        memset(&u, 0, sizeof u);
        m.msg_control = u.buf;
        m.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    if (sendmsg(fd, &m, 0) < 0) {
        printf("sendmsg: %s\n", strerror(errno));
        exit(1);
    }
}

// Prints one received message and what its control data carried.
static void show(const char *what, struct msghdr *m, unsigned len) {
    printf("%s: len=%u data=\"%.*s\" namelen=%u flags=%#x controllen=%zu\n", what, len, (int)len,
           (char *)m->msg_iov[0].iov_base, (unsigned)m->msg_namelen, m->msg_flags,
           (size_t)m->msg_controllen);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            char buf[64] = {0};
            ssize_t n = read(fd, buf, sizeof buf - 1);
            printf("  SCM_RIGHTS fd=%d read %zd: %s\n", fd, n, buf);
            close(fd);
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof cr);
            printf("  SCM_CREDENTIALS pid_is_me=%d pid=%d uid=%d gid=%d\n", cr.pid == getpid(),
                   (int)cr.pid, (int)cr.uid, (int)cr.gid);
        } else {
            printf("  cmsg level=%d type=%d\n", c->cmsg_level, c->cmsg_type);
        }
    }
}

#define N 4

int main(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) {
        printf("socketpair: %s\n", strerror(errno));
        return 1;
    }
    int on = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    int pipes[2][2];
    for (int i = 0; i < 2; i++) {
        if (pipe(pipes[i]) < 0)
            return 1;
        char text[32];
        int n = snprintf(text, sizeof text, "through pipe %d", i);
        if (write(pipes[i][1], text, n) != n)
            return 1;
        close(pipes[i][1]);
    }

    // recvmsg: one message with a descriptor and credentials.
    send_one(sv[0], "single", pipes[0][0]);
    close(pipes[0][0]);
    char data[64];
    char ctl[256];
    memset(data, '.', sizeof data);
    memset(ctl, 0x5a, sizeof ctl);
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    ssize_t r = recvmsg(sv[1], &m, 0);
    show("recvmsg", &m, r < 0 ? 0 : (unsigned)r);

    // recvmmsg: three messages into four slots, the second with a
    // descriptor; the vector's msg_len fields and each control area.
    send_one(sv[0], "first", -1);
    send_one(sv[0], "second, with a descriptor", pipes[1][0]);
    close(pipes[1][0]);
    send_one(sv[0], "third", -1);
    static char bufs[N][64];
    static char ctls[N][256];
    static struct sockaddr_un names[N];
    struct iovec iovs[N];
    struct mmsghdr mm[N];
    memset(bufs, '.', sizeof bufs);
    memset(ctls, 0x5a, sizeof ctls);
    memset(mm, 0xee, sizeof mm);
    for (int i = 0; i < N; i++) {
        iovs[i].iov_base = bufs[i];
        iovs[i].iov_len = sizeof bufs[i];
        memset(&mm[i].msg_hdr, 0, sizeof mm[i].msg_hdr);
        mm[i].msg_hdr.msg_iov = &iovs[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_control = ctls[i];
        mm[i].msg_hdr.msg_controllen = sizeof ctls[i];
        mm[i].msg_hdr.msg_name = &names[i];
        mm[i].msg_hdr.msg_namelen = sizeof names[i];
    }
    int n = recvmmsg(sv[1], mm, N, MSG_WAITFORONE, NULL);
    printf("recvmmsg returned %d\n", n);
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "message %d", i);
        show(what, &mm[i].msg_hdr, mm[i].msg_len);
    }
    printf("unfilled slot: msg_len=%#x\n", mm[N - 1].msg_len);

    // With a timeout: the kernel writes back what is left of it.
    send_one(sv[0], "timed", -1);
    struct timespec ts = {.tv_sec = 5, .tv_nsec = 0};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < N; i++) {
        mm[i].msg_hdr.msg_iov = &iovs[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    n = recvmmsg(sv[1], mm, 1, 0, &ts);
    printf("timed recvmmsg returned %d: \"%.*s\", timeout left %lld.%09ld\n", n,
           (int)mm[0].msg_len, bufs[0], (long long)ts.tv_sec, ts.tv_nsec);
    return 0;
}
