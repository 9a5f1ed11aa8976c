//! Forward conditional branches inside a full translation become side exits.

use super::{branch_targets, exits, lift_at_0x1000 as lift};
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
    assert_eq!(branch_targets(&b), Some([0x1000, 0x100c]));
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

const CBNZ_X0_PLUS8: u32 = 0xb500_0040; // cbnz x0, .+8
const TBNZ_X0_3_PLUS8: u32 = 0x3718_0040; // tbnz w0, #3, .+8

/// Lifts `code` placed at 0x1000 as a full translation from `start`, laid out by a profile in
/// which the blocks at `hot` ran ten times and every other one once.
fn lift_profiled(code: &[u32], start: u64, hot: &[u64]) -> ir::Block {
    let fetch = |a: u64| code.get((a.checked_sub(0x1000)? / 4) as usize).copied();
    let runs = |k: u64| if hot.contains(&k) { 10 } else { 1 };
    crate::lift_block_profiled(start, &fetch, 64, &runs)
}

/// Runs `b` once on the interpreter from x0 = `x0`, x1 = 1, x30 = 0x2000: where it goes next,
/// and x4.
fn run_once(b: &ir::Block, x0: u64) -> (u64, u64) {
    let mut cpu = cpu::CpuState::default();
    cpu.x[0] = x0;
    cpu.x[1] = 1;
    cpu.x[30] = 0x2000;
    interp::run_block(b, &mut cpu);
    (cpu.pc, cpu.x[4])
}

#[test]
fn a_branch_whose_target_ran_more_goes_on_at_the_target() {
    // cmp; b.ne +8; add; ret, with the ret's block (the b.ne's target) the hotter: the block
    // leaves for the add by a side exit and goes on at the ret.
    let code = [CMP_X0_X1, BNE_PLUS8, ADD_X4_X4_1, RET];
    let b = lift_profiled(&code, 0x1000, &[0x100c]);
    assert_eq!(exits(&b), [0x1008]);
    assert_eq!(
        (b.end, b.more.as_slice()),
        (0x1008, &[(0x100c, 0x1010)][..])
    );
    assert!(matches!(b.term, Term::JumpReg(_)));
    // x0 != x1 takes the branch (on to the ret); x0 == x1 leaves for the add.
    assert_eq!(run_once(&b, 2), (0x2000, 0));
    assert_eq!(run_once(&b, 1), (0x1008, 0));
    // Without a target more than twice as hot, the fall-through stays in the block.
    for hot in [&[][..], &[0x1008, 0x100c]] {
        let b = lift_profiled(&code, 0x1000, hot);
        assert_eq!(exits(&b), [0x100c]);
        assert_eq!(run_once(&b, 1), (0x2000, 1));
        assert_eq!(run_once(&b, 2), (0x100c, 0));
    }
}

#[test]
fn cbnz_and_tbnz_go_on_at_a_hotter_target() {
    // CBNZ lifts as a branch whose condition leads to the fall-through, TBNZ as one whose
    // condition leads to the target (its negation leaves): both leave for the add when the
    // branch is not taken.
    for (word, taken) in [(CBNZ_X0_PLUS8, [8u64, 1]), (TBNZ_X0_3_PLUS8, [8, 15])] {
        let b = lift_profiled(&[word, ADD_X4_X4_1, RET], 0x1000, &[0x1008]);
        assert_eq!(exits(&b), [0x1004]);
        assert_eq!(b.more, [(0x1008, 0x100c)]);
        for x0 in taken {
            assert_eq!(run_once(&b, x0), (0x2000, 0), "{word:#x} x0 = {x0}");
        }
        let not_taken = if word == CBNZ_X0_PLUS8 { 0 } else { 7 };
        assert_eq!(run_once(&b, not_taken), (0x1004, 0), "{word:#x}");
    }
}

#[test]
fn a_hotter_backward_target_still_ends_the_block() {
    // From 0x1004: cmp; b.ne -8 (to 0x1000, before the block: maybe a loop's head).
    let code = [ADD_X4_X4_1, CMP_X0_X1, BNE_MINUS8, RET];
    let b = lift_profiled(&code, 0x1004, &[0x1000]);
    assert_eq!(exits(&b), []);
    assert!(b.more.is_empty());
    assert_eq!(branch_targets(&b), Some([0x1000, 0x100c]));
}
