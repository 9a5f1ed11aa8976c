//! Half-precision arithmetic (FEAT_FP16) in software.
//!
//! Choice: the host has no half-precision arithmetic, and computing in single precision and
//! rounding again is wrong under directed rounding and for fused operations. Every half value
//! is an integer multiple of 2^-24 below 2^16, so sums and products (even a product plus an
//! addend) are exact in an `i128` at a common exponent; quotients and square roots are exact
//! integers plus a sticky bit. The exact result is then rounded once by [`Fmt::round_pack`],
//! which also decides the Overflow, Underflow and Inexact flags and FPCR.FZ16 flushing.
//!
//! Callers handle NaN operands (ARM's propagation rules are format-independent) and flush
//! denormal inputs first; these functions take the remaining operands.

use crate::fenv::{DZC, Env, IOC, Round};
use crate::float::Fmt;
use crate::fp_arith::Bin;

const H: Fmt = Fmt::H;

/// (negative, e, sig) of a non-NaN finite `x` with |x| = sig * 2^e (sig 0 for zeros).
fn parts(x: u64) -> (bool, i32, u64) {
    if H.is_zero(x) {
        (H.is_neg(x), -24, 0)
    } else {
        H.unpack(x)
    }
}

/// Rounds the exact value (-1)^neg * mag * 2^e (`sticky`: something non-zero below) to half
/// precision with the FPCR rounding mode.
fn round(env: &mut Env, neg: bool, mut e: i32, mag: u128, mut sticky: bool) -> u64 {
    let excess = 64u32.saturating_sub(mag.leading_zeros());
    let mut m = mag;
    if excess > 0 {
        sticky |= m & ((1u128 << excess) - 1) != 0;
        m >>= excess;
        e += excess as i32;
    }
    let mode = env.rmode();
    H.round_pack(env, neg, e, m as u64, sticky, mode)
}

/// The zero an exact cancellation gives: -0 when rounding towards minus infinity, else +0.
fn cancel_zero(env: &Env) -> u64 {
    H.zero(env.rmode() == Round::MinusInf)
}

/// The signed sum of two exact values s1 * 2^e1 + s2 * 2^e2 at the smaller exponent.
fn sum(s1: i128, e1: i32, s2: i128, e2: i32) -> (i128, i32) {
    let e = e1.min(e2);
    ((s1 << (e1 - e)) + (s2 << (e2 - e)), e)
}

/// Rounds a signed exact sum `s * 2^e`; `zero` is the result if it is exactly zero.
fn round_signed(env: &mut Env, s: i128, e: i32, zero: u64) -> u64 {
    if s == 0 {
        return zero;
    }
    round(env, s < 0, e, s.unsigned_abs(), false)
}

/// `a op b` for Add, Sub, Mul, Div on non-NaN operands.
pub fn bin(env: &mut Env, op: Bin, a: u64, b: u64) -> u64 {
    let (ia, ib) = (H.is_inf(a), H.is_inf(b));
    let (za, zb) = (H.is_zero(a), H.is_zero(b));
    let (na, ea, sa) = parts(a);
    let (mut nb, eb, sb) = parts(b);
    match op {
        Bin::Add | Bin::Sub => {
            nb ^= op == Bin::Sub;
            if ia || ib {
                if ia && ib && na != nb {
                    env.flags |= IOC;
                    return H.default_nan();
                }
                return H.inf(if ia { na } else { nb });
            }
            let zero = if za && zb && na == nb {
                H.zero(na)
            } else {
                cancel_zero(env)
            };
            let signed = |n: bool, s: u64| if n { -(s as i128) } else { s as i128 };
            let (s, e) = sum(signed(na, sa), ea, signed(nb, sb), eb);
            round_signed(env, s, e, zero)
        }
        Bin::Mul => {
            let neg = na ^ nb;
            if ia || ib {
                if za || zb {
                    env.flags |= IOC;
                    return H.default_nan();
                }
                return H.inf(neg);
            }
            if za || zb {
                return H.zero(neg);
            }
            round(env, neg, ea + eb, sa as u128 * sb as u128, false)
        }
        _ => {
            let neg = na ^ nb;
            if (ia && ib) || (za && zb) {
                env.flags |= IOC;
                return H.default_nan();
            }
            if ia || zb {
                if zb && !ia {
                    env.flags |= DZC;
                }
                return H.inf(neg);
            }
            if ib || za {
                return H.zero(neg);
            }
            // At least 39 quotient bits: far more than the 11 + guard + sticky needed.
            let n = (sa as u128) << 50;
            let q = n / sb as u128;
            round(env, neg, ea - eb - 50, q, !n.is_multiple_of(sb as u128))
        }
    }
}

/// Square root of a positive, finite, non-zero or infinite non-NaN `a`.
pub fn sqrt(env: &mut Env, a: u64) -> u64 {
    if H.is_inf(a) {
        return a;
    }
    let (_, mut e, mut sig) = H.unpack(a);
    if e & 1 != 0 {
        sig <<= 1;
        e -= 1;
    }
    // sig < 2^12: scale by 2^48 so the root has at least 24 bits.
    let n = sig << 48;
    let mut r = (n as f64).sqrt() as u64;
    while r * r > n {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= n {
        r += 1;
    }
    round(env, false, (e - 48) / 2, r as u128, r * r != n)
}

/// Fused `addend + n * m` on non-NaN operands (ARM's FPMulAdd after its NaN checks).
pub fn mul_add(env: &mut Env, addend: u64, n: u64, m: u64) -> u64 {
    let p_inf = H.is_inf(n) || H.is_inf(m);
    let p_zero = H.is_zero(n) || H.is_zero(m);
    let p_neg = H.is_neg(n) ^ H.is_neg(m);
    let (na, ea, sa) = parts(addend);
    if p_inf && p_zero {
        env.flags |= IOC;
        return H.default_nan();
    }
    if p_inf {
        if H.is_inf(addend) && na != p_neg {
            env.flags |= IOC;
            return H.default_nan();
        }
        return H.inf(p_neg);
    }
    if H.is_inf(addend) {
        return addend;
    }
    let zero = if p_zero && H.is_zero(addend) && na == p_neg {
        H.zero(na)
    } else {
        cancel_zero(env)
    };
    let (_, en, sn) = parts(n);
    let (_, em, sm) = parts(m);
    let p = (sn as i128) * (sm as i128);
    let p = if p_neg { -p } else { p };
    let a = if na { -(sa as i128) } else { sa as i128 };
    let (s, e) = sum(p, en + em, a, ea);
    round_signed(env, s, e, zero)
}
