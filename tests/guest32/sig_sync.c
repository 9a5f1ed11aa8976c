/* Synchronous signals of a 32-bit guest: an undefined instruction raises SIGILL, caught and left
 * with siglongjmp (the mask is restored), then skipped by advancing the saved pc; BKPT raises
 * SIGTRAP; a fetch from an unmapped address raises SIGSEGV with the address in si_addr. The
 * sigcontext's trap_no, error_code and fault_address are the arm kernel's (undefined
 * instruction: trap 6; prefetch abort: trap 14, the IFSR of a page translation fault with the
 * kernel's FSR_LNX_PF bit, the address). Prints deterministic lines. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#ifdef __thumb__
#define UDF ".inst.n 0xde00\n"
#define BKPT ".inst.n 0xbe00\n"
#define INSN_LEN 2
#define IS_THUMB 1
#else
#define UDF ".inst 0xe7f000f0\n"
#define BKPT ".inst 0xe1200070\n"
#define INSN_LEN 4
#define IS_THUMB 0
#endif

/* An undefined instruction at a known address; returns normally if a handler skips it. */
__attribute__((noinline)) static int undefined(int x) {
    __asm__ volatile(".globl undef_insn\nundef_insn:\n" UDF ::: "memory");
    return x + 1;
}
extern char undef_insn[];

/* A breakpoint at a known address; returns normally if a handler skips it. */
__attribute__((noinline)) static int breakpoint(int x) {
    __asm__ volatile(".globl bkpt_insn\nbkpt_insn:\n" BKPT ::: "memory");
    return x + 2;
}
extern char bkpt_insn[];

static sigjmp_buf env;
static volatile uintptr_t g_addr, g_pc, g_trap_no, g_error_code, g_fault_address;
static volatile int g_signo, g_code, g_thumb_ok, skip;

static void on_fault(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    g_signo = sig;
    g_code = si->si_code;
    g_addr = (uintptr_t)si->si_addr;
    g_pc = uc->uc_mcontext.arm_pc;
    g_trap_no = uc->uc_mcontext.trap_no;
    g_error_code = uc->uc_mcontext.error_code;
    g_fault_address = uc->uc_mcontext.fault_address;
    g_thumb_ok = ((uc->uc_mcontext.arm_cpsr >> 5) & 1) == IS_THUMB;
    if (skip) {
        uc->uc_mcontext.arm_pc += INSN_LEN;
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
    sigaction(SIGTRAP, &sa, NULL);
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
            printf("  trap_no=%lu error_code=%#lx fault_address=%#lx\n",
                   (unsigned long)g_trap_no, (unsigned long)g_error_code,
                   (unsigned long)g_fault_address);
        }
    }

    skip = 1;
    int r = undefined(41);
    printf("skipped: result=%d signo=%d pc ok=%d T ok=%d\n", r, g_signo, g_pc == insn,
           g_thumb_ok);
    uintptr_t bk = (uintptr_t)bkpt_insn & ~(uintptr_t)1;
    r = breakpoint(40);
    printf("bkpt skipped: result=%d signo=%d si_addr ok=%d pc ok=%d T ok=%d\n", r, g_signo,
           g_addr == bk, g_pc == bk, g_thumb_ok);
    skip = 0;

    if (sigsetjmp(env, 1) == 0) {
        void (*nowhere)(void) = (void (*)(void))0x1000;
        nowhere();
        printf("not reached\n");
    } else {
        printf("fetch fault: signo=%d code=%s si_addr=%#lx\n", g_signo,
               g_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", (unsigned long)g_addr);
        printf("  trap_no=%lu error_code=%#lx fault_address=%#lx\n", (unsigned long)g_trap_no,
               (unsigned long)g_error_code, (unsigned long)g_fault_address);
    }
    return 0;
}
