//! Differential VFP cases recorded from qemu-arm-static (`gen/gen_vfp.py`): random encodings of
//! every row of the VFP decode table, in A32 (with random conditions) and T32 (some in IT
//! blocks), and short sequences (VPUSH/VPOP, FSTMX/FLDMX, a literal VLDR, VCMP + VMRS
//! APSR_nzcv + conditional instructions, multiply-accumulate chains, scalar moves), with random
//! D0-D31 (NaNs, infinities, denormals, bounds, random patterns) and FPSCR
//! modes (RMode, FZ, DN, AHP, flags), run on the reference interpreter and on the JIT and
//! compared with the core registers, APSR, FPSCR, D registers and memory QEMU produced.

mod common;

use common::fp_cases::{first_word, run_all};

const CASES: &str = include_str!("data/qemu_vfp.txt");

/// Every case on one backend; each VFP table row must have cases in both instruction sets.
fn run(use_jit: bool) {
    let dec = decode::Decoder::new(decode::vfp::VFP_TABLE);
    let row = |c: &common::fp_cases::Case| {
        let m = dec.decode(first_word(c));
        Some(
            m.unwrap_or_else(|| panic!("{}: not a VFP word", c.asm))
                .entry
                .pattern,
        )
    };
    let rows: Vec<_> = decode::vfp::VFP_TABLE
        .iter()
        .map(|e| (e.pattern, e.mnemonic))
        .collect();
    run_all(CASES, use_jit, row, &rows);
}

#[test]
fn qemu_recorded_vfp() {
    run(false);
}

#[test]
fn qemu_recorded_vfp_jit() {
    run(true);
}
