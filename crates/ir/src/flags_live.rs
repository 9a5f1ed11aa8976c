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
//! path, code on another page than the block's own) counts as a read for that.
//!
//! Where the flags are one compare's and no path is known to read them, only not known to
//! overwrite them (a block ending in an indirect branch, whose successors are not known at
//! all, or one whose ways lead where the look-ahead stops), the store becomes a
//! `flags.deferred` of the compare's operands (see [`crate::deferred`]): the flags are worked
//! out only if something reads them. Not where a partial write (which reads the old flags to
//! put some back) comes first on some path: it would work them out every time.
//!
//! The translation now depends on code after the block, so rewriting that code must drop the
//! block as well: the look-ahead stays on the pages the block itself occupies, which every
//! page-granular invalidation covers.

use crate::{Block, Op, Term, Val};
use std::cell::RefCell;

/// Instructions examined per block at most (over all paths).
const BUDGET: u32 = 48;
/// Conditional branches followed at most along one path.
const DEPTH: u32 = 3;
/// Invalidation granule the look-ahead stays within.
const PAGE: u64 = 4096;

/// Lifts the block at dispatcher key `key` with `lift(key, max_insns)`, then drops its last
/// store of state slot `flags` as [`drop_dead_store`] does, looking ahead with the same lifter
/// one instruction at a time (a lift that yields no guest instruction counts as unreadable).
/// `code(key)` gives the bytes of the instruction at `key`: the effect of a lift that took in
/// that one instruction is remembered by them (see [`Memo`]) under `lifter`, which tells apart
/// the lifters that may share a thread (A64 and A32 keys can be equal). A lift that took in
/// more (a Thumb IT instruction and its block) also depends on bytes `code` does not cover, so
/// it is not remembered.
pub fn lift_dropping_dead_store(
    key: u64,
    max_insns: u32,
    flags: u32,
    lift: &dyn Fn(u64, u32) -> Block,
    code: &dyn Fn(u64) -> Option<u64>,
    lifter: Lifter,
) -> Block {
    let mut block = lift(key, max_insns);
    let slot = flags as u64;
    let effect = |k: u64| {
        let bytes = code(k).map(|c| (c, lifter as u64 | (slot << 8)));
        if let Some(e) = bytes.and_then(|(c, l)| MEMO.with(|m| m.get(k, c, l))) {
            return Some(e);
        }
        let b = lift(k, 1);
        let e = (b.guest_insns > 0).then(|| Effect::of(&b, slot))?;
        if let Some((c, l)) = bytes.filter(|_| b.guest_insns == 1) {
            MEMO.with(|m| m.put(k, c, l, e));
        }
        Some(e)
    };
    drop_dead_store(&mut block, flags, &effect);
    block
}

/// Which frontend's lifter a look-ahead uses (part of the [`Memo`] key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifter {
    /// AArch64.
    A64,
    /// AArch32 (A32 and Thumb keys).
    A32,
}

thread_local! {
    /// This thread's look-ahead memo.
    static MEMO: Memo = Memo::default();
}

/// Effects of instructions the look-ahead has examined, by dispatcher key and instruction
/// bytes: most instructions are looked at from several blocks (the one before them and every
/// branch to them), and lifting one costs far more than looking it up. A changed instruction
/// has other bytes, so it is examined afresh. Direct-mapped (a colliding entry replaces the
/// older one), so a lookup is one multiply and one compare; it starts small, so a short
/// program does not pay for clearing a large table, and doubles (re-placing its entries) as
/// it fills, up to [`MEMO_MAX`] entries. One per thread.
#[derive(Default)]
struct Memo(RefCell<MemoTable>);

/// A [`Memo`]'s slots (a power of two of them, or none before the first entry) and the number
/// of entries stored since it last grew.
#[derive(Default)]
struct MemoTable {
    slots: Vec<Option<MemoEntry>>,
    stored: usize,
}

/// A [`Memo`] entry: key, instruction bytes, lifter and slot tag, and the effect.
type MemoEntry = (u64, u64, u64, Effect);

/// Slots of a new [`Memo`] table.
const MEMO_MIN: usize = 1 << 10;
/// Slots a [`Memo`] table grows to at most.
const MEMO_MAX: usize = 1 << 15;

impl MemoTable {
    fn index(&self, key: u64, code: u64) -> usize {
        let h = (key ^ code.rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // The product's top bits mix every bit of the key.
        (h >> (64 - self.slots.len().trailing_zeros())) as usize
    }

    fn place(&mut self, e: MemoEntry) {
        let at = self.index(e.0, e.1);
        self.slots[at] = Some(e);
    }
}

impl Memo {
    /// The effect remembered for `key` holding `code`, looked at by lifter and slot `tag`.
    fn get(&self, key: u64, code: u64, tag: u64) -> Option<Effect> {
        let m = self.0.borrow();
        if m.slots.is_empty() {
            return None;
        }
        match m.slots[m.index(key, code)] {
            Some((k, c, t, e)) if (k, c, t) == (key, code, tag) => Some(e),
            _ => None,
        }
    }

    fn put(&self, key: u64, code: u64, tag: u64, e: Effect) {
        let mut m = self.0.borrow_mut();
        let len = m.slots.len();
        if len == 0 || (m.stored >= len / 2 && len < MEMO_MAX) {
            let old = std::mem::replace(&mut m.slots, vec![None; (len * 2).max(MEMO_MIN)]);
            m.stored = 0;
            for entry in old.into_iter().flatten() {
                m.place(entry);
            }
        }
        m.stored += 1;
        m.place((key, code, tag, e));
    }
}

/// Removes `block`'s last store of state slot `flags` if nothing after it in the block and no
/// successor can read it, and each store before it that nothing in between reads. First, each
/// side exit (`exit.if`) whose block overwrites the slot before reading it becomes an
/// `exit.if.nf`, which the flags need not be stored for (see `passes::remove_dead_setreg`).
/// `effect(key)` is the [`Effect`] of the single guest instruction a dispatcher key names
/// (more than one only where the frontend cannot stop after one, such as inside a Thumb IT
/// block), or `None` where nothing can be fetched.
pub fn drop_dead_store(block: &mut Block, flags: u32, effect: &dyn Fn(u64) -> Option<Effect>) {
    let slot = flags as u64;
    let (lo, hi) = block.hull();
    let pages = (lo / PAGE, hi.saturating_sub(1).max(lo) / PAGE);
    // The side exits' targets where the look-ahead stopped before anything read the flags
    // or wrote some of them.
    let mut unknown = Vec::new();
    for i in block.insts.iter_mut().filter(|i| i.op == Op::ExitIf) {
        let mut walk = Walk {
            effect,
            budget: BUDGET,
            pages,
            merges: false,
        };
        match walk.overwritten(i.imm, 0, u64::MAX) {
            Seen::Overwritten => i.op = Op::ExitIfNoFlags,
            Seen::Unknown if !walk.merges => unknown.push(i.imm),
            _ => {}
        }
    }
    if matches!(block.term, Term::Exit { .. })
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
    // A side exit's block may read the flags: one after the last store keeps it, unless it
    // takes the flags along (`exit.if.flags`, which leaves none behind on the way on).
    let nzcv = slot == cpu::slot::NZCV as u64;
    let relevant = |i: &crate::Inst| touches(i, slot);
    let Some(last) = block.insts.iter().rposition(relevant) else {
        return;
    };
    // The store whose flags the exit at `at` would take along, if it is one that can.
    let taken_store = |b: &Block, at: usize| {
        (nzcv && b.insts[at].op == Op::ExitIf)
            .then(|| crate::passes::flags_store_before_exit(b, at))
            .flatten()
    };
    // A side exit after the last store may read the flags and takes none along: the store
    // stays, or is left for later ([`last_store_to_defer`]).
    let exit_reads = block.insts[last].op != Op::SetReg && taken_store(block, last).is_none();
    // (Nothing below changes the block before the store is left for later.)
    let deferrable = nzcv.then(|| last_store_to_defer(block, &unknown)).flatten();
    if exit_reads && deferrable.is_none() {
        return;
    }
    let succs: Vec<u64> = match block.term {
        Term::Jump(t) => vec![t],
        Term::Branch {
            taken, fallthrough, ..
        } => vec![taken, fallthrough],
        // Where an indirect branch goes is not known here, and almost always overwrites the
        // flags first: its compare's flags are left for later (see `deferred`).
        Term::JumpReg(_) => {
            if let Some(store) = deferrable {
                defer_store(block, store);
            }
            return;
        }
        Term::Exit { .. } => return,
    };
    let mut walk = Walk {
        effect,
        budget: BUDGET,
        pages,
        merges: false,
    };
    let seen: Vec<Seen> = succs
        .iter()
        .map(|&t| walk.overwritten(t, 0, u64::MAX))
        .collect();
    let over: Vec<bool> = seen.iter().map(|&s| s == Seen::Overwritten).collect();
    if over.iter().any(|&o| !o) {
        // Where no way is known to read them, the flags are left for later (see `deferred`):
        // three stores, where a read settles them. Not where a partial write (a Thumb MOVS)
        // would settle them, nor in a loop of one block, whose way out alone stores them
        // (see the JIT's `self_loop`).
        if !seen.contains(&Seen::Read)
            && !walk.merges
            && !succs.contains(&block.key)
            && let Some(store) = deferrable
            && defer_store(block, store)
        {
            return;
        }
        if exit_reads || !(nzcv && split_branch(block, &over)) {
            return;
        }
    }
    if exit_reads {
        // The ways on overwrite the flags; the exit's block settles them if it reads them
        // (not in a loop of one block, whose way out alone stores them, as above).
        if !walk.merges
            && !succs.contains(&block.key)
            && let Some(store) = deferrable
        {
            defer_store(block, store);
        }
        return;
    }
    // The store before it (the compare ahead of an SBCS, say) is then the last one, and as
    // dead when nothing in between reads the slot: the reads in the block were forwarded. A
    // side exit just after its compare takes that compare's flags along (see
    // `passes::flags_into_exits`), and the stores before it are then the last ones. (A split
    // branch's exit is the last now.)
    let mut last = block.insts.iter().rposition(relevant);
    while let Some(at) = last {
        if block.insts[at].op == Op::SetReg {
            block.insts.remove(at);
        } else if let Some(store) = taken_store(block, at) {
            crate::passes::move_flags_into_exit(block, store, at);
        } else {
            break;
        }
        last = block.insts.iter().rposition(relevant);
    }
}

/// Whether `i` writes or may read state slot `slot`, itself or through the block a side exit
/// goes to (an `exit.if`; the other kinds take the flags along or need none).
fn touches(i: &crate::Inst, slot: u64) -> bool {
    call_may_read(i, slot)
        || i.op == Op::ExitIf
        || (matches!(i.op, Op::SetReg | Op::GetReg) && i.imm == slot)
}

/// The part of [`drop_dead_store`] that needs no look-ahead, for a quick lift: in a block
/// that ends in an indirect branch, the flags of its last compare are left for later (see
/// [`crate::deferred`]) as far as the block allows ([`last_store_to_defer`]).
pub fn defer_before_indirect_branch(block: &mut Block) {
    if !matches!(block.term, Term::JumpReg(_)) {
        return;
    }
    if let Some(store) = last_store_to_defer(block, &[]) {
        defer_store(block, store);
    }
}

/// The index of `block`'s last store of NZCV if nothing after it may read the flags it
/// stores but, in an A64 block, the blocks its side exits go to: they settle flags left for
/// later as any block does that finds them so (a compare, its `b.eq` out and a `ret` on:
/// python3 and sqlite3 on aarch64 built such words in a tenth of their hottest blocks, and
/// ran 0.7% fewer host instructions leaving them for later). A32 and T32 code reads flags
/// across branches more (conditional execution): sqlite3 on armhf ran 0.3% more, settling,
/// when every side exit could go on with them. There, only the exits to the targets in
/// `unknown` may: the look-ahead went from them as far as it could (another page, an
/// indirect branch) and found nothing that reads the flags, such as the default case of a
/// `cmp; bhi; tbh` switch, whose compare perl's regex engine otherwise put together at every
/// run of its dispatch.
fn last_store_to_defer(block: &Block, unknown: &[u64]) -> Option<usize> {
    let nzcv = cpu::slot::NZCV as u64;
    let wide = !block.narrow_regs;
    let at = block.insts.iter().rposition(|i| {
        touches(i, nzcv) && !(i.op == Op::ExitIf && (wide || unknown.contains(&i.imm)))
    })?;
    (block.insts[at].op == Op::SetReg).then_some(at)
}

/// Replaces the store of NZCV at `at` with a `flags.deferred` of the compare it stores the
/// flags of, if that is one [`crate::Deferred`] names (the compare itself then goes if
/// nothing else reads it); false if it is not.
fn defer_store(block: &mut Block, at: usize) -> bool {
    let v = block.insts[at].args[0];
    let def = |v: Val| block.insts[..at].iter().find(|i| i.dst == Some(v));
    let Some(flags) = def(v) else {
        return false;
    };
    // (Only `addc.flags` has a carry in: the other kinds take none.)
    let carry = (flags.op == Op::AddCFlags)
        .then(|| def(flags.args[2]))
        .flatten()
        .filter(|c| c.op == Op::Const)
        .map(|c| c.imm);
    let Some(kind) = crate::Deferred::of(flags.op, flags.imm, carry) else {
        return false;
    };
    // (A logical test has one operand; the second store is then of the same value.)
    let b = match flags.op {
        Op::LogicFlags => flags.args[0],
        _ => flags.args[1],
    };
    let args = [flags.args[0], b, Val(0)];
    block.insts[at] = crate::Inst {
        op: Op::FlagsDeferred,
        dst: None,
        args,
        imm: kind as u64,
        helper: None,
    };
    true
}

/// Whether `i` is a helper call that may read state slot `slot`: any but a scalar FP one,
/// which reads FPCR and FPSR alone.
pub fn call_may_read(i: &crate::Inst, slot: u64) -> bool {
    let fp_env = slot == cpu::slot::FPCR as u64 || slot == cpu::slot::FPSR as u64;
    i.op == Op::Call && (fp_env || !i.is_fp_env_call())
}

/// Where only one way of the block's branch overwrites NZCV before reading it (`over`: the
/// taken way's, the fall-through's) and the other may read the flags, the branch becomes a
/// side exit to the other way and a jump to this one, if the flags' last store can go with
/// that exit (`passes::flags_store_before_exit`): the flags are then built and stored only
/// on the way that may read them. A loop's back edge whose way out reads them (glibc's armv7
/// strcmp: the loop compares again first, the code after it looks at the flags) no longer
/// builds them on every pass. The exit's condition is the branch's, or its inverse for the
/// fall-through ([`inverse_condition`]). False, the block unchanged, where it cannot be done.
fn split_branch(block: &mut Block, over: &[bool]) -> bool {
    let Term::Branch {
        cond,
        taken,
        fallthrough,
    } = block.term
    else {
        return false;
    };
    // A test of a CCMP's flags (`cond` of `select a, flags, 0`) stays a branch: the JIT
    // branches on `a && b` without building the flags word (see `passes::fuse_conditions`).
    let def = |v: Val| block.insts.iter().find(|i| i.dst == Some(v));
    if def(cond)
        .is_some_and(|c| c.op == Op::Cond && def(c.args[0]).is_some_and(|f| f.op == Op::Select))
    {
        return false;
    }
    if crate::passes::flags_store_before_exit(block, block.insts.len()).is_none() {
        return false;
    }
    // (Inverting rewrites the condition's definition: the last thing that may fail.)
    let (leave, stay, when) = match over {
        // A loop's back edge stays its branch: the JIT then carries the loop's values in
        // registers and stores the flags only on the way out (`passes::loops_to_itself`).
        [false, true] if taken == block.key => return false,
        [false, true] => (taken, fallthrough, Some(cond)),
        [true, false] => (fallthrough, taken, inverse_condition(block, cond)),
        _ => return false,
    };
    let Some(when) = when else {
        return false;
    };
    block.insts.push(crate::Inst {
        op: Op::ExitIf,
        dst: None,
        args: [when, Val(0), Val(0)],
        imm: leave,
        helper: None,
    });
    block.term = Term::Jump(stay);
    true
}

/// A value that is non-zero exactly when `cond` (the condition of `block`'s branch, read by
/// nothing else) is zero, made from its definition in place (so the branch must then be
/// rewritten to use it; None leaves the block as it was): an ARM condition test
/// (`cond`, `cond.sub`, ...) with the opposite condition, or for `eq a, b` the difference
/// `xor a, b` (just `a` when `b` is the constant 0). None for anything else.
fn inverse_condition(block: &mut Block, cond: Val) -> Option<Val> {
    let read_elsewhere = block
        .insts
        .iter()
        .any(|i| i.args[..i.op.info().arity].contains(&cond));
    let def = block.insts.iter().position(|i| i.dst == Some(cond))?;
    if read_elsewhere {
        return None;
    }
    let zero = |v: Val| {
        block
            .insts
            .iter()
            .any(|i| i.dst == Some(v) && i.op == Op::Const && i.imm == 0)
    };
    let i = block.insts[def];
    match i.op {
        // Conditions 14 and 15 (always) have no inverse.
        Op::Cond | Op::CondAdd | Op::CondLogic | Op::CondSub if i.imm & 0xf < 14 => {
            block.insts[def].imm ^= 1;
            Some(cond)
        }
        Op::Eq if zero(i.args[1]) => Some(i.args[0]),
        Op::Eq if zero(i.args[0]) => Some(i.args[1]),
        Op::Eq => {
            block.insts[def].op = Op::Xor;
            Some(cond)
        }
        _ => None,
    }
}

/// The state of one look-ahead.
struct Walk<'a> {
    effect: &'a dyn Fn(u64) -> Option<Effect>,
    /// Instructions left to examine.
    budget: u32,
    /// First and last page (address / PAGE) the block occupies.
    pages: (u64, u64),
    /// A partial write (which reads the flags to put some back) was seen before the flags
    /// were overwritten on some path: flags left for later would be worked out there.
    merges: bool,
}

/// What a look-ahead found the paths from an instruction do with the flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    /// Every path writes them before anything reads them.
    Overwritten,
    /// Some path reads them.
    Read,
    /// Neither is known: some path goes where the look-ahead does not follow (an indirect
    /// branch, an exception, unreadable code, another page, too far).
    Unknown,
}

impl Seen {
    /// What both of two ways together do: a read on either is one, else not knowing either.
    fn and(self, other: Seen) -> Seen {
        match (self, other) {
            (Seen::Read, _) | (_, Seen::Read) => Seen::Read,
            (Seen::Unknown, _) | (_, Seen::Unknown) => Seen::Unknown,
            _ => Seen::Overwritten,
        }
    }
}

impl Walk<'_> {
    /// What every path from `key` does with the flags bits in `pending` (the bits still
    /// holding the dropped store's stale value): [`Seen::Overwritten`] if it writes them
    /// before anything may read one of them.
    fn overwritten(&mut self, mut key: u64, depth: u32, mut pending: u64) -> Seen {
        loop {
            if self.budget == 0 {
                return Seen::Unknown;
            }
            self.budget -= 1;
            let Some(e) = (self.effect)(key) else {
                return Seen::Unknown;
            };
            if !(self.pages.0..=self.pages.1).contains(&e.page) {
                return Seen::Unknown;
            }
            if e.reads & pending != 0 {
                return Seen::Read;
            }
            if let Some(keeps) = e.keeps {
                self.merges |= keeps != 0;
                pending &= keeps;
                if pending == 0 {
                    return Seen::Overwritten;
                }
            }
            match e.next {
                Next::Jump(t) => key = t,
                Next::Branch(..) if depth >= DEPTH => return Seen::Unknown,
                Next::Branch(taken, fallthrough) => {
                    let taken = self.overwritten(taken, depth + 1, pending);
                    // (Once a way reads, the other need not be looked at.)
                    if taken == Seen::Read {
                        return taken;
                    }
                    return taken.and(self.overwritten(fallthrough, depth + 1, pending));
                }
                Next::Stop => return Seen::Unknown,
            }
        }
    }
}

/// What one guest instruction does with the flags slot, as far as the look-ahead cares.
///
/// A partial flag write (a Thumb LSLS keeps V, ANDS keeps C and V) reads the old flags only to
/// put some of them back: `old & keep` or-ed into the new value. Such bits stay stale rather
/// than count as read, so a look-ahead over a run of flag-setting 16-bit Thumb instructions
/// ends at the first one that has written every stale bit. Condition tests read only the
/// flags they name (EQ reads Z), and the carry read of ADC only C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effect {
    /// Its page (address / PAGE).
    page: u64,
    /// The flag bits it reads in any way other than putting them back (all for a helper
    /// call, which may read anything).
    reads: u64,
    /// If it writes the slot: the bits of the old value it puts back.
    keeps: Option<u64>,
    /// Where execution goes after it.
    next: Next,
}

/// Where execution goes after an instruction the look-ahead examined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Jump(u64),
    Branch(u64, u64),
    /// Somewhere the look-ahead does not follow (an indirect branch, an exception).
    Stop,
}

/// How a value depends on the flags slot: it holds the slot's bits `mask` (those not yet
/// overwritten in the instruction), shifted right by `shift` (None: in some other way; any
/// use of it then reads them).
#[derive(Clone, Copy)]
struct Taint {
    mask: u64,
    shift: Option<u32>,
}

impl Effect {
    /// The effect on slot `slot` of the instruction lifted as `one`.
    pub fn of(one: &Block, slot: u64) -> Effect {
        let mut taint: Vec<Option<Taint>> = vec![None; one.num_vals as usize];
        let mut konst: Vec<Option<u64>> = vec![None; one.num_vals as usize];
        let of = |taint: &[Option<Taint>], v: Val| taint.get(v.0 as usize).copied().flatten();
        // Bits of the slot not yet overwritten in this instruction.
        let mut live = u64::MAX;
        let mut reads = 0u64;
        let mut keeps = None;
        // A use that depends on the flags in some way other than passing them on.
        let read = |t: Option<Taint>| t.map_or(0, |t| t.mask);
        let read_all = |ts: &[Option<Taint>; 3]| ts.iter().fold(0, |r, &t| r | read(t));
        for i in &one.insts {
            let arity = i.op.info().arity;
            let args = &i.args[..arity];
            let mut ts = [None; 3];
            for (t, &a) in ts.iter_mut().zip(args) {
                *t = of(&taint, a);
            }
            let out = match i.op {
                Op::Call if !call_may_read(i, slot) => None,
                Op::Call => {
                    reads = u64::MAX;
                    None
                }
                Op::Const => {
                    if let Some(d) = i.dst {
                        konst[d.0 as usize] = Some(i.imm);
                    }
                    None
                }
                // The value read holds the bits not overwritten yet (later writes do not
                // change it).
                Op::GetReg if i.imm == slot => Some(Taint {
                    mask: live,
                    shift: Some(0),
                }),
                Op::SetReg if i.imm == slot => {
                    live = match ts[0] {
                        None => 0,
                        Some(Taint {
                            mask,
                            shift: Some(0),
                        }) => mask,
                        t => {
                            reads |= read(t);
                            0
                        }
                    };
                    keeps = Some(live);
                    None
                }
                Op::And | Op::Lshr | Op::Or if ts.iter().any(Option::is_some) => {
                    let k = |n: usize| konst.get(args[n].0 as usize).copied().flatten();
                    match (i.op, ts[0], ts[1]) {
                        // `t & k` keeps the bits of k (in the slot's positions: k << shift).
                        (Op::And, Some(t), None) | (Op::And, None, Some(t)) => {
                            let kn = if ts[0].is_some() { k(1) } else { k(0) };
                            match (kn, t.shift) {
                                (Some(kv), Some(s)) => Some(Taint {
                                    mask: t.mask & (kv << s),
                                    shift: Some(s),
                                }),
                                _ => {
                                    reads |= read_all(&ts);
                                    None
                                }
                            }
                        }
                        (Op::Lshr, Some(t), None) => match (k(1), t.shift) {
                            (Some(sv), Some(s)) if sv < 64 && s as u64 + sv < 64 => Some(Taint {
                                mask: t.mask & (u64::MAX << (s as u64 + sv)),
                                shift: Some(s + sv as u32),
                            }),
                            _ => {
                                reads |= read_all(&ts);
                                None
                            }
                        },
                        // Or-ing in bits that do not depend on the flags keeps the taint; two
                        // tainted halves merge when their bits line up.
                        (Op::Or, Some(t), None) | (Op::Or, None, Some(t)) => Some(t),
                        (Op::Or, Some(a), Some(b)) if a.shift == b.shift => Some(Taint {
                            mask: a.mask | b.mask,
                            shift: a.shift,
                        }),
                        _ => {
                            reads |= read_all(&ts);
                            None
                        }
                    }
                }
                Op::Cond => {
                    reads |= match ts[0] {
                        Some(t) if t.shift == Some(0) => t.mask & cond_reads(i.imm as u32),
                        t => read(t),
                    };
                    None
                }
                _ => {
                    reads |= read_all(&ts);
                    None
                }
            };
            if let (Some(d), Some(t)) = (i.dst, out) {
                taint[d.0 as usize] = Some(t);
            }
        }
        let next = match one.term {
            Term::Jump(t) => Next::Jump(t),
            Term::Branch {
                cond,
                taken,
                fallthrough,
            } => {
                reads |= read(of(&taint, cond));
                Next::Branch(taken, fallthrough)
            }
            Term::JumpReg(v) => {
                reads |= read(of(&taint, v));
                Next::Stop
            }
            Term::Exit { .. } => Next::Stop,
        };
        Effect {
            page: one.start / PAGE,
            reads,
            keeps,
            next,
        }
    }
}

/// The NZCV bits (ARM layout, bits 31..28) ARM condition `cond` tests.
fn cond_reads(cond: u32) -> u64 {
    const N: u64 = 1 << 31;
    const Z: u64 = 1 << 30;
    const C: u64 = 1 << 29;
    const V: u64 = 1 << 28;
    match (cond & 15) >> 1 {
        0 => Z,
        1 => C,
        2 => N,
        3 => V,
        4 => C | Z,
        5 => N | V,
        6 => N | Z | V,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;

    const FLAGS: u32 = cpu::slot::NZCV;
    const V: u64 = 1 << 28;

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
        let mut bl = Builder::verbatim(start);
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
        let mut bl = Builder::verbatim(key);
        match key & 0xff {
            0x10 => {
                let k = bl.konst(0);
                bl.set(FLAGS, k);
            }
            0x20 => {
                bl.get(FLAGS);
            }
            0x30 => return None,
            // A partial write (a Thumb LSLS): N, Z and C new, V put back from the old flags.
            0x40 | 0x60 | 0x90 => {
                let x = bl.get(1);
                let f = bl.un(Op::LogicFlags, x, 32);
                let old = bl.get(FLAGS);
                let k = bl.konst(V);
                let keep = bl.and(old, k);
                let f = bl.or(f, keep);
                bl.set(FLAGS, f);
            }
            // A test of Z, then a read of C (ADC's carry), then of V.
            0x44 => {
                let f = bl.get(FLAGS);
                bl.cond(f, 0);
            }
            0x48 => {
                let f = bl.get(FLAGS);
                let s = bl.konst(29);
                let c = bl.binw(Op::Lshr, f, s, 64);
                let one = bl.konst(1);
                let c = bl.and(c, one);
                bl.set(2, c);
            }
            0x64 => {
                let f = bl.get(FLAGS);
                bl.cond(f, 6);
            }
            // Reads the flags, overwrites them, then uses what it read: a read.
            0x80 => {
                let f = bl.get(FLAGS);
                let k = bl.konst(0);
                bl.set(FLAGS, k);
                bl.set(2, f);
            }
            0x4c | 0x94 => {
                let k = bl.konst(0);
                bl.set(FLAGS, k);
            }
            _ => {}
        }
        bl.end_insn(key + 4);
        Some(bl.finish(Term::Jump(key + 4)))
    }

    /// [`one`]'s effect on the flags.
    fn effect(key: u64) -> Option<Effect> {
        one(key).map(|b| Effect::of(&b, FLAGS as u64))
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
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 0);
        // One successor reads: kept.
        let mut b = compare_and_branch(0x1000, 0x1010, 0x1020);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 1);
        // Unreadable code counts as a read; so does code on another page.
        let mut b = compare_and_branch(0x1000, 0x1010, 0x1030);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 1);
        let mut b = compare_and_branch(0x1000, 0x1010, 0x2010);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 1);
    }

    /// A block ending in an indirect branch leaves its last compare's flags for later: the
    /// store becomes `flags.deferred` of the compare's operands and kind, and the compare goes
    /// unless something else reads it. Flags that are no one compare's (a partial write's
    /// merge, an `addc.flags` whose carry in is not a constant) stay stored, and so do flags a
    /// helper call after them may read.
    #[test]
    fn an_indirect_branch_leaves_a_compares_flags_for_later() {
        use crate::Deferred as D;
        // (op, width, carry in: None a register, Some(k) a constant) and the kind expected.
        let cases = [
            (Op::SubFlags, 64, None, Some(D::Sub64)),
            (Op::SubFlags, 32, None, Some(D::Sub32)),
            (Op::AddCFlags, 64, Some(0), Some(D::Add64)),
            (Op::AddCFlags, 32, Some(1), Some(D::AddOne32)),
            (Op::AddCFlags, 64, None, None),
            (Op::LogicFlags, 32, None, Some(D::Logic32)),
            (Op::Or, 64, None, None),
        ];
        for call_after in [false, true] {
            for (op, width, carry, want) in cases {
                let mut bl = Builder::verbatim(0x1000);
                let (x, y, target) = (bl.get(1), bl.get(2), bl.get(3));
                let c = match carry {
                    Some(k) => bl.konst(k),
                    None => bl.get(4),
                };
                let f = match op {
                    Op::SubFlags => bl.binw(op, x, y, width),
                    Op::Or => bl.or(x, y),
                    Op::LogicFlags => bl.un(op, x, width as u64),
                    _ => bl.emit(op, &[x, y, c], width as u64),
                };
                bl.set(FLAGS, f);
                if call_after {
                    let z = bl.konst(0);
                    bl.call(&NOP, z, z, z);
                }
                bl.end_insn(0x1004);
                let mut b = bl.finish(Term::JumpReg(target));
                drop_dead_store(&mut b, FLAGS, &effect);
                crate::passes::remove_dead_code(&mut b);
                crate::verify(&b).unwrap();
                let deferred: Vec<_> = b
                    .insts
                    .iter()
                    .filter(|i| i.op == Op::FlagsDeferred)
                    .map(|i| (D::from_imm(i.imm), i.args[0], i.args[1]))
                    .collect();
                let second = if op == Op::LogicFlags { x } else { y };
                match want.filter(|_| !call_after) {
                    Some(kind) => {
                        assert_eq!(deferred, [(Some(kind), x, second)], "{b}");
                        assert_eq!(flag_stores(&b), 0, "{b}");
                        assert!(b.insts.iter().all(|i| i.op != op), "{b}");
                    }
                    None => {
                        assert!(deferred.is_empty(), "{b}");
                        assert_eq!(flag_stores(&b), 1, "{b}");
                    }
                }
            }
        }
    }

    /// A quick lift leaves the flags for later before an indirect branch too, unless the
    /// block reads them after their store, and only there.
    #[test]
    fn a_quick_lift_defers_before_an_indirect_branch_only() {
        let lifted = |read_after: bool, term: fn(Val) -> Term| {
            let mut bl = Builder::verbatim(0x1000);
            let (x, y) = (bl.get(1), bl.get(2));
            let f = bl.binw(Op::SubFlags, x, y, 32);
            bl.set(FLAGS, f);
            if read_after {
                let g = bl.get(FLAGS);
                bl.set(5, g);
            }
            bl.end_insn(0x1004);
            let target = bl.get(3);
            let mut b = bl.finish(term(target));
            defer_before_indirect_branch(&mut b);
            crate::verify(&b).unwrap();
            b.insts.iter().any(|i| i.op == Op::FlagsDeferred)
        };
        assert!(lifted(false, Term::JumpReg));
        assert!(!lifted(true, Term::JumpReg));
        assert!(!lifted(false, |_| Term::Jump(0x2000)));
    }

    /// An A64 block whose compare leaves by a side exit (`b.eq` out) and then by an indirect
    /// branch (`ret` on) leaves the compare's flags for later: the exit's block settles them
    /// if it reads them. A 32-bit guest's block keeps the store.
    #[test]
    fn flags_a_side_exit_may_read_are_left_for_later_before_an_a64_indirect_branch() {
        let lifted = |narrow: bool| {
            let mut bl = Builder::verbatim(0x1000);
            let (x, y) = (bl.get(1), bl.get(2));
            let f = bl.binw(Op::SubFlags, x, y, 32);
            bl.set(FLAGS, f);
            let eq = bl.emit(Op::CondSub, &[x, y], 32 << 8);
            bl.exit_if(eq, 0x2000);
            bl.end_insn(0x1004);
            let target = bl.get(3);
            let mut b = bl.finish(Term::JumpReg(target));
            b.narrow_regs = narrow;
            defer_before_indirect_branch(&mut b);
            crate::verify(&b).unwrap();
            b.insts.iter().any(|i| i.op == Op::FlagsDeferred)
        };
        assert!(lifted(false));
        assert!(!lifted(true));
    }

    /// A branch neither of whose ways is known to read the flags (one goes where the
    /// look-ahead cannot follow) leaves its compare's flags for later; one that may read
    /// them, or a loop's back edge, keeps the store; so does a 32-bit guest's block with a
    /// side exit after the compare to code that reads them, but not one whose exit goes where
    /// the look-ahead cannot follow.
    #[test]
    fn a_branch_to_code_not_known_to_read_the_flags_leaves_them_for_later() {
        // `exit`: whether the block is a 32-bit guest's, and where its side exit goes.
        let deferred_with = |taken: u64, fallthrough: u64, exit: Option<(bool, u64)>, load| {
            let mut bl = Builder::verbatim(0x1000);
            let (x, y) = (bl.get(1), bl.get(2));
            let f = bl.binw(Op::SubFlags, x, y, 64);
            bl.set(FLAGS, f);
            if load {
                // A memory access, which may fault: the exit cannot take the flags along.
                let v = bl.load(x, 8);
                bl.set(5, v);
            }
            if let Some((_, to)) = exit {
                let eq = bl.emit(Op::CondSub, &[x, y], 64 << 8);
                bl.exit_if(eq, to);
            }
            bl.end_insn(0x1004);
            let cond = bl.get(3);
            let mut b = bl.finish(Term::Branch {
                cond,
                taken,
                fallthrough,
            });
            b.narrow_regs = exit.is_some_and(|e| e.0);
            drop_dead_store(&mut b, FLAGS, &effect);
            crate::verify(&b).unwrap();
            let n = b.insts.iter().filter(|i| i.op == Op::FlagsDeferred).count();
            assert!(n == 0 || flag_stores(&b) == 0, "{b}");
            n == 1
        };
        let deferred = |taken, fallthrough| deferred_with(taken, fallthrough, None, false);
        // Unreadable code, and code that overwrites the flags.
        assert!(deferred(0x1030, 0x1010));
        assert!(deferred(0x1030, 0x1030));
        // A way that reads the flags (Z, and all of them).
        assert!(!deferred(0x1044, 0x1030));
        assert!(!deferred(0x1030, 0x1080));
        // A partial write (which puts V back), whose read of the old flags would settle them:
        // the flags go with an exit to the other way instead.
        assert!(!deferred(0x1030, 0x1040));
        // The block's own start.
        assert!(!deferred(0x1000, 0x1030));
        // With a side exit after the compare (to code that reads the flags), which may take
        // them along or (after a load) not: an A64 block leaves them for the exit's block to
        // settle, also where its ways on overwrite them; a 32-bit guest's keeps the store.
        // A 32-bit guest's does where the exit goes to unreadable code or another page (the
        // default case of a `cmp; bhi; tbh` switch, say), but not where it reads them.
        for load in [false, true] {
            assert!(deferred_with(0x1030, 0x1010, Some((false, 0x1080)), load));
            assert!(deferred_with(0x1010, 0x1010, Some((false, 0x1080)), load) == load);
            assert!(!deferred_with(0x1030, 0x1010, Some((true, 0x1080)), load));
            assert!(deferred_with(0x1030, 0x1010, Some((true, 0x1030)), load));
            assert!(deferred_with(0x1030, 0x1010, Some((true, 0x2010)), load));
            assert!(!deferred_with(0x1030, 0x1010, Some((true, 0x1044)), load));
        }
    }

    /// A compare, a side exit to `exit`, a second compare and a jump to `next`.
    fn compare_exit_compare(exit: u64, next: u64) -> Block {
        compare_load_exit_compare(exit, next, false)
    }

    /// A block at 0x1000 begun with a flags store, then (with `load`) a load.
    fn flags_then(load: bool) -> Builder {
        let mut bl = Builder::verbatim(0x1000);
        let x = bl.get(1);
        bl.set(FLAGS, x);
        if load {
            let v = bl.load(x, 4);
            bl.set(5, v);
        }
        bl
    }

    /// [`compare_exit_compare`], with `load` a load between the compare and the exit.
    fn compare_load_exit_compare(exit: u64, next: u64, load: bool) -> Block {
        let mut bl = flags_then(load);
        let c = bl.get(2);
        bl.exit_if(c, exit);
        bl.end_insn(0x1004);
        let y = bl.get(3);
        bl.set(FLAGS, y);
        bl.end_insn(0x1008);
        bl.finish(Term::Jump(next))
    }

    #[test]
    fn side_exits_to_code_that_overwrites_the_flags_need_them_not() {
        let exits = |b: &Block| -> Vec<Op> {
            b.insts
                .iter()
                .filter(|i| i.op.is_side_exit())
                .map(|i| i.op)
                .collect()
        };
        // Both the exit's block and the successor overwrite: the exit needs no flags, so
        // both stores go.
        let mut b = compare_exit_compare(0x1010, 0x100c);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(exits(&b), [Op::ExitIfNoFlags]);
        assert_eq!(flag_stores(&b), 0);
        // The exit's block reads them: the last store goes, and the exit takes the flags of
        // the compare before it along (`exit.if.flags`), storing them only when it leaves.
        let mut b = compare_exit_compare(0x1020, 0x100c);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(exits(&b), [Op::ExitIfFlags]);
        assert_eq!(flag_stores(&b), 0);
        // Not past a load between them (a fault there re-runs the load, which must find the
        // compare's flags stored): the store before the exit stays.
        let mut b = compare_load_exit_compare(0x1020, 0x100c, true);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(exits(&b), [Op::ExitIf]);
        assert_eq!(flag_stores(&b), 1);
        assert!(
            b.insts[..2]
                .iter()
                .any(|i| i.op == Op::SetReg && i.imm == FLAGS as u64)
        );
        // A store after the last exit whose successor reads the flags stays, and so does
        // the one before (`passes::remove_dead_setreg` finds it overwritten).
        let mut b = compare_exit_compare(0x1010, 0x1020);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(exits(&b), [Op::ExitIfNoFlags]);
        assert_eq!(flag_stores(&b), 2);
    }

    /// A block that sets the flags, then (with `load`) loads, and branches to `taken` or
    /// `fall` on a condition `how` builds from register 2.
    fn branch_on(how: fn(&mut Builder, Val) -> Val, load: bool, taken: u64, fall: u64) -> Block {
        let mut bl = flags_then(load);
        bl.end_insn(0x1004);
        let r = bl.get(2);
        let cond = how(&mut bl, r);
        bl.finish(Term::Branch {
            cond,
            taken,
            fallthrough: fall,
        })
    }

    #[test]
    fn a_branch_leaves_with_the_flags_for_the_one_way_that_may_read_them() {
        let last = |b: &Block| b.insts.last().map(|i| (i.op, i.args[0], i.args[1], i.imm));
        // The taken way (0x1020) reads the flags, the fall-through overwrites them: the
        // branch becomes a side exit to the taken way that stores the flags word, then a
        // jump to the fall-through.
        let mut b = compare_and_branch(0x1000, 0x1020, 0x1010);
        let (Term::Branch { cond, .. }, flags) = (b.term, b.insts[1].args[0]) else {
            panic!("{b}")
        };
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(
            last(&b),
            Some((Op::ExitIfFlags, cond, flags, 0x1020)),
            "{b}"
        );
        assert_eq!(b.term, Term::Jump(0x1010));
        assert_eq!(flag_stores(&b), 0);
        // The other way round, the exit's condition is the branch's inverse: for `eq r, 0`,
        // r itself; for a condition test, the opposite condition (NE for EQ).
        let eq0 = |bl: &mut Builder, r: Val| {
            let z = bl.konst(0);
            bl.binw(Op::Eq, r, z, 64)
        };
        let mut b = branch_on(eq0, false, 0x1010, 0x1020);
        let r = b.insts.iter().find(|i| i.op == Op::GetReg && i.imm == 2);
        let r = r.and_then(|i| i.dst).unwrap();
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(
            last(&b).map(|l| (l.0, l.1, l.3)),
            Some((Op::ExitIfFlags, r, 0x1020))
        );
        assert_eq!(b.term, Term::Jump(0x1010));
        let eq = |bl: &mut Builder, r: Val| bl.cond(r, 0);
        let mut b = branch_on(eq, false, 0x1010, 0x1020);
        drop_dead_store(&mut b, FLAGS, &effect);
        let Some((Op::ExitIfFlags, c, _, 0x1020)) = last(&b) else {
            panic!("{b}")
        };
        let def = b.insts.iter().find(|i| i.dst == Some(c)).unwrap();
        assert_eq!((def.op, def.imm), (Op::Cond, 1));
        assert_eq!(flag_stores(&b), 0);
        // A condition with no inverse here (a register's value) leaves the branch and the
        // store as they were; so does a load after the store (a fault there must find the
        // flags stored), and a test of a CCMP's flags (which the JIT fuses into `a && b`).
        let plain: fn(&mut Builder, Val) -> Val = |_, r| r;
        let ccmp: fn(&mut Builder, Val) -> Val = |bl, r| {
            let z = bl.konst(0);
            let f = bl.emit(Op::Select, &[r, r, z], 0);
            bl.cond(f, 0)
        };
        let eq: fn(&mut Builder, Val) -> Val = eq;
        for (how, load) in [(plain, false), (eq, true), (ccmp, false)] {
            let mut b = branch_on(how, load, 0x1010, 0x1020);
            let before = b.to_string();
            drop_dead_store(&mut b, FLAGS, &effect);
            assert_eq!(b.to_string(), before);
        }
    }

    #[test]
    fn earlier_stores_go_too_unless_something_reads_them() {
        // Two flag-setting instructions (CMP then SBCS, the second reading the first's
        // flags), then a branch to code that overwrites them: both stores go.
        let two = |read_between: bool| {
            let mut bl = Builder::verbatim(0x1000);
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
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 0);
        let mut b = two(true);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 1);
    }

    /// Whether [`compare_and_branch`]'s taken way finds the flags stored: the store stayed, or
    /// the branch became an exit there that takes them along.
    fn stored_for_taken(b: &Block) -> bool {
        flag_stores(b) == 1 || b.split_branch().is_some()
    }

    /// A loop of one block at 0x1000: a helper call (a scalar FP one with `fp`), a compare,
    /// and a branch back to 0x1000 or on to 0x1010, which overwrites the flags.
    #[test]
    fn a_loop_back_edge_stays_a_branch_and_fp_helpers_read_no_flags() {
        let call = |bl: &mut Builder, fp: bool| {
            let z = bl.konst(0);
            if fp {
                let mul = crate::inline::FpInline {
                    op: crate::inline::FpOp::Mul,
                    double: true,
                    vector: None,
                };
                bl.call_fp(&NOP, mul, z, z, z);
            } else {
                bl.call(&NOP, z, z, z);
            }
        };
        let run = |fp: bool| {
            let mut bl = Builder::verbatim(0x1000);
            call(&mut bl, fp);
            bl.end_insn(0x1004);
            let x = bl.get(1);
            bl.set(FLAGS, x);
            bl.end_insn(0x1008);
            let c = bl.get(2);
            let mut b = bl.finish(Term::Branch {
                cond: c,
                taken: 0x1000,
                fallthrough: 0x1010,
            });
            // The loop's first instruction alone: the call.
            let first = {
                let mut bl = Builder::verbatim(0x1000);
                call(&mut bl, fp);
                bl.end_insn(0x1004);
                Effect::of(&bl.finish(Term::Jump(0x1004)), FLAGS as u64)
            };
            let effect = |k: u64| if k == 0x1000 { Some(first) } else { effect(k) };
            drop_dead_store(&mut b, FLAGS, &effect);
            b
        };
        // The FP helper does not read NZCV: the next pass overwrites it first, so it is
        // dropped.
        let b = run(true);
        assert_eq!(flag_stores(&b), 0, "{b}");
        assert!(matches!(b.term, Term::Branch { taken: 0x1000, .. }), "{b}");
        // Any other helper may: stored, and the back edge does not become a side exit that
        // builds the flags on every pass.
        let b = run(false);
        assert_eq!(flag_stores(&b), 1, "{b}");
        assert!(matches!(b.term, Term::Branch { taken: 0x1000, .. }), "{b}");
        assert!(b.insts.iter().all(|i| !i.op.is_side_exit()), "{b}");
    }

    #[test]
    fn partial_writes_leave_only_the_bits_they_put_back_stale() {
        // LSLS (V kept), a Z test, a C read, then a full write: V is never read, dropped.
        let mut b = compare_and_branch(0x1000, 0x1040, 0x1010);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 0);
        // LSLS, then a test of V: the stale V is read, kept.
        let mut b = compare_and_branch(0x1000, 0x1060, 0x1010);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert!(stored_for_taken(&b), "{b}");
        // LSLS, then a full write: dropped; a read of C first (C stale) keeps it.
        let mut b = compare_and_branch(0x1000, 0x1090, 0x1010);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert_eq!(flag_stores(&b), 0);
        let mut b = compare_and_branch(0x1000, 0x1048, 0x1010);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert!(stored_for_taken(&b), "{b}");
        // A value read before the instruction's own full write still holds the stale flags.
        let mut b = compare_and_branch(0x1000, 0x1080, 0x1010);
        drop_dead_store(&mut b, FLAGS, &effect);
        assert!(stored_for_taken(&b), "{b}");
    }

    #[test]
    fn memo_reuses_effects_until_the_bytes_change() {
        let lifts = std::cell::Cell::new(0);
        let bytes = std::cell::Cell::new(1u64);
        let lift = |k: u64, n: u32| {
            if k == 0x1000 {
                return compare_and_branch(0x1000, 0x1010, 0x100c);
            }
            assert_eq!(n, 1);
            lifts.set(lifts.get() + 1);
            one(k).expect("readable")
        };
        let code = |_: u64| Some(bytes.get());
        let run = || {
            let b = lift_dropping_dead_store(0x1000, 8, FLAGS, &lift, &code, Lifter::A64);
            assert_eq!(flag_stores(&b), 0);
        };
        // 0x1010 (a flags write) is reached twice, directly and after 0x100c: lifted once.
        run();
        assert_eq!(lifts.get(), 2);
        run();
        assert_eq!(lifts.get(), 2);
        // Other bytes at the same keys: examined again.
        bytes.set(2);
        run();
        assert_eq!(lifts.get(), 4);
    }

    #[test]
    fn memo_grows_as_it_fills_and_keeps_its_entries() {
        let memo = Memo::default();
        let e = Effect {
            page: 0,
            reads: 0,
            keeps: None,
            next: Next::Stop,
        };
        assert_eq!(memo.get(4, 1, 0), None);
        for key in 0..20_000u64 {
            memo.put(key * 2, 7, 0, Effect { page: key, ..e });
        }
        let len = memo.0.borrow().slots.len();
        assert_eq!(len, MEMO_MAX);
        // Direct-mapped: colliding entries replace each other, but most of them stay, and
        // what is found is what was stored under that key, bytes and tag.
        let found = (0..20_000u64)
            .filter(|&key| {
                let hit = memo.get(key * 2, 7, 0);
                assert!(hit.is_none_or(|h| h.page == key));
                assert_eq!(memo.get(key * 2, 8, 0), None);
                assert_eq!(memo.get(key * 2, 7, 1), None);
                hit.is_some()
            })
            .count();
        assert!(found > 10_000, "{found}");
    }
}
