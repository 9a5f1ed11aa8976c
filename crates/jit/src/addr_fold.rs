//! Guest addresses `base + k` folded into the memory operands that read them.
//!
//! A64 loads and stores with an immediate offset (`ldr x0, [x1, #16]`, the pairs of `stp`)
//! lift to an `add` of a constant whose only readers are memory accesses. x86 addressing has a
//! displacement: `[r14 + base + k]` is the same 64-bit sum, so such an `add` is never computed
//! and each access takes `base` and `k` instead, one host instruction fewer per access. (A32
//! addresses wrap at 32 bits, so theirs go through a `zext.32` and stay as they are.)

use crate::alloc::imm32;
use ir::{Block, Op, Term, Val};

/// Whether argument `pos` of `op` is a guest address the lowering reads as `[r14 + reg]`.
fn is_address(op: Op, pos: usize) -> bool {
    pos == 0
        && matches!(
            op,
            Op::Load | Op::Store | Op::StoreIf | Op::LoadV | Op::StoreV
        )
}

/// For each value of `b` (by number): `Some((base, k))` if it is `add base, k` with `k` a
/// constant that fits a sign-extended 32-bit displacement (with 8 to spare), and everything that reads it reads
/// it as an address (never the terminator; a sum nothing reads is not computed either).
pub fn find(b: &Block) -> Vec<Option<(Val, i32)>> {
    let n = b.num_vals as usize;
    let mut konst = vec![None; n];
    let mut folds: Vec<Option<(Val, i32)>> = vec![None; n];
    for i in &b.insts {
        let Some(d) = i.dst else { continue };
        match i.op {
            Op::Const => {
                if let Some(c) = konst.get_mut(d.0 as usize) {
                    // (Room left for the second half of a 16-byte access at `k + 8`.)
                    *c = imm32(i.imm).filter(|&k| k <= i32::MAX - 8);
                }
            }
            Op::Add => {
                let k = |v: Val| konst.get(v.0 as usize).copied().flatten();
                let [x, y, _] = i.args;
                let fold = match (k(x), k(y)) {
                    (_, Some(k)) => Some((x, k)),
                    (Some(k), None) => Some((y, k)),
                    (None, None) => None,
                };
                if let Some(f) = folds.get_mut(d.0 as usize) {
                    *f = fold;
                }
            }
            _ => {}
        }
    }
    // Any other reader keeps the sum as a value.
    let mut drop = |v: Val| {
        if let Some(f) = folds.get_mut(v.0 as usize) {
            *f = None;
        }
    };
    for i in &b.insts {
        for (pos, &a) in i.args[..i.op.info().arity].iter().enumerate() {
            if !is_address(i.op, pos) {
                drop(a);
            }
        }
    }
    if let Term::JumpReg(v) | Term::Branch { cond: v, .. } = b.term {
        drop(v);
    }
    folds
}
