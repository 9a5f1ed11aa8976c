/* 32-bit signal delivery: a plain handler for kill(SIGUSR1) that returns, SA_SIGINFO with
 * si_pid/si_uid/si_code for kill, sigqueue and tgkill, the handler's mask, handlers installed
 * with the raw rt_sigaction and no SA_RESTORER (the return goes through the emulator's own
 * sigreturn code), and a handler that edits the saved registers. Prints deterministic lines. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <ucontext.h>

static volatile sig_atomic_t hits, usr2_blocked_inside;
static volatile int g_signo, g_code, g_pid_ok, g_value, g_uc_mask_ok;

static void plain(int sig) {
    sigset_t cur;
    hits++;
    g_signo = sig;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    usr2_blocked_inside = sigismember(&cur, SIGUSR1) + 2 * sigismember(&cur, SIGUSR2);
}

static void info(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    hits++;
    g_signo = si->si_signo;
    g_code = si->si_code;
    g_pid_ok = si->si_pid == getpid() && si->si_uid == getuid();
    g_value = si->si_value.sival_int;
    g_uc_mask_ok = !sigismember(&uc->uc_sigmask, sig);
}

static const char *code_name(int c) {
    switch (c) {
    case SI_USER: return "SI_USER";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TKILL: return "SI_TKILL";
    default: return "other";
    }
}

/* The kernel's struct sigaction on 32-bit ARM. */
struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long long mask;
};

static volatile int raw_r0, raw_r1_ok;

static void raw_plain(int sig) { raw_r0 = sig; }

static void raw_info(int sig, siginfo_t *si, void *uc) {
    raw_r0 = sig;
    raw_r1_ok = si->si_signo == sig && si->si_code == SI_TKILL && uc != NULL;
}

/* A handler that makes the interrupted code see r0 = 1234 when the raw kill syscall returns. */
static void edit_r0(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    (void)sig;
    (void)si;
    uc->uc_mcontext.arm_r0 = 1234;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    for (int i = 0; i < 3; i++)
        kill(getpid(), SIGUSR1);
    printf("plain: hits=%d sig=%d blocked inside=%d\n", hits, g_signo, usr2_blocked_inside);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("after: usr1 blocked=%d usr2 blocked=%d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGUSR2));

    sa.sa_sigaction = info;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGRTMIN + 2, &sa, NULL);
    kill(getpid(), SIGUSR1);
    printf("kill: signo=%d code=%s pid ok=%d uc mask ok=%d\n", g_signo, code_name(g_code),
           g_pid_ok, g_uc_mask_ok);
    union sigval v = {.sival_int = 0x5eed};
    sigqueue(getpid(), SIGRTMIN + 2, v);
    printf("sigqueue: rtmin+%d code=%s pid ok=%d value=%#x\n", g_signo - SIGRTMIN,
           code_name(g_code), g_pid_ok, g_value);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    printf("tgkill: signo=%d code=%s pid ok=%d\n", g_signo, code_name(g_code), g_pid_ok);

    /* No SA_RESTORER: the handler returns to code the kernel (or emulator) provides. */
    struct ksigaction k = {.handler = (void *)raw_plain, .flags = 0};
    long r = syscall(SYS_rt_sigaction, SIGUSR2, &k, NULL, 8);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    printf("raw plain: rt_sigaction=%ld r0=%d\n", r, raw_r0);
    k.handler = (void *)raw_info;
    k.flags = SA_SIGINFO;
    raw_r0 = 0;
    r = syscall(SYS_rt_sigaction, SIGUSR2, &k, NULL, 8);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    printf("raw siginfo: rt_sigaction=%ld r0=%d info ok=%d\n", r, raw_r0, raw_r1_ok);

    sa.sa_sigaction = edit_r0;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    r = syscall(SYS_tgkill, getpid(), gettid(), SIGUSR2);
    printf("edited r0: %ld\n", r);
    return 0;
}
