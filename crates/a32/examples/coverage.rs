//! Reads instructions as `a|t hexword mnemonic...` lines (A32 words, T16 halfwords as 4 hex
//! digits, T32 pairs as 8) from stdin, for example from a disassembled guest binary, and prints
//! how many armrun implements plus the unimplemented ones counted by the given mnemonic; with
//! `--list`, also every unimplemented line.

use std::collections::BTreeMap;
use std::io::BufRead;

fn main() {
    let list = std::env::args().any(|a| a == "--list");
    let mut total = 0u64;
    let mut missing: BTreeMap<String, u64> = BTreeMap::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let mut it = line.split_whitespace();
        let (Some(mode), Some(hex)) = (it.next(), it.next()) else {
            continue;
        };
        let Ok(word) = u32::from_str_radix(hex, 16) else {
            continue;
        };
        let name = it.next().unwrap_or("?").to_string();
        total += 1;
        if !a32::implemented(word, mode == "t") {
            if list {
                println!("{line}");
            }
            *missing.entry(name).or_default() += 1;
        }
    }
    let miss: u64 = missing.values().sum();
    println!("{total} instructions, {miss} not implemented");
    let mut by_count: Vec<_> = missing.into_iter().collect();
    by_count.sort_by_key(|e| std::cmp::Reverse(e.1));
    for (name, n) in by_count {
        println!("{n:8} {name}");
    }
}
