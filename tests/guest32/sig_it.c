/* Thumb-2 only: an undefined instruction inside an IT block. The handler sees the IT state of
 * the faulting instruction in the saved CPSR; one handler leaves with siglongjmp, another skips
 * the instruction and advances the IT state itself (as an emulating handler must), so the rest
 * of the block runs under its own condition after sigreturn. Prints deterministic lines. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#ifndef __thumb2__
#error "build with -mthumb"
#endif

static sigjmp_buf env;
static volatile unsigned long g_cpsr, g_pc;
static volatile int skip;

/* ITSTATE from CPSR bits 26:25 (IT[1:0]) and 15:10 (IT[7:2]). */
static unsigned itstate(unsigned long cpsr) {
    return ((cpsr >> 25) & 3) | ((cpsr >> 10) & 0x3f) << 2;
}

static void on_ill(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    (void)sig;
    (void)si;
    g_cpsr = uc->uc_mcontext.arm_cpsr;
    g_pc = uc->uc_mcontext.arm_pc;
    if (!skip)
        siglongjmp(env, 1);
    /* Skip the 16-bit UDF and advance ITSTATE past it (the architecture's ITAdvance). */
    unsigned it = itstate(g_cpsr);
    it = (it & 7) == 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f);
    unsigned long c = g_cpsr & ~(3ul << 25 | 0x3ful << 10);
    uc->uc_mcontext.arm_cpsr = c | (it & 3) << 25 | (unsigned long)(it >> 2) << 10;
    uc->uc_mcontext.arm_pc += 2;
}

/* x = 7 under EQ, then the UDF (EQ), then x = 9 under NE: with the IT state kept across the
 * handler the last move is skipped and x stays 7. */
__attribute__((noinline)) static int undefined_in_it(int x) {
    __asm__ volatile("cmp %0, %0\n"
                     "itte eq\n"
                     "moveq %0, #7\n"
                     ".globl it_udf\n"
                     "it_udf:\n"
                     "udfeq #0\n"
                     "movne %0, #9\n"
                     : "+r"(x)
                     :
                     : "cc", "memory");
    return x;
}
extern char it_udf[];

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGILL, &sa, NULL);
    unsigned long udf = (unsigned long)it_udf & ~1ul;

    if (sigsetjmp(env, 1) == 0) {
        undefined_in_it(1);
        printf("not reached\n");
    }
    printf("longjmp: pc ok=%d T=%lu itstate=%#x\n", g_pc == udf, (g_cpsr >> 5) & 1,
           itstate(g_cpsr));

    skip = 1;
    int x = undefined_in_it(1);
    printf("skipped: x=%d pc ok=%d itstate=%#x\n", x, g_pc == udf, itstate(g_cpsr));
    return 0;
}
