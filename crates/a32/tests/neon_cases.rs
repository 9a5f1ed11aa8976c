//! Differential Advanced SIMD cases recorded from qemu-arm-static (`gen/gen_neon.py`): random
//! encodings of every row of the NEON decode table (`decode::neon`) that armrun implements,
//! drawn by [`neon_words`] below, in A32 and in T32, with random D0-D31 (NaNs, infinities,
//! denormals, bounds and random patterns), random FPSCR modes and flags (which NEON arithmetic
//! must ignore, apart from the cumulative flags and QC it sets), and loads and stores on a
//! random buffer with every writeback form, plus short sequences (several NEON instructions
//! in one block, conditional VDUP, VDUP in an IT block, chains of post-indexed loads and
//! stores); run on the reference interpreter and on the JIT and
//! compared with the core registers, APSR, FPSCR, D registers and memory QEMU produced.

mod common;

use common::fp_cases::{first_word, run_all};

const CASES: &str = include_str!("data/neon_qemu.txt");

/// Every case on one backend; each NEON table row must have cases in both instruction sets.
fn run(use_jit: bool) {
    let dec = decode::Decoder::new(decode::neon::NEON_TABLE);
    let row = |c: &common::fp_cases::Case| {
        let a32_word = decode::neon::to_a32(first_word(c), c.thumb);
        decode::neon::decode(&dec, a32_word).map(|m| m.entry.id)
    };
    let rows: Vec<_> = decode::neon::NEON_TABLE
        .iter()
        .map(|e| (e.id, e.mnemonic))
        .collect();
    run_all(CASES, use_jit, row, &rows);
}

#[test]
fn qemu_recorded_neon() {
    run(false);
}

#[test]
fn qemu_recorded_neon_jit() {
    run(true);
}

/// Prints `NEON_WORDS` (default 12) random encodings of every row that armrun implements, as
/// `row a32-word t32-word` lines, for `gen/gen_neon.py`:
/// `cargo test --release -p a32 --test neon_cases -- --ignored --nocapture neon_words`.
#[test]
#[ignore]
fn neon_words() {
    let per_row: usize = std::env::var("NEON_WORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let dec = decode::Decoder::new(decode::neon::NEON_TABLE);
    let mut x = 0x2545_f491_4f6c_dd1du64 ^ per_row as u64;
    for e in decode::neon::NEON_TABLE {
        let mut found = 0;
        for _ in 0..200_000 {
            if found == per_row {
                break;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let Some(w) = decode::neon::random_word(&dec, e, (x >> 11) as u32) else {
                continue;
            };
            // VDUP (core) as "always" (1110), which is also its only T32 condition.
            let w = if w >> 28 != 15 {
                w & 0x0fff_ffff | 0xe000_0000
            } else {
                w
            };
            let t = if w >> 24 == 0xf4 {
                w & 0x00ff_ffff | 0xf900_0000
            } else if w >> 25 == 0x79 {
                w & 0x00ff_ffff | 0xef00_0000 | (w >> 24 & 1) << 28
            } else {
                w
            };
            if a32::implemented(w, false) && a32::implemented(t, true) {
                println!("{:?} {w:08x} {t:08x}", e.id);
                found += 1;
            }
        }
    }
}
