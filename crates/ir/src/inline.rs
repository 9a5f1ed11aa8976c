//! Scalar FP operations the JIT may inline in place of a helper call.
//!
//! A `call` whose immediate is non-zero names one of these operations. The helper stays the
//! definition of the instruction (the interpreter always calls it); the JIT may instead emit a
//! host SSE instruction for the common case and call the helper only when the inline result
//! could differ from ARM's (NaNs, infinities, denormal or zero results, a non-default FPCR, or
//! an FPSR without IXC, the one flag an inline operation cannot report).
//!
//! Every inlinable helper takes the operand bit patterns as its arguments (`a`, `b`, `c` below)
//! and returns the result's bit pattern, zero-extended from the format's width.

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
}

/// The operations in encoding order (index + 1 is the code in a `call` immediate).
const OPS: [FpOp; 10] = [
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
];

/// An inlinable operation and its format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpInline {
    /// What the helper computes.
    pub op: FpOp,
    /// Double precision if true, single precision if false.
    pub double: bool,
}

impl FpInline {
    /// The `call` immediate naming this operation (never 0).
    pub fn encode(self) -> u64 {
        let i = OPS.iter().position(|o| *o == self.op).unwrap_or(0) as u64;
        (i + 1) | (self.double as u64) << 8
    }

    /// The operation a `call` immediate names, or `None` for 0 and invalid immediates.
    pub fn decode(imm: u64) -> Option<FpInline> {
        if imm >> 9 != 0 {
            return None;
        }
        let op = *OPS.get(((imm & 0xff) as usize).checked_sub(1)?)?;
        Some(FpInline {
            op,
            double: imm >> 8 & 1 != 0,
        })
    }

    /// Number of operands the helper reads.
    pub fn arity(self) -> usize {
        match self.op {
            FpOp::Sqrt => 1,
            FpOp::MulAdd | FpOp::MulSub | FpOp::NegMulAdd | FpOp::NegMulSub => 3,
            _ => 2,
        }
    }
}

impl core::fmt::Display for FpInline {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = format!("{:?}", self.op).to_lowercase();
        write!(f, "{name}.{}", if self.double { 'd' } else { 's' })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_zero_is_none() {
        assert_eq!(FpInline::decode(0), None);
        for op in OPS {
            for double in [false, true] {
                let x = FpInline { op, double };
                assert_ne!(x.encode(), 0);
                assert_eq!(FpInline::decode(x.encode()), Some(x));
            }
        }
        assert_eq!(FpInline::decode(11), None);
        assert_eq!(FpInline::decode(1 << 9 | 1), None);
    }
}
