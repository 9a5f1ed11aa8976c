// 16 threads hammer shared counters with every atomic primitive the architecture has:
// exclusive load/store loops (LDXR/STXR of each size, LDAXP/STLXP pairs) and LSE atomics
// (LDADD, CAS, SWP used as a lock), each counter checked for an exact total.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 16
#define ROUNDS 20000

static uint8_t c8;
static uint16_t c16;
static uint32_t c32;
static uint64_t c64;
static __int128 pair __attribute__((aligned(16)));
static uint64_t lse_add, lse_cas, locked;
static uint32_t swp_lock;

static void *work(void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        uint32_t tmp, fail;
        uint64_t t64, t64b;
        __asm__ volatile("1: ldxrb %w0, [%2]\n add %w0, %w0, #1\n stxrb %w1, %w0, [%2]\n cbnz %w1, 1b"
                         : "=&r"(tmp), "=&r"(fail) : "r"(&c8) : "memory");
        __asm__ volatile("1: ldaxrh %w0, [%2]\n add %w0, %w0, #1\n stlxrh %w1, %w0, [%2]\n cbnz %w1, 1b"
                         : "=&r"(tmp), "=&r"(fail) : "r"(&c16) : "memory");
        __asm__ volatile("1: ldxr %w0, [%2]\n add %w0, %w0, #1\n stlxr %w1, %w0, [%2]\n cbnz %w1, 1b"
                         : "=&r"(tmp), "=&r"(fail) : "r"(&c32) : "memory");
        __asm__ volatile("1: ldaxr %0, [%2]\n add %0, %0, #3\n stxr %w1, %0, [%2]\n cbnz %w1, 1b"
                         : "=&r"(t64), "=&r"(fail) : "r"(&c64) : "memory");
        // The pair: low word counts up by one, high word by two, in one atomic step.
        __asm__ volatile("1: ldaxp %0, %1, [%3]\n add %0, %0, #1\n add %1, %1, #2\n"
                         " stlxp %w2, %0, %1, [%3]\n cbnz %w2, 1b"
                         : "=&r"(t64), "=&r"(t64b), "=&r"(fail) : "r"(&pair) : "memory");
        uint64_t one = 1, old;
        __asm__ volatile(".arch armv8.1-a\n ldaddal %1, %0, [%2]"
                         : "=&r"(old) : "r"(one), "r"(&lse_add) : "memory");
        // CAS loop: add 5.
        uint64_t seen = __atomic_load_n(&lse_cas, __ATOMIC_RELAXED);
        for (;;) {
            uint64_t expect = seen, want = seen + 5;
            __asm__ volatile(".arch armv8.1-a\n casal %0, %2, [%1]"
                             : "+r"(expect) : "r"(&lse_cas), "r"(want) : "memory");
            if (expect == seen) break;
            seen = expect;
        }
        // A spin lock made of SWPA/STLR around a plain increment.
        if (i % 4 == 0) {
            uint32_t prev, mine = 1;
            do {
                __asm__ volatile(".arch armv8.1-a\n swpa %w1, %w0, [%2]"
                                 : "=&r"(prev) : "r"(mine), "r"(&swp_lock) : "memory");
            } while (prev);
            locked++;
            __asm__ volatile("stlr wzr, [%0]" : : "r"(&swp_lock) : "memory");
        }
    }
    return NULL;
}

int main(void) {
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    const uint64_t n = (uint64_t)THREADS * ROUNDS;
    printf("c8 %s c16 %s c32 %s c64 %s pair %s add %s cas %s lock %s\n",
           c8 == (uint8_t)n ? "ok" : "BAD", c16 == (uint16_t)n ? "ok" : "BAD",
           c32 == (uint32_t)n ? "ok" : "BAD", c64 == 3 * n ? "ok" : "BAD",
           (uint64_t)pair == n && (uint64_t)(pair >> 64) == 2 * n ? "ok" : "BAD",
           lse_add == n ? "ok" : "BAD", lse_cas == 5 * n ? "ok" : "BAD",
           locked == n / 4 ? "ok" : "BAD");
    return 0;
}
