//! Shared by the micro benchmarks: a fixed-seed random source, A64 encoders for the few
//! instructions the guest programs use, and a runner for guest code held in a word array.

#![allow(dead_code)] // Each bench uses a different part of this module.

use cpu::CpuState;
use criterion::Criterion;
use runtime::{Engine, Event};
use std::time::Duration;

/// Guest address the bench programs are placed at.
pub const BASE: u64 = 0x10000;

/// A tiny xorshift generator with a fixed seed, so every run benchmarks the same words.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (non-zero).
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Criterion settings small enough that the whole `cargo bench -p runtime` takes about a
/// minute, yet long enough for stable per-element numbers (each iteration runs thousands of
/// blocks, or translates a whole block). No plots: drawing them took longer than measuring.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(20)
        .without_plots()
}

/// A64 encoders: only what the bench programs need, checked against the manual's encodings.
pub mod a64 {
    /// `ADD Xd, Xn, #imm` (imm < 4096).
    pub fn add_imm(d: u32, n: u32, imm: u32) -> u32 {
        0x9100_0000 | imm << 10 | n << 5 | d
    }

    /// `SUBS Xd, Xn, #imm` (imm < 4096).
    pub fn subs_imm(d: u32, n: u32, imm: u32) -> u32 {
        0xf100_0000 | imm << 10 | n << 5 | d
    }

    /// `MOVZ Xd, #imm16`.
    pub fn movz(d: u32, imm: u16) -> u32 {
        0xd280_0000 | (imm as u32) << 5 | d
    }

    /// `ADR Xd, pc + off`.
    pub fn adr(d: u32, off: i64) -> u32 {
        let off = off as u32 & 0x1f_ffff;
        0x1000_0000 | (off & 3) << 29 | (off >> 2) << 5 | d
    }

    /// `CSEL Xd, Xn, Xm, NE`.
    pub fn csel_ne(d: u32, n: u32, m: u32) -> u32 {
        0x9a80_1000 | m << 16 | n << 5 | d
    }

    /// `B pc + off`.
    pub fn b(off: i64) -> u32 {
        0x1400_0000 | (off >> 2) as u32 & 0x3ff_ffff
    }

    /// `BL pc + off`.
    pub fn bl(off: i64) -> u32 {
        0x9400_0000 | (off >> 2) as u32 & 0x3ff_ffff
    }

    /// `B.NE pc + off`.
    pub fn b_ne(off: i64) -> u32 {
        0x5400_0001 | ((off >> 2) as u32 & 0x7_ffff) << 5
    }

    /// `BR Xn`.
    pub fn br(n: u32) -> u32 {
        0xd61f_0000 | n << 5
    }

    /// `BLR Xn`.
    pub fn blr(n: u32) -> u32 {
        0xd63f_0000 | n << 5
    }

    /// `RET` (through X30).
    pub const RET: u32 = 0xd65f_03c0;

    /// `SVC #0`.
    pub const SVC0: u32 = 0xd400_0001;
}

/// Runs `code` (A64, at [`BASE`]) on `engine` from `cpu` (pc set to [`BASE`]) until the
/// program's `SVC #0`; panics on any other event, so a bench never times an early exit.
pub fn run(engine: &mut Engine, code: &[u32], cpu: &mut CpuState) {
    let fetch = |a: u64| -> Option<u32> {
        let i = a.checked_sub(BASE)? / 4;
        code.get(i as usize).copied()
    };
    cpu.pc = BASE;
    match engine.run(cpu, &fetch) {
        Event::Syscall(0) => {}
        e => panic!("bench program stopped early: {e:?} at pc {:#x}", cpu.pc),
    }
}

/// Turns block chaining off, as `-d nochain` does: every block returns to the dispatcher.
pub fn unlink(engine: &mut Engine) {
    engine.set_log(runtime::LogFlags {
        nochain: true,
        ..runtime::LogFlags::default()
    });
}
