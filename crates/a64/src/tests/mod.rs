//! Tests of the A64 lifter: every table row lifts to verifiable IR, and small instruction
//! sequences compute what the architecture (cross-checked with qemu) says on the reference
//! interpreter.

mod bitfield;
mod flags_live;
mod follows;
mod lifted_fp;
mod qemu_cases;
mod qemu_v81;
mod semantics;
mod side_exits;
mod table;
mod v81;
mod words;

use cpu::CpuState;

/// Runs `words` as code (at their own host address, so literal loads work with `mem_base` 0)
/// from the first word until control leaves them or a block exits to the dispatcher; returns
/// the code's guest address.
pub fn run(words: &[u32], cpu: &mut CpuState) -> u64 {
    cpu.mem_base = 0;
    run_with_base(words, cpu)
}

/// [`run`] with the caller's `cpu.mem_base` (code is still fetched from the words themselves).
pub fn run_with_base(words: &[u32], cpu: &mut CpuState) -> u64 {
    let base = words.as_ptr() as u64;
    let end = base + 4 * words.len() as u64;
    let fetch = |pc: u64| {
        if pc >= base && pc < end && pc.is_multiple_of(4) {
            Some(words[((pc - base) / 4) as usize])
        } else {
            None
        }
    };
    cpu.pc = base;
    for _ in 0..1000 {
        let mut blk = crate::lift_block(cpu.pc, &fetch, 64);
        ir::verify(&blk).unwrap_or_else(|e| panic!("{e}\n{blk}"));
        ir::passes::optimize(&mut blk);
        ir::verify(&blk).unwrap_or_else(|e| panic!("after optimize: {e}\n{blk}"));
        interp::run_block(&blk, cpu);
        // As the dispatcher does after each block (see `ir::deferred`).
        ir::deferred::settle(cpu);
        if cpu.exit_reason != cpu::exit::JUMP || cpu.pc < base || cpu.pc >= end {
            return base;
        }
    }
    panic!("code did not finish");
}

/// Lifts `words` placed at 0x1000 as a full translation, or as the quick one with `quick`.
pub fn lift_at_0x1000(words: &[u32], quick: bool) -> ir::Block {
    let fetch = |a: u64| {
        let i = a.checked_sub(0x1000)? / 4;
        words.get(i as usize).copied()
    };
    if quick {
        crate::lift_block_quick(0x1000, &fetch, 64)
    } else {
        crate::lift_block(0x1000, &fetch, 64)
    }
}

/// The targets of the block's side exits (not the one its final branch may have become: see
/// [`branch_targets`]).
pub fn exits(b: &ir::Block) -> Vec<u64> {
    let inside = b.insts.len() - usize::from(b.split_branch().is_some());
    b.insts[..inside]
        .iter()
        .filter(|i| i.op.is_side_exit())
        .map(|i| i.imm)
        .collect()
}

/// The two ways on of `b`'s final conditional branch, in address order: its taken way and
/// fall-through, or, where `flags_live` split it, the side exit's way and the jump's.
pub fn branch_targets(b: &ir::Block) -> Option<[u64; 2]> {
    let mut ways = match (b.term, b.split_branch()) {
        (
            ir::Term::Branch {
                taken, fallthrough, ..
            },
            _,
        ) => [taken, fallthrough],
        (ir::Term::Jump(on), Some((_, exit))) => [exit, on],
        _ => return None,
    };
    ways.sort_unstable();
    Some(ways)
}

/// A qemu-recorded run of a sequence that uses a 64-byte buffer at guest address
/// [`MEM_GUEST`] (held in x1).
pub struct MemCase {
    /// x0..x19 before.
    pub init: [u64; 20],
    /// NZCV before.
    pub nzcv: u64,
    /// The buffer before.
    pub mem: [u8; 64],
    /// x0..x30 after.
    pub want: [u64; 31],
    /// NZCV after.
    pub want_nzcv: u64,
    /// The buffer after.
    pub want_mem: [u8; 64],
}

/// Guest address of the buffer of [`MemCase`] runs.
pub const MEM_GUEST: u64 = 0x1000_0000;
