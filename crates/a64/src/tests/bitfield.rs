//! SBFM and UBFM for every (immr, imms) of both widths, lifted and run on the reference
//! interpreter, against the ARM manual's pseudo-code written out in plain Rust.

use crate::dp_imm::decode_bit_masks;
use cpu::CpuState;

/// The manual's SBFM/UBFM: rotate right by immr, keep wmask's bits, fill tmask's complement
/// with the field's sign (SBFM) or zeros (UBFM).
fn manual(signed: bool, w: u32, immr: u32, imms: u32, src: u64) -> u64 {
    let mask = if w == 64 { u64::MAX } else { (1 << w) - 1 };
    let (wmask, tmask) = decode_bit_masks((w == 64) as u32, imms, immr, false, w).unwrap();
    let src = src & mask;
    let rot = if immr == 0 {
        src
    } else {
        ((src >> immr) | (src << (w - immr))) & mask
    };
    let top = if signed && (src >> imms) & 1 == 1 {
        mask
    } else {
        0
    };
    ((top & !tmask) | (rot & wmask & tmask)) & mask
}

#[test]
fn every_sbfm_ubfm_matches_the_manual() {
    let sources = [
        0xfedc_ba98_7654_3210u64,
        0x0123_4567_89ab_cdef,
        0x8000_0000_8000_0001,
        u64::MAX,
    ];
    for w in [32u32, 64] {
        let sf = (w == 64) as u32;
        for signed in [true, false] {
            let opc = if signed { 0 } else { 2 };
            for immr in 0..w {
                for imms in 0..w {
                    // sf opc 100110 N immr imms Rn=1 Rd=0
                    let word = sf << 31
                        | opc << 29
                        | 0b100110 << 23
                        | sf << 22
                        | immr << 16
                        | imms << 10
                        | 1 << 5;
                    let fetch = |pc: u64| (pc == 0x1000).then_some(word);
                    let mut blk = crate::lift_block(0x1000, &fetch, 1);
                    ir::verify(&blk).unwrap_or_else(|e| panic!("{e}\n{blk}"));
                    ir::passes::optimize(&mut blk);
                    for &src in &sources {
                        let mut cpu = CpuState::default();
                        cpu.x[0] = 0x5555_5555_5555_5555;
                        cpu.x[1] = src;
                        interp::run_block(&blk, &mut cpu);
                        let want = manual(signed, w, immr, imms, src);
                        assert_eq!(
                            cpu.x[0], want,
                            "{word:#010x} (signed {signed}, w {w}, immr {immr}, imms {imms}) \
                             of {src:#x}\n{blk}"
                        );
                    }
                }
            }
        }
    }
}
