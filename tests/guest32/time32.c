/* Time calls through the 32-bit ABI, built with 32-bit time_t (the time32 calls) and, as
   time64.c includes this with _TIME_BITS=64, with 64-bit time_t (the *_time64 calls):
   clock_gettime/getres, gettimeofday, time, nanosleep, clock_nanosleep, itimers, timerfd,
   POSIX timers and futex timeouts through pthread-free sem_timedwait. */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s errno=%d\n", __FILE__, __LINE__, #c, errno); exit(1); } } while (0)

static double secs(struct timespec t) { return t.tv_sec + t.tv_nsec / 1e9; }

int main(void) {
    printf("time_t bytes: %d\n", (int)sizeof(time_t));
    struct timespec a, b, res;
    CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0);
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0);
    time_t t = time(NULL);
    printf("clocks agree: %d\n", (long long)tv.tv_sec - (long long)a.tv_sec <= 1 &&
                                     (long long)t - (long long)a.tv_sec <= 1 && a.tv_sec > 1600000000);
    CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
    printf("monotonic resolution: %ld.%09ld\n", (long)res.tv_sec, res.tv_nsec);

    CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    CHECK(nanosleep(&nap, NULL) == 0);
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
    double slept = secs(b) - secs(a);
    printf("slept >= 40ms: %d\n", slept >= 0.04 && slept < 2);
    struct timespec bad = {.tv_sec = 0, .tv_nsec = 1000000000};
    errno = 0;
    CHECK(nanosleep(&bad, NULL) == -1 && errno == EINVAL);
    printf("bad nanosleep: EINVAL\n");

    struct itimerval it = {.it_value = {.tv_sec = 100}}, old;
    CHECK(setitimer(ITIMER_VIRTUAL, &it, NULL) == 0);
    CHECK(getitimer(ITIMER_VIRTUAL, &old) == 0);
    printf("itimer left ~100s: %d\n", old.it_value.tv_sec >= 99 && old.it_value.tv_sec <= 100);
    struct itimerval zero = {0};
    CHECK(setitimer(ITIMER_VIRTUAL, &zero, NULL) == 0);

    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK(tfd >= 0);
    struct itimerspec its = {.it_value = {.tv_nsec = 10 * 1000 * 1000}};
    CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0);
    uint64_t ticks;
    CHECK(read(tfd, &ticks, 8) == 8);
    printf("timerfd ticks: %llu\n", (unsigned long long)ticks);
    close(tfd);

    timer_t id;
    struct sigevent sev = {.sigev_notify = SIGEV_NONE};
    CHECK(timer_create(CLOCK_MONOTONIC, &sev, &id) == 0);
    struct itimerspec pit = {.it_value = {.tv_sec = 50}}, cur;
    CHECK(timer_settime(id, 0, &pit, NULL) == 0);
    CHECK(timer_gettime(id, &cur) == 0);
    printf("posix timer left ~50s: %d\n", cur.it_value.tv_sec >= 49 && cur.it_value.tv_sec <= 50);
    CHECK(timer_delete(id) == 0);

    sem_t s;
    CHECK(sem_init(&s, 0, 0) == 0);
    struct timespec until;
    CHECK(clock_gettime(CLOCK_REALTIME, &until) == 0);
    until.tv_nsec += 10 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    errno = 0;
    CHECK(sem_timedwait(&s, &until) == -1 && errno == ETIMEDOUT);
    printf("futex wait: ETIMEDOUT\n");
    printf("done\n");
    return 0;
}
