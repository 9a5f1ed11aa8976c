//! Drawing random 32-bit instructions of one [`Class`] from the A32, T16, T32 and VFP decode
//! tables, with fields rewritten so that the instruction is safe to run inside a test block.
//!
//! Every drawn instruction keeps away from SP and PC (no branches, no changes to the harness's
//! stack pointer, no PC-relative UNPREDICTABLE forms), avoids the CONSTRAINED UNPREDICTABLE
//! register combinations the ARM ARM lists for it (RdHi = RdLo, bitfields past bit 31, CMP of
//! two low registers in the high-register form, VMOV to the same two core registers, ...), and
//! in memory classes addresses the scratch buffer through [`BASE_REG`] with small aligned
//! offsets or the word-aligned index in [`INDEX_REG`].

use crate::draw::{draw_pattern, get_field, set_field};
use crate::rng::Rng;
use decode::a32::A32_TABLE;
use decode::neon::NEON_TABLE;
use decode::t16::T16_TABLE;
use decode::t32::T32_TABLE;
use decode::vfp::VFP_TABLE;
use decode::{Class as DClass, Decoder, Entry};

/// Register holding the scratch-buffer pointer in memory classes (a low register, so T16
/// loads and stores can use it).
pub const BASE_REG: u32 = 6;
/// Register holding a word-aligned offset (0..=16) used as the index of register-offset
/// accesses.
pub const INDEX_REG: u32 = 7;

/// Which decode table a row comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Set {
    /// `decode::a32`.
    A32,
    /// `decode::t16` (patterns hold the halfword in bits 31..16).
    T16,
    /// `decode::t32`.
    T32,
    /// `decode::vfp` (patterns are A32 words; in Thumb state bits 31..28 become 1110).
    Vfp,
    /// `decode::neon` (patterns are A32 words; Thumb state uses the T32 top byte).
    Neon,
}

/// A test class: an instruction set and a group of its decode rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A32 data processing (immediate, register, register-shifted register, moves, extends,
    /// bitfields, byte reversal, MRS/MSR of the APSR), without multiplies.
    A32Dp,
    /// A32 multiplies, divides, and the ARMv6 media and saturating instructions.
    A32Media,
    /// A32 loads and stores (single, halfword/dual, multiple).
    A32Mem,
    /// T16 data processing.
    T16Dp,
    /// T16 loads and stores.
    T16Mem,
    /// T32 data processing, multiplies, media and saturating instructions, MRS/MSR.
    T32Dp,
    /// T32 loads and stores.
    T32Mem,
    /// VFP data processing and register moves, A32 encoding (any condition).
    VfpA32,
    /// VFP data processing and register moves, T32 encoding.
    VfpT32,
    /// VFP loads and stores, A32 encoding.
    VfpMemA32,
    /// VFP loads and stores, T32 encoding.
    VfpMemT32,
    /// Thumb IT blocks: an `IT` and the one to four T16/T32 data-processing, VFP or Advanced
    /// SIMD data-processing instructions it makes conditional.
    ThumbIt,
    /// Thumb IT blocks of T16/T32 loads and stores (conditional memory accesses).
    ThumbItMem,
    /// A32 load/store exclusives (one access size per block).
    A32Excl,
    /// T32 load/store exclusives (one access size per block).
    T32Excl,
    /// Advanced SIMD data processing (with the crypto instructions), A32 encoding.
    NeonA32,
    /// Advanced SIMD data processing, T32 encoding.
    NeonT32,
    /// Advanced SIMD element and structure loads and stores, A32 encoding.
    NeonMemA32,
    /// Advanced SIMD element and structure loads and stores, T32 encoding.
    NeonMemT32,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 19] = [
        Class::A32Dp,
        Class::A32Media,
        Class::A32Mem,
        Class::T16Dp,
        Class::T16Mem,
        Class::T32Dp,
        Class::T32Mem,
        Class::VfpA32,
        Class::VfpT32,
        Class::VfpMemA32,
        Class::VfpMemT32,
        Class::ThumbIt,
        Class::ThumbItMem,
        Class::A32Excl,
        Class::T32Excl,
        Class::NeonA32,
        Class::NeonT32,
        Class::NeonMemA32,
        Class::NeonMemT32,
    ];

    /// The block runs in Thumb state.
    pub fn thumb(self) -> bool {
        !matches!(
            self,
            Class::A32Dp
                | Class::A32Media
                | Class::A32Mem
                | Class::VfpA32
                | Class::VfpMemA32
                | Class::A32Excl
                | Class::NeonA32
                | Class::NeonMemA32
        )
    }

    /// The class's blocks are an IT instruction and the instructions it covers.
    pub fn it(self) -> bool {
        matches!(self, Class::ThumbIt | Class::ThumbItMem)
    }

    /// The class accesses memory (its blocks get a scratch buffer).
    pub fn memory(self) -> bool {
        matches!(
            self,
            Class::A32Mem
                | Class::T16Mem
                | Class::T32Mem
                | Class::VfpMemA32
                | Class::VfpMemT32
                | Class::A32Excl
                | Class::T32Excl
                | Class::ThumbItMem
                | Class::NeonMemA32
                | Class::NeonMemT32
        )
    }

    /// Whether a row of `set` in decode class `c` named `mnemonic` belongs to this class.
    fn takes(self, set: Set, c: DClass, mnemonic: &str) -> bool {
        // Data processing, with the APSR moves (MRS, MSR) of the System rows.
        let dp = matches!(c, DClass::DpImm | DClass::DpReg)
            || c == DClass::System && matches!(mnemonic, "mrs" | "msr");
        match (self, set) {
            (Class::A32Dp, Set::A32) => dp && !is_multiply(mnemonic),
            (Class::A32Media, Set::A32) => c == DClass::Media || dp && is_multiply(mnemonic),
            (Class::T16Dp | Class::ThumbIt, Set::T16) => dp,
            (Class::T32Dp | Class::ThumbIt, Set::T32) => dp || c == DClass::Media,
            (Class::A32Mem, Set::A32)
            | (Class::T16Mem | Class::ThumbItMem, Set::T16)
            | (Class::T32Mem | Class::ThumbItMem, Set::T32) => c == DClass::LoadStore,
            (Class::VfpA32 | Class::VfpT32 | Class::ThumbIt, Set::Vfp) => c == DClass::Fp,
            (Class::VfpMemA32 | Class::VfpMemT32, Set::Vfp) => c == DClass::LoadStoreSimd,
            (Class::A32Excl, Set::A32) | (Class::T32Excl, Set::T32) => c == DClass::Exclusive,
            (Class::NeonA32 | Class::NeonT32 | Class::ThumbIt, Set::Neon) => {
                matches!(c, DClass::Simd | DClass::Crypto)
            }
            (Class::NeonMemA32 | Class::NeonMemT32, Set::Neon) => c == DClass::LoadStoreSimd,
            _ => false,
        }
    }
}

/// Multiplies, multiply-accumulates and divides (the A32 table files them under DpReg).
fn is_multiply(m: &str) -> bool {
    m.contains("mul")
        || m.contains("ml")
        || m.starts_with("smu")
        || m.ends_with("div")
        || m == "umaal"
}

/// Rows never drawn, by table and row identifier, with the reason.
const LEFT_OUT: &[(Set, &str, &str)] = &[
    (Set::A32, "Push", "moves SP, which the harness keeps"),
    (Set::A32, "Pop", "moves SP"),
    (Set::A32, "Push1", "moves SP"),
    (Set::A32, "Pop1", "moves SP"),
    (Set::T32, "Push", "moves SP"),
    (Set::T32, "Pop", "moves SP"),
    (
        Set::A32,
        "Swp",
        "removed in ARMv8: qemu's max CPU has no SWP",
    ),
    (Set::A32, "Swpb", "removed in ARMv8"),
    (Set::T16, "Push", "moves SP"),
    (Set::T16, "Pop", "moves SP"),
    (Set::T16, "AddSpSp", "moves SP"),
    (Set::T16, "SubSpSp", "moves SP"),
    (
        Set::T16,
        "AddSpImm",
        "reads SP, whose value differs between emulators",
    ),
    (Set::T16, "LdrSp", "addresses the stack through SP"),
    (Set::T16, "StrSp", "addresses the stack through SP"),
    (
        Set::Vfp,
        "Vmsr",
        "a random FPSCR would set Len/Stride or trap enables (UNPREDICTABLE or absent in \
         ARMv8); the prologue's VMSR covers FPSCR writes",
    ),
];

/// One decode row the generator draws from.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// Source table.
    pub set: Set,
    /// Row identifier (the table's enum variant name).
    pub id: &'static str,
    /// Mnemonic.
    pub mnemonic: &'static str,
    /// Bit pattern.
    pub pattern: &'static str,
}

/// The row identifier names of a table, in table order.
fn ids<Id: std::fmt::Debug>(table: &'static [Entry<Id>]) -> Vec<&'static str> {
    // The names are computed once per generator; leaking them gives the rows 'static names.
    table
        .iter()
        .map(|e| &*Box::leak(format!("{:?}", e.id).into_boxed_str()))
        .collect()
}

/// Generator state: the four decoders and the rows of every table.
pub struct Draw {
    a32: Decoder<decode::a32::A32>,
    t16: Decoder<decode::t16::T16>,
    t32: Decoder<decode::t32::T32>,
    vfp: Decoder<decode::vfp::Vfp>,
    neon: Decoder<decode::neon::Neon>,
    rows: Vec<(Row, DClass)>,
}

impl Default for Draw {
    fn default() -> Self {
        Draw::new()
    }
}

/// A register other than SP and PC.
fn any_reg(rng: &mut Rng) -> u32 {
    const R: [u32; 14] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14];
    R[rng.below(R.len() as u64) as usize]
}

/// Bit positions of field `letter` in `pattern` (how wide it is).
fn width(pattern: &str, letter: u8) -> usize {
    pattern
        .bytes()
        .filter(|b| *b != b' ' && *b != b'_')
        .filter(|b| *b == letter)
        .count()
}

impl Draw {
    /// Builds the decoders and row lists.
    pub fn new() -> Draw {
        let mut rows = Vec::new();
        let mut add = |set: Set,
                       names: Vec<&'static str>,
                       table: Vec<(&'static str, &'static str, DClass)>| {
            for (id, (mnemonic, pattern, c)) in names.into_iter().zip(table) {
                if !LEFT_OUT.iter().any(|(s, i, _)| *s == set && *i == id) {
                    rows.push((
                        Row {
                            set,
                            id,
                            mnemonic,
                            pattern,
                        },
                        c,
                    ));
                }
            }
        };
        fn plain<Id>(t: &'static [Entry<Id>]) -> Vec<(&'static str, &'static str, DClass)> {
            t.iter().map(|e| (e.mnemonic, e.pattern, e.class)).collect()
        }
        add(Set::A32, ids(A32_TABLE), plain(A32_TABLE));
        add(Set::T16, ids(T16_TABLE), plain(T16_TABLE));
        add(Set::T32, ids(T32_TABLE), plain(T32_TABLE));
        add(Set::Vfp, ids(VFP_TABLE), plain(VFP_TABLE));
        add(Set::Neon, ids(NEON_TABLE), plain(NEON_TABLE));
        Draw {
            a32: Decoder::new(A32_TABLE),
            t16: Decoder::new(T16_TABLE),
            t32: Decoder::new(T32_TABLE),
            vfp: Decoder::new(VFP_TABLE),
            neon: Decoder::new(NEON_TABLE),
            rows,
        }
    }

    /// The rows `class` draws from (for the IT class: those of the instructions it covers,
    /// without those UNPREDICTABLE in an IT block: MOVS Rd, Rm and the unconditional ARMv8
    /// VFP rows).
    pub fn rows(&self, class: Class) -> Vec<Row> {
        let in_it = |r: &Row| r.id != "MovReg2" && !r.pattern.starts_with("1111 1110");
        self.rows
            .iter()
            .filter(|(r, c)| class.takes(r.set, *c, r.mnemonic))
            .filter(|(r, _)| !class.it() || in_it(r))
            .map(|(r, _)| *r)
            .collect()
    }

    /// The pattern of the row `w` (a pattern-form word of `set`) decodes to.
    fn decoded(&self, set: Set, w: u32) -> Option<&'static str> {
        match set {
            Set::A32 => self.a32.decode(w).map(|m| m.entry.pattern),
            Set::T16 => self.t16.decode(w).map(|m| m.entry.pattern),
            Set::T32 => self.t32.decode(w).map(|m| m.entry.pattern),
            Set::Vfp => self.vfp.decode(w).map(|m| m.entry.pattern),
            Set::Neon => decode::neon::decode(&self.neon, w).map(|m| m.entry.pattern),
        }
    }

    /// A random instruction of `row` as the block holds it (an A32 word, a T16 halfword, a
    /// T32 pair; VFP rows in Thumb state as T32 pairs), or `None` if the draws kept landing on
    /// other rows.
    pub fn draw(&self, row: &Row, thumb: bool, memory: bool, rng: &mut Rng) -> Option<u32> {
        let conditional = matches!(row.pattern.get(..4), Some("cccc" | "kkkk"));
        let w = draw_pattern(
            row.pattern,
            rng,
            |w, rng| {
                let w = if memory {
                    mem_fields(row, w, rng)
                } else {
                    reg_fields(row, w, rng)
                };
                constrain(row, w, rng)
            },
            // A condition field of 1111 selects the unconditional space (Advanced SIMD and
            // others), which these rows' patterns do not exclude.
            |w| self.decoded(row.set, w) == Some(row.pattern) && !(conditional && w >> 28 == 0xf),
        )?;
        Some(match row.set {
            Set::T16 => w >> 16,
            // T32 VFP and VDUP (core): the A32 condition field reads 1110; the unconditional
            // rows stay.
            Set::Vfp | Set::Neon if thumb && conditional => w & 0x0fff_ffff | 0xe000_0000,
            Set::Neon if thumb => decode_neon_t32(w),
            _ => w,
        })
    }

    /// The instructions of one block of `class`: `n` drawn instructions that `keep` accepts
    /// (for the IT classes, an IT instruction and the 1..=4 it covers instead).
    pub fn block(
        &self,
        class: Class,
        rows: &[Row],
        n: usize,
        rng: &mut Rng,
        keep: &dyn Fn(u32) -> bool,
    ) -> Vec<u32> {
        let covered = if class.it() {
            1 + rng.below(4) as usize
        } else {
            n
        };
        let mut words = Vec::new();
        if class.it() {
            // IT with firstcond EQ..LE (AL with an else, and 1111, are UNPREDICTABLE); the
            // mask's bits above its lowest set bit choose then/else for instructions 2..4.
            let first = rng.below(14) as u32;
            let low = 1u32 << (4 - covered);
            let mask = (rng.next_u32() & 0xf & !(2 * low - 1)) | low;
            words.push(0xbf00 | first << 4 | mask);
        }
        // Exclusives of a block share one size: a store-exclusive of another size than the
        // load that armed the monitor is CONSTRAINED UNPREDICTABLE.
        let mut size = None;
        while words.len() < covered + (class.it()) as usize {
            let row = &rows[rng.below(rows.len() as u64) as usize];
            let Some(w) = self.draw(row, class.thumb(), class.memory(), rng) else {
                continue;
            };
            if let Some(s) = exclusive_size(row, w)
                && *size.get_or_insert(s) != s
            {
                continue;
            }
            if keep(w) {
                words.push(w);
            }
        }
        words
    }
}

/// The T32 form of an A32 Advanced SIMD word: data processing `1111 001U` becomes
/// `111U 1111`, element and structure loads and stores `1111 0100` become `1111 1001` (the
/// inverse of `decode::neon::to_a32`).
fn decode_neon_t32(w: u32) -> u32 {
    if w >> 24 == 0xf4 {
        return w & 0x00ff_ffff | 0xf900_0000;
    }
    w & 0x00ff_ffff | 0xef00_0000 | (w >> 24 & 1) << 28
}

/// LDREX/STREX and their byte, halfword and doubleword forms.
fn is_exclusive(row: &Row) -> bool {
    matches!(row.set, Set::A32 | Set::T32)
        && (row.mnemonic.starts_with("ldrex") || row.mnemonic.starts_with("strex"))
}

/// The access size code of an exclusive (its table's own encoding of it), `None` for other
/// rows: A32 bits 22..21; T32 word forms 0b100, the others bits 5..4.
fn exclusive_size(row: &Row, w: u32) -> Option<u32> {
    if !is_exclusive(row) {
        return None;
    }
    Some(match row.set {
        Set::T32 if w >> 21 == 0x742 => 0b100,
        Set::T32 => w >> 4 & 3,
        _ => w >> 21 & 3,
    })
}

/// Register letters of each table (4-bit core register fields; T16's are 3-bit low registers
/// except the high-register forms, handled in [`constrain`]).
fn reg_letters(set: Set) -> &'static [u8] {
    match set {
        Set::A32 => b"dnmstaHL",
        Set::T32 => b"dnmtaTHL",
        Set::T16 => b"m",
        Set::Vfp => b"tT",
        Set::Neon => b"t",
    }
}

/// Non-memory classes: core register fields naming SP or PC get another register (VMRS may
/// keep Rt = PC, its APSR_nzcv form).
fn reg_fields(row: &Row, mut w: u32, rng: &mut Rng) -> u32 {
    let p = row.pattern;
    for &l in reg_letters(row.set) {
        if width(p, l) != 4 {
            continue;
        }
        let v = get_field(p, w, l).unwrap_or(0);
        if v == 13 || (v == 15 && row.id != "Vmrs") {
            w = set_field(p, w, l, any_reg(rng));
        }
    }
    w
}

/// Memory classes: the base is [`BASE_REG`], register offsets use [`INDEX_REG`], data
/// registers are distinct and neither of those nor SP/PC, immediates are small and aligned,
/// register lists stay within the allowed registers.
fn mem_fields(row: &Row, mut w: u32, rng: &mut Rng) -> u32 {
    let p = row.pattern;
    let (set, id) = (row.set, row.id);
    w = set_field(p, w, b'n', BASE_REG);
    w = set_field(p, w, b'm', INDEX_REG);
    let low = set == Set::T16;
    let free = |rng: &mut Rng, used: &[u32]| loop {
        let r = if low {
            rng.below(8) as u32
        } else {
            any_reg(rng)
        };
        if r != BASE_REG && r != INDEX_REG && !used.contains(&r) {
            break r;
        }
    };
    let exclusive = is_exclusive(row);
    let dual = matches!(row.mnemonic, "ldrd" | "strd" | "ldrexd" | "strexd");
    let mut used = Vec::new();
    if matches!(set, Set::A32 | Set::T16 | Set::T32) {
        // Data registers, and the status register of store-exclusives (which may not be a
        // data or base register either).
        let letters: &[u8] = if exclusive { b"tTd" } else { b"tT" };
        for &l in letters {
            if width(p, l) == 0 {
                continue;
            }
            // A32 LDRD/STRD/LDREXD/STREXD: an even Rt whose pair Rt+1 is free too (R12/R13
            // and R14/PC are not pairs).
            let r = if set == Set::A32 && dual && l == b't' {
                [0, 2, 4, 8, 10][rng.below(5) as usize]
            } else {
                free(rng, &used)
            };
            used.push(r);
            if set == Set::A32 && dual && l == b't' {
                used.push(r + 1);
            }
            w = set_field(p, w, l, r);
        }
    }
    let small = rng.below(16) as u32;
    // Single loads and stores may be unaligned (ARMv7 with SCTLR.A clear, as Linux runs user
    // code) when they leave the base alone; with writeback an unaligned base would make later
    // LDM/LDRD/VLDR fault.
    let wback = get_field(p, w, b'p') == Some(0) || get_field(p, w, b'w') == Some(1);
    let single = if dual || wback {
        4 * small
    } else {
        rng.below(64) as u32
    };
    let imm = match (set, width(p, b'i')) {
        (Set::A32, 12 | 8) => Some(single),
        (Set::A32, 5) => {
            w = set_field(p, w, b'h', 0); // LSL by 0..2 of the index
            Some(small % 3)
        }
        (Set::T32, 12) => Some(single),
        (Set::T32, 8) if exclusive => Some(0), // one address for the monitor
        (Set::T32, 8) if dual => Some(small),  // scaled by 4
        (Set::T32, 8) => Some(single),
        (Set::Vfp, 8) => Some(small), // VLDR/VSTR: scaled by 4
        _ => None,
    };
    if let Some(i) = imm {
        w = set_field(p, w, b'i', i);
    }
    if width(p, b'R') > 0 {
        w = reg_list(row, w, rng);
    }
    if set == Set::Vfp && (id.starts_with("Vldm") || id.starts_with("Vstm")) {
        w = vfp_list(p, w, rng);
    }
    if set == Set::Neon {
        w = neon_access(p, w, rng);
    }
    w
}

/// Advanced SIMD loads and stores: Rm selects no writeback (PC), writeback by the transfer size
/// (SP) or post-indexing by [`INDEX_REG`]; the registers start at D0..D24 so that every list
/// (at most four registers, two apart) stays within D31; no alignment is demanded (a base moved
/// by writeback need not be aligned any more), which leaves lane indexes intact.
fn neon_access(p: &str, mut w: u32, rng: &mut Rng) -> u32 {
    w = set_field(p, w, b'm', [13, 15, INDEX_REG][rng.below(3) as usize]);
    let d = rng.below(25) as u32;
    w = set_field(p, set_field(p, w, b'D', d >> 4), b'd', d & 15);
    w = set_field(p, w, b'a', 0);
    match get_field(p, w, b'j') {
        Some(j) => set_field(p, w, b'j', j & !3),
        None => w,
    }
}

/// A register list of two or more allowed registers (not the base, the index, SP or PC).
fn reg_list(row: &Row, mut w: u32, rng: &mut Rng) -> u32 {
    let p = row.pattern;
    let allowed: u32 = match row.set {
        Set::T16 => 0x3f,
        _ => 0x5f3f, // R0-R5, R8-R12, R14
    };
    let list = loop {
        let l = rng.next_u32() & allowed;
        if l.count_ones() >= 2 {
            break l;
        }
    };
    if row.set == Set::T32 {
        // T32: R0..R12 in the R field, LR in M; bit 15 (PC) and the SP bit q are cleared.
        w = set_field(p, w, b'R', list & 0x1fff);
        w = set_field(p, w, b'M', list >> 14 & 1);
        w = set_field(p, w, b'q', 0);
        w & !(1 << 15)
    } else {
        set_field(p, w, b'R', list)
    }
}

/// VLDM/VSTM: a register range inside S0..S31 or D0..D31 and a matching word count.
fn vfp_list(p: &str, mut w: u32, rng: &mut Rng) -> u32 {
    let double = get_field(p, w, b's') == Some(1);
    let start = rng.below(32) as u32;
    let count = 1 + rng.below(16.min(32 - start) as u64) as u32;
    let (d, big) = if double {
        (start & 15, start >> 4)
    } else {
        (start >> 1, start & 1)
    };
    w = set_field(p, w, b'd', d);
    w = set_field(p, w, b'D', big);
    set_field(p, w, b'i', if double { 2 * count } else { count })
}

/// Per-row constraints from the ARM ARM's UNPREDICTABLE cases.
fn constrain(row: &Row, mut w: u32, rng: &mut Rng) -> u32 {
    let p = row.pattern;
    let f = |w: u32, l: u8| get_field(p, w, l).unwrap_or(0);
    match (row.set, row.id) {
        // Long multiplies: RdHi == RdLo.
        (Set::A32 | Set::T32, _) if width(p, b'H') == 4 && f(w, b'H') == f(w, b'L') => {
            let hi = f(w, b'H');
            let lo = loop {
                let r = any_reg(rng);
                if r != hi {
                    break r;
                }
            };
            w = set_field(p, w, b'L', lo);
        }
        // Bitfields: lsb + width - 1 (SBFX/UBFX) or msb (BFI/BFC) within 31, msb >= lsb.
        (Set::A32 | Set::T32, "Sbfx" | "Ubfx") => {
            let lsb = f(w, b'l');
            w = set_field(p, w, b'k', rng.below(32 - lsb as u64) as u32);
        }
        (Set::A32 | Set::T32, "Bfi" | "Bfc") => {
            let lsb = f(w, b'l');
            w = set_field(p, w, b'k', lsb + rng.below(32 - lsb as u64) as u32);
        }
        // T32 SSAT/USAT with an arithmetic shift of 0 are SSAT16/USAT16, whose bits 5..4 are
        // should-be-zero (this row has them in its saturate field): UNPREDICTABLE.
        (Set::T32, "Ssat" | "Usat") if f(w, b'h') == 1 && f(w, b'l') == 0 => {
            w = set_field(p, w, b'l', 1 + rng.below(31) as u32);
        }
        // MSR with an empty field mask is UNPREDICTABLE.
        (Set::A32, "MsrReg" | "MsrImm") if f(w, b'g') == 0 => {
            w = set_field(p, w, b'g', 1 + rng.below(3) as u32);
        }
        (Set::T32, "MsrReg") if f(w, b'G') == 0 => {
            w = set_field(p, w, b'G', 1 + rng.below(3) as u32);
        }
        // High-register forms: D:Rd (ADD, MOV) must not name SP or PC; CMP needs a high
        // register among its two.
        (Set::T16, "AddHi" | "MovHi") => {
            let d = f(w, b'D') << 3 | f(w, b'd');
            if d == 13 || d == 15 {
                let r = any_reg(rng);
                w = set_field(p, set_field(p, w, b'D', r >> 3), b'd', r & 7);
            }
        }
        (Set::T16, "CmpHi") => {
            let n = f(w, b'N') << 3 | f(w, b'n');
            if n == 13 || n == 15 {
                w = set_field(p, set_field(p, w, b'N', 1), b'n', rng.below(5) as u32);
            }
            if f(w, b'N') == 0 && f(w, b'm') < 8 {
                w = set_field(p, w, b'm', [8, 9, 10, 11, 12, 14][rng.below(6) as usize]);
            }
        }
        // VMOV to two core registers: Rt == Rt2; the S-register pair may not start at S31.
        (Set::Vfp, "VmovD2" | "VmovS2") => {
            if f(w, b'o') == 1 && f(w, b't') == f(w, b'T') {
                w = set_field(p, w, b'T', (f(w, b't') + 1) % 13);
            }
            if row.id == "VmovS2" && f(w, b'm') == 15 && f(w, b'M') == 1 {
                w = set_field(p, w, b'M', 0);
            }
        }
        // VTBL/VTBX: the table's last register within D31.
        (Set::Neon, "Vtbl") => {
            let last = 32 - f(w, b'l') - 1;
            if (f(w, b'N') << 4 | f(w, b'n')) >= last {
                let n = rng.below(last as u64) as u32;
                w = set_field(p, set_field(p, w, b'N', n >> 4), b'n', n & 15);
            }
        }
        // VSWP, VTRN, VUZP, VZIP of a register with itself.
        (Set::Neon, "Vswp" | "Vtrn" | "Vuzp" | "Vzip")
            if f(w, b'D') == f(w, b'M') && f(w, b'd') == f(w, b'm') =>
        {
            w = set_field(p, w, b'm', (f(w, b'm') + 2) & 15);
        }
        // Fixed-point VCVT of 16-bit values: at most 16 fraction bits.
        (Set::Vfp, "VcvtFixed") if f(w, b'X') == 0 => {
            let imm = rng.below(17) as u32;
            w = set_field(p, set_field(p, w, b'i', imm >> 1), b'I', imm & 1);
        }
        _ => {}
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every class has rows, draws words that decode to the drawn row, and memory classes
    /// address through the base register.
    #[test]
    fn classes_draw_their_rows() {
        let d = Draw::new();
        let mut rng = Rng::new(7);
        for class in Class::ALL {
            let rows = d.rows(class);
            assert!(!rows.is_empty(), "{class:?}");
            for row in &rows {
                let Some(w) = d.draw(row, class.thumb(), class.memory(), &mut rng) else {
                    continue;
                };
                let form = if row.set == Set::T16 { w << 16 } else { w };
                if class.memory()
                    && let Some(n) = get_field(row.pattern, form, b'n')
                {
                    assert_eq!(n, BASE_REG, "{} {w:#x}", row.mnemonic);
                }
                if row.set == Set::Vfp && class.thumb() {
                    let want = if row.pattern.starts_with("cccc") {
                        0xe
                    } else {
                        0xf
                    };
                    assert_eq!(w >> 28, want, "{w:#x}");
                }
                if row.set == Set::Neon {
                    assert!(decode::neon::is_neon_space(w, class.thumb()), "{w:#x}");
                    let a32 = decode::neon::to_a32(w, class.thumb());
                    assert!(class.thumb() || a32 == w);
                    assert_eq!(d.decoded(Set::Neon, a32), Some(row.pattern), "{w:#x}");
                }
                if row.pattern.starts_with("cccc") && !class.thumb() {
                    assert_ne!(w >> 28, 0xf, "{} {w:#x}", row.mnemonic);
                }
            }
        }
    }

    /// The IT class starts with an IT halfword whose mask covers the instructions after it.
    #[test]
    fn it_blocks_cover_their_instructions() {
        let d = Draw::new();
        let rows = d.rows(Class::ThumbIt);
        let mut rng = Rng::new(3);
        for _ in 0..50 {
            let w = d.block(Class::ThumbIt, &rows, 4, &mut rng, &|_| true);
            let it = w[0];
            assert_eq!(it >> 8, 0xbf);
            assert!(it >> 4 & 0xf < 14);
            assert_eq!(4 - (it & 0xf).trailing_zeros() as usize, w.len() - 1);
        }
    }
}
