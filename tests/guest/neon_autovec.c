/* Loops GCC auto-vectorises for Advanced SIMD (-O3 -mfpu=neon-vfpv4): element-wise integer
 * arithmetic, saturation, widening multiply-accumulate, reductions, absolute differences,
 * shifts, compares and selects, interleaved (VLD2-4/VST2-4) channel access, conversions, and
 * single-precision loops (fast-math for those functions, so they vectorise too), over
 * pseudo-random data at varying lengths and alignments; prints checksums of every result.
 * Also exercises glibc's string and memory functions, which pick NEON versions when AT_HWCAP
 * has NEON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1031
static uint8_t a8[N + 64], b8[N + 64], c8[N + 64];
static int16_t a16[N], b16[N], c16[N];
static int32_t a32[N], b32[N], c32[N];
static uint32_t u32[N];
static float fa[N], fb[N], fc[N];

static uint32_t seed = 77;
static uint32_t rnd(void) {
    seed = seed * 1664525u + 1013904223u;
    return seed ^ seed >> 15;
}

static uint32_t sum(const void *p, size_t n) {
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

__attribute__((noinline)) static void add_sat(uint8_t *d, const uint8_t *x, const uint8_t *y, int n) {
    for (int i = 0; i < n; i++) {
        unsigned s = x[i] + y[i];
        d[i] = s > 255 ? 255 : s;
    }
}

__attribute__((noinline)) static void avg(uint8_t *d, const uint8_t *x, const uint8_t *y, int n) {
    for (int i = 0; i < n; i++)
        d[i] = (x[i] + y[i] + 1) >> 1;
}

__attribute__((noinline)) static int32_t dot16(const int16_t *x, const int16_t *y, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

__attribute__((noinline)) static uint32_t sad(const uint8_t *x, const uint8_t *y, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++)
        s += abs(x[i] - y[i]);
    return s;
}

__attribute__((noinline)) static void minmax(int32_t *mn, int32_t *mx, const int32_t *x, int n) {
    int32_t lo = x[0], hi = x[0];
    for (int i = 0; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    *mn = lo;
    *mx = hi;
}

__attribute__((noinline)) static void mla16(int16_t *d, const int16_t *x, const int16_t *y, int n) {
    for (int i = 0; i < n; i++)
        d[i] += x[i] * y[i] - (x[i] >> 3);
}

__attribute__((noinline)) static void widen(int32_t *d, const int16_t *x, const uint8_t *y, int n) {
    for (int i = 0; i < n; i++)
        d[i] = x[i] * 3 + y[i];
}

__attribute__((noinline)) static void narrow(uint8_t *d, const int32_t *x, int n) {
    for (int i = 0; i < n; i++) {
        int32_t v = x[i] >> 7;
        d[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
}

__attribute__((noinline)) static void select_cmp(int32_t *d, const int32_t *x, const int32_t *y, int n) {
    for (int i = 0; i < n; i++)
        d[i] = x[i] > y[i] ? x[i] - y[i] : (x[i] ^ y[i]) & 0xff0;
}

__attribute__((noinline)) static void shifts(uint32_t *d, const uint32_t *x, int n) {
    for (int i = 0; i < n; i++)
        d[i] = (x[i] >> 5) ^ (x[i] << 11) ^ (uint32_t)((int32_t)x[i] >> 29);
}

__attribute__((noinline)) static void rgb_gray(uint8_t *g, const uint8_t *rgb, int n) {
    for (int i = 0; i < n; i++)
        g[i] = (rgb[3 * i] * 77 + rgb[3 * i + 1] * 150 + rgb[3 * i + 2] * 29) >> 8;
}

__attribute__((noinline)) static void swap_pairs(int16_t *d, const int16_t *x, int n) {
    for (int i = 0; i < n; i++) {
        d[2 * i] = x[2 * i + 1];
        d[2 * i + 1] = x[2 * i];
    }
}

__attribute__((noinline)) static void rgba_mix(uint8_t *d, const uint8_t *x, int n) {
    for (int i = 0; i < n; i++) {
        d[4 * i] = x[4 * i + 3];
        d[4 * i + 1] = x[4 * i + 2] + x[4 * i];
        d[4 * i + 2] = x[4 * i + 1];
        d[4 * i + 3] = x[4 * i] >> 1;
    }
}

__attribute__((noinline)) static void to_float(float *d, const int32_t *x, int n) {
    for (int i = 0; i < n; i++)
        d[i] = (float)x[i];
}

__attribute__((noinline)) static void to_int(int32_t *d, const float *x, int n) {
    for (int i = 0; i < n; i++)
        d[i] = (int32_t)x[i];
}

#pragma GCC push_options
#pragma GCC optimize("fast-math")
__attribute__((noinline)) static void saxpy(float *y, const float *x, float a, int n) {
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

__attribute__((noinline)) static float fdot(const float *x, const float *y, int n) {
    float s = 0;
    for (int i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

__attribute__((noinline)) static void fclamp(float *d, const float *x, int n) {
    for (int i = 0; i < n; i++) {
        float v = x[i] * 0.5f - 1.0f;
        d[i] = v < -2.0f ? -2.0f : v > 2.0f ? 2.0f : v;
    }
}

__attribute__((noinline)) static void fdiv(float *d, const float *x, const float *y, int n) {
    for (int i = 0; i < n; i++)
        d[i] = x[i] / (y[i] + 4.0f);
}
#pragma GCC pop_options

static unsigned fbits(float f) {
    unsigned u;
    memcpy(&u, &f, 4);
    return u;
}

int main(void) {
    for (int i = 0; i < N + 64; i++) {
        a8[i] = rnd();
        b8[i] = i % 9 == 0 ? 0xff : rnd();
    }
    for (int i = 0; i < N; i++) {
        a16[i] = rnd();
        b16[i] = i % 11 == 0 ? -32768 : (int16_t)rnd() >> (i % 5);
        a32[i] = rnd();
        b32[i] = (int32_t)rnd() >> (i % 13);
        u32[i] = rnd();
        fa[i] = (float)(int32_t)rnd() / 65536.0f;
        fb[i] = (float)(i % 100) * 0.37f - 11.0f;
    }
    static const int lens[] = {0, 1, 7, 8, 15, 16, 17, 31, 64, 100, 255, 1000};
    for (unsigned k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        int n = lens[k], off = k % 4;
        memset(c8, 0, sizeof c8);
        add_sat(c8, a8 + off, b8, n);
        printf("n=%d add_sat %08x", n, sum(c8, N));
        avg(c8, a8, b8 + off, n);
        printf(" avg %08x", sum(c8, N));
        printf(" dot %d sad %u", dot16(a16 + off, b16, n), sad(a8 + off, b8 + 1, n));
        int32_t mn = 0, mx = 0;
        if (n)
            minmax(&mn, &mx, a32 + off, n);
        printf(" min %d max %d", mn, mx);
        memcpy(c16, a16, sizeof c16);
        mla16(c16, b16 + off, a16, n);
        printf(" mla %08x", sum(c16, sizeof c16));
        widen(c32, a16, b8 + off, n);
        printf(" widen %08x", sum(c32, 4 * n));
        narrow(c8, a32 + off, n);
        printf(" narrow %08x", sum(c8, n));
        select_cmp(c32, a32, b32 + off, n);
        printf(" sel %08x", sum(c32, 4 * n));
        shifts((uint32_t *)c32, u32 + off, n);
        printf(" shift %08x", sum(c32, 4 * n));
        rgb_gray(c8, a8, n / 3);
        printf(" gray %08x", sum(c8, n / 3));
        swap_pairs(c16, a16 + 2 * off, n / 2);
        printf(" swap %08x", sum(c16, n / 2 * 4));
        rgba_mix(c8, b8 + off, n / 4);
        printf(" rgba %08x\n", sum(c8, n / 4 * 4));
        to_float(fc, a32 + off, n);
        printf("  tofloat %08x", sum(fc, 4 * n));
        to_int(c32, fa + off, n);
        printf(" toint %08x", sum(c32, 4 * n));
        memcpy(fc, fb, sizeof fc);
        saxpy(fc, fa + off, 0.75f, n);
        printf(" saxpy %08x dot %08x", sum(fc, 4 * n), fbits(fdot(fa, fb + off, n)));
        fclamp(fc, fa + off, n);
        printf(" clamp %08x", sum(fc, 4 * n));
        fdiv(fc, fa, fb + off, n);
        printf(" div %08x\n", sum(fc, 4 * n));
    }
    /* glibc's string functions (NEON variants when the kernel says NEON). */
    char s[600];
    for (int i = 0; i < 599; i++)
        s[i] = 'a' + i % 23;
    s[599] = 0;
    for (int off = 0; off < 8; off++) {
        char d[700];
        memset(d, off, sizeof d);
        memcpy(d + off, s + 3, 400 + off);
        memmove(d + 1, d + off, 300);
        printf("str off=%d len %zu chr %td cmp %d sum %08x\n", off, strlen(s + off),
               strchr(s + off, 'w') - s, memcmp(d, s, 200), sum(d, sizeof d));
    }
    return 0;
}
