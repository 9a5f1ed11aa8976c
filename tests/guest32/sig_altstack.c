/* The alternate signal stack of a 32-bit guest: an SA_ONSTACK handler runs on it (and sees
 * SS_ONSTACK), a handler without SA_ONSTACK does not, and after the handler the program is back
 * on its own stack with the alternate stack intact. Prints deterministic lines. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *alt;
static size_t alt_size;
static volatile int on_alt, flags_onstack, refused;

static void handler(int sig) {
    char here;
    (void)sig;
    on_alt = (uintptr_t)&here >= (uintptr_t)alt && (uintptr_t)&here < (uintptr_t)alt + alt_size;
    stack_t now;
    sigaltstack(NULL, &now);
    flags_onstack = (now.ss_flags & SS_ONSTACK) != 0;
    /* Changing the stack while on it is refused. */
    stack_t other = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0};
    refused = on_alt ? sigaltstack(&other, NULL) == -1 : -1;
}

int main(void) {
    alt_size = 64 * 1024;
    alt = malloc(alt_size);
    stack_t ss = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        perror("sigaltstack");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("onstack: on alt=%d SS_ONSTACK=%d change refused=%d\n", on_alt, flags_onstack, refused);

    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("no SA_ONSTACK: on alt=%d SS_ONSTACK=%d\n", on_alt, flags_onstack);

    stack_t now;
    sigaltstack(NULL, &now);
    printf("after: same stack=%d size ok=%d flags=%d\n", now.ss_sp == alt,
           now.ss_size == alt_size, now.ss_flags);

    /* A stack below MINSIGSTKSZ is refused. */
    stack_t tiny = {.ss_sp = alt, .ss_size = 256, .ss_flags = 0};
    printf("tiny refused=%d\n", sigaltstack(&tiny, NULL) == -1);
    return 0;
}
