//! 16-byte constants that translated vector code reads in place, as SSE memory operands at
//! absolute addresses in armrun's own image.
//!
//! Building such a constant in a register takes three instructions at each use (`mov`,
//! `movd`, `pshufd`). The CPU state, which translated code reaches through `r15`, has no room
//! for them: it must stay within 1 KiB (see `cpu`'s note on why). armrun is linked at a fixed
//! address below 2 GiB (`.cargo/config.toml`: no PIE, image base 0x7000_0000), so a static's
//! address fits an instruction's 32-bit displacement.

use super::Asm;

/// Four 32-bit lanes, aligned as a (non-VEX) SSE memory operand must be.
#[repr(C, align(16))]
pub(super) struct Lanes([u32; 4]);

/// The vector FP fast path's bias of each lane's biased exponent (see `fp::vector_fast_path`).
pub(super) static EXPONENT_BIAS: Lanes = Lanes([0x7fff_fffe; 4]);
/// Its limits, for double and single lanes.
pub(super) static LIMIT_DOUBLE: Lanes = Lanes([0x8000_07fc; 4]);
pub(super) static LIMIT_SINGLE: Lanes = Lanes([0x8000_00fc; 4]);
/// The PSHUFB order that reverses the bytes of each 64-bit half (REV64 of bytes).
pub(super) static REV64_BYTES: Lanes = Lanes([0x0405_0607, 0x0001_0203, 0x0c0d_0e0f, 0x0809_0a0b]);

/// SSE opcodes (with their mandatory prefix) of the instructions that read them.
pub(super) const PADDD: &[u8] = &[0x66, 0x0f, 0xfe];
pub(super) const PCMPGTD: &[u8] = &[0x66, 0x0f, 0x66];
pub(super) const PSHUFB: &[u8] = &[0x66, 0x0f, 0x38, 0x00];

impl Lanes {
    /// The constant's address as a 32-bit displacement.
    fn addr(&'static self) -> i32 {
        i32::try_from(self as *const Lanes as usize)
            .expect("armrun's image lies below 2 GiB (see .cargo/config.toml)")
    }
}

/// Emits `op xmm<xmm>, [lanes]` (`xmm` below 8): a ModRM naming a SIB byte of no base and no
/// index, then the absolute address (64-bit mode's plain disp32 form is `rip`-relative).
pub(super) fn read(a: &mut Asm, op: &[u8], xmm: u8, lanes: &'static Lanes) {
    debug_assert!(xmm < 8);
    a.extend(op.iter().copied());
    a.extend([(xmm & 7) << 3 | 0b100, 0x25]);
    a.extend(lanes.addr().to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every constant is addressable as a displacement, aligned, and holds what its
    /// instruction needs (REV64's order names each half's bytes from the top).
    #[test]
    fn constants_are_reachable_aligned_operands() {
        for l in [&EXPONENT_BIAS, &LIMIT_DOUBLE, &LIMIT_SINGLE, &REV64_BYTES] {
            assert!(l.addr() > 0);
            assert_eq!(l.addr() % 16, 0);
        }
        let order: Vec<u8> = REV64_BYTES.0.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(
            order,
            [7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8]
        );
    }
}
