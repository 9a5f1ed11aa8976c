/* Runs each instruction word read from stdin ("%x %d" lines) under a SIGILL handler and prints
 * "word executor-verdict qemu-verdict" (1 = executes, 0 = undefined). Build with
 * aarch64-linux-gnu-gcc -static -O1 alloc_check.c; run under qemu-aarch64-static. Only
 * data-processing words are fed in, so the instruction cannot write memory; registers it may
 * clobber are declared clobbered (x19 holds the saved stack pointer; a word writing x19 faults,
 * which is reported like any other non-SIGILL outcome). */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static sigjmp_buf env;
static void on_sig(int sig) { siglongjmp(env, sig); }

int main(void) {
    unsigned *page = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = SA_NODEFER | SA_ONSTACK;
    /* The word may corrupt sp (via x19, see above): handle signals on their own stack. */
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, 0);
    setvbuf(stdout, 0, _IOLBF, 0);
    sigaction(SIGILL, &sa, 0);
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGBUS, &sa, 0);
    unsigned w;
    int ours;
    while (scanf("%x %d", &w, &ours) == 2) {
        /* The word, then a jump back through a literal (the word may clobber x30). */
        page[0] = w;
        /* ldr x16, #8 ; br x16 ; .quad back */
        extern char back_label[];
        page[1] = 0x58000050; /* ldr x16, .+8 */
        page[2] = 0xd61f0200; /* br x16 */
        *(unsigned long *)&page[3] = (unsigned long)back_label;
        __builtin___clear_cache((char *)page, (char *)(page + 8));
        static volatile int sig;
        sig = sigsetjmp(env, 1);
        if (sig == 0) {
            __asm__ volatile("mov x17, %0\n"
                             "adr x30, back_label\n"
                             "stp x29, x19, [sp, #-16]!\nmov x19, sp\n"
                             "br x17\n"
                             ".global back_label\nback_label:\n"
                             "mov sp, x19\nldp x29, x19, [sp], #16\n"
                             :
                             : "r"(page)
                             : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
                               "x12", "x13", "x14", "x15", "x16", "x18", "x20", "x21", "x22", "x23",
                               "x24", "x25", "x26", "x27", "x28", "x30", "v0", "v1", "v2", "v3", "v4", "v5",
                               "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16",
                               "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27",
                               "v28", "v29", "v30", "v31", "memory", "cc");
        }
        printf("%08x %d %d %d\n", w, ours, sig == SIGILL ? 0 : 1, sig);
    }
    return 0;
}
