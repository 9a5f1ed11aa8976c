//! Pure semantic functions of the IR's arithmetic opcodes, shared by the interpreter, constant
//! folding and tests of the JIT (the expected value of an op on given inputs).

use crate::Op;

/// Mask of the low `w` bits (w is 32 or 64).
pub fn mask(w: u32) -> u64 {
    if w >= 64 { u64::MAX } else { (1u64 << w) - 1 }
}

/// Zero-extends from `bits` bits.
pub fn zext(x: u64, bits: u32) -> u64 {
    x & mask(bits)
}

/// Zero-extends from `size` bytes.
pub fn zext_size(x: u64, size: usize) -> u64 {
    zext(x, size as u32 * 8)
}

/// Sign-extends from `bits` bits to 64.
pub fn sext(x: u64, bits: u32) -> u64 {
    let s = 64 - bits;
    (((x << s) as i64) >> s) as u64
}

/// ARM UDIV at width `w`: division by zero gives 0.
pub fn udiv(a: u64, b: u64, w: u32) -> u64 {
    let (a, b) = (a & mask(w), b & mask(w));
    a.checked_div(b).unwrap_or(0)
}

/// ARM SDIV at width `w`: division by zero gives 0, MIN / -1 gives MIN.
pub fn sdiv(a: u64, b: u64, w: u32) -> u64 {
    let (a, b) = (sext(a, w) as i64, sext(b, w) as i64);
    if b == 0 {
        0
    } else {
        (a.wrapping_div(b) as u64) & mask(w)
    }
}

/// Shift left by `b` modulo `w`.
pub fn shl(a: u64, b: u64, w: u32) -> u64 {
    (a << (b % w as u64)) & mask(w)
}

/// Logical shift right by `b` modulo `w`.
pub fn lshr(a: u64, b: u64, w: u32) -> u64 {
    (a & mask(w)) >> (b % w as u64)
}

/// Arithmetic shift right by `b` modulo `w`.
pub fn ashr(a: u64, b: u64, w: u32) -> u64 {
    ((sext(a, w) as i64 >> (b % w as u64)) as u64) & mask(w)
}

/// Rotate right by `b` modulo `w`.
pub fn ror(a: u64, b: u64, w: u32) -> u64 {
    if w == 32 {
        (a as u32).rotate_right((b % 32) as u32) as u64
    } else {
        a.rotate_right((b % 64) as u32)
    }
}

/// Count leading zeros at width `w`.
pub fn clz(a: u64, w: u32) -> u64 {
    if w == 32 {
        (a as u32).leading_zeros() as u64
    } else {
        a.leading_zeros() as u64
    }
}

/// Count leading sign bits (not counting the sign bit itself) at width `w`.
pub fn cls(a: u64, w: u32) -> u64 {
    if w == 32 {
        let x = a as u32;
        ((x ^ ((x as i32) >> 1) as u32) << 1 | 1).leading_zeros() as u64
    } else {
        ((a ^ ((a as i64) >> 1) as u64) << 1 | 1).leading_zeros() as u64
    }
}

/// Reverse bits at width `w`.
pub fn rbit(a: u64, w: u32) -> u64 {
    if w == 32 {
        (a as u32).reverse_bits() as u64
    } else {
        a.reverse_bits()
    }
}

/// Reverse bytes at width `w`.
pub fn bswap(a: u64, w: u32) -> u64 {
    if w == 32 {
        (a as u32).swap_bytes() as u64
    } else {
        a.swap_bytes()
    }
}

/// a + b + carry-in at width `w`.
pub fn addc(a: u64, b: u64, c: u64, w: u32) -> u64 {
    a.wrapping_add(b).wrapping_add(c & 1) & mask(w)
}

/// NZCV (ARM layout) of a + b + carry-in at width `w`.
pub fn addc_flags(a: u64, b: u64, c: u64, w: u32) -> u64 {
    let m = mask(w);
    let (a, b, c) = (a & m, b & m, c & 1);
    let wide = a as u128 + b as u128 + c as u128;
    let r = (wide as u64) & m;
    let sign = 1u64 << (w - 1);
    let n = r & sign != 0;
    let z = r == 0;
    let carry = wide >> w != 0;
    let v = (a ^ r) & (b ^ r) & sign != 0;
    (n as u64) << 31 | (z as u64) << 30 | (carry as u64) << 29 | (v as u64) << 28
}

/// NZCV with N and Z from `a` at width `w`, C = V = 0.
pub fn logic_flags(a: u64, w: u32) -> u64 {
    let r = a & mask(w);
    let n = r >> (w - 1) & 1;
    (n << 31) | ((r == 0) as u64) << 30
}

/// `bytes4`: the low four bytes of `a` and `b` combined lane by lane.
pub fn bytes4(a: u64, b: u64, op: crate::ops::ByteOp) -> u64 {
    use crate::ops::ByteOp;
    let mut r = 0u64;
    for lane in 0..4 {
        let (x, y) = ((a >> (8 * lane)) & 0xff, (b >> (8 * lane)) & 0xff);
        let v = match op {
            ByteOp::Add => (x + y) & 0xff,
            ByteOp::Sub => x.wrapping_sub(y) & 0xff,
            ByteOp::AddSat => (x + y).min(0xff),
            ByteOp::SubSat => x.saturating_sub(y),
        };
        r |= v << (8 * lane);
    }
    r
}

/// `zero.lanes`: all-ones in each `esize`-bit lane of `x` that is zero.
pub fn zero_lanes(x: u64, esize: u32) -> u64 {
    let lane = mask(esize);
    (0..64)
        .step_by(esize as usize)
        .filter(|&at| (x >> at) & lane == 0)
        .fold(0, |r, at| r | lane << at)
}

/// `add.lanes` (`sub.lanes` when `sub`): `a + b` (`a - b`) in every lane of `esize` bits.
pub fn add_lanes(a: u64, b: u64, esize: u32, sub: bool) -> u64 {
    let lane = mask(esize);
    (0..64).step_by(esize as usize).fold(0, |r, at| {
        let (x, y) = ((a >> at) & lane, (b >> at) & lane);
        let v = if sub { x.wrapping_sub(y) } else { x + y };
        r | (v & lane) << at
    })
}

/// `bytes4.mask`: byte lane i all ones if lane i of `a + b` carries out (`sub` false) or of
/// `a - b` does not borrow.
pub fn bytes4_mask(a: u64, b: u64, sub: bool) -> u64 {
    (0..4).fold(0, |r, lane| {
        let (x, y) = ((a >> (8 * lane)) & 0xff, (b >> (8 * lane)) & 0xff);
        let flag = if sub { x >= y } else { x + y > 0xff };
        r | (flag as u64 * 0xff) << (8 * lane)
    })
}

/// `ge.mask`: all ones in byte lane i where GE bit 16 + i of `ge` is set.
pub fn ge_mask(ge: u64) -> u64 {
    (0..4)
        .filter(|lane| ge >> (16 + lane) & 1 == 1)
        .fold(0, |r, lane| r | 0xff << (8 * lane))
}

/// `mask.ge`: GE bit 16 + i set where byte lane i of `mask` has its top bit set.
pub fn mask_ge(mask: u64) -> u64 {
    (0..4)
        .filter(|lane| mask >> (8 * lane + 7) & 1 == 1)
        .fold(0, |r, lane| r | 1 << (16 + lane))
}

/// `pairs8`: `op` on the adjacent byte pairs of the 16 bytes `b:a`, packed in order.
pub fn pairs8(a: u64, b: u64, op: crate::PairOp) -> u64 {
    let v = u128::from(b) << 64 | u128::from(a);
    (0..8).fold(0, |r, i| {
        let pair = (v >> (16 * i)) as u16;
        r | u64::from(op.apply(pair as u8, (pair >> 8) as u8)) << (8 * i)
    })
}

/// The value of pure opcode `op` with immediate `imm` on arguments `a` (unused ones ignored),
/// or `None` for opcodes that read or write CPU state or memory, or call helpers. This is the
/// one definition of what the pure opcodes compute: the interpreter and constant folding use
/// it, and the JIT is tested against it. Inlined: in the interpreter its match joins the
/// interpreter's own (one dispatch per instruction, not two and a call: a dynamic hello's
/// start-up, mostly interpreted, took 1.7% fewer host instructions on aarch64, 2.3% on armhf).
#[inline(always)]
pub fn eval(op: Op, imm: u64, a: [u64; 3]) -> Option<u64> {
    let w = imm as u32;
    Some(match op {
        Op::Const => imm,
        Op::Add => a[0].wrapping_add(a[1]),
        Op::Sub => a[0].wrapping_sub(a[1]),
        Op::And => a[0] & a[1],
        Op::Or => a[0] | a[1],
        Op::Xor => a[0] ^ a[1],
        Op::Mul => a[0].wrapping_mul(a[1]),
        Op::UMulH => ((a[0] as u128 * a[1] as u128) >> 64) as u64,
        Op::SMulH => ((a[0] as i64 as i128 * a[1] as i64 as i128) >> 64) as u64,
        Op::UDiv => udiv(a[0], a[1], w),
        Op::SDiv => sdiv(a[0], a[1], w),
        Op::Shl => shl(a[0], a[1], w),
        Op::Lshr => lshr(a[0], a[1], w),
        Op::Ashr => ashr(a[0], a[1], w),
        Op::Ror => ror(a[0], a[1], w),
        Op::Not => !a[0],
        Op::Neg => a[0].wrapping_neg(),
        Op::Clz => clz(a[0], w),
        Op::Cls => cls(a[0], w),
        Op::Rbit => rbit(a[0], w),
        Op::Bswap => bswap(a[0], w),
        Op::Zext => zext(a[0], w),
        Op::Sext => sext(a[0], w),
        Op::AddC => addc(a[0], a[1], a[2], w),
        Op::AddCFlags => addc_flags(a[0], a[1], a[2], w),
        Op::AddCCarry => addc_flags(a[0], a[1], a[2], w) >> 29 & 1,
        Op::SubW => addc(a[0], !a[1], 1, w),
        Op::SubFlags => addc_flags(a[0], !a[1], 1, w),
        Op::LogicFlags => logic_flags(a[0], w),
        Op::Cond => crate::cond_holds(w, a[0]) as u64,
        Op::CondAdd => {
            let f = addc_flags(a[0], a[1], a[2], (imm >> 8) as u32);
            crate::cond_holds(w & 15, f) as u64
        }
        Op::CondLogic => crate::cond_holds(w & 15, logic_flags(a[0], (imm >> 8) as u32)) as u64,
        Op::Bytes4 => bytes4(a[0], a[1], crate::ops::ByteOp::from_imm(imm)?),
        Op::GeMask => ge_mask(a[0]),
        Op::MaskGe => mask_ge(a[0]),
        Op::Pairs8 => pairs8(a[0], a[1], crate::PairOp::from_imm(imm)?),
        Op::Bytes4Mask => bytes4_mask(a[0], a[1], imm == 1),
        Op::ZeroLanes => zero_lanes(a[0], w),
        Op::EqLanes => zero_lanes(a[0] ^ a[1], w),
        Op::AddLanes => add_lanes(a[0], a[1], w, false),
        Op::SubLanes => add_lanes(a[0], a[1], w, true),
        Op::CondSub => {
            let f = addc_flags(a[0], !a[1], 1, (imm >> 8) as u32);
            crate::cond_holds(w & 15, f) as u64
        }
        Op::Eq => (a[0] == a[1]) as u64,
        Op::Ult => (a[0] < a[1]) as u64,
        Op::Select => {
            if a[0] != 0 {
                a[1]
            } else {
                a[2]
            }
        }
        Op::GetReg
        | Op::SetReg
        | Op::SetRegFault
        | Op::Load
        | Op::Store
        | Op::StoreIf
        | Op::LoadV
        | Op::StoreV
        | Op::StoreEx
        | Op::Fence
        | Op::ExitIf
        | Op::ExitIfNoFlags
        | Op::ExitIfFlags
        | Op::Mark
        | Op::FlagsDeferred
        | Op::Call => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lane adds and subtracts agree with the carry-free word arithmetic SIMD code uses:
    /// add the lanes without their top bits, then put the top bits' sum (a XOR) back; subtract
    /// with every top bit set first, so borrows stay in their lane.
    #[test]
    fn lane_adds_match_word_arithmetic() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (a, b) = (x, x.rotate_left(23).wrapping_mul(0xff51_afd7_ed55_8ccd));
            for esize in [8u32, 16, 32] {
                let h = (0..64)
                    .step_by(esize as usize)
                    .fold(0u64, |m, at| m | 1 << (at + esize - 1));
                let sum = ((a & !h).wrapping_add(b & !h)) ^ ((a ^ b) & h);
                let diff = ((a | h).wrapping_sub(b & !h)) ^ ((a ^ !b) & h);
                assert_eq!(
                    add_lanes(a, b, esize, false),
                    sum,
                    "{a:x} + {b:x} by {esize}"
                );
                assert_eq!(
                    add_lanes(a, b, esize, true),
                    diff,
                    "{a:x} - {b:x} by {esize}"
                );
            }
        }
    }

    #[test]
    fn flags_edge_cases() {
        // 0x7fffffff + 1 at 32 bits: N and V set.
        assert_eq!(addc_flags(0x7fff_ffff, 1, 0, 32), 0x9000_0000);
        // SUBS 5 - 5 = 5 + !5 + 1: Z and C set.
        assert_eq!(addc_flags(5, !5, 1, 64), 0x6000_0000);
        // 0 - 1: N set, C clear (borrow).
        assert_eq!(addc_flags(0, !1, 1, 64), 0x8000_0000);
        assert_eq!(logic_flags(0x8000_0000, 32), 0x8000_0000);
        assert_eq!(logic_flags(0x1_0000_0000, 32), 0x4000_0000);
    }

    #[test]
    fn division_and_bits() {
        assert_eq!(udiv(7, 0, 64), 0);
        assert_eq!(sdiv(0x8000_0000, 0xffff_ffff, 32), 0x8000_0000);
        assert_eq!(sdiv(i64::MIN as u64, u64::MAX, 64), i64::MIN as u64);
        assert_eq!(sdiv((-7i64) as u64, 2, 64), (-3i64) as u64);
        assert_eq!(cls(0, 64), 63);
        assert_eq!(cls(u64::MAX, 64), 63);
        assert_eq!(cls(0xffff_ffff, 32), 31);
        assert_eq!(cls(1, 32), 30);
        assert_eq!(clz(0, 32), 32);
        assert_eq!(ror(1, 33, 32), 0x8000_0000);
        assert_eq!(ashr(0x8000_0000, 31, 32), 0xffff_ffff);
        assert_eq!(shl(1, 64, 64), 1);
    }
}
