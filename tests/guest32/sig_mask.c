/* Masks of a 32-bit guest: a blocked signal stays pending (sigpending) until sigsuspend lets it
 * in; sigsuspend returns EINTR with the old mask back; SA_NODEFER and SA_RESETHAND. Prints
 * deterministic lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t hits, depth, max_depth;

static void on_usr1(int sig) {
    (void)sig;
    hits++;
}

static void nested(int sig) {
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (depth < 3)
        raise(sig);
    depth--;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    sigset_t block, old, pend, cur;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: hits=%d pending usr1=%d usr2=%d\n", hits, sigismember(&pend, SIGUSR1),
           sigismember(&pend, SIGUSR2));

    sigset_t wait_mask;
    sigemptyset(&wait_mask);
    int r = sigsuspend(&wait_mask);
    int e = errno;
    sigpending(&pend);
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("sigsuspend: r=%d eintr=%d hits=%d pending=%d still blocked=%d\n", r, e == EINTR, hits,
           sigismember(&pend, SIGUSR1), sigismember(&cur, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: hits=%d\n", hits);

    /* SA_NODEFER lets the handler interrupt itself. */
    sa.sa_handler = nested;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("nodefer: max depth=%d\n", max_depth);

    /* SA_RESETHAND: the action is back to SIG_DFL once the handler ran. */
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    struct sigaction now;
    sigaction(SIGUSR1, NULL, &now);
    printf("resethand: hits=%d dfl=%d\n", hits, now.sa_handler == SIG_DFL);
    return 0;
}
