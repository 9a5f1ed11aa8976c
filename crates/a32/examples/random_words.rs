//! Prints random encodings of the register-only rows (data processing, multiplies, media) of
//! the A32, T16 and T32 tables that armrun implements, for `tests/gen/gen_random.py` to run
//! under qemu-arm-static. Words that branch, exit or write SP are left out (the recording
//! harness needs SP). Output lines: `a|t hexword mnemonic`, T16 halfwords as 4 hex digits.
//!
//! With the argument `mem` it prints the load/store and exclusive rows instead, with immediates
//! cut to 6 bits and no PC-relative or SP-based forms, and adds each word's Rn and Rm (or `-`)
//! so the generator can point Rn into its buffer and keep Rm small.

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

/// Clears all but the low 6 bits of the pattern's `i` field in `w`; register-offset forms (with
/// a shift type `h`) get LSL by at most 3, so the offset stays near the buffer.
fn small_imm(pattern: &str, w: u32) -> u32 {
    let bits: Vec<u8> = pattern
        .bytes()
        .filter(|b| *b != b' ' && *b != b'_')
        .collect();
    let at = |c: u8| -> Vec<u32> { (0..32u32).filter(|i| bits[*i as usize] == c).collect() };
    let imm = at(b'i');
    let shift = at(b'h');
    let keep = if shift.is_empty() { 6 } else { 2 };
    let mut w = w;
    for p in imm.iter().rev().skip(keep).chain(shift.iter()) {
        w &= !(1 << (31 - p));
    }
    w
}

/// Clears the low `n` bits of the pattern's `i` field in `w`.
fn clear_low_imm_bits(pattern: &str, w: u32, n: usize) -> u32 {
    let bits: Vec<u8> = pattern
        .bytes()
        .filter(|b| *b != b' ' && *b != b'_')
        .collect();
    let imm: Vec<u32> = (0..32u32).filter(|i| bits[*i as usize] == b'i').collect();
    imm.iter()
        .rev()
        .take(n)
        .fold(w, |w, p| w & !(1 << (31 - p)))
}

/// The register in bits `lsb..lsb+width` of the pattern's `letter` field, if it has one.
fn reg_field<Id: Copy>(e: &'static Entry<Id>, w: u32, letter: char) -> Option<u32> {
    let m = decode::Match::new(e, w);
    let (v, width) = m.field(letter);
    (width > 0).then_some(v)
}

#[allow(clippy::too_many_arguments)]
fn emit<Id: Copy + PartialEq + decode::KeyWindow>(
    table: &'static [Entry<Id>],
    mode: &str,
    per_row: usize,
    rng: &mut Rng,
    to_insn: fn(u32) -> u32,
    mem: bool,
) {
    let d = Decoder::new(table);
    for e in table {
        let wanted = if mem {
            matches!(e.class, Class::LoadStore | Class::Exclusive)
        } else {
            matches!(e.class, Class::DpImm | Class::DpReg | Class::Media)
        };
        if !wanted {
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
            let mut w = if mem { small_imm(e.pattern, w) } else { w };
            if mem && matches!(e.mnemonic, "ldrd" | "strd") {
                // Doubleword accesses must be word aligned (QEMU raises SIGBUS; Linux on
                // hardware fixes them up): keep the immediate a multiple of 4.
                w = clear_low_imm_bits(e.pattern, w, 2);
            }
            if d.decode(w).is_none_or(|m| !std::ptr::eq(m.entry, e)) {
                continue;
            }
            let insn = to_insn(w);
            if mode == "a" && insn >> 28 == 15 {
                continue;
            }
            // Thumb rows without an Rn field address through SP (or PC): not in the buffer.
            let rn = reg_field(e, w, 'n');
            let rm = reg_field(e, w, 'm');
            if mem && (rn.is_none_or(|n| n >= 13) || rm.is_some_and(|m| m >= 13 || Some(m) == rn)) {
                continue;
            }
            if plain(insn, mode == "t") {
                let width = if mode == "t" && !is_t32_prefix(insn >> 16) {
                    4
                } else {
                    8
                };
                print!("{mode} {insn:0width$x} {}", e.mnemonic);
                if mem {
                    let rm = rm.map_or("-".to_string(), |m| m.to_string());
                    print!(" {} {rm}", rn.unwrap_or(0));
                }
                println!();
                n += 1;
            }
        }
    }
}

fn main() {
    let mem = std::env::args().nth(1).as_deref() == Some("mem");
    let per_row = if mem { 10 } else { 6 };
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    emit(decode::a32::A32_TABLE, "a", per_row, &mut rng, |w| w, mem);
    emit(
        decode::t16::T16_TABLE,
        "t",
        per_row,
        &mut rng,
        |w| w >> 16,
        mem,
    );
    emit(decode::t32::T32_TABLE, "t", per_row, &mut rng, |w| w, mem);
}
