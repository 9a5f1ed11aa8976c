//! Prints random encodings of the register-only rows (data processing, multiplies, media) of
//! the A32, T16 and T32 tables that armrun implements, for `tests/gen/gen_random.py` to run
//! under qemu-arm-static. Words that branch, exit or write SP are left out (the recording
//! harness needs SP). Output lines: `a|t hexword mnemonic`, T16 halfwords as 4 hex digits.

use a32::{implemented, is_t32_prefix, lift_block};
use decode::{Class, Decoder, Entry};

/// A small deterministic xorshift generator, so the list reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

/// True if the instruction runs straight through and leaves SP alone.
fn plain(insn: u32, thumb: bool) -> bool {
    if !implemented(insn, thumb) {
        return false;
    }
    let t32 = thumb && is_t32_prefix(insn >> 16);
    let fetch = |a: u64| match (thumb, t32, a) {
        (false, _, 0) => Some(insn),
        (true, false, 0) => Some(insn & 0xffff),
        (true, true, 0) => Some(insn >> 16),
        (true, true, 2) => Some(insn & 0xffff),
        _ => None,
    };
    let blk = lift_block(0, thumb, &fetch, 1);
    let len = if !thumb || t32 { 4 } else { 2 };
    blk.term == ir::Term::Jump(len)
        && !blk
            .insts
            .iter()
            .any(|i| i.op == ir::Op::SetReg && i.imm == cpu::slot::x(13) as u64)
}

fn emit<Id: Copy + PartialEq>(
    table: &'static [Entry<Id>],
    mode: &str,
    per_row: usize,
    rng: &mut Rng,
    to_insn: fn(u32) -> u32,
) {
    let d = Decoder::new(table);
    for e in table {
        if !matches!(e.class, Class::DpImm | Class::DpReg | Class::Media) {
            continue;
        }
        let mut n = 0;
        for _ in 0..2000 {
            if n == per_row {
                break;
            }
            let Some(w) = d.random_word(e, rng.next()) else {
                continue;
            };
            let insn = to_insn(w);
            if mode == "a" && insn >> 28 == 15 {
                continue;
            }
            if plain(insn, mode == "t") {
                let width = if mode == "t" && !is_t32_prefix(insn >> 16) {
                    4
                } else {
                    8
                };
                println!("{mode} {insn:0width$x} {}", e.mnemonic);
                n += 1;
            }
        }
    }
}

fn main() {
    let per_row = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(6);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    emit(decode::a32::A32_TABLE, "a", per_row, &mut rng, |w| w);
    emit(decode::t16::T16_TABLE, "t", per_row, &mut rng, |w| w >> 16);
    emit(decode::t32::T32_TABLE, "t", per_row, &mut rng, |w| w);
}
