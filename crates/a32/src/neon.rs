//! Advanced SIMD (NEON) for A32 and T32, lifted onto the A64 Advanced SIMD executor.
//!
//! # Approach
//! Q`n` is exactly A64's V`n` and D`j` is half of V`j / 2` (see the crate docs), and most NEON
//! instructions are an A64 Advanced SIMD instruction under another encoding. So an instruction
//! is translated at lift time into one or a few A64 words that `fpsimd::EXEC` runs, as the A64
//! frontend does for its own SIMD words: the semantics (saturation and FPSCR.QC, rounding, NaN
//! handling, reciprocal estimates, AES/SHA) are `fpsimd`'s exact ones.
//!
//! A32 V16..V31 do not exist (D0..D31 fill V0..V15), so they serve as scratch registers ([`Seq`]):
//! a D register that is not the low half of its V register (an odd D register), and every D
//! destination (A64's 64-bit forms zero the upper half, which holds the next D register), is
//! copied into a scratch V register before the A64 words run and back afterwards, as plain IR
//! slot moves. 64-bit-element operations on D registers use A64's scalar forms.
//!
//! NEON floating point always uses the "Standard FPSCR value" (flush-to-zero, default NaN,
//! round to nearest; AHP and FZ16 from the FPSCR): the lifted code sets the FPCR slot to it
//! around the A64 words and restores it after, while the cumulative flags land in the FPSR slot
//! as usual. VMLA/VMLS .F32 are not fused: a multiply and an add.
//!
//! The A64 words that the A64 frontend lifts as integer IR rather than calls (bitwise
//! operations, VADD/VSUB, VCEQ, pairwise add/max/min, narrowing shifts of halfwords: see
//! `a64::lift_simd_ir`) become the same IR here. VSWP and VDUP (core register) are plain IR
//! too. Loads and stores are in [`crate::neon_ldst`].
//!
//! # Limits
//! In T32 IT blocks, data processing and VDUP (core) are conditional (A32 NEON words are
//! unconditional, A32 VDUP (core) has a condition field); loads and stores and the ARMv8
//! additions are refused there. Half-precision arithmetic (FEAT_FP16 forms) and the dot
//! products (ARMv8.2) are not implemented.

use crate::ctx::{Ctx, Flow};
use cpu::slot;
use decode::Decoder;
use decode::neon::{NEON_TABLE, Neon as I};
use std::sync::OnceLock;

/// FPSCR.AHP and FZ16, kept from the guest's FPSCR in the Standard FPSCR value.
const STD_KEEP: u64 = 1 << 26 | 1 << 19;
/// FPSCR.DN and FZ, set in the Standard FPSCR value (RMode 00: round to nearest).
const STD_SET: u64 = 1 << 25 | 1 << 24;

/// The NEON decoder, built once.
fn decoder() -> &'static Decoder<I> {
    static D: OnceLock<Decoder<I>> = OnceLock::new();
    D.get_or_init(|| Decoder::new(NEON_TABLE))
}

/// True if the instruction (an A32 word, or a T32 pair of `len` 4) is Advanced SIMD.
pub fn is_neon(word: u32, thumb: bool, len: u64) -> bool {
    (!thumb || len == 4) && decode::neon::is_neon_space(word, thumb)
}

/// The mnemonic of an Advanced SIMD instruction, if it is one.
pub fn name(word: u32, thumb: bool) -> Option<&'static str> {
    let w = decode::neon::to_a32(word, thumb);
    decode::neon::decode(decoder(), w).map(|m| m.entry.mnemonic)
}

/// Lifts the Advanced SIMD instruction `word` (see [`is_neon`]).
pub fn lift(cx: &mut Ctx, word: u32) -> Flow {
    let w = decode::neon::to_a32(word, cx.thumb);
    let Some(m) = decode::neon::decode(decoder(), w) else {
        return Flow::Undef;
    };
    if m.id() == I::VdupCore {
        if !cx.thumb {
            cx.set_cond(w >> 28);
        }
        return if vdup_core(cx, w) {
            Flow::Next
        } else {
            Flow::Undef
        };
    }
    // In an IT block: data processing is conditional; loads and stores (whose helpers would
    // touch memory when the condition fails) and the ARMv8 additions (which cannot be
    // conditional) are refused.
    let in_it = cx.in_it();
    let done = match m.entry.class {
        decode::Class::LoadStoreSimd if !in_it => crate::neon_ldst::lift(cx, m.id(), w),
        decode::Class::LoadStoreSimd => false,
        _ if in_it && armv8_only(m.id(), w) => false,
        _ => data(cx, m.id(), w),
    };
    if done { Flow::Next } else { Flow::Undef }
}

/// True for the ARMv8 additions, which are unconditional: crypto, VRINT*, VCVT{A,N,P,M},
/// VMAXNM/VMINNM and VMULL.P64.
fn armv8_only(id: I, w: u32) -> bool {
    use I::*;
    match id {
        Aes | Sha3Reg | Sha256Reg | Sha1h | Sha1su1 | Vrint | VcvtRm | Vmaxnm => true,
        VmullP => w >> 20 & 3 == 2,
        _ => false,
    }
}

/// Bit `b` of `w`.
fn bit(w: u32, b: u32) -> u32 {
    w >> b & 1
}

/// D:Vd, N:Vn and M:Vm.
fn regs(w: u32) -> (u32, u32, u32) {
    (
        bit(w, 22) << 4 | (w >> 12 & 15),
        bit(w, 7) << 4 | (w >> 16 & 15),
        bit(w, 5) << 4 | (w & 15),
    )
}

/// An A32 register operand: D`n`, or Q`n / 2` when `q`.
#[derive(Clone, Copy)]
struct Reg {
    n: u32,
    q: bool,
}

/// D`n`.
fn dr(n: u32) -> Reg {
    Reg { n, q: false }
}

/// The register `n` as Q (`q`) or D.
fn qr(n: u32, q: bool) -> Reg {
    Reg { n, q }
}

/// The slot of D`j`.
fn d_slot(j: u32) -> u32 {
    slot::V0 + j
}

/// One step of a translation.
#[derive(Clone, Copy)]
enum Word {
    /// An A64 word for `fpsimd::EXEC`.
    A64(u32),
    /// A [`STEP`] call with its packed operands.
    Step(u64),
}

/// A translation in progress: A64 words and the moves between D registers and scratch V
/// registers around them.
pub(crate) struct Seq {
    /// Slot copies (from, to) before the words.
    pre: Vec<(u32, u32)>,
    /// The A64 words (and [`STEP`] calls), in order.
    words: Vec<Word>,
    /// Slot copies (from, to) after the words.
    post: Vec<(u32, u32)>,
    /// Run the words under the Standard FPSCR value.
    fp: bool,
    /// Next free scratch V register.
    free: u32,
    /// False once an operand was invalid (an odd register number for a Q operand).
    ok: bool,
    /// Conditional (in an IT block): every destination goes through a scratch register, and
    /// the results and FPSR flags are kept only if the condition holds.
    cond: bool,
}

impl Seq {
    /// An empty translation.
    pub(crate) fn new() -> Seq {
        Seq {
            pre: Vec::new(),
            words: Vec::new(),
            post: Vec::new(),
            fp: false,
            free: 16,
            ok: true,
            cond: false,
        }
    }

    /// A fresh scratch V register.
    pub(crate) fn scratch(&mut self) -> u32 {
        let v = self.free;
        self.free += 1;
        assert!(v < 32, "out of scratch registers");
        v
    }

    /// The V register holding Q register `r` (an even D number); marks the translation invalid
    /// for an odd one.
    fn q(&mut self, r: u32) -> u32 {
        self.ok &= r & 1 == 0;
        r / 2
    }

    /// The A64 register to read `r` from (only its low 64 bits for a D register).
    fn src(&mut self, r: Reg) -> u32 {
        if r.q {
            return self.q(r.n);
        }
        if r.n & 1 == 0 {
            return r.n / 2;
        }
        let s = self.scratch();
        self.pre.push((d_slot(r.n), slot::v_lo(s)));
        s
    }

    /// The A64 register to write `r` through; a D register goes through a scratch register
    /// that starts with its value (for accumulating and inserting operations).
    fn dst(&mut self, r: Reg) -> u32 {
        if r.q && !self.cond {
            return self.q(r.n);
        }
        if r.q {
            let v = self.q(r.n);
            let s = self.scratch();
            for (from, to) in [
                (slot::v_lo(v), slot::v_lo(s)),
                (slot::v_hi(v), slot::v_hi(s)),
            ] {
                self.pre.push((from, to));
                self.post.push((to, from));
            }
            return s;
        }
        let s = self.scratch();
        self.pre.push((d_slot(r.n), slot::v_lo(s)));
        self.post.push((slot::v_lo(s), d_slot(r.n)));
        s
    }

    /// Copies D`j` into the low (or high, `hi`) half of V`v` before the words.
    pub(crate) fn load_d(&mut self, j: u32, v: u32, hi: bool) {
        let to = if hi { slot::v_hi(v) } else { slot::v_lo(v) };
        self.pre.push((d_slot(j), to));
    }

    /// Copies the low (or high) half of V`v` to D`j` after the words.
    pub(crate) fn store_d(&mut self, v: u32, hi: bool, j: u32) {
        let from = if hi { slot::v_hi(v) } else { slot::v_lo(v) };
        self.post.push((from, d_slot(j)));
    }

    /// Adds an A64 word.
    pub(crate) fn word(&mut self, w: u32) {
        self.words.push(Word::A64(w));
    }

    /// True if every operand was valid and `fpsimd` runs every word.
    pub(crate) fn valid(&self) -> bool {
        self.ok
            && self.words.iter().all(|w| match *w {
                Word::A64(w) => fpsimd::supported(w),
                Word::Step(_) => true,
            })
    }

    /// Emits the translation; false (nothing emitted) if it is not [`Seq::valid`].
    pub(crate) fn emit(self, cx: &mut Ctx) -> bool {
        if !self.valid() {
            return false;
        }
        // Read every source before writing any scratch register (a scratch register may be a
        // source's destination only through `post`, so order among `pre` does not matter).
        let vals: Vec<_> = self.pre.iter().map(|&(f, _)| cx.b.get(f)).collect();
        for (&(_, t), v) in self.pre.iter().zip(vals) {
            cx.b.set(t, v);
        }
        // Conditional: the flags before, to keep when the condition fails.
        let flags = match (self.cond, cx.holds()) {
            (true, Some(h)) => Some((h, cx.b.get(slot::FPSR))),
            _ => None,
        };
        let saved = self.fp.then(|| {
            let old = cx.b.get(slot::FPCR);
            let keep = cx.and_k(old, STD_KEEP);
            let set = cx.k(STD_SET);
            let std = cx.b.or(keep, set);
            cx.b.set(slot::FPCR, std);
            old
        });
        let p = cx.k(cx.pc);
        let z = cx.k(0);
        for &w in &self.words {
            match w {
                // The forms the A64 frontend lifts as integer IR stay IR here too.
                Word::A64(w) if a64::lift_simd_ir(&mut cx.b, cx.pc, w) => {}
                Word::A64(w) => a64::call_fpsimd(&mut cx.b, w, p),
                Word::Step(ops) => {
                    let ops = cx.k(ops);
                    cx.b.call(&STEP, ops, z, z);
                }
            }
        }
        if let Some(old) = saved {
            cx.b.set(slot::FPCR, old);
        }
        if let Some((h, old)) = flags {
            let new = cx.b.get(slot::FPSR);
            let v = cx.b.select(h, new, old);
            cx.b.set(slot::FPSR, v);
        }
        // The destinations were not written by the words (only scratch registers were), so
        // `set_slot`'s select keeps their old values when a condition fails.
        let vals: Vec<_> = self.post.iter().map(|&(f, _)| cx.b.get(f)).collect();
        for (&(_, t), v) in self.post.iter().zip(vals) {
            cx.set_slot(t, v);
        }
        true
    }
}

/// A64 Advanced SIMD three same: Q, U, size, opcode, Rd, Rn, Rm.
fn a64_same(q: u32, u: u32, size: u32, op: u32, d: u32, n: u32, m: u32) -> u32 {
    0x0e20_0400 | q << 30 | u << 29 | size << 22 | m << 16 | op << 11 | n << 5 | d
}

/// A64 Advanced SIMD scalar three same (64-bit elements of D registers).
fn a64_scalar_same(u: u32, op: u32, d: u32, n: u32, m: u32) -> u32 {
    0x5ee0_0400 | u << 29 | m << 16 | op << 11 | n << 5 | d
}

/// A64 Advanced SIMD three different.
fn a64_diff(u: u32, size: u32, op: u32, d: u32, n: u32, m: u32) -> u32 {
    0x0e20_0000 | u << 29 | size << 22 | m << 16 | op << 12 | n << 5 | d
}

/// A64 Advanced SIMD two-register miscellaneous.
fn a64_misc(q: u32, u: u32, size: u32, op: u32, d: u32, n: u32) -> u32 {
    0x0e20_0800 | q << 30 | u << 29 | size << 22 | op << 12 | n << 5 | d
}

/// A64 Advanced SIMD shift by immediate (`hb` = immh:immb); `scalar` for the 64-bit scalar
/// form on D registers.
fn a64_shift(scalar: bool, q: u32, u: u32, hb: u32, op: u32, d: u32, n: u32) -> u32 {
    let base = if scalar { 0x5f00_0400 } else { 0x0f00_0400 };
    base | q << 30 | u << 29 | hb << 16 | op << 11 | n << 5 | d
}

/// A64 Advanced SIMD permute (UZP1 1, TRN1 2, ZIP1 3, UZP2 5, TRN2 6, ZIP2 7).
fn a64_permute(q: u32, size: u32, op: u32, d: u32, n: u32, m: u32) -> u32 {
    0x0e00_0800 | q << 30 | size << 22 | m << 16 | op << 12 | n << 5 | d
}

/// Lifts a data-processing row; false if the encoding is undefined (nothing emitted).
fn data(cx: &mut Ctx, id: I, w: u32) -> bool {
    let (d, n, m) = regs(w);
    let q = bit(w, 6);
    let u = bit(w, 24);
    let size = w >> 20 & 3;
    // The size field of the two-register miscellaneous group.
    let msize = w >> 18 & 3;
    let mut s = Seq::new();
    s.cond = cx.in_it();
    use I::*;
    match id {
        Vhadd | Vqadd | Vrhadd | Vand | Vbic | Vorr | Vorn | Veor | Vbsl | Vbit | Vbif | Vhsub
        | Vqsub | Vcgt | Vcge | Vshl | Vqshl | Vrshl | Vqrshl | Vmax | Vmin | Vabd | Vaba
        | Vadd | Vsub | Vtst | Vceq | Vmla | Vmls | Vmul | VmulP | Vpmax | Vpmin | Vqdmulh
        | Vqrdmulh | Vpadd => {
            // The A32 A:B opcode is the A64 three-same opcode, and U and size mean the same.
            let op = (w >> 8 & 15) << 1 | bit(w, 4);
            let logic = op == 0b00011;
            let wide_ok = matches!(op, 0b00001 | 0b00101 | 0b01000..=0b01011 | 0b10000);
            if size == 3 && !logic && !wide_ok {
                return false;
            }
            // VSHL and friends take the shifted value from Vm and the shift from Vn.
            let (a, b) = if (0b01000..=0b01011).contains(&op) {
                (m, n)
            } else {
                (n, m)
            };
            let rd = s.dst(qr(d, q == 1));
            let ra = s.src(qr(a, q == 1));
            let rb = s.src(qr(b, q == 1));
            if size == 3 && !logic && q == 0 {
                s.word(a64_scalar_same(u, op, rd, ra, rb));
            } else {
                s.word(a64_same(q, u, size, op, rd, ra, rb));
            }
        }
        Vrecps => {
            s.fp = true;
            let rd = s.dst(qr(d, q == 1));
            let rn = s.src(qr(n, q == 1));
            let rm = s.src(qr(m, q == 1));
            let two = 1 - bit(w, 21) as u64;
            let ops = rd as u64 | (rn as u64) << 5 | (rm as u64) << 10 | (q as u64) << 15;
            s.words.push(Word::Step(ops | two << 16));
        }
        Vfma | VaddF | VsubF | VpaddF | VabdF | VmulF | VceqF | VcgeF | VcgtF | Vacge | VmaxF
        | VpmaxF | Vmaxnm => {
            let o = bit(w, 21);
            let (fu, fa, op) = match id {
                Vfma => (0, o, 0b11001),
                VaddF => (0, 0, 0b11010),
                VsubF => (0, 1, 0b11010),
                VpaddF => (1, 0, 0b11010),
                VabdF => (1, 1, 0b11010),
                VmulF => (1, 0, 0b11011),
                VceqF => (0, 0, 0b11100),
                VcgeF => (1, 0, 0b11100),
                VcgtF => (1, 1, 0b11100),
                Vacge => (1, o, 0b11101),
                VmaxF => (0, o, 0b11110),
                VpmaxF => (1, o, 0b11110),
                _ => (0, o, 0b11000),
            };
            s.fp = true;
            let rd = s.dst(qr(d, q == 1));
            let rn = s.src(qr(n, q == 1));
            let rm = s.src(qr(m, q == 1));
            s.word(a64_same(q, fu, fa << 1, op, rd, rn, rm));
        }
        VmlaF => {
            // Not fused: the product rounded, then the sum (or difference) rounded.
            s.fp = true;
            let rd = s.dst(qr(d, q == 1));
            let rn = s.src(qr(n, q == 1));
            let rm = s.src(qr(m, q == 1));
            let t = s.scratch();
            s.word(a64_same(q, 1, 0, 0b11011, t, rn, rm));
            s.word(a64_same(q, 0, bit(w, 21) << 1, 0b11010, rd, rd, t));
        }
        Vqrdmlah | Vqrdmlsh => {
            // A64 SQRDMLAH/SQRDMLSH (vector): three same extra, U = 1, opcode 000x.
            let op = (id == Vqrdmlsh) as u32;
            let rd = s.dst(qr(d, q == 1));
            let rn = s.src(qr(n, q == 1));
            let rm = s.src(qr(m, q == 1));
            s.word(0x2e00_8400 | q << 30 | size << 22 | rm << 16 | op << 11 | rn << 5 | rd);
        }
        Sha3Reg | Sha256Reg => {
            let op = u << 2 | size;
            if op == 0b111 || q == 0 {
                return false;
            }
            let rd = s.dst(qr(d, true));
            let (rn, rm) = (s.q(n), s.q(m));
            s.word(0x5e00_0000 | rm << 16 | op << 12 | rn << 5 | rd);
        }
        // VMULL.P64 of two odd D registers, the high halves of their V registers: A64's
        // PMULL2, which reads them in place (GHASH pairs its operands so).
        VmullP if size == 2 && n & 1 == 1 && m & 1 == 1 => {
            let rd = s.dst(qr(d, true));
            let op = w >> 8 & 15;
            s.word(1 << 30 | a64_diff(u, 3, op, rd, n / 2, m / 2));
        }
        Vaddl | Vaddw | Vsubl | Vsubw | Vaddhn | Vabal | Vsubhn | Vabdl | Vmlal | Vqdmlal
        | Vmlsl | Vqdmlsl | Vmull | Vqdmull | VmullP => {
            let op = w >> 8 & 15;
            let (rd, rn) = match id {
                Vaddhn | Vsubhn => (s.dst(dr(d)), s.src(qr(n, true))),
                Vaddw | Vsubw => (s.dst(qr(d, true)), s.src(qr(n, true))),
                _ => (s.dst(qr(d, true)), s.src(dr(n))),
            };
            let rm = match id {
                Vaddhn | Vsubhn => s.src(qr(m, true)),
                _ => s.src(dr(m)),
            };
            let size = match (id, size) {
                (VmullP, 0) => 0,
                (VmullP, 2) => 3,
                (VmullP, _) => return false,
                _ => size,
            };
            s.word(a64_diff(u, size, op, rd, rn, rm));
        }
        VmlaS | VmlsS | VmulS | VqdmulhS | VqrdmulhS | VmlalS | VmlslS | VmullS | VqdmlalS
        | VqdmlslS | VqdmullS | VqrdmlahS | VqrdmlshS => {
            if !by_scalar(&mut s, id, w) {
                return false;
            }
        }
        Vshr | Vsra | Vrshr | Vrsra | Vsri | VshlI | Vsli | Vqshlu | VqshlI | Vshrn | Vqshrun
        | Vqshrn | Vshll | VcvtFixed => {
            let l = bit(w, 7);
            let imm6 = w >> 16 & 63;
            let hb = l << 6 | imm6;
            let a = w >> 8 & 15;
            let op = match id {
                Vshrn | Vqshrun | Vqshrn => a << 1 | bit(w, 6),
                Vshll => 0b10100,
                VcvtFixed if bit(w, 8) == 1 => 0b11111,
                VcvtFixed => 0b11100,
                _ => a << 1,
            };
            match id {
                Vshrn | Vqshrun | Vqshrn => {
                    let rd = s.dst(dr(d));
                    let rm = s.src(qr(m, true));
                    s.word(a64_shift(false, 0, u, hb, op, rd, rm));
                }
                Vshll => {
                    let rd = s.dst(qr(d, true));
                    let rm = s.src(dr(m));
                    s.word(a64_shift(false, 0, u, hb, op, rd, rm));
                }
                _ => {
                    if id == VcvtFixed {
                        // Only 32-bit elements (imm6 = 1xxxxx; A64 would read others as F16).
                        if imm6 < 32 {
                            return false;
                        }
                        s.fp = true;
                    }
                    let rd = s.dst(qr(d, q == 1));
                    let rm = s.src(qr(m, q == 1));
                    let scalar = l == 1 && q == 0;
                    s.word(a64_shift(scalar, q, u, hb, op, rd, rm));
                }
            }
        }
        Vrev | Vpaddl | Vcls | Vclz | Vcnt | Vmvn | Vpadal | Vqabs | VcmpZ | Vabs | Vrint
        | VcvtRm | Vrecpe | Vrsqrte | VcvtInt => {
            let Some((mu, msize, op, fp)) = misc(id, w) else {
                return false;
            };
            s.fp = fp;
            let rd = s.dst(qr(d, q == 1));
            let rm = s.src(qr(m, q == 1));
            s.word(a64_misc(q, mu, msize, op, rd, rm));
        }
        Aes => {
            if msize != 0 {
                return false;
            }
            let op = 0b00100 | (w >> 6 & 3);
            let rd = s.dst(qr(d, true));
            let rm = s.q(m);
            s.word(0x4e28_0800 | op << 12 | rm << 5 | rd);
        }
        Sha1h | Sha1su1 => {
            if msize != 2 {
                return false;
            }
            let op = match id {
                Sha1h => 0,
                _ => 1 + bit(w, 6),
            };
            let rd = s.dst(qr(d, true));
            let rm = s.q(m);
            s.word(0x5e28_0800 | op << 12 | rm << 5 | rd);
        }
        Vmovn | Vqmovn => {
            let (mu, op) = match w >> 6 & 3 {
                0 => (0, 0b10010),
                1 => (1, 0b10010),
                2 => (0, 0b10100),
                _ => (1, 0b10100),
            };
            if msize == 3 {
                return false;
            }
            let rd = s.dst(dr(d));
            let rm = s.src(qr(m, true));
            s.word(a64_misc(0, mu, msize, op, rd, rm));
        }
        VshllMax => {
            if msize == 3 {
                return false;
            }
            let rd = s.dst(qr(d, true));
            let rm = s.src(dr(m));
            s.word(a64_misc(0, 1, msize, 0b10011, rd, rm));
        }
        VcvtHalf => {
            if msize != 1 {
                return false;
            }
            s.fp = true;
            if bit(w, 8) == 0 {
                let rd = s.dst(dr(d));
                let rm = s.src(qr(m, true));
                s.word(a64_misc(0, 0, 0, 0b10110, rd, rm));
            } else {
                let rd = s.dst(qr(d, true));
                let rm = s.src(dr(m));
                s.word(a64_misc(0, 0, 0, 0b10111, rd, rm));
            }
        }
        Vswp => {
            if msize != 0 {
                return false;
            }
            return swap(cx, d, m, q == 1);
        }
        Vtrn | Vuzp | Vzip => {
            let (op1, op2) = match id {
                Vtrn => (2, 6),
                Vuzp => (1, 5),
                _ => (3, 7),
            };
            // d == m is UNPREDICTABLE.
            if msize == 3 || (id != Vtrn && q == 0 && msize == 2) || d == m {
                return false;
            }
            if !permute(&mut s, (op1, op2), msize, d, m, q == 1) {
                return false;
            }
        }
        Vext => {
            let imm4 = w >> 8 & 15;
            if q == 0 && imm4 >= 8 {
                return false;
            }
            let rd = s.dst(qr(d, q == 1));
            let rn = s.src(qr(n, q == 1));
            let rm = s.src(qr(m, q == 1));
            s.word(0x2e00_0000 | q << 30 | rm << 16 | imm4 << 11 | rn << 5 | rd);
        }
        Vtbl => {
            if !table(&mut s, w) {
                return false;
            }
        }
        VdupS => {
            let imm4 = w >> 16 & 15;
            let sz = imm4.trailing_zeros();
            if sz >= 3 {
                return false;
            }
            let index = (imm4 >> (sz + 1)) + (m & 1) * (8 >> sz);
            let imm5 = (index << (sz + 1) | 1 << sz) & 31;
            let rd = s.dst(qr(d, q == 1));
            s.word(0x0e00_0400 | q << 30 | imm5 << 16 | (m / 2) << 5 | rd);
        }
        VmovImm | VorrImm | VorrImm16 | VmvnImm | VbicImm | VbicImm16 => {
            let (op, cmode) = (bit(w, 5), w >> 8 & 15);
            if op == 1 && cmode == 15 {
                return false;
            }
            let abc = u << 2 | (w >> 17 & 3);
            let defgh = bit(w, 16) << 4 | (w & 15);
            let rd = s.dst(qr(d, q == 1));
            s.word(0x0f00_0400 | q << 30 | op << 29 | abc << 16 | cmode << 12 | defgh << 5 | rd);
        }
        _ => return false,
    }
    s.emit(cx)
}

/// VRECPS and VRSQRTS (FPRecipStep, FPRSqrtStep), which differ from A64's fused FRECPS and
/// FRSQRTS: the product is rounded (and flushed) on its own, then 2 - p or (3 - p) / 2 is
/// rounded; an infinity times a zero is a zero product. `func(cpu, ops, 0, 0)` with `ops` =
/// Vd | Vn << 5 | Vm << 10 | Q << 15 | (1 for VRECPS) << 16 works on the F32 lanes of the V
/// registers under the FPCR slot's (standard) value. Returns 0.
pub static STEP: ir::Helper = ir::Helper {
    name: "a32_neon_step",
    func: step_exec,
};

/// See [`STEP`].
unsafe extern "C" fn step_exec(cpu: *mut u8, ops: u64, _: u64, _: u64) -> u64 {
    use fpsimd::float::Fmt;
    use fpsimd::fp_arith::{Bin, bin, step};
    // SAFETY: translated code calls helpers with a pointer to the live CpuState of the running
    // thread, which nothing else touches during the call.
    let cpu = unsafe { &mut *(cpu as *mut cpu::CpuState) };
    let v = |i: u64| (ops >> (5 * i) & 31) as u32;
    let (d, n, m) = (v(0), v(1), v(2));
    let lanes = if ops >> 15 & 1 == 1 { 4 } else { 2 };
    let two = ops >> 16 & 1 == 1;
    let lane = |cpu: &cpu::CpuState, r: u32, k: u32| {
        let half = cpu.get_slot(if k < 2 { slot::v_lo(r) } else { slot::v_hi(r) });
        half >> (32 * (k & 1)) & 0xffff_ffff
    };
    let mut env = fpsimd::fenv::Env::with_fpsr(cpu.fpcr, cpu.fpsr);
    let f = Fmt::S;
    let one = 0x3f80_0000;
    let mut out = [0u64; 4];
    for (k, o) in out.iter_mut().enumerate().take(lanes) {
        let a = f.flush_in(&mut env, lane(cpu, n, k as u32));
        let b = f.flush_in(&mut env, lane(cpu, m, k as u32));
        let inf_zero = (f.is_inf(a) && f.is_zero(b)) || (f.is_zero(a) && f.is_inf(b));
        let p = if inf_zero && !f.is_nan(a) && !f.is_nan(b) {
            0
        } else {
            bin(&mut env, f, Bin::Mul, a, b)
        };
        // 2 - p*1 and (3 - p*1) / 2 round once: the remaining subtraction (and halving).
        *o = step(&mut env, f, p, one, two);
    }
    cpu.set_slot(slot::v_lo(d), out[0] | out[1] << 32);
    cpu.set_slot(slot::v_hi(d), out[2] | out[3] << 32);
    cpu.fpsr |= env.flags;
    0
}

/// The A64 two-register-miscellaneous form (U, size, opcode, floating point) of a row of the
/// A32 group, or None for an undefined size or opcode.
fn misc(id: I, w: u32) -> Option<(u32, u32, u32, bool)> {
    use I::*;
    let size = w >> 18 & 3;
    if size == 3 {
        return None;
    }
    let o7 = bit(w, 7);
    let float = bit(w, 10) == 1;
    let single = |u, sz, op| (size == 2).then_some((u, sz, op, true));
    match id {
        Vrev => match w >> 7 & 3 {
            0 => Some((0, size, 0b00000, false)),
            1 => Some((1, size, 0b00000, false)),
            2 => Some((0, size, 0b00001, false)),
            _ => None,
        },
        Vpaddl => Some((o7, size, 0b00010, false)),
        Vpadal => Some((o7, size, 0b00110, false)),
        Vcls => Some((0, size, 0b00100, false)),
        Vclz => Some((1, size, 0b00100, false)),
        Vcnt | Vmvn if size != 0 => None,
        Vcnt => Some((0, 0, 0b00101, false)),
        Vmvn => Some((1, 0, 0b00101, false)),
        Vqabs => Some((o7, size, 0b00111, false)),
        VcmpZ => {
            let (u, op) = match w >> 7 & 7 {
                0 => (0, 0),
                1 => (1, 0),
                2 => (0, 1),
                3 => (1, 1),
                4 => (0, 2),
                _ => return None,
            };
            if float {
                single(u, 2, 0b01100 + op)
            } else {
                Some((u, size, 0b01000 + op, false))
            }
        }
        Vabs if float => single(o7, 2, 0b01111),
        Vabs => Some((o7, size, 0b01011, false)),
        Vrint => match w >> 7 & 7 {
            0 => single(0, 0, 0b11000),
            1 => single(1, 0, 0b11001),
            2 => single(1, 0, 0b11000),
            3 => single(0, 2, 0b11001),
            5 => single(0, 0, 0b11001),
            7 => single(0, 2, 0b11000),
            _ => None,
        },
        VcvtRm => match w >> 8 & 3 {
            0 => single(o7, 0, 0b11100),
            1 => single(o7, 0, 0b11010),
            2 => single(o7, 2, 0b11010),
            _ => single(o7, 0, 0b11011),
        },
        Vrecpe => single(0, 2, 0b11100 | bit(w, 8)),
        Vrsqrte => single(1, 2, 0b11100 | bit(w, 8)),
        VcvtInt => match w >> 7 & 3 {
            0 => single(0, 0, 0b11101),
            1 => single(1, 0, 0b11101),
            2 => single(0, 2, 0b11011),
            _ => single(1, 2, 0b11011),
        },
        _ => None,
    }
}

/// The multiplies by a scalar (Dm[x]): A64's by-element forms, which name any element of
/// V0..V15 (16-bit) or V0..V31 (32-bit), so the scalar's register needs no copy. VMLA/VMLS
/// .F32 are an FMUL by element and a separate FADD/FSUB (not fused).
fn by_scalar(s: &mut Seq, id: I, w: u32) -> bool {
    use I::*;
    let (d, n, _) = regs(w);
    let size = w >> 20 & 3;
    let u = bit(w, 24);
    let float = bit(w, 8) == 1 && matches!(id, VmlaS | VmlsS | VmulS);
    if size == 0 || (float && size != 2) {
        return false;
    }
    // The scalar: Dm[x] with Vm in bits 2..0 and x = M:Vm<3> (16-bit), or Vm in bits 3..0 and
    // x = M (32-bit); its element index in V(m / 2) counts the lanes of the lower D register.
    let (dm, x) = if size == 1 {
        (w & 7, bit(w, 5) << 1 | bit(w, 3))
    } else {
        (w & 15, bit(w, 5))
    };
    let lanes = if size == 1 { 4 } else { 2 };
    let index = x + (dm & 1) * lanes;
    let vm = dm / 2;
    let (h, l, mbit, rm) = if size == 1 {
        (index >> 2, index >> 1 & 1, index & 1, vm)
    } else {
        (index >> 1, index & 1, vm >> 4, vm & 15)
    };
    let long = matches!(
        id,
        VmlalS | VmlslS | VmullS | VqdmlalS | VqdmlslS | VqdmullS
    );
    // Q is bit 24 for the forms without a long result.
    let q = if long { 0 } else { u };
    let (rd, rn) = if long {
        (s.dst(qr(d, true)), s.src(dr(n)))
    } else {
        (s.dst(qr(d, q == 1)), s.src(qr(n, q == 1)))
    };
    // The A64 by-element opcode is A32's, except SQRDMLAH (1101) for VQRDMLAH's 1110.
    let op = match w >> 8 & 15 {
        0b1110 => 0b1101,
        o => o,
    };
    let elem = |q: u32, eu: u32, op: u32, d: u32, n: u32| {
        0x0f00_0000
            | q << 30
            | eu << 29
            | size << 22
            | l << 21
            | mbit << 20
            | rm << 16
            | op << 12
            | h << 11
            | n << 5
            | d
    };
    if float && id != VmulS {
        s.fp = true;
        let t = s.scratch();
        s.word(elem(q, 0, 0b1001, t, rn));
        let sub = (id == VmlsS) as u32;
        s.word(a64_same(q, 0, sub << 1, 0b11010, rd, rd, t));
        return true;
    }
    s.fp = float;
    let eu = match id {
        VmlaS | VmlsS if !float => 1,
        VqrdmlahS | VqrdmlshS => 1,
        _ if long => u,
        _ => 0,
    };
    s.word(elem(q, eu, op, rd, rn));
    true
}

/// VTRN, VUZP, VZIP: Dd/Qd gets the first A64 result (TRN1, UZP1, ZIP1 of d and m) and Dm/Qm
/// the second; both are computed into scratch registers first.
fn permute(s: &mut Seq, (op1, op2): (u32, u32), size: u32, d: u32, m: u32, q: bool) -> bool {
    let (a, b) = if q {
        (s.q(d), s.q(m))
    } else {
        (s.src(dr(d)), s.src(dr(m)))
    };
    let (t1, t2) = (s.scratch(), s.scratch());
    let qb = q as u32;
    s.word(a64_permute(qb, size, op1, t1, a, b));
    s.word(a64_permute(qb, size, op2, t2, a, b));
    if q {
        for hi in [false, true] {
            s.store_d(t1, hi, d + hi as u32);
            s.store_d(t2, hi, m + hi as u32);
        }
    } else {
        s.store_d(t1, false, d);
        s.store_d(t2, false, m);
    }
    true
}

/// VTBL/VTBX Dd, {Dn..Dn+len}, Dm: the table registers are packed into scratch Q registers
/// for A64's TBL, and the result is masked to the indexes the A32 table has (8 bytes per
/// register): AND with the mask for VTBL, BIT into the old Dd for VTBX.
fn table(s: &mut Seq, w: u32) -> bool {
    let (d, n, m) = regs(w);
    let len = (w >> 8 & 3) + 1;
    if n + len > 32 {
        return false;
    }
    let t0 = s.scratch();
    let t1 = s.scratch();
    for k in 0..len {
        s.load_d(n + k, t0 + k / 2, k & 1 == 1);
    }
    let rd = s.dst(dr(d));
    let rm = s.src(dr(m));
    let (res, mask) = (s.scratch(), s.scratch());
    let regs = if len > 2 { 1 } else { 0 };
    debug_assert_eq!(t1, t0 + 1);
    s.word(0x0e00_0000 | rm << 16 | regs << 13 | t0 << 5 | res);
    // MOVI mask.8B, #(8 * len); CMHI mask.8B, mask.8B, Dm.8B.
    let lim = 8 * len;
    s.word(0x0f00_e400 | (lim >> 5) << 16 | (lim & 31) << 5 | mask);
    s.word(a64_same(0, 1, 0, 0b00110, mask, mask, rm));
    if bit(w, 6) == 0 {
        s.word(a64_same(0, 0, 0, 0b00011, rd, res, mask));
    } else {
        s.word(a64_same(0, 1, 2, 0b00011, rd, res, mask));
    }
    true
}

/// VSWP: exchanges D (or Q) registers as plain IR.
fn swap(cx: &mut Ctx, d: u32, m: u32, q: bool) -> bool {
    if q && (d | m) & 1 != 0 {
        return false;
    }
    let count = if q { 2 } else { 1 };
    let a: Vec<_> = (0..count).map(|k| cx.b.get(d_slot(d + k))).collect();
    let b: Vec<_> = (0..count).map(|k| cx.b.get(d_slot(m + k))).collect();
    for k in 0..count {
        cx.set_slot(d_slot(d + k), b[k as usize]);
        cx.set_slot(d_slot(m + k), a[k as usize]);
    }
    true
}

/// VDUP (core register): R`t`'s low 8, 16 or 32 bits repeated over D`d` (or Q); conditional
/// like the integer instructions. False for an undefined form.
fn vdup_core(cx: &mut Ctx, w: u32) -> bool {
    let (d, t) = (bit(w, 7) << 4 | (w >> 16 & 15), w >> 12 & 15);
    let q = bit(w, 21) == 1;
    let be = bit(w, 22) << 1 | bit(w, 5);
    let (bits, rep) = match be {
        0 => (32, 0x0000_0001_0000_0001u64),
        1 => (16, 0x0001_0001_0001_0001),
        2 => (8, 0x0101_0101_0101_0101),
        _ => return false,
    };
    if t == 15 || (q && d & 1 != 0) || (cx.thumb && t == 13) {
        return false;
    }
    let x = cx.r(t);
    let x = cx.b.zext(x, bits);
    let k = cx.k(rep);
    let v = cx.b.bin(ir::Op::Mul, x, k);
    cx.set_slot(d_slot(d), v);
    if q {
        cx.set_slot(d_slot(d + 1), v);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every data-processing row of the table has words that lift (so no row is dead).
    #[test]
    fn every_row_lifts_some_word() {
        let d = decoder();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for e in NEON_TABLE {
            let mut ok = false;
            for _ in 0..4000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let Some(w) = decode::neon::random_word(d, e, (x >> 16) as u32) else {
                    continue;
                };
                let w = if e.id == I::VdupCore {
                    w & 0x0fff_ffff | 0xe000_0000
                } else {
                    w
                };
                if crate::implemented(w, false) {
                    ok = true;
                    break;
                }
            }
            assert!(ok, "no word of {:?} lifts", e.id);
        }
    }

    /// Inside an IT block, NEON data processing and VDUP (core) are conditional; loads and
    /// stores and the ARMv8 additions are refused.
    #[test]
    fn it_blocks() {
        // vadd.i32 q0, q2, q1; vdup.32 d0, r0; vld1.8 {d0}, [r0]; aese.8 q0, q1 (T32).
        let words = [
            (0xef24_0842u32, false),
            (0xee80_0b10, false),
            (0xf920_070f, true),
            (0xffb0_0302, true),
        ];
        for (word, undefined) in words {
            let fetch = |a: u64| match a {
                0 => Some(word >> 16),
                2 => Some(word & 0xffff),
                _ => None,
            };
            // ITSTATE for "IT EQ" at its only instruction.
            let blk = crate::lift_block_it(0, true, 0x08, &fetch, 1);
            let undef = matches!(
                blk.term,
                ir::Term::Exit { reason, pc: 0, .. } if reason == cpu::exit::UNDEFINED
            );
            assert_eq!(undef, undefined, "{word:#010x}: {blk}");
        }
    }
}
