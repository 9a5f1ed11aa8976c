//! Block-local register allocation: decides where each IR value lives while a block runs.
//!
//! Blocks are straight-line SSA, so one forward pass suffices: a value takes a free host
//! register at its definition and gives it back after its last use. Values that outlive a helper
//! call only take callee-saved registers (helpers clobber the others), except across the calls
//! of inline FP and crypto operations ([`keeps_registers`]), whose slow path saves the
//! caller-saved registers live there ([`Allocation::saves`]). Constants live nowhere:
//! users materialise them or encode them as immediates, except 64-bit ones read more than
//! once, which are values like the others. Everything else keeps its stack slot.

use ir::{Block, Inst, Op, Term, Val};

/// Host register numbers as x86 encodes them.
pub const RAX: u8 = 0;
/// `rcx`.
pub const RCX: u8 = 1;
/// `rdx`.
pub const RDX: u8 = 2;
/// `rsi`.
pub const RSI: u8 = 6;

/// Callee-saved registers the trampoline saves; they survive helper calls.
const CALLEE_SAVED: [u8; 4] = [3, 5, 12, 13];
/// Caller-saved registers no lowering uses as scratch: r8, r9, r10, r11.
const CALLER_SAVED: [u8; 4] = [8, 9, 10, 11];

/// Whether `i` is a helper call that leaves the caller-saved registers as it found them: the
/// call of an operation with an inline fast path (`ir::inline`), which runs its helper only
/// when the fast path cannot decide, and saves and restores the registers [`Allocation::saves`]
/// names around it. FP code is mostly such calls: were they to clobber, every value living
/// across one would compete for the four callee-saved registers.
#[inline]
pub fn keeps_registers(i: &Inst) -> bool {
    i.op == Op::Call && ir::inline::FpInline::decode(i.imm).is_some()
}

/// The caller-saved registers in `mask` (bit `k` is `CALLER_SAVED[k]`), in push order.
pub fn saved_registers(mask: u8) -> impl DoubleEndedIterator<Item = u8> {
    CALLER_SAVED
        .into_iter()
        .enumerate()
        .filter(move |(k, _)| mask >> k & 1 != 0)
        .map(|(_, r)| r)
}

/// What [`allocate`] decided for a block, indexed by value number or instruction index.
pub struct Allocation {
    /// Where each value lives.
    pub locs: Vec<Loc>,
    /// How many instructions read each value (the terminator not counted).
    pub uses: Vec<u32>,
    /// For each [`keeps_registers`] call (by instruction index, in order), the caller-saved
    /// registers (bit `k` for `CALLER_SAVED[k]`) holding values that live past it, which it
    /// must save. (Few blocks have such calls: an empty list costs no allocation.)
    pub saves: Vec<(usize, u8)>,
}

/// Where a value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// In a host register for its whole life.
    Reg(u8),
    /// In its stack slot `[rsp + 8*v]`.
    Slot,
    /// A constant, never stored.
    Const(u64),
}

/// The register value `v` was given, if any.
fn locs_before(locs: &[Loc], v: usize) -> Option<u8> {
    match locs.get(v) {
        Some(Loc::Reg(r)) => Some(*r),
        _ => None,
    }
}

/// `k` as an x86 imm32 (sign-extended to 64 bits), if it is one.
pub fn imm32(k: u64) -> Option<i32> {
    i32::try_from(k as i64).ok()
}

/// Picks a location for every value of `b` but the sums `folds` (see [`crate::addr_fold`])
/// puts into memory operands (see [`Allocation`]).
pub fn allocate(b: &Block, folds: &[Option<(Val, i32)>]) -> Allocation {
    let n = b.num_vals as usize;
    let len = b.insts.len();
    let folded = |v: Val| folds.get(v.0 as usize).copied().flatten();
    // Index of the last instruction reading each value (`len` for the terminator).
    let mut last: Vec<Option<usize>> = vec![None; n];
    let mut uses = vec![0u32; n];
    for (idx, i) in b.insts.iter().enumerate() {
        if i.dst.and_then(folded).is_some() {
            continue;
        }
        for &a in &i.args[..i.op.info().arity] {
            // An address folded into the access is a read of its base there.
            let a = folded(a).map_or(a, |f| f.0);
            if let Some(l) = last.get_mut(a.0 as usize) {
                *l = Some(idx);
                uses[a.0 as usize] += 1;
            }
        }
    }
    if let Term::JumpReg(v) | Term::Branch { cond: v, .. } = b.term
        && let Some(l) = last.get_mut(v.0 as usize)
    {
        *l = Some(len);
    }
    // calls[i] = number of helper calls that clobber registers among insts[..i].
    let mut calls = Vec::with_capacity(len + 1);
    calls.push(0usize);
    for i in &b.insts {
        let clobbers = i.op == Op::Call && !keeps_registers(i);
        let c = calls.last().copied().unwrap_or(0) + usize::from(clobbers);
        calls.push(c);
    }
    let mut locs = vec![Loc::Slot; n];
    let mut saves = Vec::new();
    let mut free: Vec<u8> = CALLEE_SAVED.iter().chain(&CALLER_SAVED).copied().collect();
    // (last use, register, value) of values holding a register.
    let mut active: Vec<(usize, u8, usize)> = Vec::new();
    // No active value's last use comes before this index (so most instructions skip the scan).
    let mut next_end = usize::MAX;
    for (idx, i) in b.insts.iter().enumerate() {
        // Arguments whose last use is here are read before the result is written, so their
        // registers may hold the result.
        if idx >= next_end {
            active.retain(|&(end, r, _)| {
                if end <= idx {
                    free.push(r);
                    false
                } else {
                    true
                }
            });
            next_end = active.iter().map(|a| a.0).min().unwrap_or(usize::MAX);
        }
        // Every active value lives past `idx` now. One that later gives its register up
        // leaves a register saved for nothing, which is harmless.
        if keeps_registers(i) {
            let mask = active
                .iter()
                .filter_map(|a| CALLER_SAVED.iter().position(|&r| r == a.1))
                .fold(0, |m, k| m | 1 << k);
            saves.push((idx, mask));
        }
        let Some(d) = i.dst else { continue };
        let first_reg = if i.op.info().arity > 0 {
            locs_before(&locs, i.args[0].0 as usize)
        } else {
            None
        };
        let Some(loc) = locs.get_mut(d.0 as usize) else {
            continue;
        };
        // A constant is an immediate, or materialised at each use; but one that needs a 64-bit
        // `mov` and is read more than once (SIMD lane masks) is worth a register.
        if i.op == Op::Const && (imm32(i.imm).is_some() || uses[d.0 as usize] < 2) {
            *loc = Loc::Const(i.imm);
            continue;
        }
        let Some(end) = last[d.0 as usize] else {
            continue;
        };
        // A call at `end` reads its arguments before clobbering anything.
        let crosses_call = calls[end] > calls[idx + 1];
        // Prefer the register of the first argument when it dies here: two-address x86 code
        // then computes in place instead of copying the argument first.
        let reuse = first_reg
            .and_then(|r| free.iter().position(|&f| f == r))
            .filter(|&p| !crosses_call || CALLEE_SAVED.contains(&free[p]));
        let pick = if reuse.is_some() {
            reuse
        } else if crosses_call {
            free.iter().position(|r| CALLEE_SAVED.contains(r))
        } else {
            free.iter()
                .position(|r| CALLER_SAVED.contains(r))
                .or_else(|| (!free.is_empty()).then_some(0))
        };
        if let Some(p) = pick {
            let r = free.swap_remove(p);
            *loc = Loc::Reg(r);
            active.push((end, r, d.0 as usize));
            next_end = next_end.min(end);
            continue;
        }
        // No register free: as in linear scan, the value living longest gives its register
        // up (and stays in its stack slot for its whole life, which is possible because no
        // code is emitted until every value has its place) if it outlives this one.
        let victim = active
            .iter()
            .enumerate()
            .filter(|(_, a)| a.0 > end && (!crosses_call || CALLEE_SAVED.contains(&a.1)))
            .max_by_key(|(_, a)| a.0)
            .map(|(k, _)| k);
        if let Some(k) = victim {
            let (_, r, v) = active.swap_remove(k);
            locs[v] = Loc::Slot;
            locs[d.0 as usize] = Loc::Reg(r);
            active.push((end, r, d.0 as usize));
            next_end = next_end.min(end);
        }
    }
    Allocation { locs, uses, saves }
}
