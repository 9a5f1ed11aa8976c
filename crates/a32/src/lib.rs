//! The AArch32 frontend: lifts A32 (ARM state), T16 and T32 (Thumb state) integer machine code
//! into armrun's IR.
//!
//! [`lift_block`] decodes with the `decode` crate's A32, T16 and T32 tables and hands each match
//! to a handler in `arm` or `thumb`; both decode fields and call the semantics shared in `sem`.
//! VFP words (coprocessors 10 and 11, and the ARMv8 scalar additions) go to [`vfp`]; Advanced
//! SIMD words (and VDUP from a core register) to `neon`, which runs them as A64 Advanced SIMD
//! words on `fpsimd`'s executor (loads and stores in `neon_ldst`).
//!
//! # State
//! R0..R14 live in slots 0..14 as zero-extended 32-bit values; R15 is never stored (the block's
//! terminator gives the next pc, and PC reads are constants: pc + 8 in A32, pc + 4 in Thumb).
//! NZCV uses the A64 slot and layout. `cpu::slot::THUMB`, `ITSTATE`, `GE` and `Q` hold the rest
//! of the APSR/PSTATE. TPIDRURO (the TLS pointer read with `MRC p15, 0, Rt, c13, c0, 3`) is the
//! TPIDR slot.
//!
//! S0..S31/D0..D31/Q0..Q15 overlay the A64 V registers (D`j` is slot `cpu::slot::V0 + j`);
//! FPSCR is split over the FPCR slot (controls) and the FPSR slot (flags, QC, and FPSCR.NZCV
//! in bits 31..28): see [`vfp`], whose [`vfp::fpscr`] and [`vfp::set_fpscr`] give the guest
//! view (signal frames keep it in `uc_regspace`).
//!
//! # Instruction sets and interworking
//! A block is lifted in one instruction set. Branches that may switch sets (BX, BLX, loads to
//! PC, POP {pc}, A32 ALU writes to PC) write the THUMB slot from bit 0 of the target and end the
//! block with the target address with bit 0 cleared; the dispatcher lifts the next block in the
//! set the THUMB slot names, so the block cache must be keyed by (pc, THUMB).
//!
//! # IT blocks
//! An IT instruction and the instructions it covers are lifted into the same block whenever
//! possible (the instruction limit is exceeded rather than split an IT block). When a block must
//! end inside an IT block (an SVC or undefined instruction in it, or a fetch failure) or starts
//! inside one, it writes the ITSTATE slot before it ends; the dispatcher then lifts the next
//! block with [`lift_block_it`] and that ITSTATE (and keys the cache by it too). Blocks that start
//! and end outside IT blocks never touch the slot.
//!
//! # Conditional execution
//! The IR has no control flow inside a block: a conditional instruction is lifted as executed,
//! with its state writes made `select`s on the condition. Conditional loads read from the
//! instruction's own page when the condition fails (so they cannot fault); conditional stores are
//! the IR's `store.if`, which skips the access. Conditional branches end the block with a `Branch`.
//! A conditional SVC (rare; the IR's exits are unconditional) is refused as undefined.
//!
//! # Exits and helpers
//! SVC ends the block with `cpu::exit::SYSCALL`, pc = the next instruction and the immediate as
//! argument (EABI guests pass the syscall number in R7); BKPT with `BREAKPOINT` at its pc; UDF
//! and anything unimplemented with `UNDEFINED` (see [`lift_block_it`]). One helper touches guest
//! memory, like A64's atomics: [`SWAP`] (SWP/SWPB); a fault inside it must be mapped back to the
//! guest instruction by the runtime.

#![deny(missing_docs)]

mod arm;
mod ctx;
pub mod key;
mod neon;
mod neon_ldst;
mod routine;
mod sem;
mod thumb;
pub mod vfp;

use ctx::{Ctx, Flow};
pub use ctx::{SKIP_ADDR, SWAP};
use decode::Decoder;
use decode::a32::{A32, A32_TABLE};
use decode::t16::{T16, T16_TABLE};
use decode::t32::{T32, T32_TABLE};
use ir::{Block, Term};
pub use routine::routine_at;
use std::sync::OnceLock;

/// The part of AT_HWCAP for 32-bit guests this frontend answers for: halfword loads (HALF),
/// Thumb (THUMB), long multiplies (FAST_MULT), the ARMv5TE DSP instructions (EDSP), the TLS
/// register read with MRC (TLS) and SDIV/UDIV in both instruction sets (IDIVA, IDIVT). SWP and
/// SWPB work but are deprecated, so SWP is not advertised (as on ARMv7 hardware); no VFP/NEON
/// bit either: the FP/SIMD frontend adds those it implements.
pub const HWCAP_INTEGER: u64 =
    HWCAP_HALF | HWCAP_THUMB | HWCAP_FAST_MULT | HWCAP_EDSP | HWCAP_TLS | HWCAP_IDIVA | HWCAP_IDIVT;
const HWCAP_HALF: u64 = 1 << 1;
const HWCAP_THUMB: u64 = 1 << 2;
const HWCAP_FAST_MULT: u64 = 1 << 4;
const HWCAP_EDSP: u64 = 1 << 7;
const HWCAP_TLS: u64 = 1 << 15;
const HWCAP_IDIVA: u64 = 1 << 17;
const HWCAP_IDIVT: u64 = 1 << 18;

/// AT_HWCAP of an ARMv6 core with VFPv2 (ARM1176JZF-S, the Raspberry Pi 1 and Zero): halfword
/// loads, Thumb, long multiplies, the DSP instructions, the TLS register and VFP. What the
/// guest is told; the translator still runs the ARMv7 instructions it implements.
pub const HWCAP_ARMV6: u64 =
    HWCAP_HALF | HWCAP_THUMB | HWCAP_FAST_MULT | HWCAP_EDSP | HWCAP_TLS | HWCAP_VFPV2;

/// AT_HWCAP of an ARMv7 core without the divide instructions and with VFPv3 (Cortex-A8/A9).
pub const HWCAP_ARMV7_VFPV3: u64 =
    (HWCAP_INTEGER & !(HWCAP_IDIVA | HWCAP_IDIVT)) | HWCAP_VFPV2 | HWCAP_VFPV3 | HWCAP_VFPD32;

/// The AT_HWCAP bits for the VFP and Advanced SIMD this frontend implements ([`vfp`], `neon`):
/// VFP, VFPv3, VFPv4 (fused multiply-add and half-precision conversions), VFPD32 (32 double
/// registers) and NEON (all of ARMv7's Advanced SIMD, with VFPv4's VFMA/VFMS).
pub const HWCAP_VFP: u64 = HWCAP_VFPV2 | HWCAP_VFPV3 | HWCAP_VFPV4 | HWCAP_VFPD32 | HWCAP_NEON;
const HWCAP_NEON: u64 = 1 << 12;

/// AT_HWCAP2 for 32-bit guests of an ARMv8 core with the crypto extension, as far as `neon`
/// implements it: AES (AESE/AESD/AESMC/AESIMC), PMULL (VMULL.P64), SHA1 and SHA2 (SHA-1 and
/// SHA-256 instructions). Not CRC32.
pub const HWCAP2_CRYPTO: u64 = HWCAP2_AES | HWCAP2_PMULL | HWCAP2_SHA1 | HWCAP2_SHA2;
const HWCAP2_AES: u64 = 1 << 0;
const HWCAP2_PMULL: u64 = 1 << 1;
const HWCAP2_SHA1: u64 = 1 << 2;
const HWCAP2_SHA2: u64 = 1 << 3;
const HWCAP_VFPV2: u64 = 1 << 6;
const HWCAP_VFPV3: u64 = 1 << 13;
const HWCAP_VFPV4: u64 = 1 << 16;
const HWCAP_VFPD32: u64 = 1 << 19;

/// The user-mode CPSR of a 32-bit guest assembled from the CPU state (for signal frames and
/// anything else that shows the guest its CPSR): NZCV (31..28), Q (27), IT\[1:0\] (26..25), GE
/// (19..16), IT\[7:2\] (15..10), T (5) and mode User (0x10).
pub fn cpsr(cpu: &cpu::CpuState) -> u32 {
    use cpu::slot;
    let it = cpu.get_slot(slot::ITSTATE) as u32 & 0xff;
    (ir::deferred::nzcv(cpu) as u32 & 0xf000_0000)
        | (cpu.get_slot(slot::Q) as u32 & 0x0800_0000)
        | (it & 3) << 25
        | ir::sem::mask_ge(cpu.get_slot(slot::GE)) as u32
        | (it >> 2) << 10
        | (cpu.get_slot(slot::THUMB) as u32 & 1) << 5
        | 0x10
}

/// Loads the user-writable fields of `cpsr` (NZCV, Q, GE, IT, T; see [`cpsr`]) into the CPU
/// state, as a signal return does. The mode and mask bits are ignored.
pub fn set_cpsr(cpu: &mut cpu::CpuState, cpsr: u32) {
    use cpu::slot;
    let c = cpsr as u64;
    cpu.nzcv = c & 0xf000_0000;
    cpu.set_slot(slot::Q, c & 0x0800_0000);
    cpu.set_slot(slot::GE, ir::sem::ge_mask(c));
    cpu.set_slot(slot::ITSTATE, (c >> 25 & 3) | (c >> 10 & 0x3f) << 2);
    cpu.set_slot(slot::THUMB, c >> 5 & 1);
}

/// The A32 decoder, built once.
fn a32_decoder() -> &'static Decoder<A32> {
    static D: OnceLock<Decoder<A32>> = OnceLock::new();
    D.get_or_init(|| Decoder::new(A32_TABLE))
}

/// The T16 decoder, built once.
fn t16_decoder() -> &'static Decoder<T16> {
    static D: OnceLock<Decoder<T16>> = OnceLock::new();
    D.get_or_init(|| Decoder::new(T16_TABLE))
}

/// The T32 decoder, built once.
fn t32_decoder() -> &'static Decoder<T32> {
    static D: OnceLock<Decoder<T32>> = OnceLock::new();
    D.get_or_init(|| Decoder::new(T32_TABLE))
}

/// True if the Thumb halfword `hw` is the first half of a 32-bit instruction.
pub fn is_t32_prefix(hw: u32) -> bool {
    hw >> 11 >= 0b11101
}

/// Lifts the block starting at guest address `pc` in A32 state (`thumb` false) or Thumb state,
/// outside any IT block. See [`lift_block_it`].
pub fn lift_block(
    pc: u64,
    thumb: bool,
    fetch: &dyn Fn(u64) -> Option<u32>,
    max_insns: u32,
) -> Block {
    lift_block_it(pc, thumb, 0, fetch, max_insns)
}

/// Lifts the block starting at guest address `pc`, in Thumb state with ITSTATE `itstate`
/// (ignored in A32 state). In Thumb state bit 0 of `pc` is ignored (the block starts at the
/// halfword).
///
/// `fetch(addr)` reads instruction memory. In A32 state it is called at word addresses and
/// returns the 32-bit word. In Thumb state it is called at halfword addresses and only the low
/// 16 bits of its result are used: the halfword at `addr` (so an implementation may read just two
/// bytes, and a 16-bit instruction at the end of a page never needs the next page); a 32-bit
/// Thumb instruction is fetched as two halfwords, first halfword first.
///
/// The caller guarantees the first fetch succeeds. The block stops before an instruction
/// `fetch` cannot read (completely), after `max_insns` instructions (at least one; an IT block
/// is finished first), or at the first instruction that ends a block (branches and other PC
/// writes, SVC, BKPT, undefined words). An undefined instruction is counted in `end` and
/// `guest_insns` but does not execute: the block exits at its pc with reason
/// `cpu::exit::UNDEFINED` and the instruction (a T16 halfword, a T32 pair as first << 16 |
/// second, or an A32 word) as argument.
pub fn lift_block_it(
    pc: u64,
    thumb: bool,
    itstate: u8,
    fetch: &dyn Fn(u64) -> Option<u32>,
    max_insns: u32,
) -> Block {
    lift(pc, thumb, itstate, fetch, max_insns, false, None)
}

/// Lifts the block a dispatcher key names (see [`key`]): like [`lift_block_it`] with the
/// address, instruction set and ITSTATE taken from `key`, but every terminator names keys and
/// the block's own key is `key`, and a forward conditional branch outside IT blocks with room
/// after it is a side exit to its target's key, the block going on along its fall-through (see
/// [`lift`]). This is what the runtime translates for 32-bit guests.
pub fn lift_block_key(key: u64, fetch: &dyn Fn(u64) -> Option<u32>, max_insns: u32) -> Block {
    lift_block_key_profiled(key, fetch, max_insns, &|_| 0)
}

/// [`lift_block_key`] laid out by the profile `runs` (by key): a forward conditional branch
/// whose target ran more often than its fall-through leaves for the fall-through by a side
/// exit and the block goes on at the target (see [`ir::Builder::follows_far`]).
pub fn lift_block_key_profiled(
    key: u64,
    fetch: &dyn Fn(u64) -> Option<u32>,
    max_insns: u32,
    runs: ir::Runs,
) -> Block {
    // The final NZCV store goes when every successor overwrites the flags before reading them
    // (see `ir::flags_live`); successors are looked at one keyed instruction at a time.
    // An instruction's effect is remembered by its bytes (with the key's ITSTATE).
    let code = |k: u64| {
        let (word, len) = fetch_insn(key::addr(k), key::thumb(k), fetch)?;
        Some(word as u64 | len << 32)
    };
    ir::flags_live::lift_dropping_dead_store(
        key,
        max_insns,
        cpu::slot::NZCV,
        &|k, n| lift_keyed(k, fetch, n, Some(runs)),
        &code,
        ir::flags_live::Lifter::A32,
    )
}

/// [`lift_block_key`] without the look-ahead or side exits: the final NZCV store stays (left for
/// later before an indirect branch, which needs no look-ahead: see `ir::deferred`) and a
/// conditional branch ends the block. The cheap first translation of a block (most blocks run
/// too few times to repay the look-ahead).
pub fn lift_block_key_quick(key: u64, fetch: &dyn Fn(u64) -> Option<u32>, max_insns: u32) -> Block {
    let mut block = lift_keyed(key, fetch, max_insns, None);
    ir::flags_live::defer_before_indirect_branch(&mut block);
    block
}

/// Lifts the block at `key` with keyed terminators; with `side_exits` (the profile the layout
/// follows), forward conditional branches go on as side exits (see [`lift`]).
fn lift_keyed(
    key: u64,
    fetch: &dyn Fn(u64) -> Option<u32>,
    max_insns: u32,
    side_exits: Option<ir::Runs>,
) -> Block {
    let (pc, thumb) = (key::addr(key), key::thumb(key));
    let it = if thumb { key::itstate(key) } else { 0 };
    let mut block = lift(pc, thumb, it, fetch, max_insns, true, side_exits);
    block.key = key::key(pc, thumb, it);
    block
}

/// [`lift_block_it`], with keyed terminators when `keyed`. With `side_exits` (keyed only), a
/// forward conditional branch outside IT blocks that stays in the instruction set, with room
/// after it, becomes a side exit ([`ir::Op::ExitIf`]) to the key of its target and the block
/// goes on along its fall-through (a backward one, usually a loop's back edge, still ends
/// it: see `a64::lift_block`). Not in a block that starts inside an IT block: its ITSTATE
/// slot is only put right at the block's end, which a side exit would not reach. Under the
/// same conditions a direct jump (B, BL) is followed where [`ir::Builder::may_follow`]
/// allows, unless a recognised routine begins at its target; after one, a backward branch
/// not to the block's start is a side exit too. Where `side_exits`, the profile, says a
/// forward branch's target is the hotter way ([`ir::Builder::follows_far`]), the side exit
/// goes to the fall-through instead and the block goes on at the target.
fn lift(
    pc: u64,
    thumb: bool,
    itstate: u8,
    fetch: &dyn Fn(u64) -> Option<u32>,
    max_insns: u32,
    keyed: bool,
    side_exits: Option<ir::Runs>,
) -> Block {
    let start_it = if thumb { itstate } else { 0 };
    let mut it = start_it;
    let max_insns = max_insns.max(1);
    // An interworking address (Thumb code with bit 0 set) names the same instruction.
    let mut pc = pc & if thumb { 0xffff_fffe } else { 0xffff_ffff };
    let mut cx = Ctx::new(pc, thumb);
    cx.keyed = keyed;
    cx.cond_exits = keyed && !thumb && side_exits.is_some();
    loop {
        let max = cx.b.insn_limit(max_insns);
        if cx.b.guest_insns() >= max && it & 0xf == 0 {
            return finish(&mut cx, Term::Jump(pc), 0, start_it);
        }
        let Some((word, len)) = fetch_insn(pc, thumb, fetch) else {
            return finish(&mut cx, Term::Jump(pc), it, start_it);
        };
        if start_it == 0
            && cx.b.guest_insns() == 0
            && let Some(r) = routine::find(pc, thumb, word, fetch)
        {
            let term = routine::lift(&mut cx, r, fetch);
            return finish(&mut cx, term, 0, 0);
        }
        let cond = if it & 0xf != 0 { (it >> 4) as u32 } else { 14 };
        cx.begin(pc, len, cond);
        cx.it = it;
        cx.b.mark(key::key(pc, thumb, it));
        let flow = lift_one(&mut cx, word, len);
        let next = (pc + len) & 0xffff_ffff;
        cx.b.end_insn(next);
        let after = advance_it(it);
        match flow {
            Flow::Next => {
                it = after;
                pc = next;
            }
            Flow::It(state) => {
                it = state;
                pc = next;
            }
            Flow::End(Term::Jump(target))
                if side_exits.is_some()
                    && keyed
                    && it == 0
                    && start_it == 0
                    && matches!(cx.mode_out, ctx::Mode::Same)
                    && cx.b.may_follow(target, len, max)
                    && !starts_routine(target, thumb, fetch) =>
            {
                cx.b.follow(target);
                pc = target;
            }
            Flow::End(Term::Branch {
                cond,
                taken,
                fallthrough,
            }) if let Some(runs) = side_exits
                && keyed
                && it == 0
                && start_it == 0
                && matches!(cx.mode_out, ctx::Mode::Same)
                && (taken == next || fallthrough == next)
                && {
                    let far = ir::other_successor(taken, fallthrough, next);
                    let keys = (key::key(next, thumb, 0), key::key(far, thumb, 0));
                    cx.b.follows_far(pc, next, far, len, max, keys, runs)
                        && !starts_routine(far, thumb, fetch)
                } =>
            {
                let next_key = key::key(next, thumb, 0);
                pc =
                    cx.b.exit_to_next_and_follow(cond, (taken, fallthrough), next, next_key);
            }
            Flow::End(Term::Branch {
                cond,
                taken,
                fallthrough,
            }) if side_exits.is_some()
                && keyed
                && it == 0
                && start_it == 0
                && matches!(cx.mode_out, ctx::Mode::Same)
                && fallthrough == next
                && cx.b.may_side_exit(pc, taken, max) =>
            {
                cx.b.exit_if(cond, key::key(taken, thumb, 0));
                pc = next;
            }
            Flow::End(term) => return finish(&mut cx, term, after, start_it),
            Flow::Undef => {
                let term = Term::Exit {
                    reason: cpu::exit::UNDEFINED,
                    pc,
                    arg: word as u64,
                };
                return finish(&mut cx, term, it, start_it);
            }
        }
    }
}

/// True if a recognised routine begins at `pc`: a call of it is not followed, so the routine
/// is its own block, lifted as what it computes (see the `routine` module).
fn starts_routine(pc: u64, thumb: bool, fetch: &dyn Fn(u64) -> Option<u32>) -> bool {
    fetch_insn(pc, thumb, fetch).is_some_and(|(w, _)| routine::find(pc, thumb, w, fetch).is_some())
}

/// Ends the block, recording ITSTATE `it` if the block ends inside an IT block or began in one
/// (and naming keys in the terminator if the block is keyed). Takes the context by reference:
/// moved here, its builder (with the slot and constant caches) was copied at every lifting, 1%
/// of an armhf dynamic hello's host instructions.
fn finish(cx: &mut Ctx, term: Term, it: u8, start_it: u8) -> Block {
    let it = if it & 0xf == 0 { 0 } else { it };
    let term = if cx.keyed {
        key::keyed(cx, term, it)
    } else {
        term
    };
    if it != 0 || start_it != 0 {
        let v = cx.k(it as u64);
        cx.b.set(cpu::slot::ITSTATE, v);
    }
    let mut block = cx.b.take_block(term);
    // Every write to r0-r14 is a 32-bit result (the syscall layer and signal frames keep
    // them so too).
    block.narrow_regs = true;
    block
}

/// ITAdvance: the state for the instruction after one executed with `it`.
fn advance_it(it: u8) -> u8 {
    if it & 0x7 == 0 {
        0
    } else {
        (it & 0xe0) | ((it << 1) & 0x1f)
    }
}

/// Fetches the instruction at `pc`: (instruction, length). A T16 halfword is returned as is, a
/// T32 pair as first << 16 | second.
fn fetch_insn(pc: u64, thumb: bool, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<(u32, u64)> {
    if !thumb {
        return fetch(pc).map(|w| (w, 4));
    }
    let word = fetch(pc)?;
    let hw1 = word & 0xffff;
    if !is_t32_prefix(hw1) {
        return Some((hw1, 2));
    }
    // The fetch read the second halfword too, unless only two bytes were executable (then
    // the high half is zero): fetched again in that case, which also finds whether it is.
    let hw2 = match word >> 16 {
        0 => fetch((pc + 2) & 0xffff_ffff)? & 0xffff,
        hw2 => hw2,
    };
    Some((hw1 << 16 | hw2, 4))
}

/// Lifts one instruction into `cx`.
fn lift_one(cx: &mut Ctx, word: u32, len: u64) -> Flow {
    if neon::is_neon(word, cx.thumb, len) {
        return neon::lift(cx, word);
    }
    if decode::vfp::is_vfp_space(word) && (!cx.thumb || len == 4) {
        return vfp::lift(cx, word);
    }
    if !cx.thumb {
        return match a32_decoder().decode(word) {
            Some(m) => arm::lift(cx, &m),
            None => Flow::Undef,
        };
    }
    let in_it = cx.in_it();
    if len == 2 {
        match t16_decoder().decode(word << 16) {
            Some(m) => thumb::lift16(cx, &m, in_it),
            None => Flow::Undef,
        }
    } else {
        match t32_decoder().decode(word) {
            Some(m) => thumb::lift32(cx, &m),
            None => Flow::Undef,
        }
    }
}

/// True iff armrun executes the instruction (an A32 word, a T16 halfword or a T32 pair as
/// first << 16 | second) outside an IT block: what test generators use to keep to what is
/// implemented.
pub fn implemented(word: u32, thumb: bool) -> bool {
    let t32 = thumb && is_t32_prefix(word >> 16);
    let fetch = |a: u64| match (thumb, t32, a) {
        (false, _, 0) => Some(word),
        (true, false, 0) => Some(word & 0xffff),
        (true, true, 0) => Some(word >> 16),
        (true, true, 2) => Some(word & 0xffff),
        _ => None,
    };
    let block = lift_block(0, thumb, &fetch, 1);
    !matches!(block.term, Term::Exit { reason, pc: 0, .. } if reason == cpu::exit::UNDEFINED)
}

/// The mnemonic of an instruction (as for [`implemented`]) from the decode tables, for logs.
pub fn disasm_name(word: u32, thumb: bool) -> Option<&'static str> {
    let len = if !thumb || is_t32_prefix(word >> 16) {
        4
    } else {
        2
    };
    if neon::is_neon(word, thumb, len) {
        return neon::name(word, thumb);
    }
    if decode::vfp::is_vfp_space(word) && (!thumb || is_t32_prefix(word >> 16)) {
        return vfp::name(word);
    }
    if !thumb {
        return a32_decoder().decode(word).map(|m| m.entry.mnemonic);
    }
    if is_t32_prefix(word >> 16) {
        t32_decoder().decode(word).map(|m| m.entry.mnemonic)
    } else {
        t16_decoder().decode(word << 16).map(|m| m.entry.mnemonic)
    }
}
