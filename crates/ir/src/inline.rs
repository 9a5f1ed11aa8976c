//! Scalar FP operations the JIT may inline in place of a helper call.
//!
//! A `call` whose immediate is non-zero names one of these operations. The helper stays the
//! definition of the instruction (the interpreter always calls it); the JIT may instead emit a
//! host SSE instruction for the common case and call the helper only when the inline result
//! could differ from ARM's (NaNs, infinities, denormal or zero results, a non-default FPCR, or
//! an FPSR without IXC, the one flag an inline operation cannot report).
//!
//! Every inlinable helper takes the operand bit patterns as its arguments (`a`, `b`, `c` below)
//! and returns the result's bit pattern, zero-extended from the format's width. The conversions
//! to and from integers take or return the integer instead, zero-extended from its width.
//!
//! The cryptographic-extension operations ([`FpOp::is_crypto`]) are vector operations on whole
//! 128-bit registers with no FP state: the JIT runs them on the host's AES-NI, PCLMULQDQ and
//! SHA instructions where it has them, with no slow path. So are the moves GHASH, the AES-GCM
//! and the SHA-256 kernels run between them (EOR, EXT by 8 bytes, REV64 and REV32 of bytes,
//! ADD of words), which a lifter makes such calls in a block that already has a crypto call,
//! so that their registers stay in host xmm registers (elsewhere they are integer IR on the
//! registers' halves).

/// The operation of an inlinable FP helper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `sqrt(a)`.
    Sqrt,
    /// `c + a * b`, fused (FMADD).
    MulAdd,
    /// `c - a * b`, fused (FMSUB).
    MulSub,
    /// `-c - a * b`, fused (FNMADD).
    NegMulAdd,
    /// `a * b - c`, fused (FNMSUB).
    NegMulSub,
    /// FCMP of `a` with `b`: the NZCV value (ARM layout, bits 31..28).
    Cmp,
    /// SCVTF (`signed`) or UCVTF of the integer `a` (64 bits if `wide`, else 32, zero-extended)
    /// to the format, rounded with FPCR.RMode.
    FromInt {
        /// `a` is two's complement (SCVTF), else unsigned (UCVTF).
        signed: bool,
        /// `a` is a 64-bit integer (an X register), else a 32-bit one (a W register).
        wide: bool,
    },
    /// FCVT{N,P,M,Z,A}S (`signed`) or ...U of `a` (the format) to an integer of 64 bits if
    /// `wide`, else 32 (zero-extended), rounded as `rmode` says and saturated.
    ToInt {
        /// Signed result (FCVT*S), else unsigned (FCVT*U).
        signed: bool,
        /// 64-bit result (an X register), else 32-bit (a W register).
        wide: bool,
        /// The rounding, coded as for [`FpOp::RoundInt`]: 0 N, 1 P, 2 M, 3 Z, 4 A.
        rmode: u8,
    },
    /// FCVT of `a` from the format to the other one of single and double precision.
    Convert,
    /// FMAX of `a` and `b`.
    Max,
    /// FMIN of `a` and `b`.
    Min,
    /// FMAXNM of `a` and `b` (a quiet NaN loses to a number).
    MaxNm,
    /// FMINNM of `a` and `b` (a quiet NaN loses to a number).
    MinNm,
    /// FRINT of `a`: rounding to an integral value in the format.
    RoundInt {
        /// The low three bits of the FRINT opcode: 0 N (nearest), 1 P (towards plus
        /// infinity), 2 M (towards minus infinity), 3 Z (towards zero), 4 A (nearest, ties
        /// away), 6 X (FPCR.RMode, raising Inexact), 7 I (FPCR.RMode).
        rmode: u8,
    },
    /// AESE: `d = SubBytes(ShiftRows(d ^ n))`.
    Aese,
    /// AESD: `d = InvSubBytes(InvShiftRows(d ^ n))`.
    Aesd,
    /// AESMC: `d = MixColumns(n)`.
    Aesmc,
    /// AESIMC: `d = InvMixColumns(n)`.
    Aesimc,
    /// PMULL (1Q): `d` = the carry-less product of the low 64 bits of `n` and `m`.
    Pmull,
    /// PMULL2 (1Q): as [`FpOp::Pmull`] of the high 64 bits.
    Pmull2,
    /// SHA256H: four SHA-256 rounds; `d` holds (and gets) a, b, c, d, `n` e, f, g, h, `m` the
    /// round inputs.
    Sha256H,
    /// SHA256H2: the same four rounds giving e, f, g, h; `d` holds those, `n` a, b, c, d.
    Sha256H2,
    /// SHA256SU0: the first half of the SHA-256 message schedule update.
    Sha256Su0,
    /// SHA256SU1: the second half of the SHA-256 message schedule update.
    Sha256Su1,
    /// EOR (vector, 16B): `d = n ^ m`.
    Eor,
    /// EXT (16B) by 8 bytes: `d` = the high half of `n`, then the low half of `m`.
    Ext8,
    /// REV64 (16B): the bytes of each 64-bit half of `n` in reverse order.
    Rev64,
    /// ADD (vector, 4S): `d = n + m` in 32-bit lanes.
    Add32,
    /// REV32 (16B): the bytes of each 32-bit word of `n` in reverse order.
    Rev32,
}

impl FpOp {
    /// True for the cryptographic-extension operations and the moves around them (vector
    /// only, no FP state).
    pub fn is_crypto(self) -> bool {
        CRYPTO.contains(&self)
    }
}

/// The cryptographic-extension operations and the moves around them.
const CRYPTO: [FpOp; 15] = [
    FpOp::Aese,
    FpOp::Aesd,
    FpOp::Aesmc,
    FpOp::Aesimc,
    FpOp::Pmull,
    FpOp::Pmull2,
    FpOp::Sha256H,
    FpOp::Sha256H2,
    FpOp::Sha256Su0,
    FpOp::Sha256Su1,
    FpOp::Eor,
    FpOp::Ext8,
    FpOp::Rev64,
    FpOp::Add32,
    FpOp::Rev32,
];

/// The rounding letters by [`FpOp::RoundInt`] `rmode` (5 is unallocated).
const ROUNDING_NAMES: [char; 8] = ['n', 'p', 'm', 'z', 'a', '?', 'x', 'i'];

/// Number of operations.
const N_OPS: usize = 61;

/// The operations in encoding order (index + 1 is the code in a `call` immediate).
const OPS: [FpOp; N_OPS] = all_ops();

/// Builds [`OPS`]: the operations without parameters, then per integer form (signed 32,
/// signed 64, unsigned 32, unsigned 64) the conversion from it and those to it in every
/// rounding, then the FRINT forms, then the cryptographic operations.
const fn all_ops() -> [FpOp; N_OPS] {
    const PLAIN: [FpOp; 15] = [
        FpOp::Add,
        FpOp::Sub,
        FpOp::Mul,
        FpOp::Div,
        FpOp::Sqrt,
        FpOp::MulAdd,
        FpOp::MulSub,
        FpOp::NegMulAdd,
        FpOp::NegMulSub,
        FpOp::Cmp,
        FpOp::Convert,
        FpOp::Max,
        FpOp::Min,
        FpOp::MaxNm,
        FpOp::MinNm,
    ];
    const FRINT: [u8; 7] = [0, 1, 2, 3, 4, 6, 7];
    let mut ops = [FpOp::Add; N_OPS];
    let mut i = 0;
    while i < PLAIN.len() {
        ops[i] = PLAIN[i];
        i += 1;
    }
    let mut form = 0;
    while form < 4 {
        let (signed, wide) = (form < 2, form & 1 != 0);
        ops[i] = FpOp::FromInt { signed, wide };
        i += 1;
        let mut rmode = 0;
        while rmode < 5 {
            ops[i] = FpOp::ToInt {
                signed,
                wide,
                rmode,
            };
            i += 1;
            rmode += 1;
        }
        form += 1;
    }
    let mut r = 0;
    while r < FRINT.len() {
        ops[i] = FpOp::RoundInt { rmode: FRINT[r] };
        i += 1;
        r += 1;
    }
    let mut c = 0;
    while c < CRYPTO.len() {
        ops[i] = CRYPTO[c];
        i += 1;
        c += 1;
    }
    assert!(i == N_OPS, "N_OPS must count the operations");
    ops
}

/// The registers of a vector operation: V`d` = V`n` op V`m` lane by lane (the fused forms
/// accumulate into V`d`), over 128 bits with `q`, else over 64 bits with the top half zeroed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VecRegs {
    /// 128-bit vector.
    pub q: bool,
    /// Destination (and accumulator) register.
    pub d: u8,
    /// First source register.
    pub n: u8,
    /// Second source register.
    pub m: u8,
}

/// An inlinable operation and its format.
///
/// A scalar operation's helper takes the operand bit patterns and returns the result. A vector
/// operation's helper (`vector` set) works on the registers named here in the CPU state and
/// returns 0; its call arguments are not operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpInline {
    /// What the helper computes (lane by lane for vectors; `MulAdd` is `d + n * m` and
    /// `MulSub` is `d - n * m` there).
    pub op: FpOp,
    /// Double precision if true, single precision if false.
    pub double: bool,
    /// For a vector operation, its registers.
    pub vector: Option<VecRegs>,
}

impl FpInline {
    /// The `call` immediate naming this operation (never 0).
    pub fn encode(self) -> u64 {
        let i = OPS.iter().position(|o| *o == self.op).unwrap_or(0) as u64;
        let v = self.vector.map_or(0, |r| {
            1 << 9
                | (r.q as u64) << 10
                | (r.d as u64 & 31) << 16
                | (r.n as u64 & 31) << 21
                | (r.m as u64 & 31) << 26
        });
        (i + 1) | (self.double as u64) << 8 | v
    }

    /// The operation a `call` immediate names, or `None` for 0 and invalid immediates.
    pub fn decode(imm: u64) -> Option<FpInline> {
        let vector = imm >> 9 & 1 != 0;
        if imm >> 31 != 0 || imm >> 11 & 0x1f != 0 || (!vector && imm >> 10 != 0) {
            return None;
        }
        let op = *OPS.get(((imm & 0xff) as usize).checked_sub(1)?)?;
        let field = |at: u32| (imm >> at & 31) as u8;
        Some(FpInline {
            op,
            double: imm >> 8 & 1 != 0,
            vector: vector.then(|| VecRegs {
                q: imm >> 10 & 1 != 0,
                d: field(16),
                n: field(21),
                m: field(26),
            }),
        })
    }

    /// Whether this is scalar arithmetic that rounds like any IEEE operation: add, subtract,
    /// multiply, divide, square root and the four fused multiply-adds.
    pub fn arithmetic(self) -> bool {
        self.vector.is_none()
            && matches!(
                self.op,
                FpOp::Add
                    | FpOp::Sub
                    | FpOp::Mul
                    | FpOp::Div
                    | FpOp::Sqrt
                    | FpOp::MulAdd
                    | FpOp::MulSub
                    | FpOp::NegMulAdd
                    | FpOp::NegMulSub
            )
    }

    /// Number of operands the helper reads.
    pub fn arity(self) -> usize {
        match self.op {
            FpOp::Sqrt
            | FpOp::FromInt { .. }
            | FpOp::ToInt { .. }
            | FpOp::Convert
            | FpOp::RoundInt { .. } => 1,
            FpOp::MulAdd | FpOp::MulSub | FpOp::NegMulAdd | FpOp::NegMulSub => 3,
            _ => 2,
        }
    }
}

impl core::fmt::Display for FpInline {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let fmt = if self.double { 'd' } else { 's' };
        // The integer forms name the instruction and the integer register width.
        let reg = |wide: bool| if wide { 'x' } else { 'w' };
        match self.op {
            FpOp::FromInt { signed, wide } => {
                let name = if signed { "scvtf" } else { "ucvtf" };
                write!(f, "{name}.{}.{fmt}", reg(wide))?;
            }
            FpOp::ToInt {
                signed,
                wide,
                rmode,
            } => {
                let r = ROUNDING_NAMES[rmode as usize & 7];
                let s = if signed { 's' } else { 'u' };
                write!(f, "fcvt{r}{s}.{}.{fmt}", reg(wide))?;
            }
            FpOp::RoundInt { rmode } => {
                let v = ROUNDING_NAMES[rmode as usize & 7];
                write!(f, "frint{v}.{fmt}")?;
            }
            op if op.is_crypto() => write!(f, "{}", format!("{op:?}").to_lowercase())?,
            op => write!(f, "{}.{fmt}", format!("{op:?}").to_lowercase())?,
        }
        if let (true, Some(r)) = (self.op.is_crypto(), self.vector) {
            return write!(f, " v{}, v{}, v{}", r.d, r.n, r.m);
        }
        if let Some(r) = self.vector {
            let lanes = match (self.double, r.q) {
                (true, _) => 2,
                (false, true) => 4,
                (false, false) => 2,
            };
            write!(f, ".{lanes} v{}, v{}, v{}", r.d, r.n, r.m)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_zero_is_none() {
        // Every operation once.
        for (i, a) in OPS.iter().enumerate() {
            assert!(!OPS[i + 1..].contains(a), "{a:?} twice");
        }
        assert_eq!(FpInline::decode(0), None);
        let regs = VecRegs {
            q: true,
            d: 31,
            n: 7,
            m: 30,
        };
        for op in OPS {
            for double in [false, true] {
                for vector in [None, Some(regs)] {
                    let x = FpInline { op, double, vector };
                    assert_ne!(x.encode(), 0);
                    assert_eq!(FpInline::decode(x.encode()), Some(x));
                }
            }
        }
        assert_eq!(FpInline::decode(OPS.len() as u64 + 1), None);
        assert_eq!(FpInline::decode(1 << 31 | 1), None);
        assert_eq!(FpInline::decode(1 << 11 | 1), None);
        assert_eq!(FpInline::decode(1 << 10 | 1), None);
    }

    #[test]
    fn names_show_the_integer_width() {
        let show = |op, double| {
            FpInline {
                op,
                double,
                vector: None,
            }
            .to_string()
        };
        let scvtf_x = FpOp::FromInt {
            signed: true,
            wide: true,
        };
        let fcvtzu_w = FpOp::ToInt {
            signed: false,
            wide: false,
            rmode: 3,
        };
        assert_eq!(show(scvtf_x, true), "scvtf.x.d");
        assert_eq!(show(fcvtzu_w, false), "fcvtzu.w.s");
        assert_eq!(show(FpOp::MaxNm, true), "maxnm.d");
        assert_eq!(show(FpOp::RoundInt { rmode: 2 }, false), "frintm.s");
        let fcvtas_x = FpOp::ToInt {
            signed: true,
            wide: true,
            rmode: 4,
        };
        assert_eq!(show(fcvtas_x, true), "fcvtas.x.d");
    }
}
