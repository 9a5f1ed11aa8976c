//! Semantic tests: hand-assembled sequences run on the reference interpreter.

use super::qemu_cases::*;
use super::run;
use super::words::*;
use cpu::{CpuState, exit};

/// Runs `code` from each recorded initial state and compares x0..x30 and NZCV with qemu's.
fn check_cases(name: &str, code: &[u32], cases: &[([u64; 20], u64, [u64; 32])]) {
    for (k, (init, nzcv, want)) in cases.iter().enumerate() {
        let mut cpu = CpuState::default();
        cpu.x[..20].copy_from_slice(init);
        cpu.nzcv = *nzcv;
        run(code, &mut cpu);
        assert_eq!(cpu.exit_reason, exit::JUMP, "{name} case {k}");
        for (r, (got, want)) in cpu.x.iter().zip(want).take(31).enumerate() {
            assert_eq!(
                got, want,
                "{name} case {k}: x{r} = {got:#x}, want {want:#x}"
            );
        }
        assert_eq!(
            cpu.nzcv, want[31],
            "{name} case {k}: nzcv {:#x}, want {:#x}",
            cpu.nzcv, want[31]
        );
    }
}

#[test]
fn add_sub_flags() {
    check_cases("adds", ADDS_EDGE, ADDS_EDGE_CASES);
    check_cases("adc", ADC_SBC, ADC_SBC_CASES);
    check_cases("ext", ADD_EXT_SHIFT, ADD_EXT_SHIFT_CASES);
    // Hand-checked: 0x7fff_ffff_ffff_ffff + 1 sets N and V only.
    assert_eq!(ADDS_EDGE_CASES[0].2[2], 0x8000_0000_0000_0000);
    assert_eq!(ADDS_EDGE_CASES[0].2[3], 0x9000_0000);
}

#[test]
fn logical_bitfield_extract() {
    check_cases("logic imm", LOGIC_IMM, LOGIC_IMM_CASES);
    check_cases("logic reg", LOGIC_REG, LOGIC_REG_CASES);
    check_cases("bitfield", BITFIELD, BITFIELD_CASES);
    check_cases("extr", EXTR, EXTR_CASES);
    // Hand-checked: ubfx x0, x1, #4, #8 of 0xfedcba9876543210 is 0x21; sbfx of the same is 0x21.
    assert_eq!(BITFIELD_CASES[0].2[0], 0x21);
    assert_eq!(
        LOGIC_IMM_CASES[0].2[0],
        0x0123_4567_89ab_cdef & 0xff00_ff00_ff00_ff00
    );
}

#[test]
fn select_compare_mul_div_bits() {
    check_cases("csel", CSEL, CSEL_CASES);
    check_cases("ccmp", CCMP, CCMP_CASES);
    check_cases("muldiv", MULDIV, MULDIV_CASES);
    check_cases("bitops", BITOPS, BITOPS_CASES);
    // Hand-checked: INT64_MIN / -1 = INT64_MIN, INT32_MIN / -1 = INT32_MIN, x / 0 = 0.
    let first = &MULDIV_CASES[0].2;
    assert_eq!(first[12], 0x8000_0000_0000_0000);
    assert_eq!(first[15], 0x8000_0000);
    assert_eq!(first[10], 0);
}

#[test]
fn sp_forms() {
    let mut cpu = CpuState::default();
    cpu.x[1] = 0x1000;
    cpu.x[2] = 0xffff_ffff;
    cpu.x[31] = 0x10000;
    run(ADD_IMM_SP, &mut cpu);
    assert_eq!(cpu.x[0], 0x10010);
    assert_eq!(cpu.x[1], 0x1fff);
    assert_eq!(cpu.x[31], 0x1ff0, "and sp, x1, #~15 writes SP");
    assert_eq!(cpu.x[3], 0x6000_0000, "cmn w2, #1: Z and C");
}

/// Little-endian read of `size` bytes at `off`.
fn rd(mem: &[u8], off: usize, size: usize) -> u64 {
    let mut b = [0u8; 8];
    b[..size].copy_from_slice(&mem[off..off + size]);
    u64::from_le_bytes(b)
}

fn wr(mem: &mut [u8], off: usize, v: u64, size: usize) {
    mem[off..off + size].copy_from_slice(&v.to_le_bytes()[..size]);
}

fn sext(v: u64, bits: u32) -> u64 {
    ((v << (64 - bits)) as i64 >> (64 - bits)) as u64
}

/// A pattern buffer: byte i is distinct and the high bit is set often enough to test signs.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed))
        .collect()
}

#[test]
fn load_store_single_modes() {
    let src = pattern(64, 0x80);
    let mut out = pattern(128, 0x11);
    let mut want = out.clone();
    let (b, o) = (src.as_ptr() as u64, out.as_mut_ptr() as u64);
    let mut cpu = CpuState::default();
    cpu.x[0] = b + 8;
    cpu.x[1] = o + 16;
    cpu.x[11] = 2;
    cpu.x[13] = 0xffff_ffff; // w13 = -1: sxtw #1 gives -2
    run(LDST_MODES, &mut cpu);
    let x = cpu.x;
    assert_eq!(x[2], rd(&src, 16, 8));
    assert_eq!(x[3], rd(&src, 12, 4));
    assert_eq!(x[4], rd(&src, 23, 1));
    assert_eq!(x[5], sext(rd(&src, 23, 1), 8));
    assert_eq!(x[6], sext(rd(&src, 22, 2), 16) & 0xffff_ffff);
    assert_eq!(x[7], sext(rd(&src, 4, 4), 32));
    assert_eq!(
        x[8],
        rd(&src, 24, 8),
        "pre-index loads at the moved address"
    );
    assert_eq!(x[9], rd(&src, 24, 8), "post-index loads at the old address");
    assert_eq!(x[0], b + 16, "pre +16 then post -8");
    assert_eq!(x[10], rd(&want, 32, 8));
    assert_eq!(x[12], rd(&want, 14, 2));
    wr(&mut want, 80, x[2], 8);
    wr(&mut want, 88, x[4], 1);
    wr(&mut want, 90, x[6], 2);
    wr(&mut want, 90, x[3], 4);
    wr(&mut want, 92, x[9], 8);
    assert_eq!(x[1], o + 94);
    assert_eq!(out, want);
}

#[test]
fn load_store_pairs() {
    let src = pattern(64, 0x90);
    let mut out = pattern(128, 0x22);
    let mut want = out.clone();
    let (b, o) = (src.as_ptr() as u64, out.as_mut_ptr() as u64);
    let mut cpu = CpuState::default();
    cpu.x[0] = b;
    cpu.x[1] = o + 64;
    run(LDST_PAIR, &mut cpu);
    let x = cpu.x;
    assert_eq!((x[2], x[3]), (rd(&src, 0, 8), rd(&src, 8, 8)));
    assert_eq!((x[4], x[5]), (rd(&src, 8, 4), rd(&src, 12, 4)));
    assert_eq!(
        (x[6], x[7]),
        (sext(rd(&src, 8, 4), 32), sext(rd(&src, 12, 4), 32))
    );
    assert_eq!((x[8], x[9]), (rd(&src, 16, 8), rd(&src, 24, 8)));
    assert_eq!((x[10], x[11], x[0]), (x[8], x[9], b + 16));
    wr(&mut want, 48, x[2], 8);
    wr(&mut want, 56, x[3], 8);
    wr(&mut want, 48, x[4], 4);
    wr(&mut want, 52, x[5], 4);
    wr(&mut want, 88, x[8], 8);
    wr(&mut want, 96, x[9], 8);
    assert_eq!(x[1], o + 56);
    assert_eq!(out, want);
}

#[test]
fn literal_loads() {
    let mut cpu = CpuState::default();
    run(LDR_LIT, &mut cpu);
    assert_eq!(cpu.x[0], 0x1122_3344_5566_7788);
    assert_eq!(cpu.x[1], 0x5566_7788);
    assert_eq!(cpu.x[2], 0xffff_ffff_8000_0001);
}

#[test]
fn exclusives_and_acquire_release() {
    #[repr(align(64))]
    struct Buf([u64; 8]);
    let mut m = Buf([10, 20, 0, 0, 0x1122_3344_5566_77ff, 0, 0, 0]);
    let a = m.0.as_mut_ptr() as u64;
    let mut cpu = CpuState::default();
    cpu.x[0] = a;
    cpu.x[1] = a + 32;
    run(EXCL, &mut cpu);
    let x = cpu.x;
    assert_eq!(
        (x[2], x[3], x[4]),
        (11, 0, 1),
        "stxr succeeds once, then the monitor is clear"
    );
    assert_eq!((x[5], x[6]), (0x5566_77ff, 1), "clrex makes stlxr fail");
    assert_eq!((x[7], x[8]), (0xff, 0));
    assert_eq!(
        (x[9], x[10], x[11]),
        (11, 20, 0),
        "ldxp/stxp of doublewords"
    );
    assert_eq!((x[12], x[13], x[14]), (0x5566_7700, 0x1122_3344, 0));
    assert_eq!((x[15], x[16]), (11, 20));
    assert_eq!(cpu.excl_addr, u64::MAX);
    assert_eq!(m.0[0], 20, "stxp swapped the pair");
    assert_eq!(m.0[1], 11);
    assert_eq!(m.0[4], 11, "stlr overwrote the swapped words");
}

#[test]
fn branches_and_targets() {
    let mut cpu = CpuState::default();
    cpu.x[2] = 5;
    cpu.x[4] = 1 << 40 | 8;
    cpu.nzcv = 0x4000_0000;
    let base = run(BRANCHES, &mut cpu);
    assert_eq!(
        (cpu.exit_reason, cpu.exit_arg, cpu.pc),
        (exit::SYSCALL, 0x42, base + 0x3c)
    );
    let x = cpu.x;
    assert_eq!((x[1], x[3], x[5], x[6], x[7], x[8]), (0, 0, 1, 0, 0, 8));
    assert_eq!(x[30], base + 0x24, "bl links the next instruction");
}

#[test]
fn indirect_branches() {
    let mut cpu = CpuState::default();
    cpu.x[0] = 0xdead_0000;
    let base = run(INDIRECT, &mut cpu);
    assert_eq!((cpu.exit_reason, cpu.pc), (exit::JUMP, 0xdead_0000));
    assert_eq!(cpu.x[1], base + 0x10);
    assert_eq!(cpu.x[2], (base + 4) & !0xfff);
    assert_eq!(cpu.x[3], base + 0xc, "blr links the next instruction");

    let brk = [0xd420_00e0u32]; // brk #7
    let base = run(&brk, &mut cpu);
    assert_eq!(
        (cpu.exit_reason, cpu.pc, cpu.exit_arg),
        (exit::BREAKPOINT, base, 7)
    );
}

#[test]
fn system_registers_and_cache_ops() {
    #[repr(align(64))]
    struct Buf([u64; 16]);
    let mut m = Buf([!0; 16]);
    let a = m.0.as_mut_ptr() as u64;
    let mut cpu = CpuState::default();
    cpu.x[3] = 0x1234;
    cpu.x[5] = 0xffff_ffff;
    cpu.x[7] = 0x1f;
    cpu.x[9] = a + 64 + 13;
    let base = run(SYSREGS, &mut cpu);
    let x = cpu.x;
    assert_eq!((x[0], x[1], x[2]), (0x8444_c004, 4, 0x410f_d083));
    assert_eq!((x[4], cpu.tpidr), (0x1234, 0x1234));
    assert_eq!((x[6], x[8]), (0xf000_0000, 0x1f));
    assert_eq!(cpu.exit_reason, exit::FLUSH);
    assert_eq!(cpu.pc, base + 0x54);
    assert!(m.0[..8].iter().all(|&v| v == !0));
    assert!(
        m.0[8..].iter().all(|&v| v == 0),
        "dc zva zeroes the aligned 64 bytes"
    );
}

#[test]
fn undefined_stops_after_earlier_instructions() {
    // add x0, x0, #1; udf #0; add x0, x0, #1
    let code = [0x9100_0400u32, 0x0000_0000, 0x9100_0400];
    let mut cpu = CpuState::default();
    let base = run(&code, &mut cpu);
    assert_eq!(
        (cpu.x[0], cpu.exit_reason, cpu.pc, cpu.exit_arg),
        (1, exit::UNDEFINED, base + 4, 0)
    );
    // Unallocated field combinations: and w0, w0, #imm with N=1; orr x0, x0, #all-ones;
    // movn w0 with hw=2; ubfm w0 with N=1; add x0, x1, x2, ror #1.
    for w in [
        0x1240_0000u32,
        0xb240_fc00,
        0x12c0_0000,
        0x5340_0000,
        0x8bc2_0420,
    ] {
        let mut cpu = CpuState::default();
        let base = run(&[w], &mut cpu);
        assert_eq!(
            (cpu.exit_reason, cpu.pc, cpu.exit_arg),
            (exit::UNDEFINED, base, w as u64),
            "{w:#x}"
        );
    }
}

#[test]
fn block_limits() {
    let code = [0x9100_0400u32; 5]; // add x0, x0, #1
    let base = code.as_ptr() as u64;
    let fetch = |pc: u64| (pc >= base && pc < base + 12).then_some(0x9100_0400u32);
    let blk = crate::lift_block(base, &fetch, 2);
    assert_eq!((blk.guest_insns, blk.term), (2, ir::Term::Jump(base + 8)));
    let blk = crate::lift_block(base, &fetch, 10);
    assert_eq!(
        (blk.guest_insns, blk.term, blk.end),
        (3, ir::Term::Jump(base + 12), base + 12)
    );
}

#[test]
fn counter_and_unknown_system_registers() {
    // mrs x0, cntvct_el0; mrs x1, cntfrq_el0; mrs x2, cntvct_el0; mrs x3, tpidrro_el0;
    // mrs x4, id_aa64isar0_el1 (not emulated: undefined)
    let code = [
        0xd53b_e040u32,
        0xd53b_e001,
        0xd53b_e042,
        0xd53b_d063,
        0xd538_0604,
    ];
    let mut cpu = CpuState::default();
    cpu.x[3] = 99;
    let base = run(&code, &mut cpu);
    assert!(cpu.x[2] >= cpu.x[0], "the counter does not go backwards");
    assert_eq!((cpu.x[1], cpu.x[3]), (1_000_000_000, 0));
    assert_eq!((cpu.exit_reason, cpu.pc), (exit::UNDEFINED, base + 16));
}
