//! Drawing random instruction words of one [`Class`] from the decode tables, with memory
//! operands rewritten so that every access stays inside the block's scratch buffer.

use crate::rng::Rng;
use decode::a64_base::{A64_BASE, A64Base};
use decode::a64_simd::{A64_SIMD, A64Simd};
use decode::{Class, Decoder};

/// Register holding the scratch-buffer pointer in memory classes (the base of every access).
pub const BASE_REG: u32 = 28;
/// Register holding a small offset (0..=16) used as the index of register-offset accesses.
pub const INDEX_REG: u32 = 27;

/// Which decode table a row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// `decode::a64_base`.
    Base,
    /// `decode::a64_simd`.
    Simd,
}

/// One decode row usable by the generator.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// Source table.
    pub table: Table,
    /// Mnemonic.
    pub mnemonic: &'static str,
    /// Bit pattern.
    pub pattern: &'static str,
}

/// True for classes whose instructions access memory (they get a scratch buffer).
pub fn is_memory(class: Class) -> bool {
    matches!(
        class,
        Class::LoadStore | Class::Exclusive | Class::LoadStoreSimd | Class::Atomic
    )
}

/// Generator state: decoders of both tables.
pub struct Draw {
    base: Decoder<A64Base>,
    simd: Decoder<A64Simd>,
}

impl Default for Draw {
    fn default() -> Self {
        Draw::new()
    }
}

/// Field `letter` of `pattern` as (bit positions, most significant first).
fn field_bits(pattern: &str, letter: u8) -> Vec<u32> {
    pattern
        .bytes()
        .filter(|b| *b != b' ' && *b != b'_')
        .enumerate()
        .filter(|(_, b)| *b == letter)
        .map(|(i, _)| 31 - i as u32)
        .collect()
}

/// Reads field `letter` of `word`.
pub fn get_field(pattern: &str, word: u32, letter: u8) -> Option<u32> {
    let bits = field_bits(pattern, letter);
    if bits.is_empty() {
        return None;
    }
    Some(bits.iter().fold(0, |v, b| v << 1 | (word >> b) & 1))
}

/// Writes `value` into field `letter` of `word` (no-op if there is no such field).
pub fn set_field(pattern: &str, word: u32, letter: u8, value: u32) -> u32 {
    let bits = field_bits(pattern, letter);
    let w = bits.len() as u32;
    let mut word = word;
    for (k, b) in bits.iter().enumerate() {
        let bit = (value >> (w - 1 - k as u32)) & 1;
        word = (word & !(1 << b)) | bit << b;
    }
    word
}

/// A random word of `pattern` (its free bits random), passed through `fix` (which rewrites
/// fields to keep the instruction safe to run), that `accept` takes (typically: it still
/// decodes to the same row); `None` if 64 draws in a row were refused.
pub fn draw_pattern(
    pattern: &str,
    rng: &mut Rng,
    mut fix: impl FnMut(u32, &mut Rng) -> u32,
    accept: impl Fn(u32) -> bool,
) -> Option<u32> {
    let (m, v) = decode::mask_value(pattern);
    (0..64).find_map(|_| Some(fix(v | (rng.next_u32() & !m), rng)).filter(|w| accept(*w)))
}

impl Draw {
    /// Builds the decoders.
    pub fn new() -> Draw {
        Draw {
            base: Decoder::new(A64_BASE),
            simd: Decoder::new(A64_SIMD),
        }
    }

    /// The rows of `class` in both tables.
    pub fn rows(&self, class: Class) -> Vec<Row> {
        let b = A64_BASE.iter().filter(|e| e.class == class).map(|e| Row {
            table: Table::Base,
            mnemonic: e.mnemonic,
            pattern: e.pattern,
        });
        let s = A64_SIMD.iter().filter(|e| e.class == class).map(|e| Row {
            table: Table::Simd,
            mnemonic: e.mnemonic,
            pattern: e.pattern,
        });
        b.chain(s).collect()
    }

    /// Mnemonic of the row `word` decodes to in either table.
    pub fn mnemonic(&self, word: u32) -> &'static str {
        if let Some(m) = self.base.decode(word) {
            return m.entry.mnemonic;
        }
        if let Some(m) = self.simd.decode(word) {
            return m.entry.mnemonic;
        }
        "?"
    }

    /// Whether `word` decodes to exactly `row`.
    fn matches(&self, row: &Row, word: u32) -> bool {
        match row.table {
            Table::Base => self
                .base
                .decode(word)
                .is_some_and(|m| m.entry.pattern == row.pattern),
            Table::Simd => self
                .simd
                .decode(word)
                .is_some_and(|m| m.entry.pattern == row.pattern),
        }
    }

    /// A random word of `row` (memory operands made safe when `memory`), or `None` if the
    /// draws kept landing on other rows.
    pub fn draw(&self, row: &Row, memory: bool, rng: &mut Rng) -> Option<u32> {
        draw_pattern(
            row.pattern,
            rng,
            |w, rng| {
                if memory {
                    self.make_safe(row, w, rng)
                } else {
                    w
                }
            },
            |w| self.matches(row, w),
        )
    }

    /// Rewrites register and offset fields so the access hits the scratch buffer and no
    /// CONSTRAINED UNPREDICTABLE register overlap occurs.
    fn make_safe(&self, row: &Row, mut w: u32, rng: &mut Rng) -> u32 {
        let p = row.pattern;
        // Avoid the reserved registers as destinations/sources of data.
        let pick = |rng: &mut Rng, avoid: &[u32]| loop {
            let r = rng.below(27) as u32;
            if !avoid.contains(&r) {
                break r;
            }
        };
        w = set_field(p, w, b'n', BASE_REG);
        let simd_pair = row.table == Table::Simd && row.mnemonic == "ldp";
        let data_letters: &[u8] = if simd_pair { b"tadm" } else { b"tadu" };
        let mut used = Vec::new();
        for &l in data_letters {
            if let Some(v) = get_field(p, w, l)
                && field_bits(p, l).len() == 5
            {
                let r = if v >= 27 || used.contains(&v) {
                    pick(rng, &used)
                } else {
                    v
                };
                used.push(r);
                w = set_field(p, w, l, r);
            }
        }
        if !simd_pair && field_bits(p, b'm').len() == 5 {
            let r = if rng.one_in(3) { 31 } else { INDEX_REG };
            w = set_field(p, w, b'm', r);
        }
        let iw = field_bits(p, b'i').len() as u32;
        let imm = match iw {
            12 => Some(rng.below(32) as u32),
            9 | 19 => Some((rng.below(128) as i64 - 64) as u32),
            7 => Some((rng.below(16) as i64 - 8) as u32),
            _ => None,
        };
        // Ordered unscaled accesses (LRCPC2) stay naturally aligned: without FEAT_LSE2, which
        // armrun does not advertise, a misaligned one is an alignment fault, while qemu's `max`
        // CPU has LSE2 and lets those within 16 bytes succeed.
        let ordered = row.mnemonic.starts_with("ldapur") || row.mnemonic == "stlur";
        let imm = imm.map(|i| {
            if ordered {
                i & !((1 << (w >> 30)) - 1)
            } else {
                i
            }
        });
        if let Some(i) = imm {
            w = set_field(p, w, b'i', i & ((1u32 << iw) - 1));
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let p = "1z 111 0 01 01 iiiiiiiiiiii nnnnn ttttt";
        let w = set_field(p, 0xf940_0000, b'n', 28);
        assert_eq!(get_field(p, w, b'n'), Some(28));
        assert_eq!(w, 0xf940_0380);
    }

    #[test]
    fn memory_rows_draw_base_register() {
        let g = Draw::new();
        let mut rng = Rng::new(1);
        for class in [Class::LoadStore, Class::Exclusive, Class::LoadStoreSimd] {
            for row in g.rows(class) {
                if let Some(w) = g.draw(&row, true, &mut rng)
                    && let Some(n) = get_field(row.pattern, w, b'n')
                {
                    assert_eq!(n, BASE_REG, "{} {w:#x}", row.mnemonic);
                }
            }
        }
    }
}
