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

/// VMSR in the middle of a block of inline VFP operations (which the general executor runs)
/// is seen by the operations after it: clearing IXC or setting a rounding mode or FZ there
/// leaves their inexact results, rounding and flushing to the helper, though the block's
/// entry found the usual state (round to nearest, FZ clear, IXC set) that lets the JIT leave
/// its tests out up to there. Interpreter and JIT must agree, from that state and others.
#[test]
fn vmsr_mid_block_is_seen_by_later_operations() {
    // vadd.f64 d0, d1, d2; vmul.f64 d5, d1, d2; vmsr fpscr, r0; vadd.f64 d3, d0, d1;
    // vmul.f64 d4, d3, d2
    let code: [u32; 5] = [
        0xee31_0b02,
        0xee21_5b02,
        0xeee1_0a10,
        0xee30_3b01,
        0xee23_4b02,
    ];
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    const ADDR: u64 = 0x100;
    let states = [0x10u32, 0, 0x0040_0010, 0x00c0_0010, 0x0100_0010];
    let mut jit = jit::Jit::new();
    for before in states {
        for written in states {
            let mut out = Vec::new();
            for use_jit in [false, true] {
                let mut mem = vec![0u8; 0x1000];
                mem[ADDR as usize..ADDR as usize + bytes.len()].copy_from_slice(&bytes);
                let mut cpu = cpu::CpuState {
                    mem_base: mem.as_mut_ptr() as u64,
                    ..cpu::CpuState::default()
                };
                cpu.x[0] = written as u64;
                a32::vfp::set_fpscr(&mut cpu, before);
                cpu.set_slot(cpu::slot::V0 + 1, 0.1f64.to_bits());
                // Tiny: d0 * d2 underflows to a denormal, which FZ flushes.
                cpu.set_slot(cpu::slot::V0 + 2, 1e-300f64.to_bits());
                let j = use_jit.then_some(&mut jit);
                // SAFETY: `mem` holds the code and outlives the run.
                let left = unsafe {
                    common::run_snippet(&mut cpu, ADDR, bytes.len() as u64, j, 4, "vmsr")
                };
                assert_eq!(left, None);
                let d: Vec<u64> = (0..6).map(|r| cpu.get_slot(cpu::slot::V0 + r)).collect();
                out.push((d, a32::vfp::fpscr(&cpu)));
            }
            assert_eq!(out[0], out[1], "fpscr {before:#x}, then {written:#x}");
            assert_eq!(out[1].1 & 0x10, 0x10, "the last operations are inexact");
        }
    }
}
