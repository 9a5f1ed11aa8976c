//! Property over the whole decode table: random encodings of every row lift without panicking
//! into blocks that pass the verifier.

use crate::{disasm_name, lift_block};
use decode::Decoder;
use decode::a64_base::A64_BASE;

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

fn lift_one_word(w: u32) -> ir::Block {
    let blk = lift_block(0x40_0000, &|pc| (pc == 0x40_0000).then_some(w), 4);
    if let Err(e) = ir::verify(&blk) {
        panic!("{w:#010x}: {e}\n{blk}");
    }
    assert!(blk.guest_insns == 1 && blk.end == 0x40_0004, "{w:#010x}");
    blk
}

#[test]
fn every_row_lifts_to_verified_ir() {
    let d = Decoder::new(A64_BASE);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for e in A64_BASE {
        let mut hits = 0;
        for _ in 0..50 {
            if let Some(w) = d.random_word(e, rng.next()) {
                hits += 1;
                lift_one_word(w);
                assert_eq!(disasm_name(w), Some(e.mnemonic), "{w:#010x}");
            }
        }
        assert!(hits > 0, "no random word decodes to {}", e.mnemonic);
    }
}

#[test]
fn arbitrary_words_never_panic() {
    let mut rng = Rng(12345);
    for _ in 0..20_000 {
        let w = rng.next();
        let blk = lift_one_word(w);
        if let ir::Term::Exit {
            reason: cpu::exit::UNDEFINED,
            pc,
            arg,
        } = blk.term
        {
            assert_eq!((pc, arg), (0x40_0000, w as u64));
            // Only the instruction's start mark.
            let code = blk.insts.iter().filter(|i| i.op != ir::Op::Mark).count();
            assert_eq!(code, 0, "undefined {w:#010x} emitted IR");
        }
    }
}

#[test]
fn fp_words_go_to_fpsimd() {
    let w = 0x1e60_2820; // fadd d0, d1, d0
    let blk = lift_one_word(w);
    if fpsimd::supported(w) {
        assert!(blk.insts.iter().any(|i| i.op == ir::Op::Call), "{blk}");
    } else {
        assert!(matches!(
            blk.term,
            ir::Term::Exit {
                reason: cpu::exit::UNDEFINED,
                ..
            }
        ));
    }
}
