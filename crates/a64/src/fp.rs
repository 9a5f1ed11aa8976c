//! Scalar FP instructions lifted into IR instead of one `fpsimd::EXEC` call each.
//!
//! Register moves and sign operations (FMOV, also of an immediate, FABS, FNEG) raise no
//! exceptions in ARMv8.0, so they become plain integer IR, as does FCSEL (a select on the
//! condition, evaluated as for CSEL). Arithmetic (FADD, FSUB, FMUL, FNMUL, FDIV, FSQRT, the
//! fused multiply-adds, FMAX, FMIN, FMAXNM, FMINNM, FRINT*), FCMP/FCMPE, FCCMP/FCCMPE and the
//! conversions (SCVTF, UCVTF, FCVT{N,P,M,Z,A}{S,U} to and from general registers, FCVT between
//! S and D) become calls of exact helpers built on `fpsimd`'s reference arithmetic and
//! conversions, marked with the operation they compute (`ir::inline`) so the JIT can run the
//! common case as one SSE instruction and call the helper only for the rest. Operands travel
//! as IR values, so a chain of FP instructions passes results along without re-reading the
//! state.
//!
//! Only single and double precision are lifted here; half precision and everything else go
//! through the general executor (see [`lift`]).

use crate::ctx::{Ctx, Flow};
use fpsimd::exact::{
    ADD, CMP, CMPE, DIV, FCVT, FRINT_OPCODES, FRINTI, FRINTN, MADD, MAX, MAXNM, MIN, MINNM, MSUB,
    MUL, NMADD, NMSUB, SCVTF_W, SQRT, SUB, TO_INT, TO_INT_LAST, UCVTF_X, int_form, to_int,
    to_int_rmode,
};
use ir::Val;
use ir::inline::{FpInline, FpOp, VecRegs};

/// The inline kind of helper operation `op`.
fn inline_op(op: u8) -> FpOp {
    match op {
        ADD => FpOp::Add,
        SUB => FpOp::Sub,
        MUL => FpOp::Mul,
        DIV => FpOp::Div,
        SQRT => FpOp::Sqrt,
        MADD => FpOp::MulAdd,
        MSUB => FpOp::MulSub,
        NMADD => FpOp::NegMulAdd,
        NMSUB => FpOp::NegMulSub,
        SCVTF_W..=UCVTF_X => {
            let (signed, bits) = int_form(op);
            FpOp::FromInt {
                signed,
                wide: bits == 64,
            }
        }
        TO_INT..=TO_INT_LAST => {
            let (signed, bits) = int_form(op);
            FpOp::ToInt {
                signed,
                wide: bits == 64,
                rmode: to_int_rmode(op),
            }
        }
        FCVT => FpOp::Convert,
        MAX => FpOp::Max,
        MIN => FpOp::Min,
        MAXNM => FpOp::MaxNm,
        MINNM => FpOp::MinNm,
        FRINTN..=FRINTI => FpOp::RoundInt {
            rmode: FRINT_OPCODES[(op - FRINTN) as usize],
        },
        _ => FpOp::Cmp,
    }
}

/// Lifts `word` if it is a scalar S/D instruction handled here; `None` (having emitted nothing)
/// leaves it to the general executor.
pub fn lift(cx: &mut Ctx, w: u32) -> Option<Flow> {
    let (rd, rn, rm, ra) = (w & 31, w >> 5 & 31, w >> 16 & 31, w >> 10 & 31);
    // FMOV between general and FP registers (32-bit with S, 64-bit with D).
    match w & 0xffff_fc00 {
        0x1e26_0000 | 0x9e66_0000 => {
            let wide = w >> 31 != 0;
            let v = cx.b.get(cpu::slot::v_lo(rn));
            cx.set_x(rd, v, wide);
            return Some(Flow::Next);
        }
        0x1e27_0000 | 0x9e67_0000 => {
            let wide = w >> 31 != 0;
            let v = cx.xw(rn, wide);
            set_v(cx, rd, v);
            return Some(Flow::Next);
        }
        // FMOV Xd, Vn.D[1] and FMOV Vd.D[1], Xn: the upper half alone.
        0x9eae_0000 => {
            let v = cx.b.get(cpu::slot::v_hi(rn));
            cx.set_x(rd, v, true);
            return Some(Flow::Next);
        }
        0x9eaf_0000 => {
            let v = cx.x(rn);
            cx.b.set(cpu::slot::v_hi(rd), v);
            return Some(Flow::Next);
        }
        _ => {}
    }
    let double = match w >> 22 & 3 {
        0 => false,
        1 => true,
        _ => return None,
    };
    if w & 0xff20_1fe0 == 0x1e20_1000 {
        // FMOV (scalar, immediate): a constant.
        let bits = if double { 64 } else { 32 };
        let v = cx.k(fpsimd::moves::vfp_expand_imm(w >> 13 & 0xff, bits));
        set_v(cx, rd, v);
        return Some(Flow::Next);
    }
    if w & 0x7f20_fc00 == 0x1e20_0000 {
        // Conversion between FP and integer: SCVTF/UCVTF (rmode 00, opcode 010/011),
        // FCVT{N,P,M,Z}S/U (rmode as FPCR.RMode codes it, opcode 000/001) and FCVTAS/AU
        // (rmode 00, opcode 100/101).
        let wide = w >> 31 != 0;
        let (rmode, opcode) = (w >> 19 & 3, w >> 16 & 7);
        let unsigned = opcode & 1 != 0;
        let op = match (rmode, opcode) {
            (0, 2 | 3) => SCVTF_W + 2 * unsigned as u8 + wide as u8,
            (_, 0 | 1) => to_int(rmode as u8, !unsigned, wide),
            (0, 4 | 5) => to_int(4, !unsigned, wide),
            _ => return None,
        };
        let z = cx.k(0);
        if op <= UCVTF_X {
            let x = cx.xw(rn, wide);
            let r = call(cx, op, double, x, z, z);
            set_v(cx, rd, r);
        } else {
            let x = vreg(cx, rn);
            let r = call(cx, op, double, x, z, z);
            cx.set_x(rd, r, wide);
        }
        return Some(Flow::Next);
    }
    if w & 0xff20_0c00 == 0x1e20_0c00 {
        // FCSEL: no exceptions, a select of the register bits.
        let holds = condition(cx, w >> 12 & 15);
        let (a, b) = (vreg(cx, rn), vreg(cx, rm));
        let r = cx.b.select(holds, a, b);
        let r = if double { r } else { cx.b.zext(r, 32) };
        set_v(cx, rd, r);
        return Some(Flow::Next);
    }
    if w & 0xff20_0c00 == 0x1e20_0400 {
        // FCCMP/FCCMPE: the compare runs either way, on zeros (which raise nothing) when the
        // condition fails, so no branch is needed; then NZCV comes from it or the immediate.
        let holds = condition(cx, w >> 12 & 15);
        let (a, b) = (vreg(cx, rn), vreg(cx, rm));
        let z = cx.k(0);
        let (a, b) = (cx.b.select(holds, a, z), cx.b.select(holds, b, z));
        let op = if w >> 4 & 1 != 0 { CMPE } else { CMP };
        let f = call(cx, op, double, a, b, z);
        let imm = cx.k(u64::from(w & 15) << 28);
        let r = cx.b.select(holds, f, imm);
        cx.set_nzcv(r);
        return Some(Flow::Next);
    }
    if w & 0xff20_0c00 == 0x1e20_0800 {
        // FP data-processing (2 source): FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM,
        // and FNMUL, ARM's FPNeg of the rounded product (which flips a NaN's sign too).
        let op = match w >> 12 & 15 {
            0 | 8 => MUL,
            1 => DIV,
            2 => ADD,
            3 => SUB,
            4 => MAX,
            5 => MIN,
            6 => MAXNM,
            7 => MINNM,
            _ => return None,
        };
        let (a, b) = (vreg(cx, rn), vreg(cx, rm));
        let z = cx.k(0);
        let r = call(cx, op, double, a, b, z);
        let r = if w >> 12 & 15 == 8 {
            let sign = cx.k(sign_bit(double));
            cx.b.xor(r, sign)
        } else {
            r
        };
        set_v(cx, rd, r);
        return Some(Flow::Next);
    }
    if w & 0xff00_0000 == 0x1f00_0000 {
        // FP data-processing (3 source).
        let op = match (w >> 21 & 1, w >> 15 & 1) {
            (0, 0) => MADD,
            (0, 1) => MSUB,
            (1, 0) => NMADD,
            _ => NMSUB,
        };
        let (a, b, c) = (vreg(cx, rn), vreg(cx, rm), vreg(cx, ra));
        let r = call(cx, op, double, a, b, c);
        set_v(cx, rd, r);
        return Some(Flow::Next);
    }
    if w & 0xff20_7c00 == 0x1e20_4000 {
        // FP data-processing (1 source): FMOV, FABS, FNEG, FSQRT, FCVT from S to D
        // (opcode 5) or from D to S (opcode 4), and FRINTN..FRINTI (opcodes 8 to 15 but 13).
        let opcode = w >> 15 & 0x3f;
        // The helper, for all but the sign operations.
        let helper = match opcode {
            0..=2 => None,
            3 => Some(SQRT),
            4 | 5 if opcode == if double { 4 } else { 5 } => Some(FCVT),
            _ => {
                let i = FRINT_OPCODES.iter().position(|o| opcode == 8 | *o as u32)?;
                Some(FRINTN + i as u8)
            }
        };
        let sign = sign_bit(double);
        let x = vreg(cx, rn);
        let x = if double { x } else { cx.b.zext(x, 32) };
        let r = match (opcode, helper) {
            (_, Some(code)) => {
                let z = cx.k(0);
                call(cx, code, double, x, z, z)
            }
            (0, None) => x,
            (1, None) => {
                let k = cx.k(!sign);
                cx.b.and(x, k)
            }
            _ => {
                let k = cx.k(sign);
                cx.b.xor(x, k)
            }
        };
        set_v(cx, rd, r);
        return Some(Flow::Next);
    }
    if w & 0xff20_fc07 == 0x1e20_2000 {
        // FCMP/FCMPE with a register or with +0.0 (which needs Rm = 0).
        let with_zero = w >> 3 & 1 != 0;
        if with_zero && rm != 0 {
            return None;
        }
        let a = vreg(cx, rn);
        let z = cx.k(0);
        let b = if with_zero { z } else { vreg(cx, rm) };
        let op = if w >> 4 & 1 != 0 { CMPE } else { CMP };
        let f = call(cx, op, double, a, b, z);
        cx.set_nzcv(f);
        return Some(Flow::Next);
    }
    None
}

/// Whether condition `cond` holds on NZCV (1 or 0), evaluated as for CSEL.
fn condition(cx: &mut Ctx, cond: u32) -> Val {
    let nzcv = cx.nzcv();
    cx.b.cond(nzcv, cond)
}

/// The sign bit of the format.
fn sign_bit(double: bool) -> u64 {
    if double { 1 << 63 } else { 1 << 31 }
}

/// The low 64 bits of V`n`.
fn vreg(cx: &mut Ctx, n: u32) -> Val {
    cx.b.get(cpu::slot::v_lo(n))
}

/// Writes a scalar result (already zero-extended) to V`d`, zeroing the high half.
fn set_v(cx: &mut Ctx, d: u32, v: Val) {
    cx.b.set(cpu::slot::v_lo(d), v);
    let z = cx.k(0);
    cx.b.set(cpu::slot::v_hi(d), z);
}

/// Calls the exact helper of `op`, marked inlinable.
fn call(cx: &mut Ctx, op: u8, double: bool, a: Val, b: Val, c: Val) -> Val {
    let h = fpsimd::exact::helper(op, double);
    let inline = FpInline {
        op: inline_op(op),
        double,
        vector: None,
    };
    cx.b.call_fp(h, inline, a, b, c)
}

/// The inline form of a vector FADD, FSUB, FMUL, FDIV, FMLA or FMLS (S lanes, or D lanes with
/// Q), which stay `fpsimd::EXEC` calls: the JIT may run them as one SSE/FMA instruction.
pub fn vector_inline(w: u32) -> Option<FpInline> {
    if let Some(op) = crypto_op(w) {
        return Some(FpInline {
            op,
            double: false,
            vector: Some(VecRegs {
                q: true,
                d: (w & 31) as u8,
                n: (w >> 5 & 31) as u8,
                m: (w >> 16 & 31) as u8,
            }),
        });
    }
    // Advanced SIMD three same, FP forms: 0 Q U 01110 a sz 1 Rm opcode 1 Rn Rd.
    if w & 0x9f20_0400 != 0x0e20_0400 {
        return None;
    }
    let (q, u, a, sz) = (w >> 30 & 1 == 1, w >> 29 & 1, w >> 23 & 1, w >> 22 & 1 == 1);
    let op = match (u, a, w >> 11 & 31) {
        (0, 0, 0b11010) => FpOp::Add,
        (0, 1, 0b11010) => FpOp::Sub,
        (1, 0, 0b11011) => FpOp::Mul,
        (1, 0, 0b11111) => FpOp::Div,
        (0, 0, 0b11001) => FpOp::MulAdd,
        (0, 1, 0b11001) => FpOp::MulSub,
        _ => return None,
    };
    if sz && !q {
        return None;
    }
    Some(FpInline {
        op,
        double: sz,
        vector: Some(VecRegs {
            q,
            d: (w & 31) as u8,
            n: (w >> 5 & 31) as u8,
            m: (w >> 16 & 31) as u8,
        }),
    })
}

/// The inlinable cryptographic operation `w` encodes, if any (see `ir::inline`).
fn crypto_op(w: u32) -> Option<FpOp> {
    let opcode = w >> 12 & 31;
    if w & 0xfffe_0c00 == 0x4e28_0800 {
        // AES: 01001110 00 10100 opcode 10 Rn Rd.
        return [FpOp::Aese, FpOp::Aesd, FpOp::Aesmc, FpOp::Aesimc]
            .get((opcode as usize).wrapping_sub(4))
            .copied();
    }
    if w & 0xffe0_8c00 == 0x5e00_0000 {
        // SHA three-register: 01011110 00 0 Rm 0 opcode(3) 00 Rn Rd.
        return match opcode & 7 {
            4 => Some(FpOp::Sha256H),
            5 => Some(FpOp::Sha256H2),
            6 => Some(FpOp::Sha256Su1),
            _ => None,
        };
    }
    if w & 0xffff_fc00 == 0x5e28_2800 {
        // SHA256SU0: 01011110 00 10100 00010 10 Rn Rd.
        return Some(FpOp::Sha256Su0);
    }
    if w & 0xbfe0_fc00 == 0x0ee0_e000 {
        // PMULL{2} (1Q): 0 Q 0 01110 11 1 Rm 1110 00 Rn Rd.
        return Some(if w >> 30 & 1 == 1 {
            FpOp::Pmull2
        } else {
            FpOp::Pmull
        });
    }
    crypto_move(w)
}

/// The move around crypto operations `w` encodes, if it is one (EOR, EXT #8, REV64 and
/// REV32 of bytes, 16B; ADD, 4S): `simd` leaves these to the general executor in a block with
/// a crypto call. (Not ORR, MOV's form: AES-CTR's MOV of a counter block whose word a general
/// register just set runs better on the halves, and SHA-256 gains nothing by it.)
pub(crate) fn crypto_move(w: u32) -> Option<FpOp> {
    match w & 0xffe0_fc00 {
        // EOR: 0 1 1 01110 00 1 Rm 00011 1 Rn Rd.
        0x6e20_1c00 => return Some(FpOp::Eor),
        // EXT #8: 0 1 1 01110 00 0 Rm 0 1000 0 Rn Rd.
        0x6e00_4000 => return Some(FpOp::Ext8),
        // ADD (4S): 0 1 0 01110 10 1 Rm 10000 1 Rn Rd.
        0x4ea0_8400 => return Some(FpOp::Add32),
        _ => {}
    }
    match w & 0xffff_fc00 {
        // REV64 (bytes): 0 1 0 01110 00 10000 00000 10 Rn Rd.
        0x4e20_0800 => Some(FpOp::Rev64),
        // REV32 (bytes): 0 1 1 01110 00 10000 00000 10 Rn Rd.
        0x6e20_0800 => Some(FpOp::Rev32),
        _ => None,
    }
}
