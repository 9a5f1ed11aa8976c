//! VFPv3/VFPv4 scalar floating point (and the ARMv8 AArch32 scalar additions) for A32 and T32.
//!
//! # Registers
//! S0..S31, D0..D31 and Q0..Q15 overlay the A64 V registers as the architecture defines: D`j`
//! is the 64-bit slot `cpu::slot::V0 + j` (D`2n` = low half of V`n`, D`2n+1` = high half), and
//! S`i` is bits `32 * (i & 1)` and up of D`i / 2`.
//!
//! # FPSCR
//! The control bits (AHP, DN, FZ, RMode, FZ16) live in the FPCR slot and the cumulative flags
//! (IOC..IXC, IDC) and QC in the FPSR slot, at the same bit positions as in the FPSCR (which are
//! AArch64's FPCR/FPSR positions); FPSCR.NZCV lives in bits 31..28 of the FPSR slot, where
//! AArch64's FPSR keeps them for AArch32. See [`fpscr`] and [`set_fpscr`].
//!
//! # Lifting
//! Loads and stores (VLDR, VSTR, VLDM, VSTM, VPUSH, VPOP) are plain IR, with the integer code's
//! conditional loads and stores, and so are moves, VABS, VNEG and VMRS. VADD, VSUB, VMUL, VDIV,
//! VSQRT, the multiply-adds and VCMP call exact helpers marked with their operation
//! (`ir::inline`), so the JIT can run the common case as one SSE instruction, as A64's scalar
//! FP does (when the condition fails they compute 0 op 0, which raises nothing). Every other
//! instruction is one call of [`EXEC`], which executes the decoded row on the CPU state; both
//! use `fpsimd`'s exact ARM arithmetic (FZ, DN, rounding modes, cumulative flags), and [`EXEC`]
//! skips the instruction when its condition (A32 condition field or IT block) fails.

use crate::ctx::{Ctx, Flow};
use cpu::CpuState;
use decode::vfp::{VFP_TABLE, Vfp as I};
use decode::{Decoder, Match};
use fpsimd::exact::{ADD, CMP, CMPE, DIV, MADD, MSUB, MUL, NMADD, NMSUB, SQRT, SUB};
use fpsimd::fenv::{Env, Round};
use fpsimd::float::Fmt;
use fpsimd::fp_arith::{self, Bin};
use fpsimd::fp_convert;
use ir::inline::{FpInline, FpOp};
use ir::{Helper, Val};
use std::sync::OnceLock;

/// FPSCR bits kept in the FPCR slot: AHP (26), DN (25), FZ (24), RMode (23..22), Stride
/// (21..20), FZ16 (19) and Len (18..16). Stride and Len are only stored (as in ARMv8, where
/// they have no function): armrun has no short-vector mode.
pub const FPSCR_CONTROL: u32 = 0x07ff_0000;
/// FPSCR bits kept in the FPSR slot: N, Z, C, V (31..28), QC (27), IDC (7), IXC..IOC (4..0).
pub const FPSCR_STATUS: u32 = 0xf800_009f;

/// The guest's FPSCR assembled from the FPCR and FPSR slots.
pub fn fpscr(cpu: &CpuState) -> u32 {
    (cpu.fpcr as u32 & FPSCR_CONTROL) | (cpu.fpsr as u32 & FPSCR_STATUS)
}

/// Writes the guest's FPSCR (VMSR, signal return): control bits to the FPCR slot, NZCV, QC and
/// the cumulative flags to the FPSR slot. The trap enables read as zero (no trapping).
pub fn set_fpscr(cpu: &mut CpuState, v: u32) {
    cpu.fpcr = (v & FPSCR_CONTROL) as u64;
    cpu.fpsr = (v & FPSCR_STATUS) as u64;
}

/// The VFP decoder, built once.
fn decoder() -> &'static Decoder<I> {
    static D: OnceLock<Decoder<I>> = OnceLock::new();
    D.get_or_init(|| Decoder::new(VFP_TABLE))
}

/// The mnemonic of a VFP word, if it is one.
pub fn name(word: u32) -> Option<&'static str> {
    decoder().decode(word).map(|m| m.entry.mnemonic)
}

/// True for the ARMv8 rows, which are unconditional (bits 31..28 = 1111).
fn armv8_row(id: I) -> bool {
    matches!(id, I::Vsel | I::Vmaxnm | I::VrintRm | I::VcvtRm)
}

/// Lifts the VFP instruction `word` (an A32 word or a T32 pair; see `decode::vfp`).
pub fn lift(cx: &mut Ctx, word: u32) -> Flow {
    let Some(m) = decoder().decode(word) else {
        return Flow::Undef;
    };
    let id = m.id();
    let cond = word >> 28;
    if armv8_row(id) {
        // They cannot be conditional, so not in an IT block either.
        if cx.in_it() {
            return Flow::Undef;
        }
    } else if cond == 15 {
        return Flow::Undef;
    } else if !cx.thumb {
        cx.set_cond(cond);
    }
    if !valid(cx, &m) {
        return Flow::Undef;
    }
    match id {
        I::Vldr | I::Vstr => single(cx, &m, id == I::Vldr),
        I::VldmIa | I::VstmIa | I::VldmDb | I::VstmDb => multiple(cx, &m),
        _ if moves(cx, &m) => Flow::Next,
        _ if inline(cx, &m) => Flow::Next,
        _ => {
            let w = cx.k(word as u64);
            let holds = match cx.holds() {
                Some(h) => h,
                None => cx.k(1),
            };
            let row = VFP_TABLE
                .iter()
                .position(|e| std::ptr::eq(e, m.entry))
                .expect("row of the table");
            let row = cx.k(row as u64);
            cx.b.call(&EXEC, w, holds, row);
            Flow::Next
        }
    }
}

/// Lifts the rows that are only bit moves as plain IR (conditional like the integer code):
/// VMOV (register, immediate, core register to and from S, core pairs to and from D or two S,
/// core register to and from a scalar lane of D),
/// VABS, VNEG (sign-bit operations that raise nothing) and VMRS. False (nothing emitted) for
/// the other rows.
fn moves(cx: &mut Ctx, m: &Match<I>) -> bool {
    let dbl = m.f('s') == 1;
    let sign = if dbl { 1u64 << 63 } else { 1 << 31 };
    let reg = |v: char, x: char, dbl: bool| vreg(m, v, x, dbl);
    let (t, to_core) = (m.f('t'), m.f('o') == 1);
    match m.id() {
        I::VmovReg | I::Vabs | I::Vneg => {
            let x = read_v(cx, reg('m', 'M', dbl), dbl);
            let r = match m.id() {
                I::VmovReg => x,
                I::Vabs => cx.and_k(x, !sign & if dbl { u64::MAX } else { 0xffff_ffff }),
                _ => {
                    let k = cx.k(sign);
                    cx.b.xor(x, k)
                }
            };
            write_v(cx, reg('d', 'D', dbl), dbl, r);
        }
        I::VmovImm => {
            let v = fpsimd::moves::vfp_expand_imm(m.f('i'), if dbl { 64 } else { 32 });
            let v = cx.k(v);
            write_v(cx, reg('d', 'D', dbl), dbl, v);
        }
        I::VmovS => {
            let sn = reg('n', 'N', false);
            if to_core {
                let v = get_s(cx, sn);
                cx.set_r(t, v);
            } else {
                let v = cx.r(t);
                set_s(cx, sn, v);
            }
        }
        I::VmovS2 | I::VmovD2 => {
            let t2 = m.f('T');
            if m.id() == I::VmovD2 {
                let dm = reg('m', 'M', true);
                if to_core {
                    let v = cx.b.get(d_slot(dm));
                    let lo = cx.z32(v);
                    let hi = cx.shr(v, 32);
                    cx.set_r(t, lo);
                    cx.set_r(t2, hi);
                } else {
                    let lo = cx.r(t);
                    let hi = cx.r(t2);
                    let hi = cx.shl(hi, 32);
                    let v = cx.b.or(lo, hi);
                    cx.set_slot(d_slot(dm), v);
                }
            } else {
                let sm = reg('m', 'M', false);
                if to_core {
                    let lo = get_s(cx, sm);
                    let hi = get_s(cx, sm + 1);
                    cx.set_r(t, lo);
                    cx.set_r(t2, hi);
                } else {
                    let lo = cx.r(t);
                    let hi = cx.r(t2);
                    set_s(cx, sm, lo);
                    set_s(cx, sm + 1, hi);
                }
            }
        }
        I::VmovToScalar | I::VmovFromScalar => {
            let (bits, index) = scalar_lane(m.f('a'), m.f('b'));
            let (sh, mask) = (bits * index, (1u64 << bits) - 1);
            if m.id() == I::VmovToScalar {
                let dd = d_slot(reg('d', 'D', true));
                let v = cx.b.get(dd);
                let kept = cx.and_k(v, !(mask << sh));
                let x = cx.r(t);
                let x = cx.and_k(x, mask);
                let x = cx.shl(x, sh);
                let v = cx.b.or(kept, x);
                cx.set_slot(dd, v);
            } else {
                let v = cx.b.get(d_slot(reg('n', 'N', true)));
                let x = cx.shr(v, sh);
                let x = cx.and_k(x, mask);
                let x = if m.f('u') == 0 && bits < 32 {
                    let x = cx.b.sext(x, bits);
                    cx.z32(x)
                } else {
                    x
                };
                cx.set_r(t, x);
            }
        }
        I::Vmrs => {
            let fpsr = cx.b.get(cpu::slot::FPSR);
            if t == 15 {
                let v = cx.and_k(fpsr, 0xf000_0000);
                cx.set_nzcv(v);
            } else {
                let st = cx.and_k(fpsr, FPSCR_STATUS as u64);
                let fpcr = cx.b.get(cpu::slot::FPCR);
                let ct = cx.and_k(fpcr, FPSCR_CONTROL as u64);
                let v = cx.b.or(st, ct);
                cx.set_r(t, v);
            }
        }
        _ => return false,
    }
    true
}

/// Lifts VADD, VSUB, VMUL, VDIV, VSQRT, the fused multiply-adds, VCMP and (through
/// [`mul_acc`]) VMLA, VMLS, VNMLA, VNMLS and VNMUL as calls of exact helpers that the JIT may
/// inline (`ir::inline`), with the operands and the result as IR values; false (nothing
/// emitted) for the other rows. A conditional instruction whose condition fails computes on
/// [`harmless`] operands and drops the result.
fn inline(cx: &mut Ctx, m: &Match<I>) -> bool {
    let dbl = m.f('s') == 1;
    let op = m.f('o') == 1;
    if matches!(m.id(), I::Vmla | I::Vnmla | I::Vnmul) {
        mul_acc(cx, m);
        return true;
    }
    let (code, fop) = match m.id() {
        I::Vadd => (ADD, FpOp::Add),
        I::Vsub => (SUB, FpOp::Sub),
        I::Vmul => (MUL, FpOp::Mul),
        I::Vdiv => (DIV, FpOp::Div),
        I::Vsqrt => (SQRT, FpOp::Sqrt),
        I::Vfma if op => (MSUB, FpOp::MulSub),
        I::Vfma => (MADD, FpOp::MulAdd),
        I::Vfnma if op => (NMADD, FpOp::NegMulAdd),
        I::Vfnma => (NMSUB, FpOp::NegMulSub),
        I::Vcmp | I::VcmpZero if m.f('E') == 1 => (CMPE, FpOp::Cmp),
        I::Vcmp | I::VcmpZero => (CMP, FpOp::Cmp),
        _ => return false,
    };
    let reg = |v: char, x: char| vreg(m, v, x, dbl);
    let (d, n, mm) = (reg('d', 'D'), reg('n', 'N'), reg('m', 'M'));
    let read = |cx: &mut Ctx, r: u32| read_v(cx, r, dbl);
    let z = cx.k(0);
    // Operand roles as in `ir::inline::FpOp`: a and b the operands, c the accumulator.
    let (a, b, c) = match m.id() {
        I::Vsqrt => (read(cx, mm), z, z),
        I::Vcmp => (read(cx, d), read(cx, mm), z),
        I::VcmpZero => (read(cx, d), z, z),
        I::Vfma | I::Vfnma => (read(cx, n), read(cx, mm), read(cx, d)),
        _ => (read(cx, n), read(cx, mm), z),
    };
    // 0 op 0 (0 / 1 for VDIV) raises nothing: the operands when the condition fails.
    let one = if dbl {
        0x3ff0_0000_0000_0000
    } else {
        0x3f80_0000
    };
    let a = harmless(cx, a, 0);
    let b = harmless(cx, b, if code == DIV { one } else { 0 });
    let c = harmless(cx, c, 0);
    let h = fpsimd::exact::helper(code, dbl);
    let inl = FpInline {
        op: fop,
        double: dbl,
        vector: None,
    };
    let r = cx.b.call_fp(h, inl, a, b, c);
    if fop == FpOp::Cmp {
        // FPSCR.NZCV is bits 31..28 of the FPSR slot; the helper has merged the flags.
        let fpsr = cx.b.get(cpu::slot::FPSR);
        let keep = cx.and_k(fpsr, !0xf000_0000);
        let v = cx.b.or(keep, r);
        cx.set_slot(cpu::slot::FPSR, v);
    } else {
        write_v(cx, d, dbl, r);
    }
    true
}

/// `v`, or the constant `safe` when the instruction's condition fails: operands of the exact
/// helpers, which always run (the IR has no control flow) and must then raise no exception
/// flags; their results are dropped by the conditional writes.
fn harmless(cx: &mut Ctx, v: Val, safe: u64) -> Val {
    match cx.holds() {
        Some(h) => {
            let k = cx.k(safe);
            cx.b.select(h, v, k)
        }
        None => v,
    }
}

/// VMLA, VMLS, VNMLA, VNMLS (a product rounded, then a sum rounded: not fused) and VNMUL, as
/// inlinable multiply and add helpers with the negations (FPNeg, which flips NaN signs too) as
/// sign-bit flips in between.
fn mul_acc(cx: &mut Ctx, m: &Match<I>) {
    let dbl = m.f('s') == 1;
    let op = m.f('o') == 1;
    let reg = |v: char, x: char| vreg(m, v, x, dbl);
    let (d, n, mm) = (reg('d', 'D'), reg('n', 'N'), reg('m', 'M'));
    let read = |cx: &mut Ctx, r: u32| read_v(cx, r, dbl);
    let sign = cx.k(if dbl { 1u64 << 63 } else { 1 << 31 });
    let z = cx.k(0);
    let call = |cx: &mut Ctx, code: u8, fop: FpOp, a: Val, b: Val| {
        let inl = FpInline {
            op: fop,
            double: dbl,
            vector: None,
        };
        cx.b.call_fp(fpsimd::exact::helper(code, dbl), inl, a, b, z)
    };
    let (a, b) = (read(cx, n), read(cx, mm));
    let (a, b) = (harmless(cx, a, 0), harmless(cx, b, 0));
    let p = call(cx, MUL, FpOp::Mul, a, b);
    let r = if m.id() == I::Vnmul {
        cx.b.xor(p, sign)
    } else {
        let acc = read(cx, d);
        let acc = harmless(cx, acc, 0);
        // VMLA: d + p; VMLS (op): d + -p; VNMLA (op): -d + -p; VNMLS: -d + p.
        let acc = if m.id() == I::Vnmla {
            cx.b.xor(acc, sign)
        } else {
            acc
        };
        let p = if op { cx.b.xor(p, sign) } else { p };
        call(cx, ADD, FpOp::Add, acc, p)
    };
    write_v(cx, d, dbl, r);
}

/// Register-number and operand checks of the forms the ARM manual makes UNPREDICTABLE or
/// UNDEFINED (armrun refuses them).
fn valid(cx: &Ctx, m: &Match<I>) -> bool {
    let (t, t2) = (m.f('t'), m.f('T'));
    let dbl = m.f('s') == 1;
    match m.id() {
        I::VmovS => t != 15 && !(t == 13 && cx.thumb),
        I::VmovS2 | I::VmovD2 => {
            let to_core = m.f('o') == 1;
            let bad_s = m.id() == I::VmovS2 && (m.f('m') << 1 | m.f('M')) == 31;
            t != 15 && t2 != 15 && !(to_core && t == t2) && !bad_s
        }
        I::VmovToScalar | I::VmovFromScalar => {
            let (a, b) = (m.f('a'), m.f('b'));
            let sized = a & 2 != 0 || b & 1 != 0 || b == 0;
            let u32_bad = m.id() == I::VmovFromScalar && m.f('u') == 1 && a & 2 == 0 && b == 0;
            t != 15 && sized && !u32_bad
        }
        I::Vmrs => true,
        I::Vmsr => t != 15,
        I::VcvtFixed => {
            let size = if m.f('X') == 1 { 32 } else { 16 };
            (m.f('i') << 1 | m.f('I')) <= size
        }
        I::Vldr | I::Vstr => true,
        I::VldmIa | I::VstmIa | I::VldmDb | I::VstmDb => {
            let imm = m.f('i');
            let (first, regs) = if dbl {
                (m.f('D') << 4 | m.f('d'), imm / 2)
            } else {
                (m.f('d') << 1 | m.f('D'), imm)
            };
            let wback = m.f('w') == 1 || matches!(m.id(), I::VldmDb | I::VstmDb);
            regs != 0
                && first + regs <= 32
                && (!dbl || regs <= 16)
                && !(m.f('n') == 15 && (wback || cx.thumb))
        }
        _ => true,
    }
}

/// The lane of a VMOV between a core register and a scalar from its opc1 (`a`) and opc2 (`b`)
/// fields: (bits, index).
fn scalar_lane(a: u32, b: u32) -> (u32, u32) {
    if a & 2 != 0 {
        (8, (a & 1) << 2 | b)
    } else if b & 1 != 0 {
        (16, (a & 1) << 1 | b >> 1)
    } else {
        (32, a & 1)
    }
}

/// The slot of D`j`.
fn d_slot(j: u32) -> u32 {
    cpu::slot::V0 + j
}

/// VLDR, VSTR.
fn single(cx: &mut Ctx, m: &Match<I>, load: bool) -> Flow {
    let dbl = m.f('s') == 1;
    let off = (m.f('i') as u64) << 2;
    let base = cx.base(m.f('n'));
    let addr = if m.f('u') == 1 {
        cx.add32k(base, off)
    } else {
        cx.add32k(base, off.wrapping_neg())
    };
    let d = if dbl {
        m.f('D') << 4 | m.f('d')
    } else {
        m.f('d') << 1 | m.f('D')
    };
    transfer(cx, load, dbl, d, addr);
    Flow::Next
}

/// Loads or stores one S or D register at `addr`.
fn transfer(cx: &mut Ctx, load: bool, dbl: bool, r: u32, addr: Val) {
    match (load, dbl) {
        (true, true) => {
            let v = cx.load(addr, 8);
            cx.set_slot(d_slot(r), v);
        }
        (true, false) => {
            let v = cx.load(addr, 4);
            set_s(cx, r, v);
        }
        (false, true) => {
            let v = cx.b.get(d_slot(r));
            cx.store(addr, v, 8);
        }
        (false, false) => {
            let v = get_s(cx, r);
            cx.store(addr, v, 4);
        }
    }
}

/// The register number of a lift-time match: D`X:v` for double precision, S`v:X` for single.
fn vreg(m: &Match<I>, v: char, x: char, dbl: bool) -> u32 {
    if dbl {
        m.f(x) << 4 | m.f(v)
    } else {
        m.f(v) << 1 | m.f(x)
    }
}

/// Reads D`r` or S`r` (zero-extended).
fn read_v(cx: &mut Ctx, r: u32, dbl: bool) -> Val {
    if dbl {
        cx.b.get(d_slot(r))
    } else {
        get_s(cx, r)
    }
}

/// Writes D`r` or S`r` (conditional like every state write).
fn write_v(cx: &mut Ctx, r: u32, dbl: bool, v: Val) {
    if dbl {
        cx.set_slot(d_slot(r), v);
    } else {
        set_s(cx, r, v);
    }
}

/// S`i` as a zero-extended 32-bit value.
fn get_s(cx: &mut Ctx, i: u32) -> Val {
    let v = cx.b.get(d_slot(i / 2));
    let v = cx.shr(v, 32 * (i & 1));
    cx.z32(v)
}

/// Writes S`i` (the value is zero-extended from 32 bits), keeping the other half of its D
/// register; conditional like every state write.
fn set_s(cx: &mut Ctx, i: u32, v: Val) {
    let slot = d_slot(i / 2);
    let old = cx.b.get(slot);
    let new = if i & 1 == 0 {
        let hi = cx.and_k(old, 0xffff_ffff_0000_0000);
        cx.b.or(hi, v)
    } else {
        let lo = cx.and_k(old, 0xffff_ffff);
        let v = cx.shl(v, 32);
        cx.b.or(lo, v)
    };
    cx.set_slot(slot, new);
}

/// VLDM, VSTM, VPUSH, VPOP (and the FLDMX/FSTMX forms: a D list with an odd word count).
fn multiple(cx: &mut Ctx, m: &Match<I>) -> Flow {
    let dbl = m.f('s') == 1;
    let load = m.word >> 20 & 1 == 1;
    let inc = m.word >> 23 & 1 == 1;
    let wback = m.word >> 21 & 1 == 1;
    let imm = m.f('i');
    let (first, regs) = if dbl {
        (m.f('D') << 4 | m.f('d'), imm / 2)
    } else {
        (m.f('d') << 1 | m.f('D'), imm)
    };
    let n = m.f('n');
    let base = cx.base(n);
    let bytes = (imm as u64) << 2;
    let start = if inc {
        base
    } else {
        cx.add32k(base, bytes.wrapping_neg())
    };
    let step = if dbl { 8 } else { 4 };
    for k in 0..regs {
        let addr = cx.add32k(start, (k * step) as u64);
        transfer(cx, load, dbl, first + k, addr);
    }
    if wback {
        let nb = if inc { cx.add32k(base, bytes) } else { start };
        cx.set_r(n, nb);
    }
    Flow::Next
}

/// Executes one VFP row on the CPU state: `func(cpu, word, holds, row)`, where `holds` is 0 when
/// the instruction's condition failed (nothing happens then) and `row` the index of the
/// matching `decode::vfp::VFP_TABLE` row. Returns 0.
pub static EXEC: Helper = Helper {
    name: "a32_vfp",
    func: exec,
};

/// See [`EXEC`].
unsafe extern "C" fn exec(cpu: *mut u8, word: u64, holds: u64, row: u64) -> u64 {
    if holds == 0 {
        return 0;
    }
    // SAFETY: translated code calls helpers with a pointer to the live CpuState of the running
    // thread, which nothing else touches during the call.
    let cpu = unsafe { &mut *(cpu as *mut CpuState) };
    let m = Match::new(&VFP_TABLE[row as usize], word as u32);
    execute(cpu, &m);
    0
}

/// S`i` of the state.
fn s(cpu: &CpuState, i: u32) -> u64 {
    cpu.get_slot(d_slot(i / 2)) >> (32 * (i & 1)) & 0xffff_ffff
}

/// Writes S`i` of the state.
fn set_s_state(cpu: &mut CpuState, i: u32, v: u64) {
    let slot = d_slot(i / 2);
    let sh = 32 * (i & 1);
    let old = cpu.get_slot(slot) & !(0xffff_ffffu64 << sh);
    cpu.set_slot(slot, old | (v & 0xffff_ffff) << sh);
}

/// An operand register number: D`X:x` for double precision, S`x:X` for single.
fn regno(m: &Match<I>, v: char, x: char, dbl: bool) -> u32 {
    if dbl {
        m.f(x) << 4 | m.f(v)
    } else {
        m.f(v) << 1 | m.f(x)
    }
}

/// Reads an S (zero-extended) or D register.
fn get(cpu: &CpuState, r: u32, dbl: bool) -> u64 {
    if dbl {
        cpu.get_slot(d_slot(r))
    } else {
        s(cpu, r)
    }
}

/// Writes an S or D register.
fn put(cpu: &mut CpuState, r: u32, dbl: bool, v: u64) {
    if dbl {
        cpu.set_slot(d_slot(r), v);
    } else {
        set_s_state(cpu, r, v);
    }
}

/// The FPSCR rounding mode.
fn rmode(cpu: &CpuState) -> Round {
    Round::from_rmode(cpu.fpcr >> 22)
}

/// Executes the decoded row `m` (its checks passed at lift time).
fn execute(cpu: &mut CpuState, m: &Match<I>) {
    let id = m.id();
    // Bit 8 (sz) is the size in every row, a field where both sizes exist and fixed where one
    // does (VJCVT reads a D register).
    let dbl = m.word >> 8 & 1 == 1;
    let fmt = if dbl { Fmt::D } else { Fmt::S };
    let (d, n, mm) = (
        regno(m, 'd', 'D', dbl),
        regno(m, 'n', 'N', dbl),
        regno(m, 'm', 'M', dbl),
    );
    let t = m.f('t');
    let op = m.f('o') == 1;
    let mut env = Env::with_fpsr(cpu.fpcr, cpu.fpsr);
    let e = &mut env;
    match id {
        I::Vmla | I::Vnmla => {
            let p = fp_arith::bin(e, fmt, Bin::Mul, get(cpu, n, dbl), get(cpu, mm, dbl));
            let acc = get(cpu, d, dbl);
            // VMLA/VMLS: d + (+-p); VNMLA (op = 1): -d - p; VNMLS: -d + p. Two roundings.
            let (a, b) = match (id, op) {
                (I::Vmla, false) => (acc, p),
                (I::Vmla, true) => (acc, fmt.neg(p)),
                (_, true) => (fmt.neg(acc), fmt.neg(p)),
                (_, false) => (fmt.neg(acc), p),
            };
            let r = fp_arith::bin(e, fmt, Bin::Add, a, b);
            put(cpu, d, dbl, r);
        }
        I::Vmul | I::Vnmul | I::Vadd | I::Vsub | I::Vdiv | I::Vmaxnm => {
            let o = match id {
                I::Vmul | I::Vnmul => Bin::Mul,
                I::Vadd => Bin::Add,
                I::Vsub => Bin::Sub,
                I::Vdiv => Bin::Div,
                _ if op => Bin::MinNm,
                _ => Bin::MaxNm,
            };
            let r = fp_arith::bin(e, fmt, o, get(cpu, n, dbl), get(cpu, mm, dbl));
            let r = if id == I::Vnmul { fmt.neg(r) } else { r };
            put(cpu, d, dbl, r);
        }
        I::Vfma | I::Vfnma => {
            // VFMA/VFMS: d + (+-n)*m; VFNMA (op = 1): -d - n*m; VFNMS: -d + n*m.
            let a = get(cpu, n, dbl);
            let a = if op { fmt.neg(a) } else { a };
            let acc = get(cpu, d, dbl);
            let acc = if id == I::Vfnma { fmt.neg(acc) } else { acc };
            let r = fp_arith::mul_add(e, fmt, acc, a, get(cpu, mm, dbl));
            put(cpu, d, dbl, r);
        }
        I::VmovImm => {
            let r = fpsimd::moves::vfp_expand_imm(m.f('i'), fmt.bits());
            put(cpu, d, dbl, r);
        }
        I::VmovReg => put(cpu, d, dbl, get(cpu, mm, dbl)),
        I::Vabs => put(cpu, d, dbl, fmt.abs(get(cpu, mm, dbl))),
        I::Vneg => put(cpu, d, dbl, fmt.neg(get(cpu, mm, dbl))),
        I::Vsqrt => {
            let r = fp_arith::sqrt(e, fmt, get(cpu, mm, dbl));
            put(cpu, d, dbl, r);
        }
        I::VcvtHalf => {
            let top = m.f('T') == 1;
            if op {
                // To half precision: into the bottom or top half of S`d`, keeping the other.
                let sd = regno(m, 'd', 'D', false);
                let h = fmt.convert(e, Fmt::H, get(cpu, mm, dbl));
                let old = s(cpu, sd);
                let r = if top {
                    (old & 0xffff) | h << 16
                } else {
                    (old & 0xffff_0000) | h
                };
                set_s_state(cpu, sd, r);
            } else {
                let sm = regno(m, 'm', 'M', false);
                let h = s(cpu, sm) >> if top { 16 } else { 0 } & 0xffff;
                let r = Fmt::H.convert(e, fmt, h);
                put(cpu, d, dbl, r);
            }
        }
        I::Vcmp | I::VcmpZero => {
            let b = if id == I::Vcmp { get(cpu, mm, dbl) } else { 0 };
            let nzcv = fp_arith::compare(e, fmt, get(cpu, d, dbl), b, m.f('E') == 1);
            cpu.fpsr = (cpu.fpsr & !0xf000_0000) | nzcv;
        }
        I::VrintR | I::VrintZ | I::VrintX | I::VrintRm => {
            let (mode, exact) = match id {
                I::VrintR => (rmode(cpu), false),
                I::VrintZ => (Round::Zero, false),
                I::VrintX => (rmode(cpu), true),
                _ => (rm_mode(m.f('r')), false),
            };
            let r = fp_arith::round_int(e, fmt, get(cpu, mm, dbl), mode, exact);
            put(cpu, d, dbl, r);
        }
        I::VcvtFF => {
            // sz names the source: F64 -> F32 into S`d`, or F32 -> F64 into D`d`.
            let (to, dd) = if dbl {
                (Fmt::S, regno(m, 'd', 'D', false))
            } else {
                (Fmt::D, regno(m, 'd', 'D', true))
            };
            let r = fmt.convert(e, to, get(cpu, mm, dbl));
            put(cpu, dd, !dbl, r);
        }
        I::VcvtFromInt => {
            let v = s(cpu, regno(m, 'm', 'M', false));
            let r = fp_convert::from_int(e, fmt, v, op, 32, 0);
            put(cpu, d, dbl, r);
        }
        I::VcvtToInt | I::VcvtRm => {
            let mode = match id {
                I::VcvtRm => rm_mode(m.f('r')),
                _ if m.f('r') == 1 => Round::Zero,
                _ => rmode(cpu),
            };
            let signed = if id == I::VcvtRm { op } else { m.f('U') == 1 };
            let r = fp_convert::to_int(e, fmt, get(cpu, mm, dbl), mode, signed, 32, 0);
            set_s_state(cpu, regno(m, 'd', 'D', false), r);
        }
        I::Vjcvt => {
            // FPSCR.NZCV = 0:Z:00, Z set when the conversion was exact and in range.
            let (r, z) = fp_convert::to_int_js(e, get(cpu, mm, true));
            set_s_state(cpu, regno(m, 'd', 'D', false), r);
            cpu.fpsr = (cpu.fpsr & !0xf000_0000) | (z as u64) << 30;
        }
        I::VcvtFixed => {
            let size = if m.f('X') == 1 { 32 } else { 16 };
            let fbits = size - (m.f('i') << 1 | m.f('I'));
            let unsigned = m.f('U') == 1;
            let x = get(cpu, d, dbl);
            if op {
                let r = fp_convert::to_int(e, fmt, x, Round::Zero, !unsigned, size, fbits);
                let r = if unsigned || r >> (size - 1) & 1 == 0 {
                    r
                } else {
                    r | !0u64 << size
                };
                put(cpu, d, dbl, if dbl { r } else { r & 0xffff_ffff });
            } else {
                // FixedToFP with round_to_nearest: AArch32 ignores FPSCR.RMode here.
                let fpcr = e.fpcr;
                e.fpcr &= !(3 << 22);
                let r = fp_convert::from_int(e, fmt, x, !unsigned, size, fbits);
                e.fpcr = fpcr;
                put(cpu, d, dbl, r);
            }
        }
        I::Vsel => {
            let f = cpu.nzcv;
            let (nf, zf, vf) = (f >> 31 & 1, f >> 30 & 1, f >> 28 & 1);
            let take_n = match m.f('c') {
                0 => zf == 1,
                1 => vf == 1,
                2 => nf == vf,
                _ => zf == 0 && nf == vf,
            };
            let r = get(cpu, if take_n { n } else { mm }, dbl);
            put(cpu, d, dbl, r);
        }
        I::VmovS => {
            let sn = regno(m, 'n', 'N', false);
            if op {
                cpu.x[t as usize] = s(cpu, sn);
            } else {
                set_s_state(cpu, sn, cpu.x[t as usize]);
            }
        }
        I::VmovS2 | I::VmovD2 => {
            let t2 = m.f('T') as usize;
            let dw = id == I::VmovD2;
            let r = regno(m, 'm', 'M', dw);
            if op {
                let (lo, hi) = if dw {
                    let v = get(cpu, r, true);
                    (v & 0xffff_ffff, v >> 32)
                } else {
                    (s(cpu, r), s(cpu, r + 1))
                };
                cpu.x[t as usize] = lo;
                cpu.x[t2] = hi;
            } else {
                let (lo, hi) = (cpu.x[t as usize] & 0xffff_ffff, cpu.x[t2] & 0xffff_ffff);
                if dw {
                    put(cpu, r, true, hi << 32 | lo);
                } else {
                    set_s_state(cpu, r, lo);
                    set_s_state(cpu, r + 1, hi);
                }
            }
        }
        I::VmovToScalar | I::VmovFromScalar => {
            let (bits, index) = scalar_lane(m.f('a'), m.f('b'));
            let reg = if id == I::VmovToScalar {
                regno(m, 'd', 'D', true)
            } else {
                regno(m, 'n', 'N', true)
            };
            let sh = bits * index;
            let mask = (1u64 << bits) - 1;
            let v = cpu.get_slot(d_slot(reg));
            if id == I::VmovToScalar {
                let nv = (v & !(mask << sh)) | (cpu.x[t as usize] & mask) << sh;
                cpu.set_slot(d_slot(reg), nv);
            } else {
                let x = v >> sh & mask;
                let x = if m.f('u') == 0 && bits < 32 && x >> (bits - 1) & 1 == 1 {
                    (x | !mask) & 0xffff_ffff
                } else {
                    x
                };
                cpu.x[t as usize] = x;
            }
        }
        I::Vmrs => {
            let v = fpscr(cpu) as u64;
            if t == 15 {
                cpu.nzcv = v & 0xf000_0000;
            } else {
                cpu.x[t as usize] = v;
            }
        }
        I::Vmsr => set_fpscr(cpu, cpu.x[t as usize] as u32),
        // Loads and stores are lifted into IR.
        I::Vldr | I::Vstr | I::VldmIa | I::VstmIa | I::VldmDb | I::VstmDb => {
            unreachable!("VFP loads and stores are not executed by the helper")
        }
    }
    cpu.fpsr |= env.flags;
}

/// The rounding of the RM field of VRINT{A,N,P,M} and VCVT{A,N,P,M}.
fn rm_mode(rm: u32) -> Round {
    match rm {
        0 => Round::TiesAway,
        1 => Round::Nearest,
        2 => Round::PlusInf,
        _ => Round::MinusInf,
    }
}
