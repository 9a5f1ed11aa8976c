//! Exact scalar FP helpers for lifters: one IR helper per operation and precision, computing
//! ARM's result and FPSR flags with this crate's reference arithmetic and conversions. The A64
//! lifter (FADD, FMADD, FCMP, SCVTF, FCVTZS, FCVT, FMAX, FRINTM...) and the A32 VFP lifter
//! (VADD, VFMA, VCMP...) mark their calls with the operation (`ir::inline`), so the JIT may run
//! the common case inline and call these for the rest; the interpreter always calls them.

use crate::fenv::{Env, Round};
use crate::float::Fmt;
use crate::fp_arith::{self, Bin};
use crate::fp_convert;
use crate::fp_scalar::frint_mode;
use cpu::CpuState;
use ir::Helper;

/// Operation codes for [`helper`] (a const generic cannot be an enum on stable Rust).
pub const ADD: u8 = 0;
/// `a - b`.
pub const SUB: u8 = 1;
/// `a * b`.
pub const MUL: u8 = 2;
/// `a / b`.
pub const DIV: u8 = 3;
/// `sqrt(a)`.
pub const SQRT: u8 = 4;
/// `c + a * b`, fused.
pub const MADD: u8 = 5;
/// `c - a * b`, fused.
pub const MSUB: u8 = 6;
/// `-c - a * b`, fused.
pub const NMADD: u8 = 7;
/// `a * b - c`, fused.
pub const NMSUB: u8 = 8;
/// Compare: NZCV (quiet NaNs raise nothing).
pub const CMP: u8 = 9;
/// Compare: NZCV (every NaN raises Invalid).
pub const CMPE: u8 = 10;
/// SCVTF from a 32-bit integer. The integer conversions come in the order signed 32, signed
/// 64, unsigned 32, unsigned 64 (see [`int_form`]).
pub const SCVTF_W: u8 = 11;
/// SCVTF from a 64-bit integer.
pub const SCVTF_X: u8 = 12;
/// UCVTF from a 32-bit integer.
pub const UCVTF_W: u8 = 13;
/// UCVTF from a 64-bit integer.
pub const UCVTF_X: u8 = 14;
/// FCVT{N,P,M,Z,A}{S,U} to a general register: the 20 codes from here are [`to_int`]'s.
pub const TO_INT: u8 = 15;
/// The last of the [`TO_INT`] codes.
pub const TO_INT_LAST: u8 = TO_INT + 19;
/// FCVT to the other one of single and double precision.
pub const FCVT: u8 = 35;
/// FMAX.
pub const MAX: u8 = 36;
/// FMIN.
pub const MIN: u8 = 37;
/// FMAXNM.
pub const MAXNM: u8 = 38;
/// FMINNM.
pub const MINNM: u8 = 39;
/// FRINTN (to nearest, ties to even). The FRINT forms follow in the order of
/// [`FRINT_OPCODES`].
pub const FRINTN: u8 = 40;
/// FRINTP (towards plus infinity).
pub const FRINTP: u8 = 41;
/// FRINTM (towards minus infinity).
pub const FRINTM: u8 = 42;
/// FRINTZ (towards zero).
pub const FRINTZ: u8 = 43;
/// FRINTA (to nearest, ties away from zero).
pub const FRINTA: u8 = 44;
/// FRINTX (FPCR rounding, raising Inexact).
pub const FRINTX: u8 = 45;
/// FRINTI (FPCR rounding).
pub const FRINTI: u8 = 46;

/// The low three bits of the FRINT opcodes of `FRINTN`..=`FRINTI`, in order (101 is
/// unallocated).
pub const FRINT_OPCODES: [u8; 7] = [0, 1, 2, 3, 4, 6, 7];

/// The code of the conversion to an integer rounding as `rmode` says (coded as FRINT's opcode
/// bits: 0 N, 1 P, 2 M, 3 Z, 4 A), to a signed or unsigned integer of 64 bits if `wide`, else
/// 32: blocks of four per rounding, the integer forms in [`int_form`]'s order.
pub const fn to_int(rmode: u8, signed: bool, wide: bool) -> u8 {
    TO_INT + 4 * rmode + 2 * !signed as u8 + wide as u8
}

/// The rounding of conversion [`to_int`] code `op`.
pub const fn to_int_rmode(op: u8) -> u8 {
    (op - TO_INT) / 4
}

/// Whether integer conversion `op` (`SCVTF_W`..=`UCVTF_X` or a [`to_int`] code) has a signed
/// integer, and the integer's width in bits. Every block of four integer forms (signed 32,
/// signed 64, unsigned 32, unsigned 64) starts a multiple of four codes after `SCVTF_W`.
pub const fn int_form(op: u8) -> (bool, u32) {
    let k = (op - SCVTF_W) % 4;
    (k < 2, if k & 1 != 0 { 64 } else { 32 })
}

/// The exact semantics of operation `OP` in double (`D`) or single precision on the operand bit
/// patterns `a`, `b`, `c` (roles as in `ir::inline::FpOp`; SCVTF/UCVTF take an integer and
/// FCVT*S/FCVT*U return one), under the guest's FPCR, with the raised exceptions merged into
/// FPSR.
///
/// # Safety
/// `cpu` must point at a valid, exclusively accessible `CpuState`.
unsafe extern "C" fn exact<const OP: u8, const D: bool>(
    cpu: *mut u8,
    a: u64,
    b: u64,
    c: u64,
) -> u64 {
    // SAFETY: translated code passes the CpuState it runs on, which nothing else touches
    // during the call.
    let cpu = unsafe { &mut *(cpu as *mut CpuState) };
    let (fmt, mask) = if D {
        (Fmt::D, u64::MAX)
    } else {
        (Fmt::S, 0xffff_ffff)
    };
    // `a` stays whole for the conversions from integers, which take its width from `OP`.
    let int = a;
    let (a, b, c) = (a & mask, b & mask, c & mask);
    let mut env = Env::with_fpsr(cpu.fpcr, cpu.fpsr);
    let e = &mut env;
    let r = match OP {
        ADD => fp_arith::bin(e, fmt, Bin::Add, a, b),
        SUB => fp_arith::bin(e, fmt, Bin::Sub, a, b),
        MUL => fp_arith::bin(e, fmt, Bin::Mul, a, b),
        DIV => fp_arith::bin(e, fmt, Bin::Div, a, b),
        SQRT => fp_arith::sqrt(e, fmt, a),
        // ARM's FPNeg of an operand (which flips NaN signs too) before the fused operation.
        MADD => fp_arith::mul_add(e, fmt, c, a, b),
        MSUB => fp_arith::mul_add(e, fmt, c, fmt.neg(a), b),
        NMADD => fp_arith::mul_add(e, fmt, fmt.neg(c), fmt.neg(a), b),
        NMSUB => fp_arith::mul_add(e, fmt, fmt.neg(c), a, b),
        CMP => fp_arith::compare(e, fmt, a, b, false),
        CMPE => fp_arith::compare(e, fmt, a, b, true),
        SCVTF_W..=UCVTF_X => {
            let (signed, ibits) = int_form(OP);
            fp_convert::from_int(e, fmt, int, signed, ibits, 0)
        }
        TO_INT..=TO_INT_LAST => {
            let (signed, ibits) = int_form(OP);
            let mode = match to_int_rmode(OP) {
                4 => Round::TiesAway,
                r => Round::from_rmode(r as u64),
            };
            fp_convert::to_int(e, fmt, a, mode, signed, ibits, 0)
        }
        FCVT => fmt.convert(e, if D { Fmt::S } else { Fmt::D }, a),
        MAX => fp_arith::bin(e, fmt, Bin::Max, a, b),
        MIN => fp_arith::bin(e, fmt, Bin::Min, a, b),
        MAXNM => fp_arith::bin(e, fmt, Bin::MaxNm, a, b),
        MINNM => fp_arith::bin(e, fmt, Bin::MinNm, a, b),
        // FRINTN..=FRINTI, the last codes: every opcode in the table is allocated.
        _ => {
            let opcode = FRINT_OPCODES[(OP - FRINTN) as usize % FRINT_OPCODES.len()];
            let (mode, exact) = frint_mode(opcode as u32, cpu.fpcr).unwrap_or((Round::Zero, false));
            fp_arith::round_int(e, fmt, a, mode, exact)
        }
    };
    cpu.fpsr |= env.flags;
    r
}

/// One helper per operation and precision: `[op][double]`.
macro_rules! helpers {
    ($(($op:expr, $name:literal)),* $(,)?) => {
        static HELPERS: [[Helper; 2]; 47] = [
            $([
                Helper { name: concat!($name, ".s"), func: exact::<{ $op }, false> },
                Helper { name: concat!($name, ".d"), func: exact::<{ $op }, true> },
            ],)*
        ];
    };
}

helpers!(
    (ADD, "fadd"),
    (SUB, "fsub"),
    (MUL, "fmul"),
    (DIV, "fdiv"),
    (SQRT, "fsqrt"),
    (MADD, "fmadd"),
    (MSUB, "fmsub"),
    (NMADD, "fnmadd"),
    (NMSUB, "fnmsub"),
    (CMP, "fcmp"),
    (CMPE, "fcmpe"),
    (SCVTF_W, "scvtf.w"),
    (SCVTF_X, "scvtf.x"),
    (UCVTF_W, "ucvtf.w"),
    (UCVTF_X, "ucvtf.x"),
    (to_int(0, true, false), "fcvtns.w"),
    (to_int(0, true, true), "fcvtns.x"),
    (to_int(0, false, false), "fcvtnu.w"),
    (to_int(0, false, true), "fcvtnu.x"),
    (to_int(1, true, false), "fcvtps.w"),
    (to_int(1, true, true), "fcvtps.x"),
    (to_int(1, false, false), "fcvtpu.w"),
    (to_int(1, false, true), "fcvtpu.x"),
    (to_int(2, true, false), "fcvtms.w"),
    (to_int(2, true, true), "fcvtms.x"),
    (to_int(2, false, false), "fcvtmu.w"),
    (to_int(2, false, true), "fcvtmu.x"),
    (to_int(3, true, false), "fcvtzs.w"),
    (to_int(3, true, true), "fcvtzs.x"),
    (to_int(3, false, false), "fcvtzu.w"),
    (to_int(3, false, true), "fcvtzu.x"),
    (to_int(4, true, false), "fcvtas.w"),
    (to_int(4, true, true), "fcvtas.x"),
    (to_int(4, false, false), "fcvtau.w"),
    (to_int(4, false, true), "fcvtau.x"),
    (FCVT, "fcvt"),
    (MAX, "fmax"),
    (MIN, "fmin"),
    (MAXNM, "fmaxnm"),
    (MINNM, "fminnm"),
    (FRINTN, "frintn"),
    (FRINTP, "frintp"),
    (FRINTM, "frintm"),
    (FRINTZ, "frintz"),
    (FRINTA, "frinta"),
    (FRINTX, "frintx"),
    (FRINTI, "frinti"),
);

/// The helper computing operation `op` (one of the constants above) in double precision if
/// `double`, else single.
pub fn helper(op: u8, double: bool) -> &'static Helper {
    &HELPERS[(op as usize).min(HELPERS.len() - 1)][double as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Single-precision encodings of the operations (Rd = 0, Rn = 1, Rm = 2, Ra = 3; the
    /// integer source or destination is X1 or X0); bit 22 selects double precision.
    const WORDS: [(u8, u32); 37] = [
        (ADD, 0x1e22_2820),
        (SUB, 0x1e22_3820),
        (MUL, 0x1e22_0820),
        (DIV, 0x1e22_1820),
        (SQRT, 0x1e21_c020),
        (MADD, 0x1f02_0c20),
        (MSUB, 0x1f02_8c20),
        (NMADD, 0x1f22_0c20),
        (NMSUB, 0x1f22_8c20),
        (CMP, 0x1e22_2020),
        (CMPE, 0x1e22_2030),
        (SCVTF_W, 0x1e22_0020),
        (SCVTF_X, 0x9e22_0020),
        (UCVTF_W, 0x1e23_0020),
        (UCVTF_X, 0x9e23_0020),
        (to_int(3, true, false), 0x1e38_0020),
        (to_int(3, true, true), 0x9e38_0020),
        (to_int(3, false, false), 0x1e39_0020),
        (to_int(3, false, true), 0x9e39_0020),
        (to_int(0, true, false), 0x1e20_0020),
        (to_int(1, false, true), 0x9e29_0020),
        (to_int(2, true, true), 0x9e30_0020),
        (to_int(2, false, false), 0x1e31_0020),
        (to_int(4, true, false), 0x1e24_0020),
        (to_int(4, false, true), 0x9e25_0020),
        // FCVT Dd, Sn; the double form (bit 22) has opc 01 where FCVT Sd, Dn has 00, so the
        // test flips bit 15 along with it.
        (FCVT, 0x1e22_c020),
        (MAX, 0x1e22_4820),
        (MIN, 0x1e22_5820),
        (MAXNM, 0x1e22_6820),
        (MINNM, 0x1e22_7820),
        (FRINTN, 0x1e24_4020),
        (FRINTP, 0x1e24_c020),
        (FRINTM, 0x1e25_4020),
        (FRINTZ, 0x1e25_c020),
        (FRINTA, 0x1e26_4020),
        (FRINTX, 0x1e27_4020),
        (FRINTI, 0x1e27_c020),
    ];

    /// Operand bit patterns: both formats' zeros, denormals, limits, infinities and NaNs, and
    /// integer limits.
    const VALUES: [u64; 24] = [
        0,
        0x8000_0000_0000_0000,
        1,
        0x000f_ffff_ffff_ffff,
        0x0010_0000_0000_0000,
        0x7fef_ffff_ffff_ffff,
        0x7ff0_0000_0000_0000,
        0xfff8_0000_0000_0001,
        0x7ff4_0000_0000_0000,
        0x3ff8_0000_0000_0000,
        0xc3e0_0000_0000_0000, // -2^63
        0x41df_ffff_ffc0_0000, // 2^31 - 1
        0x8000_0000,
        0x007f_ffff,
        0x7f80_0000,
        0xffc0_0001,
        0x7fa0_0000,
        0x3fc0_0000,
        0xdf00_0000, // -2^63 in single precision
        0x4f80_0000, // 2^32 in single precision
        0x7fff_ffff,
        0xffff_ffff,
        0x7fff_ffff_ffff_ffff,
        0xffff_ffff_ffff_fffe,
    ];

    #[test]
    fn helpers_match_the_general_executor() {
        let fpcrs = [
            0u64,
            1 << 22,
            2 << 22,
            3 << 22,
            1 << 24,
            1 << 25,
            0x0340_0000,
        ];
        for (op, single) in WORDS {
            for double in [false, true] {
                let word = match (op, double) {
                    (FCVT, true) => single ^ 1 << 22 ^ 1 << 15,
                    (_, true) => single | 1 << 22,
                    _ => single,
                };
                let h = helper(op, double);
                for (i, &a) in VALUES.iter().enumerate() {
                    let b = VALUES[(i * 7 + 3) % VALUES.len()];
                    let c = VALUES[(i * 5 + 1) % VALUES.len()];
                    for fpcr in fpcrs {
                        let mut cpu = CpuState::default();
                        (cpu.v[1][0], cpu.v[2][0], cpu.v[3][0]) = (a, b, c);
                        cpu.x[1] = a;
                        cpu.fpcr = fpcr;
                        let mut want = cpu.clone();
                        // SAFETY: both calls get a CpuState of their own.
                        let (r, known) = unsafe {
                            let r = (h.func)(&mut cpu as *mut CpuState as *mut u8, a, b, c);
                            (r, crate::execute_generic(&mut want, word, 0))
                        };
                        assert!(known, "{word:08x} not decoded");
                        let expect = match op {
                            CMP | CMPE => want.nzcv,
                            TO_INT..=TO_INT_LAST => want.x[0],
                            _ => want.v[0][0],
                        };
                        let what = format!("{} {a:x} {b:x} {c:x} fpcr {fpcr:x}", h.name);
                        assert_eq!(r, expect, "{what}");
                        assert_eq!(cpu.fpsr, want.fpsr, "{what}");
                    }
                }
            }
        }
    }

    #[test]
    fn int_forms_follow_the_constant_order() {
        assert_eq!(int_form(SCVTF_W), (true, 32));
        assert_eq!(int_form(UCVTF_X), (false, 64));
        assert_eq!(int_form(to_int(3, true, true)), (true, 64));
        assert_eq!(int_form(to_int(4, false, false)), (false, 32));
        assert_eq!(to_int_rmode(to_int(2, false, true)), 2);
        assert_eq!(to_int(4, false, true), TO_INT_LAST);
        assert_eq!(FCVT, TO_INT_LAST + 1);
        // The table's order matches the codes.
        assert_eq!(helper(to_int(1, false, false), true).name, "fcvtpu.w.d");
        assert_eq!(helper(FRINTI, false).name, "frinti.s");
    }
}
