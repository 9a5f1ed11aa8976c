//! The IR of the blocks the JIT backend ran once on the interpreter, kept for a while in case
//! they run a second time (see `Engine::run_cold`), so that second run need not lift the block
//! again.
//!
//! Most blocks of a start-up run once, and most of those that run twice do so soon. Lifting is
//! most of what a start-up costs (41% of a dynamic hello's host instructions, a quarter of its
//! lifts second runs'), so the last few first runs' IR is kept. Kept one buffer per block,
//! every block's IR cost pages of its own (a static hello faulted in 200 more pages for the
//! last 256 blocks' IR); here the instructions of all of them share one ring of
//! [`RING_INSTS`] that the next first runs overwrite, whose pages are faulted in once. With
//! it, 502 of an aarch64 dynamic hello's 718 second runs took their IR from the ring (445 of
//! 740 on armhf), and the static and dynamic hellos of both started 3-3.5% sooner (medians of
//! 500 runs interleaved with the build before); a ring of 2,048 did 0.5-2.4% worse, one of
//! 4,096 worse again (more pages, and more copying of blocks that never run again), one of 512
//! the same.

use std::collections::VecDeque;

/// Instructions the ring holds: 40 bytes each, some 45 blocks of 23 on average (an AArch64
/// start-up's; an armhf one's are 33).
pub(crate) const RING_INSTS: usize = 1024;

/// A block whose instructions are in the ring.
struct Kept {
    /// The block as lifted, without its instructions.
    block: ir::Block,
    /// The JIT's generation when it was lifted.
    generation: u64,
    /// Where its instructions start, counted in instructions ever written to the ring.
    from: usize,
    /// How many there are.
    len: usize,
}

/// The IR of the last blocks run once (see the module docs).
#[derive(Default)]
pub(crate) struct FirstRuns {
    /// The instructions, at index `written % RING_INSTS` (grown to `RING_INSTS` once filled).
    ring: Vec<ir::Inst>,
    /// Instructions ever written to the ring.
    written: usize,
    /// Oldest first; each one's instructions are intact while fewer than `RING_INSTS` were
    /// written after its first.
    kept: VecDeque<Kept>,
}

impl FirstRuns {
    /// Keeps `block`, lifted at JIT generation `generation`, until later blocks' instructions
    /// overwrite its own.
    pub(crate) fn keep(&mut self, mut block: ir::Block, generation: u64) {
        let len = block.insts.len();
        if len > RING_INSTS {
            return;
        }
        let at = self.written % RING_INSTS;
        let (head, tail) = block.insts.split_at(len.min(RING_INSTS - at));
        if self.ring.len() < RING_INSTS {
            // Still filling, which goes in order: `at` is the end. Its whole size at once: each
            // doubling would copy what it held.
            self.ring.reserve_exact(RING_INSTS - self.ring.len());
            self.ring.extend_from_slice(head);
        } else {
            self.ring[at..at + head.len()].copy_from_slice(head);
        }
        self.ring[..tail.len()].copy_from_slice(tail);
        self.written += len;
        block.drop_insts();
        self.kept.push_back(Kept {
            block,
            generation,
            from: self.written - len,
            len,
        });
        while let Some(old) = self.kept.front()
            && !self.intact(old)
        {
            self.kept.pop_front();
        }
    }

    /// The block kept for `pc` (taken out), if its instructions are still in the ring and no
    /// translation was invalidated since it was lifted (`now` is the JIT's generation): the
    /// block as the lifter would give it again, but for its predicted jump target.
    pub(crate) fn take(&mut self, pc: u64, now: u64) -> Option<ir::Block> {
        let i = self.kept.iter().rposition(|k| k.block.key == pc)?;
        let k = self.kept.remove(i)?;
        if k.generation != now || !self.intact(&k) {
            return None;
        }
        let len = k.len;
        let at = k.from % RING_INSTS;
        let first = len.min(RING_INSTS - at);
        let mut insts = Vec::with_capacity(len);
        insts.extend_from_slice(&self.ring[at..at + first]);
        insts.extend_from_slice(&self.ring[..len - first]);
        Some(k.block.with_insts(insts))
    }

    /// Forgets every block kept.
    pub(crate) fn clear(&mut self) {
        self.kept.clear();
    }

    /// Whether `k`'s instructions are still in the ring.
    fn intact(&self, k: &Kept) -> bool {
        self.written - k.from <= RING_INSTS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block at `pc` of `n` constants, the `k`th `pc + k`: its instructions name it.
    fn block(pc: u64, n: usize) -> ir::Block {
        let mut b = ir::Builder::verbatim(pc);
        for k in 0..n {
            b.konst(pc + k as u64);
        }
        b.end_insn(pc + 4);
        b.finish(ir::Term::Jump(pc + 4))
    }

    /// The constants of `b`'s instructions, in order.
    fn imms(b: &ir::Block) -> Vec<u64> {
        b.insts.iter().map(|i| i.imm).collect()
    }

    /// Blocks come back whole, also those whose instructions wrap around the ring's end, until
    /// later blocks' instructions overwrite theirs; each comes back once.
    #[test]
    fn kept_blocks_come_back_whole_until_overwritten() {
        let mut runs = FirstRuns::default();
        let n = RING_INSTS / 3 - 1;
        for k in 0..5u64 {
            runs.keep(block(0x1000 * (k + 1), n), 7);
        }
        // Blocks of nearly a third of the ring: the fourth wrapped round its end, overwriting
        // the first, and the fifth overwrote the second; the last three are there.
        assert!(runs.take(0x1000, 7).is_none(), "overwritten");
        assert!(runs.take(0x2000, 7).is_none(), "overwritten");
        for k in 3..=5u64 {
            let b = runs.take(0x1000 * k, 7).expect("kept");
            let want: Vec<u64> = (0..n as u64).map(|i| 0x1000 * k + i).collect();
            assert_eq!(imms(&b), want, "block {k}");
            assert_eq!(
                (b.key, b.end, b.term),
                (0x1000 * k, 0x1000 * k + 4, ir::Term::Jump(0x1000 * k + 4))
            );
            assert!(runs.take(0x1000 * k, 7).is_none(), "taken once");
        }
    }

    /// A translation invalidated since a block was lifted (the JIT's generation moved on) may
    /// have been of code that changed: the block is not given back.
    #[test]
    fn a_block_lifted_before_an_invalidation_is_not_given_back() {
        let mut runs = FirstRuns::default();
        runs.keep(block(0x1000, 3), 7);
        runs.keep(block(0x2000, 3), 7);
        assert!(runs.take(0x1000, 8).is_none());
        assert!(runs.take(0x2000, 7).is_some());
        runs.keep(block(0x3000, 3), 7);
        runs.clear();
        assert!(runs.take(0x3000, 7).is_none(), "cleared");
    }

    /// A block of more instructions than the ring holds is not kept, and overwrites nothing.
    #[test]
    fn a_block_larger_than_the_ring_is_not_kept() {
        let mut runs = FirstRuns::default();
        runs.keep(block(0x1000, 3), 7);
        runs.keep(block(0x2000, RING_INSTS + 1), 7);
        assert!(runs.take(0x2000, 7).is_none());
        assert_eq!(
            imms(&runs.take(0x1000, 7).expect("kept")),
            [0x1000, 0x1001, 0x1002]
        );
    }
}
