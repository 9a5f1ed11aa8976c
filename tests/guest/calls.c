/* Calls and returns in the shapes that test a translator's return prediction: deep recursion,
 * returns from many call sites, function pointers, tail calls, longjmp out of deep recursion,
 * and a fault deep in a call chain whose handler siglongjmps out. Prints checksums. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf jb;
static sigjmp_buf sjb;
static volatile int *volatile bad;

__attribute__((noinline)) static long depth(long n) {
    if (n == 0) return 0;
    long v = depth(n - 1);
    __asm__ volatile("" : "+r"(v)); /* keeps the recursion a recursion */
    return v + 1;
}

__attribute__((noinline)) static long work(long x) {
    long s = 0;
    for (long i = 0; i < (x & 7); i++) s += (x >> i) & 3 ? i : -i;
    return s;
}

__attribute__((noinline)) static long tail(long x) { return x & 1 ? work(x * 3) : work(x + 5); }

typedef long (*fn)(long);
static fn table[3] = {work, tail, depth};

__attribute__((noinline)) static void dive(long n, int how) {
    if (n == 0) {
        if (how == 0) longjmp(jb, 7);
        *bad = 1; /* SIGSEGV */
    }
    dive(n - 1, how);
    __asm__ volatile("" ::: "memory"); /* not a tail call */
}

static void on_segv(int sig) { siglongjmp(sjb, sig); }

#define C(n) case n: s += work(r + n) * (n + 1); break;

int main(void) {
    unsigned long r = 88172645u, s = 0;
    s += depth(100000);
    for (long i = 0; i < 200000; i++) {
        r ^= r << 13; r ^= r >> 7; r ^= r << 17;
        switch (r & 7) { C(0) C(1) C(2) C(3) C(4) C(5) C(6) C(7) }
        s += table[r % 3]((long)(r >> 40) & 63) + tail((long)r);
    }
    printf("calls %lu\n", s);

    long jumps = 0;
    for (int i = 0; i < 300; i++) {
        int v = setjmp(jb);
        if (v == 0) dive(i * 7, 0);
        jumps += v + work(i);
    }
    printf("longjmp %ld\n", jumps);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    long faults = 0;
    for (int i = 0; i < 50; i++) {
        int v = sigsetjmp(sjb, 1);
        if (v == 0) dive(i * 13, 1);
        faults += v + depth(i);
    }
    printf("faults %ld\n", faults);
    return 0;
}
