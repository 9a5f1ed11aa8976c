//! Shared test helpers: run a block on the JIT and on the reference interpreter.

#![allow(dead_code)]

use cpu::CpuState;
use ir::Block;
use jit::Jit;

/// Every slot of the state, for whole-state comparisons (`CpuState` has no `PartialEq`).
pub fn slots(c: &CpuState) -> Vec<u64> {
    (0..cpu::slot::END).map(|s| c.get_slot(s)).collect()
}

/// Compiles `block` on `jit` and runs it once on `cpu`.
pub fn run_jit(jit: &mut Jit, block: &Block, cpu: &mut CpuState) {
    let e = jit.compile(block);
    // SAFETY: `cpu` is a live exclusive state; the tests only touch memory they own.
    unsafe { jit.run(e, cpu) };
}

/// Runs `block` on a fresh JIT.
pub fn jit_once(block: &Block, cpu: &mut CpuState) {
    let mut jit = Jit::new();
    run_jit(&mut jit, block, cpu);
}
