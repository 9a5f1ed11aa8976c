//! Fast paths for the hottest Advanced SIMD, scalar FP and SIMD&FP load/store encodings.
//!
//! The generic handlers work lane by lane on `u128` values through closures and variable
//! shifts, which is exact but costs tens of nanoseconds per instruction. String and memory
//! routines (glibc's memchr/strlen/memcpy/strcmp) run a handful of whole-vector operations in
//! their inner loops, so those get direct implementations here on SSE2 (baseline on x86-64),
//! whole 128-bit values or direct 16-byte copies. Scalar FP arithmetic on normal numbers under
//! the default FPCR, once FPSR.IXC is set, runs as one host instruction with no MXCSR access.
//!
//! Each row's fast path is tried before its generic handler (see `crate::run`). It only claims
//! encodings that the generic handler accepts too, and it produces the same result; anything
//! else (including every unallocated or unusual form) returns `false` and takes the generic
//! path, so [`crate::supported`] keeps agreeing with the executor. In a dry context it never
//! touches guest memory.

use core::arch::x86_64::*;

use crate::{Ctx, bit, bits, rd, rm, rn};
use cpu::CpuState;

// Each row's entry point returns true if it executed the instruction and false if the generic
// handler must run (nothing has been changed then).

// SAFETY (for every `unsafe` call of an `_sse` function below): those functions only need
// SSE2, which is part of the x86-64 baseline, so every CPU this code runs on has it.

/// Fast path of Advanced SIMD three same.
pub fn three_same(cx: &mut Ctx, w: u32) -> bool {
    // SAFETY: SSE2 is baseline on x86-64 (see above).
    unsafe { three_same_sse(cx.cpu, w) }
}

/// Fast path of Advanced SIMD two-register miscellaneous.
pub fn two_misc(cx: &mut Ctx, w: u32) -> bool {
    // SAFETY: SSE2 is baseline on x86-64.
    unsafe { two_misc_sse(cx.cpu, w) }
}

/// Fast path of Advanced SIMD shift by immediate.
pub fn shift_imm(cx: &mut Ctx, w: u32) -> bool {
    // SAFETY: SSE2 is baseline on x86-64.
    unsafe { shift_imm_sse(cx.cpu, w) }
}

/// Fast path of Advanced SIMD across lanes.
pub fn across(cx: &mut Ctx, w: u32) -> bool {
    // SAFETY: SSE2 is baseline on x86-64.
    unsafe { across_sse(cx.cpu, w) }
}

/// Fast path of Advanced SIMD permute.
pub fn permute(cx: &mut Ctx, w: u32) -> bool {
    // SAFETY: SSE2 is baseline on x86-64.
    unsafe { permute_sse(cx.cpu, w) }
}

/// V`n` as an SSE register.
#[inline]
#[target_feature(enable = "sse2")]
pub(crate) fn ld(cpu: &CpuState, n: u32) -> __m128i {
    let [lo, hi] = cpu.v[(n & 31) as usize];
    _mm_set_epi64x(hi as i64, lo as i64)
}

/// The two 64-bit halves of `v`, low first.
#[inline]
#[target_feature(enable = "sse2")]
fn halves(v: __m128i) -> [u64; 2] {
    [
        _mm_cvtsi128_si64(v) as u64,
        _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64,
    ]
}

/// Writes `v` to V`n`, keeping only the low 64 bits (top zeroed) unless `q`.
#[inline]
#[target_feature(enable = "sse2")]
pub(crate) fn st(cpu: &mut CpuState, n: u32, v: __m128i, q: bool) {
    let [lo, hi] = halves(v);
    cpu.v[(n & 31) as usize] = [lo, if q { hi } else { 0 }];
}

/// Lane-wise wrapping addition for element size `8 << size`.
#[inline]
#[target_feature(enable = "sse2")]
fn add(a: __m128i, b: __m128i, size: u32) -> __m128i {
    match size {
        0 => _mm_add_epi8(a, b),
        1 => _mm_add_epi16(a, b),
        2 => _mm_add_epi32(a, b),
        _ => _mm_add_epi64(a, b),
    }
}

/// Lane-wise wrapping subtraction.
#[inline]
#[target_feature(enable = "sse2")]
fn sub(a: __m128i, b: __m128i, size: u32) -> __m128i {
    match size {
        0 => _mm_sub_epi8(a, b),
        1 => _mm_sub_epi16(a, b),
        2 => _mm_sub_epi32(a, b),
        _ => _mm_sub_epi64(a, b),
    }
}

/// Lane-wise equality mask.
#[inline]
#[target_feature(enable = "sse2")]
fn eq(a: __m128i, b: __m128i, size: u32) -> __m128i {
    match size {
        0 => _mm_cmpeq_epi8(a, b),
        1 => _mm_cmpeq_epi16(a, b),
        2 => _mm_cmpeq_epi32(a, b),
        _ => {
            // Both 32-bit halves of a 64-bit lane must be equal.
            let e = _mm_cmpeq_epi32(a, b);
            _mm_and_si128(e, _mm_shuffle_epi32::<0b10_11_00_01>(e))
        }
    }
}

/// Lane-wise signed `a > b` mask.
#[inline]
#[target_feature(enable = "sse2")]
fn gt_s(a: __m128i, b: __m128i, size: u32) -> __m128i {
    match size {
        0 => _mm_cmpgt_epi8(a, b),
        1 => _mm_cmpgt_epi16(a, b),
        2 => _mm_cmpgt_epi32(a, b),
        _ => {
            // SSE2 has no 64-bit compare; two scalar compares are cheap.
            let ([a0, a1], [b0, b1]) = (halves(a), halves(b));
            let m = |x: u64, y: u64| -(((x as i64) > (y as i64)) as i64);
            _mm_set_epi64x(m(a1, b1), m(a0, b0))
        }
    }
}

/// The sign bit of every lane.
#[inline]
#[target_feature(enable = "sse2")]
fn sign_bits(size: u32) -> __m128i {
    match size {
        0 => _mm_set1_epi8(i8::MIN),
        1 => _mm_set1_epi16(i16::MIN),
        2 => _mm_set1_epi32(i32::MIN),
        _ => _mm_set1_epi64x(i64::MIN),
    }
}

/// Lane-wise `a > b` mask, unsigned when `unsigned` (by flipping the sign bits).
#[inline]
#[target_feature(enable = "sse2")]
fn gt(a: __m128i, b: __m128i, size: u32, unsigned: bool) -> __m128i {
    if unsigned {
        let s = sign_bits(size);
        gt_s(_mm_xor_si128(a, s), _mm_xor_si128(b, s), size)
    } else {
        gt_s(a, b, size)
    }
}

/// Bitwise NOT.
#[inline]
#[target_feature(enable = "sse2")]
fn not(a: __m128i) -> __m128i {
    _mm_xor_si128(a, _mm_set1_epi32(-1))
}

/// `m ? a : b` bitwise.
#[inline]
#[target_feature(enable = "sse2")]
fn select(m: __m128i, a: __m128i, b: __m128i) -> __m128i {
    _mm_or_si128(_mm_and_si128(m, a), _mm_andnot_si128(m, b))
}

/// Keeps the low half of every `16 << size`-bit lane of `x` and packs them into the low 64 bits
/// (XTN); the top 64 bits are the same for `y`.
#[inline]
#[target_feature(enable = "sse2")]
fn narrow2(x: __m128i, y: __m128i, size: u32) -> __m128i {
    match size {
        0 => {
            let m = _mm_set1_epi16(0xff);
            _mm_packus_epi16(_mm_and_si128(x, m), _mm_and_si128(y, m))
        }
        1 => {
            // Sign-extending the low halves makes the saturating pack exact.
            let s = |v| _mm_srai_epi32::<16>(_mm_slli_epi32::<16>(v));
            _mm_packs_epi32(s(x), s(y))
        }
        _ => _mm_castps_si128(_mm_shuffle_ps::<0b10_00_10_00>(
            _mm_castsi128_ps(x),
            _mm_castsi128_ps(y),
        )),
    }
}

/// Splits the concatenation `x:y` (x first) into its even and odd elements, each as one
/// vector with `x`'s elements in the low half.
#[inline]
#[target_feature(enable = "sse2")]
fn deinterleave(x: __m128i, y: __m128i, size: u32) -> (__m128i, __m128i) {
    match size {
        0 => (
            narrow2(x, y, 0),
            _mm_packus_epi16(_mm_srli_epi16::<8>(x), _mm_srli_epi16::<8>(y)),
        ),
        1 => (
            narrow2(x, y, 1),
            _mm_packs_epi32(_mm_srai_epi32::<16>(x), _mm_srai_epi32::<16>(y)),
        ),
        2 => {
            let (fx, fy) = (_mm_castsi128_ps(x), _mm_castsi128_ps(y));
            (
                _mm_castps_si128(_mm_shuffle_ps::<0b10_00_10_00>(fx, fy)),
                _mm_castps_si128(_mm_shuffle_ps::<0b11_01_11_01>(fx, fy)),
            )
        }
        _ => (_mm_unpacklo_epi64(x, y), _mm_unpackhi_epi64(x, y)),
    }
}

/// Advanced SIMD three same: ADD/SUB, CMEQ/CMTST, CMGT/CMHI/CMGE/CMHS, SMAX/UMAX/SMIN/UMIN,
/// SMAXP/UMAXP/SMINP/UMINP, ADDP.
#[target_feature(enable = "sse2")]
fn three_same_sse(cpu: &mut CpuState, w: u32) -> bool {
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let op = bits(w, 15, 11);
    let full = size < 3 || q;
    let (a, b) = (ld(cpu, rn(w)), ld(cpu, rm(w)));
    let v = match op {
        0b00011 => {
            let d = ld(cpu, rd(w));
            match (u, size) {
                (false, 0) => _mm_and_si128(a, b),
                (false, 1) => _mm_andnot_si128(b, a),
                (false, 2) => _mm_or_si128(a, b),
                (false, _) => _mm_or_si128(a, not(b)),
                (true, 0) => _mm_xor_si128(a, b),
                // BSL, BIT, BIF: bitwise selects with the destination as one operand.
                (true, 1) => select(d, a, b),
                (true, 2) => select(b, a, d),
                (true, _) => select(b, d, a),
            }
        }
        0b10000 if full => {
            if u {
                sub(a, b, size)
            } else {
                add(a, b, size)
            }
        }
        0b10001 if full => {
            if u {
                eq(a, b, size)
            } else {
                not(eq(_mm_and_si128(a, b), _mm_setzero_si128(), size))
            }
        }
        0b00110 if full => gt(a, b, size, u),
        0b00111 if full => not(gt(b, a, size, u)),
        0b01100 | 0b01101 if size < 3 => {
            let m = gt(a, b, size, u);
            if op == 0b01100 {
                select(m, a, b)
            } else {
                select(m, b, a)
            }
        }
        0b10100 | 0b10101 | 0b10111 => {
            if op == 0b10111 && (u || !full) || op != 0b10111 && size == 3 {
                return false;
            }
            let (e, o) = if q {
                deinterleave(a, b, size)
            } else {
                let c = _mm_unpacklo_epi64(a, b);
                deinterleave(c, c, size)
            };
            match op {
                0b10111 => add(e, o, size),
                0b10100 => select(gt(e, o, size, u), e, o),
                _ => select(gt(e, o, size, u), o, e),
            }
        }
        _ => return false,
    };
    st(cpu, rd(w), v, q);
    true
}

/// Advanced SIMD across lanes on bytes: SMAXV/UMAXV, SMINV/UMINV, ADDV.
#[target_feature(enable = "sse2")]
fn across_sse(cpu: &mut CpuState, w: u32) -> bool {
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let op = bits(w, 16, 12);
    if size != 0 || !matches!((op, u), (0b01010 | 0b11010, _) | (0b11011, false)) {
        return false;
    }
    let a = ld(cpu, rn(w));
    // Without Q only the low half counts: repeating it changes neither a maximum nor a
    // minimum, and ADDV adds just the low half's sum below.
    let a = if q { a } else { _mm_unpacklo_epi64(a, a) };
    let r = if op == 0b11011 {
        // SAD against zero sums each half's eight bytes into its 64-bit lane.
        let [lo, hi] = halves(_mm_sad_epu8(a, _mm_setzero_si128()));
        if q { lo + hi } else { lo }
    } else {
        // Signed compares become unsigned ones with the sign bits flipped.
        let flip = if u { 0 } else { 0x80 };
        let x = _mm_xor_si128(a, _mm_set1_epi8(flip as u8 as i8));
        let f = |x, y| {
            if op == 0b01010 {
                _mm_max_epu8(x, y)
            } else {
                _mm_min_epu8(x, y)
            }
        };
        let x = f(x, _mm_srli_si128::<8>(x));
        let x = f(x, _mm_srli_si128::<4>(x));
        let x = f(x, _mm_srli_si128::<2>(x));
        let x = f(x, _mm_srli_si128::<1>(x));
        (_mm_cvtsi128_si32(x) as u64 ^ flip) & 0xff
    };
    cpu.v[rd(w) as usize] = [r & 0xff, 0];
    true
}

/// Per-byte population count of a 128-bit value (SWAR).
fn cnt_bytes(x: u128) -> u128 {
    let rep = |b: u8| u128::from_le_bytes([b; 16]);
    let x = x - (x >> 1 & rep(0x55));
    let x = (x & rep(0x33)) + (x >> 2 & rep(0x33));
    (x + (x >> 4)) & rep(0x0f)
}

/// Advanced SIMD two-register misc: compares against zero, CNT, REV16/32/64, XTN.
#[target_feature(enable = "sse2")]
fn two_misc_sse(cpu: &mut CpuState, w: u32) -> bool {
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let op = bits(w, 16, 12);
    let a = ld(cpu, rn(w));
    let z = _mm_setzero_si128();
    let v = match (op, u) {
        (0b01000..=0b01010, _) if size < 3 || q => match (op, u) {
            (0b01000, false) => gt_s(a, z, size),
            (0b01000, true) => not(gt_s(z, a, size)),
            (0b01001, false) => eq(a, z, size),
            (0b01001, true) => not(gt_s(a, z, size)),
            (0b01010, false) => gt_s(z, a, size),
            _ => return false,
        },
        (0b00101, false) if size == 0 => {
            let [lo, hi] = halves(a);
            let c = cnt_bytes(lo as u128 | (hi as u128) << 64);
            _mm_set_epi64x((c >> 64) as i64, c as i64)
        }
        (0b00000, _) | (0b00001, false) => {
            let container = match (op, u) {
                (0, false) => 8,
                (0, true) => 4,
                _ => 2,
            };
            let e = 1usize << size;
            if e >= container {
                return false;
            }
            let [lo, hi] = halves(a);
            let src = (lo as u128 | (hi as u128) << 64).to_le_bytes();
            let mut out = [0u8; 16];
            for (i, o) in out.iter_mut().enumerate() {
                // Byte `i` comes from the mirrored element inside its container.
                let base = i / container * container;
                let within = i % container;
                let from = base + (container - e - within / e * e) + within % e;
                *o = src[from];
            }
            let r = u128::from_le_bytes(out);
            _mm_set_epi64x((r >> 64) as i64, r as i64)
        }
        (0b10010, false) if size < 3 => {
            let r = narrow2(a, z, size);
            if q {
                let d = ld(cpu, rd(w));
                st(cpu, rd(w), _mm_unpacklo_epi64(d, r), true);
            } else {
                st(cpu, rd(w), r, false);
            }
            return true;
        }
        _ => return false,
    };
    st(cpu, rd(w), v, q);
    true
}

/// Advanced SIMD shift by immediate: SSHR/USHR, SHL, SHRN.
#[target_feature(enable = "sse2")]
fn shift_imm_sse(cpu: &mut CpuState, w: u32) -> bool {
    let (q, u) = (bit(w, 30), bit(w, 29));
    let op = bits(w, 15, 11);
    let immh = bits(w, 22, 19);
    if immh == 0 {
        return false;
    }
    let size = 31 - immh.leading_zeros();
    let esize = 8u32 << size;
    let immhb = bits(w, 22, 16);
    let a = ld(cpu, rn(w));
    let v = match (op, u) {
        (0b00000, _) if size < 3 || q => {
            let sh = 2 * esize - immhb;
            if u {
                shr_u(a, size, sh)
            } else {
                shr_s(a, size, sh.min(esize - 1))
            }
        }
        (0b01010, false) if size < 3 || q => {
            let c = _mm_cvtsi32_si128((immhb - esize) as i32);
            match size {
                0 => _mm_and_si128(
                    _mm_sll_epi16(a, c),
                    _mm_set1_epi8((0xffu32 << (immhb - esize)) as u8 as i8),
                ),
                1 => _mm_sll_epi16(a, c),
                2 => _mm_sll_epi32(a, c),
                _ => _mm_sll_epi64(a, c),
            }
        }
        (0b10000, false) if size < 3 => {
            let r = narrow2(
                shr_u(a, size + 1, 2 * esize - immhb),
                _mm_setzero_si128(),
                size,
            );
            if q {
                let d = ld(cpu, rd(w));
                st(cpu, rd(w), _mm_unpacklo_epi64(d, r), true);
            } else {
                st(cpu, rd(w), r, false);
            }
            return true;
        }
        _ => return false,
    };
    st(cpu, rd(w), v, q);
    true
}

/// Logical right shift of every `8 << size`-bit lane by `sh` (1..=64; a full-width shift gives 0).
#[inline]
#[target_feature(enable = "sse2")]
fn shr_u(a: __m128i, size: u32, sh: u32) -> __m128i {
    let c = _mm_cvtsi32_si128(sh as i32);
    match size {
        0 => _mm_and_si128(
            _mm_srl_epi16(a, c),
            _mm_set1_epi8((0xffu32 >> sh) as u8 as i8),
        ),
        1 => _mm_srl_epi16(a, c),
        2 => _mm_srl_epi32(a, c),
        _ => _mm_srl_epi64(a, c),
    }
}

/// Arithmetic right shift of every lane by `sh` (at most the lane width minus one).
#[inline]
#[target_feature(enable = "sse2")]
fn shr_s(a: __m128i, size: u32, sh: u32) -> __m128i {
    let c = _mm_cvtsi32_si128(sh as i32);
    match size {
        0 => {
            // Shift logically, then sign-extend from the moved sign bit: (y ^ m) - m.
            let m = _mm_set1_epi8((0x80u32 >> sh) as u8 as i8);
            _mm_sub_epi8(_mm_xor_si128(shr_u(a, 0, sh), m), m)
        }
        1 => _mm_sra_epi16(a, c),
        2 => _mm_sra_epi32(a, c),
        _ => {
            let [lo, hi] = halves(a);
            _mm_set_epi64x((hi as i64) >> sh, (lo as i64) >> sh)
        }
    }
}

/// UZP1/UZP2 and ZIP1/ZIP2 (TRN takes the generic path).
#[target_feature(enable = "sse2")]
fn permute_sse(cpu: &mut CpuState, w: u32) -> bool {
    let (q, size) = (bit(w, 30), bits(w, 23, 22));
    if size == 3 && !q {
        return false;
    }
    let op = bits(w, 14, 12);
    let (a, b) = (ld(cpu, rn(w)), ld(cpu, rm(w)));
    let v = match op {
        0b001 | 0b101 => {
            let (e, o) = if q {
                deinterleave(a, b, size)
            } else {
                let c = _mm_unpacklo_epi64(a, b);
                deinterleave(c, c, size)
            };
            if op == 0b001 { e } else { o }
        }
        0b011 | 0b111 => {
            let lo = match size {
                0 => _mm_unpacklo_epi8(a, b),
                1 => _mm_unpacklo_epi16(a, b),
                2 => _mm_unpacklo_epi32(a, b),
                _ => _mm_unpacklo_epi64(a, b),
            };
            match (op, q) {
                (0b011, _) => lo,
                (_, false) => _mm_srli_si128::<8>(lo),
                _ => match size {
                    0 => _mm_unpackhi_epi8(a, b),
                    1 => _mm_unpackhi_epi16(a, b),
                    2 => _mm_unpackhi_epi32(a, b),
                    _ => _mm_unpackhi_epi64(a, b),
                },
            }
        }
        _ => return false,
    };
    st(cpu, rd(w), v, q);
    true
}

/// DUP (element) and DUP (general).
pub fn dup(cx: &mut Ctx, w: u32) -> bool {
    let q = bit(w, 30);
    let imm5 = bits(w, 20, 16);
    let imm4 = bits(w, 14, 11);
    let size = (imm5 & 0xf).trailing_zeros();
    if bit(w, 29) || imm4 > 1 || size > 3 || (size == 3 && !q) {
        return false;
    }
    let esize = 8 << size;
    let m = crate::vreg::mask(esize);
    let x = if imm4 == 0 {
        crate::vreg::elem(crate::vreg::get(cx.cpu, rn(w)), esize, imm5 >> (size + 1))
    } else {
        cx.x(rn(w), false)
    };
    // Multiplying by 0x0101..01 (for bytes; 0x0001_0001.. for halfwords...) replicates a lane.
    let r = (x & m).wrapping_mul(u64::MAX / m);
    cx.cpu.v[rd(w) as usize] = [r, if q { r } else { 0 }];
    true
}

/// LD1/ST1 (multiple structures, one to four registers): whole-register copies, since with
/// one element per structure memory order is register order.
pub fn ld1_st1(cx: &mut Ctx, w: u32, post: bool) -> bool {
    let q = bit(w, 30);
    let load = bit(w, 22);
    let regs = match bits(w, 15, 12) {
        0b0111 => 1,
        0b1010 => 2,
        0b0110 => 3,
        0b0010 => 4,
        _ => return false,
    };
    let bytes: u64 = if q { 16 } else { 8 };
    let t = rd(w);
    let base = cx.x(rn(w), true);
    let mut addr = base;
    for r in 0..regs {
        let n = ((t + r) % 32) as usize;
        if load {
            let v = cx.load(addr, bytes as usize);
            cx.cpu.v[n] = [v as u64, (v >> 64) as u64];
        } else {
            let [lo, hi] = cx.cpu.v[n];
            cx.store(addr, bytes as usize, lo as u128 | (hi as u128) << 64);
        }
        addr = addr.wrapping_add(bytes);
    }
    if post {
        let m = rm(w);
        let inc = if m == 31 {
            addr.wrapping_sub(base)
        } else {
            cx.x(m, false)
        };
        cx.set_x(rn(w), base.wrapping_add(inc), true);
    }
    true
}

/// True when scalar FP arithmetic can run on the host without any ARM special case: FPCR is
/// the default (round to nearest, no FZ) and FPSR already holds IXC, the one flag a normal
/// result with normal operands can raise (see [`crate::fenv::Env::host_derived`]).
fn fp_plain(cpu: &CpuState) -> bool {
    cpu.fpcr & (3 << 22 | 1 << 24) == 0 && cpu.fpsr & crate::fenv::IXC != 0
}

/// True when `x` (the low 32 bits for single precision) is a normal number strictly above the
/// smallest normal magnitude: no NaN, infinity, zero or denormal, and, for a result, no
/// possible underflow (tininess is judged before rounding, so a result rounded up to the
/// smallest normal may have underflowed) and no overflow.
fn normal(double: bool, x: u64) -> bool {
    let (mag, min, inf) = if double {
        (x & !(1 << 63), 1u64 << 52, 0x7ffu64 << 52)
    } else {
        (x & 0x7fff_ffff, 1 << 23, 0xff << 23)
    };
    mag > min && mag < inf
}

/// FADD, FSUB, FMUL, FDIV, FNMUL (S and D) on normal operands with a normal result; anything
/// else (including FMAX/FMIN) takes the generic path.
pub fn fp_two_src(cx: &mut Ctx, w: u32) -> bool {
    let cpu = &mut *cx.cpu;
    let double = match bits(w, 23, 22) {
        0 => false,
        1 => true,
        _ => return false,
    };
    let op = bits(w, 15, 12);
    if !matches!(op, 0..=3 | 8) || !fp_plain(cpu) {
        return false;
    }
    let (a, b) = (cpu.v[rn(w) as usize][0], cpu.v[rm(w) as usize][0]);
    if !normal(double, a) || !normal(double, b) {
        return false;
    }
    let r = if double {
        let (x, y) = (f64::from_bits(a), f64::from_bits(b));
        match op {
            0 | 8 => x * y,
            1 => x / y,
            2 => x + y,
            _ => x - y,
        }
        .to_bits()
    } else {
        let (x, y) = (f32::from_bits(a as u32), f32::from_bits(b as u32));
        match op {
            0 | 8 => x * y,
            1 => x / y,
            2 => x + y,
            _ => x - y,
        }
        .to_bits() as u64
    };
    if !normal(double, r) {
        return false;
    }
    let sign = if double { 1 << 63 } else { 1 << 31 };
    let r = if op == 8 { r ^ sign } else { r };
    cpu.v[rd(w) as usize] = [r, 0];
    true
}

/// FSQRT (S and D) of a positive normal number, whose root is normal and raises at most IXC.
pub fn fp_one_src(cx: &mut Ctx, w: u32) -> bool {
    let cpu = &mut *cx.cpu;
    let double = match bits(w, 23, 22) {
        0 => false,
        1 => true,
        _ => return false,
    };
    if bits(w, 20, 15) != 3 || !fp_plain(cpu) {
        return false;
    }
    let a = cpu.v[rn(w) as usize][0];
    let sign = if double { 1u64 << 63 } else { 1 << 31 };
    if a & sign != 0 || !normal(double, a) {
        return false;
    }
    let r = if double {
        f64::from_bits(a).sqrt().to_bits()
    } else {
        f32::from_bits(a as u32).sqrt().to_bits() as u64
    };
    cpu.v[rd(w) as usize] = [r, 0];
    true
}

/// Addressing forms of [`ldr_str`].
pub mod mode {
    /// Unsigned scaled 12-bit offset (LDR/STR).
    pub const UIMM: u8 = 0;
    /// Signed unscaled 9-bit offset (LDUR/STUR).
    pub const UNSCALED: u8 = 1;
    /// Post-index.
    pub const POST: u8 = 2;
    /// Pre-index.
    pub const PRE: u8 = 3;
    /// Register offset.
    pub const REG: u8 = 4;
}

/// LDR/STR/LDUR/STUR of S, D and Q registers in addressing form `MODE` (see [`mode`]); B and
/// H sizes and unallocated forms take the generic path.
pub fn ldr_str<const MODE: u8>(cx: &mut Ctx, w: u32) -> bool {
    let scale = match (bits(w, 31, 30), bits(w, 23, 23)) {
        (2, 0) => 2,
        (3, 0) => 3,
        (0, 1) => 4,
        _ => return false,
    };
    let base = cx.x(rn(w), true);
    let simm9 = ((w << 11) as i32 >> 23) as i64 as u64;
    let (addr, wb) = match MODE {
        mode::UIMM => (base.wrapping_add((bits(w, 21, 10) as u64) << scale), None),
        mode::UNSCALED => (base.wrapping_add(simm9), None),
        mode::POST => (base, Some(base.wrapping_add(simm9))),
        mode::PRE => (base.wrapping_add(simm9), Some(base.wrapping_add(simm9))),
        _ => {
            let option = bits(w, 15, 13);
            let x = cx.x(rm(w), false);
            let off = match option {
                2 => x as u32 as u64,
                3 | 7 => x,
                6 => x as u32 as i32 as i64 as u64,
                _ => return false,
            };
            let shift = if bit(w, 12) { scale } else { 0 };
            (base.wrapping_add(off << shift), None)
        }
    };
    let t = rd(w) as usize;
    if bit(w, 22) {
        let v = cx.load(addr, 1 << scale);
        cx.cpu.v[t] = [v as u64, (v >> 64) as u64];
    } else {
        let [lo, hi] = cx.cpu.v[t];
        cx.store(addr, 1 << scale, lo as u128 | (hi as u128) << 64);
    }
    if let Some(nb) = wb {
        cx.set_x(rn(w), nb, true);
    }
    true
}

/// FMADD, FMSUB, FNMADD, FNMSUB (S and D) on normal operands with a normal result.
pub fn fp_three_src(cx: &mut Ctx, w: u32) -> bool {
    let cpu = &mut *cx.cpu;
    let double = match bits(w, 23, 22) {
        0 => false,
        1 => true,
        _ => return false,
    };
    if !fp_plain(cpu) {
        return false;
    }
    let a = cpu.v[bits(w, 14, 10) as usize][0];
    let (n, m) = (cpu.v[rn(w) as usize][0], cpu.v[rm(w) as usize][0]);
    if !normal(double, a) || !normal(double, n) || !normal(double, m) {
        return false;
    }
    // As the generic handler: FMSUB negates the product operand, FNMADD both, FNMSUB the
    // addend.
    let (o1, o0) = (bit(w, 21), bit(w, 15));
    let sign = if double { 1u64 << 63 } else { 1 << 31 };
    let n = if o0 != o1 { n ^ sign } else { n };
    let a = if o1 { a ^ sign } else { a };
    let r = if double {
        fused(f64::from_bits(n), f64::from_bits(m), f64::from_bits(a)).to_bits()
    } else {
        fused32(
            f32::from_bits(n as u32),
            f32::from_bits(m as u32),
            f32::from_bits(a as u32),
        )
        .to_bits() as u64
    };
    if !normal(double, r) {
        return false;
    }
    cpu.v[rd(w) as usize] = [r, 0];
    true
}

/// `x * y + z` with one rounding: the FMA instruction when the host has it (as glibc found at
/// start-up, see `hostcpu`), else the library routine.
fn fused(x: f64, y: f64, z: f64) -> f64 {
    if hostcpu::has(hostcpu::Feature::Fma) {
        // SAFETY: the host CPU supports FMA, as just checked.
        unsafe { fused_fma(x, y, z) }
    } else {
        x.mul_add(y, z)
    }
}

/// `x * y + z` compiled with the FMA instruction set enabled (one `vfmadd` instruction).
#[target_feature(enable = "fma")]
fn fused_fma(x: f64, y: f64, z: f64) -> f64 {
    x.mul_add(y, z)
}

/// Single-precision [`fused`].
fn fused32(x: f32, y: f32, z: f32) -> f32 {
    if hostcpu::has(hostcpu::Feature::Fma) {
        // SAFETY: the host CPU supports FMA, as just checked.
        unsafe { fused32_fma(x, y, z) }
    } else {
        x.mul_add(y, z)
    }
}

/// Single-precision [`fused_fma`].
#[target_feature(enable = "fma")]
fn fused32_fma(x: f32, y: f32, z: f32) -> f32 {
    x.mul_add(y, z)
}
