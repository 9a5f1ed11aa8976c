//! Scalar floating point: data processing (1, 2, 3 sources), compares, conditional select and
//! compare, and conversions to and from general registers.

use crate::fenv::Round;
use crate::float::Fmt;
use crate::fp_arith::{self, Bin};
use crate::fp_convert;
use crate::{Ctx, Res, bit, bits, ensure, rd, rm, rn, vreg};

/// The format of the `ftype` field (bits 23:22).
fn ftype(w: u32) -> Option<Fmt> {
    Fmt::from_ftype(bits(w, 23, 22))
}

/// The format for arithmetic: H (FEAT_FP16), S or D.
fn arith_fmt(w: u32) -> Option<Fmt> {
    ftype(w)
}

/// Low `fmt.bits()` bits of V`n`.
fn sreg(cx: &Ctx, fmt: Fmt, n: u32) -> u64 {
    cx.cpu.v[n as usize][0] & vreg::mask(fmt.bits())
}

/// Writes a scalar result of format `fmt` to V`d`, zeroing the rest.
fn set(cx: &mut Ctx, fmt: Fmt, d: u32, x: u64) {
    vreg::set_scalar(cx.cpu, d, x, fmt.bits());
}

/// FCVT{N,P,M,Z,A}{S,U} (scalar, to general register).
pub fn fcvt_to_int(cx: &mut Ctx, w: u32) -> Res {
    let fmt = ftype(w)?;
    let rmode = bits(w, 20, 19);
    let mode = if bit(w, 18) {
        ensure!(rmode == 0);
        Round::TiesAway
    } else {
        Round::from_rmode(rmode as u64)
    };
    let signed = !bit(w, 16);
    let ibits = if bit(w, 31) { 64 } else { 32 };
    let mut env = cx.env();
    let x = sreg(cx, fmt, rn(w));
    let r = fp_convert::to_int(&mut env, fmt, x, mode, signed, ibits, 0);
    cx.flags(env);
    cx.set_x(rd(w), r, false);
    Some(())
}

/// SCVTF/UCVTF (scalar, from general register).
pub fn cvtf(cx: &mut Ctx, w: u32) -> Res {
    let fmt = ftype(w)?;
    ensure!(bits(w, 20, 19) == 0);
    let signed = !bit(w, 16);
    let ibits = if bit(w, 31) { 64 } else { 32 };
    let x = cx.x(rn(w), false);
    let mut env = cx.env();
    let r = fp_convert::from_int(&mut env, fmt, x, signed, ibits, 0);
    cx.flags(env);
    set(cx, fmt, rd(w), r);
    Some(())
}

/// SCVTF/UCVTF/FCVTZS/FCVTZU (scalar, fixed-point).
pub fn fixed(cx: &mut Ctx, w: u32) -> Res {
    let fmt = ftype(w)?;
    let sf = bit(w, 31);
    let scale = bits(w, 15, 10);
    ensure!(sf || scale >= 32);
    let fbits = 64 - scale;
    let ibits = if sf { 64 } else { 32 };
    let mut env = cx.env();
    match (bits(w, 20, 19), bits(w, 18, 16)) {
        (0, op @ (2 | 3)) => {
            let x = cx.x(rn(w), false);
            let r = fp_convert::from_int(&mut env, fmt, x, op == 2, ibits, fbits);
            set(cx, fmt, rd(w), r);
        }
        (3, op @ (0 | 1)) => {
            let x = sreg(cx, fmt, rn(w));
            let r = fp_convert::to_int(&mut env, fmt, x, Round::Zero, op == 0, ibits, fbits);
            cx.set_x(rd(w), r, false);
        }
        _ => return None,
    }
    cx.flags(env);
    Some(())
}

/// The rounding of an FRINT opcode's low three bits (`None` for the unallocated 101).
pub fn frint_mode(op: u32, fpcr: u64) -> Option<(Round, bool)> {
    Some(match op & 7 {
        0 => (Round::Nearest, false),
        1 => (Round::PlusInf, false),
        2 => (Round::MinusInf, false),
        3 => (Round::Zero, false),
        4 => (Round::TiesAway, false),
        6 => (Round::from_rmode(fpcr >> 22), true),
        7 => (Round::from_rmode(fpcr >> 22), false),
        _ => return None,
    })
}

/// The rounding and integer size of FRINT32Z/X, FRINT64Z/X from the low two opcode bits
/// (bit 0: X, the FPCR rounding mode, rather than Z, towards zero; bit 1: 64 rather than 32).
pub fn frint_n(op: u32, fpcr: u64) -> (Round, u32) {
    let mode = if op & 1 != 0 {
        Round::from_rmode(fpcr >> 22)
    } else {
        Round::Zero
    };
    (mode, if op & 2 != 0 { 64 } else { 32 })
}

/// FMOV (register), FABS, FNEG, FSQRT, FCVT (between precisions), FRINT* incl. FRINT32/64.
pub fn one_src(cx: &mut Ctx, w: u32) -> Res {
    let fmt = ftype(w)?;
    let op = bits(w, 20, 15);
    let x = sreg(cx, fmt, rn(w));
    let mut env = cx.env();
    let (ofmt, r) = match op {
        0 => (fmt, x),
        1 => (fmt, fmt.abs(x)),
        2 => (fmt, fmt.neg(x)),
        3 => {
            let f = arith_fmt(w)?;
            (f, fp_arith::sqrt(&mut env, f, x))
        }
        4..=7 => {
            let to = Fmt::from_ftype(op & 3)?;
            ensure!(to != fmt);
            (to, fmt.convert(&mut env, to, x))
        }
        8..=15 => {
            let f = arith_fmt(w)?;
            let (mode, exact) = frint_mode(op, cx.cpu.fpcr)?;
            (f, fp_arith::round_int(&mut env, f, x, mode, exact))
        }
        16..=19 => {
            // FRINT32Z, FRINT32X, FRINT64Z, FRINT64X (FEAT_FRINTTS): S and D only.
            let f = arith_fmt(w).filter(|f| *f != Fmt::H)?;
            let (mode, intsize) = frint_n(op, cx.cpu.fpcr);
            (f, fp_arith::round_int_n(&mut env, f, x, mode, intsize))
        }
        _ => return None,
    };
    cx.flags(env);
    set(cx, ofmt, rd(w), r);
    Some(())
}

/// FCMP/FCMPE (register and zero forms).
pub fn fcmp(cx: &mut Ctx, w: u32) -> Res {
    let fmt = arith_fmt(w)?;
    ensure!(bits(w, 2, 0) == 0);
    let a = sreg(cx, fmt, rn(w));
    let b = if bit(w, 3) { 0 } else { sreg(cx, fmt, rm(w)) };
    let mut env = cx.env();
    cx.cpu.nzcv = fp_arith::compare(&mut env, fmt, a, b, bit(w, 4));
    cx.flags(env);
    Some(())
}

/// FCCMP/FCCMPE.
pub fn fccmp(cx: &mut Ctx, w: u32) -> Res {
    let fmt = arith_fmt(w)?;
    if ir::cond_holds(bits(w, 15, 12), cx.cpu.nzcv) {
        let a = sreg(cx, fmt, rn(w));
        let b = sreg(cx, fmt, rm(w));
        let mut env = cx.env();
        cx.cpu.nzcv = fp_arith::compare(&mut env, fmt, a, b, bit(w, 4));
        cx.flags(env);
    } else {
        cx.cpu.nzcv = (bits(w, 3, 0) as u64) << 28;
    }
    Some(())
}

/// FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL.
pub fn two_src(cx: &mut Ctx, w: u32) -> Res {
    let fmt = arith_fmt(w)?;
    let op = match bits(w, 15, 12) {
        0 | 8 => Bin::Mul,
        1 => Bin::Div,
        2 => Bin::Add,
        3 => Bin::Sub,
        4 => Bin::Max,
        5 => Bin::Min,
        6 => Bin::MaxNm,
        7 => Bin::MinNm,
        _ => return None,
    };
    let a = sreg(cx, fmt, rn(w));
    let b = sreg(cx, fmt, rm(w));
    let mut env = cx.env();
    let mut r = fp_arith::bin(&mut env, fmt, op, a, b);
    if bits(w, 15, 12) == 8 {
        r = fmt.neg(r);
    }
    cx.flags(env);
    set(cx, fmt, rd(w), r);
    Some(())
}

/// FCSEL.
pub fn fcsel(cx: &mut Ctx, w: u32) -> Res {
    let fmt = ftype(w)?;
    let src = if ir::cond_holds(bits(w, 15, 12), cx.cpu.nzcv) {
        rn(w)
    } else {
        rm(w)
    };
    let x = sreg(cx, fmt, src);
    set(cx, fmt, rd(w), x);
    Some(())
}

/// FMADD, FMSUB, FNMADD, FNMSUB (fused).
pub fn three_src(cx: &mut Ctx, w: u32) -> Res {
    let fmt = arith_fmt(w)?;
    let (o1, o0) = (bit(w, 21), bit(w, 15));
    let mut a = sreg(cx, fmt, bits(w, 14, 10));
    let mut n = sreg(cx, fmt, rn(w));
    let m = sreg(cx, fmt, rm(w));
    // FMSUB negates the product operand, FNMADD both, FNMSUB the addend (ARM's FPNeg, which
    // also flips the sign of NaNs).
    if o0 != o1 {
        n = fmt.neg(n);
    }
    if o1 {
        a = fmt.neg(a);
    }
    let mut env = cx.env();
    let r = fp_arith::mul_add(&mut env, fmt, a, n, m);
    cx.flags(env);
    set(cx, fmt, rd(w), r);
    Some(())
}
