//! IEEE formats as bit patterns: classification, packing with ARM rounding, unpacking.

use crate::fenv::{Env, IOC, IXC, OFC, Round, UFC};

/// A floating-point format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    /// Half precision (binary16).
    H,
    /// Single precision (binary32).
    S,
    /// Double precision (binary64).
    D,
}

impl Fmt {
    /// The format of a scalar FP instruction's `ftype` field (0=S, 1=D, 3=H).
    pub fn from_ftype(t: u32) -> Option<Fmt> {
        match t {
            0 => Some(Fmt::S),
            1 => Some(Fmt::D),
            3 => Some(Fmt::H),
            _ => None,
        }
    }
    /// Total width in bits.
    pub fn bits(self) -> u32 {
        match self {
            Fmt::H => 16,
            Fmt::S => 32,
            Fmt::D => 64,
        }
    }
    /// Number of fraction bits.
    pub fn frac(self) -> u32 {
        match self {
            Fmt::H => 10,
            Fmt::S => 23,
            Fmt::D => 52,
        }
    }
    /// Exponent bias.
    pub fn bias(self) -> i32 {
        match self {
            Fmt::H => 15,
            Fmt::S => 127,
            Fmt::D => 1023,
        }
    }
    /// The sign bit.
    pub fn sign(self) -> u64 {
        1 << (self.bits() - 1)
    }
    /// Mask of the exponent field.
    pub fn exp_mask(self) -> u64 {
        (self.sign() - 1) & !self.frac_mask()
    }
    /// Mask of the fraction field.
    pub fn frac_mask(self) -> u64 {
        (1 << self.frac()) - 1
    }
    /// The quiet bit (top fraction bit).
    pub fn quiet_bit(self) -> u64 {
        1 << (self.frac() - 1)
    }
    /// ARM's default NaN (positive, quiet, zero payload).
    pub fn default_nan(self) -> u64 {
        self.exp_mask() | self.quiet_bit()
    }
    /// Infinity with the given sign.
    pub fn inf(self, neg: bool) -> u64 {
        self.exp_mask() | if neg { self.sign() } else { 0 }
    }
    /// Zero with the given sign.
    pub fn zero(self, neg: bool) -> u64 {
        if neg { self.sign() } else { 0 }
    }
    /// Largest finite value with the given sign.
    pub fn max_normal(self, neg: bool) -> u64 {
        (self.exp_mask() - (1 << self.frac())) | self.frac_mask() | self.zero(neg)
    }
    /// Is `x` negative (sign bit set)?
    pub fn is_neg(self, x: u64) -> bool {
        x & self.sign() != 0
    }
    /// Is `x` any NaN?
    pub fn is_nan(self, x: u64) -> bool {
        x & self.exp_mask() == self.exp_mask() && x & self.frac_mask() != 0
    }
    /// Is `x` a signalling NaN?
    pub fn is_snan(self, x: u64) -> bool {
        self.is_nan(x) && x & self.quiet_bit() == 0
    }
    /// Is `x` an infinity?
    pub fn is_inf(self, x: u64) -> bool {
        x & !self.sign() == self.exp_mask()
    }
    /// Is `x` a zero?
    pub fn is_zero(self, x: u64) -> bool {
        x & !self.sign() == 0
    }
    /// Is `x` a denormal (subnormal, non-zero)?
    pub fn is_denormal(self, x: u64) -> bool {
        x & self.exp_mask() == 0 && x & self.frac_mask() != 0
    }
    /// `x` with the sign flipped.
    pub fn neg(self, x: u64) -> u64 {
        x ^ self.sign()
    }
    /// `x` with the sign cleared.
    pub fn abs(self, x: u64) -> u64 {
        x & !self.sign()
    }
    /// Keeps only the format's bits of `x`.
    pub fn trunc(self, x: u64) -> u64 {
        if self == Fmt::D {
            x
        } else {
            x & ((1 << self.bits()) - 1)
        }
    }

    /// Flushes a denormal input to a signed zero when FPCR.FZ is set (raising IDC); half
    /// precision follows FPCR.FZ16 instead, which flushes without raising IDC.
    pub fn flush_in(self, env: &mut Env, x: u64) -> u64 {
        if !self.is_denormal(x) {
            return x;
        }
        if self == Fmt::H {
            if env.fz16() { x & self.sign() } else { x }
        } else if env.fz() {
            env.flags |= crate::fenv::IDC;
            x & self.sign()
        } else {
            x
        }
    }

    /// Decomposes a finite non-zero `x` into (negative, e, sig) with |x| = sig * 2^e.
    pub fn unpack(self, x: u64) -> (bool, i32, u64) {
        let neg = self.is_neg(x);
        let ef = ((x & self.exp_mask()) >> self.frac()) as i32;
        let f = x & self.frac_mask();
        if ef == 0 {
            (neg, 1 - self.bias() - self.frac() as i32, f)
        } else {
            (
                neg,
                ef - self.bias() - self.frac() as i32,
                f | 1 << self.frac(),
            )
        }
    }

    /// Rounds the exact value (-1)^neg * sig * 2^e (plus a sticky "something below" bit) to this
    /// format with rounding `mode`, raising IXC/OFC/UFC in `env` and honouring FPCR.FZ for
    /// single and double outputs and FPCR.FZ16 for half-precision ones.
    pub fn round_pack(
        self,
        env: &mut Env,
        neg: bool,
        e: i32,
        sig: u64,
        sticky: bool,
        mode: Round,
    ) -> u64 {
        self.round_pack_alt(env, neg, e, sig, sticky, mode, false)
    }

    /// As [`Fmt::round_pack`]; with `alt`, into ARM's alternative half precision (FPCR.AHP),
    /// whose exponent 31 holds ordinary numbers: a result beyond its largest magnitude (131008)
    /// becomes that magnitude and raises Invalid Operation alone, not Overflow or Inexact.
    #[allow(clippy::too_many_arguments)]
    fn round_pack_alt(
        self,
        env: &mut Env,
        neg: bool,
        e: i32,
        sig: u64,
        sticky: bool,
        mode: Round,
        alt: bool,
    ) -> u64 {
        if sig == 0 {
            if sticky {
                // Only reachable for values far below the smallest subnormal.
                return self.round_tiny(env, neg, mode);
            }
            return self.zero(neg);
        }
        let f = self.frac() as i32;
        let p = 63 - sig.leading_zeros() as i32;
        let big_e = e + p; // unbiased exponent of the leading bit
        let emin = 1 - self.bias();
        let tiny = big_e < emin;
        if tiny && env.flush_out(self == Fmt::H) {
            env.flags |= UFC;
            return self.zero(neg);
        }
        let mut shift = p - f;
        if tiny {
            shift += emin - big_e;
        }
        let (mut mant, rem_nonzero, up) = if shift <= 0 {
            (sig << (-shift) as u32, sticky, false)
        } else {
            let (mant, rem, half) = if shift >= 64 {
                (0u64, sig as u128, 1u128 << (shift - 1).min(127))
            } else {
                (
                    sig >> shift,
                    (sig & ((1u64 << shift) - 1)) as u128,
                    1u128 << (shift - 1),
                )
            };
            let inexact = rem != 0 || sticky;
            let up = match mode {
                Round::Nearest => rem > half || (rem == half && (sticky || mant & 1 == 1)),
                Round::TiesAway => rem >= half,
                Round::PlusInf => inexact && !neg,
                Round::MinusInf => inexact && neg,
                Round::Zero => false,
            };
            (mant, inexact, up)
        };
        if up {
            mant += 1;
        }
        let bits = if tiny {
            mant // exponent field 0; a carry into bit `f` yields the smallest normal
        } else {
            (((big_e + self.bias() - 1) as u64) << f) + mant
        };
        if alt && bits >= self.sign() {
            env.flags |= IOC;
            return (self.sign() - 1) | self.zero(neg);
        }
        if rem_nonzero {
            env.flags |= IXC;
            if tiny {
                env.flags |= UFC;
            }
        }
        if bits >= self.exp_mask() && !alt {
            env.flags |= OFC | IXC;
            let to_inf = match mode {
                Round::Nearest | Round::TiesAway => true,
                Round::PlusInf => !neg,
                Round::MinusInf => neg,
                Round::Zero => false,
            };
            return if to_inf {
                self.inf(neg)
            } else {
                self.max_normal(neg)
            };
        }
        bits | self.zero(neg)
    }

    fn round_tiny(self, env: &mut Env, neg: bool, mode: Round) -> u64 {
        env.flags |= IXC | UFC;
        let up = match mode {
            Round::PlusInf => !neg,
            Round::MinusInf => neg,
            _ => false,
        };
        if up {
            1 | self.zero(neg)
        } else {
            self.zero(neg)
        }
    }

    /// Converts `x` (this format) to format `to` as ARM FCVT does: NaNs keep sign and top payload
    /// bits and are quietened (or become the default NaN under FPCR.DN), finite values round
    /// with the FPCR rounding mode.
    ///
    /// Under FPCR.AHP half precision is ARM's alternative format (FPConvert with `alt_hp`): as
    /// a source, exponent 31 is an ordinary exponent (the conversion to S or D is then exact);
    /// as a destination, a NaN becomes a zero of its sign and an infinity the largest
    /// magnitude, both raising Invalid Operation, and finite values overflow likewise.
    pub fn convert(self, env: &mut Env, to: Fmt, x: u64) -> u64 {
        // FPUnpackCV and FPRoundCV: FZ16 does not apply to conversions (FZ does, to S and D).
        let fpcr = env.fpcr;
        env.fpcr &= !(1 << 19);
        let r = self.convert_cv(env, to, x);
        env.fpcr = fpcr;
        r
    }

    /// [`Fmt::convert`] with FPCR.FZ16 clear.
    fn convert_cv(self, env: &mut Env, to: Fmt, x: u64) -> u64 {
        let x = self.flush_in(env, x);
        let alt_out = to == Fmt::H && env.ahp();
        if self == Fmt::H && env.ahp() {
            if self.is_zero(x) {
                return to.zero(self.is_neg(x));
            }
            let (neg, e, sig) = self.unpack(x);
            let mode = env.rmode();
            return to.round_pack(env, neg, e, sig, false, mode);
        }
        if alt_out && self.is_nan(x) {
            env.flags |= IOC;
            return to.zero(self.is_neg(x));
        }
        if alt_out && self.is_inf(x) {
            env.flags |= IOC;
            return (to.sign() - 1) | to.zero(self.is_neg(x));
        }
        if self.is_nan(x) {
            if self.is_snan(x) {
                env.flags |= crate::fenv::IOC;
            }
            if env.dn() {
                return to.default_nan();
            }
            let payload = x & self.frac_mask();
            let p = if to.frac() >= self.frac() {
                payload << (to.frac() - self.frac())
            } else {
                payload >> (self.frac() - to.frac())
            };
            return to.exp_mask() | to.quiet_bit() | p | to.zero(self.is_neg(x));
        }
        if self.is_inf(x) {
            return to.inf(self.is_neg(x));
        }
        if self.is_zero(x) {
            return to.zero(self.is_neg(x));
        }
        let (neg, e, sig) = self.unpack(x);
        let mode = env.rmode();
        to.round_pack_alt(env, neg, e, sig, false, mode, alt_out)
    }
}

/// Converts double `x` to single precision with rounding to odd, as FCVTXN does: the value is
/// truncated and, if that lost anything, the lowest fraction bit is set (so a second rounding
/// to a narrower format cannot round twice). Overflow gives the largest finite value; NaNs,
/// FPCR.FZ and FPCR.DN are handled as by [`Fmt::convert`].
pub fn convert_odd(env: &mut Env, x: u64) -> u64 {
    let (from, to) = (Fmt::D, Fmt::S);
    let x = from.flush_in(env, x);
    if from.is_nan(x) || from.is_inf(x) || from.is_zero(x) {
        return from.convert(env, to, x);
    }
    let (neg, e, sig) = from.unpack(x);
    // A fresh environment tells whether this rounding was inexact even when the caller's
    // flags already hold IXC.
    let mut own = Env::new(env.fpcr);
    let r = to.round_pack(&mut own, neg, e, sig, false, Round::Zero);
    env.flags |= own.flags;
    if own.flags & IXC != 0 { r | 1 } else { r }
}

/// ARM NaN propagation for two operands: the first signalling NaN (quietened), else the first
/// quiet NaN; `None` when neither operand is a NaN. Raises IOC for a signalling NaN and returns
/// the default NaN under FPCR.DN.
pub fn process_nans2(env: &mut Env, fmt: Fmt, a: u64, b: u64) -> Option<u64> {
    process_nans(env, fmt, &[a, b])
}

/// As [`process_nans2`] for any number of operands, in ARM's operand order.
pub fn process_nans(env: &mut Env, fmt: Fmt, ops: &[u64]) -> Option<u64> {
    // The common case, no NaN at all, in one pass.
    if !ops.iter().any(|x| fmt.is_nan(*x)) {
        return None;
    }
    let pick = ops
        .iter()
        .find(|x| fmt.is_snan(**x))
        .or_else(|| ops.iter().find(|x| fmt.is_nan(**x)))
        .copied()?;
    if fmt.is_snan(pick) {
        env.flags |= crate::fenv::IOC;
    }
    Some(if env.dn() {
        fmt.default_nan()
    } else {
        pick | fmt.quiet_bit()
    })
}
