//! Lifting context shared by the A32 and Thumb handlers: the IR builder, the current
//! instruction's address, length and condition, and register, flag and memory access that
//! honours that condition.
//!
//! The IR has no control flow inside a block, so a conditional instruction is lifted as if it
//! executed, with every state write made a `select` between the new and the old value. Loads
//! read from the (mapped, readable) page of the instruction itself when the condition fails, so
//! they cannot fault; stores are the IR's conditional `store.if`, which skips the access.

use ir::{Builder, Helper, Op, Term, Val};

/// Whether ARM condition `c` holds (`Some(true)`), fails (`Some(false)`) or may go either way
/// (`None`) on every flags word condition `known` holds for.
fn implied(known: u32, c: u32) -> Option<bool> {
    let words = (0..16u64)
        .map(|f| f << 28)
        .filter(|&f| ir::cond_holds(known, f));
    let (mut holds, mut fails) = (true, true);
    for f in words {
        let h = ir::cond_holds(c, f);
        (holds, fails) = (holds && h, fails && !h);
    }
    if holds {
        Some(true)
    } else if fails {
        Some(false)
    } else {
        None
    }
}

/// What a handler asks of the block loop after lifting one instruction.
pub enum Flow {
    /// Continue with the next instruction.
    Next,
    /// An IT instruction: continue with this ITSTATE.
    It(u8),
    /// The instruction ends the block with this terminator.
    End(Term),
    /// The word is undefined (or UNPREDICTABLE in a way armrun refuses); nothing was emitted
    /// for it that has an effect.
    Undef,
}

/// Guest address that [`SWAP`] treats as "condition failed": above every 32-bit address.
pub const SKIP_ADDR: u64 = 1 << 40;

/// Lifting state for one block.
pub struct Ctx {
    /// The IR under construction.
    pub b: Builder,
    /// Guest address of the instruction being lifted.
    pub pc: u64,
    /// Thumb state (PC reads give pc + 4 instead of pc + 8).
    pub thumb: bool,
    /// Length of the current instruction in bytes (2 or 4).
    pub len: u64,
    /// Condition of the current instruction, if it is not "always".
    cc: Option<u32>,
    /// The value "condition holds" for the current instruction, computed on first use.
    holds: Option<Val>,
    /// ITSTATE at the current instruction (Thumb only; 0 outside IT blocks).
    pub it: u8,
    /// The instruction set the block continues in (see [`crate::key`]).
    pub mode_out: Mode,
    /// Whether the block's terminator names keys rather than addresses.
    pub keyed: bool,
    /// A further condition (1/0) every instruction lifted while it is set executes under, on
    /// top of its own: how a recognised routine's block runs the routine's first instructions
    /// only on the path that continues into its code (see [`crate::routine`]).
    pub guard: Option<Val>,
    /// Whether a conditional A32 instruction leaves the block where its condition fails and
    /// then runs as an unconditional one (full translations: see
    /// [`Ctx::leave_unless_condition`]).
    pub cond_exits: bool,
    /// The flags word and condition the last such exit tested.
    tested: Option<(Val, u32)>,
}

/// The instruction set after a block, as far as the lifter knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The block's own (nothing wrote the THUMB slot).
    Same,
    /// Thumb (`true`) or A32, written as a constant.
    Const(bool),
    /// Computed: the value written to the THUMB slot (0 or 1).
    Val(Val),
}

impl Ctx {
    /// A context for a block at `pc`.
    pub fn new(pc: u64, thumb: bool) -> Ctx {
        Ctx {
            b: Builder::new(pc),
            pc,
            thumb,
            len: if thumb { 2 } else { 4 },
            cc: None,
            holds: None,
            it: 0,
            mode_out: Mode::Same,
            keyed: false,
            guard: None,
            cond_exits: false,
            tested: None,
        }
    }

    /// True inside an IT block.
    pub fn in_it(&self) -> bool {
        self.it & 0xf != 0
    }

    /// True inside an IT block but not at its last instruction (where branches are not
    /// allowed).
    pub fn in_it_not_last(&self) -> bool {
        self.in_it() && self.it & 0xf != 0x8
    }

    /// Starts the instruction at `pc` of `len` bytes, executed under condition `cond`.
    pub fn begin(&mut self, pc: u64, len: u64, cond: u32) {
        self.pc = pc;
        self.len = len;
        self.cc = (cond < 14).then_some(cond);
        self.holds = None;
    }

    /// Sets the condition of the current instruction (A32 reads it from the word).
    pub fn set_cond(&mut self, cond: u32) {
        self.cc = (cond < 14).then_some(cond);
        self.holds = None;
    }

    /// With [`Ctx::cond_exits`], makes the current conditional A32 instruction (its condition
    /// set, nothing of it emitted yet) a side exit to the next instruction where the condition
    /// fails, followed by the instruction as an unconditional one: its writes are plain writes
    /// and its stores plain stores, where a predicated instruction selects every written
    /// value and tests before every store (glibc's armv7 memset stores by `stmhs` four times a
    /// pass). Exact: a failed condition does nothing but go on to the next instruction, and the
    /// exit's block begins there. A new exit only where `may_exit` (the caller's choice:
    /// memory accesses and PC writes, which predication makes costly; a `movge; movlt` pair
    /// on an even comparison would leave the block half the time). A condition the last exit
    /// tested on the same flags word holds already (`subs; stmhs; subhs` tests once), as does
    /// one it implies, and one it excludes fails (`strgt; strle` leaves the block at most
    /// once). Not for Thumb (an IT block's state would have to go with the exit) or under a
    /// routine's guard.
    pub fn leave_unless_condition(&mut self, may_exit: bool) {
        // (`cond_exits` is only ever set for A32 code.)
        let Some(c) = self.cc.filter(|_| self.cond_exits && self.guard.is_none()) else {
            return;
        };
        let f = self.b.get(cpu::slot::NZCV);
        let known = match self.tested {
            Some((tf, tc)) if tf == f => implied(tc, c),
            _ => None,
        };
        match known {
            // Past the last exit this condition fails (the second of `strgt; strle`, or of
            // `strlt; strgt`): the instruction stays one whose condition is 0.
            Some(false) => {
                self.holds = Some(self.b.konst(0));
                return;
            }
            Some(true) => {}
            // Not worth an exit: the instruction stays predicated.
            None if !may_exit => return,
            None => {
                let fails = self.b.cond(f, c ^ 1);
                let next = crate::key::key(self.next(), false, 0);
                self.b.exit_if(fails, next);
                self.tested = Some((f, c));
            }
        }
        self.cc = None;
        self.holds = None;
    }

    /// True if the current instruction is conditional (by its own condition or the
    /// [`Ctx::guard`]).
    pub fn conditional(&self) -> bool {
        self.cc.is_some() || self.guard.is_some()
    }

    /// "The condition holds" (1/0) for a conditional instruction, None for an unconditional one.
    /// The flags are read the first time this is asked, which is before the instruction writes
    /// any state (every write goes through [`Ctx::set_slot`]).
    pub fn holds(&mut self) -> Option<Val> {
        let Some(c) = self.cc else {
            return self.guard;
        };
        if self.holds.is_none() {
            let f = self.b.get(cpu::slot::NZCV);
            let h = self.b.cond(f, c);
            self.holds = Some(match self.guard {
                Some(g) => self.b.and(h, g),
                None => h,
            });
        }
        self.holds
    }

    /// A constant.
    pub fn k(&mut self, v: u64) -> Val {
        self.b.konst(v)
    }

    /// Address of the next instruction.
    pub fn next(&self) -> u64 {
        self.pc.wrapping_add(self.len)
    }

    /// The value a PC read gives: the instruction's address plus 8 (A32) or 4 (Thumb).
    pub fn pc_read(&self) -> u64 {
        self.pc.wrapping_add(if self.thumb { 4 } else { 8 }) & 0xffff_ffff
    }

    /// Reads R`n` (R15 reads as [`Ctx::pc_read`]).
    pub fn r(&mut self, n: u32) -> Val {
        if n == 15 {
            let v = self.pc_read();
            self.k(v)
        } else {
            self.b.get(cpu::slot::x(n))
        }
    }

    /// Reads R`n` as a base address: R15 reads as Align(PC, 4) (literal addressing).
    pub fn base(&mut self, n: u32) -> Val {
        if n == 15 {
            let v = self.pc_read() & !3;
            self.k(v)
        } else {
            self.r(n)
        }
    }

    /// Writes a state slot, keeping the old value if the instruction's condition fails.
    pub fn set_slot(&mut self, slot: u32, v: Val) {
        let v = match self.holds() {
            Some(h) => {
                let old = self.b.get(slot);
                self.b.select(h, v, old)
            }
            None => v,
        };
        if slot == cpu::slot::THUMB {
            self.mode_out = Mode::Val(v);
        }
        self.b.set(slot, v);
    }

    /// Writes R`n` (n < 15) with a value already zero-extended from 32 bits.
    pub fn set_r(&mut self, n: u32, v: Val) {
        debug_assert!(n < 15);
        self.set_slot(cpu::slot::x(n), v);
    }

    /// The flags word.
    pub fn nzcv(&mut self) -> Val {
        self.b.get(cpu::slot::NZCV)
    }

    /// Writes the flags word.
    pub fn set_nzcv(&mut self, v: Val) {
        self.set_slot(cpu::slot::NZCV, v);
    }

    /// The C flag as 0 or 1.
    pub fn carry(&mut self) -> Val {
        let f = self.nzcv();
        let c = self.shr(f, 29);
        self.and_k(c, 1)
    }

    /// Sets the Q flag if `ov` (0 or 1) is 1.
    pub fn or_q(&mut self, ov: Val) {
        let q = self.b.get(cpu::slot::Q);
        let bit = self.shl(ov, 27);
        let q = self.b.or(q, bit);
        self.set_slot(cpu::slot::Q, q);
    }

    /// `a & k`.
    pub fn and_k(&mut self, a: Val, k: u64) -> Val {
        let k = self.k(k);
        self.b.and(a, k)
    }

    /// 64-bit logical shift right by a constant (0..63).
    pub fn shr(&mut self, a: Val, n: u32) -> Val {
        if n == 0 {
            return a;
        }
        let s = self.k(n as u64);
        self.b.binw(Op::Lshr, a, s, 64)
    }

    /// 64-bit shift left by a constant (0..63).
    pub fn shl(&mut self, a: Val, n: u32) -> Val {
        if n == 0 {
            return a;
        }
        let s = self.k(n as u64);
        self.b.binw(Op::Shl, a, s, 64)
    }

    /// `op a, #n` at width 32 (no-op for 0).
    pub fn op32k(&mut self, op: Op, a: Val, n: u32) -> Val {
        if n == 0 {
            return a;
        }
        let s = self.k(n as u64);
        self.b.binw(op, a, s, 32)
    }

    /// Zero-extends from 32 bits.
    pub fn z32(&mut self, a: Val) -> Val {
        self.b.zext(a, 32)
    }

    /// `a + b` modulo 2^32.
    pub fn add32(&mut self, a: Val, b: Val) -> Val {
        let z = self.k(0);
        self.b.emit(Op::AddC, &[a, b, z], 32)
    }

    /// `a - b` modulo 2^32.
    pub fn sub32(&mut self, a: Val, b: Val) -> Val {
        let nb = self.b.not(b);
        let one = self.k(1);
        self.b.emit(Op::AddC, &[a, nb, one], 32)
    }

    /// `a + k` modulo 2^32.
    pub fn add32k(&mut self, a: Val, k: u64) -> Val {
        if k == 0 {
            return a;
        }
        let k = self.k(k & 0xffff_ffff);
        self.add32(a, k)
    }

    /// `a + b + c` at 32 bits, writing NZCV when `flags` is set.
    pub fn adc32(&mut self, a: Val, b: Val, c: Val, flags: bool) -> Val {
        let r = self.b.emit(Op::AddC, &[a, b, c], 32);
        if flags {
            let f = self.b.emit(Op::AddCFlags, &[a, b, c], 32);
            self.set_nzcv(f);
        }
        r
    }

    /// Sets N and Z from the 32-bit `r`, C from `carry` (0/1) if given, keeping V (and C when
    /// `carry` is None): the flags of a logical operation.
    pub fn logic_flags(&mut self, r: Val, carry: Option<Val>) {
        let nz = self.b.un(Op::LogicFlags, r, 32);
        self.set_nz(nz, carry);
    }

    /// Merges `nz` (N and Z as `Op::LogicFlags` gives them, the rest clear) into the flags,
    /// with C from `carry` (0/1) if given, keeping V (and C when `carry` is None).
    pub fn set_nz(&mut self, nz: Val, carry: Option<Val>) {
        let old = self.nzcv();
        let keep = self.and_k(
            old,
            if carry.is_some() {
                0x1000_0000
            } else {
                0x3000_0000
            },
        );
        let mut f = self.b.or(nz, keep);
        if let Some(c) = carry {
            let c = self.shl(c, 29);
            f = self.b.or(f, c);
        }
        self.set_nzcv(f);
    }

    /// Loads `size` bytes (zero-extended). When the condition fails the load reads the page of
    /// the instruction instead, which is mapped, so it cannot fault; its value is discarded by
    /// the conditional register write.
    pub fn load(&mut self, addr: Val, size: u32) -> Val {
        let addr = match self.holds() {
            Some(h) => {
                let safe = self.k(self.pc & !0xfff);
                self.b.select(h, addr, safe)
            }
            None => addr,
        };
        self.b.load(addr, size)
    }

    /// Stores the low `size` bytes of `v` (skipped when the condition fails).
    pub fn store(&mut self, addr: Val, v: Val, size: u32) {
        match self.holds() {
            Some(h) => self.b.store_if(addr, v, h, size),
            None => self.b.store(addr, v, size),
        }
    }

    /// A branch to a known address (conditional if the instruction is).
    pub fn jump(&mut self, target: u64) -> Term {
        let target = target & 0xffff_ffff;
        match self.holds() {
            Some(h) => Term::Branch {
                cond: h,
                taken: target,
                fallthrough: self.next(),
            },
            None => Term::Jump(target),
        }
    }

    /// Sets the Thumb bit to the constant `t` (BLX immediate).
    pub fn set_thumb_k(&mut self, t: bool) {
        let v = self.k(t as u64);
        self.set_slot(cpu::slot::THUMB, v);
        if !self.conditional() {
            self.mode_out = Mode::Const(t);
        }
    }

    /// A write of `target` to the PC. `interwork` (BX, BLX, loads, A32 ALU writes) takes the
    /// instruction set from bit 0; otherwise (Thumb ALU writes, TBB) the state is kept. The
    /// address has bit 0 (and in A32 state bit 1) cleared.
    pub fn write_pc(&mut self, target: Val, interwork: bool) -> Term {
        let addr = if interwork {
            let t = self.and_k(target, 1);
            self.set_slot(cpu::slot::THUMB, t);
            // To A32 state with bit 1 set is UNPREDICTABLE; clearing only bit 0 keeps the
            // address the guest asked for in both states.
            self.and_k(target, 0xffff_fffe)
        } else {
            self.and_k(target, if self.thumb { 0xffff_fffe } else { 0xffff_fffc })
        };
        let addr = match self.holds() {
            Some(h) => {
                let next = self.k(self.next());
                self.b.select(h, addr, next)
            }
            None => addr,
        };
        Term::JumpReg(addr)
    }
}

/// Atomic exchange (SWP, SWPB): `a` = guest address or [`SKIP_ADDR`] (then nothing happens and
/// 0 is returned), `b` = new value, `c` = size (4 or 1). Returns the old value.
pub static SWAP: Helper = Helper {
    name: "a32_swap",
    func: swap,
};

/// See [`SWAP`].
unsafe extern "C" fn swap(cpu: *mut u8, addr: u64, v: u64, size: u64) -> u64 {
    use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
    if addr == SKIP_ADDR {
        return 0;
    }
    // SAFETY: translated code calls helpers with a pointer to the live CpuState of the running
    // thread; only `mem_base` is read.
    let base = unsafe { (*(cpu as *const cpu::CpuState)).mem_base };
    let host = base.wrapping_add(addr) as usize;
    if size == 1 {
        // SAFETY: guest memory is host memory at mem_base + addr (as for the IR's loads and
        // stores); other guest threads may access it concurrently, hence the atomic.
        return unsafe { (*(host as *const AtomicU8)).swap(v as u8, Ordering::SeqCst) } as u64;
    }
    if host.is_multiple_of(4) {
        // SAFETY: as above; the address is 4-byte aligned (checked).
        return unsafe { (*(host as *const AtomicU32)).swap(v as u32, Ordering::SeqCst) } as u64;
    }
    // An unaligned SWP is an alignment fault on hardware; do a plain exchange rather than
    // refuse, as for unaligned exclusives.
    let p = host as *mut u32;
    // SAFETY: guest memory at mem_base + addr, as above; unaligned accesses are used.
    unsafe {
        let old = p.read_unaligned();
        p.write_unaligned(v as u32);
        old as u64
    }
}
