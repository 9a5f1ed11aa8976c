//! The A64 frontend: lifts AArch64 machine code into armrun's IR.
//!
//! [`lift_block`] decodes words with the base table of the `decode` crate and hands each match to
//! one handler; handlers live in one module per section of the ARM manual (CRC32, the LSE
//! atomics and the FlagM flag instructions have their own). FP/SIMD words go to
//! the `fpsimd` crate's interpreter helper. Words neither table knows end the block with an
//! undefined-instruction exit. A block at the start of a known build of one of glibc's string
//! and memory routines is one call of a host helper (`routine`).

#![deny(missing_docs)]

mod atomic;
mod branch;
mod crc;
mod ctx;
mod dp_imm;
mod dp_reg;
mod excl;
mod flagm;
mod fp;
mod ldst;
mod ldst_fp;
mod routine;
mod simd;
mod system;

use ctx::{Ctx, Flow};
use decode::Decoder;
use decode::a64_base::{A64_BASE, A64Base};
use ir::{Block, Term, Val};
use std::sync::OnceLock;

pub use atomic::{CAS, CASP128, RMW, RmwOp};
pub use crc::CRC32;
pub use excl::STXP128;
pub use routine::routine_at;
pub use system::CNTVCT;

/// AT_HWCAP for A64 guests: exactly the features the lifter and `fpsimd` implement, so guest
/// libraries (glibc ifuncs, libgcc's outline atomics, OpenSSL, zlib) pick code paths that work:
/// FP, ASIMD, AES, PMULL, SHA1, SHA2, CRC32, LSE atomics, FPHP and ASIMDHP (half-precision
/// arithmetic), ASIMDRDM (SQRDMLAH/SQRDMLSH), JSCVT (FJCVTZS), FCMA (FCMLA/FCADD), LRCPC
/// (LDAPR), SHA3 (EOR3, RAX1, XAR, BCAX), SM3, SM4, ASIMDDP (SDOT/UDOT), SHA512, ASIMDFHM
/// (FMLAL/FMLSL), ILRCPC (LDAPUR/STLUR) and FlagM. Not CPUID (MRS of ID registers), DCPOP, SVE,
/// DIT, USCAT, SSBS, SB or pointer authentication.
pub const HWCAP: u64 = HWCAP_FP
    | HWCAP_ASIMD
    | HWCAP_AES
    | HWCAP_PMULL
    | HWCAP_SHA1
    | HWCAP_SHA2
    | HWCAP_CRC32
    | HWCAP_ATOMICS
    | HWCAP_FPHP
    | HWCAP_ASIMDHP
    | HWCAP_ASIMDRDM
    | HWCAP_JSCVT
    | HWCAP_FCMA
    | HWCAP_LRCPC
    | HWCAP_SHA3
    | HWCAP_SM3
    | HWCAP_SM4
    | HWCAP_ASIMDDP
    | HWCAP_SHA512
    | HWCAP_ASIMDFHM
    | HWCAP_ILRCPC
    | HWCAP_FLAGM;
/// AT_HWCAP for an ARMv8.0 core with the crypto extension (Cortex-A53/A57/A72): FP, ASIMD,
/// AES, PMULL, SHA1, SHA2 and CRC32. Only what the guest is told; the translator still runs
/// every instruction in [`HWCAP`].
pub const HWCAP_V80: u64 =
    HWCAP_FP | HWCAP_ASIMD | HWCAP_AES | HWCAP_PMULL | HWCAP_SHA1 | HWCAP_SHA2 | HWCAP_CRC32;
/// AT_HWCAP for an ARMv8.2 core like Neoverse-N1 / Cortex-A76, as far as armrun implements it:
/// [`HWCAP_V80`] plus LSE atomics, half-precision FP and SIMD, RDM, LRCPC and the dot product.
pub const HWCAP_V82: u64 = HWCAP_V80
    | HWCAP_ATOMICS
    | HWCAP_FPHP
    | HWCAP_ASIMDHP
    | HWCAP_ASIMDRDM
    | HWCAP_LRCPC
    | HWCAP_ASIMDDP;
/// AT_HWCAP2 for A64 guests: FlagM2 (AXFLAG, XAFLAG), FRINT (FRINT32/64) and I8MM (USDOT,
/// SUDOT, SMMLA, UMMLA, USMMLA); none of the other ARMv8.2+ features it lists are implemented.
pub const HWCAP2: u64 = HWCAP2_FLAGM2 | HWCAP2_FRINT | HWCAP2_I8MM;
const HWCAP_FP: u64 = 1 << 0;
const HWCAP_ASIMD: u64 = 1 << 1;
const HWCAP_AES: u64 = 1 << 3;
const HWCAP_PMULL: u64 = 1 << 4;
const HWCAP_SHA1: u64 = 1 << 5;
const HWCAP_SHA2: u64 = 1 << 6;
const HWCAP_CRC32: u64 = 1 << 7;
const HWCAP_ATOMICS: u64 = 1 << 8;
const HWCAP_FPHP: u64 = 1 << 9;
const HWCAP_ASIMDHP: u64 = 1 << 10;
const HWCAP_ASIMDRDM: u64 = 1 << 12;
const HWCAP_JSCVT: u64 = 1 << 13;
const HWCAP_FCMA: u64 = 1 << 14;
const HWCAP_LRCPC: u64 = 1 << 15;
const HWCAP_SHA3: u64 = 1 << 17;
const HWCAP_SM3: u64 = 1 << 18;
const HWCAP_SM4: u64 = 1 << 19;
const HWCAP_ASIMDDP: u64 = 1 << 20;
const HWCAP_SHA512: u64 = 1 << 21;
const HWCAP_ASIMDFHM: u64 = 1 << 23;
const HWCAP_ILRCPC: u64 = 1 << 26;
const HWCAP_FLAGM: u64 = 1 << 27;
const HWCAP2_FLAGM2: u64 = 1 << 7;
const HWCAP2_FRINT: u64 = 1 << 8;
const HWCAP2_I8MM: u64 = 1 << 13;

/// The base-table decoder, built once.
fn decoder() -> &'static Decoder<A64Base> {
    static D: OnceLock<Decoder<A64Base>> = OnceLock::new();
    D.get_or_init(|| Decoder::new(A64_BASE))
}

/// Lifts the block starting at guest address `pc`.
///
/// `fetch` reads an instruction word (the caller guarantees the first fetch succeeds); the block
/// stops before a word `fetch` cannot read, after `max_insns` instructions (at least one), or at
/// the first instruction that ends a block (branches, exceptions, undefined words, IC IVAU,
/// writes to FPCR), except that a forward conditional branch with room after it becomes a side
/// exit and the block goes on along its fall-through, and a direct jump may be followed (see
/// `lift_insns`). An undefined word is counted in `end` (so code-modification tracking
/// covers it) and in `guest_insns`, but it does not execute: the block exits at its pc.
///
/// The block's final store of NZCV is left out when every successor overwrites the flags
/// before reading them (see `ir::flags_live`).
pub fn lift_block(pc: u64, fetch: &dyn Fn(u64) -> Option<u32>, max_insns: u32) -> Block {
    lift_block_profiled(pc, fetch, max_insns, &|_| 0)
}

/// [`lift_block`] laid out by the profile `runs`: a forward conditional branch whose target
/// ran more often than its fall-through leaves for the fall-through by a side exit and the
/// block goes on at the target (see [`ir::Builder::follows_far`]).
pub fn lift_block_profiled(
    pc: u64,
    fetch: &dyn Fn(u64) -> Option<u32>,
    max_insns: u32,
    runs: ir::Runs,
) -> Block {
    let code = |pc: u64| fetch(pc).map(u64::from);
    ir::flags_live::lift_dropping_dead_store(
        pc,
        max_insns,
        cpu::slot::NZCV,
        &|pc, n| lift_insns(pc, fetch, n, Some(runs)),
        &code,
        ir::flags_live::Lifter::A64,
    )
}

/// [`lift_block`] without the look-ahead or side exits: the final NZCV store stays (left for
/// later before an indirect branch, which needs no look-ahead: see `ir::deferred`) and a
/// conditional branch ends the block. The cheap first translation of a block (most blocks run
/// too few times to repay the look-ahead).
pub fn lift_block_quick(pc: u64, fetch: &dyn Fn(u64) -> Option<u32>, max_insns: u32) -> Block {
    let mut block = lift_insns(pc, fetch, max_insns, None);
    ir::flags_live::defer_before_indirect_branch(&mut block);
    block
}

/// Lifts at most `max_insns` instructions from `pc` (in a block with crypto calls, up to
/// [`ir::CRYPTO_BLOCK_FACTOR`] times as many); with `side_exits` (the profile the
/// layout follows), a conditional branch becomes a side exit ([`ir::Op::ExitIf`]) where
/// [`ir::Builder::may_side_exit`] allows (forward, room after it) and the block goes on along
/// its fall-through, or, where the profile says its forward target is the hotter way
/// ([`ir::Builder::follows_far`]), a side exit to the fall-through and the block goes on at
/// the target; so a loop whose body holds forward branches can be one block (see
/// `ir::passes::loops_to_itself`). Also with `side_exits`, the block goes on at the target of
/// a direct jump (B, BL) where [`ir::Builder::may_follow`] allows, so the code after a join
/// or a call is not another block (a switch's case and the dispatch it jumps back to, a call
/// of a short function).
fn lift_insns(
    pc: u64,
    fetch: &dyn Fn(u64) -> Option<u32>,
    max_insns: u32,
    side_exits: Option<ir::Runs>,
) -> Block {
    let mut cx = Ctx::new(pc);
    let max_insns = max_insns.max(1);
    let mut pc = pc;
    loop {
        let max = cx.b.insn_limit(max_insns);
        if cx.b.guest_insns() >= max {
            return cx.b.finish(Term::Jump(pc));
        }
        let Some(word) = fetch(pc) else {
            return cx.b.finish(Term::Jump(pc));
        };
        cx.pc = pc;
        if cx.b.guest_insns() == 0
            && let Some(term) = routine::lift(&mut cx, word, fetch)
        {
            return cx.b.finish(term);
        }
        cx.b.mark(pc);
        let flow = lift_one(&mut cx, word);
        let next = pc.wrapping_add(4);
        cx.b.end_insn(next);
        match flow {
            Flow::Next => pc = next,
            Flow::End(Term::Branch {
                cond,
                taken,
                fallthrough,
            }) if let Some(runs) = side_exits
                && (taken == next || fallthrough == next)
                && {
                    let far = ir::other_successor(taken, fallthrough, next);
                    cx.b.follows_far(pc, next, far, 4, max, (next, far), runs)
                } =>
            {
                pc =
                    cx.b.exit_to_next_and_follow(cond, (taken, fallthrough), next, next);
            }
            Flow::End(Term::Branch {
                cond,
                taken,
                fallthrough,
            }) if side_exits.is_some()
                && fallthrough == next
                && cx.b.may_side_exit(pc, taken, max) =>
            {
                cx.b.exit_if(cond, taken);
                pc = next;
            }
            Flow::End(Term::Jump(target))
                if side_exits.is_some() && cx.b.may_follow(target, 4, max) =>
            {
                cx.b.follow(target);
                pc = target;
            }
            Flow::End(term) => return cx.b.finish(term),
            Flow::Undef => {
                return cx.b.finish(Term::Exit {
                    reason: cpu::exit::UNDEFINED,
                    pc,
                    arg: word as u64,
                });
            }
        }
    }
}

/// Lifts one instruction into `cx`.
fn lift_one(cx: &mut Ctx, word: u32) -> Flow {
    if let Some(m) = decoder().decode(word) {
        use decode::Class::*;
        return match m.entry.class {
            DpImm => dp_imm::lift(cx, &m),
            DpReg => dp_reg::lift(cx, &m),
            Branch => branch::lift(cx, &m),
            System => system::lift(cx, &m),
            LoadStore => ldst::lift(cx, &m),
            Exclusive => excl::lift(cx, &m),
            Atomic => atomic::lift(cx, &m),
            _ => Flow::Undef,
        };
    }
    if let Some(flow) = ldst_fp::lift(cx, word)
        .or_else(|| fp::lift(cx, word))
        .or_else(|| simd::lift(cx, word))
    {
        return flow;
    }
    if fpsimd::supported(word) {
        let p = cx.k(cx.pc);
        call_fpsimd(&mut cx.b, word, p);
        return Flow::Next;
    }
    Flow::Undef
}

/// Emits the `fpsimd::EXEC` call that runs the supported FP/SIMD word `word` at the address
/// `pc` holds, marked as inlinable where the JIT may run it as host instructions instead
/// (vector FP arithmetic, the crypto extension: see `ir::inline`). The AArch32 NEON lifter,
/// which translates into A64 words, emits its calls through this too.
pub fn call_fpsimd(b: &mut ir::Builder, word: u32, pc: Val) {
    let w = b.konst(word as u64);
    let z = b.konst(0);
    match fp::vector_inline(word) {
        Some(inline) => b.call_fp(&fpsimd::EXEC, inline, w, pc, z),
        None => b.call(&fpsimd::EXEC, w, pc, z),
    };
}

/// Lifts the Advanced SIMD word `word` into `b` as plain integer IR if it is one of the forms
/// the A64 frontend keeps out of `fpsimd::EXEC` (`simd`: bitwise operations, ADD, SUB, CMEQ,
/// ADDP/SMAXP/UMAXP/SMINP/UMINP, DUP (general), UMOV, SHRN); false, having emitted nothing,
/// for any other word. The AArch32 NEON lifter translates into A64 words and uses this for them.
pub fn lift_simd_ir(b: &mut ir::Builder, pc: u64, word: u32) -> bool {
    let mut cx = Ctx {
        b: std::mem::replace(b, ir::Builder::new(pc)),
        pc,
    };
    let done = simd::lift(&mut cx, word).is_some();
    *b = cx.b;
    done
}

/// True iff armrun executes `word` (false for words it raises SIGILL on): what test generators
/// use to keep to the instructions armrun advertises.
pub fn implemented(word: u32) -> bool {
    let fetch = |a: u64| (a == 0).then_some(word);
    let block = lift_block(0, &fetch, 1);
    !matches!(block.term, Term::Exit { reason, pc: 0, .. } if reason == cpu::exit::UNDEFINED)
}

/// The mnemonic of `word` from the decode tables (base first, then FP/SIMD), for logs.
pub fn disasm_name(word: u32) -> Option<&'static str> {
    static S: OnceLock<Decoder<decode::a64_simd::A64Simd>> = OnceLock::new();
    if let Some(m) = decoder().decode(word) {
        return Some(m.entry.mnemonic);
    }
    S.get_or_init(|| Decoder::new(decode::a64_simd::A64_SIMD))
        .decode(word)
        .map(|m| m.entry.mnemonic)
}

#[cfg(test)]
mod tests;
