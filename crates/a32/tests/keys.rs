//! Block keys (`a32::key`): terminators of keyed blocks name the instruction set and ITSTATE
//! they continue in, so the dispatcher and the JIT's links pick the right translation.

use a32::key::{addr, itstate, key, thumb};
use cpu::CpuState;
use ir::Term;

/// Fetches Thumb halfwords (or an A32 word) from `code` placed at `base`.
fn fetcher(base: u64, code: &[u16]) -> impl Fn(u64) -> Option<u32> + '_ {
    move |a: u64| {
        let i = a.checked_sub(base)? as usize / 2;
        let lo = *code.get(i)? as u32;
        Some(lo | (code.get(i + 1).copied().unwrap_or(0) as u32) << 16)
    }
}

/// Runs a keyed block on the interpreter and returns the key it continues at.
fn run(block: &ir::Block, cpu: &mut CpuState) -> u64 {
    interp::run_block(block, cpu);
    cpu.pc
}

#[test]
fn key_round_trip() {
    let k = key(0x8000_1234, true, 0x18);
    assert_eq!((addr(k), thumb(k), itstate(k)), (0x8000_1234, true, 0x18));
    assert_eq!(key(0x1000, false, 0), 0x1000);
}

#[test]
fn bx_names_the_target_instruction_set() {
    // bx r0 (Thumb).
    let code = [0x4700];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, true, 0), &f, 8);
    assert_eq!(b.key, 0x1001);
    assert_eq!(b.start, 0x1000);
    for (r0, want) in [(0x2001u64, 0x2001u64), (0x3000, 0x3000)] {
        let mut cpu = CpuState::default();
        cpu.x[0] = r0;
        assert_eq!(run(&b, &mut cpu), want);
        assert_eq!(cpu.get_slot(cpu::slot::THUMB), want & 1);
    }
}

#[test]
fn direct_branches_keep_or_switch_the_set() {
    // b.n .+0x20 in Thumb at 0x1002: the target stays Thumb.
    let code = [0xe00e];
    let f = fetcher(0x1002, &code);
    let b = a32::lift_block_key(key(0x1002, true, 0), &f, 8);
    assert_eq!(b.term, Term::Jump(0x1023));
    // blx .+0x40 in A32 at 0x100c: to Thumb code at 0x104c.
    let code = [0x000e, 0xfa00];
    let f = fetcher(0x100c, &code);
    let b = a32::lift_block_key(key(0x100c, false, 0), &f, 8);
    assert_eq!(b.term, Term::Jump(0x104d));
    let mut cpu = CpuState::default();
    assert_eq!(run(&b, &mut cpu), 0x104d);
    assert_eq!(cpu.get_slot(cpu::slot::THUMB), 1);
    assert_eq!(cpu.x[14], 0x1010);
}

#[test]
fn a_block_cut_inside_an_it_block_resumes_with_its_itstate() {
    // itt eq; moveq r0, #1 | moveq r1, #2 unreadable: the block stops inside the IT block.
    let code = [0xbf04, 0x2001];
    let f = fetcher(0x1004, &code);
    let b = a32::lift_block_key(key(0x1004, true, 0), &f, 8);
    let Term::Jump(k) = b.term else {
        panic!("{:?}", b.term)
    };
    assert_eq!((addr(k), thumb(k)), (0x1008, true));
    assert_ne!(itstate(k), 0);
    // Resuming there lifts the second instruction as conditional: with Z clear it does nothing.
    let code = [0x2102];
    let f = fetcher(0x1008, &code);
    let b = a32::lift_block_key(k, &f, 8);
    assert_eq!(b.key, k);
    let mut cpu = CpuState::default();
    cpu.x[1] = 7;
    let next = run(&b, &mut cpu);
    assert_eq!(cpu.x[1], 7);
    assert_eq!(next, key(0x100a, true, 0));
    assert_eq!(cpu.get_slot(cpu::slot::ITSTATE), 0);
    cpu.nzcv = 0x4000_0000;
    cpu.x[1] = 7;
    run(&b, &mut cpu);
    assert_eq!(cpu.x[1], 2);
}

#[test]
fn the_flags_look_ahead_sees_a_changed_instruction_inside_an_it_block() {
    // cmp r0, r1 | it al | (movs r0, #1 or adc r0, r1) | cmp r0, r1: the first compare's
    // flags are dead unless the instruction in the IT block reads them (ADC reads C). Only
    // that instruction changes between the two lifts, so a look-ahead that remembered the IT
    // instruction's effect by the IT instruction's bytes alone would miss it.
    let nzcv_stores = |code: &[u16]| {
        let f = fetcher(0x1000, code);
        let b = a32::lift_block_key(key(0x1000, true, 0), &f, 1);
        b.insts
            .iter()
            .filter(|i| i.op == ir::Op::SetReg && i.imm == cpu::slot::NZCV as u64)
            .count()
    };
    assert_eq!(nzcv_stores(&[0x4288, 0xbfe8, 0x2001, 0x4288]), 0);
    assert_eq!(nzcv_stores(&[0x4288, 0xbfe8, 0x4148, 0x4288]), 1);
    assert_eq!(nzcv_stores(&[0x4288, 0xbfe8, 0x2001, 0x4288]), 0);
}

/// The keys of the side exits (`exit.if`) of a block.
/// The targets of `b`'s side exits inside the block: not the one its conditional branch
/// may have become at the end (`ir::flags_live` splits a branch whose one way overwrites the
/// flags into a side exit to the other, which takes them along, and a jump).
fn side_exits(b: &ir::Block) -> Vec<u64> {
    let inside = b.insts.len() - usize::from(b.split_branch().is_some());
    b.insts[..inside]
        .iter()
        .filter(|i| i.op.is_side_exit())
        .map(|i| i.imm)
        .collect()
}

/// Whether `b` ends in its conditional branch, split or not (see [`side_exits`]).
fn ends_in_branch(b: &ir::Block) -> bool {
    matches!(b.term, Term::Branch { .. }) || b.split_branch().is_some()
}

#[test]
fn a_forward_conditional_branch_is_a_side_exit_to_its_key() {
    // Thumb: cmp r0, r1; bne .+4 (over the adds); adds r4, #1; bx lr.
    let code = [0x4288, 0xd100, 0x3401, 0x4770];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, true, 0), &f, 8);
    assert_eq!(side_exits(&b), [key(0x1006, true, 0)]);
    assert_eq!(b.end, 0x1008);
    // Run: r0 != r1 leaves by the side exit before the adds; r0 == r1 goes on to the bx.
    for (r1, pc, r4) in [(1u64, 0x1007u64, 0u64), (0, 0x2001, 1)] {
        let mut cpu = CpuState::default();
        cpu.x[1] = r1;
        cpu.x[14] = 0x2001;
        assert_eq!(run(&b, &mut cpu), pc);
        assert_eq!(cpu.x[4], r4);
    }
    // The first translation stops at the branch.
    let quick = a32::lift_block_key_quick(key(0x1000, true, 0), &f, 8);
    assert_eq!(side_exits(&quick), []);
    assert_eq!(quick.end, 0x1004);
}

#[test]
fn a_branch_whose_target_ran_more_goes_on_at_the_target() {
    // Thumb: cmp r0, r1; bne .+4 (over the adds); adds r4, #1; bx lr, with the bx's block
    // (the bne's target) the hotter: the block leaves for the adds by a side exit.
    let code = [0x4288, 0xd100, 0x3401, 0x4770];
    let f = fetcher(0x1000, &code);
    let runs = |k: u64| if k == key(0x1006, true, 0) { 10 } else { 1 };
    let b = a32::lift_block_key_profiled(key(0x1000, true, 0), &f, 8, &runs);
    assert_eq!(side_exits(&b), [key(0x1004, true, 0)]);
    assert_eq!(
        (b.end, b.more.as_slice()),
        (0x1004, &[(0x1006, 0x1008)][..])
    );
    for (r1, pc) in [(1u64, 0x2001u64), (0, 0x1005)] {
        let mut cpu = CpuState::default();
        cpu.x[1] = r1;
        cpu.x[14] = 0x2001;
        assert_eq!(run(&b, &mut cpu), pc);
        assert_eq!(cpu.x[4], 0);
    }
    // A32: cmp r0, r1; bne .+12 (over the add); add r4, r4, #1; bx lr.
    let arm = [0xe150_0001u32, 0x1a00_0000, 0xe284_4001, 0xe12f_ff1e];
    let half: Vec<u16> = arm
        .iter()
        .flat_map(|w| [*w as u16, (w >> 16) as u16])
        .collect();
    let f = fetcher(0x1000, &half);
    let runs = |k: u64| if k == 0x100c { 10 } else { 1 };
    let b = a32::lift_block_key_profiled(0x1000, &f, 8, &runs);
    assert_eq!(side_exits(&b), [0x1008]);
    assert_eq!(b.more, [(0x100c, 0x1010)]);
    for (r1, pc) in [(1u64, 0x2000u64), (0, 0x1008)] {
        let mut cpu = CpuState::default();
        cpu.x[1] = r1;
        cpu.x[14] = 0x2000;
        assert_eq!(run(&b, &mut cpu), pc);
        assert_eq!(cpu.x[4], 0);
    }
}

#[test]
fn conditional_branches_in_it_blocks_and_backward_ones_end_the_block() {
    // it ne; b .+4 (conditional as the last instruction of an IT block); adds; bx lr.
    let code = [0xbf18, 0xe000, 0x3401, 0x4770];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, true, 0), &f, 8);
    assert_eq!(side_exits(&b), []);
    assert!(ends_in_branch(&b), "{b}");
    // adds r4, #1; cmp r0, r1; bne .-4 (back to the adds): a loop's back edge.
    let code = [0x3401, 0x4288, 0xd1fc, 0x4770];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, true, 0), &f, 8);
    assert_eq!(side_exits(&b), []);
    assert_eq!(b.end, 0x1006);
}

#[test]
fn a_block_starting_inside_an_it_block_has_no_side_exits() {
    // Its ITSTATE slot is only put right at its end. itt eq; moveq r0, #1 | (cut) then, from
    // the key inside the IT block: moveq r1, #2; cmp r0, r1; bne .+4; adds r4, #1; bx lr.
    let code = [0xbf04, 0x2001];
    let f = fetcher(0x1004, &code);
    let Term::Jump(k) = a32::lift_block_key(key(0x1004, true, 0), &f, 8).term else {
        panic!("the block stops inside the IT block")
    };
    let code = [0x2102, 0x4288, 0xd100, 0x3401, 0x4770];
    let f = fetcher(0x1008, &code);
    let b = a32::lift_block_key(k, &f, 8);
    assert_eq!(side_exits(&b), []);
    assert!(ends_in_branch(&b), "{b}");
}

#[test]
fn direct_jumps_in_the_same_set_are_followed() {
    // Thumb: adds r4, #1; b.n 0x1008 (over two undefined halfwords); adds r4, #1; bx lr.
    let code = [0x3401, 0xe001, 0xde00, 0xde00, 0x3401, 0x4770];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, true, 0), &f, 8);
    assert_eq!(
        (b.start, b.end, &b.more[..]),
        (0x1000, 0x1004, &[(0x1008, 0x100c)][..])
    );
    let mut cpu = CpuState::default();
    cpu.x[14] = 0x2001;
    assert_eq!((run(&b, &mut cpu), cpu.x[4]), (0x2001, 2));
    let quick = a32::lift_block_key_quick(key(0x1000, true, 0), &f, 8);
    assert!(quick.more.is_empty());
    assert_eq!(quick.term, Term::Jump(0x1009));
    // A32: bl 0x100c (over two undefined words); add r4, r4, #1; bx lr. The call is followed
    // with LR set, so the callee's return goes back after the bl.
    let code = [
        0x0001, 0xeb00, 0x00f0, 0xe7f0, 0x00f0, 0xe7f0, 0x4001, 0xe284, 0xff1e, 0xe12f,
    ];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, false, 0), &f, 8);
    assert_eq!(b.more, [(0x100c, 0x1014)]);
    let mut cpu = CpuState::default();
    assert_eq!(
        (run(&b, &mut cpu), cpu.x[4], cpu.x[14]),
        (0x1004, 1, 0x1004)
    );
}

#[test]
fn a_jump_that_switches_the_set_or_leaves_an_it_block_is_not_followed() {
    // A32 blx 0x1008 to Thumb code there (adds r4, #1; bx lr): the block ends at the blx.
    let code = [0x0000, 0xfa00, 0x00f0, 0xe7f0, 0x3401, 0x4770];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, false, 0), &f, 8);
    assert!(b.more.is_empty());
    assert_eq!(b.term, Term::Jump(0x1009));
    // Thumb: it eq; b.n 0x1008 (the IT block's last instruction, conditional): a branch.
    let code = [0xbf08, 0xe001, 0xde00, 0xde00, 0x3401, 0x4770];
    let f = fetcher(0x1000, &code);
    let b = a32::lift_block_key(key(0x1000, true, 0), &f, 8);
    assert!(b.more.is_empty());
    assert!(matches!(b.term, Term::Branch { .. }), "{:?}", b.term);
}

/// Runs A32 `words` placed at 0x1000, block after block as full translations lift them, until
/// the code returns to LR (0x9000), from r0..r2 = `regs` and r3 = 0x100 (a zeroed buffer);
/// then r1, r2 and the buffer's first two words.
fn run_full_a32(words: &[u32], regs: [u64; 3]) -> [u64; 4] {
    let f = |a: u64| words.get(a.checked_sub(0x1000)? as usize / 4).copied();
    let mut mem = vec![0u8; 0x1000];
    let mut cpu = CpuState {
        mem_base: mem.as_mut_ptr() as u64,
        ..CpuState::default()
    };
    cpu.x[..3].copy_from_slice(&regs);
    (cpu.x[3], cpu.x[14]) = (0x100, 0x9000);
    let mut pc = 0x1000;
    for _ in 0..words.len() {
        if pc == 0x9000 {
            break;
        }
        let b = a32::lift_block_key_profiled(key(pc, false, 0), &f, 16, &|_| 0);
        pc = run(&b, &mut cpu);
    }
    assert_eq!(pc, 0x9000);
    let word = |a: usize| u32::from_le_bytes(mem[a..a + 4].try_into().unwrap()) as u64;
    [cpu.x[1], cpu.x[2], word(0x100), word(0x104)]
}

/// The targets of `words`' side exits, lifted at 0x1000 as a full translation.
fn full_exits(words: &[u32]) -> Vec<u64> {
    let f = |a: u64| words.get(a.checked_sub(0x1000)? as usize / 4).copied();
    let b = a32::lift_block_key_profiled(key(0x1000, false, 0), &f, 16, &|_| 0);
    b.insts
        .iter()
        .filter(|i| i.op.is_side_exit())
        .map(|i| i.imm)
        .collect()
}

#[test]
fn a_full_translation_leaves_where_a_conditional_store_would_not_store() {
    // subs r2, r2, #8; strhs r2, [r3]; movhs r1, #2 (its condition known to hold there);
    // subs r2, r2, #8; strhs r2, [r3, #4] (tested again: new flags); bx lr.
    let words = [
        0xe252_2008,
        0x2583_2000,
        0x23a0_1002,
        0xe252_2008,
        0x2583_2004,
        0xe12f_ff1e,
    ];
    assert_eq!(full_exits(&words), [0x1008, 0x1014]);
    for (r2, want) in [
        (20, [2, 4, 12, 4]),
        (12, [2, 0xffff_fffc, 4, 0]),
        (4, [0, 0xffff_fff4, 0, 0xffff_fff4]),
    ] {
        assert_eq!(run_full_a32(&words, [0, 0, r2]), want, "r2 = {r2}");
    }
    // cmp r0, r1; strgt r0, [r3]; strle r1, [r3]; bx lr: one exit, where GT fails; past it
    // LE fails, so strle stores nothing there.
    let words = [0xe150_0001, 0xc583_0000, 0xd583_1000, 0xe12f_ff1e];
    assert_eq!(full_exits(&words), [0x1008]);
    for (r0, r1, max) in [(5, 3, 5), (3, 5, 5), (4, 4, 4), (0xffff_ffff, 0, 0)] {
        assert_eq!(
            run_full_a32(&words, [r0, r1, 9]),
            [r1, 9, max, 0],
            "{r0} {r1}"
        );
    }
    // A register operation whose condition no exit settled stays predicated: cmp r0, r1;
    // movgt r2, #1; bx lr has no exit.
    assert_eq!(full_exits(&[0xe150_0001, 0xc3a0_2001, 0xe12f_ff1e]), []);
}
