//! Prints random encodings with `1` if the executor supports them and `0` if not, one
//! `word flag` line each. Used to cross-check the allocation decisions against QEMU
//! (`tests/gen/alloc_check.c`).
//!
//! `random_words [N]` draws `N` (default 150) words from every data-processing row of
//! `A64_SIMD`; `random_words --space N` draws `N` words uniformly from the whole FP/SIMD
//! data-processing space (bits 28:25 = x111), which also finds encodings no row covers.

use decode::Class;
use decode::a64_simd::A64_SIMD;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let space = args.first().is_some_and(|a| a == "--space");
    let n: u32 = args
        .get(space as usize)
        .and_then(|a| a.parse().ok())
        .unwrap_or(150);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    if space {
        for _ in 0..n {
            let w = (next() as u32 & !(7 << 25)) | 7 << 25;
            println!("{w:08x} {}", fpsimd::supported(w) as u8);
        }
        return;
    }
    for e in A64_SIMD.iter().filter(|e| e.class != Class::LoadStoreSimd) {
        let mut got = 0;
        let mut tries = 0;
        while got < n && tries < 50 * n {
            tries += 1;
            if let Some(w) = fpsimd::decoder().random_word(e, next() as u32) {
                println!("{w:08x} {}", fpsimd::supported(w) as u8);
                got += 1;
            }
        }
    }
}
