/*
 * threads_socket: threads blocked in accept, recvmsg, nanosleep and
 * epoll_wait while other threads run and make the calls that wake them.
 *
 * - a server thread blocks in accept4 on a TCP socket on 127.0.0.1 (port
 *   chosen by the kernel) and gets the client's address; it then reads a
 *   request with recvmsg into two buffers and answers with sendmsg;
 * - two client threads connect, one after sleeping, one at once: which is
 *   accepted first depends on the interleaving;
 * - a sleeper thread in nanosleep and a watcher in epoll_wait on an
 *   eventfd run alongside; main wakes the watcher by writing the eventfd.
 *
 * Lines starting "order" depend on the interleaving; the rest are what a
 * correct program always prints.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 2
static int listener;
static struct sockaddr_in server_addr;
static atomic_int order;

static void ms_sleep(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *server(void *arg) {
    (void)arg;
    for (int i = 0; i < CLIENTS; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int c = accept4(listener, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
        if (c < 0) {
            printf("accept failed: %s\n", strerror(errno));
            return NULL;
        }
        char head[6] = {0}, body[32] = {0};
        struct iovec iov[2] = {{head, 5}, {body, sizeof body - 1}};
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
        ssize_t n = recvmsg(c, &msg, MSG_WAITALL);
        printf("accepted from 127.0.0.1: %s, len %u\n",
               peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) ? "yes" : "no", (unsigned)len);
        printf("order request %d: head \"%s\" body \"%.*s\" (%zd bytes)\n", i, head,
               (int)(n > 5 ? n - 5 : 0), body, n);
        char reply[64];
        int m = snprintf(reply, sizeof reply, "reply to %s", body);
        struct iovec out = {reply, (size_t)m};
        struct msghdr om = {.msg_iov = &out, .msg_iovlen = 1};
        sendmsg(c, &om, 0);
        close(c);
    }
    return NULL;
}

static void *client(void *arg) {
    long id = (long)arg;
    if (id == 1)
        ms_sleep(10);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(s, (struct sockaddr *)&server_addr, sizeof server_addr) < 0) {
        printf("connect failed: %s\n", strerror(errno));
        return NULL;
    }
    char req[32];
    int m = snprintf(req, sizeof req, "HELLOclient-%ld", id);
    /* Two writes: the server's recvmsg waits for both (MSG_WAITALL). */
    write(s, req, 5);
    ms_sleep(2);
    write(s, req + 5, (size_t)(m - 5));
    shutdown(s, SHUT_WR);
    char reply[64] = {0};
    ssize_t n, got = 0;
    while ((n = read(s, reply + got, sizeof reply - 1 - (size_t)got)) > 0)
        got += n;
    printf("client %ld got \"%s\"\n", id, reply);
    printf("order client %ld finished %d\n", id, atomic_fetch_add(&order, 1));
    close(s);
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    struct timespec t = {0, 30 * 1000000L}, left = {0, 0};
    int r = nanosleep(&t, &left);
    printf("sleeper slept: %d\n", r);
    printf("order sleeper finished %d\n", atomic_fetch_add(&order, 1));
    return NULL;
}

static int efd;
static void *watcher(void *arg) {
    int ep = *(int *)arg;
    struct epoll_event ev;
    int n = epoll_wait(ep, &ev, 1, 5000);
    uint64_t v = 0;
    read(efd, &v, sizeof v);
    printf("watcher: %d event(s), data %d, value %llu\n", n, ev.data.fd == efd,
           (unsigned long long)v);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&server_addr, 0, sizeof server_addr);
    server_addr.sin_family = AF_INET;
    server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server_addr.sin_port = 0;
    if (bind(listener, (struct sockaddr *)&server_addr, sizeof server_addr) < 0 ||
        listen(listener, 4) < 0) {
        printf("cannot listen: %s\n", strerror(errno));
        return 1;
    }
    socklen_t len = sizeof server_addr;
    getsockname(listener, (struct sockaddr *)&server_addr, &len);

    efd = eventfd(0, EFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = efd};
    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);

    pthread_t srv, cl[CLIENTS], sl, wa;
    pthread_create(&srv, NULL, server, NULL);
    pthread_create(&wa, NULL, watcher, &ep);
    pthread_create(&sl, NULL, sleeper, NULL);
    for (long i = 0; i < CLIENTS; i++)
        pthread_create(&cl[i], NULL, client, (void *)i);
    ms_sleep(5);
    uint64_t one = 42;
    write(efd, &one, sizeof one);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(cl[i], NULL);
    pthread_join(srv, NULL);
    pthread_join(sl, NULL);
    pthread_join(wa, NULL);
    printf("sockets done\n");
    return 0;
}
