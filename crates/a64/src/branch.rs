//! Branches, exception generation: B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR, BLR, RET, SVC, BRK.

use crate::ctx::{Ctx, Flow, M};
use decode::a64_base::A64Base as I;
use ir::{Op, Term};

/// Lifts one branch or exception-generating instruction; every one ends the block.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let next = cx.pc.wrapping_add(4);
    let term = match m.id() {
        I::B | I::Bl => {
            if m.id() == I::Bl {
                let ret = cx.k(next);
                cx.set_x(30, ret, true);
                cx.b.hint(ir::Hint::Call(next));
            }
            Term::Jump(cx.pc_rel(m.fs('i') * 4))
        }
        I::BCond => {
            let target = cx.pc_rel(m.fs('i') * 4);
            let c = m.f('c');
            if c >= 14 {
                // AL and NV both mean "always" in A64.
                Term::Jump(target)
            } else {
                let f = cx.nzcv();
                let cond = cx.b.cond(f, c);
                Term::Branch {
                    cond,
                    taken: target,
                    fallthrough: next,
                }
            }
        }
        I::Cbz | I::Cbnz => {
            let target = cx.pc_rel(m.fs('i') * 4);
            let v = cx.xw(m.f('t'), m.f('s') == 1);
            let zero = cx.k(0);
            let is_zero = cx.b.bin(Op::Eq, v, zero);
            if m.id() == I::Cbz {
                Term::Branch {
                    cond: is_zero,
                    taken: target,
                    fallthrough: next,
                }
            } else {
                Term::Branch {
                    cond: is_zero,
                    taken: next,
                    fallthrough: target,
                }
            }
        }
        I::Tbz | I::Tbnz => {
            let target = cx.pc_rel(m.fs('i') * 4);
            let bit = m.f('b') << 5 | m.f('w');
            let v = cx.x(m.f('t'));
            let v = cx.shift_k(Op::Lshr, v, bit, 64);
            let one = cx.k(1);
            let set = cx.b.and(v, one);
            if m.id() == I::Tbnz {
                Term::Branch {
                    cond: set,
                    taken: target,
                    fallthrough: next,
                }
            } else {
                Term::Branch {
                    cond: set,
                    taken: next,
                    fallthrough: target,
                }
            }
        }
        I::Br | I::Blr | I::Ret => {
            // Read the target before BLR overwrites X30 (BLR X30 is valid).
            let target = cx.x(m.f('n'));
            match m.id() {
                I::Blr => {
                    let ret = cx.k(next);
                    cx.set_x(30, ret, true);
                    cx.b.hint(ir::Hint::Call(next));
                }
                I::Ret => cx.b.hint(ir::Hint::Return),
                _ => {}
            }
            Term::JumpReg(target)
        }
        I::Svc => Term::Exit {
            reason: cpu::exit::SYSCALL,
            pc: next,
            arg: m.f('i') as u64,
        },
        I::Brk => Term::Exit {
            reason: cpu::exit::BREAKPOINT,
            pc: cx.pc,
            arg: m.f('i') as u64,
        },
        _ => return Flow::Undef,
    };
    Flow::End(term)
}
