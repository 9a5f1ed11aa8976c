//! Prints `N` random encodings (default 150) of every data-processing row of `A64_SIMD`, one hex
//! word per line, with `1` if the executor supports it and `0` if not. Used to cross-check the
//! allocation decisions against QEMU (`tests/gen/alloc_check.c`).

use decode::Class;
use decode::a64_simd::A64_SIMD;

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(150);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for e in A64_SIMD.iter().filter(|e| e.class != Class::LoadStoreSimd) {
        let mut got = 0;
        let mut tries = 0;
        while got < n && tries < 50 * n {
            tries += 1;
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if let Some(w) = fpsimd::decoder().random_word(e, seed as u32) {
                println!("{w:08x} {}", fpsimd::supported(w) as u8);
                got += 1;
            }
        }
    }
}
