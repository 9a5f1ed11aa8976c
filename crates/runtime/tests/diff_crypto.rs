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

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Inline AES, PMULL and SHA-256 operations among other writes of the registers they
    /// read: through general registers (FMOV, INS, and EOR, EXT #8 and REV64 before the
    /// block's first crypto call), inline after it (the same three: see `a64::simd`), and
    /// through the executor (SHA1SU1). The JIT's copies of vector registers in xmm registers
    /// (`emit::vcache`) must not outlive any of them.
    #[test]
    fn crypto_among_other_vector_writes(
        picks in prop::collection::vec((0usize..10, 0u32..6, 0u32..6, 0u32..6), 1..32),
        regs in prop::collection::vec(any::<[u64; 2]>(), 8),
        xs in prop::collection::vec(any::<u64>(), 8),
    ) {
        const AESE: u32 = 0x4e28_4800;
        const AESMC: u32 = 0x4e28_6800;
        const SHA256SU0: u32 = 0x5e28_2800;
        const SHA1SU1: u32 = 0x5e28_1800;
        const EOR16B: u32 = 0x6e20_1c00;
        const FMOV_D_X: u32 = 0x9e67_0000;
        const INS_D1_X: u32 = 0x4e18_1c00;
        const EXT16B_8: u32 = 0x6e00_4000;
        const REV64_16B: u32 = 0x4e20_0800;
        const PMULL2: u32 = 0x4ee0_e000;
        let code: Vec<u32> = picks
            .iter()
            .map(|&(k, d, n, m)| {
                let base = [
                    AESE,
                    AESMC,
                    AESE,
                    SHA256SU0,
                    SHA1SU1,
                    EOR16B | m << 16,
                    FMOV_D_X,
                    EXT16B_8 | m << 16,
                    REV64_16B,
                    PMULL2 | m << 16,
                ];
                let base = if k == 6 && m % 2 == 1 { INS_D1_X } else { base[k] };
                base | n << 5 | d
            })
            .collect();
        let mut init = CpuState::default();
        init.v[..8].copy_from_slice(&regs);
        init.x[..8].copy_from_slice(&xs);
        let (a, b) = run_both(&code, &init);
        prop_assert!(a.v == b.v, "code {:08x?}\ninterp {:x?}\njit    {:x?}", code, a.v, b.v);
    }
}

#[test]
fn crypto_rows_exist() {
    assert!(A64_SIMD.iter().filter(|e| e.class == Class::Crypto).count() >= 8);
}

/// AES rounds as compilers and OpenSSL write them, AESE then AESMC of its destination (AESD
/// then AESIMC), which the JIT runs as one AESENC (AESDEC); and the near misses it must not
/// fuse: the mix into another register, of another register, and a pair with an instruction
/// between them.
#[test]
fn aes_round_pairs_match_interpreter() {
    const AESE: u32 = 0x4e28_4800;
    const AESD: u32 = 0x4e28_5800;
    const AESMC: u32 = 0x4e28_6800;
    const AESIMC: u32 = 0x4e28_7800;
    const EOR16B: u32 = 0x6e20_1c00;
    let op = |base: u32, d: u32, n: u32| base | n << 5 | d;
    let mut seqs: Vec<Vec<u32>> = Vec::new();
    for (first, mix) in [(AESE, AESMC), (AESD, AESIMC)] {
        seqs.push(vec![op(first, 0, 1), op(mix, 0, 0)]);
        // Ten rounds on one state, keys in v1..v3.
        seqs.push(
            (0..10)
                .flat_map(|k| [op(first, 0, 1 + k % 3), op(mix, 0, 0)])
                .collect(),
        );
        // Two interleaved states.
        seqs.push(vec![
            op(first, 0, 2),
            op(mix, 0, 0),
            op(first, 1, 2),
            op(mix, 1, 1),
            op(first, 0, 3),
            op(mix, 0, 0),
        ]);
        seqs.push(vec![op(first, 0, 1), op(mix, 4, 0)]);
        seqs.push(vec![op(first, 0, 1), op(mix, 0, 4)]);
        seqs.push(vec![
            op(first, 0, 1),
            op(EOR16B, 5, 0) | 2 << 16,
            op(mix, 0, 0),
        ]);
        // The mix first, then the half of the next round.
        seqs.push(vec![op(mix, 0, 0), op(first, 0, 1)]);
    }
    vectors_agree(&seqs, 1);
}

/// Runs each of `seqs` from v0..v7 filled with a pattern from `seed` on the interpreter and
/// the JIT: every vector register must agree, and some of v0..v7 must have changed.
fn vectors_agree(seqs: &[Vec<u32>], seed: u64) {
    let mut init = CpuState::default();
    for (i, v) in init.v.iter_mut().take(8).enumerate() {
        let x = (i as u64 + seed).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        *v = [x, x.rotate_left(17) ^ 0x0123_4567_89ab_cdef];
    }
    for code in seqs {
        let (a, b) = run_both(code, &init);
        assert!(
            a.v == b.v,
            "code {code:08x?}\ninterp {:x?}\njit    {:x?}",
            a.v,
            b.v
        );
        assert_ne!(a.v[..8], init.v[..8], "code {code:08x?} changed nothing");
    }
}

/// SHA256H followed by SHA256H2 of the same rounds: the JIT runs the rounds once when the
/// second's {a,b,c,d} operand holds what the first's did (OpenSSL copies it there first), and
/// again from its own operands when it does not (another register, or the first's result).
#[test]
fn sha256_pairs_match_interpreter() {
    const MOV_V2_V0: u32 = 0x4ea0_1c02;
    const SHA256H_Q0_Q1_V4: u32 = 0x5e04_4020;
    const SHA256H2_Q1_Q2_V4: u32 = 0x5e04_5041;
    const SHA256H2_Q1_Q0_V4: u32 = 0x5e04_5001;
    const SHA256H_Q1_Q0_V4: u32 = 0x5e04_4001;
    let four_rounds = [MOV_V2_V0, SHA256H_Q0_Q1_V4, SHA256H2_Q1_Q2_V4];
    let seqs: Vec<Vec<u32>> = vec![
        four_rounds.to_vec(),
        // Sixteen rounds, as a compression loop runs them.
        four_rounds.repeat(4),
        // v2 not the old v0.
        vec![SHA256H_Q0_Q1_V4, SHA256H2_Q1_Q2_V4],
        // The first's result as the second's {a,b,c,d}.
        vec![SHA256H_Q0_Q1_V4, SHA256H2_Q1_Q0_V4],
        // A first that writes the second's {e,f,g,h}: no pair.
        vec![MOV_V2_V0, SHA256H_Q1_Q0_V4, SHA256H2_Q1_Q2_V4],
    ];
    vectors_agree(&seqs, 3);
}
