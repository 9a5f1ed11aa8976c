//! Differential test for the cryptographic extension: random sequences of crypto-class words
//! (AES, SHA-1, SHA-256, SHA-512, SHA-3, SM3, SM4) and PMULL/PMULL2 (1Q) on registers 0..7 run
//! on the JIT, which runs AES, PMULL and SHA-256 as host AES-NI, PCLMULQDQ and SHA
//! instructions, and on the interpreter, which calls the executor; all registers must agree.
//! (The executor's own fast paths are checked against the reference definitions in fpsimd's
//! `tests/fast_paths.rs`.)

mod common;

use common::run_both;
use cpu::CpuState;
use decode::{Class, Decoder, a64_simd::A64_SIMD};
use proptest::prelude::*;

/// PMULL and PMULL2 (1Q): fixed bits and the free Q bit.
const PMULL: (u32, u32) = (0x0ee0_e000, 1 << 30);

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn crypto_jit_matches_interpreter(
        picks in prop::collection::vec((any::<usize>(), any::<u32>(), 0u32..8, 0u32..8, 0u32..8), 1..24),
        regs in prop::collection::vec(any::<[u64; 2]>(), 8),
    ) {
        let d = Decoder::new(A64_SIMD);
        let rows: Vec<_> = A64_SIMD.iter().filter(|e| e.class == Class::Crypto).collect();
        let code: Vec<u32> = picks
            .iter()
            .filter_map(|&(row, bits, rd, rn, rm)| {
                let w = match rows.get(row % (rows.len() + 1)) {
                    Some(e) => d.random_word(e, bits)?,
                    None => PMULL.0 | bits & PMULL.1,
                };
                let w = (w & !0x001f_03ff) | rm << 16 | rn << 5 | rd;
                a64::implemented(w).then_some(w)
            })
            .collect();
        prop_assume!(!code.is_empty());
        let mut init = CpuState::default();
        init.v[..8].copy_from_slice(&regs);
        let (a, b) = run_both(&code, &init);
        prop_assert!(a.v == b.v && a.x == b.x && a.pc == b.pc, "code {:08x?}\ninterp {:x?}\njit    {:x?}", code, a.v, b.v);
    }
}

#[test]
fn crypto_rows_exist() {
    assert!(A64_SIMD.iter().filter(|e| e.class == Class::Crypto).count() >= 8);
}
