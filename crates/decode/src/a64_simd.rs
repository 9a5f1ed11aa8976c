//! A64 FP, Advanced SIMD, crypto and FP/SIMD load/store decode table.

crate::decode_table! {
    /// A64 FP and SIMD instructions.
    A64Simd, A64_SIMD,
    FmovGenToFp = "fmov", "s 00 11110 tt 1 rr ooo 000000 nnnnn ddddd", Fp;
}
