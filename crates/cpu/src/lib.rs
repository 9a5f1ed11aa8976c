//! The guest CPU state shared by the interpreter, the JIT and the runtime.
//!
//! The struct is `#[repr(C)]` so JIT code can reach every field at a fixed offset from one pinned
//! host register. The IR addresses scalar state by *slot*: slot `i` is the `u64` at byte offset
//! `8 * i`. That keeps the IR free of per-ISA register names: A64 maps X0..X30/SP to slots 0..31,
//! a 32-bit guest maps R0..R15 to slots 0..15.

#![deny(missing_docs)]

/// Number of general purpose slots (X0..X30 and SP).
pub const NUM_X: usize = 32;

/// The complete architectural state of one guest thread plus the bookkeeping the JIT needs.
#[repr(C, align(16))]
#[derive(Clone, Debug)]
pub struct CpuState {
    /// X0..X30; index 31 is SP (XZR is never stored: the lifter reads it as a constant 0).
    pub x: [u64; NUM_X],
    /// Program counter of the next instruction to execute when control is in the dispatcher.
    pub pc: u64,
    /// Flags in ARM layout: N=bit 31, Z=30, C=29, V=28; all other bits zero. Or, while its
    /// low bits ([`DEFERRED`]) are not zero, the flags of a compare left for later: `ir`'s
    /// `flags.deferred` puts its kind there and its operands in [`CpuState::flags_a`] and
    /// [`CpuState::flags_b`], and a read of the slot works the flags out (`ir::deferred`).
    /// Only blocks leave them so (translated or interpreted), at their end; the dispatcher
    /// settles them before anything else looks.
    pub nzcv: u64,
    /// TPIDR_EL0 (user thread pointer).
    pub tpidr: u64,
    /// FPCR (rounding mode, FZ, DN, AHP).
    pub fpcr: u64,
    /// FPSR (cumulative exception flags and QC).
    pub fpsr: u64,
    /// Exclusive monitor: guest address of the last load-exclusive, or `u64::MAX` when clear.
    pub excl_addr: u64,
    /// Exclusive monitor: value observed by the last load-exclusive (low half for pairs).
    pub excl_val: u64,
    /// Exclusive monitor: high half observed by a pair load-exclusive.
    pub excl_val_hi: u64,
    /// Host address of guest address 0 (0 for 64-bit guests that share the host layout).
    pub mem_base: u64,
    /// Non-zero when an asynchronous event (a host signal) wants the dispatcher at the next block
    /// boundary. Translated code checks it before every linked jump so loops stay interruptible.
    pub pending: u64,
    /// Scratch: the slot translated code fills with the reason it returned to the dispatcher.
    pub exit_reason: u64,
    /// Scratch: an argument for the exit (SVC immediate, BRK immediate, ...).
    pub exit_arg: u64,
    /// Padding so `v` starts at a 16-byte aligned, round offset. 32-bit guests keep their extra
    /// PSTATE fields here (see [`slot::THUMB`], [`slot::ITSTATE`], [`slot::GE`], [`slot::Q`]);
    /// A64 guests leave it zero.
    pub _pad: [u64; 4],
    /// V0..V31 as (low, high) 64-bit halves.
    pub v: [[u64; 2]; 32],
    /// Host address of the indirect-jump table of the thread running this state (the JIT
    /// sets it on every entry to translated code; threads share code but not tables), or of
    /// [`NO_JUMPS`] while an event is pending (see [`raise_pending`]). Not a slot: the IR
    /// never names it.
    pub jump_table: u64,
    /// The host stack pointer translated code started from on this entry (the JIT's trampoline
    /// sets it): guest calls push their return addresses below it, and every exit goes back to
    /// it. Not a slot.
    pub ret_base: u64,
    /// The lowest the host stack pointer goes with return addresses pushed: a guest call finding
    /// it reached leaves for the dispatcher instead, and the next entry starts the return stack
    /// afresh at `ret_base`. Not a slot.
    pub ret_limit: u64,
    /// The host stack pointer at translated code's latest helper call (the JIT stores it just
    /// before the call): a host fault in the helper finds the call site and the block's stack
    /// pointer from it. Not a slot.
    pub helper_rsp: u64,
    /// Constants for translated code's inline FP results ([`FP_CHECK`]): one `vptest` against
    /// them finds a result whose biased exponent is 0 or 1 (zero, denormal, or maybe rounded up
    /// from a tiny value) or one of the top two (the highest binade, infinity, NaN); one `xor`
    /// with the last two negates a double. Not a slot.
    pub fp_check: [u64; 6],
    /// Four times the set mask of the table at [`CpuState::jump_table`] (the JIT sets it with
    /// the table, which grows: see `jit`'s `Table`): a pc's low 32 bits and this are four times
    /// its set's number. At most the mask of [`JUMP_TABLE_BYTES`], so a lookup stays inside
    /// [`NO_JUMPS`] too. Not a slot.
    pub jump_mask: u64,
    /// The first operand of the compare whose flags NZCV defers (see [`CpuState::nzcv`]).
    /// Not a slot.
    pub flags_a: u64,
    /// Its second operand. Not a slot.
    pub flags_b: u64,
}

/// The bits of [`CpuState::nzcv`] that are zero in ARM layout and name the kind of a deferred
/// compare otherwise.
pub const DEFERRED: u64 = 0x0fff_ffff;

// The state stays within 1 KiB. With 64 bytes more of it, `flags_a` and `flags_b` (stored at
// most block ends) landed exactly 1 KiB after X3 and X4 (loaded at block starts), and a switch
// interpreter (interpbench on aarch64) ran five times slower, perf putting the time on the
// first use of those loads; with the two fields moved back below 1 KiB it ran as before. (A
// plain loop of stores and loads 1 KiB apart does not show it; what in this host, an AMD Zen 4,
// takes the one for the other is not known beyond that.)
const _: () = assert!(std::mem::size_of::<CpuState>() <= 1024);

/// [`CpuState::fp_check`]: the bits of a double's biased exponent but its lowest (the low
/// lane of the first 16 bytes), then the same for a single (the low 32 bits of the second),
/// then a double's sign bit (the low lane of the third).
pub const FP_CHECK: [u64; 6] = [0x7fe0_0000_0000_0000, 0, 0x7f00_0000, 0, 1 << 63, 0];

/// Slot index helpers: the IR's `getreg`/`setreg` immediates.
pub mod slot {
    /// Slot of X`n` (n < 31) or SP (n == 31).
    pub const fn x(n: u32) -> u32 {
        n
    }
    /// Slot of the program counter.
    pub const PC: u32 = 32;
    /// Slot of NZCV.
    pub const NZCV: u32 = 33;
    /// Slot of TPIDR_EL0.
    pub const TPIDR: u32 = 34;
    /// Slot of FPCR.
    pub const FPCR: u32 = 35;
    /// Slot of FPSR.
    pub const FPSR: u32 = 36;
    /// Slot of the exclusive-monitor address.
    pub const EXCL_ADDR: u32 = 37;
    /// Slot of the exclusive-monitor value.
    pub const EXCL_VAL: u32 = 38;
    /// Slot of the exclusive-monitor high value.
    pub const EXCL_VAL_HI: u32 = 39;
    /// Slot of the memory base.
    pub const MEM_BASE: u32 = 40;
    /// Slot of the pending-event word.
    pub const PENDING: u32 = 41;
    /// Slot of the exit reason.
    pub const EXIT_REASON: u32 = 42;
    /// Slot of the exit argument.
    pub const EXIT_ARG: u32 = 43;
    /// 32-bit guests: the T bit, 1 in Thumb state and 0 in A32 state (`_pad[0]`). Written by
    /// interworking branches; the dispatcher picks the instruction set of the next block from it.
    pub const THUMB: u32 = 44;
    /// 32-bit guests: ITSTATE (`_pad[1]`), the 8-bit IT state of the CPSR (firstcond:mask as IT
    /// set it, advanced per instruction). Zero outside IT blocks; a Thumb block only leaves it
    /// non-zero when it ends inside an IT block (the next block must then be lifted with it).
    pub const ITSTATE: u32 = 45;
    /// 32-bit guests: the GE flags as a byte mask (`_pad[2]`): byte lane i all ones where GE\[i\]
    /// is set, zero elsewhere, the form SEL reads and UADD8/USUB8 compute on the host. The
    /// APSR layout (bits 19..16) exists only where the guest reads or writes the CPSR.
    pub const GE: u32 = 46;
    /// 32-bit guests: the sticky Q flag in APSR layout, bit 27, all other bits zero (`_pad[3]`).
    pub const Q: u32 = 47;
    /// First slot of the vector registers: V`n` low half is `V0 + 2n`, high half `V0 + 2n + 1`.
    pub const V0: u32 = 48;
    /// Low 64 bits of V`n`.
    pub const fn v_lo(n: u32) -> u32 {
        V0 + 2 * n
    }
    /// High 64 bits of V`n`.
    pub const fn v_hi(n: u32) -> u32 {
        V0 + 2 * n + 1
    }
    /// One past the last slot.
    pub const END: u32 = V0 + 64;
    /// The vector register `n` whose low or high half slot `s` is, if it is one.
    pub const fn vector(s: u64) -> Option<u32> {
        if s >= V0 as u64 && s < END as u64 {
            Some(((s - V0 as u64) / 2) as u32)
        } else {
            None
        }
    }
}

impl Default for CpuState {
    fn default() -> Self {
        CpuState {
            x: [0; NUM_X],
            pc: 0,
            nzcv: 0,
            tpidr: 0,
            fpcr: 0,
            fpsr: 0,
            excl_addr: u64::MAX,
            excl_val: 0,
            excl_val_hi: 0,
            mem_base: 0,
            pending: 0,
            exit_reason: 0,
            exit_arg: 0,
            _pad: [0; 4],
            v: [[0; 2]; 32],
            jump_table: 0,
            ret_base: 0,
            ret_limit: 0,
            helper_rsp: 0,
            fp_check: FP_CHECK,
            jump_mask: 0,
            flags_a: 0,
            flags_b: 0,
        }
    }
}

impl CpuState {
    /// Reads slot `s` (see [`slot`]).
    pub fn get_slot(&self, s: u32) -> u64 {
        assert!(s < slot::END, "slot {s} out of range");
        // SAFETY: CpuState is repr(C), made only of u64 fields, and `s` is below the slot count,
        // so the read stays inside `self` and is aligned.
        unsafe { *(self as *const CpuState as *const u64).add(s as usize) }
    }

    /// Writes slot `s` (see [`slot`]).
    pub fn set_slot(&mut self, s: u32, v: u64) {
        assert!(s < slot::END, "slot {s} out of range");
        // SAFETY: as in `get_slot`; the pointer comes from `&mut self`, so the write is exclusive.
        unsafe { *(self as *mut CpuState as *mut u64).add(s as usize) = v }
    }
}

/// Bytes of the largest indirect-jump table (the JIT's sets of (guest pc, host address)
/// pairs).
pub const JUMP_TABLE_BYTES: usize = 1 << 20;

/// An indirect-jump table with no entries: all zero, and the JIT takes a zero address for a
/// miss. Never written, but made of atomics so that it lands in zero-filled writable memory
/// (`.bss`, which the host maps only as it is read) rather than as a megabyte of zeros in the
/// binary's read-only data.
#[repr(C, align(4096))]
pub struct NoJumps([std::sync::atomic::AtomicU64; JUMP_TABLE_BYTES / 8]);

/// The table a thread's indirect jumps look their targets up in while an event is pending:
/// every lookup misses, so the next indirect jump leaves translated code for the dispatcher,
/// which sees the event. Translated code then need not test `pending` at each indirect jump.
pub static NO_JUMPS: NoJumps =
    NoJumps([const { std::sync::atomic::AtomicU64::new(0) }; JUMP_TABLE_BYTES / 8]);

impl NoJumps {
    /// The table's host address, as [`CpuState::jump_table`] holds it.
    pub fn addr(&'static self) -> u64 {
        self.0.as_ptr() as u64
    }
}

/// Tells the translated code running with the state whose `pending` word is at `pending` that
/// an event waits: sets the word and points the state's jump table at [`NO_JUMPS`], so its
/// next linked jump to a lower key (which tests the word) or indirect jump (which finds no
/// target) leaves for the dispatcher. Callable from a signal handler and from other threads
/// (volatile stores; the JIT puts its table back on its next entry to translated code,
/// testing the word after, see `jit::Jit::run`).
///
/// # Safety
/// `pending` must point at the `pending` field of a live `CpuState`.
pub unsafe fn raise_pending(pending: *mut u64) {
    const GAP: usize =
        std::mem::offset_of!(CpuState, jump_table) - std::mem::offset_of!(CpuState, pending);
    // SAFETY: both fields are in the same live CpuState (the caller's contract): `GAP` bytes
    // past `pending` is its `jump_table`, 8-byte aligned like every field of the struct.
    unsafe {
        std::ptr::write_volatile(pending, 1);
        std::ptr::write_volatile(pending.byte_add(GAP), NO_JUMPS.addr());
    }
}

/// Exit reasons written to [`CpuState::exit_reason`] by translated code.
pub mod exit {
    /// The block ended normally; `pc` holds the next guest pc.
    pub const JUMP: u64 = 0;
    /// SVC: `pc` is the instruction after the SVC, `exit_arg` holds the immediate.
    pub const SYSCALL: u64 = 1;
    /// Undefined instruction at `pc`; `exit_arg` holds the instruction word.
    pub const UNDEFINED: u64 = 2;
    /// BRK/BKPT at `pc`; `exit_arg` holds the immediate.
    pub const BREAKPOINT: u64 = 3;
    /// The block stopped because `pending` was set; `pc` is where to resume.
    pub const PENDING: u64 = 4;
    /// Instruction cache maintenance (`IC IVAU`) of the cache line holding address `exit_arg`.
    pub const FLUSH: u64 = 5;
    /// A guest memory access faulted on the host: `pc` is the key of the faulting instruction
    /// (whose effects have not happened), `exit_arg` the guest address. Written by the JIT's
    /// fault handler, never by translated code itself.
    pub const DATA_FAULT: u64 = 6;
    /// A quickly translated block ran often enough to be worth translating again with every
    /// optimization: `pc` is its key, and nothing of it has run yet (see the JIT's tiers).
    pub const HOT: u64 = 7;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_offsets_match_fields() {
        let mut c = CpuState::default();
        c.x[5] = 55;
        c.x[31] = 0x1000;
        c.pc = 7;
        c.nzcv = 0x6000_0000;
        c.tpidr = 9;
        c.fpsr = 11;
        c.mem_base = 13;
        c.pending = 1;
        c.exit_arg = 17;
        c.v[3] = [21, 22];
        c._pad = [1, 0x48, 0xf_0000, 0x800_0000];
        assert_eq!(c.get_slot(slot::x(5)), 55);
        assert_eq!(c.get_slot(slot::x(31)), 0x1000);
        assert_eq!(c.get_slot(slot::PC), 7);
        assert_eq!(c.get_slot(slot::NZCV), 0x6000_0000);
        assert_eq!(c.get_slot(slot::TPIDR), 9);
        assert_eq!(c.get_slot(slot::FPSR), 11);
        assert_eq!(c.get_slot(slot::MEM_BASE), 13);
        assert_eq!(c.get_slot(slot::PENDING), 1);
        assert_eq!(c.get_slot(slot::EXIT_ARG), 17);
        assert_eq!(c.get_slot(slot::THUMB), 1);
        assert_eq!(c.get_slot(slot::ITSTATE), 0x48);
        assert_eq!(c.get_slot(slot::GE), 0xf_0000);
        assert_eq!(c.get_slot(slot::Q), 0x800_0000);
        assert_eq!(slot::Q + 1, slot::V0);
        assert_eq!(c.get_slot(slot::v_lo(3)), 21);
        assert_eq!(c.get_slot(slot::v_hi(3)), 22);
        assert_eq!(
            std::mem::offset_of!(CpuState, jump_table),
            slot::END as usize * 8
        );
    }
}
