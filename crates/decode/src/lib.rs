//! Bit-pattern decode tables.
//!
//! Each ISA's instructions are listed once as [`Entry`] rows: an identifier the lifter matches
//! on, the mnemonic, a 32-character bit pattern and a [`Class`]. The same rows feed the decoder
//! ([`Decoder`]), mnemonic names for logs, and the random-encoding generators of the fuzzers and
//! differential tests ([`Decoder::random_word`]).
//!
//! Pattern syntax (most significant bit first, spaces and `_` ignored, 32 bits in all):
//! `0`/`1` are fixed bits, `x` is a bit the instruction ignores, and any other letter is a field
//! bit: all bits with the same letter form one field, concatenated in pattern order.

#![deny(missing_docs)]

pub mod a32;
pub mod a64_base;
pub mod a64_simd;
pub mod neon;
pub mod t16;
pub mod t32;
pub mod vfp;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

/// Broad instruction classes, used to select generators in tests and fuzzers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Data processing with an immediate (add/sub, logical, move wide, bitfield, extract, PC-rel).
    DpImm,
    /// Data processing with registers (shifted/extended add/sub, logical, adc, ccmp, csel,
    /// 1- and 2-source, 3-source multiply).
    DpReg,
    /// Branches, exception generation, system instructions.
    Branch,
    /// System register moves, hints and barriers.
    System,
    /// Loads and stores of general registers.
    LoadStore,
    /// Load/store exclusive and acquire/release.
    Exclusive,
    /// Loads and stores of FP/SIMD registers.
    LoadStoreSimd,
    /// Scalar floating point.
    Fp,
    /// Advanced SIMD.
    Simd,
    /// Cryptographic extension.
    Crypto,
    /// Atomic memory operations (LSE).
    Atomic,
    /// AArch32 ARMv6 media and saturating instructions (parallel add/subtract with GE flags,
    /// SEL, USAD8, SSAT/USAT, PKH, QADD family).
    Media,
}

/// One row of a decode table.
#[derive(Debug)]
pub struct Entry<Id: 'static> {
    /// Identifier the lifter dispatches on.
    pub id: Id,
    /// Mnemonic (lower case), for logs and disassembly.
    pub mnemonic: &'static str,
    /// The bit pattern (see the crate docs).
    pub pattern: &'static str,
    /// The instruction class.
    pub class: Class,
}

/// Declares a decode table: an identifier enum and a static slice of [`Entry`] rows.
#[macro_export]
macro_rules! decode_table {
    ($(#[$m:meta])* $idty:ident, $table:ident, $( $id:ident = $mn:literal, $pat:literal, $class:ident; )*) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum $idty { $( $id, )* }

        /// The table rows, in declaration order.
        pub static $table: &[$crate::Entry<$idty>] = &[
            $( $crate::Entry { id: $idty::$id, mnemonic: $mn, pattern: $pat, class: $crate::Class::$class }, )*
        ];
    };
}

/// Bits of a pattern, after removing spaces and underscores.
fn pattern_bits(p: &str) -> impl Iterator<Item = u8> + '_ {
    p.bytes().filter(|b| *b != b' ' && *b != b'_')
}

/// Fixed-bit mask and value of a pattern.
pub fn mask_value(pattern: &str) -> (u32, u32) {
    let (mut mask, mut value) = (0u32, 0u32);
    for (i, b) in pattern_bits(pattern).enumerate() {
        let bit = 31 - i as u32;
        match b {
            b'0' => mask |= 1 << bit,
            b'1' => {
                mask |= 1 << bit;
                value |= 1 << bit;
            }
            _ => {}
        }
    }
    (mask, value)
}

/// Field letters are ASCII `A` to `z`: [`Fields`] is indexed by `letter - b'A'`.
const LETTERS: usize = (b'z' - b'A' + 1) as usize;

/// Where the fields of a pattern lie: the mask of each letter's bits, indexed by letter, so
/// reading a field is an index, a mask and a shift. Computed once per table row when a [`Decoder`]
/// is built (the lifters read several fields per instruction).
pub struct Fields {
    masks: [u32; LETTERS],
    /// Each field's width, and its lowest bit if it is one run (else `MULTI_RUN`).
    widths: [u8; LETTERS],
    lsbs: [u8; LETTERS],
}

/// [`Fields::lsbs`] of a field in several runs.
const MULTI_RUN: u8 = 0xff;

impl Fields {
    /// The fields of `pattern`; panics on a letter outside `A..=z` (a table bug, caught by
    /// the decoders' tests).
    fn of(pattern: &str) -> Fields {
        let mut f = Fields {
            masks: [0; LETTERS],
            widths: [0; LETTERS],
            lsbs: [0; LETTERS],
        };
        // The letters the pattern has (a row has a handful of the 58): only they need a
        // width and a low bit, the rest stay empty.
        let mut present = 0u64;
        for (i, b) in pattern_bits(pattern).enumerate() {
            if b == b'0' || b == b'1' {
                continue;
            }
            let k = b.wrapping_sub(b'A') as usize;
            assert!(k < LETTERS, "field letter {} in {pattern}", b as char);
            f.masks[k] |= 1 << (31 - i);
            present |= 1 << k;
        }
        while present != 0 {
            let k = present.trailing_zeros() as usize;
            present &= present - 1;
            let m = f.masks[k];
            let lsb = m.trailing_zeros() % 32;
            f.widths[k] = m.count_ones() as u8;
            // One run: the mask shifted down is all ones below some bit.
            let one_run = (m >> lsb) & (m >> lsb).wrapping_add(1) == 0;
            f.lsbs[k] = if one_run { lsb as u8 } else { MULTI_RUN };
        }
        f
    }

    /// The field layouts of `table`'s rows, in order, made the first time they are asked for
    /// and kept for the rest of the program, so matches can refer to them instead of copying
    /// them: one set per table, however many decoders and matches are made of it.
    fn of_table<Id>(table: &'static [Entry<Id>]) -> &'static [Fields] {
        static MADE: Mutex<BTreeMap<(usize, usize), &'static [Fields]>> =
            Mutex::new(BTreeMap::new());
        let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
        made.entry((table.as_ptr() as usize, table.len()))
            .or_insert_with(|| {
                table
                    .iter()
                    .map(|e| Fields::of(e.pattern))
                    .collect::<Vec<_>>()
                    .leak()
            })
    }

    /// Field `letter` of `word` as (value, width in bits): its bits gathered from the most
    /// significant down (a field may lie in several runs).
    fn get(&self, word: u32, letter: u8) -> (u32, u32) {
        let k = letter.wrapping_sub(b'A') as usize;
        let Some(&mask) = self.masks.get(k) else {
            return (0, 0);
        };
        let width = self.widths[k] as u32;
        // Most fields are one run: cut it out and shift it down (an absent letter has an
        // empty mask).
        if self.lsbs[k] != MULTI_RUN {
            return ((word & mask) >> self.lsbs[k], width);
        }
        let (mut v, mut m) = (0u32, mask);
        while m != 0 {
            let top = 31 - m.leading_zeros();
            // The run of ones from `top` down.
            let len = (!(m << (31 - top))).leading_zeros();
            let low = top + 1 - len;
            let run = (word >> low) & (u32::MAX >> (32 - len));
            v = ((v as u64) << len) as u32 | run;
            m &= !((u32::MAX >> (32 - len)) << low);
        }
        (v, width)
    }
}

/// A decoded instruction: the matching row and the word.
#[derive(Clone, Copy)]
pub struct Match<Id: 'static> {
    /// The table row.
    pub entry: &'static Entry<Id>,
    /// The instruction word.
    pub word: u32,
    /// Where the row's fields lie.
    fields: &'static Fields,
}

impl<Id: Copy> Match<Id> {
    /// `word` as an instance of `entry` (which it must match), outside [`Decoder::decode`].
    pub fn new(entry: &'static Entry<Id>, word: u32) -> Match<Id> {
        Match {
            entry,
            word,
            fields: &Fields::of_table(std::slice::from_ref(entry))[0],
        }
    }

    /// The identifier.
    pub fn id(&self) -> Id {
        self.entry.id
    }

    /// Field `letter`, zero-extended; 0 if the pattern has no such letter.
    pub fn f(&self, letter: char) -> u32 {
        self.field(letter).0
    }

    /// Field `letter` sign-extended from its width.
    pub fn fs(&self, letter: char) -> i64 {
        let (v, w) = self.field(letter);
        if w == 0 {
            return 0;
        }
        ((v as i64) << (64 - w)) >> (64 - w)
    }

    /// Field `letter` as (value, width in bits).
    pub fn field(&self, letter: char) -> (u32, u32) {
        if !letter.is_ascii() {
            return (0, 0);
        }
        self.fields.get(self.word, letter as u8)
    }
}

impl<Id: fmt::Debug> fmt::Debug for Match<Id> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({:?}) {:#010x}",
            self.entry.mnemonic, self.entry.id, self.word
        )
    }
}

/// A decoder row: fixed-bit mask and value, the table row and where its fields lie.
type Row<Id> = (u32, u32, &'static Entry<Id>, &'static Fields);

/// The rows of one bucket: their fixed-bit masks and values apart from the rest, so finding
/// the match reads 8 bytes per row tried.
struct Bucket<Id: 'static> {
    keys: Vec<(u32, u32)>,
    rows: Vec<(&'static Entry<Id>, &'static Fields)>,
}

/// Bits 28..21 of a word pick its bucket: the A64 and A32 top-level group fields and the
/// opcode bits below them (in a Thumb-2 word, the first halfword's bits 12..5).
const KEY_LSB: u32 = 21;
const KEY_BITS: u32 = 8;
const KEY_MASK: u32 = ((1 << KEY_BITS) - 1) << KEY_LSB;

/// A matcher built from a table: rows are tried most-specific first (most fixed bits), within
/// buckets keyed by bits 28..21 (see `KEY_LSB`): a row is in every bucket whose key its fixed
/// bits there allow.
pub struct Decoder<Id: 'static> {
    buckets: Vec<Bucket<Id>>,
    table: &'static [Entry<Id>],
}

impl<Id: Copy + 'static> Decoder<Id> {
    /// Builds a decoder; panics if a pattern is not 32 bits (a bug in the table, caught by tests).
    pub fn new(table: &'static [Entry<Id>]) -> Decoder<Id> {
        for e in table {
            assert_eq!(
                pattern_bits(e.pattern).count(),
                32,
                "pattern of {} is not 32 bits",
                e.mnemonic
            );
        }
        let mut rows: Vec<Row<Id>> = table
            .iter()
            .zip(Fields::of_table(table))
            .map(|(e, f)| {
                let (m, v) = mask_value(e.pattern);
                (m, v, e, f)
            })
            .collect();
        rows.sort_by_key(|(m, _, _, _)| std::cmp::Reverse(m.count_ones()));
        let mut buckets: Vec<Bucket<Id>> = (0..1u32 << KEY_BITS)
            .map(|_| Bucket {
                keys: Vec::new(),
                rows: Vec::new(),
            })
            .collect();
        // A row goes to every key that agrees with its fixed key bits: its fixed value with
        // any choice of the free ones (each subset of them), in order, so each bucket keeps
        // the most specific rows first.
        for &(m, v, e, f) in &rows {
            let fixed = (m & KEY_MASK) >> KEY_LSB;
            let value = (v & KEY_MASK) >> KEY_LSB;
            let free = !fixed & ((1 << KEY_BITS) - 1);
            let mut sub = 0u32;
            loop {
                let b = &mut buckets[(value | sub) as usize];
                b.keys.push((m, v));
                b.rows.push((e, f));
                // The next subset of `free`.
                sub = sub.wrapping_sub(free) & free;
                if sub == 0 {
                    break;
                }
            }
        }
        Decoder { buckets, table }
    }

    /// The row matching `word`, if any.
    pub fn decode(&self, word: u32) -> Option<Match<Id>> {
        let bucket = &self.buckets[((word & KEY_MASK) >> KEY_LSB) as usize];
        let i = bucket.keys.iter().position(|&(m, v)| word & m == v)?;
        let (entry, fields) = bucket.rows[i];
        Some(Match {
            entry,
            word,
            fields,
        })
    }

    /// The table this decoder was built from.
    pub fn table(&self) -> &'static [Entry<Id>] {
        self.table
    }

    /// A word matching `entry`'s pattern with its free bits drawn from `rand` (a caller-supplied
    /// random source), or `None` if the drawn word decodes to a more specific row instead.
    pub fn random_word(&self, entry: &'static Entry<Id>, rand: u32) -> Option<u32>
    where
        Id: PartialEq,
    {
        let (m, v) = mask_value(entry.pattern);
        let w = v | (rand & !m);
        match self.decode(w) {
            Some(hit) if std::ptr::eq(hit.entry, entry) => Some(w),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls the generic function `$check` on every decode table of the crate.
    macro_rules! every_table {
        ($check:ident) => {
            $check(a64_base::A64_BASE);
            $check(a64_simd::A64_SIMD);
            $check(a32::A32_TABLE);
            $check(t16::T16_TABLE);
            $check(t32::T32_TABLE);
            $check(vfp::VFP_TABLE);
            $check(neon::NEON_TABLE);
        };
    }

    /// The next number of a xorshift sequence kept in `x`.
    fn xorshift(x: &mut u32) -> u32 {
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        *x
    }

    /// Every field of every row of every table, read from the precomputed layout, equals the
    /// bits of its letters gathered from the pattern text one by one.
    #[test]
    fn fields_match_the_pattern_text() {
        fn check<Id: Copy + 'static>(table: &'static [Entry<Id>]) {
            let mut x = 0x9e37_79b9u32;
            for e in table {
                let letters: Vec<u8> = pattern_bits(e.pattern)
                    .filter(|b| *b != b'0' && *b != b'1')
                    .collect();
                for _ in 0..8 {
                    let word = xorshift(&mut x);
                    let m = Match::new(e, word);
                    for &l in &letters {
                        let (mut v, mut w) = (0u32, 0u32);
                        for (i, b) in pattern_bits(e.pattern).enumerate() {
                            if b == l {
                                v = v << 1 | (word >> (31 - i)) & 1;
                                w += 1;
                            }
                        }
                        assert_eq!(m.field(l as char), (v, w), "{} {}", e.pattern, l as char);
                    }
                    assert_eq!(m.field('?'), (0, 0));
                }
            }
        }
        every_table!(check);
        check(TEST);
    }

    decode_table! {
        TestId, TEST,
        Wide = "wide", "0000 aaaa bbbb cccc dddd xxxx xxxx xxxx", DpImm;
        Narrow = "narrow", "0000 1111 bbbb cccc dddd xxxx xxxx xxxx", DpImm;
    }

    #[test]
    fn most_specific_wins_and_fields_extract() {
        let d = Decoder::new(TEST);
        let m = d.decode(0x0f12_3000).unwrap();
        assert_eq!(m.id(), TestId::Narrow);
        let m = d.decode(0x0512_3000).unwrap();
        assert_eq!(m.id(), TestId::Wide);
        assert_eq!(m.f('a'), 5);
        assert_eq!(m.f('b'), 1);
        assert_eq!(m.fs('c'), 2);
        assert_eq!(m.f('d'), 3);
        assert!(d.decode(0x8000_0000).is_none());
        assert_eq!(d.random_word(&TEST[0], 0xffff_ffff), None);
        assert_eq!(d.random_word(&TEST[0], 0x0100_0000), Some(0x0100_0000));
    }

    /// The bucketed decoder finds, for any word, the row a scan of the whole table finds:
    /// the first matching one of those with the most fixed bits. Words are random, and each
    /// row's own pattern with random free bits, so every row is tried.
    #[test]
    fn buckets_decode_as_a_scan_of_the_table() {
        fn check<Id: Copy + 'static>(table: &'static [Entry<Id>]) {
            let d = Decoder::new(table);
            let scan = |w: u32| {
                let mut best: Option<(u32, &Entry<Id>)> = None;
                for e in table {
                    let (m, v) = mask_value(e.pattern);
                    if w & m == v && best.is_none_or(|(bm, _)| m.count_ones() > bm) {
                        best = Some((m.count_ones(), e));
                    }
                }
                best.map(|(_, e)| e as *const Entry<Id>)
            };
            let mut x = 0x2545_f491u32;
            for e in table {
                let (m, v) = mask_value(e.pattern);
                for _ in 0..4 {
                    for w in [xorshift(&mut x), v | (xorshift(&mut x) & !m)] {
                        let got = d.decode(w).map(|h| h.entry as *const Entry<Id>);
                        assert_eq!(got, scan(w), "{w:#010x}");
                    }
                }
            }
        }
        every_table!(check);
    }
}
