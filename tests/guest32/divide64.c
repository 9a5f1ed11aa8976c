/* 64-bit division on 32-bit ARM, which has no instruction for it: every uint64_t / and % calls
 * libgcc's __udivmoddi4 (through __aeabi_uldivmod), which armrun recognises. Quotients and
 * remainders over divisors of every size, signed division, and direct calls of the routine
 * with a null remainder pointer and with a zero divisor (the routine's own answer). */
#include <stdint.h>
#include <stdio.h>

unsigned long long __udivmoddi4(unsigned long long n, unsigned long long d,
                                unsigned long long *rem);

static uint64_t next(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

int main(void) {
    static const uint64_t edges[] = {
        0, 1, 2, 3, 7, 10, 0xffffffffu, 0x100000000ull, 0x100000001ull, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0xfffffffffffffffeull, 0xffffffffffffffffull, 1000000000ull,
    };
    enum { EDGES = sizeof edges / sizeof edges[0] };
    volatile uint64_t sink;
    uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0;
    for (int i = 0; i < EDGES; i++)
        for (int j = 0; j < EDGES; j++) {
            uint64_t n = edges[i], d = edges[j];
            if (d == 0) continue;
            sum = sum * 31 + n / d;
            sum = sum * 31 + n % d;
        }
    printf("edges %016llx\n", (unsigned long long)sum);
    for (int i = 0; i < 20000; i++) {
        uint64_t n = next(&x), d = next(&x) >> (next(&x) % 64);
        if (d == 0) d = 1;
        uint64_t q = n / d, r = n % d;
        if (q * d + r != n || r >= d) {
            printf("wrong: %llu / %llu = %llu rem %llu\n", (unsigned long long)n,
                   (unsigned long long)d, (unsigned long long)q, (unsigned long long)r);
            return 1;
        }
        sum = sum * 31 + q;
        sum = sum * 31 + r;
        int64_t sn = (int64_t)n, sd = (int64_t)(d | 1) * ((i & 1) ? -1 : 1);
        sum = sum * 31 + (uint64_t)(sn / sd);
        sum = sum * 31 + (uint64_t)(sn % sd);
    }
    printf("random %016llx\n", (unsigned long long)sum);
    for (int i = 0; i < 4; i++) {
        uint64_t n = edges[i * 3 + 1] * 12345u;
        unsigned long long rem = 0xdead;
        sink = __udivmoddi4(n, 1000u + i, 0);
        printf("no rem: %llu\n", (unsigned long long)sink);
        sink = __udivmoddi4(n, 0, &rem);
        printf("by zero: %llu / 0 = %llu rem %llu\n", (unsigned long long)n,
               (unsigned long long)sink, (unsigned long long)rem);
    }
    return 0;
}
