//! The 32-bit twin of the A64 generator: random-program tests for AArch32 emulators (A32, T16,
//! T32, VFP and Advanced SIMD in user mode).
//!
//! [`program::Program`] builds a static ELF32 ARM EABI5 hard-float executable (through
//! [`crate::elf`]) of test blocks. Each block, in A32 state, loads D0..D31, the APSR (NZCV, Q,
//! GE), FPSCR and R0..R12, R14 from a random data block and enters the instructions under test
//! with an interworking `LDM` that also loads the PC (bit 0 selects Thumb state). A Thumb body
//! returns to A32 state with the `BX PC` veneer; the A32 epilogue then dumps R0..R14, the APSR,
//! FPSCR and D0..D31 (layout [`crate::dump::A32`]) and, for memory classes, the scratch buffer
//! with `write`. SP stays the real stack pointer throughout: the generator never lets a test
//! instruction name it.
//!
//! [`draw`] draws the instructions from the `decode` crate's A32, T16, T32, VFP and Advanced
//! SIMD tables per
//! [`draw::Class`], rewriting register and offset fields so that nothing branches, touches SP,
//! hits a CONSTRAINED UNPREDICTABLE encoding, or accesses memory outside the scratch buffer.
//! The hand-encoded harness instructions are in [`asm`].

pub mod asm;
pub mod draw;
pub mod program;
