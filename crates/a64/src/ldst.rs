//! Loads and stores of general registers: literal, unsigned offset, unscaled, pre- and
//! post-index, register offset, and pairs (signed offset, pre, post, non-temporal).

use crate::ctx::{Ctx, Flow, M};
use crate::dp_reg::extend;
use decode::a64_base::A64Base as I;
use ir::Val;

/// How a single-register access forms its address.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Rn + imm12 << size.
    Uimm,
    /// Rn + simm9.
    Unscaled,
    /// Rn, then Rn += simm9.
    Post,
    /// Rn += simm9, then access at Rn.
    Pre,
    /// Rn + extend(Rm) << (S ? size : 0).
    Reg,
}

fn mode_of(id: I) -> Option<Mode> {
    use I::*;
    Some(match id {
        StrbUimm | LdrbUimm | LdrsbUimm | StrhUimm | LdrhUimm | LdrshUimm | StrUimm | LdrUimm
        | LdrswUimm | PrfmUimm => Mode::Uimm,
        StrbUnscaled | LdrbUnscaled | LdrsbUnscaled | StrhUnscaled | LdrhUnscaled
        | LdrshUnscaled | StrUnscaled | LdrUnscaled | LdrswUnscaled | PrfmUnscaled => {
            Mode::Unscaled
        }
        StrbPost | LdrbPost | LdrsbPost | StrhPost | LdrhPost | LdrshPost | StrPost | LdrPost
        | LdrswPost => Mode::Post,
        StrbPre | LdrbPre | LdrsbPre | StrhPre | LdrhPre | LdrshPre | StrPre | LdrPre
        | LdrswPre => Mode::Pre,
        StrbReg | LdrbReg | LdrsbReg | StrhReg | LdrhReg | LdrshReg | StrReg | LdrReg
        | LdrswReg | PrfmReg => Mode::Reg,
        _ => return None,
    })
}

/// Lifts one load or store of general registers.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    match m.id() {
        I::LdrLit | I::LdrswLit => {
            let addr = cx.pc_rel(m.fs('i') * 4);
            let addr = cx.k(addr);
            let v = if m.id() == I::LdrswLit {
                let v = cx.b.load(addr, 4);
                cx.b.sext(v, 32)
            } else {
                cx.b.load(addr, if m.f('z') == 1 { 8 } else { 4 })
            };
            cx.set_x(m.f('t'), v, true);
            Flow::Next
        }
        // Prefetches are hints; they never fault.
        I::PrfmLit | I::PrfmUimm | I::PrfmUnscaled => Flow::Next,
        I::PrfmReg => {
            if m.f('o') & 2 == 0 {
                return Flow::Undef;
            }
            Flow::Next
        }
        I::StpPost
        | I::LdpPost
        | I::LdpswPost
        | I::StpOff
        | I::LdpOff
        | I::LdpswOff
        | I::StpPre
        | I::LdpPre
        | I::LdpswPre
        | I::Stnp
        | I::Ldnp => pair(cx, m),
        id => match mode_of(id) {
            Some(mode) => single(cx, m, mode),
            None => Flow::Undef,
        },
    }
}

/// A single-register load or store; size and signedness come from the size and opc bits.
fn single(cx: &mut Ctx, m: &M, mode: Mode) -> Flow {
    let size_log = m.word >> 30;
    let opc = m.word >> 22 & 3;
    let size = 1u32 << size_log;
    if mode == Mode::Reg && m.f('o') & 2 == 0 {
        return Flow::Undef;
    }
    let (n, t) = (m.f('n'), m.f('t'));
    let base = cx.xsp(n);
    let (addr, wb) = match mode {
        Mode::Uimm => {
            let off = cx.k((m.f('i') as u64) << size_log);
            (cx.b.add(base, off), None)
        }
        Mode::Unscaled => {
            let off = cx.k(m.fs('i') as u64);
            (cx.b.add(base, off), None)
        }
        Mode::Post => {
            let off = cx.k(m.fs('i') as u64);
            (base, Some(cx.b.add(base, off)))
        }
        Mode::Pre => {
            let off = cx.k(m.fs('i') as u64);
            let a = cx.b.add(base, off);
            (a, Some(a))
        }
        Mode::Reg => {
            let r = cx.x(m.f('m'));
            let shift = if m.f('h') == 1 { size_log } else { 0 };
            let off = extend(cx, r, m.f('o'), shift);
            (cx.b.add(base, off), None)
        }
    };
    if opc == 0 {
        let v = cx.x(t);
        cx.b.store(addr, v, size);
    } else {
        let v = cx.b.load(addr, size);
        let (v, sf) = match opc {
            1 => (v, true),
            // opc 2: sign-extend to 64 bits; opc 3: to 32 bits.
            _ if size < 8 => (cx.b.sext(v, 8 * size), opc == 2),
            _ => (v, true),
        };
        cx.set_x(t, v, sf);
    }
    if let Some(a) = wb {
        cx.set_xsp(n, a, true);
    }
    Flow::Next
}

/// LDP, STP, LDPSW, LDNP and STNP in every addressing mode.
fn pair(cx: &mut Ctx, m: &M) -> Flow {
    let signed = matches!(m.id(), I::LdpswPost | I::LdpswOff | I::LdpswPre);
    let size_log = if signed { 2 } else { 2 + m.f('s') };
    let size = 1u32 << size_log;
    let load = m.word >> 22 & 1 == 1;
    let (n, t, t2) = (m.f('n'), m.f('t'), m.f('a'));
    let off = (m.fs('i') << size_log) as u64;
    let base = cx.xsp(n);
    let offk = cx.k(off);
    let moved = cx.b.add(base, offk);
    let (addr, wb): (Val, Option<Val>) = match m.id() {
        I::StpPost | I::LdpPost | I::LdpswPost => (base, Some(moved)),
        I::StpPre | I::LdpPre | I::LdpswPre => (moved, Some(moved)),
        _ => (moved, None),
    };
    let step = cx.k(size as u64);
    let addr2 = cx.b.add(addr, step);
    let sf = size == 8 || signed;
    if load {
        let a = cx.b.load(addr, size);
        let b = cx.b.load(addr2, size);
        let (a, b) = if signed {
            (cx.b.sext(a, 32), cx.b.sext(b, 32))
        } else {
            (a, b)
        };
        cx.set_x(t, a, sf);
        cx.set_x(t2, b, sf);
    } else {
        let a = cx.x(t);
        let b = cx.x(t2);
        cx.b.store(addr, a, size);
        cx.b.store(addr2, b, size);
    }
    if let Some(a) = wb {
        cx.set_xsp(n, a, true);
    }
    Flow::Next
}
