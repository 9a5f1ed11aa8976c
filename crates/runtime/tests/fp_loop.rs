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
        agree(&block, BASE, 1000, &start(fpsr));
    }
}

/// Runs `block`, a loop of `passes` passes at dispatcher key `key` (x0 counting them down),
/// from `start` pass by pass on the interpreter and whole on the JIT, checks that both end in
/// the same state and returns it.
fn agree(block: &ir::Block, key: u64, passes: usize, start: &CpuState) -> CpuState {
    let mut want = start.clone();
    // A few passes more mean the interpreter never leaves the loop, which fails here rather
    // than hanging the test.
    let ran = (1..=passes + 10)
        .find(|_| {
            interp::run_block(block, &mut want);
            want.pc != key
        })
        .expect("the interpreter leaves the loop");
    assert_eq!(ran, passes);
    let mut jit = jit::Jit::new();
    let entry = jit.compile(block);
    let mut got = start.clone();
    // SAFETY: the words touch no guest memory and `got` is a valid, exclusive state.
    unsafe { jit.run(entry, &mut got) };
    let slots = |c: &CpuState| (0..slot::END).map(|s| c.get_slot(s)).collect::<Vec<_>>();
    assert_eq!(got.x[0], 0);
    let fpsr = start.get_slot(slot::FPSR);
    assert_eq!(slots(&got), slots(&want), "FPSR {fpsr:#x}:\n{block}");
    got
}

/// An A32 loop that compares its sum each pass (VCMP; VMRS APSR_nzcv, FPSCR): the block reads
/// and writes FPSR itself as well as through its operations' helpers. Its read of FPSR stays
/// in place (`ir::passes::hoist_entry_reads`) while the rest is carried, the sum in an xmm
/// register: started with IXC clear, the helper of the first inexact product sets it in
/// memory and VCMP's merge of its flags must keep it.
/// vmul.f64 d0, d0, d1; vadd.f64 d2, d2, d0; vcmp.f64 d2, #0; vmrs APSR_nzcv, fpscr;
/// subs r0, r0, #1; bne BASE.
const A32_CODE: [u32; 6] = [
    0xee20_0b01,
    0xee32_2b00,
    0xeeb5_2b40,
    0xeef1_fa10,
    0xe250_0001,
    0x1aff_fff9,
];

#[test]
fn a32_fp_loops_reading_fpsr_are_carried_and_agree_with_the_interpreter() {
    let fetch = |a: u64| -> Option<u32> {
        let i = a.checked_sub(BASE)? / 4;
        A32_CODE.get(i as usize).copied()
    };
    let key = a32::key::key(BASE, false, 0);
    let mut block = a32::lift_block_key(key, &fetch, 64);
    ir::passes::optimize(&mut block);
    assert!(ir::passes::loops_to_itself(&block), "{block}");
    let fpsr_read = block
        .insts
        .iter()
        .position(|i| i.op == ir::Op::GetReg && i.imm == slot::FPSR as u64);
    let first_call = block.insts.iter().position(|i| i.op == ir::Op::Call);
    assert!(fpsr_read > first_call, "{block}");
    let start = |fpsr: u64| {
        let mut c = CpuState::default();
        a32::key::set_pc(&mut c, BASE, false, 0);
        c.x[0] = 100;
        c.v[0] = [1.000_001f64.to_bits(), 0.999_999_7f64.to_bits()];
        c.v[1] = [0.5f64.to_bits(), 0];
        c.set_slot(slot::FPSR, fpsr);
        c
    };
    for fpsr in [IXC, 0] {
        let end = agree(&block, key, 100, &start(fpsr));
        assert_ne!(end.get_slot(slot::FPSR) & IXC, 0);
    }
}
