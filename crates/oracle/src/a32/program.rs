//! Layout and code of a generated 32-bit test program.
//!
//! Memory image (one RWX segment): headers, code (per block: A32 prologue, the body in A32 or
//! Thumb state, A32 epilogue; then the exit), then per block a register data block and (memory
//! classes) a 4 KiB scratch buffer, then zeroed dump space.
//!
//! Data block layout (`DATA` bytes): D0..D31 (256 bytes), then the 15 words the prologue's
//! `LDM {r0-r12, lr, pc}` loads (R0..R12, R14, and the body's address with bit 0 set for
//! Thumb), the APSR and FPSCR. The dump each block writes is [`crate::dump::A32`].

use super::asm;
use super::draw::{BASE_REG, INDEX_REG};
use crate::dump;
use crate::elf;
use crate::harness::Image;
use crate::program::{BUF_SIZE, f32_bits, f64_bits, int_value};
use crate::rng::Rng;

/// Bytes of one register data block (16-aligned).
const DATA: u32 = 336;
/// Offsets of the APSR and FPSCR words from the LDM words (data block offset 256), which are
/// also their offsets in a dump.
const APSR_AT: u32 = 60;
const FPSCR_AT: u32 = 64;
/// Offset of D0 in a dump.
const DUMP_D0: u32 = 72;

/// APSR bits MSR APSR_nzcvqg writes: N, Z, C, V, Q and GE (bits 19..16).
pub const APSR_BITS: u32 = 0xf80f_0000;

/// One test block: its instructions and initial state.
#[derive(Clone, Debug)]
pub struct Block {
    /// The instructions under test: A32 words, or in Thumb state T16 halfwords and T32 pairs
    /// (first halfword << 16 | second).
    pub words: Vec<u32>,
    /// The body runs in Thumb state.
    pub thumb: bool,
    /// Initial R0..R14 (index 13 is unused: SP keeps the real stack pointer).
    pub r: [u32; 15],
    /// Initial D0..D31.
    pub d: [u64; 32],
    /// Initial APSR (only [`APSR_BITS`]).
    pub apsr: u32,
    /// Initial FPSCR.
    pub fpscr: u32,
    /// Initial scratch buffer (memory classes only).
    pub buf: Option<Vec<u8>>,
}

/// A D register value: a double, two singles or raw bits.
fn d_value(rng: &mut Rng) -> u64 {
    match rng.below(3) {
        0 => f64_bits(rng),
        1 => (f32_bits(rng) as u64) << 32 | f32_bits(rng) as u64,
        _ => rng.next_u64(),
    }
}

impl Block {
    /// A block running `words` (in Thumb state if `thumb`) from a random initial state;
    /// `memory` adds a scratch buffer.
    pub fn random(words: Vec<u32>, thumb: bool, memory: bool, rng: &mut Rng) -> Block {
        let mut r = [0u32; 15];
        for v in r.iter_mut() {
            *v = int_value(rng) as u32;
        }
        let mut d = [0u64; 32];
        for v in d.iter_mut() {
            *v = d_value(rng);
        }
        // FPSCR: NZCV, QC, AHP, DN, FZ, RMode and the cumulative exception flags; never the
        // trap enables, nor Len/Stride (short vectors, absent in ARMv8), nor FZ16.
        let fpscr = rng.next_u32() & 0xffc0_009f;
        let buf = memory.then(|| (0..BUF_SIZE).map(|_| rng.next_u32() as u8).collect());
        Block {
            words,
            thumb,
            r,
            d,
            apsr: rng.next_u32() & APSR_BITS,
            fpscr,
            buf,
        }
    }

    /// The body's bytes: A32 words, or Thumb halfwords followed by the `BX PC` veneer back to
    /// A32 state (`at` is the body's address, which is word-aligned).
    fn body(&self, at: u32) -> Vec<u8> {
        if !self.thumb {
            return self.words.iter().flat_map(|w| w.to_le_bytes()).collect();
        }
        let mut hw: Vec<u16> = Vec::new();
        for &w in &self.words {
            if w > 0xffff {
                hw.push((w >> 16) as u16);
            }
            hw.push(w as u16);
        }
        // BX PC must sit at a word-aligned address to land on the next word.
        if !(at as usize + 2 * hw.len()).is_multiple_of(4) {
            hw.push(asm::T16_NOP);
        }
        hw.push(asm::T16_BX_PC);
        hw.push(asm::T16_NOP);
        hw.iter().flat_map(|h| h.to_le_bytes()).collect()
    }
}

/// A program: a sequence of blocks.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// The blocks, run in order.
    pub blocks: Vec<Block>,
}

/// Where the data lives, for the code's MOVW/MOVT pairs.
#[derive(Default)]
struct Addrs {
    data: Vec<u32>,
    buf: Vec<u32>,
    dump: u32,
}

/// Emits `MOVW`/`MOVT` of `value` into `d`.
fn load_addr(code: &mut Vec<u32>, d: u32, value: u32) {
    code.push(asm::movw(d, value & 0xffff));
    code.push(asm::movt(d, value >> 16));
}

/// `write(1, addr, len)`.
fn write_out(code: &mut Vec<u32>, addr: u32, len: u32) {
    code.push(asm::mov_imm(0, 1));
    load_addr(code, 1, addr);
    code.push(asm::movw(2, len));
    code.push(asm::mov_imm(7, 4)); // __NR_write
    code.push(asm::SVC0);
}

impl Program {
    /// The code for the data addresses `a`, and the address of every block's body.
    fn code(&self, a: &Addrs) -> (Vec<u8>, Vec<u32>) {
        let start = (elf::BASE + elf::PAYLOAD_OFF) as u32;
        let mut bytes = Vec::new();
        let mut bodies = Vec::new();
        for (b, blk) in self.blocks.iter().enumerate() {
            // Prologue: a clear exclusive monitor (blocks are independent), D registers, APSR,
            // FPSCR, then R0..R12, LR and the jump to the body.
            let mut code = vec![asm::CLREX];
            load_addr(&mut code, 0, a.data.get(b).copied().unwrap_or(0));
            code.push(asm::vldmia(0, 0, 16, true));
            code.push(asm::vldmia(0, 16, 16, true));
            code.push(asm::ldr(1, 0, APSR_AT));
            code.push(asm::msr_apsr(1));
            code.push(asm::ldr(1, 0, FPSCR_AT));
            code.push(asm::vmsr(1));
            code.push(asm::ldm(0, 0xdfff));
            bytes.extend(code.iter().flat_map(|w| w.to_le_bytes()));
            let at = start + bytes.len() as u32;
            bodies.push(at);
            bytes.extend(blk.body(at));
            // Epilogue: R0 goes through the stack while R0 points at the dump.
            let mut code = vec![asm::push1(0)];
            load_addr(&mut code, 0, a.dump);
            code.push(asm::stmib(0, 0x1ffe));
            code.push(asm::str(14, 0, 56));
            code.push(asm::pop1(14));
            code.push(asm::str(14, 0, 0));
            code.push(asm::mrs_apsr(1));
            code.push(asm::str(1, 0, APSR_AT));
            code.push(asm::vmrs(1));
            code.push(asm::str(1, 0, FPSCR_AT));
            code.push(asm::add_imm(0, 0, DUMP_D0));
            code.push(asm::vstmia(0, 0, 16, true));
            code.push(asm::vstmia(0, 16, 16, false));
            write_out(&mut code, a.dump, dump::A32.size() as u32);
            if blk.buf.is_some() {
                write_out(
                    &mut code,
                    a.buf.get(b).copied().unwrap_or(0),
                    BUF_SIZE as u32,
                );
            }
            bytes.extend(code.iter().flat_map(|w| w.to_le_bytes()));
        }
        // exit(0)
        let code = [asm::mov_imm(0, 0), asm::mov_imm(7, 1), asm::SVC0];
        bytes.extend(code.iter().flat_map(|w| w.to_le_bytes()));
        (bytes, bodies)
    }

    /// The ELF image.
    pub fn elf(&self) -> Vec<u8> {
        let start = (elf::BASE + elf::PAYLOAD_OFF) as u32;
        // The code's length does not depend on the addresses it loads: lay out the data after
        // a first pass, then emit the code again with the real addresses.
        let code_len = self.code(&Addrs::default()).0.len().next_multiple_of(16) as u32;
        let mut a = Addrs::default();
        let mut at = start + code_len;
        for blk in &self.blocks {
            a.data.push(at);
            a.buf.push(at + DATA);
            at += DATA + blk.buf.as_ref().map_or(0, |_| BUF_SIZE as u32);
        }
        a.dump = at;
        let (mut payload, bodies) = self.code(&a);
        payload.resize(code_len as usize, 0);
        for (b, blk) in self.blocks.iter().enumerate() {
            let mut d = Vec::with_capacity(DATA as usize);
            d.extend(blk.d.iter().flat_map(|v| v.to_le_bytes()));
            let mut words: Vec<u32> = (0..15).filter(|&i| i != 13).map(|i| blk.r[i]).collect();
            if blk.buf.is_some() {
                words[BASE_REG as usize] = a.buf[b] + BUF_SIZE as u32 / 2;
                // Word-aligned indexes keep every access aligned (LDRD, LDM and VLDR fault on
                // unaligned addresses).
                words[INDEX_REG as usize] = 4 * (blk.r[INDEX_REG as usize] % 5);
            }
            words.push(bodies[b] | blk.thumb as u32);
            words.push(blk.apsr);
            words.push(blk.fpscr);
            d.extend(words.iter().flat_map(|w| w.to_le_bytes()));
            d.resize(DATA as usize, 0);
            payload.extend(d);
            if let Some(buf) = &blk.buf {
                payload.extend_from_slice(buf);
            }
        }
        let bss = dump::A32.size() as u64 + 16;
        elf::write_for(elf::ARM_EABI5_HF, &payload, bss, start as u64)
    }

    /// The program as the harness runs it.
    pub fn image(&self) -> Image {
        let buffers = self.blocks.iter().map(|b| b.buf.is_some());
        Image::new(self.elf(), dump::A32, "R6", buffers)
    }
}
