//! armrun's intermediate representation.
//!
//! A guest basic block is lifted into a [`Block`]: a straight list of [`Inst`]s over 64-bit
//! values in SSA form (each value defined once), ending in one [`Term`]. Every frontend (A64,
//! A32, T32) produces this IR; the interpreter and the x86-64 JIT consume it and never know which
//! ISA produced a block. Opcodes are defined once, in [`ops`].

#![deny(missing_docs)]

pub mod carry_chain;
pub mod deferred;
pub mod flags_live;
pub mod inline;
pub mod ops;
pub mod passes;
mod print;
pub mod sem;
mod verify;

use cpu::slot;
pub use ops::{ByteOp, Deferred, ImmKind, Op, OpInfo, PairOp, cond_holds};
use std::cell::RefCell;
pub use verify::{VerifyError, verify};

/// A value: the result of one instruction in a block, numbered from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Val(pub u32);

/// A function translated code may call: `f(cpu, a, b, c) -> result`.
///
/// `cpu` points at the guest's `cpu::CpuState`; the IR does not depend on that crate, so the
/// pointer is opaque here.
pub type HelperFn = unsafe extern "C" fn(cpu: *mut u8, a: u64, b: u64, c: u64) -> u64;

/// A named helper, so the printer can show which function a `call` reaches.
#[derive(Debug)]
pub struct Helper {
    /// Name shown in IR text.
    pub name: &'static str,
    /// The function.
    pub func: HelperFn,
}

/// One IR instruction.
#[derive(Clone, Copy, Debug)]
pub struct Inst {
    /// The opcode.
    pub op: Op,
    /// The defined value, if the opcode has a result.
    pub dst: Option<Val>,
    /// Arguments; only the first `op.info().arity` are meaningful (the rest are `Val(0)`).
    pub args: [Val; 3],
    /// Immediate, interpreted per [`ImmKind`].
    pub imm: u64,
    /// The helper, for `call` only.
    pub helper: Option<&'static Helper>,
}

/// How a block ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// Continue at a known guest address.
    Jump(u64),
    /// Continue at the guest address held in a value (BR, BLR, RET).
    JumpReg(Val),
    /// Continue at `taken` if `cond` is non-zero, else at `fallthrough`.
    Branch {
        /// The condition value.
        cond: Val,
        /// Target when the condition is non-zero.
        taken: u64,
        /// Target otherwise.
        fallthrough: u64,
    },
    /// Return to the dispatcher with a reason (see `cpu::exit`), the pc to resume at and an
    /// argument ([`EXIT_ARG_KEPT`]: the value the block stored in the exit-argument slot).
    Exit {
        /// Exit reason code.
        reason: u64,
        /// Guest pc stored for the dispatcher.
        pc: u64,
        /// Reason-specific argument.
        arg: u64,
    },
}

/// The `arg` of a [`Term::Exit`] that leaves the exit-argument slot as the block set it (an
/// argument known only at run time, such as the address of an `IC IVAU`).
pub const EXIT_ARG_KEPT: u64 = u64::MAX;

/// Side exits a frontend puts in one block at most: the loops they join into one block have a
/// few forward branches inside; more would translate ever longer runs of code the block may
/// leave early (a full translation's cost grows with its length).
pub const MAX_SIDE_EXITS: usize = 3;

/// What a block's jump is to the guest program, as its instruction says: a call or a return.
/// The JIT predicts a return to go where the call before it said it would (see its return
/// stack); a wrong hint costs time, never correctness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Hint {
    /// An ordinary jump (or a call or return the frontend did not mark).
    #[default]
    None,
    /// A call (BL, BLR, BLX): the terminator jumps to the callee, whose return comes back to
    /// the key given (the instruction after the call).
    Call(u64),
    /// A return (RET, BX LR, POP {..., PC}): the terminator's `JumpReg` most likely goes back
    /// to where the latest call not yet returned from said.
    Return,
}

/// A lifted guest basic block.
#[derive(Clone, Debug)]
pub struct Block {
    /// Guest address of the first instruction.
    pub start: u64,
    /// What the dispatcher and the JIT's links know the block by: the value of `cpu.pc` that
    /// resumes here, which is also what terminators name as targets. Equal to `start` for A64;
    /// a 32-bit frontend adds its execution state (see the `a32` crate's `key` module).
    pub key: u64,
    /// Guest address just past the last instruction of the first run, `start..end`.
    pub end: u64,
    /// The further runs of guest code, in lifting order: each begins at the target of a
    /// direct jump the frontend followed instead of ending the block ([`Builder::follow`]).
    /// Empty for most blocks.
    pub more: Vec<(u64, u64)>,
    /// Number of guest instructions lifted.
    pub guest_insns: u32,
    /// The body.
    pub insts: Vec<Inst>,
    /// How the block ends.
    pub term: Term,
    /// Number of values defined (values are `Val(0)..Val(num_vals)`).
    pub num_vals: u32,
    /// The guest's general registers (slots below [`NARROW_SLOTS`]) hold 32-bit values, zero
    /// above bit 31: a 32-bit guest's, which every write keeps so. Passes may rely on it.
    pub narrow_regs: bool,
    /// Whether the terminator is a call or a return ([`Builder::hint`]).
    pub hint: Hint,
    /// Where a [`Term::JumpReg`] that is not a return most likely goes (the runtime sets it
    /// from the block's runs on the interpreter). The JIT jumps (or calls) there directly
    /// when the value matches, and looks the value up as before when not: a wrong guess
    /// costs a compare. The interpreter ignores it.
    pub predict: Option<u64>,
    /// Whether the block has a helper call or a store-exclusive ([`Op::Call`], [`Op::StoreEx`]):
    /// set by [`Builder`] as it emits one (every such instruction comes from there; passes
    /// remove them but never add one). The interpreter runs only blocks without (their
    /// memory accesses are guarded, a helper's are not), and asking this instead of walking
    /// the block at each first run took 2.7% off a dynamic hello's start-up.
    pub helpers: bool,
}

thread_local! {
    /// Instruction buffers of blocks this thread dropped, emptied, for the next blocks it
    /// builds: a translation builds one block and drops it once compiled, and taking a fresh
    /// buffer from the allocator each time cost 1-3% of a short program's run.
    static SPARE: RefCell<Vec<Vec<Inst>>> = const { RefCell::new(Vec::new()) };
}

/// Buffers [`SPARE`] keeps at most (a translation has a block or two alive at once).
const SPARES: usize = 4;

/// Keeps `insts`, emptied, in [`SPARE`] for the next block this thread builds, unless the
/// list is full or it is a buffer a huge block grew (that memory goes back).
fn give_back(mut insts: Vec<Inst>) {
    if !(64..=1024).contains(&insts.capacity()) {
        return;
    }
    insts.clear();
    // (`try_with`: a block may be dropped while the thread's locals are torn down.)
    let _ = SPARE.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut()
            && s.len() < SPARES
        {
            s.push(insts);
        }
    });
}

impl Drop for Block {
    fn drop(&mut self) {
        give_back(std::mem::take(&mut self.insts));
    }
}

impl Block {
    /// A block at `start` with no code yet, building into `insts` (empty).
    fn empty(start: u64, insts: Vec<Inst>) -> Block {
        Block {
            start,
            key: start,
            end: start,
            more: Vec::new(),
            guest_insns: 0,
            insts,
            term: Term::Exit {
                reason: 0,
                pc: start,
                arg: 0,
            },
            num_vals: 0,
            narrow_regs: false,
            hint: Hint::None,
            predict: None,
            helpers: false,
        }
    }

    /// Moves the instructions into a buffer of their own size, for a block kept a while (the
    /// builder's spare room would cost pages), and gives the builder's buffer to the next
    /// block this thread builds (see [`SPARE`]) instead of shrinking it in place: kept
    /// blocks' builders each took a fresh buffer from the allocator.
    pub fn compact(&mut self) {
        if self.insts.len() < self.insts.capacity() {
            let fitted = self.insts.to_vec();
            give_back(std::mem::replace(&mut self.insts, fitted));
        }
    }
}

/// The slots [`Block::narrow_regs`] speaks of: r0-r14 of a 32-bit guest.
pub const NARROW_SLOTS: u64 = 15;

/// Most bytes from the lowest to the highest guest byte of a block that followed jumps: its
/// hull is what code modification invalidates it for, so a far jump is not followed.
pub const MAX_HULL: u64 = 4096;

/// Runs one block may have ([`Block::more`] plus the first): each followed jump adds one.
pub const MAX_RUNS: usize = 4;

impl Block {
    /// Every contiguous run of guest code the block was lifted from, `start..end` first.
    pub fn runs(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        std::iter::once((self.start, self.end)).chain(self.more.iter().copied())
    }

    /// The smallest guest range holding every run: writes into it invalidate the block.
    pub fn hull(&self) -> (u64, u64) {
        self.runs()
            .fold((self.start, self.end), |(lo, hi), (s, e)| {
                (lo.min(s), hi.max(e))
            })
    }

    /// The side exit the block's final conditional branch became, if `flags_live` split it
    /// (the way that may read the flags leaves by an `exit.if.flags`, the block's last
    /// instruction, and the other is its jump): the exit's condition and target.
    pub fn split_branch(&self) -> Option<(Val, u64)> {
        let last = self.insts.last()?;
        (matches!(self.term, Term::Jump(_)) && last.op == Op::ExitIfFlags)
            .then_some((last.args[0], last.imm))
    }

    /// True if `pc` lies inside one of the block's runs: lifting from there again would
    /// repeat code (a loop), not extend the block.
    pub fn holds(&self, pc: u64) -> bool {
        self.runs().any(|(s, e)| s <= pc && pc < e)
    }
}

/// The state slots an instruction may write besides through `setreg` (see
/// [`Inst::slots_written`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotsWritten {
    /// None.
    None,
    /// FPSR alone: a scalar FP helper merges its exceptions into it.
    Fpsr,
    /// NZCV alone: `flags.deferred`.
    Nzcv,
    /// Both halves of vector register V`n`, and FPSR: a vector operation's helper (an
    /// [`inline::FpInline`] with registers) writes its destination register alone in the CPU
    /// state (and FPSR, for the FP ones).
    Vector(u8),
    /// Any: a helper call, a store-exclusive (the monitor), a vector load (its registers).
    Any,
}

impl SlotsWritten {
    /// Forgets, in `known` (what each slot holds, by slot number), the slots this writes.
    pub fn forget<T: Copy>(self, known: &mut [T], none: T) {
        let mut drop = |s: u32| {
            if let Some(k) = known.get_mut(s as usize) {
                *k = none;
            }
        };
        match self {
            SlotsWritten::None => {}
            SlotsWritten::Fpsr => drop(slot::FPSR),
            SlotsWritten::Nzcv => drop(slot::NZCV),
            SlotsWritten::Vector(n) => {
                drop(slot::FPSR);
                drop(slot::v_lo(n as u32));
                drop(slot::v_hi(n as u32));
            }
            SlotsWritten::Any => known.fill(none),
        }
    }
}

impl Inst {
    /// The state slots this instruction may write besides through `setreg`: what the passes
    /// and the builder that track slot contents forget at it.
    pub fn slots_written(&self) -> SlotsWritten {
        match self.op {
            Op::Call if self.is_fp_env_call() => SlotsWritten::Fpsr,
            Op::Call => match inline::FpInline::decode(self.imm).and_then(|f| f.vector) {
                Some(r) => SlotsWritten::Vector(r.d),
                None => SlotsWritten::Any,
            },
            Op::StoreEx | Op::LoadV => SlotsWritten::Any,
            Op::FlagsDeferred => SlotsWritten::Nzcv,
            _ => SlotsWritten::None,
        }
    }

    /// Whether this is a `call` of a scalar FP helper (an [`inline::FpInline`] without vector
    /// registers): those read FPCR and FPSR, merge the raised exceptions into FPSR, touch no
    /// other CPU state and cannot fault, so the state passes need not treat them as barriers.
    pub fn is_fp_env_call(&self) -> bool {
        self.op == Op::Call
            && inline::FpInline::decode(self.imm)
                .is_some_and(|f| f.vector.is_none() && !f.op.is_crypto())
    }
}

/// The entry of [`Builder`]'s constant cache for `imm`.
fn konst_way(imm: u64) -> usize {
    // Small constants differ in their low bits, masks and offsets in their high ones.
    ((imm ^ imm >> 29 ^ imm >> 58) % KONSTS as u64) as usize
}

/// The successor of a conditional branch (to `taken` or `fallthrough`) that is not `next`,
/// one of them.
pub fn other_successor(taken: u64, fallthrough: u64, next: u64) -> u64 {
    taken ^ fallthrough ^ next
}

/// How many times the block at each dispatcher key has run so far, as far as the runtime
/// knows (0: never, or not known): the profile a full translation is laid out by.
pub type Runs<'a> = &'a dyn Fn(u64) -> u32;

/// Builds a block instruction by instruction. Every method appends at most one instruction:
/// a read of a state slot whose value the block already has ([`Builder::get`]), a constant
/// made lately ([`Builder::konst`]) and a write of what a slot holds already
/// ([`Builder::set`]) append none, as `passes::forward_getreg` would remove them. The quick
/// translation tier runs no passes, and the lifters read every operand and write a constant
/// per use: this keeps about a third of their instructions out of its IR (and code).
pub struct Builder {
    block: Block,
    /// The value each state slot holds, as far as the block has read or written it since the
    /// last instruction that may write slots otherwise ([`NO_VAL`] if not known).
    known: [u32; slot::END as usize],
    /// Constants made so far, direct-mapped by value (value, `Val`), [`NO_VAL`] where empty.
    konsts: [(u64, u32); KONSTS],
    /// False for [`Builder::verbatim`]: every method appends its instruction.
    reuse: bool,
    /// A call of a cryptographic-extension operation was emitted (see
    /// [`Builder::has_crypto_call`]).
    crypto: bool,
}

/// How many times a lifter's limit of guest instructions a block with crypto calls may hold
/// (see [`Builder::insn_limit`]). OpenSSL's AES-GCM kernels are loops of about 180
/// instructions: in one block, compiled as a loop, their vectors stay in the JIT's xmm copies
/// throughout, where blocks of 64 stored and reloaded them at each boundary (`openssl speed
/// -evp aes-128-gcm` on aarch64: 1250 -> 1339 MB/s).
pub const CRYPTO_BLOCK_FACTOR: u32 = 3;

/// The `Val` number [`Builder`]'s caches use for "none".
const NO_VAL: u32 = u32::MAX;

/// Entries of [`Builder`]'s constant cache.
const KONSTS: usize = 16;

impl Builder {
    /// Starts a block at guest address `start`.
    pub fn new(start: u64) -> Builder {
        Builder {
            block: Block::empty(
                start,
                // Most blocks need fewer (a guest instruction lifts to about eight), and
                // growing from empty reallocated several times per block.
                SPARE
                    .with(|s| s.try_borrow_mut().ok()?.pop())
                    .unwrap_or_else(|| Vec::with_capacity(64)),
            ),
            known: [NO_VAL; slot::END as usize],
            konsts: [(0, NO_VAL); KONSTS],
            reuse: true,
            crypto: false,
        }
    }

    /// Like [`Builder::new`], but every method appends its instruction as asked, including
    /// reads and constants the block already has: for tests of the passes, which must see the
    /// IR [`Builder::new`] keeps out, and of code that takes any IR.
    pub fn verbatim(start: u64) -> Builder {
        Builder {
            reuse: false,
            ..Builder::new(start)
        }
    }

    /// Appends an instruction of any opcode; returns its value (or `Val(u32::MAX)` when the
    /// opcode has no result).
    pub fn emit(&mut self, op: Op, args: &[Val], imm: u64) -> Val {
        self.emit_full(op, args, imm, None)
    }

    fn emit_full(
        &mut self,
        op: Op,
        args: &[Val],
        imm: u64,
        helper: Option<&'static Helper>,
    ) -> Val {
        let info = op.info();
        debug_assert_eq!(
            args.len(),
            info.arity,
            "{} takes {} args",
            info.text,
            info.arity
        );
        let mut a = [Val(0); 3];
        a[..args.len()].copy_from_slice(args);
        let dst = if info.result {
            let v = Val(self.block.num_vals);
            self.block.num_vals += 1;
            Some(v)
        } else {
            None
        };
        let inst = Inst {
            op,
            dst,
            args: a,
            imm,
            helper,
        };
        // What the slots hold: as `passes::forward_getreg` tracks it.
        match op {
            Op::GetReg | Op::SetReg => {
                let v = dst.unwrap_or(a[0]).0;
                if let Some(k) = self.known.get_mut(imm as usize) {
                    *k = v;
                }
            }
            Op::Const => {
                let d = dst.expect("const defines").0;
                self.konsts[konst_way(imm)] = (imm, d);
            }
            _ => inst.slots_written().forget(&mut self.known, NO_VAL),
        }
        self.block.helpers |= matches!(op, Op::Call | Op::StoreEx);
        self.block.insts.push(inst);
        dst.unwrap_or(Val(u32::MAX))
    }

    /// Notes that one more guest instruction, ending at `next_pc`, has been lifted.
    pub fn end_insn(&mut self, next_pc: u64) {
        self.block.guest_insns += 1;
        match self.block.more.last_mut() {
            Some(run) => run.1 = next_pc,
            None => self.block.end = next_pc,
        }
    }

    /// Goes on lifting at `target`, the target of the direct jump just lifted, instead of
    /// ending the block there: the jump becomes nothing and a new run of guest code starts.
    pub fn follow(&mut self, target: u64) {
        self.block.more.push((target, target));
        // A followed call ends nothing: its return is a jump like any other.
        self.block.hint = Hint::None;
    }

    /// Marks the jump the instruction being lifted ends the block with as a call or a return
    /// (see [`Hint`]); the last instruction's mark stands.
    pub fn hint(&mut self, hint: Hint) {
        self.block.hint = hint;
    }

    /// Whether a frontend may turn the conditional branch at `pc` to `taken` into a side
    /// exit ([`Builder::exit_if`]) and go on along its fall-through, with the block at most
    /// `max_insns` long: room is left, fewer than [`MAX_SIDE_EXITS`] so far, and the branch
    /// goes forward. A backward branch is usually a loop's back edge, and ending the block
    /// there keeps a loop of one block one; once a jump has been followed, "backward" says
    /// nothing about loops, and only a branch to the block's start ends it.
    pub fn may_side_exit(&self, pc: u64, taken: u64, max_insns: u32) -> bool {
        let b = &self.block;
        b.guest_insns < max_insns
            && self.side_exits() < MAX_SIDE_EXITS
            && (taken > pc || (!b.more.is_empty() && taken != b.start))
    }

    /// Whether a frontend should lay the conditional branch at `pc` out the other way round:
    /// leave by a side exit for `next`, the instruction after it, and go on at `far`, its
    /// other successor, as at a followed jump. So when `runs` (how many times the block at
    /// each key has run so far: the runtime's profile) says the block at `far_key` ran more
    /// than twice as often as the one at `next_key`: a loop whose body skips a rare path by a
    /// forward branch (a library call for an error case) is then one block again. Only for a
    /// forward `far` (`len` bytes of code there at least) where the block may take a side
    /// exit and follow `far`: a backward branch may be a loop's back edge (see
    /// [`Builder::may_side_exit`]).
    #[allow(clippy::too_many_arguments)]
    pub fn follows_far(
        &self,
        pc: u64,
        next: u64,
        far: u64,
        len: u64,
        max_insns: u32,
        (next_key, far_key): (u64, u64),
        runs: Runs,
    ) -> bool {
        far > pc
            && self.may_side_exit(pc, next, max_insns)
            && self.may_follow(far, len, max_insns)
            && runs(far_key) > runs(next_key).saturating_mul(2)
    }

    /// Lays the conditional branch whose successors are `taken` (where `cond` leads) and
    /// `fallthrough`, one of them `next`, the instruction after it, out the other way round
    /// (see [`Builder::follows_far`]): a side exit for `next` (to its dispatcher key
    /// `next_key`), and the block goes on at the other successor, which it returns.
    pub fn exit_to_next_and_follow(
        &mut self,
        cond: Val,
        (taken, fallthrough): (u64, u64),
        next: u64,
        next_key: u64,
    ) -> u64 {
        let to_next = if taken == next {
            cond
        } else {
            self.negate(cond)
        };
        self.exit_if(to_next, next_key);
        let far = other_successor(taken, fallthrough, next);
        self.follow(far);
        far
    }

    /// Whether a frontend may [`follow`](Builder::follow) a direct jump to the guest address
    /// `target` (`len` bytes of code there at least) with the block at most `max_insns` long:
    /// room is left, the block has fewer than [`MAX_RUNS`] runs, `target` is not inside a run
    /// (that would repeat code; a loop of one block, whose jump back goes to its start, stays
    /// one), and the hull stays within [`MAX_HULL`].
    pub fn may_follow(&self, target: u64, len: u64, max_insns: u32) -> bool {
        let b = &self.block;
        let (lo, hi) = b.hull();
        b.guest_insns < max_insns
            && b.more.len() + 1 < MAX_RUNS
            && !b.holds(target)
            && hi.max(target.saturating_add(len)) - lo.min(target) <= MAX_HULL
    }

    /// Marks the start of the guest instruction whose resume key (its pc, plus the execution
    /// state a 32-bit frontend adds) is `key`, so a fault in a memory access that follows can
    /// be reported at this instruction with the state as it was before it.
    pub fn mark(&mut self, key: u64) {
        self.emit(Op::Mark, &[], key);
        // A hint is the last instruction's: one whose branch became a side exit or was
        // followed marks nothing the block ends with.
        self.block.hint = Hint::None;
    }

    /// Whether the block has a call of a cryptographic-extension operation so far (see
    /// [`inline::FpOp::is_crypto`]): the lifters then make the moves around them such calls
    /// too.
    pub fn has_crypto_call(&self) -> bool {
        self.crypto
    }

    /// The number of guest instructions the block may hold when a lifter's limit is
    /// `max_insns`: [`CRYPTO_BLOCK_FACTOR`] times as many once it has a crypto call (but a
    /// limit of one instruction stays one).
    pub fn insn_limit(&self, max_insns: u32) -> u32 {
        match self.crypto && max_insns > 1 {
            true => max_insns * CRYPTO_BLOCK_FACTOR,
            false => max_insns,
        }
    }

    /// Number of guest instructions lifted so far.
    pub fn guest_insns(&self) -> u32 {
        self.block.guest_insns
    }

    /// Number of IR instructions emitted so far.
    pub fn len(&self) -> usize {
        self.block.insts.len()
    }

    /// True if nothing has been emitted.
    pub fn is_empty(&self) -> bool {
        self.block.insts.is_empty()
    }

    /// Finishes the block with its terminator.
    pub fn finish(mut self, term: Term) -> Block {
        self.seal(term);
        self.block
    }

    /// [`Builder::finish`] for a builder inside a larger structure (a lifter's context),
    /// which then need not be moved: the builder is left with an empty block.
    pub fn take_block(&mut self, term: Term) -> Block {
        self.seal(term);
        let empty = Block::empty(0, Vec::new());
        std::mem::replace(&mut self.block, empty)
    }

    /// Gives the block its terminator.
    fn seal(&mut self, term: Term) {
        // A followed jump whose target could not be fetched added no code.
        if self.block.more.last().is_some_and(|&(s, e)| s == e) {
            self.block.more.pop();
        }
        self.block.term = term;
    }

    /// `const imm` (or the same constant made earlier in the block).
    pub fn konst(&mut self, imm: u64) -> Val {
        match self.konsts[konst_way(imm)] {
            (k, v) if k == imm && v != NO_VAL && self.reuse => Val(v),
            _ => self.emit(Op::Const, &[], imm),
        }
    }
    /// `getreg slot` (or the value the block knows the slot holds).
    pub fn get(&mut self, slot: u32) -> Val {
        match self.known.get(slot as usize) {
            Some(&v) if v != NO_VAL && self.reuse => Val(v),
            _ => self.emit(Op::GetReg, &[], slot as u64),
        }
    }
    /// `setreg slot, v` (nothing if the block knows the slot holds `v`).
    pub fn set(&mut self, slot: u32, v: Val) {
        if !self.reuse || self.known.get(slot as usize) != Some(&v.0) {
            self.emit(Op::SetReg, &[v], slot as u64);
        }
    }
    /// A binary opcode without immediate.
    pub fn bin(&mut self, op: Op, a: Val, b: Val) -> Val {
        self.emit(op, &[a, b], 0)
    }
    /// A binary opcode with a width immediate (32 or 64).
    pub fn binw(&mut self, op: Op, a: Val, b: Val, width: u32) -> Val {
        self.emit(op, &[a, b], width as u64)
    }
    /// A unary opcode with its immediate.
    pub fn un(&mut self, op: Op, a: Val, imm: u64) -> Val {
        self.emit(op, &[a], imm)
    }
    /// `add a, b`
    pub fn add(&mut self, a: Val, b: Val) -> Val {
        self.bin(Op::Add, a, b)
    }
    /// `sub a, b`
    pub fn sub(&mut self, a: Val, b: Val) -> Val {
        self.bin(Op::Sub, a, b)
    }
    /// `and a, b`
    pub fn and(&mut self, a: Val, b: Val) -> Val {
        self.bin(Op::And, a, b)
    }
    /// `or a, b`
    pub fn or(&mut self, a: Val, b: Val) -> Val {
        self.bin(Op::Or, a, b)
    }
    /// `xor a, b`
    pub fn xor(&mut self, a: Val, b: Val) -> Val {
        self.bin(Op::Xor, a, b)
    }
    /// `not a` (a constant if `a` is one the block made lately).
    pub fn not(&mut self, a: Val) -> Val {
        match self.konsts.iter().find(|&&(_, v)| v == a.0 && self.reuse) {
            Some(&(k, _)) => self.konst(!k),
            None => self.un(Op::Not, a, 0),
        }
    }
    /// `zext.bits a`
    pub fn zext(&mut self, a: Val, from_bits: u32) -> Val {
        self.un(Op::Zext, a, from_bits as u64)
    }
    /// `sext.bits a`
    pub fn sext(&mut self, a: Val, from_bits: u32) -> Val {
        self.un(Op::Sext, a, from_bits as u64)
    }
    /// `select c, a, b`
    pub fn select(&mut self, c: Val, a: Val, b: Val) -> Val {
        self.emit(Op::Select, &[c, a, b], 0)
    }
    /// `cond.cc nzcv`
    pub fn cond(&mut self, nzcv: Val, cond: u32) -> Val {
        self.emit(Op::Cond, &[nzcv], cond as u64)
    }
    /// The negation of `cond`, a 0-or-1 value: the opposite condition where `cond` is the
    /// result of a condition test (ARM's condition codes come in pairs that differ in bit 0;
    /// AL and NV never reach a conditional branch), else `eq cond, 0`.
    pub fn negate(&mut self, cond: Val) -> Val {
        // A branch's condition is nearly always the last instruction lifted.
        let def = self.block.insts.iter().rev().find(|i| i.dst == Some(cond));
        if let Some(i) = def
            && matches!(i.op, Op::Cond | Op::CondAdd | Op::CondLogic | Op::CondSub)
            && i.imm & 0xf < 14
        {
            let (op, args, imm) = (i.op, i.args, i.imm ^ 1);
            return self.emit(op, &args[..op.info().arity], imm);
        }
        let zero = self.konst(0);
        self.emit(Op::Eq, &[cond, zero], 0)
    }
    /// `load.size addr`
    pub fn load(&mut self, addr: Val, size: u32) -> Val {
        self.emit(Op::Load, &[addr], size as u64)
    }
    /// `store.size addr, v`
    pub fn store(&mut self, addr: Val, v: Val, size: u32) {
        self.emit(Op::Store, &[addr, v], size as u64);
    }
    /// `store.if.size addr, v, cond`: the store happens only if `cond` is not 0.
    pub fn store_if(&mut self, addr: Val, v: Val, cond: Val, size: u32) {
        self.emit(Op::StoreIf, &[addr, v, cond], size as u64);
    }
    /// The side exits (`exit.if`) so far.
    pub fn side_exits(&self) -> usize {
        self.block
            .insts
            .iter()
            .filter(|i| i.op.is_side_exit())
            .count()
    }
    /// `exit.if cond, target`: a side exit to the block at key `target` when `cond` is not 0.
    pub fn exit_if(&mut self, cond: Val, target: u64) {
        self.emit(Op::ExitIf, &[cond], target);
    }
    /// `loadv vreg, size, addr`
    pub fn loadv(&mut self, addr: Val, vreg: u32, size: u32) {
        self.emit(Op::LoadV, &[addr], (vreg | size << 8) as u64);
    }
    /// `storev vreg, size, addr`
    pub fn storev(&mut self, addr: Val, vreg: u32, size: u32) {
        self.emit(Op::StoreV, &[addr], (vreg | size << 8) as u64);
    }
    /// `call helper(a, b, c)`
    pub fn call(&mut self, helper: &'static Helper, a: Val, b: Val, c: Val) -> Val {
        self.emit_full(Op::Call, &[a, b, c], 0, Some(helper))
    }

    /// Calls `helper`, which implements the scalar FP operation `inline`, so the JIT may inline
    /// it (see [`inline`]).
    pub fn call_fp(
        &mut self,
        helper: &'static Helper,
        inline: inline::FpInline,
        a: Val,
        b: Val,
        c: Val,
    ) -> Val {
        self.crypto |= inline.op.is_crypto();
        self.emit_full(Op::Call, &[a, b, c], inline.encode(), Some(helper))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Builder::take_block` gives the block `Builder::finish` would (a followed jump that
    /// added no code dropped) and leaves the builder an empty one.
    #[test]
    fn take_block_is_finish_in_place() {
        let build = || {
            let mut b = Builder::new(0x1000);
            let x = b.get(1);
            b.set(2, x);
            b.end_insn(0x1004);
            b.follow(0x2000);
            b
        };
        let term = Term::Jump(0x2000);
        let mut b = build();
        let taken = b.take_block(term);
        let finished = build().finish(term);
        assert_eq!(taken.to_string(), finished.to_string());
        assert!(taken.more.is_empty() && finished.more.is_empty());
        assert_eq!((taken.end, taken.num_vals), (0x1004, 1));
        let left = b.finish(term);
        assert!(left.insts.is_empty() && left.num_vals == 0, "{left}");
    }

    #[test]
    fn build_print_verify() {
        let mut b = Builder::new(0x1000);
        let x = b.get(1);
        let k = b.konst(5);
        let s = b.add(x, k);
        b.set(0, s);
        b.end_insn(0x1004);
        let blk = b.finish(Term::Jump(0x1004));
        verify(&blk).unwrap();
        let text = blk.to_string();
        assert!(text.contains("v2 = add v0, v1"), "{text}");
        assert!(text.contains("jump 0x1004"), "{text}");
    }

    /// `Builder::new` appends no read of a slot the block has read or written since the last
    /// instruction that may write slots otherwise (a helper call, a store-exclusive, a vector
    /// load; a scalar FP call writes FPSR only), no constant it made before and no write of
    /// what a slot holds; `Builder::verbatim` appends every one.
    #[test]
    fn a_builder_keeps_out_what_the_block_has() {
        unsafe extern "C" fn nop(_: *mut u8, _: u64, _: u64, _: u64) -> u64 {
            0
        }
        static H: Helper = Helper {
            name: "nop",
            func: nop,
        };
        let scalar = inline::FpInline {
            op: inline::FpOp::Mul,
            double: true,
            vector: None,
        };
        const K: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let mut b = Builder::new(0x1000);
        let x = b.get(1);
        let k = b.konst(K);
        let n = b.len();
        assert_eq!((b.get(1), b.konst(K)), (x, k));
        b.set(2, k);
        assert_eq!(b.get(2), k);
        b.set(2, k);
        b.set(1, x);
        assert_eq!(b.len(), n + 1, "only the first write of slot 2");
        // Two constants in one way of the cache: the newer one is kept.
        let other = K + KONSTS as u64;
        assert_eq!(konst_way(other), konst_way(K));
        let o = b.konst(other);
        assert_eq!(b.konst(other), o);
        assert_ne!(b.konst(K), k);
        // A scalar FP call writes FPSR only; any other call may write any slot.
        let f = b.get(slot::FPSR);
        b.call_fp(&H, scalar, x, x, x);
        assert_eq!(b.get(1), x);
        assert_ne!(b.get(slot::FPSR), f);
        b.call(&H, x, x, x);
        let y = b.get(1);
        assert_ne!(y, x);
        for op in [Op::StoreEx, Op::LoadV] {
            let info = op.info();
            let args = [y; 3];
            b.emit(op, &args[..info.arity], 0);
            assert_ne!(b.get(1), y, "{}", info.text);
        }
        // Nothing is kept out of a verbatim block.
        let mut v = Builder::verbatim(0x1000);
        let x = v.get(1);
        let k = v.konst(3);
        v.set(1, x);
        assert_ne!(v.get(1), x);
        assert_ne!(v.konst(3), k);
        assert_eq!(v.len(), 5);
    }

    /// A compacted block keeps its instructions, in a buffer of their size, and its builder's
    /// buffer goes to the next builder.
    #[test]
    fn compact_fits_the_buffer_and_hands_the_old_one_on() {
        let mut b = Builder::new(0x1000);
        for slot in 1..4 {
            let v = b.get(slot);
            b.set(slot + 4, v);
        }
        let mut blk = b.finish(Term::Jump(0x1004));
        let before = format!("{blk}");
        let old = blk.insts.as_ptr();
        assert!(blk.insts.capacity() > blk.insts.len());
        blk.compact();
        assert_eq!(format!("{blk}"), before);
        assert_eq!(blk.insts.capacity(), blk.insts.len());
        let next = Builder::new(0x2000).finish(Term::Jump(0x2004));
        assert_eq!(next.insts.as_ptr(), old, "the next block reuses the buffer");
    }

    /// `not` of a constant the builder remembers is that constant's complement, made as a
    /// constant; of anything else (or in a verbatim block) a `not`.
    #[test]
    fn not_of_a_known_constant_is_a_constant() {
        let mut b = Builder::new(0x1000);
        let k = b.konst(7);
        let n = b.len();
        let nk = b.not(k);
        assert_eq!(nk, b.konst(!7));
        assert_eq!(b.len(), n + 1, "one const, no not");
        let x = b.get(1);
        b.not(x);
        let mut v = Builder::verbatim(0x1000);
        let k = v.konst(7);
        v.not(k);
        for (blk, nots) in [(b, 1), (v, 1)] {
            let blk = blk.finish(Term::Jump(0));
            assert_eq!(blk.insts.iter().filter(|i| i.op == Op::Not).count(), nots);
        }
    }

    /// The negation of a condition test is the opposite test of the same operands; of any
    /// other 0-or-1 value, a compare with 0. Checked on the interpreter's semantics for each.
    #[test]
    fn negate_flips_a_condition_or_compares_with_zero() {
        for cond in 0..14 {
            let mut b = Builder::new(0x1000);
            let f = b.get(0);
            let c = b.cond(f, cond);
            let n = b.negate(c);
            let i = b.block.insts.last().unwrap();
            assert_eq!(
                (i.op, i.args[0], i.imm, i.dst),
                (Op::Cond, f, (cond ^ 1) as u64, Some(n))
            );
            for nzcv in (0..16u64).map(|k| k << 28) {
                assert_eq!(cond_holds(cond ^ 1, nzcv), !cond_holds(cond, nzcv));
            }
        }
        let mut b = Builder::new(0x1000);
        let x = b.get(0);
        let k = b.konst(0x4000_0000);
        let fused = b.emit(Op::CondSub, &[x, k], 64 << 8 | 3);
        b.negate(fused);
        let i = b.block.insts.last().unwrap();
        assert_eq!(
            (i.op, i.args[..2].to_vec(), i.imm),
            (Op::CondSub, vec![x, k], 64 << 8 | 2)
        );
        let one = b.konst(1);
        let bit = b.and(x, one);
        let n = b.negate(bit);
        let i = b.block.insts.last().unwrap();
        assert_eq!((i.op, i.args[0], i.dst), (Op::Eq, bit, Some(n)));
        assert_eq!(
            b.block.insts[b.block.insts.len() - 2].imm,
            0,
            "compared with 0"
        );
        b.end_insn(0x1004);
        verify(&b.finish(Term::Jump(0x1004))).unwrap();
    }

    /// A branch is laid out the other way only where its forward target ran more than twice
    /// as often as its fall-through and the block may take a side exit and follow.
    #[test]
    fn follows_far_needs_a_hotter_forward_target_and_room() {
        let mut b = Builder::new(0x1000);
        b.end_insn(0x1004);
        let runs = |far: u32| move |k: u64| if k == 0x1010 { far } else { 4 };
        let follows = |b: &Builder, far: u64, max: u32, r: u32| {
            b.follows_far(0x1000, 0x1004, far, 4, max, (0x1004, far), &runs(r))
        };
        assert!(follows(&b, 0x1010, 64, 9));
        assert!(!follows(&b, 0x1010, 64, 8), "twice as often is not enough");
        assert!(!follows(&b, 0x1010, 1, 9), "no room");
        let mut back = Builder::new(0x1020);
        back.end_insn(0x1024);
        assert!(
            !back.follows_far(0x1020, 0x1024, 0x1010, 4, 64, (0x1024, 0x1010), &runs(9)),
            "a backward target"
        );
    }

    #[test]
    fn conditions() {
        // Z set: eq holds, ne does not; al always holds.
        assert!(cond_holds(0, 0x4000_0000));
        assert!(!cond_holds(1, 0x4000_0000));
        assert!(cond_holds(14, 0));
        assert!(cond_holds(15, 0));
        // N != V: lt holds, ge does not.
        assert!(cond_holds(11, 0x8000_0000));
        assert!(!cond_holds(10, 0x8000_0000));
    }
}
