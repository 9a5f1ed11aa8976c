//! Properties over the whole A32, T16 and T32 decode tables: random encodings of every row lift
//! without panicking into blocks that pass the verifier and name the row's mnemonic, and
//! arbitrary words never panic.

use a32::{disasm_name, is_t32_prefix, lift_block};
use decode::{Decoder, Entry};

/// A small deterministic xorshift generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

const PC: u64 = 0x40_0000;

/// The VFP table, which owns the coprocessor 10/11 words.
static VFP_ROWS: &[Entry<decode::vfp::Vfp>] = decode::vfp::VFP_TABLE;

/// Lifts one instruction (an A32 word, a T16 halfword or a T32 pair first << 16 | second) at
/// [`PC`] and checks the block.
fn lift_one(insn: u32, thumb: bool) -> ir::Block {
    let t32 = thumb && is_t32_prefix(insn >> 16);
    let fetch = |a: u64| match (thumb, t32) {
        (false, _) => (a == PC).then_some(insn),
        (true, false) => (a == PC).then_some(insn & 0xffff),
        (true, true) if a == PC => Some(insn >> 16),
        (true, true) => (a == PC + 2).then_some(insn & 0xffff),
    };
    let blk = lift_block(PC, thumb, &fetch, 4);
    if let Err(e) = ir::verify(&blk) {
        panic!("{insn:#010x} thumb={thumb}: {e}\n{blk}");
    }
    let len = if !thumb || t32 { 4 } else { 2 };
    assert!(
        blk.guest_insns == 1 && blk.end == PC + len,
        "{insn:#010x}: {blk}"
    );
    if let ir::Term::Exit {
        reason: cpu::exit::UNDEFINED,
        pc,
        arg,
    } = blk.term
    {
        assert_eq!((pc, arg), (PC, insn as u64));
    }
    blk
}

/// Random words of every row of `table`: each lifts, and most rows have words that are
/// implemented (not refused as UNPREDICTABLE).
fn check_table<Id: Copy + PartialEq + std::fmt::Debug + decode::KeyWindow>(
    table: &'static [Entry<Id>],
    thumb: bool,
    to_insn: fn(&str, u32) -> u32,
) {
    let d = Decoder::new(table);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut never_implemented = Vec::new();
    for e in table {
        let (mut hits, mut ok) = (0, 0);
        for _ in 0..200 {
            if let Some(w) = d.random_word(e, rng.next()) {
                hits += 1;
                let insn = to_insn(e.pattern, w);
                let blk = lift_one(insn, thumb);
                // Coprocessor 10/11 words of the integer tables' MRC/MCR rows are VFP's.
                let vfp = decode::vfp::is_vfp_space(insn) && (!thumb || is_t32_prefix(insn >> 16));
                // So are Advanced SIMD words that the integer rows match with cond = 1111.
                let t32 = !thumb || is_t32_prefix(insn >> 16);
                let neon = decode::neon::is_neon_space(insn, thumb) && t32;
                let owned = (!vfp && !neon)
                    || std::ptr::eq(table.as_ptr().cast::<u8>(), VFP_ROWS.as_ptr().cast::<u8>());
                if owned {
                    assert_eq!(
                        disasm_name(insn, thumb),
                        Some(e.mnemonic),
                        "{insn:#010x} {:?}",
                        e.id
                    );
                }
                if !matches!(
                    blk.term,
                    ir::Term::Exit {
                        reason: cpu::exit::UNDEFINED,
                        ..
                    }
                ) {
                    ok += 1;
                }
            }
        }
        assert!(hits > 0, "no random word decodes to {:?}", e.id);
        if ok == 0 {
            never_implemented.push(format!("{:?}", e.id));
        }
    }
    // Coprocessor moves are only implemented for CP15's TLS register, UDF never.
    never_implemented.retain(|id| !matches!(id.as_str(), "Mrc" | "Mcr" | "Udf"));
    assert!(
        never_implemented.is_empty(),
        "rows never lifted: {never_implemented:?}"
    );
}

#[test]
fn every_a32_row_lifts_to_verified_ir() {
    check_table(decode::a32::A32_TABLE, false, |_, w| w);
}

#[test]
fn every_t16_row_lifts_to_verified_ir() {
    check_table(decode::t16::T16_TABLE, true, |_, w| w >> 16);
}

#[test]
fn every_t32_row_lifts_to_verified_ir() {
    check_table(decode::t32::T32_TABLE, true, |_, w| w);
}

#[test]
fn every_vfp_row_lifts_to_verified_ir_a32() {
    // Condition 1111 is another space except for the ARMv8 rows (which fix it).
    check_table(decode::vfp::VFP_TABLE, false, |p, w| {
        if w >> 28 == 15 && !p.starts_with("1111") {
            w & 0x0fff_ffff | 0xe000_0000
        } else {
            w
        }
    });
}

#[test]
fn every_vfp_row_lifts_to_verified_ir_t32() {
    // T32 VFP words have 1110 in bits 31..28 (1111 for the ARMv8 rows).
    check_table(decode::vfp::VFP_TABLE, true, |p, w| {
        if p.starts_with("1111") {
            w
        } else {
            w & 0x0fff_ffff | 0xe000_0000
        }
    });
}

#[test]
fn arbitrary_words_never_panic() {
    let mut rng = Rng(12345);
    for _ in 0..30_000 {
        let w = rng.next();
        lift_one(w, false);
        if !is_t32_prefix(w & 0xffff) {
            lift_one(w & 0xffff, true);
        }
        // Force a 32-bit Thumb prefix for half of the pairs.
        let pair = if w >> 16 & 1 == 1 { w | 0xe800_0000 } else { w };
        if is_t32_prefix(pair >> 16) {
            lift_one(pair, true);
        }
    }
}

#[test]
fn it_blocks_stay_in_one_block() {
    // cmp r1, r2; ite gt; movgt r0, #1; movle r0, #2 with max_insns 1: the IT block is finished.
    let code: [u16; 4] = [0x4291, 0xbfcc, 0x2001, 0x2002];
    let fetch = |a: u64| {
        let i = a.checked_sub(PC)? / 2;
        code.get(i as usize).map(|h| *h as u32)
    };
    let blk = lift_block(PC, true, &fetch, 2);
    assert_eq!(blk.guest_insns, 4, "{blk}");
    assert_eq!(blk.term, ir::Term::Jump(PC + 8));
}
