//! Guest addresses `base + k` folded into the memory operands that read them.
//!
//! Loads and stores with an immediate offset (`ldr x0, [x1, #16]`, the pairs of `stp`, A32's
//! `ldr r0, [r1, #-4]`) lift to a sum with a constant whose only readers are memory accesses.
//! x86 addressing has a displacement, so such a sum is never computed: each access takes
//! `[r14 + base + k]` instead, one host instruction fewer per access.
//!
//! For a 64-bit guest that is the same 64-bit sum. A 32-bit guest's sum (`addc.32 base, k, 0`)
//! wraps at 4 GiB, the folded one does not: it is exact only while `base + k` stays inside
//! 32 bits, which real programs' accesses do. `k` is kept within the guard pages around the
//! guest's window (`mem::GUARD32`), so an access that should have wrapped faults there,
//! at a guest address past 32 bits; the dispatcher then stops folding (`Jit::set_fold32`) and
//! runs the instruction again, translated without.

use crate::alloc::imm32;
use ir::{Block, Op, Term, Val};

/// The largest `|k|` folded into a 32-bit guest's access: the guard pages on each side of the
/// window are 64 KiB, and the access itself may be 16 bytes long.
const MAX_K32: i32 = 0xff00;

/// Whether argument `pos` of `op` is a guest address the lowering reads as `[r14 + reg]`.
fn is_address(op: Op, pos: usize) -> bool {
    pos == 0
        && matches!(
            op,
            Op::Load | Op::Store | Op::StoreIf | Op::LoadV | Op::StoreV
        )
}

/// For each value of `b` (by number): `Some((base, k))` if it is a sum of `base` and a
/// constant `k` that everything reading it reads as an address (never the terminator; a sum
/// nothing reads is not computed either). 64-bit sums (`add`) fold with any `k` that fits a
/// sign-extended 32-bit displacement (with 8 to spare for a 16-byte access's second half);
/// with `fold32`, 32-bit ones (`addc.32` with a constant carry in, which a subtraction's is)
/// of a base that fits 32 bits (`ir::passes::may_set`) fold with `k` (read as a signed 32-bit
/// number) up to [`MAX_K32`] either way.
pub fn find(b: &Block, fold32: bool) -> Vec<Option<(Val, i32)>> {
    let n = b.num_vals as usize;
    // The bits each value may have set, and the constants.
    let mut may = vec![u64::MAX; n];
    let mut konst: Vec<Option<u64>> = vec![None; n];
    let mut folds: Vec<Option<(Val, i32)>> = vec![None; n];
    // The op of each sum that may fold (only sums of one kind chain).
    let mut kinds = vec![Op::Const; n];
    for i in &b.insts {
        let Some(d) = i.dst else { continue };
        let [x, y, z] = i.args;
        let k = |v: Val| konst.get(v.0 as usize).copied().flatten();
        // The non-constant operand and the constant, either way round.
        let split = match (k(x), k(y)) {
            (_, Some(c)) => Some((x, c)),
            (Some(c), None) => Some((y, c)),
            (None, None) => None,
        };
        // A base that is itself such a sum (the second word of a pair, `base + 16 + 8`)
        // folds further: its own base with both constants.
        let chained = |base: Val, c: i32, kind: Op| match (
            folds.get(base.0 as usize),
            kinds.get(base.0 as usize),
        ) {
            (Some(&Some((root, k1))), Some(&k)) if k == kind => Some((root, k1.checked_add(c)?)),
            _ => Some((base, c)),
        };
        let fold = match i.op {
            Op::Add => split.and_then(|(base, c)| {
                let (base, c) = chained(base, imm32(c)?, Op::Add)?;
                (c <= i32::MAX - 8).then_some((base, c))
            }),
            // `base + k + c` with a constant carry in: subtracting `k` is adding `!k` and 1.
            Op::AddC if fold32 && i.imm == 32 => split
                .zip(k(z).filter(|&c| c <= 1))
                .filter(|&((base, _), _)| may.get(base.0 as usize).is_some_and(|m| m >> 32 == 0))
                .and_then(|((base, c), carry)| {
                    chained(base, c.wrapping_add(carry) as u32 as i32, Op::AddC)
                })
                .filter(|&(_, c)| (-MAX_K32..=MAX_K32).contains(&c)),
            _ => None,
        };
        let m = ir::passes::may_set(
            i,
            b.narrow_regs,
            |v| may.get(v.0 as usize).copied().unwrap_or(u64::MAX),
            k,
        );
        let c = (i.op == Op::Const).then_some(i.imm);
        if let (Some(f), Some(mv), Some(kv)) = (
            folds.get_mut(d.0 as usize),
            may.get_mut(d.0 as usize),
            konst.get_mut(d.0 as usize),
        ) {
            *f = fold;
            *mv = m;
            *kv = c;
            if fold.is_some() {
                kinds[d.0 as usize] = i.op;
            }
        }
    }
    // Any other reader keeps the sum as a value, unless that reader is itself a folded sum,
    // which is not computed. Readers come after what they read, so going backwards every
    // reader's fate is known first; a sum kept as a value reads its operands.
    let mut kept = vec![false; n];
    let keep = |kept: &mut Vec<bool>, v: Val| {
        if let Some(k) = kept.get_mut(v.0 as usize) {
            *k = true;
        }
    };
    if let Term::JumpReg(v) | Term::Branch { cond: v, .. } = b.term {
        keep(&mut kept, v);
    }
    for i in b.insts.iter().rev() {
        let computed = i.dst.is_none_or(|d| {
            let d = d.0 as usize;
            folds.get(d).is_none_or(Option::is_none) || kept.get(d) == Some(&true)
        });
        if !computed {
            continue;
        }
        for (pos, &a) in i.args[..i.op.info().arity].iter().enumerate() {
            if !is_address(i.op, pos) {
                keep(&mut kept, a);
            }
        }
    }
    for (f, &k) in folds.iter_mut().zip(&kept) {
        if k {
            *f = None;
        }
    }
    folds
}
