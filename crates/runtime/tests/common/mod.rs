//! Shared by the differential tests: lift A64 words and run them on both backends.

// Each test file that includes this module uses a part of it.
#![allow(dead_code)]

use cpu::CpuState;

/// The next number of the xorshift64 sequence kept in `x` (the tests' fixed-seed source).
pub fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Lifts `code` (at 0x10000) as one block, optimises it, and runs it from `init` on the
/// interpreter and on the JIT: (interpreter state, JIT state). The words must not touch
/// guest memory. Also checks the runtime's quick tier on the way: the block lifted without
/// the look-ahead and compiled without the passes ends in the state the interpreter reaches
/// on the same lift optimised.
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

    let quick = a64::lift_block_quick(BASE, &fetch, 64);
    let mut q = init.clone();
    let entry = jit.compile(&quick);
    // SAFETY: as above.
    unsafe { jit.run(entry, &mut q) };
    let mut optimised = quick.clone();
    ir::passes::optimize(&mut optimised);
    let mut qi = init.clone();
    interp::run_block(&optimised, &mut qi);
    // The flags as they stand for, settled: a dead read the JIT drops and the interpreter runs
    // may have settled them in one state and not the other (see `ir::deferred`).
    for c in [&mut a, &mut b, &mut q, &mut qi] {
        ir::deferred::settle(c);
    }
    let slots = |c: &CpuState| {
        (0..cpu::slot::END)
            .map(|s| c.get_slot(s))
            .collect::<Vec<_>>()
    };
    assert_eq!(slots(&q), slots(&qi), "quick tier:\n{quick}");
    (a, b)
}
