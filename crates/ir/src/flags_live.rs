//! Dropping the flags a block leaves behind when no successor can read them.
//!
//! Every flag-setting instruction stores the flags, but most flags are consumed by the very
//! next branch (`cmp; b.ne`) and overwritten by the next compare: storing them is most of the
//! cost of a compare once the branch tests the host flags directly
//! ([`crate::passes::fuse_conditions`]). So after lifting a block, the frontend looks ahead
//! from its successors, one guest instruction at a time through straight-line code and direct
//! branches, and if every path overwrites the flags before anything reads them, the block's
//! final store of them is dropped, and so are the stores before it back to the first one that
//! a helper call or a read in the block may observe.
//!
//! The guest can only tell the difference by looking at the flags from outside: a signal
//! handler delivered at that block boundary sees (and on return restores) the flags as the
//! previous flag-setting block left them. Since the successor overwrites them before reading
//! them, the program's behaviour is the same. Anything the look-ahead cannot see through
//! (indirect branches, exceptions, helper calls, unreadable or undefined code, too long a
//! path, code on another page than the block's own) counts as a read.
//!
//! The translation now depends on code after the block, so rewriting that code must drop the
//! block as well: the look-ahead stays on the pages the block itself occupies, which every
//! page-granular invalidation covers.

use crate::{Block, Op, Term};

/// Instructions examined per block at most (over all paths).
const BUDGET: u32 = 48;
/// Conditional branches followed at most along one path.
const DEPTH: u32 = 3;
/// Invalidation granule the look-ahead stays within.
const PAGE: u64 = 4096;

/// Lifts the block at dispatcher key `key` with `lift(key, max_insns)`, then drops its last
/// store of state slot `flags` as [`drop_dead_store`] does, looking ahead with the same lifter
/// one instruction at a time (a lift that yields no guest instruction counts as unreadable).
pub fn lift_dropping_dead_store(
    key: u64,
    max_insns: u32,
    flags: u32,
    lift: &dyn Fn(u64, u32) -> Block,
) -> Block {
    let mut block = lift(key, max_insns);
    let one = |k: u64| {
        let b = lift(k, 1);
        (b.guest_insns > 0).then_some(b)
    };
    drop_dead_store(&mut block, flags, &one);
    block
}

/// Removes `block`'s last store of state slot `flags` if nothing after it in the block and no
/// successor can read it, and each store before it that nothing in between reads. `lift_one(key)` lifts the single guest instruction a dispatcher key
/// names (more only where the frontend cannot stop after one, such as inside a Thumb IT
/// block), or `None` where nothing can be fetched.
pub fn drop_dead_store(block: &mut Block, flags: u32, lift_one: &dyn Fn(u64) -> Option<Block>) {
    let slot = flags as u64;
    if matches!(block.term, Term::JumpReg(_) | Term::Exit { .. })
        || !block
            .insts
            .iter()
            .any(|i| i.op == Op::SetReg && i.imm == slot)
    {
        return;
    }
    // Reads of the flags after their store in the block (a compare's own branch) take the
    // stored value directly, so only reads from outside the block remain.
    crate::passes::forward_getreg(block);
    let Some(last) = block.insts.iter().rposition(|i| {
        i.op == Op::Call || (matches!(i.op, Op::SetReg | Op::GetReg) && i.imm == slot)
    }) else {
        return;
    };
    if block.insts[last].op != Op::SetReg {
        return;
    }
    let succs: Vec<u64> = match block.term {
        Term::Jump(t) => vec![t],
        Term::Branch {
            taken, fallthrough, ..
        } => vec![taken, fallthrough],
        Term::JumpReg(_) | Term::Exit { .. } => return,
    };
    let mut walk = Walk {
        lift_one,
        slot,
        budget: BUDGET,
        pages: (
            block.start / PAGE,
            block.end.saturating_sub(1).max(block.start) / PAGE,
        ),
    };
    if !succs.iter().all(|&t| walk.overwritten(t, 0)) {
        return;
    }
    // The store before it (the compare ahead of an SBCS, say) is then the last one, and as
    // dead when nothing in between reads the slot: the reads in the block were forwarded.
    let mut last = Some(last);
    while let Some(at) = last.filter(|&at| block.insts[at].op == Op::SetReg) {
        block.insts.remove(at);
        last = block.insts[..at].iter().rposition(|i| {
            i.op == Op::Call || (matches!(i.op, Op::SetReg | Op::GetReg) && i.imm == slot)
        });
    }
}

/// The state of one look-ahead.
struct Walk<'a> {
    lift_one: &'a dyn Fn(u64) -> Option<Block>,
    slot: u64,
    /// Instructions left to examine.
    budget: u32,
    /// First and last page (address / PAGE) the block occupies.
    pages: (u64, u64),
}

impl Walk<'_> {
    /// True if every path from `key` writes the flags before anything may read them.
    fn overwritten(&mut self, mut key: u64, depth: u32) -> bool {
        loop {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            let Some(one) = (self.lift_one)(key) else {
                return false;
            };
            if !(self.pages.0..=self.pages.1).contains(&(one.start / PAGE)) {
                return false;
            }
            for i in &one.insts {
                let flags = i.imm == self.slot;
                match i.op {
                    Op::Call => return false,
                    Op::GetReg if flags => return false,
                    Op::SetReg if flags => return true,
                    _ => {}
                }
            }
            match one.term {
                Term::Jump(t) => key = t,
                Term::Branch { .. } if depth >= DEPTH => return false,
                Term::Branch {
                    taken, fallthrough, ..
                } => {
                    return self.overwritten(taken, depth + 1)
                        && self.overwritten(fallthrough, depth + 1);
                }
                Term::JumpReg(_) | Term::Exit { .. } => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;

    const FLAGS: u32 = cpu::slot::NZCV;

    /// A helper that does nothing (never run: the tests only inspect blocks).
    unsafe extern "C" fn nop(_: *mut u8, _: u64, _: u64, _: u64) -> u64 {
        0
    }

    static NOP: crate::Helper = crate::Helper {
        name: "nop",
        func: nop,
    };

    /// A block at `start` that sets the flags and branches to `a` or `b`.
    fn compare_and_branch(start: u64, a: u64, b: u64) -> Block {
        let mut bl = Builder::new(start);
        let x = bl.get(1);
        bl.set(FLAGS, x);
        bl.end_insn(start + 4);
        let c = bl.get(2);
        bl.finish(Term::Branch {
            cond: c,
            taken: a,
            fallthrough: b,
        })
    }

    /// One guest instruction at `key`: writes the flags, reads them, or calls a helper first.
    fn one(key: u64) -> Option<Block> {
        let mut bl = Builder::new(key);
        match key & 0xff {
            0x10 => {
                let k = bl.konst(0);
                bl.set(FLAGS, k);
            }
            0x20 => {
                bl.get(FLAGS);
            }
            0x30 => return None,
            _ => {}
        }
        bl.end_insn(key + 4);
        Some(bl.finish(Term::Jump(key + 4)))
    }

    fn flag_stores(b: &Block) -> usize {
        b.insts
            .iter()
            .filter(|i| i.op == Op::SetReg && i.imm == FLAGS as u64)
            .count()
    }

    #[test]
    fn store_goes_only_when_every_successor_overwrites_first() {
        // Both successors overwrite (one after a plain instruction): dropped.
        let mut b = compare_and_branch(0x1000, 0x1010, 0x100c);
        drop_dead_store(&mut b, FLAGS, &one);
        assert_eq!(flag_stores(&b), 0);
        // One successor reads: kept.
        let mut b = compare_and_branch(0x1000, 0x1010, 0x1020);
        drop_dead_store(&mut b, FLAGS, &one);
        assert_eq!(flag_stores(&b), 1);
        // Unreadable code counts as a read; so does code on another page.
        let mut b = compare_and_branch(0x1000, 0x1010, 0x1030);
        drop_dead_store(&mut b, FLAGS, &one);
        assert_eq!(flag_stores(&b), 1);
        let mut b = compare_and_branch(0x1000, 0x1010, 0x2010);
        drop_dead_store(&mut b, FLAGS, &one);
        assert_eq!(flag_stores(&b), 1);
    }

    #[test]
    fn earlier_stores_go_too_unless_something_reads_them() {
        // Two flag-setting instructions (CMP then SBCS, the second reading the first's
        // flags), then a branch to code that overwrites them: both stores go.
        let two = |read_between: bool| {
            let mut bl = Builder::new(0x1000);
            let x = bl.get(1);
            bl.set(FLAGS, x);
            bl.end_insn(0x1004);
            let f = bl.get(FLAGS);
            if read_between {
                // A helper call may read the state.
                let z = bl.konst(0);
                bl.call(&NOP, z, z, z);
            }
            bl.set(FLAGS, f);
            bl.end_insn(0x1008);
            bl.finish(Term::Jump(0x1010))
        };
        let mut b = two(false);
        drop_dead_store(&mut b, FLAGS, &one);
        assert_eq!(flag_stores(&b), 0);
        let mut b = two(true);
        drop_dead_store(&mut b, FLAGS, &one);
        assert_eq!(flag_stores(&b), 1);
    }
}
