//! The IR verifier: checks SSA form, arities and immediates against the op table.

use crate::ops::ImmKind;
use crate::{Block, Op, Term, Val};
use std::fmt;

/// Why a block is not well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// Index of the offending instruction (`insts.len()` for the terminator).
    pub at: usize,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inst {}: {}", self.at, self.what)
    }
}

impl std::error::Error for VerifyError {}

/// Checks that every value is defined once before use, that each instruction's arity and
/// immediate fit its opcode, and that `call` has a helper.
pub fn verify(b: &Block) -> Result<(), VerifyError> {
    let mut defined = vec![false; b.num_vals as usize];
    let err = |at: usize, what: String| Err(VerifyError { at, what });
    let check_use = |defined: &[bool], v: Val| defined.get(v.0 as usize).copied().unwrap_or(false);
    for (at, i) in b.insts.iter().enumerate() {
        let info = i.op.info();
        for a in &i.args[..info.arity] {
            if !check_use(&defined, *a) {
                return err(at, format!("v{} used before definition", a.0));
            }
        }
        let imm_ok = match info.imm {
            ImmKind::None => i.imm == 0,
            ImmKind::Const => true,
            ImmKind::Slot => i.imm < 256,
            ImmKind::Width => i.imm == 32 || i.imm == 64,
            ImmKind::Size => matches!(i.imm, 1 | 2 | 4 | 8),
            ImmKind::ExtFrom | ImmKind::Lane => matches!(i.imm, 8 | 16 | 32),
            ImmKind::Cond => i.imm < 16,
            ImmKind::CondWidth => matches!(i.imm >> 8, 32 | 64) && i.imm & 0xf0 == 0,
            // The GE flags exist for add and subtract only.
            ImmKind::ByteOp => match i.op {
                Op::Bytes4Mask => i.imm < 2,
                _ => i.imm < 4,
            },
            ImmKind::PairOp => crate::PairOp::from_imm(i.imm).is_some(),
            ImmKind::Deferred => crate::Deferred::from_imm(i.imm).is_some(),
            ImmKind::Inline => i.imm == 0 || crate::inline::FpInline::decode(i.imm).is_some(),
            ImmKind::VecAccess => {
                i.imm & 0x3f < 32 && matches!(i.imm >> 8, 1 | 2 | 4 | 8 | 16) && i.imm & 0xc0 == 0
            }
        };
        if !imm_ok {
            return err(at, format!("bad immediate {:#x} for {}", i.imm, info.text));
        }
        if (i.op == Op::Call) != i.helper.is_some() {
            return err(at, "helper must be present exactly on call".into());
        }
        match (info.result, i.dst) {
            (true, Some(d)) => {
                let Some(slot) = defined.get_mut(d.0 as usize) else {
                    return err(at, format!("v{} beyond num_vals", d.0));
                };
                if *slot {
                    return err(at, format!("v{} defined twice", d.0));
                }
                *slot = true;
            }
            (false, None) => {}
            _ => return err(at, format!("{} result mismatch", info.text)),
        }
    }
    let end = b.insts.len();
    match b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } if !check_use(&defined, v) => {
            err(end, format!("terminator uses undefined v{}", v.0))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;

    #[test]
    fn rejects_bad_width_and_use_before_def() {
        let mut b = Builder::verbatim(0);
        let x = b.konst(1);
        b.binw(Op::Shl, x, x, 48);
        let blk = b.finish(Term::Jump(0));
        assert!(verify(&blk).unwrap_err().what.contains("bad immediate"));

        let b = Builder::verbatim(0);
        let blk = b.finish(Term::JumpReg(Val(3)));
        assert!(verify(&blk).is_err());
    }
}
