//! Differential test of the profile-guided layout (`ir::Builder::follows_far`): random integer
//! code with forward conditional branches of every kind (B.cond, CBZ/CBNZ, TBZ/TBNZ), lifted
//! in full with a random profile (so some branches go on at their target and leave for the
//! instruction after them by a side exit), ends where the same code lifted without one ends,
//! on the interpreter and on the JIT, in registers, flags and exit.

mod common;

use cpu::{CpuState, exit};
use decode::{Class, Decoder, a64_base::A64_BASE};
use proptest::prelude::*;

const BASE: u64 = 0x1000;
/// BRK #0: the code's end.
const BRK: u32 = 0xd420_0000;

/// An A64 forward branch of kind `kind` to `k` words ahead (k >= 1), testing x`reg` (bit `bit`).
fn branch(kind: u32, k: u32, reg: u32, bit: u32, cond: u32) -> u32 {
    match kind % 5 {
        0 => 0x5400_0000 | k << 5 | (cond % 14),
        1 => 0xb400_0000 | k << 5 | reg,
        2 => 0xb500_0000 | k << 5 | reg,
        3 => 0x3600_0000 | (bit >> 5) << 31 | (bit & 31) << 19 | k << 5 | reg,
        _ => 0x3700_0000 | (bit >> 5) << 31 | (bit & 31) << 19 | k << 5 | reg,
    }
}

/// The program: each pick an integer instruction, or (one in four) a forward branch to a
/// later instruction or the final BRK.
fn program(picks: &[(usize, u32, u32)]) -> Vec<u32> {
    let d = Decoder::new(A64_BASE);
    let rows: Vec<_> = A64_BASE
        .iter()
        .filter(|e| matches!(e.class, Class::DpImm | Class::DpReg))
        .collect();
    let n = picks.len();
    let mut code: Vec<u32> = picks
        .iter()
        .enumerate()
        .map(|(i, &(row, bits, shape))| {
            let word = d.random_word(rows[row % rows.len()], bits);
            match word {
                Some(w) if shape % 4 != 0 => w,
                _ => {
                    let k = 1 + shape / 4 % (n - i) as u32;
                    branch(shape >> 8, k, bits % 8, bits >> 8 & 63, bits >> 16)
                }
            }
        })
        .collect();
    code.push(BRK);
    code
}

/// Runs `code` at `BASE` from `init`, block by block, until it leaves the code or stops: on the
/// interpreter, or (with `jit`) on the JIT; blocks lifted in full, laid out by `runs`.
fn run(code: &[u32], init: &CpuState, runs: ir::Runs, jit: Option<&mut jit::Jit>) -> CpuState {
    let end = BASE + 4 * code.len() as u64;
    let fetch = |a: u64| code.get((a.checked_sub(BASE)? / 4) as usize).copied();
    let mut cpu = init.clone();
    cpu.pc = BASE;
    let mut jit = jit;
    for _ in 0..1000 {
        let mut block = a64::lift_block_profiled(cpu.pc, &fetch, 64, runs);
        ir::passes::optimize(&mut block);
        match jit.as_deref_mut() {
            Some(j) => {
                let entry = j.compile(&block);
                // SAFETY: the code is integer instructions only (no guest memory) and `cpu`
                // is a live, exclusive state.
                unsafe { j.run(entry, &mut cpu) };
            }
            None => interp::run_block(&block, &mut cpu),
        }
        // As the dispatcher does after each block (see `ir::deferred`).
        ir::deferred::settle(&mut cpu);
        if cpu.exit_reason != exit::JUMP || cpu.pc < BASE || cpu.pc >= end {
            return cpu;
        }
    }
    panic!("the code did not finish: {code:08x?}");
}

fn same(a: &CpuState, b: &CpuState) -> bool {
    (a.x, a.nzcv, a.pc, a.exit_reason, a.exit_arg) == (b.x, b.nzcv, b.pc, b.exit_reason, b.exit_arg)
}

/// A profile: blocks ran 0, 1, 10 or 100 times, by address and seed, so that many branches are
/// laid out either way.
fn profile(seed: u64, key: u64) -> u32 {
    [0, 1, 10, 100][((key ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 62) as usize]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn a_profiled_layout_runs_as_the_default_one(
        picks in prop::collection::vec((any::<usize>(), any::<u32>(), any::<u32>()), 2..24),
        regs in prop::array::uniform32(prop_oneof![any::<u64>(), 0u64..4, Just(u64::MAX)]),
        nzcv in 0u64..16,
        seed in any::<u64>(),
    ) {
        let code = program(&picks);
        let init = CpuState { x: regs, nzcv: nzcv << 28, ..CpuState::default() };
        let profile = |key| profile(seed, key);
        let want = run(&code, &init, &|_| 0, None);
        let interp = run(&code, &init, &profile, None);
        prop_assert!(same(&interp, &want), "interp {code:08x?}\n{interp:x?}\n{want:x?}");
        let mut j = jit::Jit::new();
        let compiled = run(&code, &init, &profile, Some(&mut j));
        prop_assert!(same(&compiled, &want), "jit {code:08x?}\n{compiled:x?}\n{want:x?}");
    }
}

/// The generator makes what the test is about: over random programs and profiles, many
/// full translations are laid out the other way (a side exit to the instruction after a
/// branch, going on at its target).
#[test]
fn random_profiles_lay_branches_out_the_other_way() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || common::xorshift(&mut x);
    let (mut blocks, mut laid_out) = (0, 0);
    for _ in 0..200 {
        let picks: Vec<(usize, u32, u32)> = (0..12)
            .map(|_| (next() as usize, next() as u32, next() as u32))
            .collect();
        let code = program(&picks);
        let fetch = |a: u64| code.get((a.checked_sub(BASE)? / 4) as usize).copied();
        let seed = next();
        for i in 0..code.len() as u64 {
            let b = a64::lift_block_profiled(BASE + 4 * i, &fetch, 64, &|k| profile(seed, k));
            blocks += 1;
            laid_out += usize::from(!b.more.is_empty());
        }
    }
    assert!(
        laid_out * 10 > blocks,
        "{laid_out} of {blocks} blocks laid out the other way"
    );
}
