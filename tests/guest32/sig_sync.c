/* Synchronous signals of a 32-bit guest: an undefined instruction raises SIGILL, caught and left
 * with siglongjmp (the mask is restored), then skipped by advancing the saved pc; a fetch from an
 * unmapped address raises SIGSEGV with the address in si_addr. Prints deterministic lines. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#ifdef __thumb__
#define UDF ".inst.n 0xde00\n"
#define UDF_LEN 2
#define IS_THUMB 1
#else
#define UDF ".inst 0xe7f000f0\n"
#define UDF_LEN 4
#define IS_THUMB 0
#endif

/* An undefined instruction at a known address; returns normally if a handler skips it. */
__attribute__((noinline)) static int undefined(int x) {
    __asm__ volatile(".globl undef_insn\nundef_insn:\n" UDF ::: "memory");
    return x + 1;
}
extern char undef_insn[];

static sigjmp_buf env;
static volatile uintptr_t g_addr, g_pc;
static volatile int g_signo, g_code, g_thumb_ok, skip;

static void on_fault(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    g_signo = sig;
    g_code = si->si_code;
    g_addr = (uintptr_t)si->si_addr;
    g_pc = uc->uc_mcontext.arm_pc;
    g_thumb_ok = ((uc->uc_mcontext.arm_cpsr >> 5) & 1) == IS_THUMB;
    if (skip) {
        uc->uc_mcontext.arm_pc += UDF_LEN;
        return;
    }
    siglongjmp(env, 1);
}

static const char *ill_code(int c) { return c == ILL_ILLOPC ? "ILL_ILLOPC" : "other"; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    uintptr_t insn = (uintptr_t)undef_insn & ~(uintptr_t)1;

    for (int round = 0; round < 2; round++) {
        if (sigsetjmp(env, 1) == 0) {
            undefined(round);
            printf("not reached\n");
        } else {
            sigset_t cur;
            sigprocmask(SIG_SETMASK, NULL, &cur);
            printf("longjmp %d: signo=%d code=%s si_addr ok=%d pc ok=%d T ok=%d ill blocked=%d\n",
                   round, g_signo, ill_code(g_code), g_addr == insn, g_pc == insn, g_thumb_ok,
                   sigismember(&cur, SIGILL));
        }
    }

    skip = 1;
    int r = undefined(41);
    printf("skipped: result=%d signo=%d pc ok=%d T ok=%d\n", r, g_signo, g_pc == insn,
           g_thumb_ok);
    skip = 0;

    if (sigsetjmp(env, 1) == 0) {
        void (*nowhere)(void) = (void (*)(void))0x1000;
        nowhere();
        printf("not reached\n");
    } else {
        printf("fetch fault: signo=%d code=%s si_addr=%#lx\n", g_signo,
               g_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", (unsigned long)g_addr);
    }
    return 0;
}
