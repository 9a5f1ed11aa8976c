//! The cryptographic extension inline: AESE/AESD/AESMC/AESIMC on AES-NI, PMULL{2} (1Q) on
//! PCLMULQDQ, SHA256H/H2/SU0/SU1 on the SHA extensions, and the moves around them (EOR, EXT
//! by 8 bytes, REV64 and REV32 of bytes, 16B; ADD, 4S) on SSE2 and SSSE3, each a few host
//! instructions on the guest registers in the CPU state (or their copies in xmm registers:
//! see `vcache`) instead of a general-executor call (see `ir::inline`; `fpsimd::crypto_fast`
//! holds the same mappings as Rust, tested against the reference definitions). A host without
//! the feature keeps the call.

use super::lanes::{self, Lanes};
use super::{Emitter, so};
use cpu::slot;
use dynasmrt::{DynasmApi, DynasmLabelApi, dynasm};
use ir::inline::{FpInline, FpOp, VecRegs};
use ir::{Block, Op};

/// PSHUFD order swapping the two words of each 64-bit half (1, 0, 3, 2).
const SWAP_PAIRS: i8 = 0xb1u8 as i8;

/// Host features: (AES-NI, PCLMULQDQ, SHA with SSSE3, SSSE3).
fn host() -> (bool, bool, bool, bool) {
    use hostcpu::{Feature, has};
    let ssse3 = has(Feature::Ssse3);
    (
        has(Feature::Aes),
        has(Feature::Pclmulqdq),
        has(Feature::Sha) && ssse3,
        ssse3,
    )
}

/// Whether the host has the instructions [`fast_path`] lowers `op` to.
pub(super) fn usable(op: FpOp) -> bool {
    let (aes, clmul, sha, ssse3) = host();
    match op {
        FpOp::Aese | FpOp::Aesd | FpOp::Aesmc | FpOp::Aesimc => aes,
        FpOp::Pmull | FpOp::Pmull2 => clmul,
        FpOp::Sha256H | FpOp::Sha256H2 | FpOp::Sha256Su0 | FpOp::Sha256Su1 => sha,
        // SSE2, and SSSE3's PALIGNR and PSHUFB.
        FpOp::Eor | FpOp::Add32 => true,
        FpOp::Ext8 | FpOp::Rev64 | FpOp::Rev32 => ssse3,
        _ => false,
    }
}

/// Emits `op` on the registers `r`, ending with rax = 0 (the helper's result) unless nothing
/// reads it; false, having emitted nothing, if the host lacks the instructions.
pub(super) fn fast_path(e: &mut Emitter, op: FpOp, r: VecRegs) -> bool {
    if !usable(op) {
        return false;
    }
    let v = |n: u8| so(slot::v_lo(n as u32));
    let (d, n, m) = (r.d, r.n, r.m);
    // Every form writes all 128 bits of Vd from xmm1.
    match op {
        // SubBytes(ShiftRows(d ^ n)): AESENCLAST with a zero round key.
        FpOp::Aese | FpOp::Aesd => {
            e.load_vreg(1, d);
            e.load_vreg(0, n);
            dynasm!(e.a ; .arch x64 ; pxor xmm1, xmm0 ; pxor xmm0, xmm0);
            if op == FpOp::Aese {
                dynasm!(e.a ; .arch x64 ; aesenclast xmm1, xmm0);
            } else {
                dynasm!(e.a ; .arch x64 ; aesdeclast xmm1, xmm0);
            }
        }
        // MixColumns alone: AESDECLAST undoes the SubBytes and ShiftRows AESENC applies.
        FpOp::Aesmc => {
            e.load_vreg(1, n);
            dynasm!(e.a ; .arch x64 ; pxor xmm0, xmm0 ; aesdeclast xmm1, xmm0 ; aesenc xmm1, xmm0);
        }
        FpOp::Aesimc => {
            e.load_vreg(1, n);
            dynasm!(e.a ; .arch x64 ; aesimc xmm1, xmm1);
        }
        // The product of the low (PMULL) or high (PMULL2) halves: only those are loaded, or
        // an operand's copy is taken whole (the second one's read in place) and PCLMULQDQ
        // picks the half.
        FpOp::Pmull | FpOp::Pmull2 => {
            let high = op == FpOp::Pmull2;
            let mut imm = 0;
            let mut src = 0;
            for (x, reg, pick) in [(1, n, 0x01), (0, m, 0x10)] {
                match e.vreg_copy(reg) {
                    Some(c) => {
                        if x == 1 {
                            dynasm!(e.a ; .arch x64 ; movdqa Rx(x), Rx(c));
                        } else {
                            src = c;
                        }
                        imm |= if high { pick } else { 0 };
                    }
                    None => {
                        let at = v(reg) + if high { 8 } else { 0 };
                        dynasm!(e.a ; .arch x64 ; movq Rx(x), [r15 + at]);
                    }
                }
            }
            dynasm!(e.a ; .arch x64 ; pclmulqdq xmm1, Rx(src), imm);
        }
        FpOp::Sha256Su0 => {
            e.load_vreg(1, d);
            e.load_vreg(0, n);
            dynasm!(e.a ; .arch x64 ; sha256msg1 xmm1, xmm0);
        }
        // SHA256MSG2 of d + (m[0]:n[3:1]) with m's top words.
        FpOp::Sha256Su1 => {
            e.load_vreg(0, m);
            e.load_vreg(2, n);
            e.load_vreg(1, d);
            dynasm!(e.a ; .arch x64
                ; movdqa xmm3, xmm0 ; palignr xmm3, xmm2, 4 ; paddd xmm1, xmm3
                ; sha256msg2 xmm1, xmm0);
        }
        FpOp::Sha256H | FpOp::Sha256H2 => {
            let (abcd, efgh) = if op == FpOp::Sha256H { (d, n) } else { (n, d) };
            sha256_rounds(e, abcd, efgh, m, false);
            sha256_half(e, op == FpOp::Sha256H, 1);
        }
        FpOp::Eor => {
            e.load_vreg(1, n);
            with_second(e, m, |e, x| dynasm!(e.a ; .arch x64 ; pxor xmm1, Rx(x)));
        }
        // Bytes 8.. of m:n (n the low part): PALIGNR of m (high) and n (low).
        FpOp::Ext8 => {
            e.load_vreg(1, m);
            with_second(
                e,
                n,
                |e, x| dynasm!(e.a ; .arch x64 ; palignr xmm1, Rx(x), 8),
            );
        }
        FpOp::Add32 => {
            e.load_vreg(1, n);
            with_second(e, m, |e, x| dynasm!(e.a ; .arch x64 ; paddd xmm1, Rx(x)));
        }
        // One shuffle by an order read in place (see `lanes`).
        FpOp::Rev64 | FpOp::Rev32 => {
            e.load_vreg(1, n);
            let order = match op {
                FpOp::Rev64 => Lanes::Rev64Bytes,
                _ => Lanes::Rev32Bytes,
            };
            let order = lanes::addr(e.shared.lanes, order);
            dynasm!(e.a ; .arch x64 ; pshufb xmm1, [extern order]);
        }
        _ => return false,
    }
    e.store_vreg(d, 1);
    // (The helper's result, which a crypto call's `dst` usually never reads.)
    if !e.unread {
        dynasm!(e.a ; .arch x64 ; xor eax, eax);
    }
    true
}

/// Emits `op xmm1, <V`m`>`: the second operand straight from its copy when it has one (see
/// `vcache`), else loaded into xmm0.
fn with_second(e: &mut Emitter, m: u8, op: impl FnOnce(&mut Emitter, u8)) {
    let x = match e.vreg_copy(m) {
        Some(c) => c,
        None => {
            e.load_vreg(0, m);
            0
        }
    };
    op(e, x);
}

/// Four SHA-256 rounds of the state in vector registers `abcd` and `efgh` with the words in
/// `wk`: ARM's {a,b,c,d} and {e,f,g,h} (word 0 first) become SHA256RNDS2's {f,e,b,a} in
/// xmm1 and {h,g,d,c} in xmm2; it runs two rounds on xmm0's low words, after which the old a,
/// b, e, f are the new c, d, g, h. Leaves xmm1 = {f,e,b,a} and xmm2 = {h,g,d,c} of the new
/// state, and the old {a,b,c,d} in xmm3. On `one_way` of a branch the operands are read as
/// they are, placing no copies (see [`Emitter::load_vreg_as_is`]).
fn sha256_rounds(e: &mut Emitter, abcd: u8, efgh: u8, wk: u8, one_way: bool) {
    let load = if one_way {
        Emitter::load_vreg_as_is
    } else {
        Emitter::load_vreg
    };
    load(e, 3, abcd);
    load(e, 1, efgh);
    load(e, 0, wk);
    sha256_order(e);
    sha256_four(e);
}

/// ARM's {e,f,g,h} in xmm1 and {a,b,c,d} in xmm3 in SHA256RNDS2's order: {f,e,b,a} in xmm1,
/// {h,g,d,c} in xmm2.
fn sha256_order(e: &mut Emitter) {
    dynasm!(e.a ; .arch x64
        ; movdqa xmm2, xmm1
        ; punpcklqdq xmm1, xmm3 ; punpckhqdq xmm2, xmm3
        ; pshufd xmm1, xmm1, SWAP_PAIRS ; pshufd xmm2, xmm2, SWAP_PAIRS);
}

/// Four rounds of the state in SHA256RNDS2's order in xmm1 and xmm2 with the words in xmm0.
fn sha256_four(e: &mut Emitter) {
    dynasm!(e.a ; .arch x64
        ; sha256rnds2 xmm2, xmm1
        ; pshufd xmm0, xmm0, 0x0e
        ; sha256rnds2 xmm1, xmm2);
}

/// Puts into xmm`t` the half of the state [`sha256_rounds`] left that SHA256H (`abcd`) or
/// SHA256H2 gives, in ARM's order (xmm1 and xmm2 are kept unless `t` is 1).
fn sha256_half(e: &mut Emitter, abcd: bool, t: u8) {
    if t != 1 {
        dynasm!(e.a ; .arch x64 ; movdqa Rx(t), xmm1);
    }
    if abcd {
        dynasm!(e.a ; .arch x64 ; punpckhqdq Rx(t), xmm2);
    } else {
        dynasm!(e.a ; .arch x64 ; punpcklqdq Rx(t), xmm2);
    }
    dynasm!(e.a ; .arch x64 ; pshufd Rx(t), Rx(t), SWAP_PAIRS);
}

/// SHA256H and SHA256H2 of the same four rounds: if the call at `at` is a SHA256H of
/// registers (X, Y, W) and the next call, with only marks and constants between, is a
/// SHA256H2 of (Y, Z, W) that X is neither Y nor W (so the first left both as they were), the
/// index of that second call and the registers of the first. Z should hold the old X (OpenSSL
/// copies it there first); the second call checks that it does ([`sha256_second`]) and then
/// takes the other half of the rounds the first ran, instead of running them again.
pub(super) fn sha256_pair(b: &Block, at: usize) -> Option<(usize, VecRegs)> {
    if !host().2 {
        return None;
    }
    let (op, r) = crypto_call(&b.insts[at])?;
    if op != FpOp::Sha256H || r.d == r.n || r.d == r.m {
        return None;
    }
    let (j, second, r2) = next_crypto_call(b, at)?;
    (second == FpOp::Sha256H2 && r2.d == r.n && r2.m == r.m).then_some((j, r))
}

/// The first call of a [`sha256_pair`]: SHA256H, leaving the rounds in xmm1, xmm2 and the old
/// {a,b,c,d} in xmm3 for the second. Where the pair before left the state of its registers
/// in xmm4 and xmm5 in SHA256RNDS2's order (see [`sha256_second`]), the rounds start from
/// there: the chain of rounds from one pair to the next then runs through no reordering.
pub(super) fn sha256_first(e: &mut Emitter, r: VecRegs) {
    if e.vcache.sha() == Some((r.d, r.n)) {
        e.load_vreg(3, r.d);
        e.load_vreg(0, r.m);
        dynasm!(e.a ; .arch x64 ; movdqa xmm1, xmm4 ; movdqa xmm2, xmm5);
        sha256_four(e);
    } else {
        sha256_rounds(e, r.d, r.n, r.m, false);
    }
    sha256_half(e, true, 0);
    e.store_vreg(r.d, 0);
}

/// The second call of a [`sha256_pair`], SHA256H2 of registers `r` after the SHA256H of
/// registers `first`: when its {a,b,c,d} operand holds what the first call's did, the
/// {e,f,g,h} half of the rounds the first ran; otherwise the rounds of its own operands.
///
/// The state both leave, {a,b,c,d} in `first.d` and {e,f,g,h} in `r.d`, also stays in xmm4
/// and xmm5 in SHA256RNDS2's order for the next pair's first call (OpenSSL's rounds run
/// through the same two registers), where the block keeps copies of vector registers: the
/// other way (its {a,b,c,d} operand differs) then reorders the two results, taking the
/// first's back. That way places no copies, so the copies are the same on both.
pub(super) fn sha256_second(e: &mut Emitter, r: VecRegs, first: VecRegs) {
    let (d, n, m) = (r.d, r.n, r.m);
    let keep = e.vcache.active();
    e.load_vreg(0, n);
    dynasm!(e.a ; .arch x64
        ; pcmpeqb xmm0, xmm3 ; pmovmskb eax, xmm0
        ; cmp eax, 0xffff ; je >same);
    sha256_rounds(e, n, d, m, true);
    if keep {
        sha256_half(e, false, 0);
        dynasm!(e.a ; .arch x64 ; movdqa xmm1, xmm0);
        e.load_vreg_as_is(3, first.d);
        sha256_order(e);
    }
    dynasm!(e.a ; .arch x64 ; same:);
    if keep {
        dynasm!(e.a ; .arch x64 ; movdqa xmm4, xmm1 ; movdqa xmm5, xmm2);
    }
    sha256_half(e, false, 1);
    e.store_vreg(d, 1);
    if keep {
        e.vcache.set_sha(first.d, d);
    }
}

/// The instruction after `at` with only marks and constants between, if it is an inline
/// crypto call: its index, operation and registers. (Marks and constants emit no code that
/// touches xmm registers, so a pair of calls can share them.)
fn next_crypto_call(b: &Block, at: usize) -> Option<(usize, FpOp, VecRegs)> {
    let next = at + 1;
    let j = next
        + b.insts[next..]
            .iter()
            .position(|i| !matches!(i.op, Op::Mark | Op::Const))?;
    let (op, r) = crypto_call(&b.insts[j])?;
    Some((j, op, r))
}

/// The operation and registers of an inline crypto call.
pub(super) fn crypto_call(i: &ir::Inst) -> Option<(FpOp, VecRegs)> {
    if i.op != Op::Call || i.helper.is_none() {
        return None;
    }
    let fi = FpInline::decode(i.imm)?;
    Some((fi.op, fi.vector?))
}

/// An AES round split over two guest instructions: if the call at `at` is an AESE (AESD)
/// and the next call, with only marks and constants between, is an AESMC (AESIMC) of its
/// destination into itself, the index of that second call, the registers of the first and
/// whether they decrypt. Together they are `MixColumns(SubBytes(ShiftRows(d ^ n)))` (the
/// inverses), which is one AESENC (AESDEC) of `d ^ n` with a zero round key ([`round`]).
pub(super) fn round_pair(b: &Block, at: usize) -> Option<(usize, VecRegs, bool)> {
    if !host().0 {
        return None;
    }
    let (op, r) = crypto_call(&b.insts[at])?;
    let decrypt = match op {
        FpOp::Aese => false,
        FpOp::Aesd => true,
        _ => return None,
    };
    let (j, second, r2) = next_crypto_call(b, at)?;
    let mix = if decrypt { FpOp::Aesimc } else { FpOp::Aesmc };
    (second == mix && r2.d == r.d && r2.n == r.d).then_some((j, r, decrypt))
}

/// Emits the round [`round_pair`] found, for registers `r`, in place of its second call.
/// The state is updated in its copy (see `vcache`) when the block keeps copies: the round
/// key is taken into xmm0 first, so placing the state's copy cannot evict it.
pub(super) fn round(e: &mut Emitter, r: VecRegs, decrypt: bool) {
    let (d, n) = (r.d, r.n);
    e.load_vreg(0, n);
    let (s, store) = match e.vreg_in_place(d) {
        Some(s) => (s, false),
        None => {
            e.load_vreg(1, d);
            (1, true)
        }
    };
    dynasm!(e.a ; .arch x64 ; pxor Rx(s), xmm0 ; pxor xmm0, xmm0);
    if decrypt {
        dynasm!(e.a ; .arch x64 ; aesdec Rx(s), xmm0);
    } else {
        dynasm!(e.a ; .arch x64 ; aesenc Rx(s), xmm0);
    }
    if store {
        e.store_vreg(d, 1);
    }
}
