//! Advanced SIMD integer operations, vector and scalar: three same, three different, two-register
//! miscellaneous, across lanes, shift by immediate.

use crate::vreg::{self, elem, mask, sext};
use crate::{Ctx, Res, bit, bits, ensure, fenv, fp_vec, rd, rm, rn};

/// Saturates `v` to a signed `esize`-bit value; returns (bits, saturated).
pub(crate) fn sat_s(v: i128, esize: u32) -> (u64, bool) {
    let max = (1i128 << (esize - 1)) - 1;
    let min = -(1i128 << (esize - 1));
    let c = v.clamp(min, max);
    (c as u64 & mask(esize), c != v)
}

/// Saturates `v` to an unsigned `esize`-bit value; returns (bits, saturated).
fn sat_u(v: i128, esize: u32) -> (u64, bool) {
    let c = v.clamp(0, mask(esize) as i128);
    (c as u64, c != v)
}

/// Shift by a signed register amount (SSHL/USHL and the rounding forms).
fn shl_reg(a: u64, shift: i64, esize: u32, signed: bool, round: bool) -> u64 {
    let x: i128 = if signed {
        sext(a, esize) as i128
    } else {
        a as i128
    };
    let r = if shift >= 0 {
        if shift >= esize as i64 { 0 } else { x << shift }
    } else {
        let s = (-shift).min(esize as i64 + 1) as u32;
        let bias = if round { 1i128 << (s - 1) } else { 0 };
        (x + bias) >> s
    };
    r as u64 & mask(esize)
}

/// One lane of a "three same" integer operation; `None` if the opcode is not implemented.
#[allow(clippy::too_many_arguments)]
fn lane3(op: u32, u: bool, esize: u32, a: u64, b: u64, d: u64, qc: &mut bool) -> Option<u64> {
    let (sa, sb) = (sext(a, esize) as i128, sext(b, esize) as i128);
    let (ua, ub) = (a as i128, b as i128);
    let (x, y) = if u { (ua, ub) } else { (sa, sb) };
    let m = mask(esize);
    let t = |c: bool| if c { m } else { 0 };
    let r = match op {
        0b00000 => ((x + y) >> 1) as u64,
        0b00010 => ((x + y + 1) >> 1) as u64,
        0b00100 => ((x - y) >> 1) as u64,
        0b00001 | 0b00101 => {
            let v = if op == 1 { x + y } else { x - y };
            let (r, s) = if u { sat_u(v, esize) } else { sat_s(v, esize) };
            *qc |= s;
            r
        }
        0b00110 => t(x > y),
        0b00111 => t(x >= y),
        0b01000 => shl_reg(a, sext(b, 8), esize, !u, false),
        0b01010 => shl_reg(a, sext(b, 8), esize, !u, true),
        0b01001 | 0b01011 => {
            let shift = sext(b, 8);
            let v = if shift >= esize as i64 {
                x.signum() << 100
            } else if shift >= 0 {
                x << shift
            } else {
                let s = (-shift).min(esize as i64 + 1) as u32;
                let bias = if op == 0b01011 { 1i128 << (s - 1) } else { 0 };
                (x + bias) >> s
            };
            let (r, sat) = if u { sat_u(v, esize) } else { sat_s(v, esize) };
            *qc |= sat;
            r
        }
        0b01100 => x.max(y) as u64,
        0b01101 => x.min(y) as u64,
        0b01110 => (x - y).unsigned_abs() as u64,
        0b01111 => d.wrapping_add((x - y).unsigned_abs() as u64),
        0b10000 => {
            if u {
                a.wrapping_sub(b)
            } else {
                a.wrapping_add(b)
            }
        }
        0b10001 => t(if u { a == b } else { a & b != 0 }),
        0b10010 => {
            let p = a.wrapping_mul(b);
            if u {
                d.wrapping_sub(p)
            } else {
                d.wrapping_add(p)
            }
        }
        0b10011 => {
            if u {
                pmul8(a, b)
            } else {
                a.wrapping_mul(b)
            }
        }
        0b10110 => {
            let round = if u { 1i128 << (esize - 1) } else { 0 };
            let (r, s) = sat_s((2 * sa * sb + round) >> esize, esize);
            *qc |= s;
            r
        }
        _ => return None,
    };
    Some(r & m)
}

/// Polynomial multiply of two bytes (low 8 bits of the product).
fn pmul8(a: u64, b: u64) -> u64 {
    (0..8)
        .filter(|i| b >> i & 1 != 0)
        .fold(0, |acc, i| acc ^ (a << i))
        & 0xff
}

/// Which sizes a three-same opcode allows: (size 3 allowed, only size 0).
fn size_rules(op: u32, u: bool) -> (bool, bool) {
    match op {
        0b00001 | 0b00101 | 0b00110 | 0b00111 | 0b01000..=0b01011 | 0b10000 | 0b10001 => {
            (true, false)
        }
        0b10111 => (true, false),
        0b10011 if u => (false, true),
        _ => (false, false),
    }
}

/// Advanced SIMD three same (integer and logical; FP opcodes go to [`fp_vec`]).
pub fn three_same(cx: &mut Ctx, w: u32) -> Res {
    let op = bits(w, 15, 11);
    if op >= 0b11000 {
        return fp_vec::three_same(cx, w, false);
    }
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let a = vreg::get(cx.cpu, rn(w));
    let b = vreg::get(cx.cpu, rm(w));
    let d = vreg::get(cx.cpu, rd(w));
    if op == 0b00011 {
        let v = match (u, size) {
            (false, 0) => a & b,
            (false, 1) => a & !b,
            (false, 2) => a | b,
            (false, _) => a | !b,
            (true, 0) => a ^ b,
            (true, 1) => (d & a) | (!d & b),
            (true, 2) => (d & !b) | (a & b),
            (true, _) => (d & b) | (a & !b),
        };
        vreg::set_q(cx.cpu, rd(w), v, q);
        return Some(());
    }
    ensure!(op != 0b10110 || size == 1 || size == 2);
    let (allow64, only8) = size_rules(op, u);
    ensure!(size < 3 || (allow64 && q));
    ensure!(!only8 || size == 0);
    let esize = 8 << size;
    let n_el = if q { 128 } else { 64 } / esize;
    let mut qc = false;
    let v = match op {
        0b10100 | 0b10101 | 0b10111 => {
            ensure!(op != 0b10111 || !u);
            let pair = |i: u32| {
                let src = if i < n_el / 2 { a } else { b };
                let j = 2 * (i % (n_el / 2));
                (elem(src, esize, j), elem(src, esize, j + 1))
            };
            let mut out = 0u128;
            for i in 0..n_el {
                let (x, y) = pair(i);
                let r = match op {
                    0b10111 => x.wrapping_add(y) & mask(esize),
                    _ => lane3(op - 0b01000, u, esize, x, y, 0, &mut qc)?,
                };
                out = vreg::with_elem(out, esize, i, r);
            }
            out
        }
        _ => {
            let mut out = 0u128;
            for i in 0..n_el {
                let r = lane3(
                    op,
                    u,
                    esize,
                    elem(a, esize, i),
                    elem(b, esize, i),
                    elem(d, esize, i),
                    &mut qc,
                )?;
                out = vreg::with_elem(out, esize, i, r);
            }
            out
        }
    };
    if qc {
        cx.cpu.fpsr |= fenv::QC;
    }
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}

/// Advanced SIMD scalar three same (D-sized integer forms, saturating forms, FP forms).
pub fn scalar_three_same(cx: &mut Ctx, w: u32) -> Res {
    let op = bits(w, 15, 11);
    if op >= 0b11000 {
        return fp_vec::three_same(cx, w, true);
    }
    let (u, size) = (bit(w, 29), bits(w, 23, 22));
    let ok = match op {
        0b00001 | 0b00101 | 0b01001 | 0b01011 => true,
        0b10110 => size == 1 || size == 2,
        0b00110 | 0b00111 | 0b01000 | 0b01010 | 0b10000 | 0b10001 => size == 3,
        _ => false,
    };
    ensure!(ok);
    let esize = 8 << size;
    let a = cx.cpu.v[rn(w) as usize][0] & mask(esize);
    let b = cx.cpu.v[rm(w) as usize][0] & mask(esize);
    let mut qc = false;
    let r = lane3(op, u, esize, a, b, 0, &mut qc)?;
    if qc {
        cx.cpu.fpsr |= fenv::QC;
    }
    vreg::set_scalar(cx.cpu, rd(w), r, esize);
    Some(())
}

/// Advanced SIMD three different (long, wide and narrow forms).
pub fn three_diff(cx: &mut Ctx, w: u32) -> Res {
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let op = bits(w, 15, 12);
    if size == 3 {
        // PMULL/PMULL2 (1Q): 64 x 64 -> 128-bit carry-less multiply.
        ensure!(op == 0b1110 && !u);
        let (a, b) = (vreg::get(cx.cpu, rn(w)), vreg::get(cx.cpu, rm(w)));
        let (x, y) = if q {
            ((a >> 64) as u64, (b >> 64) as u64)
        } else {
            (a as u64, b as u64)
        };
        let r = (0..64)
            .filter(|k| y >> k & 1 != 0)
            .fold(0u128, |acc, k| acc ^ ((x as u128) << k));
        vreg::set(cx.cpu, rd(w), r);
        return Some(());
    }
    let esize = 8 << size;
    let wide = 2 * esize;
    let n_el = 64 / esize;
    let a = vreg::get(cx.cpu, rn(w));
    let b = vreg::get(cx.cpu, rm(w));
    let d = vreg::get(cx.cpu, rd(w));
    let half = |v: u128| if q { v >> 64 } else { v };
    let ext = |x: u64, bits: u32| -> i128 { if u { x as i128 } else { sext(x, bits) as i128 } };
    let narrow_src = |v: u128, i: u32| ext(elem(half(v), esize, i), esize);
    let v = match op {
        0b0100 | 0b0110 => {
            // ADDHN/SUBHN/RADDHN/RSUBHN: wide operands, high halves of the results.
            let r = vreg::build(esize, n_el, |i| {
                let (x, y) = (elem(a, wide, i) as u128, elem(b, wide, i) as u128);
                let s = if op == 0b0100 {
                    x.wrapping_add(y)
                } else {
                    x.wrapping_sub(y)
                };
                let s = if u {
                    s.wrapping_add(1 << (esize - 1))
                } else {
                    s
                };
                (s >> esize) as u64
            });
            let v = if q { (d as u64 as u128) | r << 64 } else { r };
            vreg::set(cx.cpu, rd(w), v);
            return Some(());
        }
        0b0000 | 0b0001 | 0b0010 | 0b0011 | 0b0101 | 0b0111 | 0b1000 | 0b1010 | 0b1100 => {
            vreg::build(wide, n_el, |i| {
                let x = if op == 0b0001 || op == 0b0011 {
                    ext(elem(a, wide, i), wide)
                } else {
                    narrow_src(a, i)
                };
                let y = narrow_src(b, i);
                let acc = elem(d, wide, i) as i128;
                let r = match op {
                    0b0000 | 0b0001 => x + y,
                    0b0010 | 0b0011 => x - y,
                    0b0101 => acc + (x - y).abs(),
                    0b0111 => (x - y).abs(),
                    0b1000 => acc + x * y,
                    0b1010 => acc - x * y,
                    _ => x * y,
                };
                r as u64
            })
        }
        0b1001 | 0b1011 | 0b1101 if !u && (size == 1 || size == 2) => {
            let mut qc = false;
            let v = vreg::build(wide, n_el, |i| {
                let (p, s1) = sat_s(2 * narrow_src(a, i) * narrow_src(b, i), wide);
                let p = sext(p, wide) as i128;
                let acc = sext(elem(d, wide, i), wide) as i128;
                let (r, s2) = match op {
                    0b1001 => sat_s(acc + p, wide),
                    0b1011 => sat_s(acc - p, wide),
                    _ => (p as u64 & mask(wide), false),
                };
                qc |= s1 | s2;
                r
            });
            if qc {
                cx.cpu.fpsr |= fenv::QC;
            }
            v
        }
        0b1110 if !u && size == 0 => vreg::build(16, 8, |i| {
            let (x, y) = (elem(half(a), 8, i), elem(half(b), 8, i));
            (0..8)
                .filter(|k| y >> k & 1 != 0)
                .fold(0, |acc, k| acc ^ (x << k))
        }),
        _ => return None,
    };
    vreg::set(cx.cpu, rd(w), v);
    Some(())
}

/// SQRDMLAH/SQRDMLSH on one lane (FEAT_RDM): `acc ± 2*a*b`, rounded and saturated once.
/// Returns (result, saturated).
pub(crate) fn rdm_lane(sub: bool, esize: u32, acc: u64, a: u64, b: u64) -> (u64, bool) {
    let p = 2 * sext(a, esize) as i128 * sext(b, esize) as i128;
    let acc = (sext(acc, esize) as i128) << esize;
    let v = if sub { acc - p } else { acc + p } + (1i128 << (esize - 1));
    sat_s(v >> esize, esize)
}

/// SDOT/UDOT on one 32-bit lane (FEAT_DotProd): `acc` plus the dot product of the four bytes of
/// `a` and `b`, wrapping.
pub(crate) fn dot_lane(signed: bool, acc: u64, a: u64, b: u64) -> u64 {
    dot_lane_mixed(signed, signed, acc, a, b)
}

/// As [`dot_lane`] with the signedness of each operand's bytes given separately (USDOT and
/// SUDOT of FEAT_I8MM mix them).
pub(crate) fn dot_lane_mixed(a_signed: bool, b_signed: bool, acc: u64, a: u64, b: u64) -> u64 {
    let byte = |x: u64, i: u32, signed: bool| {
        let v = x >> (8 * i) & 0xff;
        if signed { sext(v, 8) } else { v as i64 }
    };
    let sum: i64 = (0..4)
        .map(|i| byte(a, i, a_signed) * byte(b, i, b_signed))
        .sum();
    (acc as i64).wrapping_add(sum) as u64 & mask(32)
}

/// Advanced SIMD three same (extra), vector and scalar: SQRDMLAH, SQRDMLSH (FEAT_RDM), SDOT,
/// UDOT (FEAT_DotProd) and USDOT, SMMLA, UMMLA, USMMLA (FEAT_I8MM), the last two groups vector
/// only; FCMLA and FCADD (FEAT_FCMA) go to [`fp_vec::complex`]. The BF16 members are not
/// implemented.
pub fn three_same_extra(cx: &mut Ctx, w: u32, scalar: bool) -> Res {
    let (q, u, size, op) = (
        bit(w, 30),
        bit(w, 29),
        bits(w, 23, 22),
        bits(w, 15, 11) & 0xf,
    );
    let a = vreg::get(cx.cpu, rn(w));
    let b = vreg::get(cx.cpu, rm(w));
    let d = vreg::get(cx.cpu, rd(w));
    let nb = if q { 128 } else { 64 };
    if u && !scalar && op >= 0b1000 && (op < 0b1100 || op & 1 == 0) {
        // FCMLA (opcode 10rr) and FCADD (opcode 11r0), FEAT_FCMA.
        return fp_vec::complex(cx, w, None);
    }
    match (op, u) {
        (0b0000 | 0b0001, true) => {
            ensure!(size == 1 || size == 2);
            let esize = 8 << size;
            let n_el = if scalar { 1 } else { nb / esize };
            let mut qc = false;
            let v = vreg::build(esize, n_el, |i| {
                let (r, s) = rdm_lane(
                    op == 1,
                    esize,
                    elem(d, esize, i),
                    elem(a, esize, i),
                    elem(b, esize, i),
                );
                qc |= s;
                r
            });
            if qc {
                cx.cpu.fpsr |= fenv::QC;
            }
            if scalar {
                vreg::set_scalar(cx.cpu, rd(w), v as u64, esize);
            } else {
                vreg::set_q(cx.cpu, rd(w), v, q);
            }
        }
        (0b0010, _) if !scalar && size == 2 => {
            let v = vreg::build(32, nb / 32, |i| {
                dot_lane(!u, elem(d, 32, i), elem(a, 32, i), elem(b, 32, i))
            });
            vreg::set_q(cx.cpu, rd(w), v, q);
        }
        (0b0011, false) if !scalar && size == 2 => {
            // USDOT (FEAT_I8MM): unsigned bytes of Vn times signed bytes of Vm.
            let v = vreg::build(32, nb / 32, |i| {
                dot_lane_mixed(false, true, elem(d, 32, i), elem(a, 32, i), elem(b, 32, i))
            });
            vreg::set_q(cx.cpu, rd(w), v, q);
        }
        (0b0100, _) | (0b0101, false) if !scalar && size == 2 && q => {
            // SMMLA, UMMLA, USMMLA (FEAT_I8MM): Vd's 2x2 int32 matrix plus the product of Vn's
            // 2x8 byte matrix and the transpose of Vm's (both row-major); USMMLA has unsigned
            // Vn and signed Vm.
            let (a_signed, b_signed) = match (op, u) {
                (0b0100, false) => (true, true),
                (0b0100, true) => (false, false),
                _ => (false, true),
            };
            let v = vreg::build(32, 4, |ij| {
                let (i, j) = (ij / 2, ij % 2);
                let row = |x: u128, r: u32| (x >> (64 * r)) as u64;
                let lo = |x: u64| x & mask(32);
                let (ar, br) = (row(a, i), row(b, j));
                let acc = dot_lane_mixed(a_signed, b_signed, elem(d, 32, ij), lo(ar), lo(br));
                dot_lane_mixed(a_signed, b_signed, acc, ar >> 32, br >> 32)
            });
            vreg::set(cx.cpu, rd(w), v);
        }
        _ => return None,
    }
    Some(())
}

/// Advanced SIMD scalar three different: SQDMLAL, SQDMLSL, SQDMULL (H to S, S to D).
pub fn scalar_three_diff(cx: &mut Ctx, w: u32) -> Res {
    let (u, size, op) = (bit(w, 29), bits(w, 23, 22), bits(w, 15, 12));
    ensure!(!u && (size == 1 || size == 2) && matches!(op, 0b1001 | 0b1011 | 0b1101));
    let esize = 8 << size;
    let wide = 2 * esize;
    let x = sext(cx.cpu.v[rn(w) as usize][0], esize) as i128;
    let y = sext(cx.cpu.v[rm(w) as usize][0], esize) as i128;
    let acc = sext(cx.cpu.v[rd(w) as usize][0], wide) as i128;
    let (p, s1) = sat_s(2 * x * y, wide);
    let p = sext(p, wide) as i128;
    let (r, s2) = match op {
        0b1001 => sat_s(acc + p, wide),
        0b1011 => sat_s(acc - p, wide),
        _ => (p as u64 & mask(wide), false),
    };
    if s1 || s2 {
        cx.cpu.fpsr |= fenv::QC;
    }
    vreg::set_scalar(cx.cpu, rd(w), r, wide);
    Some(())
}

/// Reverses the order of `esize` elements within each `container` of `v`.
fn rev(v: u128, esize: u32, container: u32, n_bits: u32) -> u128 {
    let per = container / esize;
    vreg::build(esize, n_bits / esize, |i| {
        let base = i / per * per;
        elem(v, esize, base + (per - 1 - i % per))
    })
}

/// Advanced SIMD two-register miscellaneous (integer; FP opcodes go to [`fp_vec`]).
pub fn two_misc(cx: &mut Ctx, w: u32) -> Res {
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let op = bits(w, 16, 12);
    if matches!(op, 0b01100..=0b01111 | 0b10110 | 0b10111 | 0b11000..=0b11111) {
        return fp_vec::two_misc(cx, w, false);
    }
    let esize = 8 << size;
    let nb = if q { 128 } else { 64 };
    let n_el = nb / esize;
    let a = vreg::get(cx.cpu, rn(w));
    let d = vreg::get(cx.cpu, rd(w));
    let mut qc = false;
    let v = match (op, u) {
        (0b00000, _) | (0b00001, false) => {
            let container = match (op, u) {
                (0, false) => 64,
                (0, true) => 32,
                _ => 16,
            };
            ensure!(esize < container);
            rev(a, esize, container, nb)
        }
        (0b00010, _) | (0b00110, _) => {
            ensure!(size < 3);
            let acc = op == 0b00110;
            vreg::build(2 * esize, n_el / 2, |i| {
                let f = |j| {
                    if u {
                        elem(a, esize, j)
                    } else {
                        sext(elem(a, esize, j), esize) as u64
                    }
                };
                let s = f(2 * i).wrapping_add(f(2 * i + 1));
                if acc {
                    s.wrapping_add(elem(d, 2 * esize, i))
                } else {
                    s
                }
            })
        }
        (0b00100, _) => {
            ensure!(size < 3);
            vreg::build(esize, n_el, |i| {
                let x = elem(a, esize, i);
                if u {
                    (x << (64 - esize)).leading_zeros().min(esize) as u64
                } else {
                    let s = sext(x, esize);
                    let t = if s < 0 { !s } else { s } as u64;
                    ((t << (64 - esize)).leading_zeros().min(esize) - 1) as u64
                }
            })
        }
        (0b00101, false) => {
            ensure!(size == 0);
            vreg::build(8, n_el, |i| elem(a, 8, i).count_ones() as u64)
        }
        (0b00101, true) => match size {
            0 => !a,
            1 => vreg::build(8, nb / 8, |i| (elem(a, 8, i) as u8).reverse_bits() as u64),
            _ => return None,
        },
        (0b00011, _) => {
            ensure!(size < 3 || q);
            vreg::build(esize, n_el, |i| {
                let (x, acc) = (elem(a, esize, i), elem(d, esize, i));
                let (r, s) = if u {
                    sat_u(acc as i128 + sext(x, esize) as i128, esize)
                } else {
                    sat_s(sext(acc, esize) as i128 + x as i128, esize)
                };
                qc |= s;
                r
            })
        }
        (0b00111, _) => {
            ensure!(size < 3 || q);
            vreg::build(esize, n_el, |i| {
                let x = sext(elem(a, esize, i), esize) as i128;
                let (r, s) = sat_s(if u { -x } else { x.abs() }, esize);
                qc |= s;
                r
            })
        }
        (0b01000..=0b01011, _) => {
            ensure!(size < 3 || q);
            ensure!(!(op == 0b01010 && u));
            vreg::build(esize, n_el, |i| {
                cmp_zero_abs_neg(op, u, esize, elem(a, esize, i))
            })
        }
        (0b10010, _) | (0b10100, _) => {
            ensure!(size < 3);
            let r = vreg::build(esize, 64 / esize, |i| {
                let x = elem(a, 2 * esize, i);
                let (r, s) = match (op, u) {
                    (0b10010, false) => (x & mask(esize), false),
                    (0b10010, true) => sat_u(sext(x, 2 * esize) as i128, esize),
                    (_, false) => sat_s(sext(x, 2 * esize) as i128, esize),
                    (_, true) => sat_u(x as i128, esize),
                };
                qc |= s;
                r
            });
            let v = if q { (d as u64 as u128) | r << 64 } else { r };
            vreg::set(cx.cpu, rd(w), v);
            if qc {
                cx.cpu.fpsr |= fenv::QC;
            }
            return Some(());
        }
        (0b10011, true) => {
            ensure!(size < 3);
            let src = if q { a >> 64 } else { a };
            let v = vreg::build(2 * esize, 64 / esize, |i| elem(src, esize, i) << esize);
            vreg::set(cx.cpu, rd(w), v);
            return Some(());
        }
        _ => return None,
    };
    if qc {
        cx.cpu.fpsr |= fenv::QC;
    }
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}

/// CMGT/CMGE/CMEQ/CMLE/CMLT against zero, ABS and NEG on one lane.
fn cmp_zero_abs_neg(op: u32, u: bool, esize: u32, x: u64) -> u64 {
    let s = sext(x, esize);
    let t = |c: bool| if c { mask(esize) } else { 0 };
    match (op, u) {
        (0b01000, false) => t(s > 0),
        (0b01000, true) => t(s >= 0),
        (0b01001, false) => t(s == 0),
        (0b01001, true) => t(s <= 0),
        (0b01010, _) => t(s < 0),
        (_, false) => s.unsigned_abs() & mask(esize),
        (_, true) => s.wrapping_neg() as u64 & mask(esize),
    }
}

/// Advanced SIMD scalar two-register miscellaneous (D-sized compares against zero, ABS, NEG,
/// SQABS/SQNEG; FP opcodes go to [`fp_vec`]).
pub fn scalar_two_misc(cx: &mut Ctx, w: u32) -> Res {
    let (u, size) = (bit(w, 29), bits(w, 23, 22));
    let op = bits(w, 16, 12);
    if matches!(op, 0b01100..=0b01111 | 0b10110 | 0b11000..=0b11111) {
        return fp_vec::two_misc(cx, w, true);
    }
    let esize = 8 << size;
    let a = cx.cpu.v[rn(w) as usize][0] & mask(esize);
    let r = match op {
        0b01000..=0b01011 => {
            ensure!(size == 3 && !(op == 0b01010 && u));
            cmp_zero_abs_neg(op, u, esize, a)
        }
        0b00011 => {
            let acc = cx.cpu.v[rd(w) as usize][0] & mask(esize);
            let (r, s) = if u {
                sat_u(acc as i128 + sext(a, esize) as i128, esize)
            } else {
                sat_s(sext(acc, esize) as i128 + a as i128, esize)
            };
            if s {
                cx.cpu.fpsr |= fenv::QC;
            }
            r
        }
        0b10100 | 0b10010 => {
            ensure!(size < 3 && (op == 0b10100 || u));
            let x = cx.cpu.v[rn(w) as usize][0] & mask(2 * esize);
            let (r, s) = match (op, u) {
                (0b10010, _) => sat_u(sext(x, 2 * esize) as i128, esize),
                (_, false) => sat_s(sext(x, 2 * esize) as i128, esize),
                (_, true) => sat_u(x as i128, esize),
            };
            if s {
                cx.cpu.fpsr |= fenv::QC;
            }
            r
        }
        0b00111 => {
            let x = sext(a, esize) as i128;
            let (r, s) = sat_s(if u { -x } else { x.abs() }, esize);
            if s {
                cx.cpu.fpsr |= fenv::QC;
            }
            r
        }
        _ => return None,
    };
    vreg::set_scalar(cx.cpu, rd(w), r, esize);
    Some(())
}

/// ADDV, SADDLV/UADDLV, SMAXV/UMAXV, SMINV/UMINV (FP forms go to [`fp_vec`]).
pub fn across(cx: &mut Ctx, w: u32) -> Res {
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let op = bits(w, 16, 12);
    if op == 0b01100 || op == 0b01111 {
        return fp_vec::across(cx, w);
    }
    ensure!(size < 2 || (size == 2 && q));
    let esize = 8 << size;
    let n_el = if q { 128 } else { 64 } / esize;
    let a = vreg::get(cx.cpu, rn(w));
    let el = |i: u32| -> i128 {
        if u {
            elem(a, esize, i) as i128
        } else {
            sext(elem(a, esize, i), esize) as i128
        }
    };
    let (r, obits) = match (op, u) {
        (0b00011, _) => ((0..n_el).map(el).sum::<i128>() as u64, 2 * esize),
        (0b11011, false) => ((0..n_el).map(el).sum::<i128>() as u64, esize),
        (0b01010, _) => ((0..n_el).map(el).max().unwrap_or(0) as u64, esize),
        (0b11010, _) => ((0..n_el).map(el).min().unwrap_or(0) as u64, esize),
        _ => return None,
    };
    vreg::set_scalar(cx.cpu, rd(w), r, obits);
    Some(())
}

/// ADDP (scalar); FP pairwise forms (S and D with U=1, H with U=0) go to [`fp_vec`].
pub fn scalar_pairwise(cx: &mut Ctx, w: u32) -> Res {
    if bit(w, 29) {
        return fp_vec::scalar_pairwise(cx, w, false);
    }
    if matches!(bits(w, 16, 12), 0b01100 | 0b01101 | 0b01111) {
        // The half-precision forms (FEAT_FP16) have U=0.
        return fp_vec::scalar_pairwise(cx, w, true);
    }
    ensure!(bits(w, 16, 12) == 0b11011 && bits(w, 23, 22) == 3);
    let [lo, hi] = cx.cpu.v[rn(w) as usize];
    vreg::set_scalar(cx.cpu, rd(w), lo.wrapping_add(hi), 64);
    Some(())
}

/// One lane of a right-shift-by-immediate family operation.
fn shr_lane(op: u32, u: bool, esize: u32, x: u64, d: u64, sh: u32) -> u64 {
    let v: i128 = if u { x as i128 } else { sext(x, esize) as i128 };
    let round = matches!(op, 0b00100 | 0b00110);
    let bias = if round { 1i128 << (sh - 1) } else { 0 };
    let r = ((v + bias) >> sh) as u64;
    let acc = matches!(op, 0b00010 | 0b00110);
    (if acc { d.wrapping_add(r) } else { r }) & mask(esize)
}

/// SRI/SLI on one lane.
fn insert_lane(left: bool, esize: u32, x: u64, d: u64, sh: u32) -> u64 {
    let m = mask(esize);
    let (keep, val) = if left {
        (!(m << sh) & m, x << sh)
    } else if sh >= esize {
        (m, 0)
    } else {
        (!(m >> sh) & m, x >> sh)
    };
    (d & keep) | (val & m & !keep)
}

/// Saturating shifts by immediate on one lane: SQSHLU, SQSHL/UQSHL (left, `esize` source) and
/// SQSHRUN/SQRSHRUN, SQSHRN/UQSHRN, SQRSHRN/UQRSHRN (right, `2 * esize` source, narrowing).
/// Returns (result, saturated), or `None` for other opcodes.
fn sat_shift(op: u32, u: bool, esize: u32, x: u64, rsh: u32, lsh: u32) -> Option<(u64, bool)> {
    Some(match (op, u) {
        (0b01100, true) => sat_u((sext(x, esize) as i128) << lsh, esize),
        (0b01110, _) => {
            let v = if u { x as i128 } else { sext(x, esize) as i128 };
            if u {
                sat_u(v << lsh, esize)
            } else {
                sat_s(v << lsh, esize)
            }
        }
        (0b10000..=0b10011, _) => {
            if op < 0b10010 && !u {
                return None;
            }
            let round = if op & 1 == 1 { 1i128 << (rsh - 1) } else { 0 };
            let signed_src = op < 0b10010 || !u;
            let v = if signed_src {
                sext(x, 2 * esize) as i128
            } else {
                x as i128
            };
            let r = (v + round) >> rsh;
            if op < 0b10010 || u {
                sat_u(r, esize)
            } else {
                sat_s(r, esize)
            }
        }
        _ => return None,
    })
}

/// Element size and the immh:immb value of a shift-by-immediate instruction.
fn shift_params(w: u32) -> Option<(u32, u32)> {
    let immh = bits(w, 22, 19);
    ensure!(immh != 0);
    let esize = 8 << (31 - immh.leading_zeros());
    Some((esize, bits(w, 22, 16)))
}

/// Advanced SIMD shift by immediate (vector).
pub fn shift_imm(cx: &mut Ctx, w: u32) -> Res {
    let (q, u) = (bit(w, 30), bit(w, 29));
    let op = bits(w, 15, 11);
    if op == 0b11100 || op == 0b11111 {
        return fp_vec::shift_imm(cx, w, false);
    }
    let (esize, immhb) = shift_params(w)?;
    let a = vreg::get(cx.cpu, rn(w));
    let d = vreg::get(cx.cpu, rd(w));
    let narrow = matches!(op, 0b10000..=0b10100);
    ensure!(if narrow { esize < 64 } else { esize < 64 || q });
    let n_el = if q { 128 } else { 64 } / esize;
    let rsh = 2 * esize - immhb;
    let lsh = immhb - esize;
    let saturating = matches!(
        (op, u),
        (0b01100, true) | (0b01110, _) | (0b10000 | 0b10001, true) | (0b10010 | 0b10011, _)
    );
    if saturating {
        let mut qc = false;
        let narrow = op >= 0b10000;
        let lanes = if narrow { 64 / esize } else { n_el };
        let r = vreg::build(esize, lanes, |i| {
            let x = if narrow {
                elem(a, 2 * esize, i)
            } else {
                elem(a, esize, i)
            };
            let (r, s) = sat_shift(op, u, esize, x, rsh, lsh).unwrap_or((0, false));
            qc |= s;
            r
        });
        if qc {
            cx.cpu.fpsr |= fenv::QC;
        }
        if narrow {
            let v = if q { (d as u64 as u128) | r << 64 } else { r };
            vreg::set(cx.cpu, rd(w), v);
        } else {
            vreg::set_q(cx.cpu, rd(w), r, q);
        }
        return Some(());
    }
    let v = match (op, u) {
        (0b00000 | 0b00010 | 0b00100 | 0b00110, _) => vreg::build(esize, n_el, |i| {
            shr_lane(op, u, esize, elem(a, esize, i), elem(d, esize, i), rsh)
        }),
        (0b01000, true) => vreg::build(esize, n_el, |i| {
            insert_lane(false, esize, elem(a, esize, i), elem(d, esize, i), rsh)
        }),
        (0b01010, true) => vreg::build(esize, n_el, |i| {
            insert_lane(true, esize, elem(a, esize, i), elem(d, esize, i), lsh)
        }),
        (0b01010, false) => vreg::build(esize, n_el, |i| elem(a, esize, i) << lsh),
        (0b10000 | 0b10001, false) => {
            // SHRN/RSHRN: narrow to the low or (with Q) high half.
            let r = vreg::build(esize, 64 / esize, |i| {
                let x = elem(a, 2 * esize, i) as u128;
                let bias = if op == 0b10001 { 1u128 << (rsh - 1) } else { 0 };
                ((x + bias) >> rsh) as u64
            });
            let v = if q { (d as u64 as u128) | r << 64 } else { r };
            vreg::set(cx.cpu, rd(w), v);
            return Some(());
        }
        (0b10100, _) => {
            let src = if q { a >> 64 } else { a };
            let v = vreg::build(2 * esize, 64 / esize, |i| {
                let x = elem(src, esize, i);
                let x = if u { x } else { sext(x, esize) as u64 };
                x << lsh
            });
            vreg::set(cx.cpu, rd(w), v);
            return Some(());
        }
        _ => return None,
    };
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}

/// Advanced SIMD scalar shift by immediate (D forms; FP conversions go to [`fp_vec`]).
pub fn scalar_shift_imm(cx: &mut Ctx, w: u32) -> Res {
    let u = bit(w, 29);
    let op = bits(w, 15, 11);
    if op == 0b11100 || op == 0b11111 {
        return fp_vec::shift_imm(cx, w, true);
    }
    let (esize, immhb) = shift_params(w)?;
    if let Some(narrow) = match (op, u) {
        (0b01100, true) | (0b01110, _) => Some(false),
        (0b10000 | 0b10001, true) | (0b10010 | 0b10011, _) => Some(true),
        _ => None,
    } {
        ensure!(!narrow || esize < 64);
        let srcbits = if narrow { 2 * esize } else { esize };
        let x = cx.cpu.v[rn(w) as usize][0] & mask(srcbits);
        let (r, s) = sat_shift(
            op,
            u,
            esize,
            x,
            2 * esize - immhb,
            immhb.wrapping_sub(esize),
        )?;
        if s {
            cx.cpu.fpsr |= fenv::QC;
        }
        vreg::set_scalar(cx.cpu, rd(w), r, esize);
        return Some(());
    }
    ensure!(esize == 64);
    let a = cx.cpu.v[rn(w) as usize][0];
    let d = cx.cpu.v[rd(w) as usize][0];
    let rsh = 128 - immhb;
    let lsh = immhb - 64;
    let r = match (op, u) {
        (0b00000 | 0b00010 | 0b00100 | 0b00110, _) => shr_lane(op, u, 64, a, d, rsh),
        (0b01000, true) => insert_lane(false, 64, a, d, rsh),
        (0b01010, true) => insert_lane(true, 64, a, d, lsh),
        (0b01010, false) => a << lsh,
        _ => return None,
    };
    vreg::set_scalar(cx.cpu, rd(w), r, 64);
    Some(())
}
