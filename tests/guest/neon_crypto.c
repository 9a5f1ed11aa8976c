/* ARMv8 AArch32 Advanced SIMD additions through arm_neon.h (-march=armv8-a
 * -mfpu=crypto-neon-fp-armv8): AES rounds (AESE/AESD/AESMC/AESIMC), SHA-1 and SHA-256
 * instructions, VMULL.P64, VRINT{N,X,A,Z,M,P}, VCVT{A,N,P,M} and VMAXNM/VMINNM on
 * pseudo-random data with NaNs, infinities and halfway values; prints every result. */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t seed = 4242;
static uint32_t rnd(void) {
    seed = seed * 69069u + 1u;
    return seed ^ seed >> 13;
}

static void show(const char *name, const void *p, int n) {
    const uint8_t *b = p;
    printf("%s:", name);
    for (int i = 0; i < n; i++)
        printf("%s%02x", i % 4 ? "" : " ", b[i]);
    printf("\n");
}

#define SHOWQ(name, v)                                                                             \
    do {                                                                                           \
        __typeof__(v) t_ = (v);                                                                    \
        show(name, &t_, sizeof t_);                                                                \
    } while (0)

/* VCVT{A,N,P,M} (GCC's arm_neon.h has no AArch32 intrinsics for them). */
#define CVT(insn, x)                                                                               \
    ({                                                                                             \
        uint32x4_t r_;                                                                             \
        __asm__(insn " %q0, %q1" : "=w"(r_) : "w"(x));                                             \
        r_;                                                                                        \
    })

static uint32x4_t rq(void) {
    uint32_t w[4] = {rnd(), rnd(), rnd(), rnd()};
    return vld1q_u32(w);
}

int main(void) {
    for (int round = 0; round < 6; round++) {
        uint8x16_t st = vreinterpretq_u8_u32(rq()), key = vreinterpretq_u8_u32(rq());
        for (int i = 0; i < 10; i++) {
            st = vaesmcq_u8(vaeseq_u8(st, key));
            key = vreinterpretq_u8_u32(vaddq_u32(vreinterpretq_u32_u8(key), vdupq_n_u32(0x9e3779b9)));
        }
        SHOWQ("aes", st);
        for (int i = 0; i < 10; i++)
            st = vaesimcq_u8(vaesdq_u8(st, key));
        SHOWQ("aesd", st);
        uint32x4_t abcd = rq(), w0 = rq(), w1 = rq(), w2 = rq(), w3 = rq();
        uint32_t e = rnd();
        SHOWQ("sha1c", vsha1cq_u32(abcd, e, w0));
        SHOWQ("sha1p", vsha1pq_u32(abcd, e, w1));
        SHOWQ("sha1m", vsha1mq_u32(abcd, e, w2));
        printf("sha1h %08x\n", vsha1h_u32(e));
        SHOWQ("sha1su0", vsha1su0q_u32(w0, w1, w2));
        SHOWQ("sha1su1", vsha1su1q_u32(w0, w3));
        SHOWQ("sha256h", vsha256hq_u32(abcd, w1, w2));
        SHOWQ("sha256h2", vsha256h2q_u32(abcd, w1, w3));
        SHOWQ("sha256su0", vsha256su0q_u32(w0, w1));
        SHOWQ("sha256su1", vsha256su1q_u32(w0, w2, w3));
        poly64_t x = (uint64_t)rnd() << 32 | rnd(), y = (uint64_t)rnd() << 32 | rnd();
        SHOWQ("pmull64", vmull_p64(x, y));
        float f[8];
        static const float sp[] = {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 1e10f, -3.75f, 0.0f};
        for (int i = 0; i < 8; i++)
            f[i] = (i + round) % 3 == 0 ? sp[(i + round) % 8] : (float)(int32_t)rnd() / (1 << (rnd() % 24));
        if (round & 1) {
            uint32_t nan = 0x7f800001, qnan = 0xffc00000, inf = 0x7f800000;
            memcpy(&f[1], &nan, 4);
            memcpy(&f[4], &qnan, 4);
            memcpy(&f[6], &inf, 4);
        }
        float32x4_t a = vld1q_f32(f), b = vld1q_f32(f + 4);
        SHOWQ("rndn", vrndnq_f32(a));
        SHOWQ("rndx", vrndxq_f32(a));
        SHOWQ("rnda", vrndaq_f32(b));
        SHOWQ("rnd", vrndq_f32(b));
        SHOWQ("rndm", vrndmq_f32(a));
        SHOWQ("rndp", vrndpq_f32(b));
        SHOWQ("cvta", CVT("vcvta.s32.f32", a));
        SHOWQ("cvtn", CVT("vcvtn.u32.f32", b));
        SHOWQ("cvtp", CVT("vcvtp.s32.f32", b));
        SHOWQ("cvtm", CVT("vcvtm.u32.f32", a));
        SHOWQ("maxnm", vmaxnmq_f32(a, b));
        SHOWQ("minnm", vminnmq_f32(a, b));
        unsigned fpscr;
        __asm__ volatile("vmrs %0, fpscr" : "=r"(fpscr));
        printf("fpscr %08x\n", fpscr);
    }
    return 0;
}
