//! A32 (ARM state) instructions: field extraction from the decode table's rows, then the shared
//! semantics of [`crate::sem`]. Every A32 instruction carries its condition in bits 31..28;
//! 1111 selects the unconditional space, where only the rows that fix those bits are valid.

use crate::ctx::{Ctx, Flow};
use crate::sem::{self, Am, Bits, Dp, Long, Par, Sz};
use decode::a32::A32 as I;

/// A decoded A32 instruction.
pub type M = decode::Match<I>;

/// Rows valid only with cond = 1111 (they fix those bits in the table).
fn unconditional(id: I) -> bool {
    matches!(
        id,
        I::BlxImm
            | I::Clrex
            | I::Dsb
            | I::Dmb
            | I::Isb
            | I::PldImm
            | I::PliImm
            | I::PldReg
            | I::PliReg
    )
}

/// Lifts one A32 instruction.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let id = m.id();
    let cond = m.word >> 28;
    if cond == 15 && !unconditional(id) {
        return Flow::Undef;
    }
    cx.set_cond(if unconditional(id) { 14 } else { cond });
    // A branch's condition decides the block's ways (a side exit or a branch, by the
    // profile); an instruction the lifter refuses stays as the other tiers have it. Memory
    // accesses and PC writes may leave; register operations only go unpredicated where an
    // earlier exit settled their condition.
    if cx.cond_exits && m.entry.class != decode::Class::Branch && crate::implemented(m.word, false)
    {
        let memory = matches!(
            m.entry.class,
            decode::Class::LoadStore | decode::Class::Exclusive | decode::Class::LoadStoreSimd
        );
        let pc_write =
            matches!(m.entry.class, decode::Class::DpImm | decode::Class::DpReg) && m.f('d') == 15;
        cx.leave_unless_condition(memory || pc_write);
    }
    let (d, n, mm, s, t) = (m.f('d'), m.f('n'), m.f('m'), m.f('s'), m.f('t'));
    let sflag = m.f('S') == 1;
    let name = m.entry.mnemonic;
    match id {
        _ if is_dp(id) => {
            let op = Dp::from_a32(m.word >> 21 & 15);
            let sflag = sflag || op.compare();
            let want_c = sflag && op.logical();
            let form = m.word >> 25 & 1;
            let (op2, carry) = if form == 1 {
                let (v, c) = sem::arm_expand_imm(m.word & 0xfff);
                sem::op2_const(cx, v, c, want_c)
            } else if m.word >> 4 & 1 == 0 {
                sem::op2_imm_shift(cx, mm, m.f('h'), m.f('i'), want_c)
            } else {
                if d == 15 || n == 15 || mm == 15 || s == 15 {
                    return Flow::Undef;
                }
                let v = cx.r(mm);
                let rs = cx.r(s);
                sem::shift_reg(cx, v, m.f('h'), rs, want_c)
            };
            let nv = if matches!(op, Dp::Mov | Dp::Mvn) {
                cx.k(0)
            } else {
                cx.r(n)
            };
            sem::dp(cx, op, sflag, d, nv, op2, carry, true)
        }
        I::Movw | I::Movt => {
            if d == 15 {
                return Flow::Undef;
            }
            let imm = m.f('i') as u64;
            let v = if id == I::Movw {
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
        I::Mul => sem::mul(cx, d, n, mm, None, sflag),
        I::Mla => sem::mul(cx, d, n, mm, Some((m.f('a'), false)), sflag),
        I::Mls => sem::mul(cx, d, n, mm, Some((m.f('a'), true)), false),
        I::Umull | I::Umlal | I::Smull | I::Smlal | I::Umaal => {
            let kind = match id {
                I::Umull => Long::Umull,
                I::Umlal => Long::Umlal,
                I::Smull => Long::Smull,
                I::Smlal => Long::Smlal,
                _ => Long::Umaal,
            };
            sem::mul_long(cx, kind, m.f('L'), m.f('H'), n, mm, sflag)
        }
        I::Smlaxy | I::Smulxy | I::Smlawy | I::Smulwy | I::Smlalxy => {
            let kind = match id {
                I::Smlaxy => 0,
                I::Smulxy => 1,
                I::Smlawy => 2,
                I::Smulwy => 3,
                _ => 4,
            };
            // SMLAL<x><y>: RdHi is in the Rd position, RdLo in the Ra position.
            let (dd, a) = if kind == 4 {
                (m.f('H'), m.f('L'))
            } else {
                (d, m.f('a'))
            };
            sem::mul_half(cx, kind, dd, a, n, mm, m.f('N') == 1, m.f('M') == 1)
        }
        I::Smlad | I::Smuad | I::Smlsd | I::Smusd => {
            let a = matches!(id, I::Smlad | I::Smlsd).then(|| m.f('a'));
            sem::mul_dual(
                cx,
                d,
                a,
                n,
                mm,
                m.f('M') == 1,
                matches!(id, I::Smlsd | I::Smusd),
                false,
            )
        }
        I::Smlald | I::Smlsld => sem::mul_dual(
            cx,
            m.f('H'),
            Some(m.f('L')),
            n,
            mm,
            m.f('M') == 1,
            id == I::Smlsld,
            true,
        ),
        I::Smmla | I::Smmul | I::Smmls => {
            let a = (id != I::Smmul).then(|| m.f('a'));
            sem::mul_most(cx, d, a, n, mm, id == I::Smmls, m.f('M') == 1)
        }
        I::Sdiv | I::Udiv => sem::div(cx, d, n, mm, id == I::Sdiv),
        I::Clz => sem::bits(cx, Bits::Clz, d, mm),
        I::Rev => sem::bits(cx, Bits::Rev, d, mm),
        I::Rev16 => sem::bits(cx, Bits::Rev16, d, mm),
        I::Rbit => sem::bits(cx, Bits::Rbit, d, mm),
        I::Revsh => sem::bits(cx, Bits::Revsh, d, mm),
        I::Sbfx | I::Ubfx => sem::bfx(cx, d, n, m.f('l'), m.f('k') + 1, id == I::Sbfx),
        I::Bfi => sem::bfi(cx, d, Some(n), m.f('l'), m.f('k')),
        I::Bfc => sem::bfi(cx, d, None, m.f('l'), m.f('k')),
        I::Sxtab
        | I::Sxtb
        | I::Sxtah
        | I::Sxth
        | I::Sxtab16
        | I::Sxtb16
        | I::Uxtab
        | I::Uxtb
        | I::Uxtah
        | I::Uxth
        | I::Uxtab16
        | I::Uxtb16 => {
            // The rows without accumulator have no Rn field: Rn is bits 19..16, 1111 for them.
            let rn = m.word >> 16 & 15;
            let acc = (rn != 15).then_some(rn);
            let signed = name.starts_with('s');
            let dual = name.ends_with("16");
            let bits = if name.contains('h') { 16 } else { 8 };
            sem::extend(cx, d, acc, mm, m.f('r'), bits, signed, dual)
        }
        I::Qadd => sem::qaddsub(cx, d, n, mm, false, false),
        I::Qsub => sem::qaddsub(cx, d, n, mm, true, false),
        I::Qdadd => sem::qaddsub(cx, d, n, mm, false, true),
        I::Qdsub => sem::qaddsub(cx, d, n, mm, true, true),
        I::Ssat => sem::sat(cx, d, n, m.f('k') + 1, m.f('h') == 1, m.f('i'), true),
        I::Usat => sem::sat(cx, d, n, m.f('k'), m.f('h') == 1, m.f('i'), false),
        I::Ssat16 => sem::sat16(cx, d, n, m.f('k') + 1, true),
        I::Usat16 => sem::sat16(cx, d, n, m.f('k'), false),
        I::Pkhbt | I::Pkhtb => sem::pkh(cx, d, n, mm, id == I::Pkhtb, m.f('i')),
        I::Sel => sem::sel(cx, d, n, mm),
        I::Usad8 => sem::usad8(cx, d, None, n, mm),
        I::Usada8 => sem::usad8(cx, d, Some(m.f('a')), n, mm),
        I::Padd16 | I::Pasx | I::Psax | I::Psub16 | I::Padd8 | I::Psub8 => {
            let op = match id {
                I::Padd16 => Par::Add16,
                I::Pasx => Par::Asx,
                I::Psax => Par::Sax,
                I::Psub16 => Par::Sub16,
                I::Padd8 => Par::Add8,
                _ => Par::Sub8,
            };
            sem::parallel(cx, op, m.f('u') == 1, m.f('k'), d, n, mm)
        }
        I::StrImm
        | I::LdrImm
        | I::StrbImm
        | I::LdrbImm
        | I::StrReg
        | I::LdrReg
        | I::StrbReg
        | I::LdrbReg => {
            let reg = m.word >> 25 & 1 == 1;
            let off = if reg {
                if mm == 15 {
                    return Flow::Undef;
                }
                sem::op2_imm_shift(cx, mm, m.f('h'), m.f('i'), false).0
            } else {
                cx.k(m.f('i') as u64)
            };
            let am = mode(m, n, off);
            let sz = if m.word >> 22 & 1 == 1 { Sz::B } else { Sz::W };
            if m.word >> 20 & 1 == 1 {
                sem::load(cx, sz, t, &am)
            } else {
                sem::store(cx, sz, t, &am)
            }
        }
        I::Push1 | I::Pop1 => {
            let off = cx.k(4);
            let am = mode(m, 13, off);
            if id == I::Pop1 {
                sem::load(cx, Sz::W, t, &am)
            } else {
                sem::store(cx, Sz::W, t, &am)
            }
        }
        I::StrhImm
        | I::LdrhImm
        | I::LdrdImm
        | I::StrdImm
        | I::LdrsbImm
        | I::LdrshImm
        | I::StrhReg
        | I::LdrhReg
        | I::LdrdReg
        | I::StrdReg
        | I::LdrsbReg
        | I::LdrshReg => {
            let imm_form = m.word >> 22 & 1 == 1;
            let off = if imm_form {
                cx.k(m.f('i') as u64)
            } else {
                if mm == 15 {
                    return Flow::Undef;
                }
                cx.r(mm)
            };
            let am = mode(m, n, off);
            match id {
                I::LdrdImm | I::LdrdReg | I::StrdImm | I::StrdReg => {
                    // P = 0 with W = 1 has no unprivileged doubleword form.
                    let unpriv = m.word >> 24 & 1 == 0 && m.word >> 21 & 1 == 1;
                    if t & 1 == 1 || unpriv || (!imm_form && (mm == t || mm == t + 1)) {
                        return Flow::Undef;
                    }
                    sem::dual(cx, matches!(id, I::LdrdImm | I::LdrdReg), t, t + 1, &am)
                }
                I::StrhImm | I::StrhReg => sem::store(cx, Sz::H, t, &am),
                I::LdrhImm | I::LdrhReg => sem::load(cx, Sz::H, t, &am),
                I::LdrsbImm | I::LdrsbReg => sem::load(cx, Sz::Sb, t, &am),
                _ => sem::load(cx, Sz::Sh, t, &am),
            }
        }
        I::Stmda
        | I::Ldmda
        | I::Stm
        | I::Ldm
        | I::Pop
        | I::Stmdb
        | I::Push
        | I::Ldmdb
        | I::Stmib
        | I::Ldmib => {
            let load = m.word >> 20 & 1 == 1;
            let inc = m.word >> 23 & 1 == 1;
            let before = m.word >> 24 & 1 == 1;
            let wback = m.word >> 21 & 1 == 1;
            let n = m.word >> 16 & 15;
            sem::multiple(cx, load, n, m.word & 0xffff, inc, before, wback)
        }
        I::Ldrex => sem::load_excl(cx, 4, t, None, n, 0),
        I::Ldrexb => sem::load_excl(cx, 1, t, None, n, 0),
        I::Ldrexh => sem::load_excl(cx, 2, t, None, n, 0),
        I::Ldrexd => {
            if t & 1 == 1 || t == 14 {
                return Flow::Undef;
            }
            sem::load_excl(cx, 8, t, Some(t + 1), n, 0)
        }
        I::Strex => sem::store_excl(cx, 4, d, t, None, n, 0),
        I::Strexb => sem::store_excl(cx, 1, d, t, None, n, 0),
        I::Strexh => sem::store_excl(cx, 2, d, t, None, n, 0),
        I::Strexd => {
            if t & 1 == 1 || t == 14 {
                return Flow::Undef;
            }
            sem::store_excl(cx, 8, d, t, Some(t + 1), n, 0)
        }
        I::B | I::Bl => {
            let target = cx.pc_read().wrapping_add((m.fs('i') * 4) as u64);
            sem::branch(cx, target, id == I::Bl, false)
        }
        I::BlxImm => {
            let off = (m.fs('i') * 4) as u64 | (m.f('j') as u64) << 1;
            let target = cx.pc_read().wrapping_add(off);
            sem::branch(cx, target, true, true)
        }
        // BXJ without Jazelle state is BX (ARMv7's trivial Jazelle implementation).
        I::Bx | I::Bxj => sem::branch_reg(cx, mm, false),
        I::Swp | I::Swpb => sem::swap(cx, if id == I::Swp { 4 } else { 1 }, t, mm, n),
        I::BlxReg => sem::branch_reg(cx, mm, true),
        I::Svc => sem::svc(cx, m.f('i')),
        I::Bkpt => {
            if cond != 14 {
                return Flow::Undef;
            }
            sem::bkpt(cx, m.f('i'))
        }
        I::Udf => Flow::Undef,
        I::Mrs => sem::mrs(cx, d),
        I::MsrReg => {
            if n == 15 {
                return Flow::Undef;
            }
            let v = cx.r(n);
            sem::msr(cx, m.f('g'), v)
        }
        I::MsrImm => {
            let (v, _) = sem::arm_expand_imm(m.word & 0xfff);
            let v = cx.k(v as u64);
            sem::msr(cx, m.f('g'), v)
        }
        // NOP, YIELD, WFE, WFI, SEV, DBG: nothing to do for a user-mode emulator.
        I::Hint => Flow::Next,
        I::Mrc | I::Mcr => sem::coproc(
            cx,
            id == I::Mrc,
            m.f('f'),
            m.f('o'),
            m.f('C'),
            t,
            m.f('e'),
            m.f('q'),
        ),
        I::Clrex => sem::clrex(cx),
        I::Dsb | I::Dmb => sem::fence(cx),
        I::Isb | I::PldImm | I::PliImm | I::PldReg | I::PliReg => Flow::Next,
        _ => Flow::Undef,
    }
}

/// The addressing mode of a single load/store from its P, U, W bits. P = 0 with W = 1 is the
/// unprivileged (T) form, which in user mode is the plain post-indexed access.
fn mode(m: &M, n: u32, off: ir::Val) -> Am {
    let p = m.word >> 24 & 1 == 1;
    let w = m.word >> 21 & 1 == 1;
    Am {
        n,
        off,
        add: m.word >> 23 & 1 == 1,
        index: p,
        wback: !p || w,
    }
}

/// True for the 48 data-processing rows (immediate, register, register-shifted register).
fn is_dp(id: I) -> bool {
    use I::*;
    matches!(
        id,
        AndImm
            | AndReg
            | AndRsr
            | EorImm
            | EorReg
            | EorRsr
            | SubImm
            | SubReg
            | SubRsr
            | RsbImm
            | RsbReg
            | RsbRsr
            | AddImm
            | AddReg
            | AddRsr
            | AdcImm
            | AdcReg
            | AdcRsr
            | SbcImm
            | SbcReg
            | SbcRsr
            | RscImm
            | RscReg
            | RscRsr
            | TstImm
            | TstReg
            | TstRsr
            | TeqImm
            | TeqReg
            | TeqRsr
            | CmpImm
            | CmpReg
            | CmpRsr
            | CmnImm
            | CmnReg
            | CmnRsr
            | OrrImm
            | OrrReg
            | OrrRsr
            | MovImm
            | MovReg
            | MovRsr
            | BicImm
            | BicReg
            | BicRsr
            | MvnImm
            | MvnReg
            | MvnRsr
    )
}
