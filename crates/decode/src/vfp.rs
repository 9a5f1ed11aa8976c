//! AArch32 VFP decode table: VFPv3/VFPv4 scalar floating point (coprocessors 10 and 11) and the
//! ARMv8 AArch32 scalar additions (VSEL, VMAXNM/VMINNM, VRINT*, VCVT{A,N,P,M}, and VJCVT of
//! FEAT_JSCVT).
//!
//! The patterns are A32 words. A T32 VFP instruction (first halfword << 16 | second) has the
//! same layout with bits 31..28 = 1110, which these rows read as condition "always"; the ARMv8
//! unconditional rows (bits 31..28 = 1111) are the same in both instruction sets.
//!
//! Bits the ARM manual marks "should be" are fixed in the patterns, as QEMU decodes them.
//!
//! Field letters:
//!
//! | letter | field |
//! |---|---|
//! | `c` | cond (VSEL: the condition in bits 21..20) |
//! | `d` `D` | Vd and the D bit (S registers: Vd:D; D registers: D:Vd) |
//! | `n` `N` | Vn and N |
//! | `m` `M` | Vm and M |
//! | `s` | sz: 1 for double precision |
//! | `t` `T` | Rt and Rt2 |
//! | `u` `w` | U (add offset) and W (writeback) of loads and stores |
//! | `i` | imm8 (loads, stores, VMOV immediate as imm4H:imm4L) or imm4 (fixed point) |
//! | `I` | bit 5 of the fixed-point imm4:i |
//! | `o` | op: the second-operation bit (VMLS, VNMLA, VSUB, ...), direction of moves |
//! | `a` `b` | opc1 and opc2 of VMOV between a core register and a scalar |
//! | `E` | E of VCMP (VCMPE raises Invalid Operation for quiet NaNs) |
//! | `T` | T of VCVTB/VCVTT (top half) |
//! | `U` `X` | unsigned and sx (32-bit) of fixed-point VCVT |
//! | `r` | rounding: VCVT to integer (1 = towards zero), VRINT/VCVT{A,N,P,M} RM |

crate::decode_table! {
    /// VFP instructions.
    Vfp, VFP_TABLE,
    // ---- Loads and stores ----
    Vldr = "vldr", "cccc 1101 uD01 nnnn dddd 101s iiii iiii", LoadStoreSimd;
    Vstr = "vstr", "cccc 1101 uD00 nnnn dddd 101s iiii iiii", LoadStoreSimd;
    VstmIa = "vstmia", "cccc 1100 1Dw0 nnnn dddd 101s iiii iiii", LoadStoreSimd;
    VldmIa = "vldmia", "cccc 1100 1Dw1 nnnn dddd 101s iiii iiii", LoadStoreSimd;
    VstmDb = "vstmdb", "cccc 1101 0D10 nnnn dddd 101s iiii iiii", LoadStoreSimd;
    VldmDb = "vldmdb", "cccc 1101 0D11 nnnn dddd 101s iiii iiii", LoadStoreSimd;
    // ---- Moves between core and VFP registers, FPSCR ----
    VmovD2 = "vmov", "cccc 1100 010o TTTT tttt 1011 00M1 mmmm", Fp;
    VmovS2 = "vmov", "cccc 1100 010o TTTT tttt 1010 00M1 mmmm", Fp;
    VmovS = "vmov", "cccc 1110 000o nnnn tttt 1010 N001 0000", Fp;
    VmovToScalar = "vmov", "cccc 1110 0aa0 dddd tttt 1011 Dbb1 0000", Fp;
    VmovFromScalar = "vmov", "cccc 1110 uaa1 nnnn tttt 1011 Nbb1 0000", Fp;
    Vmrs = "vmrs", "cccc 1110 1111 0001 tttt 1010 0001 0000", Fp;
    Vmsr = "vmsr", "cccc 1110 1110 0001 tttt 1010 0001 0000", Fp;
    // ---- Data processing ----
    Vmla = "vmla", "cccc 1110 0D00 nnnn dddd 101s NoM0 mmmm", Fp;
    Vnmla = "vnmla", "cccc 1110 0D01 nnnn dddd 101s NoM0 mmmm", Fp;
    Vmul = "vmul", "cccc 1110 0D10 nnnn dddd 101s N0M0 mmmm", Fp;
    Vnmul = "vnmul", "cccc 1110 0D10 nnnn dddd 101s N1M0 mmmm", Fp;
    Vadd = "vadd", "cccc 1110 0D11 nnnn dddd 101s N0M0 mmmm", Fp;
    Vsub = "vsub", "cccc 1110 0D11 nnnn dddd 101s N1M0 mmmm", Fp;
    Vdiv = "vdiv", "cccc 1110 1D00 nnnn dddd 101s N0M0 mmmm", Fp;
    Vfnma = "vfnma", "cccc 1110 1D01 nnnn dddd 101s NoM0 mmmm", Fp;
    Vfma = "vfma", "cccc 1110 1D10 nnnn dddd 101s NoM0 mmmm", Fp;
    VmovImm = "vmov", "cccc 1110 1D11 iiii dddd 101s 0000 iiii", Fp;
    VmovReg = "vmov", "cccc 1110 1D11 0000 dddd 101s 01M0 mmmm", Fp;
    Vabs = "vabs", "cccc 1110 1D11 0000 dddd 101s 11M0 mmmm", Fp;
    Vneg = "vneg", "cccc 1110 1D11 0001 dddd 101s 01M0 mmmm", Fp;
    Vsqrt = "vsqrt", "cccc 1110 1D11 0001 dddd 101s 11M0 mmmm", Fp;
    VcvtHalf = "vcvtb", "cccc 1110 1D11 001o dddd 101s T1M0 mmmm", Fp;
    Vcmp = "vcmp", "cccc 1110 1D11 0100 dddd 101s E1M0 mmmm", Fp;
    VcmpZero = "vcmp", "cccc 1110 1D11 0101 dddd 101s E100 0000", Fp;
    VrintR = "vrintr", "cccc 1110 1D11 0110 dddd 101s 01M0 mmmm", Fp;
    VrintZ = "vrintz", "cccc 1110 1D11 0110 dddd 101s 11M0 mmmm", Fp;
    VrintX = "vrintx", "cccc 1110 1D11 0111 dddd 101s 01M0 mmmm", Fp;
    VcvtFF = "vcvt", "cccc 1110 1D11 0111 dddd 101s 11M0 mmmm", Fp;
    VcvtFromInt = "vcvt", "cccc 1110 1D11 1000 dddd 101s o1M0 mmmm", Fp;
    VcvtFixed = "vcvt", "cccc 1110 1D11 1o1U dddd 101s X1I0 iiii", Fp;
    VcvtToInt = "vcvt", "cccc 1110 1D11 110U dddd 101s r1M0 mmmm", Fp;
    Vjcvt = "vjcvt", "cccc 1110 1D11 1001 dddd 1011 11M0 mmmm", Fp;
    // ---- ARMv8 additions (unconditional) ----
    Vsel = "vsel", "1111 1110 0Dcc nnnn dddd 101s N0M0 mmmm", Fp;
    Vmaxnm = "vmaxnm", "1111 1110 1D00 nnnn dddd 101s NoM0 mmmm", Fp;
    VrintRm = "vrint", "1111 1110 1D11 10rr dddd 101s 01M0 mmmm", Fp;
    VcvtRm = "vcvt", "1111 1110 1D11 11rr dddd 101s o1M0 mmmm", Fp;
}

/// True if `word` (an A32 word, or a T32 pair as first << 16 | second) is in the VFP space of
/// this table: coprocessor 10/11 loads, stores, register transfers and data processing, with
/// condition bits (A32) or 1110 (T32), or the ARMv8 unconditional scalar rows.
pub fn is_vfp_space(word: u32) -> bool {
    let op = word >> 24 & 0xf;
    let cp = word >> 9 & 7 == 0b101;
    let cond = word >> 28;
    cp && ((cond != 15 && (0xc..=0xe).contains(&op)) || (cond == 15 && op == 0xe))
}

/// Bits 25..18: opc1 and the register-number bits around it.
impl crate::KeyWindow for Vfp {
    const KEY: u32 = 18;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decoder;

    #[test]
    fn samples_decode() {
        let d = Decoder::new(VFP_TABLE);
        let id = |w: u32| d.decode(w).map(|m| m.id());
        // vldr d16, [r3, #8]
        assert_eq!(id(0xedd3_0b02), Some(Vfp::Vldr));
        // vadd.f64 d0, d1, d2
        assert_eq!(id(0xee31_0b02), Some(Vfp::Vadd));
        // vsub.f32 s0, s1, s2
        assert_eq!(id(0xee30_0ac1), Some(Vfp::Vsub));
        // vmrs APSR_nzcv, fpscr
        assert_eq!(id(0xeef1_fa10), Some(Vfp::Vmrs));
        // vcvt.s32.f64 s0, d1 (towards zero)
        assert_eq!(id(0xeebd_0bc1), Some(Vfp::VcvtToInt));
        // vpush {d8-d9}
        assert_eq!(id(0xed2d_8b04), Some(Vfp::VstmDb));
        // vmov r0, r1, d0
        assert_eq!(id(0xec51_0b10), Some(Vfp::VmovD2));
        // vmov.f64 d0, #1.0
        assert_eq!(id(0xeeb7_0b00), Some(Vfp::VmovImm));
        // vcmpe.f64 d0, #0
        assert_eq!(id(0xeeb5_0bc0), Some(Vfp::VcmpZero));
        assert!(is_vfp_space(0xedd3_0b02));
        assert!(!is_vfp_space(0xee1d_0f70)); // mrc p15 (TLS)
    }

    #[test]
    fn no_equal_rank_overlaps() {
        let rows: Vec<(u32, u32, &str)> = VFP_TABLE
            .iter()
            .map(|e| {
                let (m, v) = crate::mask_value(e.pattern);
                (m, v, e.mnemonic)
            })
            .collect();
        for (i, a) in rows.iter().enumerate() {
            for b in &rows[i + 1..] {
                let common = a.0 & b.0;
                let overlap = a.1 & common == b.1 & common;
                assert!(
                    !overlap || a.0.count_ones() != b.0.count_ones(),
                    "{} and {} overlap at equal rank",
                    a.2,
                    b.2
                );
            }
        }
    }
}
