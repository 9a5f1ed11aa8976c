//! Random-program oracle for A64 emulators (in the spirit of risu).
//!
//! [`program::Program`] builds a tiny static AArch64 Linux ELF executable ([`elf`]) made of test
//! blocks. Each block loads every general, SIMD and flag register from a random data block,
//! runs a few random instructions drawn from one decode class ([`draw`]), then dumps the
//! registers (and for memory classes the scratch buffer) to stdout with `write`. Running the
//! same file under a reference emulator and the emulator under test and comparing stdout bytes
//! (parsed back with [`dump::Dump`]) finds semantic differences; the hand-encoded prologue and
//! epilogue words come from [`asm`].

pub mod asm;
pub mod draw;
pub mod dump;
pub mod elf;
pub mod program;
pub mod rng;
