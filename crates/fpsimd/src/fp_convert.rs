//! Conversions between floating point and integers (FCVT*S/U, SCVTF/UCVTF, fixed-point forms).

use crate::fenv::{Env, IOC, IXC, Round};
use crate::float::Fmt;

/// Converts `x` (format `fmt`) times 2^fbits to an `ibits`-wide integer with rounding `mode`,
/// saturating as ARM does: NaN gives 0, out-of-range values give the nearest bound; both raise
/// IOC. The result is zero-extended to 64 bits.
pub fn to_int(
    env: &mut Env,
    fmt: Fmt,
    x: u64,
    mode: Round,
    signed: bool,
    ibits: u32,
    fbits: u32,
) -> u64 {
    let x = fmt.flush_in(env, x);
    let mask = if ibits == 64 {
        u64::MAX
    } else {
        (1u64 << ibits) - 1
    };
    if fmt.is_nan(x) {
        env.flags |= IOC;
        return 0;
    }
    let v = if fmt.is_inf(x) {
        if fmt.is_neg(x) {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    } else {
        crate::fp_arith::to_f64(fmt, x) * 2f64.powi(fbits as i32)
    };
    let r = match mode {
        Round::Nearest => v.round_ties_even(),
        Round::TiesAway => v.round(),
        Round::PlusInf => v.ceil(),
        Round::MinusInf => v.floor(),
        Round::Zero => v.trunc(),
    };
    let (lo, hi) = if signed {
        (-(2f64.powi(ibits as i32 - 1)), 2f64.powi(ibits as i32 - 1))
    } else {
        (0.0, 2f64.powi(ibits as i32))
    };
    if r < lo {
        env.flags |= IOC;
        return if signed {
            (1u64 << (ibits - 1)) & mask
        } else {
            0
        };
    }
    if r >= hi {
        env.flags |= IOC;
        return if signed {
            (1u64 << (ibits - 1)) - 1
        } else {
            mask
        };
    }
    if r != v {
        env.flags |= IXC;
    }
    // Scaling by a power of two is exact unless it overflows, which the range check caught.
    (if signed { r as i64 as u64 } else { r as u64 }) & mask
}

/// Converts the `ibits`-wide integer `v` (signed or unsigned) divided by 2^fbits to `fmt`,
/// rounding with FPCR.RMode.
pub fn from_int(env: &mut Env, fmt: Fmt, v: u64, signed: bool, ibits: u32, fbits: u32) -> u64 {
    let v = if ibits == 64 {
        v
    } else {
        v & ((1u64 << ibits) - 1)
    };
    let (neg, mag) = if signed && ibits < 64 && v >> (ibits - 1) & 1 != 0 {
        (true, (1u64 << ibits) - v)
    } else if signed && ibits == 64 && (v as i64) < 0 {
        (true, (v as i64).unsigned_abs())
    } else {
        (false, v)
    };
    if mag == 0 {
        return 0;
    }
    let mode = env.rmode();
    fmt.round_pack(env, neg, -(fbits as i32), mag, false, mode)
}

/// FJCVTZS (FEAT_JSCVT, ARM's FPToFixedJS): the double `x` rounded towards zero to a 32-bit
/// integer modulo 2^32, as JavaScript's ToInt32 does. Returns the result and the Z flag, which is
/// set only when the conversion was exact and in range (not for NaNs, infinities, -0.0, values
/// outside the signed 32-bit range or inexact ones). Out-of-range values (and NaNs and
/// infinities, which give 0) raise Invalid Operation, other inexact ones Inexact.
pub fn to_int_js(env: &mut Env, x: u64) -> (u64, bool) {
    let x = Fmt::D.flush_in(env, x);
    let v = f64::from_bits(x);
    if !v.is_finite() {
        env.flags |= IOC;
        return (0, false);
    }
    let t = v.trunc();
    // `rem_euclid` on an integral value is exact, so this is t modulo 2^32.
    let result = t.rem_euclid(4_294_967_296.0) as u64;
    let mut z = true;
    if !(-2_147_483_648.0..=2_147_483_647.0).contains(&t) {
        env.flags |= IOC;
        z = false;
    } else if t != v {
        env.flags |= IXC;
        z = false;
    }
    if v == 0.0 && v.is_sign_negative() {
        z = false;
    }
    (result, z)
}
