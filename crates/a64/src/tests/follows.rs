//! A full translation goes on at the target of a direct jump (B, BL) instead of ending there.

use super::{branch_targets, exits, lift_at_0x1000 as lift};
use cpu::CpuState;
use ir::{Block, Term};

const ADD_X4_X4_1: u32 = 0x9100_0484;
const CMP_X0_X1: u32 = 0xeb01_001f;
const RET: u32 = 0xd65f_03c0;
const UDF: u32 = 0;
/// `b` by `words` instructions.
fn b(words: i32) -> u32 {
    0x1400_0000 | (words as u32 & 0x03ff_ffff)
}
/// `bl` by `words` instructions.
fn bl(words: i32) -> u32 {
    0x9400_0000 | (words as u32 & 0x03ff_ffff)
}
/// `b.ne` by `words` instructions.
fn bne(words: i32) -> u32 {
    0x5400_0001 | ((words as u32 & 0x7ffff) << 5)
}

/// Runs `block` once on the interpreter from a zeroed state with x0 = 1.
fn run(block: &Block) -> CpuState {
    let mut cpu = CpuState::default();
    cpu.x[0] = 1;
    interp::run_block(block, &mut cpu);
    cpu
}

#[test]
fn a_jump_forward_is_followed_in_a_full_translation_only() {
    // add; b +8 (over an undefined word); add; ret
    let code = [ADD_X4_X4_1, b(2), UDF, ADD_X4_X4_1, RET];
    let full = lift(&code, false);
    assert_eq!((full.start, full.end), (0x1000, 0x1008));
    assert_eq!(full.more, [(0x100c, 0x1014)]);
    assert_eq!(full.hull(), (0x1000, 0x1014));
    assert_eq!(full.guest_insns, 4);
    assert!(matches!(full.term, Term::JumpReg(_)));
    assert_eq!(run(&full).x[4], 2);
    let quick = lift(&code, true);
    assert!(quick.more.is_empty());
    assert!(matches!(quick.term, Term::Jump(0x100c)));
    assert_eq!(run(&quick).x[4], 1);
}

#[test]
fn a_call_is_followed_with_its_return_address_set() {
    // bl +12; undefined; add; ret (the callee, at 0x100c)
    let code = [bl(3), UDF, UDF, ADD_X4_X4_1, RET];
    let full = lift(&code, false);
    assert_eq!(full.more, [(0x100c, 0x1014)]);
    let cpu = run(&full);
    assert_eq!((cpu.x[4], cpu.x[30], cpu.pc), (1, 0x1004, 0x1004));
}

#[test]
fn jumps_to_the_start_or_into_the_block_end_it() {
    // add; b -4 (to the start): a loop of one block stays one.
    let to_start = lift(&[ADD_X4_X4_1, b(-1)], false);
    assert!(to_start.more.is_empty());
    assert!(matches!(to_start.term, Term::Jump(0x1000)));
    // add; add; b -4 (to the second add, inside the block): not lifted twice.
    let inside = lift(&[ADD_X4_X4_1, ADD_X4_X4_1, b(-1)], false);
    assert!(inside.more.is_empty());
    assert!(matches!(inside.term, Term::Jump(0x1004)));
    // b +2 to a run already lifted after a first jump: the first jump is followed, the
    // second one back into the run is not.
    let code = [b(2), UDF, ADD_X4_X4_1, b(-1)];
    let back = lift(&code, false);
    assert_eq!(back.more, [(0x1008, 0x1010)]);
    assert!(matches!(back.term, Term::Jump(0x1008)));
}

#[test]
fn far_jumps_and_too_many_runs_end_the_block() {
    // b to 8 KiB away: past ir::MAX_HULL.
    let mut far = vec![UDF; 2049];
    far[0] = b(2048);
    far[2048] = RET;
    let f = lift(&far, false);
    assert!(f.more.is_empty());
    assert!(matches!(f.term, Term::Jump(0x3000)));
    // A chain of jumps: the block holds ir::MAX_RUNS runs, the next jump ends it.
    let mut chain = Vec::new();
    for _ in 0..ir::MAX_RUNS + 1 {
        chain.extend([ADD_X4_X4_1, b(2), UDF]);
    }
    let c = lift(&chain, false);
    assert_eq!(c.runs().count(), ir::MAX_RUNS);
    let next = 0x1000 + 12 * ir::MAX_RUNS as u64;
    assert!(matches!(c.term, Term::Jump(t) if t == next));
    assert_eq!(run(&c).x[4], ir::MAX_RUNS as u64);
}

#[test]
fn after_a_jump_a_backward_branch_is_a_side_exit_unless_it_loops_to_the_start() {
    // 0x1000: cmp; b +12 -> 0x1010: b.ne -8 (to 0x1008, not the start: a side exit); add;
    // b.ne -20 (to the start: ends the block).
    let code = [
        CMP_X0_X1,
        b(3),
        ADD_X4_X4_1,
        UDF,
        bne(-2),
        ADD_X4_X4_1,
        bne(-6),
        RET,
    ];
    let full = lift(&code, false);
    assert_eq!(exits(&full), [0x1008]);
    assert_eq!(branch_targets(&full), Some([0x1000, 0x101c]));
}
