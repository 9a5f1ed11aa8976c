//! A64 FP, Advanced SIMD, crypto and FP/SIMD load/store decode table.
//!
//! Rows follow the encoding groups of the ARM ARM (C4.1). A row covers one instruction form or
//! one encoding class whose members differ only in an opcode field the executor decodes
//! (e.g. all "three same" integer operations). Field letters: `d` Rd/Rt, `n` Rn, `m` Rm (or Rt2
//! for pairs), `q` Q, `u` U, `z` size, `t` FP type, `o` opcode bits, `i` immediates.

crate::decode_table! {
    /// A64 FP and SIMD instructions.
    A64Simd, A64_SIMD,
    // --- Loads and stores of SIMD&FP registers (C4.1.66 ff.) ---
    LdStSimdUimm = "ldr", "zz 111 1 01 oo iiiiiiiiiiii nnnnn ddddd", LoadStoreSimd;
    LdStSimdUnscaled = "ldur", "zz 111 1 00 oo 0 iiiiiiiii 00 nnnnn ddddd", LoadStoreSimd;
    LdStSimdPost = "ldr", "zz 111 1 00 oo 0 iiiiiiiii 01 nnnnn ddddd", LoadStoreSimd;
    LdStSimdPre = "ldr", "zz 111 1 00 oo 0 iiiiiiiii 11 nnnnn ddddd", LoadStoreSimd;
    LdStSimdReg = "ldr", "zz 111 1 00 oo 1 mmmmm eee s 10 nnnnn ddddd", LoadStoreSimd;
    LdrSimdLit = "ldr", "oo 011 1 00 iiiiiiiiiiiiiiiiiii ddddd", LoadStoreSimd;
    LdStPairSimd = "ldp", "oo 101 1 0 pp l iiiiiii mmmmm nnnnn ddddd", LoadStoreSimd;
    LdStMulti = "ld1", "0 q 0011000 l 000000 oooo zz nnnnn ddddd", LoadStoreSimd;
    LdStMultiPost = "ld1", "0 q 0011001 l 0 mmmmm oooo zz nnnnn ddddd", LoadStoreSimd;
    LdStSingle = "ld1", "0 q 0011010 l r 00000 ooo s zz nnnnn ddddd", LoadStoreSimd;
    LdStSinglePost = "ld1", "0 q 0011011 l r mmmmm ooo s zz nnnnn ddddd", LoadStoreSimd;
    // --- Scalar floating point (C4.1.96 ff.) ---
    FcvtToInt = "fcvtzs", "s 00 11110 tt 1 rr 00o 000000 nnnnn ddddd", Fp;
    FcvtaToInt = "fcvtas", "s 00 11110 tt 1 rr 10o 000000 nnnnn ddddd", Fp;
    CvtfFromInt = "scvtf", "s 00 11110 tt 1 rr 01o 000000 nnnnn ddddd", Fp;
    FmovGenToFp = "fmov", "s 00 11110 tt 1 rr 11o 000000 nnnnn ddddd", Fp;
    FpFixedConv = "scvtf", "s 00 11110 tt 0 rr ooo ffffff nnnnn ddddd", Fp;
    Fp1Src = "fabs", "000 11110 tt 1 oooooo 10000 nnnnn ddddd", Fp;
    Fcmp = "fcmp", "000 11110 tt 1 mmmmm 00 1000 nnnnn ooooo", Fp;
    FmovImm = "fmov", "000 11110 tt 1 iiiiiiii 100 eeeee ddddd", Fp;
    Fccmp = "fccmp", "000 11110 tt 1 mmmmm cccc 01 nnnnn e ffff", Fp;
    Fp2Src = "fadd", "000 11110 tt 1 mmmmm oooo 10 nnnnn ddddd", Fp;
    Fcsel = "fcsel", "000 11110 tt 1 mmmmm cccc 11 nnnnn ddddd", Fp;
    Fp3Src = "fmadd", "000 11111 tt o mmmmm p aaaaa nnnnn ddddd", Fp;
    // --- Advanced SIMD vector (C4.1.95 ff.) ---
    SimdThreeSame = "add", "0 q u 01110 zz 1 mmmmm ooooo 1 nnnnn ddddd", Simd;
    SimdThreeSameExtra = "sqrdmlah", "0 q u 01110 zz 0 mmmmm 1 oooo 1 nnnnn ddddd", Simd;
    SimdThreeSameFp16 = "fadd", "0 q u 01110 a 10 mmmmm 00 ooo 1 nnnnn ddddd", Simd;
    SimdTwoMiscFp16 = "fabs", "0 q u 01110 a 1111 00 ooooo 10 nnnnn ddddd", Simd;
    SimdThreeDiff = "uaddl", "0 q u 01110 zz 1 mmmmm oooo 00 nnnnn ddddd", Simd;
    SimdTwoMisc = "abs", "0 q u 01110 zz 10000 ooooo 10 nnnnn ddddd", Simd;
    SimdAcross = "addv", "0 q u 01110 zz 11000 ooooo 10 nnnnn ddddd", Simd;
    SimdCopy = "dup", "0 q o 01110000 iiiii 0 jjjj 1 nnnnn ddddd", Simd;
    SimdModImm = "movi", "0 q o 0111100000 abc cccc p 1 efghi ddddd", Simd;
    SimdShiftImm = "ushr", "0 q u 011110 hhhh bbb ooooo 1 nnnnn ddddd", Simd;
    SimdIndexed = "mul", "0 q u 01111 zz l m rrrr oooo h 0 nnnnn ddddd", Simd;
    SimdPermute = "zip1", "0 q 001110 zz 0 mmmmm 0 ooo 10 nnnnn ddddd", Simd;
    SimdExt = "ext", "0 q 101110 00 0 mmmmm 0 iiii 0 nnnnn ddddd", Simd;
    SimdTbl = "tbl", "0 q 001110 00 0 mmmmm 0 ll o 00 nnnnn ddddd", Simd;
    // --- Advanced SIMD scalar ---
    SimdScalarThreeSame = "add", "01 u 11110 zz 1 mmmmm ooooo 1 nnnnn ddddd", Simd;
    SimdScalarThreeSameExtra = "sqrdmlah", "01 u 11110 zz 0 mmmmm 1 oooo 1 nnnnn ddddd", Simd;
    SimdScalarThreeSameFp16 = "fabd", "01 u 11110 a 10 mmmmm 00 ooo 1 nnnnn ddddd", Simd;
    SimdScalarTwoMiscFp16 = "fcmeq", "01 u 11110 a 1111 00 ooooo 10 nnnnn ddddd", Simd;
    SimdScalarThreeDiff = "sqdmlal", "01 u 11110 zz 1 mmmmm oooo 00 nnnnn ddddd", Simd;
    SimdScalarTwoMisc = "cmeq", "01 u 11110 zz 10000 ooooo 10 nnnnn ddddd", Simd;
    SimdScalarPairwise = "addp", "01 u 11110 zz 11000 ooooo 10 nnnnn ddddd", Simd;
    SimdScalarDup = "mov", "01 0 11110000 iiiii 0 0000 1 nnnnn ddddd", Simd;
    SimdScalarShiftImm = "ushr", "01 u 111110 hhhh bbb ooooo 1 nnnnn ddddd", Simd;
    SimdScalarIndexed = "fmul", "01 u 11111 zz l m rrrr oooo h 0 nnnnn ddddd", Simd;
    // --- Cryptographic extension (AES, SHA-1, SHA-256; PMULL 1Q is in SimdThreeDiff) ---
    CryptoAes = "aese", "01001110 zz 10100 ooooo 10 nnnnn ddddd", Crypto;
    CryptoSha3 = "sha1c", "01011110 zz 0 mmmmm 0 ooo 00 nnnnn ddddd", Crypto;
    CryptoSha2 = "sha1h", "01011110 zz 10100 ooooo 10 nnnnn ddddd", Crypto;
    // --- SHA-512, SHA-3, SM3 and SM4 (FEAT_SHA512, FEAT_SHA3, FEAT_SM3, FEAT_SM4) ---
    CryptoSha512Three = "sha512h", "11001110 011 mmmmm 1 o 00 pp nnnnn ddddd", Crypto;
    CryptoSha512Two = "sha512su0", "11001110 110000001000 pp nnnnn ddddd", Crypto;
    CryptoFour = "eor3", "11001110 0 oo mmmmm 0 aaaaa nnnnn ddddd", Crypto;
    CryptoXar = "xar", "11001110 100 mmmmm iiiiii nnnnn ddddd", Crypto;
    CryptoSm3Tt = "sm3tt1a", "11001110 010 mmmmm 10 ii oo nnnnn ddddd", Crypto;
}

/// Bits 31..24: Q, U and the group fields.
impl crate::KeyWindow for A64Simd {
    const KEY: u32 = 24;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decoder;

    #[test]
    fn every_row_is_reachable_and_known_words_decode() {
        let d = Decoder::new(A64_SIMD);
        let mut seed = 0x9e37_79b9u32;
        for e in A64_SIMD {
            let hit = (0..500).any(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                d.random_word(e, seed).is_some()
            });
            assert!(hit, "row {:?} is shadowed by more specific rows", e.id);
        }
        let cases = [
            (0x1e22_2820, A64Simd::Fp2Src),                   // fadd s0, s1, s2
            (0x1f42_0c20, A64Simd::Fp3Src),                   // fmadd d0, d1, d2, d3
            (0x4e20_8420, A64Simd::SimdThreeSame),            // add v0.16b, v1.16b, v2.16b
            (0x9c00_0081, A64Simd::LdrSimdLit),               // ldr q1, .+16
            (0x4c40_7000, A64Simd::LdStMulti),                // ld1 {v0.16b}, [x0]
            (0x9e67_0020, A64Simd::FmovGenToFp),              // fmov d0, x1
            (0x1e78_0020, A64Simd::FcvtToInt),                // fcvtzs w0, d1
            (0x4f05_0400, A64Simd::SimdModImm),               // movi v0.4s, #0xa0
            (0x5e62_9084, A64Simd::SimdScalarThreeDiff),      // sqdmlal s4, h4, h2
            (0x6e82_9420, A64Simd::SimdThreeSameExtra),       // udot v0.4s, v1.16b, v2.16b
            (0x7e82_8420, A64Simd::SimdScalarThreeSameExtra), // sqrdmlah s0, s1, s2
        ];
        for (w, id) in cases {
            assert_eq!(d.decode(w).map(|m| m.id()), Some(id), "{w:#010x}");
        }
    }
}
