//! The FP/SIMD instructions the lifter turns into IR (`fp.rs`, `simd.rs`) against the general
//! executor's generic handlers (`fpsimd::execute_generic`, themselves checked against qemu):
//! random words of every FP and SIMD row, random register values and FPCR/FPSR, one word at a
//! time; the whole state must agree. Words the lifter leaves to the executor agree trivially.

use cpu::CpuState;
use decode::{Class, Decoder, a64_simd::A64_SIMD};

/// xorshift64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A register half rich in FP special values and byte patterns string code meets.
    fn value(&mut self) -> u64 {
        let r = self.next();
        match r % 8 {
            0 => 0,
            1 => ((r >> 3) & 0x0101_0101_0101_0101) * 0xff,
            2 => [
                0x7ff8_0000_0000_0000,
                0x7ff0_0000_0000_0000,
                1,
                0x8000_0000_0000_0000,
            ][(r >> 3) as usize % 4],
            3 => ((r >> 3) as f64 / 1e12).to_bits(),
            4 => {
                (((r >> 3) as f32 / 1e6).to_bits() as u64)
                    | (((r >> 40) as f32).to_bits() as u64) << 32
            }
            5 => r & 0x00ff_00ff_00ff_00ff,
            _ => self.next(),
        }
    }
}

/// Runs `w` through the generic executor and, lifted, through the interpreter, from the same
/// random state; panics if they disagree. False if the lifter left `w` to the executor (or
/// the executor refuses it).
fn agrees(w: u32, rng: &mut Rng, name: &str) -> bool {
    let mut a = CpuState::default();
    for v in a.v.iter_mut() {
        *v = [rng.value(), rng.value()];
    }
    for x in a.x.iter_mut().take(4) {
        *x = rng.value();
    }
    a.fpcr = if rng.next().is_multiple_of(3) {
        (rng.next() % 8) << 22 | (rng.next() % 2) << 25
    } else {
        0
    };
    a.fpsr = [0, 0x10, rng.next() & 0x9f][(rng.next() % 3) as usize];
    a.nzcv = (rng.next() % 16) << 28;
    let mut b = a.clone();
    // SAFETY: FP and SIMD data-processing words touch no memory.
    let ok = unsafe { fpsimd::execute_generic(&mut a, w, 0x1000) };
    if !ok {
        return false;
    }
    let fetch = |pc: u64| (pc == 0x1000).then_some(w);
    let mut blk = crate::lift_block(0x1000, &fetch, 1);
    if !blk
        .insts
        .iter()
        .any(|i| i.op != ir::Op::Call && i.op != ir::Op::Const)
    {
        return false;
    }
    ir::passes::optimize(&mut blk);
    interp::run_block(&blk, &mut b);
    assert!(
        a.x == b.x && a.v == b.v && a.nzcv == b.nzcv && a.fpsr == b.fpsr,
        "{name} {w:#010x}\ngeneric {:x?}\nlifted  {:x?}",
        (a.x[..4].to_vec(), &a.v[..4], a.nzcv, a.fpsr),
        (b.x[..4].to_vec(), &b.v[..4], b.nzcv, b.fpsr)
    );
    true
}

#[test]
fn lifted_fp_and_simd_match_the_generic_executor() {
    let d = Decoder::new(A64_SIMD);
    let rows: Vec<_> = A64_SIMD
        .iter()
        .filter(|e| matches!(e.class, Class::Fp | Class::Simd))
        .collect();
    let mut rng = Rng(0x5eed_f00d);
    let mut lifted = 0;
    for e in &rows {
        for _ in 0..3000 {
            let Some(w) = d.random_word(e, rng.next() as u32) else {
                continue;
            };
            // Rd and Rn in 0..3 so that sources and destinations overlap often (bits 20:16
            // stay as drawn: they are Rm or an immediate, depending on the row).
            let w = w & !0x3ff | (rng.next() as u32 & 0x63);
            lifted += agrees(w, &mut rng, e.mnemonic) as u32;
        }
    }
    assert!(lifted > 1000, "only {lifted} lifted words were compared");
}

/// Every form of the lifted moves, which the random words above reach only a few times each:
/// REV64/REV32/REV16 at each lane size and Q, EXT at every position, INS and DUP at every
/// lane size and index, MOVI/MVNI/ORR/BIC/FMOV at every cmode.
#[test]
fn lifted_moves_match_the_generic_executor() {
    let mut rng = Rng(0xfeed_beef);
    let mut words = Vec::new();
    for q in 0..2u32 {
        for size in 0..4u32 {
            for (u, o) in [(0u32, 0u32), (1, 0), (0, 1)] {
                words.push(0x0e20_0800 | q << 30 | u << 29 | size << 22 | o << 12 | 1 << 5 | 2);
            }
        }
        for imm4 in 0..16u32 {
            words.push(0x2e00_0000 | q << 30 | 3 << 16 | imm4 << 11 | 1 << 5 | 2);
        }
        for cmode in 0..16u32 {
            for op in 0..2u32 {
                words.push(
                    0x0f00_0400 | q << 30 | op << 29 | 0b101 << 16 | cmode << 12 | 0x15 << 5 | 2,
                );
            }
        }
    }
    for imm5 in 1..32u32 {
        for imm4 in 0..16u32 {
            words.push(0x6e00_0400 | imm5 << 16 | imm4 << 11 | 1 << 5 | 2);
        }
        words.push(0x4e00_1c00 | imm5 << 16 | 1 << 5 | 2);
        words.push(0x5e00_0400 | imm5 << 16 | 1 << 5 | 2);
    }
    words.extend([0x9eae_0022, 0x9eaf_0022]);
    let mut lifted = 0;
    for &w in &words {
        for _ in 0..20 {
            lifted += agrees(w, &mut rng, "move") as u32;
        }
    }
    assert!(
        lifted > 20 * words.len() as u32 / 2,
        "only {lifted} compared"
    );
}

/// The pairwise operations at every lane size, Q and signedness: ADDP, SMAXP/UMAXP,
/// SMINP/UMINP (bytes lift to `pairs8`, the wider lanes to SWAR).
#[test]
fn lifted_pairwise_ops_match_the_generic_executor() {
    let mut rng = Rng(0x9a12_5eed);
    let mut words = Vec::new();
    for q in 0..2u32 {
        for size in 0..4u32 {
            for (u, opcode) in [
                (0u32, 0b10111u32),
                (0, 0b10100),
                (1, 0b10100),
                (0, 0b10101),
                (1, 0b10101),
            ] {
                // Vd = V2, Vn = V1, Vm = V3 (and Vm = Vn, as glibc's `umaxp v, v, v`).
                for m in [3u32, 1] {
                    words.push(
                        0x0e20_0400
                            | q << 30
                            | u << 29
                            | size << 22
                            | m << 16
                            | opcode << 11
                            | 1 << 5
                            | 2,
                    );
                }
            }
        }
    }
    let mut lifted = 0;
    for &w in &words {
        for _ in 0..50 {
            lifted += agrees(w, &mut rng, "pairwise") as u32;
        }
    }
    // Every form but the 64-bit lanes other than ADDP .2D (unallocated) lifts.
    assert!(lifted >= 50 * 42, "only {lifted} compared");
}

/// The scalar shifts by immediate of a D register at every amount: SHL by 0..63, SSHR, USHR,
/// SSRA and USRA by 1..64.
#[test]
fn lifted_scalar_shifts_match_the_generic_executor() {
    let mut rng = Rng(0x5417_f00d);
    let mut words = Vec::new();
    for imm in 0..64u32 {
        for base in [
            0x5f40_5400u32,
            0x5f40_0400,
            0x7f40_0400,
            0x5f40_1400,
            0x7f40_1400,
        ] {
            // Dd = D2, Dn = D1, and Dn = Dd.
            for n in [1u32, 2] {
                words.push(base | imm << 16 | n << 5 | 2);
            }
        }
    }
    let mut lifted = 0;
    for &w in &words {
        for _ in 0..20 {
            lifted += agrees(w, &mut rng, "scalar shift") as u32;
        }
    }
    assert_eq!(lifted, 20 * words.len() as u32, "every form lifts");
}
