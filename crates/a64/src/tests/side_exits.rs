//! Forward conditional branches inside a full translation become side exits.

use super::{exits, lift_at_0x1000 as lift};
use crate::lift_block;
use ir::Term;

const CMP_X0_X1: u32 = 0xeb01_001f;
const BNE_PLUS8: u32 = 0x5400_0041; // b.ne .+8
const BNE_MINUS8: u32 = 0x54ff_ffc1; // b.ne .-8
const ADD_X4_X4_1: u32 = 0x9100_0484;
const RET: u32 = 0xd65f_03c0;

#[test]
fn a_forward_branch_is_a_side_exit_in_a_full_translation_only() {
    // cmp; b.ne +8; add; ret: one block to the ret, leaving early for the b.ne's target.
    let code = [CMP_X0_X1, BNE_PLUS8, ADD_X4_X4_1, RET];
    let full = lift(&code, false);
    assert_eq!(exits(&full), [0x100c]);
    assert_eq!((full.end, full.guest_insns), (0x1010, 4));
    assert!(matches!(full.term, Term::JumpReg(_)));
    // The cheap first translation stops at the branch.
    let quick = lift(&code, true);
    assert_eq!(exits(&quick), []);
    assert_eq!(quick.end, 0x1008);
    assert!(matches!(
        quick.term,
        Term::Branch {
            taken: 0x100c,
            fallthrough: 0x1008,
            ..
        }
    ));
}

#[test]
fn a_backward_branch_still_ends_the_block() {
    // add; cmp; b.ne -8 (back to the add): a loop's back edge ends the block, so a loop of
    // one block stays one.
    let code = [ADD_X4_X4_1, CMP_X0_X1, BNE_MINUS8, RET];
    let b = lift(&code, false);
    assert_eq!(exits(&b), []);
    assert_eq!(b.end, 0x100c);
    assert!(matches!(
        b.term,
        Term::Branch {
            taken: 0x1000,
            fallthrough: 0x100c,
            ..
        }
    ));
}

#[test]
fn a_branch_with_no_room_after_it_ends_the_block() {
    let code = [CMP_X0_X1, BNE_PLUS8, ADD_X4_X4_1, RET];
    let fetch = |a: u64| code.get(((a - 0x1000) / 4) as usize).copied();
    let b = lift_block(0x1000, &fetch, 2);
    assert_eq!(exits(&b), []);
    assert!(matches!(b.term, Term::Branch { .. }));
}

#[test]
fn a_block_takes_a_few_side_exits_at_most() {
    // Four times cmp; b.ne +8; add, then ret: the branch after the last side exit allowed
    // ends the block.
    let mut code = Vec::new();
    for _ in 0..4 {
        code.extend([CMP_X0_X1, BNE_PLUS8, ADD_X4_X4_1]);
    }
    code.push(RET);
    let b = lift(&code, false);
    assert_eq!(exits(&b).len(), ir::MAX_SIDE_EXITS);
    let last = 0x1000 + 12 * ir::MAX_SIDE_EXITS as u64 + 4;
    assert_eq!(b.end, last + 4);
    assert!(matches!(b.term, Term::Branch { fallthrough, .. } if fallthrough == last + 4));
}
