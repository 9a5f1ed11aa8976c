//! A loop of one block doing scalar FP arithmetic: the JIT carries its registers around the
//! loop (inline FP operations' helpers touch only FPSR's flags) and, with the FP state checks
//! hoisted to the block's entry, loops within the version the entry chose. Whole loops agree
//! with the interpreter run pass by pass, with FPSR.IXC set (the fast version) and clear (the
//! checked one, whose first inexact result sets it).

use cpu::{CpuState, slot};

const BASE: u64 = 0x10000;
/// fmul d0, d0, d1; fadd d2, d2, d0; subs x0, x0, #1; b.ne BASE.
const CODE: [u32; 4] = [0x1e61_0800, 0x1e60_2842, 0xf100_0400, 0x54ff_ffa1];
/// FPSR.IXC.
const IXC: u64 = 0x10;

fn lifted() -> ir::Block {
    let fetch = |a: u64| -> Option<u32> {
        let i = a.checked_sub(BASE)? / 4;
        CODE.get(i as usize).copied()
    };
    let mut block = a64::lift_block(BASE, &fetch, 64);
    ir::passes::optimize(&mut block);
    block
}

fn start(fpsr: u64) -> CpuState {
    let mut c = CpuState {
        pc: BASE,
        ..CpuState::default()
    };
    c.x[0] = 1000;
    c.v[0] = [1.000_001f64.to_bits(), 0];
    c.v[1] = [0.999_999_7f64.to_bits(), 0];
    c.v[2] = [0.5f64.to_bits(), 0];
    c.set_slot(slot::FPSR, fpsr);
    c
}

#[test]
fn fp_loops_are_carried_and_agree_with_the_interpreter() {
    let block = lifted();
    assert!(ir::passes::loops_to_itself(&block), "{block}");
    for fpsr in [IXC, 0] {
        let mut want = start(fpsr);
        // The loop runs 1000 passes: a few more mean the interpreter never leaves it, which
        // fails here rather than hanging the test.
        let passes = (1..=1010)
            .find(|_| {
                interp::run_block(&block, &mut want);
                want.pc != BASE
            })
            .expect("the interpreter leaves the loop");
        assert_eq!(passes, 1000);
        let mut jit = jit::Jit::new();
        let entry = jit.compile(&block);
        let mut got = start(fpsr);
        // SAFETY: the words touch no guest memory and `got` is a valid, exclusive state.
        unsafe { jit.run(entry, &mut got) };
        let slots = |c: &CpuState| (0..slot::END).map(|s| c.get_slot(s)).collect::<Vec<_>>();
        assert_eq!(got.x[0], 0);
        assert_eq!(slots(&got), slots(&want), "FPSR {fpsr:#x}:\n{block}");
    }
}
