//! Differential test of the fast paths: for random encodings of every `A64_SIMD` row and random
//! register and memory contents, `execute` (fast paths first) and `execute_generic` must leave
//! identical registers, flags and memory.

use cpu::CpuState;
use decode::Class;
use decode::a64_simd::{A64_SIMD, A64Simd};

/// xorshift64*: a small deterministic random source.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Lane values that stress compares and shifts: zero, sign bits, all ones, small numbers.
fn lane_mix(r: &mut Rng) -> u64 {
    let pick = [
        0u64,
        u64::MAX,
        0x8080_8080_8080_8080,
        0x7f7f_7f7f_7f7f_7f7f,
        0x0101_0000_ff00_0001,
    ];
    let x = r.next();
    match x % 4 {
        0 => pick[(x >> 8) as usize % pick.len()],
        1 => r.next() & r.next() & 0x8181_8181_8181_8181,
        _ => r.next(),
    }
}

#[test]
fn fast_paths_match_generic_handlers() {
    let dec = fpsimd::decoder();
    let mut rng = Rng(0x0bad_cafe_f00d_1234);
    let mut compared = 0u32;
    // Both buffers persist; among the memory rows only LD1-LD4/ST1-ST4 (multiple) and LDR/STR
    // (unsigned offset) have fast paths: at most 64 bytes from a base near 32 KiB, or 16 bytes
    // at up to 64 KiB above it.
    let init: Vec<u8> = (0..(1u32 << 17)).map(|i| (i * 7 + 3) as u8).collect();
    let (mut mem_a, mut mem_b) = (init.clone(), init.clone());
    for entry in A64_SIMD {
        let fast_mem = matches!(
            entry.id,
            A64Simd::LdStMulti
                | A64Simd::LdStMultiPost
                | A64Simd::LdStSimdUimm
                | A64Simd::LdStSimdUnscaled
                | A64Simd::LdStSimdPost
                | A64Simd::LdStSimdPre
                | A64Simd::LdStSimdReg
        );
        if entry.class == Class::LoadStoreSimd && !fast_mem {
            continue;
        }
        let tries = if fast_mem { 600 } else { 2000 };
        for _ in 0..tries {
            let Some(word) = dec.random_word(entry, rng.next() as u32) else {
                continue;
            };
            if !fpsimd::supported(word) {
                continue;
            }
            mem_a.copy_from_slice(&init);
            mem_b.copy_from_slice(&init);
            let mut a = CpuState::default();
            // Register offsets (scaled by up to 16) must stay small: there the bases are too.
            let base = if entry.id == A64Simd::LdStSimdReg {
                0x100
            } else {
                0x8000
            };
            for x in a.x.iter_mut() {
                *x = base + (rng.next() & 0xff);
            }
            for v in a.v.iter_mut() {
                *v = [lane_mix(&mut rng), lane_mix(&mut rng)];
            }
            a.fpsr = rng.next() & 0x0800_009f;
            let mut b = a.clone();
            a.mem_base = mem_a.as_mut_ptr() as u64;
            b.mem_base = mem_b.as_mut_ptr() as u64;
            // SAFETY: only the rows named above access memory, below 33 KiB + 64 KiB + 16 bytes
            // (register offsets: below 9 KiB), inside the 128 KiB buffers.
            let (ra, rb) = unsafe {
                (
                    fpsimd::execute(&mut a, word, 0x1000),
                    fpsimd::execute_generic(&mut b, word, 0x1000),
                )
            };
            assert_eq!(ra, rb, "{} {word:#010x}", entry.mnemonic);
            assert_eq!(
                a.v, b.v,
                "{} {word:#010x}: vector registers",
                entry.mnemonic
            );
            assert_eq!(
                a.x, b.x,
                "{} {word:#010x}: general registers",
                entry.mnemonic
            );
            assert_eq!(a.fpsr, b.fpsr, "{} {word:#010x}: fpsr", entry.mnemonic);
            assert!(mem_a == mem_b, "{} {word:#010x}: memory", entry.mnemonic);
            compared += 1;
        }
    }
    assert!(compared > 10_000, "only {compared} words compared");
}
