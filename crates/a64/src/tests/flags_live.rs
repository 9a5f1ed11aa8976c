//! The look-ahead that drops a block's final NZCV store (`flags_live`).

use crate::lift_block;
use ir::Op;

/// Whether the lifted block at `base` (code `words` at `base`, a compare and a branch: two
/// instructions at most, so the branch ends the block rather than becoming a side exit) stores
/// NZCV, on every way or (a split branch's side exit) on the one that may read them, or
/// leaves them for later (`ir::deferred`).
fn stores_nzcv(base: u64, words: &[u32]) -> bool {
    let fetch = |a: u64| {
        let i = a.checked_sub(base)? / 4;
        words.get(i as usize).copied()
    };
    let b = lift_block(base, &fetch, 2);
    let stored = b.insts.iter().any(|i| {
        i.op == Op::SetReg && i.imm == cpu::slot::NZCV as u64 || i.op == Op::FlagsDeferred
    });
    stored || b.split_branch().is_some()
}

const CMP_X0_X1: u32 = 0xeb01_001f;
const CMP_X2_X3: u32 = 0xeb03_005f;
const BNE_PLUS8: u32 = 0x5400_0041; // b.ne .+8
const ADD_X4_X4_1: u32 = 0x9100_0484;
const CSEL_X5: u32 = 0x9a82_1025; // csel x5, x1, x2, ne
const RET: u32 = 0xd65f_03c0;

#[test]
fn dropped_when_both_successors_overwrite() {
    // cmp; b.ne +8 | add; cmp (fallthrough) | cmp (taken)
    let code = [CMP_X0_X1, BNE_PLUS8, ADD_X4_X4_1, CMP_X2_X3, CMP_X2_X3];
    assert!(!stores_nzcv(0x1000, &code));
}

#[test]
fn kept_when_a_successor_reads() {
    let code = [CMP_X0_X1, BNE_PLUS8, CSEL_X5, CMP_X2_X3, CMP_X2_X3];
    assert!(stores_nzcv(0x1000, &code));
    // The taken path reads.
    let code = [CMP_X0_X1, BNE_PLUS8, CMP_X2_X3, CSEL_X5, CMP_X2_X3];
    assert!(stores_nzcv(0x1000, &code));
}

#[test]
fn kept_when_the_path_leaves_what_can_be_seen() {
    // An indirect branch before any flag write.
    let code = [CMP_X0_X1, BNE_PLUS8, RET, CMP_X2_X3, CMP_X2_X3];
    assert!(stores_nzcv(0x1000, &code));
    // Code that cannot be fetched.
    assert!(stores_nzcv(0x1000, &[CMP_X0_X1, BNE_PLUS8]));
    // A successor on the next page (a rewrite there would not drop this block).
    let base = 0x2000 - 8;
    let code = [CMP_X0_X1, BNE_PLUS8, CMP_X2_X3, CMP_X2_X3];
    assert!(stores_nzcv(base, &code));
}
