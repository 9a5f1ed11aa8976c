//! Random-program oracle for ARM emulators (in the spirit of risu), for A64 and for AArch32.
//!
//! [`program::Program`] builds a tiny static AArch64 Linux ELF executable ([`elf`]) made of test
//! blocks. Each block loads every general, SIMD and flag register from a random data block,
//! runs a few random instructions drawn from one decode class ([`draw`]), then dumps the
//! registers (and for memory classes the scratch buffer) to stdout with `write`. The hand-encoded
//! prologue and epilogue words come from [`asm`]. [`a32`] is the same for 32-bit programs (A32,
//! T16, T32, VFP and Advanced SIMD).
//!
//! [`harness`] runs the same file under a reference emulator and the emulators under test,
//! compares their stdout bytes block by block (differences named through the register layouts in
//! [`dump`]) and tallies them per class; [`rng`] makes every run reproducible from a seed.

pub mod a32;
pub mod asm;
pub mod draw;
pub mod dump;
pub mod elf;
pub mod harness;
pub mod program;
pub mod rng;
