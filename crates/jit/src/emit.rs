//! x86-64 code emission for IR blocks and for the entry trampoline.
//!
//! Register conventions inside translated code:
//! - `r15` holds the `CpuState` pointer plus `STATE_BIAS`, `r14` holds `cpu.mem_base` (guest
//!   memory is `[r14 + a]`);
//! - an IR value `vN` lives in the host register the allocator (`alloc.rs`) gave it for its live
//!   range, or else in its stack slot at `[rsp + RET_GAP + 8*N]`;
//! - `rax`, `rcx`, `rdx` are scratch, and `rsi`, `rdi` for helper calls and the memory-operand
//!   lowering (`slow`), which values living across those stay out of (`alloc::keeps_scratch`:
//!   a lowering of its own that starts using them must leave that list); guest state is never
//!   cached in registers across instructions, so a helper call may change any CPU state field
//!   (a block that loops to itself and calls no helper carries what it reads around the loop:
//!   see `self_loop`).
//!
//! `rsp` is 16-byte aligned while a block runs, so helpers can be called directly.
//!
//! The return stack: a guest call (a block the frontend marked with `ir::Hint::Call`) pushes
//! its guest return key and `call`s the callee's code; right after the `call`, the caller's code
//! jumps on to the block at the return key. A guest return (`ir::Hint::Return`) whose target is
//! the key on top leaves with `ret 8`, which the host predicts with its own return stack, as it
//! would a native return; any other target is looked up in the indirect-jump table as before
//! (the entry stays: the return may be from a call the frontend followed). So returns from a
//! function called from many places do not depend on the branch predictor remembering each
//! indirect jump, nor on the table's cache lines (gcc -O2 runs 7-9% faster). The stack lives in
//! the trampoline's frame: each outstanding call lowers `rsp` by 16, so value slots sit
//! `RET_GAP` above it; with `RET_DEPTH` calls outstanding, a call leaves for the dispatcher
//! instead, and every entry to translated code starts the stack afresh (the epilogue goes back
//! to the entry's `rsp` whatever is outstanding).

// dynasm!'s dynamic register operands (`Rq(r)`) expand to `r.into()`; with `u8` register numbers
// that conversion is the identity, which clippy flags inside the macro expansion.
#![allow(clippy::useless_conversion)]

use crate::addr_fold;
use crate::alloc::{self, Loc, imm32};
use cpu::{exit, slot};
use dynasmrt::x64::X64Relocation;
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler, dynasm};
use ir::carry_chain::link;
use ir::{Block, Op, Term, Val};

mod crypto;
mod enc;

use enc::{Alu, Mem, RegMem};
mod fp;
mod lanes;
mod self_loop;
mod sink;
mod vcache;

type Asm = VecAssembler<X64Relocation>;

/// Value slots reserved by the trampoline's frame (64 KiB). Larger blocks grow the stack
/// themselves on entry and shrink it again before leaving.
pub const FRAME_VALS: u32 = 8192;
const FRAME_BYTES: i32 = 8 * FRAME_VALS as i32;
/// Blocks with more values than this are not compiled (their code becomes an undefined-
/// instruction exit); lifters stay far below it.
pub const MAX_VALS: u32 = 1 << 17;
/// The host's page size (x86-64).
pub(crate) const PAGE: i32 = 4096;

/// How far past the `CpuState` translated code's `r15` points: a memory operand reaches
/// `r15 - 128 ..= r15 + 127` with a one-byte displacement, so the first 32 slots (all of
/// AArch64's general registers and SP; AArch32's sixteen) are 4-byte loads and stores instead
/// of 7-byte ones.
pub(crate) const STATE_BIAS: i32 = 128;

/// Byte offset of a CPU state slot from `r15`.
const fn so(s: u32) -> i32 {
    (s * 8) as i32 - STATE_BIAS
}

/// CPU state slot `s` (below `slot::END`) as a memory operand.
fn state(s: u64) -> Mem {
    Mem::at(STATE, so(s as u32))
}

/// The register holding the `CpuState` pointer.
const STATE: u8 = 15;
/// The register holding `cpu.mem_base`.
const MEM: u8 = 14;
/// The stack pointer.
const RSP: u8 = 4;

/// Byte offset of an IR value from `rsp`: its slot lies above the return stack's room.
fn vo(v: Val) -> i32 {
    RET_GAP + (v.0 * 8) as i32
}

/// Return addresses the host return stack holds at most (see [`Emitter::push_return`]).
const RET_DEPTH: i32 = 60;
/// Bytes between the stack pointer and the value slots. A guest call pushes 16 bytes (the
/// guest return key and the host return address) and runs the callee with the stack pointer
/// that much lower, so its slots are that much lower too; with at most [`RET_DEPTH`] calls
/// outstanding they stay above every pushed pair and above the entry's sentinel pair.
const RET_GAP: i32 = 1024;
const _: () = assert!(RET_GAP >= 16 * (RET_DEPTH + 2));
/// Bytes the trampoline reserves below its saved registers: the return stack's room, the
/// value slots and 8 bytes that keep `rsp` 16-byte aligned.
pub const FRAME_STACK: usize = (RET_GAP + FRAME_BYTES + 8) as usize;
/// Byte offsets from `r15` of `CpuState::ret_base` and `ret_limit`.
const RET_BASE: i32 = std::mem::offset_of!(cpu::CpuState, ret_base) as i32 - STATE_BIAS;
const RET_LIMIT: i32 = std::mem::offset_of!(cpu::CpuState, ret_limit) as i32 - STATE_BIAS;
/// Byte offset from `r15` of `CpuState::helper_rsp`.
const HELPER_RSP: i32 = std::mem::offset_of!(cpu::CpuState, helper_rsp) as i32 - STATE_BIAS;
/// Byte offset from `r15` of `CpuState::fp_check`, the masks the inline FP results are
/// tested against (see `fp::require_normal`) and the sign bit a negation flips.
const FP_CHECK: i32 = std::mem::offset_of!(cpu::CpuState, fp_check) as i32 - STATE_BIAS;
/// Byte offsets from `r15` of `CpuState::flags_a` and `flags_b`, the operands of a compare
/// whose flags NZCV leaves for later (see `ir::deferred`).
const FLAGS_A: i32 = std::mem::offset_of!(cpu::CpuState, flags_a) as i32 - STATE_BIAS;
const FLAGS_B: i32 = std::mem::offset_of!(cpu::CpuState, flags_b) as i32 - STATE_BIAS;
/// The low bits of NZCV that name a deferred compare (`cpu::DEFERRED`), as `test` takes them.
const DEFERRED: i32 = cpu::DEFERRED as i32;

/// The entry trampoline and shared epilogue, assembled for a given base address.
pub struct Trampoline {
    /// Machine code; `extern "sysv64" fn(cpu: *mut CpuState, entry: usize)` starts at offset 0
    /// (touching the frame's stack pages first) and at `fast` (without).
    pub code: Vec<u8>,
    /// Offset of the entry that skips the stack probe.
    pub fast: usize,
    /// Offset of the epilogue every block exit jumps to.
    pub epilogue: usize,
    /// Offset of the indirect-jump miss stub: exits to the dispatcher with `cpu.pc = rax`
    /// (exit reason `JUMP`; the exit stubs of direct jumps end there too).
    pub miss: usize,
    /// Offset of the exit for a pending event: exits with `cpu.pc = rax` and reason `PENDING`.
    pub pending: usize,
    /// Offset of the exit of a quick block that counted its last run: `cpu.pc = rax`, reason
    /// `HOT`.
    pub hot: usize,
    /// Offset of the routine that settles flags left for later (see [`settle_routine`]).
    pub settle: usize,
    /// Offset of the pool of vector constants (see `lanes`), at the end.
    pub lanes: usize,
}

/// Sets in a new indirect-jump table (a power of two), each of [`TABLE_WAYS`] pairs: set `s`
/// is pairs `2s` and `2s + 1`. The table grows as far as [`TABLE_SETS_MAX`] when targets
/// evict each other (see `Table` in the crate root): a new one holds a short program's
/// targets in a few pages (a static hello touched 90 pages fewer than with the largest
/// table, a dynamic one 200: hello start-up is 5-10% page faults).
pub const TABLE_SETS: usize = 2048;

/// Sets in the largest indirect-jump table: the size of `cpu::NO_JUMPS`.
pub const TABLE_SETS_MAX: usize = cpu::JUMP_TABLE_BYTES / (TABLE_WAYS * 16);

/// (guest pc, host address) pairs in each set of the indirect-jump table: two targets whose
/// set is the same (code 128 KiB apart, as the return sites of a function called from two hot
/// places can be) both stay, where one table entry each had them evict each other at every
/// jump (sqlite3 left translated code half a million times a run for four such pairs).
pub const TABLE_WAYS: usize = 2;

/// The set of guest `pc` in an indirect-jump table of `sets` sets; the JumpReg code computes
/// the same.
pub fn table_set(pc: u64, sets: usize) -> usize {
    (pc >> 2) as usize & (sets - 1)
}

/// Addresses every block's code refers to.
#[derive(Clone, Copy, Debug)]
pub struct Shared {
    /// Host address of the epilogue.
    pub epilogue: usize,
    /// Host address of the indirect-jump miss stub (see [`Trampoline::miss`]).
    pub miss: usize,
    /// Host address of the pending-event exit (see [`Trampoline::pending`]).
    pub pending: usize,
    /// Host address of the hot exit (see [`Trampoline::hot`]).
    pub hot: usize,
    /// Host address of the routine that settles flags left for later ([`settle_routine`]).
    pub settle: usize,
    /// Host address of the pool of vector constants ([`Trampoline::lanes`]).
    pub lanes: usize,
}

/// Byte offset from `r15` of `CpuState::jump_table`, the running thread's indirect-jump table:
/// sets of `TABLE_WAYS` pairs of (guest pc, host address), as many as `CpuState::jump_mask`
/// says (see [`JUMP_MASK`]); free pairs are zero, and a zero address counts as a miss (a guest
/// jump to pc 0 matches a free pair's key). While an event is pending it is `cpu::NO_JUMPS`,
/// where every jump misses (`cpu::raise_pending`): indirect jumps do not test `pending`
/// themselves.
const JUMP_TABLE: i32 = std::mem::offset_of!(cpu::CpuState, jump_table) as i32 - STATE_BIAS;

/// Byte offset from `r15` of `CpuState::jump_mask`, four times the running thread's table's
/// set mask.
const JUMP_MASK: i32 = std::mem::offset_of!(cpu::CpuState, jump_mask) as i32 - STATE_BIAS;

/// Assembles the trampoline for host address `base`.
pub fn trampoline(base: usize) -> Trampoline {
    let mut a = Asm::new(base);
    // Saves the callee-saved registers and reserves the value frame.
    let open_frame = |a: &mut Asm| {
        dynasm!(a
            ; .arch x64
            ; push rbx
            ; push rbp
            ; push r12
            ; push r13
            ; push r14
            ; push r15
            // 6 pushes after the call leave rsp 8 mod 16; the extra 8 restores 16-byte alignment.
            ; sub rsp, FRAME_STACK as i32
        );
    };
    open_frame(&mut a);
    // Touch the frame top-down so a too-small host stack hits its guard page instead of
    // skipping over it. Once per thread is enough (the pages stay mapped), so `fast` below
    // enters without it.
    let mut off = FRAME_STACK as i32 - PAGE;
    while off >= 0 {
        dynasm!(a ; .arch x64 ; or BYTE [rsp + off], 0);
        off -= PAGE;
    }
    dynasm!(a ; .arch x64 ; jmp >body);
    let fast = a.offset().0;
    open_frame(&mut a);
    dynasm!(a
        ; .arch x64
        ; body:
        ; lea r15, [rdi + STATE_BIAS]
        ; mov r14, QWORD [r15 + so(slot::MEM_BASE)]
        // The return stack starts empty here (see `Emitter::push_return`): its base, its
        // limit, and a sentinel pair a return finds when no call is outstanding, whose key
        // no guest jump has and whose host address leaves like a missed jump if one did.
        ; mov [r15 + RET_BASE], rsp
        ; lea rax, [rsp - 16 * RET_DEPTH]
        ; mov [r15 + RET_LIMIT], rax
        ; mov QWORD [rsp + 8], -1
        ; lea rax, [>miss_label]
        ; mov [rsp], rax
        ; jmp rsi
    );
    let epilogue = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; epilogue_label:
        // Whatever calls are outstanding, the frame is where the entry left it.
        ; mov rsp, [r15 + RET_BASE]
        ; add rsp, FRAME_STACK as i32
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbp
        ; pop rbx
        ; ret
    );
    // Exits with pc in rax and a common reason, shared by the blocks' exit stubs.
    dynasm!(a ; .arch x64 ; miss_label:);
    let mut tail = |reason: u64| {
        let at = a.offset().0;
        dynasm!(a
            ; .arch x64
            ; mov [r15 + so(slot::PC)], rax
            ; mov QWORD [r15 + so(slot::EXIT_REASON)], reason as i32
            ; jmp <epilogue_label
        );
        at
    };
    let miss = tail(exit::JUMP);
    let pending = tail(exit::PENDING);
    let hot = tail(exit::HOT);
    let settle = a.offset().0;
    settle_routine(&mut a);
    // (Never run: `int3` pads to the pool's line.)
    let pad = a.offset().0.next_multiple_of(lanes::POOL_ALIGN) - a.offset().0;
    a.extend(std::iter::repeat_n(0xcc, pad));
    let lanes = a.offset().0;
    a.extend(lanes::pool_bytes());
    let code = a.finalize().expect("trampoline relocations are static");
    Trampoline {
        code,
        fast,
        epilogue,
        miss,
        pending,
        hot,
        settle,
        lanes,
    }
}

/// The routine translated code calls where it reads NZCV and finds flags left for later
/// (`ir::deferred`): it works them out as `ir::Deferred::flags` does, from the kind in the
/// slot's low bits and the operands in `flags_a` and `flags_b`, by running the compare on the
/// host again and assembling the ARM word as the compare's own lowering does; stores them to
/// the slot and returns them in `rax`. Every other register keeps its value; the host flags
/// do not. A word whose low bits name no kind (nothing writes one) gives its ARM bits.
fn settle_routine(a: &mut Asm) {
    use ir::Deferred as D;
    let tag = |k: D| ir::deferred::word(k) as i32;
    dynasm!(a
        ; .arch x64
        ; push rcx
        ; push rdx
        ; mov rcx, [r15 + so(slot::NZCV)]
        ; mov rax, [r15 + FLAGS_A]
        ; mov rdx, [r15 + FLAGS_B]
        ; and ecx, DEFERRED
        ; cmp ecx, tag(D::Sub32) ; je >sub32
        ; cmp ecx, tag(D::Sub64) ; je >sub64
        ; cmp ecx, tag(D::Add32) ; je >add32
        ; cmp ecx, tag(D::Add64) ; je >add64
        ; cmp ecx, tag(D::AddOne32) ; je >addone32
        ; cmp ecx, tag(D::AddOne64) ; je >addone64
        ; cmp ecx, tag(D::Logic32) ; je >logic32
        ; cmp ecx, tag(D::Logic64) ; je >logic64
        ; mov rax, [r15 + so(slot::NZCV)]
        ; and eax, 0xf000_0000u32 as i32
        ; jmp >store
        // A compare's CF is the borrow, ARM's C inverted.
        ; sub32: ; cmp eax, edx ; cmc ; jmp >arith
        ; sub64: ; cmp rax, rdx ; cmc ; jmp >arith
        ; add32: ; add eax, edx ; jmp >arith
        ; add64: ; add rax, rdx ; jmp >arith
        ; addone32: ; stc ; adc eax, edx ; jmp >arith
        ; addone64: ; stc ; adc rax, rdx ; jmp >arith
        ; logic32: ; test eax, eax ; jmp >logic
        ; logic64: ; test rax, rax
        ; logic:
    );
    nz_from_host_flags(a);
    dynasm!(a ; .arch x64 ; jmp >store ; arith:);
    nzcv_from_host_flags(a);
    dynasm!(a
        ; .arch x64
        ; store:
        ; mov [r15 + so(slot::NZCV)], rax
        ; pop rdx
        ; pop rcx
        ; ret
    );
}

/// `rax = 1` if ARM condition `imm & 15` holds for the flags of `addc.flags rax, rdx, rcx`
/// (`cond.add`) or `logic.flags rax` (`cond.logic`) at width `imm >> 8`, else 0: the host add
/// or test sets SF, ZF, CF and OF as ARM's N, Z, C and V (a test clears CF and OF, as ARM's
/// logical flags have C = V = 0), so each condition is one or two `set`s.
fn cond_fused(a: &mut Asm, op: Op, imm: u64) {
    let wide = imm >> 8 == 64;
    match (op, wide) {
        (Op::CondAdd, true) => dynasm!(a ; .arch x64 ; bt ecx, 0 ; adc rax, rdx),
        (Op::CondAdd, false) => dynasm!(a ; .arch x64 ; bt ecx, 0 ; adc eax, edx),
        (Op::CondSub, true) => dynasm!(a ; .arch x64 ; cmp rax, rdx),
        (Op::CondSub, false) => dynasm!(a ; .arch x64 ; cmp eax, edx),
        (_, true) => dynasm!(a ; .arch x64 ; test rax, rax),
        (_, false) => dynasm!(a ; .arch x64 ; test eax, eax),
    }
    set_condition(a, host_cc(op, imm & 15), alloc::RAX);
}

/// Host condition code 16: x86 "above" (CF and ZF clear), which is ARM's HI after a `cmp`.
const ABOVE: u64 = 16;
/// Host condition code 17: x86 "below or equal", ARM's LS after a `cmp`.
const BELOW_OR_EQUAL: u64 = 17;
/// The host condition "the value `test` just tested is not zero" (for [`Emitter::jump_unless`]).
const TEST_NONZERO: u64 = 18;
/// Its inverse, "the value tested is zero".
const TEST_ZERO: u64 = 19;

/// The host condition that holds exactly when `cc` (an ARM code 0 to 13, or one of the host
/// codes above) does not.
fn invert_cc(cc: u64) -> u64 {
    match cc {
        ABOVE => BELOW_OR_EQUAL,
        BELOW_OR_EQUAL => ABOVE,
        TEST_NONZERO => TEST_ZERO,
        TEST_ZERO => TEST_NONZERO,
        _ => cc ^ 1,
    }
}

/// The condition [`set_condition`] and [`Emitter::jump_unless`] test for ARM condition `cc` of
/// the fused condition `op`: the ARM code itself (the host add or test sets CF as ARM's C),
/// except after the `cmp` of a `cond.sub`, whose CF is a borrow, ARM's C inverted: CS and CC
/// swap, HI is [`ABOVE`] and LS [`BELOW_OR_EQUAL`].
fn host_cc(op: Op, cc: u64) -> u64 {
    match (op, cc) {
        (Op::CondSub, 2) => 3,
        (Op::CondSub, 3) => 2,
        (Op::CondSub, 8) => ABOVE,
        (Op::CondSub, 9) => BELOW_OR_EQUAL,
        _ => cc,
    }
}

/// `rax` = NZCV in ARM layout (bits 31..28) from the host flags of an add or subtract: N is
/// SF, Z is ZF, C is CF (the carry out of `adc`, as ARM's) and V is OF.
///
/// `lahf` puts SF, ZF and CF in bits 15, 14 and 8 of `ax`, `seto` OF in bit 0; one multiply
/// by 2^16 + 2^21 + 2^28 moves them to 31, 30, 29 and 28 (the other partial products land on
/// bits nothing else does or above bit 31, so no carries mix them) and a mask keeps those four.
fn nzcv_from_host_flags(a: &mut Asm) {
    dynasm!(a ; .arch x64
        ; lahf ; seto al
        ; and eax, 0xc101
        ; imul eax, eax, 0x1021_0000
        ; and eax, 0xf000_0000u32 as i32);
}

/// `t = bytes4 op` (or `bytes4.mask op`, see `ir::ByteOp`) of the low four bytes of `xmm0`
/// and `xmm1`, on SSE2's byte lanes; clobbers `xmm0`..`xmm2`. The GE mask: a lane carried out
/// of an add where the plain and the saturating sum differ, and a subtract did not borrow
/// where `b` minus `a`, saturated, is 0.
fn bytes4(a: &mut Asm, op: Op, imm: u64, t: u8) {
    let add = ir::ByteOp::from_imm(imm) == Some(ir::ByteOp::Add);
    match op {
        Op::Bytes4Mask if add => dynasm!(a ; .arch x64
            ; movdqa xmm2, xmm0 ; paddusb xmm2, xmm1 ; paddb xmm0, xmm1 ; pcmpeqb xmm0, xmm2),
        Op::Bytes4Mask => dynasm!(a ; .arch x64
            ; psubusb xmm1, xmm0 ; pxor xmm0, xmm0 ; pcmpeqb xmm0, xmm1),
        _ => {}
    }
    // xmm0 now holds all ones in the lanes where the sums agree (add: no carry) or the
    // saturated difference is 0 (sub: no borrow).
    match (op, ir::ByteOp::from_imm(imm)) {
        // The 32-bit `not` leaves the upper half clear.
        (Op::Bytes4Mask, _) if add => dynasm!(a ; .arch x64 ; movd Rd(t), xmm0 ; not Rd(t)),
        (Op::Bytes4Mask, _) => dynasm!(a ; .arch x64 ; movd Rd(t), xmm0),
        (_, Some(ir::ByteOp::Add)) => dynasm!(a ; .arch x64 ; paddb xmm0, xmm1),
        (_, Some(ir::ByteOp::Sub)) => dynasm!(a ; .arch x64 ; psubb xmm0, xmm1),
        (_, Some(ir::ByteOp::AddSat)) => dynasm!(a ; .arch x64 ; paddusb xmm0, xmm1),
        (_, _) => dynasm!(a ; .arch x64 ; psubusb xmm0, xmm1),
    }
    if op != Op::Bytes4Mask {
        dynasm!(a ; .arch x64 ; movd Rd(t), xmm0);
    }
}

/// `t = pairs8 op` of the low halves of `xmm0` and `xmm1`: the 16 bytes in one register, the even bytes and the odd ones
/// each extended into a 16-bit lane (zero-extended, or sign-extended for the signed forms), one
/// SSE2 word or byte operation, then the low bytes packed back (the results fit, so the packing
/// never saturates); clobbers `xmm0` and `xmm1`.
fn pairs8(a: &mut Asm, imm: u64, t: u8) {
    use ir::PairOp;
    let op = PairOp::from_imm(imm).unwrap_or(PairOp::Add);
    dynasm!(a ; .arch x64 ; punpcklqdq xmm0, xmm1 ; movdqa xmm1, xmm0);
    match op {
        PairOp::MaxS | PairOp::MinS => {
            dynasm!(a ; .arch x64 ; psraw xmm1, 8 ; psllw xmm0, 8 ; psraw xmm0, 8);
            if op == PairOp::MaxS {
                dynasm!(a ; .arch x64 ; pmaxsw xmm0, xmm1);
            } else {
                dynasm!(a ; .arch x64 ; pminsw xmm0, xmm1);
            }
            dynasm!(a ; .arch x64 ; packsswb xmm0, xmm0);
        }
        _ => {
            // Each word's odd byte in xmm1 and even byte in xmm0, zero-extended: the bytewise
            // operation leaves the high bytes zero, so the pack keeps every result.
            dynasm!(a ; .arch x64 ; psrlw xmm1, 8 ; psllw xmm0, 8 ; psrlw xmm0, 8);
            match op {
                PairOp::Add => dynasm!(a ; .arch x64 ; paddb xmm0, xmm1),
                PairOp::MaxU => dynasm!(a ; .arch x64 ; pmaxub xmm0, xmm1),
                _ => dynasm!(a ; .arch x64 ; pminub xmm0, xmm1),
            }
            dynasm!(a ; .arch x64 ; packuswb xmm0, xmm0);
        }
    }
    dynasm!(a ; .arch x64 ; movq Rq(t), xmm0);
}

/// `t = ge.mask t`: GE bits 16..19 spread to bits 0, 8, 16, 24 (one multiplication, no
/// overlapping partial products), then each to its whole byte.
fn ge_mask(a: &mut Asm, t: u8) {
    dynasm!(a ; .arch x64
        ; shr Rd(t), 16 ; and Rd(t), 0xf ; imul Rd(t), Rd(t), 0x0020_4081
        ; and Rd(t), 0x0101_0101 ; imul Rd(t), Rd(t), 0xff);
}

/// `t = mask.ge t`: the lanes' top bits (at 7, 15, 23 and 31), moved down to bits 0, 8, 16
/// and 24, gathered at bits 24..27 by one multiply (by 2^24 + 2^17 + 2^10 + 2^3: the sixteen
/// partial products land on sixteen different bits, so none carries into another), then
/// moved to 16..19.
fn mask_ge(a: &mut Asm, t: u8) {
    dynasm!(a ; .arch x64
        ; shr Rd(t), 7 ; and Rd(t), 0x0101_0101 ; imul Rq(t), Rq(t), 0x0102_0408
        ; shr Rq(t), 8 ; and Rd(t), 0xf_0000);
}

/// `t = zero.lanes` of the low half of `xmm0` (the upper one zero) at lane size `esize`:
/// SSE2's lane compare with zero; clobbers `xmm0` and `xmm1`.
fn zero_lanes(a: &mut Asm, esize: u64, t: u8) {
    dynasm!(a ; .arch x64 ; pxor xmm1, xmm1);
    match esize {
        8 => dynasm!(a ; .arch x64 ; pcmpeqb xmm0, xmm1),
        16 => dynasm!(a ; .arch x64 ; pcmpeqw xmm0, xmm1),
        _ => dynasm!(a ; .arch x64 ; pcmpeqd xmm0, xmm1),
    }
    dynasm!(a ; .arch x64 ; movq Rq(t), xmm0);
}

/// `t` = the lane operation `op` (`add.lanes`, `sub.lanes`, `eq.lanes`) of xmm0 and xmm1 in
/// every lane of `esize` bits of the low 64.
fn lanes(a: &mut Asm, op: Op, esize: u64, t: u8) {
    match (op, esize) {
        (Op::AddLanes, 8) => dynasm!(a ; .arch x64 ; paddb xmm0, xmm1),
        (Op::AddLanes, 16) => dynasm!(a ; .arch x64 ; paddw xmm0, xmm1),
        (Op::AddLanes, _) => dynasm!(a ; .arch x64 ; paddd xmm0, xmm1),
        (Op::SubLanes, 8) => dynasm!(a ; .arch x64 ; psubb xmm0, xmm1),
        (Op::SubLanes, 16) => dynasm!(a ; .arch x64 ; psubw xmm0, xmm1),
        (Op::SubLanes, _) => dynasm!(a ; .arch x64 ; psubd xmm0, xmm1),
        (_, 8) => dynasm!(a ; .arch x64 ; pcmpeqb xmm0, xmm1),
        (_, 16) => dynasm!(a ; .arch x64 ; pcmpeqw xmm0, xmm1),
        (_, _) => dynasm!(a ; .arch x64 ; pcmpeqd xmm0, xmm1),
    }
    dynasm!(a ; .arch x64 ; movq Rq(t), xmm0);
}

/// `rax` = NZCV with N and Z from the host flags of a `test` (SF and ZF), C = V = 0: `lahf`
/// puts SF and ZF in bits 15 and 14.
fn nz_from_host_flags(a: &mut Asm) {
    dynasm!(a ; .arch x64 ; lahf ; and eax, 0xc000 ; shl eax, 16);
}

/// Register `t` = 1 if ARM condition `cc` holds for the host flags as [`cond_fused`] sets them,
/// else 0 (`cc` as [`host_cc`] gives it). Clobbers `al` (and `cl`).
fn set_condition(a: &mut Asm, cc: u64, t: u8) {
    match cc {
        0 => dynasm!(a ; .arch x64 ; sete al),
        1 => dynasm!(a ; .arch x64 ; setne al),
        2 => dynasm!(a ; .arch x64 ; setc al),
        3 => dynasm!(a ; .arch x64 ; setnc al),
        4 => dynasm!(a ; .arch x64 ; sets al),
        5 => dynasm!(a ; .arch x64 ; setns al),
        6 => dynasm!(a ; .arch x64 ; seto al),
        7 => dynasm!(a ; .arch x64 ; setno al),
        // hi: C && !Z; ls: !C || Z.
        8 => dynasm!(a ; .arch x64 ; setc al ; setnz cl ; and al, cl),
        9 => dynasm!(a ; .arch x64 ; setnc al ; setz cl ; or al, cl),
        10 => dynasm!(a ; .arch x64 ; setge al),
        11 => dynasm!(a ; .arch x64 ; setl al),
        12 => dynasm!(a ; .arch x64 ; setg al),
        13 => dynasm!(a ; .arch x64 ; setle al),
        ABOVE => dynasm!(a ; .arch x64 ; seta al),
        BELOW_OR_EQUAL => dynasm!(a ; .arch x64 ; setbe al),
        _ => dynasm!(a ; .arch x64 ; mov al, 1),
    }
    dynasm!(a ; .arch x64 ; movzx Rd(t), al);
}

/// A linkable jump inside compiled code.
#[derive(Clone, Copy, Debug)]
pub struct SiteOff {
    /// Guest pc the jump wants to reach.
    pub target: u64,
    /// Offset of the `rel32` field from the block start (within one aligned 8-byte word).
    pub rel32: usize,
    /// Offset of the exit stub the jump points at while unlinked.
    pub stub: usize,
    /// 0, or for the back edge of a block that loops to itself carrying state (`target` is
    /// its own key), the offset of the loop's head, where linking it to the block itself points
    /// it instead of at the entry (see `self_loop`).
    pub head: usize,
}

/// The host code of one guest memory access: a host fault at an address in `start..end`
/// (offsets from the block start) is a fault of the guest instruction whose key is `key`. For a
/// helper call (`call`), the range holds the return address of the `call rax` instead: a fault
/// inside the helper is found through it (see the `fault` module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSite {
    /// Offset of the first host instruction of the access.
    pub start: u32,
    /// Offset just past its last host instruction.
    pub end: u32,
    /// The resume key (pc) of the guest instruction.
    pub key: u64,
    /// True for a helper call, false for an inline access.
    pub call: bool,
    /// Bytes a helper call site pushes below the block's stack pointer before its `call`.
    pub pushed: u8,
    /// Offset of the code to resume at when an inline access faults, with the block's stack
    /// pointer, instead of the epilogue: it stores the `setreg.fault` values and the dirty
    /// copies of vector registers pending there and then leaves through the epilogue.
    pub stub: Option<u32>,
}

/// What an access's fault stub stores (see [`Emitter::late_stubs`]): the `setreg.fault`
/// writes pending (slot, value) and the dirty copies of vector registers (vector register,
/// xmm register).
type LateStores = (Vec<(u64, Val)>, Vec<(u8, u8)>);

/// A compiled block before it is copied into the cache.
pub struct Compiled {
    /// Machine code, assembled for the base address given to [`compile`].
    pub code: Vec<u8>,
    /// Linkable jumps.
    pub sites: Vec<SiteOff>,
    /// Its guest memory accesses, in code order.
    pub faults: Vec<FaultSite>,
    /// Stack bytes the block reserves beyond the trampoline frame while it runs.
    pub extra_stack: u32,
}

/// Compiles `block` for host address `base`; exits use the absolute addresses in `shared`.
/// With a `counter` (the address of a `u32`), the block first counts itself down there and,
/// when the count reaches zero, exits with [`exit::HOT`] at its key before anything else.
/// `fold32` lets 32-bit sums go into memory operands too (see [`addr_fold`]). With `chain`
/// (block linking on) and no counter, a block that loops to itself carries the state it reads
/// around the loop in host registers (see `self_loop`).
///
/// A block that fails `ir::verify` (or has more than [`MAX_VALS`] values) is a lifter bug; rather
/// than emit unsafe code for it, it compiles to an undefined-instruction exit at `block.key`.
pub fn compile(
    block: &Block,
    base: usize,
    shared: Shared,
    counter: Option<usize>,
    fold32: bool,
    chain: bool,
) -> Compiled {
    // Blocks take about 12 bytes of code per IR instruction; growing the buffer from empty
    // reallocated it several times per block.
    let capacity = 256 + 16 * block.insts.len();
    let mut e = Emitter {
        a: Asm::new_with_capacity(base, capacity, 0, 0, 8, 0, 8),
        epilogue: shared.epilogue,
        shared,
        extra: 0,
        sites: Vec::new(),
        faults: Vec::new(),
        locs: Vec::new(),
        saves: Vec::new(),
        save: 0,
        fp_known: false,
        unread: false,
        spill: None,
        slow_paths: Vec::new(),
        nzcv_settled: false,
        settle_paths: Vec::new(),
        side_stubs: Vec::new(),
        fused: None,
        fp_compares: Vec::new(),
        and_fall: None,
        exit_defs: Vec::new(),
        flag_exits: Vec::new(),
        late: Vec::new(),
        late_stubs: Vec::new(),
        stub_stores: Vec::new(),
        held_out: Vec::new(),
        key: block.key,
        xmm_val: None,
        fp_result_xmm: None,
        zero_product: None,
        lowered_add: None,
        folds: Vec::new(),
        homes: Vec::new(),
        link: 0,
        carry: None,
        vcache: vcache::VCache::default(),
        fp_change: 0,
    };
    let hot = counter.map(|c| {
        let hot = e.a.new_dynamic_label();
        // Before the block's stack reservation, so its exit has nothing to give back. The
        // counter is usually within reach of rip (see `counters`): a 7-byte decrement.
        let end = (base + e.a.offset().0 + 7) as i64;
        match i32::try_from(c as i64 - end) {
            Ok(rel) => enc::alu_rip_imm8(&mut e.a, Alu::Sub, rel, 1),
            Err(_) => {
                let c = c as i64;
                dynasm!(e.a ; .arch x64 ; mov rax, QWORD c);
                enc::alu_mem_imm8(&mut e.a, Alu::Sub, false, Mem::at(alloc::RAX, 0), 1);
            }
        }
        dynasm!(e.a ; .arch x64 ; jz =>hot);
        hot
    });
    if ir::verify(block).is_err() || block.num_vals > MAX_VALS {
        e.exit_const(exit::UNDEFINED, block.key, 0);
    } else {
        // Not worth its translation time in a block that may run only a few times.
        let folds = if counter.is_none() {
            addr_fold::find(block, fold32)
        } else {
            Vec::new()
        };
        // (A quick translation lowers its block once, with every test.)
        if counter.is_none() {
            e.fp_change = fp::first_change(block);
        }
        e.carry = (counter.is_none() && chain)
            .then(|| self_loop::plan(block, &folds))
            .flatten();
        // With the FP state checks hoisted, each version loops to its own head: the fast one
        // skips the entry's check, so a carried loop has them hoisted only where nothing in
        // it may change FPCR or clear FPSR.IXC (A32's VCMP merges flags into FPSR, keeping
        // IXC; a VMSR may change anything).
        let hoisted = counter.is_none()
            && fp::checks_hoisted(block, e.fp_change)
            && (e.carry.is_none() || e.fp_change == block.insts.len());
        // Live at the loop's end: what the back edge moves, what the sunk instructions read,
        // and what they compute, which they do on the way out, after everything else (placed
        // where only their original positions count, a sunk value could share a register
        // with a value it reads there, computed after it in the loop).
        let carried: Vec<Val> = e
            .carry
            .iter()
            .flat_map(|c| {
                let sunk_defs = c.sunk.iter().filter_map(|&k| block.insts[k].dst);
                c.moves
                    .iter()
                    .map(|m| m.1)
                    .chain(c.sunk_reads.iter().copied())
                    .chain(sunk_defs)
            })
            .collect();
        // A loop that holds registers stores them late (see `self_loop::held`).
        let late_block = e
            .carry
            .as_ref()
            .filter(|c| !c.held.is_empty())
            .map(|c| self_loop::with_late_writes(block, &c.held));
        let block = late_block.as_ref().unwrap_or(block);
        let held_until = e.carry.as_ref().map_or(Vec::new(), |c| {
            self_loop::held_until(block, c.head, &c.held)
        });
        e.folds = folds;
        // Only the passes make the carries chains are of (see `ir::carry_chain`).
        let links = if counter.is_none() {
            e.carry_links(block)
        } else {
            Vec::new()
        };
        e.exit_defs = sink::exit_flags(block, &links);
        let moves = e.carry.as_ref().map_or(&[][..], |c| &c.moves[..]);
        let alloc::Allocation { locs, uses, saves } =
            alloc::allocate(block, &e.folds, &carried, moves, &e.exit_defs, &held_until);
        e.vcache = vcache::VCache::for_block(block, &locs);
        // The reads a loop's back edge moves a new value into (see `alloc::homes`).
        let excluded: Vec<Val> = moves.iter().filter(|m| m.0 != m.1).map(|m| m.0).collect();
        e.homes = alloc::homes(block, &locs, &excluded);
        e.locs = locs;
        e.saves = saves;
        // Sunk instructions are lowered alone: none may share the host flags with another.
        if let Some(c) = e.carry.as_mut() {
            let selects = fused_selects(block, &uses);
            let shared = |k: &usize| {
                links.get(*k).is_some_and(|&l| l != 0)
                    || selects.iter().any(|s| s.0 == *k || s.1 == *k)
            };
            if c.sunk.iter().any(shared) {
                c.sunk.clear();
            }
        }
        if hoisted {
            let general = e.a.new_dynamic_label();
            fp::state_check(&mut e, general);
            e.fp_known = true;
            e.block(block, &uses, &links);
            e.fp_known = false;
            e.xmm_val = None;
            e.fp_result_xmm = None;
            dynasm!(e.a ; .arch x64 ; =>general);
        }
        e.block(block, &uses, &links);
    }
    if let Some(hot) = hot {
        dynasm!(e.a ; .arch x64 ; =>hot);
        e.exit_const(exit::HOT, block.key, ir::EXIT_ARG_KEPT);
    }
    let code = e.a.finalize().expect("block relocations are resolvable");
    Compiled {
        code,
        sites: e.sites,
        faults: e.faults,
        extra_stack: e.extra as u32,
    }
}

/// The way out of a side exit that stores something first (see [`Emitter::flag_exits`]).
struct FlagExit {
    label: DynamicLabel,
    /// The flags word of an `exit.if.flags` and the instructions computing it on the way out.
    flags: Option<(Val, Vec<ir::Inst>)>,
    /// The `setreg.fault` writes pending at the exit.
    late: Vec<(u64, Val)>,
    target: u64,
}

/// A helper call: its function, arguments, the caller-saved registers it keeps
/// ([`alloc::Allocation::saves`]) and the xmm register its result also goes to.
struct HelperCall {
    func: i64,
    args: [Val; 3],
    save: u32,
    result: Option<u8>,
}

/// The slow path of an inline operation, emitted after the block ([`Emitter::slow_paths`]):
/// the fast path jumps to `slow`, the call returns to `done`; `key` is the guest instruction's.
struct SlowPath {
    slow: DynamicLabel,
    done: DynamicLabel,
    call: HelperCall,
    key: u64,
    /// A multiplication's check for an exact zero before the call (see `fp::zero_product`).
    zero: Option<fp::ZeroProduct>,
    /// For the FCMP of a [`fp::CompareBranch`], its branch's ARM condition: the host flags
    /// are set from the helper's result (see `fp::flags_of_nzcv`).
    flags: Option<u64>,
}

struct Emitter {
    a: Asm,
    epilogue: usize,
    shared: Shared,
    /// Extra stack bytes this block reserves beyond the trampoline frame.
    extra: i32,
    sites: Vec<SiteOff>,
    faults: Vec<FaultSite>,
    /// Where each value lives (see [`alloc`]).
    locs: Vec<Loc>,
    /// The state slot that is each value's stack slot, if any ([`alloc::homes`]).
    homes: Vec<Option<u32>>,
    /// The caller-saved registers each instruction's call saves ([`alloc::Allocation::saves`]).
    saves: Vec<(usize, u32)>,
    /// Those of the instruction being lowered.
    save: u32,
    /// The instruction being lowered is a call whose result nothing reads.
    unread: bool,
    /// The value [`Emitter::st`] last stored to its stack slot, from which register, and the
    /// code offset just after that store: while nothing else is emitted (no label is ever
    /// defined right after a store), the register still holds the value, and [`Emitter::ld`]
    /// takes it from there instead of reloading it (the next instruction often reads the
    /// value a spilled instruction just computed in `rax`).
    spill: Option<(Val, u8, usize)>,
    /// The slow paths of the block's inline operations so far, emitted after its code.
    slow_paths: Vec<SlowPath>,
    /// The block has settled flags left for later, or written NZCV, on the way so far: its
    /// reads of NZCV and its helper calls need not look for deferred flags (see
    /// [`Emitter::settle_flags`]).
    nzcv_settled: bool,
    /// The calls of the settling routine out of line, after the block's code: where a read
    /// of NZCV jumps when it finds flags left for later, where it resumes, and the register
    /// the read loads.
    settle_paths: Vec<(DynamicLabel, DynamicLabel, u8)>,
    /// The side exits' linkable jumps so far (stub label and rel32 offset) with their
    /// targets, whose exit stubs follow the block's code (see [`Emitter::side_exit`]).
    side_stubs: Vec<((dynasmrt::DynamicLabel, usize), u64)>,
    /// FPCR's rounding mode and FZ are known clear and FPSR.IXC known set, so inline FP
    /// operations need not test them (see `fp::checks_hoisted`).
    fp_known: bool,
    /// The ARM condition of a branch fused with the block's last instruction (see
    /// [`fused_branch`]): the host flags hold it when the terminator runs.
    fused: Option<u64>,
    /// The FCMPs whose `ucomisd` flags the branch or a side exit reads (see
    /// [`fp::compare_branch`]).
    fp_compares: Vec<fp::CompareBranch>,
    /// Where the branch goes when the first condition of a fused `a && b` branch fails (see
    /// [`Emitter::and_branch`]): bound where the branch's not-taken way begins.
    and_fall: Option<DynamicLabel>,
    /// The flags words the block's `exit.if.flags` exits compute on their way out: (the index
    /// of the instruction computing one, the exit's index). See [`sink::exit_flags`].
    exit_defs: Vec<(usize, usize)>,
    /// The ways out of the side exits that store something first, emitted after the block's
    /// code: their label, the flags word of an `exit.if.flags` and the instructions computing
    /// it there (if the way on does not), the `setreg.fault` writes pending, the target.
    flag_exits: Vec<FlagExit>,
    /// The `setreg.fault` writes not stored yet (slot, value): a fault of an access or a side
    /// exit now stores them first (see [`Emitter::late_stubs`], [`Emitter::flag_exits`]).
    late: Vec<(u64, Val)>,
    /// The accesses with such writes or dirty copies of vector registers pending (index in
    /// `faults`), those writes and those copies (see [`Emitter::late_stubs`]).
    late_stubs: Vec<(usize, LateStores)>,
    /// Writes every exit stub emitted now stores first: a loop's back edge's (see
    /// `self_loop::held`).
    stub_stores: Vec<(u64, Val)>,
    /// The writes of a loop's held registers still pending at its end, which its way out
    /// stores (see `self_loop::held`).
    held_out: Vec<(u64, Val)>,
    /// The block's key: links to a key at or below it check for pending events.
    key: u64,
    /// An xmm register that holds (in its low 64 bits) the value an inline FP operation just
    /// produced, so the next one takes it from there instead of through a general register:
    /// the moves between the two register files are the larger part of a dependent chain's
    /// latency. Forgotten at anything that may clobber xmm registers (see `uses_xmm`).
    xmm_val: Option<(Val, u8)>,
    /// Set by `fp::fast_path` when it leaves its result in that xmm register; the helper call
    /// after it then puts its result there too, so both paths agree at the join.
    fp_result_xmm: Option<u8>,
    /// Set by `fp::fast_path` for a multiplication: where its result test goes (see
    /// `fp::zero_product`).
    zero_product: Option<fp::ZeroProduct>,
    /// The index of an `add` lowered early, with the shift before it, as one `lea` (see
    /// [`Emitter::scaled_add`]).
    lowered_add: Option<usize>,
    /// The `base + k` sums memory operands take apart (see [`addr_fold`]).
    folds: Vec<Option<(Val, i32)>>,
    /// The instruction being lowered's part in carries kept in CF (`ir::carry_chain::link`).
    link: u8,
    /// What a block that loops to itself carries around the loop (see `self_loop`).
    carry: Option<self_loop::Carry>,
    /// Which xmm registers hold copies of which vector registers (see `vcache`).
    vcache: vcache::VCache,
    /// The index of the block's first instruction that may change the FP state `fp_known`
    /// speaks of (`fp::first_change`).
    fp_change: usize,
}

/// `rax = rax / rcx`, unsigned or `signed`, at 64 bits if `wide`, else on the low 32 bits (the
/// result zero-extended); clobbers `rdx`. x86 traps on /0 and on MIN / -1 (signed); ARM gives
/// 0 and MIN. Dividing by -1 is a negation, which wraps MIN to MIN.
fn divide(a: &mut Asm, signed: bool, wide: bool) {
    if wide {
        dynasm!(a ; .arch x64 ; test rcx, rcx ; jnz >nonzero);
    } else {
        dynasm!(a ; .arch x64 ; test ecx, ecx ; jnz >nonzero);
    }
    dynasm!(a ; .arch x64 ; xor eax, eax ; jmp >done ; nonzero:);
    match (signed, wide) {
        (false, true) => dynasm!(a ; .arch x64 ; xor edx, edx ; div rcx),
        (false, false) => dynasm!(a ; .arch x64 ; xor edx, edx ; div ecx),
        (true, true) => dynasm!(a ; .arch x64
            ; cmp rcx, -1 ; jne >divide ; neg rax ; jmp >done
            ; divide: ; cqo ; idiv rcx),
        (true, false) => dynasm!(a ; .arch x64
            ; cmp ecx, -1 ; jne >divide ; neg eax ; jmp >done
            ; divide: ; cdq ; idiv ecx),
    }
    dynasm!(a ; .arch x64 ; done:);
}

/// Whether the host has LZCNT (for CLZ).
fn has_lzcnt() -> bool {
    hostcpu::has(hostcpu::Feature::Lzcnt)
}

/// `t = op(t)` for BSWAP, CLZ, CLS and RBIT at 64 bits if `wide`, else on the low 32 bits
/// (the result zero-extended); clobbers `rcx` and `rdx`.
fn bit_op(a: &mut Asm, op: Op, t: u8, wide: bool) {
    let top = if wide { 63 } else { 31 };
    match (op, wide) {
        (Op::Bswap, true) => dynasm!(a ; .arch x64 ; bswap Rq(t)),
        (Op::Bswap, false) => dynasm!(a ; .arch x64 ; bswap Rd(t)),
        (Op::Clz, true) if has_lzcnt() => dynasm!(a ; .arch x64 ; lzcnt Rq(t), Rq(t)),
        (Op::Clz, false) if has_lzcnt() => dynasm!(a ; .arch x64 ; lzcnt Rd(t), Rd(t)),
        (Op::Clz, _) => {
            // clz = (width - 1) - bsr(x); bsr of 0 leaves ZF set and we substitute -1.
            if !wide {
                dynasm!(a ; .arch x64 ; mov Rd(t), Rd(t));
            }
            dynasm!(a ; .arch x64
                ; mov rcx, -1 ; bsr Rq(t), Rq(t) ; cmovz Rq(t), rcx
                ; mov edx, top ; sub rdx, Rq(t) ; mov Rq(t), rdx);
        }
        (Op::Cls, _) => {
            // Leading sign bits below the sign bit = clz((x ^ (x << 1)) | 1) at the width;
            // the `| 1` keeps bsr's input non-zero and caps the count at width - 1.
            if wide {
                dynasm!(a ; .arch x64 ; lea rcx, [Rq(t) + Rq(t)] ; xor Rq(t), rcx);
            } else {
                dynasm!(a ; .arch x64 ; lea ecx, [Rq(t) + Rq(t)] ; xor Rd(t), ecx);
            }
            dynasm!(a ; .arch x64
                ; or Rq(t), 1 ; bsr Rq(t), Rq(t) ; mov edx, top ; sub rdx, Rq(t) ; mov Rq(t), rdx);
        }
        _ => {
            // RBIT: swap adjacent bits, pairs and nibbles, then reverse the bytes.
            for (mask, n) in [
                (0x5555_5555_5555_5555u64, 1i8),
                (0x3333_3333_3333_3333, 2),
                (0x0f0f_0f0f_0f0f_0f0f, 4),
            ] {
                dynasm!(a ; .arch x64
                    ; mov rdx, QWORD mask as i64
                    ; mov rcx, Rq(t) ; shr rcx, n ; and rcx, rdx
                    ; and Rq(t), rdx ; shl Rq(t), n ; or Rq(t), rcx);
            }
            dynasm!(a ; .arch x64 ; bswap Rq(t));
            if !wide {
                // The low 32 bits reversed now sit in the high half.
                dynasm!(a ; .arch x64 ; shr Rq(t), 32);
            }
        }
    }
}

/// Whether the lowering of `op` may write an xmm register: the lane operations on SSE2
/// ([`bytes4`], [`pairs8`], [`zero_lanes`], [`lanes`]) and helper calls (every xmm register is
/// caller-saved). Every other lowering works in general registers and memory only; one that
/// comes to use xmm registers must be listed here.
fn uses_xmm(op: Op) -> bool {
    matches!(
        op,
        Op::Bytes4
            | Op::Bytes4Mask
            | Op::Pairs8
            | Op::ZeroLanes
            | Op::AddLanes
            | Op::SubLanes
            | Op::EqLanes
            | Op::Call
    )
}

/// The condition of `b`'s branch if the host can branch on it straight from the flags of the
/// block's last instruction, whose value nothing but the branch reads: a fused condition
/// (`cond.add`/`cond.logic`/`cond.sub`, see `ir::passes::fuse_conditions`) that one x86 jump
/// tests (after an add or test all but hi and ls, which combine C and Z the other way round
/// from x86's unsigned conditions; after the `cmp` of a `cond.sub` all; never the always
/// conditions), an `eq` or `ult` compare (CBZ, CBNZ, bounds checks), an `and` (a bit test:
/// TBZ, TBNZ), or a condition of the flags word an earlier block left (B.cond, Thumb
/// conditional branches). The result is a condition code as [`host_cc`] gives it, for
/// [`Emitter::jump_unless`] on the flags [`Emitter::condition_flags`] sets.
fn fused_branch(b: &Block) -> Option<u64> {
    let Term::Branch { cond, .. } = b.term else {
        return None;
    };
    let last = b.insts.last()?;
    if last.dst != Some(cond) {
        return None;
    }
    flags_cc(last)
}

/// The side exits of `b` whose condition is the instruction just before them and read by
/// nothing else, with no part in a fused select or a carry kept in CF: each as (its index, the
/// host condition ([`flags_cc`])). The condition then only sets the host flags and the exit
/// is one conditional jump, as a fused branch's.
fn fused_exits(
    b: &Block,
    uses: &[u32],
    selects: &[(usize, usize, u64)],
    links: &[u8],
) -> Vec<(usize, u64)> {
    let term_reads = match b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => Some(v),
        _ => None,
    };
    let mut out = Vec::new();
    for (n, i) in b.insts.iter().enumerate().skip(1) {
        if !i.op.is_side_exit() {
            continue;
        }
        let c = i.args[0];
        let def = &b.insts[n - 1];
        let shared = selects.iter().any(|s| s.0 == n - 1 || s.1 == n - 1)
            || links.get(n - 1).is_some_and(|&l| l != 0);
        if def.dst == Some(c)
            && uses.get(c.0 as usize) == Some(&1)
            && term_reads != Some(c)
            && !shared
            && let Some(cc) = flags_cc(def)
        {
            out.push((n, cc));
        }
    }
    out
}

/// The host condition (as [`host_cc`] gives it) that decides condition `i` from the flags
/// [`Emitter::condition_flags`] sets for it, if one does (see [`fused_branch`]).
fn flags_cc(i: &ir::Inst) -> Option<u64> {
    let cc = i.imm & 15;
    match i.op {
        Op::CondAdd | Op::CondLogic => (!matches!(cc, 8 | 9 | 14 | 15)).then_some(cc),
        Op::CondSub => (!matches!(cc, 14 | 15)).then_some(host_cc(Op::CondSub, cc)),
        // `cmp x, y`: ZF is equality, as ARM's Z after a compare (eq is code 0).
        Op::Eq => Some(0),
        // `cmp x, y` sets CF on x < y, which `jump_unless` reads as ARM's C for code 2 (cs):
        // it jumps away when CF is clear, so the branch is taken when x < y.
        Op::Ult => Some(2),
        // A condition of a flags word from an earlier block (see `nzcv_flags`).
        Op::Cond => nzcv_cc(i.imm),
        // A bit test (TBZ, TBNZ): `test x, y` clears ZF when any bit is in both, as ARM's
        // ne reads it.
        Op::And => Some(1),
        _ => None,
    }
}

/// The selects of `b` that take their condition from the host flags, each as (its index, the
/// index of the condition it reads, the host condition ([`flags_cc`])). Such a condition is
/// read by selects alone (as their condition), and only code that keeps the flags comes
/// between it and the last of them (`ir::carry_chain::keeps_flags`: moves, and the selects'
/// own `cmov`s). The condition then only sets the flags ([`Emitter::condition_flags`]) and
/// each select is a `cmov`: CSEL, CSINC, CSET, a `csel; csel` pair and A32 conditional
/// instructions without materialising a 0 or 1 and testing it again.
fn fused_selects(b: &Block, uses: &[u32]) -> Vec<(usize, usize, u64)> {
    let term_reads = match b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => Some(v),
        _ => None,
    };
    let of = |s: &ir::Inst, c: Val| {
        s.op == Op::Select && s.args[0] == c && s.args[1] != c && s.args[2] != c
    };
    // Each select finds its condition back through moves and the condition's other selects.
    let mut found = Vec::new();
    for (k, i) in b.insts.iter().enumerate() {
        let c = i.args[0];
        if !of(i, c) || term_reads == Some(c) {
            continue;
        }
        let Some(ci) = b.insts[..k]
            .iter()
            .rposition(|p| !ir::carry_chain::keeps_flags(p) && !of(p, c))
        else {
            continue;
        };
        if b.insts[ci].dst == Some(c)
            && let Some(cc) = flags_cc(&b.insts[ci])
        {
            found.push((k, ci, cc));
        }
    }
    // A condition with any other reader stays a value for all of them.
    let mut out = Vec::with_capacity(found.len());
    for group in found.chunk_by(|p, q| p.1 == q.1) {
        let c = b.insts[group[0].1].dst.map_or(0, |c| c.0 as usize);
        if uses.get(c) == Some(&(group.len() as u32)) {
            out.extend_from_slice(group);
        }
    }
    out
}

/// The host condition (as [`host_cc`] gives it) under which ARM condition `cc` holds once
/// [`Emitter::nzcv_flags`] has set the flags from an NZCV word: CF is the base condition's
/// bit (eq, cs, mi, vs) or N ^ V (ge) or (N ^ V) | Z (gt), which hold when it is clear; ZF
/// is hi. None for al, which needs no flags.
fn nzcv_cc(cc: u64) -> Option<u64> {
    let (holds, fails) = match cc >> 1 {
        0..=3 => (2, 3),
        4 => (0, 1),
        5 | 6 => (3, 2),
        _ => return None,
    };
    Some(if cc & 1 == 0 { holds } else { fails })
}

/// LoadV and StoreV (`i`) of the vector register its immediate names, at the guest address in
/// host register `r` plus `k` (`r` not `rcx` or `rdx`, which carry the data).
fn vec_access(a: &mut Asm, i: &ir::Inst, r: u8, k: i32) {
    let n = (i.imm & 0x3f) as u32 % 32;
    let (lo, hi) = (so(slot::v_lo(n)), so(slot::v_hi(n)));
    if i.op == Op::LoadV {
        match i.imm >> 8 {
            1 => dynasm!(a ; .arch x64 ; movzx ecx, BYTE [r14 + Rq(r) + k]),
            2 => dynasm!(a ; .arch x64 ; movzx ecx, WORD [r14 + Rq(r) + k]),
            4 => dynasm!(a ; .arch x64 ; mov ecx, DWORD [r14 + Rq(r) + k]),
            _ => dynasm!(a ; .arch x64 ; mov rcx, QWORD [r14 + Rq(r) + k]),
        }
        if i.imm >> 8 == 16 {
            dynasm!(a ; .arch x64 ; mov rdx, QWORD [r14 + Rq(r) + k + 8]);
        } else {
            dynasm!(a ; .arch x64 ; xor edx, edx);
        }
        dynasm!(a ; .arch x64 ; mov [r15 + lo], rcx ; mov [r15 + hi], rdx);
    } else {
        dynasm!(a ; .arch x64 ; mov rcx, [r15 + lo]);
        match i.imm >> 8 {
            1 => dynasm!(a ; .arch x64 ; mov [r14 + Rq(r) + k], cl),
            2 => dynasm!(a ; .arch x64 ; mov [r14 + Rq(r) + k], cx),
            4 => dynasm!(a ; .arch x64 ; mov [r14 + Rq(r) + k], ecx),
            8 => dynasm!(a ; .arch x64 ; mov [r14 + Rq(r) + k], rcx),
            _ => dynasm!(a ; .arch x64
                ; mov rdx, [r15 + hi] ; mov [r14 + Rq(r) + k], rcx ; mov [r14 + Rq(r) + k + 8], rdx),
        }
    }
}

/// `t = src` if host condition `cc` (as [`host_cc`] gives it) holds.
fn cmov_if(a: &mut Asm, cc: u64, t: u8, src: u8) {
    match cc {
        0 => dynasm!(a ; .arch x64 ; cmove Rq(t), Rq(src)),
        1 => dynasm!(a ; .arch x64 ; cmovne Rq(t), Rq(src)),
        2 => dynasm!(a ; .arch x64 ; cmovc Rq(t), Rq(src)),
        3 => dynasm!(a ; .arch x64 ; cmovnc Rq(t), Rq(src)),
        4 => dynasm!(a ; .arch x64 ; cmovs Rq(t), Rq(src)),
        5 => dynasm!(a ; .arch x64 ; cmovns Rq(t), Rq(src)),
        6 => dynasm!(a ; .arch x64 ; cmovo Rq(t), Rq(src)),
        7 => dynasm!(a ; .arch x64 ; cmovno Rq(t), Rq(src)),
        10 => dynasm!(a ; .arch x64 ; cmovge Rq(t), Rq(src)),
        11 => dynasm!(a ; .arch x64 ; cmovl Rq(t), Rq(src)),
        12 => dynasm!(a ; .arch x64 ; cmovg Rq(t), Rq(src)),
        13 => dynasm!(a ; .arch x64 ; cmovle Rq(t), Rq(src)),
        ABOVE => dynasm!(a ; .arch x64 ; cmova Rq(t), Rq(src)),
        _ => dynasm!(a ; .arch x64 ; cmovbe Rq(t), Rq(src)),
    }
}

impl Emitter {
    fn loc(&self, v: Val) -> Loc {
        self.locs.get(v.0 as usize).copied().unwrap_or(Loc::Slot)
    }

    /// The state slot that is `v`'s home, if any ([`alloc::homes`]).
    fn home(&self, v: Val) -> Option<u32> {
        self.homes.get(v.0 as usize).copied().flatten()
    }

    /// Where a [`Loc::Slot`] value lies: its state slot if that is its home
    /// ([`alloc::homes`]), else its stack slot.
    fn slot_mem(&self, v: Val) -> Mem {
        match self.home(v) {
            Some(s) => state(s as u64),
            None => Mem::at(RSP, vo(v)),
        }
    }

    /// [`Emitter::slot_mem`] as (base register, displacement), the `[Rq(base) + disp]` of a
    /// dynasm memory operand.
    fn slot_operand(&self, v: Val) -> (u8, i32) {
        let m = self.slot_mem(v);
        (m.base, m.disp)
    }

    /// Loads all 64 bits of `v` into host register `r`. Only `mov`s: flags are preserved.
    fn ld(&mut self, r: u8, v: Val) {
        match self.loc(v) {
            Loc::Reg(h) => {
                if h != r {
                    dynasm!(self.a ; .arch x64 ; mov Rq(r), Rq(h));
                }
            }
            Loc::Slot => match self.spill {
                // Nothing was emitted since `st` stored it from that register.
                Some((sv, h, at)) if sv == v && at == self.a.offset().0 => {
                    if h != r {
                        dynasm!(self.a ; .arch x64 ; mov Rq(r), Rq(h));
                    }
                }
                _ => {
                    let m = self.slot_mem(v);
                    enc::reg_mem(&mut self.a, RegMem::Load64, r, m);
                }
            },
            Loc::Const(k) => enc::mov_imm(&mut self.a, r, k),
            Loc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movq Rq(r), Rx(x)),
        }
    }

    /// `d = x ^ alloc::SIGN64`, the negation of a double, in xmm registers (an AVX host's; see
    /// `alloc::in_xmm`): `x` from the register that holds it (the result of the operation
    /// before, `xmm_val`, or its own), else loaded into xmm1; one `vxorpd` with the sign bit
    /// of the state's FP constants (`CpuState::fp_check`); the result straight into `d`'s
    /// register if it has one, else through xmm1. xmm1 holds no value or held result (a held
    /// result is in its own register, xmm0 or xmm2).
    fn negate_double(&mut self, d: Val, x: Val) {
        let s = match (self.xmm_val, self.loc(x)) {
            (Some((hv, hr)), _) if hv == x => hr,
            (_, Loc::Xmm(r)) => r,
            _ => {
                self.xmm_from(1, x);
                1
            }
        };
        // The sign bit, from the state's FP constants.
        let sign = FP_CHECK + 32;
        match self.loc(d) {
            Loc::Xmm(r) => dynasm!(self.a ; .arch x64 ; vxorpd Rx(r), Rx(s), [r15 + sign]),
            _ => {
                dynasm!(self.a ; .arch x64 ; vxorpd xmm1, Rx(s), [r15 + sign]);
                let t = self.target(d, &[]);
                dynasm!(self.a ; .arch x64 ; movq Rq(t), xmm1);
                self.st(d, t);
            }
        }
    }

    /// Loads all 64 bits of `v` into `xmm{t}`, the upper half of the register zeroed: straight
    /// from its register or stack slot, a constant through `rax`.
    fn xmm_from(&mut self, t: u8, v: Val) {
        match self.loc(v) {
            Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; movq Rx(t), Rq(h)),
            Loc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movq Rx(t), Rx(x)),
            Loc::Slot => {
                let (b, o) = self.slot_operand(v);
                dynasm!(self.a ; .arch x64 ; movq Rx(t), QWORD [Rq(b) + o]);
            }
            Loc::Const(_) => {
                self.ld(alloc::RAX, v);
                dynasm!(self.a ; .arch x64 ; movq Rx(t), rax);
            }
        }
    }

    /// Stores host register `r` as the value `v`.
    fn st(&mut self, v: Val, r: u8) {
        match self.loc(v) {
            Loc::Reg(h) => {
                if h != r {
                    dynasm!(self.a ; .arch x64 ; mov Rq(h), Rq(r));
                }
            }
            Loc::Slot => {
                debug_assert!(self.home(v).is_none());
                enc::reg_mem(&mut self.a, RegMem::Store64, r, Mem::at(RSP, vo(v)));
                self.spill = Some((v, r, self.a.offset().0));
            }
            Loc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movq Rx(x), Rq(r)),
            // Constants are never defined by anything but `const`.
            Loc::Const(_) => {}
        }
    }

    /// The register to compute `d` in when `others` are still to be read after it is first
    /// written: `d`'s own register unless one of them lives there, else `rax`.
    fn target(&self, d: Val, others: &[Val]) -> u8 {
        match self.loc(d) {
            Loc::Reg(h) if others.iter().all(|&o| self.loc(o) != Loc::Reg(h)) => h,
            _ => alloc::RAX,
        }
    }

    /// `t = t OP y` for the simple ALU ops, with `y` as register, slot or imm32.
    fn alu(&mut self, op: Op, t: u8, y: Val) {
        let src = match self.loc(y) {
            // A 32-bit and zero-extends, as a mask with a clear upper half does.
            Loc::Const(k) if op == Op::And && imm32(k).is_none() && k >> 32 == 0 => {
                enc::alu_imm(&mut self.a, Alu::And, false, t, k as u32 as i32);
                return;
            }
            Loc::Const(k) if imm32(k).is_some() && op != Op::Mul => {
                let alu = match op {
                    Op::Add => Alu::Add,
                    Op::Sub => Alu::Sub,
                    Op::And => Alu::And,
                    Op::Or => Alu::Or,
                    _ => Alu::Xor,
                };
                enc::alu_imm(&mut self.a, alu, true, t, imm32(k).unwrap_or(0));
                return;
            }
            Loc::Reg(h) => h,
            Loc::Slot => {
                let (b, o) = self.slot_operand(y);
                match op {
                    Op::Add => dynasm!(self.a ; .arch x64 ; add Rq(t), [Rq(b) + o]),
                    Op::Sub => dynasm!(self.a ; .arch x64 ; sub Rq(t), [Rq(b) + o]),
                    Op::And => dynasm!(self.a ; .arch x64 ; and Rq(t), [Rq(b) + o]),
                    Op::Or => dynasm!(self.a ; .arch x64 ; or Rq(t), [Rq(b) + o]),
                    Op::Mul => dynasm!(self.a ; .arch x64 ; imul Rq(t), [Rq(b) + o]),
                    _ => dynasm!(self.a ; .arch x64 ; xor Rq(t), [Rq(b) + o]),
                }
                return;
            }
            Loc::Const(_) | Loc::Xmm(_) => {
                self.ld(alloc::RCX, y);
                alloc::RCX
            }
        };
        match op {
            Op::Add => dynasm!(self.a ; .arch x64 ; add Rq(t), Rq(src)),
            Op::Sub => dynasm!(self.a ; .arch x64 ; sub Rq(t), Rq(src)),
            Op::And => dynasm!(self.a ; .arch x64 ; and Rq(t), Rq(src)),
            Op::Or => dynasm!(self.a ; .arch x64 ; or Rq(t), Rq(src)),
            Op::Mul => dynasm!(self.a ; .arch x64 ; imul Rq(t), Rq(src)),
            _ => dynasm!(self.a ; .arch x64 ; xor Rq(t), Rq(src)),
        }
    }

    /// `t = t - y` at 32 bits, which zero-extends the difference, with `y` as register, slot
    /// (its low half) or constant (its low half).
    fn sub32(&mut self, t: u8, y: Val) {
        match self.loc(y) {
            Loc::Const(k) => enc::alu_imm(&mut self.a, Alu::Sub, false, t, k as u32 as i32),
            Loc::Slot => {
                let (b, o) = self.slot_operand(y);
                dynasm!(self.a ; .arch x64 ; sub Rd(t), [Rq(b) + o]);
            }
            _ => {
                let r = self.reg_or(alloc::RCX, y);
                dynasm!(self.a ; .arch x64 ; sub Rd(t), Rd(r));
            }
        }
    }

    /// Compares `x` with `y` (as `cmp x, y`) at 64 bits, or at 32 unless `wide`; `x` is
    /// compared in its own register, else loaded into `rax`.
    fn cmp(&mut self, x: Val, y: Val, wide: bool) {
        let r = self.reg_or(alloc::RAX, x);
        match (self.loc(y), wide) {
            // A 32-bit compare takes any 32-bit constant (only its low bits matter).
            (Loc::Const(k), false) => {
                enc::alu_imm(&mut self.a, Alu::Cmp, false, r, k as u32 as i32)
            }
            (Loc::Const(k), true) if imm32(k).is_some() => {
                enc::alu_imm(&mut self.a, Alu::Cmp, true, r, imm32(k).unwrap_or(0));
            }
            (Loc::Reg(h), true) => dynasm!(self.a ; .arch x64 ; cmp Rq(r), Rq(h)),
            (Loc::Reg(h), false) => dynasm!(self.a ; .arch x64 ; cmp Rd(r), Rd(h)),
            (Loc::Slot, true) => {
                let (b, o) = self.slot_operand(y);
                dynasm!(self.a ; .arch x64 ; cmp Rq(r), [Rq(b) + o]);
            }
            (Loc::Slot, false) => {
                let (b, o) = self.slot_operand(y);
                dynasm!(self.a ; .arch x64 ; cmp Rd(r), DWORD [Rq(b) + o]);
            }
            (Loc::Const(_), true) | (Loc::Xmm(_), true) => {
                self.ld(alloc::RCX, y);
                dynasm!(self.a ; .arch x64 ; cmp Rq(r), rcx);
            }
            (Loc::Xmm(_), false) => {
                self.ld(alloc::RCX, y);
                dynasm!(self.a ; .arch x64 ; cmp Rd(r), ecx);
            }
        }
    }

    /// Loads the 128-bit guest vector at CPU-state offset `off` into xmm`x` as two 64-bit
    /// loads: the two halves are often just stored from general registers (the lowering of
    /// most vector operations works on 64-bit halves), and one 16-byte load spanning two
    /// pending 8-byte stores cannot take its data from the store buffer, which stalls it until
    /// both stores reach the cache; each 8-byte load forwards from its own store.
    pub(crate) fn load_v128(&mut self, x: u8, off: i32) {
        dynasm!(self.a ; .arch x64 ; movq Rx(x), [r15 + off] ; movhps Rx(x), [r15 + off + 8]);
    }

    /// `d = x + y + disp` straight into `d`'s place when `x` or `y` is in a register and the
    /// other in a register or a constant that fits the displacement (any constant at 32 bits,
    /// where only the low bits matter): one `lea`, or for two registers without `disp` an
    /// `add` (after a move); at 32 bits (`wide` false) the result is zero-extended. Returns
    /// false, having emitted nothing, otherwise.
    fn add_direct(&mut self, d: Val, x: Val, y: Val, disp: i32, wide: bool) -> bool {
        // The sum commutes: the register operand is the base.
        let (x, y) = match self.loc(x) {
            Loc::Reg(_) => (x, y),
            _ => (y, x),
        };
        let (Loc::Reg(b), t) = (self.loc(x), self.loc(d)) else {
            return false;
        };
        let t = match t {
            Loc::Reg(h) => h,
            _ => alloc::RAX,
        };
        match (self.loc(y), wide) {
            // Two registers: an add, into one of them or after a move (which the renamer
            // takes care of). dynasm gives a lea of a register base a displacement field
            // always, and base + index + displacement is a slow lea (two cycles on AMD Zen):
            // such sums are often on a loop's critical path.
            (Loc::Reg(i), _) if disp == 0 => {
                let (b, i) = if t == i { (i, b) } else { (b, i) };
                if wide {
                    if t != b {
                        dynasm!(self.a ; .arch x64 ; mov Rq(t), Rq(b));
                    }
                    dynasm!(self.a ; .arch x64 ; add Rq(t), Rq(i));
                } else {
                    // 32-bit moves and adds zero-extend.
                    if t != b {
                        dynasm!(self.a ; .arch x64 ; mov Rd(t), Rd(b));
                    }
                    dynasm!(self.a ; .arch x64 ; add Rd(t), Rd(i));
                }
            }
            (Loc::Reg(i), true) => {
                enc::reg_mem(&mut self.a, RegMem::Lea64, t, Mem::indexed(b, i, disp));
            }
            (Loc::Reg(i), false) => {
                enc::reg_mem(&mut self.a, RegMem::Lea32, t, Mem::indexed(b, i, disp));
            }
            (Loc::Const(k), true) => match imm32(k.wrapping_add(disp as u64)) {
                Some(k) => enc::reg_mem(&mut self.a, RegMem::Lea64, t, Mem::at(b, k)),
                None => return false,
            },
            (Loc::Const(k), false) => {
                let k = k.wrapping_add(disp as u64) as u32 as i32;
                enc::reg_mem(&mut self.a, RegMem::Lea32, t, Mem::at(b, k));
            }
            (Loc::Slot | Loc::Xmm(_), _) => return false,
        }
        self.st(d, t);
        true
    }

    /// Lowers the shift `b.insts[n]` together with the instruction after it (marks aside) as
    /// one `lea` with a scaled index, and true, when that instruction is an `add` (or an
    /// `addc` with no carry in, outside carry chains) of the shifted value, its one reader, and
    /// a value in another register, at 32 bits if the shift is, and the shift is by a constant
    /// 1 to 3 of a value in a register: the address of an indexed access (`ldr x0, [x1, x2,
    /// lsl #3]`, `ldr r0, [r1, r2, lsl #2]`) in one instruction instead of a move, the shift,
    /// a move and the add. The `add` is then skipped ([`Emitter::lowered_add`]). Lowering it
    /// early is the same: only marks come between, so its operands are as they will be there,
    /// and its register holds nothing else live (a value live across the shift and not read by
    /// either would be live across the `add` too).
    fn scaled_add(&mut self, b: &Block, n: usize, uses: &[u32], links: &[u8]) -> bool {
        let i = &b.insts[n];
        let [x, y, _] = i.args;
        let (Some(s), Loc::Reg(ix), Loc::Const(k)) = (i.dst, self.loc(x), self.loc(y)) else {
            return false;
        };
        let wide = i.imm == 64;
        let k = k & if wide { 63 } else { 31 };
        if !(1..=3).contains(&k) || uses.get(s.0 as usize) != Some(&1) {
            return false;
        }
        let Some(j) = (n + 1..b.insts.len()).find(|&j| b.insts[j].op != Op::Mark) else {
            return false;
        };
        let a = &b.insts[j];
        let (add_wide, width_ok) = match a.op {
            Op::Add => (true, wide),
            Op::AddC => (
                a.imm == 64,
                (wide || a.imm == 32) && self.loc(a.args[2]) == Loc::Const(0),
            ),
            _ => return false,
        };
        let base = if a.args[0] == s { a.args[1] } else { a.args[0] };
        let Some(d) = a.dst else {
            return false;
        };
        // A loop's own bookkeeping reads values the uses do not count.
        let (head, in_loop_moves) = self.carry.as_ref().map_or((usize::MAX, false), |c| {
            let carried = c.moves.iter().any(|m| m.0 == s || m.1 == s);
            (c.head, carried || c.sunk.contains(&j))
        });
        let term_reads =
            matches!(b.term, Term::JumpReg(v) | Term::Branch { cond: v, .. } if v == s);
        let Loc::Reg(bx) = self.loc(base) else {
            return false;
        };
        if !width_ok
            || (a.args[0] == s) == (a.args[1] == s)
            || links.get(j).is_some_and(|&l| l != 0)
            || (n + 1..=j).contains(&head)
            || in_loop_moves
            || term_reads
            || self.exit_defs.iter().any(|e| e.0 == j)
        {
            return false;
        }
        let t = match self.loc(d) {
            Loc::Reg(h) => h,
            _ => alloc::RAX,
        };
        let op = if add_wide {
            RegMem::Lea64
        } else {
            RegMem::Lea32
        };
        enc::reg_mem(&mut self.a, op, t, Mem::scaled(bx, ix, k as u8, 0));
        self.st(d, t);
        self.lowered_add = Some(j);
        true
    }

    /// The host register holding `v`: its own, else `r` with `v` loaded into it.
    fn reg_or(&mut self, r: u8, v: Val) -> u8 {
        match self.loc(v) {
            Loc::Reg(h) => h,
            _ => {
                self.ld(r, v);
                r
            }
        }
    }

    /// `d = cc ? y : z` for ARM condition `cc` of the host flags (as [`cmov_if`] takes it):
    /// computed in `d`'s own register unless `y` lives there, `y` taken from its own register
    /// if it has one. Only moves before the `cmov`, so the flags survive.
    fn cmov(&mut self, d: Val, y: Val, z: Val, cc: u64) {
        let t = self.target(d, &[y]);
        let src = self.reg_or(alloc::RDX, y);
        self.ld(t, z);
        cmov_if(&mut self.a, cc, t, src);
        self.st(d, t);
    }

    /// Where a guest address is: a host register (its own, its folded base's, else `rax`)
    /// and the displacement to add to it (see [`addr_fold`]).
    fn addr(&mut self, v: Val) -> (u8, i32) {
        match self.folds.get(v.0 as usize).copied().flatten() {
            Some((base, k)) => (self.reg_or(alloc::RAX, base), k),
            None => (self.reg_or(alloc::RAX, v), 0),
        }
    }

    /// Lowers one instruction with values in their allocated places; rare ops go through
    /// [`Emitter::slow`] with their arguments spilled to their slots.
    fn inst(&mut self, i: &ir::Inst) {
        use alloc::{RAX, RCX, RDX};
        let [x, y, z] = i.args;
        let Some(d) = i.dst else {
            return self.inst_void(i);
        };
        if self.folds.get(d.0 as usize).is_some_and(Option::is_some) {
            // Its readers add it up in their memory operands.
            return;
        }
        let wide = i.imm != 32;
        match i.op {
            Op::Const => {
                // Only a wide constant read more than once has a place (see `alloc`).
                if !matches!(self.loc(d), Loc::Const(_)) {
                    let t = self.target(d, &[]);
                    let k = i.imm as i64;
                    dynasm!(self.a ; .arch x64 ; mov Rq(t), QWORD k);
                    self.st(d, t);
                }
            }
            Op::GetReg if i.imm == slot::NZCV as u64 => {
                let t = match self.loc(d) {
                    Loc::Reg(h) => h,
                    _ => RAX,
                };
                enc::reg_mem(&mut self.a, RegMem::Load64, t, state(i.imm));
                if !self.nzcv_settled {
                    self.nzcv_settled = true;
                    let (cold, back) = (self.a.new_dynamic_label(), self.a.new_dynamic_label());
                    dynasm!(self.a ; .arch x64 ; test Rd(t), DEFERRED ; jnz =>cold ; =>back);
                    self.settle_paths.push((cold, back, t));
                }
                self.st(d, t);
            }
            Op::GetReg => {
                if let Loc::Xmm(v) = self.loc(d)
                    && i.imm < slot::END as u64
                {
                    let s = so(i.imm as u32);
                    dynasm!(self.a ; .arch x64 ; movq Rx(v), [r15 + s]);
                    return;
                }
                if self.home(d).is_some() {
                    // Read where it lies (see `alloc::homes`).
                    return;
                }
                let t = self.target(d, &[]);
                if i.imm < slot::END as u64 {
                    enc::reg_mem(&mut self.a, RegMem::Load64, t, state(i.imm));
                } else {
                    // Slots past the state struct do not exist; read as zero.
                    dynasm!(self.a ; .arch x64 ; mov Rq(t), 0);
                }
                self.st(d, t);
            }
            // (Only the negation of a double has an operand or a result in an xmm register.)
            Op::Xor if [d, x].iter().any(|&v| matches!(self.loc(v), Loc::Xmm(_))) => {
                self.negate_double(d, x);
            }
            Op::Add | Op::Sub | Op::And | Op::Or | Op::Xor | Op::Mul => {
                if i.op == Op::Add && self.add_direct(d, x, y, 0, true) {
                    return;
                }
                // Commutative: with the result in y's register, y is the one loaded there.
                let swap = i.op != Op::Sub
                    && x != y
                    && matches!(self.loc(d), Loc::Reg(h) if self.loc(y) == Loc::Reg(h));
                let (x, y) = if swap { (y, x) } else { (x, y) };
                let t = if x == y {
                    self.target(d, &[])
                } else {
                    self.target(d, &[y])
                };
                self.ld(t, x);
                self.alu(i.op, t, y);
                self.st(d, t);
            }
            Op::Shl | Op::Lshr | Op::Ashr | Op::Ror if matches!(self.loc(y), Loc::Const(_)) => {
                let k = match self.loc(y) {
                    Loc::Const(k) => (k & if wide { 63 } else { 31 }) as i8,
                    _ => 0,
                };
                let t = self.target(d, &[]);
                self.ld(t, x);
                self.shift(i.op, t, wide, Some(k));
                self.st(d, t);
            }
            Op::Shl | Op::Lshr | Op::Ashr | Op::Ror => {
                // The count goes to cl first: `d`'s register may be the count's.
                self.ld(RCX, y);
                let t = self.target(d, &[]);
                self.ld(t, x);
                self.shift(i.op, t, wide, None);
                self.st(d, t);
            }
            Op::UMulH | Op::SMulH => {
                // rdx:rax = rax * y; no value lives in rax or rdx.
                self.ld(RAX, x);
                let signed = i.op == Op::SMulH;
                match self.loc(y) {
                    Loc::Reg(h) if signed => dynasm!(self.a ; .arch x64 ; imul Rq(h)),
                    Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mul Rq(h)),
                    Loc::Slot => {
                        let (b, o) = self.slot_operand(y);
                        if signed {
                            dynasm!(self.a ; .arch x64 ; imul QWORD [Rq(b) + o]);
                        } else {
                            dynasm!(self.a ; .arch x64 ; mul QWORD [Rq(b) + o]);
                        }
                    }
                    Loc::Const(_) | Loc::Xmm(_) => {
                        self.ld(RCX, y);
                        if signed {
                            dynasm!(self.a ; .arch x64 ; imul rcx);
                        } else {
                            dynasm!(self.a ; .arch x64 ; mul rcx);
                        }
                    }
                }
                self.st(d, RDX);
            }
            Op::Not | Op::Neg => {
                let t = self.target(d, &[]);
                self.ld(t, x);
                if i.op == Op::Not {
                    dynasm!(self.a ; .arch x64 ; not Rq(t));
                } else {
                    dynasm!(self.a ; .arch x64 ; neg Rq(t));
                }
                self.st(d, t);
            }
            Op::Bswap | Op::Clz | Op::Cls | Op::Rbit => {
                // In the result's own register (`rcx` and `rdx` are scratch).
                let t = self.target(d, &[]);
                self.ld(t, x);
                bit_op(&mut self.a, i.op, t, i.imm != 32);
                self.st(d, t);
            }
            Op::UDiv | Op::SDiv => {
                self.ld(RAX, x);
                self.ld(RCX, y);
                divide(&mut self.a, i.op == Op::SDiv, i.imm != 32);
                self.st(d, RAX);
            }
            Op::Zext if i.imm == 32 && matches!(self.loc(x), Loc::Reg(_)) => {
                // A 32-bit move zero-extends: copy and extend in one.
                let t = self.target(d, &[]);
                if let Loc::Reg(h) = self.loc(x) {
                    dynasm!(self.a ; .arch x64 ; mov Rd(t), Rd(h));
                }
                self.st(d, t);
            }
            Op::Zext | Op::Sext => {
                // Extended into the result's own register when it has one, straight from the
                // operand's register if it has one (else loaded there first).
                let t = self.target(d, &[]);
                let s = match self.loc(x) {
                    Loc::Reg(h) => h,
                    _ => {
                        self.ld(t, x);
                        t
                    }
                };
                match (i.op, i.imm) {
                    (Op::Zext, 8) => dynasm!(self.a ; .arch x64 ; movzx Rd(t), Rb(s)),
                    (Op::Zext, 16) => dynasm!(self.a ; .arch x64 ; movzx Rd(t), Rw(s)),
                    (Op::Zext, _) => dynasm!(self.a ; .arch x64 ; mov Rd(t), Rd(s)),
                    (_, 8) => dynasm!(self.a ; .arch x64 ; movsx Rq(t), Rb(s)),
                    (_, 16) => dynasm!(self.a ; .arch x64 ; movsx Rq(t), Rw(s)),
                    _ => dynasm!(self.a ; .arch x64 ; movsxd Rq(t), Rd(s)),
                }
                self.st(d, t);
            }
            Op::AddC if matches!(self.loc(z), Loc::Const(_)) && self.link & link::ADC == 0 => {
                // A constant carry-in (ADD and SUB lift to add-with-carry): plain adds.
                let carry = matches!(self.loc(z), Loc::Const(k) if k & 1 == 1);
                if self.add_direct(d, x, y, carry as i32, wide) {
                    return;
                }
                let t = self.target(d, &[y]);
                self.ld(t, x);
                // SUB #imm arrives as x + !imm + 1: one add of the combined constant (of its
                // low half at 32 bits).
                let k = match self.loc(y) {
                    Loc::Const(k) if wide => imm32(k.wrapping_add(carry as u64)),
                    Loc::Const(k) => Some(k.wrapping_add(carry as u64) as u32 as i32),
                    _ => None,
                };
                match k {
                    // A 32-bit add zero-extends its result.
                    Some(k) => enc::alu_imm(&mut self.a, Alu::Add, wide, t, k),
                    None => {
                        self.alu(Op::Add, t, y);
                        if carry {
                            dynasm!(self.a ; .arch x64 ; add Rq(t), 1);
                        }
                        if !wide {
                            dynasm!(self.a ; .arch x64 ; mov Rd(t), Rd(t));
                        }
                    }
                }
                self.st(d, t);
            }
            Op::AddC => {
                // `t = t + t + c` is right in place when both operands are `t`.
                let t = if x == y {
                    self.target(d, &[])
                } else {
                    self.target(d, &[y])
                };
                self.add_with_carry(t, x, y, z, wide);
                self.st(d, t);
            }
            Op::AddCFlags | Op::AddCCarry => {
                if i.op == Op::AddCFlags
                    && self.link == 0
                    && let Some(k) = self.compare_constant(y, z, wide)
                {
                    // x + !k + 1 is x - k: a compare sets its N, Z and V, and its CF is the
                    // borrow, ARM's C inverted.
                    let r = self.reg_or(RAX, x);
                    enc::alu_imm(&mut self.a, Alu::Cmp, wide, r, k);
                    dynasm!(self.a ; .arch x64 ; cmc);
                    nzcv_from_host_flags(&mut self.a);
                    self.st(d, RAX);
                    return;
                }
                self.add_with_carry(RAX, x, y, z, wide);
                if i.op == Op::AddCCarry {
                    if self.link & link::KEPT != 0 {
                        // Its one reader takes it from CF.
                        return;
                    }
                    dynasm!(self.a ; .arch x64 ; setc al ; movzx eax, al);
                }
                if i.op == Op::AddCFlags {
                    nzcv_from_host_flags(&mut self.a);
                }
                self.st(d, RAX);
            }
            Op::SubW if self.loc(x) == Loc::Const(0) => {
                // 0 - y (NEG, RSB #0): negated in place, in y's own register where y dies.
                let t = self.target(d, &[]);
                self.ld(t, y);
                if wide {
                    dynasm!(self.a ; .arch x64 ; neg Rq(t));
                } else {
                    dynasm!(self.a ; .arch x64 ; neg Rd(t));
                }
                self.st(d, t);
            }
            Op::SubW => {
                // `t = t - t` is right in place when both operands are `t`.
                let t = if x == y {
                    self.target(d, &[])
                } else {
                    self.target(d, &[y])
                };
                self.ld(t, x);
                if wide {
                    self.alu(Op::Sub, t, y);
                } else {
                    self.sub32(t, y);
                }
                self.st(d, t);
            }
            Op::SubFlags => {
                // A compare sets N, Z and V as ARM's; its CF is the borrow, ARM's C inverted.
                self.cmp(x, y, wide);
                dynasm!(self.a ; .arch x64 ; cmc);
                nzcv_from_host_flags(&mut self.a);
                self.st(d, RAX);
            }
            Op::LogicFlags => {
                self.ld(RAX, x);
                if wide {
                    dynasm!(self.a ; .arch x64 ; test rax, rax);
                } else {
                    dynasm!(self.a ; .arch x64 ; test eax, eax);
                }
                nz_from_host_flags(&mut self.a);
                self.st(d, RAX);
            }
            Op::Cond => self.cond(x, d, i.imm),
            Op::Bytes4 | Op::Bytes4Mask => {
                self.xmm_from(0, x);
                self.xmm_from(1, y);
                let t = self.target(d, &[]);
                bytes4(&mut self.a, i.op, i.imm, t);
                self.st(d, t);
            }
            Op::Pairs8 => {
                self.xmm_from(0, x);
                self.xmm_from(1, y);
                let t = self.target(d, &[]);
                pairs8(&mut self.a, i.imm, t);
                self.st(d, t);
            }
            Op::GeMask | Op::MaskGe => {
                let t = self.target(d, &[]);
                self.ld(t, x);
                match i.op {
                    Op::GeMask => ge_mask(&mut self.a, t),
                    _ => mask_ge(&mut self.a, t),
                }
                self.st(d, t);
            }
            Op::ZeroLanes => {
                self.xmm_from(0, x);
                let t = self.target(d, &[]);
                zero_lanes(&mut self.a, i.imm, t);
                self.st(d, t);
            }
            Op::AddLanes | Op::SubLanes | Op::EqLanes => {
                self.xmm_from(0, x);
                self.xmm_from(1, y);
                let t = self.target(d, &[]);
                lanes(&mut self.a, i.op, i.imm, t);
                self.st(d, t);
            }
            // The 0 or 1 straight into the result's own register when it has one.
            Op::CondAdd | Op::CondLogic | Op::CondSub => {
                self.condition_flags(i);
                let t = self.target(d, &[]);
                set_condition(&mut self.a, host_cc(i.op, i.imm & 15), t);
                self.st(d, t);
            }
            Op::Eq | Op::Ult => {
                self.cmp(x, y, true);
                if i.op == Op::Eq {
                    dynasm!(self.a ; .arch x64 ; sete al);
                } else {
                    dynasm!(self.a ; .arch x64 ; setb al);
                }
                let t = self.target(d, &[]);
                dynasm!(self.a ; .arch x64 ; movzx Rd(t), al);
                self.st(d, t);
            }
            Op::Select => {
                let c = self.reg_or(RCX, x);
                dynasm!(self.a ; .arch x64 ; test Rq(c), Rq(c));
                self.cmov(d, y, z, 1);
            }
            Op::Load => {
                let t = self.target(d, &[]);
                let (r, k) = self.addr(x);
                if let Loc::Xmm(v) = self.loc(d) {
                    // Only 8-byte loads have xmm results (`alloc::in_xmm`).
                    dynasm!(self.a ; .arch x64 ; movq Rx(v), QWORD [r14 + Rq(r) + k]);
                    return;
                }
                enc::reg_mem(&mut self.a, RegMem::load(i.imm), t, Mem::indexed(MEM, r, k));
                self.st(d, t);
            }
            Op::Call => {
                // Verified blocks always carry the helper on `call`.
                if let Some(h) = i.helper {
                    let inline = ir::inline::FpInline::decode(i.imm);
                    let done = self.a.new_dynamic_label();
                    let slow = self.a.new_dynamic_label();
                    self.fp_result_xmm = None;
                    self.zero_product = None;
                    let inlined = inline.is_some_and(|fi| fp::fast_path(self, fi, i, slow, done));
                    let result = self.fp_result_xmm.take();
                    let zero = self.zero_product.take();
                    let call = HelperCall {
                        func: h.func as usize as i64,
                        args: i.args,
                        save: self.save,
                        result,
                    };
                    // The helper's NZCV word then sets the host flags the branch reads.
                    let branch = self.compare_branch_of(Some(d));
                    let flags = branch.map(|f| f.cc);
                    if inlined {
                        // The helper runs out of line, after the block's code: the fast path
                        // falls through (crypto ones never leave it).
                        if inline.is_some_and(|fi| !fi.op.is_crypto()) {
                            self.slow_paths.push(SlowPath {
                                slow,
                                done,
                                call,
                                key: 0,
                                zero,
                                flags,
                            });
                        }
                    } else {
                        self.helper_call(&call);
                        if let Some(cc) = flags {
                            fp::flags_of_nzcv(self, cc);
                        }
                    }
                    dynasm!(self.a ; .arch x64 ; =>done);
                    match (self.loc(d), result) {
                        _ if self.unread => {}
                        // Only the branch reads the compare, from the host flags.
                        _ if branch.is_some_and(|f| !f.word) => {}
                        // Both paths leave the result in xmm`r` too: its own register, or a
                        // copy.
                        (Loc::Xmm(v), Some(r)) if v == r => {}
                        (Loc::Xmm(v), Some(r)) => dynasm!(self.a ; .arch x64 ; movapd Rx(v), Rx(r)),
                        _ => self.st(d, RAX),
                    }
                    self.xmm_val = result.map(|r| (d, r));
                }
            }
            _ => {
                self.spill_args(i);
                self.slow(i);
                let o = vo(d);
                match self.loc(d) {
                    Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov Rq(h), [rsp + o]),
                    Loc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movq Rx(x), [rsp + o]),
                    Loc::Slot | Loc::Const(_) => {}
                }
            }
        }
    }

    /// Instructions without a result.
    fn inst_void(&mut self, i: &ir::Inst) {
        use alloc::{RAX, RCX};
        let [x, y, _] = i.args;
        match i.op {
            Op::SetReg => {
                if i.imm >= slot::END as u64 {
                    return;
                }
                self.store_state(so(i.imm as u32), x);
                self.nzcv_settled |= i.imm == slot::NZCV as u64;
                if i.imm == slot::MEM_BASE as u64 {
                    // Keep the pinned copy in step with the state.
                    self.ld(RAX, x);
                    dynasm!(self.a ; .arch x64 ; mov r14, rax);
                }
            }
            Op::LoadV | Op::StoreV => {
                let (r, k) = self.addr(x);
                vec_access(&mut self.a, i, r, k);
            }
            Op::FlagsDeferred => {
                self.store_state(FLAGS_A, x);
                self.store_state(FLAGS_B, y);
                let kind = ir::Deferred::from_imm(i.imm).expect("verified: a kind");
                let word = ir::deferred::word(kind) as i32;
                enc::store_imm64(&mut self.a, state(slot::NZCV as u64), word);
                // (Anything after it that reads NZCV finds these: none does in a lifted
                // block, where it is the last thing done with the flags.)
                self.nzcv_settled = false;
            }
            Op::Store | Op::StoreIf => {
                // A conditional store jumps over the access: only scratch registers are used
                // in between, so nothing after depends on whether it ran.
                let skip = (i.op == Op::StoreIf).then(|| {
                    let skip = self.a.new_dynamic_label();
                    let c = self.reg_or(RCX, i.args[2]);
                    dynasm!(self.a ; .arch x64 ; test Rq(c), Rq(c) ; jz =>skip);
                    skip
                });
                if let Loc::Xmm(v) = self.loc(y)
                    && i.imm == 8
                {
                    let (r, k) = self.addr(x);
                    dynasm!(self.a ; .arch x64 ; movq [r14 + Rq(r) + k], Rx(v));
                    if let Some(skip) = skip {
                        dynasm!(self.a ; .arch x64 ; =>skip);
                    }
                    return;
                }
                // The value from its own register (loaded first: the address may take rax).
                let v = self.reg_or(RCX, y);
                let (r, k) = self.addr(x);
                enc::reg_mem(
                    &mut self.a,
                    RegMem::store(i.imm),
                    v,
                    Mem::indexed(MEM, r, k),
                );
                if let Some(skip) = skip {
                    dynasm!(self.a ; .arch x64 ; =>skip);
                }
            }
            _ => {
                self.spill_args(i);
                self.slow(i);
            }
        }
    }

    /// Stores all 64 bits of `x` to the state at byte offset `off` from `r15`, through `rax`
    /// only if it has no register and is no 32-bit constant.
    fn store_state(&mut self, off: i32, x: Val) {
        let m = Mem::at(STATE, off);
        match self.loc(x) {
            Loc::Reg(h) => enc::reg_mem(&mut self.a, RegMem::Store64, h, m),
            Loc::Xmm(v) => dynasm!(self.a ; .arch x64 ; movq [r15 + off], Rx(v)),
            Loc::Const(k) if imm32(k).is_some() => {
                enc::store_imm64(&mut self.a, m, imm32(k).unwrap_or(0));
            }
            _ => {
                self.ld(alloc::RAX, x);
                enc::reg_mem(&mut self.a, RegMem::Store64, alloc::RAX, m);
            }
        }
    }

    /// Before helper call `i`: settles flags left for later (`ir::deferred`) if the helper may
    /// read NZCV and nothing in the block has settled or written them yet, so that helpers
    /// only ever see the ARM layout. Keeps every register; clobbers the host flags.
    fn settle_flags(&mut self, i: &ir::Inst) {
        if self.nzcv_settled || !ir::flags_live::call_may_read(i, slot::NZCV as u64) {
            return;
        }
        self.nzcv_settled = true;
        let s = so(slot::NZCV);
        let settle = self.shared.settle;
        dynasm!(self.a
            ; .arch x64
            ; test DWORD [r15 + s], DEFERRED
            ; jz >settled
            ; push rax
            ; call extern settle
            ; pop rax
            ; settled:
        );
    }

    /// The calls of the settling routine for the block's reads of NZCV (see
    /// [`Emitter::settle_flags`]), after its code: the flags come back in `rax`, and go to the
    /// read's register from there.
    fn settle_paths(&mut self) {
        let settle = self.shared.settle;
        for (cold, back, t) in std::mem::take(&mut self.settle_paths) {
            dynasm!(self.a ; .arch x64 ; =>cold);
            if t == alloc::RAX {
                dynasm!(self.a ; .arch x64 ; call extern settle);
            } else {
                dynasm!(self.a
                    ; .arch x64
                    ; push rax
                    ; call extern settle
                    ; mov Rq(t), rax
                    ; pop rax
                );
            }
            dynasm!(self.a ; .arch x64 ; jmp =>back);
        }
    }

    /// Calls a helper with the CPU state and `call`'s arguments, keeping the caller-saved
    /// registers it names; the result in `rax` (and in its xmm register, if it has one).
    fn helper_call(&mut self, call: &HelperCall) {
        use alloc::{RCX, RDX, RSI};
        // No value lives in rsi, rdx or rcx, so the argument moves cannot overwrite each other.
        let [x, y, z] = call.args;
        self.ld(RCX, z);
        self.ld(RDX, y);
        self.ld(RSI, x);
        // The registers to keep go below the block's frame after the arguments were read from
        // it, in an even number of words (`alloc::pushed_bytes`): calls need rsp 16-aligned.
        let odd = call.save.count_ones() % 2 == 1;
        if odd {
            dynasm!(self.a ; .arch x64 ; sub rsp, 8);
        }
        for r in alloc::saved_registers(call.save) {
            dynasm!(self.a ; .arch x64 ; push Rq(r));
        }
        // The xmm registers' values (their low 64 bits) a word each below those.
        let xmm_bytes = 8 * alloc::saved_xmms(call.save).count() as i32;
        if xmm_bytes != 0 {
            dynasm!(self.a ; .arch x64 ; sub rsp, xmm_bytes);
            for (k, x) in alloc::saved_xmms(call.save).enumerate() {
                let o = 8 * k as i32;
                dynasm!(self.a ; .arch x64 ; movq [rsp + o], Rx(x));
            }
        }
        let f = call.func;
        dynasm!(self.a ; .arch x64
            ; lea rdi, [r15 - STATE_BIAS]
            // Where the fault handler finds this call if the helper faults.
            ; mov [r15 + HELPER_RSP], rsp
            ; mov rax, QWORD f ; call rax
            // The helper may have changed the memory base.
            ; mov r14, [r15 + so(slot::MEM_BASE)]);
        if xmm_bytes != 0 {
            for (k, x) in alloc::saved_xmms(call.save).enumerate() {
                let o = 8 * k as i32;
                dynasm!(self.a ; .arch x64 ; movq Rx(x), [rsp + o]);
            }
            dynasm!(self.a ; .arch x64 ; add rsp, xmm_bytes);
        }
        for r in alloc::saved_registers(call.save).rev() {
            dynasm!(self.a ; .arch x64 ; pop Rq(r));
        }
        if odd {
            dynasm!(self.a ; .arch x64 ; add rsp, 8);
        }
        if let Some(r) = call.result {
            dynasm!(self.a ; .arch x64 ; movq Rx(r), rax);
        }
    }

    /// Emits the helper calls of the inline operations' slow paths, after the block's code,
    /// each jumping back to where its fast path ends.
    fn slow_paths(&mut self) {
        for p in std::mem::take(&mut self.slow_paths) {
            // Nothing emitted before holds a value here.
            self.spill = None;
            if let Some(z) = p.zero {
                let [x, y, _] = p.call.args;
                fp::zero_product(self, z, [x, y], p.slow, p.done);
            }
            dynasm!(self.a ; .arch x64 ; =>p.slow);
            let start = self.a.offset().0 as u32;
            self.helper_call(&p.call);
            let end = self.a.offset().0 as u32;
            if let Some(cc) = p.flags {
                fp::flags_of_nzcv(self, cc);
            }
            dynasm!(self.a ; .arch x64 ; jmp =>p.done);
            self.faults.push(FaultSite {
                start,
                end,
                key: p.key,
                call: true,
                pushed: alloc::pushed_bytes(p.call.save),
                stub: None,
            });
        }
    }

    /// Writes the arguments of `i` that live in registers or as constants to their slots.
    fn spill_args(&mut self, i: &ir::Inst) {
        for &v in &i.args[..i.op.info().arity] {
            let o = vo(v);
            match self.loc(v) {
                Loc::Reg(h) => dynasm!(self.a ; .arch x64 ; mov [rsp + o], Rq(h)),
                Loc::Xmm(x) => dynasm!(self.a ; .arch x64 ; movq [rsp + o], Rx(x)),
                Loc::Slot if self.home(v).is_none() => {}
                // Constants, and values whose home is their state slot: the memory-operand
                // lowering reads the stack slot.
                Loc::Const(_) | Loc::Slot => {
                    self.ld(alloc::RAX, v);
                    dynasm!(self.a ; .arch x64 ; mov [rsp + o], rax);
                }
            }
        }
    }

    /// `d = cond_holds(cc, x)`, testing the ARM flag bits (N=31, Z=30, C=29, V=28) directly.
    fn cond(&mut self, x: Val, d: Val, cc: u64) {
        match nzcv_cc(cc) {
            Some(h) => {
                self.nzcv_flags(x, cc);
                let t = self.target(d, &[]);
                set_condition(&mut self.a, h, t);
                self.st(d, t);
                return;
            }
            None => dynasm!(self.a ; .arch x64 ; mov eax, 1),
        }
        self.st(d, alloc::RAX);
    }

    /// Sets the host flags from the NZCV word `x` so that [`nzcv_cc`] of ARM condition `cc`
    /// tells whether it holds (`cc` not al); clobbers `rax` and `rcx`.
    fn nzcv_flags(&mut self, x: Val, cc: u64) {
        self.ld(alloc::RAX, x);
        let a = &mut self.a;
        match cc >> 1 {
            0 => dynasm!(a ; .arch x64 ; bt eax, 30),
            1 => dynasm!(a ; .arch x64 ; bt eax, 29),
            2 => dynasm!(a ; .arch x64 ; bt eax, 31),
            3 => dynasm!(a ; .arch x64 ; bt eax, 28),
            // hi: C && !Z, i.e. bits (Z, C) == (0, 1).
            4 => dynasm!(a ; .arch x64 ; shr eax, 29 ; and eax, 3 ; cmp eax, 1),
            // CF = N ^ V.
            5 => dynasm!(a ; .arch x64 ; mov ecx, eax ; shr ecx, 3 ; xor eax, ecx ; bt eax, 28),
            // CF = (N ^ V) | Z.
            _ => dynasm!(a ; .arch x64
                ; mov ecx, eax ; shr ecx, 3 ; xor ecx, eax ; shr eax, 2 ; or eax, ecx ; bt eax, 28),
        }
    }

    /// The `ir::carry_chain::link` bits of each instruction of `b`, for the chains whose sum
    /// is computed (an address sum folded into memory operands sets no flags).
    fn carry_links(&self, b: &Block) -> Vec<u8> {
        if !b.insts.iter().any(|i| i.op == Op::AddCCarry) {
            return Vec::new();
        }
        let mut chains = ir::carry_chain::find(b);
        chains.retain(|c| {
            c.sum
                .and_then(|s| b.insts[s].dst)
                .is_none_or(|d| self.folds.get(d.0 as usize).is_none_or(Option::is_none))
        });
        ir::carry_chain::links(b.insts.len(), &chains)
    }

    /// Lowers `b`, whose instructions belong to carry chains as `links` says (by index; none
    /// past its end).
    fn block(&mut self, b: &Block, uses: &[u32], links: &[u8]) {
        if b.num_vals > FRAME_VALS {
            let bytes = ((b.num_vals - FRAME_VALS) * 8).next_multiple_of(16) as i32;
            self.extra = bytes;
            dynasm!(self.a
                ; .arch x64
                ; sub rsp, bytes
                // Probe the new pages top-down (see the trampoline).
                ; lea rcx, [rsp + bytes]
                ; probe:
                ; sub rcx, PAGE
                ; cmp rcx, rsp
                ; jb >done
                ; or BYTE [rcx], 0
                ; jmp <probe
                ; done:
            );
        }
        let mut key = b.key;
        // (A block with its FP checks hoisted is emitted twice, each version entered afresh.)
        self.nzcv_settled = false;
        self.fused = fused_branch(b);
        // (Tested per instruction: cheap compares when the block carries nothing.)
        let head = self.carry.as_ref().map_or(usize::MAX, |c| c.head);
        let sunk = self.carry.as_ref().map_or(Vec::new(), |c| c.sunk.clone());
        let selects = fused_selects(b, uses);
        let mut exits = fused_exits(b, uses, &selects, links);
        // A fused branch or side exit on an FCMP's flags tests the host flags its `ucomisd`
        // left, if the compare is lowered in place with no loop head between it and the
        // condition (the back edge arrives there without those flags).
        self.fp_compares.clear();
        let exit_defs = &self.exit_defs;
        let in_place = |f: &fp::CompareBranch| {
            let head_between = f.call < head && head <= f.cond;
            !(sunk.contains(&f.call) || exit_defs.iter().any(|x| x.0 == f.call) || head_between)
        };
        let last = b.insts.len().wrapping_sub(1);
        if let Some(f) = self
            .fused
            .and(fp::compare_branch(b, last, uses))
            .filter(in_place)
        {
            self.fused = fp::compare_cc(f.cc);
            self.fp_compares.push(f);
        }
        for exit in &mut exits {
            if let Some(f) = fp::compare_branch(b, exit.0 - 1, uses).filter(in_place) {
                exit.1 = fp::compare_cc(f.cc).unwrap_or(exit.1);
                self.fp_compares.push(f);
            }
        }
        let flags_only = self.fused.map(|_| b.insts.len() - 1);
        let and = self.and_branch(b, uses, links, &selects);
        // The second call of an AES round split over two guest instructions, which is
        // emitted with the first (see `crypto::round_pair`).
        let mut round: Option<(usize, ir::inline::VecRegs, bool)> = None;
        // The SHA256H2 call that takes the rounds of the SHA256H before it (see
        // `crypto::sha256_pair`).
        let mut sha: Option<(usize, ir::inline::VecRegs)> = None;
        let term_reads = match b.term {
            Term::JumpReg(v) | Term::Branch { cond: v, .. } => Some(v),
            _ => None,
        };
        // (The block may be lowered twice: see `fp::checks_hoisted`.)
        self.vcache.forget_all();
        self.late.clear();
        self.lowered_add = None;
        // (Only full translations have `setreg.fault`; the others skip its bookkeeping.)
        let late = b.insts.iter().any(|i| i.op == Op::SetRegFault);
        for (n, inst) in b.insts.iter().enumerate() {
            if n == head {
                self.loop_head();
            }
            if self.lowered_add == Some(n) {
                // With the shift before it.
                continue;
            }
            if !sunk.is_empty() && sunk.contains(&n) {
                continue;
            }
            if !self.exit_defs.is_empty() && self.exit_defs.iter().any(|x| x.0 == n) {
                // Computed where its exit leaves.
                continue;
            }
            if late && self.late_write(inst) {
                continue;
            }
            if let Some((first, cc)) = and.filter(|_| n + 2 >= b.insts.len()) {
                // The second condition, then its select (which nothing else reads): the
                // first condition's value is tested before the second's flags are set.
                if n + 2 == b.insts.len() {
                    // (Both ways on must find the state stored.)
                    self.store_late();
                    let fall = self.a.new_dynamic_label();
                    let r = self.reg_or(alloc::RAX, first);
                    dynasm!(self.a ; .arch x64 ; test Rq(r), Rq(r) ; jz =>fall);
                    self.condition_flags(inst);
                    self.fused = Some(cc);
                    self.and_fall = Some(fall);
                }
                continue;
            }
            if self.vcache.active() {
                let crypto_inline =
                    crypto::crypto_call(inst).is_some_and(|(op, _)| crypto::usable(op));
                self.vcache_before(inst, crypto_inline);
            }
            if !links.is_empty() {
                self.link = links[n];
            }
            // A helper's result nothing reads (crypto helpers return 0) is not stored.
            // Nothing reads the instruction's value (the terminator included).
            let unread = inst
                .dst
                .is_some_and(|d| uses.get(d.0 as usize) == Some(&0) && term_reads != Some(d));
            self.unread = inst.op == Op::Call && unread;
            if self.fp_known && n >= self.fp_change {
                self.fp_known = false;
            }
            if Some(n) == flags_only
                || selects.iter().any(|s| s.1 == n)
                || exits.iter().any(|e| e.0 == n + 1)
            {
                self.condition_flags(inst);
                continue;
            }
            if inst.op.is_side_exit() {
                let cc = exits.iter().find(|e| e.0 == n).map(|e| e.1);
                let defs = self.exit_defs.iter().filter(|x| x.1 == n);
                let defs = defs.map(|x| b.insts[x.0]).collect();
                self.side_exit(inst, cc, defs);
                continue;
            }
            if let Some(&(_, _, cc)) = selects.iter().find(|s| s.0 == n) {
                let [_, y, z] = inst.args;
                if let Some(d) = inst.dst {
                    self.cmov(d, y, z, cc);
                }
                continue;
            }
            // (A call sets it afresh once it has read it.)
            if uses_xmm(inst.op) && inst.op != Op::Call {
                self.xmm_val = None;
            }
            let second = round.is_some_and(|r| r.0 == n);
            let first = (inst.op == Op::Call && !second)
                .then(|| crypto::round_pair(b, n))
                .flatten();
            let sha_second = sha.filter(|s| s.0 == n);
            let sha_first = (inst.op == Op::Call && sha_second.is_none())
                .then(|| crypto::sha256_pair(b, n))
                .flatten();
            match inst.op {
                Op::Mark => key = inst.imm,
                Op::Call if sha_first.is_some() || sha_second.is_some() => {
                    // Only marks and constants come between the two, so xmm1..3 survive.
                    self.xmm_val = None;
                    match (sha_first, sha_second) {
                        (Some((_, r)), _) => {
                            crypto::sha256_first(self, r);
                            sha = sha_first;
                        }
                        (_, Some((j, first))) => {
                            if let Some((_, r2)) = crypto::crypto_call(&b.insts[j]) {
                                crypto::sha256_second(self, r2, first);
                            }
                            sha = None;
                        }
                        _ => {}
                    }
                    if let Some(d) = inst.dst.filter(|_| !self.unread) {
                        dynasm!(self.a ; .arch x64 ; xor eax, eax);
                        self.st(d, alloc::RAX);
                    }
                }
                Op::Call if second || first.is_some() => {
                    // The first call only gives its result (0, as every crypto helper); the
                    // second runs the round. Nothing between them reads the registers.
                    self.xmm_val = None;
                    match round.take() {
                        Some((_, regs, decrypt)) if second => crypto::round(self, regs, decrypt),
                        _ => round = first,
                    }
                    if let Some(d) = inst.dst.filter(|_| !self.unread) {
                        dynasm!(self.a ; .arch x64 ; xor eax, eax);
                        self.st(d, alloc::RAX);
                    }
                }
                Op::Load
                | Op::Store
                | Op::StoreIf
                | Op::LoadV
                | Op::StoreV
                | Op::StoreEx
                | Op::Call => {
                    if inst.op == Op::Call {
                        self.settle_flags(inst);
                    }
                    let start = self.a.offset().0 as u32;
                    self.save = match inst.op {
                        Op::Call => self.saves.iter().find(|s| s.0 == n).map_or(0, |s| s.1),
                        _ => 0,
                    };
                    let before = self.slow_paths.len();
                    self.inst(inst);
                    for p in &mut self.slow_paths[before..] {
                        p.key = key;
                    }
                    let end = self.a.offset().0 as u32;
                    let call = inst.op == Op::Call;
                    // (Only loads and stores come here with writes pending; a crypto call
                    // may with dirty copies, but it does not fault. Only a block that keeps
                    // copies has any: the others skip looking at every xmm register.)
                    let dirty = if inst.op != Op::Call && self.vcache.active() {
                        self.vcache.dirty_copies()
                    } else {
                        Vec::new()
                    };
                    if !self.late.is_empty() || !dirty.is_empty() {
                        let stores = (self.late.clone(), dirty);
                        self.late_stubs.push((self.faults.len(), stores));
                    }
                    self.faults.push(FaultSite {
                        start,
                        end,
                        key,
                        call,
                        pushed: alloc::pushed_bytes(self.save),
                        stub: None,
                    });
                }
                // A value nothing reads, of an operation without effects and outside a carry
                // chain: a quick translation (which runs no passes) has such, as the result
                // of a compare, a subtraction whose flags alone count.
                _ if unread && self.link == 0 && !inst.op.info().effects => {}
                Op::Shl if self.scaled_add(b, n, uses, links) => {}
                _ => self.inst(inst),
            }
        }
        self.link = 0;
        if self.carry.as_ref().is_some_and(|c| !c.held.is_empty()) {
            self.held_out = self.keep_held();
        } else {
            self.store_late();
        }
        if head == b.insts.len() {
            self.loop_head();
        }
        // Every way out leaves with the vector registers in the CPU state.
        self.flush_vregs();
        self.term(&b.term, b);
        for (site, target) in std::mem::take(&mut self.side_stubs) {
            self.site_stub(site, target);
        }
        self.flag_exits();
        self.slow_paths();
        self.settle_paths();
        self.late_stubs();
    }

    /// The bookkeeping of `setreg.fault` (see `ir::passes::remove_dead_setreg`) before `i`
    /// is lowered; true if that is all `i` needs. A `setreg.fault` is stored only where an
    /// access after it faults ([`Emitter::late_stubs`]) or a side exit leaves (on its way out,
    /// [`Emitter::flag_exits`]); a write of its slot ends that. Before any other instruction
    /// with effects ([`alloc::flushes_late_writes`]) or a read of the slot, the pending writes
    /// are stored after all (the passes put none there; the allocator keeps their values
    /// alive until then).
    fn late_write(&mut self, i: &ir::Inst) -> bool {
        match i.op {
            Op::SetRegFault => {
                self.late.retain(|l| l.0 != i.imm);
                self.late.push((i.imm, i.args[0]));
                return true;
            }
            Op::SetReg => self.late.retain(|l| l.0 != i.imm),
            Op::GetReg if self.late.iter().any(|l| l.0 == i.imm) => self.store_late(),
            _ if alloc::flushes_late_writes(i) => self.store_late(),
            _ => {}
        }
        false
    }

    /// Stores the pending `setreg.fault` writes (see [`Emitter::late_write`]).
    fn store_late(&mut self) {
        for (slot, v) in std::mem::take(&mut self.late) {
            self.store_slot(slot, v);
        }
    }

    /// `setreg slot, v`.
    fn store_slot(&mut self, slot: u64, v: Val) {
        self.inst_void(&ir::Inst {
            op: Op::SetReg,
            dst: None,
            args: [v, Val(0), Val(0)],
            imm: slot,
            helper: None,
        });
    }

    /// Where the accesses with `setreg.fault` writes or dirty copies of vector registers (see
    /// `vcache`) pending resume when they fault (see `fault::recover`), with the block's stack
    /// pointer and registers (xmm ones too) as at the access: the copies and the writes are
    /// stored, and the block leaves through the epilogue as a fault does.
    ///
    /// Sites with the same writes pending share one stub (a value keeps one place for the whole
    /// block, so the same writes are the same code): a function's prologue of register pairs
    /// stored to the stack, each store a fault site, had a stub apiece, a ninth of the block's
    /// bytes each time.
    fn late_stubs(&mut self) {
        let mut made: Vec<(LateStores, u32)> = Vec::new();
        for (site, late) in std::mem::take(&mut self.late_stubs) {
            if let Some(&(_, at)) = made.iter().find(|m| m.0 == late) {
                self.faults[site].stub = Some(at);
                continue;
            }
            // What the straight line remembers does not hold here.
            self.spill = None;
            let at = self.a.offset().0 as u32;
            self.faults[site].stub = Some(at);
            for &(n, r) in &late.1 {
                self.store_copy(n, r);
            }
            for &(slot, v) in &late.0 {
                self.store_slot(slot, v);
            }
            let ep = self.epilogue;
            dynasm!(self.a ; .arch x64 ; jmp extern ep);
            made.push((late, at));
        }
    }

    /// The ways out of the block's `exit.if.flags` exits and of the side exits with
    /// `setreg.fault` writes pending: each builds its flags word if the way on did not
    /// ([`sink::exit_flags`]) and stores it to NZCV, stores the pending writes, and leaves as a
    /// side exit does. The registers hold what they held at the exit; what this code remembers
    /// of the straight line (a value just stored, an FP result held in xmm) does not apply
    /// here.
    fn flag_exits(&mut self) {
        for exit in std::mem::take(&mut self.flag_exits) {
            dynasm!(self.a ; .arch x64 ; =>exit.label);
            self.spill = None;
            self.xmm_val = None;
            self.unread = false;
            if let Some((flags, defs)) = exit.flags {
                for d in &defs {
                    self.inst(d);
                }
                let r = self.reg_or(alloc::RAX, flags);
                enc::reg_mem(&mut self.a, RegMem::Store64, r, state(slot::NZCV as u64));
            }
            for (slot, v) in exit.late {
                self.store_slot(slot, v);
            }
            self.release_stack();
            self.link(exit.target);
        }
    }

    /// A side exit (`exit.if`) to its key when its condition holds: the host flags already
    /// hold it as ARM condition `fused` says (see [`fused_exits`]), or its value is tested.
    /// Forward and with no stack of the block's own to give back, it is one conditional jump,
    /// linkable, whose exit stub goes after the block's code so that the way on does not jump
    /// over it; otherwise the way out is a linkable jump (with its pending check) that the
    /// way on jumps over.
    ///
    /// An `exit.if.flags` jumps to its way out after the block's code ([`Emitter::flag_exits`]),
    /// which stores its flags word, computed there by `defs` if the way on does not compute it;
    /// so does a side exit with `setreg.fault` writes pending, which its way out stores.
    fn side_exit(&mut self, i: &ir::Inst, fused: Option<u64>, defs: Vec<ir::Inst>) {
        let target = i.imm;
        let cc = fused.unwrap_or_else(|| {
            let c = self.reg_or(alloc::RAX, i.args[0]);
            dynasm!(self.a ; .arch x64 ; test Rq(c), Rq(c));
            TEST_NONZERO
        });
        if i.op == Op::ExitIfFlags || !self.late.is_empty() {
            let out = self.a.new_dynamic_label();
            self.jump_unless(invert_cc(cc), out);
            self.flag_exits.push(FlagExit {
                label: out,
                flags: (i.op == Op::ExitIfFlags).then(|| (i.args[1], defs)),
                late: self.late.clone(),
                target,
            });
            return;
        }
        if target > self.key && self.extra == 0 {
            let site = self.linked_jcc(invert_cc(cc));
            self.side_stubs.push((site, target));
            return;
        }
        let stay = self.a.new_dynamic_label();
        self.jump_unless(cc, stay);
        self.release_stack();
        self.link(target);
        dynasm!(self.a ; .arch x64 ; =>stay);
    }

    /// A branch on `select a, b, 0` (`a && b`: A64's CCMP before B.cond, as in strcmp's loop)
    /// whose select is the block's last instruction and `b` the one before it, read by
    /// nothing else, with a condition the host flags can hold ([`flags_cc`]): `a` and the
    /// host condition of `b`. The branch then tests `a`'s value and jumps to its not-taken
    /// way if it is 0, sets the flags of `b` and branches on them; neither `b` nor the select
    /// becomes a value. Not in a block with stack of its own, which the terminator gives back
    /// after the first jump, nor where the select or `b` takes part in another fusion, nor
    /// where a loop's back edge would come in between the two.
    fn and_branch(
        &self,
        b: &Block,
        uses: &[u32],
        links: &[u8],
        selects: &[(usize, usize, u64)],
    ) -> Option<(Val, u64)> {
        let Term::Branch { cond, .. } = b.term else {
            return None;
        };
        let n = b.insts.len();
        let (select, second) = (b.insts.get(n.checked_sub(1)?)?, &b.insts[n.checked_sub(2)?]);
        let [first, c, zero] = select.args;
        let single = |v: Val, count: u32| uses.get(v.0 as usize) == Some(&count);
        let fused = selects.iter().any(|s| s.0 >= n - 2 || s.1 >= n - 2);
        let linked = links
            .get(n - 2..)
            .is_some_and(|l| l.iter().any(|&k| k != 0));
        // A loop's head (where its back edge comes in) must not fall between the two tests.
        let head = self.carry.as_ref().map_or(0, |c| c.head);
        let ok = self.fused.is_none()
            && b.num_vals <= FRAME_VALS
            && head <= n - 2
            && select.op == Op::Select
            && select.dst == Some(cond)
            && second.dst == Some(c)
            && first != c
            && matches!(self.loc(zero), Loc::Const(0))
            && single(cond, 0)
            && single(c, 1)
            && !fused
            && !linked;
        if !ok {
            return None;
        }
        flags_cc(second).map(|cc| (first, cc))
    }

    /// Sets the host flags as the condition `i` (`cond.add`, `cond.sub`, `cond.logic`, `eq`,
    /// `ult`, `and` or `cond`) would test them, without materializing the result (see
    /// [`fused_branch`], [`fused_selects`]).
    fn condition_flags(&mut self, i: &ir::Inst) {
        use alloc::RAX;
        let [x, y, z] = i.args;
        let wide = i.imm >> 8 == 64;
        match i.op {
            Op::CondAdd => return self.add_with_carry(RAX, x, y, z, wide),
            Op::CondSub => return self.cmp(x, y, wide),
            Op::Eq | Op::Ult => return self.cmp(x, y, true),
            // The FCMP left them (see `fp::compare_branch`).
            Op::Cond if self.fp_compares.iter().any(|f| i.dst == Some(f.test)) => return,
            Op::Cond => return self.nzcv_flags(x, i.imm),
            Op::And => return self.test_and(x, y),
            _ => {}
        }
        let r = self.reg_or(RAX, x);
        if wide {
            dynasm!(self.a ; .arch x64 ; test Rq(r), Rq(r));
        } else {
            dynasm!(self.a ; .arch x64 ; test Rd(r), Rd(r));
        }
    }

    /// Sets ZF as `x & y` is zero, without computing it: `test` with the constant as an
    /// immediate where it is one (at 32 bits if it has no bit above 31), else with `y` in a
    /// register (`rcx` if it has none).
    fn test_and(&mut self, x: Val, y: Val) {
        use alloc::{RAX, RCX};
        // The constant (folding left at most one) is the second operand.
        let (x, y) = match self.loc(x) {
            Loc::Const(_) => (y, x),
            _ => (x, y),
        };
        let r = self.reg_or(RAX, x);
        match self.loc(y) {
            Loc::Const(k) if imm32(k).is_some() => {
                let k = imm32(k).unwrap_or(0);
                dynasm!(self.a ; .arch x64 ; test Rq(r), k);
            }
            Loc::Const(k) if k >> 32 == 0 => {
                let k = k as u32 as i32;
                dynasm!(self.a ; .arch x64 ; test Rd(r), k);
            }
            _ => {
                let h = self.reg_or(RCX, y);
                dynasm!(self.a ; .arch x64 ; test Rq(r), Rq(h));
            }
        }
    }

    /// `k` if `x + y + z` at the width is the subtraction `x - k` of an immediate: `y` the
    /// constant `!k` and the carry in `z` the constant 1 (the lifters' compare with a
    /// constant).
    fn compare_constant(&self, y: Val, z: Val, wide: bool) -> Option<i32> {
        match (self.loc(y), self.loc(z)) {
            (Loc::Const(ny), Loc::Const(1)) if wide => imm32(!ny),
            (Loc::Const(ny), Loc::Const(1)) => Some(!ny as u32 as i32),
            _ => None,
        }
    }

    /// `t = x + y + (z & 1)` at 64 or 32 bits (`t` not `y`'s register unless `x` is `y`), the
    /// host flags set by that addition (CF is ARM's C, OF its V); clobbers `rcx` and `rdx`.
    /// `y` and the carry are read where they live (register, stack slot or immediate).
    ///
    /// In a carry chain (`ir::carry_chain`) the carry in may be in CF already, or the flags
    /// set already: then nothing is computed, and `t` is not the sum (never asked of `addc`).
    fn add_with_carry(&mut self, t: u8, x: Val, y: Val, z: Val, wide: bool) {
        use alloc::{RCX, RDX};
        if self.link & link::FLAGS_SET != 0 {
            return;
        }
        // The carry goes into CF first: what follows is moves, which keep the flags. A
        // constant carry in (1 for subtraction and compare, 0 for addition) needs no `bt`.
        let carry = match self.loc(z) {
            _ if self.link & link::CF_IN != 0 => true,
            Loc::Const(0) => false,
            Loc::Const(1) => {
                dynasm!(self.a ; .arch x64 ; stc);
                true
            }
            _ => {
                let c = self.reg_or(RCX, z);
                dynasm!(self.a ; .arch x64 ; bt Rd(c), 0);
                true
            }
        };
        self.ld(t, x);
        let k = match self.loc(y) {
            Loc::Const(k) if wide => imm32(k),
            // A 32-bit operation reads the low half of any constant.
            Loc::Const(k) => Some(k as u32 as i32),
            _ => None,
        };
        if let Some(k) = k {
            let op = if carry { Alu::Adc } else { Alu::Add };
            enc::alu_imm(&mut self.a, op, wide, t, k);
            return;
        }
        if let Loc::Slot = self.loc(y) {
            let (b, o) = self.slot_operand(y);
            match (carry, wide) {
                (false, true) => dynasm!(self.a ; .arch x64 ; add Rq(t), [Rq(b) + o]),
                (false, false) => dynasm!(self.a ; .arch x64 ; add Rd(t), [Rq(b) + o]),
                (true, true) => dynasm!(self.a ; .arch x64 ; adc Rq(t), [Rq(b) + o]),
                (true, false) => dynasm!(self.a ; .arch x64 ; adc Rd(t), [Rq(b) + o]),
            }
            return;
        }
        let r = self.reg_or(RDX, y);
        match (carry, wide) {
            (false, true) => dynasm!(self.a ; .arch x64 ; add Rq(t), Rq(r)),
            (false, false) => dynasm!(self.a ; .arch x64 ; add Rd(t), Rd(r)),
            (true, true) => dynasm!(self.a ; .arch x64 ; adc Rq(t), Rq(r)),
            (true, false) => dynasm!(self.a ; .arch x64 ; adc Rd(t), Rd(r)),
        }
    }

    /// Jumps to `label` when ARM condition `cc` does not hold for the host flags (set as in
    /// [`Emitter::condition_flags`]); `cc` is one [`fused_branch`] accepts, its inverse
    /// ([`invert_cc`]), or [`TEST_NONZERO`]/[`TEST_ZERO`] after a `test`.
    fn jump_unless(&mut self, cc: u64, label: dynasmrt::DynamicLabel) {
        match cc {
            0 => dynasm!(self.a ; .arch x64 ; jne =>label),
            1 => dynasm!(self.a ; .arch x64 ; je =>label),
            2 => dynasm!(self.a ; .arch x64 ; jnc =>label),
            3 => dynasm!(self.a ; .arch x64 ; jc =>label),
            4 => dynasm!(self.a ; .arch x64 ; jns =>label),
            5 => dynasm!(self.a ; .arch x64 ; js =>label),
            6 => dynasm!(self.a ; .arch x64 ; jno =>label),
            7 => dynasm!(self.a ; .arch x64 ; jo =>label),
            10 => dynasm!(self.a ; .arch x64 ; jl =>label),
            11 => dynasm!(self.a ; .arch x64 ; jge =>label),
            12 => dynasm!(self.a ; .arch x64 ; jle =>label),
            13 => dynasm!(self.a ; .arch x64 ; jg =>label),
            ABOVE => dynasm!(self.a ; .arch x64 ; jbe =>label),
            BELOW_OR_EQUAL => dynasm!(self.a ; .arch x64 ; ja =>label),
            TEST_NONZERO => dynasm!(self.a ; .arch x64 ; jz =>label),
            // TEST_ZERO, the only code left.
            _ => dynasm!(self.a ; .arch x64 ; jnz =>label),
        }
    }

    /// Shifts register `t` in place by `k`, or by `cl` if `k` is `None`, at 64 bits if `wide`,
    /// else at 32 with the result zero-extended. x86 masks the count to 6 or 5 bits, which is
    /// the IR's "modulo the width".
    fn shift(&mut self, op: Op, t: u8, wide: bool, k: Option<i8>) {
        if !wide && k.is_none_or(|k| k & 31 == 0) {
            // A 32-bit shift by 0 leaves the register whole; this move zero-extends it first.
            dynasm!(self.a ; .arch x64 ; mov Rd(t), Rd(t));
        }
        match (op, wide, k) {
            (Op::Shl, true, Some(k)) => dynasm!(self.a ; .arch x64 ; shl Rq(t), k),
            (Op::Lshr, true, Some(k)) => dynasm!(self.a ; .arch x64 ; shr Rq(t), k),
            (Op::Ashr, true, Some(k)) => dynasm!(self.a ; .arch x64 ; sar Rq(t), k),
            (_, true, Some(k)) => dynasm!(self.a ; .arch x64 ; ror Rq(t), k),
            (Op::Shl, false, Some(k)) => dynasm!(self.a ; .arch x64 ; shl Rd(t), k),
            (Op::Lshr, false, Some(k)) => dynasm!(self.a ; .arch x64 ; shr Rd(t), k),
            (Op::Ashr, false, Some(k)) => dynasm!(self.a ; .arch x64 ; sar Rd(t), k),
            (_, false, Some(k)) => dynasm!(self.a ; .arch x64 ; ror Rd(t), k),
            (Op::Shl, true, None) => dynasm!(self.a ; .arch x64 ; shl Rq(t), cl),
            (Op::Lshr, true, None) => dynasm!(self.a ; .arch x64 ; shr Rq(t), cl),
            (Op::Ashr, true, None) => dynasm!(self.a ; .arch x64 ; sar Rq(t), cl),
            (_, true, None) => dynasm!(self.a ; .arch x64 ; ror Rq(t), cl),
            (Op::Shl, false, None) => dynasm!(self.a ; .arch x64 ; shl Rd(t), cl),
            (Op::Lshr, false, None) => dynasm!(self.a ; .arch x64 ; shr Rd(t), cl),
            (Op::Ashr, false, None) => dynasm!(self.a ; .arch x64 ; sar Rd(t), cl),
            (_, false, None) => dynasm!(self.a ; .arch x64 ; ror Rd(t), cl),
        }
    }

    /// Gives back this block's extra stack; flags are clobbered.
    fn release_stack(&mut self) {
        if self.extra != 0 {
            let bytes = self.extra;
            dynasm!(self.a ; .arch x64 ; add rsp, bytes);
        }
    }

    /// The memory-operand lowering: every argument is read from its stack slot and the result
    /// written to its stack slot. [`Emitter::inst`] uses it for rare ops after spilling their
    /// arguments; it clobbers only `rax`, `rcx`, `rdx`, `rsi` and `rdi` (plus caller-saved
    /// registers across a helper call): the ops `alloc::keeps_scratch` does not name.
    fn slow(&mut self, i: &ir::Inst) {
        let [x, y, z] = i.args;
        let (va, vb, vc) = (vo(x), vo(y), vo(z));
        // Ops without a result never read `d`.
        let d = i.dst.map(vo).unwrap_or(0);
        let wide = i.imm != 32;
        let settle = self.shared.settle;
        let a = &mut self.a;
        // x86 masks shift counts to 5 (32-bit) or 6 (64-bit) bits: exactly "modulo width".
        macro_rules! shift_by_cl {
            ($op:ident) => {{
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb] ; $op rax, cl);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; mov rcx, [rsp + vb] ; $op eax, cl);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }};
        }
        match i.op {
            Op::Const => {
                let k = i.imm as i64;
                dynasm!(a ; .arch x64 ; mov rax, QWORD k ; mov [rsp + d], rax);
            }
            Op::GetReg if i.imm == slot::NZCV as u64 => {
                let s = so(slot::NZCV);
                dynasm!(a
                    ; .arch x64
                    ; mov rax, [r15 + s]
                    ; test eax, DEFERRED
                    ; jz >settled
                    ; call extern settle
                    ; settled:
                    ; mov [rsp + d], rax
                );
            }
            Op::GetReg => {
                if i.imm < slot::END as u64 {
                    let s = so(i.imm as u32);
                    dynasm!(a ; .arch x64 ; mov rax, [r15 + s] ; mov [rsp + d], rax);
                } else {
                    // Slots past the state struct do not exist; read as zero.
                    dynasm!(a ; .arch x64 ; mov QWORD [rsp + d], 0);
                }
            }
            Op::FlagsDeferred => {
                let kind = ir::Deferred::from_imm(i.imm).expect("verified: a kind");
                let (s, word) = (so(slot::NZCV), ir::deferred::word(kind) as i32);
                dynasm!(a
                    ; .arch x64
                    ; mov rax, [rsp + va] ; mov [r15 + FLAGS_A], rax
                    ; mov rax, [rsp + vb] ; mov [r15 + FLAGS_B], rax
                    ; mov QWORD [r15 + s], word
                );
            }
            // (A late write stored at once is correct too; `block` stores it only if needed.)
            Op::SetReg | Op::SetRegFault => {
                if i.imm < slot::END as u64 {
                    let s = so(i.imm as u32);
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov [r15 + s], rax);
                    if i.imm == slot::MEM_BASE as u64 {
                        // Keep the pinned copy in step with the state.
                        dynasm!(a ; .arch x64 ; mov r14, rax);
                    }
                }
            }
            Op::Add => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; add rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Sub => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; sub rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::And => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; and rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Or => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; or rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Xor => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; xor rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Mul => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; imul rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::UMulH => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; mul QWORD [rsp + vb] ; mov [rsp + d], rdx),
            Op::SMulH => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; imul QWORD [rsp + vb] ; mov [rsp + d], rdx),
            Op::UDiv | Op::SDiv => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb]);
                divide(a, i.op == Op::SDiv, wide);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Shl => shift_by_cl!(shl),
            Op::Lshr => shift_by_cl!(shr),
            Op::Ashr => shift_by_cl!(sar),
            Op::Ror => shift_by_cl!(ror),
            Op::Not => dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; not rax ; mov [rsp + d], rax),
            Op::Neg => dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; neg rax ; mov [rsp + d], rax),
            Op::Clz | Op::Cls | Op::Rbit | Op::Bswap => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                bit_op(a, i.op, alloc::RAX, wide);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Zext => {
                match i.imm {
                    8 => dynasm!(a ; .arch x64 ; movzx eax, BYTE [rsp + va]),
                    16 => dynasm!(a ; .arch x64 ; movzx eax, WORD [rsp + va]),
                    _ => dynasm!(a ; .arch x64 ; mov eax, [rsp + va]),
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Sext => {
                match i.imm {
                    8 => dynasm!(a ; .arch x64 ; movsx rax, BYTE [rsp + va]),
                    16 => dynasm!(a ; .arch x64 ; movsx rax, WORD [rsp + va]),
                    _ => dynasm!(a ; .arch x64 ; movsxd rax, DWORD [rsp + va]),
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::AddC | Op::AddCFlags | Op::AddCCarry => {
                // bt moves c's bit 0 into CF; adc then adds it (mov leaves flags alone).
                dynasm!(a ; .arch x64 ; mov rcx, [rsp + vc] ; bt ecx, 0);
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; adc rax, [rsp + vb]);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; adc eax, [rsp + vb]);
                }
                if i.op == Op::AddC {
                    dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
                } else if i.op == Op::AddCCarry {
                    dynasm!(a ; .arch x64 ; setc al ; movzx eax, al ; mov [rsp + d], rax);
                } else {
                    nzcv_from_host_flags(a);
                    dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
                }
            }
            Op::SubW | Op::SubFlags => {
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; sub rax, [rsp + vb]);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; sub eax, [rsp + vb]);
                }
                if i.op == Op::SubFlags {
                    dynasm!(a ; .arch x64 ; cmc);
                    nzcv_from_host_flags(a);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::LogicFlags => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                if wide {
                    dynasm!(a ; .arch x64 ; test rax, rax);
                } else {
                    dynasm!(a ; .arch x64 ; test eax, eax);
                }
                nz_from_host_flags(a);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Cond => self.cond_mem(va, d, i.imm),
            Op::Bytes4 | Op::Bytes4Mask => {
                dynasm!(a ; .arch x64 ; movq xmm0, QWORD [rsp + va] ; movq xmm1, QWORD [rsp + vb]);
                bytes4(a, i.op, i.imm, alloc::RAX);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Pairs8 => {
                dynasm!(a ; .arch x64 ; movq xmm0, QWORD [rsp + va] ; movq xmm1, QWORD [rsp + vb]);
                pairs8(a, i.imm, alloc::RAX);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::GeMask | Op::MaskGe => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                match i.op {
                    Op::GeMask => ge_mask(a, alloc::RAX),
                    _ => mask_ge(a, alloc::RAX),
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::ZeroLanes => {
                dynasm!(a ; .arch x64 ; movq xmm0, QWORD [rsp + va]);
                zero_lanes(a, i.imm, alloc::RAX);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::AddLanes | Op::SubLanes | Op::EqLanes => {
                dynasm!(a ; .arch x64 ; movq xmm0, QWORD [rsp + va] ; movq xmm1, QWORD [rsp + vb]);
                lanes(a, i.op, i.imm, alloc::RAX);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::CondAdd | Op::CondLogic | Op::CondSub => {
                dynasm!(a ; .arch x64
                    ; mov rax, [rsp + va] ; mov rdx, [rsp + vb] ; mov rcx, [rsp + vc]);
                cond_fused(a, i.op, i.imm);
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Eq => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; cmp rax, [rsp + vb] ; sete al ; movzx eax, al
                ; mov [rsp + d], rax),
            Op::Ult => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; cmp rax, [rsp + vb] ; setb al ; movzx eax, al
                ; mov [rsp + d], rax),
            Op::Select => dynasm!(a ; .arch x64
                ; mov rax, [rsp + vc] ; mov rcx, [rsp + va] ; test rcx, rcx
                ; cmovnz rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Load => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                match i.imm {
                    1 => dynasm!(a ; .arch x64 ; movzx eax, BYTE [r14 + rax]),
                    2 => dynasm!(a ; .arch x64 ; movzx eax, WORD [r14 + rax]),
                    4 => dynasm!(a ; .arch x64 ; mov eax, DWORD [r14 + rax]),
                    _ => dynasm!(a ; .arch x64 ; mov rax, QWORD [r14 + rax]),
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Store | Op::StoreIf => {
                let skip = (i.op == Op::StoreIf).then(|| {
                    let skip = a.new_dynamic_label();
                    dynasm!(a ; .arch x64 ; cmp QWORD [rsp + vc], 0 ; je =>skip);
                    skip
                });
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb]);
                match i.imm {
                    1 => dynasm!(a ; .arch x64 ; mov [r14 + rax], cl),
                    2 => dynasm!(a ; .arch x64 ; mov [r14 + rax], cx),
                    4 => dynasm!(a ; .arch x64 ; mov [r14 + rax], ecx),
                    _ => dynasm!(a ; .arch x64 ; mov [r14 + rax], rcx),
                }
                if let Some(skip) = skip {
                    dynasm!(a ; .arch x64 ; =>skip);
                }
            }
            Op::LoadV | Op::StoreV => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                vec_access(a, i, alloc::RAX, 0);
            }
            Op::StoreEx => {
                // Fail (1) unless the monitor holds this address; otherwise compare-and-swap
                // against the value the load-exclusive saw (cmpxchg compares only the low
                // `size` bytes of rax, which is the truncation we want). The monitor is cleared
                // only after the access: a fault there (a write-watched code page, see the
                // fault module) re-runs the instruction, which must find the monitor as it was.
                dynasm!(a ; .arch x64
                    ; mov rdx, [rsp + va] ; mov rcx, [rsp + vb]
                    ; mov esi, 1
                    ; cmp rdx, [r15 + so(slot::EXCL_ADDR)] ; jne >done
                    ; mov rax, [r15 + so(slot::EXCL_VAL)]);
                match i.imm {
                    1 => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], cl),
                    2 => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], cx),
                    4 => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], ecx),
                    _ => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], rcx),
                }
                dynasm!(a ; .arch x64
                    ; setnz al ; movzx esi, al
                    ; done:
                    ; mov QWORD [r15 + so(slot::EXCL_ADDR)], -1
                    ; mov [rsp + d], rsi);
            }
            Op::Fence => dynasm!(a ; .arch x64 ; mfence),
            // `block` consumes marks; they never reach code emission.
            Op::Mark => {}
            // `Emitter::block` lowers side exits itself (they link like terminators).
            Op::ExitIf | Op::ExitIfNoFlags | Op::ExitIfFlags => {
                unreachable!("side exits are lowered by block")
            }
            Op::Call => {
                // Verified blocks always carry the helper on `call`.
                if let Some(h) = i.helper {
                    let f = h.func as usize as i64;
                    dynasm!(a ; .arch x64
                        ; lea rdi, [r15 - STATE_BIAS] ; mov rsi, [rsp + va] ; mov rdx, [rsp + vb]
                        ; mov rcx, [rsp + vc]
                        ; mov [r15 + HELPER_RSP], rsp
                        ; mov rax, QWORD f ; call rax
                        // The helper may have changed the memory base.
                        ; mov r14, [r15 + so(slot::MEM_BASE)]
                        ; mov [rsp + d], rax);
                }
            }
        }
    }

    /// `d = cond_holds(cc, a)`, testing the ARM flag bits (N=31, Z=30, C=29, V=28) directly.
    fn cond_mem(&mut self, va: i32, d: i32, cc: u64) {
        let a = &mut self.a;
        let invert = cc & 1 == 1;
        dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
        // Each arm leaves the base condition in CF (or ZF for hi/ls), then set* picks it.
        match cc >> 1 {
            0 => dynasm!(a ; .arch x64 ; bt eax, 30),
            1 => dynasm!(a ; .arch x64 ; bt eax, 29),
            2 => dynasm!(a ; .arch x64 ; bt eax, 31),
            3 => dynasm!(a ; .arch x64 ; bt eax, 28),
            4 => {
                // hi: C && !Z, i.e. bits (Z, C) == (0, 1).
                dynasm!(a ; .arch x64 ; shr eax, 29 ; and eax, 3 ; cmp eax, 1);
                if invert {
                    dynasm!(a ; .arch x64 ; setne al);
                } else {
                    dynasm!(a ; .arch x64 ; sete al);
                }
                dynasm!(a ; .arch x64 ; movzx eax, al ; mov [rsp + d], rax);
                return;
            }
            // CF = N ^ V; ge holds when it is clear.
            5 => dynasm!(a ; .arch x64 ; mov ecx, eax ; shr ecx, 3 ; xor eax, ecx ; bt eax, 28),
            // CF = (N ^ V) | Z; gt holds when it is clear.
            6 => dynasm!(a ; .arch x64
                ; mov ecx, eax ; shr ecx, 3 ; xor ecx, eax ; shr eax, 2 ; or eax, ecx ; bt eax, 28),
            _ => {
                dynasm!(a ; .arch x64 ; mov QWORD [rsp + d], 1);
                return;
            }
        }
        // For eq/cs/mi/vs the base condition is CF set; for ge/gt it is CF clear.
        let holds_on_carry = cc >> 1 < 5;
        if holds_on_carry != invert {
            dynasm!(a ; .arch x64 ; setc al);
        } else {
            dynasm!(a ; .arch x64 ; setnc al);
        }
        dynasm!(a ; .arch x64 ; movzx eax, al ; mov [rsp + d], rax);
    }

    fn term(&mut self, t: &Term, b: &Block) {
        match *t {
            Term::Jump(target) if target == self.key && self.carry.is_some() => self.back_edge(),
            Term::Jump(target) => {
                self.release_stack();
                match b.hint {
                    ir::Hint::Call(ret) => self.linked(target, 0, Some(ret)),
                    _ => self.link(target),
                }
            }
            Term::JumpReg(v) => {
                self.ld(alloc::RAX, v);
                self.release_stack();
                if let Some(target) = b.predict.filter(|_| b.hint != ir::Hint::Return) {
                    self.predicted(target, b.hint);
                }
                let call = match b.hint {
                    ir::Hint::Call(ret) => {
                        self.push_return(ret, None);
                        Some(ret)
                    }
                    ir::Hint::Return => {
                        // The return the latest outstanding call predicted: the host `ret`
                        // goes back into the caller's code (its return stack predicts it),
                        // which jumps on to the block at the guest return address. Else the
                        // table decides.
                        dynasm!(self.a ; .arch x64
                            ; cmp rax, [rsp + 8] ; jne >table
                            ; ret 8
                            ; table:);
                        None
                    }
                    ir::Hint::None => None,
                };
                // Look the target up in the indirect-jump table, in the first way of its set
                // and then the second; on a hit jump straight to its code (or call it), else
                // let the dispatcher find it (while an event is pending, every lookup misses).
                let Shared { miss, .. } = self.shared;
                // Set `table_set(pc)` is 32 bytes at 8 * (pc & 4 * set mask): its first pair,
                // then its second.
                dynasm!(self.a ; .arch x64
                    ; mov ecx, eax ; and ecx, [r15 + JUMP_MASK]
                    ; mov rdx, [r15 + JUMP_TABLE]
                    ; cmp rax, [rdx + rcx * 8] ; jne >second
                    ; mov rdx, [rdx + rcx * 8 + 8]
                    ; found:
                    ; test rdx, rdx ; jz extern miss);
                match call {
                    Some(ret) => {
                        dynasm!(self.a ; .arch x64 ; call rdx);
                        // Where the callee's return comes back to.
                        self.link(ret);
                    }
                    None => dynasm!(self.a ; .arch x64 ; jmp rdx),
                }
                dynasm!(self.a ; .arch x64
                    ; second:
                    ; cmp rax, [rdx + rcx * 8 + 16] ; jne extern miss
                    ; mov rdx, [rdx + rcx * 8 + 24]
                    ; jmp <found);
            }
            Term::Branch {
                cond,
                taken,
                fallthrough,
            } => {
                // The host condition that the branch is taken on: an ARM code for the fused
                // flags, else `TEST_NONZERO` of the condition's value.
                let cc = match self.fused {
                    Some(cc) => {
                        // The flags are the condition's: give the stack back without touching
                        // them.
                        if self.extra != 0 {
                            let bytes = self.extra;
                            dynasm!(self.a ; .arch x64 ; lea rsp, [rsp + bytes]);
                        }
                        cc
                    }
                    None => {
                        // Read before the stack goes back: it may live in a stack slot.
                        let c = self.reg_or(alloc::RAX, cond);
                        self.release_stack();
                        dynasm!(self.a ; .arch x64 ; test Rq(c), Rq(c));
                        TEST_NONZERO
                    }
                };
                // A forward taken side needs no pending check (see `link`): the conditional
                // jump itself goes there, linked, and the fall-through follows. (A backward
                // one is usually a loop's back edge: the fall-through's conditional jump
                // stays a jump over it, so the loop does not run the padding a linked
                // conditional jump needs.)
                // The first condition of an `a && b` already jumped to `and_fall` if it failed.
                let and_fall = self.and_fall.take();
                if taken == self.key && self.carry.is_some() {
                    // The loop's back edge is the fall-through of a jump out of the loop.
                    let out = and_fall.unwrap_or_else(|| self.a.new_dynamic_label());
                    self.jump_unless(cc, out);
                    self.back_edge();
                    dynasm!(self.a ; .arch x64 ; =>out);
                    for (slot, v) in std::mem::take(&mut self.held_out) {
                        self.store_slot(slot, v);
                    }
                    self.way_out(b);
                    self.link(fallthrough);
                } else if taken > self.key {
                    let site = self.linked_jcc(invert_cc(cc));
                    if let Some(fall) = and_fall {
                        dynasm!(self.a ; .arch x64 ; =>fall);
                    }
                    self.link(fallthrough);
                    self.site_stub(site, taken);
                } else {
                    let fall = and_fall.unwrap_or_else(|| self.a.new_dynamic_label());
                    self.jump_unless(cc, fall);
                    self.link(taken);
                    dynasm!(self.a ; .arch x64 ; =>fall);
                    self.link(fallthrough);
                }
            }
            Term::Exit { reason, pc, arg } => {
                self.release_stack();
                self.exit_const(reason, pc, arg);
            }
        }
    }

    /// The inline cache of an indirect jump or call whose target is in `rax`: when that is
    /// `target`, the jump (or, with `hint` a call, the call) is linked straight to its code,
    /// as a direct one would be; any other target goes on to the code emitted next (the
    /// table lookup), `rax` as it was. An indirect jump to one place (a PLT entry's, a call
    /// through a function pointer that is always the same) then costs a compare and a
    /// direct jump instead of the table's loads and the jump through a register.
    fn predicted(&mut self, target: u64, hint: ir::Hint) {
        match i32::try_from(target) {
            // `cmp rax, imm32` sign-extends: exact below 2^31.
            Ok(k) => dynasm!(self.a ; .arch x64 ; cmp rax, k),
            Err(_) => {
                enc::mov_imm(&mut self.a, alloc::RCX, target);
                dynasm!(self.a ; .arch x64 ; cmp rax, rcx);
            }
        }
        let other = self.a.new_dynamic_label();
        dynasm!(self.a ; .arch x64 ; jne =>other);
        match hint {
            ir::Hint::Call(ret) => self.linked(target, 0, Some(ret)),
            _ => self.link(target),
        }
        dynasm!(self.a ; .arch x64 ; =>other);
    }

    /// Stores pc, reason and argument, then leaves through the epilogue.
    fn exit_const(&mut self, reason: u64, pc: u64, arg: u64) {
        if let Some(tail) = self.tail(reason).filter(|_| arg == ir::EXIT_ARG_KEPT) {
            enc::mov_imm(&mut self.a, alloc::RAX, pc);
            dynasm!(self.a ; .arch x64 ; jmp extern tail);
            return;
        }
        let ep = self.epilogue;
        for (slot, value) in [
            (slot::PC, pc),
            (slot::EXIT_REASON, reason),
            (slot::EXIT_ARG, arg),
        ] {
            if slot == slot::EXIT_ARG && arg == ir::EXIT_ARG_KEPT {
                continue;
            }
            enc::mov_imm(&mut self.a, alloc::RAX, value);
            enc::reg_mem(&mut self.a, RegMem::Store64, alloc::RAX, state(slot as u64));
        }
        dynasm!(self.a ; .arch x64 ; jmp extern ep);
    }

    /// Pads with one nop of the needed length, if any, so that the rel32 field of a jump whose
    /// opcode takes `opcode_len` bytes, emitted next, lies within one aligned 8-byte word and
    /// can be patched atomically (see `cache::within_word`; blocks start 16-byte aligned).
    fn pad_for_rel32(&mut self, opcode_len: usize) {
        const NOPS: [&[u8]; 4] = [&[], &[0x90], &[0x66, 0x90], &[0x0f, 0x1f, 0x00]];
        let field = self.a.offset().0 + opcode_len;
        let pad = if crate::cache::within_word(field) {
            0
        } else {
            8 - field % 8
        };
        self.a.extend(NOPS[pad].iter().copied());
    }

    /// The code at `label` that leaves for the dispatcher with pc `target` and exit `reason`.
    /// Every linkable jump has one, mostly never run: the trampoline's tails store pc and
    /// reason for the common reasons, so such a stub is a move and a jump (10 bytes where pc
    /// fits 32 bits, instead of 28).
    fn exit_stub(&mut self, label: dynasmrt::DynamicLabel, target: u64, reason: u64) {
        dynasm!(self.a ; .arch x64 ; =>label);
        for (slot, v) in self.stub_stores.clone() {
            self.store_slot(slot, v);
        }
        enc::mov_imm(&mut self.a, alloc::RAX, target);
        let tail = self.tail(reason).unwrap_or_else(|| {
            let pc = state(slot::PC as u64);
            enc::reg_mem(&mut self.a, RegMem::Store64, alloc::RAX, pc);
            enc::store_imm64(&mut self.a, state(slot::EXIT_REASON as u64), reason as i32);
            self.epilogue
        });
        dynasm!(self.a ; .arch x64 ; jmp extern tail);
    }

    /// The trampoline's exit for pc in `rax` and `reason`, if it has one.
    fn tail(&self, reason: u64) -> Option<usize> {
        match reason {
            exit::JUMP => Some(self.shared.miss),
            exit::PENDING => Some(self.shared.pending),
            exit::HOT => Some(self.shared.hot),
            _ => None,
        }
    }

    /// A linkable conditional jump, taken when host condition `cc` (as [`Emitter::jump_unless`]
    /// reads it) does NOT hold; [`Emitter::site_stub`] gives it its target once the code after
    /// it is emitted. Returns its stub label and rel32 offset.
    fn linked_jcc(&mut self, cc: u64) -> (dynasmrt::DynamicLabel, usize) {
        // `0f 8x rel32`: the field starts two bytes in.
        self.pad_for_rel32(2);
        let stub = self.a.new_dynamic_label();
        self.jump_unless(cc, stub);
        (stub, self.a.offset().0 - 4)
    }

    /// The exit stub of a linkable jump (`rel32` its field) to guest `target`, and its link
    /// site.
    fn site_stub(&mut self, (stub, rel32): (dynasmrt::DynamicLabel, usize), target: u64) {
        self.exit_stub(stub, target, exit::JUMP);
        let stub_off = self
            .a
            .labels()
            .resolve_dynamic(stub)
            .map(|o| o.0)
            .unwrap_or(rel32 + 4);
        self.sites.push(SiteOff {
            target,
            rel32,
            stub: stub_off,
            head: 0,
        });
    }

    /// A linkable jump to guest `target`: `jmp rel32`, which points at an exit stub until the
    /// target block is compiled; before it, unless the jump goes forward, a check that leaves
    /// if an event is pending.
    ///
    /// Only jumps to a key at or below this block's own can close a loop of linked blocks: a
    /// chain of jumps each to a greater key never comes back to where it started. So checking
    /// those (indirect jumps miss while an event is pending, and every exit goes to the
    /// dispatcher) bounds the time to notice a signal, and the forward jumps of straight-line
    /// code go without the memory compare and branch.
    fn link(&mut self, target: u64) {
        self.link_to(target, 0);
    }

    /// [`Emitter::link`], whose site links to code `head` bytes into the target when the
    /// target is this block (a loop's back edge, see `self_loop`; 0: its entry).
    fn link_to(&mut self, target: u64, head: usize) {
        self.linked(target, head, None);
    }

    /// [`Emitter::link_to`]; with `call` (the guest return key of a call), pushes that on the
    /// return stack and calls the target instead of jumping to it, and the code after the call,
    /// where the callee's return comes back to, jumps on to the block at the return key.
    fn linked(&mut self, target: u64, head: usize, call: Option<u64>) {
        let stub = self.a.new_dynamic_label();
        let pend = self.a.new_dynamic_label();
        // A call needs no check: a loop that calls without returning fills the return stack
        // and leaves for the dispatcher within `RET_DEPTH` calls (see `push_return`), and one
        // whose calls return closes through a jump back, which checks.
        let check = target <= self.key && call.is_none();
        if check {
            let pending = state(slot::PENDING as u64);
            enc::alu_mem_imm8(&mut self.a, Alu::Cmp, true, pending, 0);
            dynasm!(self.a ; .arch x64 ; jne =>pend);
        }
        if let Some(ret) = call {
            self.push_return(ret, Some(stub));
        }
        // The padding is one nop, which a loop's back edge runs once per iteration.
        self.pad_for_rel32(1);
        if call.is_some() {
            dynasm!(self.a ; .arch x64 ; call =>stub);
        } else {
            dynasm!(self.a ; .arch x64 ; jmp =>stub);
        }
        let rel32 = self.a.offset().0 - 4;
        if let Some(ret) = call {
            self.link(ret);
        }
        self.site_stub((stub, rel32), target);
        if let Some(site) = self.sites.last_mut() {
            site.head = head;
        }
        if check {
            self.exit_stub(pend, target, exit::PENDING);
        }
    }

    /// Pushes the guest return key `ret` of a call on the host return stack, where the call
    /// instruction that follows puts its host return address under it: a guest return to
    /// `ret` then leaves with the host's `ret`, which the host predicts like any return. With
    /// [`RET_DEPTH`] calls outstanding, goes to `full` instead (the call's exit to the
    /// dispatcher, `None`: the miss exit for a target in `rax`), whose next entry starts the
    /// stack afresh: deep recursion costs a trip to the dispatcher every so many calls.
    /// Clobbers `rcx` and the flags.
    fn push_return(&mut self, ret: u64, full: Option<DynamicLabel>) {
        dynasm!(self.a ; .arch x64 ; cmp rsp, [r15 + RET_LIMIT]);
        match full {
            Some(l) => dynasm!(self.a ; .arch x64 ; jbe =>l),
            None => {
                let miss = self.shared.miss;
                dynasm!(self.a ; .arch x64 ; jbe extern miss);
            }
        }
        match i32::try_from(ret) {
            // `push imm32` sign-extends: exact below 2^31.
            Ok(k) => dynasm!(self.a ; .arch x64 ; push k),
            Err(_) => {
                enc::mov_imm(&mut self.a, alloc::RCX, ret);
                dynasm!(self.a ; .arch x64 ; push rcx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::Builder;

    /// The code of `block` as a quick translation (which runs no passes) at some address.
    fn quick_code(block: &Block) -> Vec<u8> {
        let shared = Shared {
            epilogue: 0x10_0000,
            miss: 0x10_0100,
            pending: 0x10_0200,
            hot: 0x10_0300,
            settle: 0x10_0400,
            lanes: 0x10_0500,
        };
        compile(block, 0x20_0000, shared, Some(0x30_0000), false, true).code
    }

    /// x2 = x1 (+ a sum of x1 with itself nothing reads, if `dead`); jump.
    fn copy_block(dead: bool) -> Block {
        let mut b = Builder::verbatim(0x1000);
        let x = b.get(1);
        if dead {
            let one = b.konst(1);
            b.add(x, one);
            b.emit(Op::AddCFlags, &[x, one, one], 32);
        }
        b.set(2, x);
        b.end_insn(0x1004);
        b.finish(Term::Jump(0x2000))
    }

    #[test]
    fn values_nothing_reads_are_not_lowered() {
        assert_eq!(
            quick_code(&copy_block(true)),
            quick_code(&copy_block(false))
        );
        // A read one keeps it.
        let mut b = Builder::verbatim(0x1000);
        let x = b.get(1);
        let one = b.konst(1);
        let s = b.add(x, one);
        b.set(2, s);
        b.end_insn(0x1004);
        let used = b.finish(Term::Jump(0x2000));
        assert!(quick_code(&used).len() > quick_code(&copy_block(false)).len());
    }
}
