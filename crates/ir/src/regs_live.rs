//! Dropping the register stores a block leaves behind when no successor can read them.
//!
//! Compiled code writes the registers a block changed back to the CPU state at its end, also
//! scratch registers the next block sets again before it reads them (a loop's temporaries
//! in hashbench, a value loaded into a register the code after a branch reloads). So after
//! lifting a block, the frontend looks ahead from its successors (and from the targets of side
//! exits that come after a store), one guest instruction at a time through straight-line code
//! and direct branches, as [`crate::flags_live`] does for the flags; a register every path
//! writes before anything may read it is dead at the block's end, and so are the block's
//! last stores of it back to the first thing in the block that may read it (a helper call,
//! a side exit whose block may read it). A 32-bit guest's scratch slots (X15 up, V16 up),
//! which no 32-bit instruction reads before writing, are dead at every block end without a
//! look.
//!
//! As with the flags, the guest can only tell the difference by looking at the register from
//! outside: a signal handler that runs at the block boundary, or at a fault of a load or
//! store before the successor's write, sees the register as the previous write left it, and
//! a handler that returns resumes code that overwrites it before reading it. The program's
//! behaviour is the same. Anything the look-ahead cannot see through (indirect branches,
//! system calls and other exceptions, helper calls, unreadable code, another page, too long
//! a path) counts as a read. The look-ahead stays on the pages the block occupies, so a
//! change of the code it looked at drops the block too.
//!
//! Measured (callgrind, instructions in translated code): hashbench 8.1% fewer on aarch64 and
//! 5.8% on armhf, intbench 1.8% on aarch64, sortbench 0.7-0.8%, armhf fpbench 3.3%; python3
//! 0.2% (of its hot blocks' 1,600 stored registers 85 are dead). The look-ahead's lifting
//! costs cc1, which translates many hot blocks, more than its code gains (see [`PATH`]).

use crate::flags_live::{Effects, Next};
use crate::{Block, Op, Term};

/// Instructions examined per block at most (over all paths).
const BUDGET: u32 = 32;
/// Instructions examined at most between two conditional branches (most dead registers are
/// written within a few instructions; the others would take the whole budget).
const PATH: u32 = 12;
/// Conditional branches followed at most along one path.
const DEPTH: u32 = 3;
/// A set of state slots (bit n: slot n), of those below 128.
type Slots = u128;
/// The state slots this pass looks at: the general registers (X0..X30 and SP; R0..R14) and
/// the vector registers.
const TRACKED: Slots = ((1 << cpu::NUM_X) - 1) | VECTORS;
/// The vector registers' slots.
const VECTORS: Slots = ((1 << (2 * 32)) - 1) << cpu::slot::V0;
/// The slots a 32-bit guest cannot see, which its lifter uses as scratch registers (X15 and
/// up, V16 and up: see the `a32` crate's `neon`): every instruction that uses one writes it
/// before reading it, so they are dead wherever a 32-bit guest's block ends.
const A32_SCRATCH: Slots = ((1 << cpu::NUM_X) - (1 << crate::NARROW_SLOTS))
    | (VECTORS & !(((1 << (2 * 16)) - 1) << cpu::slot::V0));

/// What one guest instruction does with the general and vector registers, as far as the
/// look-ahead cares (its page and where it goes are in its flags' [`crate::flags_live::Effect`],
/// remembered with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegEffect {
    /// The registers (bit n: state slot n) it may read before writing them (all of them for
    /// a helper call, which may read anything; an indirect branch's target register is read
    /// by its `getreg`).
    reads: Slots,
    /// The registers it writes.
    writes: Slots,
}

/// The bit of slot `slot` if this pass tracks it.
fn bit(slot: u64) -> Slots {
    if slot < 128 { (1 << slot) & TRACKED } else { 0 }
}

/// Whether `i` may read state slots other than through `getreg`: a helper call (but a scalar
/// FP one, which reads FPCR and FPSR alone), and the operations that hand the state to the
/// runtime's memory code.
fn reads_any(i: &crate::Inst) -> bool {
    (i.op == Op::Call && !i.is_fp_env_call())
        || matches!(i.op, Op::StoreEx | Op::LoadV | Op::StoreV)
}

impl RegEffect {
    /// The effect of the instruction lifted as `one`.
    pub fn of(one: &Block) -> RegEffect {
        let (mut reads, mut writes): (Slots, Slots) = (0, 0);
        for i in &one.insts {
            match i.op {
                Op::GetReg => reads |= bit(i.imm) & !writes,
                Op::SetReg => writes |= bit(i.imm),
                _ if reads_any(i) => reads |= TRACKED & !writes,
                _ => {}
            }
        }
        RegEffect { reads, writes }
    }
}

/// The state of one block's look-ahead.
struct Walk<'a> {
    effect: &'a dyn Fn(u64) -> Option<Effects>,
    /// Instructions left to examine.
    budget: u32,
    /// First and last page the block occupies (`flags_live::pages`).
    pages: (u64, u64),
}

impl Walk<'_> {
    /// The registers among `pending` that every path from `key` writes before anything may
    /// read them.
    fn overwritten(&mut self, mut key: u64, depth: u32, mut pending: Slots) -> Slots {
        let mut done = 0;
        for _ in 0..PATH {
            if pending == 0 || self.budget == 0 {
                return done;
            }
            self.budget -= 1;
            let Some((step, e)) = (self.effect)(key) else {
                return done;
            };
            if !(self.pages.0..=self.pages.1).contains(&step.page) {
                return done;
            }
            pending &= !e.reads;
            done |= e.writes & pending;
            pending &= !e.writes;
            match step.next {
                Next::Jump(t) => key = t,
                Next::Branch(taken, fallthrough) if depth < DEPTH && pending != 0 => {
                    let a = self.overwritten(taken, depth + 1, pending);
                    let b = self.overwritten(fallthrough, depth + 1, pending & a);
                    return done | (a & b);
                }
                Next::Branch(..) | Next::Stop => return done,
            }
        }
        done
    }
}

/// Removes the stores of general and vector registers in `block` that nothing can read: those after
/// which nothing in the block reads the register and every way out (the successors, the side
/// exits after the store) writes it before anything may read it. `effect(key)` is the
/// [`Effects`] of the single guest instruction a dispatcher key names, or `None` where
/// nothing can be fetched.
pub fn drop_dead_stores(block: &mut Block, effect: &dyn Fn(u64) -> Option<Effects>) {
    // (Where an indirect branch goes, or what the runtime does at an exit, is not known here.)
    let succs: &[u64] = match block.term {
        Term::Jump(t) => &[t],
        Term::Branch {
            taken, fallthrough, ..
        } => &[taken, fallthrough],
        Term::JumpReg(_) | Term::Exit { .. } => &[],
    };
    let stored = block
        .insts
        .iter()
        .filter(|i| i.op == Op::SetReg)
        .fold(0, |m, i| m | bit(i.imm));
    if stored == 0 {
        return;
    }
    // (The builder forwards a register's value to its reads after a write: a `getreg` after a
    // `setreg` of its slot is rare enough to count as a read, rather than cost every block a
    // `passes::forward_getreg`, which took a third of this pass's time on cc1.)
    let mut walk = Walk {
        effect,
        budget: BUDGET,
        pages: crate::flags_live::pages(block),
    };
    let scratch = if block.narrow_regs { A32_SCRATCH } else { 0 };
    let mut dead = if succs.is_empty() {
        0
    } else {
        stored & !scratch
    };
    for &t in succs {
        dead &= walk.overwritten(t, 0, dead);
    }
    dead |= stored & scratch;
    // Backwards from the end: `dead` holds the registers nothing after the instruction reads.
    let mut at = block.insts.len();
    while at > 0 && dead != 0 {
        at -= 1;
        let i = block.insts[at];
        match i.op {
            Op::SetReg if bit(i.imm) & dead != 0 => {
                block.insts.remove(at);
            }
            Op::GetReg => dead &= !bit(i.imm),
            op if op.is_side_exit() => {
                dead = walk.overwritten(i.imm, 0, dead & !scratch) | (dead & scratch)
            }
            _ if reads_any(&i) => dead = 0,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;
    use cpu::slot;

    /// A helper that does nothing (never run: the tests only inspect blocks).
    unsafe extern "C" fn nop(_: *mut u8, _: u64, _: u64, _: u64) -> u64 {
        0
    }

    static NOP: crate::Helper = crate::Helper {
        name: "nop",
        func: nop,
    };

    /// One guest instruction at `key` of a made-up program, by the key's low byte.
    fn one(key: u64) -> Option<Block> {
        let mut bl = Builder::verbatim(key);
        let mut term = Term::Jump(key + 4);
        match key & 0xff {
            // Overwrites X1 (from X3).
            0x10 => {
                let v = bl.get(3);
                bl.set(1, v);
            }
            // Reads X2.
            0x14 | 0x24 => {
                bl.get(2);
            }
            // Adds to X1: reads it first.
            0x20 => {
                let v = bl.get(1);
                let k = bl.konst(1);
                let s = bl.add(v, k);
                bl.set(1, s);
            }
            // Overwrites X1 and X2, then returns.
            0x30 => {
                let k = bl.konst(0);
                bl.set(1, k);
                bl.set(2, k);
                let lr = bl.get(30);
                term = Term::JumpReg(lr);
            }
            // Branches on X4 to 0x10 or 0x20.
            0x40 => {
                let c = bl.get(4);
                term = Term::Branch {
                    cond: c,
                    taken: (key & !0xff) | 0x10,
                    fallthrough: (key & !0xff) | 0x20,
                };
            }
            // Branches on X4 to 0x10 or 0x30.
            0x44 => {
                let c = bl.get(4);
                term = Term::Branch {
                    cond: c,
                    taken: (key & !0xff) | 0x10,
                    fallthrough: (key & !0xff) | 0x30,
                };
            }
            // Calls a helper (which may read any register).
            0x50 => {
                let z = bl.konst(0);
                bl.call(&NOP, z, z, z);
            }
            // A system call.
            0x60 => {
                term = Term::Exit {
                    reason: cpu::exit::SYSCALL,
                    pc: key + 4,
                    arg: 0,
                };
            }
            // An indirect branch.
            0x70 => {
                let t = bl.get(5);
                term = Term::JumpReg(t);
            }
            0x80 => return None,
            // An endless loop that touches nothing (`b .`).
            0x1c => term = Term::Jump(key),
            // Writes X1 and jumps back to 0x10.
            0x18 => {
                let k = bl.konst(7);
                bl.set(1, k);
                term = Term::Jump((key & !0xff) | 0x10);
            }
            _ => {}
        }
        bl.end_insn(key + 4);
        Some(bl.finish(term))
    }

    fn effect(key: u64) -> Option<Effects> {
        one(key).map(|b| (crate::flags_live::Effect::of(&b, 0), RegEffect::of(&b)))
    }

    /// A block at `start` that writes `slots` (each twice, with a load between) and jumps to
    /// `to`.
    fn writes_then_jumps(start: u64, slots: &[u32], narrow: bool, term: Term) -> Block {
        let mut bl = Builder::verbatim(start);
        let a = bl.get(9);
        for &s in slots {
            bl.set(s, a);
        }
        let l = bl.load(a, 8);
        for &s in slots {
            bl.set(s, l);
        }
        bl.end_insn(start + 4);
        let mut b = bl.finish(term);
        b.narrow_regs = narrow;
        b
    }

    /// The slots `b` still stores, in order of number.
    fn stores(b: &Block) -> Vec<u64> {
        let s: std::collections::BTreeSet<u64> = b
            .insts
            .iter()
            .filter(|i| i.op == Op::SetReg)
            .map(|i| i.imm)
            .collect();
        s.into_iter().collect()
    }

    fn after(slots: &[u32], term: Term) -> Vec<u64> {
        let mut b = writes_then_jumps(0x1000, slots, false, term);
        drop_dead_stores(&mut b, &effect);
        crate::verify(&b).unwrap();
        stores(&b)
    }

    #[test]
    fn a_register_every_successor_overwrites_first_is_not_stored() {
        // 0x1010 overwrites X1, then 0x1014 reads X2: X1's stores go (both), X2's stay.
        assert_eq!(after(&[1, 2], Term::Jump(0x1010)), [2]);
        // Through a jump to 0x1010: X1 is overwritten twice, X2 read.
        assert_eq!(after(&[1, 2], Term::Jump(0x1018)), [2]);
        // An instruction that reads X1 to write it reads it.
        assert_eq!(after(&[1], Term::Jump(0x1020)), [1]);
        // A branch: both ways overwrite X1, or one reads it.
        assert_eq!(after(&[1], Term::Jump(0x1044)), Vec::<u64>::new());
        assert_eq!(after(&[1], Term::Jump(0x1040)), [1]);
        let both = Term::Branch {
            cond: crate::Val(0),
            taken: 0x1010,
            fallthrough: 0x1030,
        };
        assert_eq!(after(&[1, 2], both), [2]);
    }

    #[test]
    fn what_the_look_ahead_cannot_see_through_counts_as_a_read() {
        // A helper call, a system call, an indirect branch, unreadable code, another page,
        // and a path longer than the look-ahead looks.
        for to in [0x1050, 0x1060, 0x1070, 0x1080, 0x2010, 0x101c] {
            assert_eq!(after(&[1], Term::Jump(to)), [1], "{to:#x}");
        }
        // Nor does the block's own indirect branch or exit tell anything.
        assert_eq!(after(&[1], Term::JumpReg(crate::Val(0))), [1]);
        let exit = Term::Exit {
            reason: cpu::exit::SYSCALL,
            pc: 0x1004,
            arg: 0,
        };
        assert_eq!(after(&[1], exit), [1]);
    }

    /// A read of the register in the block after its last store (a helper call's, a side
    /// exit's block's) keeps that store, and the ones before it.
    #[test]
    fn a_read_after_the_store_in_the_block_keeps_it() {
        let block = |exit_to: Option<u64>, call: bool| {
            let mut bl = Builder::verbatim(0x1000);
            let a = bl.get(9);
            bl.set(1, a);
            if let Some(t) = exit_to {
                bl.emit(Op::ExitIf, &[a], t);
            }
            if call {
                let z = bl.konst(0);
                bl.call(&NOP, z, z, z);
            }
            bl.end_insn(0x1004);
            let mut b = bl.finish(Term::Jump(0x1010));
            drop_dead_stores(&mut b, &effect);
            crate::verify(&b).unwrap();
            stores(&b)
        };
        assert_eq!(block(None, false), Vec::<u64>::new());
        assert_eq!(block(None, true), [1]);
        assert_eq!(block(Some(0x1020), false), [1]);
        assert_eq!(block(Some(0x1070), false), [1]);
        // A side exit whose block overwrites it first reads nothing.
        assert_eq!(block(Some(0x1010), false), Vec::<u64>::new());
    }

    /// A 32-bit guest's scratch slots (X16, V16 and up) are dead at every block end, even
    /// where the look-ahead sees nothing; its own registers and D registers are not.
    #[test]
    fn a_32_bit_guests_scratch_slots_are_never_stored() {
        let v16 = slot::v_lo(16);
        let v31 = slot::v_hi(31);
        let v0 = slot::v_lo(0);
        let slots = [1, 16, v0, v16, v31];
        let mut b = writes_then_jumps(0x1000, &slots, true, Term::JumpReg(crate::Val(0)));
        drop_dead_stores(&mut b, &effect);
        assert_eq!(stores(&b), [1, v0 as u64]);
        // A 64-bit guest's are registers like the others.
        let mut b = writes_then_jumps(0x1000, &slots, false, Term::JumpReg(crate::Val(0)));
        drop_dead_stores(&mut b, &effect);
        assert_eq!(stores(&b), slots.map(u64::from));
    }
}
