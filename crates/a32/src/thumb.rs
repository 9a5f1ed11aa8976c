//! Thumb instructions: T16 (16-bit) and T32 (32-bit Thumb-2) field extraction, then the shared
//! semantics of [`crate::sem`]. Conditions come from the IT state (set by the block loop) or,
//! for the conditional branches, from the instruction.

use crate::ctx::{Ctx, Flow};
use crate::sem::{self, Am, Bits, Dp, Long, Par, Sz};
use decode::t16::T16 as H;
use decode::t32::T32 as W;
use ir::{Op, Term};

/// A decoded T16 instruction (the halfword is in the word's top half).
pub type M16 = decode::Match<H>;
/// A decoded T32 instruction.
pub type M32 = decode::Match<W>;

/// Lifts one T16 instruction; `in_it` tells whether it is inside an IT block (the 16-bit
/// data-processing instructions set flags only outside one).
pub fn lift16(cx: &mut Ctx, m: &M16, in_it: bool) -> Flow {
    let id = m.id();
    let (d, n, mm, t) = (m.f('d'), m.f('n'), m.f('m'), m.f('t'));
    let imm = m.f('i');
    let s = !in_it;
    match id {
        H::LslImm | H::MovReg2 | H::LsrImm | H::AsrImm => {
            let ty = match id {
                H::LsrImm => 1,
                H::AsrImm => 2,
                _ => 0,
            };
            let (v, c) = sem::op2_imm_shift(cx, mm, ty, imm, s);
            let z = cx.k(0);
            sem::dp(cx, Dp::Mov, s, d, z, v, c, false)
        }
        H::AddReg | H::SubReg => {
            let a = cx.r(n);
            let b = cx.r(mm);
            sem::dp(
                cx,
                if id == H::AddReg { Dp::Add } else { Dp::Sub },
                s,
                d,
                a,
                b,
                None,
                false,
            )
        }
        H::AddImm3 | H::SubImm3 | H::AddImm8 | H::SubImm8 => {
            let src = if matches!(id, H::AddImm3 | H::SubImm3) {
                n
            } else {
                d
            };
            let a = cx.r(src);
            let b = cx.k(imm as u64);
            let op = if matches!(id, H::AddImm3 | H::AddImm8) {
                Dp::Add
            } else {
                Dp::Sub
            };
            sem::dp(cx, op, s, d, a, b, None, false)
        }
        H::MovImm => {
            let z = cx.k(0);
            let v = cx.k(imm as u64);
            sem::dp(cx, Dp::Mov, s, d, z, v, None, false)
        }
        H::CmpImm => {
            let a = cx.r(n);
            let b = cx.k(imm as u64);
            sem::dp(cx, Dp::Cmp, true, 0, a, b, None, false)
        }
        H::And
        | H::Eor
        | H::Adc
        | H::Sbc
        | H::Tst
        | H::CmpReg
        | H::Cmn
        | H::Orr
        | H::Bic
        | H::Mvn => {
            let op = match id {
                H::And => Dp::And,
                H::Eor => Dp::Eor,
                H::Adc => Dp::Adc,
                H::Sbc => Dp::Sbc,
                H::Tst => Dp::Tst,
                H::CmpReg => Dp::Cmp,
                H::Cmn => Dp::Cmn,
                H::Orr => Dp::Orr,
                H::Bic => Dp::Bic,
                _ => Dp::Mvn,
            };
            let a = cx.r(d);
            let b = cx.r(mm);
            sem::dp(cx, op, s || op.compare(), d, a, b, None, false)
        }
        H::LslReg | H::LsrReg | H::AsrReg | H::RorReg => {
            let ty = match id {
                H::LslReg => 0,
                H::LsrReg => 1,
                H::AsrReg => 2,
                _ => 3,
            };
            let v = cx.r(d);
            let rs = cx.r(mm);
            let (r, c) = sem::shift_reg(cx, v, ty, rs, s);
            let z = cx.k(0);
            sem::dp(cx, Dp::Mov, s, d, z, r, c, false)
        }
        H::Rsb => {
            let a = cx.r(mm);
            let z = cx.k(0);
            sem::dp(cx, Dp::Rsb, s, d, a, z, None, false)
        }
        H::Mul => sem::mul(cx, d, mm, d, None, s),
        H::AddHi | H::MovHi => {
            let dd = m.f('D') << 3 | d;
            if dd == 15 && cx.in_it_not_last() {
                return Flow::Undef;
            }
            let b = cx.r(mm);
            if id == H::AddHi {
                let a = cx.r(dd);
                sem::dp(cx, Dp::Add, false, dd, a, b, None, false)
            } else {
                let z = cx.k(0);
                sem::dp(cx, Dp::Mov, false, dd, z, b, None, false)
            }
        }
        H::CmpHi => {
            let nn = m.f('N') << 3 | n;
            let a = cx.r(nn);
            let b = cx.r(mm);
            sem::dp(cx, Dp::Cmp, true, 0, a, b, None, false)
        }
        H::Bx | H::Blx => {
            if cx.in_it_not_last() {
                return Flow::Undef;
            }
            sem::branch_reg(cx, mm, id == H::Blx)
        }
        H::LdrLit => {
            let off = cx.k(imm as u64 * 4);
            sem::load(cx, Sz::W, t, &offset(15, off))
        }
        H::StrReg
        | H::StrhReg
        | H::StrbReg
        | H::LdrsbReg
        | H::LdrReg
        | H::LdrhReg
        | H::LdrbReg
        | H::LdrshReg => {
            let off = cx.r(mm);
            let am = offset(n, off);
            match id {
                H::StrReg => sem::store(cx, Sz::W, t, &am),
                H::StrhReg => sem::store(cx, Sz::H, t, &am),
                H::StrbReg => sem::store(cx, Sz::B, t, &am),
                H::LdrsbReg => sem::load(cx, Sz::Sb, t, &am),
                H::LdrReg => sem::load(cx, Sz::W, t, &am),
                H::LdrhReg => sem::load(cx, Sz::H, t, &am),
                H::LdrbReg => sem::load(cx, Sz::B, t, &am),
                _ => sem::load(cx, Sz::Sh, t, &am),
            }
        }
        H::StrImm | H::LdrImm | H::StrbImm | H::LdrbImm | H::StrhImm | H::LdrhImm => {
            let (sz, scale) = match id {
                H::StrImm | H::LdrImm => (Sz::W, 4),
                H::StrbImm | H::LdrbImm => (Sz::B, 1),
                _ => (Sz::H, 2),
            };
            let off = cx.k((imm * scale) as u64);
            let am = offset(n, off);
            if matches!(id, H::LdrImm | H::LdrbImm | H::LdrhImm) {
                sem::load(cx, sz, t, &am)
            } else {
                sem::store(cx, sz, t, &am)
            }
        }
        H::StrSp | H::LdrSp => {
            let off = cx.k(imm as u64 * 4);
            let am = offset(13, off);
            if id == H::LdrSp {
                sem::load(cx, Sz::W, t, &am)
            } else {
                sem::store(cx, Sz::W, t, &am)
            }
        }
        H::Adr => {
            let v = (cx.pc_read() & !3).wrapping_add(imm as u64 * 4) & 0xffff_ffff;
            let v = cx.k(v);
            cx.set_r(d, v);
            Flow::Next
        }
        H::AddSpImm | H::AddSpSp | H::SubSpSp => {
            let dd = if id == H::AddSpImm { d } else { 13 };
            let sp = cx.r(13);
            let k = cx.k(imm as u64 * 4);
            let op = if id == H::SubSpSp { Dp::Sub } else { Dp::Add };
            sem::dp(cx, op, false, dd, sp, k, None, false)
        }
        H::Cbz => {
            if cx.conditional() {
                return Flow::Undef;
            }
            let target = cx.pc_read().wrapping_add(imm as u64 * 2);
            let v = cx.r(n);
            let z = cx.k(0);
            let is0 = cx.b.bin(Op::Eq, v, z);
            let (taken, fall) = if m.f('o') == 0 {
                (target, cx.next())
            } else {
                (cx.next(), target)
            };
            Flow::End(Term::Branch {
                cond: is0,
                taken,
                fallthrough: fall,
            })
        }
        H::Sxth | H::Sxtb | H::Uxth | H::Uxtb => {
            let signed = matches!(id, H::Sxth | H::Sxtb);
            let bits = if matches!(id, H::Sxth | H::Uxth) {
                16
            } else {
                8
            };
            sem::extend(cx, d, None, mm, 0, bits, signed, false)
        }
        H::Push => {
            let regs = m.f('R') | m.f('M') << 14;
            sem::multiple(cx, false, 13, regs, false, true, true)
        }
        H::Pop => {
            let regs = m.f('R') | m.f('M') << 15;
            if regs & 0x8000 != 0 && cx.in_it_not_last() {
                return Flow::Undef;
            }
            sem::multiple(cx, true, 13, regs, true, false, true)
        }
        H::Rev => sem::bits(cx, Bits::Rev, d, mm),
        H::Rev16 => sem::bits(cx, Bits::Rev16, d, mm),
        H::Revsh => sem::bits(cx, Bits::Revsh, d, mm),
        H::Bkpt => sem::bkpt(cx, imm),
        H::It => {
            let (f, k) = (m.f('f'), m.f('k'));
            if cx.in_it() || f == 15 || (f == 14 && k.count_ones() != 1) {
                return Flow::Undef;
            }
            Flow::It((f << 4 | k) as u8)
        }
        H::Hint => Flow::Next,
        H::Stm => {
            let regs = m.f('R');
            sem::multiple(cx, false, n, regs, true, false, true)
        }
        H::Ldm => {
            let regs = m.f('R');
            let wback = regs >> n & 1 == 0;
            sem::multiple(cx, true, n, regs, true, false, wback)
        }
        H::BCond => {
            let c = m.f('c');
            if cx.in_it() || c >= 14 {
                return Flow::Undef;
            }
            cx.set_cond(c);
            let target = cx.pc_read().wrapping_add((m.fs('i') * 2) as u64);
            sem::branch(cx, target, false, false)
        }
        H::Udf => Flow::Undef,
        H::Svc => sem::svc(cx, imm),
        H::B => {
            if cx.in_it_not_last() {
                return Flow::Undef;
            }
            let target = cx.pc_read().wrapping_add((m.fs('i') * 2) as u64);
            sem::branch(cx, target, false, false)
        }
    }
}

/// An offset addressing mode `[Rn, #off]` without writeback.
fn offset(n: u32, off: ir::Val) -> Am {
    Am {
        n,
        off,
        add: true,
        index: true,
        wback: false,
    }
}

/// Lifts one T32 instruction.
pub fn lift32(cx: &mut Ctx, m: &M32) -> Flow {
    let id = m.id();
    let (d, n, mm, t) = (m.f('d'), m.f('n'), m.f('m'), m.f('t'));
    let sflag = m.f('S') == 1;
    let name = m.entry.mnemonic;
    let bad = |r: u32| r == 13 || r == 15;
    match id {
        _ if dp_reg(id) || dp_imm(id) => {
            let op = match name {
                "and" | "tst" => Dp::And,
                "bic" => Dp::Bic,
                "orr" => Dp::Orr,
                "orn" => Dp::Orn,
                "eor" | "teq" => Dp::Eor,
                "add" | "cmn" => Dp::Add,
                "adc" => Dp::Adc,
                "sbc" => Dp::Sbc,
                "sub" | "cmp" => Dp::Sub,
                "rsb" => Dp::Rsb,
                "mov" => Dp::Mov,
                _ => Dp::Mvn,
            };
            let compare = matches!(name, "tst" | "teq" | "cmn" | "cmp");
            let op = match (compare, op) {
                (true, Dp::And) => Dp::Tst,
                (true, Dp::Eor) => Dp::Teq,
                (true, Dp::Add) => Dp::Cmn,
                (true, Dp::Sub) => Dp::Cmp,
                (_, op) => op,
            };
            let s = sflag || compare;
            // SP is allowed as Rd/Rn only in the ADD/SUB/CMP/CMN/MOV forms; PC nowhere.
            let sp_ok = matches!(op, Dp::Add | Dp::Sub | Dp::Cmp | Dp::Cmn | Dp::Mov);
            if (!compare && (d == 15 || (d == 13 && !sp_ok)))
                || (n == 15 && !matches!(op, Dp::Mov | Dp::Mvn))
            {
                return Flow::Undef;
            }
            let want_c = s && op.logical();
            let (op2, carry) = if dp_imm(id) {
                let Some((v, c)) = sem::thumb_expand_imm(m.f('i')) else {
                    return Flow::Undef;
                };
                sem::op2_const(cx, v, c, want_c)
            } else {
                if mm == 15 {
                    return Flow::Undef;
                }
                sem::op2_imm_shift(cx, mm, m.f('h'), m.f('i'), want_c)
            };
            let nv = if matches!(op, Dp::Mov | Dp::Mvn) {
                cx.k(0)
            } else {
                cx.r(n)
            };
            sem::dp(cx, op, s, d, nv, op2, carry, false)
        }
        W::Pkhbt | W::Pkhtb => sem::pkh(cx, d, n, mm, id == W::Pkhtb, m.f('i')),
        W::Addw | W::Subw => {
            if d == 15 || n == 15 {
                return Flow::Undef;
            }
            let a = cx.r(n);
            let b = cx.k(m.f('i') as u64);
            sem::dp(
                cx,
                if id == W::Addw { Dp::Add } else { Dp::Sub },
                false,
                d,
                a,
                b,
                None,
                false,
            )
        }
        W::AdrAdd | W::AdrSub => {
            if bad(d) {
                return Flow::Undef;
            }
            let base = cx.pc_read() & !3;
            let imm = m.f('i') as u64;
            let v = if id == W::AdrAdd {
                base.wrapping_add(imm)
            } else {
                base.wrapping_sub(imm)
            };
            let v = cx.k(v & 0xffff_ffff);
            cx.set_r(d, v);
            Flow::Next
        }
        W::Movw | W::Movt => {
            if bad(d) {
                return Flow::Undef;
            }
            let imm = (m.f('j') << 12 | m.f('I') << 11 | m.f('i')) as u64;
            let v = if id == W::Movw {
                cx.k(imm)
            } else {
                let old = cx.r(d);
                let lo = cx.and_k(old, 0xffff);
                let hi = cx.k(imm << 16);
                cx.b.or(lo, hi)
            };
            cx.set_r(d, v);
            Flow::Next
        }
        W::Ssat | W::Usat => {
            let (sh, k) = (m.f('l'), m.f('k'));
            let asr = m.f('h') == 1;
            if bad(d) || bad(n) {
                return Flow::Undef;
            }
            if id == W::Ssat {
                sem::sat(cx, d, n, k + 1, asr, sh, true)
            } else {
                sem::sat(cx, d, n, k, asr, sh, false)
            }
        }
        W::Ssat16 => sem::sat16(cx, d, n, m.f('k') + 1, true),
        W::Usat16 => sem::sat16(cx, d, n, m.f('k'), false),
        W::Sbfx | W::Ubfx => sem::bfx(cx, d, n, m.f('l'), m.f('k') + 1, id == W::Sbfx),
        W::Bfi => sem::bfi(cx, d, Some(n), m.f('l'), m.f('k')),
        W::Bfc => sem::bfi(cx, d, None, m.f('l'), m.f('k')),
        W::BCond => {
            let c = m.f('c');
            if cx.in_it() || c >= 14 {
                return Flow::Undef;
            }
            cx.set_cond(c);
            let (s, j1, j2) = (m.f('s'), m.f('j'), m.f('J'));
            let imm = s << 20 | j2 << 19 | j1 << 18 | m.f('f') << 12 | m.f('g') << 1;
            let off = ((imm << 11) as i32 >> 11) as i64;
            let target = cx.pc_read().wrapping_add(off as u64);
            sem::branch(cx, target, false, false)
        }
        W::B | W::Bl | W::BlxImm => {
            if cx.in_it_not_last() {
                return Flow::Undef;
            }
            let (s, j1, j2) = (m.f('s'), m.f('j'), m.f('J'));
            let i1 = !(j1 ^ s) & 1;
            let i2 = !(j2 ^ s) & 1;
            let lowbits = if id == W::BlxImm {
                if m.word & 1 == 1 {
                    return Flow::Undef;
                }
                m.f('g') << 2
            } else {
                m.f('g') << 1
            };
            let imm = s << 24 | i1 << 23 | i2 << 22 | m.f('f') << 12 | lowbits;
            let off = ((imm << 7) as i32 >> 7) as i64;
            let base = if id == W::BlxImm {
                cx.pc_read() & !3
            } else {
                cx.pc_read()
            };
            let target = base.wrapping_add(off as u64);
            sem::branch(cx, target, id != W::B, id == W::BlxImm)
        }
        W::Udf => Flow::Undef,
        // BXJ without Jazelle state is BX.
        W::Bxj => {
            if mm == 13 || mm == 15 || cx.in_it_not_last() {
                return Flow::Undef;
            }
            sem::branch_reg(cx, mm, false)
        }
        W::MsrReg => {
            if bad(n) {
                return Flow::Undef;
            }
            let v = cx.r(n);
            sem::msr(cx, m.f('G'), v)
        }
        W::Mrs => {
            if bad(d) {
                return Flow::Undef;
            }
            sem::mrs(cx, d)
        }
        W::Hint => Flow::Next,
        W::Clrex => sem::clrex(cx),
        W::Dsb | W::Dmb => sem::fence(cx),
        W::Isb => Flow::Next,
        W::Mrc | W::Mcr => sem::coproc(
            cx,
            id == W::Mrc,
            m.f('F'),
            m.f('o'),
            m.f('C'),
            t,
            m.f('e'),
            m.f('Q'),
        ),
        W::Stm | W::Ldm | W::Pop | W::Stmdb | W::Push | W::Ldmdb => {
            let load = m.word >> 20 & 1 == 1;
            let regs = m.word & 0xffff;
            let n = m.word >> 16 & 15;
            let wback = m.word >> 21 & 1 == 1;
            // SP never; PC only in loads, and then not with LR; at least two registers.
            if regs & 0x2000 != 0
                || (!load && regs & 0x8000 != 0)
                || (load && regs & 0xc000 == 0xc000)
                || regs.count_ones() < 2
                || (wback && regs >> n & 1 == 1)
            {
                return Flow::Undef;
            }
            if load && regs & 0x8000 != 0 && cx.in_it_not_last() {
                return Flow::Undef;
            }
            let inc = matches!(id, W::Stm | W::Ldm | W::Pop);
            sem::multiple(cx, load, n, regs, inc, !inc, wback)
        }
        W::StrdPre | W::LdrdPre | W::StrdPost | W::LdrdPost => {
            let off = cx.k(m.f('i') as u64 * 4);
            let p = m.word >> 24 & 1 == 1;
            let am = Am {
                n,
                off,
                add: m.word >> 23 & 1 == 1,
                index: p,
                wback: m.word >> 21 & 1 == 1,
            };
            let t2 = m.f('T');
            let load = matches!(id, W::LdrdPre | W::LdrdPost);
            if bad(t) || bad(t2) || (!load && n == 15) {
                return Flow::Undef;
            }
            sem::dual(cx, load, t, t2, &am)
        }
        W::Strex => sem::store_excl(cx, 4, d, t, None, n, m.f('i') * 4),
        W::Ldrex => sem::load_excl(cx, 4, t, None, n, m.f('i') * 4),
        W::Strexb => sem::store_excl(cx, 1, d, t, None, n, 0),
        W::Strexh => sem::store_excl(cx, 2, d, t, None, n, 0),
        W::Strexd => sem::store_excl(cx, 8, d, t, Some(m.f('T')), n, 0),
        W::Ldrexb => sem::load_excl(cx, 1, t, None, n, 0),
        W::Ldrexh => sem::load_excl(cx, 2, t, None, n, 0),
        W::Ldrexd => sem::load_excl(cx, 8, t, Some(m.f('T')), n, 0),
        W::Tbb | W::Tbh => {
            if n == 13 || bad(mm) || cx.in_it_not_last() {
                return Flow::Undef;
            }
            let base = cx.r(n);
            let idx = cx.r(mm);
            let idx = if id == W::Tbh { cx.shl(idx, 1) } else { idx };
            let addr = cx.add32(base, idx);
            let h = cx.load(addr, if id == W::Tbh { 2 } else { 1 });
            let h2 = cx.shl(h, 1);
            let pc = cx.k(cx.pc_read());
            let target = cx.add32(pc, h2);
            Flow::End(cx.write_pc(target, false))
        }
        _ => ldst(cx, m),
    }
}

/// T32 loads and stores of single registers, then the remaining groups.
fn ldst(cx: &mut Ctx, m: &M32) -> Flow {
    use W::*;
    let id = m.id();
    // The literal rows have no Rn field: Rn is always bits 19..16 (1111 for literals).
    let (n, t) = (m.word >> 16 & 15, m.f('t'));
    let (sz, load) = match id {
        StrbImm12 | StrbImm8 | StrbReg => (Sz::B, false),
        StrhImm12 | StrhImm8 | StrhReg => (Sz::H, false),
        StrImm12 | StrImm8 | StrReg => (Sz::W, false),
        LdrbImm12 | LdrbImm8 | LdrbReg | LdrbLit => (Sz::B, true),
        LdrsbImm12 | LdrsbImm8 | LdrsbReg | LdrsbLit => (Sz::Sb, true),
        LdrhImm12 | LdrhImm8 | LdrhReg | LdrhLit => (Sz::H, true),
        LdrshImm12 | LdrshImm8 | LdrshReg | LdrshLit => (Sz::Sh, true),
        LdrImm12 | LdrImm8 | LdrReg | LdrLit => (Sz::W, true),
        _ => return rest(cx, m),
    };
    let w = m.word;
    let lit = load && n == 15;
    let am = if lit {
        // Literal: Rn = PC; the register and imm8 rows also land here when Rn is 15.
        let off = cx.k((w & 0xfff) as u64);
        Am {
            n: 15,
            off,
            add: w >> 23 & 1 == 1,
            index: true,
            wback: false,
        }
    } else if w >> 23 & 1 == 1 {
        let off = cx.k((w & 0xfff) as u64);
        Am {
            n,
            off,
            add: true,
            index: true,
            wback: false,
        }
    } else if w >> 11 & 1 == 1 {
        let (p, u, wb) = (w >> 10 & 1 == 1, w >> 9 & 1 == 1, w >> 8 & 1 == 1);
        if !p && !wb {
            return Flow::Undef;
        }
        let off = cx.k((w & 0xff) as u64);
        Am {
            n,
            off,
            add: u,
            index: p,
            wback: wb,
        }
    } else {
        let mm = w & 15;
        if mm == 13 || mm == 15 {
            return Flow::Undef;
        }
        let v = cx.r(mm);
        let off = cx.shl(v, w >> 4 & 3);
        let off = cx.z32(off);
        Am {
            n,
            off,
            add: true,
            index: true,
            wback: false,
        }
    };
    if !load && (n == 15 || t == 15) {
        return Flow::Undef;
    }
    if load && t == 15 {
        if sz != Sz::W {
            // PLD, PLDW, PLI (and unallocated hints): no effect.
            return if am.wback { Flow::Undef } else { Flow::Next };
        }
        if cx.in_it_not_last() {
            return Flow::Undef;
        }
    }
    if load {
        sem::load(cx, sz, t, &am)
    } else {
        sem::store(cx, sz, t, &am)
    }
}

/// T32 data processing (register) and multiplies.
fn rest(cx: &mut Ctx, m: &M32) -> Flow {
    use W::*;
    let id = m.id();
    let (d, n, mm) = (m.f('d'), m.f('n'), m.f('m'));
    let name = m.entry.mnemonic;
    let bad = |r: u32| r == 13 || r == 15;
    if [d, n, mm].iter().any(|r| bad(*r))
        && !matches!(
            id,
            Sxth | Uxth | Sxtb16 | Uxtb16 | Sxtb | Uxtb | Rev | Rev16 | Rbit | Revsh | Clz
        )
    {
        return Flow::Undef;
    }
    match id {
        LslReg | LsrReg | AsrReg | RorReg => {
            let ty = m.word >> 21 & 3;
            let s = m.f('S') == 1;
            let v = cx.r(n);
            let rs = cx.r(mm);
            let (r, c) = sem::shift_reg(cx, v, ty, rs, s);
            let z = cx.k(0);
            sem::dp(cx, Dp::Mov, s, d, z, r, c, false)
        }
        Sxtah | Sxth | Uxtah | Uxth | Sxtab16 | Sxtb16 | Uxtab16 | Uxtb16 | Sxtab | Sxtb
        | Uxtab | Uxtb => {
            if bad(d) || bad(mm) {
                return Flow::Undef;
            }
            // The rows without accumulator have no Rn field: Rn is bits 19..16, 1111 for them.
            let rn = m.word >> 16 & 15;
            let acc = (rn != 15).then_some(rn);
            let signed = name.starts_with('s');
            let dual = name.ends_with("16");
            let bits = if name.contains('h') { 16 } else { 8 };
            sem::extend(cx, d, acc, mm, m.f('r'), bits, signed, dual)
        }
        Padd8 | Padd16 | Pasx | Psub8 | Psub16 | Psax => {
            let op = match id {
                Padd16 => Par::Add16,
                Pasx => Par::Asx,
                Psax => Par::Sax,
                Psub16 => Par::Sub16,
                Padd8 => Par::Add8,
                _ => Par::Sub8,
            };
            // Kind 00 plain, 01 saturating, 10 halving here; the shared code numbers them 1..3.
            sem::parallel(cx, op, m.f('U') == 1, m.f('K') + 1, d, n, mm)
        }
        Qadd => sem::qaddsub(cx, d, n, mm, false, false),
        Qsub => sem::qaddsub(cx, d, n, mm, true, false),
        Qdadd => sem::qaddsub(cx, d, n, mm, false, true),
        Qdsub => sem::qaddsub(cx, d, n, mm, true, true),
        Rev | Rev16 | Rbit | Revsh | Clz => {
            // Rm is encoded twice; both copies must agree.
            if n != mm || bad(d) || bad(mm) {
                return Flow::Undef;
            }
            let k = match id {
                Rev => Bits::Rev,
                Rev16 => Bits::Rev16,
                Rbit => Bits::Rbit,
                Revsh => Bits::Revsh,
                _ => Bits::Clz,
            };
            sem::bits(cx, k, d, mm)
        }
        Sel => sem::sel(cx, d, n, mm),
        Mla | Mul | Mls => {
            let a = m.f('a');
            match id {
                Mul => sem::mul(cx, d, n, mm, None, false),
                Mla => sem::mul(cx, d, n, mm, Some((a, false)), false),
                _ => sem::mul(cx, d, n, mm, Some((a, true)), false),
            }
        }
        Smlaxy | Smulxy => {
            let kind = if id == Smlaxy { 0 } else { 1 };
            sem::mul_half(cx, kind, d, m.f('a'), n, mm, m.f('N') == 1, m.f('M') == 1)
        }
        Smlawy | Smulwy => {
            let kind = if id == Smlawy { 2 } else { 3 };
            sem::mul_half(cx, kind, d, m.f('a'), n, mm, false, m.f('M') == 1)
        }
        Smlad | Smuad | Smlsd | Smusd => {
            let a = matches!(id, Smlad | Smlsd).then(|| m.f('a'));
            sem::mul_dual(
                cx,
                d,
                a,
                n,
                mm,
                m.f('M') == 1,
                matches!(id, Smlsd | Smusd),
                false,
            )
        }
        Smmla | Smmul | Smmls => {
            let a = (id != Smmul).then(|| m.f('a'));
            sem::mul_most(cx, d, a, n, mm, id == Smmls, m.f('M') == 1)
        }
        Usad8 => sem::usad8(cx, d, None, n, mm),
        Usada8 => sem::usad8(cx, d, Some(m.f('a')), n, mm),
        Sdiv | Udiv => sem::div(cx, d, n, mm, id == Sdiv),
        Smull | Umull | Smlal | Umlal | Umaal => {
            let kind = match id {
                Smull => Long::Smull,
                Umull => Long::Umull,
                Smlal => Long::Smlal,
                Umlal => Long::Umlal,
                _ => Long::Umaal,
            };
            let (lo, hi) = (m.f('L'), m.f('H'));
            if bad(lo) || bad(hi) {
                return Flow::Undef;
            }
            sem::mul_long(cx, kind, lo, hi, n, mm, false)
        }
        Smlalxy => {
            let (lo, hi) = (m.f('L'), m.f('H'));
            if bad(lo) || bad(hi) || lo == hi {
                return Flow::Undef;
            }
            sem::mul_half(cx, 4, hi, lo, n, mm, m.f('N') == 1, m.f('M') == 1)
        }
        Smlald | Smlsld => {
            let (lo, hi) = (m.f('L'), m.f('H'));
            if bad(lo) || bad(hi) {
                return Flow::Undef;
            }
            sem::mul_dual(cx, hi, Some(lo), n, mm, m.f('M') == 1, id == Smlsld, true)
        }
        _ => Flow::Undef,
    }
}

/// The shifted-register data-processing rows.
fn dp_reg(id: W) -> bool {
    use W::*;
    matches!(
        id,
        AndReg
            | BicReg
            | OrrReg
            | OrnReg
            | EorReg
            | AddReg
            | AdcReg
            | SbcReg
            | SubReg
            | RsbReg
            | TstReg
            | TeqReg
            | CmnReg
            | CmpReg
            | MovReg
            | MvnReg
    )
}

/// The modified-immediate data-processing rows.
fn dp_imm(id: W) -> bool {
    use W::*;
    matches!(
        id,
        AndImm
            | BicImm
            | OrrImm
            | OrnImm
            | EorImm
            | AddImm
            | AdcImm
            | SbcImm
            | SubImm
            | RsbImm
            | TstImm
            | TeqImm
            | CmnImm
            | CmpImm
            | MovImm
            | MvnImm
    )
}
