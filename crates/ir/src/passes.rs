//! Block-local optimisation passes run between lifting and code generation.
//!
//! All passes keep value numbers stable (removed instructions leave gaps), so side tables built
//! from the lifted block stay valid.

use crate::{Block, Op, Term, Val};
use cpu::slot;

/// Runs every pass in order: vector accesses split into halves, get/set forwarding, dead
/// store removal, folding, condition fusion, select merging, carry widening, subtraction
/// fusion, flags into side exits, common subexpressions, dead code removal.
pub fn optimize(b: &mut Block) {
    split_vector_accesses(b);
    forward_getreg(b);
    remove_dead_setreg(b);
    fold(b);
    fuse_conditions(b);
    merge_selects(b);
    widen_carries(b);
    fuse_subtractions(b);
    flags_into_exits(b);
    test_bits_in_place(b);
    share_common_values(b);
    drop_undemanded_bits(b);
    remove_dead_code(b);
    hoist_entry_reads(b);
}

/// Whether `b` is a loop of one block, as the JIT carries state around (see
/// [`hoist_entry_reads`]): it jumps back to its own key, always or on its branch's taken side,
/// and writes no state but with `setreg` and scalar FP helpers (no vector load or
/// store-exclusive, and no helper call but scalar FP ones, which only merge flags into FPSR:
/// the block's own reads of FPSR then stay where they are, see [`carried_read`]). Its side
/// exits (`exit.if`) leave the loop, finding the state as the block stored it.
pub fn loops_to_itself(b: &Block) -> bool {
    let back = match b.term {
        Term::Jump(t) => t == b.key,
        Term::Branch { taken, .. } => taken == b.key,
        _ => false,
    };
    back && !b.insts.iter().any(|i| match i.op {
        Op::Call => !i.is_fp_env_call(),
        Op::LoadV | Op::StoreEx => true,
        _ => false,
    })
}

/// Whether [`hoist_entry_reads`] may move `read` (a `getreg` before any `setreg` of its slot)
/// to the top of a loop of one block, for the JIT to carry its value from pass to pass: not a
/// read of FPSR in a block with scalar FP helper calls (`fp_calls`), which merge the flags
/// they raise into FPSR in memory behind the block's values. A32's VCMP and VMRS read FPSR
/// that way in n-body style loops; the read stays in place and loads what the helpers left.
fn carried_read(read: &crate::Inst, fp_calls: bool) -> bool {
    !(fp_calls && read.imm == slot::FPSR as u64)
}

/// In a block that [`loops_to_itself`] by a branch and writes NZCV before it reads it, the
/// index of its last `setreg` of NZCV. The flags its back edge carries are dead (the next pass
/// overwrites them before reading them), so the JIT stores them only on the way out of the
/// loop, and the block's own conditions had better not read the stored word (see
/// [`fuse_conditions`]).
pub fn flags_for_the_way_out(b: &Block) -> Option<usize> {
    let nzcv = slot::NZCV as u64;
    // A side exit leaves the loop too, and the block it goes to may read the flags.
    if !matches!(b.term, Term::Branch { .. })
        || !loops_to_itself(b)
        || b.insts.iter().any(|i| i.op.is_side_exit())
    {
        return None;
    }
    let touches = |i: &crate::Inst| matches!(i.op, Op::GetReg | Op::SetReg) && i.imm == nzcv;
    if b.insts.iter().find(|i| touches(i))?.op != Op::SetReg {
        return None;
    }
    // The last write of the flags: a `flags.deferred` after the last `setreg` (both write
    // NZCV) leaves nothing to sink, which would otherwise be stored over it on the way out.
    let last = b
        .insts
        .iter()
        .rposition(|i| (i.op == Op::SetReg && i.imm == nzcv) || i.op == Op::FlagsDeferred)?;
    // Nor does a read of the flags after it in the same pass: it reads the slot, which the
    // store would reach only on the way out.
    let read_after = b.insts[last + 1..].iter().any(reads_flags);
    (b.insts[last].op == Op::SetReg && !read_after).then_some(last)
}

/// In a block that [`loops_to_itself`], moves the reads of the state it starts with (a
/// `getreg s` before any `setreg s`) to its top, in their order. The JIT then reads them once
/// before the loop and carries their values from one pass to the next in host registers,
/// instead of loading what the previous pass just stored (the load waits for the store).
/// Nothing the block does before them can change what they read.
pub fn hoist_entry_reads(b: &mut Block) {
    if !loops_to_itself(b) {
        return;
    }
    let fp_calls = b.insts.iter().any(|i| i.is_fp_env_call());
    let mut written = [0u64; 4];
    let mut top = Vec::new();
    let mut rest = Vec::with_capacity(b.insts.len());
    for i in b.insts.drain(..) {
        let bit = |slot: u64| (slot as usize / 64, 1u64 << (slot % 64));
        match i.op {
            Op::GetReg
                if written[bit(i.imm).0] & bit(i.imm).1 == 0 && carried_read(&i, fp_calls) =>
            {
                top.push(i)
            }
            Op::SetReg => {
                let (w, m) = bit(i.imm);
                written[w] |= m;
                rest.push(i);
            }
            _ => rest.push(i),
        }
    }
    top.append(&mut rest);
    b.insts = top;
}

/// Common subexpressions: a pure instruction (no effects and not `getreg`, whose value depends
/// on the state where it stands) computing what an earlier one computed, same operation,
/// arguments and immediate, is replaced by the earlier value. The lifters write a constant at
/// each use and a condition per instruction (the two CSELs of a `csel; csel` pair, the SIMD
/// lane masks of each vector operation); this leaves one of each for the JIT to keep in a
/// register.
pub fn share_common_values(b: &mut Block) {
    const FREE: u32 = u32::MAX;
    let mut subst: Vec<Val> = (0..b.num_vals).map(Val).collect();
    // Open addressing over a power of two at least twice the instruction count, holding the
    // index of the first instruction of each (operation, arguments, immediate): no hashing
    // library on a path that runs once per translated block, and four bytes an entry.
    let size = (b.insts.len() * 2).next_power_of_two().max(16);
    let mut table: Vec<u32> = vec![FREE; size];
    for idx in 0..b.insts.len() {
        let i = &mut b.insts[idx];
        let info = i.op.info();
        for a in &mut i.args[..info.arity] {
            *a = subst[a.0 as usize];
        }
        let i = *i;
        let Some(d) = i.dst else { continue };
        if info.effects || i.op == Op::GetReg || i.helper.is_some() {
            continue;
        }
        let args = &i.args[..info.arity];
        let mut h = (i.op as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .wrapping_add(i.imm)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for a in args {
            h = (h ^ a.0 as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        let mut at = (h >> 32) as usize & (size - 1);
        loop {
            match table[at] {
                FREE => {
                    table[at] = idx as u32;
                    break;
                }
                k => {
                    let o = &b.insts[k as usize];
                    if o.op == i.op && o.imm == i.imm && o.args[..info.arity] == *args {
                        subst[d.0 as usize] = o.dst.expect("pure instructions define a value");
                        break;
                    }
                    at = (at + 1) & (size - 1);
                }
            }
        }
    }
    match &mut b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => *v = subst[v.0 as usize],
        _ => {}
    }
}

/// Constant folding and redundant extensions: a pure instruction whose arguments are all
/// constants becomes a `const` of its value (`sem::eval` computes it), an addition of zero
/// (and the like) becomes its other operand, a `zext` or an `and` with a constant that
/// clears no bit the value may have set (see [`may_set`]: a width-32 result, a narrow load,
/// a 32-bit guest's general register, an or of such values) is replaced by the value, and a
/// pure result with no bit that may be set becomes `const 0`, and the `zext.32` of a
/// `shl.64` by a constant below 32 the `shl.32`; a mask, extension or right shift of an `or`
/// reads past the operand whose bits it drops, a right shift of a left shift by the same
/// amount is a `zext`, and a store takes the value under a `zext` as wide as what it stores.
/// The lifters stay simple (MOVZ/MOVK chains, SUB as an add-with-carry of constants,
/// W-register results extended after every step, UBFM as a rotate and two masks) and this
/// pass removes what they leave behind.
pub fn fold(b: &mut Block) {
    let n = b.num_vals as usize;
    let mut konst: Vec<Option<u64>> = vec![None; n];
    // The bits each value may have set, and those it has set for certain.
    let mut may = vec![u64::MAX; n];
    let mut must = vec![0u64; n];
    let mut subst: Vec<Val> = (0..b.num_vals).map(Val).collect();
    // The defining instruction of each value seen so far (for the carry pattern below).
    let mut def: Vec<Option<crate::Inst>> = vec![None; n];
    let narrow = b.narrow_regs;
    for i in &mut b.insts {
        let info = i.op.info();
        for a in &mut i.args[..info.arity] {
            *a = subst[a.0 as usize];
        }
        // A store of `size` bytes of a zero-extension from at least as many bits stores the
        // value itself (the low word of a single-precision result, which is exact there).
        if i.op == Op::Store
            && let Some(z) = def[i.args[1].0 as usize]
            && z.op == Op::Zext
            && z.imm >= i.imm * 8
        {
            i.args[1] = z.args[0];
        }
        let Some(d) = i.dst else { continue };
        let d = d.0 as usize;
        carry_of_flags(i, &def, &konst);
        // The low word of a 64-bit left shift by a constant is the 32-bit shift (an A32
        // address's scaled index, extended after the shift): one host shift, no extension.
        if i.op == Op::Zext
            && i.imm == 32
            && let Some(s) = def[i.args[0].0 as usize]
            && s.op == Op::Shl
            && s.imm == 64
            && konst[s.args[1].0 as usize].is_some_and(|k| k < 32)
        {
            i.op = Op::Shl;
            i.args = s.args;
        }
        // The low word of a 64-bit difference is the 32-bit one (SUB of W registers), which
        // `sub.w` at 32 zero-extends: one host subtraction, no extension.
        if i.op == Op::Zext
            && i.imm == 32
            && let Some(s) = def[i.args[0].0 as usize]
            && s.op == Op::Sub
        {
            i.op = Op::SubW;
            i.args = [s.args[0], s.args[1], Val(0)];
        }
        // A field read out of a value put together by an `or` (a 32-bit guest's S register in
        // a half of its D register's slot, written and read back in one block): the operand
        // of the `or` whose bits the mask or shift drops is left out, and a right shift of a
        // left shift by the same amount is a zero-extension.
        let k = |v: Val| konst[v.0 as usize];
        let m = |v: Val| may[v.0 as usize];
        let kept = match i.op {
            Op::And => k(i.args[1]),
            Op::Zext => Some(crate::sem::mask(i.imm as u32)),
            _ => None,
        };
        let dropped = |v: Val| match (i.op, kept) {
            (_, Some(c)) => m(v) & c == 0,
            (Op::Lshr, _) if i.imm == 64 => k(i.args[1]).is_some_and(|s| s < 64 && m(v) >> s == 0),
            _ => false,
        };
        if matches!(i.op, Op::And | Op::Zext | Op::Lshr)
            && let Some(o) = def[i.args[0].0 as usize]
            && o.op == Op::Or
        {
            let (drop_y, drop_x) = (dropped(o.args[1]), dropped(o.args[0]));
            if drop_y {
                i.args[0] = o.args[0];
            } else if drop_x {
                i.args[0] = o.args[1];
            }
        }
        if i.op == Op::Lshr
            && i.imm == 64
            && let Some(s) = def[i.args[0].0 as usize]
            && s.op == Op::Shl
            && s.imm == 64
            && let Some(by) = k(i.args[1]).filter(|&by| by == 32 || by == 48 || by == 56)
            && k(s.args[1]) == Some(by)
        {
            i.op = Op::Zext;
            i.imm = 64 - by;
            i.args = [s.args[0], Val(0), Val(0)];
        }
        // The rewrites above change the op, and with it the number of arguments.
        let info = i.op.info();
        def[d] = Some(*i);
        // Identities: x + 0, x - 0, x | 0, x ^ 0, x * 1 (all on the full 64 bits), and masks
        // and extensions that keep every bit x may have set.
        let k = |v: Val| konst[v.0 as usize];
        let m = |v: Val| may[v.0 as usize];
        let masked = |a: Val| match def[a.0 as usize] {
            Some(m) if m.op == Op::And => k(m.args[1]).map(|c| (m.args[0], c)),
            _ => None,
        };
        // (v & k1) | c, k1 | c covering every bit v may have set, is v | c: a Thumb BX target
        // put back together from the rest and its bit 0 known to be 1 (ORR #1 before it), the
        // same value as the ORR's, which `share_common_values` then finds.
        if i.op == Op::Or {
            let (x, y) = (i.args[0], i.args[1]);
            let whole = [(x, y), (y, x)].into_iter().find_map(|(a, c)| {
                let (v, k1) = masked(a)?;
                (m(v) & !(k1 | k(c)?) == 0).then_some([v, c, Val(0)])
            });
            if let Some(args) = whole {
                i.args = args;
            }
        }
        let (x, y) = (i.args[0], i.args[1]);
        let same = match i.op {
            // x | x and x & x (a vector MOV is ORR Vd, Vn, Vn, one OR per half).
            Op::Or | Op::And if x == y => Some(x),
            Op::Add | Op::Or | Op::Xor if m(y) == 0 => Some(x),
            Op::Add | Op::Or | Op::Xor if m(x) == 0 => Some(y),
            Op::Sub if m(y) == 0 => Some(x),
            // x + 0 + carry 0 (MOV to or from SP is ADD #0), or x + !0 + carry 1 (x - 0, a
            // Thumb `subs rd, rn, #0`): x, when x fits the width.
            Op::AddC
                if (m(y) == 0 && m(i.args[2]) & 1 == 0
                    || adds_nothing(i.imm, k(y), k(i.args[2])))
                    && m(x) & !crate::sem::mask(i.imm as u32) == 0 =>
            {
                Some(x)
            }
            Op::Zext if m(x) & !crate::sem::mask(i.imm as u32) == 0 => Some(x),
            Op::And if k(y).is_some_and(|c| m(x) & !c == 0) => Some(x),
            Op::And if k(x).is_some_and(|c| m(y) & !c == 0) => Some(y),
            Op::Mul if k(y) == Some(1) => Some(x),
            Op::Mul if k(x) == Some(1) => Some(y),
            // x | c where x has every bit of c set for certain.
            Op::Or if k(y).is_some_and(|c| c & !must[x.0 as usize] == 0) => Some(x),
            Op::Or if k(x).is_some_and(|c| c & !must[y.0 as usize] == 0) => Some(y),
            // (v & k1) | (v & k2), k1 | k2 covering every bit v may have set, is v: a Thumb
            // BX target put back together from its bit 0 (the instruction set) and the rest.
            Op::Or => match (masked(x), masked(y)) {
                (Some((v, k1)), Some((w, k2))) if v == w => (m(v) & !(k1 | k2) == 0).then_some(v),
                _ => None,
            },
            _ => None,
        };
        if let Some(v) = same {
            subst[d] = v;
            may[d] = may[v.0 as usize];
            must[d] = must[v.0 as usize];
            konst[d] = konst[v.0 as usize];
            continue;
        }
        def[d] = Some(*i);
        // x & c where x has every bit of c set for certain: c ((x | 1) & 1, the instruction
        // set bit of a Thumb BX target that went through ORR #1).
        let certain = |v: Val, c: u64| c & !must[v.0 as usize] == 0;
        if i.op == Op::And
            && let Some(c) = k(y)
                .filter(|&c| certain(x, c))
                .or(k(x).filter(|&c| certain(y, c)))
        {
            i.op = Op::Const;
            i.imm = c;
            i.args = [Val(0); 3];
        }
        // x ^ x and x - x (EOR Vd, Vn, Vn zeroes a vector register).
        if matches!(i.op, Op::Xor | Op::Sub) && x == y {
            i.op = Op::Const;
            i.imm = 0;
            i.args = [Val(0); 3];
        }
        let mut a = [0u64; 3];
        let all_constant = i.args[..info.arity]
            .iter()
            .zip(&mut a)
            .all(|(v, k)| konst[v.0 as usize].map(|c| *k = c).is_some());
        if all_constant
            && i.helper.is_none()
            && let Some(v) = crate::sem::eval(i.op, i.imm, a)
        {
            i.op = Op::Const;
            i.imm = v;
            i.args = [Val(0); 3];
        }
        may[d] = may_set(i, narrow, |v| may[v.0 as usize], |v| konst[v.0 as usize]);
        let sure = |v: Val| must[v.0 as usize];
        must[d] = match i.op {
            Op::Const => i.imm,
            Op::Or => sure(i.args[0]) | sure(i.args[1]),
            Op::And => sure(i.args[0]) & sure(i.args[1]),
            Op::Zext => sure(i.args[0]) & crate::sem::mask(i.imm as u32),
            _ => 0,
        } & may[d];
        if may[d] == 0 && !info.effects && i.op != Op::GetReg && i.helper.is_none() {
            // No bit can be set: a shift or mask that leaves nothing.
            i.op = Op::Const;
            i.imm = 0;
            i.args = [Val(0); 3];
        }
        if i.op == Op::Const {
            konst[d] = Some(i.imm);
        }
    }
    match &mut b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => *v = subst[v.0 as usize],
        _ => {}
    }
}

/// The bits the value `i` defines may have set (a clear bit is certainly 0), from the bits its
/// arguments may have set (`may`) and the constants among them (`konst`); `narrow` is the
/// block's [`Block::narrow_regs`].
pub fn may_set(
    i: &crate::Inst,
    narrow: bool,
    may: impl Fn(Val) -> u64,
    konst: impl Fn(Val) -> Option<u64>,
) -> u64 {
    use crate::sem::mask;
    let [x, y, z] = i.args;
    match i.op {
        Op::Const => i.imm,
        Op::GetReg if narrow && i.imm < crate::NARROW_SLOTS => 0xffff_ffff,
        Op::Load => mask(i.imm as u32 * 8),
        Op::Zext => may(x) & mask(i.imm as u32),
        Op::And => may(x) & may(y),
        Op::Or | Op::Xor => may(x) | may(y),
        Op::Select => may(y) | may(z),
        // A sum is below twice the larger bound of its operands.
        Op::Add => mask(65 - (may(x) | may(y)).leading_zeros()),
        Op::Lshr | Op::Shl => match konst(y) {
            Some(s) => {
                let w = i.imm as u32;
                let s = (s % u64::from(w)) as u32;
                if i.op == Op::Lshr {
                    (may(x) & mask(w)) >> s
                } else {
                    may(x) << s & mask(w)
                }
            }
            None => mask(i.imm as u32),
        },
        Op::Eq | Op::Ult | Op::Cond | Op::CondAdd | Op::CondLogic | Op::CondSub | Op::AddCCarry => {
            1
        }
        Op::MaskGe => 0xf << 16,
        // NZCV words (`sem::addc_flags`, `sem::logic_flags`): N and Z only for a logic result,
        // and no V for x + 0 or x - 0 (C is then that of the carry in). GCC's Thumb-2 `x != 0`
        // is `subs rd, rn, #0; it ne; movne rd, #1`, and the 16-bit MOVS, LSLS and the like
        // after it keep its V: known clear, the compare's flags need not be worked out.
        Op::LogicFlags => 0xc000_0000,
        Op::AddCFlags if adds_nothing(i.imm, konst(y), konst(z)) => {
            0xc000_0000 | (konst(z).unwrap_or(0) & 1) << 29
        }
        Op::SubFlags if konst(y).is_some_and(|k| k & mask(i.imm as u32) == 0) => 0xe000_0000,
        Op::AddCFlags | Op::SubFlags => 0xf000_0000,
        Op::Bytes4 | Op::Bytes4Mask | Op::GeMask => 0xffff_ffff,
        // Width-32 results are zero-extended.
        op if op.info().imm == crate::ImmKind::Width => mask(i.imm as u32),
        _ => u64::MAX,
    }
}

/// Whether `addc` at `width` of some x and the constants `b` and `carry` (None where not
/// constant) is x itself: b is 0 with no carry in, or b is all ones at the width with a carry
/// in (x - 0).
fn adds_nothing(width: u64, b: Option<u64>, carry: Option<u64>) -> bool {
    let m = crate::sem::mask(width as u32);
    match (b, carry) {
        (Some(b), Some(c)) => (b & m, c & 1) == (0, 0) || (b & m, c & 1) == (m, 1),
        _ => false,
    }
}

/// Appends `op` to `out` with a new value (counted in `num_vals`), which it returns; an op
/// without a result is appended without one (and `Val(0)` returned).
fn push(out: &mut Vec<crate::Inst>, num_vals: &mut u32, op: Op, args: &[Val], imm: u64) -> Val {
    let v = Val(*num_vals);
    let result = op.info().result;
    if result {
        *num_vals += 1;
    }
    let mut a = [Val(0); 3];
    a[..args.len()].copy_from_slice(args);
    out.push(crate::Inst {
        op,
        dst: result.then_some(v),
        args: a,
        imm,
        helper: None,
    });
    if result { v } else { Val(0) }
}

/// Vector loads and stores (`loadv`, `storev`) become scalar loads and stores of the register's
/// two halves with `getreg`/`setreg` (the same accesses in the same order, so a fault leaves
/// the same state): the halves are then values like any other, which [`forward_getreg`] hands
/// straight to the lane operations that read them next (an `ld1` then a `cmeq` read the
/// register back from the state otherwise), and a store takes the halves just computed.
pub fn split_vector_accesses(b: &mut Block) {
    if !b
        .insts
        .iter()
        .any(|i| matches!(i.op, Op::LoadV | Op::StoreV))
    {
        return;
    }
    let old = std::mem::take(&mut b.insts);
    let mut out = Vec::with_capacity(old.len() + 8);
    let nv = &mut b.num_vals;
    for i in old {
        if !matches!(i.op, Op::LoadV | Op::StoreV) {
            out.push(i);
            continue;
        }
        let (n, size) = ((i.imm & 0x3f) as u32 % 32, i.imm >> 8);
        let (lo, hi) = (slot::v_lo(n) as u64, slot::v_hi(n) as u64);
        let addr = i.args[0];
        let high_addr = |out: &mut Vec<crate::Inst>, nv: &mut u32| {
            let eight = push(out, nv, Op::Const, &[], 8);
            push(out, nv, Op::Add, &[addr, eight], 0)
        };
        if i.op == Op::LoadV {
            let low = push(&mut out, nv, Op::Load, &[addr], size.min(8));
            let high = if size == 16 {
                let a = high_addr(&mut out, nv);
                push(&mut out, nv, Op::Load, &[a], 8)
            } else {
                push(&mut out, nv, Op::Const, &[], 0)
            };
            push(&mut out, nv, Op::SetReg, &[low], lo);
            push(&mut out, nv, Op::SetReg, &[high], hi);
        } else {
            let low = push(&mut out, nv, Op::GetReg, &[], lo);
            push(&mut out, nv, Op::Store, &[addr, low], size.min(8));
            if size == 16 {
                let high = push(&mut out, nv, Op::GetReg, &[], hi);
                let a = high_addr(&mut out, nv);
                push(&mut out, nv, Op::Store, &[a, high], 8);
            }
        }
    }
    b.insts = out;
}

/// A `setreg` of NZCV whose next readers are side exits (`exit.if`), with the way on past the
/// last of them overwriting NZCV before anything reads it, becomes part of the exits:
/// `exit.if.flags c, flags` sets NZCV only when it leaves. A compare and its conditional
/// branch inside a block (`cmp; b.eq` where the full translation goes on along the
/// fall-through) then store the flags word only on the rare way out, and the JIT builds it
/// there too. (Where the block's successors overwrite the flags, `flags_live` moves the last
/// ones at lifting.)
///
/// Nothing but pure code and other side exits may come between the `setreg` and the exit
/// ([`flags_store_before_exit`]): a memory access there could fault, and the faulting
/// instruction, run again from the dispatcher, would find flags the exit no longer stored.
/// After the exit, the flags may be missing from the state at a fault, as `remove_dead_setreg`
/// already allows for flags that are overwritten in the block: handlers do not read them,
/// and the re-run instruction overwrites them again before anything reads them.
pub fn flags_into_exits(b: &mut Block) {
    let nzcv = slot::NZCV as u64;
    let mut e = 0;
    while e < b.insts.len() {
        if b.insts[e].op == Op::ExitIf {
            // The way on: an `exit.if.flags` neither reads the flags nor leaves them behind.
            // (Flags left for later are a write of them too.)
            let writes =
                |i: &crate::Inst| i.op == Op::SetReg && i.imm == nzcv || i.op == Op::FlagsDeferred;
            let next = b.insts[e + 1..]
                .iter()
                .find(|i| reads_flags(i) || writes(i));
            if next.is_some_and(writes)
                && let Some(store) = flags_store_before_exit(b, e)
            {
                move_flags_into_exit(b, store, e);
                // The exit moved up into the store's place.
                continue;
            }
        }
        e += 1;
    }
}

/// Whether `i` reads NZCV or may: a `getreg` of it, a helper call (but a scalar FP one, which
/// reads only FPCR and FPSR), a side exit to a block that may read the flags (an `exit.if`).
pub fn reads_flags(i: &crate::Inst) -> bool {
    match i.op {
        Op::GetReg => i.imm == slot::NZCV as u64,
        Op::Call => !i.is_fp_env_call(),
        Op::ExitIf => true,
        _ => false,
    }
}

/// The index of the `setreg` of NZCV whose flags side exit `exit` of `b` finds, if only code
/// without effects (writes of other slots and instruction marks aside) that does not read
/// the flags, and other side exits, come between them. Those exits leave with the same flags
/// ([`move_flags_into_exit`] makes them take them along too).
pub fn flags_store_before_exit(b: &Block, exit: usize) -> Option<usize> {
    let nzcv = slot::NZCV as u64;
    let k = b.insts[..exit].iter().rposition(|i| {
        let quiet = !i.op.info().effects || matches!(i.op, Op::Mark | Op::SetReg);
        let stop = !quiet || reads_flags(i) || (i.op == Op::SetReg && i.imm == nzcv);
        stop && !i.op.is_side_exit()
    })?;
    let i = &b.insts[k];
    (i.op == Op::SetReg && i.imm == nzcv).then_some(k)
}

/// Makes side exit `exit` of `b`, and every `exit.if` between it and the `setreg` at `store`
/// (before it), an `exit.if.flags` of the value that `setreg` writes, and removes the
/// `setreg`: the store happens only where a way out leaves.
pub fn move_flags_into_exit(b: &mut Block, store: usize, exit: usize) {
    let flags = b.insts[store].args[0];
    for e in &mut b.insts[store + 1..=exit] {
        if e.op == Op::ExitIf {
            e.op = Op::ExitIfFlags;
            e.args[1] = flags;
        }
    }
    b.insts.remove(store);
}

/// A bit read only as a condition (of a branch, a side exit, a select or a conditional
/// store, which ask whether it is non-zero), `and(lshr(x, s), 1)` for a constant `s` and a
/// shift nothing else reads (TBZ, TBNZ), becomes `and(x, 1 << s)`: the same bit tested where
/// it stands, which the JIT does with one `test`. The shift itself becomes the constant (so
/// the pass inserts nothing); the new value is non-zero exactly when the old one is. Not
/// for 32-bit guests, which test bits with TST (a `cond.logic` of the `and`): in their
/// blocks the pass found nothing and cost a python3 run 0.03% more host instructions.
pub fn test_bits_in_place(b: &mut Block) {
    if b.narrow_regs || !b.insts.iter().any(|i| i.op == Op::And) {
        return;
    }
    // Reads of each value, saturating, and `OTHER` once one is not as a condition.
    const OTHER: u8 = 0x80;
    let mut reads = vec![0u8; b.num_vals as usize];
    let mut note = |v: Val, cond: bool| {
        let r = &mut reads[v.0 as usize];
        let count = (*r & !OTHER).saturating_add(1).min(!OTHER);
        *r = *r & OTHER | count | if cond { 0 } else { OTHER };
    };
    for i in &b.insts {
        for (k, &a) in i.args[..i.op.info().arity].iter().enumerate() {
            let cond = match i.op {
                Op::Select | Op::ExitIf | Op::ExitIfNoFlags | Op::ExitIfFlags => k == 0,
                Op::StoreIf => k == 2,
                _ => false,
            };
            note(a, cond);
        }
    }
    match b.term {
        Term::Branch { cond, .. } => note(cond, true),
        Term::JumpReg(v) => note(v, false),
        _ => {}
    }
    let def = def_indices(b);
    let at = |v: Val| def[v.0 as usize].map(|d| &b.insts[d]);
    let konst = |v: Val| at(v).filter(|i| i.op == Op::Const).map(|i| i.imm);
    let mut rewrites = Vec::new();
    for (k, i) in b.insts.iter().enumerate() {
        let Some(d) = i.dst else { continue };
        let [s, one, _] = i.args;
        let only_cond = reads[d.0 as usize] & OTHER == 0;
        let once = reads[s.0 as usize] & !OTHER == 1;
        if i.op != Op::And || !only_cond || konst(one) != Some(1) || !once {
            continue;
        }
        let Some(j) = def[s.0 as usize].filter(|&j| b.insts[j].op == Op::Lshr) else {
            continue;
        };
        let shift = &b.insts[j];
        if let Some(by) = konst(shift.args[1]).filter(|&by| by < shift.imm) {
            rewrites.push((j, k, shift.args[0], s, 1u64 << by));
        }
    }
    // The shift `s = lshr x, by` becomes the constant `1 << by`, which the `and` tests `x`
    // against.
    for (j, k, x, s, bit) in rewrites {
        b.insts[j] = crate::Inst {
            op: Op::Const,
            dst: Some(s),
            args: [Val(0); 3],
            imm: bit,
            helper: None,
        };
        b.insts[k].args = [x, s, Val(0)];
    }
}

/// `addc a, not b, 1` and `addc.flags a, not b, 1`, as the lifters write a subtraction and
/// a compare of two registers, become `sub.w a, b` and `sub.flags a, b`: the JIT lowers them
/// to one host `sub`, or a `cmp` and a `cmc` (ARM's C is the inverted borrow), instead of a
/// `not` and a host add-with-carry with its carry set first; the `not` goes away when nothing
/// else reads it. A sum with the operands of an `addc.carry` stays: it may be the low half
/// whose carry the JIT keeps in CF for the high half (`crate::carry_chain`). Runs after
/// [`fuse_conditions`] and [`widen_carries`], which look for the `addc` forms.
pub fn fuse_subtractions(b: &mut Block) {
    let def = def_indices(b);
    let carried: Vec<[Val; 3]> = b
        .insts
        .iter()
        .filter(|i| i.op == Op::AddCCarry)
        .map(|i| i.args)
        .collect();
    for k in 0..b.insts.len() {
        let i = b.insts[k];
        let op = match i.op {
            Op::AddC if !carried.contains(&i.args) => Op::SubW,
            Op::AddCFlags => Op::SubFlags,
            _ => continue,
        };
        // (The `not`s and constants looked at here are never the ones rewritten.)
        let def_of = |v: Val| def.get(v.0 as usize).copied().flatten().map(|d| b.insts[d]);
        let [x, y, c] = i.args;
        let one = def_of(c).is_some_and(|k| k.op == Op::Const && k.imm == 1);
        if let Some(n) = def_of(y).filter(|n| n.op == Op::Not && one) {
            let i = &mut b.insts[k];
            i.op = op;
            i.args = [x, n.args[0], Val(0)];
        }
    }
}

/// A 32-bit add-with-carry whose carry out is read (a 64-bit add or subtract on a 32-bit
/// guest: ADDS then ADC, SUBS then SBC, the CMP; SBCS of a 64-bit compare) becomes one 64-bit
/// add of the zero-extended operands, `t = a + b + (c & 1)`: the sum is `zext(t, 32)`, the
/// carry `t >> 32`. The `addc` and `addc.carry` of the same operands then share `t`
/// ([`share_common_values`]), instead of the JIT running the host add twice and moving its
/// carry flag into a register through `setc`/`bt`. A carry that can stay in CF from one
/// host add-with-carry to the next (`crate::carry_chain`) is left alone: that costs less
/// still. Runs after [`fold`], which makes the `addc.carry` out of reads of the flags.
pub fn widen_carries(b: &mut Block) {
    if !b.insts.iter().any(|i| i.op == Op::AddCCarry && i.imm == 32) {
        return;
    }
    // A carry the JIT keeps in CF (`carry_chain`) is left as it is; dead readers (a flags
    // word a later instruction overwrites) would keep it out of its chain.
    remove_dead_code(b);
    let chained = crate::carry_chain::links(b.insts.len(), &crate::carry_chain::find(b));
    let carried: Vec<[Val; 3]> = b
        .insts
        .iter()
        .zip(&chained)
        .filter(|(i, l)| i.op == Op::AddCCarry && i.imm == 32 && **l == 0)
        .map(|(i, _)| i.args)
        .collect();
    /// What is known of a value.
    #[derive(Clone, Copy)]
    struct Known {
        /// The bits it may have set ([`may_set`]).
        may: u64,
        /// Its value, if constant.
        konst: Option<u64>,
        /// Is 0 or 1.
        bit: bool,
    }
    impl Default for Known {
        fn default() -> Known {
            Known {
                may: u64::MAX,
                konst: None,
                bit: false,
            }
        }
    }
    let mut known = vec![Known::default(); b.num_vals as usize];
    let narrow = b.narrow_regs;
    let old = std::mem::take(&mut b.insts);
    let mut out = Vec::with_capacity(old.len() + 8 * carried.len());
    let nv = &mut b.num_vals;
    for (mut i, link) in old.into_iter().zip(chained) {
        let k = |v: Val| known.get(v.0 as usize).copied().unwrap_or_default();
        let addc32 = matches!(i.op, Op::AddC | Op::AddCCarry) && i.imm == 32 && link == 0;
        let [x, y, c] = i.args;
        if addc32 && carried.contains(&i.args) {
            let wide = |out: &mut Vec<crate::Inst>, nv: &mut u32, v: Val| {
                if k(v).may >> 32 == 0 {
                    v
                } else {
                    push(out, nv, Op::Zext, &[v], 32)
                }
            };
            let (x, y) = (wide(&mut out, nv, x), wide(&mut out, nv, y));
            let s = push(&mut out, nv, Op::Add, &[x, y], 0);
            let t = if k(c).konst == Some(0) {
                s
            } else if k(c).bit {
                push(&mut out, nv, Op::Add, &[s, c], 0)
            } else {
                let one = push(&mut out, nv, Op::Const, &[], 1);
                let c = push(&mut out, nv, Op::And, &[c, one], 0);
                push(&mut out, nv, Op::Add, &[s, c], 0)
            };
            if i.op == Op::AddC {
                i.op = Op::Zext;
                i.args = [t, Val(0), Val(0)];
            } else {
                let thirty_two = push(&mut out, nv, Op::Const, &[], 32);
                i.op = Op::Lshr;
                i.args = [t, thirty_two, Val(0)];
                i.imm = 64;
            }
        } else if addc32 && i.op == Op::AddC && k(c).bit && k(c).konst.is_none() {
            // The high word's ADC after a pair that carried: only the low 32 bits of the
            // operands matter, so two plain adds, where the JIT's host add-with-carry would
            // first move the carry into CF (a constant carry-in it turns into adds itself).
            let s = push(&mut out, nv, Op::Add, &[x, y], 0);
            let t = push(&mut out, nv, Op::Add, &[s, c], 0);
            i.op = Op::Zext;
            i.args = [t, Val(0), Val(0)];
        }
        known.resize(*nv as usize, Known::default());
        if let Some(d) = i.dst {
            // A rewritten addc.carry: t >> 32 of a sum below 2^33.
            let carry = i.op == Op::Lshr && addc32;
            let k = |v: Val| known[v.0 as usize];
            let may = may_set(&i, narrow, |v| k(v).may, |v| k(v).konst);
            known[d.0 as usize] = Known {
                may,
                konst: (i.op == Op::Const).then_some(i.imm),
                bit: carry || may <= 1,
            };
        }
        out.push(i);
    }
    b.insts = out;
}

/// `and(lshr(addc.flags(a, b, c), 29), 1)`, reading the carry out of the flags word (an
/// add-with-carry chain: ADCS after ADDS, or C read by ADC), becomes `addc.carry(a, b, c)`,
/// so the JIT sets one register from the host carry instead of building NZCV and taking it
/// apart; the flags word goes away when nothing else uses it.
fn carry_of_flags(i: &mut crate::Inst, def: &[Option<crate::Inst>], konst: &[Option<u64>]) {
    let k = |v: Val| konst[v.0 as usize];
    let d = |v: Val| def[v.0 as usize];
    if i.op != Op::And {
        return;
    }
    let shifted = match (k(i.args[0]), k(i.args[1])) {
        (_, Some(1)) => i.args[0],
        (Some(1), _) => i.args[1],
        _ => return,
    };
    let Some(shift) = d(shifted) else { return };
    if shift.op != Op::Lshr || k(shift.args[1]) != Some(29) {
        return;
    }
    let Some(flags) = d(shift.args[0]) else {
        return;
    };
    if flags.op != Op::AddCFlags {
        return;
    }
    i.op = Op::AddCCarry;
    i.args = flags.args;
    i.imm = flags.imm;
}

/// The index of the instruction defining each value of `b`.
fn def_indices(b: &Block) -> Vec<Option<usize>> {
    let mut def: Vec<Option<usize>> = vec![None; b.num_vals as usize];
    for (idx, i) in b.insts.iter().enumerate() {
        if let Some(d) = i.dst {
            def[d.0 as usize] = Some(idx);
        }
    }
    def
}

/// How two conditions of a block relate: the same test of the same values with the same or
/// the inverse ARM condition (`cc ^ 1`; AL and NV have none).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Relation {
    Same,
    Inverse,
}

/// The relation of conditions `c1` and `c2` (`def`: each value's defining instruction), if
/// both are ARM condition tests (`cond`, `cond.add`, `cond.sub`, `cond.logic`) of the same
/// kind, width and arguments.
fn relation(b: &Block, def: &[Option<usize>], c1: Val, c2: Val) -> Option<Relation> {
    let inst = |v: Val| def[v.0 as usize].map(|k| b.insts[k]);
    let (i1, i2) = (inst(c1)?, inst(c2)?);
    let is_condition = matches!(i1.op, Op::Cond | Op::CondAdd | Op::CondSub | Op::CondLogic);
    let arity = i1.op.info().arity;
    if !is_condition
        || i1.op != i2.op
        || i1.args[..arity] != i2.args[..arity]
        || i1.imm & !0xf != i2.imm & !0xf
    {
        return None;
    }
    let (cc1, cc2) = (i1.imm & 0xf, i2.imm & 0xf);
    if cc1 == cc2 {
        Some(Relation::Same)
    } else if cc1 < 14 && cc1 ^ 1 == cc2 {
        Some(Relation::Inverse)
    } else {
        None
    }
}

/// A select between a value and the result of another select, on the inverse (or the same)
/// condition of the same compare, chooses between the value and the inner select's other
/// value directly: an IT block's then-and-else pair (`ite ne; movne r3, #1; moveq r3, #0`)
/// becomes one select. A select of 1 or 0 (or 0 or 1) on an ARM condition test becomes that
/// test (or its inverse), which gives 1 or 0 itself. Selects left unread go with
/// `remove_dead_code`.
pub fn merge_selects(b: &mut Block) {
    if !b.insts.iter().any(|i| i.op == Op::Select) {
        return;
    }
    let def = def_indices(b);
    for k in 0..b.insts.len() {
        if b.insts[k].op != Op::Select {
            continue;
        }
        let [c2, y, inner] = b.insts[k].args;
        if let Some(j) = def[inner.0 as usize].filter(|&j| b.insts[j].op == Op::Select) {
            let [c1, a, x] = b.insts[j].args;
            // c2 ? y : (c1 ? a : x). The outer select keeps its own condition: computed just
            // before it, it is tested on the host flags of that compare (the JIT's fused
            // selects), where the inner one's, computed earlier, would have to be kept as a
            // value and tested again.
            match relation(b, &def, c1, c2) {
                Some(Relation::Inverse) => b.insts[k].args = [c2, y, a],
                Some(Relation::Same) => b.insts[k].args = [c2, y, x],
                None => {}
            }
        }
        let [c, y, z] = b.insts[k].args;
        let konst = |v: Val| {
            def[v.0 as usize]
                .map(|j| b.insts[j])
                .filter(|i| i.op == Op::Const)
                .map(|i| i.imm)
        };
        let inverse = match (konst(y), konst(z)) {
            (Some(1), Some(0)) => false,
            (Some(0), Some(1)) => true,
            _ => continue,
        };
        let test = match def[c.0 as usize].map(|j| b.insts[j]) {
            Some(t) if relation(b, &def, c, c).is_some() => t,
            _ => continue,
        };
        if inverse && test.imm & 0xf >= 14 {
            continue;
        }
        let i = &mut b.insts[k];
        i.op = test.op;
        i.args = test.args;
        i.imm = test.imm ^ u64::from(inverse);
    }
}

/// A `cond` of flags computed in the block by `addc.flags` or `logic.flags` becomes
/// `cond.add`/`cond.logic` on the flags' inputs, so the JIT tests the host flags of one
/// add or test instead of building ARM's NZCV word and decoding it again. The flags
/// computation itself goes away when nothing else (such as a `setreg` of NZCV) uses it.
/// A compare (`addc.flags a, not b, 1`) becomes `cond.sub a, b`: one host `cmp`, whose
/// borrow flag every ARM condition (HI and LS included) maps to one x86 condition. EQ, NE, MI
/// and PL look through ORs that add only C and V bits to the flags (A32 logical operations,
/// which keep V and keep C or take it from the shifter), since they read only N and Z.
pub fn fuse_conditions(b: &mut Block) {
    let mut def = def_indices(b);
    if push_conditions_into_selects(b, &def) {
        def = def_indices(b);
    }
    // Constants to insert: (before instruction, the complement it holds, its value).
    let mut konsts: Vec<(usize, u64, Val)> = Vec::new();
    for idx in 0..b.insts.len() {
        let i = b.insts[idx];
        if i.op != Op::Cond {
            continue;
        }
        let def_of = |v: Val| def[v.0 as usize].map(|k| b.insts[k]);
        let mut word = i.args[0];
        // EQ, NE, MI and PL read only N and Z: bits OR-ed in beside them (an A32 logical
        // op keeps C and V, or takes C from its shifter) do not matter.
        if matches!(i.imm, 0 | 1 | 4 | 5) {
            while let Some(or) = def_of(word).filter(|d| d.op == Op::Or) {
                let [x, y, _] = or.args;
                word = if misses_nz(&def_of, y, 3) {
                    x
                } else if misses_nz(&def_of, x, 3) {
                    y
                } else {
                    break;
                };
            }
        }
        let Some(src) = def_of(word) else {
            continue;
        };
        let op = match src.op {
            Op::AddCFlags => Op::CondAdd,
            Op::LogicFlags => Op::CondLogic,
            _ => continue,
        };
        let one = def_of(src.args[2]).is_some_and(|c| c.op == Op::Const && c.imm == 1);
        // a + not b + 1 is a - b: the subtrahend is b, or the complement of a constant.
        let subtrahend = match def_of(src.args[1]) {
            _ if op != Op::CondAdd || !one => None,
            Some(n) if n.op == Op::Not => Some(n.args[0]),
            Some(c) if c.op == Op::Const => {
                let v = Val(b.num_vals);
                b.num_vals += 1;
                konsts.push((idx, !c.imm, v));
                Some(v)
            }
            _ => None,
        };
        let f = &mut b.insts[idx];
        f.imm = i.imm | src.imm << 8;
        match subtrahend {
            Some(sub) => {
                f.op = Op::CondSub;
                f.args = [src.args[0], sub, Val(0)];
            }
            None => {
                f.op = op;
                f.args = src.args;
            }
        }
    }
    // Insert the constants, back to front so the earlier indices stay valid.
    for &(idx, k, v) in konsts.iter().rev() {
        let c = crate::Inst {
            op: Op::Const,
            dst: Some(v),
            args: [Val(0); 3],
            imm: k,
            helper: None,
        };
        b.insts.insert(idx, c);
    }
}

/// A `cond` of a flags word chosen by a `select` (an A32 conditional flag-setting instruction,
/// `subscs`, keeps the old flags when its condition fails) becomes a `select` of the `cond`s
/// of both words, through at most [`SELECT_DEPTH`] nested selects: each of those `cond`s can
/// then fuse with the instruction that set its flags ([`fuse_conditions`]), and the words
/// themselves go away when nothing else reads them. `def` gives each value's instruction;
/// true if the block changed.
fn push_conditions_into_selects(b: &mut Block, def: &[Option<usize>]) -> bool {
    let of_select = |v: Val| def[v.0 as usize].is_some_and(|k| b.insts[k].op == Op::Select);
    if !b
        .insts
        .iter()
        .any(|i| i.op == Op::Cond && of_select(i.args[0]))
    {
        return false;
    }
    // A word something else reads (a `setreg` of the flags, live after the block) is built
    // anyway: its condition stays one test of it. (Unless the store is only needed on the
    // way out of a loop, which builds the word there.)
    let way_out = flags_for_the_way_out(b);
    let mut escapes = vec![false; b.num_vals as usize];
    for (k, i) in b.insts.iter().enumerate() {
        if Some(k) == way_out {
            continue;
        }
        let kept = match i.op {
            Op::Cond => 1,
            Op::Select => 3,
            _ => 0,
        };
        for (n, a) in i.args[..i.op.info().arity].iter().enumerate() {
            if n >= kept || i.op == Op::Select && n == 0 {
                escapes[a.0 as usize] = true;
            }
        }
    }
    if let Term::JumpReg(v) | Term::Branch { cond: v, .. } = b.term {
        escapes[v.0 as usize] = true;
    }
    let old = std::mem::take(&mut b.insts);
    let word = |v: Val| def[v.0 as usize].map(|k| old[k]);
    let selected = |v: Val| word(v).filter(|d| d.op == Op::Select && !escapes[v.0 as usize]);
    /// The condition `cc` of word `w` (defined by `word(w)`) into `out`: a `cond`, a constant
    /// (of a constant word: CCMP's flags when its condition fails), or a `select` of two.
    fn expand(
        word: &dyn Fn(Val) -> Option<crate::Inst>,
        selected: &dyn Fn(Val) -> Option<crate::Inst>,
        w: Val,
        cc: u64,
        depth: u32,
        out: &mut Vec<crate::Inst>,
        nv: &mut u32,
    ) -> Val {
        match word(w) {
            Some(s) if s.op == Op::Select && depth > 0 && selected(w).is_some() => {
                let [c, x, y] = s.args;
                let cx = expand(word, selected, x, cc, depth - 1, out, nv);
                let cy = expand(word, selected, y, cc, depth - 1, out, nv);
                push(out, nv, Op::Select, &[c, cx, cy], 0)
            }
            Some(k) if k.op == Op::Const => {
                let holds = crate::cond_holds(cc as u32, k.imm);
                push(out, nv, Op::Const, &[], holds as u64)
            }
            _ => push(out, nv, Op::Cond, &[w], cc),
        }
    }
    let mut out = Vec::with_capacity(old.len() + 8);
    let mut changed = false;
    for &i in &old {
        if i.op == Op::Cond
            && let Some(s) = selected(i.args[0])
        {
            // The outer select keeps the condition's own value number.
            let [c, x, y] = s.args;
            let (w, nv) = (&word, &mut b.num_vals);
            let cx = expand(w, &selected, x, i.imm, SELECT_DEPTH - 1, &mut out, nv);
            let cy = expand(w, &selected, y, i.imm, SELECT_DEPTH - 1, &mut out, nv);
            out.push(crate::Inst {
                op: Op::Select,
                args: [c, cx, cy],
                imm: 0,
                ..i
            });
            changed = true;
        } else {
            out.push(i);
        }
    }
    b.insts = out;
    changed
}

/// How deep [`push_conditions_into_selects`] looks through selects of selects (an A32 run of
/// conditional flag-setting instructions nests one per instruction).
const SELECT_DEPTH: u32 = 4;

/// Whether value `v` (whose definition `def_of` gives) leaves bits 31 and 30 of an NZCV word
/// (N and Z) clear: a constant without them, an AND with such a constant, a value masked by
/// a constant and shifted clear of them, or an OR of such; `depth` bounds the search.
fn misses_nz(def_of: &dyn Fn(Val) -> Option<crate::Inst>, v: Val, depth: u32) -> bool {
    const NZ: u64 = 0xc000_0000;
    let Some(d) = def_of(v).filter(|_| depth > 0) else {
        return false;
    };
    let konst = |v: Val| def_of(v).filter(|c| c.op == Op::Const).map(|c| c.imm);
    let [x, y, _] = d.args;
    match d.op {
        Op::Const => d.imm & NZ == 0,
        Op::And => konst(x).or(konst(y)).is_some_and(|m| m & NZ == 0),
        Op::Or => misses_nz(def_of, x, depth - 1) && misses_nz(def_of, y, depth - 1),
        Op::Shl => {
            let mask = def_of(x)
                .filter(|a| a.op == Op::And)
                .and_then(|a| konst(a.args[0]).or(konst(a.args[1])));
            match (mask, konst(y)) {
                (Some(m), Some(k)) if k < 32 => (m << k) & NZ == 0,
                _ => false,
            }
        }
        _ => false,
    }
}

/// A `getreg s` that follows a `setreg s, v` in the same block (with no helper call or vector
/// load between, since those may write any slot; a scalar FP helper writes only FPSR, a vector
/// operation's helper only its destination register and FPSR) is replaced by `v`; and a
/// `setreg s, v` where the slot is known to hold `v` already (read or written since, or the
/// same constant written) is dropped. The A64 lifter writes zero to a
/// vector register's upper half at each scalar FP write, so a chain of FP operations on one
/// register stores that zero once.
pub fn forward_getreg(b: &mut Block) {
    // known[slot]: the value the slot holds, if the block has read or written it since the
    // last helper call (slots are below 256, as the verifier checks); NONE if not.
    const NONE: u32 = u32::MAX;
    let mut known = [NONE; 256];
    let mut subst: Vec<Val> = (0..b.num_vals).map(Val).collect();
    // The constant each value is, if it is one (the lifters write a constant per use, so
    // equal constants are told by value).
    let mut konst: Vec<Option<u64>> = vec![None; b.num_vals as usize];
    let konst_of = |konst: &[Option<u64>], v: u32| konst.get(v as usize).copied().flatten();
    // Compacts in place: `kept` instructions stay, in order, at the front.
    let mut kept = 0;
    for at in 0..b.insts.len() {
        let mut i = b.insts[at];
        let arity = i.op.info().arity;
        for a in &mut i.args[..arity] {
            *a = subst[a.0 as usize];
        }
        let s = (i.imm as usize).min(255);
        match i.op {
            Op::Const => {
                if let Some(k) = i.dst.and_then(|d| konst.get_mut(d.0 as usize)) {
                    *k = Some(i.imm);
                }
            }
            Op::GetReg => {
                let d = i.dst.expect("getreg defines");
                if known[s] != NONE {
                    subst[d.0 as usize] = Val(known[s]);
                    continue;
                }
                known[s] = d.0;
            }
            Op::SetReg => {
                let v = i.args[0].0;
                let same = known[s] == v
                    || (known[s] != NONE
                        && konst_of(&konst, v).is_some()
                        && konst_of(&konst, known[s]) == konst_of(&konst, v));
                if same {
                    continue;
                }
                known[s] = v;
            }
            // A vector load writes slots this pass does not track by register number.
            _ => i.slots_written().forget(&mut known, NONE),
        }
        b.insts[kept] = i;
        kept += 1;
    }
    b.insts.truncate(kept);
    match &mut b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => *v = subst[v.0 as usize],
        _ => {}
    }
}

/// Removes a `setreg s` when a later `setreg s` overwrites it before anything can read the slot:
/// no `getreg s`, no helper call (but a scalar FP one, which reads only FPCR and FPSR) and no
/// memory access between them. This is what removes flag computations no instruction reads.
/// One of a general register whose only possible readers between are the faults of loads and
/// stores and the blocks that side exits go to (scalar FP helper calls may come between too)
/// becomes `setreg.fault`: the JIT stores it only when one of those faults or leaves (a third
/// of an armhf block's register writes are such, the scratch register a spilled value is
/// loaded into again and again).
pub fn remove_dead_setreg(b: &mut Block) {
    // Bit s: slot s is written later with nothing reading it in between.
    let mut overwritten = [0u64; 4];
    // Bit s: slot s is written later with only loads and stores (which may fault), side exits
    // and pure operations in between.
    let mut late = [0u64; 4];
    let mut dead = vec![false; b.insts.len()];
    for (idx, i) in b.insts.iter_mut().enumerate().rev() {
        let s = (i.imm as usize).min(255);
        let (word, bit) = (s / 64, 1u64 << (s % 64));
        match i.op {
            Op::SetReg | Op::SetRegFault => {
                if overwritten[word] & bit != 0 {
                    dead[idx] = true;
                } else {
                    if late[word] & bit != 0 && late_slot(s as u64) {
                        i.op = Op::SetRegFault;
                    }
                    overwritten[word] |= bit;
                }
            }
            Op::GetReg => {
                overwritten[word] &= !bit;
                late[word] &= !bit;
            }
            // A write of the flags, left for later.
            Op::FlagsDeferred => {
                let nzcv = slot::NZCV as usize;
                overwritten[nzcv / 64] |= 1 << (nzcv % 64);
            }
            // A scalar FP helper reads FPCR and FPSR alone: a `setreg.fault` stays pending
            // across it (see the JIT's `alloc::flushes_late_writes`).
            Op::Call if i.is_fp_env_call() => {
                for r in [slot::FPCR, slot::FPSR] {
                    overwritten[r as usize / 64] &= !(1 << (r % 64));
                }
            }
            // A vector store reads slots this pass does not track by register number.
            Op::Call | Op::StoreEx | Op::StoreV => {
                overwritten = [0; 4];
                late = [0; 4];
            }
            // The block a side exit goes to may read any slot: its way out stores the
            // `setreg.fault` writes pending there.
            Op::ExitIf | Op::ExitIfFlags => {
                for (l, o) in late.iter_mut().zip(overwritten) {
                    *l |= o;
                }
                overwritten = [0; 4];
            }
            // A memory access may fault, and the guest's handler must then see the registers
            // as they were before the faulting instruction: a write the access comes between
            // stays, as `setreg.fault` when its slot is written again after only loads,
            // stores and side exits (whose faults and ways out the JIT gives it to). The flags
            // are the exception: their
            // dead stores are most of what this pass removes, handlers do not read them, and a
            // re-run of the faulting instruction (see the JIT's fault module) recomputes them
            // before the block reads them. A side exit whose block overwrites the flags first
            // reads every slot but them. (A vector load writes vector slots itself.)
            Op::Load | Op::Store | Op::StoreIf | Op::LoadV | Op::ExitIfNoFlags => {
                let nzcv = slot::NZCV as usize;
                let keep = overwritten[nzcv / 64] & 1 << (nzcv % 64);
                if i.op != Op::LoadV {
                    for (l, o) in late.iter_mut().zip(overwritten) {
                        *l |= o;
                    }
                } else {
                    late = [0; 4];
                }
                overwritten = [0; 4];
                overwritten[nzcv / 64] = keep;
            }
            _ => {}
        }
    }
    let mut idx = 0;
    b.insts.retain(|_| {
        idx += 1;
        !dead[idx - 1]
    });
}

/// Whether a `setreg` of `slot` may become a `setreg.fault` (see [`remove_dead_setreg`]):
/// the general registers but the last, and the vector registers' halves (an A32 D register,
/// an A64 V register's low or high 64 bits). Not the flags, whose deferred and fused writers
/// in the JIT know only `setreg`, nor the system registers (the JIT's readers of those read
/// the state). The JIT's readers of vector registers in the state (vector accesses, vector
/// helpers, inline crypto operations) store the pending writes first, as any instruction
/// with effects but a scalar FP operation does (the JIT's `alloc::flushes_late_writes`).
pub fn late_slot(slot: u64) -> bool {
    slot < 31 || slot::vector(slot).is_some()
}

/// Replaces a value by one of its operands where no reader of it looks at the bits in which
/// the two differ: a `zext` by its operand where no reader looks at the bits it clears, an
/// `or` or `xor` by one operand where the other may set no bit a reader looks at, and an
/// `and` with a constant by its operand where it clears no such bit the operand may have set.
/// The bits each value's readers demand, found backwards, are those an `and` with a constant
/// keeps, those an `or`, `xor`, `select` or narrower `zext` of it passes on, and for an `add`,
/// `sub`, `mul` or 64-bit add-with-carry every bit up to the highest its result demands
/// (carries only go up), shifted for a left shift by a constant; any other reader (a state
/// write, an address, a compare, a call...) demands all of them. A W-register result masked
/// again (`eor w0, w0, w21; and x0, x0, #0xff`, CRC's table index) then needs no extension
/// of its own; and of the NZCV words a run of Thumb's flag-setting `lsls`, `eors`, `movs`
/// builds, each merging its N and Z (and C) into the word before, only the bits a later one
/// keeps are computed (the N and Z of all but the last are dropped). Last of the passes that
/// reason about the bits a value may have set: the replacement has bits the value had not.
pub fn drop_undemanded_bits(b: &mut Block) {
    if !b
        .insts
        .iter()
        .any(|i| matches!(i.op, Op::Zext | Op::Or | Op::Xor))
    {
        return;
    }
    let n = b.num_vals as usize;
    let mut konst: Vec<Option<u64>> = vec![None; n];
    for i in &b.insts {
        if let (Op::Const, Some(d)) = (i.op, i.dst) {
            konst[d.0 as usize] = Some(i.imm);
        }
    }
    let mut demanded = vec![0u64; n];
    match b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => demanded[v.0 as usize] = u64::MAX,
        _ => {}
    }
    // Every bit at or below the highest of `m`.
    let up_to = |m: u64| {
        if m == 0 {
            0
        } else {
            u64::MAX >> m.leading_zeros()
        }
    };
    for i in b.insts.iter().rev() {
        let info = i.op.info();
        let d = i.dst.map_or(u64::MAX, |d| demanded[d.0 as usize]);
        let k = |v: Val| konst[v.0 as usize];
        let mut each = [u64::MAX; 3];
        match i.op {
            Op::And if k(i.args[1]).is_some() => {
                each[0] = d & k(i.args[1]).unwrap_or(u64::MAX);
                each[1] = 0;
            }
            Op::Or | Op::Xor => each = [d, d, 0],
            Op::Select => each = [u64::MAX, d, d],
            Op::Zext => each[0] = d & crate::sem::mask(i.imm as u32),
            Op::Add | Op::Sub | Op::Mul => each = [up_to(d), up_to(d), 0],
            Op::AddC if i.imm == 64 => each = [up_to(d), up_to(d), u64::MAX],
            Op::Shl if i.imm == 64 && k(i.args[1]).is_some_and(|s| s < 64) => {
                each[0] = up_to(d) >> k(i.args[1]).unwrap_or(0);
            }
            _ => {}
        }
        if i.dst.is_some_and(|d| demanded[d.0 as usize] == 0) && !info.effects {
            // Dead: it demands nothing.
            continue;
        }
        for (a, m) in i.args[..info.arity].iter().zip(each) {
            demanded[a.0 as usize] |= m;
        }
    }
    // Forwards: `subst` maps each value to the one that replaces it, which agrees with it in
    // every bit its readers demand; `may` holds the bits each value of the rewritten block
    // may have set, asked of the operands as rewritten (an operand clear in every demanded
    // bit adds nothing there to an `or` or `xor`).
    let narrow = b.narrow_regs;
    let mut subst: Vec<Val> = (0..b.num_vals).map(Val).collect();
    let mut may = vec![u64::MAX; n];
    for i in &mut b.insts {
        let info = i.op.info();
        for a in &mut i.args[..info.arity] {
            *a = subst[a.0 as usize];
        }
        let Some(d) = i.dst else { continue };
        let d = d.0 as usize;
        may[d] = may_set(i, narrow, |v| may[v.0 as usize], |v| konst[v.0 as usize]);
        let dm = demanded[d];
        let [x, y, _] = i.args;
        let clear = |v: Val| may[v.0 as usize] & dm == 0;
        let by = match i.op {
            Op::Zext if dm & !crate::sem::mask(i.imm as u32) == 0 => Some(x),
            Op::Or | Op::Xor if clear(x) => Some(y),
            Op::Or | Op::Xor if clear(y) => Some(x),
            Op::And => konst[y.0 as usize]
                .filter(|&m| may[x.0 as usize] & dm & !m == 0)
                .map(|_| x),
            _ => None,
        };
        if let Some(v) = by {
            subst[d] = v;
        }
    }
    match &mut b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => *v = subst[v.0 as usize],
        _ => {}
    }
}

/// Removes instructions without side effects whose value nothing uses.
pub fn remove_dead_code(b: &mut Block) {
    let mut used = vec![false; b.num_vals as usize];
    match b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => used[v.0 as usize] = true,
        _ => {}
    }
    let mut live = vec![true; b.insts.len()];
    for (idx, i) in b.insts.iter().enumerate().rev() {
        let info = i.op.info();
        let needed = info.effects || i.dst.is_some_and(|d| used[d.0 as usize]);
        if !needed {
            live[idx] = false;
            continue;
        }
        for a in &i.args[..info.arity] {
            used[a.0 as usize] = true;
        }
    }
    let mut idx = 0;
    b.insts.retain(|_| {
        idx += 1;
        live[idx - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Builder, sem, verify};

    unsafe extern "C" fn nop(_: *mut u8, _: u64, _: u64, _: u64) -> u64 {
        0
    }
    /// A helper that does nothing: a call the passes must treat as reading and writing state.
    static NOP: crate::Helper = crate::Helper {
        name: "nop",
        func: nop,
    };

    /// At 0x100: x1 = x0 + 1; x2 = x1 (read after the write); x3 += 1; then the terminator
    /// `term` builds from the block's last value.
    fn loop_block(term: impl Fn(Val) -> Term) -> Block {
        let mut b = Builder::verbatim(0x100);
        let x0 = b.get(slot::x(0));
        let one = b.konst(1);
        let s = b.add(x0, one);
        b.set(slot::x(1), s);
        let again = b.get(slot::x(1));
        b.set(slot::x(2), again);
        let x3 = b.get(slot::x(3));
        let t = b.add(x3, one);
        b.set(slot::x(3), t);
        b.end_insn(0x104);
        b.finish(term(t))
    }

    fn ops(b: &Block) -> Vec<(Op, u64)> {
        b.insts.iter().map(|i| (i.op, i.imm)).collect()
    }

    /// `ite ne; movne r3, #1; moveq r3, #0` (two selects on inverse conditions of one
    /// compare) becomes one select, which, choosing 1 or 0, is the condition itself; a chain on
    /// the same condition (`csel` after `csel` on one compare) selects past the first.
    #[test]
    fn selects_on_related_conditions_merge() {
        let ne = 1 | 32 << 8;
        let eq = 32 << 8;
        let mut b = Builder::verbatim(0x100);
        let x = b.get(slot::x(0));
        let one = b.konst(1);
        let zero = b.konst(0);
        let old = b.get(slot::x(3));
        // `cc2 ? b : (cc1 ? a : old)`, each condition a compare of x with 1.
        let chain = |bld: &mut Builder, cc1: u64, a: Val, cc2: u64, b: Val| {
            let c1 = bld.emit(Op::CondSub, &[x, one], cc1);
            let inner = bld.select(c1, a, old);
            let c2 = bld.emit(Op::CondSub, &[x, one], cc2);
            bld.select(c2, b, inner)
        };
        let s2 = chain(&mut b, ne, one, eq, zero);
        b.set(slot::x(3), s2);
        let y = b.get(slot::x(1));
        let t2 = chain(&mut b, ne, y, ne, x);
        b.set(slot::x(4), t2);
        b.end_insn(0x104);
        let mut blk = b.finish(Term::Jump(0x104));
        let before = blk.clone();
        merge_selects(&mut blk);
        remove_dead_code(&mut blk);
        verify(&blk).unwrap();
        let selects = blk.insts.iter().filter(|i| i.op == Op::Select).count();
        // x3 := the `ne` test itself (the `eq` one, inverted); x4 := one select (of x over
        // old).
        assert_eq!(selects, 1, "{blk}");
        for x0 in [0, 1, 2, u64::MAX] {
            let regs = [x0, 7, 0, 9, 0, 0, 0, 0];
            assert_eq!(run(&blk, &regs), run(&before, &regs), "x0 = {x0}\n{blk}");
        }
    }

    /// A register write that a later write of the same register overwrites with only loads,
    /// stores, side exits and scalar FP operations between becomes `setreg.fault` (the JIT
    /// stores it only if one of those faults or leaves); one a read of the slot or another
    /// helper call comes between stays a `setreg`, and a flags write is dropped as before.
    #[test]
    fn a_write_only_a_fault_can_see_becomes_a_late_write() {
        let mut b = Builder::verbatim(0x100);
        let x = b.get(slot::x(0));
        let k = b.konst(5);
        // x1: only a load between its writes.
        b.set(slot::x(1), x);
        b.load(x, 8);
        b.set(slot::x(1), k);
        // x2: a side exit between.
        b.set(slot::x(2), x);
        b.exit_if(x, 0x200);
        b.load(x, 8);
        b.set(slot::x(2), k);
        // x5: a helper call between.
        b.set(slot::x(5), x);
        b.call(&NOP, x, x, x);
        b.set(slot::x(5), k);
        // x6: a scalar FP operation's call (which reads no general register) and a load.
        let add = crate::inline::FpInline {
            op: crate::inline::FpOp::Add,
            double: true,
            vector: None,
        };
        b.set(slot::x(6), x);
        b.call_fp(&NOP, add, x, x, x);
        b.load(x, 8);
        b.set(slot::x(6), k);
        // x3: read between.
        b.set(slot::x(3), x);
        b.load(x, 8);
        let x3 = b.get(slot::x(3));
        b.set(slot::x(4), x3);
        b.set(slot::x(3), k);
        // NZCV: dropped across a load.
        b.set(slot::NZCV, x);
        b.load(x, 8);
        b.set(slot::NZCV, k);
        b.end_insn(0x104);
        let mut blk = b.finish(Term::Jump(0x104));
        remove_dead_setreg(&mut blk);
        verify(&blk).unwrap();
        let writes: Vec<(Op, u64)> = blk
            .insts
            .iter()
            .filter(|i| matches!(i.op, Op::SetReg | Op::SetRegFault))
            .map(|i| (i.op, i.imm))
            .collect();
        let (set, late) = (Op::SetReg, Op::SetRegFault);
        let nzcv = slot::NZCV as u64;
        assert_eq!(
            writes,
            [
                (late, 1),
                (set, 1),
                (late, 2),
                (set, 2),
                (set, 5),
                (set, 5),
                (late, 6),
                (set, 6),
                (set, 3),
                (set, 4),
                (set, 3),
                (set, nzcv)
            ],
            "{blk}"
        );
    }

    /// A `setreg` of what the slot holds already (the value read from it or written to it, or
    /// an equal constant) is dropped; a different value, or the first write, stays.
    #[test]
    fn a_setreg_of_what_the_slot_holds_goes() {
        let mut b = Builder::verbatim(0x100);
        let x0 = b.get(slot::x(0));
        b.set(slot::x(0), x0);
        let zero = b.konst(0);
        b.set(slot::x(1), zero);
        let x1 = b.get(slot::x(1));
        b.set(slot::x(2), x1);
        let zero_again = b.konst(0);
        b.set(slot::x(1), zero_again);
        let one = b.konst(1);
        b.set(slot::x(1), one);
        b.set(slot::x(2), zero_again);
        b.end_insn(0x104);
        let mut blk = b.finish(Term::Jump(0x104));
        let before = blk.clone();
        forward_getreg(&mut blk);
        verify(&blk).unwrap();
        let sets: Vec<u64> = blk
            .insts
            .iter()
            .filter(|i| i.op == Op::SetReg)
            .map(|i| i.imm)
            .collect();
        // Kept: x1 := 0, x2 := x1 (the zero, forwarded), x1 := 1. Dropped: x0 := x0, the
        // second x1 := 0 (another `const 0`) and x2 := 0 (x2 holds the first one).
        assert_eq!(sets, [1, 2, 1], "{blk}");
        let regs = [5, 6, 7, 0, 0, 0, 0, 0];
        assert_eq!(run(&blk, &regs), run(&before, &regs));
    }

    #[test]
    fn a_one_block_loop_reads_its_entry_state_first() {
        let branch = |c| Term::Branch {
            cond: c,
            taken: 0x100,
            fallthrough: 0x104,
        };
        let jump = |_| Term::Jump(0x100);
        for mut b in [loop_block(jump), loop_block(branch)] {
            let before = b.clone();
            hoist_entry_reads(&mut b);
            verify(&b).unwrap();
            let o = ops(&b);
            // x0 and x3 move up; the read of x1 after its write stays after it.
            assert_eq!(&o[..2], &[(Op::GetReg, 0), (Op::GetReg, 3)]);
            let set1 = o.iter().position(|&x| x == (Op::SetReg, 1)).unwrap();
            let get1 = o.iter().position(|&x| x == (Op::GetReg, 1)).unwrap();
            assert!(set1 < get1);
            // Same semantics: run both from the same state.
            let regs = [41, 0, 0, 9, 0, 0, 0, 0];
            assert_eq!(run(&b, &regs), run(&before, &regs));
        }
    }

    /// At 0x100: `ccmp x0, x1, #0, eq` after a `tst x2` (the flags word a select of a compare
    /// and 0), stored; `b.eq` to `target`.
    fn ccmp_block(target: u64) -> Block {
        let mut b = Builder::verbatim(0x100);
        let (x0, x1, x2) = (b.get(0), b.get(1), b.get(2));
        let z = b.emit(Op::LogicFlags, &[x2], 64);
        b.set(slot::NZCV, z);
        let f = b.get(slot::NZCV);
        let eq = b.cond(f, 0);
        let n1 = b.not(x1);
        let one = b.konst(1);
        let cmp = b.emit(Op::AddCFlags, &[x0, n1, one], 64);
        let zero = b.konst(0);
        let word = b.select(eq, cmp, zero);
        b.set(slot::NZCV, word);
        let f = b.get(slot::NZCV);
        let c = b.cond(f, 0);
        b.end_insn(0x104);
        b.finish(Term::Branch {
            cond: c,
            taken: target,
            fallthrough: 0x104,
        })
    }

    #[test]
    fn a_loop_branch_does_not_read_the_flags_word_it_stores_for_the_way_out() {
        for (target, reads_word) in [(0x100, false), (0x200, true)] {
            let mut b = ccmp_block(target);
            let before = b.clone();
            optimize(&mut b);
            verify(&b).unwrap();
            assert_eq!(
                flags_for_the_way_out(&b).is_some(),
                !reads_word,
                "target {target:#x}"
            );
            let Term::Branch { cond, .. } = b.term else {
                panic!()
            };
            let def = b.insts.iter().find(|i| i.dst == Some(cond)).unwrap();
            let word = b.insts.iter().rev().find(|i| i.op == Op::SetReg).unwrap();
            let word = word.args[0];
            let reads = |i: &crate::Inst| i.args[..i.op.info().arity].contains(&word);
            assert_eq!(reads(def), reads_word, "target {target:#x}:\n{b}");
            // Both give the same state (the flags slot included) and branch condition.
            let state = |blk: &Block, x: [u64; 3]| {
                let mut regs = [0u64; 64];
                regs[..3].copy_from_slice(&x);
                let (regs, v) = eval(blk, &regs);
                let Term::Branch { cond, .. } = blk.term else {
                    panic!()
                };
                (regs, v[cond.0 as usize])
            };
            for x in [[5, 5, 0], [5, 6, 0], [5, 5, 1], [7, 5, 0]] {
                assert_eq!(state(&b, x), state(&before, x), "{x:?}");
            }
        }
    }

    #[test]
    fn an_add_of_nothing_is_its_operand() {
        // MOV x29, sp is ADD x29, sp, #0: an add-with-carry of 0 and carry 0.
        let mut b = Builder::verbatim(0);
        let sp = b.get(7);
        let zero = b.konst(0);
        let one = b.konst(1);
        let same = b.emit(Op::AddC, &[sp, zero, zero], 64);
        b.set(1, same);
        // Not at 32 bits, where the upper half of a 64-bit register goes.
        let low = b.emit(Op::AddC, &[sp, zero, zero], 32);
        b.set(2, low);
        // Nor with a carry in.
        let inc = b.emit(Op::AddC, &[sp, zero, one], 64);
        b.set(3, inc);
        b.end_insn(4);
        let blk = b.finish(Term::Jump(4));
        let (opt, text) = optimized(&blk);
        assert_eq!(text.matches("addc").count(), 2, "{text}");
        let regs = [0, 0, 0, 0, 0, 0, 0, 0x1_2345_6789];
        assert_eq!(run(&opt, &regs), run(&blk, &regs));
    }

    #[test]
    fn adding_or_subtracting_zero_sets_no_overflow() {
        // Thumb's `subs ip, ip, #0` (x != 0, with `it ne; movne ip, #1` after it), then a
        // 16-bit LSRS that keeps its V: V is known clear, the compare's flags go, and so does
        // its result (x - 0 is x).
        let mut b = Builder::verbatim(0);
        let x = b.get(1);
        let x = b.zext(x, 32);
        let (zero, one) = (b.konst(0), b.konst(1));
        let all = b.konst(u64::MAX);
        let v_bit = b.konst(0x1000_0000);
        let cv_bits = b.konst(0x3000_0000);
        let same = b.emit(Op::AddC, &[x, all, one], 32);
        b.set(4, same);
        let sub0 = b.emit(Op::AddCFlags, &[x, all, one], 32);
        let y = b.get(2);
        let nz = b.un(Op::LogicFlags, y, 32);
        let kept = b.and(sub0, v_bit);
        let f = b.or(nz, kept);
        b.set(3, f);
        // x + 0 with no carry in has neither C nor V; `sub.flags x, 0` no V.
        let add0 = b.emit(Op::AddCFlags, &[x, zero, zero], 64);
        let kept = b.and(add0, cv_bits);
        b.set(5, kept);
        let cmp0 = b.emit(Op::SubFlags, &[x, zero], 32);
        let kept = b.and(cmp0, v_bit);
        b.set(6, kept);
        // x + 1 may overflow: that V stays.
        let add1 = b.emit(Op::AddCFlags, &[x, one, zero], 32);
        let kept = b.and(add1, v_bit);
        b.set(7, kept);
        b.end_insn(4);
        let blk = b.finish(Term::Jump(4));
        let (opt, text) = optimized(&blk);
        assert_eq!(text.matches("addc").count(), 1, "{text}");
        assert!(!text.contains("sub.flags"), "{text}");
        for x in [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, u64::MAX] {
            for y in [0, 1, 0x8000_0000] {
                let regs = [0, x, y, 0, 0, 0, 0, 0];
                assert_eq!(run(&opt, &regs), run(&blk, &regs), "{x:#x} {y:#x}");
            }
        }
    }

    #[test]
    fn other_blocks_keep_their_order() {
        // Not a loop: the block goes elsewhere.
        let mut b = loop_block(|_| Term::Jump(0x200));
        let before = ops(&b);
        hoist_entry_reads(&mut b);
        assert_eq!(ops(&b), before);
        // A loop that calls a helper, which may write any slot.
        let mut b = loop_block(|_| Term::Jump(0x100));
        let mut with_call = Builder::verbatim(0x100);
        let v = with_call.konst(0);
        with_call.call(&NOP, v, v, v);
        let call = with_call.finish(Term::Jump(0x100)).insts[1];
        let k = b.insts.len() / 2;
        b.insts.insert(k, call);
        let before = ops(&b);
        hoist_entry_reads(&mut b);
        assert_eq!(ops(&b), before);
    }

    #[test]
    fn common_values_are_shared() {
        let mut b = Builder::verbatim(0);
        let x = b.get(1);
        let k1 = b.konst(0x7f7f_7f7f_7f7f_7f7f);
        let a = b.and(x, k1);
        let k2 = b.konst(0x7f7f_7f7f_7f7f_7f7f);
        let c = b.and(x, k2);
        let s = b.add(a, c);
        b.set(2, s);
        // Reading the state again after a write is not the same value.
        let y = b.get(1);
        b.set(1, s);
        let z = b.get(1);
        let t = b.add(y, z);
        b.set(3, t);
        let mut blk = b.finish(Term::Jump(4));
        let before = blk.clone();
        share_common_values(&mut blk);
        remove_dead_code(&mut blk);
        verify(&blk).unwrap();
        let text = blk.to_string();
        assert_eq!(text.matches("const").count(), 1, "{text}");
        assert_eq!(text.matches(" and ").count(), 1, "{text}");
        // Every read of the state stays, the one after the write above all.
        assert_eq!(text.matches("getreg").count(), 3, "{text}");
        assert_eq!(before.to_string().matches("getreg").count(), 3);
    }

    #[test]
    fn a_value_with_itself_folds() {
        let mut b = Builder::verbatim(0);
        let x = b.get(1);
        let o = b.or(x, x);
        b.set(2, o);
        let a = b.and(x, x);
        b.set(3, a);
        let e = b.xor(x, x);
        b.set(4, e);
        let s = b.sub(x, x);
        b.set(5, s);
        let blk = b.finish(Term::Jump(4));
        let (opt, text) = optimized(&blk);
        for op in [" or ", " and ", " xor ", " sub "] {
            assert!(blk.to_string().contains(op), "{blk}");
            assert!(!text.contains(op), "{text}");
        }
        for v in [0, 1, 0x8000_0000_0000_0000, u64::MAX, 0x1234_5678_9abc_def0] {
            let regs = [0, v, 0, 0, 0, 0, 0, 0];
            assert_eq!(run(&blk, &regs), run(&opt, &regs));
        }
    }

    #[test]
    fn dead_flags_are_removed() {
        let mut b = Builder::verbatim(0);
        let x = b.get(1);
        let f1 = b.un(Op::LogicFlags, x, 64);
        b.set(33, f1);
        let y = b.get(1);
        let f2 = b.un(Op::LogicFlags, y, 32);
        b.set(33, f2);
        let mut blk = b.finish(Term::Jump(4));
        optimize(&mut blk);
        verify(&blk).unwrap();
        let text = blk.to_string();
        assert!(!text.contains("logic.flags.64"), "{text}");
        assert!(text.contains("logic.flags.32"), "{text}");
        assert_eq!(text.matches("getreg").count(), 1, "{text}");
    }

    #[test]
    fn constants_fold_and_redundant_zext_goes() {
        let mut b = Builder::verbatim(0);
        // movz w0, #0x1234; movk w0, #0x5678, lsl 16 as the lifter writes it.
        let lo = b.konst(0x1234);
        let mask = b.konst(0xffff_ffff_0000_ffff);
        let kept = b.and(lo, mask);
        let hi = b.konst(0x5678_0000);
        let v = b.or(kept, hi);
        let v = b.zext(v, 32);
        b.set(0, v);
        // A 32-bit add is already zero-extended: the zext of it is dropped.
        let x = b.get(1);
        let one = b.konst(1);
        let zero = b.konst(0);
        let s = b.emit(Op::AddC, &[x, one, zero], 32);
        let z = b.zext(s, 32);
        b.set(2, z);
        let mut blk = b.finish(Term::JumpReg(z));
        optimize(&mut blk);
        verify(&blk).unwrap();
        let text = blk.to_string();
        assert!(text.contains("const 0x56781234"), "{text}");
        assert!(!text.contains("zext"), "{text}");
        assert!(!text.contains(" or ") && !text.contains(" and "), "{text}");
    }

    /// CRC's table index from W registers (`eor w0, w0, w1; eor w0, w0, w21; and x0, x0,
    /// #0xff`, then `x0 << 2` added to the table's address): no extension is left, since the
    /// mask keeps only bits both operands of each `xor` agree on. Extensions whose bits a
    /// register write, a compare, a right shift or a sum read past the mask stay. The state
    /// after the block is the same for operands with every upper bit set.
    #[test]
    fn extensions_nothing_reads_past_go() {
        let build = || {
            let mut b = Builder::verbatim(0);
            let (x0, x1, x21) = (b.get(0), b.get(1), b.get(2));
            let t = b.xor(x0, x1);
            let t = b.zext(t, 32);
            let t = b.xor(t, x21);
            let t = b.zext(t, 32);
            let ff = b.konst(0xff);
            let index = b.and(t, ff);
            let two = b.konst(2);
            let scaled = b.binw(Op::Shl, index, two, 64);
            let table = b.get(3);
            let at = b.add(table, scaled);
            b.set(4, at);
            // Kept: a register write, a right shift and a sum of all 64 bits read them.
            let w = b.xor(x0, x21);
            let w = b.zext(w, 32);
            b.set(5, w);
            let u = b.xor(x1, x21);
            let u = b.zext(u, 32);
            let eight = b.konst(8);
            let r = b.binw(Op::Lshr, u, eight, 64);
            b.set(6, r);
            let v = b.add(x0, x1);
            let v = b.zext(v, 32);
            let v = b.add(v, x21);
            b.set(7, v);
            b.finish(Term::Jump(0))
        };
        let plain = build();
        let mut blk = build();
        optimize(&mut blk);
        verify(&blk).unwrap();
        let text = blk.to_string();
        assert_eq!(text.matches("zext").count(), 3, "{text}");
        for regs in [
            [
                u64::MAX,
                0xffff_ffff_0000_1234,
                0xdead_beef_8765_4321,
                0x1000,
                0,
                0,
                0,
                0,
            ],
            [0x1_0000_00ff, 0xffff_fff0, 1 << 63, 1 << 40, 0, 0, 0, 0],
        ] {
            assert_eq!(run(&blk, &regs), run(&plain, &regs), "{text}");
        }
    }

    /// The flags word an A32 shift that sets the flags (`lsls`, `lsrs`) leaves, as the
    /// lifter writes it: N and Z of `result`, C the bit `out` (0 or 1) shifted out, V kept
    /// from the word `old`.
    fn shift_flags(b: &mut Builder, result: Val, out: Val, old: Val) -> Val {
        let nz = b.emit(Op::LogicFlags, &[result], 32);
        let v = b.konst(0x1000_0000);
        let kept = b.and(old, v);
        let k29 = b.konst(29);
        let carry = b.binw(Op::Shl, out, k29, 64);
        let w = b.or(nz, kept);
        b.or(carry, w)
    }

    /// Thumb's `eors r3, r6; lsls r6, r3, #17; movs r3, #0` as the A32 lifter writes their
    /// flags: each merges its N and Z (and the shifter's C) into the word before, and only the
    /// last word is stored. The N and Z of the first two are never read.
    #[test]
    fn flags_a_later_instruction_overwrites_are_not_computed() {
        let mut b = Builder::verbatim(0);
        let (r3, r6, old) = (b.get(0), b.get(1), b.get(3));
        let cv = b.konst(0x3000_0000);
        // eors r3, r6: N and Z of the result, C and V kept.
        let x = b.xor(r3, r6);
        let nz = b.emit(Op::LogicFlags, &[x], 32);
        let kept = b.and(old, cv);
        let f1 = b.or(nz, kept);
        // lsls r6, r3, #17: N and Z, C the last bit shifted out, V kept.
        let k17 = b.konst(17);
        let shifted = b.binw(Op::Shl, x, k17, 32);
        let k15 = b.konst(15);
        let out = b.binw(Op::Lshr, x, k15, 64);
        let one = b.konst(1);
        let out = b.and(out, one);
        let f2 = shift_flags(&mut b, shifted, out, f1);
        // movs r3, #0: N clear, Z set, C and V kept.
        let z = b.konst(0x4000_0000);
        let kept = b.and(f2, cv);
        let f3 = b.or(z, kept);
        b.set(3, f3);
        b.set(1, shifted);
        let blk = b.finish(Term::Jump(0));
        let (opt, text) = optimized(&blk);
        assert!(!text.contains("logic.flags"), "{text}");
        for (x, y, flags) in [
            (0, 0, 0),
            (0x8000, 0, 0xf000_0000),
            (0x1234_5678, 0x8765_4321, 0x1000_0000),
            (u64::from(u32::MAX), 0x7fff, 0x2000_0000),
        ] {
            let regs = [x, y, 0, flags, 0, 0, 0, 0];
            assert_eq!(run(&blk, &regs), run(&opt, &regs), "{text}");
        }
    }

    /// TBNZ x0, #45 and TBZ w1, #3 as the A64 lifter writes them: the shifted bits are
    /// tested in place. A bit also written to a register (`variant` 1) keeps its shift, and
    /// so does one whose shift the branch reads too (2).
    #[test]
    fn bits_read_as_conditions_are_tested_in_place() {
        let build = |variant: u8| {
            let mut b = Builder::verbatim(0);
            let (x0, x1) = (b.get(0), b.get(1));
            let one = b.konst(1);
            let k45 = b.konst(45);
            let s45 = b.binw(Op::Lshr, x0, k45, 64);
            let bit = b.and(s45, one);
            b.exit_if(bit, 0x40);
            let k3 = b.konst(3);
            let s = b.binw(Op::Lshr, x1, k3, 32);
            let bit = b.and(s, one);
            if variant == 1 {
                b.set(2, bit);
            }
            b.finish(Term::Branch {
                cond: if variant == 2 { s45 } else { bit },
                taken: 0x80,
                fallthrough: 0xc0,
            })
        };
        for variant in 0..3 {
            let blk = build(variant);
            let (opt, text) = optimized(&blk);
            let shifts = usize::from(variant > 0);
            assert_eq!(text.matches("lshr").count(), shifts, "{text}");
            for (x0, x1) in [
                (0, 0),
                (1 << 45, 8),
                (!(1 << 45), !8),
                (u64::MAX, 1 << 35 | 8),
            ] {
                let regs = [x0, x1, 0, 0, 0, 0, 0, 0];
                // Whether the side exit leaves, the state, and the way the branch goes.
                let way = |b: &Block| {
                    let (r, v) = eval(b, &regs);
                    let holds = |c: Val| v[c.0 as usize] != 0;
                    let exited = b
                        .insts
                        .iter()
                        .any(|i| i.op == Op::ExitIf && holds(i.args[0]));
                    let Term::Branch { cond, .. } = b.term else {
                        unreachable!()
                    };
                    (exited, r, !exited && holds(cond))
                };
                assert_eq!(way(&blk), way(&opt), "{x0:#x} {x1:#x}\n{text}");
            }
        }
    }

    #[test]
    fn low_word_of_a_left_shift_is_a_32_bit_shift() {
        // ldr r0, [r1, r2, lsl #2] as the A32 lifter writes the index: shl.64, then zext.32.
        let mut b = Builder::verbatim(0);
        let x = b.get(2);
        for (n, k) in [2u64, 31, 32].into_iter().enumerate() {
            let k = b.konst(k);
            let s = b.binw(Op::Shl, x, k, 64);
            let z = b.zext(s, 32);
            b.set(n as u32, z);
        }
        // Of a constant: folded with both operands of the shift (ldr r9, [r0, r1, lsl #2]
        // with r1 known).
        let eight = b.konst(8);
        let two = b.konst(2);
        let s = b.binw(Op::Shl, eight, two, 64);
        let z = b.zext(s, 32);
        let base = b.get(4);
        let a = b.add(base, z);
        b.set(3, a);
        let blk = b.finish(Term::Jump(4));
        let (opt, text) = optimized(&blk);
        // Shifts by 2 and 31 become 32-bit shifts; by 32 the low word is 0.
        assert_eq!(text.matches("shl.32").count(), 2, "{text}");
        assert!(!text.contains("shl.64") && !text.contains("zext"), "{text}");
        for x in [0, 1, 0x8000_0001, 0xdead_beef_f00d_cafe, u64::MAX] {
            let regs = [0, 0, x, 0, 0x1000, 0, 0, 0];
            assert_eq!(run(&blk, &regs), run(&opt, &regs), "{x:#x}");
        }
    }

    #[test]
    fn masks_and_extensions_that_keep_every_possible_bit_go() {
        let mut b = Builder::verbatim(0);
        // lsr w22, w0, #8 as the A64 lifter writes UBFM: a 32-bit rotate, then masks.
        let w0 = b.get(0);
        let eight = b.konst(8);
        let r = b.binw(Op::Ror, w0, eight, 32);
        let all = b.konst(0xffff_ffff);
        let r = b.and(r, all);
        let low = b.konst(0x00ff_ffff);
        let r = b.and(r, low);
        let r = b.zext(r, 32);
        b.set(1, r);
        // orr w2, w2, w3 of a halfword and a byte load: already narrow.
        let h = b.load(w0, 2);
        let c = b.load(w0, 1);
        let o = b.or(h, c);
        let o = b.zext(o, 32);
        let o = b.zext(o, 16);
        b.set(2, o);
        // The top half of a 32-bit value: nothing.
        let thirty_two = b.konst(32);
        let top = b.binw(Op::Lshr, o, thirty_two, 64);
        let s = b.add(r, top);
        b.set(3, s);
        let blk = b.finish(Term::Jump(4));
        let (_, text) = optimized(&blk);
        assert!(!text.contains("zext"), "{text}");
        assert_eq!(text.matches(" and ").count(), 1, "{text}");
        assert!(!text.contains("lshr") && !text.contains(" add "), "{text}");
        assert!(text.contains("setreg s3, v"), "{text}");
        // The wider masks stay: a 64-bit rotate's result may have any bit set.
        let mut b = Builder::verbatim(0);
        let x = b.get(0);
        let eight = b.konst(8);
        let r = b.binw(Op::Ror, x, eight, 64);
        let r = b.zext(r, 32);
        b.set(1, r);
        let mut blk = b.finish(Term::Jump(4));
        optimize(&mut blk);
        assert!(blk.to_string().contains("zext.32"), "{blk}");
    }

    #[test]
    fn identities_pass_the_other_operand_through() {
        let mut b = Builder::verbatim(0);
        let x = b.get(1);
        let zero = b.konst(0);
        let s = b.add(zero, x);
        let s = b.xor(s, zero);
        let ones = b.konst(u64::MAX);
        let s = b.and(ones, s);
        b.set(2, s);
        let mut blk = b.finish(Term::JumpReg(s));
        optimize(&mut blk);
        verify(&blk).unwrap();
        let text = blk.to_string();
        assert!(
            !text.contains(" add ") && !text.contains(" xor ") && !text.contains(" and "),
            "{text}"
        );
        assert!(text.contains("setreg s2, v0"), "{text}");
    }

    #[test]
    fn carry_read_from_add_flags_becomes_addc_carry() {
        let mut b = Builder::verbatim(0);
        let (x, y) = (b.get(1), b.get(2));
        let zero = b.konst(0);
        let f = b.emit(Op::AddCFlags, &[x, y, zero], 32);
        let s = b.konst(29);
        let sh = b.binw(Op::Lshr, f, s, 64);
        let one = b.konst(1);
        let c = b.and(sh, one);
        b.set(3, c);
        let mut blk = b.finish(Term::Jump(4));
        // (optimize goes on to widen it: carry_chains_become_one_wide_add_per_pair)
        fold(&mut blk);
        remove_dead_code(&mut blk);
        verify(&blk).unwrap();
        let ops: Vec<Op> = blk.insts.iter().map(|i| i.op).collect();
        assert!(ops.contains(&Op::AddCCarry), "{blk}");
        assert!(!ops.contains(&Op::AddCFlags), "flags word left: {blk}");
        let carry = blk.insts.iter().find(|i| i.op == Op::AddCCarry).unwrap();
        assert_eq!(carry.imm, 32);
        assert_eq!(sem::eval(Op::AddCCarry, 32, [0xffff_ffff, 1, 0]), Some(1));
        assert_eq!(sem::eval(Op::AddCCarry, 32, [0xffff_fffe, 1, 0]), Some(0));
        assert_eq!(sem::eval(Op::AddCCarry, 64, [u64::MAX, 0, 1]), Some(1));
    }

    /// `blk` optimized (and verified), with its text.
    fn optimized(blk: &Block) -> (Block, String) {
        let mut opt = blk.clone();
        optimize(&mut opt);
        verify(&opt).unwrap();
        let text = opt.to_string();
        (opt, text)
    }

    /// Runs a block without memory or helpers: the state after it, from `regs`.
    fn run(blk: &Block, regs: &[u64; 8]) -> [u64; 8] {
        eval(blk, regs).0
    }

    /// [`run`] over the first `N` slots, with the values the block computed; a side exit
    /// (`exit.if`) whose condition holds ends the run there (later values stay 0).
    fn eval<const N: usize>(blk: &Block, regs: &[u64; N]) -> ([u64; N], Vec<u64>) {
        let mut regs = *regs;
        let mut v = vec![0u64; blk.num_vals as usize];
        for i in &blk.insts {
            let a = i.args.map(|x| v.get(x.0 as usize).copied().unwrap_or(0));
            match i.op {
                Op::GetReg => v[i.dst.unwrap().0 as usize] = regs[i.imm as usize],
                Op::SetReg => regs[i.imm as usize] = a[0],
                Op::ExitIf if a[0] != 0 => break,
                Op::ExitIf => {}
                op => v[i.dst.unwrap().0 as usize] = sem::eval(op, i.imm, a).unwrap(),
            }
        }
        (regs, v)
    }

    /// A 32-bit guest's S registers live in halves of D-register slots: written into one
    /// half (`or` of the other half, masked, and the value) and read back (`zext`, an `and`
    /// with the low mask, a right shift by 32) in the same block, the read is the written
    /// value; a right shift by 32 of a left shift by 32 is a `zext.32`.
    #[test]
    fn a_field_read_from_what_an_or_put_together_is_its_part() {
        let mut b = Builder::verbatim(0);
        let d = b.get(0);
        let lo = b.get(1);
        let lo = b.emit(Op::Zext, &[lo], 32);
        let hi = b.get(2);
        let hi = b.emit(Op::Zext, &[hi], 32);
        let (low_mask, high_mask) = (b.konst(0xffff_ffff), b.konst(0xffff_ffff_0000_0000));
        let thirty_two = b.konst(32);
        // S0 := lo, then S1 := hi.
        let kept = b.and(d, high_mask);
        let d = b.or(kept, lo);
        let kept = b.and(d, low_mask);
        let up = b.binw(Op::Shl, hi, thirty_two, 64);
        let d = b.or(kept, up);
        b.set(3, d);
        let s0 = b.emit(Op::Zext, &[d], 32);
        b.set(4, s0);
        let s0 = b.and(d, low_mask);
        b.set(5, s0);
        let s1 = b.binw(Op::Lshr, d, thirty_two, 64);
        b.set(6, s1);
        let any = b.get(7);
        let up = b.binw(Op::Shl, any, thirty_two, 64);
        let low_word = b.binw(Op::Lshr, up, thirty_two, 64);
        b.set(7, low_word);
        // Shifts by different amounts are no extension.
        let sixteen = b.konst(16);
        let up = b.binw(Op::Shl, any, sixteen, 64);
        let middle = b.binw(Op::Lshr, up, thirty_two, 64);
        b.set(0, middle);
        let mut blk = b.finish(Term::Jump(4));
        let before = blk.clone();
        fold(&mut blk);
        remove_dead_code(&mut blk);
        verify(&blk).unwrap();
        let set = |s: u64| {
            let i = blk.insts.iter().find(|i| i.op == Op::SetReg && i.imm == s);
            i.unwrap().args[0]
        };
        assert_eq!((set(4), set(5), set(6)), (lo, lo, hi), "{blk}");
        let last = blk.insts.iter().find(|i| i.dst == Some(set(7))).unwrap();
        assert_eq!(
            (last.op, last.imm, last.args[0]),
            (Op::Zext, 32, any),
            "{blk}"
        );
        for seed in 1..20u64 {
            let x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let regs = [x, x.rotate_left(7), x.rotate_left(29), 0, 0, 0, 0, !x];
            assert_eq!(run(&blk, &regs), run(&before, &regs));
        }
    }

    /// A store takes the value under a zero-extension that keeps every byte it stores.
    #[test]
    fn a_store_drops_a_zero_extension_as_wide_as_it() {
        let mut b = Builder::verbatim(0);
        let (addr, x) = (b.get(0), b.get(1));
        let wide = b.emit(Op::Zext, &[x], 32);
        b.store(addr, wide, 4);
        let narrow = b.emit(Op::Zext, &[x], 16);
        b.store(addr, narrow, 4);
        let mut blk = b.finish(Term::Jump(4));
        fold(&mut blk);
        verify(&blk).unwrap();
        let stored: Vec<Val> = blk
            .insts
            .iter()
            .filter(|i| i.op == Op::Store)
            .map(|i| i.args[1])
            .collect();
        assert_eq!(stored, [x, narrow], "{blk}");
    }

    #[test]
    fn sel_after_uadd8_or_usub8_takes_the_lane_mask() {
        // uadd8 r2, r0, r1 (or usub8); sel r3, r0, r1, as the A32 lifter writes them: the GE
        // slot holds the lane compare's byte mask, which SEL reads back; the read takes the
        // value written, so the block compares the lanes once and converts nothing.
        for op in [crate::ByteOp::Add, crate::ByteOp::Sub] {
            let mut b = Builder::verbatim(0);
            let (r0, r1) = (b.get(0), b.get(1));
            let sum = b.emit(Op::Bytes4, &[r0, r1], op as u64);
            let ge = b.emit(Op::Bytes4Mask, &[r0, r1], op as u64);
            b.set(2, sum);
            b.set(4, ge);
            let mask = b.get(4);
            let a = b.and(r0, mask);
            let nm = b.not(mask);
            let c = b.and(r1, nm);
            let r = b.or(a, c);
            b.set(3, r);
            let blk = b.finish(Term::Jump(4));
            let (opt, text) = optimized(&blk);
            assert_eq!(text.matches("bytes4.mask").count(), 1, "{text}");
            assert!(!text.contains("getreg s4"), "{text}");
            let bytes = [0u64, 1, 0x7f, 0x80, 0xfe, 0xff];
            for (i, &x) in bytes.iter().enumerate() {
                for &y in &bytes {
                    let r0 = x | y << 8 | bytes[(i + 1) % 6] << 16 | y << 24;
                    let r1 = y | x << 8 | y << 16 | bytes[(i + 3) % 6] << 24;
                    let regs = [r0, r1, 0, 0, 0, 0, 0, 0];
                    assert_eq!(run(&opt, &regs), run(&blk, &regs), "{regs:x?}\n{text}");
                }
            }
        }
        // The conversions between the APSR's GE bits and the mask (MSR, MRS, signal frames).
        assert_eq!(sem::ge_mask(0xffff_ffff_0005_ffff), 0x00ff_00ff);
        assert_eq!(sem::mask_ge(0x00ff_00ff), 0x0005_0000);
        assert_eq!(
            sem::bytes4_mask(0x01ff_80fe, 0x0101_8003, false),
            0x00ff_ffff
        );
        assert_eq!(
            sem::bytes4_mask(0x0100_80fe, 0x0201_7fff, true),
            0x0000_ff00
        );
    }

    #[test]
    fn carry_chains_become_one_wide_add_per_pair() {
        // adds r4, r0, r2; adc r5, r1, r3 (a 64-bit add), then the carry of a subtract read
        // by sbc (cmp r0, r2; sbc r6, r1, r3), as the A32 lifter writes them; with `clobber`,
        // an instruction the JIT lowers with a flag-setting host op between the halves of
        // each, so their carries cannot stay in CF (`carry_chain`).
        let pairs = |clobber: bool| {
            let mut b = Builder::verbatim(0);
            let (r0, r1, r2, r3) = (b.get(0), b.get(1), b.get(2), b.get(3));
            let zero = b.konst(0);
            let lo = b.emit(Op::AddC, &[r0, r2, zero], 32);
            let c = b.emit(Op::AddCCarry, &[r0, r2, zero], 32);
            // (Lowered as a host `and`.)
            let y = if clobber { b.and(r3, r0) } else { r3 };
            let hi = b.emit(Op::AddC, &[r1, y, c], 32);
            b.set(4, lo);
            b.set(5, hi);
            let n2 = b.emit(Op::Not, &[r2], 0);
            let one = b.konst(1);
            let borrow = b.emit(Op::AddCCarry, &[r0, n2, one], 32);
            let y = if clobber { b.or(r3, r0) } else { r3 };
            let n3 = b.emit(Op::Not, &[y], 0);
            let d = b.emit(Op::AddC, &[r1, n3, borrow], 32);
            b.set(6, d);
            let c2 = b.emit(Op::AddCCarry, &[r1, n3, borrow], 32);
            b.set(7, c2);
            b.finish(Term::Jump(4))
        };
        // Kept in CF: both carries stay as they are, for the JIT.
        let blk = pairs(false);
        let (opt, text) = optimized(&blk);
        assert_eq!(text.matches("addc.carry").count(), 3, "{text}");
        assert_eq!(crate::carry_chain::find(&opt).len(), 2, "{text}");
        let blk = pairs(true);
        let (opt, text) = optimized(&blk);
        assert!(!text.contains("addc.carry"), "{text}");
        // Each pair shares one wide add, and the high word's addc of r1, r3 and the carry
        // is two plain adds.
        assert!(!text.contains("addc"), "{text}");
        assert_eq!(text.matches("lshr").count(), 3, "{text}");
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            // Edge values half of the time: all ones, zero, one, the sign bit.
            match rng % 8 {
                0 => 0xffff_ffff,
                1 => 0,
                2 => 1,
                3 => 0x8000_0000,
                _ => rng & 0xffff_ffff,
            }
        };
        for _ in 0..2000 {
            let regs = [next(), next(), next(), next(), 0, 0, 0, 0];
            assert_eq!(run(&opt, &regs), run(&blk, &regs), "{regs:x?}\n{text}");
        }
        // The three low words of sums are extended, and so are the operands of the wide
        // adds: a 64-bit guest's registers may use all 64 bits. A 32-bit guest's hold 32-bit
        // values, so of its operands only the not-ed ones are.
        assert_eq!(text.matches("zext.32 v").count(), 8, "{text}");
        let mut narrow = blk.clone();
        narrow.narrow_regs = true;
        let (opt, text) = optimized(&narrow);
        assert_eq!(text.matches("zext.32 v").count(), 5, "{text}");
        for _ in 0..2000 {
            let regs = [next(), next(), next(), next(), 0, 0, 0, 0];
            assert_eq!(run(&opt, &regs), run(&blk, &regs), "{regs:x?}\n{text}");
        }
    }

    #[test]
    fn compares_fuse_into_cond_sub_for_every_condition() {
        // cmp r0, r1 and cmp r0, #k (the lifters' a + not b + 1 and a + !k + 1), each tested
        // under every condition at both widths, against the unfused flags.
        for wide in [32u64, 64] {
            for cc in 0..14u32 {
                let mut b = Builder::verbatim(0);
                let (r0, r1) = (b.get(0), b.get(1));
                let one = b.konst(1);
                let n1 = b.emit(Op::Not, &[r1], 0);
                let f = b.emit(Op::AddCFlags, &[r0, n1, one], wide);
                let c = b.cond(f, cc);
                b.set(2, c);
                let nk = b.konst(!0x8000_0001u64);
                let f = b.emit(Op::AddCFlags, &[r0, nk, one], wide);
                let c = b.cond(f, cc);
                b.set(3, c);
                let blk = b.finish(Term::Jump(4));
                let (opt, text) = optimized(&blk);
                assert_eq!(text.matches("cond.sub").count(), 2, "{text}");
                assert!(!text.contains("addc"), "{text}");
                let edges = [0, 1, 0x7fff_ffff, 0x8000_0000, 0x8000_0001, 0xffff_ffff];
                let edges = edges.iter().chain(&[1 << 63, u64::MAX, 0x1_0000_0000]);
                for &x in edges.clone() {
                    for &y in edges.clone() {
                        let regs = [x, y, 0, 0, 0, 0, 0, 0];
                        assert_eq!(run(&opt, &regs), run(&blk, &regs), "{x:x} {y:x}\n{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn register_subtractions_and_compares_lose_their_not() {
        // sub r2, r0, r1 and cmp r0, r1 with the flags kept (a setreg of NZCV), at both
        // widths; then subs/sbc, a 64-bit subtraction whose low half's carry the JIT keeps in
        // CF: that half stays an add-with-carry.
        for wide in [32u64, 64] {
            let mut b = Builder::verbatim(0);
            let (r0, r1) = (b.get(0), b.get(1));
            let one = b.konst(1);
            let n1 = b.emit(Op::Not, &[r1], 0);
            let d = b.emit(Op::AddC, &[r0, n1, one], wide);
            b.set(2, d);
            let f = b.emit(Op::AddCFlags, &[r0, n1, one], wide);
            b.set(3, f);
            let blk = b.finish(Term::Jump(4));
            let (opt, text) = optimized(&blk);
            assert_eq!(text.matches("sub.w").count(), 1, "{text}");
            assert_eq!(text.matches("sub.flags").count(), 1, "{text}");
            assert!(!text.contains("not") && !text.contains("addc"), "{text}");
            let edges = [
                0,
                1,
                0x7fff_ffff,
                0x8000_0000,
                0xffff_ffff,
                1 << 63,
                u64::MAX,
            ];
            for &x in &edges {
                for &y in &edges {
                    let regs = [x, y, 0, 0, 0, 0, 0, 0];
                    assert_eq!(run(&opt, &regs), run(&blk, &regs), "{x:x} {y:x}\n{text}");
                }
            }
        }
        let mut b = Builder::verbatim(0);
        let (r0, r1, r2, r3) = (b.get(0), b.get(1), b.get(2), b.get(3));
        let one = b.konst(1);
        let n2 = b.emit(Op::Not, &[r2], 0);
        let lo = b.emit(Op::AddC, &[r0, n2, one], 32);
        let borrow = b.emit(Op::AddCCarry, &[r0, n2, one], 32);
        let n3 = b.emit(Op::Not, &[r3], 0);
        let hi = b.emit(Op::AddC, &[r1, n3, borrow], 32);
        b.set(4, lo);
        b.set(5, hi);
        let blk = b.finish(Term::Jump(4));
        let (_, text) = optimized(&blk);
        assert_eq!(text.matches("addc.32").count(), 2, "{text}");
        assert!(!text.contains("sub.w"), "{text}");
    }

    #[test]
    fn flags_only_a_side_exit_reads_move_into_it() {
        // cmp x0, x1; b.eq away; (x2 = x0 + x1); cmp x2, #7 with its flags kept: the first
        // flags go with the exit. Not when a load comes between the compare and the exit (it
        // could fault, and its re-run would need the flags stored), nor when the way on reads
        // the flags (a helper call) or never overwrites them.
        let nzcv = slot::NZCV;
        for case in ["moves", "load between", "call after", "not overwritten"] {
            let mut b = Builder::verbatim(0);
            let (r0, r1) = (b.get(0), b.get(1));
            let f = b.emit(Op::SubFlags, &[r0, r1], 64);
            b.set(nzcv, f);
            if case == "load between" {
                let v = b.load(r0, 8);
                b.set(5, v);
            }
            let eq = b.emit(Op::CondSub, &[r0, r1], 64 << 8);
            b.exit_if(eq, 0x40);
            let s = b.add(r0, r1);
            b.set(2, s);
            if case == "call after" {
                b.call(&NOP, s, s, s);
            }
            if case != "not overwritten" {
                let seven = b.konst(7);
                let g = b.emit(Op::SubFlags, &[s, seven], 64);
                b.set(nzcv, g);
            }
            let blk = b.finish(Term::Jump(4));
            let (_, text) = optimized(&blk);
            let moved = case == "moves";
            assert_eq!(text.contains("exit.if.flags"), moved, "{case}: {text}");
            let stores = text.matches(&format!("setreg s{nzcv},")).count();
            let want = if case == "not overwritten" {
                1
            } else {
                2 - moved as usize
            };
            assert_eq!(stores, want, "{case}: {text}");
        }
    }

    #[test]
    fn conditions_of_n_and_z_see_through_the_kept_c_and_v() {
        // A32 `tst r0, #1` (C and V kept from the old flags, in r3) and `lsrs r1, r1, #1` (C
        // from the shifter, V kept), then a condition of each word: EQ, NE, MI and PL read
        // only N and Z, so they test the logic result itself; CS and VS cannot.
        for cc in 0..14u32 {
            let mut b = Builder::verbatim(0);
            let (r0, r1, old) = (b.get(0), b.get(1), b.get(3));
            let one = b.konst(1);
            let t = b.and(r0, one);
            let f = b.emit(Op::LogicFlags, &[t], 32);
            let cv = b.konst(0x3000_0000);
            let kept = b.and(old, cv);
            let w = b.or(f, kept);
            let c = b.cond(w, cc);
            b.set(4, c);
            let s = b.binw(Op::Lshr, r1, one, 32);
            let out = b.and(r1, one);
            let w = shift_flags(&mut b, s, out, old);
            let c = b.cond(w, cc);
            b.set(5, c);
            // A word with Z OR-ed in from elsewhere stays a word.
            let f = b.emit(Op::LogicFlags, &[s], 32);
            let z = b.konst(0x4000_0000);
            let other = b.and(old, z);
            let w = b.or(f, other);
            let c = b.cond(w, cc);
            b.set(6, c);
            let blk = b.finish(Term::Jump(4));
            let (opt, text) = optimized(&blk);
            let nz = matches!(cc, 0 | 1 | 4 | 5);
            assert_eq!(
                text.matches("cond.logic").count(),
                2 * nz as usize,
                "{cc}: {text}"
            );
            for x in [0, 1, 2, 3, 0x8000_0000, 0x8000_0001, 0xffff_ffff] {
                for old in [0, 0x1000_0000, 0x2000_0000, 0xf000_0000] {
                    let regs = [x, x ^ 3, 0, old, 0, 0, 0, 0];
                    assert_eq!(run(&opt, &regs), run(&blk, &regs), "{cc} {x:x}\n{text}");
                }
            }
        }
    }

    #[test]
    fn conditions_of_selected_flags_fuse_with_each_compare() {
        // A32 `subs r2, r2, #8; subscs r2, r2, #8; subscs r2, r2, #8` and a CS branch (the
        // unrolled loop of glibc's memset): each flags word is a select of a compare's and
        // the previous word; the condition of the last becomes selects of fused compares, and
        // no NZCV word is built.
        for cc in 0..14u32 {
            let mut b = Builder::verbatim(0);
            let r2 = b.get(2);
            let (nk, one) = (b.konst(!8u64), b.konst(1));
            let mut x = b.emit(Op::AddC, &[r2, nk, one], 32);
            let mut f = b.emit(Op::AddCFlags, &[r2, nk, one], 32);
            for _ in 0..3 {
                let c = b.cond(f, 2);
                let nx = b.emit(Op::AddC, &[x, nk, one], 32);
                let nf = b.emit(Op::AddCFlags, &[x, nk, one], 32);
                f = b.select(c, nf, f);
                x = b.select(c, nx, x);
            }
            b.set(2, x);
            let c = b.cond(f, cc);
            b.set(3, c);
            let blk = b.finish(Term::Jump(4));
            let (opt, text) = optimized(&blk);
            assert!(!text.contains("addc.flags"), "{cc}: {text}");
            // Every condition is a compare's own.
            assert!(
                text.lines()
                    .filter(|l| l.contains("cond."))
                    .all(|l| l.contains("cond.sub")),
                "{cc}: {text}"
            );
            for r2 in [0, 7, 8, 9, 15, 16, 24, 31, 32, 33, 0x8000_0007, 0xffff_fff8] {
                let regs = [0, 0, r2, 0, 0, 0, 0, 0];
                assert_eq!(run(&opt, &regs), run(&blk, &regs), "{cc} {r2:x}\n{text}");
            }
            // A64 `cmp x0, x1; ccmp x2, #3, #4, ne`: the flags when NE fails are a constant,
            // whose condition is one too. With the flags stored as well (`store`), the word is
            // built anyway: its condition stays one test of it.
            let ccmp = |store: bool| {
                let mut b = Builder::verbatim(0);
                let (x0, x1, x2) = (b.get(0), b.get(1), b.get(2));
                let one = b.konst(1);
                let n1 = b.emit(Op::Not, &[x1], 0);
                let f = b.emit(Op::AddCFlags, &[x0, n1, one], 64);
                let ne = b.cond(f, 1);
                let n3 = b.konst(!3);
                let f2 = b.emit(Op::AddCFlags, &[x2, n3, one], 64);
                let z = b.konst(4 << 28);
                let w = b.select(ne, f2, z);
                let c = b.cond(w, cc);
                b.set(3, c);
                if store {
                    b.set(slot::NZCV, w);
                }
                b.finish(Term::Jump(4))
            };
            let (_, kept) = optimized(&ccmp(true));
            assert_eq!(kept.matches("select").count(), 1, "{cc}: {kept}");
            let blk = ccmp(false);
            let (opt, text) = optimized(&blk);
            assert!(!text.contains("addc.flags"), "{cc}: {text}");
            for (x0, x1) in [(0, 0), (1, 0), (5, 5), (u64::MAX, 1)] {
                for x2 in [0, 2, 3, 4, 1 << 63, u64::MAX] {
                    let regs = [x0, x1, x2, 0, 0, 0, 0, 0];
                    assert_eq!(run(&opt, &regs), run(&blk, &regs), "{cc} {x2:x}\n{text}");
                }
            }
        }
    }

    #[test]
    fn a_value_split_by_masks_and_put_back_together_is_the_value() {
        // A Thumb BX of a loaded word: (t & ~1) | (t & 1) is t; so it is of a 32-bit guest's
        // general register (r0-r14, `narrow_regs`), but not of another slot or of a register
        // of a 64-bit guest, whose high half the fold does not know to be zero.
        for (loaded, narrow, slot, folds) in [
            (true, false, 0, true),
            (false, false, 0, false),
            (false, true, 0, true),
            (false, true, 14, true),
            (false, true, 15, false),
        ] {
            let mut b = Builder::verbatim(0);
            let t = if loaded {
                let p = b.get(slot);
                b.load(p, 4)
            } else {
                b.get(slot)
            };
            let one = b.konst(1);
            let bit = b.and(t, one);
            let rest = b.konst(0xffff_fffe);
            let rest = b.and(t, rest);
            let target = b.or(rest, bit);
            let mut blk = b.finish(Term::JumpReg(target));
            blk.narrow_regs = narrow;
            optimize(&mut blk);
            verify(&blk).unwrap();
            assert_eq!(blk.term == Term::JumpReg(t), folds, "{blk}");
        }
    }

    #[test]
    fn a_target_with_bit_0_set_by_orr_is_the_orr() {
        // ORR r3, r3, #1; BX r3: the instruction set is 1 and the target is the ORR's value
        // where the mask keeps every other bit the register may have (a 32-bit guest's r3:
        // `narrow_regs`; or a mask of all bits but 0). A mask that drops a bit the ORR does
        // not set, or an OR of another constant, is left alone.
        for (narrow, slot) in [(true, 3), (false, 3), (false, 40)] {
            for (keep, set) in [
                (0xffff_fffe, 1),
                (!1, 1),
                (0xffff_fffe, 3),
                (0xffff_fff0, 1),
            ] {
                let folds = set == 1 && (keep == !1 || (keep == 0xffff_fffe && narrow));
                let mut b = Builder::verbatim(0);
                let r = b.get(slot);
                let one = b.konst(1);
                let r1 = b.or(r, one);
                b.set(slot, r1);
                let isa = b.and(r1, one);
                let isa_slot = cpu::slot::THUMB as u64;
                b.set(cpu::slot::THUMB, isa);
                let k = b.konst(keep);
                let rest = b.and(r1, k);
                let s = b.konst(set);
                let bit = b.and(r1, s);
                let target = b.or(rest, bit);
                let mut blk = b.finish(Term::JumpReg(target));
                blk.narrow_regs = narrow;
                let before = blk.clone();
                optimize(&mut blk);
                verify(&blk).unwrap();
                let text = format!("{blk}");
                // The instruction set bit is the constant 1.
                let set_isa = blk
                    .insts
                    .iter()
                    .find(|i| i.op == Op::SetReg && i.imm == isa_slot);
                let isa_val = set_isa.map(|i| i.args[0]);
                let def = blk
                    .insts
                    .iter()
                    .find(|i| i.dst.is_some() && i.dst == isa_val);
                assert!(
                    def.is_some_and(|i| i.op == Op::Const && i.imm == 1),
                    "{text}"
                );
                assert_eq!(!text.contains("and "), folds, "{keep:x} {set}: {text}");
                let target = |b: &Block, v: &[u64]| match b.term {
                    Term::JumpReg(t) => v[t.0 as usize],
                    _ => unreachable!(),
                };
                for x in [
                    0,
                    1,
                    0x8000_0000,
                    0xffff_fffe,
                    u64::MAX,
                    0x1234_5678_9abc_def0,
                ] {
                    // (A 32-bit guest's r0-r14 hold 32-bit values.)
                    let x = if narrow { x & 0xffff_ffff } else { x };
                    let mut regs = [0u64; 64];
                    regs[slot as usize] = x;
                    let ((r1, v1), (r0, v0)) = (eval(&blk, &regs), eval(&before, &regs));
                    assert_eq!(
                        (r1, target(&blk, &v1)),
                        (r0, target(&before, &v0)),
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_low_word_of_a_difference_is_a_32_bit_subtraction() {
        // SUB W0, W1, W2 lifted as a 64-bit `sub` and a zero-extension: one `sub.w` at 32,
        // which gives the same value for any operands.
        let mut b = Builder::verbatim(0);
        let x = b.get(1);
        let y = b.get(2);
        let d = b.bin(Op::Sub, x, y);
        let z = b.un(Op::Zext, d, 32);
        b.set(0, z);
        let mut blk = b.finish(Term::Jump(4));
        let before = blk.clone();
        optimize(&mut blk);
        verify(&blk).unwrap();
        let text = format!("{blk}");
        assert!(
            text.contains("sub.w.32") && !text.contains("zext"),
            "{text}"
        );
        for (x, y) in [
            (5, 7),
            (7, 5),
            (0, u64::MAX),
            (0x1_0000_0000, 1),
            (u64::MAX, 3),
        ] {
            let mut regs = [0u64; 64];
            regs[1] = x;
            regs[2] = y;
            assert_eq!(eval(&blk, &regs).0, eval(&before, &regs).0, "{x:x} {y:x}");
        }
    }

    /// A side exit's flags go with it (`exit.if.flags`) where the way on leaves flags of its
    /// own for later (`flags.deferred`), as where it stores them.
    #[test]
    fn a_side_exit_takes_its_flags_along_before_deferred_flags() {
        let mut b = Builder::verbatim(0x1000);
        let (x, y, target) = (b.get(1), b.get(2), b.get(3));
        let f = b.binw(Op::SubFlags, x, y, 64);
        b.set(slot::NZCV, f);
        let c = b.cond(f, 0);
        b.exit_if(c, 0x2000);
        b.end_insn(0x1004);
        b.emit(Op::FlagsDeferred, &[y, x], crate::Deferred::Sub64 as u64);
        b.end_insn(0x1008);
        let mut blk = b.finish(Term::JumpReg(target));
        flags_into_exits(&mut blk);
        verify(&blk).unwrap();
        let ops: Vec<Op> = blk.insts.iter().map(|i| i.op).collect();
        assert!(ops.contains(&Op::ExitIfFlags), "{blk}");
        assert!(
            !blk.insts
                .iter()
                .any(|i| i.op == Op::SetReg && i.imm == slot::NZCV as u64),
            "{blk}"
        );
    }

    #[test]
    fn side_exits_read_the_state_but_maybe_the_flags() {
        // x1 and NZCV written, a side exit, both written again: the exit's block reads
        // every slot, or every slot but NZCV. (x1's first write is left to the exit's way out:
        // `setreg.fault`.)
        let block = |op: Op| {
            let mut b = Builder::verbatim(0);
            let x = b.get(2);
            b.set(1, x);
            b.set(slot::NZCV, x);
            b.emit(op, &[x], 0x40);
            let y = b.get(3);
            b.set(1, y);
            b.set(slot::NZCV, y);
            b.finish(Term::Jump(0x10))
        };
        let stores = |b: &Block, s: u32| {
            b.insts
                .iter()
                .filter(|i| matches!(i.op, Op::SetReg | Op::SetRegFault) && i.imm == s as u64)
                .count()
        };
        let mut b = block(Op::ExitIf);
        remove_dead_setreg(&mut b);
        assert_eq!((stores(&b, 1), stores(&b, slot::NZCV)), (2, 2), "{b}");
        assert_eq!(b.insts[1].op, Op::SetRegFault, "{b}");
        let mut b = block(Op::ExitIfNoFlags);
        remove_dead_setreg(&mut b);
        assert_eq!((stores(&b, 1), stores(&b, slot::NZCV)), (2, 1), "{b}");
        // Either way a loop with a side exit carries no flags to its way out.
        let mut b = block(Op::ExitIfNoFlags);
        b.term = Term::Branch {
            cond: Val(0),
            taken: 0,
            fallthrough: 0x10,
        };
        assert!(loops_to_itself(&b));
        assert_eq!(flags_for_the_way_out(&b), None);
    }

    /// A loop whose last write of the flags is a `flags.deferred` has no flags store to sink
    /// to its way out (the store would overwrite the deferred word there), nor one that reads
    /// the flags after its last `setreg` of them (the read would find the slot without it);
    /// one whose last write is a `setreg` that nothing reads in the pass has.
    #[test]
    fn a_loop_ending_its_flags_with_a_deferred_compare_sinks_no_store() {
        let block = |deferred_last: bool, read_after: bool| {
            let mut b = Builder::verbatim(0x100);
            let x = b.get(slot::x(0));
            b.set(slot::NZCV, x);
            if deferred_last {
                b.emit(Op::FlagsDeferred, &[x, x], 0);
            }
            if read_after {
                let f = b.get(slot::NZCV);
                b.set(slot::x(1), f);
            }
            b.end_insn(0x104);
            b.finish(Term::Branch {
                cond: x,
                taken: 0x100,
                fallthrough: 0x200,
            })
        };
        assert_eq!(flags_for_the_way_out(&block(false, false)), Some(1));
        assert_eq!(flags_for_the_way_out(&block(true, false)), None);
        assert_eq!(flags_for_the_way_out(&block(false, true)), None);
    }

    #[test]
    fn setreg_then_getreg_is_forwarded() {
        let mut b = Builder::verbatim(0);
        let k = b.konst(7);
        b.set(3, k);
        let g = b.get(3);
        b.set(4, g);
        let mut blk = b.finish(Term::JumpReg(g));
        optimize(&mut blk);
        verify(&blk).unwrap();
        assert_eq!(blk.term, Term::JumpReg(k));
        assert!(!blk.to_string().contains("getreg"));
    }

    #[test]
    fn fp_calls_are_barriers_only_for_the_slots_they_write() {
        let scalar = crate::inline::FpInline {
            op: crate::inline::FpOp::Mul,
            double: true,
            vector: None,
        };
        let vector = crate::inline::FpInline {
            vector: Some(crate::inline::VecRegs {
                q: true,
                d: 0,
                n: 1,
                m: 2,
            }),
            ..scalar
        };
        let (fpsr, fpcr) = (slot::FPSR, slot::FPCR);
        let build = |inline: crate::inline::FpInline| {
            let mut b = Builder::verbatim(0);
            let x = b.get(1);
            let v = b.get(slot::v_lo(0));
            let k = b.konst(5);
            b.set(2, k); // dead only if the call cannot read slot 2
            b.set(fpsr, k); // read by the call: kept
            b.set(fpcr, k); // read by the call: kept
            let r = b.call_fp(&NOP, inline, x, x, x);
            b.set(2, r);
            let y = b.get(1); // forwarded from x only if the call cannot write slot 1
            let f = b.get(fpsr); // written by the call: never forwarded
            let w = b.get(slot::v_lo(0)); // forwarded only if the call cannot write V0
            let t = b.add(y, f);
            let t = b.add(t, w);
            let t = b.add(t, v);
            b.set(3, t);
            b.set(fpcr, t);
            let mut blk = b.finish(Term::Jump(4));
            optimize(&mut blk);
            verify(&blk).unwrap();
            blk.to_string()
        };
        let count = |text: &str, op: &str, s: u32| {
            text.matches(&format!("{op} s{s}\n")).count()
                + text.matches(&format!("{op} s{s},")).count()
        };
        let text = build(scalar);
        assert_eq!(count(&text, "getreg", 1), 1, "{text}");
        assert_eq!(count(&text, "setreg", 2), 1, "{text}");
        assert_eq!(count(&text, "getreg", fpsr), 1, "{text}");
        assert_eq!(count(&text, "setreg", fpsr), 1, "{text}");
        assert_eq!(count(&text, "setreg", fpcr), 2, "{text}");
        assert_eq!(count(&text, "getreg", slot::v_lo(0)), 1, "{text}");
        // A vector operation's helper works on the registers in the state: it may read any
        // slot, and writes its destination register (V0) and FPSR alone.
        let text = build(vector);
        assert_eq!(count(&text, "getreg", 1), 1, "{text}");
        assert_eq!(count(&text, "setreg", 2), 2, "{text}");
        assert_eq!(count(&text, "getreg", fpsr), 1, "{text}");
        assert_eq!(count(&text, "getreg", slot::v_lo(0)), 2, "{text}");
    }
}
