//! Dropping the NZCV a block leaves behind when no successor can read it.
//!
//! Every flag-setting instruction stores NZCV, but most flags are consumed by the very next
//! branch (`cmp; b.ne`) and overwritten by the next compare: storing them is most of the cost
//! of a compare once the branch tests the host flags directly (`ir::passes::fuse_conditions`).
//! So the lifter looks ahead from the block's successors, through straight-line code and
//! direct branches, and if every path overwrites NZCV before anything reads it, the block's
//! final store of NZCV is dropped.
//!
//! The guest can only tell the difference by looking at the flags from outside: a signal
//! handler delivered at that block boundary sees (and on return restores) NZCV as the previous
//! flag-setting block left it. Since the successor overwrites NZCV before reading it, the
//! program's behaviour is the same. Anything the look-ahead cannot see through (indirect
//! branches, exceptions, helper calls, unreadable or undefined code, too long a path, code on
//! another page than the block's own) counts as a read.
//!
//! The translation now depends on code after the block, so rewriting that code must drop the
//! block as well: the look-ahead stays on the pages the block itself occupies, which every
//! page-granular invalidation (and IC IVAU, which flushes everything) covers.

use crate::ctx::{Ctx, Flow};
use cpu::slot;
use ir::{Block, Op, Term};

/// Instructions examined per block at most (over all paths).
const BUDGET: u32 = 16;
/// Direct branches followed at most along one path.
const DEPTH: u32 = 3;
/// Invalidation granule the look-ahead stays within.
const PAGE: u64 = 4096;

/// Removes `block`'s last store of NZCV if nothing after it in the block and no successor
/// can read it.
pub fn drop_dead_nzcv(block: &mut Block, fetch: &dyn Fn(u64) -> Option<u32>) {
    let nzcv = slot::NZCV as u64;
    if matches!(block.term, Term::JumpReg(_) | Term::Exit { .. })
        || !block
            .insts
            .iter()
            .any(|i| i.op == Op::SetReg && i.imm == nzcv)
    {
        return;
    }
    // Reads of NZCV after its store in the block (a compare's own branch) take the stored
    // value directly, so only reads from outside the block remain.
    ir::passes::forward_getreg(block);
    let Some(last) = block.insts.iter().rposition(|i| {
        i.op == Op::Call || (matches!(i.op, Op::SetReg | Op::GetReg) && i.imm == nzcv)
    }) else {
        return;
    };
    let i = block.insts[last];
    if i.op != Op::SetReg {
        return;
    }
    let succs: Vec<u64> = match block.term {
        Term::Jump(t) => vec![t],
        Term::Branch {
            taken, fallthrough, ..
        } => vec![taken, fallthrough],
        Term::JumpReg(_) | Term::Exit { .. } => return,
    };
    let mut budget = BUDGET;
    let pages = (
        block.start / PAGE,
        block.end.saturating_sub(1).max(block.start) / PAGE,
    );
    let mut walk = Walk {
        fetch,
        budget: &mut budget,
        pages,
    };
    if succs.iter().all(|&t| walk.overwritten(t, 0)) {
        block.insts.remove(last);
    }
}

/// The state of one look-ahead.
struct Walk<'a> {
    fetch: &'a dyn Fn(u64) -> Option<u32>,
    /// Instructions left to examine.
    budget: &'a mut u32,
    /// First and last page (address / PAGE) the block occupies.
    pages: (u64, u64),
}

impl Walk<'_> {
    /// True if every path from `pc` writes NZCV before anything may read it.
    fn overwritten(&mut self, mut pc: u64, depth: u32) -> bool {
        loop {
            if *self.budget == 0 || !(self.pages.0..=self.pages.1).contains(&(pc / PAGE)) {
                return false;
            }
            *self.budget -= 1;
            let Some(word) = (self.fetch)(pc) else {
                return false;
            };
            let mut cx = Ctx::new(pc);
            let flow = crate::lift_one(&mut cx, word);
            let next = pc.wrapping_add(4);
            cx.b.end_insn(next);
            let term = match &flow {
                Flow::End(t) => *t,
                _ => Term::Jump(next),
            };
            let lifted = cx.b.finish(term);
            for i in &lifted.insts {
                let nzcv = i.imm == slot::NZCV as u64;
                match i.op {
                    Op::Call => return false,
                    Op::GetReg if nzcv => return false,
                    Op::SetReg if nzcv => return true,
                    _ => {}
                }
            }
            match flow {
                Flow::Next => pc = next,
                Flow::Undef => return false,
                Flow::End(_) if depth >= DEPTH => return false,
                Flow::End(Term::Jump(t)) => return self.overwritten(t, depth + 1),
                Flow::End(Term::Branch {
                    taken, fallthrough, ..
                }) => {
                    return self.overwritten(taken, depth + 1)
                        && self.overwritten(fallthrough, depth + 1);
                }
                Flow::End(_) => return false,
            }
        }
    }
}
