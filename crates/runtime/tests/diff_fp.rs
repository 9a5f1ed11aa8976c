//! Differential test for lifted FP and SIMD: random sequences of FP- and SIMD-class words
//! (arithmetic, fused multiply-add, compares, moves, conversions, vector FADD/FMUL/FMLA...) run
//! on the JIT, whose inline SSE fast paths must agree bit for bit with the exact helpers the
//! interpreter calls, from random
//! register values rich in special cases (zeros, denormals, infinities, NaNs, values near the
//! overflow and underflow thresholds) under random FPCR and FPSR states.

mod common;

use common::run_both;
use cpu::CpuState;
use decode::{Class, Decoder, a64_simd::A64_SIMD};
use proptest::prelude::*;

/// A register value: a double, two singles or raw bits, often special.
fn fp_value() -> impl Strategy<Value = u64> {
    let special_d = prop::sample::select(vec![
        0u64,
        1 << 63,
        1,                     // smallest denormal
        0x000f_ffff_ffff_ffff, // largest denormal
        0x0010_0000_0000_0000, // smallest normal
        0x0020_0000_0000_0000,
        0x7fef_ffff_ffff_ffff, // largest normal
        0x7ff0_0000_0000_0000, // +inf
        0xfff0_0000_0000_0000, // -inf
        0x7ff8_0000_0000_0000, // quiet NaN
        0x7ff4_0000_0000_0001, // signalling NaN
        0x3ff0_0000_0000_0000, // 1.0
        0x4000_0000_0000_0000, // 2.0
        0x2000_0000_0000_0000, // ~1e-154: squares underflow
        0x5fe0_0000_0000_0000, // ~1e154: squares overflow
    ]);
    let special_s = prop::sample::select(vec![
        0u32,
        0x8000_0000,
        1,
        0x007f_ffff,
        0x0080_0000,
        0x0100_0000,
        0x7f7f_ffff,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x7fa0_0001,
        0x3f80_0000,
        0x4000_0000,
        0x1f80_0000,
        0x5f00_0000,
    ]);
    prop_oneof![
        3 => (-1e6f64..1e6).prop_map(f64::to_bits),
        2 => (-1e3f32..1e3, -1e3f32..1e3).prop_map(|(a, b)| a.to_bits() as u64 | (b.to_bits() as u64) << 32),
        1 => (-1e3f32..1e3).prop_map(|a| a.to_bits() as u64),
        2 => special_d,
        2 => special_s.prop_map(u64::from),
        1 => any::<u64>(),
    ]
}

/// Scalar FP rows plus the Advanced SIMD rows (whose vector FADD/FMUL/FMLA... the JIT also
/// runs inline).
fn fp_rows() -> Vec<&'static decode::Entry<decode::a64_simd::A64Simd>> {
    A64_SIMD
        .iter()
        .filter(|e| matches!(e.class, Class::Fp | Class::Simd))
        .collect()
}

fn same(a: &CpuState, b: &CpuState) -> bool {
    a.x == b.x
        && a.v == b.v
        && a.nzcv == b.nzcv
        && a.fpsr == b.fpsr
        && a.pc == b.pc
        && a.exit_reason == b.exit_reason
}

#[test]
fn fp_rows_exist() {
    assert!(fp_rows().len() >= 10, "FP class rows look incomplete");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn fp_jit_matches_interpreter(
        picks in prop::collection::vec((any::<usize>(), any::<u32>(), 0u32..8, 0u32..8, 0u32..8), 1..16),
        vals in prop::collection::vec(fp_value(), 8),
        highs in prop::collection::vec(fp_value(), 8),
        xregs in prop::collection::vec(any::<u64>(), 8),
        rmode in prop_oneof![4 => Just(0u64), 1 => 0u64..4],
        fz in prop::bool::weighted(0.15),
        dn in prop::bool::weighted(0.2),
        fpsr in prop_oneof![3 => Just(0x10u64), 1 => Just(0u64), 1 => 0u64..0x20],
        nzcv in 0u64..16,
    ) {
        let d = Decoder::new(A64_SIMD);
        let rows = fp_rows();
        // Registers 0..7 only, so instructions feed each other's results.
        let code: Vec<u32> = picks
            .iter()
            .filter_map(|&(row, bits, rd, rn, rm)| {
                let w = d.random_word(rows[row % rows.len()], bits)?;
                let w = (w & !0x001f_03ff) | rm << 16 | rn << 5 | rd;
                a64::implemented(w).then_some(w)
            })
            .collect();
        prop_assume!(!code.is_empty());
        let mut init = CpuState::default();
        for (i, (v, h)) in vals.iter().zip(&highs).enumerate() {
            init.v[i] = [*v, *h];
        }
        init.x[..8].copy_from_slice(&xregs);
        init.fpcr = rmode << 22 | (fz as u64) << 24 | (dn as u64) << 25;
        init.fpsr = fpsr;
        init.nzcv = nzcv << 28;
        let (a, b) = run_both(&code, &init);
        prop_assert!(same(&a, &b), "code {:08x?}\ninterp {:x?}\njit    {:x?}", code, a, b);
    }
}
