//! Exact scalar FP helpers for lifters: one IR helper per operation and precision, computing
//! ARM's result and FPSR flags with this crate's reference arithmetic. The A64 lifter (FADD,
//! FMADD, FCMP...) and the A32 VFP lifter (VADD, VFMA, VCMP...) mark their calls with the
//! operation (`ir::inline`), so the JIT may run the common case inline and call these for the
//! rest; the interpreter always calls them.

use crate::fenv::Env;
use crate::float::Fmt;
use crate::fp_arith::{self, Bin};
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

/// The exact semantics of operation `OP` in double (`D`) or single precision on the operand bit
/// patterns `a`, `b`, `c` (roles as in `ir::inline::FpOp`), under the guest's FPCR, with the
/// raised exceptions merged into FPSR.
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
        _ => fp_arith::compare(e, fmt, a, b, true),
    };
    cpu.fpsr |= env.flags;
    r
}

/// One helper per operation and precision: `[op][double]`.
macro_rules! helpers {
    ($($op:ident $name:literal),* $(,)?) => {
        static HELPERS: [[Helper; 2]; 11] = [
            $([
                Helper { name: concat!($name, ".s"), func: exact::<$op, false> },
                Helper { name: concat!($name, ".d"), func: exact::<$op, true> },
            ],)*
        ];
    };
}

helpers!(
    ADD "fadd", SUB "fsub", MUL "fmul", DIV "fdiv", SQRT "fsqrt", MADD "fmadd",
    MSUB "fmsub", NMADD "fnmadd", NMSUB "fnmsub", CMP "fcmp", CMPE "fcmpe",
);

/// The helper computing operation `op` (one of the constants above) in double precision if
/// `double`, else single.
pub fn helper(op: u8, double: bool) -> &'static Helper {
    &HELPERS[(op as usize).min(HELPERS.len() - 1)][double as usize]
}
