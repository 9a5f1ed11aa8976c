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
use ir::inline::{FpInline, FpOp, VecRegs};
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
    let fused = matches!(
        fi.op,
        FpOp::MulAdd | FpOp::MulSub | FpOp::NegMulAdd | FpOp::NegMulSub
    );
    if fused && !has_fma() {
        return false;
    }
    if let Some(r) = fi.vector {
        return vector_fast_path(e, fi, r, fused, slow, done);
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

/// The vector form: V`d` = V`n` op V`m` on 4 (or 2 without Q) single or 2 double lanes, fast
/// when every lane's result is normal (the conditions above, lane by lane); the helper's result
/// (0) in `rax`.
fn vector_fast_path(
    e: &mut Emitter,
    fi: FpInline,
    r: VecRegs,
    fused: bool,
    slow: DynamicLabel,
    done: DynamicLabel,
) -> bool {
    let lo = |n: u8| so(slot::v_lo(n as u32));
    let hi = |n: u8| so(slot::v_hi(n as u32));
    let (d, n, m) = (lo(r.d), lo(r.n), lo(r.m));
    dynasm!(e.a ; .arch x64
        ; test DWORD [r15 + so(slot::FPCR)], FPCR_ROUND_FZ ; jnz =>slow
        ; test BYTE [r15 + so(slot::FPSR)], FPSR_IXC ; jz =>slow);
    // Operands in xmm0 (n), xmm1 (m) and xmm2 (the accumulator d); 64-bit loads zero the top.
    if r.q {
        dynasm!(e.a ; .arch x64 ; movdqu xmm0, [r15 + n] ; movdqu xmm1, [r15 + m]);
        if fused {
            dynasm!(e.a ; .arch x64 ; movdqu xmm2, [r15 + d]);
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
    // Each lane's biased exponent e into a 32-bit lane of xmm3 (doubles: lanes 0 and 1), then
    // e + 0x7fff_fffe (i.e. e - 2 with the sign bit flipped, so a signed compare is unsigned)
    // must not exceed 0x8000_0000 + max - 3: the lanes that do are set in the movmsk mask.
    dynasm!(e.a ; .arch x64 ; movdqa xmm3, xmm0);
    let (limit, mask) = if fi.double {
        dynasm!(e.a ; .arch x64 ; psllq xmm3, 1 ; psrlq xmm3, 53 ; pshufd xmm3, xmm3, 8);
        (0x8000_07fcu32 as i32, 3)
    } else {
        dynasm!(e.a ; .arch x64 ; pslld xmm3, 1 ; psrld xmm3, 24);
        (0x8000_00fcu32 as i32, if r.q { 15 } else { 3 })
    };
    dynasm!(e.a ; .arch x64
        ; mov eax, 0x7fff_fffe ; movd xmm4, eax ; pshufd xmm4, xmm4, 0 ; paddd xmm3, xmm4
        ; mov eax, limit ; movd xmm4, eax ; pshufd xmm4, xmm4, 0 ; pcmpgtd xmm3, xmm4
        ; movmskps eax, xmm3 ; test eax, mask ; jnz =>slow);
    if r.q {
        dynasm!(e.a ; .arch x64 ; movdqu [r15 + d], xmm0);
    } else {
        let top = hi(r.d);
        dynasm!(e.a ; .arch x64 ; movq [r15 + d], xmm0 ; mov QWORD [r15 + top], 0);
    }
    dynasm!(e.a ; .arch x64 ; xor eax, eax ; jmp =>done);
    true
}
