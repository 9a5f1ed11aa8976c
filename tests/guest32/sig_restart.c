/* A 32-bit guest's blocking read interrupted by SIGALRM: with SA_RESTART the read starts again
 * (the SVC is re-executed, 4 bytes back in A32 and 2 in Thumb) and returns the byte the second
 * alarm's handler writes; without it the read fails with EINTR after the first alarm. The read
 * is the program's own SVC (glibc's wrappers are Thumb code whatever the program is built as),
 * so the A32 build restarts an A32 SVC. Prints deterministic lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static int fds[2];

static void on_alarm(int sig) {
    (void)sig;
    if (++hits == 2)
        write(fds[1], "x", 1);
}

/* read(2) with an SVC in the instruction set this file is compiled for; -errno on failure. */
static long raw_read(int fd, void *buf, unsigned long n) {
    register long r0 __asm__("r0") = fd;
    register long r1 __asm__("r1") = (long)buf;
    register long r2 __asm__("r2") = (long)n;
    register long r7 __asm__("r7") = SYS_read;
    __asm__ volatile("svc 0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
    return r0;
}

static void run(const char *name, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    hits = 0;
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    char c = 0;
    long r = raw_read(fds[0], &c, 1);
    int when = hits;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("%s: r=%ld %s byte=%c alarms at return=%d\n", name, r,
           r < 0 ? (r == -EINTR ? "EINTR" : "other error") : "ok", r == 1 ? c : '-', when);
    /* Drain what a late alarm may have written. */
    while (hits < 2) {
        setitimer(ITIMER_REAL, &it, NULL);
        pause();
    }
    setitimer(ITIMER_REAL, &off, NULL);
    if (r != 1)
        read(fds[0], &c, 1);
}

int main(void) {
    if (pipe(fds) != 0)
        return 1;
    run("SA_RESTART", SA_RESTART);
    run("no SA_RESTART", 0);
    return 0;
}
