//! AArch32 Advanced SIMD (NEON) decode table: data processing, element and structure loads and
//! stores, VDUP from a core register, and the ARMv8 AArch32 additions (VRINT*, VCVT{A,N,P,M},
//! VMAXNM/VMINNM, AES, SHA-1, SHA-256, VMULL.P64) and ARMv8.1's VQRDMLAH/VQRDMLSH.
//!
//! The patterns are A32 words. T32 encodings differ only in their top byte: data processing is
//! `111U 1111` in T32 and `1111 001U` in A32, loads and stores `1111 1001` and `1111 0100`;
//! [`to_a32`] rewrites a T32 pair (first halfword << 16 | second) into the A32 word. VDUP
//! (core register) lives in the VFP coprocessor space and is conditional (cond 1110 in T32).
//!
//! Rows of the "three registers of different lengths" and "two registers and a scalar" groups
//! must not have size 11 (those words are VEXT, VTBL, VDUP (scalar) and the two-register
//! miscellaneous group); [`decode`] resolves that, so use it rather than a plain
//! [`crate::Decoder`] lookup.
//!
//! Field letters:
//!
//! | letter | field |
//! |---|---|
//! | `u` | U (unsigned; for by-scalar multiplies without a long result it is Q) |
//! | `D` `d` `N` `n` `M` `m` | register numbers: D:Vd, N:Vn, M:Vm |
//! | `q` | Q (128-bit operation); `o` = op bits named in the row's comment |
//! | `z` | size |
//! | `i` | immediates: imm6 (shifts, with `L` the 64-bit bit), imm4 (VEXT, VDUP), the modified immediate a:bcd:efgh |
//! | `c` | cmode of modified immediates |
//! | `l` | len of VTBL/VTBX; `r` = RM of VRINT/VCVT{A,N,P,M} |
//! | `t` | Rt of VDUP (core); `b` `e` = its b and e bits; `k` = cond |
//! | `a` | align of loads and stores; `j` = index_align of single-lane ones; `T` = T of all-lanes ones |

use crate::{Decoder, Match};

crate::decode_table! {
    /// Advanced SIMD instructions.
    Neon, NEON_TABLE,
    // ---- Three registers of the same length (A:B in bits 11..8 and 4) ----
    Vhadd = "vhadd", "1111 001u 0Dzz nnnn dddd 0000 NqM0 mmmm", Simd;
    Vqadd = "vqadd", "1111 001u 0Dzz nnnn dddd 0000 NqM1 mmmm", Simd;
    Vrhadd = "vrhadd", "1111 001u 0Dzz nnnn dddd 0001 NqM0 mmmm", Simd;
    Vand = "vand", "1111 0010 0D00 nnnn dddd 0001 NqM1 mmmm", Simd;
    Vbic = "vbic", "1111 0010 0D01 nnnn dddd 0001 NqM1 mmmm", Simd;
    Vorr = "vorr", "1111 0010 0D10 nnnn dddd 0001 NqM1 mmmm", Simd;
    Vorn = "vorn", "1111 0010 0D11 nnnn dddd 0001 NqM1 mmmm", Simd;
    Veor = "veor", "1111 0011 0D00 nnnn dddd 0001 NqM1 mmmm", Simd;
    Vbsl = "vbsl", "1111 0011 0D01 nnnn dddd 0001 NqM1 mmmm", Simd;
    Vbit = "vbit", "1111 0011 0D10 nnnn dddd 0001 NqM1 mmmm", Simd;
    Vbif = "vbif", "1111 0011 0D11 nnnn dddd 0001 NqM1 mmmm", Simd;
    Vhsub = "vhsub", "1111 001u 0Dzz nnnn dddd 0010 NqM0 mmmm", Simd;
    Vqsub = "vqsub", "1111 001u 0Dzz nnnn dddd 0010 NqM1 mmmm", Simd;
    Vcgt = "vcgt", "1111 001u 0Dzz nnnn dddd 0011 NqM0 mmmm", Simd;
    Vcge = "vcge", "1111 001u 0Dzz nnnn dddd 0011 NqM1 mmmm", Simd;
    Vshl = "vshl", "1111 001u 0Dzz nnnn dddd 0100 NqM0 mmmm", Simd;
    Vqshl = "vqshl", "1111 001u 0Dzz nnnn dddd 0100 NqM1 mmmm", Simd;
    Vrshl = "vrshl", "1111 001u 0Dzz nnnn dddd 0101 NqM0 mmmm", Simd;
    Vqrshl = "vqrshl", "1111 001u 0Dzz nnnn dddd 0101 NqM1 mmmm", Simd;
    Vmax = "vmax", "1111 001u 0Dzz nnnn dddd 0110 NqM0 mmmm", Simd;
    Vmin = "vmin", "1111 001u 0Dzz nnnn dddd 0110 NqM1 mmmm", Simd;
    Vabd = "vabd", "1111 001u 0Dzz nnnn dddd 0111 NqM0 mmmm", Simd;
    Vaba = "vaba", "1111 001u 0Dzz nnnn dddd 0111 NqM1 mmmm", Simd;
    Vadd = "vadd", "1111 0010 0Dzz nnnn dddd 1000 NqM0 mmmm", Simd;
    Vsub = "vsub", "1111 0011 0Dzz nnnn dddd 1000 NqM0 mmmm", Simd;
    Vtst = "vtst", "1111 0010 0Dzz nnnn dddd 1000 NqM1 mmmm", Simd;
    Vceq = "vceq", "1111 0011 0Dzz nnnn dddd 1000 NqM1 mmmm", Simd;
    Vmla = "vmla", "1111 0010 0Dzz nnnn dddd 1001 NqM0 mmmm", Simd;
    Vmls = "vmls", "1111 0011 0Dzz nnnn dddd 1001 NqM0 mmmm", Simd;
    Vmul = "vmul", "1111 0010 0Dzz nnnn dddd 1001 NqM1 mmmm", Simd;
    VmulP = "vmul.p8", "1111 0011 0D00 nnnn dddd 1001 NqM1 mmmm", Simd;
    Vpmax = "vpmax", "1111 001u 0Dzz nnnn dddd 1010 N0M0 mmmm", Simd;
    Vpmin = "vpmin", "1111 001u 0Dzz nnnn dddd 1010 N0M1 mmmm", Simd;
    Vqdmulh = "vqdmulh", "1111 0010 0Dzz nnnn dddd 1011 NqM0 mmmm", Simd;
    Vqrdmulh = "vqrdmulh", "1111 0011 0Dzz nnnn dddd 1011 NqM0 mmmm", Simd;
    Vpadd = "vpadd", "1111 0010 0Dzz nnnn dddd 1011 N0M1 mmmm", Simd;
    Vqrdmlah = "vqrdmlah", "1111 0011 0Dzz nnnn dddd 1011 NqM1 mmmm", Simd; // ARMv8.1
    Vqrdmlsh = "vqrdmlsh", "1111 0011 0Dzz nnnn dddd 1100 NqM1 mmmm", Simd; // ARMv8.1
    // Single-precision rows (bit 20, sz = 1 would be half precision: not listed).
    Vfma = "vfma", "1111 0010 0Do0 nnnn dddd 1100 NqM1 mmmm", Simd; // o: VFMS
    VaddF = "vadd.f32", "1111 0010 0D00 nnnn dddd 1101 NqM0 mmmm", Simd;
    VsubF = "vsub.f32", "1111 0010 0D10 nnnn dddd 1101 NqM0 mmmm", Simd;
    VpaddF = "vpadd.f32", "1111 0011 0D00 nnnn dddd 1101 N0M0 mmmm", Simd;
    VabdF = "vabd.f32", "1111 0011 0D10 nnnn dddd 1101 NqM0 mmmm", Simd;
    VmlaF = "vmla.f32", "1111 0010 0Do0 nnnn dddd 1101 NqM1 mmmm", Simd; // o: VMLS
    VmulF = "vmul.f32", "1111 0011 0D00 nnnn dddd 1101 NqM1 mmmm", Simd;
    VceqF = "vceq.f32", "1111 0010 0D00 nnnn dddd 1110 NqM0 mmmm", Simd;
    VcgeF = "vcge.f32", "1111 0011 0D00 nnnn dddd 1110 NqM0 mmmm", Simd;
    VcgtF = "vcgt.f32", "1111 0011 0D10 nnnn dddd 1110 NqM0 mmmm", Simd;
    Vacge = "vacge.f32", "1111 0011 0Do0 nnnn dddd 1110 NqM1 mmmm", Simd; // o: VACGT
    VmaxF = "vmax.f32", "1111 0010 0Do0 nnnn dddd 1111 NqM0 mmmm", Simd; // o: VMIN
    VpmaxF = "vpmax.f32", "1111 0011 0Do0 nnnn dddd 1111 N0M0 mmmm", Simd; // o: VPMIN
    Vrecps = "vrecps", "1111 0010 0Do0 nnnn dddd 1111 NqM1 mmmm", Simd; // o: VRSQRTS
    Vmaxnm = "vmaxnm", "1111 0011 0Do0 nnnn dddd 1111 NqM1 mmmm", Simd; // o: VMINNM
    Sha3Reg = "sha1c", "1111 0010 0Doo nnnn dddd 1100 N1M0 mmmm", Crypto; // o: C P M SU0
    Sha256Reg = "sha256h", "1111 0011 0Doo nnnn dddd 1100 N1M0 mmmm", Crypto; // o: H H2 SU1
    // ---- Three registers of different lengths (size != 11) ----
    Vaddl = "vaddl", "1111 001u 1Dzz nnnn dddd 0000 N0M0 mmmm", Simd;
    Vaddw = "vaddw", "1111 001u 1Dzz nnnn dddd 0001 N0M0 mmmm", Simd;
    Vsubl = "vsubl", "1111 001u 1Dzz nnnn dddd 0010 N0M0 mmmm", Simd;
    Vsubw = "vsubw", "1111 001u 1Dzz nnnn dddd 0011 N0M0 mmmm", Simd;
    Vaddhn = "vaddhn", "1111 001u 1Dzz nnnn dddd 0100 N0M0 mmmm", Simd; // u: VRADDHN
    Vabal = "vabal", "1111 001u 1Dzz nnnn dddd 0101 N0M0 mmmm", Simd;
    Vsubhn = "vsubhn", "1111 001u 1Dzz nnnn dddd 0110 N0M0 mmmm", Simd; // u: VRSUBHN
    Vabdl = "vabdl", "1111 001u 1Dzz nnnn dddd 0111 N0M0 mmmm", Simd;
    Vmlal = "vmlal", "1111 001u 1Dzz nnnn dddd 1000 N0M0 mmmm", Simd;
    Vqdmlal = "vqdmlal", "1111 0010 1Dzz nnnn dddd 1001 N0M0 mmmm", Simd;
    Vmlsl = "vmlsl", "1111 001u 1Dzz nnnn dddd 1010 N0M0 mmmm", Simd;
    Vqdmlsl = "vqdmlsl", "1111 0010 1Dzz nnnn dddd 1011 N0M0 mmmm", Simd;
    Vmull = "vmull", "1111 001u 1Dzz nnnn dddd 1100 N0M0 mmmm", Simd;
    Vqdmull = "vqdmull", "1111 0010 1Dzz nnnn dddd 1101 N0M0 mmmm", Simd;
    VmullP = "vmull.p", "1111 0010 1Dzz nnnn dddd 1110 N0M0 mmmm", Simd; // P8, P64
    // ---- Two registers and a scalar (size != 11) ----
    VmlaS = "vmla", "1111 001u 1Dzz nnnn dddd 000F N1M0 mmmm", Simd; // u = Q, F float
    VmlalS = "vmlal", "1111 001u 1Dzz nnnn dddd 0010 N1M0 mmmm", Simd;
    VqdmlalS = "vqdmlal", "1111 0010 1Dzz nnnn dddd 0011 N1M0 mmmm", Simd;
    VmlsS = "vmls", "1111 001u 1Dzz nnnn dddd 010F N1M0 mmmm", Simd; // u = Q, F float
    VmlslS = "vmlsl", "1111 001u 1Dzz nnnn dddd 0110 N1M0 mmmm", Simd;
    VqdmlslS = "vqdmlsl", "1111 0010 1Dzz nnnn dddd 0111 N1M0 mmmm", Simd;
    VmulS = "vmul", "1111 001u 1Dzz nnnn dddd 100F N1M0 mmmm", Simd; // u = Q, F float
    VmullS = "vmull", "1111 001u 1Dzz nnnn dddd 1010 N1M0 mmmm", Simd;
    VqdmullS = "vqdmull", "1111 0010 1Dzz nnnn dddd 1011 N1M0 mmmm", Simd;
    VqdmulhS = "vqdmulh", "1111 001u 1Dzz nnnn dddd 1100 N1M0 mmmm", Simd; // u = Q
    VqrdmulhS = "vqrdmulh", "1111 001u 1Dzz nnnn dddd 1101 N1M0 mmmm", Simd; // u = Q
    VqrdmlahS = "vqrdmlah", "1111 001u 1Dzz nnnn dddd 1110 N1M0 mmmm", Simd; // u = Q
    VqrdmlshS = "vqrdmlsh", "1111 001u 1Dzz nnnn dddd 1111 N1M0 mmmm", Simd; // u = Q
    // ---- Two registers and a shift amount (L:imm6 not 0000xxx) ----
    Vshr = "vshr", "1111 001u 1Dii iiii dddd 0000 LqM1 mmmm", Simd;
    Vsra = "vsra", "1111 001u 1Dii iiii dddd 0001 LqM1 mmmm", Simd;
    Vrshr = "vrshr", "1111 001u 1Dii iiii dddd 0010 LqM1 mmmm", Simd;
    Vrsra = "vrsra", "1111 001u 1Dii iiii dddd 0011 LqM1 mmmm", Simd;
    Vsri = "vsri", "1111 0011 1Dii iiii dddd 0100 LqM1 mmmm", Simd;
    VshlI = "vshl", "1111 0010 1Dii iiii dddd 0101 LqM1 mmmm", Simd;
    Vsli = "vsli", "1111 0011 1Dii iiii dddd 0101 LqM1 mmmm", Simd;
    Vqshlu = "vqshlu", "1111 0011 1Dii iiii dddd 0110 LqM1 mmmm", Simd;
    VqshlI = "vqshl", "1111 001u 1Dii iiii dddd 0111 LqM1 mmmm", Simd;
    Vshrn = "vshrn", "1111 0010 1Dii iiii dddd 1000 0oM1 mmmm", Simd; // o: VRSHRN
    Vqshrun = "vqshrun", "1111 0011 1Dii iiii dddd 1000 0oM1 mmmm", Simd; // o: VQRSHRUN
    Vqshrn = "vqshrn", "1111 001u 1Dii iiii dddd 1001 0oM1 mmmm", Simd; // o: VQRSHRN
    Vshll = "vshll", "1111 001u 1Dii iiii dddd 1010 00M1 mmmm", Simd; // VMOVL for shift 0
    VcvtFixed = "vcvt", "1111 001u 1Dii iiii dddd 111o 0qM1 mmmm", Simd; // o: to fixed
    // ---- Two registers, miscellaneous ----
    Vrev = "vrev", "1111 0011 1D11 zz00 dddd 000o oqM0 mmmm", Simd; // o: 64, 32, 16
    Vpaddl = "vpaddl", "1111 0011 1D11 zz00 dddd 0010 uqM0 mmmm", Simd;
    Aes = "aese", "1111 0011 1D11 zz00 dddd 0011 ooM0 mmmm", Crypto; // o: E D MC IMC
    Vcls = "vcls", "1111 0011 1D11 zz00 dddd 0100 0qM0 mmmm", Simd;
    Vclz = "vclz", "1111 0011 1D11 zz00 dddd 0100 1qM0 mmmm", Simd;
    Vcnt = "vcnt", "1111 0011 1D11 zz00 dddd 0101 0qM0 mmmm", Simd;
    Vmvn = "vmvn", "1111 0011 1D11 zz00 dddd 0101 1qM0 mmmm", Simd;
    Vpadal = "vpadal", "1111 0011 1D11 zz00 dddd 0110 uqM0 mmmm", Simd;
    Vqabs = "vqabs", "1111 0011 1D11 zz00 dddd 0111 oqM0 mmmm", Simd; // o: VQNEG
    VcmpZ = "vcgt", "1111 0011 1D11 zz01 dddd 0Foo oqM0 mmmm", Simd; // o: GT GE EQ LE LT
    Vabs = "vabs", "1111 0011 1D11 zz01 dddd 0F11 oqM0 mmmm", Simd; // o: VNEG
    Sha1h = "sha1h", "1111 0011 1D11 zz01 dddd 0010 11M0 mmmm", Crypto;
    Vswp = "vswp", "1111 0011 1D11 zz10 dddd 0000 0qM0 mmmm", Simd;
    Vtrn = "vtrn", "1111 0011 1D11 zz10 dddd 0000 1qM0 mmmm", Simd;
    Vuzp = "vuzp", "1111 0011 1D11 zz10 dddd 0001 0qM0 mmmm", Simd;
    Vzip = "vzip", "1111 0011 1D11 zz10 dddd 0001 1qM0 mmmm", Simd;
    Vmovn = "vmovn", "1111 0011 1D11 zz10 dddd 0010 00M0 mmmm", Simd;
    Vqmovn = "vqmovn", "1111 0011 1D11 zz10 dddd 0010 ooM0 mmmm", Simd; // o: UN, S, U
    VshllMax = "vshll", "1111 0011 1D11 zz10 dddd 0011 00M0 mmmm", Simd;
    Sha1su1 = "sha1su1", "1111 0011 1D11 zz10 dddd 0011 1oM0 mmmm", Crypto; // o: SHA256SU0
    Vrint = "vrint", "1111 0011 1D11 zz10 dddd 01oo oqM0 mmmm", Simd; // o: N X A Z - M - P
    VcvtHalf = "vcvt.f16", "1111 0011 1D11 zz10 dddd 011o 00M0 mmmm", Simd; // o: to F32
    VcvtRm = "vcvta", "1111 0011 1D11 zz11 dddd 00rr uqM0 mmmm", Simd;
    Vrecpe = "vrecpe", "1111 0011 1D11 zz11 dddd 010F 0qM0 mmmm", Simd;
    Vrsqrte = "vrsqrte", "1111 0011 1D11 zz11 dddd 010F 1qM0 mmmm", Simd;
    VcvtInt = "vcvt", "1111 0011 1D11 zz11 dddd 011o oqM0 mmmm", Simd; // o: to int, unsigned
    // ---- Other size-11 forms ----
    Vext = "vext", "1111 0010 1D11 nnnn dddd iiii NqM0 mmmm", Simd;
    Vtbl = "vtbl", "1111 0011 1D11 nnnn dddd 10ll NoM0 mmmm", Simd; // o: VTBX
    VdupS = "vdup", "1111 0011 1D11 iiii dddd 1100 0qM0 mmmm", Simd;
    // ---- One register and a modified immediate ----
    VmovImm = "vmov", "1111 001i 1D00 0iii dddd cccc 0q01 iiii", Simd;
    VorrImm = "vorr", "1111 001i 1D00 0iii dddd 0cc1 0q01 iiii", Simd;
    VorrImm16 = "vorr", "1111 001i 1D00 0iii dddd 10c1 0q01 iiii", Simd;
    VmvnImm = "vmvn", "1111 001i 1D00 0iii dddd cccc 0q11 iiii", Simd;
    VbicImm = "vbic", "1111 001i 1D00 0iii dddd 0cc1 0q11 iiii", Simd;
    VbicImm16 = "vbic", "1111 001i 1D00 0iii dddd 10c1 0q11 iiii", Simd;
    // ---- VDUP (core register), in the VFP coprocessor space ----
    VdupCore = "vdup", "kkkk 1110 1bq0 dddd tttt 1011 D0e1 0000", Simd;
    // ---- Loads and stores of multiple structures (type in bits 11..8) ----
    Vst4M = "vst4", "1111 0100 0D00 nnnn dddd 000s zzaa mmmm", LoadStoreSimd;
    Vst1M4 = "vst1", "1111 0100 0D00 nnnn dddd 0010 zzaa mmmm", LoadStoreSimd;
    Vst2M2 = "vst2", "1111 0100 0D00 nnnn dddd 0011 zzaa mmmm", LoadStoreSimd;
    Vst3M = "vst3", "1111 0100 0D00 nnnn dddd 010s zzaa mmmm", LoadStoreSimd;
    Vst1M3 = "vst1", "1111 0100 0D00 nnnn dddd 0110 zzaa mmmm", LoadStoreSimd;
    Vst1M1 = "vst1", "1111 0100 0D00 nnnn dddd 0111 zzaa mmmm", LoadStoreSimd;
    Vst2M = "vst2", "1111 0100 0D00 nnnn dddd 100s zzaa mmmm", LoadStoreSimd;
    Vst1M2 = "vst1", "1111 0100 0D00 nnnn dddd 1010 zzaa mmmm", LoadStoreSimd;
    Vld4M = "vld4", "1111 0100 0D10 nnnn dddd 000s zzaa mmmm", LoadStoreSimd;
    Vld1M4 = "vld1", "1111 0100 0D10 nnnn dddd 0010 zzaa mmmm", LoadStoreSimd;
    Vld2M2 = "vld2", "1111 0100 0D10 nnnn dddd 0011 zzaa mmmm", LoadStoreSimd;
    Vld3M = "vld3", "1111 0100 0D10 nnnn dddd 010s zzaa mmmm", LoadStoreSimd;
    Vld1M3 = "vld1", "1111 0100 0D10 nnnn dddd 0110 zzaa mmmm", LoadStoreSimd;
    Vld1M1 = "vld1", "1111 0100 0D10 nnnn dddd 0111 zzaa mmmm", LoadStoreSimd;
    Vld2M = "vld2", "1111 0100 0D10 nnnn dddd 100s zzaa mmmm", LoadStoreSimd;
    Vld1M2 = "vld1", "1111 0100 0D10 nnnn dddd 1010 zzaa mmmm", LoadStoreSimd;
    // ---- Single structure to one lane (size in bits 11..10, not 11; n - 1 in bits 9..8) ----
    Vst1L = "vst1", "1111 0100 1D00 nnnn dddd zz00 jjjj mmmm", LoadStoreSimd;
    Vst2L = "vst2", "1111 0100 1D00 nnnn dddd zz01 jjjj mmmm", LoadStoreSimd;
    Vst3L = "vst3", "1111 0100 1D00 nnnn dddd zz10 jjjj mmmm", LoadStoreSimd;
    Vst4L = "vst4", "1111 0100 1D00 nnnn dddd zz11 jjjj mmmm", LoadStoreSimd;
    Vld1L = "vld1", "1111 0100 1D10 nnnn dddd zz00 jjjj mmmm", LoadStoreSimd;
    Vld2L = "vld2", "1111 0100 1D10 nnnn dddd zz01 jjjj mmmm", LoadStoreSimd;
    Vld3L = "vld3", "1111 0100 1D10 nnnn dddd zz10 jjjj mmmm", LoadStoreSimd;
    Vld4L = "vld4", "1111 0100 1D10 nnnn dddd zz11 jjjj mmmm", LoadStoreSimd;
    // ---- Single structure to all lanes ----
    Vld1A = "vld1", "1111 0100 1D10 nnnn dddd 1100 zzTa mmmm", LoadStoreSimd;
    Vld2A = "vld2", "1111 0100 1D10 nnnn dddd 1101 zzTa mmmm", LoadStoreSimd;
    Vld3A = "vld3", "1111 0100 1D10 nnnn dddd 1110 zzTa mmmm", LoadStoreSimd;
    Vld4A = "vld4", "1111 0100 1D10 nnnn dddd 1111 zzTa mmmm", LoadStoreSimd;
}

/// True if row `id` cannot be `word` although the pattern matches: rows of the "different
/// lengths" and "scalar" groups with size 11 (see the module docs) and shifts by immediate with
/// L:imm6 = 0000xxx (those words are one-register modified immediates).
fn excluded(id: Neon, word: u32) -> bool {
    use Neon::*;
    let imm_space = word >> 25 == 0b111_1001
        && word >> 23 & 1 == 1
        && word >> 4 & 1 == 1
        && word >> 7 & 1 == 0
        && word >> 19 & 7 == 0;
    let mod_imm = matches!(
        id,
        VmovImm | VorrImm | VorrImm16 | VmvnImm | VbicImm | VbicImm16
    );
    (sized(id) && word >> 20 & 3 == 3) || (imm_space && !mod_imm)
}

/// True for the rows that must not have size 11 (see the module docs).
fn sized(id: Neon) -> bool {
    use Neon::*;
    matches!(
        id,
        Vaddl
            | Vaddw
            | Vsubl
            | Vsubw
            | Vaddhn
            | Vabal
            | Vsubhn
            | Vabdl
            | Vmlal
            | Vqdmlal
            | Vmlsl
            | Vqdmlsl
            | Vmull
            | Vqdmull
            | VmullP
            | VmlaS
            | VmlalS
            | VqdmlalS
            | VmlsS
            | VmlslS
            | VqdmlslS
            | VmulS
            | VmullS
            | VqdmullS
            | VqdmulhS
            | VqrdmulhS
            | VqrdmlahS
            | VqrdmlshS
    )
}

/// True if the A32 word (or T32 pair) is in the Advanced SIMD space this table covers: data
/// processing, element and structure loads and stores, and VDUP (core register).
pub fn is_neon_space(word: u32, thumb: bool) -> bool {
    let vdup = word & 0x0f90_0f5f == 0x0e80_0b10 && word >> 28 != 15;
    if thumb {
        (word >> 24 & 0xef == 0xef)
            || (word >> 24 == 0xf9 && word >> 20 & 1 == 0)
            || (vdup && word >> 28 == 0xe)
    } else {
        word >> 25 == 0b111_1001 || (word >> 24 == 0xf4 && word >> 20 & 1 == 0) || vdup
    }
}

/// The A32 form of an Advanced SIMD word: T32 pairs get the A32 top byte (see the module docs);
/// A32 words and VDUP (core) are returned as they are.
pub fn to_a32(word: u32, thumb: bool) -> u32 {
    if !thumb || word >> 24 & 0xef != 0xef && word >> 24 != 0xf9 {
        return word;
    }
    if word >> 24 == 0xf9 {
        return word & 0x00ff_ffff | 0xf400_0000;
    }
    let u = word >> 28 & 1;
    word & 0x00ff_ffff | 0xf200_0000 | u << 24
}

/// Decodes an A32-form Advanced SIMD word with `d` (built from [`NEON_TABLE`]), keeping rows
/// that must not have size 11 away from such words.
pub fn decode(d: &Decoder<Neon>, word: u32) -> Option<Match<Neon>> {
    let m = d.decode(word)?;
    if !excluded(m.id(), word) {
        return Some(m);
    }
    // The best-ranked row that is not excluded.
    d.table()
        .iter()
        .filter(|e| !excluded(e.id, word))
        .filter(|e| {
            let (mask, value) = crate::mask_value(e.pattern);
            word & mask == value
        })
        .max_by_key(|e| crate::mask_value(e.pattern).0.count_ones())
        .map(|entry| Match::new(entry, word))
}

/// A word of row `entry` with its free bits from `rand`, if [`decode`] gives that row back.
pub fn random_word(
    d: &Decoder<Neon>,
    entry: &'static crate::Entry<Neon>,
    rand: u32,
) -> Option<u32> {
    let (m, v) = crate::mask_value(entry.pattern);
    let w = v | (rand & !m);
    match decode(d, w) {
        Some(hit) if std::ptr::eq(hit.entry, entry) => Some(w),
        _ => None,
    }
}

/// Bits 11..4: the opcode, size and register-form bits of the low half.
impl crate::KeyWindow for Neon {
    const KEY: u32 = 4;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_decode_and_rows_are_reachable() {
        let d = Decoder::new(NEON_TABLE);
        let id = |w: u32| decode(&d, w).map(|m| m.id());
        assert_eq!(id(0xf224_0842), Some(Neon::Vadd)); // vadd.i32 q0, q2, q1
        assert_eq!(id(0xf3b6_0904), Some(Neon::Vtbl)); // vtbl.8 d0, {d6-d7}, d4 (size 11 space)
        assert_eq!(id(0xf2b1_0302), Some(Neon::Vext)); // vext.8 d0, d1, d2, #3
        assert_eq!(id(0xf2a1_0c02), Some(Neon::Vmull)); // vmull.s32 q0, d1, d2
        assert_eq!(id(0xf420_070f), Some(Neon::Vld1M1)); // vld1.8 {d0}, [r0]
        assert_eq!(id(0xf4a0_0c0f), Some(Neon::Vld1A)); // vld1.8 {d0[]}, [r0]
        assert_eq!(id(0xf280_0050), Some(Neon::VmovImm)); // vmov.i32 q0, #0
        assert_eq!(id(0xee80_0b10), Some(Neon::VdupCore)); // vdup.32 d0, r0
        assert_eq!(id(0xf3a2_0162), Some(Neon::VmlaS)); // vmla.f32 q0, q1, d2[1]
        assert_eq!(to_a32(0xef24_0842, true), 0xf224_0842);
        assert_eq!(to_a32(0xff04_0842, true), 0xf304_0842);
        assert_eq!(to_a32(0xf920_070f, true), 0xf420_070f);
        assert!(is_neon_space(0xf420_070f, false) && !is_neon_space(0xf5d0_f000, false));
        let mut seed = 0x2545_f491u32;
        for e in NEON_TABLE {
            let hit = (0..2000).any(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                random_word(&d, e, seed).is_some()
            });
            assert!(hit, "row {:?} is unreachable", e.id);
        }
    }

    /// No word is claimed by two rows of equal rank (the decoder would pick by table order).
    #[test]
    fn no_equal_rank_ties() {
        let mut x = 0x1234_5678u32;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Data processing, loads/stores and VDUP (core) words.
            let w = match x & 3 {
                0 | 1 => x & 0x01ff_ffff | 0xf200_0000,
                2 => x & 0x00ef_ffff | 0xf400_0000,
                _ => x & 0x0f6f_ff6f | 0xee80_0b10,
            };
            let ranks: Vec<(u32, Neon)> = NEON_TABLE
                .iter()
                .filter(|e| !excluded(e.id, w))
                .filter(|e| {
                    let (m, v) = crate::mask_value(e.pattern);
                    w & m == v
                })
                .map(|e| (crate::mask_value(e.pattern).0.count_ones(), e.id))
                .collect();
            let best = ranks.iter().map(|r| r.0).max().unwrap_or(0);
            let tied: Vec<_> = ranks.iter().filter(|r| r.0 == best).collect();
            assert!(tied.len() <= 1, "{w:#010x}: {tied:?}");
        }
    }
}
