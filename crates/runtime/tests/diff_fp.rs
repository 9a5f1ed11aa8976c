//! Differential test for lifted FP and SIMD: random sequences of FP- and SIMD-class words
//! (arithmetic, fused multiply-add, compares, moves, conversions, vector FADD/FMUL/FMLA...) run
//! on the JIT, whose inline SSE fast paths must agree bit for bit with the exact helpers the
//! interpreter calls, from random register values rich in special cases (zeros, denormals,
//! infinities, NaNs, values near the overflow and underflow thresholds and the integer
//! limits) under random FPCR and FPSR states. Besides random words of every FP and SIMD row,
//! the scalar forms the lifter inlines are drawn from templates of their own, so each of them
//! comes up often.

mod common;

use common::run_both;
use cpu::CpuState;
use decode::{Class, Decoder, a64_simd::A64_SIMD};
use proptest::prelude::*;

/// A register value: a double, two singles or raw bits, often special.
fn fp_value() -> impl Strategy<Value = u64> {
    let special_d = prop::sample::select(vec![
        0u64,
        1 << 63,
        1,                     // smallest denormal
        0x000f_ffff_ffff_ffff, // largest denormal
        0x0010_0000_0000_0000, // smallest normal
        0x0020_0000_0000_0000,
        0x7fef_ffff_ffff_ffff, // largest normal
        0x7ff0_0000_0000_0000, // +inf
        0xfff0_0000_0000_0000, // -inf
        0x7ff8_0000_0000_0000, // quiet NaN
        0x7ff4_0000_0000_0001, // signalling NaN
        0x3ff0_0000_0000_0000, // 1.0
        0x4000_0000_0000_0000, // 2.0
        0x2000_0000_0000_0000, // ~1e-154: squares underflow
        0x5fe0_0000_0000_0000, // ~1e154: squares overflow
        0x41e0_0000_0000_0000, // 2^31
        0xc1e0_0000_0000_0000, // -2^31
        0x41df_ffff_ffe0_0000, // 2^31 - 0.5
        0xc1e0_0000_0020_0000, // -2^31 - 1
        0x41f0_0000_0000_0000, // 2^32
        0x41ef_ffff_ffe0_0000, // 2^32 - 1
        0x43e0_0000_0000_0000, // 2^63
        0xc3e0_0000_0000_0000, // -2^63
        0x43f0_0000_0000_0000, // 2^64
        0x43ef_ffff_ffff_ffff, // just below 2^64
        0x3fe0_0000_0000_0000, // 0.5
        0xbfe8_0000_0000_0000, // -0.75
        0xc004_0000_0000_0000, // -2.5: a tie
        0xbff0_0000_0000_0000, // -1.0
        0x4340_0000_0000_0001, // 2^54 + 4: an integer no single holds
        0x47ef_ffff_f000_0000, // rounds up to single overflow
        0x380f_ffff_f000_0000, // rounds up to the smallest normal single
        0x36a0_0000_0000_0000, // below the smallest single denormal
    ]);
    let special_s = prop::sample::select(vec![
        0u32,
        0x8000_0000,
        1,
        0x007f_ffff,
        0x0080_0000,
        0x0100_0000,
        0x7f7f_ffff,
        0x7f80_0000,
        0xff80_0000,
        0x7fc0_0000,
        0x7fa0_0001,
        0x3f80_0000,
        0x4000_0000,
        0x1f80_0000,
        0x5f00_0000,
        0x4f00_0000, // 2^31
        0xcf00_0000, // -2^31
        0x4f80_0000, // 2^32
        0x4f7f_ffff, // just below 2^32
        0x5f00_0000, // 2^63
        0xdf00_0000, // -2^63
        0x5f80_0000, // 2^64
        0x3f00_0000, // 0.5
        0xbf40_0000, // -0.75
        0x4020_0000, // 2.5: a tie
        0xbf80_0000, // -1.0
        0x4b80_0001, // 2^24 + 2
    ]);
    prop_oneof![
        3 => (-1e6f64..1e6).prop_map(f64::to_bits),
        2 => (-1e3f32..1e3, -1e3f32..1e3).prop_map(|(a, b)| a.to_bits() as u64 | (b.to_bits() as u64) << 32),
        1 => (-1e3f32..1e3).prop_map(|a| a.to_bits() as u64),
        2 => special_d,
        2 => special_s.prop_map(u64::from),
        1 => any::<u64>(),
    ]
}

/// A general register value: often an integer limit or near a format's precision.
fn int_value() -> impl Strategy<Value = u64> {
    let special = prop::sample::select(vec![
        0u64,
        1,
        u64::MAX,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0xffff_ffff_8000_0000,
        0x7fff_ffff_ffff_ffff,
        0x8000_0000_0000_0000,
        0x8000_0000_0000_0001,
        0x0100_0001,           // 2^24 + 1: the first integer no single holds
        0x0020_0000_0000_0001, // 2^53 + 1: the first integer no double holds
        0xffdf_ffff_ffff_ffff,
        0x7fff_ff80_0000_0000,
    ]);
    prop_oneof![
        2 => special,
        2 => (-100_000i64..100_000).prop_map(|v| v as u64),
        1 => any::<u64>(),
    ]
}

/// Scalar instructions the lifter inlines: (fixed bits, free bits). The free bits cover
/// precision, sf, the operation variants and the register fields, limited to registers 0..7
/// (Rd bits 2:0, Rn bits 7:5, Rm bits 18:16, Ra bits 12:10).
const INLINED: [(u32, u32); 13] = [
    // SCVTF, UCVTF (W or X to S or D).
    (0x1e22_0000, 1 << 31 | 1 << 22 | 1 << 16 | 0xe7),
    // FCVTZS, FCVTZU (S or D to W or X), twice as often as the other roundings.
    (0x1e38_0000, 1 << 31 | 1 << 22 | 1 << 16 | 0xe7),
    // FCVTNS/U, FCVTPS/U, FCVTMS/U, FCVTZS/U, FCVTAS/U (opcodes 000, 001, 100, 101; the last
    // two are unallocated but with rmode 00, and such words are filtered out).
    (0x1e20_0000, 1 << 31 | 1 << 22 | 0x1d_0000 | 0xe7),
    // FCVT Dd, Sn and FCVT Sd, Dn.
    (0x1e22_c000, 0xe7),
    (0x1e62_4000, 0xe7),
    // FCSEL with any condition.
    (0x1e20_0c00, 1 << 22 | 0x7_f000 | 0xe7),
    // FCCMP, FCCMPE with any condition and NZCV.
    (0x1e20_0400, 1 << 22 | 0x7_f000 | 0xff),
    // FMAX, FMIN, FMAXNM, FMINNM.
    (0x1e20_4800, 1 << 22 | 0x7_3000 | 0xe7),
    // FMUL, FDIV, FADD, FSUB, FNMUL (and the unallocated opcodes 9 to 11).
    (0x1e20_0800, 1 << 22 | 0x7_b000 | 0xe7),
    // FMOV (scalar, immediate).
    (0x1e20_1000, 1 << 22 | 0x1f_e000 | 0x7),
    // FRINTN, FRINTP, FRINTM, FRINTZ, FRINTA, FRINTX, FRINTI (and the unallocated 13).
    (0x1e24_4000, 1 << 22 | 0x3_8000 | 0xe7),
    // FCMP, FCMPE (register forms).
    (0x1e20_2000, 1 << 22 | 0x7_0000 | 0xf0),
    // FMADD, FMSUB, FNMADD, FNMSUB.
    (0x1f00_0000, 1 << 22 | 1 << 21 | 0x7_9c00 | 0xe7),
];

/// Scalar FP rows plus the Advanced SIMD rows (whose vector FADD/FMUL/FMLA... the JIT also
/// runs inline).
fn fp_rows() -> Vec<&'static decode::Entry<decode::a64_simd::A64Simd>> {
    A64_SIMD
        .iter()
        .filter(|e| matches!(e.class, Class::Fp | Class::Simd))
        .collect()
}

/// FADD Dd, Dn, Dm and FMUL Dd, Dn, Dm with the register fields clear (see [`op`]).
const FADD_D: u32 = 0x1e60_2800;
const FMUL_D: u32 = 0x1e60_0800;
/// FADD Sd, Sn, Sm and FMUL Sd, Sn, Sm.
const FADD_S: u32 = 0x1e20_2800;
const FMUL_S: u32 = 0x1e20_0800;

/// Runs, for each (double, x, y), FMUL D0 = D1 * D2 alone and the block `several(fmul,
/// fadd)` gives (of the cases' precision) from D1 = `x` and D2 = `y` on both backends (see
/// [`both_fpsr`]).
fn products_match(
    cases: impl IntoIterator<Item = (bool, u64, u64)>,
    several: impl Fn(u32, u32) -> Vec<u32>,
) {
    for (double, x, y) in cases {
        let (mul, add) = if double {
            (FMUL_D, FADD_D)
        } else {
            (FMUL_S, FADD_S)
        };
        for code in [vec![op(mul, 0, 1, 2)], several(mul, add)] {
            both_fpsr(&code, x, y, 5);
        }
    }
}

/// Three-register instruction `base` with Rd `d`, Rn `n` and Rm `m`.
fn op(base: u32, d: u32, n: u32, m: u32) -> u32 {
    base | m << 16 | n << 5 | d
}

fn same(a: &CpuState, b: &CpuState) -> bool {
    a.x == b.x
        && a.v == b.v
        && a.nzcv == b.nzcv
        && a.fpsr == b.fpsr
        && a.pc == b.pc
        && a.exit_reason == b.exit_reason
}

/// Fails unless the interpreter's state `a` and the JIT's `b` are [`same`], showing the case
/// `what` and both sides' first `regs` vector registers and FPSR.
fn assert_same(a: &CpuState, b: &CpuState, regs: usize, what: &str) {
    assert!(
        same(a, b),
        "{what}\ninterp {:x?} {:#x}\njit    {:x?} {:#x}",
        &a.v[..regs],
        a.fpsr,
        &b.v[..regs],
        b.fpsr
    );
}

#[test]
fn fp_rows_exist() {
    assert!(fp_rows().len() >= 10, "FP class rows look incomplete");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn fp_jit_matches_interpreter(
        picks in prop::collection::vec((any::<usize>(), any::<u32>(), 0u32..8, 0u32..8, 0u32..8), 1..16),
        inlined in prop::bool::weighted(0.6),
        vals in prop::collection::vec(fp_value(), 8),
        highs in prop::collection::vec(fp_value(), 8),
        xregs in prop::collection::vec(int_value(), 8),
        rmode in prop_oneof![4 => Just(0u64), 1 => 0u64..4],
        fz in prop::bool::weighted(0.15),
        dn in prop::bool::weighted(0.2),
        ahp in prop::bool::weighted(0.1),
        fpsr in prop_oneof![3 => Just(0x10u64), 1 => Just(0u64), 1 => 0u64..0x20],
        nzcv in 0u64..16,
    ) {
        let d = Decoder::new(A64_SIMD);
        let rows = fp_rows();
        // Registers 0..7 only, so instructions feed each other's results.
        let code: Vec<u32> = picks
            .iter()
            .filter_map(|&(row, bits, rd, rn, rm)| {
                let w = if inlined {
                    let (fixed, free) = INLINED[row % INLINED.len()];
                    fixed | bits & free
                } else {
                    let w = d.random_word(rows[row % rows.len()], bits)?;
                    (w & !0x001f_03ff) | rm << 16 | rn << 5 | rd
                };
                a64::implemented(w).then_some(w)
            })
            .collect();
        prop_assume!(!code.is_empty());
        let mut init = CpuState::default();
        for (i, (v, h)) in vals.iter().zip(&highs).enumerate() {
            init.v[i] = [*v, *h];
        }
        init.x[..8].copy_from_slice(&xregs);
        init.fpcr = rmode << 22 | (fz as u64) << 24 | (dn as u64) << 25 | (ahp as u64) << 26;
        init.fpsr = fpsr;
        init.nzcv = nzcv << 28;
        let (a, b) = run_both(&code, &init);
        prop_assert!(same(&a, &b), "code {:08x?}\ninterp {:x?}\njit    {:x?}", code, a, b);
    }
}

/// A write of FPSR in the middle of a block of inline FP operations (MSR FPSR, clearing IXC
/// here) is seen by the operations after it: an inexact result there raises IXC again, which
/// the inline fast path (taken only while IXC is set) must leave to the helper. From the
/// default FP state and from others.
#[test]
fn fpsr_written_mid_block_is_seen_by_later_operations() {
    const MSR_FPSR_X0: u32 = 0xd51b_4420;
    let code = [
        op(FADD_D, 0, 1, 2),
        op(FMUL_D, 5, 1, 2),
        MSR_FPSR_X0,
        op(FADD_D, 3, 0, 1),
        op(FMUL_D, 4, 3, 2),
    ];
    for (fpcr, fpsr) in [(0, 0x10), (0, 0), (1 << 22, 0x10), (1 << 24, 0x10)] {
        for x0 in [0u64, 0x10, 0x1] {
            let mut init = CpuState::default();
            init.v[1] = [0.1f64.to_bits(), 0];
            init.v[2] = [0.2f64.to_bits(), 0];
            init.x[0] = x0;
            init.fpcr = fpcr;
            init.fpsr = fpsr;
            let (a, b) = run_both(&code, &init);
            assert_same(
                &a,
                &b,
                6,
                &format!("fpcr {fpcr:#x} fpsr {fpsr:#x} x0 {x0:#x}"),
            );
            assert_eq!(a.fpsr & 0x10, 0x10, "the last operations are inexact");
        }
    }
}

/// Double results feed the next FP operation from the xmm register they were computed in:
/// as its first, second and addend operand, twice over, after a fused multiply-add (whose
/// result is in another register), across general-register instructions, and not across SIMD
/// lane operations and helper calls, which clobber xmm registers. From values that take the
/// fast path and ones whose special results take the helper, under each FP state.
#[test]
fn fp_results_kept_in_xmm_registers_match_interpreter() {
    const FSUB: u32 = 0x1e60_3800;
    const FDIV: u32 = 0x1e60_1800;
    const FMADD: u32 = 0x1f40_0000;
    const CMEQ0_16B: u32 = 0x4e20_9800;
    const UMAXP_16B: u32 = 0x6e20_a400;
    const AESE: u32 = 0x4e28_4800;
    const ADD_X: u32 = 0x8b00_0000;
    let fmadd = |d: u32, n: u32, m: u32, a: u32| FMADD | m << 16 | a << 10 | n << 5 | d;
    let chain = vec![
        op(FADD_D, 0, 1, 2),
        op(FMUL_D, 3, 0, 1),
        op(FSUB, 4, 2, 3),
        fmadd(5, 1, 2, 4),
        op(FDIV, 6, 5, 5),
        op(ADD_X, 1, 1, 2),
        op(FADD_D, 7, 6, 1),
    ];
    // FCVT Sd, Dn of a result kept in xmm0, after an instruction that leaves 0 in rax (UMULH
    // of 2^32 by 2^32): the conversion checks the operand's bits for exactness, which must come
    // from the register it is in (from 1 + 2^-40, an exact sum no single holds).
    const FCVT_S_D: u32 = 0x1e62_4000;
    const UMULH: u32 = 0x9bc0_7c00;
    let mut seqs = vec![
        chain,
        vec![
            op(FADD_D, 0, 1, 2),
            op(UMULH, 3, 1, 2),
            op(FCVT_S_D, 6, 0, 0),
        ],
    ];
    // V9 and V10 are such that a lane operation leaves a number in xmm0 whose product with V4
    // (1e300) is normal, so a value wrongly taken from there would give a wrong fast-path
    // result rather than go to the helper.
    for between in [
        op(CMEQ0_16B, 8, 10, 0),
        op(UMAXP_16B, 8, 9, 9),
        op(AESE, 8, 9, 0),
    ] {
        seqs.push(vec![op(FADD_D, 0, 1, 2), between, op(FMUL_D, 3, 0, 4)]);
    }
    let values = [
        (0.1f64, 0.2f64),
        (1e-310, 3.0),
        (f64::MAX, 2.0),
        (0.0, -0.0),
        (f64::NAN, 1.0),
        (1.0, f64::INFINITY),
        (1.0 + 2f64.powi(-40), 0.0),
    ];
    for code in &seqs {
        for &(p, q) in &values {
            for (fpcr, fpsr) in [(0u64, 0x10u64), (0, 0), (1 << 24, 0x10), (1 << 22, 0x10)] {
                let mut init = CpuState::default();
                init.v[1] = [p.to_bits(), 0];
                init.v[2] = [q.to_bits(), 0];
                init.v[4] = [1e300f64.to_bits(), 0];
                // UMAXP of V9: 1.0; CMEQ #0 of V10: 0xff (a denormal).
                init.v[9] = [0, 0x003f_00f0_0000_0000];
                init.v[10] = [0x0101_0101_0101_0100; 2];
                init.x[1] = 1 << 32;
                init.x[2] = 1 << 32;
                init.fpcr = fpcr;
                init.fpsr = fpsr;
                let (a, b) = run_both(code, &init);
                let what = format!("code {code:08x?} values {p} {q} fpcr {fpcr:#x} fpsr {fpsr:#x}");
                assert_same(&a, &b, 11, &what);
            }
        }
    }
}

/// Runs `code` from D1 = `x` and D2 = `y`, with FPSR.IXC set (the inline fast paths run) and
/// clear, on both backends, which must agree (in the first `regs` vector registers shown).
fn both_fpsr(code: &[u32], x: u64, y: u64, regs: usize) {
    for fpsr in [0x10, 0] {
        let mut init = CpuState::default();
        init.v[1] = [x, 0];
        init.v[2] = [y, 0];
        init.fpsr = fpsr;
        let (a, b) = run_both(code, &init);
        let what = format!("{x:#x} {y:#x} code {code:08x?} fpsr {fpsr:#x}");
        assert_same(&a, &b, regs, &what);
    }
}

/// Results at the edges of the range the inline fast path takes (biased exponents 2 up to the
/// largest finite one) match the helper: the smallest normal reached by rounding up a tiny
/// result (ARM raises Underflow there, detecting tininess before rounding; x86 does not), an
/// exact one, denormals, zeros, the largest finite and infinities, for doubles and singles,
/// in a block of one operation and in one of several (whose FP state check is hoisted), with
/// FPSR.IXC set (so the fast path runs) and clear.
#[test]
fn results_at_the_fast_path_edges_match_interpreter() {
    // (double, a, b): FMUL a, b and FADD a, b land on or next to an edge.
    let cases: [(bool, u64, u64); 12] = [
        (true, 0x0010_0000_0000_0000, 0x3fef_ffff_ffff_ffff), // rounds up to the smallest normal
        (true, 0x0020_0000_0000_0000, 0x3fef_ffff_ffff_ffff), // exponent 1, exact
        (true, 0x0020_0000_0000_0000, 0x3ff0_0000_0000_0000), // exponent 2
        (true, 0x0010_0000_0000_0000, 0x3fe0_0000_0000_0000), // a denormal
        (true, 0x7fef_ffff_ffff_ffff, 0x3ff0_0000_0000_0000), // the largest finite
        (true, 0x7fef_ffff_ffff_ffff, 0x4000_0000_0000_0000), // overflow
        (true, 0x8010_0000_0000_0000, 0x0010_0000_0000_0001), // sums to the smallest denormal
        (false, 0x0080_0000, 0x3f7f_ffff),                    // rounds up to the smallest normal
        (false, 0x0100_0000, 0x3f7f_ffff),                    // exponent 1, exact
        (false, 0x0100_0000, 0x3f80_0000),                    // exponent 2
        (false, 0x7f7f_ffff, 0x3f80_0000),                    // the largest finite
        (false, 0x7f7f_ffff, 0x4000_0000),                    // overflow
    ];
    products_match(cases, |mul, add| {
        vec![op(mul, 0, 1, 2), op(add, 3, 1, 2), op(mul, 4, 2, 1)]
    });
}

/// The vector forms (FADD and FMUL of 4S, 2S and 2D, and FMLA 4S) at the same edges, with the
/// edge operands in one lane and ordinary ones (1.0 and 1.5) in the others: the JIT's fast path
/// checks every lane's exponent at once (against a bias and limits read in place, see the
/// JIT's `emit::lanes`) and must leave any lane out of range to the helper, whose FPSR flags
/// (underflow, overflow) the host's packed operation does not give. FPSR.IXC set and clear.
#[test]
fn vector_results_at_the_fast_path_edges_match_interpreter() {
    // (double lanes, lanes, FADD, FMUL, FMLA or none), and (a, b) edge operands of each size.
    const FMLA_4S: u32 = 0x4e20_cc00;
    let forms: [(bool, usize, u32, u32, Option<u32>); 3] = [
        (false, 4, 0x4e20_d400, 0x6e20_dc00, Some(FMLA_4S)),
        (false, 2, 0x0e20_d400, 0x2e20_dc00, None),
        (true, 2, 0x4e60_d400, 0x6e60_dc00, None),
    ];
    let singles: [(u64, u64); 6] = [
        (0x0080_0000, 0x3f7f_ffff), // rounds up to the smallest normal
        (0x0100_0000, 0x3f7f_ffff), // exponent 1, exact
        (0x0100_0000, 0x3f80_0000), // exponent 2
        (0x7f7f_ffff, 0x3f80_0000), // the largest finite
        (0x7f7f_ffff, 0x4000_0000), // overflow
        (0x7f80_0000, 0x3f80_0000), // infinity
    ];
    let doubles: [(u64, u64); 5] = [
        (0x0010_0000_0000_0000, 0x3fef_ffff_ffff_ffff),
        (0x0020_0000_0000_0000, 0x3ff0_0000_0000_0000),
        (0x0010_0000_0000_0000, 0x3fe0_0000_0000_0000),
        (0x7fef_ffff_ffff_ffff, 0x3ff0_0000_0000_0000),
        (0x7fef_ffff_ffff_ffff, 0x4000_0000_0000_0000),
    ];
    for (double, lanes, fadd, fmul, fmla) in forms {
        let (edges, one, one_half): (&[(u64, u64)], u64, u64) = if double {
            (&doubles, 0x3ff0_0000_0000_0000, 0x3ff8_0000_0000_0000)
        } else {
            (&singles, 0x3f80_0000, 0x3fc0_0000)
        };
        let bits = if double { 64 } else { 32 };
        // The 128-bit register with `edge` in lane `k` and `other` in the rest (a 2S form
        // reads the low two lanes only).
        let vector = |k: usize, edge: u64, other: u64| {
            let mut v = [0u64; 2];
            for lane in 0..128 / bits {
                let x = if lane == k { edge } else { other };
                v[lane * bits / 64] |= x << (lane * bits % 64);
            }
            v
        };
        for &(x, y) in edges {
            for k in 0..lanes {
                let mut code = vec![op(fmul, 0, 1, 2), op(fadd, 3, 1, 2)];
                code.extend(fmla.map(|f| op(f, 4, 1, 2)));
                for fpsr in [0x10, 0] {
                    let mut init = CpuState::default();
                    init.v[1] = vector(k, x, one);
                    init.v[2] = vector(k, y, one_half);
                    init.v[4] = vector(k, 0, one);
                    init.fpsr = fpsr;
                    let (a, b) = run_both(&code, &init);
                    let what = format!("lane {k} of {x:#x} {y:#x} code {code:08x?} fpsr {fpsr:#x}");
                    assert_same(&a, &b, 5, &what);
                }
            }
        }
    }
}

/// Products that are zero: with a zero operand they are exact, and the JIT's check after the
/// fast path (`fp::zero_product`) takes them back without the helper; the others (a product
/// that underflowed to zero, zero times infinity or NaN, zero times a denormal) still go to the
/// helper. Both signs, doubles and singles, the product alone, added to (its value held in an
/// xmm register) and left to a register write, FPSR.IXC set and clear.
#[test]
fn zero_products_match_interpreter() {
    let doubles: [(u64, u64); 9] = [
        (0, 0x3ff8_0000_0000_0000),                     // +0 * 1.5
        (0x8000_0000_0000_0000, 0x3ff8_0000_0000_0000), // -0 * 1.5
        (0xc008_0000_0000_0000, 0),                     // -3 * +0
        (0x8000_0000_0000_0000, 0x8000_0000_0000_0000), // -0 * -0
        (0, 0x7ff0_0000_0000_0000),                     // 0 * inf: invalid
        (0x8000_0000_0000_0000, 0x7ff8_0000_0000_0000), // -0 * NaN
        (0, 1),                                         // 0 * the smallest denormal
        (0x2000_0000_0000_0000, 0x2000_0000_0000_0000), // underflows to zero
        (0x0000_0000_0000_0001, 0x3fe0_0000_0000_0000), // rounds to zero
    ];
    let singles: [(u64, u64); 7] = [
        (0, 0x3fc0_0000),
        (0x8000_0000, 0x3fc0_0000),
        (0xc040_0000, 0),
        (0, 0x7f80_0000),
        (0, 1),
        (0x1000_0000, 0x1000_0000),
        (0x0000_0001, 0x3f00_0000),
    ];
    let cases = doubles
        .iter()
        .map(|&(x, y)| (true, x, y))
        .chain(singles.iter().map(|&(x, y)| (false, x, y)));
    // The product read by the next operation, then overwritten by another product.
    products_match(cases, |mul, add| {
        vec![
            op(mul, 0, 1, 2),
            op(add, 3, 0, 1),
            op(mul, 4, 2, 1),
            op(mul, 0, 3, 4),
        ]
    });
}

/// Negations of doubles (FNEG, and the one inside FNMUL) work on values in xmm registers: a
/// product negated and then added, as VMLS does (the negation's result in an xmm register), a
/// negated product left to a register write (FNMUL: the result leaves the xmm registers), and
/// a negation of a register read. From ordinary values, which take the fast paths, and special
/// ones, whose helper calls read the negated value from where the negation left it.
#[test]
fn negations_of_doubles_match_interpreter() {
    const FNEG_D: u32 = 0x1e61_4000;
    const FNMUL_D: u32 = 0x1e60_8800;
    let code = [
        op(FMUL_D, 0, 1, 2),
        op(FNEG_D, 3, 0, 0),
        op(FADD_D, 4, 3, 1),
        op(FNMUL_D, 5, 1, 2),
        op(FNEG_D, 6, 2, 0),
        op(FMUL_D, 7, 6, 4),
    ];
    let values = [
        0.1f64.to_bits(),
        (-2.5f64).to_bits(),
        0x7ff8_0000_0000_0001, // quiet NaN
        0x7ff4_0000_0000_0000, // signalling NaN
        f64::INFINITY.to_bits(),
        1,                     // smallest denormal
        0x8000_0000_0000_0000, // -0
    ];
    for &x in &values {
        for &y in &values {
            both_fpsr(&code, x, y, 8);
        }
    }
}

/// Results computed into their own xmm registers (`emit::fp::vex_arithmetic`) with every xmm
/// register taken: nine values live across the block (D1, D2, D4 to D10), so the product of
/// D1 and D3 can only have D3's register (D3 is read there last) and is computed elsewhere,
/// and the difference after it (read again later, so kept in an xmm register) can only have
/// the product's, whose value the fast path reads from where it was computed, but the slow
/// path (an infinite difference) from its register. Each result must still reach its slow
/// path with its operands where they were.
#[test]
fn fp_results_in_their_own_registers_keep_the_operands_of_the_slow_path() {
    const FSUB_D: u32 = 0x1e60_3800;
    // The nine values read (sums into D`first` on), before the product and after the
    // difference, which keeps them live across both.
    let reads = |first: u32| {
        [(4, 5), (6, 7), (8, 9), (10, 1), (2, 2)]
            .into_iter()
            .zip(first..)
            .map(|((n, m), d)| op(FADD_D, d, n, m))
    };
    let mut code: Vec<u32> = reads(20).collect();
    code.extend([op(FMUL_D, 0, 1, 3), op(FSUB_D, 11, 2, 0)]);
    code.extend(reads(25));
    code.push(op(FADD_D, 30, 11, 11));
    for (d2, d3) in [
        (f64::INFINITY, 2.0),
        (1.0, 2.0),
        (1e-310, 1e-300),
        (-0.0, f64::NAN),
    ] {
        for fpsr in [0x10, 0] {
            let mut init = CpuState::default();
            for (r, v) in init.v.iter_mut().enumerate().take(11) {
                *v = [(1.0 + r as f64 / 8.0).to_bits(), 0];
            }
            init.v[2] = [d2.to_bits(), 0];
            init.v[3] = [d3.to_bits(), 0];
            init.fpsr = fpsr;
            let (a, b) = run_both(&code, &init);
            assert_same(&a, &b, 31, &format!("D2 {d2} D3 {d3} fpsr {fpsr:#x}"));
        }
    }
}

/// A branch on an FCMP's flags (B.cond right after FCMP or FCMPE, register or zero form), which
/// the JIT takes from the host compare's flags (`fp::compare_branch`), goes where the
/// interpreter's does, for every condition and operands ordered every way, unordered (quiet
/// and signalling NaNs) and denormal (with FZ, which the helper decides), doubles and singles,
/// FPSR.IXC set and clear: with NZCV left to the next block, and overwritten first (so the
/// compare's NZCV word is not computed at all). So do selects of those flags (CSEL, CSEL and
/// CSINC, FCSEL), alone and after a branch on them (a later condition of the same flags,
/// which reads the NZCV word).
#[test]
fn branches_on_fp_compares_match_interpreter() {
    const FCMP_D: u32 = 0x1e60_2000;
    const FCMP_S: u32 = 0x1e20_2000;
    // B.cond +12 and CMP X0, X0 (both ways of the branch set the flags first).
    const B_COND_12: u32 = 0x5400_0060;
    const CMP_X0_X0: u32 = 0xeb00_001f;
    // CSEL X0, X1, X2; CSINC X4, X2, X1; FCSEL D3, D1, D2 (the condition in bits 15:12).
    const CSEL: u32 = 0x9a82_0020;
    const CSINC: u32 = 0x9a81_0444;
    const FCSEL: u32 = 0x1e62_0c23;
    let doubles: [u64; 7] = [
        0x3ff0_0000_0000_0000, // 1.0
        0xbff0_0000_0000_0000, // -1.0
        0,
        0x8000_0000_0000_0000,
        0x7ff8_0000_0000_0000, // quiet NaN
        0x7ff4_0000_0000_0001, // signalling NaN
        1,                     // a denormal
    ];
    let singles: [u64; 7] = [
        0x3f80_0000,
        0xbf80_0000,
        0,
        0x8000_0000,
        0x7fc0_0000,
        0x7fa0_0001,
        1,
    ];
    for (base, values) in [(FCMP_D, doubles), (FCMP_S, singles)] {
        // FCMP, FCMPE; the register form (D1, D2) and the zero one (D1, #0.0).
        for variant in [0, 0x10, 0x08, 0x18] {
            let compare = op(base, variant, 1, if variant & 8 != 0 { 0 } else { 2 });
            for cc in 0..16 {
                let branch = B_COND_12 | cc;
                let (csel, csinc, fcsel) = (CSEL | cc << 12, CSINC | cc << 12, FCSEL | cc << 12);
                let shapes = [
                    vec![compare, branch],
                    vec![compare, branch, CMP_X0_X0, 0, CMP_X0_X0],
                    vec![compare, csel],
                    vec![compare, csel, csinc, CMP_X0_X0],
                    vec![compare, fcsel, CMP_X0_X0],
                    // A later condition of the same flags, after other work.
                    vec![
                        compare,
                        branch,
                        op(FADD_D, 3, 1, 2),
                        CSINC | (cc ^ 1) << 12,
                        0,
                    ],
                ];
                for (code, &x, &y, fz, fpsr) in shapes.iter().flat_map(|code| {
                    let cases = values
                        .iter()
                        .flat_map(|x| values.iter().map(move |y| (x, y)));
                    cases.flat_map(move |(x, y)| {
                        [(false, 0x10), (true, 0x10), (false, 0)].map(|(fz, f)| (code, x, y, fz, f))
                    })
                }) {
                    let mut init = CpuState::default();
                    init.v[1] = [x, 0];
                    init.v[2] = [y, 0];
                    init.fpsr = fpsr;
                    init.fpcr = u64::from(fz) << 24;
                    init.nzcv = 0x9 << 28;
                    init.x[1] = 0x1111;
                    init.x[2] = 0x2222;
                    let (a, b) = run_both(code, &init);
                    let what = format!("{x:#x} {y:#x} code {code:08x?} fz {fz} fpsr {fpsr:#x}");
                    assert_same(&a, &b, 4, &what);
                }
            }
        }
    }
}
