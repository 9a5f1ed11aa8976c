//! Block keys: how the dispatcher names a 32-bit guest's resume point.
//!
//! An A32 block and a Thumb block may start at the same address, and a Thumb block may start
//! inside an IT block, so the address alone does not say how to lift the code there. For a
//! 32-bit guest `cpu.pc` therefore holds a *key*: bits 31..1 the address, bit 0 the Thumb bit
//! (as in an interworking address) and bits 39..32 the ITSTATE (0 outside IT blocks). Every
//! terminator of a block from [`crate::lift_block_key`] names keys, so the JIT links blocks of
//! the right instruction set and the dispatcher lifts a missing block from its key alone. The
//! THUMB and ITSTATE slots stay in step with the key (the signal code reads them for the CPSR).

use crate::ctx::{Ctx, Mode};
use ir::Term;

/// The key of address `addr` in Thumb state `thumb` with ITSTATE `it`.
pub fn key(addr: u64, thumb: bool, it: u8) -> u64 {
    (addr & 0xffff_fffe) | thumb as u64 | (it as u64) << 32
}

/// The guest address a key names.
pub fn addr(key: u64) -> u64 {
    key & 0xffff_fffe
}

/// Whether a key names Thumb code.
pub fn thumb(key: u64) -> bool {
    key & 1 != 0
}

/// The ITSTATE a key resumes with.
pub fn itstate(key: u64) -> u8 {
    (key >> 32) as u8
}

/// Points `cpu` at `addr` in Thumb state `thumb`, outside any IT block: the key in `pc` and the
/// THUMB and ITSTATE slots (program entry, signal handlers, signal return).
pub fn set_pc(cpu: &mut cpu::CpuState, addr: u64, thumb: bool, it: u8) {
    cpu.pc = key(addr, thumb, it);
    cpu.set_slot(cpu::slot::THUMB, thumb as u64);
    cpu.set_slot(cpu::slot::ITSTATE, it as u64);
}

/// Rewrites the addresses in `term` (as the instruction lifters produce it) into keys: the
/// instruction set after the block is `cx`'s unless the block wrote the THUMB slot, and `it`
/// is the ITSTATE the block ends with.
pub(crate) fn keyed(cx: &mut Ctx, term: Term, it: u8) -> Term {
    let same = cx.thumb;
    let itk = (it as u64) << 32;
    match (term, cx.mode_out) {
        (Term::Jump(t), Mode::Same) => Term::Jump(key(t, same, 0) | itk),
        (Term::Jump(t), Mode::Const(m)) => Term::Jump(key(t, m, 0) | itk),
        (Term::Jump(t), Mode::Val(m)) => {
            let k = cx.k(key(t, false, 0) | itk);
            Term::JumpReg(cx.b.or(k, m))
        }
        (
            Term::Branch {
                cond,
                taken,
                fallthrough,
            },
            mode,
        ) => {
            let fall = key(fallthrough, same, 0) | itk;
            match mode {
                Mode::Same => Term::Branch {
                    cond,
                    taken: key(taken, same, 0) | itk,
                    fallthrough: fall,
                },
                Mode::Const(m) => Term::Branch {
                    cond,
                    taken: key(taken, m, 0) | itk,
                    fallthrough: fall,
                },
                // A conditional BLX: the THUMB slot holds the new set when the branch is taken
                // and the old one otherwise.
                Mode::Val(m) => {
                    let t = cx.k(key(taken, false, 0) | itk);
                    let t = cx.b.or(t, m);
                    let f = cx.k(fall);
                    Term::JumpReg(cx.b.select(cond, t, f))
                }
            }
        }
        (Term::JumpReg(a), Mode::Same) => {
            let m = cx.k(same as u64 | itk);
            Term::JumpReg(cx.b.or(a, m))
        }
        (Term::JumpReg(a), Mode::Const(m)) => {
            let m = cx.k(m as u64 | itk);
            Term::JumpReg(cx.b.or(a, m))
        }
        (Term::JumpReg(a), Mode::Val(m)) => {
            let a = if itk != 0 {
                let k = cx.k(itk);
                cx.b.or(a, k)
            } else {
                a
            };
            Term::JumpReg(cx.b.or(a, m))
        }
        // Exits follow an SVC, BKPT or undefined word, none of which switch instruction set.
        (Term::Exit { reason, pc, arg }, _) => Term::Exit {
            reason,
            pc: key(pc, same, 0) | itk,
            arg,
        },
    }
}
