//! Data processing (register): logical and add/sub with shifted or extended registers, add and
//! subtract with carry, conditional compare and select, 1-, 2- and 3-source operations.

use crate::ctx::{Ctx, Flow, M, width};
use decode::a64_base::A64Base as I;
use ir::{Op, Val};

/// The IR shift for an A64 shift type (LSL, LSR, ASR, ROR).
fn shift_op(ty: u32) -> Op {
    match ty {
        0 => Op::Shl,
        1 => Op::Lshr,
        2 => Op::Ashr,
        _ => Op::Ror,
    }
}

/// Applies an extend `option` (UXTB..SXTX) and a left shift to `v`.
pub fn extend(cx: &mut Ctx, v: Val, option: u32, shift: u32) -> Val {
    let e = match option {
        0 => cx.b.zext(v, 8),
        1 => cx.b.zext(v, 16),
        2 => cx.b.zext(v, 32),
        4 => cx.b.sext(v, 8),
        5 => cx.b.sext(v, 16),
        6 => cx.b.sext(v, 32),
        _ => v,
    };
    cx.shift_k(Op::Shl, e, shift, 64)
}

/// Lifts one data-processing-register instruction.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let sf = m.f('s') == 1 || matches!(m.id(), I::Rev32 | I::RevX);
    let w = width(sf);
    let (d, n, rm) = (m.f('d'), m.f('n'), m.f('m'));
    match m.id() {
        I::Crc32b
        | I::Crc32h
        | I::Crc32w
        | I::Crc32x
        | I::Crc32cb
        | I::Crc32ch
        | I::Crc32cw
        | I::Crc32cx => return crate::crc::lift(cx, m),
        I::Rmif | I::Setf8 | I::Setf16 => return crate::flagm::lift(cx, m),
        I::AndReg
        | I::BicReg
        | I::OrrReg
        | I::OrnReg
        | I::EorReg
        | I::EonReg
        | I::AndsReg
        | I::BicsReg => {
            let amount = m.f('i');
            if amount >= w {
                return Flow::Undef;
            }
            let b = cx.x(rm);
            let b = cx.shift_k(shift_op(m.f('h')), b, amount, w);
            let b = if matches!(m.id(), I::BicReg | I::OrnReg | I::EonReg | I::BicsReg) {
                cx.b.not(b)
            } else {
                b
            };
            let op = match m.id() {
                I::OrrReg | I::OrnReg => Op::Or,
                I::EorReg | I::EonReg => Op::Xor,
                _ => Op::And,
            };
            // MOV and MVN (ORR/ORN with XZR) are the operand itself: no `or` with zero in the
            // quick tier's code, which does not fold.
            let r = if n == 31 && op != Op::And {
                b
            } else {
                let a = cx.x(n);
                cx.b.bin(op, a, b)
            };
            if matches!(m.id(), I::AndsReg | I::BicsReg) {
                let f = cx.b.un(Op::LogicFlags, r, w as u64);
                cx.set_nzcv(f);
            }
            cx.set_x(d, r, sf);
        }
        I::AddShift | I::AddsShift | I::SubShift | I::SubsShift => {
            let (ty, amount) = (m.f('h'), m.f('i'));
            if ty == 3 || amount >= w {
                return Flow::Undef;
            }
            let sub = matches!(m.id(), I::SubShift | I::SubsShift);
            let flags = matches!(m.id(), I::AddsShift | I::SubsShift);
            let a = cx.x(n);
            let b = cx.x(rm);
            let b = cx.shift_k(shift_op(ty), b, amount, w);
            let r = add_sub(cx, a, b, sub, flags, w);
            cx.set_x(d, r, sf);
        }
        I::AddExt | I::AddsExt | I::SubExt | I::SubsExt => {
            let amount = m.f('e');
            if amount > 4 {
                return Flow::Undef;
            }
            let sub = matches!(m.id(), I::SubExt | I::SubsExt);
            let flags = matches!(m.id(), I::AddsExt | I::SubsExt);
            let a = cx.xsp(n);
            let b = cx.x(rm);
            let b = extend(cx, b, m.f('o'), amount);
            let r = add_sub(cx, a, b, sub, flags, w);
            if flags {
                cx.set_x(d, r, sf)
            } else {
                cx.set_xsp(d, r, sf)
            }
        }
        I::Adc | I::Adcs | I::Sbc | I::Sbcs => {
            let a = cx.x(n);
            let b = cx.x(rm);
            let b = if matches!(m.id(), I::Sbc | I::Sbcs) {
                cx.b.not(b)
            } else {
                b
            };
            let c = cx.carry();
            let r = cx.add_with_carry(a, b, c, w, matches!(m.id(), I::Adcs | I::Sbcs));
            cx.set_x(d, r, sf);
        }
        I::CcmnReg | I::CcmpReg | I::CcmnImm | I::CcmpImm => {
            let a = cx.x(n);
            let b = if matches!(m.id(), I::CcmnImm | I::CcmpImm) {
                cx.k(m.f('i') as u64)
            } else {
                cx.x(rm)
            };
            let sub = matches!(m.id(), I::CcmpReg | I::CcmpImm);
            let b = if sub { cx.b.not(b) } else { b };
            let c = cx.k(sub as u64);
            let flags = cx.b.emit(Op::AddCFlags, &[a, b, c], w as u64);
            let nzcv = cx.nzcv();
            let holds = cx.b.cond(nzcv, m.f('c'));
            let imm = cx.k((m.f('f') as u64) << 28);
            let r = cx.b.select(holds, flags, imm);
            cx.set_nzcv(r);
        }
        I::Csel | I::Csinc | I::Csinv | I::Csneg => {
            let a = cx.x(n);
            let b = cx.x(rm);
            let b = match m.id() {
                I::Csinc => {
                    let one = cx.k(1);
                    cx.b.add(b, one)
                }
                I::Csinv => cx.b.not(b),
                I::Csneg => cx.b.un(Op::Neg, b, 0),
                _ => b,
            };
            let nzcv = cx.nzcv();
            let holds = cx.b.cond(nzcv, m.f('c'));
            let r = cx.b.select(holds, a, b);
            cx.set_x(d, r, sf);
        }
        I::Udiv | I::Sdiv | I::Lslv | I::Lsrv | I::Asrv | I::Rorv => {
            let op = match m.id() {
                I::Udiv => Op::UDiv,
                I::Sdiv => Op::SDiv,
                I::Lslv => Op::Shl,
                I::Lsrv => Op::Lshr,
                I::Asrv => Op::Ashr,
                _ => Op::Ror,
            };
            let a = cx.x(n);
            let b = cx.x(rm);
            let r = cx.b.binw(op, a, b, w);
            cx.set_x(d, r, sf);
        }
        I::Rbit | I::Clz | I::Cls | I::RevW | I::RevX => {
            let op = match m.id() {
                I::Rbit => Op::Rbit,
                I::Clz => Op::Clz,
                I::Cls => Op::Cls,
                _ => Op::Bswap,
            };
            let a = cx.x(n);
            let r = cx.b.un(op, a, w as u64);
            cx.set_x(d, r, sf);
        }
        I::Rev16 => {
            // Swap the bytes of every halfword: move odd bytes down and even bytes up.
            let a = cx.x(n);
            let mask = cx.k(0x00ff_00ff_00ff_00ff);
            let hi = cx.shift_k(Op::Lshr, a, 8, 64);
            let hi = cx.b.and(hi, mask);
            let lo = cx.b.and(a, mask);
            let lo = cx.shift_k(Op::Shl, lo, 8, 64);
            let r = cx.b.or(hi, lo);
            cx.set_x(d, r, sf);
        }
        I::Rev32 => {
            // Reversing all eight bytes and swapping the words reverses each word in place.
            let a = cx.x(n);
            let r = cx.b.un(Op::Bswap, a, 64);
            let r = cx.shift_k(Op::Ror, r, 32, 64);
            cx.set_x(d, r, true);
        }
        I::Madd | I::Msub | I::Smaddl | I::Smsubl | I::Umaddl | I::Umsubl => {
            let a = cx.x(n);
            let b = cx.x(rm);
            let (a, b) = match m.id() {
                I::Smaddl | I::Smsubl => (cx.b.sext(a, 32), cx.b.sext(b, 32)),
                I::Umaddl | I::Umsubl => (cx.b.zext(a, 32), cx.b.zext(b, 32)),
                _ => (a, b),
            };
            let p = cx.b.bin(Op::Mul, a, b);
            let acc = cx.x(m.f('a'));
            let r = if matches!(m.id(), I::Msub | I::Smsubl | I::Umsubl) {
                cx.b.sub(acc, p)
            } else {
                cx.b.add(acc, p)
            };
            let sf = sf || !matches!(m.id(), I::Madd | I::Msub);
            cx.set_x(d, r, sf);
        }
        I::Smulh | I::Umulh => {
            let a = cx.x(n);
            let b = cx.x(rm);
            let op = if m.id() == I::Smulh {
                Op::SMulH
            } else {
                Op::UMulH
            };
            let r = cx.b.bin(op, a, b);
            cx.set_x(d, r, true);
        }
        _ => return Flow::Undef,
    }
    Flow::Next
}

/// `a + b` or `a - b` at the width, writing NZCV when `flags` is set.
fn add_sub(cx: &mut Ctx, a: Val, b: Val, sub: bool, flags: bool, w: u32) -> Val {
    if !flags {
        return match (sub, w) {
            // An add at 32 bits as the operation that zero-extends its result: one host add,
            // and the W register's extension folds away. (`ir::passes::fold` makes a
            // subtraction's extension a 32-bit `sub.w` itself.)
            (false, 32) => {
                let zero = cx.k(0);
                cx.add_with_carry(a, b, zero, 32, false)
            }
            (true, _) => cx.b.sub(a, b),
            (false, _) => cx.b.add(a, b),
        };
    }
    let b = if sub { cx.b.not(b) } else { b };
    let c = cx.k(sub as u64);
    cx.add_with_carry(a, b, c, w, true)
}
