//! Blocks that loop to themselves, with the state they read carried around in host registers.
//!
//! A loop of one block (`ir::passes::loops_to_itself`) would load at the top of each pass the
//! registers the previous pass has just stored: every loop-carried value then goes through
//! memory, and each load waits for its store. `ir::passes::hoist_entry_reads` puts the block's
//! reads of the state it starts with at its top; the code after them is the loop's head. The
//! back edge moves into each read's place (register or stack slot) the value the block leaves
//! in that slot, checks for pending events and jumps to the head.
//!
//! The general registers the block both reads that way and writes are held ([`held`]): their
//! writes are `setreg.fault`s, stored only where something may look at the state (a fault,
//! a side exit), and at the head each read is its slot's pending write until the pass writes
//! the slot. A pass stores only the registers the loop does not carry. The back edge's own
//! exits (an event pending, the link undone) store them after the moves, and so does the way
//! out by the block's branch; the state in memory is the guest's wherever the dispatcher, a
//! fault or a signal handler finds it.
//!
//! A loop whose block writes the flags before it reads them has no use for the flags it leaves
//! on its back edge: only the way out needs them. There the block stores them, and computes
//! the value too when nothing else in the block reads it (typically `cmp; b.ne` back: the
//! branch tests the host flags of a compare, and NZCV is only assembled on leaving). A
//! signal or fault in the next pass then finds the flags of an earlier one in memory, as
//! `ir::flags_live` allows for any block whose successors overwrite the flags first.
//!
//! A side exit (`exit.if`) leaves the loop with the state in memory as the instructions before
//! it left it; a loop with side exits sinks no flags (`ir::passes::flags_for_the_way_out`).
//!
//! The back edge's jump is a link site of the block's own key, as a self-loop's would be,
//! only linked to the head rather than to the entry. Unlinked (code invalidated, the cache
//! half reused) it exits to the dispatcher like any other, storing the held registers first;
//! it is never linked to another translation (the block's own sites leave the link lists when
//! it is dropped). A carried block never reserves stack of its own: the entry and the head
//! must agree on `rsp`.

use super::{Emitter, FRAME_VALS};
use crate::alloc::{self, Loc, imm32};
use cpu::slot;
use dynasmrt::{DynasmApi, dynasm};
use ir::{Block, Op, Term, Val};

/// What a block carries around its loop: the instructions before its head, and for each read
/// of the state among them, the value the block leaves in that slot (the read itself if the
/// block does not write it).
pub(super) struct Carry {
    /// Index of the first instruction after the head.
    pub head: usize,
    /// (read, value for the next pass) pairs.
    pub moves: Vec<(Val, Val)>,
    /// Instructions (by index, in order) emitted on the way out of the loop instead of in the
    /// block: the last store of the flags and what computes only its value.
    pub sunk: Vec<usize>,
    /// The values those instructions read from the rest of the block: the terminator reads
    /// them too, as far as allocation goes.
    pub sunk_reads: Vec<Val>,
    /// The general registers the loop both carries and writes, with their reads: the block
    /// stores them only on its ways out (see [`held`]).
    pub held: Vec<(u64, Val)>,
    /// Code offset of the head, once emitted.
    pub at: Option<usize>,
}

/// The carry plan of `b`, if it is a loop of one block whose reads can be carried: its top
/// (before the first instruction that is neither a read of the state nor a mark) holds at
/// least one read, each of a slot of the state struct, and no value the block leaves in a
/// slot is one that `folds` puts into a memory operand (it has no place of its own).
pub(super) fn plan(b: &Block, folds: &[Option<(Val, i32)>]) -> Option<Carry> {
    if !ir::passes::loops_to_itself(b) || b.num_vals > FRAME_VALS {
        return None;
    }
    let head = b
        .insts
        .iter()
        .position(|i| !matches!(i.op, Op::GetReg | Op::Mark))
        .unwrap_or(b.insts.len());
    let mut moves = Vec::new();
    for read in b.insts[..head].iter().filter(|i| i.op == Op::GetReg) {
        if read.imm >= slot::END as u64 {
            return None;
        }
        let v = read.dst?;
        // The flags a `flags.deferred` leaves are no value of the block: a loop that reads
        // NZCV and last writes it that way is not carried (each pass reads the slot, which
        // works the flags out).
        let nzcv = read.imm == slot::NZCV as u64;
        let last = b.insts.iter().rev().find(|i| {
            (i.op == Op::SetReg && i.imm == read.imm) || (nzcv && i.op == Op::FlagsDeferred)
        });
        if last.is_some_and(|i| i.op == Op::FlagsDeferred) {
            return None;
        }
        let left = last.map_or(v, |i| i.args[0]);
        if folds.get(left.0 as usize).copied().flatten().is_some() {
            return None;
        }
        moves.push((v, left));
    }
    if moves.is_empty() {
        return None;
    }
    let (sunk, sunk_reads) = sink_flags(b, &moves);
    let held = held(b, head, &moves);
    Some(Carry {
        head,
        moves,
        sunk,
        sunk_reads,
        held,
        at: None,
    })
}

/// The slots of general registers among the reads the back edge replaces (`moves`) that the
/// block writes, with their reads. Their stores wait for a way out of the loop: each is a
/// `setreg.fault` (see `ir::passes::remove_dead_setreg`), and at the head the read is the
/// pending write of its slot until the block writes it, so a fault or a side exit stores
/// the values of the pass it is in, and the back edge carries the rest. Only the back
/// edge's own exits (an event pending, the link undone) and the fall-through store them
/// besides (see [`Emitter::back_edge`]).
fn held(b: &Block, head: usize, moves: &[(Val, Val)]) -> Vec<(u64, Val)> {
    moves
        .iter()
        .filter(|m| m.0 != m.1)
        .filter_map(|&(v, _)| {
            let slot = b.insts[..head].iter().find(|i| i.dst == Some(v))?.imm;
            // (A read nothing uses has no value to store.)
            b.insts[head..]
                .iter()
                .any(|i| i.args[..i.op.info().arity].contains(&v))
                .then_some(())?;
            ir::passes::late_slot(slot).then_some((slot, v))
        })
        .collect()
}

/// `b` with every write of a slot in `held` a `setreg.fault`: see [`held`].
pub(super) fn with_late_writes(b: &Block, held: &[(u64, Val)]) -> Block {
    let mut b = b.clone();
    for i in &mut b.insts {
        if i.op == Op::SetReg && held.iter().any(|h| h.0 == i.imm) {
            i.op = Op::SetRegFault;
        }
    }
    b
}

/// For each read in `held`, the index of the first write of its slot after `head`: the
/// read's value is its slot's pending write until then (see [`held`]).
pub(super) fn held_until(b: &Block, head: usize, held: &[(u64, Val)]) -> Vec<(Val, usize)> {
    held.iter()
        .map(|&(slot, v)| {
            let first = b.insts[head..]
                .iter()
                .position(|i| matches!(i.op, Op::SetReg | Op::SetRegFault) && i.imm == slot);
            (v, first.map_or(b.insts.len(), |k| head + k))
        })
        .collect()
}

/// The instructions of a loop block to emit on its way out instead (see the module
/// documentation): the last `setreg` of NZCV, if the block writes NZCV before reading it and
/// leaves by a branch, and every pure instruction (not a state read) whose value only those
/// instructions read; with the values they read from outside.
fn sink_flags(b: &Block, moves: &[(Val, Val)]) -> (Vec<usize>, Vec<Val>) {
    let Term::Branch { cond, .. } = b.term else {
        return (Vec::new(), Vec::new());
    };
    let Some(last) = ir::passes::flags_for_the_way_out(b) else {
        return (Vec::new(), Vec::new());
    };
    let (def, mut readers) = super::sink::defs_and_readers(b);
    readers[cond.0 as usize] += 1;
    for m in moves {
        readers[m.1.0 as usize] += 1;
    }
    // Grow the set from the store: an instruction joins once the set holds all its readers.
    let pure = |_: usize, d: &ir::Inst| !d.op.info().effects && d.op != Op::GetReg;
    let store = &b.insts[last];
    let args = &store.args[..store.op.info().arity];
    let mut sunk = super::sink::private_computation(b, &def, &readers, args, pure);
    sunk.push(last);
    sunk.sort_unstable();
    let mut reads: Vec<Val> = sunk
        .iter()
        .flat_map(|&k| {
            let i = &b.insts[k];
            i.args[..i.op.info().arity].to_vec()
        })
        .filter(|v| !sunk.contains(&def[v.0 as usize]))
        .collect();
    reads.dedup();
    (sunk, reads)
}

/// Where a value is at the back edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Reg(u8),
    /// An xmm register: a double carried from one FP operation of a pass to the next pass's
    /// (every value there is 64 bits; see `alloc::in_xmm`).
    Xmm(u8),
    /// A stack slot, or a value's home in the state (see `alloc::homes`): `[base + disp]`.
    Mem(u8, i32),
    Const(u64),
}

impl Emitter {
    fn place(&self, v: Val) -> Place {
        match self.loc(v) {
            Loc::Reg(r) => Place::Reg(r),
            Loc::Slot => {
                let (b, o) = self.slot_operand(v);
                Place::Mem(b, o)
            }
            Loc::Const(k) => Place::Const(k),
            Loc::Xmm(r) => Place::Xmm(r),
        }
    }

    /// Emits the instructions sunk to the way out of the loop.
    pub(super) fn way_out(&mut self, b: &Block) {
        let Some(carry) = self.carry.take() else {
            return;
        };
        self.spill = None;
        for &k in &carry.sunk {
            self.inst(&b.insts[k]);
        }
        self.carry = Some(carry);
    }

    /// Marks the loop's head here: the code after the reads, where each held register's read
    /// is its pending write (see [`held`]).
    pub(super) fn loop_head(&mut self) {
        // Before the head: the back edge arrives there with the copies stored (see `vcache`).
        self.flush_vregs();
        if let Some(c) = self.carry.as_mut() {
            c.at = Some(self.a.offset().0);
            self.late.clone_from(&c.held);
        }
        // Arriving from the back edge, no register holds what the last spill stored.
        self.spill = None;
        self.xmm_val = None;
        self.vcache.forget_all();
    }

    /// The back edge: the moves, the pending check and the jump to the head (a link site of
    /// the block's own key). Only `mov`s come before the check, so they keep the host flags.
    pub(super) fn back_edge(&mut self) {
        let Some(carry) = self.carry.as_ref() else {
            return;
        };
        let head = carry.at.expect("the head comes before the terminator");
        let moves: Vec<(Place, Place)> = carry
            .moves
            .iter()
            .map(|&(v, left)| (self.place(v), self.place(left)))
            .collect();
        let held = carry.held.clone();
        self.parallel_moves(moves);
        // The block's own key is never above itself: the link checks for pending events. Its
        // exits store the held registers, which the moves put into their reads' places.
        self.stub_stores = held;
        self.link_to(self.key, head);
        self.stub_stores.clear();
    }

    /// The writes of held registers still pending at the end of a pass (see [`held`]): the
    /// way out of the loop stores them, the back edge carries them. The other pending writes
    /// are stored now.
    pub(super) fn keep_held(&mut self) -> Vec<(u64, Val)> {
        let held = self.carry.as_ref().map_or(&[][..], |c| &c.held[..]);
        let (kept, now): (Vec<_>, Vec<_>) = std::mem::take(&mut self.late)
            .into_iter()
            .partition(|l| held.iter().any(|h| h.0 == l.0));
        self.late = now;
        self.store_late();
        kept
    }

    /// Performs `moves` (destination, source) as if all at once: a move whose destination no
    /// other still reads goes first; when only cycles are left, one destination's value is
    /// parked in `rax`, which no move names (an xmm register's too: all its bits a carried
    /// value has are the low 64).
    fn parallel_moves(&mut self, mut moves: Vec<(Place, Place)>) {
        moves.retain(|(d, s)| d != s);
        while !moves.is_empty() {
            let free = (0..moves.len()).find(|&k| moves.iter().all(|m| m.1 != moves[k].0));
            match free {
                Some(k) => {
                    let (d, s) = moves.remove(k);
                    self.move_place(d, s);
                }
                None => {
                    let d = moves[0].0;
                    self.move_place(Place::Reg(alloc::RAX), d);
                    for m in &mut moves {
                        if m.1 == d {
                            m.1 = Place::Reg(alloc::RAX);
                        }
                    }
                }
            }
        }
    }

    /// One move (`rcx` is the scratch of a stack-to-stack one and of a constant's way into
    /// an xmm register). Only `mov`s: the host flags stay.
    fn move_place(&mut self, d: Place, s: Place) {
        match (d, s) {
            (Place::Xmm(d), Place::Xmm(s)) => dynasm!(self.a ; .arch x64 ; movapd Rx(d), Rx(s)),
            (Place::Xmm(d), Place::Reg(s)) => dynasm!(self.a ; .arch x64 ; movq Rx(d), Rq(s)),
            (Place::Xmm(d), Place::Mem(b, o)) => {
                dynasm!(self.a ; .arch x64 ; movq Rx(d), [Rq(b) + o])
            }
            (Place::Xmm(d), Place::Const(k)) => {
                dynasm!(self.a ; .arch x64 ; mov rcx, QWORD k as i64 ; movq Rx(d), rcx)
            }
            (Place::Reg(d), Place::Xmm(s)) => dynasm!(self.a ; .arch x64 ; movq Rq(d), Rx(s)),
            (Place::Mem(b, o), Place::Xmm(s)) => {
                dynasm!(self.a ; .arch x64 ; movq [Rq(b) + o], Rx(s))
            }
            (Place::Reg(d), Place::Reg(s)) => dynasm!(self.a ; .arch x64 ; mov Rq(d), Rq(s)),
            (Place::Reg(d), Place::Mem(b, o)) => {
                dynasm!(self.a ; .arch x64 ; mov Rq(d), [Rq(b) + o])
            }
            (Place::Reg(d), Place::Const(k)) => match imm32(k) {
                Some(i) => dynasm!(self.a ; .arch x64 ; mov Rq(d), i),
                None => dynasm!(self.a ; .arch x64 ; mov Rq(d), QWORD k as i64),
            },
            (Place::Mem(b, o), Place::Reg(s)) => {
                dynasm!(self.a ; .arch x64 ; mov [Rq(b) + o], Rq(s))
            }
            (Place::Mem(b, o), Place::Mem(c, p)) => {
                dynasm!(self.a ; .arch x64 ; mov rcx, [Rq(c) + p] ; mov [Rq(b) + o], rcx)
            }
            (Place::Mem(b, o), Place::Const(k)) => match imm32(k) {
                Some(i) => dynasm!(self.a ; .arch x64 ; mov QWORD [Rq(b) + o], i),
                None => {
                    dynasm!(self.a ; .arch x64 ; mov rcx, QWORD k as i64 ; mov [Rq(b) + o], rcx)
                }
            },
            (Place::Const(_), _) => unreachable!("reads are never constants"),
        }
    }
}
