//! Fuzzes the A64 frontend: every input word goes through the base decode table, then the whole
//! input is lifted as one block and the IR verifier must accept the result. Lifting never
//! panics on any word, and always yields well-formed IR.
#![no_main]

use decode::Decoder;
use decode::a64_base::{A64_BASE, A64Base};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Guest address of the first word.
const PC: u64 = 0x40_0000;

fn decoder() -> &'static Decoder<A64Base> {
    static D: OnceLock<Decoder<A64Base>> = OnceLock::new();
    D.get_or_init(|| Decoder::new(A64_BASE))
}

fuzz_target!(|data: &[u8]| {
    let words: Vec<u32> = data
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if words.is_empty() {
        return;
    }
    for &w in &words {
        if let Some(m) = decoder().decode(w) {
            let _ = m.id();
        }
    }
    let fetch = |addr: u64| -> Option<u32> {
        let off = addr.checked_sub(PC)?;
        if off % 4 != 0 {
            return None;
        }
        words.get(usize::try_from(off / 4).ok()?).copied()
    };
    let block = a64::lift_block(PC, &fetch, words.len() as u32);
    if let Err(e) = ir::verify(&block) {
        panic!("lifted block fails verification: {e:?}\nwords: {words:08x?}");
    }
});
