//! Block-local register allocation: decides where each IR value lives while a block runs.
//!
//! Blocks are straight-line SSA, so one forward pass suffices: a value takes a free host
//! register at its definition and gives it back after its last use. Values that outlive a helper
//! call only take callee-saved registers (helpers clobber the others), except across the calls
//! of inline FP and crypto operations ([`keeps_registers`]), whose slow path saves the
//! caller-saved registers live there ([`Allocation::saves`]). Constants live nowhere:
//! users materialise them or encode them as immediates, except 64-bit ones read more than
//! once, which are values like the others. Everything else keeps its stack slot.
//!
//! FP values get xmm registers of their own ([`in_xmm`]): a double an inline FP operation
//! computes, or a register or memory read, that only inline FP operations, register writes
//! and 8-byte stores read. They then go from one operation to the next without crossing to a
//! general register and back (a few cycles of latency each way), and leave the eight general
//! registers to the integer values. Every xmm register is caller-saved: such a value never
//! lives across a helper call that clobbers, and the slow paths save the live ones.

use ir::{Block, Inst, Op, Term, Val};

/// Host register numbers as x86 encodes them.
pub const RAX: u8 = 0;
/// `rcx`.
pub const RCX: u8 = 1;
/// `rdx`.
pub const RDX: u8 = 2;
/// `rsi`.
pub const RSI: u8 = 6;

/// Caller-saved registers no lowering uses as scratch: r8, r9, r10, r11 (consecutive, which
/// the masks of [`Allocation::saves`] rely on).
const CALLER_SAVED: [u8; 4] = [8, 9, 10, 11];
/// The callee-saved registers the trampoline saves, which survive helper calls: rbx, rbp, r12
/// and r13.
const CALLEE_MASK: u16 = 1 << 3 | 1 << 5 | 1 << 12 | 1 << 13;
/// [`CALLER_SAVED`] as a mask of register numbers.
const CALLER_MASK: u16 = 0xf << 8;
/// `rsi` and `rdi`: the scratch registers of helper calls (their arguments) and of the
/// memory-operand lowering (`emit`'s `slow`), which no other lowering touches. A value may
/// live in one only if no such instruction comes while it lives ([`keeps_scratch`]).
const SCRATCH_MASK: u16 = 1 << 6 | 1 << 7;
/// The first of the xmm registers values live in (xmm3..xmm15): the FP lowerings use xmm0..xmm2
/// as scratch. fpbench's n-body step (some twenty doubles live at once) ran 8% faster on an
/// aarch64 guest and 2% on armhf (hyperfine minima) than with values from xmm6 up: fewer
/// doubles were left to general registers, and fewer integer values to the stack.
const XMM_FIRST: u8 = 3;
/// How many xmm registers values live in.
const XMMS: u8 = 13;
/// The xmm registers below this one are the inline crypto operations' (`emit::crypto` uses
/// xmm0..xmm3 as scratch, keeps a SHA-256 state in xmm4 and xmm5 and copies of vector
/// registers from xmm6 up, see `emit::vcache`): a block with such an operation keeps its
/// values from xmm6 up.
const XMM_FIRST_CRYPTO: u8 = 6;
/// Bit of a [`Allocation::saves`] mask for xmm register `XMM_FIRST + k`: `XMM_SAVE << k`
/// (the general registers take the low four bits).
const XMM_SAVE: u32 = 1 << 4;

/// Whether `i` is a helper call that leaves the caller-saved registers as it found them: the
/// call of an operation with an inline fast path (`ir::inline`), which runs its helper only
/// when the fast path cannot decide, and saves and restores the registers [`Allocation::saves`]
/// names around it. FP code is mostly such calls: were they to clobber, every value living
/// across one would compete for the four callee-saved registers.
#[inline]
pub fn keeps_registers(i: &Inst) -> bool {
    i.op == Op::Call && ir::inline::FpInline::decode(i.imm).is_some()
}

/// Whether the lowering of `op` leaves `rsi` and `rdi` alone: every operation `emit` lowers
/// with registers (its own arm in `Emitter::inst` or `inst_void`) but a helper call. The
/// others go through the memory-operand lowering, which may use them as scratch.
pub fn keeps_scratch(op: Op) -> bool {
    // (A table: the allocator asks for every instruction.)
    const TABLE: [bool; Op::ALL.len()] = {
        let mut t = [false; Op::ALL.len()];
        let mut k = 0;
        while k < t.len() {
            t[k] = lowered_without_scratch(Op::ALL[k]);
            k += 1;
        }
        t
    };
    TABLE[op as usize]
}

/// [`keeps_scratch`], worked out.
const fn lowered_without_scratch(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Const
            | GetReg
            | SetReg
            | SetRegFault
            | Add
            | Sub
            | And
            | Or
            | Xor
            | Mul
            | Shl
            | Lshr
            | Ashr
            | Ror
            | UMulH
            | SMulH
            | Not
            | Neg
            | Bswap
            | Clz
            | Cls
            | Rbit
            | UDiv
            | SDiv
            | Zext
            | Sext
            | AddC
            | AddCFlags
            | AddCCarry
            | SubW
            | SubFlags
            | LogicFlags
            | Cond
            | Bytes4
            | Bytes4Mask
            | Pairs8
            | GeMask
            | MaskGe
            | ZeroLanes
            | AddLanes
            | SubLanes
            | EqLanes
            | CondAdd
            | CondLogic
            | CondSub
            | Eq
            | Ult
            | Select
            | Load
            | Store
            | StoreIf
            | LoadV
            | StoreV
            | Mark
            | ExitIf
            | ExitIfNoFlags
            | ExitIfFlags
            | FlagsDeferred
    )
}

/// Whether the emitter stores the pending `setreg.fault` values before `i` (see `emit`): an
/// instruction with effects other than a load, a store, a side exit, a state write or a
/// scalar FP operation's call (whose helper reads only FPCR, FPSR and its arguments, and
/// cannot fault), none of whose faults or ways out the pending values could be left to.
pub fn flushes_late_writes(i: &Inst) -> bool {
    let op = i.op;
    op.info().effects
        && !op.is_side_exit()
        && !matches!(
            op,
            Op::Load | Op::Store | Op::StoreIf | Op::SetReg | Op::SetRegFault | Op::Mark
        )
        && !i.is_fp_env_call()
}

/// The caller-saved general registers in `mask` (bit `k` is `CALLER_SAVED[k]`), in push
/// order.
pub fn saved_registers(mask: u32) -> impl DoubleEndedIterator<Item = u8> {
    CALLER_SAVED
        .into_iter()
        .enumerate()
        .filter(move |(k, _)| mask >> k & 1 != 0)
        .map(|(_, r)| r)
}

/// The xmm registers in `mask` (bit 4 + `k` is xmm`XMM_FIRST + k`), in save order.
pub fn saved_xmms(mask: u32) -> impl DoubleEndedIterator<Item = u8> {
    (0..XMMS)
        .filter(move |k| mask & XMM_SAVE << k != 0)
        .map(|k| XMM_FIRST + k)
}

/// Bytes a call keeping the registers of `mask` (as [`saved_registers`] and [`saved_xmms`]
/// read it) puts below the block's frame before the call: a word each (the low 64 bits of an
/// xmm register are its value), rounded up to an even number (calls need rsp 16-aligned).
pub fn pushed_bytes(mask: u32) -> u8 {
    (mask.count_ones() as u8).next_multiple_of(2) * 8
}

/// What [`allocate`] decided for a block, indexed by value number or instruction index.
pub struct Allocation {
    /// Where each value lives.
    pub locs: Vec<Loc>,
    /// How many instructions read each value (the terminator not counted).
    pub uses: Vec<u32>,
    /// For each [`keeps_registers`] call (by instruction index, in order), the caller-saved
    /// registers (bit `k` for `CALLER_SAVED[k]`, bit 4 + `k` for xmm`XMM_FIRST + k`) holding
    /// values that live past it, which it must save. (Few blocks have such calls: an empty
    /// list costs no allocation.)
    pub saves: Vec<(usize, u32)>,
}

/// Where a value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// In a host register for its whole life.
    Reg(u8),
    /// In the low 64 bits of an xmm register (`XMM_FIRST` and up) for its whole life.
    Xmm(u8),
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

/// Whether `i`'s lowering takes a constant argument below 2^32 as an imm32: the 32-bit
/// additions, subtractions and compares, which read only the low 32 bits of their arguments
/// (see `emit`'s `add_direct`, `add_with_carry`, `sub32` and `cmp`), and `and`, whose 32-bit
/// form zero-extends as a mask with a clear upper half does (see `emit`'s `alu`).
fn takes_u32_immediate(i: &Inst) -> bool {
    use Op::*;
    match i.op {
        AddC | AddCFlags | AddCCarry | SubW | SubFlags => i.imm == 32,
        CondAdd | CondSub => i.imm >> 8 == 32,
        And => true,
        _ => false,
    }
}

/// Whether every reader of the value instruction `def` of `b` defines, the last at index
/// `last`, is one that [`takes_u32_immediate`] (asked only of constants that are no imm32
/// and are read twice).
fn only_u32_immediates(b: &Block, def: usize, last: u32) -> bool {
    let (Some(d), Some(readers)) = (b.insts[def].dst, b.insts.get(def + 1..=last as usize)) else {
        // Read by the terminator (`last` is past the instructions).
        return false;
    };
    let reads = |v: &Val| *v == d;
    readers
        .iter()
        .all(|i| takes_u32_immediate(i) || !i.args[..i.op.info().arity].iter().any(reads))
}

/// `k` as an x86 imm32 (sign-extended to 64 bits), if it is one.
pub fn imm32(k: u64) -> Option<i32> {
    i32::try_from(k as i64).ok()
}

/// Whether the inline FP operation `fi` leaves its result in an xmm register (`emit::fp`'s fast
/// path, and its slow path after it): scalar double arithmetic. (A single result is exact only
/// in the register's low 32 bits: the rest comes from an operand.)
pub fn result_in_xmm(fi: ir::inline::FpInline) -> bool {
    fi.double && fi.arithmetic()
}

/// The sign bit of a double: an `xor` of a value with it (first operand the value, second the
/// constant) is a negation, FNEG and the ones inside FNMUL, VMLS and the like.
pub const SIGN64: u64 = 1 << 63;

/// Whether the host has AVX, which the negation of a double in an xmm register (see
/// [`in_xmm`]) and the inline FP results' one-instruction check use (every host with the FMA3
/// the inline FP operations use has it).
pub fn host_avx() -> bool {
    hostcpu::has(hostcpu::Feature::Avx)
}

/// Which values of `b` may live in xmm registers: defined by double arithmetic that leaves its
/// result in one or by the negation of a double ([`SIGN64`], on an AVX host), or by a read of
/// a state slot or 8 bytes of memory read by an inline FP operation or such a negation; and
/// read only by those, state writes and (as the value stored) 8-byte stores; not the
/// value the terminator tests or jumps to. In a loop a value the back edge moves into a read
/// (`moves`: read, value for the next pass) counts as read by what reads that read, when the
/// read may live in an xmm register: an accumulator then stays in one from pass to pass.
/// The back edge moves carried values between xmm and general registers as their places say
/// (see `emit::self_loop`). Whether one also outlives a helper call that clobbers is for
/// [`allocate`]. So an `xor` with an operand or result in an xmm register is always such a
/// negation.
fn in_xmm(b: &Block, moves: &[(Val, Val)]) -> Vec<bool> {
    let n = b.num_vals as usize;
    let mut ok = vec![false; n];
    // The constants by value, and which instructions are negations.
    let mut konst = vec![None; n];
    let mut negation = vec![false; b.insts.len()];
    // Whether each value wants an xmm register: computed in one, or read by an FP operation.
    // A result computed in an xmm register stays there when only stores read it (a double
    // stored to the state and memory needs no general register: n-body armhf 5% faster); a
    // value read from the state or memory goes to one only for an FP operation.
    let mut fp_read = vec![false; n];
    let avx = host_avx();
    for (k, i) in b.insts.iter().enumerate() {
        if let Some(d) = i.dst.filter(|d| (d.0 as usize) < n) {
            if i.op == Op::Const {
                konst[d.0 as usize] = Some(i.imm);
            }
            negation[k] = avx
                && i.op == Op::Xor
                && konst.get(i.args[1].0 as usize).copied().flatten() == Some(SIGN64);
            let computed = (i.op == Op::Call
                && ir::inline::FpInline::decode(i.imm).is_some_and(result_in_xmm))
                || negation[k];
            fp_read[d.0 as usize] = computed;
            ok[d.0 as usize] = computed || i.op == Op::GetReg || (i.op == Op::Load && i.imm == 8);
        }
    }
    for (idx, i) in b.insts.iter().enumerate() {
        let fp = keeps_registers(i);
        for (k, a) in i.args[..i.op.info().arity].iter().enumerate() {
            let a = a.0 as usize;
            if a < n {
                let reads = fp || (negation[idx] && k == 0);
                ok[a] &= reads
                    || matches!(i.op, Op::SetReg | Op::SetRegFault)
                    || (i.op == Op::Store && i.imm == 8 && k == 1);
                fp_read[a] |= reads;
            }
        }
    }
    for &(read, left) in moves {
        let (r, l) = (read.0 as usize, left.0 as usize);
        if r < n && l < n && ok[r] && fp_read[r] {
            fp_read[l] = true;
        }
    }
    for (o, r) in ok.iter_mut().zip(&fp_read) {
        *o &= r;
    }
    if let Term::JumpReg(v) | Term::Branch { cond: v, .. } = b.term
        && let Some(o) = ok.get_mut(v.0 as usize)
    {
        *o = false;
    }
    ok
}

/// Picks a location for every value of `b` but the sums `folds` (see [`crate::addr_fold`])
/// puts into memory operands (see [`Allocation`]). The terminator reads `carried` too (the
/// values a block that loops to itself carries around: see `emit::self_loop`), `moves` the
/// back edge's (read, value for the next pass) pairs among them. Each
/// `(instruction, exit)` of `exit_defs` is part of a flags word side exit `exit` computes on
/// its way out (see `emit::sink::exit_flags`), which the way on skips: its operands are read
/// again at the exit, and its value keeps its stack slot, leaving the registers to the way on.
/// Each `(value, index)` of `held` lives up to that instruction at least: a held register's
/// read, its slot's pending write up to the loop's first write of it (see `emit::self_loop`).
pub fn allocate(
    b: &Block,
    folds: &[Option<(Val, i32)>],
    carried: &[Val],
    moves: &[(Val, Val)],
    exit_defs: &[(usize, usize)],
    held: &[(Val, usize)],
) -> Allocation {
    const NONE: u32 = u32::MAX;
    let n = b.num_vals as usize;
    let len = b.insts.len();
    let folded = |v: Val| folds.get(v.0 as usize).copied().flatten();
    // Index of the last instruction reading each value (`len` for the terminator).
    let mut last = vec![NONE; n];
    let mut uses = vec![0u32; n];
    // (Only full translations have `setreg.fault`: the scan below is for them alone.)
    let mut late = false;
    for (idx, i) in b.insts.iter().enumerate() {
        late |= i.op == Op::SetRegFault;
        if i.dst.and_then(folded).is_some() {
            continue;
        }
        for &a in &i.args[..i.op.info().arity] {
            // An address folded into the access is a read of its base there.
            let a = folded(a).map_or(a, |f| f.0).0 as usize;
            if a < n {
                last[a] = idx as u32;
                uses[a] += 1;
            }
        }
    }
    if let Term::JumpReg(v) | Term::Branch { cond: v, .. } = b.term
        && (v.0 as usize) < n
    {
        last[v.0 as usize] = len as u32;
    }
    for v in carried {
        if let Some(l) = last.get_mut(v.0 as usize) {
            *l = len as u32;
        }
    }
    for &(v, end) in held {
        if let Some(l) = last.get_mut(v.0 as usize).filter(|l| **l != NONE) {
            *l = (*l).max(end as u32);
        }
    }
    // A `setreg.fault` value is stored if one of the accesses after it faults or a side exit
    // leaves, until its slot's next write or the point the emitter stores it anyway
    // ([`flushes_late_writes`]).
    for (idx, i) in b.insts.iter().enumerate().filter(|_| late) {
        if i.op != Op::SetRegFault {
            continue;
        }
        let end = b.insts[idx + 1..]
            .iter()
            .position(|j| {
                flushes_late_writes(j)
                    || matches!(j.op, Op::SetReg | Op::SetRegFault) && j.imm == i.imm
            })
            .map_or(len, |k| idx + 1 + k);
        if let Some(l) = last.get_mut(i.args[0].0 as usize) {
            *l = (*l).max(end as u32);
        }
    }
    for &(d, exit) in exit_defs {
        let i = &b.insts[d];
        for a in &i.args[..i.op.info().arity] {
            if let Some(l) = last.get_mut(a.0 as usize) {
                *l = (*l).max(exit as u32);
            }
        }
    }
    for &(d, _) in exit_defs {
        if let Some(l) = b.insts[d].dst.and_then(|v| last.get_mut(v.0 as usize)) {
            *l = NONE;
        }
    }
    // counts[i]: the helper calls that clobber registers and the instructions that may use
    // rsi and rdi ([`keeps_scratch`]) among insts[..i]; a flags word's instruction computed
    // at its exit counts there.
    let mut counts = Vec::with_capacity(len + 1);
    let mut c = Count::default();
    counts.push(c);
    // Whether the block has inline FP operations: only then may values live in xmm registers;
    // and whether it has crypto ones (see `XMM_FIRST_CRYPTO`).
    let (mut fp, mut crypto) = (false, false);
    for (idx, i) in b.insts.iter().enumerate() {
        if i.op == Op::Call {
            let keeps = keeps_registers(i);
            c.calls += u32::from(!keeps);
            fp |= keeps;
            crypto |=
                keeps && ir::inline::FpInline::decode(i.imm).is_some_and(|fi| fi.op.is_crypto());
        }
        let scratch = if exit_defs.is_empty() {
            !keeps_scratch(i.op)
        } else {
            (!keeps_scratch(i.op) && !exit_defs.iter().any(|x| x.0 == idx))
                || exit_defs
                    .iter()
                    .any(|x| x.1 == idx && !keeps_scratch(b.insts[x.0].op))
        };
        c.scratch += u32::from(scratch);
        counts.push(c);
    }
    // Two versions of the scan: most blocks have no FP and skip the xmm registers' bookkeeping.
    let (locs, saves) = if fp {
        let xmm = in_xmm(b, moves);
        let first = if crypto { XMM_FIRST_CRYPTO } else { XMM_FIRST };
        assign::<true>(b, &last, &uses, &counts, &xmm, first)
    } else {
        assign::<false>(b, &last, &uses, &counts, &[], XMM_FIRST)
    };
    Allocation { locs, uses, saves }
}

/// Running counts of [`allocate`]'s instructions (see `counts` there).
#[derive(Clone, Copy, Default)]
struct Count {
    /// Helper calls that clobber the caller-saved registers.
    calls: u32,
    /// Instructions that may use `rsi` and `rdi` (see [`keeps_scratch`]).
    scratch: u32,
}

/// The scan of [`allocate`]: a place for each value, given each one's last use and number of
/// uses, the counts of instructions that clobber registers and (with `FP`) which values may
/// live in xmm registers, from xmm`first_xmm` up; and the registers each [`keeps_registers`]
/// call saves.
fn assign<const FP: bool>(
    b: &Block,
    last: &[u32],
    uses: &[u32],
    counts: &[Count],
    xmm: &[bool],
    first_xmm: u8,
) -> (Vec<Loc>, Vec<(usize, u32)>) {
    const NONE: u32 = u32::MAX;
    let n = b.num_vals as usize;
    let mut locs = vec![Loc::Slot; n];
    let mut saves = Vec::new();
    // The free registers as a mask of register numbers.
    let mut free = CALLEE_MASK | CALLER_MASK | SCRATCH_MASK;
    // (last use, register, value) of the values holding a register: at most one a register.
    let mut active =
        [(0u32, 0u8, 0u32); (CALLEE_MASK | CALLER_MASK | SCRATCH_MASK).count_ones() as usize];
    let mut live = 0;
    // The same for the xmm registers (bit `k` of `free_xmm` for xmm`XMM_FIRST + k`).
    let mut free_xmm: u16 = ((1 << XMMS) - 1) & !((1 << (first_xmm - XMM_FIRST)) - 1);
    let mut active_xmm = [(0u32, 0u8); XMMS as usize];
    let mut live_xmm = 0;
    // No active value's last use comes before this index (so most instructions skip the scan).
    let mut next_end = NONE;
    for (idx, i) in b.insts.iter().enumerate() {
        let at = idx as u32;
        // The xmm registers of the arguments read last here.
        let mut freed_xmm: u16 = 0;
        // Arguments whose last use is here are read before the result is written, so their
        // registers may hold the result.
        if at >= next_end {
            next_end = NONE;
            let mut k = 0;
            while k < live {
                let (end, r, _) = active[k];
                if end <= at {
                    free |= 1 << r;
                    live -= 1;
                    active[k] = active[live];
                } else {
                    next_end = next_end.min(end);
                    k += 1;
                }
            }
            let mut k = 0;
            while FP && k < live_xmm {
                let (end, r) = active_xmm[k];
                if end <= at {
                    free_xmm |= 1 << (r - XMM_FIRST);
                    freed_xmm |= 1 << (r - XMM_FIRST);
                    live_xmm -= 1;
                    active_xmm[k] = active_xmm[live_xmm];
                } else {
                    next_end = next_end.min(end);
                    k += 1;
                }
            }
        }
        // Every active value lives past `idx` now. One that later gives its register up
        // leaves a register saved for nothing, which is harmless.
        if keeps_registers(i) {
            let mask = active[..live]
                .iter()
                .filter(|a| CALLER_MASK >> a.1 & 1 != 0)
                .fold(0, |m, a| m | 1 << (a.1 - CALLER_SAVED[0]));
            let mask = if FP {
                active_xmm[..live_xmm]
                    .iter()
                    .fold(mask, |m, a| m | XMM_SAVE << (a.1 - XMM_FIRST))
            } else {
                mask
            };
            saves.push((idx, mask));
        }
        let Some(d) = i.dst else { continue };
        let dv = d.0 as usize;
        if dv >= n {
            continue;
        }
        // A constant is an immediate, or materialised at each use; but one that needs a 64-bit
        // `mov` and is read more than once (SIMD lane masks) is worth a register. A 32-bit
        // constant only 32-bit arithmetic reads is an immediate to all of them (`sub sp, sp,
        // #16` and the next push on a 32-bit guest: `lea -16(r), r'`, not a `movabs` of
        // 0xfffffff0 first).
        if i.op == Op::Const
            && (imm32(i.imm).is_some()
                || uses[dv] < 2
                || i.imm >> 32 == 0 && only_u32_immediates(b, idx, last[dv]))
        {
            locs[dv] = Loc::Const(i.imm);
            continue;
        }
        let end = last[dv];
        if end == NONE {
            continue;
        }
        // A call at `end` reads its arguments before clobbering anything.
        let crosses_call = counts[end as usize].calls > counts[idx + 1].calls;
        if FP && xmm.get(dv) == Some(&true) && !crosses_call && free_xmm != 0 {
            // Another register than an argument's, if one is free: the inline FP operations
            // then compute into the result's own register, their arguments intact for the
            // slow path (see `emit::fp::vex_arithmetic`), instead of into xmm0 and copying.
            let pool = match free_xmm & !freed_xmm {
                0 => free_xmm,
                other => other,
            };
            let k = pool.trailing_zeros();
            let r = XMM_FIRST + k as u8;
            free_xmm &= !(1 << k);
            locs[dv] = Loc::Xmm(r);
            active_xmm[live_xmm] = (end, r);
            live_xmm += 1;
            next_end = next_end.min(end);
            continue;
        }
        let usable = if crosses_call { CALLEE_MASK } else { u16::MAX };
        // (The instruction at `end` counts: a call reads its arguments through rsi.)
        let through = (end as usize + 1).min(b.insts.len());
        let usable = if counts[through].scratch > counts[idx + 1].scratch {
            usable & !SCRATCH_MASK
        } else {
            usable
        };
        // Prefer the register of the first argument when it dies here: two-address x86 code
        // then computes in place instead of copying the argument first; else a caller-saved
        // one or a scratch one, so callee-saved ones stay for values crossing calls.
        let first_reg = if i.op.info().arity > 0 {
            locs_before(&locs, i.args[0].0 as usize)
        } else {
            None
        };
        let reuse = first_reg.filter(|&r| free & usable >> r & 1 != 0);
        let lowest = |m: u16| (m != 0).then(|| m.trailing_zeros() as u8);
        let pick = reuse
            .or_else(|| lowest(free & usable & CALLER_MASK))
            .or_else(|| lowest(free & usable & SCRATCH_MASK))
            .or_else(|| lowest(free & usable));
        if let Some(r) = pick {
            free &= !(1 << r);
            locs[dv] = Loc::Reg(r);
            active[live] = (end, r, d.0);
            live += 1;
            next_end = next_end.min(end);
            continue;
        }
        // No register free: as in linear scan, the value living longest gives its register
        // up (and stays in its stack slot for its whole life, which is possible because no
        // code is emitted until every value has its place) if it outlives this one.
        let victim = active[..live]
            .iter()
            .enumerate()
            .filter(|(_, a)| a.0 > end && usable >> a.1 & 1 != 0)
            .max_by_key(|(_, a)| a.0)
            .map(|(k, _)| k);
        if let Some(k) = victim {
            let (_, r, v) = active[k];
            locs[v as usize] = Loc::Slot;
            locs[dv] = Loc::Reg(r);
            active[k] = (end, r, d.0);
            next_end = next_end.min(end);
        }
    }
    (locs, saves)
}

/// For each value, the state slot that serves as its stack slot, if any: a read of a general
/// or vector register's slot ([`Loc::Slot`], not in `excluded`) whose slot nothing after the
/// read may write while the block runs. Its `getreg` then costs no code, and its readers read
/// the state, as they would have read the stack: a spill costs no store. Anything after the
/// read that may write the state but a `setreg` of another slot rules it out: a write of the
/// slot (a `setreg.fault` too: stored later), a helper call but a scalar FP operation's
/// (which writes FPSR alone), a vector load (which writes vector registers in the state), a
/// deferred flags write. The reads a one-block loop's back edge moves new values into
/// (`excluded`) have slots the block writes anyway; a loop-invariant read keeps its home
/// from pass to pass, the block never writing its slot.
pub fn homes(b: &Block, locs: &[Loc], excluded: &[Val]) -> Vec<Option<u32>> {
    let mut homes = vec![None; locs.len()];
    // Bit s: slot s may be written from here to the end of the block (backwards).
    let mut written = [0u64; 4];
    let mut everything = false;
    for i in b.insts.iter().rev() {
        match i.op {
            Op::SetReg | Op::SetRegFault => {
                let s = (i.imm as usize).min(255);
                written[s / 64] |= 1 << (s % 64);
            }
            Op::GetReg => {
                let s = i.imm as u32;
                let homeable = s <= cpu::slot::x(31) || cpu::slot::vector(i.imm).is_some();
                let clear = !everything && written[s as usize / 64] >> (s % 64) & 1 == 0;
                if let Some(d) = i.dst
                    && homeable
                    && clear
                    && locs.get(d.0 as usize) == Some(&Loc::Slot)
                    && !excluded.contains(&d)
                {
                    homes[d.0 as usize] = Some(s);
                }
            }
            // What may write the state is what a pending late write is stored before.
            _ => everything |= flushes_late_writes(i),
        }
    }
    homes
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::Builder;

    /// A block reading `n` guest registers, then `between` (if any), then writing their sum
    /// back: the `n` values all live until the sums, and across `between`.
    fn many_live(n: u32, between: Option<Op>) -> Block {
        let mut b = Builder::verbatim(0x1000);
        let vals: Vec<Val> = (0..n).map(|k| b.get(cpu::slot::x(k))).collect();
        if let Some(op) = between {
            b.emit(op, &[], 0);
        }
        let mut sum = vals[0];
        for &v in &vals[1..] {
            sum = b.add(sum, v);
        }
        b.set(cpu::slot::x(0), sum);
        b.end_insn(0x1004);
        b.finish(Term::Jump(0x2000))
    }

    fn regs(block: &Block, n: usize) -> Vec<Option<u8>> {
        let a = allocate(block, &[], &[], &[], &[], &[]);
        (0..n)
            .map(|v| match a.locs[v] {
                Loc::Reg(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// The helper of the tests' inline FP operations (their slow path, never run here).
    static NOP: ir::Helper = ir::Helper {
        name: "nop",
        func: nop,
    };

    unsafe extern "C" fn nop(_: *mut u8, _: u64, _: u64, _: u64) -> u64 {
        0
    }

    /// A scalar double inline FP operation `op`.
    fn double(op: ir::inline::FpOp) -> ir::inline::FpInline {
        ir::inline::FpInline {
            op,
            double: true,
            vector: None,
        }
    }

    /// Reads of registers spilled for want of host registers live in the state, where their
    /// slots stay as read: not one whose slot the block writes (x0, the sum's), nor one read
    /// before anything that may write the state (a fence's memory-operand lowering counts),
    /// nor an excluded one.
    #[test]
    fn spilled_reads_of_slots_nothing_writes_live_in_the_state() {
        let block = many_live(14, None);
        let a = allocate(&block, &[], &[], &[], &[], &[]);
        let spilled: Vec<usize> = (0..14).filter(|&v| a.locs[v] == Loc::Slot).collect();
        assert!(spilled.len() >= 4, "{:?}", a.locs);
        let h = homes(&block, &a.locs, &[]);
        for (v, home) in h.iter().enumerate().take(14) {
            let want = (spilled.contains(&v) && v != 0).then_some(cpu::slot::x(v as u32));
            assert_eq!(*home, want, "v{v}: {:?}", a.locs[v]);
        }
        let some = Val(spilled[spilled.len() - 1] as u32);
        let h = homes(&block, &a.locs, &[some]);
        assert_eq!(h[some.0 as usize], None);
        let block = many_live(14, Some(Op::Fence));
        let a = allocate(&block, &[], &[], &[], &[], &[]);
        assert!(homes(&block, &a.locs, &[]).iter().all(Option::is_none));
    }

    #[test]
    fn ten_live_values_all_get_registers() {
        let r = regs(&many_live(10, None), 10);
        assert!(r.iter().all(Option::is_some), "{r:?}");
        assert!(r.contains(&Some(6)) && r.contains(&Some(7)), "{r:?}");
    }

    #[test]
    fn values_living_across_the_memory_operand_lowering_stay_out_of_rsi_and_rdi() {
        assert!(!keeps_scratch(Op::Fence));
        let r = regs(&many_live(10, Some(Op::Fence)), 10);
        assert!(!r.contains(&Some(6)) && !r.contains(&Some(7)), "{r:?}");
        assert_eq!(r.iter().filter(|r| r.is_some()).count(), 8, "{r:?}");
    }

    /// An FP result kept in an xmm register gets another one than an argument read last
    /// there while one is free (the inline operation computes into it, its arguments intact
    /// for the slow path), and the argument's when none is.
    #[test]
    fn an_fp_result_avoids_its_arguments_registers_while_another_is_free() {
        let mul = double(ir::inline::FpOp::Mul);
        // `live` more values read before and after the product of the first two, which the
        // sum of the product with itself reads next.
        let block = |live: u32| {
            let mut b = Builder::verbatim(0x1000);
            let vals: Vec<Val> = (0..live + 2).map(|k| b.get(cpu::slot::v_lo(k))).collect();
            let p = b.call_fp(&NOP, mul, vals[0], vals[1], vals[1]);
            let s = b.call_fp(&NOP, mul, p, p, p);
            b.set(cpu::slot::v_lo(0), s);
            for &v in &vals[2..] {
                let t = b.call_fp(&NOP, mul, v, v, v);
                b.set(cpu::slot::v_lo(1), t);
            }
            b.end_insn(0x1004);
            let blk = b.finish(Term::Jump(0x2000));
            let loc = |v: Val| allocate(&blk, &[], &[], &[], &[], &[]).locs[v.0 as usize];
            (loc(vals[0]), loc(vals[1]), loc(p))
        };
        let (x, y, p) = block(2);
        assert!(
            matches!(p, Loc::Xmm(_)) && p != x && p != y,
            "{x:?} {y:?} {p:?}"
        );
        // Eight values live on: the two arguments' registers are all that is free.
        let (x, y, p) = block(XMMS as u32 - 2);
        assert!(p == x || p == y, "{x:?} {y:?} {p:?}");
    }

    /// Thirteen doubles live at once all get xmm registers (xmm3 up), and their saves at a
    /// call reach past bit 15 of the mask; in a block with an inline crypto operation, whose
    /// lowering uses xmm3 and xmm4 as scratch, they keep from xmm6 up (the rest going to
    /// general registers).
    #[test]
    fn doubles_live_from_xmm3_up_but_beside_crypto_operations() {
        let mul = double(ir::inline::FpOp::Mul);
        let block = |crypto: bool| {
            let mut b = Builder::verbatim(0x1000);
            let vals: Vec<Val> = (0..XMMS as u32)
                .map(|k| b.get(cpu::slot::v_lo(k)))
                .collect();
            let prods: Vec<Val> = vals
                .iter()
                .map(|&v| b.call_fp(&NOP, mul, v, v, v))
                .collect();
            if crypto {
                let aese = ir::inline::FpInline {
                    op: ir::inline::FpOp::Aese,
                    double: false,
                    vector: Some(ir::inline::VecRegs {
                        q: true,
                        d: 0,
                        n: 1,
                        m: 0,
                    }),
                };
                let k = b.konst(0);
                b.call_fp(&NOP, aese, k, k, k);
            }
            // A last product while all the others still live: its call saves them.
            let last = b.call_fp(&NOP, mul, prods[0], prods[1], prods[2]);
            b.set(cpu::slot::v_lo(31), last);
            for (k, &p) in prods.iter().enumerate() {
                b.set(cpu::slot::v_lo(k as u32), p);
            }
            b.end_insn(0x1004);
            let blk = b.finish(Term::Jump(0x2000));
            let a = allocate(&blk, &[], &[], &[], &[], &[]);
            let locs: Vec<Loc> = prods.iter().map(|p| a.locs[p.0 as usize]).collect();
            (locs, a.saves.last().map(|s| s.1))
        };
        let (locs, save) = block(false);
        let mut xmms: Vec<u8> = locs
            .iter()
            .filter_map(|l| match l {
                Loc::Xmm(r) => Some(*r),
                _ => None,
            })
            .collect();
        xmms.sort();
        assert_eq!(xmms, (3..16).collect::<Vec<u8>>(), "{locs:?}");
        let saved: Vec<u8> = saved_xmms(save.expect("the last product's call")).collect();
        assert_eq!(saved, (3..16).collect::<Vec<u8>>());
        let (locs, _) = block(true);
        assert!(
            locs.iter()
                .all(|l| !matches!(l, Loc::Xmm(r) if *r < XMM_FIRST_CRYPTO)),
            "{locs:?}"
        );
        assert!(locs.iter().any(|l| matches!(l, Loc::Xmm(_))), "{locs:?}");
    }

    /// A 32-bit constant that is no imm32, read twice: an immediate where only 32-bit
    /// additions, compares and masks read it (`sub r0, r0, #16; sub sp, sp, #16` on a 32-bit
    /// guest), a register once a 64-bit operation reads it too.
    #[test]
    fn a_constant_only_32_bit_arithmetic_reads_is_an_immediate() {
        let block = |wide_reader: Option<Op>| {
            let mut b = Builder::verbatim(0x1000);
            let (x, y) = (b.get(cpu::slot::x(0)), b.get(cpu::slot::x(1)));
            let k = b.konst(0xffff_fff0);
            let zero = b.konst(0);
            let s = b.emit(Op::AddC, &[x, k, zero], 32);
            b.set(cpu::slot::x(0), s);
            let c = b.emit(Op::CondSub, &[y, k], 32 << 8 | 1);
            b.set(cpu::slot::x(2), c);
            let m = b.and(y, k);
            b.set(cpu::slot::x(4), m);
            if let Some(op) = wide_reader {
                let w = b.binw(op, y, k, 64);
                b.set(cpu::slot::x(3), w);
            }
            let t = b.emit(Op::AddC, &[y, k, zero], 32);
            b.end_insn(0x1004);
            let blk = b.finish(Term::JumpReg(t));
            allocate(&blk, &[], &[], &[], &[], &[]).locs[k.0 as usize]
        };
        assert_eq!(block(None), Loc::Const(0xffff_fff0));
        assert!(matches!(block(Some(Op::Lshr)), Loc::Reg(_)));
    }

    /// In a loop, the sum only a register write and the back edge read (an accumulator) stays
    /// in the xmm register it is computed in, and so does a double loaded from memory and only
    /// written to a register, when the back edge moves it into a read an FP operation takes
    /// (and not otherwise: a load to a register write needs no xmm register).
    #[test]
    fn a_loops_fp_values_live_in_xmm_registers() {
        let add = double(ir::inline::FpOp::Add);
        let mut b = Builder::verbatim(0x1000);
        let acc = b.get(cpu::slot::v_lo(0));
        let x = b.get(cpu::slot::v_lo(1));
        let p = b.get(cpu::slot::x(0));
        let s = b.call_fp(&NOP, add, acc, x, x);
        b.set(cpu::slot::v_lo(0), s);
        let m = b.load(p, 8);
        b.set(cpu::slot::v_lo(1), m);
        b.end_insn(0x1004);
        let blk = b.finish(Term::Jump(0x1000));
        let xmm = |locs: &[Loc], v: Val| matches!(locs[v.0 as usize], Loc::Xmm(_));
        let carried = allocate(&blk, &[], &[s, m], &[(acc, s), (x, m)], &[], &[]).locs;
        assert!(
            xmm(&carried, s) && xmm(&carried, acc) && xmm(&carried, m),
            "{carried:?}"
        );
        let unpaired = allocate(&blk, &[], &[s, m], &[], &[], &[]).locs;
        assert!(xmm(&unpaired, s) && !xmm(&unpaired, m), "{unpaired:?}");
    }
}
