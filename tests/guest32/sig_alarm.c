/* SIGALRM from setitimer interrupts a 32-bit guest's busy loop; the handler clobbers the VFP
 * registers, the rounding mode and the flags, and the loop's floating-point result must come out
 * exactly as when it runs without signals. Prints deterministic lines. */
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void)sig;
    alarms++;
    fesetround(FE_TOWARDZERO);
    volatile double third = 1.0 / 3.0;
    (void)third;
    __asm__ volatile("vmov.f64 d0, #1.0\n vmov.f64 d1, #2.0\n vmov.f64 d7, #3.0\n"
                     "vmov.f64 d8, #4.0\n vmov.f64 d9, #5.0\n vmov.f64 d15, #6.0\n"
                     ::: "d0", "d1", "d7", "d8", "d9", "d15");
}

/* The loop body, used both under the timer and for the reference. */
static inline double step(double x, double y) { return x * 1.0000001 + y * 0.5; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    fesetround(FE_UPWARD);
    feclearexcept(FE_ALL_EXCEPT);

    struct itimerval it = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &it, NULL);
    double x = 1.0, y = 0.25;
    unsigned long n = 0;
    while (alarms < 5) {
        x = step(x, y);
        y = y * 0.75 + 0.125;
        n++;
    }
    /* The loop saw the fifth alarm; one more may fire before the timer is off (the interval
     * is short and the machine may be busy), which is not what this checks. */
    int seen = alarms;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);

    int round_ok = fegetround() == FE_UPWARD;
    double rx = 1.0, ry = 0.25;
    for (unsigned long i = 0; i < n; i++) {
        rx = step(rx, ry);
        ry = ry * 0.75 + 0.125;
    }
    printf("alarms=%d spun=%d rounding kept=%d same result=%d\n", seen, n > 0, round_ok,
           x == rx && y == ry);
    return 0;
}
