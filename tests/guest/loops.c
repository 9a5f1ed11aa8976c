/* Loops of one block, whose registers armrun carries in host registers from pass to pass and
   stores only on the ways out: a fault in a late pass, a signal delivered while the loop runs
   and the loop's end must each find the registers of the pass they happen in.
   Modes: "fault" (a load runs off the end of its mapping), "signal" (a timer interrupts a
   loop until its handler stops it), "sum" (a loop that ends by itself); on AArch64 also
   "flags" (flags a block leaves for later, read where its side exit goes). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>

#ifdef __aarch64__
#define REG(uc, n) ((uc)->uc_mcontext.regs[n])
#define PC(uc) ((uc)->uc_mcontext.pc)
/* sum_until_fault(p): adds up words from p until a load faults. */
__asm__(".text\n.global sum_until_fault\n.type sum_until_fault, %function\nsum_until_fault:\n"
        "  mov x1, #0\n  mov x2, #0\n"
        "1: ldr x3, [x0], #8\n  add x1, x1, x3\n  add x2, x2, #1\n  b 1b\n"
        /* sum_n(p, n, out): the sum of n words from p, with x1..x3 as the loop left them in
           out[]. The code after the loop reads the flags (the loop leaves by a side exit that
           stores them); sum_n_cmp's compares first (the loop leaves by its branch). */
        ".global sum_n\n.type sum_n, %function\nsum_n:\n"
        "  mov x4, x1\n  mov x5, x2\n  mov x1, #0\n  mov x2, #0\n"
        "1: ldr x3, [x0], #8\n  add x1, x1, x3\n  add x2, x2, #1\n  cmp x2, x4\n  b.ne 1b\n"
        "  stp x1, x2, [x5]\n  str x3, [x5, #16]\n  mov x0, x1\n  ret\n"
        ".global sum_n_cmp\n.type sum_n_cmp, %function\nsum_n_cmp:\n"
        "  mov x4, x1\n  mov x5, x2\n  mov x1, #0\n  mov x2, #0\n"
        "1: ldr x3, [x0], #8\n  add x1, x1, x3\n  add x2, x2, #1\n  cmp x2, x4\n  b.ne 1b\n"
        "  cmp x5, #0\n  stp x1, x2, [x5]\n  str x3, [x5, #16]\n  mov x0, x1\n  ret\n"
        /* spin(stop): counts x2 by one and x9 by three until *stop. */
        ".global spin\n.type spin, %function\nspin:\n"
        "  mov x2, #0\n  mov x9, #0\n"
        "1: add x2, x2, #1\n.global spin_second\nspin_second:\n  add x9, x9, #3\n"
        "  ldr w4, [x0]\n  cbz w4, 1b\n  mov x0, x2\n  ret\n"
        /* eq_via_exit(a, b): 3 if a == b, else 1. The compare's block leaves for the equal
           case by a side exit, to code that reads the flags, and goes on by an indirect
           branch: armrun leaves those flags for later, and the exit's block settles them. */
        ".global eq_via_exit\n.type eq_via_exit, %function\neq_via_exit:\n"
        "  cmp x0, x1\n  b.eq 1f\n  mov x0, #1\n  adr x9, 2f\n  br x9\n"
        "1: cset x0, eq\n  add x0, x0, #2\n2: ret\n");
long eq_via_exit(long a, long b);
#define COUNT 2
#define ADDEND 9
#else
#define REG(uc, n) ((&(uc)->uc_mcontext.arm_r0)[n])
#define PC(uc) ((uc)->uc_mcontext.arm_pc)
__asm__(".text\n.syntax unified\n.global sum_until_fault\n.type sum_until_fault, %function\n"
        "sum_until_fault:\n"
        "  mov r1, #0\n  mov r2, #0\n"
        "1: ldr r3, [r0], #4\n  add r1, r1, r3\n  add r2, r2, #1\n  b 1b\n"
        ".global sum_n\n.type sum_n, %function\nsum_n:\n"
        "  push {r4, r5}\n  mov r4, r1\n  mov r5, r2\n  mov r1, #0\n  mov r2, #0\n"
        "1: ldr r3, [r0], #4\n  add r1, r1, r3\n  add r2, r2, #1\n  cmp r2, r4\n  bne 1b\n"
        "  str r1, [r5]\n  str r2, [r5, #4]\n  str r3, [r5, #8]\n  mov r0, r1\n"
        "  pop {r4, r5}\n  bx lr\n"
        ".global sum_n_cmp\n.type sum_n_cmp, %function\nsum_n_cmp:\n"
        "  push {r4, r5}\n  mov r4, r1\n  mov r5, r2\n  mov r1, #0\n  mov r2, #0\n"
        "1: ldr r3, [r0], #4\n  add r1, r1, r3\n  add r2, r2, #1\n  cmp r2, r4\n  bne 1b\n"
        "  cmp r5, #0\n  str r1, [r5]\n  str r2, [r5, #4]\n  str r3, [r5, #8]\n  mov r0, r1\n"
        "  pop {r4, r5}\n  bx lr\n"
        ".global spin\n.type spin, %function\nspin:\n"
        "  mov r2, #0\n  mov r12, #0\n"
        "1: add r2, r2, #1\n.global spin_second\nspin_second:\n  add r12, r12, #3\n"
        "  ldr r3, [r0]\n  cmp r3, #0\n  beq 1b\n  mov r0, r2\n  bx lr\n");
#define COUNT 2
#define ADDEND 12
#endif

extern void sum_until_fault(volatile unsigned long *p);
extern unsigned long sum_n(volatile unsigned long *p, unsigned long n, unsigned long *out);
extern unsigned long sum_n_cmp(volatile unsigned long *p, unsigned long n, unsigned long *out);
extern unsigned long spin(volatile int *stop);
extern char spin_second[];

/* A function's address as code (a Thumb one's has bit 0 set). */
#define CODE(f) ((uintptr_t)(f) & ~(uintptr_t)1)

static sigjmp_buf env;
static volatile unsigned long seen[5];
static uintptr_t base;

static void on_fault(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    (void)sig;
    (void)si;
    seen[0] = REG(uc, 0) - base;
    for (int r = 1; r < 4; r++) seen[r] = REG(uc, r);
    seen[4] = (PC(uc) & ~(uintptr_t)1) - CODE(sum_until_fault);
    siglongjmp(env, 1);
}

static volatile int stop, signals, bad, same;
static volatile unsigned long last;

/* Each signal must see the count no smaller than the last one saw, and the other counter three
   times it (but between the two adds, where it is one step behind). A signal may find the count
   where the last one left it: under load the timer fires again while the handler runs, and the
   kernel (or qemu) delivers that one on sigreturn before the loop takes a step. Most must see it
   grow, or the registers a signal finds would be stale ones. */
static void on_alarm(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    (void)sig;
    (void)si;
    /* The timer runs on until it is turned off, past the loop's end: those do not count. */
    if (stop) return;
    unsigned long n = REG(uc, COUNT), m = REG(uc, ADDEND);
    int between = (PC(uc) & ~(uintptr_t)1) == CODE(spin_second);
    if (n < last || m != 3 * (between ? n - 1 : n)) bad++;
    if (n == last) same++;
    last = n;
    if (++signals == 20) stop = 1;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    /* 64 KiB of words, then a page that is not mapped. */
    size_t len = 65536;
    char *map = mmap(NULL, len + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return 1;
    munmap(map + len, 4096);
    volatile unsigned long *words = (void *)map;
    size_t n = len / sizeof *words;
    for (size_t k = 0; k < n; k++) words[k] = k * 7 + 1;
    base = (uintptr_t)map;
    if (!strcmp(mode, "fault")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
        if (sigsetjmp(env, 1) == 0) sum_until_fault(words);
        printf("fault: p-base=%lu sum=%lu count=%lu last=%lu pc-offset=%lu\n", seen[0], seen[1],
               seen[2], seen[3], seen[4]);
    } else if (!strcmp(mode, "signal")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_alarm;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval t = {{0, 2000}, {0, 2000}};
        setitimer(ITIMER_REAL, &t, NULL);
        unsigned long count = spin(&stop);
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        printf("signal: signals=%d bad=%d most grew=%d counted past the last=%d\n", signals, bad,
               same < signals / 2, count >= last);
    } else if (!strcmp(mode, "sum")) {
        unsigned long out[3];
        for (unsigned long k = 1; k <= n; k += n / 4 - 1) {
            unsigned long s = sum_n(words, k, out);
            printf("sum: n=%lu sum=%lu count=%lu last=%lu\n", k, s, out[1], out[2]);
            s = sum_n_cmp(words, k, out);
            printf("sum_cmp: n=%lu sum=%lu count=%lu last=%lu\n", k, s, out[1], out[2]);
        }
        printf("sum: all=%lu\n", sum_n(words, n, out));
    }
#ifdef __aarch64__
    else if (!strcmp(mode, "flags")) {
        /* Both ways equally often, so that the equal one stays a side exit. */
        long eq = 0, ne = 0, bad = 0;
        for (long k = 0; k < 20000; k++) {
            long r = eq_via_exit(k & 1, 1);
            eq += r == 3;
            ne += r == 1;
            bad += r != ((k & 1) ? 3 : 1);
        }
        printf("flags: eq=%ld ne=%ld bad=%ld\n", eq, ne, bad);
    }
#endif
    return 0;
}
