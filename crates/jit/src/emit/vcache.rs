//! Guest vector registers kept in xmm registers between inline crypto operations.
//!
//! An inline crypto operation (`crypto`) reads its operands from the CPU state and writes its
//! result back there. OpenSSL runs AES on four blocks at a time, each round key used by all
//! four and each block's state by the next round: reading them back from memory costs loads,
//! and a load of what the round before just stored waits for store forwarding on the chain
//! of rounds. So the emitter remembers which xmm register holds a copy of which vector
//! register, and a read takes the copy while it is known to be current. A crypto result is
//! written to its copy alone (the copy is dirty): the CPU state gets it when something else
//! may read it there, before a `getreg` or `setreg` of either half, anything that reads or
//! writes vector registers in the state or clobbers xmm registers (any other helper call,
//! inline FP operations, whose slow paths call helpers, vector accesses, which may call
//! them), anything that leaves the block (side exits, the terminator; a memory access that
//! faults stores the dirty copies on its way out instead, so that they stay in xmm
//! registers across the loads of a loop's data), a loop's head, and the eviction of the
//! copy. Of an AES round (AESE and AESMC of four blocks' states), only the last values are
//! stored.
//!
//! The copies live in the xmm registers the block's allocation leaves unused (`alloc` places
//! values in xmm6-15 only in blocks with inline FP operations; the operations' scratch
//! registers are below xmm6). When all hold copies, a new one evicts the least recently used
//! (the round keys of the round before, not the states).

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
    /// Bit `k`: xmm`k`'s copy is newer than the CPU state.
    dirty: u16,
    /// For each xmm register, when its copy was last used (by [`VCache::clock`]).
    used: [u32; 16],
    /// Counts the uses of copies.
    clock: u32,
    /// The vector registers ({a,b,c,d}, {e,f,g,h}) of the SHA-256 state that xmm4 and xmm5
    /// hold in SHA256RNDS2's order ({f,e,b,a}, {h,g,d,c}: see `crypto::sha256_second`), as
    /// their last SHA256H and SHA256H2 left them; forgotten when either is written otherwise.
    sha: Option<(u8, u8)>,
}

/// What the CPU state must get before an instruction is lowered (see [`VCache::before`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flush {
    /// Nothing.
    None,
    /// Vector register `n`'s dirty copy, which stays (as a clean one).
    One(u8),
    /// Vector register `n`'s dirty copy, which is then forgotten.
    Forget(u8),
    /// Every dirty copy, all of which stay.
    All,
    /// Every dirty copy, and all are forgotten.
    ForgetAll,
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

    /// The dirty copies: (vector register, xmm register) of each.
    pub(super) fn dirty_copies(&self) -> Vec<(u8, u8)> {
        (0..16u8)
            .filter(|&r| self.dirty >> r & 1 != 0)
            .map(|r| (self.held[r as usize] - 1, r))
            .collect()
    }

    /// Whether the block may keep copies at all (it has inline crypto operations and xmm
    /// registers to spare).
    #[inline]
    pub(super) fn active(&self) -> bool {
        self.usable != 0
    }

    /// Forgets every copy; none may be dirty (see [`Emitter::flush_vregs`]), but at the start
    /// of a lowering.
    pub(super) fn forget_all(&mut self) {
        self.held = [0; 16];
        self.dirty = 0;
        self.sha = None;
    }

    /// Forgets the copy of vector register `n`, if any (which must not be dirty).
    fn forget(&mut self, n: u8) {
        self.written(n);
        if let Some(r) = self.find(n) {
            self.held[r as usize] = 0;
            self.dirty &= !(1 << r);
        }
    }

    /// Notes that vector register `n` is being written: a SHA-256 state of it in xmm4 and
    /// xmm5 no longer is.
    fn written(&mut self, n: u8) {
        if self.sha.is_some_and(|(a, e)| a == n || e == n) {
            self.sha = None;
        }
    }

    /// The vector registers whose SHA-256 state xmm4 and xmm5 hold in SHA256RNDS2's order.
    pub(super) fn sha(&self) -> Option<(u8, u8)> {
        self.sha
    }

    /// Notes that xmm4 and xmm5 now hold the SHA-256 state of vector registers `abcd` and
    /// `efgh` in SHA256RNDS2's order.
    pub(super) fn set_sha(&mut self, abcd: u8, efgh: u8) {
        self.sha = Some((abcd, efgh));
    }

    /// The xmm register holding a copy of vector register `n`.
    fn find(&self, n: u8) -> Option<u8> {
        (0..16u8).find(|&r| self.held[r as usize] == n + 1)
    }

    /// Notes a use of xmm`r`'s copy.
    fn touch(&mut self, r: u8) {
        self.clock += 1;
        self.used[r as usize] = self.clock;
    }

    /// An xmm register to hold a new copy of vector register `n` (which has none), or `None`
    /// if the block has none to spare; with it the vector register whose dirty copy it held,
    /// which the caller stores from it first.
    fn place(&mut self, n: u8) -> Option<(u8, Option<u8>)> {
        let r = (0..16u8)
            .filter(|&r| self.usable >> r & 1 != 0)
            .min_by_key(|&r| (self.held[r as usize] != 0, self.used[r as usize]))?;
        let evicted = (self.dirty >> r & 1 != 0).then(|| self.held[r as usize] - 1);
        self.held[r as usize] = n + 1;
        self.dirty &= !(1 << r);
        self.touch(r);
        Some((r, evicted))
    }

    /// What lowering `i` needs stored first (see the module docs). Inline crypto calls, which
    /// keep the copies themselves, are left to `crypto`.
    pub(super) fn before(&self, i: &ir::Inst, crypto_inline: bool) -> Flush {
        let vector = |s: u64| slot::vector(s).map(|n| n as u8);
        match i.op {
            Op::GetReg => vector(i.imm).map_or(Flush::None, Flush::One),
            Op::SetReg | Op::SetRegFault => vector(i.imm).map_or(Flush::None, Flush::Forget),
            Op::Call if crypto_inline => Flush::None,
            Op::Call | Op::LoadV | Op::StoreV | Op::StoreEx => Flush::ForgetAll,
            // (A load or store that faults stores the dirty copies on its way out: see
            // `Emitter::late_stubs`.)
            op if op.is_side_exit() => Flush::All,
            _ => Flush::None,
        }
    }
}

impl Emitter {
    /// Loads vector register `n` into xmm`x`: from its copy if one is current, else from the
    /// CPU state, keeping a copy when the block has a register for it.
    pub(super) fn load_vreg(&mut self, x: u8, n: u8) {
        if let Some(r) = self.vreg_copy(n) {
            dynasm!(self.a ; .arch x64 ; movdqa Rx(x), Rx(r));
            return;
        }
        self.load_v128(x, so(slot::v_lo(n as u32)));
        if let Some(r) = self.place_vreg(n) {
            dynasm!(self.a ; .arch x64 ; movdqa Rx(r), Rx(x));
        }
    }

    /// Loads vector register `n` into xmm`x` from its copy or the CPU state, as it is, placing
    /// no copy and noting no use: for code on one way of a branch, after which the copies
    /// must be what they are on the other way.
    pub(super) fn load_vreg_as_is(&mut self, x: u8, n: u8) {
        match self.vcache.find(n) {
            Some(r) => dynasm!(self.a ; .arch x64 ; movdqa Rx(x), Rx(r)),
            None => self.load_v128(x, so(slot::v_lo(n as u32))),
        }
    }

    /// The xmm register holding a current copy of vector register `n`, if one does.
    pub(super) fn vreg_copy(&mut self, n: u8) -> Option<u8> {
        let r = self.vcache.find(n)?;
        self.vcache.touch(r);
        Some(r)
    }

    /// Writes xmm`x` as vector register `n`: to a copy (dirty) if the block has a register
    /// for it, else to the CPU state.
    pub(super) fn store_vreg(&mut self, n: u8, x: u8) {
        self.vcache.written(n);
        match self.vreg_copy(n).or_else(|| self.place_vreg(n)) {
            Some(r) => {
                dynasm!(self.a ; .arch x64 ; movdqa Rx(r), Rx(x));
                self.vcache.dirty |= 1 << r;
            }
            None => {
                dynasm!(self.a ; .arch x64 ; movdqu [r15 + so(slot::v_lo(n as u32))], Rx(x));
            }
        }
    }

    /// The xmm register holding vector register `n` to be updated in place (its copy, loaded
    /// first if it has none), marked dirty; `None` if the block has no register for it.
    pub(super) fn vreg_in_place(&mut self, n: u8) -> Option<u8> {
        self.vcache.written(n);
        let r = match self.vreg_copy(n) {
            Some(r) => r,
            None => {
                let r = self.place_vreg(n)?;
                self.load_v128(r, so(slot::v_lo(n as u32)));
                r
            }
        };
        self.vcache.dirty |= 1 << r;
        Some(r)
    }

    /// A register for a new copy of vector register `n` (see `VCache::place`), the dirty copy
    /// it held stored first.
    fn place_vreg(&mut self, n: u8) -> Option<u8> {
        let (r, evicted) = self.vcache.place(n)?;
        if let Some(old) = evicted {
            self.store_copy(old, r);
        }
        Some(r)
    }

    /// Stores xmm`r`, the copy of vector register `n`, to the CPU state.
    pub(super) fn store_copy(&mut self, n: u8, r: u8) {
        dynasm!(self.a ; .arch x64 ; movdqu [r15 + so(slot::v_lo(n as u32))], Rx(r));
    }

    /// Stores xmm`r`'s copy if it is dirty; it stays, clean.
    fn flush_copy(&mut self, r: u8) {
        if self.vcache.dirty >> r & 1 != 0 {
            self.store_copy(self.vcache.held[r as usize] - 1, r);
            self.vcache.dirty &= !(1 << r);
        }
    }

    /// Stores every dirty copy, which stay as clean ones.
    pub(super) fn flush_vregs(&mut self) {
        while self.vcache.dirty != 0 {
            self.flush_copy(self.vcache.dirty.trailing_zeros() as u8);
        }
    }

    /// Stores what the CPU state must hold before `i` is lowered, and forgets the copies `i`
    /// makes stale (see [`VCache::before`]).
    pub(super) fn vcache_before(&mut self, i: &ir::Inst, crypto_inline: bool) {
        let flush = self.vcache.before(i, crypto_inline);
        match flush {
            Flush::None => {}
            Flush::One(n) | Flush::Forget(n) => {
                if let Some(r) = self.vcache.find(n) {
                    self.flush_copy(r);
                }
                if flush == Flush::Forget(n) {
                    self.vcache.forget(n);
                }
            }
            Flush::All => self.flush_vregs(),
            Flush::ForgetAll => {
                self.flush_vregs();
                self.vcache.forget_all();
            }
        }
    }
}
