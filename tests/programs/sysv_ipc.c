/*
 * sysv_ipc: System V message queues and semaphores between two processes.
 * The child waits on a semaphore the parent raises later (it blocks in
 * semop), then sends messages of several types and sizes (one fills the
 * receiver's buffer exactly) and a last one after a second semaphore wait;
 * the parent receives them by type (blocking for the last one), reads the
 * set with GETALL, GETVAL and IPC_STAT, the queue with IPC_STAT and
 * IPC_INFO, and removes both. Each message carries a value from the
 * realtime clock, so a replay that invented them would be caught.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

struct message {
    long mtype;
    char mtext[64];
};

static void sem_add(int set, int which, int delta)
{
    struct sembuf op = { .sem_num = which, .sem_op = delta, .sem_flg = 0 };
    if (semop(set, &op, 1) != 0) {
        perror("semop");
        exit(1);
    }
}

int main(void)
{
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int set = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    if (q < 0 || set < 0) {
        perror("msgget/semget");
        return 1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long stamp = ts.tv_nsec;

    pid_t child = fork();
    if (child == 0) {
        sem_add(set, 0, -1); /* waits for the parent */
        for (int i = 1; i <= 4; i++) {
            struct message m = { .mtype = i };
            int n = snprintf(m.mtext, sizeof m.mtext, "message %d stamp %ld", i, stamp + i);
            if (i == 4) {
                memset(m.mtext, 'x', 16);
                n = 16; /* exactly the receiver's buffer */
            }
            if (msgsnd(q, &m, n, 0) != 0) {
                perror("msgsnd");
                _exit(1);
            }
        }
        sem_add(set, 1, -1); /* waits again */
        struct message last = { .mtype = 9 };
        int n = snprintf(last.mtext, sizeof last.mtext, "last %ld", stamp * 3);
        msgsnd(q, &last, n, 0);
        _exit(0);
    }
    usleep(20000);
    sem_add(set, 0, 1);
    /* By type: 3 first, then any (1, 2), then the 16-byte one into 16. */
    struct message m;
    int order[] = { 3, 0, 0 };
    for (int k = 0; k < 3; k++) {
        memset(&m, 0, sizeof m);
        ssize_t n = msgrcv(q, &m, sizeof m.mtext, order[k], 0);
        printf("received type %ld, %zd bytes: %.*s\n", m.mtype, n, (int)n, m.mtext);
    }
    struct { long mtype; char mtext[16]; } small;
    ssize_t n = msgrcv(q, &small, sizeof small.mtext, 4, 0);
    printf("received type %ld, %zd bytes: %.*s\n", small.mtype, n, (int)n, small.mtext);

    union semun arg = { .val = 7 };
    semctl(set, 2, SETVAL, arg);
    sem_add(set, 1, 1);
    n = msgrcv(q, &m, sizeof m.mtext, 9, 0); /* blocks until the child sends */
    printf("received type %ld, %zd bytes: %.*s\n", m.mtype, n, (int)n, m.mtext);

    unsigned short vals[3] = { 99, 99, 99 };
    arg.array = vals;
    semctl(set, 0, GETALL, arg);
    printf("semaphores: %u %u %u, GETVAL 2: %d\n", vals[0], vals[1], vals[2],
           semctl(set, 2, GETVAL));
    struct semid_ds sds;
    arg.buf = &sds;
    semctl(set, 0, IPC_STAT, arg);
    printf("set has %lu semaphores\n", (unsigned long)sds.sem_nsems);
    struct msqid_ds qds;
    msgctl(q, IPC_STAT, &qds);
    printf("queue has %lu messages, last sender is the child: %d\n",
           (unsigned long)qds.msg_qnum, qds.msg_lspid == child);
    struct msginfo info;
    int highest = msgctl(0, IPC_INFO, (struct msqid_ds *)&info);
    printf("IPC_INFO: %d, msgmnb %d\n", highest >= 0, info.msgmnb);

    int status;
    waitpid(child, &status, 0);
    msgctl(q, IPC_RMID, NULL);
    semctl(set, 0, IPC_RMID);
    printf("child exited %d\n", WEXITSTATUS(status));
    return 0;
}
