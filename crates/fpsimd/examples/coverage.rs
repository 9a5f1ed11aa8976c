//! Reads `objdump -d` output of an AArch64 binary on stdin and lists the FP/SIMD instructions
//! (rows of `A64_SIMD`) that the executor does not support, most frequent first.
//!
//! `aarch64-linux-gnu-objdump -d libc.so.6 | cargo run -p fpsimd --example coverage`

use std::collections::HashMap;
use std::io::BufRead;

fn main() {
    let mut missing: HashMap<String, (u32, u32)> = HashMap::new();
    let (mut simd, mut ok) = (0u32, 0u32);
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let mut cols = line.split('\t');
        let (Some(_), Some(hex), Some(text)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let Ok(word) = u32::from_str_radix(hex.trim(), 16) else {
            continue;
        };
        if fpsimd::decoder().decode(word).is_none() {
            // FP/SIMD data processing (op0 = x111) or a load/store with V set (op0 = x1x0).
            let op0 = word >> 25 & 0xf;
            let in_space = op0 & 7 == 7 || (op0 & 5 == 4 && word >> 26 & 1 == 1);
            if in_space {
                let mn = format!("{} (no row)", text.split_whitespace().next().unwrap_or("?"));
                missing.entry(mn).or_insert((0, word)).0 += 1;
            }
            continue;
        }
        simd += 1;
        if fpsimd::supported(word) {
            ok += 1;
            continue;
        }
        let mn = text.split_whitespace().next().unwrap_or("?").to_string();
        let e = missing.entry(mn).or_insert((0, word));
        e.0 += 1;
    }
    let mut v: Vec<_> = missing.into_iter().collect();
    v.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
    println!("{ok} of {simd} FP/SIMD-table instructions supported");
    for (mn, (n, w)) in v {
        println!("{n:6} {mn:12} e.g. {w:08x}");
    }
}
