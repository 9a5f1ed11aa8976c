//! Property test: random encodings of every `A64_SIMD` row either execute without panicking or
//! are reported unsupported, and `supported` agrees with the executor.

use cpu::CpuState;
use decode::a64_simd::A64_SIMD;

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

/// Interesting FP bit patterns mixed into the vector registers.
const SPECIAL: [u64; 8] = [
    0x7ff8_0000_0000_0000,
    0x7ff4_0000_0000_0001,
    0x7fa0_0001_7fc0_0000,
    0x0000_0001_8000_0001,
    0x7f80_0000_ff80_0000,
    0x3ff0_0000_0000_0000,
    0,
    u64::MAX,
];

#[test]
fn every_row_executes_or_is_unsupported() {
    let dec = fpsimd::decoder();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    // Guest memory: 8 MiB; bases point at 256 KiB and pc at 2 MiB, so every offset form (up to
    // a 4 MiB register offset or a 1 MiB literal offset) stays inside the buffer.
    let mut mem = vec![0u8; 8 << 20];
    let mut executed = 0;
    let mut unsupported_rows = Vec::new();
    for entry in A64_SIMD {
        let mut ran = 0;
        for _ in 0..3000 {
            let Some(word) = dec.random_word(entry, rng.next() as u32) else {
                continue;
            };
            let mut cpu = CpuState {
                mem_base: mem.as_mut_ptr() as u64,
                ..CpuState::default()
            };
            for x in cpu.x.iter_mut() {
                *x = 0x4_0000 + (rng.next() & 0xff);
            }
            for v in cpu.v.iter_mut() {
                let r = rng.next();
                *v = if r & 1 == 0 {
                    [rng.next(), rng.next()]
                } else {
                    [
                        SPECIAL[(r >> 1) as usize % 8],
                        SPECIAL[(r >> 4) as usize % 8],
                    ]
                };
            }
            cpu.fpcr = (rng.next() & 0xf) << 22;
            cpu.nzcv = (rng.next() & 0xf) << 28;
            let sup = fpsimd::supported(word);
            // SAFETY: all addresses the instruction can form lie inside `mem` (see above).
            let did = unsafe { fpsimd::execute(&mut cpu, word, 0x20_0000) };
            assert_eq!(
                sup, did,
                "{} {word:#010x}: supported() disagrees with execution",
                entry.mnemonic
            );
            ran += did as u32;
        }
        executed += ran;
        if ran == 0 {
            unsupported_rows.push(entry.mnemonic);
        }
    }
    assert!(executed > 10_000, "only {executed} words executed");
    // Every row has at least some implemented encodings.
    assert!(unsupported_rows.is_empty(), "{unsupported_rows:?}");
}
