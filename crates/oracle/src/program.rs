//! Layout and code of a generated test program.
//!
//! Memory image (all in one RWX segment): headers, code (block 0 prologue, body, epilogue,
//! block 1 ..., exit), then per block a 800-byte register data block and (memory classes) a
//! 4 KiB scratch buffer, then zeroed dump space.
//!
//! Data block layout: V0..V31 (512 bytes), X0..X30 (248), SP, NZCV, FPCR (8 each).
//! The dump each block writes is described in [`crate::dump`].

use crate::asm::{self, SysReg};
use crate::draw::{BASE_REG, INDEX_REG};
use crate::dump::{self, REG_DUMP};
use crate::elf;
use crate::harness::Image;
use crate::rng::Rng;

/// Size of the scratch buffer of memory classes.
pub const BUF_SIZE: usize = 4096;
/// Size of one register data block.
const DATA_SIZE: usize = 800;

/// One test block: its instruction words and initial state.
#[derive(Clone, Debug)]
pub struct Block {
    /// The instructions under test.
    pub words: Vec<u32>,
    /// Initial X0..X30.
    pub x: [u64; 31],
    /// Initial SP.
    pub sp: u64,
    /// Initial V0..V31.
    pub v: [u128; 32],
    /// Initial NZCV (bits 31..28).
    pub nzcv: u64,
    /// Initial FPCR.
    pub fpcr: u64,
    /// Initial scratch buffer (memory classes only).
    pub buf: Option<Vec<u8>>,
}

/// An integer register value: small, edge case or random.
pub(crate) fn int_value(rng: &mut Rng) -> u64 {
    const EDGE: [u64; 10] = [
        0,
        1,
        u64::MAX,
        i64::MIN as u64,
        i64::MAX as u64,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0xffff_ffff_8000_0000,
        0x1_0000_0000,
    ];
    match rng.below(4) {
        0 => rng.below(17),
        1 => EDGE[rng.below(EDGE.len() as u64) as usize],
        _ => rng.next_u64(),
    }
}

/// A double with special values often.
pub(crate) fn f64_bits(rng: &mut Rng) -> u64 {
    const S: [u64; 10] = [
        0x7ff8_0000_0000_0000, // qNaN
        0x7ff0_0000_0000_0001, // sNaN
        0x7ff0_0000_0000_0000, // inf
        0xfff0_0000_0000_0000, // -inf
        0x0000_0000_0000_0001, // denormal
        0x800f_ffff_ffff_ffff, // -denormal
        0,
        0x8000_0000_0000_0000, // -0
        0x3ff0_0000_0000_0000, // 1.0
        0xc1e0_0000_0000_0000, // -2^31
    ];
    match rng.below(3) {
        0 => S[rng.below(S.len() as u64) as usize],
        1 => (rng.next_u64() & 0x800f_ffff_ffff_ffff) | (0x3f0 + rng.below(0x20)) << 52,
        _ => rng.next_u64(),
    }
}

/// A single with special values often.
pub(crate) fn f32_bits(rng: &mut Rng) -> u32 {
    const S: [u32; 10] = [
        0x7fc0_0000,
        0x7f80_0001,
        0x7f80_0000,
        0xff80_0000,
        0x0000_0001,
        0x807f_ffff,
        0,
        0x8000_0000,
        0x3f80_0000,
        0x4f00_0000,
    ];
    match rng.below(3) {
        0 => S[rng.below(S.len() as u64) as usize],
        1 => (rng.next_u32() & 0x807f_ffff) | ((0x78 + rng.below(0x10) as u32) << 23),
        _ => rng.next_u32(),
    }
}

/// A vector register value: raw bits, double lanes, single lanes or small integer lanes.
fn vec_value(rng: &mut Rng) -> u128 {
    match rng.below(4) {
        0 => (rng.next_u64() as u128) << 64 | rng.next_u64() as u128,
        1 => (f64_bits(rng) as u128) << 64 | f64_bits(rng) as u128,
        2 => (0..4).fold(0u128, |a, _| a << 32 | f32_bits(rng) as u128),
        _ => (0..16).fold(0u128, |a, _| a << 8 | rng.below(5) as u128),
    }
}

impl Block {
    /// A block running `words` from a random initial state; `memory` adds a scratch buffer.
    pub fn random(words: Vec<u32>, memory: bool, rng: &mut Rng) -> Block {
        let mut x = [0u64; 31];
        for r in x.iter_mut() {
            *r = int_value(rng);
        }
        let mut v = [0u128; 32];
        for r in v.iter_mut() {
            *r = vec_value(rng);
        }
        let mut fpcr = rng.below(4) << 22;
        if rng.one_in(4) {
            fpcr |= 1 << 24; // FZ
        }
        if rng.one_in(4) {
            fpcr |= 1 << 25; // DN
        }
        if rng.one_in(4) {
            fpcr |= 1 << 26; // AHP: alternative half precision in conversions
        }
        if rng.one_in(4) {
            fpcr |= 1 << 19; // FZ16: flush half-precision denormals in arithmetic
        }
        let buf = memory.then(|| (0..BUF_SIZE).map(|_| rng.next_u32() as u8).collect());
        Block {
            words,
            x,
            sp: rng.next_u64() & !15,
            v,
            nzcv: rng.below(16) << 28,
            fpcr,
            buf,
        }
    }
}

/// Targets of ADR fixups.
#[derive(Clone, Copy)]
enum Label {
    Data(usize),
    Buf(usize),
    Dump,
}

/// A program: a sequence of blocks.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// The blocks, run in order.
    pub blocks: Vec<Block>,
}

impl Program {
    /// The ELF image.
    pub fn elf(&self) -> Vec<u8> {
        let mut code: Vec<u32> = Vec::new();
        let mut fix: Vec<(usize, u32, Label)> = Vec::new();
        for (b, blk) in self.blocks.iter().enumerate() {
            // Prologue.
            fix.push((code.len(), 0, Label::Data(b)));
            code.push(0);
            for i in 0..16 {
                code.push(asm::ldp_q(2 * i, 2 * i + 1, 0, 32 * i));
            }
            code.push(asm::ldr_x(1, 0, 760));
            code.push(asm::add_imm(31, 1, 0));
            code.push(asm::ldr_x(1, 0, 768));
            code.push(asm::msr(SysReg::Nzcv, 1));
            code.push(asm::ldr_x(1, 0, 776));
            code.push(asm::msr(SysReg::Fpcr, 1));
            code.push(asm::msr(SysReg::Fpsr, 31));
            code.push(asm::add_imm(0, 0, 512));
            for i in 0..15 {
                code.push(asm::ldp_x(2 * i + 1, 2 * i + 2, 0, 8 + 16 * i));
            }
            code.push(asm::ldr_x(0, 0, 0));
            // Body.
            code.extend_from_slice(&blk.words);
            // Epilogue.
            code.push(asm::msr(SysReg::TpidrEl0, 0));
            fix.push((code.len(), 0, Label::Dump));
            code.push(0);
            for i in 0..15 {
                code.push(asm::stp_x(2 * i + 1, 2 * i + 2, 0, 8 + 16 * i));
            }
            code.push(asm::mrs(SysReg::TpidrEl0, 1));
            code.push(asm::str_x(1, 0, 0));
            code.push(asm::add_imm(1, 31, 0));
            code.push(asm::str_x(1, 0, 248));
            code.push(asm::mrs(SysReg::Nzcv, 1));
            code.push(asm::str_x(1, 0, 256));
            code.push(asm::mrs(SysReg::Fpsr, 1));
            code.push(asm::str_x(1, 0, 264));
            code.push(asm::add_imm(0, 0, 272));
            for i in 0..16 {
                code.push(asm::stp_q(2 * i, 2 * i + 1, 0, 32 * i));
            }
            code.push(asm::movz(0, 1));
            fix.push((code.len(), 1, Label::Dump));
            code.push(0);
            code.push(asm::movz(2, REG_DUMP as u32));
            code.push(asm::movz(8, 64));
            code.push(asm::SVC0);
            if blk.buf.is_some() {
                code.push(asm::movz(0, 1));
                fix.push((code.len(), 1, Label::Buf(b)));
                code.push(0);
                code.push(asm::movz(2, BUF_SIZE as u32));
                code.push(asm::movz(8, 64));
                code.push(asm::SVC0);
            }
        }
        code.push(asm::movz(0, 0));
        code.push(asm::movz(8, 94));
        code.push(asm::SVC0);

        // Data after the code, 16-aligned.
        let base = elf::BASE + elf::PAYLOAD_OFF;
        let mut data: Vec<u8> = Vec::new();
        let code_len = (code.len() * 4).next_multiple_of(16);
        let mut data_at = Vec::new();
        let mut buf_at = Vec::new();
        for blk in &self.blocks {
            let at = base + (code_len + data.len()) as u64;
            data_at.push(at);
            let buf_addr = at + DATA_SIZE as u64;
            for v in blk.v {
                data.extend_from_slice(&v.to_le_bytes());
            }
            for (i, x) in blk.x.iter().enumerate() {
                let x = match blk.buf {
                    Some(_) if i as u32 == BASE_REG => buf_addr + BUF_SIZE as u64 / 2,
                    Some(_) if i as u32 == INDEX_REG => x % 17,
                    _ => *x,
                };
                data.extend_from_slice(&x.to_le_bytes());
            }
            for x in [blk.sp, blk.nzcv, blk.fpcr] {
                data.extend_from_slice(&x.to_le_bytes());
            }
            data.resize(data.len().next_multiple_of(16), 0);
            buf_at.push(base + (code_len + data.len()) as u64);
            if let Some(buf) = &blk.buf {
                data.extend_from_slice(buf);
            }
        }
        let dump_at = base + (code_len + data.len()) as u64;
        for (i, reg, label) in fix {
            let target = match label {
                Label::Data(b) => data_at[b],
                Label::Buf(b) => buf_at[b],
                Label::Dump => dump_at,
            };
            code[i] = asm::adr(reg, target as i64 - (base + 4 * i as u64) as i64);
        }
        let mut payload: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        payload.resize(code_len, 0);
        payload.extend_from_slice(&data);
        elf::write(&payload, REG_DUMP as u64 + 16, base)
    }

    /// The program as the harness runs it.
    pub fn image(&self) -> Image {
        let buffers = self.blocks.iter().map(|b| b.buf.is_some());
        Image::new(self.elf(), dump::A64, "X28", buffers)
    }
}
