//! Semantics shared by the A32 and Thumb decoders: the shifter with its carry-out, modified
//! immediates, data processing, multiplies, extends, bitfields, saturation, the media
//! instructions, loads and stores in every addressing mode, load/store multiple, exclusives
//! and the system instructions. The decoders extract fields and call these.

use crate::ctx::{Ctx, Flow};
use ir::{Op, Term, Val};

/// A data-processing operation (A32 opcode order; ORN is Thumb only).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dp {
    And,
    Eor,
    Sub,
    Rsb,
    Add,
    Adc,
    Sbc,
    Rsc,
    Tst,
    Teq,
    Cmp,
    Cmn,
    Orr,
    Mov,
    Bic,
    Mvn,
    Orn,
}

impl Dp {
    /// The A32 opcode `op` (0..15).
    pub fn from_a32(op: u32) -> Dp {
        use Dp::*;
        [
            And, Eor, Sub, Rsb, Add, Adc, Sbc, Rsc, Tst, Teq, Cmp, Cmn, Orr, Mov, Bic, Mvn,
        ][op as usize & 15]
    }

    /// True for the operations whose flags come from the shifter (C) and the result (N, Z).
    pub fn logical(self) -> bool {
        use Dp::*;
        matches!(self, And | Eor | Tst | Teq | Orr | Mov | Bic | Mvn | Orn)
    }

    /// True for TST, TEQ, CMP, CMN (no result register).
    pub fn compare(self) -> bool {
        matches!(self, Dp::Tst | Dp::Teq | Dp::Cmp | Dp::Cmn)
    }
}

/// The 32-bit value of an A32 modified immediate and its carry-out (None = C unchanged).
pub fn arm_expand_imm(imm12: u32) -> (u32, Option<bool>) {
    let rot = (imm12 >> 8) * 2;
    let v = (imm12 & 0xff).rotate_right(rot);
    (v, (rot != 0).then_some(v >> 31 == 1))
}

/// ThumbExpandImm_C: the value and carry-out of a T32 modified immediate (None = C unchanged);
/// None for the UNPREDICTABLE zero byte patterns.
pub fn thumb_expand_imm(imm12: u32) -> Option<(u32, Option<bool>)> {
    if imm12 >> 10 == 0 {
        let b = imm12 & 0xff;
        let v = match imm12 >> 8 & 3 {
            0 => b,
            1 => b << 16 | b,
            2 => b << 24 | b << 8,
            _ => b << 24 | b << 16 | b << 8 | b,
        };
        if imm12 >> 8 & 3 != 0 && b == 0 {
            return None;
        }
        Some((v, None))
    } else {
        let v = (0x80 | (imm12 & 0x7f)).rotate_right(imm12 >> 7);
        Some((v, Some(v >> 31 == 1)))
    }
}

/// Shift by an immediate (DecodeImmShift + Shift_C): `v` shifted by type `ty` and `imm5`, and
/// the carry-out as 0/1 when `want_carry` (None when C is unchanged).
pub fn shift_imm(cx: &mut Ctx, v: Val, ty: u32, imm5: u32, want_carry: bool) -> (Val, Option<Val>) {
    let n = if imm5 == 0 && (ty == 1 || ty == 2) {
        32
    } else {
        imm5
    };
    let bit = |cx: &mut Ctx, v: Val, b: u32| {
        let s = cx.shr(v, b);
        cx.and_k(s, 1)
    };
    match (ty, n) {
        (0, 0) => (v, None),
        (0, n) => {
            let r = cx.op32k(Op::Shl, v, n);
            let c = want_carry.then(|| bit(cx, v, 32 - n));
            (r, c)
        }
        (1, 32) => {
            let r = cx.k(0);
            let c = want_carry.then(|| bit(cx, v, 31));
            (r, c)
        }
        (1, n) => {
            let r = cx.op32k(Op::Lshr, v, n);
            let c = want_carry.then(|| bit(cx, v, n - 1));
            (r, c)
        }
        (2, n) => {
            let r = cx.op32k(Op::Ashr, v, n.min(31));
            let c = want_carry.then(|| bit(cx, v, n - 1));
            (r, c)
        }
        (_, 0) => {
            // RRX: rotate right by one through the carry.
            let c_in = cx.carry();
            let hi = cx.shl(c_in, 31);
            let lo = cx.shr(v, 1);
            let r = cx.b.or(hi, lo);
            let c = want_carry.then(|| cx.and_k(v, 1));
            (r, c)
        }
        (_, n) => {
            let r = cx.op32k(Op::Ror, v, n);
            let c = want_carry.then(|| bit(cx, r, 31));
            (r, c)
        }
    }
}

/// Shift by the bottom byte of a register (Shift_C with amounts 0..255).
pub fn shift_reg(cx: &mut Ctx, v: Val, ty: u32, rs: Val, want_carry: bool) -> (Val, Option<Val>) {
    let amt = cx.and_k(rs, 0xff);
    let clamp = |cx: &mut Ctx, lim: u64| {
        let k = cx.k(lim);
        let lim1 = cx.k(lim + 1);
        let small = cx.b.bin(Op::Ult, amt, lim1);
        cx.b.select(small, amt, k)
    };
    let (r, c) = match ty {
        0 => {
            // Shift the 32-bit value left inside 64 bits: bit 32 is the last bit shifted out.
            let a = clamp(cx, 33);
            let wide = cx.b.binw(Op::Shl, v, a, 64);
            let r = cx.z32(wide);
            let c = cx.shr(wide, 32);
            (r, c)
        }
        1 | 2 => {
            // Put the value in the top half and shift right: bit 31 is the last bit shifted out.
            let a = clamp(cx, if ty == 1 { 33 } else { 32 });
            let top = cx.shl(v, 32);
            let op = if ty == 1 { Op::Lshr } else { Op::Ashr };
            let wide = cx.b.binw(op, top, a, 64);
            let r = cx.shr(wide, 32);
            let c = cx.shr(wide, 31);
            (r, c)
        }
        _ => {
            let r = cx.b.binw(Op::Ror, v, amt, 32);
            let c = cx.shr(r, 31);
            (r, c)
        }
    };
    if !want_carry {
        return (r, None);
    }
    let c = cx.and_k(c, 1);
    let zero = cx.k(0);
    let is0 = cx.b.bin(Op::Eq, amt, zero);
    let old = cx.carry();
    (r, Some(cx.b.select(is0, old, c)))
}

/// Data processing: computes `op n, op2` (`n` is ignored by MOV/MVN), sets the flags when `s`
/// (`carry` is the shifter carry-out for logical operations), and writes `d` unless the
/// operation is a comparison. A write to R15 is a branch (`interwork` as in A32 ALUWritePC);
/// with `s` it is an exception return, which user mode cannot do.
#[allow(clippy::too_many_arguments)]
pub fn dp(
    cx: &mut Ctx,
    op: Dp,
    s: bool,
    d: u32,
    n: Val,
    op2: Val,
    carry: Option<Val>,
    interwork: bool,
) -> Flow {
    if d == 15 && s && !op.compare() {
        return Flow::Undef;
    }
    let r = match op {
        Dp::And | Dp::Tst => cx.b.and(n, op2),
        Dp::Eor | Dp::Teq => cx.b.xor(n, op2),
        Dp::Orr => cx.b.or(n, op2),
        Dp::Mov => op2,
        Dp::Bic | Dp::Orn | Dp::Mvn => {
            let nm = cx.b.not(op2);
            let nm = cx.z32(nm);
            match op {
                Dp::Bic => cx.b.and(n, nm),
                Dp::Orn => cx.b.or(n, nm),
                _ => nm,
            }
        }
        Dp::Add | Dp::Cmn => {
            let z = cx.k(0);
            cx.adc32(n, op2, z, s)
        }
        Dp::Sub | Dp::Cmp => {
            let nm = cx.b.not(op2);
            let one = cx.k(1);
            cx.adc32(n, nm, one, s)
        }
        Dp::Rsb => {
            let nn = cx.b.not(n);
            let one = cx.k(1);
            cx.adc32(op2, nn, one, s)
        }
        Dp::Adc => {
            let c = cx.carry();
            cx.adc32(n, op2, c, s)
        }
        Dp::Sbc => {
            let c = cx.carry();
            let nm = cx.b.not(op2);
            cx.adc32(n, nm, c, s)
        }
        Dp::Rsc => {
            let c = cx.carry();
            let nn = cx.b.not(n);
            cx.adc32(op2, nn, c, s)
        }
    };
    if s && op.logical() {
        cx.logic_flags(r, carry);
    }
    if op.compare() {
        return Flow::Next;
    }
    if d == 15 {
        return Flow::End(cx.write_pc(r, interwork));
    }
    cx.set_r(d, r);
    Flow::Next
}

/// The second operand of a register form: `Rm` shifted by an immediate.
pub fn op2_imm_shift(
    cx: &mut Ctx,
    m: u32,
    ty: u32,
    imm5: u32,
    want_carry: bool,
) -> (Val, Option<Val>) {
    let v = cx.r(m);
    shift_imm(cx, v, ty, imm5, want_carry)
}

/// A constant operand and its carry-out as an IR value.
pub fn op2_const(
    cx: &mut Ctx,
    v: u32,
    carry: Option<bool>,
    want_carry: bool,
) -> (Val, Option<Val>) {
    let k = cx.k(v as u64);
    let c = if want_carry {
        carry.map(|c| cx.k(c as u64))
    } else {
        None
    };
    (k, c)
}

/// Sets N and Z from a 32-bit (`wide` false) or 64-bit result, keeping C and V (multiplies).
pub fn nz_flags(cx: &mut Ctx, r: Val, wide: bool) {
    let nz = cx.b.un(Op::LogicFlags, r, if wide { 64 } else { 32 });
    cx.set_nz(nz, None);
}

/// MUL, MLA, MLS: `d = a ± n * m` (32-bit), N and Z when `s`.
pub fn mul(cx: &mut Ctx, d: u32, n: u32, m: u32, acc: Option<(u32, bool)>, s: bool) -> Flow {
    if d == 15 || n == 15 || m == 15 || acc.is_some_and(|(a, _)| a == 15) {
        return Flow::Undef;
    }
    let a = cx.r(n);
    let b = cx.r(m);
    let p = cx.b.bin(Op::Mul, a, b);
    let r = match acc {
        Some((ra, sub)) => {
            let acc = cx.r(ra);
            if sub {
                cx.sub32(acc, p)
            } else {
                cx.add32(acc, p)
            }
        }
        None => cx.z32(p),
    };
    if s {
        nz_flags(cx, r, false);
    }
    cx.set_r(d, r);
    Flow::Next
}

/// Kinds of long multiply.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Long {
    Umull,
    Umlal,
    Smull,
    Smlal,
    Umaal,
}

/// UMULL, UMLAL, SMULL, SMLAL, UMAAL: RdHi:RdLo from a 64-bit product.
pub fn mul_long(cx: &mut Ctx, kind: Long, lo: u32, hi: u32, n: u32, m: u32, s: bool) -> Flow {
    if lo == 15 || hi == 15 || n == 15 || m == 15 || lo == hi {
        return Flow::Undef;
    }
    let a = cx.r(n);
    let b = cx.r(m);
    let (a, b) = if matches!(kind, Long::Smull | Long::Smlal) {
        (cx.b.sext(a, 32), cx.b.sext(b, 32))
    } else {
        (a, b)
    };
    let mut p = cx.b.bin(Op::Mul, a, b);
    let l = cx.r(lo);
    let h = cx.r(hi);
    match kind {
        Long::Umlal | Long::Smlal => {
            let hs = cx.shl(h, 32);
            let acc = cx.b.or(hs, l);
            p = cx.b.add(p, acc);
        }
        Long::Umaal => {
            p = cx.b.add(p, l);
            p = cx.b.add(p, h);
        }
        _ => {}
    }
    if s {
        nz_flags(cx, p, true);
    }
    let rl = cx.z32(p);
    let rh = cx.shr(p, 32);
    cx.set_r(lo, rl);
    cx.set_r(hi, rh);
    Flow::Next
}

/// The signed 16-bit half of `v` selected by `top`, sign-extended to 64 bits.
pub fn half(cx: &mut Ctx, v: Val, top: bool) -> Val {
    let v = if top { cx.shr(v, 16) } else { v };
    cx.b.sext(v, 16)
}

/// `v` (a 64-bit signed value) as a 32-bit result plus 1 if it does not fit in 32 signed bits.
pub fn fits32(cx: &mut Ctx, v: Val) -> (Val, Val) {
    let s = cx.b.sext(v, 32);
    let same = cx.b.bin(Op::Eq, s, v);
    let one = cx.k(1);
    let ov = cx.b.xor(same, one);
    (cx.z32(v), ov)
}

/// Signed halfword multiplies. `kind`: 0 SMLA<x><y>, 1 SMUL<x><y>, 2 SMLAW<y>, 3 SMULW<y>,
/// 4 SMLAL<x><y>. `nt`/`mt` select the top halves.
#[allow(clippy::too_many_arguments)]
pub fn mul_half(
    cx: &mut Ctx,
    kind: u32,
    d: u32,
    a: u32,
    n: u32,
    m: u32,
    nt: bool,
    mt: bool,
) -> Flow {
    if d == 15 || n == 15 || m == 15 || (matches!(kind, 0 | 2 | 4) && a == 15) {
        return Flow::Undef;
    }
    let rn = cx.r(n);
    let rm = cx.r(m);
    let hm = half(cx, rm, mt);
    match kind {
        0 | 1 | 4 => {
            let hn = half(cx, rn, nt);
            let p = cx.b.bin(Op::Mul, hn, hm);
            if kind == 4 {
                // d = RdHi, a = RdLo.
                let l = cx.r(a);
                let h = cx.r(d);
                let hs = cx.shl(h, 32);
                let acc = cx.b.or(hs, l);
                let r = cx.b.add(p, acc);
                let rl = cx.z32(r);
                let rh = cx.shr(r, 32);
                cx.set_r(a, rl);
                cx.set_r(d, rh);
            } else if kind == 0 {
                let acc = cx.r(a);
                let acc = cx.b.sext(acc, 32);
                let sum = cx.b.add(p, acc);
                let (r, ov) = fits32(cx, sum);
                cx.or_q(ov);
                cx.set_r(d, r);
            } else {
                let r = cx.z32(p);
                cx.set_r(d, r);
            }
        }
        _ => {
            let sn = cx.b.sext(rn, 32);
            let p = cx.b.bin(Op::Mul, sn, hm);
            let sh = cx.k(16);
            let p = cx.b.binw(Op::Ashr, p, sh, 64);
            if kind == 2 {
                let acc = cx.r(a);
                let acc = cx.b.sext(acc, 32);
                let sum = cx.b.add(p, acc);
                let (r, ov) = fits32(cx, sum);
                cx.or_q(ov);
                cx.set_r(d, r);
            } else {
                let r = cx.z32(p);
                cx.set_r(d, r);
            }
        }
    }
    Flow::Next
}

/// Dual signed multiplies: SMLAD/SMUAD (`sub` false), SMLSD/SMUSD (`sub` true), and their long
/// forms SMLALD/SMLSLD (`long`: `d` = RdHi, `a` = RdLo). `swap` exchanges Rm's halves; `a` is
/// None for the forms without accumulator.
#[allow(clippy::too_many_arguments)]
pub fn mul_dual(
    cx: &mut Ctx,
    d: u32,
    a: Option<u32>,
    n: u32,
    m: u32,
    swap: bool,
    sub: bool,
    long: bool,
) -> Flow {
    if d == 15 || n == 15 || m == 15 || a == Some(15) || (long && a == Some(d)) {
        return Flow::Undef;
    }
    let rn = cx.r(n);
    let rm = cx.r(m);
    let rm = if swap { cx.op32k(Op::Ror, rm, 16) } else { rm };
    let nl = half(cx, rn, false);
    let nh = half(cx, rn, true);
    let ml = half(cx, rm, false);
    let mh = half(cx, rm, true);
    let p1 = cx.b.bin(Op::Mul, nl, ml);
    let p2 = cx.b.bin(Op::Mul, nh, mh);
    let p = if sub {
        cx.b.sub(p1, p2)
    } else {
        cx.b.add(p1, p2)
    };
    if long {
        let lo = a.unwrap_or(0);
        let l = cx.r(lo);
        let h = cx.r(d);
        let hs = cx.shl(h, 32);
        let acc = cx.b.or(hs, l);
        let r = cx.b.add(p, acc);
        let rl = cx.z32(r);
        let rh = cx.shr(r, 32);
        cx.set_r(lo, rl);
        cx.set_r(d, rh);
        return Flow::Next;
    }
    let sum = match a {
        Some(a) => {
            let acc = cx.r(a);
            let acc = cx.b.sext(acc, 32);
            cx.b.add(p, acc)
        }
        None => p,
    };
    let (r, ov) = fits32(cx, sum);
    cx.or_q(ov);
    cx.set_r(d, r);
    Flow::Next
}

/// SMMUL/SMMLA/SMMLS: the top word of `a<<32 ± n*m` (rounded when `round`).
pub fn mul_most(
    cx: &mut Ctx,
    d: u32,
    a: Option<u32>,
    n: u32,
    m: u32,
    sub: bool,
    round: bool,
) -> Flow {
    if d == 15 || n == 15 || m == 15 || a == Some(15) {
        return Flow::Undef;
    }
    let rn = cx.r(n);
    let rm = cx.r(m);
    let sn = cx.b.sext(rn, 32);
    let sm = cx.b.sext(rm, 32);
    let p = cx.b.bin(Op::Mul, sn, sm);
    let mut v = match a {
        Some(a) => {
            let acc = cx.r(a);
            let acc = cx.shl(acc, 32);
            if sub {
                cx.b.sub(acc, p)
            } else {
                cx.b.add(acc, p)
            }
        }
        None => p,
    };
    if round {
        let k = cx.k(0x8000_0000);
        v = cx.b.add(v, k);
    }
    let r = cx.shr(v, 32);
    cx.set_r(d, r);
    Flow::Next
}

/// SDIV/UDIV.
pub fn div(cx: &mut Ctx, d: u32, n: u32, m: u32, signed: bool) -> Flow {
    if d == 15 || n == 15 || m == 15 {
        return Flow::Undef;
    }
    let a = cx.r(n);
    let b = cx.r(m);
    let r =
        cx.b.binw(if signed { Op::SDiv } else { Op::UDiv }, a, b, 32);
    cx.set_r(d, r);
    Flow::Next
}

/// One-operand bit operations: CLZ, RBIT, REV, REV16, REVSH.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    Clz,
    Rbit,
    Rev,
    Rev16,
    Revsh,
}

/// CLZ, RBIT, REV, REV16, REVSH of R`m` into R`d`.
pub fn bits(cx: &mut Ctx, kind: Bits, d: u32, m: u32) -> Flow {
    if d == 15 || m == 15 {
        return Flow::Undef;
    }
    let v = cx.r(m);
    let r = match kind {
        Bits::Clz => cx.b.un(Op::Clz, v, 32),
        Bits::Rbit => cx.b.un(Op::Rbit, v, 32),
        Bits::Rev => cx.b.un(Op::Bswap, v, 32),
        Bits::Rev16 => {
            let hi = cx.shr(v, 8);
            let hi = cx.and_k(hi, 0x00ff_00ff);
            let lo = cx.and_k(v, 0x00ff_00ff);
            let lo = cx.shl(lo, 8);
            cx.b.or(hi, lo)
        }
        Bits::Revsh => {
            let s = cx.b.un(Op::Bswap, v, 32);
            let s = cx.shr(s, 16);
            let s = cx.b.sext(s, 16);
            cx.z32(s)
        }
    };
    cx.set_r(d, r);
    Flow::Next
}

/// Extends: SXTB/SXTH/UXTB/UXTH (`bits` 8/16, `signed`), the 16-bit-lane forms SXTB16/UXTB16
/// (`dual`), each with an optional accumulating register `n` (None when Rn is 15).
#[allow(clippy::too_many_arguments)]
pub fn extend(
    cx: &mut Ctx,
    d: u32,
    n: Option<u32>,
    m: u32,
    rot: u32,
    bits: u32,
    signed: bool,
    dual: bool,
) -> Flow {
    if d == 15 || m == 15 {
        return Flow::Undef;
    }
    let v = cx.r(m);
    let v = cx.op32k(Op::Ror, v, rot * 8);
    if dual {
        let lo = if signed {
            cx.b.sext(v, 8)
        } else {
            cx.b.zext(v, 8)
        };
        let hv = cx.shr(v, 16);
        let hi = if signed {
            cx.b.sext(hv, 8)
        } else {
            cx.b.zext(hv, 8)
        };
        let (lo, hi) = match n {
            Some(n) => {
                let rn = cx.r(n);
                let nh = cx.shr(rn, 16);
                (cx.b.add(lo, rn), cx.b.add(hi, nh))
            }
            None => (lo, hi),
        };
        let lo = cx.b.zext(lo, 16);
        let hi = cx.shl(hi, 16);
        let hi = cx.z32(hi);
        let r = cx.b.or(lo, hi);
        cx.set_r(d, r);
        return Flow::Next;
    }
    let e = if signed {
        cx.b.sext(v, bits)
    } else {
        cx.b.zext(v, bits)
    };
    let r = match n {
        Some(n) => {
            let rn = cx.r(n);
            cx.add32(rn, e)
        }
        None => cx.z32(e),
    };
    cx.set_r(d, r);
    Flow::Next
}

/// UBFX/SBFX: `width` bits of R`n` from `lsb`.
pub fn bfx(cx: &mut Ctx, d: u32, n: u32, lsb: u32, width: u32, signed: bool) -> Flow {
    if d == 15 || n == 15 || lsb + width > 32 {
        return Flow::Undef;
    }
    let v = cx.r(n);
    let r = if signed {
        let up = cx.op32k(Op::Shl, v, 32 - lsb - width);
        cx.op32k(Op::Ashr, up, 32 - width)
    } else {
        let down = cx.shr(v, lsb);
        cx.and_k(down, (1u64 << width) - 1)
    };
    cx.set_r(d, r);
    Flow::Next
}

/// BFI (`n` = Some) and BFC: bits lsb..=msb of R`d` replaced by the low bits of R`n` or zero.
pub fn bfi(cx: &mut Ctx, d: u32, n: Option<u32>, lsb: u32, msb: u32) -> Flow {
    if d == 15 || msb < lsb {
        return Flow::Undef;
    }
    let mask = ((1u64 << (msb - lsb + 1)) - 1) << lsb;
    let old = cx.r(d);
    let kept = cx.and_k(old, !mask & 0xffff_ffff);
    let r = match n {
        Some(n) => {
            let v = cx.r(n);
            let v = cx.shl(v, lsb);
            let v = cx.and_k(v, mask);
            cx.b.or(kept, v)
        }
        None => kept,
    };
    cx.set_r(d, r);
    Flow::Next
}

/// Signed saturation of the 64-bit signed `v` to `bits` bits (1..=32): the saturated value
/// (as a 64-bit signed value) and 1 if it saturated.
pub fn ssat_val(cx: &mut Ctx, v: Val, bits: u32) -> (Val, Val) {
    let lo = (-(1i64 << (bits - 1))) as u64;
    let hi = ((1i64 << (bits - 1)) - 1) as u64;
    sat_range(cx, v, lo, hi)
}

/// Unsigned saturation of the 64-bit signed `v` to `bits` bits (0..=31).
pub fn usat_val(cx: &mut Ctx, v: Val, bits: u32) -> (Val, Val) {
    sat_range(cx, v, 0, (1u64 << bits) - 1)
}

/// Clamps the signed 64-bit `v` to [lo, hi] (signed); returns the value and "saturated".
fn sat_range(cx: &mut Ctx, v: Val, lo: u64, hi: u64) -> (Val, Val) {
    // lo <= v <= hi (signed) exactly when v - lo < hi - lo + 1 (unsigned).
    let klo = cx.k(lo);
    let off = cx.b.sub(v, klo);
    let span = cx.k(hi.wrapping_sub(lo).wrapping_add(1));
    let inside = cx.b.bin(Op::Ult, off, span);
    let neg = cx.shr(v, 63);
    let khi = cx.k(hi);
    let clamp = cx.b.select(neg, klo, khi);
    let r = cx.b.select(inside, v, clamp);
    let one = cx.k(1);
    let sat = cx.b.xor(inside, one);
    (r, sat)
}

/// SSAT/USAT: R`n` shifted (LSL or ASR by `sh_imm`), saturated to `bits`.
pub fn sat(cx: &mut Ctx, d: u32, n: u32, bits: u32, asr: bool, sh_imm: u32, signed: bool) -> Flow {
    if d == 15 || n == 15 {
        return Flow::Undef;
    }
    let v = cx.r(n);
    let (v, _) = shift_imm(cx, v, if asr { 2 } else { 0 }, sh_imm, false);
    let v = cx.b.sext(v, 32);
    let (r, s) = if signed {
        ssat_val(cx, v, bits)
    } else {
        usat_val(cx, v, bits)
    };
    cx.or_q(s);
    let r = cx.z32(r);
    cx.set_r(d, r);
    Flow::Next
}

/// SSAT16/USAT16: both halves of R`n` saturated to `bits`.
pub fn sat16(cx: &mut Ctx, d: u32, n: u32, bits: u32, signed: bool) -> Flow {
    if d == 15 || n == 15 {
        return Flow::Undef;
    }
    let v = cx.r(n);
    let mut out = Vec::new();
    let mut any = cx.k(0);
    for top in [false, true] {
        let h = half(cx, v, top);
        let (r, s) = if signed {
            ssat_val(cx, h, bits)
        } else {
            usat_val(cx, h, bits)
        };
        any = cx.b.or(any, s);
        out.push(cx.b.zext(r, 16));
    }
    cx.or_q(any);
    let hi = cx.shl(out[1], 16);
    let r = cx.b.or(out[0], hi);
    cx.set_r(d, r);
    Flow::Next
}

/// QADD, QSUB, QDADD, QDSUB: saturating `m ± (double ? sat(2n) : n)`.
pub fn qaddsub(cx: &mut Ctx, d: u32, n: u32, m: u32, sub: bool, double: bool) -> Flow {
    if d == 15 || n == 15 || m == 15 {
        return Flow::Undef;
    }
    let rm = cx.r(m);
    let rn = cx.r(n);
    let a = cx.b.sext(rm, 32);
    let mut b = cx.b.sext(rn, 32);
    let mut any = cx.k(0);
    if double {
        let twice = cx.b.add(b, b);
        let (v, s) = ssat_val(cx, twice, 32);
        b = v;
        any = s;
    }
    let v = if sub { cx.b.sub(a, b) } else { cx.b.add(a, b) };
    let (r, s) = ssat_val(cx, v, 32);
    let any = cx.b.or(any, s);
    cx.or_q(any);
    let r = cx.z32(r);
    cx.set_r(d, r);
    Flow::Next
}

/// Parallel add/subtract operations.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Par {
    Add16,
    Asx,
    Sax,
    Sub16,
    Add8,
    Sub8,
}

/// Parallel add/subtract: `unsigned`, `kind` 1 plain (sets GE), 2 saturating, 3 halving.
pub fn parallel(cx: &mut Ctx, op: Par, unsigned: bool, kind: u32, d: u32, n: u32, m: u32) -> Flow {
    if d == 15 || n == 15 || m == 15 || !(1..=3).contains(&kind) {
        return Flow::Undef;
    }
    let rn = cx.r(n);
    let rm = cx.r(m);
    if unsigned && kind != 3 && matches!(op, Par::Add8 | Par::Sub8) {
        return unsigned_bytes(cx, op == Par::Sub8, kind == 2, d, rn, rm);
    }
    let (lanes, size) = match op {
        Par::Add8 | Par::Sub8 => (4, 8),
        _ => (2, 16),
    };
    let ext = |cx: &mut Ctx, v: Val, lane: u32| {
        let s = cx.shr(v, lane * size);
        if unsigned {
            cx.b.zext(s, size)
        } else {
            cx.b.sext(s, size)
        }
    };
    let mut result = cx.k(0);
    let mut ge = cx.k(0);
    for lane in 0..lanes {
        // ASX: lane 0 = n.lo - m.hi, lane 1 = n.hi + m.lo; SAX the other way round.
        let (other, sub) = match op {
            Par::Asx => (1 - lane, lane == 0),
            Par::Sax => (1 - lane, lane == 1),
            Par::Sub16 | Par::Sub8 => (lane, true),
            _ => (lane, false),
        };
        let a = ext(cx, rn, lane);
        let b = ext(cx, rm, other);
        let v = if sub { cx.b.sub(a, b) } else { cx.b.add(a, b) };
        let r = match kind {
            1 => {
                // GE: signed results >= 0; unsigned sums >= 2^size; unsigned differences >= 0.
                let flag = if unsigned && !sub {
                    let s = cx.shr(v, size);
                    cx.and_k(s, 1)
                } else {
                    let s = cx.shr(v, 63);
                    let one = cx.k(1);
                    cx.b.xor(s, one)
                };
                // The lane's bytes in the GE slot's byte-mask form.
                let k = cx.k(((1u64 << size) - 1) << (lane * size));
                let bits = cx.b.bin(Op::Mul, flag, k);
                ge = cx.b.or(ge, bits);
                v
            }
            2 => {
                if unsigned {
                    usat_val(cx, v, size).0
                } else {
                    ssat_val(cx, v, size).0
                }
            }
            _ => {
                let one = cx.k(1);
                cx.b.binw(Op::Ashr, v, one, 64)
            }
        };
        let r = cx.b.zext(r, size);
        let r = cx.shl(r, lane * size);
        result = cx.b.or(result, r);
    }
    if kind == 1 {
        cx.set_slot(cpu::slot::GE, ge);
    }
    cx.set_r(d, result);
    Flow::Next
}

/// UADD8, USUB8 (setting GE), UQADD8 and UQSUB8: one byte-lane IR operation each (SSE2 on the
/// host), plus one for the GE flags of the plain forms, whose byte mask is what the GE slot
/// holds. glibc's string functions compare bytes with these (UADD8 then SEL, UQSUB8).
fn unsigned_bytes(cx: &mut Ctx, sub: bool, saturate: bool, d: u32, a: Val, b: Val) -> Flow {
    let op = match (sub, saturate) {
        (false, false) => ir::ByteOp::Add,
        (true, false) => ir::ByteOp::Sub,
        (false, true) => ir::ByteOp::AddSat,
        (true, true) => ir::ByteOp::SubSat,
    };
    let r = cx.b.emit(Op::Bytes4, &[a, b], op as u64);
    if !saturate {
        // GE lane i all ones: lane i carried out (UADD8) or did not borrow (USUB8).
        let ge = cx.b.emit(Op::Bytes4Mask, &[a, b], op as u64);
        cx.set_slot(cpu::slot::GE, ge);
    }
    cx.set_r(d, r);
    Flow::Next
}

/// SEL: each byte from R`n` where its GE flag is set, else from R`m`.
pub fn sel(cx: &mut Ctx, d: u32, n: u32, m: u32) -> Flow {
    if d == 15 || n == 15 || m == 15 {
        return Flow::Undef;
    }
    // The GE slot holds the byte mask (the lane compare itself when the UADD8 or USUB8 that
    // set it is in the same block).
    let mask = cx.b.get(cpu::slot::GE);
    let rn = cx.r(n);
    let rm = cx.r(m);
    // Rm ^ ((Rn ^ Rm) & mask) takes Rn's bytes where the mask is set, Rm's elsewhere.
    let t = cx.b.xor(rn, rm);
    let t = cx.b.and(t, mask);
    let r = cx.b.xor(rm, t);
    cx.set_r(d, r);
    Flow::Next
}

/// USAD8/USADA8: sum of absolute byte differences, plus R`a`.
pub fn usad8(cx: &mut Ctx, d: u32, a: Option<u32>, n: u32, m: u32) -> Flow {
    if d == 15 || n == 15 || m == 15 {
        return Flow::Undef;
    }
    let rn = cx.r(n);
    let rm = cx.r(m);
    let mut sum = match a {
        Some(a) => cx.r(a),
        None => cx.k(0),
    };
    for i in 0..4 {
        let x = cx.shr(rn, 8 * i);
        let x = cx.b.zext(x, 8);
        let y = cx.shr(rm, 8 * i);
        let y = cx.b.zext(y, 8);
        let dxy = cx.b.sub(x, y);
        let neg = cx.shr(dxy, 63);
        let nd = cx.b.un(Op::Neg, dxy, 0);
        let ad = cx.b.select(neg, nd, dxy);
        sum = cx.b.add(sum, ad);
    }
    let r = cx.z32(sum);
    cx.set_r(d, r);
    Flow::Next
}

/// PKHBT (`tb` false: low half of n, high half of m<<sh) and PKHTB (high of n, low of m ASR sh).
pub fn pkh(cx: &mut Ctx, d: u32, n: u32, m: u32, tb: bool, imm5: u32) -> Flow {
    if d == 15 || n == 15 || m == 15 {
        return Flow::Undef;
    }
    let rn = cx.r(n);
    let rm = cx.r(m);
    let (sh, _) = shift_imm(cx, rm, if tb { 2 } else { 0 }, imm5, false);
    let (lo_src, hi_src) = if tb { (sh, rn) } else { (rn, sh) };
    let lo = cx.and_k(lo_src, 0xffff);
    let hi = cx.and_k(hi_src, 0xffff_0000);
    let r = cx.b.or(lo, hi);
    cx.set_r(d, r);
    Flow::Next
}

/// Sizes and signedness of single loads and stores.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sz {
    /// Word.
    W,
    /// Unsigned byte.
    B,
    /// Unsigned halfword.
    H,
    /// Signed byte.
    Sb,
    /// Signed halfword.
    Sh,
}

impl Sz {
    fn bytes(self) -> u32 {
        match self {
            Sz::W => 4,
            Sz::B | Sz::Sb => 1,
            Sz::H | Sz::Sh => 2,
        }
    }
}

/// An address computation: base register, offset, and the P/U/W bits.
pub struct Am {
    /// Rn.
    pub n: u32,
    /// The offset (already shifted), zero-extended 32-bit.
    pub off: Val,
    /// Add (U) or subtract.
    pub add: bool,
    /// Index (P): access at the offset address; otherwise at the base (post-index).
    pub index: bool,
    /// Write the offset address back to Rn.
    pub wback: bool,
}

/// (access address, offset address) of an addressing mode.
fn address(cx: &mut Ctx, am: &Am) -> (Val, Val) {
    let base = cx.base(am.n);
    let off = if am.add {
        cx.add32(base, am.off)
    } else {
        cx.sub32(base, am.off)
    };
    (if am.index { off } else { base }, off)
}

/// LDR/LDRB/LDRH/LDRSB/LDRSH. A load to R15 is an interworking branch (words only).
pub fn load(cx: &mut Ctx, sz: Sz, t: u32, am: &Am) -> Flow {
    if am.wback && (am.n == 15 || am.n == t) {
        return Flow::Undef;
    }
    if t == 15 && sz != Sz::W {
        return Flow::Undef;
    }
    let (addr, off) = address(cx, am);
    let v = cx.load(addr, sz.bytes());
    let v = match sz {
        Sz::Sb => cx.b.sext(v, 8),
        Sz::Sh => cx.b.sext(v, 16),
        _ => v,
    };
    let v = if matches!(sz, Sz::Sb | Sz::Sh) {
        cx.z32(v)
    } else {
        v
    };
    if am.wback {
        cx.set_r(am.n, off);
    }
    if t == 15 {
        // LDR PC, [SP], #4: a return (POP {PC} of one register).
        if am.n == 13 && am.wback {
            cx.b.hint(ir::Hint::Return);
        }
        return Flow::End(cx.write_pc(v, true));
    }
    cx.set_r(t, v);
    Flow::Next
}

/// STR/STRB/STRH. Storing R15 stores the PC read value.
pub fn store(cx: &mut Ctx, sz: Sz, t: u32, am: &Am) -> Flow {
    if am.wback && (am.n == 15 || am.n == t) {
        return Flow::Undef;
    }
    let (addr, off) = address(cx, am);
    let v = cx.r(t);
    cx.store(addr, v, sz.bytes());
    if am.wback {
        cx.set_r(am.n, off);
    }
    Flow::Next
}

/// LDRD/STRD of R`t` and R`t2`.
pub fn dual(cx: &mut Ctx, load: bool, t: u32, t2: u32, am: &Am) -> Flow {
    if t == 15 || t2 == 15 || (am.wback && (am.n == 15 || am.n == t || am.n == t2)) {
        return Flow::Undef;
    }
    if load && t == t2 {
        return Flow::Undef;
    }
    let (addr, off) = address(cx, am);
    let addr2 = cx.add32k(addr, 4);
    if load {
        let a = cx.load(addr, 4);
        let b = cx.load(addr2, 4);
        if am.wback {
            cx.set_r(am.n, off);
        }
        cx.set_r(t, a);
        cx.set_r(t2, b);
    } else {
        let a = cx.r(t);
        let b = cx.r(t2);
        cx.store(addr, a, 4);
        cx.store(addr2, b, 4);
        if am.wback {
            cx.set_r(am.n, off);
        }
    }
    Flow::Next
}

/// LDM/STM in all four modes (`inc`rement, `before`). A loaded R15 is an interworking branch.
pub fn multiple(
    cx: &mut Ctx,
    load: bool,
    n: u32,
    regs: u32,
    inc: bool,
    before: bool,
    wback: bool,
) -> Flow {
    let count = regs.count_ones();
    // ARMv7 makes a load with writeback of its own base UNPREDICTABLE; QEMU refuses it.
    if n == 15
        || count == 0
        || (!load && regs & 0x8000 != 0 && cx.thumb)
        || (load && wback && regs >> n & 1 == 1)
    {
        return Flow::Undef;
    }
    let base = cx.r(n);
    let start = match (inc, before) {
        (true, false) => 0i64,
        (true, true) => 4,
        (false, true) => -4 * count as i64,
        (false, false) => -4 * count as i64 + 4,
    };
    let delta = if inc {
        4 * count as i64
    } else {
        -4 * count as i64
    };
    let wb_val = cx.add32k(base, delta as u64);
    let mut off = start;
    let mut loaded = Vec::new();
    for i in 0..16 {
        if regs >> i & 1 == 0 {
            continue;
        }
        let addr = cx.add32k(base, off as u64);
        if load {
            let v = cx.load(addr, 4);
            loaded.push((i, v));
        } else {
            let v = cx.r(i);
            cx.store(addr, v, 4);
        }
        off += 4;
    }
    if wback {
        cx.set_r(n, wb_val);
    }
    let mut pc = None;
    for (i, v) in loaded {
        if i == 15 {
            pc = Some(v);
        } else {
            cx.set_r(i, v);
        }
    }
    match pc {
        Some(v) => {
            // POP {..., PC}: a return.
            if n == 13 {
                cx.b.hint(ir::Hint::Return);
            }
            Flow::End(cx.write_pc(v, true))
        }
        None => Flow::Next,
    }
}

/// LDREX/LDREXB/LDREXH/LDREXD: loads and arms the monitor (`t2` for the doubleword form).
pub fn load_excl(cx: &mut Ctx, size: u32, t: u32, t2: Option<u32>, n: u32, imm: u32) -> Flow {
    if t == 15 || n == 15 || t2 == Some(15) || t2 == Some(t) {
        return Flow::Undef;
    }
    let base = cx.r(n);
    let addr = cx.add32k(base, imm as u64);
    let v = cx.load(addr, size);
    cx.set_slot(cpu::slot::EXCL_ADDR, addr);
    cx.set_slot(cpu::slot::EXCL_VAL, v);
    match t2 {
        Some(t2) => {
            let lo = cx.z32(v);
            let hi = cx.shr(v, 32);
            cx.set_r(t, lo);
            cx.set_r(t2, hi);
        }
        None => cx.set_r(t, v),
    }
    Flow::Next
}

/// STREX family: R`d` = 0 if the store happened, 1 if not.
pub fn store_excl(
    cx: &mut Ctx,
    size: u32,
    d: u32,
    t: u32,
    t2: Option<u32>,
    n: u32,
    imm: u32,
) -> Flow {
    if d == 15 || t == 15 || n == 15 || t2 == Some(15) || d == n || d == t || Some(d) == t2 {
        return Flow::Undef;
    }
    let base = cx.r(n);
    let addr = cx.add32k(base, imm as u64);
    let v = cx.r(t);
    let v = match t2 {
        Some(t2) => {
            let hi = cx.r(t2);
            let hi = cx.shl(hi, 32);
            cx.b.or(v, hi)
        }
        None => v,
    };
    let status = match cx.holds() {
        Some(h) => {
            // A failed condition must neither store nor touch the monitor: aim the
            // store-exclusive at an address the monitor can never hold, then restore it.
            let old = cx.b.get(cpu::slot::EXCL_ADDR);
            let never = cx.k(crate::ctx::SKIP_ADDR);
            let a = cx.b.select(h, addr, never);
            let st = cx.b.emit(Op::StoreEx, &[a, v], size as u64);
            let clear = cx.k(u64::MAX);
            let m = cx.b.select(h, clear, old);
            cx.b.set(cpu::slot::EXCL_ADDR, m);
            st
        }
        None => cx.b.emit(Op::StoreEx, &[addr, v], size as u64),
    };
    cx.set_r(d, status);
    Flow::Next
}

/// SWP/SWPB: atomically R`t` = [R`n`] and [R`n`] = R`m` (`size` 4 or 1), as one host
/// exchange.
pub fn swap(cx: &mut Ctx, size: u32, t: u32, m: u32, n: u32) -> Flow {
    if t == 15 || m == 15 || n == 15 || n == t || n == m {
        return Flow::Undef;
    }
    let addr = cx.r(n);
    let v = cx.r(m);
    let addr = match cx.holds() {
        Some(h) => {
            let skip = cx.k(crate::ctx::SKIP_ADDR);
            cx.b.select(h, addr, skip)
        }
        None => addr,
    };
    let s = cx.k(size as u64);
    let old = cx.b.call(&crate::ctx::SWAP, addr, v, s);
    cx.set_r(t, old);
    Flow::Next
}

/// CLREX.
pub fn clrex(cx: &mut Ctx) -> Flow {
    let clear = cx.k(u64::MAX);
    cx.set_slot(cpu::slot::EXCL_ADDR, clear);
    Flow::Next
}

/// DMB/DSB (ISB needs nothing: translated code is re-fetched only through the dispatcher).
pub fn fence(cx: &mut Ctx) -> Flow {
    cx.b.emit(Op::Fence, &[], 0);
    Flow::Next
}

/// MRS Rd, APSR: NZCV, Q and GE, with the mode field reading as User (0x10), as a CPSR read in
/// user mode does on hardware (and under QEMU).
pub fn mrs(cx: &mut Ctx, d: u32) -> Flow {
    if d == 15 {
        return Flow::Undef;
    }
    let f = cx.nzcv();
    let q = cx.b.get(cpu::slot::Q);
    let mask = cx.b.get(cpu::slot::GE);
    let ge = cx.b.un(Op::MaskGe, mask, 0);
    let r = cx.b.or(f, q);
    let r = cx.b.or(r, ge);
    let user = cx.k(0x10);
    let r = cx.b.or(r, user);
    cx.set_r(d, r);
    Flow::Next
}

/// MSR APSR_<mask>, value: mask bit 1 writes NZCV and Q, bit 0 writes GE.
pub fn msr(cx: &mut Ctx, mask: u32, v: Val) -> Flow {
    if mask == 0 {
        return Flow::Undef;
    }
    if mask & 2 != 0 {
        let f = cx.and_k(v, 0xf000_0000);
        cx.set_nzcv(f);
        let q = cx.and_k(v, 0x0800_0000);
        cx.set_slot(cpu::slot::Q, q);
    }
    if mask & 1 != 0 {
        let ge = cx.and_k(v, 0x000f_0000);
        let mask = cx.b.un(Op::GeMask, ge, 0);
        cx.set_slot(cpu::slot::GE, mask);
    }
    Flow::Next
}

/// MRC/MCR of CP15, the two user-visible kinds: reading TPIDRURO (c13, c0, 3; the TLS pointer
/// Linux sets with set_tls, kept in the TPIDR slot) and the ARMv6 barrier operations (MCR c7,
/// c10, 5 = DMB; c7, c10, 4 = DSB; c7, c5, 4 = ISB), which ARMv6 code (no DMB instruction) uses
/// and Linux enables for user mode. Everything else is undefined.
#[allow(clippy::too_many_arguments)]
pub fn coproc(
    cx: &mut Ctx,
    read: bool,
    cp: u32,
    opc1: u32,
    crn: u32,
    t: u32,
    opc2: u32,
    crm: u32,
) -> Flow {
    if cp != 15 || opc1 != 0 {
        return Flow::Undef;
    }
    if !read {
        return match (crn, crm, opc2) {
            (7, 10, 5) | (7, 10, 4) => fence(cx),
            (7, 5, 4) => Flow::Next,
            _ => Flow::Undef,
        };
    }
    if crn != 13 || crm != 0 || opc2 != 3 || t == 15 {
        return Flow::Undef;
    }
    let v = cx.b.get(cpu::slot::TPIDR);
    let v = cx.z32(v);
    cx.set_r(t, v);
    Flow::Next
}

/// SVC: an exit to the dispatcher with the immediate. A conditional SVC cannot be expressed
/// (an exit is unconditional in the IR), so it is refused as undefined.
pub fn svc(cx: &mut Ctx, imm: u32) -> Flow {
    if cx.conditional() {
        return Flow::Undef;
    }
    Flow::End(Term::Exit {
        reason: cpu::exit::SYSCALL,
        pc: cx.next(),
        arg: imm as u64,
    })
}

/// BKPT: a breakpoint exit at the instruction.
pub fn bkpt(cx: &mut Ctx, imm: u32) -> Flow {
    Flow::End(Term::Exit {
        reason: cpu::exit::BREAKPOINT,
        pc: cx.pc,
        arg: imm as u64,
    })
}

/// B/BL to `target`; BL (`link`) sets LR to the next instruction (with bit 0 set in Thumb).
/// `exchange` switches instruction set (BLX immediate).
pub fn branch(cx: &mut Ctx, target: u64, link: bool, exchange: bool) -> Flow {
    if link {
        let lr = cx.next() | cx.thumb as u64;
        let v = cx.k(lr);
        cx.set_r(14, v);
        call_hint(cx);
    }
    if exchange {
        cx.set_thumb_k(!cx.thumb);
    }
    Flow::End(cx.jump(target))
}

/// BX/BLX (register).
pub fn branch_reg(cx: &mut Ctx, m: u32, link: bool) -> Flow {
    if link && m == 15 {
        return Flow::Undef;
    }
    let target = cx.r(m);
    if link {
        let lr = cx.next() | cx.thumb as u64;
        let v = cx.k(lr);
        cx.set_r(14, v);
        call_hint(cx);
    } else if m == 14 {
        cx.b.hint(ir::Hint::Return);
    }
    Flow::End(cx.write_pc(target, true))
}

/// Marks the block's jump as a call returning to the next instruction, unless it is
/// conditional (then the block ends with a branch, or goes on past a side exit).
fn call_hint(cx: &mut Ctx) {
    if !cx.conditional() {
        let ret = crate::key::key(cx.next(), cx.thumb, 0);
        cx.b.hint(ir::Hint::Call(ret));
    }
}
