/* Advanced SIMD through arm_neon.h: integer, saturating, shifts, permutes, table lookups,
 * structure loads and stores, and single-precision arithmetic and conversions, on
 * pseudo-random data with lane boundaries; prints every result (and the FPSCR's QC bit after
 * the saturating groups), so any difference from qemu shows. Built with -mfpu=neon-vfpv4. */
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t seed = 12345;
static uint32_t rnd(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 3 ^ seed << 7;
}

static uint8_t buf[512] __attribute__((aligned(16)));
static uint8_t out[512] __attribute__((aligned(16)));

static void fill(void) {
    static const uint8_t edge[] = {0, 0xff, 0x7f, 0x80, 1, 0xfe};
    for (int i = 0; i < 512; i++)
        buf[i] = (i % 7 == 0) ? edge[(i / 7) % 6] : (uint8_t)rnd();
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

static unsigned qc(void) {
    unsigned f;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(f));
    __asm__ volatile("vmsr fpscr, %0" ::"r"(f & ~(1u << 27 | 0x9f)));
    return f >> 27 & 1;
}

static void integer(int k) {
    uint8x16_t a = vld1q_u8(buf + k), b = vld1q_u8(buf + 16 + k);
    int16x8_t h = vreinterpretq_s16_u8(a), g = vreinterpretq_s16_u8(b);
    int32x4_t w = vreinterpretq_s32_u8(a), x = vreinterpretq_s32_u8(b);
    SHOWQ("add8", vaddq_u8(a, b));
    SHOWQ("sub16", vsubq_s16(h, g));
    SHOWQ("add64", vaddq_s64(vreinterpretq_s64_u8(a), vreinterpretq_s64_u8(b)));
    SHOWQ("hadd", vhaddq_u8(a, b));
    SHOWQ("rhadd", vrhaddq_s16(h, g));
    SHOWQ("hsub", vhsubq_s32(w, x));
    SHOWQ("qadd", vqaddq_u8(a, b));
    SHOWQ("qadds", vqaddq_s16(h, g));
    SHOWQ("qsub", vqsubq_s32(w, x));
    SHOWQ("qsub64", vqsub_s64(vget_low_s64(vreinterpretq_s64_u8(a)), vget_high_s64(vreinterpretq_s64_u8(b))));
    printf("qc %u\n", qc());
    SHOWQ("and", vandq_u8(a, b));
    SHOWQ("orr", vorrq_u8(a, b));
    SHOWQ("eor", veorq_u8(a, b));
    SHOWQ("bic", vbicq_u8(a, b));
    SHOWQ("orn", vornq_u8(a, b));
    SHOWQ("bsl", vbslq_u8(vld1q_u8(buf + 32 + k), a, b));
    SHOWQ("mvn", vmvnq_u8(a));
    SHOWQ("ceq", vceqq_u8(a, b));
    SHOWQ("cge", vcgeq_s16(h, g));
    SHOWQ("cgt", vcgtq_u32(vreinterpretq_u32_u8(a), vreinterpretq_u32_u8(b)));
    SHOWQ("tst", vtstq_u8(a, b));
    SHOWQ("clt0", vcltq_s8(vreinterpretq_s8_u8(a), vdupq_n_s8(0)));
    SHOWQ("mul", vmulq_s16(h, g));
    SHOWQ("mla", vmlaq_s32(w, x, w));
    SHOWQ("mls", vmlsq_u8(a, b, a));
    SHOWQ("mulp", vmulq_p8(vreinterpretq_p8_u8(a), vreinterpretq_p8_u8(b)));
    SHOWQ("mull", vmull_s16(vget_low_s16(h), vget_high_s16(g)));
    SHOWQ("mullu", vmull_u8(vget_low_u8(a), vget_high_u8(b)));
    SHOWQ("mullp", vmull_p8(vget_low_p8(vreinterpretq_p8_u8(a)), vget_low_p8(vreinterpretq_p8_u8(b))));
    SHOWQ("mlal", vmlal_u16(vreinterpretq_u32_u8(b), vget_low_u16(vreinterpretq_u16_u8(a)), vget_high_u16(vreinterpretq_u16_u8(a))));
    SHOWQ("mlsl", vmlsl_s32(vreinterpretq_s64_u8(b), vget_low_s32(w), vget_high_s32(x)));
    SHOWQ("qdmulh", vqdmulhq_s16(h, g));
    SHOWQ("qrdmulh", vqrdmulhq_s32(w, x));
    SHOWQ("qdmull", vqdmull_s16(vget_low_s16(h), vget_low_s16(g)));
    SHOWQ("qdmlal", vqdmlal_s32(vreinterpretq_s64_u8(b), vget_low_s32(w), vget_low_s32(x)));
    SHOWQ("mul_lane", vmulq_lane_s16(h, vget_high_s16(g), 3));
    SHOWQ("mla_lane", vmlaq_lane_s32(w, x, vget_low_s32(w), 1));
    SHOWQ("mull_lane", vmull_lane_u16(vget_low_u16(vreinterpretq_u16_u8(a)), vget_high_u16(vreinterpretq_u16_u8(b)), 2));
    SHOWQ("qdmulh_n", vqdmulhq_n_s16(h, (int16_t)0x8000));
    printf("qc %u\n", qc());
    SHOWQ("abs", vabsq_s8(vreinterpretq_s8_u8(a)));
    SHOWQ("neg", vnegq_s16(h));
    SHOWQ("qabs", vqabsq_s8(vreinterpretq_s8_u8(a)));
    SHOWQ("qneg", vqnegq_s32(w));
    SHOWQ("max", vmaxq_u8(a, b));
    SHOWQ("min", vminq_s16(h, g));
    SHOWQ("abd", vabdq_u8(a, b));
    SHOWQ("aba", vabaq_s16(h, g, h));
    SHOWQ("abdl", vabdl_u8(vget_low_u8(a), vget_high_u8(a)));
    SHOWQ("abal", vabal_s16(vreinterpretq_s32_u8(b), vget_low_s16(h), vget_high_s16(h)));
    SHOWQ("padd", vpadd_u8(vget_low_u8(a), vget_high_u8(b)));
    SHOWQ("pmax", vpmax_s16(vget_low_s16(h), vget_high_s16(g)));
    SHOWQ("pmin", vpmin_u32(vget_low_u32(vreinterpretq_u32_u8(a)), vget_high_u32(vreinterpretq_u32_u8(a))));
    SHOWQ("paddl", vpaddlq_u8(a));
    SHOWQ("padal", vpadalq_s16(vreinterpretq_s32_u8(b), h));
    SHOWQ("cnt", vcntq_u8(a));
    SHOWQ("clz", vclzq_u16(vreinterpretq_u16_u8(a)));
    SHOWQ("cls", vclsq_s32(w));
    SHOWQ("addl", vaddl_u8(vget_low_u8(a), vget_high_u8(b)));
    SHOWQ("addw", vaddw_s16(vreinterpretq_s32_u8(b), vget_low_s16(h)));
    SHOWQ("subl", vsubl_s32(vget_low_s32(w), vget_high_s32(x)));
    SHOWQ("addhn", vaddhn_u16(vreinterpretq_u16_u8(a), vreinterpretq_u16_u8(b)));
    SHOWQ("raddhn", vraddhn_s32(w, x));
    SHOWQ("rsubhn", vrsubhn_s16(h, g));
}

static void shifts(int k) {
    uint8x16_t a = vld1q_u8(buf + 64 + k), b = vld1q_u8(buf + 80 + k);
    int16x8_t h = vreinterpretq_s16_u8(a);
    int32x4_t w = vreinterpretq_s32_u8(a);
    int8x16_t sh = vshrq_n_s8(vreinterpretq_s8_u8(b), 4);
    SHOWQ("shl", vshlq_u8(a, sh));
    SHOWQ("shl64", vshlq_s64(vreinterpretq_s64_u8(a), vreinterpretq_s64_s8(vshrq_n_s8(sh, 1))));
    SHOWQ("rshl", vrshlq_s16(h, vreinterpretq_s16_s8(sh)));
    SHOWQ("qshl", vqshlq_s8(vreinterpretq_s8_u8(a), sh));
    SHOWQ("qrshl", vqrshlq_u32(vreinterpretq_u32_u8(a), vreinterpretq_s32_s8(sh)));
    SHOWQ("shr", vshrq_n_u8(a, 3));
    SHOWQ("shrs", vshrq_n_s16(h, 9));
    SHOWQ("shr64", vshrq_n_s64(vreinterpretq_s64_u8(a), 33));
    SHOWQ("shr64d", vshr_n_u64(vget_low_u64(vreinterpretq_u64_u8(a)), 64));
    SHOWQ("sra", vsraq_n_u32(vreinterpretq_u32_u8(b), vreinterpretq_u32_u8(a), 31));
    SHOWQ("rshr", vrshrq_n_s8(vreinterpretq_s8_u8(a), 2));
    SHOWQ("rsra", vrsraq_n_u16(vreinterpretq_u16_u8(b), vreinterpretq_u16_u8(a), 5));
    SHOWQ("shln", vshlq_n_s32(w, 7));
    SHOWQ("sli", vsliq_n_u8(b, a, 3));
    SHOWQ("sri", vsriq_n_u16(vreinterpretq_u16_u8(b), vreinterpretq_u16_u8(a), 12));
    SHOWQ("qshln", vqshlq_n_s16(h, 4));
    SHOWQ("qshlu", vqshluq_n_s8(vreinterpretq_s8_u8(a), 2));
    SHOWQ("shrn", vshrn_n_u16(vreinterpretq_u16_u8(a), 5));
    SHOWQ("rshrn", vrshrn_n_s32(w, 16));
    SHOWQ("qshrn", vqshrn_n_s16(h, 3));
    SHOWQ("qrshrn", vqrshrn_n_u32(vreinterpretq_u32_u8(a), 9));
    SHOWQ("qshrun", vqshrun_n_s16(h, 1));
    SHOWQ("qrshrun", vqrshrun_n_s64(vreinterpretq_s64_u8(a), 20));
    SHOWQ("shll", vshll_n_u8(vget_low_u8(a), 3));
    SHOWQ("shllmax", vshll_n_s16(vget_low_s16(h), 16));
    SHOWQ("movl", vmovl_s8(vget_high_s8(vreinterpretq_s8_u8(a))));
    SHOWQ("movn", vmovn_u32(vreinterpretq_u32_u8(a)));
    SHOWQ("qmovn", vqmovn_s16(h));
    SHOWQ("qmovun", vqmovun_s32(w));
    SHOWQ("uqmovn", vqmovn_u64(vreinterpretq_u64_u8(a)));
    printf("qc %u\n", qc());
}

static void permutes(int k) {
    uint8x16_t a = vld1q_u8(buf + 128 + k), b = vld1q_u8(buf + 144 + k);
    uint8x8x2_t z = vzip_u8(vget_low_u8(a), vget_high_u8(b));
    SHOWQ("zip", z);
    uint16x8x2_t uz = vuzpq_u16(vreinterpretq_u16_u8(a), vreinterpretq_u16_u8(b));
    SHOWQ("uzp", uz);
    uint32x4x2_t tr = vtrnq_u32(vreinterpretq_u32_u8(a), vreinterpretq_u32_u8(b));
    SHOWQ("trn", tr);
    uint8x8x2_t tr8 = vtrn_u8(vget_low_u8(a), vget_low_u8(b));
    SHOWQ("trn8", tr8);
    SHOWQ("ext", vextq_u8(a, b, 5));
    SHOWQ("ext64", vext_u8(vget_low_u8(a), vget_high_u8(a), 7));
    SHOWQ("rev64", vrev64q_u8(a));
    SHOWQ("rev32", vrev32q_u16(vreinterpretq_u16_u8(a)));
    SHOWQ("rev16", vrev16q_u8(b));
    uint8x8_t idx = vand_u8(vget_low_u8(b), vdup_n_u8(0x27));
    uint8x8x2_t t2 = {{vget_low_u8(a), vget_high_u8(a)}};
    uint8x8x3_t t3 = {{vget_low_u8(a), vget_high_u8(a), vget_low_u8(b)}};
    uint8x8x4_t t4 = {{vget_low_u8(a), vget_high_u8(a), vget_low_u8(b), vget_high_u8(b)}};
    SHOWQ("tbl1", vtbl1_u8(vget_low_u8(a), idx));
    SHOWQ("tbl2", vtbl2_u8(t2, idx));
    SHOWQ("tbl3", vtbl3_u8(t3, idx));
    SHOWQ("tbl4", vtbl4_u8(t4, idx));
    SHOWQ("tbx1", vtbx1_u8(vget_high_u8(b), vget_low_u8(a), idx));
    SHOWQ("tbx3", vtbx3_u8(vget_high_u8(b), t3, idx));
    SHOWQ("dup", vdupq_n_u16((uint16_t)rnd()));
    SHOWQ("dup8", vdup_n_u8((uint8_t)rnd()));
    SHOWQ("dupl", vdupq_lane_u32(vget_high_u32(vreinterpretq_u32_u8(a)), 1));
    SHOWQ("dupl8", vdup_lane_u8(vget_low_u8(b), 5));
    SHOWQ("movi", vmovq_n_u32(0xab00));
    SHOWQ("mvni", vdupq_n_s16(-0x2301));
    SHOWQ("movi64", vmov_n_u64(0xff00ff0000ffff00ull));
    SHOWQ("orri", vorrq_u32(vreinterpretq_u32_u8(a), vdupq_n_u32(0x4400)));
    SHOWQ("bici", vandq_u16(vreinterpretq_u16_u8(a), vdupq_n_u16(0xff0f)));
    SHOWQ("fmov", vdupq_n_f32(-2.5f));
    uint32x4_t v = vreinterpretq_u32_u8(a);
    printf("lane %08x %02x %d\n", vgetq_lane_u32(v, 3), vgetq_lane_u8(a, 9), vgetq_lane_s16(vreinterpretq_s16_u8(b), 6));
    SHOWQ("setlane", vsetq_lane_u16(0xbeef, vreinterpretq_u16_u8(a), 5));
}

static void memory(int k) {
    memset(out, 0, sizeof out);
    uint8x16x2_t l2 = vld2q_u8(buf + k);
    SHOWQ("ld2", l2);
    uint16x4x3_t l3 = vld3_u16((const uint16_t *)(buf + 2 * k));
    SHOWQ("ld3", l3);
    uint32x4x4_t l4 = vld4q_u32((const uint32_t *)(buf + 4 * k));
    SHOWQ("ld4", l4);
    uint8x8x4_t l48 = vld4_u8(buf + 100 + k);
    SHOWQ("ld4b", l48);
    SHOWQ("ld1x", vld1q_u64((const uint64_t *)(buf + 8 * k)));
    uint16x8_t m = vld1q_u16((const uint16_t *)(buf + 200));
    SHOWQ("ld1lane", vld1q_lane_u16((const uint16_t *)(buf + 300 + 2 * k), m, 6));
    SHOWQ("ld1dup", vld1q_dup_u32((const uint32_t *)(buf + 4 * k + 40)));
    uint8x8x2_t d2 = vld2_dup_u8(buf + k + 7);
    SHOWQ("ld2dup", d2);
    uint16x4x3_t d3 = vld3_dup_u16((const uint16_t *)(buf + 2 * k + 50));
    SHOWQ("ld3dup", d3);
    uint32x2x4_t d4 = vld4_dup_u32((const uint32_t *)(buf + 4 * k + 60));
    SHOWQ("ld4dup", d4);
    uint16x8x2_t ln = vld2q_lane_u16((const uint16_t *)(buf + 2 * k + 9), vld2q_u16((const uint16_t *)(buf + 64)), 5);
    SHOWQ("ld2lane", ln);
    uint32x2x3_t l3l = vld3_lane_u32((const uint32_t *)(buf + 20), vld3_u32((const uint32_t *)(buf + 4 * k + 300)), 1);
    SHOWQ("ld3lane", l3l);
    uint8x8x4_t l4l = vld4_lane_u8(buf + k + 400, l48, 6);
    SHOWQ("ld4lane", l4l);
    vst2q_u8(out + k, l2);
    vst3_u16((uint16_t *)(out + 64 + 2 * k), l3);
    vst4q_u32((uint32_t *)(out + 128), l4);
    vst4_lane_u8(out + 200 + k, l48, 3);
    vst1q_lane_u32((uint32_t *)(out + 220), vld1q_u32((const uint32_t *)buf), 2);
    vst2_lane_u16((uint16_t *)(out + 230), vld2_u16((const uint16_t *)(buf + 3)), 3);
    vst3q_lane_u32((uint32_t *)(out + 240), vld3q_u32((const uint32_t *)(buf + 7)), 3);
    vst1q_u8(out + 300 + k, vld1q_u8(buf + 400 - k));
    show("stores", out, 320);
}

static void fp(int k) {
    float f[16];
    for (int i = 0; i < 16; i++) {
        uint32_t r = rnd();
        static const float special[] = {0.0f, -0.0f, 1.0f, -1.5f, 1e-40f, -3e-39f, 3.4e38f, 1e30f, 0.5f, 2.0f};
        f[i] = (i + k) % 5 == 0 ? special[r % 10] : (float)(int32_t)r / (float)(1 << (r % 31));
    }
    if (k & 1) {
        uint32_t nan = 0x7fa00001, inf = 0xff800000;
        memcpy(&f[3], &nan, 4);
        memcpy(&f[9], &inf, 4);
    }
    float32x4_t a = vld1q_f32(f), b = vld1q_f32(f + 4), c = vld1q_f32(f + 8), d = vld1q_f32(f + 12);
    SHOWQ("fadd", vaddq_f32(a, b));
    SHOWQ("fsub", vsubq_f32(c, d));
    SHOWQ("fmul", vmulq_f32(a, c));
    SHOWQ("fmla", vmlaq_f32(a, b, c));
    SHOWQ("fmls", vmlsq_f32(d, b, c));
    SHOWQ("fma", vfmaq_f32(a, b, c));
    SHOWQ("fms", vfmsq_f32(a, b, d));
    SHOWQ("fmul_n", vmulq_n_f32(b, f[5]));
    SHOWQ("fmla_lane", vmlaq_lane_f32(c, d, vget_low_f32(a), 1));
    SHOWQ("fabd", vabdq_f32(a, d));
    SHOWQ("fpadd", vpadd_f32(vget_low_f32(a), vget_high_f32(b)));
    SHOWQ("fmax", vmaxq_f32(a, b));
    SHOWQ("fmin", vminq_f32(c, d));
    SHOWQ("fpmax", vpmax_f32(vget_low_f32(c), vget_high_f32(d)));
    SHOWQ("fpmin", vpmin_f32(vget_low_f32(a), vget_high_f32(a)));
    SHOWQ("fabs", vabsq_f32(b));
    SHOWQ("fneg", vnegq_f32(c));
    SHOWQ("fceq", vceqq_f32(a, b));
    SHOWQ("fcge", vcgeq_f32(a, c));
    SHOWQ("fcgt", vcgtq_f32(b, d));
    SHOWQ("fcagt", vcagtq_f32(a, d));
    SHOWQ("fclt0", vcltq_f32(d, vdupq_n_f32(0.0f)));
    SHOWQ("recpe", vrecpeq_f32(a));
    SHOWQ("recps", vrecpsq_f32(a, b));
    SHOWQ("rsqrte", vrsqrteq_f32(vabsq_f32(c)));
    SHOWQ("rsqrts", vrsqrtsq_f32(c, d));
    SHOWQ("urecpe", vrecpeq_u32(vreinterpretq_u32_f32(d)));
    SHOWQ("ursqrte", vrsqrteq_u32(vreinterpretq_u32_f32(b)));
    SHOWQ("cvts", vcvtq_s32_f32(a));
    SHOWQ("cvtu", vcvtq_u32_f32(b));
    SHOWQ("cvtf", vcvtq_f32_s32(vreinterpretq_s32_f32(c)));
    SHOWQ("cvtfu", vcvtq_f32_u32(vreinterpretq_u32_f32(d)));
    SHOWQ("cvtn", vcvtq_n_s32_f32(b, 8));
    SHOWQ("cvtnf", vcvtq_n_f32_u32(vreinterpretq_u32_f32(a), 30));
    /* Half-precision conversions (arm_neon.h wants -mfp16-format for their types). */
    uint16x4_t h;
    float32x4_t hw;
    __asm__("vcvt.f16.f32 %P0, %q1" : "=w"(h) : "w"(c));
    SHOWQ("cvth", h);
    __asm__("vcvt.f32.f16 %q0, %P1" : "=w"(hw) : "w"(vget_low_u16(vreinterpretq_u16_f32(d))));
    SHOWQ("cvtw", hw);
    unsigned fpscr;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(fpscr));
    printf("fpscr %08x\n", fpscr);
    __asm__ volatile("vmsr fpscr, %0" ::"r"(0u));
}

int main(void) {
    fill();
    for (int k = 0; k < 4; k++) {
        printf("-- round %d\n", k);
        integer(k * 3);
        shifts(k * 5);
        permutes(k * 7);
        memory(k);
        fp(k);
    }
    /* A run with FZ, DN and a rounding mode set: NEON arithmetic ignores them. */
    __asm__ volatile("vmsr fpscr, %0" ::"r"(0x03c00000u));
    fp(9);
    return 0;
}
