/* Signal delivery: handlers with siginfo and ucontext, timers interrupting a busy loop, sigwait,
 * synchronous SIGILL/SIGTRAP skipped by editing the context, SA_RESTART vs EINTR, sigsuspend,
 * the alternate stack. Each mode prints deterministic lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <ucontext.h>

static volatile sig_atomic_t hits;
static volatile int h_signo, h_code, h_pid_ok, h_blocked_inside, h_uc_ok;

static void on_usr1(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    hits++;
    h_signo = si->si_signo;
    h_code = si->si_code;
    h_pid_ok = si->si_pid == getpid() && si->si_uid == getuid();
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    h_blocked_inside = sigismember(&cur, SIGUSR1) + 2 * sigismember(&cur, SIGUSR2);
    /* The saved mask is the one from before delivery: SIGUSR1 not blocked there. */
    h_uc_ok = !sigismember(&uc->uc_sigmask, SIGUSR1);
}

static int usr1(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    printf("hits=%d signo=%d code=%s pid ok=%d blocked inside=%d uc mask ok=%d\n", hits, h_signo,
           h_code == SI_USER ? "SI_USER" : "other", h_pid_ok, h_blocked_inside, h_uc_ok);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("after: usr1 blocked=%d usr2 blocked=%d\n", sigismember(&cur, SIGUSR1),
           sigismember(&cur, SIGUSR2));
    /* Blocked, then unblocked: delivered at the unblocking sigprocmask. */
    sigset_t b;
    sigemptyset(&b);
    sigaddset(&b, SIGUSR1);
    sigprocmask(SIG_BLOCK, &b, NULL);
    raise(SIGUSR1);
    printf("while blocked hits=%d\n", hits);
    sigprocmask(SIG_UNBLOCK, &b, NULL);
    printf("after unblock hits=%d\n", hits);
    /* SA_RESETHAND: the second SIGUSR1 finds SIG_DFL (checked with sigaction, not by dying). */
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    printf("resethand hits=%d now default=%d\n", hits, now.sa_handler == SIG_DFL);
    return 0;
}

static volatile unsigned long alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

__attribute__((noinline)) static void spin_fn(void) { __asm__ volatile(""); }
static void (*volatile spin_target)(void) = spin_fn;

static int alarm_loop(void) {
    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    /* A busy loop with no syscalls: only asynchronous delivery can end it. */
    /* Counts are taken as the loops end: the timer keeps firing until it is off, and a busy
     * machine may let one more alarm in before that. */
    unsigned long spins = 0;
    while (alarms < 5) spins++;
    unsigned long seen = alarms;
    printf("alarms=%lu spun=%d\n", seen, spins > 0);
    /* The same through indirect calls and returns, which translated code may chain without
     * going back to the dispatcher. */
    alarms = 0;
    while (alarms < 3) spin_target();
    seen = alarms;
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("indirect alarms=%lu\n", seen);
    return 0;
}

static int sigwait_mode(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN + 3);
    sigprocmask(SIG_BLOCK, &set, NULL);
    kill(getpid(), SIGUSR2);
    sigset_t pend;
    sigpending(&pend);
    printf("pending usr2=%d usr1=%d\n", sigismember(&pend, SIGUSR2), sigismember(&pend, SIGUSR1));
    int sig = 0;
    int r = sigwait(&set, &sig);
    printf("sigwait r=%d sig=%d\n", r, sig);
    union sigval v = {.sival_int = 1234};
    sigqueue(getpid(), SIGRTMIN + 3, v);
    siginfo_t si;
    struct timespec ts = {1, 0};
    sig = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait rt+3=%d code=%s value=%d\n", sig - SIGRTMIN,
           si.si_code == SI_QUEUE ? "SI_QUEUE" : "other", si.si_value.sival_int);
    struct timespec zero = {0, 1000000};
    r = sigtimedwait(&set, &si, &zero);
    printf("empty sigtimedwait r=%d %s\n", r, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    sigpending(&pend);
    printf("pending after usr2=%d\n", sigismember(&pend, SIGUSR2));
    /* A blocked signal read through a signalfd. */
    int sfd = signalfd(-1, &set, 0);
    kill(getpid(), SIGUSR2);
    struct signalfd_siginfo fdsi;
    ssize_t n = read(sfd, &fdsi, sizeof fdsi);
    printf("signalfd read=%zd signo=%u pid ok=%d\n", n, fdsi.ssi_signo, fdsi.ssi_pid == (uint32_t)getpid());
    close(sfd);
    return 0;
}

static volatile uint64_t ill_addr, ill_pc, ill_esr;
static volatile int ill_fpsimd, ill_count;

static void on_ill(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    ill_count++;
    ill_addr = (uint64_t)si->si_addr;
    ill_pc = uc->uc_mcontext.pc;
    /* Walk the records in __reserved. */
    struct _aarch64_ctx *h = (void *)uc->uc_mcontext.__reserved;
    while (h->magic) {
        if (h->magic == FPSIMD_MAGIC) {
            struct fpsimd_context *f = (void *)h;
            /* v9 was loaded with a known pattern before the fault. */
            ill_fpsimd = (uint64_t)f->vregs[9] == 0x1122334455667788ull;
        }
        if (h->magic == ESR_MAGIC) ill_esr = ((struct esr_context *)h)->esr;
        h = (void *)((char *)h + h->size);
    }
    (void)sig;
    uc->uc_mcontext.pc += 4; /* skip the undefined instruction */
}

static int sigill(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    uint64_t where;
    uint64_t pattern = 0x1122334455667788ull;
    __asm__ volatile("fmov d9, %1\n"
                     "adr %0, 1f\n"
                     "1: .inst 0x00000000\n"
                     : "=&r"(where)
                     : "r"(pattern)
                     : "v9");
    printf("sigill count=%d si_addr ok=%d pc ok=%d fpsimd ok=%d esr=%#lx\n", ill_count,
           ill_addr == where, ill_pc == where, ill_fpsimd, (unsigned long)ill_esr);
    /* Twice more, from a loop: the handler is reentered each time. */
    for (int i = 0; i < 2; i++) __asm__ volatile(".inst 0x00000000");
    printf("sigill count=%d\n", ill_count);
    return 0;
}

static volatile int trap_code;
static volatile uint64_t trap_addr, trap_pc;
static void on_trap(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    (void)sig;
    trap_code = si->si_code;
    trap_addr = (uint64_t)si->si_addr;
    trap_pc = uc->uc_mcontext.pc;
    uc->uc_mcontext.pc += 4;
}

static int brk_mode(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    uint64_t where;
    __asm__ volatile("adr %0, 1f\n"
                     "1: brk #7\n"
                     : "=r"(where));
    printf("sigtrap code=%s si_addr ok=%d pc ok=%d\n", trap_code == TRAP_BRKPT ? "TRAP_BRKPT" : "other",
           trap_addr == where, trap_pc == where);
    return 0;
}

static int restart_go = -1;
static void on_alrm_restart(int sig) {
    (void)sig;
    hits++;
    write(restart_go, "g", 1);
}

/* A read from a pipe blocks; SIGALRM arrives after 100 ms and its handler tells the writer
 * child to write. With SA_RESTART the read restarts and returns the data, without it fails
 * with EINTR. */
static void restart_case(int flags) {
    int fd[2], go[2];
    pipe(fd);
    pipe(go);
    restart_go = go[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alrm_restart;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) == 1) write(fd[1], "data", 4);
        _exit(0);
    }
    close(go[0]);
    hits = 0;
    struct itimerval it = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    char buf[8] = {0};
    ssize_t n = read(fd[0], buf, sizeof buf - 1);
    int e = errno;
    printf("%s: read=%zd %s handler ran=%d\n", flags & SA_RESTART ? "SA_RESTART" : "no SA_RESTART",
           n, n < 0 ? (e == EINTR ? "EINTR" : strerror(e)) : buf, hits);
    close(go[1]);
    waitpid(pid, NULL, 0);
    close(fd[0]);
    close(fd[1]);
}

static int restart(void) {
    restart_case(SA_RESTART);
    restart_case(0);
    return 0;
}

static int suspend(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t b, empty;
    sigemptyset(&b);
    sigaddset(&b, SIGUSR1);
    sigprocmask(SIG_BLOCK, &b, NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigemptyset(&empty);
    int r = sigsuspend(&empty);
    int e = errno;
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("sigsuspend r=%d %s hits=%d usr1 blocked again=%d\n", r, e == EINTR ? "EINTR" : "?", hits,
           sigismember(&cur, SIGUSR1));
    waitpid(pid, NULL, 0);
    return 0;
}

static char *alt_base;
static volatile int on_alt, alt_flags_onstack;
static void on_usr2(int sig) {
    (void)sig;
    char here;
    on_alt = &here > alt_base && &here < alt_base + 65536;
    stack_t cur;
    sigaltstack(NULL, &cur);
    alt_flags_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
}

static int altstack(void) {
    alt_base = malloc(65536);
    stack_t ss = {.ss_sp = alt_base, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("altstack handler on it=%d SS_ONSTACK inside=%d outside=%d\n", on_alt, alt_flags_onstack,
           (cur.ss_flags & SS_ONSTACK) != 0);
    return 0;
}

/* A signal that lands while the process is entering a blocking readv must not be lost. The
 * handler itself writes a byte into the pipe, so the program always makes progress under a
 * real kernel: a signal before the read leaves a byte to read, one during the read interrupts
 * it (EINTR without SA_RESTART, a restart that finds the byte with it). The child sends each
 * signal after a varying short delay, so over many rounds some land in every window. */
#define IOVS 1024
static int race_wfd;
static void on_race(int sig) {
    (void)sig;
    write(race_wfd, "x", 1);
}

static int race(int rounds, unsigned spread, int flags) {
    int data[2], sync[2];
    pipe(data);
    pipe(sync);
    race_wfd = data[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_race;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(sync[1]);
        close(data[0]);
        char c;
        while (read(sync[0], &c, 1) == 1) kill(parent, SIGUSR1);
        _exit(0);
    }
    /* readv with many vectors: the emulator's work before the blocking call is long, so the
     * window between noticing nothing pending and blocking is wide. */
    static char bytes[IOVS];
    static struct iovec iov[IOVS];
    for (int i = 0; i < IOVS; i++) iov[i] = (struct iovec){bytes + i, 1};
    int done = 0, eintr = 0;
    unsigned seed = 12345;
    for (int i = 0; i < rounds; i++) {
        write(sync[1], "s", 1);
        /* A varying delay before the read, so that the signal lands before, during and after
         * the entry into the blocking read over the rounds. */
        seed = seed * 1103515245 + 12345;
        for (volatile unsigned spin = (seed >> 16) % spread; spin; spin--) {
        }
        ssize_t n;
        while ((n = readv(data[0], iov, IOVS)) != 1) {
            if (n < 0 && errno == EINTR) eintr++;
        }
        done++;
    }
    close(sync[1]);
    waitpid(pid, NULL, 0);
    close(sync[0]);
    close(data[0]);
    close(data[1]);
    printf("%s rounds=%d eintr seen=%d\n", flags ? "SA_RESTART" : "no SA_RESTART", done,
           eintr > 0 || flags);
    return 0;
}

/* Real-time signals queue every instance with its value, in order; signals 32 and 33 (which
 * glibc keeps for itself, so they are installed with the raw syscall) reach handlers too. */
static volatile int rt_vals[16], rt_n;
static void on_rt(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    if (rt_n < 16) rt_vals[rt_n++] = sig == SIGRTMIN + 1 ? si->si_value.sival_int : 100 + sig;
}

struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

static int rt(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sigset_t b;
    sigemptyset(&b);
    sigaddset(&b, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &b, NULL);
    for (int i = 1; i <= 5; i++) sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = i});
    sigprocmask(SIG_UNBLOCK, &b, NULL);
    printf("rt delivered=%d values=", rt_n);
    for (int i = 0; i < rt_n; i++) printf("%d%s", rt_vals[i], i + 1 < rt_n ? "," : "\n");
    rt_n = 0;
    struct ksigaction k = {(void *)on_rt, SA_SIGINFO, NULL, 0};
    long r32 = syscall(SYS_rt_sigaction, 32, &k, NULL, 8);
    long r33 = syscall(SYS_rt_sigaction, 33, &k, NULL, 8);
    syscall(SYS_kill, getpid(), 33);
    syscall(SYS_kill, getpid(), 32);
    printf("sigaction 32/33 r=%ld,%ld delivered=%d first=%d second=%d\n", r32, r33, rt_n, rt_vals[0],
           rt_vals[1]);
    return 0;
}

/* Jumping to memory that cannot be executed raises SIGSEGV at an exact pc; the handler runs on
 * the alternate stack and recovers with siglongjmp. */
#include <setjmp.h>
#include <sys/mman.h>
static sigjmp_buf segv_env;
static volatile uint64_t segv_addr, segv_pc;
static volatile int segv_code, segv_on_alt;
static char *segv_alt;
static void on_segv(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    char here;
    (void)sig;
    segv_addr = (uint64_t)si->si_addr;
    segv_code = si->si_code;
    segv_pc = uc->uc_mcontext.pc;
    segv_on_alt = &here > segv_alt && &here < segv_alt + 65536;
    siglongjmp(segv_env, 1);
}

static int segv_fetch(void) {
    segv_alt = malloc(65536);
    stack_t ss = {.ss_sp = segv_alt, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    /* A readable, writable, non-executable page. */
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *targets[2] = {page + 64, (void *)0x10};
    for (int i = 0; i < 2; i++) {
        if (sigsetjmp(segv_env, 1) == 0) {
            ((void (*)(void))targets[i])();
            printf("returned?\n");
        } else {
            printf("segv %s si_addr ok=%d pc ok=%d on altstack=%d\n",
                   segv_code == SEGV_ACCERR ? "SEGV_ACCERR" : segv_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other",
                   segv_addr == (uint64_t)targets[i], segv_pc == (uint64_t)targets[i], segv_on_alt);
        }
    }
    return 0;
}

/* Loads and stores that fault raise SIGSEGV (maperr/accerr) or SIGBUS at the exact pc with the
 * data address in si_addr and sigcontext.fault_address, a data-abort ESR record, and registers
 * as they were before the faulting instruction (no base writeback, earlier writes in the same
 * block visible). A handler may also skip the access by editing the context and return. */
__asm__(".text\n"
        ".global df_load\n"
        ".global df_load_insn\n"
        "df_load:\n"
        "  mov x9, #1\n"
        "df_load_insn:\n"
        "  ldr x1, [x0], #8\n"
        "  mov x9, #2\n"
        "  mov x0, x1\n"
        "  ret\n"
        ".global df_store\n"
        ".global df_store_insn\n"
        "df_store:\n"
        "  mov x9, #3\n"
        "df_store_insn:\n"
        "  stp x1, x1, [x0, #-16]!\n"
        "  ret\n"
        ".arch armv8.1-a\n"
        ".global df_atomic\n"
        ".global df_atomic_insn\n"
        "df_atomic:\n"
        "  mov x9, #1\n"
        "df_atomic_insn:\n"
        "  ldadd x1, x2, [x0]\n"
        "  mov x9, #2\n"
        "  mov x0, x2\n"
        "  ret\n"
        ".global df_st1\n"
        ".global df_st1_insn\n"
        "df_st1:\n"
        "  mov x9, #4\n"
        "df_st1_insn:\n"
        "  st1 {v0.16b, v1.16b}, [x0]\n"
        "  ret\n");
extern long df_load(volatile void *p);
extern void df_store(volatile void *p, long v);
extern long df_atomic(volatile void *p, long v);
extern void df_st1(volatile void *p);
extern char df_load_insn[], df_store_insn[], df_atomic_insn[], df_st1_insn[];
static volatile uint64_t df_x0, df_x9, df_fault, df_esr;
static volatile int df_skip;
static void on_data_fault(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    char here;
    segv_addr = (uint64_t)si->si_addr;
    segv_code = sig == SIGBUS ? -si->si_code : si->si_code;
    segv_pc = uc->uc_mcontext.pc;
    segv_on_alt = &here > segv_alt && &here < segv_alt + 65536;
    df_x0 = uc->uc_mcontext.regs[0];
    df_x9 = uc->uc_mcontext.regs[9];
    df_fault = uc->uc_mcontext.fault_address;
    df_esr = 0;
    for (struct _aarch64_ctx *c = (void *)uc->uc_mcontext.__reserved; c->magic;
         c = (void *)((char *)c + c->size)) {
        if (c->magic == ESR_MAGIC) df_esr = ((struct esr_context *)c)->esr;
    }
    if (df_skip) {
        uc->uc_mcontext.regs[1] = 42;
        uc->uc_mcontext.pc += 4;
        return;
    }
    siglongjmp(segv_env, 1);
}

static void df_report(const char *what, uint64_t addr, uint64_t x0, uint64_t pc) {
    const char *code = segv_code == SEGV_ACCERR  ? "SEGV_ACCERR"
                       : segv_code == SEGV_MAPERR ? "SEGV_MAPERR"
                       : segv_code == -BUS_ADRERR ? "BUS_ADRERR"
                                                  : "other";
    printf("%s: %s si_addr ok=%d fault_address ok=%d pc ok=%d x0 kept=%d x9=%lu on altstack=%d "
           "esr ec=%#lx wnr=%lu\n",
           what, code, segv_addr == addr, df_fault == addr, segv_pc == pc, df_x0 == x0,
           (unsigned long)df_x9, segv_on_alt, (unsigned long)(df_esr >> 26),
           (unsigned long)(df_esr >> 6 & 1));
}

static int segv_data(void) {
    segv_alt = malloc(65536);
    stack_t ss = {.ss_sp = segv_alt, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_data_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* A file one page long mapped over two pages: the second page is past its end. */
    char name[] = "/tmp/armrun-sigbus-XXXXXX";
    int fd = mkstemp(name);
    unlink(name);
    if (fd < 0 || ftruncate(fd, 4096) != 0) return 1;
    char *file = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    volatile void *unmapped = (void *)0x10;
    if (sigsetjmp(segv_env, 1) == 0) df_load(unmapped);
    df_report("load unmapped", (uint64_t)unmapped, (uint64_t)unmapped, (uint64_t)df_load_insn);
    if (sigsetjmp(segv_env, 1) == 0) df_store(ro + 16, 7);
    df_report("store read-only", (uint64_t)ro, (uint64_t)ro + 16, (uint64_t)df_store_insn);
    if (sigsetjmp(segv_env, 1) == 0) df_load(file + 4096);
    df_report("load past EOF", (uint64_t)file + 4096, (uint64_t)file + 4096,
              (uint64_t)df_load_insn);
    /* Accesses made by helpers (an LSE atomic, a SIMD structure store) fault the same way. */
    if (sigsetjmp(segv_env, 1) == 0) df_atomic(unmapped, 1);
    df_report("atomic unmapped", (uint64_t)unmapped, (uint64_t)unmapped, (uint64_t)df_atomic_insn);
    if (sigsetjmp(segv_env, 1) == 0) df_st1(ro + 8);
    df_report("st1 read-only", (uint64_t)ro + 8, (uint64_t)ro + 8, (uint64_t)df_st1_insn);
    df_skip = 1;
    long got = df_load(unmapped);
    printf("skipped load returned %ld\n", got);
    /* Many faults in a loop: each one leaves translated code cleanly. */
    long sum = 0;
    for (int i = 0; i < 1000; i++) sum += df_load((char *)unmapped + 8 * (i % 4));
    printf("1000 skipped loads sum %ld\n", sum);
    return 0;
}

/* Signals sent to one thread (pthread_kill, i.e. tgkill) reach that thread and no other:
 * interrupting its blocking read with EINTR (no SA_RESTART) and its busy loop; the handler,
 * installed by the main thread after the others started, is theirs too. */
#include <pthread.h>
#define TK_THREADS 4
static volatile pid_t tk_tid[TK_THREADS];
static volatile int tk_eintr[TK_THREADS], tk_spun[TK_THREADS], tk_wrong, tk_main_hits;
static volatile int tk_stage[TK_THREADS];
static pid_t tk_main;
static __thread volatile int tk_hits;
static __thread int tk_index = -1;
static void on_tkill(int sig) {
    (void)sig;
    pid_t me = (pid_t)syscall(SYS_gettid);
    if (me == tk_main) tk_main_hits++;
    else if (tk_index < 0 || tk_tid[tk_index] != me) tk_wrong++;
    tk_hits++;
}
static void *tk_worker(void *arg) {
    tk_index = (int)(long)arg;
    tk_tid[tk_index] = (pid_t)syscall(SYS_gettid);
    int fd[2];
    if (pipe(fd) != 0) return NULL;
    char c;
    tk_stage[tk_index] = 1;
    while (!tk_eintr[tk_index]) {
        ssize_t r = read(fd[0], &c, 1);
        if (r == -1 && errno == EINTR && tk_hits > 0) tk_eintr[tk_index] = 1;
    }
    int before = tk_hits;
    tk_stage[tk_index] = 2;
    while (tk_hits == before) {}
    tk_spun[tk_index] = 1;
    return NULL;
}
/* Runs guest code for a while without any syscall, so that a signal meant for another thread
 * would be taken here if the emulator let any thread take it. */
static void tk_spin(void) {
    for (volatile long i = 0; i < 200000; i++) {}
}
static int tkill_mode(void) {
    tk_main = (pid_t)syscall(SYS_gettid);
    pthread_t t[TK_THREADS];
    for (long i = 0; i < TK_THREADS; i++) pthread_create(&t[i], NULL, tk_worker, (void *)i);
    /* Installed after the threads exist: signal actions are the process's, not per thread. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tkill;
    sigaction(SIGUSR1, &sa, NULL);
    for (int i = 0; i < TK_THREADS; i++) {
        /* Keep signalling until the thread saw EINTR, then until its busy loop saw one. */
        while (tk_stage[i] < 1) usleep(1000);
        while (!tk_eintr[i]) { pthread_kill(t[i], SIGUSR1); tk_spin(); }
        while (tk_stage[i] < 2) usleep(1000);
        while (!tk_spun[i]) { pthread_kill(t[i], SIGUSR1); tk_spin(); }
    }
    int eintr = 0, spun = 0;
    for (int i = 0; i < TK_THREADS; i++) {
        pthread_join(t[i], NULL);
        eintr += tk_eintr[i];
        spun += tk_spun[i];
    }
    printf("tkill: eintr in %d/%d threads, busy loop interrupted in %d/%d, wrong thread %d, main %d\n",
           eintr, TK_THREADS, spun, TK_THREADS, tk_wrong, tk_main_hits);
    return 0;
}

/* Fault signals sent with kill/raise are asynchronous: they reach the guest's handler, are
 * ignored, or kill by default, like any other signal. */
static volatile int ks_sig, ks_code;
static void on_killed_sync(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    ks_sig = sig;
    ks_code = si->si_code;
}

static int killsync(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_killed_sync;
    sa.sa_flags = SA_SIGINFO;
    int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
    for (int i = 0; i < 5; i++) {
        sigaction(sigs[i], &sa, NULL);
        ks_sig = 0;
        kill(getpid(), sigs[i]);
        printf("kill %d: handler saw %d code=%s\n", sigs[i], ks_sig, ks_code == SI_USER ? "SI_USER" : "other");
    }
    for (int i = 0; i < 5; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            signal(sigs[i], i % 2 ? SIG_IGN : SIG_DFL);
            raise(sigs[i]);
            _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        printf("raise %d with %s: %s %d\n", sigs[i], i % 2 ? "SIG_IGN" : "SIG_DFL",
               WIFSIGNALED(st) ? "killed by" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    }
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "usr1")) return usr1();
    if (!strcmp(mode, "alarm")) return alarm_loop();
    if (!strcmp(mode, "sigwait")) return sigwait_mode();
    if (!strcmp(mode, "sigill")) return sigill();
    if (!strcmp(mode, "brk")) return brk_mode();
    if (!strcmp(mode, "restart")) return restart();
    if (!strcmp(mode, "suspend")) return suspend();
    if (!strcmp(mode, "altstack")) return altstack();
    if (!strcmp(mode, "rt")) return rt();
    if (!strcmp(mode, "killsync")) return killsync();
    if (!strcmp(mode, "segv_fetch")) return segv_fetch();
    if (!strcmp(mode, "segv_data")) return segv_data();
    if (!strcmp(mode, "tkill")) return tkill_mode();
    if (!strcmp(mode, "race") && argc > 3) {
        race(atoi(argv[2]), atoi(argv[3]), SA_RESTART);
        return race(atoi(argv[2]), atoi(argv[3]), 0);
    }
    fprintf(stderr, "unknown mode\n");
    return 2;
}
