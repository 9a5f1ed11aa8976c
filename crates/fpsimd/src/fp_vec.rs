//! Advanced SIMD floating point, vector and scalar forms (single and double precision), and the
//! by-element multiplies.

use crate::fenv::{Env, Round};
use crate::float::{self, Fmt};
use crate::fp_arith::{self, Bin, Cmp};
use crate::fp_convert;
use crate::fp_scalar::{frint_mode, frint_n};
use crate::vreg::{self, elem, mask, sext};
use crate::{Ctx, Res, bit, bits, ensure, rd, rm, rn};

/// Element format and count for a vector (`q`) or scalar FP operation with size bit `sz`.
fn shape(sz: bool, q: bool, scalar: bool) -> Option<(Fmt, u32)> {
    let fmt = if sz { Fmt::D } else { Fmt::S };
    if scalar {
        return Some((fmt, 1));
    }
    ensure!(!sz || q);
    Some((fmt, if q { 128 } else { 64 } / fmt.bits()))
}

/// Element format and count of a half-precision (FEAT_FP16) vector or scalar operation.
fn shape_h(q: bool, scalar: bool) -> (Fmt, u32) {
    (
        Fmt::H,
        if scalar {
            1
        } else if q {
            8
        } else {
            4
        },
    )
}

/// Writes a vector or scalar result.
fn put(cx: &mut Ctx, d: u32, v: u128, q: bool, scalar: bool, ebits: u32) {
    if scalar {
        vreg::set_scalar(cx.cpu, d, v as u64, ebits);
    } else {
        vreg::set_q(cx.cpu, d, v, q);
    }
}

/// FMULX: FMUL except that infinity times zero gives +-2.
fn mulx(env: &mut Env, fmt: Fmt, a: u64, b: u64) -> u64 {
    let (fa, fb) = (fmt.flush_in(env, a), fmt.flush_in(env, b));
    let inf_zero = (fmt.is_inf(fa) && fmt.is_zero(fb)) || (fmt.is_zero(fa) && fmt.is_inf(fb));
    if inf_zero && !fmt.is_nan(fa) && !fmt.is_nan(fb) {
        return fp_arith::from_f64_exact(fmt, 2.0) | ((fa ^ fb) & fmt.sign());
    }
    fp_arith::bin(env, fmt, Bin::Mul, fa, fb)
}

/// One lane of an FP "three same" operation (non-pairwise).
fn lane3(env: &mut Env, fmt: Fmt, key: (bool, bool, u32), a: u64, b: u64, d: u64) -> Option<u64> {
    let t = |c: bool| if c { mask(fmt.bits()) } else { 0 };
    Some(match key {
        (false, false, 0b11000) => fp_arith::bin(env, fmt, Bin::MaxNm, a, b),
        (false, true, 0b11000) => fp_arith::bin(env, fmt, Bin::MinNm, a, b),
        (false, false, 0b11001) => fp_arith::mul_add(env, fmt, d, a, b),
        (false, true, 0b11001) => fp_arith::mul_add(env, fmt, d, fmt.neg(a), b),
        (false, false, 0b11010) => fp_arith::bin(env, fmt, Bin::Add, a, b),
        (false, true, 0b11010) => fp_arith::bin(env, fmt, Bin::Sub, a, b),
        (false, false, 0b11011) => mulx(env, fmt, a, b),
        (false, false, 0b11100) => t(fp_arith::cmp(env, fmt, Cmp::Eq, a, b)),
        (false, false, 0b11110) => fp_arith::bin(env, fmt, Bin::Max, a, b),
        (false, false, 0b11111) => fp_arith::step(env, fmt, a, b, true),
        (false, true, 0b11111) => fp_arith::step(env, fmt, a, b, false),
        (false, true, 0b11110) => fp_arith::bin(env, fmt, Bin::Min, a, b),
        (true, false, 0b11011) => fp_arith::bin(env, fmt, Bin::Mul, a, b),
        (true, false, 0b11100) => t(fp_arith::cmp(env, fmt, Cmp::Ge, a, b)),
        (true, true, 0b11100) => t(fp_arith::cmp(env, fmt, Cmp::Gt, a, b)),
        (true, false, 0b11101) => t(fp_arith::cmp(env, fmt, Cmp::Ge, fmt.abs(a), fmt.abs(b))),
        (true, true, 0b11101) => t(fp_arith::cmp(env, fmt, Cmp::Gt, fmt.abs(a), fmt.abs(b))),
        (true, false, 0b11111) => fp_arith::bin(env, fmt, Bin::Div, a, b),
        (true, true, 0b11010) => fmt.abs(fp_arith::bin(env, fmt, Bin::Sub, a, b)),
        _ => return None,
    })
}

/// The binary operation of a pairwise FP opcode (U=1).
fn pair_op(a_bit: bool, op: u32) -> Option<Bin> {
    Some(match (a_bit, op) {
        (false, 0b11000) => Bin::MaxNm,
        (true, 0b11000) => Bin::MinNm,
        (false, 0b11010) => Bin::Add,
        (false, 0b11110) => Bin::Max,
        (true, 0b11110) => Bin::Min,
        _ => return None,
    })
}

/// Advanced SIMD three same, FP opcodes (vector and scalar).
pub fn three_same(cx: &mut Ctx, w: u32, scalar: bool) -> Res {
    let (u, size, op) = (bit(w, 29), bits(w, 23, 22), bits(w, 15, 11));
    if !scalar && (size == 0 || size == 2) && op == (if u { 0b11001 } else { 0b11101 }) {
        // FMLAL, FMLSL (U=0) and FMLAL2, FMLSL2 (U=1): FEAT_FHM; size<1> selects subtraction.
        return fmlal(cx, w, size == 2, u, None);
    }
    let (fmt, n_el) = shape(bit(w, 22), bit(w, 30), scalar)?;
    three_same_in(cx, w, scalar, fmt, n_el, bits(w, 15, 11))
}

/// Advanced SIMD three same (FP16), vector and scalar: the S/D opcodes 11xxx as a 3-bit field.
pub fn three_same_h(cx: &mut Ctx, w: u32, scalar: bool) -> Res {
    let (fmt, n_el) = shape_h(bit(w, 30), scalar);
    three_same_in(cx, w, scalar, fmt, n_el, 0b11000 | bits(w, 13, 11))
}

/// FP three same with elements `fmt`, `n_el` of them, and the 5-bit opcode `op`.
fn three_same_in(cx: &mut Ctx, w: u32, scalar: bool, fmt: Fmt, n_el: u32, op: u32) -> Res {
    let (q, u, a_bit) = (bit(w, 30), bit(w, 29), bit(w, 23));
    let eb = fmt.bits();
    let a = vreg::get(cx.cpu, rn(w));
    let b = vreg::get(cx.cpu, rm(w));
    let d = vreg::get(cx.cpu, rd(w));
    let mut env = cx.env();
    let pairwise = u && matches!(op, 0b11000 | 0b11010 | 0b11110) && !(a_bit && op == 0b11010);
    let mut out = 0u128;
    if pairwise {
        ensure!(!scalar);
        let bop = pair_op(a_bit, op)?;
        let half = n_el / 2;
        for i in 0..n_el {
            let src = if i < half { a } else { b };
            let j = 2 * (i % half);
            let r = fp_arith::bin(&mut env, fmt, bop, elem(src, eb, j), elem(src, eb, j + 1));
            out = vreg::with_elem(out, eb, i, r);
        }
    } else {
        let key = (u, a_bit, op);
        if scalar {
            ensure!(matches!(op, 0b11011..=0b11101 | 0b11111) || key == (true, true, 0b11010));
            ensure!(key != (true, false, 0b11011) && !(u && op == 0b11111));
        }
        for i in 0..n_el {
            let r = lane3(
                &mut env,
                fmt,
                key,
                elem(a, eb, i),
                elem(b, eb, i),
                elem(d, eb, i),
            )?;
            out = vreg::with_elem(out, eb, i, r);
        }
    }
    cx.flags(env);
    put(cx, rd(w), out, q, scalar, eb);
    Some(())
}

/// Advanced SIMD two-register miscellaneous, FP opcodes (vector and scalar).
pub fn two_misc(cx: &mut Ctx, w: u32, scalar: bool) -> Res {
    two_misc_in(cx, w, scalar, false)
}

/// Advanced SIMD two-register miscellaneous (FP16), vector and scalar.
pub fn two_misc_h(cx: &mut Ctx, w: u32, scalar: bool) -> Res {
    two_misc_in(cx, w, scalar, true)
}

/// FP two-register miscellaneous; `half` for the FP16 encodings.
fn two_misc_in(cx: &mut Ctx, w: u32, scalar: bool, half: bool) -> Res {
    let (q, u, a_bit, sz) = (bit(w, 30), bit(w, 29), bit(w, 23), bit(w, 22));
    let op = bits(w, 16, 12);
    let src = vreg::get(cx.cpu, rn(w));
    let mut env = cx.env();
    ensure!(!half || !matches!(op, 0b10110 | 0b10111));
    if !a_bit && u && op == 0b10110 {
        // FCVTXN, FCVTXN2: double to single with rounding to odd; the scalar form too.
        ensure!(sz);
        let r = if scalar {
            float::convert_odd(&mut env, src as u64) as u128
        } else {
            let r = vreg::build(32, 2, |i| float::convert_odd(&mut env, elem(src, 64, i)));
            let d = vreg::get(cx.cpu, rd(w));
            if q { (d as u64 as u128) | r << 64 } else { r }
        };
        cx.flags(env);
        vreg::set(cx.cpu, rd(w), r);
        return Some(());
    }
    // FCVTL/FCVTN change the element size and are vector-only.
    if !a_bit && (op == 0b10110 || op == 0b10111) {
        ensure!(!scalar && !u);
        let (narrow, wide) = if sz {
            (Fmt::S, Fmt::D)
        } else {
            (Fmt::H, Fmt::S)
        };
        let n_wide = 128 / wide.bits();
        let v = if op == 0b10111 {
            let s = if q { src >> 64 } else { src };
            vreg::build(wide.bits(), n_wide, |i| {
                narrow.convert(&mut env, wide, elem(s, narrow.bits(), i))
            })
        } else {
            let r = vreg::build(narrow.bits(), n_wide, |i| {
                wide.convert(&mut env, narrow, elem(src, wide.bits(), i))
            });
            let d = vreg::get(cx.cpu, rd(w));
            if q { (d as u64 as u128) | r << 64 } else { r }
        };
        cx.flags(env);
        vreg::set(cx.cpu, rd(w), v);
        return Some(());
    }
    let (fmt, n_el) = if half {
        shape_h(q, scalar)
    } else {
        shape(sz, q, scalar)?
    };
    let eb = fmt.bits();
    let t = |c: bool| if c { mask(eb) } else { 0 };
    let fpcr = cx.cpu.fpcr;
    enum K {
        Cmp0(u32),
        Abs,
        Neg,
        Rint(Round, bool),
        RintN(Round, u32),
        ToInt(Round),
        FromInt,
        Sqrt,
        RecipEst,
        RsqrtEst,
        RecpX,
        URecipEst,
        URsqrtEst,
    }
    let k = match (a_bit, op, u) {
        (true, 0b01100..=0b01110, _) => {
            ensure!(!(op == 0b01110 && u));
            K::Cmp0(op << 1 | u as u32)
        }
        (true, 0b01111, false) if !scalar => K::Abs,
        (true, 0b01111, true) if !scalar => K::Neg,
        (_, 0b11000 | 0b11001, _) if !scalar => {
            let code = match (a_bit, op, u) {
                (false, 0b11000, false) => 0,
                (false, 0b11000, true) => 4,
                (false, 0b11001, false) => 2,
                (false, 0b11001, true) => 6,
                (true, 0b11000, false) => 1,
                (true, 0b11001, false) => 3,
                (true, 0b11001, true) => 7,
                _ => return None,
            };
            let (m, exact) = frint_mode(code, fpcr)?;
            K::Rint(m, exact)
        }
        (false, 0b11110 | 0b11111, _) if !scalar && !half => {
            // FRINT32Z/X, FRINT64Z/X (FEAT_FRINTTS): U selects X, opcode bit 0 the size.
            let (m, intsize) = frint_n((op & 1) << 1 | u as u32, fpcr);
            K::RintN(m, intsize)
        }
        (false, 0b11010, _) => K::ToInt(Round::Nearest),
        (false, 0b11011, _) => K::ToInt(Round::MinusInf),
        (false, 0b11100, _) => K::ToInt(Round::TiesAway),
        (true, 0b11010, _) => K::ToInt(Round::PlusInf),
        (true, 0b11011, _) => K::ToInt(Round::Zero),
        (false, 0b11101, _) => K::FromInt,
        (true, 0b11111, true) if !scalar => K::Sqrt,
        (true, 0b11101, false) => K::RecipEst,
        (true, 0b11111, false) if scalar => K::RecpX,
        (true, 0b11101, true) => K::RsqrtEst,
        (true, 0b11100, false) if !scalar && !sz && !half => K::URecipEst,
        (true, 0b11100, true) if !scalar && !sz && !half => K::URsqrtEst,
        _ => return None,
    };
    let v = vreg::build(eb, n_el, |i| {
        let x = elem(src, eb, i);
        match k {
            K::Cmp0(c) => {
                let z = 0;
                t(match c {
                    0b011000 => fp_arith::cmp(&mut env, fmt, Cmp::Gt, x, z),
                    0b011001 => fp_arith::cmp(&mut env, fmt, Cmp::Ge, x, z),
                    0b011010 => fp_arith::cmp(&mut env, fmt, Cmp::Eq, x, z),
                    0b011011 => fp_arith::cmp(&mut env, fmt, Cmp::Ge, z, x),
                    _ => fp_arith::cmp(&mut env, fmt, Cmp::Gt, z, x),
                })
            }
            K::Abs => fmt.abs(x),
            K::Neg => fmt.neg(x),
            K::Rint(m, exact) => fp_arith::round_int(&mut env, fmt, x, m, exact),
            K::RintN(m, intsize) => fp_arith::round_int_n(&mut env, fmt, x, m, intsize),
            K::ToInt(m) => fp_convert::to_int(&mut env, fmt, x, m, !u, eb, 0),
            K::FromInt => fp_convert::from_int(&mut env, fmt, x, !u, eb, 0),
            K::Sqrt => fp_arith::sqrt(&mut env, fmt, x),
            K::RecipEst => fp_arith::recip_est(&mut env, fmt, x),
            K::RsqrtEst => fp_arith::rsqrt_est(&mut env, fmt, x),
            K::RecpX => fp_arith::recpx(&mut env, fmt, x),
            K::URecipEst => unsigned_recip_est(x),
            K::URsqrtEst => unsigned_rsqrt_est(x),
        }
    });
    cx.flags(env);
    put(cx, rd(w), v, q, scalar, eb);
    Some(())
}

/// URECPE on one 32-bit lane (ARM's UnsignedRecipEstimate): the operand is a fixed-point
/// fraction in [0.5, 1), the result its 9-bit reciprocal estimate in [1, 2) as a fraction with
/// the binary point above bit 31; operands below 0.5 saturate to all ones.
fn unsigned_recip_est(x: u64) -> u64 {
    if x >> 31 == 0 {
        return 0xffff_ffff;
    }
    (fp_arith::recip_estimate(x >> 23) & 0x1ff) << 23
}

/// URSQRTE on one 32-bit lane (ARM's UnsignedRSqrtEstimate): the operand is a fraction in
/// [0.25, 1), the result its 9-bit reciprocal square root estimate in [1, 2); operands below
/// 0.25 saturate to all ones.
fn unsigned_rsqrt_est(x: u64) -> u64 {
    if x >> 30 == 0 {
        return 0xffff_ffff;
    }
    (fp_arith::rsqrt_estimate(x >> 23) & 0x1ff) << 23
}

/// FMAXV, FMINV, FMAXNMV, FMINNMV: single precision (U=1, four lanes) and half precision
/// (U=0, FEAT_FP16, four or eight lanes), reduced pairwise as ARM's Reduce does.
pub fn across(cx: &mut Ctx, w: u32) -> Res {
    let (q, u, a_bit, sz) = (bit(w, 30), bit(w, 29), bit(w, 23), bit(w, 22));
    ensure!(!sz && (q || !u));
    let (fmt, n) = if u { (Fmt::S, 4) } else { shape_h(q, false) };
    let op = match (bits(w, 16, 12), a_bit) {
        (0b01100, false) => Bin::MaxNm,
        (0b01100, true) => Bin::MinNm,
        (_, false) => Bin::Max,
        (_, true) => Bin::Min,
    };
    let v = vreg::get(cx.cpu, rn(w));
    let mut env = cx.env();
    // Reduce: each level combines neighbours, lower element first.
    let mut lanes: Vec<u64> = (0..n).map(|i| elem(v, fmt.bits(), i)).collect();
    while lanes.len() > 1 {
        lanes = lanes
            .chunks(2)
            .map(|p| fp_arith::bin(&mut env, fmt, op, p[0], p[1]))
            .collect();
    }
    cx.flags(env);
    vreg::set_scalar(cx.cpu, rd(w), lanes[0], fmt.bits());
    Some(())
}

/// FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP (scalar; `half`: the FP16 encodings, U=0).
pub fn scalar_pairwise(cx: &mut Ctx, w: u32, half: bool) -> Res {
    let (a_bit, sz) = (bit(w, 23), bit(w, 22));
    ensure!(!half || !sz);
    let op = match (bits(w, 16, 12), a_bit) {
        (0b01100, false) => Bin::MaxNm,
        (0b01100, true) => Bin::MinNm,
        (0b01101, false) => Bin::Add,
        (0b01111, false) => Bin::Max,
        (0b01111, true) => Bin::Min,
        _ => return None,
    };
    let fmt = if half {
        Fmt::H
    } else if sz {
        Fmt::D
    } else {
        Fmt::S
    };
    let v = vreg::get(cx.cpu, rn(w));
    let mut env = cx.env();
    let r = fp_arith::bin(
        &mut env,
        fmt,
        op,
        elem(v, fmt.bits(), 0),
        elem(v, fmt.bits(), 1),
    );
    cx.flags(env);
    vreg::set_scalar(cx.cpu, rd(w), r, fmt.bits());
    Some(())
}

/// SCVTF/UCVTF/FCVTZS/FCVTZU (fixed-point, vector and scalar shift-by-immediate forms).
pub fn shift_imm(cx: &mut Ctx, w: u32, scalar: bool) -> Res {
    let (q, u) = (bit(w, 30), bit(w, 29));
    let immh = bits(w, 22, 19);
    ensure!(immh & 0b1110 != 0);
    let sz = immh & 0b1000 != 0;
    let (fmt, n_el) = if immh & 0b1100 == 0 {
        // immh = 001x: half precision (FEAT_FP16).
        shape_h(q, scalar)
    } else {
        shape(sz, q, scalar)?
    };
    let eb = fmt.bits();
    let fbits = 2 * eb - bits(w, 22, 16);
    let src = vreg::get(cx.cpu, rn(w));
    let mut env = cx.env();
    let to_fp = bits(w, 15, 11) == 0b11100;
    let v = vreg::build(eb, n_el, |i| {
        let x = elem(src, eb, i);
        if to_fp {
            fp_convert::from_int(&mut env, fmt, x, !u, eb, fbits)
        } else {
            fp_convert::to_int(&mut env, fmt, x, Round::Zero, !u, eb, fbits)
        }
    });
    cx.flags(env);
    put(cx, rd(w), v, q, scalar, eb);
    Some(())
}

/// Vector by element: MUL, MLA, MLS, S/UMULL, S/UMLAL, S/UMLSL, FMUL, FMLA, FMLS, FMULX; with
/// `scalar`, the scalar FP forms (FMUL, FMLA, FMLS, FMULX by element).
pub fn indexed(cx: &mut Ctx, w: u32, scalar: bool) -> Res {
    let (q, u, size) = (bit(w, 30), bit(w, 29), bits(w, 23, 22));
    let (l, m, h) = (bits(w, 21, 21), bits(w, 20, 20), bits(w, 11, 11));
    let op = bits(w, 15, 12);
    let a = vreg::get(cx.cpu, rn(w));
    let d = vreg::get(cx.cpu, rd(w));
    if u && op & 0b1001 == 0b0001 && !scalar {
        // FCMLA by element (FEAT_FCMA): opcode 0rr1 with U=1. The complex pair: H:L of V0-V31
        // pairs for half precision, H for single precision (which needs L=0 and Q=1).
        let index = match size {
            1 => {
                ensure!(q || h == 0);
                h << 1 | l
            }
            2 => {
                ensure!(l == 0 && q);
                h
            }
            _ => return None,
        };
        return complex(cx, w, Some((m << 4 | bits(w, 19, 16), index)));
    }
    let fp = matches!(op, 0b0001 | 0b0101 | 0b1001);
    if fp {
        ensure!(size != 1 && (op == 0b1001 || !u));
        let fmt = match size {
            0 => Fmt::H,
            2 => Fmt::S,
            _ => Fmt::D,
        };
        let (index, rm_n) = match size {
            3 => {
                ensure!(l == 0 && (q || scalar));
                (h, m << 4 | bits(w, 19, 16))
            }
            2 => (h << 1 | l, m << 4 | bits(w, 19, 16)),
            // Half precision (FEAT_FP16): index H:L:M, Rm in V0-V15.
            _ => (h << 2 | l << 1 | m, bits(w, 19, 16)),
        };
        let eb = fmt.bits();
        let x = elem(vreg::get(cx.cpu, rm_n), eb, index);
        let n_el = if scalar {
            1
        } else {
            (if q { 128 } else { 64 }) / eb
        };
        let mut env = cx.env();
        let v = vreg::build(eb, n_el, |i| {
            let (ai, di) = (elem(a, eb, i), elem(d, eb, i));
            match (op, u) {
                (0b0001, _) => fp_arith::mul_add(&mut env, fmt, di, ai, x),
                (0b0101, _) => fp_arith::mul_add(&mut env, fmt, di, fmt.neg(ai), x),
                (_, false) => fp_arith::bin(&mut env, fmt, Bin::Mul, ai, x),
                (_, true) => mulx(&mut env, fmt, ai, x),
            }
        });
        cx.flags(env);
        put(cx, rd(w), v, q, scalar, eb);
        return Some(());
    }
    if size == 2 && !scalar && matches!((op, u), (0b0000 | 0b0100, false) | (0b1000 | 0b1100, true))
    {
        // FMLAL, FMLSL, FMLAL2, FMLSL2 by element (FEAT_FHM): a half-precision element H:L:M
        // of V0-V15.
        let index = h << 2 | l << 1 | m;
        let x = elem(vreg::get(cx.cpu, bits(w, 19, 16)), 16, index);
        return fmlal(cx, w, op & 0b0100 != 0, u, Some(x));
    }
    if op == 0b1111 && !u && !scalar && (size == 0 || size == 2) {
        // SUDOT (size 00: signed Vn bytes, unsigned element bytes) and USDOT (size 10: the
        // reverse) by element, FEAT_I8MM: the indexed 32-bit group of four bytes.
        let x = elem(vreg::get(cx.cpu, m << 4 | bits(w, 19, 16)), 32, h << 1 | l);
        let n_el = if q { 4 } else { 2 };
        let v = vreg::build(32, n_el, |i| {
            crate::int_vec::dot_lane_mixed(size == 0, size == 2, elem(d, 32, i), elem(a, 32, i), x)
        });
        vreg::set_q(cx.cpu, rd(w), v, q);
        return Some(());
    }
    let (index, rm_n) = match size {
        1 => (h << 2 | l << 1 | m, bits(w, 19, 16)),
        2 => (h << 1 | l, m << 4 | bits(w, 19, 16)),
        _ => return None,
    };
    let esize = 8 << size;
    let n_el = if scalar {
        1
    } else {
        (if q { 128 } else { 64 }) / esize
    };
    if op == 0b1110 {
        // SDOT/UDOT by element (FEAT_DotProd): the indexed 32-bit group of four bytes.
        ensure!(size == 2 && !scalar);
        let x = elem(vreg::get(cx.cpu, rm_n), 32, index);
        let v = vreg::build(32, n_el, |i| {
            crate::int_vec::dot_lane(!u, elem(d, 32, i), elem(a, 32, i), x)
        });
        vreg::set_q(cx.cpu, rd(w), v, q);
        return Some(());
    }
    let x = elem(vreg::get(cx.cpu, rm_n), esize, index);
    if u && matches!(op, 0b1101 | 0b1111) {
        // SQRDMLAH/SQRDMLSH by element (FEAT_RDM), vector and scalar.
        let mut qc = false;
        let v = vreg::build(esize, n_el, |i| {
            let (r, s) = crate::int_vec::rdm_lane(
                op == 0b1111,
                esize,
                elem(d, esize, i),
                elem(a, esize, i),
                x,
            );
            qc |= s;
            r
        });
        if qc {
            cx.cpu.fpsr |= crate::fenv::QC;
        }
        put(cx, rd(w), v, q, scalar, esize);
        return Some(());
    }
    if !u && matches!(op, 0b0011 | 0b0111 | 0b1011 | 0b1100 | 0b1101) {
        return sat_doubling_indexed(cx, w, op, esize, x, scalar);
    }
    ensure!(!scalar);
    let v = match (op, u) {
        (0b1000, false) | (0b0000, true) | (0b0100, true) => vreg::build(esize, n_el, |i| {
            let p = elem(a, esize, i).wrapping_mul(x);
            let di = elem(d, esize, i);
            match op {
                0b1000 => p,
                0b0000 => di.wrapping_add(p),
                _ => di.wrapping_sub(p),
            }
        }),
        (0b1010 | 0b0010 | 0b0110, _) => {
            let src = if q { a >> 64 } else { a };
            let ext = |v: u64| -> i128 { if u { v as i128 } else { sext(v, esize) as i128 } };
            let wide = 2 * esize;
            vreg::build(wide, 64 / esize, |i| {
                let p = ext(elem(src, esize, i)) * ext(x);
                let acc = elem(d, wide, i) as i128;
                (match op {
                    0b1010 => p,
                    0b0010 => acc + p,
                    _ => acc - p,
                }) as u64
            })
        }
        _ => return None,
    };
    if matches!(op, 0b1010 | 0b0010 | 0b0110) {
        vreg::set(cx.cpu, rd(w), v);
    } else {
        vreg::set_q(cx.cpu, rd(w), v, q);
    }
    Some(())
}

/// Half-precision `x` as the single-precision value it denotes, bit for bit (NaNs keep their
/// sign, payload and signalling state), with denormals flushed to zero under FPCR.FZ16 (which
/// raises no flag): how FMLAL's FPMulAddH sees its half-precision operands.
fn widen_half(env: &Env, x: u64) -> u64 {
    let h = Fmt::H;
    if h.is_nan(x) {
        return (x & h.sign()) << 16 | 0x7f80_0000 | (x & h.frac_mask()) << 13;
    }
    if h.is_denormal(x) && env.fz16() {
        return (x & h.sign()) << 16;
    }
    // Exact and not a NaN: no flags, whatever the scratch environment's rounding.
    h.convert(&mut Env::new(0), Fmt::S, x)
}

/// FMLAL/FMLSL (`upper` clear) and FMLAL2/FMLSL2 (`upper` set), FEAT_FHM: each single-precision
/// lane of Vd plus the product of the corresponding half-precision elements of the lower or
/// upper half of Vn and of Vm (or the one element `by_elem`), fused with one rounding; `sub`
/// negates the Vn element first.
fn fmlal(cx: &mut Ctx, w: u32, sub: bool, upper: bool, by_elem: Option<u64>) -> Res {
    let q = bit(w, 30);
    let n_el = if q { 4 } else { 2 };
    let a = vreg::get(cx.cpu, rn(w));
    let b = vreg::get(cx.cpu, rm(w));
    let d = vreg::get(cx.cpu, rd(w));
    // Vpart: the lower or upper half of the 64 or 128 bits the instruction works on.
    let shift = if upper { 16 * n_el } else { 0 };
    let mut env = cx.env();
    let v = vreg::build(32, n_el, |e| {
        let x = elem(a >> shift, 16, e) ^ if sub { 0x8000 } else { 0 };
        let y = by_elem.unwrap_or_else(|| elem(b >> shift, 16, e));
        let (x, y) = (widen_half(&env, x), widen_half(&env, y));
        fp_arith::mul_add(&mut env, Fmt::S, elem(d, 32, e), x, y)
    });
    cx.flags(env);
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}

/// FCMLA and FCADD (FEAT_FCMA) on vectors of complex numbers (real part in the even element,
/// imaginary in the odd one) of half, single or double precision. FCADD (three same extra
/// opcode 11r0) adds Vm rotated by 90 or 270 degrees to Vn. FCMLA (opcode 10rr, or by element
/// with `elem` = (Rm, pair index)) multiplies one part of Vn by Vm rotated by 0, 90, 180 or 270
/// degrees and accumulates into Vd, each product fused with its addition.
pub fn complex(cx: &mut Ctx, w: u32, elem_pair: Option<(u32, u32)>) -> Res {
    let (q, size) = (bit(w, 30), bits(w, 23, 22));
    let fmt = match size {
        1 => Fmt::H,
        2 => Fmt::S,
        3 if q => Fmt::D,
        _ => return None,
    };
    let eb = fmt.bits();
    let n_el = if q { 128 } else { 64 } / eb;
    let a = vreg::get(cx.cpu, rn(w));
    let d = vreg::get(cx.cpu, rd(w));
    let mut env = cx.env();
    let neg = |x: u64| fmt.neg(x);
    let (fcadd, rot) = match elem_pair {
        None => (bits(w, 14, 13) == 0b11, bits(w, 12, 11)),
        Some(_) => (false, bits(w, 14, 13)),
    };
    let b = vreg::get(cx.cpu, elem_pair.map_or(rm(w), |(r, _)| r));
    let v = vreg::build(eb, n_el, |i| {
        let (e, imag) = (i & !1, i & 1 == 1);
        let (an, re_i) = (elem(a, eb, i), e);
        if fcadd {
            // rot bit 12: 0 adds (-im, re) of Vm (90 degrees), 1 adds (im, -re) (270).
            let (mre, mim) = (elem(b, eb, e), elem(b, eb, e + 1));
            let x = match (bits(w, 12, 12), imag) {
                (0, false) => neg(mim),
                (0, true) => mre,
                (_, false) => mim,
                (_, true) => neg(mre),
            };
            return fp_arith::bin(&mut env, fmt, Bin::Add, an, x);
        }
        let p = elem_pair.map_or(e, |(_, idx)| 2 * idx);
        let (mre, mim) = (elem(b, eb, p), elem(b, eb, p + 1));
        // Rotations 0 and 180 multiply by Vn's real part, 90 and 270 by its imaginary part.
        let nsrc = if rot & 1 == 0 {
            elem(a, eb, re_i)
        } else {
            elem(a, eb, re_i + 1)
        };
        let m = match (rot, imag) {
            (0, false) => mre,
            (0, true) => mim,
            (1, false) => neg(mim),
            (1, true) => mre,
            (2, false) => neg(mre),
            (2, true) => neg(mim),
            (_, false) => mim,
            (_, true) => neg(mre),
        };
        fp_arith::mul_add(&mut env, fmt, elem(d, eb, i), nsrc, m)
    });
    cx.flags(env);
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}

/// SQDMULH, SQRDMULH, SQDMULL, SQDMLAL, SQDMLSL by element (vector and scalar).
fn sat_doubling_indexed(cx: &mut Ctx, w: u32, op: u32, esize: u32, x: u64, scalar: bool) -> Res {
    use crate::int_vec::sat_s;
    let q = bit(w, 30);
    let a = vreg::get(cx.cpu, rn(w));
    let d = vreg::get(cx.cpu, rd(w));
    let sx = sext(x, esize) as i128;
    let mut qc = false;
    let v = if op >= 0b1100 {
        let n_el = if scalar {
            1
        } else {
            (if q { 128 } else { 64 }) / esize
        };
        let round = if op == 0b1101 {
            1i128 << (esize - 1)
        } else {
            0
        };
        vreg::build(esize, n_el, |i| {
            let (r, s) = sat_s(
                (2 * sext(elem(a, esize, i), esize) as i128 * sx + round) >> esize,
                esize,
            );
            qc |= s;
            r
        })
    } else {
        let wide = 2 * esize;
        let src = if q && !scalar { a >> 64 } else { a };
        let n_el = if scalar { 1 } else { 64 / esize };
        vreg::build(wide, n_el, |i| {
            let (p, s1) = sat_s(2 * sext(elem(src, esize, i), esize) as i128 * sx, wide);
            let p = sext(p, wide) as i128;
            let acc = sext(elem(d, wide, i), wide) as i128;
            let (r, s2) = match op {
                0b0011 => sat_s(acc + p, wide),
                0b0111 => sat_s(acc - p, wide),
                _ => (p as u64 & mask(wide), false),
            };
            qc |= s1 | s2;
            r
        })
    };
    if qc {
        cx.cpu.fpsr |= crate::fenv::QC;
    }
    let bits_out = if op >= 0b1100 { esize } else { 2 * esize };
    if scalar {
        vreg::set_scalar(cx.cpu, rd(w), v as u64, bits_out);
    } else {
        vreg::set(cx.cpu, rd(w), v);
    }
    Some(())
}
