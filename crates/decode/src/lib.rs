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

use std::fmt;

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
    /// The pattern's fixed-bit mask and value (see [`mask_value`]).
    mask: u32,
    value: u32,
    /// Where the pattern's fields lie.
    fields: Fields,
}

impl<Id> Entry<Id> {
    /// A row. [`decode_table!`] makes its rows with this in a `static`, so the mask, value and
    /// field layout are worked out from the pattern when the table is compiled (nothing is
    /// left for start-up), and a pattern that is not 32 bits or has a field letter outside
    /// `A..=z` fails the build.
    pub const fn new(id: Id, mnemonic: &'static str, pattern: &'static str, class: Class) -> Self {
        assert!(
            pattern_len(pattern) == 32,
            "a decode pattern is not 32 bits"
        );
        let (mask, value) = mask_value(pattern);
        Entry {
            id,
            mnemonic,
            pattern,
            class,
            mask,
            value,
            fields: Fields::of(pattern),
        }
    }
}

/// Declares a decode table: an identifier enum and a static slice of [`Entry`] rows (made at
/// compile time: see [`Entry::new`]).
#[macro_export]
macro_rules! decode_table {
    ($(#[$m:meta])* $idty:ident, $table:ident, $( $id:ident = $mn:literal, $pat:literal, $class:ident; )*) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum $idty { $( $id, )* }

        /// The table rows, in declaration order.
        pub static $table: &[$crate::Entry<$idty>] = &[
            $( $crate::Entry::new($idty::$id, $mn, $pat, $crate::Class::$class), )*
        ];
    };
}

/// Whether pattern byte `b` is a bit (not a space or an underscore).
const fn is_bit(b: u8) -> bool {
    b != b' ' && b != b'_'
}

/// Number of bits of a pattern.
const fn pattern_len(pattern: &str) -> usize {
    let b = pattern.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        n += is_bit(b[i]) as usize;
        i += 1;
    }
    n
}

/// The first 32 bits of a pattern, most significant first (`x`, an ignored bit, for those a
/// short pattern lacks).
const fn bits(pattern: &str) -> [u8; 32] {
    let b = pattern.as_bytes();
    let mut bits = [b'x'; 32];
    let (mut i, mut n) = (0, 0);
    while i < b.len() && n < 32 {
        if is_bit(b[i]) {
            bits[n] = b[i];
            n += 1;
        }
        i += 1;
    }
    bits
}

/// Fixed-bit mask and value of a pattern (of its first 32 bits).
pub const fn mask_value(pattern: &str) -> (u32, u32) {
    let bits = bits(pattern);
    let (mut mask, mut value) = (0u32, 0u32);
    let mut n = 0;
    while n < 32 {
        let bit = 1 << (31 - n);
        if bits[n] == b'0' || bits[n] == b'1' {
            mask |= bit;
        }
        if bits[n] == b'1' {
            value |= bit;
        }
        n += 1;
    }
    (mask, value)
}

/// Field letters are ASCII `A` to `z`: [`Fields`] is indexed by `letter - b'A'`.
const LETTERS: usize = (b'z' - b'A' + 1) as usize;

/// Where the fields of a pattern lie: the mask of each letter's bits, indexed by letter, so
/// reading a field is an index, a mask and a shift (a field's width and lowest bit follow from
/// its mask). Worked out from the pattern when its table is compiled (see [`Entry::new`]).
#[derive(Debug)]
pub struct Fields {
    masks: [u32; LETTERS],
    /// Bit `k`: letter `k`'s bits lie in more than one run, to be gathered one run at a time
    /// (rare; the lifters read every field of every instruction they lift, and telling a
    /// single run from its mask at each read took a tenth of a lift).
    split: u64,
}

impl Fields {
    /// The fields of `pattern` (of its first 32 bits); a letter outside `A..=z` fails the
    /// build of a table (or panics at run time).
    const fn of(pattern: &str) -> Fields {
        let mut masks = [0u32; LETTERS];
        let bits = bits(pattern);
        let mut n = 0;
        while n < 32 {
            let c = bits[n];
            if c != b'0' && c != b'1' {
                let k = c.wrapping_sub(b'A') as usize;
                assert!(
                    k < LETTERS,
                    "a decode pattern has a field letter outside A..=z"
                );
                masks[k] |= 1 << (31 - n);
            }
            n += 1;
        }
        let mut split = 0u64;
        let mut k = 0;
        while k < LETTERS {
            // One run: the mask shifted down to bit 0 is all ones up to some bit.
            let low = masks[k] >> (masks[k].trailing_zeros() % 32);
            if low & low.wrapping_add(1) != 0 {
                split |= 1 << k;
            }
            k += 1;
        }
        Fields { masks, split }
    }

    /// Field `letter` of `word`: its bits gathered from the most significant down; 0 for a
    /// letter the pattern lacks (an empty mask).
    fn value(&self, word: u32, letter: u8) -> u32 {
        let k = letter.wrapping_sub(b'A') as usize;
        let Some(&mask) = self.masks.get(k) else {
            return 0;
        };
        if self.split >> k & 1 == 0 {
            return (word & mask) >> (mask.trailing_zeros() % 32);
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
        v
    }

    /// Field `letter` of `word` as (value, width in bits) (see [`Fields::value`]).
    fn get(&self, word: u32, letter: u8) -> (u32, u32) {
        let k = letter.wrapping_sub(b'A') as usize;
        let width = self.masks.get(k).map_or(0, |m| m.count_ones());
        (self.value(word, letter), width)
    }
}

/// A decoded instruction: the matching row and the word.
#[derive(Clone, Copy)]
pub struct Match<Id: 'static> {
    /// The table row.
    pub entry: &'static Entry<Id>,
    /// The instruction word.
    pub word: u32,
}

impl<Id: Copy> Match<Id> {
    /// `word` as an instance of `entry` (which it must match), outside [`Decoder::decode`].
    pub fn new(entry: &'static Entry<Id>, word: u32) -> Match<Id> {
        Match { entry, word }
    }

    /// The identifier.
    pub fn id(&self) -> Id {
        self.entry.id
    }

    /// Field `letter`, zero-extended; 0 if the pattern has no such letter.
    pub fn f(&self, letter: char) -> u32 {
        if !letter.is_ascii() {
            return 0;
        }
        self.entry.fields.value(self.word, letter as u8)
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
        self.entry.fields.get(self.word, letter as u8)
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

/// Where a table's rows differ most: the eight bits of a word, from bit [`KeyWindow::KEY`],
/// that pick its [`Decoder`] bucket (the fewer rows a bucket holds, the fewer a decode tries).
/// Each table's instruction type names it; a test checks that no other window of the word
/// spreads the rows better.
pub trait KeyWindow {
    /// The lowest bit of the window.
    const KEY: u32;
}

/// The width of a bucket key.
const KEY_BITS: u32 = 8;
/// Number of buckets.
const BUCKETS: usize = 1 << KEY_BITS;

/// A matcher built from a table: rows are tried most-specific first (most fixed bits), within
/// buckets keyed by eight bits of the word (the table's [`KeyWindow`]): a row is in every
/// bucket whose key its fixed bits there allow. The buckets lie end to end in two arrays (fixed-bit masks
/// and values apart from the rows, so finding the match reads 8 bytes per row tried), made
/// in two passes with no growing.
pub struct Decoder<Id: 'static> {
    /// Bucket `k` is `starts[k]..starts[k + 1]` of `keys` and `rows`.
    starts: [u32; BUCKETS + 1],
    keys: Box<[(u32, u32)]>,
    rows: Box<[&'static Entry<Id>]>,
    table: &'static [Entry<Id>],
    /// The lowest bit of the key.
    key: u32,
}

/// Calls `f` with every bucket (key bits from bit `key`) a row with fixed-bit mask `m` and
/// value `v` belongs to: its fixed key bits with any choice of the free ones (each subset of
/// them), in order.
fn for_each_bucket(key: u32, m: u32, v: u32, mut f: impl FnMut(usize)) {
    let fixed = (m >> key) & ((1 << KEY_BITS) - 1);
    let value = (v >> key) & ((1 << KEY_BITS) - 1);
    let free = !fixed & ((1 << KEY_BITS) - 1);
    let mut sub = 0u32;
    loop {
        f((value | sub) as usize);
        // The next subset of `free`.
        sub = sub.wrapping_sub(free) & free;
        if sub == 0 {
            break;
        }
    }
}

impl<Id: Copy + 'static> Decoder<Id> {
    /// Builds a decoder (the rows' patterns were checked when the table was compiled).
    pub fn new(table: &'static [Entry<Id>]) -> Decoder<Id>
    where
        Id: KeyWindow,
    {
        let key = Id::KEY;
        assert!(key + KEY_BITS <= 32, "key window past bit 31");
        // Most fixed bits first; a stable sort keeps table order among equals.
        let mut order: Vec<&'static Entry<Id>> = table.iter().collect();
        order.sort_by_key(|e| std::cmp::Reverse(e.mask.count_ones()));
        let mut starts = [0u32; BUCKETS + 1];
        for e in &order {
            for_each_bucket(key, e.mask, e.value, |k| starts[k + 1] += 1);
        }
        for k in 0..BUCKETS {
            starts[k + 1] += starts[k];
        }
        let total = starts[BUCKETS] as usize;
        let mut keys = vec![(0, 0); total];
        let mut rows: Vec<&'static Entry<Id>> = match order.first() {
            Some(&e) => vec![e; total],
            None => Vec::new(),
        };
        // Each bucket fills in order, so it keeps the most specific rows first.
        let mut next = starts;
        for &e in &order {
            for_each_bucket(key, e.mask, e.value, |k| {
                let at = next[k] as usize;
                next[k] += 1;
                keys[at] = (e.mask, e.value);
                rows[at] = e;
            });
        }
        Decoder {
            starts,
            keys: keys.into_boxed_slice(),
            rows: rows.into_boxed_slice(),
            table,
            key,
        }
    }

    /// The row matching `word`, if any.
    pub fn decode(&self, word: u32) -> Option<Match<Id>> {
        let k = ((word >> self.key) & ((1 << KEY_BITS) - 1)) as usize;
        let (lo, hi) = (self.starts[k] as usize, self.starts[k + 1] as usize);
        let i = self.keys[lo..hi].iter().position(|&(m, v)| word & m == v)?;
        Some(Match {
            entry: self.rows[lo + i],
            word,
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
        let w = entry.value | (rand & !entry.mask);
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

    /// Bits of a pattern, after removing spaces and underscores.
    fn pattern_bits(p: &str) -> impl Iterator<Item = u8> + '_ {
        p.bytes().filter(|b| *b != b' ' && *b != b'_')
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

    /// Rows a decode of a random word tries at most, on average over the words, with the
    /// table's buckets keyed from bit `key`: a bucket's rows weighted by how many rows share it
    /// (the sum of the squared bucket sizes over the rows placed).
    fn rows_per_decode<Id>(table: &[Entry<Id>], key: u32) -> f64 {
        let mut sizes = [0u64; BUCKETS];
        for e in table {
            for_each_bucket(key, e.mask, e.value, |k| sizes[k] += 1);
        }
        let placed: u64 = sizes.iter().sum();
        sizes.iter().map(|s| s * s).sum::<u64>() as f64 / placed as f64
    }

    /// Each table's key window spreads its rows over the buckets as well as any other
    /// window of the word does (within a tenth): the T16 table, keyed by bits 28..21 as the
    /// A64 ones are (its halfword's bits 12..5), put 7.3 rows in a bucket, by its opcode bits
    /// 15..8 1.3.
    #[test]
    fn every_table_is_keyed_where_its_rows_differ_most() {
        fn check<Id: KeyWindow>(table: &[Entry<Id>]) {
            let mine = rows_per_decode(table, Id::KEY);
            for key in 0..=32 - KEY_BITS {
                let other = rows_per_decode(table, key);
                assert!(
                    mine <= other * 1.1,
                    "key {} ({mine:.1}) vs {key} ({other:.1})",
                    Id::KEY
                );
            }
        }
        every_table!(check);
    }

    decode_table! {
        TestId, TEST,
        Wide = "wide", "0000 aaaa bbbb cccc dddd xxxx xxxx xxxx", DpImm;
        Narrow = "narrow", "0000 1111 bbbb cccc dddd xxxx xxxx xxxx", DpImm;
    }

    impl KeyWindow for TestId {
        const KEY: u32 = 21;
    }

    /// The checks `decode_table!` runs at compile time, run here at run time (the same `const
    /// fn`): a pattern that is not 32 bits, or has a letter outside `A..=z`, is refused.
    #[test]
    fn entry_new_refuses_bad_patterns() {
        let make =
            |p: &'static str| std::panic::catch_unwind(|| Entry::new((), "t", p, Class::DpImm));
        let e = make("0000 1111 aaaa bbbb xxxx xxxx xxxx xxx1").unwrap();
        assert_eq!((e.mask, e.value), (0xff00_0001, 0x0f00_0001));
        assert_eq!(e.fields.get(0x00ab_0000, b'a'), (0xa, 4));
        assert!(
            make("0000 1111 aaaa bbbb xxxx xxxx xxxx xxx").is_err(),
            "31 bits"
        );
        assert!(
            make("0000 1111 aaaa bbbb xxxx xxxx xxxx xxx11").is_err(),
            "33 bits"
        );
        assert!(
            make("0000 1111 aaaa bbbb xxxx xxxx xxxx xxx{").is_err(),
            "letter {{"
        );
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
        fn check<Id: Copy + KeyWindow + 'static>(table: &'static [Entry<Id>]) {
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
