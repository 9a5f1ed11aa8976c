//! A64 floating point and Advanced SIMD, executed one instruction at a time by a helper.
//!
//! The A64 lifter asks [`supported`] whether a word from the `decode::a64_simd` table can run and
//! emits a call to [`EXEC`] with the word. Each module holds one section of the ARM manual;
//! [`run`] dispatches on the decode table's id with an exhaustive `match`.
//!
//! Speed: [`run`] looks the word up in a per-thread direct-mapped cache of handlers, so a
//! word is decoded once per thread (and cache slot); the handler of a row with a fast path
//! ([`fast`]: SSE2 whole-vector integer ops, whole-register loads and stores, scalar FP on
//! normal numbers) tries it first and falls back to the generic, lane-by-lane handler, which
//! remains the reference ([`run_generic`]; `tests/fast_paths.rs` compares the two).
//!
//! Every handler runs in a [`Ctx`] that is either live or *dry*: a dry run goes through the same
//! decoding and field checks but touches no guest memory and works on a scratch state, which is
//! how [`supported`] agrees with the executor by construction.
//!
//! Coverage (all checked against qemu-aarch64 in `tests/`): FP/SIMD loads and stores (all
//! addressing forms, LDP/STP/LDNP/STNP, LD1-4/ST1-4 multiple and single structure, LD1R-LD4R);
//! scalar FP in half, single and double precision (arithmetic, fused multiply-add, compares,
//! FCCMP, FCSEL, FRINT*, conversions between H, S and D and to/from integers incl. fixed
//! point); Advanced SIMD integer (three same/different, vector and scalar, two-register misc,
//! across lanes, shifts by immediate incl. saturating and narrowing forms, by-element
//! multiplies, permutes, TBL/TBX, copies and modified immediates, URECPE/URSQRTE); vector FP
//! in H, S and D (arithmetic, FMLA/FMLS, pairwise, across lanes, compares, conversions incl.
//! FCVTXN with rounding to odd, FRECPE/FRSQRTE and their step instructions); AES, SHA-1,
//! SHA-256 and PMULL 1Q. That is all of ARMv8.0's FP and Advanced SIMD, plus these
//! extensions: FEAT_FP16 (half-precision arithmetic, exact in software, see [`half`]),
//! FEAT_RDM (SQRDMLAH/SQRDMLSH), FEAT_DotProd (SDOT/UDOT), FEAT_FHM (FMLAL/FMLSL and their
//! upper-half forms), FEAT_FCMA (FCMLA/FCADD), FEAT_JSCVT (FJCVTZS), FEAT_FRINTTS
//! (FRINT32/64), FEAT_I8MM (USDOT/SUDOT/SMMLA/UMMLA/USMMLA), FEAT_SHA512
//! (SHA512H/H2/SU0/SU1), FEAT_SHA3 (EOR3, RAX1, XAR, BCAX), FEAT_SM3 and FEAT_SM4.
//!
//! Not implemented (reported unsupported): BF16 (BFDOT, BFMMLA, BFMLAL, BFCVT*).
//!
//! FPCR's RMode, FZ, FZ16, DN and AHP and the FPSR flags are honoured as ARM defines. The host
//! MXCSR approach for single- and double-precision arithmetic is documented in [`fenv`].
//!
//! Guest memory is accessed directly at `mem_base + address`; an unmapped address faults inside
//! this helper, so the runtime's fault handler must attribute such faults to the guest
//! instruction that called [`EXEC`].

#![deny(missing_docs)]

pub mod crypto;
pub mod crypto_fast;
pub mod exact;
pub mod fast;
pub mod fenv;
pub mod float;
pub mod fp_arith;
pub mod fp_convert;
pub mod fp_scalar;
pub mod fp_vec;
pub mod half;
pub mod int_vec;
pub mod ldst;
pub mod moves;
pub mod vreg;

use std::cell::Cell;
use std::sync::LazyLock;

use cpu::CpuState;
use decode::Decoder;
use decode::a64_simd::{A64_SIMD, A64Simd};

/// Result of a handler: `None` means the encoding is not supported (the lifter raises SIGILL).
pub type Res = Option<()>;

/// Returns `None` from the enclosing handler unless `cond` holds.
macro_rules! ensure {
    ($c:expr) => {
        if !$c {
            return None;
        }
    };
}
pub(crate) use ensure;

/// Execution context of one instruction.
pub struct Ctx<'a> {
    /// The guest state.
    pub cpu: &'a mut CpuState,
    /// Dry run: decode and check only, never touch guest memory.
    pub dry: bool,
    /// Address of the instruction (for literal loads).
    pub pc: u64,
}

impl Ctx<'_> {
    /// X`n`, with register 31 read as SP when `sp` is true and as zero otherwise.
    pub fn x(&self, n: u32, sp: bool) -> u64 {
        if n == 31 && !sp {
            0
        } else {
            self.cpu.x[(n & 31) as usize]
        }
    }
    /// Writes X`n` (register 31 is SP when `sp`, discarded otherwise).
    pub fn set_x(&mut self, n: u32, v: u64, sp: bool) {
        if n != 31 || sp {
            self.cpu.x[(n & 31) as usize] = v;
        }
    }
    /// Loads `bytes` (1..=16) little-endian bytes from guest address `a`.
    pub fn load(&self, a: u64, bytes: usize) -> u128 {
        if self.dry {
            return 0;
        }
        let host = self.cpu.mem_base.wrapping_add(a) as *const u8;
        // SAFETY: guest memory is mapped at `mem_base + a` by the runtime; an unmapped address
        // faults like the guest access it stands for and the runtime turns it into SIGSEGV.
        // The fixed sizes are single unaligned loads (a variable-length copy would be a libc
        // call); other sizes copy at most 16 bytes, the size of `buf`.
        unsafe {
            match bytes {
                16 => u128::from_le(host.cast::<u128>().read_unaligned()),
                8 => u64::from_le(host.cast::<u64>().read_unaligned()) as u128,
                4 => u32::from_le(host.cast::<u32>().read_unaligned()) as u128,
                _ => {
                    let mut buf = [0u8; 16];
                    core::ptr::copy_nonoverlapping(host, buf.as_mut_ptr(), bytes.min(16));
                    u128::from_le_bytes(buf)
                }
            }
        }
    }
    /// Stores the low `bytes` (1..=16) bytes of `v` little-endian at guest address `a`.
    pub fn store(&mut self, a: u64, bytes: usize, v: u128) {
        if self.dry {
            return;
        }
        let host = self.cpu.mem_base.wrapping_add(a) as *mut u8;
        // SAFETY: as in `load`; the guest owns this memory and may write it.
        unsafe {
            match bytes {
                16 => host.cast::<u128>().write_unaligned(v.to_le()),
                8 => host.cast::<u64>().write_unaligned((v as u64).to_le()),
                4 => host.cast::<u32>().write_unaligned((v as u32).to_le()),
                _ => {
                    let buf = v.to_le_bytes();
                    core::ptr::copy_nonoverlapping(buf.as_ptr(), host, bytes.min(16));
                }
            }
        }
    }
    /// An FP environment for the current FPCR.
    pub fn env(&self) -> fenv::Env {
        fenv::Env::with_fpsr(self.cpu.fpcr, self.cpu.fpsr)
    }
    /// Merges the flags an operation raised into FPSR.
    pub fn flags(&mut self, env: fenv::Env) {
        self.cpu.fpsr |= env.flags;
    }
}

static DECODER: LazyLock<Decoder<A64Simd>> = LazyLock::new(|| Decoder::new(A64_SIMD));

/// The decoder over `A64_SIMD`.
pub fn decoder() -> &'static Decoder<A64Simd> {
    &DECODER
}

/// An instruction handler: runs one word of its row.
type Handler = fn(&mut Ctx, u32) -> Res;

/// Number of entries of [`CACHE`] (a power of two).
const CACHE_SIZE: usize = 1024;

thread_local! {
    /// Direct-mapped cache from instruction word to its handler (fast path first).
    ///
    /// The decoder scans a bucket of rows linearly and the dispatch on the row id is another
    /// indirect jump, which together cost more than many of the instructions; translated code
    /// calls [`EXEC`] with the same few words over and over. Per thread, so no locking is
    /// needed. Empty entries hold word 0 (never an `A64_SIMD` instruction) with [`decode_run`],
    /// which is correct for any word, so even a lookup of word 0 needs no special case.
    static CACHE: [Cell<(u32, Handler)>; CACHE_SIZE] =
        const { [const { Cell::new((0, decode_run as Handler)) }; CACHE_SIZE] };
}

/// Decodes `word` and runs it through its row's handler.
fn decode_run(cx: &mut Ctx, word: u32) -> Res {
    handler(DECODER.decode(word)?.id())(cx, word)
}

/// Executes (or, in a dry context, checks) `word`; `None` if it is not supported.
#[inline]
pub fn run(cx: &mut Ctx, word: u32) -> Res {
    // Fibonacci hashing: the varying register fields sit in the low bits, the opcode above.
    let slot = (word.wrapping_mul(0x9e37_79b9) >> 22) as usize % CACHE_SIZE;
    let (w, h) = CACHE.with(|c| c[slot].get());
    if w == word {
        return h(cx, word);
    }
    let h = handler(DECODER.decode(word)?.id());
    CACHE.with(|c| c[slot].set((word, h)));
    h(cx, word)
}

/// As [`run`] but without the fast paths of [`fast`]: the reference they are tested against.
pub fn run_generic(cx: &mut Ctx, word: u32) -> Res {
    generic(DECODER.decode(word)?.id())(cx, word)
}

/// The handler of row `id`: its fast path (see [`fast`]) if it has one, then the generic one.
fn handler(id: A64Simd) -> Handler {
    use A64Simd::*;
    /// A handler trying `$fast` first and `$slow` when it declines.
    macro_rules! fast_then {
        ($fast:expr, $slow:expr) => {
            |cx, w| {
                if $fast(cx, w) { Some(()) } else { $slow(cx, w) }
            }
        };
    }
    match id {
        SimdThreeSame => fast_then!(fast::three_same, int_vec::three_same),
        SimdTwoMisc => fast_then!(fast::two_misc, int_vec::two_misc),
        SimdShiftImm => fast_then!(fast::shift_imm, int_vec::shift_imm),
        SimdPermute => fast_then!(fast::permute, moves::permute),
        SimdAcross => fast_then!(fast::across, int_vec::across),
        SimdCopy => fast_then!(fast::dup, moves::copy),
        Fp2Src => fast_then!(fast::fp_two_src, fp_scalar::two_src),
        Fp3Src => fast_then!(fast::fp_three_src, fp_scalar::three_src),
        Fp1Src => fast_then!(fast::fp_one_src, fp_scalar::one_src),
        LdStSimdUimm => fast_then!(fast::ldr_str::<{ fast::mode::UIMM }>, |cx, w| {
            ldst::single_reg(cx, LdStSimdUimm, w)
        }),
        LdStSimdUnscaled => fast_then!(fast::ldr_str::<{ fast::mode::UNSCALED }>, |cx, w| {
            ldst::single_reg(cx, LdStSimdUnscaled, w)
        }),
        LdStSimdPost => fast_then!(fast::ldr_str::<{ fast::mode::POST }>, |cx, w| {
            ldst::single_reg(cx, LdStSimdPost, w)
        }),
        LdStSimdPre => fast_then!(fast::ldr_str::<{ fast::mode::PRE }>, |cx, w| {
            ldst::single_reg(cx, LdStSimdPre, w)
        }),
        LdStSimdReg => fast_then!(fast::ldr_str::<{ fast::mode::REG }>, |cx, w| {
            ldst::single_reg(cx, LdStSimdReg, w)
        }),
        LdStMulti => fast_then!(|cx, w| fast::ld1_st1(cx, w, false), |cx, w| ldst::multi(
            cx, w, false
        )),
        LdStMultiPost => fast_then!(|cx, w| fast::ld1_st1(cx, w, true), |cx, w| ldst::multi(
            cx, w, true
        )),
        CryptoAes => fast_then!(crypto_fast::aes, crypto::aes),
        CryptoSha3 => fast_then!(crypto_fast::sha3reg, crypto::sha3reg),
        CryptoSha2 => fast_then!(crypto_fast::sha2reg, crypto::sha2reg),
        SimdThreeDiff => fast_then!(crypto_fast::pmull, int_vec::three_diff),
        _ => generic(id),
    }
}

/// The generic handler of row `id`.
fn generic(id: A64Simd) -> Handler {
    use A64Simd::*;
    match id {
        LdStSimdUimm => |cx, w| ldst::single_reg(cx, LdStSimdUimm, w),
        LdStSimdUnscaled => |cx, w| ldst::single_reg(cx, LdStSimdUnscaled, w),
        LdStSimdPost => |cx, w| ldst::single_reg(cx, LdStSimdPost, w),
        LdStSimdPre => |cx, w| ldst::single_reg(cx, LdStSimdPre, w),
        LdStSimdReg => |cx, w| ldst::single_reg(cx, LdStSimdReg, w),
        LdrSimdLit => ldst::literal,
        LdStPairSimd => ldst::pair,
        LdStMulti => |cx, w| ldst::multi(cx, w, false),
        LdStMultiPost => |cx, w| ldst::multi(cx, w, true),
        LdStSingle => |cx, w| ldst::single_lane(cx, w, false),
        LdStSinglePost => |cx, w| ldst::single_lane(cx, w, true),
        FcvtToInt | FcvtaToInt => fp_scalar::fcvt_to_int,
        CvtfFromInt => fp_scalar::cvtf,
        FmovGenToFp => moves::fmov_gen,
        FpFixedConv => fp_scalar::fixed,
        Fp1Src => fp_scalar::one_src,
        Fcmp => fp_scalar::fcmp,
        FmovImm => moves::fmov_imm,
        Fccmp => fp_scalar::fccmp,
        Fp2Src => fp_scalar::two_src,
        Fcsel => fp_scalar::fcsel,
        Fp3Src => fp_scalar::three_src,
        SimdThreeSame => int_vec::three_same,
        SimdThreeDiff => int_vec::three_diff,
        SimdTwoMisc => int_vec::two_misc,
        SimdAcross => int_vec::across,
        SimdCopy => moves::copy,
        SimdModImm => moves::mod_imm,
        SimdShiftImm => int_vec::shift_imm,
        SimdIndexed => |cx, w| fp_vec::indexed(cx, w, false),
        SimdScalarIndexed => |cx, w| fp_vec::indexed(cx, w, true),
        SimdPermute => moves::permute,
        SimdExt => moves::ext,
        SimdTbl => moves::tbl,
        SimdScalarThreeSame => int_vec::scalar_three_same,
        SimdScalarThreeDiff => int_vec::scalar_three_diff,
        SimdThreeSameFp16 => |cx, w| fp_vec::three_same_h(cx, w, false),
        SimdScalarThreeSameFp16 => |cx, w| fp_vec::three_same_h(cx, w, true),
        SimdTwoMiscFp16 => |cx, w| fp_vec::two_misc_h(cx, w, false),
        SimdScalarTwoMiscFp16 => |cx, w| fp_vec::two_misc_h(cx, w, true),
        SimdThreeSameExtra => |cx, w| int_vec::three_same_extra(cx, w, false),
        SimdScalarThreeSameExtra => |cx, w| int_vec::three_same_extra(cx, w, true),
        SimdScalarTwoMisc => int_vec::scalar_two_misc,
        SimdScalarPairwise => int_vec::scalar_pairwise,
        SimdScalarDup => moves::scalar_dup,
        SimdScalarShiftImm => int_vec::scalar_shift_imm,
        CryptoAes => crypto::aes,
        CryptoSha3 => crypto::sha3reg,
        CryptoSha2 => crypto::sha2reg,
        CryptoSha512Three => crypto::sha512_three,
        CryptoSha512Two => crypto::sha512_two,
        CryptoFour => crypto::four_reg,
        CryptoXar => crypto::xar,
        CryptoSm3Tt => crypto::sm3tt,
    }
}

/// True iff `word` has a row in `A64_SIMD` and this executor implements that encoding.
pub fn supported(word: u32) -> bool {
    let mut scratch = CpuState::default();
    let mut cx = Ctx {
        cpu: &mut scratch,
        dry: true,
        pc: 0,
    };
    run(&mut cx, word).is_some()
}

/// Executes one instruction on the guest state; returns 0, or 1 if the word is unsupported
/// (the lifter only emits calls for supported words, so 1 means a lifter bug).
///
/// # Safety
/// `cpu` must point at a valid, exclusively accessible `cpu::CpuState` whose `mem_base` maps
/// the guest memory the instruction touches.
unsafe extern "C" fn exec(cpu: *mut u8, word: u64, pc: u64, _unused: u64) -> u64 {
    // SAFETY: the caller passes the guest's CpuState, which no one else touches during the call.
    let cpu = unsafe { &mut *(cpu as *mut CpuState) };
    let mut cx = Ctx {
        cpu,
        dry: false,
        pc,
    };
    match run(&mut cx, word as u32) {
        Some(()) => 0,
        None => 1,
    }
}

/// The helper: `func(cpu, word, pc, 0) -> 0` executes one FP/SIMD instruction.
pub static EXEC: ir::Helper = ir::Helper {
    name: "fpsimd",
    func: exec,
};

/// Executes `word` at `pc` on `cpu`; false if the word is unsupported (nothing changed then).
///
/// # Safety
/// Loads and stores access host memory at `cpu.mem_base + guest address`, which must be valid.
pub unsafe fn execute(cpu: &mut CpuState, word: u32, pc: u64) -> bool {
    let mut cx = Ctx {
        cpu,
        dry: false,
        pc,
    };
    run(&mut cx, word).is_some()
}

/// As [`execute`], through the generic handlers only (see [`run_generic`]).
///
/// # Safety
/// As for [`execute`].
pub unsafe fn execute_generic(cpu: &mut CpuState, word: u32, pc: u64) -> bool {
    let mut cx = Ctx {
        cpu,
        dry: false,
        pc,
    };
    run_generic(&mut cx, word).is_some()
}

/// Bits `hi..=lo` of `w`.
pub(crate) fn bits(w: u32, hi: u32, lo: u32) -> u32 {
    (w >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}
/// Rd/Rt (bits 4..0).
pub(crate) fn rd(w: u32) -> u32 {
    w & 31
}
/// Rn (bits 9..5).
pub(crate) fn rn(w: u32) -> u32 {
    w >> 5 & 31
}
/// Rm (bits 20..16).
pub(crate) fn rm(w: u32) -> u32 {
    w >> 16 & 31
}
/// Bit `b` of `w` as a bool.
pub(crate) fn bit(w: u32, b: u32) -> bool {
    w >> b & 1 != 0
}
