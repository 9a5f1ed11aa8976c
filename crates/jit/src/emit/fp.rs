//! Inline fast paths for the scalar FP helpers marked with an `ir::inline` operation.
//!
//! The helper is the definition; the fast path must give bit-identical results and FPSR. It
//! runs one SSE instruction when that is certain to match ARM:
//! - FPCR has round-to-nearest and FZ clear (the host MXCSR always holds round-to-nearest
//!   without FTZ/DAZ outside `fpsimd`'s configured windows), so operands and rounding agree;
//!   each operation tests only the FPCR bits that can change its result;
//! - for arithmetic, FPSR.IXC is already set, since Inexact is the one flag an ordinary result
//!   raises and the inline code does not detect it; conversions instead check that the result
//!   is exact, unless IXC is already set;
//! - the result is a normal number with a biased exponent of at least 2: this excludes NaNs
//!   (ARM's NaN propagation differs from x86's), infinities (overflow, division by zero,
//!   invalid), zeros and denormals (underflow; also the sign rules of exact zeros), and results
//!   that rounded up to the smallest normal (ARM detects tininess before rounding, x86 after).
//!   On AVX hosts the one-instruction test also leaves the highest finite binade to the helper.
//!
//! Any other case jumps to the helper call, which computes the exact result and flags; a
//! product that is zero first passes a check out of line that keeps the exact ones (a zero
//! operand) off the helper (see [`zero_product`]).
//! A double result also stays in the xmm register it was computed in (the helper's result is
//! moved there too), and an operation reading it next takes it from there: a chain of
//! dependent operations then does not cross to general registers and back at each step.
//! FCMP only needs the operands ordered (no NaN) and FZ clear; it raises no flag then. FMAX,
//! FMIN, FMAXNM and FMINNM need the same and raise nothing either; only the zeros of opposite
//! signs need care, which `maxsd`/`minsd` order differently from ARM.
//!
//! The conversions: SCVTF/UCVTF round only when the integer has more significant bits than
//! the format (the rounding mode must then be the default), and a unsigned 64-bit source with
//! its top bit set has no signed host form. FCVTZS/FCVTZU round towards zero as `cvtt*` does,
//! FCVTN/P/M/A* round with `roundsd` first (ties away from zero in a few more instructions);
//! NaNs and out-of-range values (the host's "integer indefinite" result or a value outside an
//! unsigned range) saturate on ARM and go to the helper, as do denormals under FZ (IDC). FCVT
//! from single to double is exact for every number but a denormal (which FZ may flush) and
//! NaNs (ARM's quieting rules); from double to single it rounds like arithmetic.
//!
//! FRINTN/P/M/Z are `roundsd`/`roundss` (SSE4.1) with the same rounding, FRINTI and FRINTX
//! with round-to-nearest when FPCR selects it, FRINTA from the truncated value; zeros keep
//! their sign on both. Only FRINTX raises Inexact, so it needs an unchanged value or IXC
//! already set. NaNs and denormals under FZ go to the helper.

use super::lanes::{self, Lanes};
use super::{Emitter, FP_CHECK, so};
use crate::alloc::{Loc, RAX};
use cpu::slot;
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, dynasm};
use ir::inline::{FpInline, FpOp, VecRegs};

/// FPCR.RMode (bits 23:22).
const FPCR_ROUND: i32 = 0x00c0_0000;
/// FPCR.FZ (bit 24).
const FPCR_FZ: i32 = 0x0100_0000;
/// FPCR.RMode and FPCR.FZ.
const FPCR_ROUND_FZ: i32 = FPCR_ROUND | FPCR_FZ;
/// FCMP results (NZCV, ARM layout): Z and C; N; C.
const EQUAL: i32 = 0x6000_0000;
const LESS: i32 = 0x8000_0000u32 as i32;
const GREATER: i32 = 0x2000_0000;
/// FPSR.IXC.
const FPSR_IXC: i8 = 0x10;

/// A branch or side exit on an FCMP's flags, taken straight from the host flags of its
/// `ucomisd` (see [`compare_branch`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct CompareBranch {
    /// The compare's index in the block.
    pub call: usize,
    /// The condition's index.
    pub cond: usize,
    /// The condition's value (the compare's may have other conditions).
    pub test: ir::Val,
    /// The compare's value (the NZCV word).
    pub value: ir::Val,
    /// The condition's ARM code.
    pub cc: u64,
    /// Something besides the condition reads the NZCV word (its `setreg`), so the compare
    /// still computes it.
    pub word: bool,
}

impl Emitter {
    /// The [`CompareBranch`] this block has for the FCMP whose value is `v`, if any.
    pub(super) fn compare_branch_of(&self, v: Option<ir::Val>) -> Option<CompareBranch> {
        self.fp_compares
            .iter()
            .find(|f| v == Some(f.value))
            .copied()
    }
}

/// The host condition (as `Emitter::jump_unless` takes it) that holds after `ucomisd x, y` of
/// ordered operands exactly when ARM condition `cc` holds for FCMP's flags of them: equal
/// sets ZF (ARM's Z and C), less CF (ARM's N; C clear), greater neither (ARM's C); V is
/// always clear. None for vs, vc and the always conditions.
pub(super) fn compare_cc(cc: u64) -> Option<u64> {
    use super::{ABOVE, BELOW_OR_EQUAL};
    Some(match cc {
        0 => 0,
        1 => 1,
        // cs, pl, ge: not less; cc, mi, lt: less.
        2 | 5 | 10 => 3,
        3 | 4 | 11 => 2,
        8 | 12 => ABOVE,
        9 | 13 => BELOW_OR_EQUAL,
        _ => return None,
    })
}

/// The FCMP whose flags condition `b.insts[k]` tests, if the host can branch on its
/// `ucomisd`: the condition ([`compare_cc`] has a host one) is of the value of a scalar FCMP
/// call with only instructions that keep the host flags in between (moves: the NZCV word's
/// `setreg`, register reads, see `ir::carry_chain::keeps_flags`). `uses` counts each value's
/// readers. The caller knows the condition only sets the flags for a branch or side exit.
///
/// Not for selects (FCSEL, CSEL): a `cmov` on the compare's flags makes the selected value
/// wait for the compare, where the NZCV word assembled by predicted jumps does not. A loop
/// whose sum goes through such a select (`s += a < s * k ? a : -a`) ran 25% slower with
/// the `cmov`.
pub(super) fn compare_branch(b: &ir::Block, k: usize, uses: &[u32]) -> Option<CompareBranch> {
    let cond = b.insts.get(k)?;
    if cond.op != ir::Op::Cond {
        return None;
    }
    compare_cc(cond.imm & 15)?;
    let value = cond.args[0];
    let call = b.insts[..k]
        .iter()
        .rposition(|i| !ir::carry_chain::keeps_flags(i))?;
    let c = &b.insts[call];
    let fi = FpInline::decode(c.imm).filter(|_| c.op == ir::Op::Call)?;
    if c.dst != Some(value) || fi.op != FpOp::Cmp || fi.vector.is_some() {
        return None;
    }
    Some(CompareBranch {
        call,
        cond: k,
        test: cond.dst?,
        value,
        cc: cond.imm & 15,
        word: uses.get(value.0 as usize).is_some_and(|&n| n > 1),
    })
}

/// After the helper of a [`CompareBranch`]'s FCMP (NZCV in `eax`, kept): sets the host flags
/// as `ucomisd` would for operands in the order the flags say, so the branch's
/// [`compare_cc`] jump reads them. Unordered operands (ARM's C = V = 1, N = Z = 0) have no
/// `ucomisd` order of their own: they count as greater for eq, ne, cs, cc, mi, pl, hi and ls,
/// which decide them as they decide greater, and as less for ge, lt, gt and le, which decide
/// them as they decide less. A table of 2-bit orders (0 less, 1 equal, 2 greater) by NZCV
/// nibble, then `cmp order, 1`. Clobbers `rcx` and `rdx`.
pub(super) fn flags_of_nzcv(e: &mut Emitter, cc: u64) {
    let unordered = if matches!(cc, 10..=13) { 0 } else { 2 };
    let table = (0..16u32).fold(0u32, |t, n| {
        let order = match (n & 4 != 0, n & 8 != 0, n & 1 != 0) {
            (true, _, _) => 1,
            (_, true, _) => 0,
            (_, _, true) => unordered,
            _ => 2,
        };
        t | order << (2 * n)
    });
    dynasm!(e.a ; .arch x64
        ; mov ecx, eax ; shr ecx, 27 ; and ecx, 0x1e
        ; mov edx, table as i32 ; shr edx, cl ; and edx, 3 ; cmp edx, 1);
}

/// The index of the first instruction of `b` that may change FPCR or clear FPSR.IXC
/// (`b.insts.len()` if none): a write of FPCR (MSR, A32 NEON's standard FPSCR around its
/// words), a write of FPSR whose value may lack IXC (MSR, a conditional VFP instruction's
/// flags put back), or a helper call that is not an inline FP operation's (the general
/// executors run VMSR). Inline operations' helpers only ever add flags, so while IXC is set a
/// value read from FPSR has it, and so has an `or` with such a value and an `and` of one with
/// a mask that keeps bit 4: A32's VCMP and VMRS APSR_nzcv merge the compare's flags into FPSR
/// that way, and leave IXC as it was.
pub(super) fn first_change(b: &ir::Block) -> usize {
    use ir::Op;
    // Values that have IXC set while nothing has cleared it.
    let mut ixc = vec![false; b.num_vals as usize];
    let mut konst = vec![None; b.num_vals as usize];
    let has = |ixc: &[bool], v: ir::Val| ixc.get(v.0 as usize).copied().unwrap_or(false);
    for (n, i) in b.insts.iter().enumerate() {
        let [x, y, _] = i.args;
        let set = match i.op {
            Op::Call if !crate::alloc::keeps_registers(i) => return n,
            Op::SetReg if i.imm == slot::FPCR as u64 => return n,
            Op::SetReg if i.imm == slot::FPSR as u64 && !has(&ixc, x) => return n,
            Op::Const => {
                if let Some(k) = i.dst.and_then(|d| konst.get_mut(d.0 as usize)) {
                    *k = Some(i.imm);
                }
                i.imm & FPSR_IXC as u64 != 0
            }
            Op::GetReg => i.imm == slot::FPSR as u64,
            Op::Or => has(&ixc, x) || has(&ixc, y),
            Op::And => {
                let mask = |v: ir::Val| konst.get(v.0 as usize).copied().flatten();
                let keeps = |v: ir::Val| mask(v).is_some_and(|k| k & FPSR_IXC as u64 != 0);
                (has(&ixc, x) && keeps(y)) || (has(&ixc, y) && keeps(x))
            }
            _ => false,
        };
        if let Some(f) = i.dst.and_then(|d| ixc.get_mut(d.0 as usize)) {
            *f = set;
        }
    }
    b.insts.len()
}

/// Whether block `b` is compiled twice, a version for the usual FP state first: FPCR with
/// round-to-nearest and FZ clear and FPSR.IXC set, which one test at the block's entry
/// ([`state_check`]) establishes for every inline operation before the first instruction that
/// may change them ([`first_change`]), so theirs are left out; the general version, with
/// the tests, runs otherwise. Worth it from two inline FP operations on (a test pair or two
/// each, against the entry's two pairs and the second version's translation).
/// `change` is `first_change(b)`.
pub(super) fn checks_hoisted(b: &ir::Block, change: usize) -> bool {
    let ops = b
        .insts
        .iter()
        .take(change)
        .filter(|i| i.op == ir::Op::Call)
        .filter_map(|i| FpInline::decode(i.imm))
        .filter(|fi| !fi.op.is_crypto())
        .count();
    ops >= 2
}

/// Jumps to `general` unless FPCR's rounding mode and FZ are clear and FPSR.IXC is set (see
/// [`checks_hoisted`]).
pub(super) fn state_check(e: &mut Emitter, general: DynamicLabel) {
    dynasm!(e.a ; .arch x64
        ; test DWORD [r15 + so(slot::FPCR)], FPCR_ROUND_FZ ; jnz =>general
        ; test BYTE [r15 + so(slot::FPSR)], FPSR_IXC ; jz =>general);
}

/// Whether the host has FMA3 (for the fused multiply-adds).
fn has_fma() -> bool {
    hostcpu::has(hostcpu::Feature::Fma)
}

/// Jumps to `slow` unless the FPCR bits in `mask` are all clear (nothing to test where the
/// block's entry checked them, see [`checks_hoisted`]).
fn require_fpcr_clear(e: &mut Emitter, mask: i32, slow: DynamicLabel) {
    if !e.fp_known {
        dynasm!(e.a ; .arch x64 ; test DWORD [r15 + so(slot::FPCR)], mask ; jnz =>slow);
    }
}

/// Jumps to `slow` unless FPSR.IXC is set (known where the block's entry checked it).
fn require_ixc(e: &mut Emitter, slow: DynamicLabel) {
    if !e.fp_known {
        dynasm!(e.a ; .arch x64 ; test BYTE [r15 + so(slot::FPSR)], FPSR_IXC ; jz =>slow);
    }
}

/// Runs `exact`, code that jumps away when a conversion was inexact, only when FPSR.IXC is
/// clear: once it is set, an inexact result raises nothing new.
fn unless_ixc(e: &mut Emitter, exact: impl FnOnce(&mut Emitter)) {
    if e.fp_known {
        return;
    }
    let skip = e.a.new_dynamic_label();
    dynasm!(e.a ; .arch x64 ; test BYTE [r15 + so(slot::FPSR)], FPSR_IXC ; jnz =>skip);
    exact(e);
    dynasm!(e.a ; .arch x64 ; =>skip);
}

/// Jumps to `slow` unless the result in xmm`r` has a biased exponent from 2 to the largest
/// finite one (see the module docs); leaves the result in `rax` too (zero-extended if single)
/// unless `xmm_only` says the caller takes it from xmm`r` alone. Clobbers `rdx`.
///
/// On an AVX host, one `vptest` against `CpuState::fp_check` (the exponent's bits but its
/// lowest): ZF if they are all clear (exponent 0 or 1), CF if all set (the top two), which
/// also sends the highest finite binade to the helper, exact there too.
fn require_normal(e: &mut Emitter, double: bool, r: u8, xmm_only: bool, slow: DynamicLabel) {
    let avx = crate::alloc::host_avx();
    match (xmm_only && avx, double) {
        (true, _) => {}
        (false, true) => dynasm!(e.a ; .arch x64 ; movq rax, Rx(r)),
        (false, false) => dynasm!(e.a ; .arch x64 ; movd eax, Rx(r)),
    }
    if avx {
        let mask = FP_CHECK + if double { 0 } else { 16 };
        dynasm!(e.a ; .arch x64 ; vptest Rx(r), [r15 + mask] ; jbe =>slow);
        return;
    }
    // Without AVX: twice the word holding the exponent drops the sign and puts the exponent
    // at the top; adding one at the exponent's lowest bit wraps the bad ones (0, 1 and all
    // ones) to the three lowest exponents, so one unsigned compare finds them all.
    if double {
        dynasm!(e.a ; .arch x64
            ; mov rdx, rax ; shr rdx, 32
            ; lea edx, [rdx + rdx + 0x0020_0000] ; cmp edx, 0x0060_0000 ; jb =>slow);
    } else {
        dynasm!(e.a ; .arch x64
            ; lea edx, [rax + rax + 0x0100_0000] ; cmp edx, 0x0300_0000 ; jb =>slow);
    }
}

/// Emits the fast path of `fi` for call `i`: the result in `rax` at its end or at a jump to
/// `done` (placed right after it), or a jump to `slow` when the helper must decide. Returns
/// false, emitting nothing, when there is no fast path on this host.
pub(super) fn fast_path(
    e: &mut Emitter,
    fi: FpInline,
    i: &ir::Inst,
    slow: DynamicLabel,
    done: DynamicLabel,
) -> bool {
    if fi.op.is_crypto() {
        return fi
            .vector
            .is_some_and(|r| super::crypto::fast_path(e, fi.op, r));
    }
    let fused = matches!(
        fi.op,
        FpOp::MulAdd | FpOp::MulSub | FpOp::NegMulAdd | FpOp::NegMulSub
    );
    if fused && !has_fma() {
        return false;
    }
    // FRINT and the conversions to integers rounding other than towards zero need `roundsd`.
    let rounding = match fi.op {
        FpOp::RoundInt { rmode } => Some(rmode),
        FpOp::ToInt { rmode, .. } if rmode != ROUND_TO_ZERO => Some(rmode),
        _ => None,
    };
    if let Some(r) = rounding
        && (ROUNDSD_MODE[r as usize & 7] < 0 || !hostcpu::has(hostcpu::Feature::Sse41))
    {
        return false;
    }
    if let Some(r) = fi.vector {
        return vector_fast_path(e, fi, r, fused, slow);
    }
    let [x, y, z] = i.args;
    if let FpOp::FromInt { signed, wide } = fi.op {
        e.ld(RAX, x);
        from_int(e, fi.double, signed, wide, slow);
        return true;
    }
    if fi.arithmetic() && has_fma() {
        // FMA3 hosts have AVX: its three-operand forms read the operands where they are.
        vex_arithmetic(e, fi, [x, y, z], i.dst, slow);
        return true;
    }
    // Operands into xmm0, xmm1 (and xmm2 for the addend).
    let operands = [(0, x), (1, y), (2, z)];
    let count = if fused { 3 } else { fi.arity().min(2) };
    load_operands(e, &operands[..count]);
    match fi.op {
        FpOp::Cmp => {
            require_fpcr_clear(e, FPCR_FZ, slow);
            ordered_compare(e, fi.double, slow);
            if e.compare_branch_of(i.dst).is_some_and(|f| !f.word) {
                // Only the branch reads the flags, from the host's.
                return true;
            }
            // `mov` keeps the flags for the next test.
            dynasm!(e.a ; .arch x64
                ; mov eax, EQUAL ; je =>done
                ; mov eax, LESS ; jb =>done
                ; mov eax, GREATER);
            return true;
        }
        FpOp::ToInt {
            signed,
            wide,
            rmode,
        } => {
            to_int(e, fi.double, signed, wide, rmode, slow);
            return true;
        }
        FpOp::Convert => {
            convert(e, fi.double, slow);
            return true;
        }
        FpOp::Max | FpOp::Min | FpOp::MaxNm | FpOp::MinNm => {
            min_max(e, fi, slow);
            return true;
        }
        FpOp::RoundInt { rmode } => {
            round_int(e, fi.double, rmode, slow);
            return true;
        }
        _ => {}
    }
    require_fpcr_clear(e, FPCR_ROUND_FZ, slow);
    require_ixc(e, slow);
    // The operation, result in xmm0 (xmm2 for the fused forms).
    macro_rules! sd_ss {
        ($sd:ident, $ss:ident $(, $r:ident)*) => {
            if fi.double {
                dynasm!(e.a ; .arch x64 ; $sd $($r),*);
            } else {
                dynasm!(e.a ; .arch x64 ; $ss $($r),*);
            }
        };
    }
    match fi.op {
        FpOp::Add => sd_ss!(addsd, addss, xmm0, xmm1),
        FpOp::Sub => sd_ss!(subsd, subss, xmm0, xmm1),
        FpOp::Mul => sd_ss!(mulsd, mulss, xmm0, xmm1),
        FpOp::Div => sd_ss!(divsd, divss, xmm0, xmm1),
        FpOp::Sqrt => sd_ss!(sqrtsd, sqrtss, xmm0, xmm0),
        // c + a*b, c - a*b, -c - a*b, a*b - c into xmm2.
        FpOp::MulAdd => sd_ss!(vfmadd231sd, vfmadd231ss, xmm2, xmm0, xmm1),
        FpOp::MulSub => sd_ss!(vfnmadd231sd, vfnmadd231ss, xmm2, xmm0, xmm1),
        FpOp::NegMulAdd => sd_ss!(vfnmsub231sd, vfnmsub231ss, xmm2, xmm0, xmm1),
        FpOp::NegMulSub => sd_ss!(vfmsub231sd, vfmsub231ss, xmm2, xmm0, xmm1),
        // Handled above.
        FpOp::Cmp
        | FpOp::FromInt { .. }
        | FpOp::ToInt { .. }
        | FpOp::Convert
        | FpOp::Max
        | FpOp::Min
        | FpOp::MaxNm
        | FpOp::MinNm
        | FpOp::RoundInt { .. }
        // Vector only, handled above.
        | FpOp::Aese
        | FpOp::Aesd
        | FpOp::Aesmc
        | FpOp::Aesimc
        | FpOp::Pmull
        | FpOp::Pmull2
        | FpOp::Sha256H
        | FpOp::Sha256H2
        | FpOp::Sha256Su0
        | FpOp::Sha256Su1
        | FpOp::Eor
        | FpOp::Ext8
        | FpOp::Rev64
        | FpOp::Add32
        | FpOp::Rev32 => return false,
    }
    let r = if fused { 2 } else { 0 };
    normal_or_zero_product(e, fi, r, false, slow);
    // The result stays in xmm`r` for an operation that reads it next.
    if crate::alloc::result_in_xmm(fi) {
        e.fp_result_xmm = Some(r);
    }
    true
}

/// The fast path of the arithmetic `fi` (see [`FpInline::arithmetic`]) with AVX's
/// three-operand forms: each operand is read where it is, the result of the operation before
/// (`Emitter::xmm_val`) or the value's own xmm register, and only a value elsewhere is loaded
/// first, into one of the scratch registers xmm0 to xmm2 that the held result is not in (values
/// live from xmm3 up). The result goes to the xmm register allocated to it when that is none
/// of the operands' (the slow path reads them where they are), else to xmm0, or for the fused
/// forms to a scratch register that is no multiplicand's (the destructive accumulator), the
/// addend copied or loaded there. An operand's register is never the result's unless the
/// operand is the addend held in a scratch register (the result of the operation before),
/// which the slow path reloads from its place.
fn vex_arithmetic(
    e: &mut Emitter,
    fi: FpInline,
    [x, y, z]: [ir::Val; 3],
    dst: Option<ir::Val>,
    slow: DynamicLabel,
) {
    let held = e.xmm_val;
    // The scratch registers xmm0 to xmm2 an operand loaded first may take: not the held
    // result's, which a later operand may read.
    let mut taken: u16 = held.map_or(0, |(_, r)| 1 << r);
    let mut source = |e: &mut Emitter, v: ir::Val| match (held, e.loc(v)) {
        (Some((hv, hr)), _) if hv == v => hr,
        (_, Loc::Xmm(r)) => r,
        _ => {
            let scratch = [1u8, 2, 0]
                .into_iter()
                .find(|s| taken >> s & 1 == 0)
                .expect("one held register leaves two scratch ones");
            taken |= 1 << scratch;
            e.xmm_from(scratch, v);
            scratch
        }
    };
    require_fpcr_clear(e, FPCR_ROUND_FZ, slow);
    require_ixc(e, slow);
    // The result's own register, if it has one (an unread result needs none) and it is no
    // operand's: the slow path reads the operands from their places, which may be their own
    // registers even where the fast path reads one from the held result. (The fast path's
    // sources are those registers, the held result's, which is its value's own or a scratch
    // one, and scratch ones: never the result's own.)
    let operands = &[x, y, z][..fi.arity()];
    let own = match dst.map(|d| e.loc(d)) {
        Some(Loc::Xmm(v))
            if !e.unread
                && crate::alloc::result_in_xmm(fi)
                && operands.iter().all(|&o| e.loc(o) != Loc::Xmm(v)) =>
        {
            Some(v)
        }
        _ => None,
    };
    let a = source(e, x);
    let r = match fi.op {
        FpOp::Sqrt => {
            let r = own.unwrap_or(0);
            if fi.double {
                dynasm!(e.a ; .arch x64 ; vsqrtsd Rx(r), Rx(a), Rx(a));
            } else {
                dynasm!(e.a ; .arch x64 ; vsqrtss Rx(r), Rx(a), Rx(a));
            }
            r
        }
        FpOp::Add | FpOp::Sub | FpOp::Mul | FpOp::Div => {
            let b = source(e, y);
            let r = own.unwrap_or(0);
            match (fi.op, fi.double) {
                (FpOp::Add, true) => dynasm!(e.a ; .arch x64 ; vaddsd Rx(r), Rx(a), Rx(b)),
                (FpOp::Add, false) => dynasm!(e.a ; .arch x64 ; vaddss Rx(r), Rx(a), Rx(b)),
                (FpOp::Sub, true) => dynasm!(e.a ; .arch x64 ; vsubsd Rx(r), Rx(a), Rx(b)),
                (FpOp::Sub, false) => dynasm!(e.a ; .arch x64 ; vsubss Rx(r), Rx(a), Rx(b)),
                (FpOp::Mul, true) => dynasm!(e.a ; .arch x64 ; vmulsd Rx(r), Rx(a), Rx(b)),
                (FpOp::Mul, false) => dynasm!(e.a ; .arch x64 ; vmulss Rx(r), Rx(a), Rx(b)),
                (_, true) => dynasm!(e.a ; .arch x64 ; vdivsd Rx(r), Rx(a), Rx(b)),
                (_, false) => dynasm!(e.a ; .arch x64 ; vdivss Rx(r), Rx(a), Rx(b)),
            }
            r
        }
        // c + a*b, c - a*b, -c - a*b, a*b - c: the fused forms.
        _ => {
            let b = source(e, y);
            // The accumulator: the result's own register, else xmm0 or xmm2, whichever is no
            // multiplicand's (they take xmm1 first when loaded), the addend copied or loaded
            // into it. (A held result is never in xmm1, which `negate_double` uses.)
            let r = own.unwrap_or_else(|| {
                [0u8, 2]
                    .into_iter()
                    .find(|&s| s != a && s != b)
                    .expect("two multiplicands leave xmm0 or xmm2")
            });
            match (held, e.loc(z)) {
                (Some((hv, hr)), _) if hv == z => {
                    if hr != r {
                        dynasm!(e.a ; .arch x64 ; movapd Rx(r), Rx(hr));
                    }
                }
                (_, Loc::Xmm(c)) => dynasm!(e.a ; .arch x64 ; movapd Rx(r), Rx(c)),
                _ => e.xmm_from(r, z),
            }
            match (fi.op, fi.double) {
                (FpOp::MulAdd, true) => dynasm!(e.a ; .arch x64 ; vfmadd231sd Rx(r), Rx(a), Rx(b)),
                (FpOp::MulAdd, false) => dynasm!(e.a ; .arch x64 ; vfmadd231ss Rx(r), Rx(a), Rx(b)),
                (FpOp::MulSub, true) => dynasm!(e.a ; .arch x64 ; vfnmadd231sd Rx(r), Rx(a), Rx(b)),
                (FpOp::MulSub, false) => {
                    dynasm!(e.a ; .arch x64 ; vfnmadd231ss Rx(r), Rx(a), Rx(b))
                }
                (FpOp::NegMulAdd, true) => {
                    dynasm!(e.a ; .arch x64 ; vfnmsub231sd Rx(r), Rx(a), Rx(b))
                }
                (FpOp::NegMulAdd, false) => {
                    dynasm!(e.a ; .arch x64 ; vfnmsub231ss Rx(r), Rx(a), Rx(b))
                }
                (_, true) => dynasm!(e.a ; .arch x64 ; vfmsub231sd Rx(r), Rx(a), Rx(b)),
                (_, false) => dynasm!(e.a ; .arch x64 ; vfmsub231ss Rx(r), Rx(a), Rx(b)),
            }
            r
        }
    };
    let xmm_only = crate::alloc::result_in_xmm(fi)
        && (e.unread || dst.is_none_or(|d| matches!(e.loc(d), Loc::Xmm(_))));
    normal_or_zero_product(e, fi, r, xmm_only, slow);
    if crate::alloc::result_in_xmm(fi) {
        e.fp_result_xmm = Some(r);
    }
}

/// [`require_normal`] for the result of `fi` in xmm`r`; a multiplication's result that is not
/// normal first goes to its [`ZeroProduct`] check (see [`zero_product`]), which sends it on to
/// `slow` unless it is an exact zero.
fn normal_or_zero_product(
    e: &mut Emitter,
    fi: FpInline,
    r: u8,
    xmm_only: bool,
    slow: DynamicLabel,
) {
    if fi.op != FpOp::Mul {
        require_normal(e, fi.double, r, xmm_only, slow);
        return;
    }
    let check = e.a.new_dynamic_label();
    require_normal(e, fi.double, r, xmm_only, check);
    e.zero_product = Some(ZeroProduct {
        check,
        r,
        double: fi.double,
        xmm_only,
    });
}

/// Where a multiplication's fast path goes with a result that is not normal, to tell an exact
/// zero from the cases its helper must handle (see [`zero_product`]).
#[derive(Clone, Copy)]
pub(super) struct ZeroProduct {
    /// The label the fast path's result test jumps to.
    check: DynamicLabel,
    /// The xmm register holding the product.
    r: u8,
    double: bool,
    /// Whether the fast path leaves the result in xmm`r` alone (else also in `rax`).
    xmm_only: bool,
}

/// The out-of-line check of `z` for the multiplication `x * y` whose fast path produced a
/// result that is not normal: a zero with a zero operand is exact on both ISAs (the sign is
/// the operands' signs' exclusive or, nothing is raised, whatever the rounding mode), so it
/// goes back to `done` as the fast path would; anything else (a product that underflowed to
/// zero, zero times infinity, denormals, NaNs, infinities) jumps to `slow`, the helper call.
/// The fast path's FPCR and FPSR tests jump straight to `slow`: this runs only after the
/// product was computed. Dense matrices with zero entries (armhf fpbench's `a[i] * b[j]`,
/// one product in 17) otherwise call the helper for every such product. Clobbers `rax`.
pub(super) fn zero_product(
    e: &mut Emitter,
    z: ZeroProduct,
    [x, y]: [ir::Val; 2],
    slow: DynamicLabel,
    done: DynamicLabel,
) {
    let exact = e.a.new_dynamic_label();
    dynasm!(e.a ; .arch x64 ; =>z.check);
    // Twice the value drops the sign: zero only for +0 and -0.
    result(e, z.double, z.r);
    let twice = |e: &mut Emitter| {
        if z.double {
            dynasm!(e.a ; .arch x64 ; add rax, rax);
        } else {
            dynasm!(e.a ; .arch x64 ; add eax, eax);
        }
    };
    twice(e);
    dynasm!(e.a ; .arch x64 ; jnz =>slow);
    e.ld(RAX, x);
    twice(e);
    dynasm!(e.a ; .arch x64 ; jz =>exact);
    e.ld(RAX, y);
    twice(e);
    dynasm!(e.a ; .arch x64 ; jnz =>slow ; =>exact);
    if !z.xmm_only {
        result(e, z.double, z.r);
    }
    dynasm!(e.a ; .arch x64 ; jmp =>done);
}

/// Puts each value into its xmm register (`(register, value)`): a copy from the register that
/// holds the result of the operation before (`Emitter::xmm_val`) or from the value's own xmm
/// register (`alloc::Loc::Xmm`), else from its place (`Emitter::xmm_from`). The copies from
/// the held result come first, before another copy or a load can overwrite their source (an
/// operand's register); a value's own register is never an operand's.
fn load_operands(e: &mut Emitter, operands: &[(u8, ir::Val)]) {
    let held = e.xmm_val;
    let is_held = |v: ir::Val| held.is_some_and(|(hv, _)| hv == v);
    for &(t, v) in operands {
        if let Some((hv, hr)) = held
            && hv == v
            && hr != t
        {
            dynasm!(e.a ; .arch x64 ; movapd Rx(t), Rx(hr));
        }
    }
    for &(t, v) in operands {
        if is_held(v) {
            continue;
        }
        match e.loc(v) {
            // As the held result, the whole register: the scalar operations read its low lane.
            Loc::Xmm(x) => dynasm!(e.a ; .arch x64 ; movapd Rx(t), Rx(x)),
            _ => e.xmm_from(t, v),
        }
    }
}

/// Moves the low lane of xmm`r` to `rax`, zero-extended from 32 bits if single.
fn result(e: &mut Emitter, double: bool, r: u8) {
    if double {
        dynasm!(e.a ; .arch x64 ; movq rax, Rx(r));
    } else {
        dynasm!(e.a ; .arch x64 ; movd eax, Rx(r));
    }
}

/// Compares xmm0 with xmm1 (`ucomisd`/`ucomiss`), jumping to `slow` if unordered; the flags
/// stay set for the caller.
fn ordered_compare(e: &mut Emitter, double: bool, slow: DynamicLabel) {
    if double {
        dynasm!(e.a ; .arch x64 ; ucomisd xmm0, xmm1 ; jp =>slow);
    } else {
        dynasm!(e.a ; .arch x64 ; ucomiss xmm0, xmm1 ; jp =>slow);
    }
}

/// FMAX, FMIN, FMAXNM, FMINNM of xmm0 and xmm1 into `rax`. For ordered operands the NM forms
/// equal the plain ones. `maxsd`/`minsd` give the second operand for equal ones, where ARM
/// orders -0 below +0: equal operands are either the same bits or two zeros, so ARM's result
/// is their AND for the maximum (+0 wins) and their OR for the minimum (-0 wins).
fn min_max(e: &mut Emitter, fi: FpInline, slow: DynamicLabel) {
    require_fpcr_clear(e, FPCR_FZ, slow);
    ordered_compare(e, fi.double, slow);
    let max = matches!(fi.op, FpOp::Max | FpOp::MaxNm);
    let (differ, out) = (e.a.new_dynamic_label(), e.a.new_dynamic_label());
    dynasm!(e.a ; .arch x64 ; jne =>differ);
    if max {
        dynasm!(e.a ; .arch x64 ; andpd xmm0, xmm1);
    } else {
        dynasm!(e.a ; .arch x64 ; orpd xmm0, xmm1);
    }
    dynasm!(e.a ; .arch x64 ; jmp =>out ; =>differ);
    match (max, fi.double) {
        (true, true) => dynasm!(e.a ; .arch x64 ; maxsd xmm0, xmm1),
        (true, false) => dynasm!(e.a ; .arch x64 ; maxss xmm0, xmm1),
        (false, true) => dynasm!(e.a ; .arch x64 ; minsd xmm0, xmm1),
        (false, false) => dynasm!(e.a ; .arch x64 ; minss xmm0, xmm1),
    }
    dynasm!(e.a ; .arch x64 ; =>out);
    result(e, fi.double, 0);
}

/// SCVTF/UCVTF of the integer in `rax` (64-bit if `wide`, else 32-bit zero-extended) into
/// `rax`. The integer is made a signed 64-bit one first, which the host converts; an unsigned
/// 64-bit one needs its top bit clear. The result is exact when converting it back gives the
/// integer again (a result that rounded up to 2^63 or 2^32 gives something else).
fn from_int(e: &mut Emitter, double: bool, signed: bool, wide: bool, slow: DynamicLabel) {
    require_fpcr_clear(e, FPCR_ROUND, slow);
    match (signed, wide) {
        (true, false) => dynasm!(e.a ; .arch x64 ; movsxd rax, eax),
        (false, false) => dynasm!(e.a ; .arch x64 ; mov eax, eax),
        (false, true) => dynasm!(e.a ; .arch x64 ; test rax, rax ; js =>slow),
        (true, true) => {}
    }
    dynasm!(e.a ; .arch x64 ; xorps xmm0, xmm0);
    if double {
        dynasm!(e.a ; .arch x64 ; cvtsi2sd xmm0, rax);
    } else {
        dynasm!(e.a ; .arch x64 ; cvtsi2ss xmm0, rax);
    }
    // A double holds every 32-bit integer exactly.
    if wide || !double {
        unless_ixc(e, |e| {
            if double {
                dynasm!(e.a ; .arch x64 ; cvttsd2si rdx, xmm0);
            } else {
                dynasm!(e.a ; .arch x64 ; cvttss2si rdx, xmm0);
            }
            dynasm!(e.a ; .arch x64 ; cmp rdx, rax ; jne =>slow);
        });
    }
    result(e, double, 0);
}

/// FCVT{N,P,M,Z,A}S/U of xmm0 into `rax` (zero-extended from 32 bits unless `wide`), rounding
/// as `rmode` says (coded as for FRINT): [`round_integral`] first unless towards zero, which
/// the conversion itself does. The host's truncating conversion gives the "integer
/// indefinite" (only the sign bit set) for NaNs and out-of-range values, which a signed result
/// rules out (with the one exact value it shares, the minimum); an unsigned 32-bit result comes
/// from the 64-bit conversion and must fit in 32 bits, an unsigned 64-bit one must have the top
/// bit clear. It is exact when converting it back gives the operand again.
fn to_int(e: &mut Emitter, double: bool, signed: bool, wide: bool, rmode: u8, slow: DynamicLabel) {
    // FZ would flush a denormal operand raising IDC; FPCR's rounding mode plays no part.
    require_fpcr_clear(e, FPCR_FZ, slow);
    // The value to convert: xmm0, or xmm1 holding it rounded (free again once converted).
    let src = if rmode == ROUND_TO_ZERO {
        0
    } else {
        round_integral(e, double, rmode, 1);
        1
    };
    let narrow = signed && !wide;
    match (narrow, double) {
        (true, true) => dynasm!(e.a ; .arch x64 ; cvttsd2si eax, Rx(src)),
        (true, false) => dynasm!(e.a ; .arch x64 ; cvttss2si eax, Rx(src)),
        (false, true) => dynasm!(e.a ; .arch x64 ; cvttsd2si rax, Rx(src)),
        (false, false) => dynasm!(e.a ; .arch x64 ; cvttss2si rax, Rx(src)),
    }
    match (signed, wide) {
        // `neg` overflows exactly for the minimum.
        (true, false) => dynasm!(e.a ; .arch x64 ; mov edx, eax ; neg edx ; jo =>slow),
        (true, true) => dynasm!(e.a ; .arch x64 ; mov rdx, rax ; neg rdx ; jo =>slow),
        (false, false) => dynasm!(e.a ; .arch x64 ; mov rdx, rax ; shr rdx, 32 ; jnz =>slow),
        (false, true) => dynasm!(e.a ; .arch x64 ; test rax, rax ; js =>slow),
    }
    unless_ixc(e, |e| {
        dynasm!(e.a ; .arch x64 ; xorps xmm1, xmm1);
        match (narrow, double) {
            (true, true) => dynasm!(e.a ; .arch x64 ; cvtsi2sd xmm1, eax),
            (true, false) => dynasm!(e.a ; .arch x64 ; cvtsi2ss xmm1, eax),
            (false, true) => dynasm!(e.a ; .arch x64 ; cvtsi2sd xmm1, rax),
            (false, false) => dynasm!(e.a ; .arch x64 ; cvtsi2ss xmm1, rax),
        }
        // Neither operand is a NaN here, so "not equal" is ZF clear.
        if double {
            dynasm!(e.a ; .arch x64 ; ucomisd xmm0, xmm1 ; jne =>slow);
        } else {
            dynasm!(e.a ; .arch x64 ; ucomiss xmm0, xmm1 ; jne =>slow);
        }
    });
}

/// The FRINT-style `rmode` of rounding towards zero.
const ROUND_TO_ZERO: u8 = 3;

/// The FRINT-style `rmode` of rounding to nearest with ties away from zero.
const TIES_AWAY: u8 = 4;

/// The `roundsd` rounding control of each FRINT `rmode` (see `FpOp::RoundInt`): nearest 0,
/// down 1, up 2, towards zero 3; ties away starts from the value rounded towards zero (see
/// [`round_integral`]); FRINTX and FRINTI round to nearest as FPCR must then select; -1 for
/// the unallocated 5.
const ROUNDSD_MODE: [i8; 8] = [0, 2, 1, 3, 3, -1, 0, 0];

/// Rounds xmm0 to an integral value in xmm`dst` (not xmm2) as FRINT-style `rmode` says (not
/// 5), with `roundsd`/`roundss` (SSE4.1). Ties away from zero has no host rounding: from
/// t = trunc(x), the fraction x - t is exact, and when its magnitude is at least one half, t
/// moves one further from zero. (A NaN or an infinity makes the fraction a NaN, which moves
/// t too: NaN and infinity plus or minus one are themselves, so t is right either way.)
/// Clobbers `rax`, `rdx` and xmm2.
fn round_integral(e: &mut Emitter, double: bool, rmode: u8, dst: u8) {
    debug_assert_ne!(dst, 2, "xmm2 is the fraction's");
    // Bit 3 masks the host's precision exception, which nothing reads anyway.
    let imm = ROUNDSD_MODE[rmode as usize & 7] | 8;
    if double {
        dynasm!(e.a ; .arch x64 ; roundsd Rx(dst), xmm0, imm);
    } else {
        dynasm!(e.a ; .arch x64 ; roundss Rx(dst), xmm0, imm);
    }
    if rmode != TIES_AWAY {
        return;
    }
    let keep = e.a.new_dynamic_label();
    // The fraction's magnitude as an integer (its sign bit dropped) compares as the number
    // does.
    if double {
        dynasm!(e.a ; .arch x64
            ; movapd xmm2, xmm0 ; subsd xmm2, Rx(dst)
            ; movq rax, xmm2 ; btr rax, 63
            ; mov rdx, QWORD 0x3fe0_0000_0000_0000 ; cmp rax, rdx ; jb =>keep
            // +-1.0 with the sign of x.
            ; movq rdx, xmm0 ; mov rax, QWORD 0x8000_0000_0000_0000u64 as i64 ; and rdx, rax
            ; mov rax, QWORD 0x3ff0_0000_0000_0000 ; or rax, rdx ; movq xmm2, rax
            ; addsd Rx(dst), xmm2
            ; =>keep);
    } else {
        dynasm!(e.a ; .arch x64
            ; movaps xmm2, xmm0 ; subss xmm2, Rx(dst)
            ; movd eax, xmm2 ; and eax, 0x7fff_ffff ; cmp eax, 0x3f00_0000 ; jb =>keep
            ; movd edx, xmm0 ; and edx, 0x8000_0000u32 as i32 ; or edx, 0x3f80_0000
            ; movd xmm2, edx ; addss Rx(dst), xmm2
            ; =>keep);
    }
}

/// FRINT (`rmode` as in `FpOp::RoundInt`) of xmm0 into `rax`.
fn round_int(e: &mut Emitter, double: bool, rmode: u8, slow: DynamicLabel) {
    // FZ would flush a denormal operand raising IDC; FRINTX and FRINTI round as FPCR says.
    let uses_fpcr = rmode >= 6;
    require_fpcr_clear(e, if uses_fpcr { FPCR_ROUND_FZ } else { FPCR_FZ }, slow);
    if double {
        dynasm!(e.a ; .arch x64 ; ucomisd xmm0, xmm0 ; jp =>slow);
    } else {
        dynasm!(e.a ; .arch x64 ; ucomiss xmm0, xmm0 ; jp =>slow);
    }
    round_integral(e, double, rmode, 1);
    if rmode == 6 {
        // FRINTX: a changed value is inexact.
        unless_ixc(e, |e| {
            if double {
                dynasm!(e.a ; .arch x64 ; ucomisd xmm0, xmm1 ; jne =>slow);
            } else {
                dynasm!(e.a ; .arch x64 ; ucomiss xmm0, xmm1 ; jne =>slow);
            }
        });
    }
    result(e, double, 1);
}

/// FCVT of xmm0 (also in `rax`) from double to single if `double`, else from single to double,
/// into `rax`.
fn convert(e: &mut Emitter, double: bool, slow: DynamicLabel) {
    // The operand's bits: it may have come to xmm0 without passing through rax.
    dynasm!(e.a ; .arch x64 ; movq rax, xmm0);
    if !double {
        // Zeros, normals and infinities widen exactly with no flag under any FPCR; the
        // magnitude minus the smallest normal's must not exceed infinity's (else a NaN or,
        // wrapping around, a denormal).
        let widen = e.a.new_dynamic_label();
        dynasm!(e.a ; .arch x64
            ; mov edx, eax ; and edx, 0x7fff_ffff ; jz =>widen
            ; sub edx, 0x0080_0000 ; cmp edx, 0x7f00_0000 ; ja =>slow
            ; =>widen
            ; cvtss2sd xmm0, xmm0 ; movq rax, xmm0);
        return;
    }
    require_fpcr_clear(e, FPCR_ROUND_FZ, slow);
    // A normal single result is exact when the 29 fraction bits it drops are zero.
    unless_ixc(e, |e| {
        dynasm!(e.a ; .arch x64 ; test eax, 0x1fff_ffff ; jnz =>slow);
    });
    dynasm!(e.a ; .arch x64 ; cvtsd2ss xmm0, xmm0);
    require_normal(e, false, 0, false, slow);
}

/// The vector form: V`d` = V`n` op V`m` on 4 (or 2 without Q) single or 2 double lanes, fast
/// when every lane's result is normal (the conditions above, lane by lane); the helper's result
/// (0) in `rax`.
fn vector_fast_path(
    e: &mut Emitter,
    fi: FpInline,
    r: VecRegs,
    fused: bool,
    slow: DynamicLabel,
) -> bool {
    let lo = |n: u8| so(slot::v_lo(n as u32));
    let hi = |n: u8| so(slot::v_hi(n as u32));
    let (d, n, m) = (lo(r.d), lo(r.n), lo(r.m));
    require_fpcr_clear(e, FPCR_ROUND_FZ, slow);
    require_ixc(e, slow);
    // Operands in xmm0 (n), xmm1 (m) and xmm2 (the accumulator d); 64-bit loads zero the top.
    if r.q {
        e.load_v128(0, n);
        e.load_v128(1, m);
        if fused {
            e.load_v128(2, d);
        }
    } else {
        dynasm!(e.a ; .arch x64 ; movq xmm0, [r15 + n] ; movq xmm1, [r15 + m]);
        if fused {
            dynasm!(e.a ; .arch x64 ; movq xmm2, [r15 + d]);
        }
    }
    macro_rules! pd_ps {
        ($pd:ident, $ps:ident $(, $r:ident)*) => {
            if fi.double {
                dynasm!(e.a ; .arch x64 ; $pd $($r),*);
            } else {
                dynasm!(e.a ; .arch x64 ; $ps $($r),*);
            }
        };
    }
    match fi.op {
        FpOp::Add => pd_ps!(addpd, addps, xmm0, xmm1),
        FpOp::Sub => pd_ps!(subpd, subps, xmm0, xmm1),
        FpOp::Mul => pd_ps!(mulpd, mulps, xmm0, xmm1),
        FpOp::Div => pd_ps!(divpd, divps, xmm0, xmm1),
        // d + n*m and d - n*m into xmm2. dynasm 5 encodes the packed-double FMA forms
        // without VEX.W (as their single forms), so those are written out: VEX.W1 0F38 B8/BC
        // with ModRM 0xd1 (xmm2 += xmm0 * xmm1 shape).
        FpOp::MulAdd if fi.double => e.a.extend([0xc4, 0xe2, 0xf9, 0xb8, 0xd1]),
        FpOp::MulSub if fi.double => e.a.extend([0xc4, 0xe2, 0xf9, 0xbc, 0xd1]),
        FpOp::MulAdd => dynasm!(e.a ; .arch x64 ; vfmadd231ps xmm2, xmm0, xmm1),
        FpOp::MulSub => dynasm!(e.a ; .arch x64 ; vfnmadd231ps xmm2, xmm0, xmm1),
        _ => return false,
    }
    if fused {
        dynasm!(e.a ; .arch x64 ; movdqa xmm0, xmm2);
    }
    // Each lane's biased exponent e into a 32-bit lane of xmm1 (doubles: lanes 0 and 1), then
    // e + 0x7fff_fffe (i.e. e - 2 with the sign bit flipped, so a signed compare is unsigned)
    // must not exceed 0x8000_0000 + max - 3: the lanes that do are set in the movmsk mask.
    // (The operands are read: xmm1 and xmm2 are free, and values may live in xmm3 and up.)
    // (Both constants are read in place: see `lanes`.)
    dynasm!(e.a ; .arch x64 ; movdqa xmm1, xmm0);
    let (limit, mask) = if fi.double {
        dynasm!(e.a ; .arch x64 ; psllq xmm1, 1 ; psrlq xmm1, 53 ; pshufd xmm1, xmm1, 8);
        (Lanes::LimitDouble, 3)
    } else {
        dynasm!(e.a ; .arch x64 ; pslld xmm1, 1 ; psrld xmm1, 24);
        (Lanes::LimitSingle, if r.q { 15 } else { 3 })
    };
    let bias = lanes::addr(e.shared.lanes, Lanes::ExponentBias);
    let limit = lanes::addr(e.shared.lanes, limit);
    dynasm!(e.a ; .arch x64
        ; paddd xmm1, [extern bias] ; pcmpgtd xmm1, [extern limit]
        ; movmskps eax, xmm1 ; test eax, mask ; jnz =>slow);
    if r.q {
        dynasm!(e.a ; .arch x64 ; movdqu [r15 + d], xmm0);
    } else {
        let top = hi(r.d);
        dynasm!(e.a ; .arch x64 ; movq [r15 + d], xmm0 ; mov QWORD [r15 + top], 0);
    }
    dynasm!(e.a ; .arch x64 ; xor eax, eax);
    true
}

#[cfg(test)]
mod tests {
    use super::first_change;
    use cpu::slot;
    use ir::inline::{FpInline, FpOp};
    use ir::{Builder, Term};

    use crate::test_helper::NOTHING as H;

    /// A block of an inline FP compare whose flags go into FPSR as `merge` writes them, then
    /// another inline FP operation; returns it and the index of its FPSR write.
    fn compare_then_add(merge: impl Fn(&mut Builder, ir::Val) -> ir::Val) -> (ir::Block, usize) {
        let op = |op| FpInline {
            op,
            double: true,
            vector: None,
        };
        let mut b = Builder::verbatim(0x1000);
        let x = b.get(slot::v_lo(0));
        let flags = b.call_fp(&H, op(FpOp::Cmp), x, x, x);
        let v = merge(&mut b, flags);
        let at = b.len();
        b.set(slot::FPSR, v);
        let sum = b.call_fp(&H, op(FpOp::Add), x, x, x);
        b.set(slot::v_lo(1), sum);
        (b.finish(Term::Jump(0x1004)), at)
    }

    /// VCMP's merge of the compare's flags into FPSR keeps IXC, so it does not end the part
    /// of the block the entry's FP state check covers; a merge whose mask clears IXC, a write
    /// of another value, a write of FPCR and a helper call that is not an inline operation's
    /// do.
    #[test]
    fn only_writes_that_may_clear_ixc_or_change_fpcr_end_the_checked_part() {
        // FPSR's value read and masked, or-ed with the compare's flags (VCMP's merge).
        let merge = |mask: u64| {
            move |b: &mut Builder, flags| {
                let fpsr = b.get(slot::FPSR);
                let mask = b.konst(mask);
                let kept = b.and(fpsr, mask);
                b.or(kept, flags)
            }
        };
        let (blk, _) = compare_then_add(merge(0xffff_ffff_0fff_ffff));
        assert_eq!(first_change(&blk), blk.insts.len());
        let (blk, at) = compare_then_add(merge(0xffff_ffff_0fff_ffef));
        assert_eq!(first_change(&blk), at);
        let (blk, at) = compare_then_add(|_, flags| flags);
        assert_eq!(first_change(&blk), at);
        let mut b = Builder::verbatim(0x1000);
        let x = b.get(slot::FPCR);
        b.set(slot::FPCR, x);
        assert_eq!(first_change(&b.finish(Term::Jump(0))), 1);
        let mut b = Builder::verbatim(0x1000);
        let x = b.get(0);
        b.call(&H, x, x, x);
        assert_eq!(first_change(&b.finish(Term::Jump(0))), 1);
    }
}
