//! Shared by the differential tests: lift A64 words and run them on both backends.

use cpu::CpuState;

/// Lifts `code` (at 0x10000) as one block, optimises it, and runs it from `init` on the
/// interpreter and on the JIT: (interpreter state, JIT state). The words must not touch
/// guest memory.
pub fn run_both(code: &[u32], init: &CpuState) -> (CpuState, CpuState) {
    const BASE: u64 = 0x10000;
    let fetch = |a: u64| -> Option<u32> {
        let i = a.checked_sub(BASE)? / 4;
        code.get(i as usize).copied()
    };
    let mut block = a64::lift_block(BASE, &fetch, 64);
    ir::verify(&block).expect("lifted block verifies");
    ir::passes::optimize(&mut block);
    ir::verify(&block).expect("optimised block verifies");
    let mut a = init.clone();
    let mut b = init.clone();
    interp::run_block(&block, &mut a);
    let mut jit = jit::Jit::new();
    let entry = jit.compile(&block);
    // SAFETY: the words touch no guest memory and `b` is a valid state.
    unsafe { jit.run(entry, &mut b) };
    (a, b)
}
