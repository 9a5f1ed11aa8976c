//! Inline fast paths for the scalar FP helpers marked with an `ir::inline` operation.
//!
//! The helper is the definition; the fast path must give bit-identical results and FPSR. It
//! runs one SSE instruction when that is certain to match ARM:
//! - FPCR has round-to-nearest and FZ clear (the host MXCSR always holds round-to-nearest
//!   without FTZ/DAZ outside `fpsimd`'s configured windows), so operands and rounding agree;
//! - for arithmetic, FPSR.IXC is already set, since Inexact is the one flag an ordinary result
//!   raises and the inline code does not detect it;
//! - the result is a normal number with a biased exponent of at least 2: this excludes NaNs
//!   (ARM's NaN propagation differs from x86's), infinities (overflow, division by zero,
//!   invalid), zeros and denormals (underflow; also the sign rules of exact zeros), and results
//!   that rounded up to the smallest normal (ARM detects tininess before rounding, x86 after).
//!
//! Any other case jumps to the helper call, which computes the exact result and flags.
//! FCMP only needs the operands ordered (no NaN) and FZ clear; it raises no flag then.

use super::{Emitter, so};
use crate::alloc::RAX;
use cpu::slot;
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, dynasm};
use ir::inline::{FpInline, FpOp};
use std::sync::OnceLock;

/// FPCR.RMode (bits 23:22) and FPCR.FZ (bit 24).
const FPCR_ROUND_FZ: i32 = 0x01c0_0000;
/// FCMP results (NZCV, ARM layout): Z and C; N; C.
const EQUAL: i32 = 0x6000_0000;
const LESS: i32 = 0x8000_0000u32 as i32;
const GREATER: i32 = 0x2000_0000;
/// FPSR.IXC.
const FPSR_IXC: i8 = 0x10;

/// Whether the host has FMA3 (for the fused multiply-adds).
fn has_fma() -> bool {
    static FMA: OnceLock<bool> = OnceLock::new();
    *FMA.get_or_init(|| std::is_x86_feature_detected!("fma"))
}

/// Emits the fast path of `fi` for call `i`: the result in `rax` and a jump to `done`, or a
/// jump to `slow` when the helper must decide. Returns false, emitting nothing, when there is
/// no fast path on this host.
pub(super) fn fast_path(
    e: &mut Emitter,
    fi: FpInline,
    i: &ir::Inst,
    slow: DynamicLabel,
    done: DynamicLabel,
) -> bool {
    let fused = fi.arity() == 3;
    if fused && !has_fma() {
        return false;
    }
    let [x, y, z] = i.args;
    // Operands into xmm0, xmm1 (and xmm2 for the addend) through rax.
    e.ld(RAX, x);
    dynasm!(e.a ; .arch x64 ; movq xmm0, rax);
    if fi.arity() >= 2 {
        e.ld(RAX, y);
        dynasm!(e.a ; .arch x64 ; movq xmm1, rax);
    }
    if fused {
        e.ld(RAX, z);
        dynasm!(e.a ; .arch x64 ; movq xmm2, rax);
    }
    if fi.op == FpOp::Cmp {
        dynasm!(e.a ; .arch x64
            ; bt DWORD [r15 + so(slot::FPCR)], 24 ; jc =>slow);
        if fi.double {
            dynasm!(e.a ; .arch x64 ; ucomisd xmm0, xmm1);
        } else {
            dynasm!(e.a ; .arch x64 ; ucomiss xmm0, xmm1);
        }
        // Unordered goes to the helper; `mov` keeps the flags for the next test.
        dynasm!(e.a ; .arch x64
            ; jp =>slow
            ; mov eax, EQUAL ; je =>done
            ; mov eax, LESS ; jb =>done
            ; mov eax, GREATER ; jmp =>done);
        return true;
    }
    dynasm!(e.a ; .arch x64
        ; test DWORD [r15 + so(slot::FPCR)], FPCR_ROUND_FZ ; jnz =>slow
        ; test BYTE [r15 + so(slot::FPSR)], FPSR_IXC ; jz =>slow);
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
        FpOp::Cmp => {}
    }
    if fused {
        dynasm!(e.a ; .arch x64 ; movq rax, xmm2);
    } else {
        dynasm!(e.a ; .arch x64 ; movq rax, xmm0);
    }
    // Biased exponent minus 2 must be below max - 2 (unsigned): 2 <= exp <= max - 1.
    if fi.double {
        dynasm!(e.a ; .arch x64
            ; mov rdx, rax ; shr rdx, 52 ; and edx, 0x7ff
            ; sub edx, 2 ; cmp edx, 0x7fc ; ja =>slow);
    } else {
        dynasm!(e.a ; .arch x64
            ; mov eax, eax ; mov edx, eax ; shr edx, 23 ; and edx, 0xff
            ; sub edx, 2 ; cmp edx, 0xfc ; ja =>slow);
    }
    dynasm!(e.a ; .arch x64 ; jmp =>done);
    true
}
