//! Block ends that the qemu-recorded cases cannot show: SVC, BKPT and UDF exits, conditional
//! SVC refused, and IT blocks split across blocks (the ITSTATE slot carries the state).

use a32::{lift_block, lift_block_it};
use cpu::{CpuState, exit, slot};
use ir::Term;

const PC: u64 = 0x1_0000;

/// Lifts `code` (A32 words, or Thumb halfwords) at [`PC`], with `avail` units readable.
fn lift(code: &[u32], thumb: bool, avail: usize, it: u8) -> ir::Block {
    let unit = if thumb { 2 } else { 4 };
    let fetch = |a: u64| {
        let i = (a.checked_sub(PC)? / unit) as usize;
        (i < avail).then(|| code.get(i).copied()).flatten()
    };
    let blk = lift_block_it(PC, thumb, it, &fetch, 16);
    ir::verify(&blk).unwrap_or_else(|e| panic!("{e}\n{blk}"));
    blk
}

#[test]
fn svc_bkpt_udf_exits() {
    // A32 svc #0x123456: a syscall exit after the instruction.
    let b = lift(&[0xef12_3456], false, 1, 0);
    assert_eq!(
        b.term,
        Term::Exit {
            reason: exit::SYSCALL,
            pc: PC + 4,
            arg: 0x12_3456
        }
    );
    // T16 svc #5 after a nop.
    let b = lift(&[0xbf00, 0xdf05], true, 2, 0);
    assert_eq!(
        b.term,
        Term::Exit {
            reason: exit::SYSCALL,
            pc: PC + 4,
            arg: 5
        }
    );
    // A32 bkpt #0x1234 stops at the instruction.
    let b = lift(&[0xe121_2374], false, 1, 0);
    assert_eq!(
        b.term,
        Term::Exit {
            reason: exit::BREAKPOINT,
            pc: PC,
            arg: 0x1234
        }
    );
    // UDF in each instruction set: undefined at its pc, the instruction as argument.
    for (code, thumb, arg) in [
        (vec![0xe7f0_00f0], false, 0xe7f0_00f0u64),
        (vec![0xde00], true, 0xde00),
        (vec![0xf7f0, 0xa000], true, 0xf7f0_a000),
    ] {
        let n = code.len();
        let b = lift(&code, thumb, n, 0);
        assert_eq!(
            b.term,
            Term::Exit {
                reason: exit::UNDEFINED,
                pc: PC,
                arg
            }
        );
    }
    // A conditional SVC (svcne) cannot be an unconditional exit: refused.
    let b = lift(&[0x1f00_0000], false, 1, 0);
    assert!(matches!(
        b.term,
        Term::Exit {
            reason: exit::UNDEFINED,
            ..
        }
    ));
}

/// Runs an IT block split after its first instruction (the first block cannot read further);
/// returns the state.
fn run_split_it(r0: u64, r1: u64) -> CpuState {
    // cmp r0, r1; itt eq; moveq r2, #1; moveq r3, #2
    let code = [0x4288, 0xbf04, 0x2201, 0x2302];
    let mut cpu = CpuState::default();
    cpu.x[0] = r0;
    cpu.x[1] = r1;
    cpu.set_slot(slot::THUMB, 1);
    // The first block can read only three halfwords: it ends inside the IT block.
    let b1 = lift(&code, true, 3, 0);
    assert_eq!(b1.term, Term::Jump(PC + 6));
    interp::run_block(&b1, &mut cpu);
    let it = cpu.get_slot(slot::ITSTATE) as u8;
    assert_eq!(
        it & 0xf,
        0x8,
        "one instruction of the IT block left: {it:#x}"
    );
    // The continuation is lifted at its own pc with that ITSTATE.
    let fetch = |a: u64| {
        let i = (a.checked_sub(PC)? / 2) as usize;
        code.get(i).copied()
    };
    let b2 = lift_block_it(PC + 6, true, it, &fetch, 16);
    ir::verify(&b2).unwrap();
    interp::run_block(&b2, &mut cpu);
    assert_eq!(cpu.pc, PC + 8);
    assert_eq!(cpu.get_slot(slot::ITSTATE), 0, "IT block finished");
    cpu
}

#[test]
fn it_block_split_across_blocks() {
    let c = run_split_it(7, 7);
    assert_eq!((c.x[2], c.x[3]), (1, 2));
    let c = run_split_it(7, 8);
    assert_eq!((c.x[2], c.x[3]), (0, 0));
}

#[test]
fn interworking_sets_the_thumb_slot() {
    // A32: bx r0 with r0 = 0x2001 ends the block at 0x2000 and sets THUMB.
    let b = lift(&[0xe12f_ff10], false, 1, 0);
    let mut cpu = CpuState::default();
    cpu.x[0] = 0x2001;
    interp::run_block(&b, &mut cpu);
    assert_eq!((cpu.pc, cpu.get_slot(slot::THUMB)), (0x2000, 1));
    // Thumb: blx r1 to an A32 address clears THUMB and links with bit 0 set.
    let b = lift(&[0x4788], true, 1, 0);
    cpu.x[1] = 0x3000;
    interp::run_block(&b, &mut cpu);
    assert_eq!((cpu.pc, cpu.get_slot(slot::THUMB)), (0x3000, 0));
    assert_eq!(cpu.x[14], PC + 2 + 1);
    // A fresh A32 block is lifted without looking at ITSTATE.
    let b = lift_block(PC, false, &|a| (a == PC).then_some(0xe1a0_0000), 4);
    assert_eq!(b.term, Term::Jump(PC + 4));
}

#[test]
fn cpsr_round_trip() {
    let mut cpu = CpuState {
        nzcv: 0xa000_0000,
        ..CpuState::default()
    };
    cpu.set_slot(slot::Q, 0x0800_0000);
    // GE = 0101: the slot holds it as a byte mask.
    cpu.set_slot(slot::GE, 0x00ff_00ff);
    cpu.set_slot(slot::ITSTATE, 0b1011_0110);
    cpu.set_slot(slot::THUMB, 1);
    // IT[1:0] = 10 at 26..25, IT[7:2] = 101101 at 15..10.
    let want = 0xa000_0000 | 0x0800_0000 | 0b10 << 25 | 0x0005_0000 | 0b10_1101 << 10 | 0x20 | 0x10;
    assert_eq!(a32::cpsr(&cpu), want);
    let mut back = CpuState::default();
    a32::set_cpsr(&mut back, want | 0x1c0);
    assert_eq!(a32::cpsr(&back), want);
    assert_eq!(back.get_slot(slot::ITSTATE), 0b1011_0110);
}
