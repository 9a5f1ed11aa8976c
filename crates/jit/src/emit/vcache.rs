//! Guest vector registers kept in xmm registers between inline crypto operations.
//!
//! An inline crypto operation (`crypto`) reads its operands from the CPU state and writes its
//! result back there. OpenSSL runs AES on four blocks at a time, each round key used by all
//! four and each block's state by the next round: reading them back from memory costs loads,
//! and a load of what the round before just stored waits for store forwarding on the chain
//! of rounds. So the emitter remembers which xmm register holds a copy of which vector
//! register: writes still go to the CPU state (a fault, an exit or a helper finds it there),
//! and a read takes the copy while it is known to be current.
//!
//! The copies live in the xmm registers the block's allocation leaves unused (`alloc` places
//! values in xmm6-15 only in blocks with inline FP operations; the operations' scratch
//! registers are below xmm6). A copy is forgotten when the register is written otherwise (a
//! `setreg` of either half, a vector load), when anything may clobber xmm registers (any other
//! helper call, inline FP operations, whose slow paths call helpers, vector accesses, which
//! may call them) and at a loop's head (the back edge arrives there with other copies).

use super::{Emitter, so};
use crate::alloc::Loc;
use cpu::slot;
use dynasmrt::{DynasmApi, dynasm};
use ir::{Block, Op};

/// The first xmm register a copy may live in: lower ones are the operations' scratch.
const FIRST: u8 = 6;

/// The copies of one block being lowered.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct VCache {
    /// Bit `k`: xmm`k` may hold a copy in this block.
    usable: u16,
    /// For each xmm register, 1 + the vector register it holds a copy of (0: none).
    held: [u8; 16],
    /// The register the next new copy evicts, among the usable ones (round robin).
    next: u8,
}

impl VCache {
    /// The cache for `b`, whose values are placed as `locs` says: the xmm registers from
    /// [`FIRST`] on that hold no value, if `b` has inline crypto operations at all.
    pub(super) fn for_block(b: &Block, locs: &[Loc]) -> VCache {
        let crypto = |i: &ir::Inst| i.op == Op::Call && super::crypto::crypto_call(i).is_some();
        if !b.insts.iter().any(crypto) {
            return VCache::default();
        }
        let taken = locs.iter().fold(0u16, |m, l| match l {
            Loc::Xmm(r) => m | 1 << r,
            _ => m,
        });
        VCache {
            usable: !taken & !((1 << FIRST) - 1),
            ..VCache::default()
        }
    }

    /// Whether the block may keep copies at all (it has inline crypto operations and xmm
    /// registers to spare).
    #[inline]
    pub(super) fn active(&self) -> bool {
        self.usable != 0
    }

    /// Forgets every copy.
    pub(super) fn forget_all(&mut self) {
        self.held = [0; 16];
    }

    /// Forgets the copy of vector register `n`, if any.
    fn forget(&mut self, n: u8) {
        for h in &mut self.held {
            if *h == n + 1 {
                *h = 0;
            }
        }
    }

    /// The xmm register holding a copy of vector register `n`.
    fn find(&self, n: u8) -> Option<u8> {
        (0..16u8).find(|&r| self.held[r as usize] == n + 1)
    }

    /// An xmm register to hold a new copy of vector register `n` (replacing another copy if
    /// none is free), or `None` if the block has none to spare.
    fn place(&mut self, n: u8) -> Option<u8> {
        if self.usable == 0 {
            return None;
        }
        let r = (0..16u8)
            .find(|&r| self.usable >> r & 1 != 0 && self.held[r as usize] == 0)
            .unwrap_or_else(|| {
                // Round robin over the usable registers.
                let mut r = self.next;
                while self.usable >> (r % 16) & 1 == 0 {
                    r += 1;
                }
                self.next = (r + 1) % 16;
                r % 16
            });
        self.held[r as usize] = n + 1;
        Some(r)
    }

    /// What lowering `i` does to the copies, before it is lowered: a write of a vector
    /// register's half forgets that register's copy; anything that may write vector registers
    /// otherwise or clobber xmm registers forgets them all. Inline crypto calls, which keep
    /// the copies themselves, are left to `crypto`.
    pub(super) fn before(&mut self, i: &ir::Inst, crypto_inline: bool) {
        match i.op {
            Op::SetReg if i.imm >= slot::V0 as u64 && i.imm < slot::END as u64 => {
                self.forget(((i.imm - slot::V0 as u64) / 2) as u8);
            }
            Op::Call if crypto_inline => {}
            Op::Call | Op::LoadV | Op::StoreV | Op::StoreEx => self.forget_all(),
            _ => {}
        }
    }
}

impl Emitter {
    /// Loads vector register `n` into xmm`x`: from its copy if one is current, else from the
    /// CPU state, keeping a copy when the block has a register for it.
    pub(super) fn load_vreg(&mut self, x: u8, n: u8) {
        if let Some(r) = self.vcache.find(n) {
            dynasm!(self.a ; .arch x64 ; movdqa Rx(x), Rx(r));
            return;
        }
        self.load_v128(x, so(slot::v_lo(n as u32)));
        if let Some(r) = self.vcache.place(n) {
            dynasm!(self.a ; .arch x64 ; movdqa Rx(r), Rx(x));
        }
    }

    /// The xmm register holding a current copy of vector register `n`, if one does.
    pub(super) fn vreg_copy(&self, n: u8) -> Option<u8> {
        self.vcache.find(n)
    }

    /// Stores xmm`x` as vector register `n`, whose copy it becomes.
    pub(super) fn store_vreg(&mut self, n: u8, x: u8) {
        dynasm!(self.a ; .arch x64 ; movdqu [r15 + so(slot::v_lo(n as u32))], Rx(x));
        self.vcache.forget(n);
        if let Some(r) = self.vcache.place(n) {
            dynasm!(self.a ; .arch x64 ; movdqa Rx(r), Rx(x));
        }
    }
}
