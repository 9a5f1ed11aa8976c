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

/// What is known of a value while looking for sums.
#[derive(Clone, Copy)]
enum Known {
    Nothing,
    /// A constant.
    Const(u64),
    /// Zero above bit 31: a 32-bit register or result.
    Narrow,
}

/// For each value of `b` (by number): `Some((base, k))` if it is a sum of `base` and a
/// constant `k` that everything reading it reads as an address (never the terminator; a sum
/// nothing reads is not computed either). 64-bit sums (`add`) fold with any `k` that fits a
/// sign-extended 32-bit displacement (with 8 to spare for a 16-byte access's second half);
/// with `fold32`, 32-bit ones (`addc.32` with a constant carry in, which a subtraction's is)
/// of a base known to fit 32 bits fold with `k` (read as a signed 32-bit number) up to
/// [`MAX_K32`] either way.
pub fn find(b: &Block, fold32: bool) -> Vec<Option<(Val, i32)>> {
    let n = b.num_vals as usize;
    let mut known = vec![Known::Nothing; n];
    let mut folds: Vec<Option<(Val, i32)>> = vec![None; n];
    let konst = |known: &[Known], v: Val| match known.get(v.0 as usize) {
        Some(Known::Const(k)) => Some(*k),
        _ => None,
    };
    for i in &b.insts {
        let Some(d) = i.dst else { continue };
        let [x, y, z] = i.args;
        // The non-constant operand and the constant, either way round.
        let split = |known: &[Known]| match (konst(known, x), konst(known, y)) {
            (_, Some(k)) => Some((x, k)),
            (Some(k), None) => Some((y, k)),
            (None, None) => None,
        };
        let (fact, fold) = match i.op {
            Op::Const => (Known::Const(i.imm), None),
            Op::GetReg if fold32 && b.narrow_regs && i.imm < ir::NARROW_SLOTS => {
                (Known::Narrow, None)
            }
            Op::Zext if fold32 && i.imm <= 32 => (Known::Narrow, None),
            Op::Load if fold32 && i.imm <= 4 => (Known::Narrow, None),
            Op::Add => {
                let fold = split(&known).and_then(|(base, k)| {
                    let k = imm32(k).filter(|&k| k <= i32::MAX - 8)?;
                    Some((base, k))
                });
                (Known::Nothing, fold)
            }
            // `base + k + c` with a constant carry in: subtracting `k` is adding `!k` and 1.
            Op::AddC if fold32 && i.imm == 32 => {
                let fold = split(&known)
                    .zip(konst(&known, z).filter(|&c| c <= 1))
                    .filter(|&((base, _), _)| {
                        matches!(known.get(base.0 as usize), Some(Known::Narrow))
                    })
                    .map(|((base, k), c)| (base, k.wrapping_add(c) as u32 as i32))
                    .filter(|&(_, k)| (-MAX_K32..=MAX_K32).contains(&k));
                (Known::Narrow, fold)
            }
            _ => (Known::Nothing, None),
        };
        if let (Some(f), Some(o)) = (known.get_mut(d.0 as usize), folds.get_mut(d.0 as usize)) {
            *f = fact;
            *o = fold;
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
