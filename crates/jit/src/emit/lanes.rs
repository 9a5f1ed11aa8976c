//! 16-byte constants that translated vector code reads in place as SSE memory operands, from a
//! pool at the end of the code cache's trampoline (`emit::trampoline`), `rip`-relative.
//!
//! Building such a constant in a register takes three instructions at each use (`mov`,
//! `movd`, `pshufd`). The CPU state, which translated code reaches through `r15`, has no room
//! for them: it must stay within 1 KiB (see `cpu`'s note on why). The pool is 64-byte aligned
//! on a cache line of its own, which nothing writes after the trampoline is made.

/// The constants, in pool order; each is four 32-bit lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lanes {
    /// The vector FP fast path's bias of each lane's biased exponent (see
    /// `fp::vector_fast_path`).
    ExponentBias,
    /// Its limit for double lanes.
    LimitDouble,
    /// Its limit for single lanes.
    LimitSingle,
    /// The PSHUFB order that reverses the bytes of each 64-bit half (REV64 of bytes).
    Rev64Bytes,
    /// The PSHUFB order that reverses the bytes of each 32-bit word (REV32 of bytes).
    Rev32Bytes,
}

/// The pool's contents, indexed by [`Lanes`].
const POOL: [[u32; 4]; 5] = [
    [0x7fff_fffe; 4],
    [0x8000_07fc; 4],
    [0x8000_00fc; 4],
    [0x0405_0607, 0x0001_0203, 0x0c0d_0e0f, 0x0809_0a0b],
    [0x0001_0203, 0x0405_0607, 0x0809_0a0b, 0x0c0d_0e0f],
];

/// The alignment of the pool in the trampoline (a cache line).
pub(super) const POOL_ALIGN: usize = 64;

/// The pool's bytes, as the trampoline holds them.
pub(super) fn pool_bytes() -> impl Iterator<Item = u8> {
    POOL.into_iter().flatten().flat_map(u32::to_le_bytes)
}

/// The host address of constant `c` in the pool at host address `pool`.
pub(super) fn addr(pool: usize, c: Lanes) -> usize {
    pool + 16 * c as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pool holds what each instruction needs (REV64's order names each half's bytes
    /// from the top), and the trampoline puts it on a line of its own.
    #[test]
    fn the_pool_is_aligned_and_holds_the_constants() {
        let t = super::super::trampoline(0x4000_0000);
        assert_eq!(t.lanes % POOL_ALIGN, 0);
        let bytes: Vec<u8> = pool_bytes().collect();
        assert_eq!(&t.code[t.lanes..], &bytes[..]);
        // (Offsets in the pool: its addresses from 0.)
        let rev = &bytes[addr(0, Lanes::Rev64Bytes)..][..16];
        assert_eq!(rev, [7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8]);
        let rev = &bytes[addr(0, Lanes::Rev32Bytes)..][..16];
        assert_eq!(rev, [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]);
        let bias = &bytes[addr(0, Lanes::ExponentBias)..][..4];
        assert_eq!(bias, 0x7fff_fffeu32.to_le_bytes());
    }
}
