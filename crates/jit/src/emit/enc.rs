//! Short encodings of the instructions translated code is mostly made of.
//!
//! dynasm gives a memory operand whose displacement is a run-time value four bytes of
//! displacement, even 0 or 8, and a run-time immediate four bytes, even 0 or 1. Most of what a
//! block does is such instructions: loads and stores of the guest registers in the CPU state
//! (`[r15 + slot offset]`: the first 32 fit a one-byte displacement), guest memory
//! accesses (`[r14 + address]`, mostly with no displacement at all), address arithmetic (`lea`)
//! and ALU operations with small constants. Encoded here with the shortest displacement (none,
//! one byte or four) and immediate, a state access takes 4 bytes instead of 7, a guest access
//! 4 instead of 8 and `cmp r32, 0` 3 (`test`) instead of 7. cc1 -O2 for armhf ran 5% faster
//! when the moves alone were encoded so (its translated code is large: the instruction cache
//! holds more of it, and the decoders take more instructions per cycle).
//!
//! Only the forms below are encoded here; everything else goes through dynasm.

use super::Asm;

/// A memory operand `[base + (index << scale) + disp]` (general register numbers as x86
/// encodes them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mem {
    /// The base register.
    pub base: u8,
    /// The index register, if any; never `rsp`.
    pub index: Option<u8>,
    /// The index's shift (0 to 3: scaled by 1, 2, 4 or 8).
    pub scale: u8,
    /// The displacement.
    pub disp: i32,
}

impl Mem {
    /// `[base + disp]`.
    pub fn at(base: u8, disp: i32) -> Mem {
        Mem {
            base,
            index: None,
            scale: 0,
            disp,
        }
    }

    /// `[base + index + disp]`.
    pub fn indexed(base: u8, index: u8, disp: i32) -> Mem {
        Mem::scaled(base, index, 0, disp)
    }

    /// `[base + (index << scale) + disp]`, `scale` at most 3.
    pub fn scaled(base: u8, index: u8, scale: u8, disp: i32) -> Mem {
        debug_assert!(scale <= 3);
        Mem {
            base,
            index: Some(index),
            scale,
            disp,
        }
    }
}

/// An instruction with a register and a memory operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegMem {
    /// `mov r64, m64`.
    Load64,
    /// `mov r32, m32` (zero-extends).
    Load32,
    /// `movzx r32, m16`.
    Load16,
    /// `movzx r32, m8`.
    Load8,
    /// `mov m64, r64`.
    Store64,
    /// `mov m32, r32`.
    Store32,
    /// `mov m16, r16`.
    Store16,
    /// `mov m8, r8` (the low byte of any register: spl, bpl, sil and dil take a REX prefix).
    Store8,
    /// `lea r64, m`.
    Lea64,
    /// `lea r32, m` (the low half of the address, zero-extended).
    Lea32,
}

impl RegMem {
    /// The load of `size` bytes (1, 2, 4 or 8), zero-extended.
    pub fn load(size: u64) -> RegMem {
        match size {
            1 => RegMem::Load8,
            2 => RegMem::Load16,
            4 => RegMem::Load32,
            _ => RegMem::Load64,
        }
    }

    /// The store of `size` bytes (1, 2, 4 or 8).
    pub fn store(size: u64) -> RegMem {
        match size {
            1 => RegMem::Store8,
            2 => RegMem::Store16,
            4 => RegMem::Store32,
            _ => RegMem::Store64,
        }
    }

    /// (operand-size prefix, REX.W, opcode bytes (low first), their number).
    #[inline]
    fn parts(self) -> (bool, bool, u64, usize) {
        match self {
            RegMem::Load64 => (false, true, 0x8b, 1),
            RegMem::Load32 => (false, false, 0x8b, 1),
            RegMem::Load16 => (false, false, 0xb70f, 2),
            RegMem::Load8 => (false, false, 0xb60f, 2),
            RegMem::Store64 => (false, true, 0x89, 1),
            RegMem::Store32 => (false, false, 0x89, 1),
            RegMem::Store16 => (true, false, 0x89, 1),
            RegMem::Store8 => (false, false, 0x88, 1),
            RegMem::Lea64 => (false, true, 0x8d, 1),
            RegMem::Lea32 => (false, false, 0x8d, 1),
        }
    }
}

/// Emits `op` with register `reg` and operand `m`.
#[inline]
pub fn reg_mem(a: &mut Asm, op: RegMem, reg: u8, m: Mem) {
    let (prefix, w, opcode, opcode_len) = op.parts();
    let mut buf = Buf::default();
    if prefix {
        buf.push(0x66);
    }
    // A byte store of spl, bpl, sil or dil needs a REX prefix (without one, 4..7 are ah..bh).
    let byte_reg = op == RegMem::Store8 && (4..8).contains(&reg);
    rex(&mut buf, w, reg, m, byte_reg);
    buf.push_n(opcode, opcode_len);
    modrm(&mut buf, reg, m);
    buf.emit(a);
}

/// Emits `mov QWORD m, imm` (the immediate sign-extended to 64 bits).
#[inline]
pub fn store_imm64(a: &mut Asm, m: Mem, imm: i32) {
    let mut buf = Buf::default();
    rex(&mut buf, true, 0, m, false);
    buf.push(0xc7);
    modrm(&mut buf, 0, m);
    buf.push_n(imm as u32 as u64, 4);
    buf.emit(a);
}

/// An x86 ALU operation with an immediate (its number is the ModRM reg field of `81 /n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alu {
    /// `add`.
    Add = 0,
    /// `or`.
    Or = 1,
    /// `adc`.
    Adc = 2,
    /// `and`.
    And = 4,
    /// `sub`.
    Sub = 5,
    /// `xor`.
    Xor = 6,
    /// `cmp`.
    Cmp = 7,
}

/// Emits `op reg, imm` at 64 bits if `wide` (the immediate sign-extended), else at 32; `cmp reg,
/// 0` as `test reg, reg`, which sets the flags alike (CF and OF clear, ZF, SF and PF by the
/// value).
#[inline]
pub fn alu_imm(a: &mut Asm, op: Alu, wide: bool, reg: u8, imm: i32) {
    let mut buf = Buf::default();
    rex_rr(&mut buf, wide, 0, reg);
    if op == Alu::Cmp && imm == 0 {
        // test reg, reg: reg in both fields, so REX.R too.
        buf = Buf::default();
        rex_rr(&mut buf, wide, reg, reg);
        buf.push(0x85);
        buf.push(0xc0 | (reg & 7) << 3 | reg & 7);
    } else if let Ok(b) = i8::try_from(imm) {
        buf.push(0x83);
        buf.push(0xc0 | (op as u8) << 3 | reg & 7);
        buf.push(b as u8);
    } else {
        buf.push(0x81);
        buf.push(0xc0 | (op as u8) << 3 | reg & 7);
        buf.push_n(imm as u32 as u64, 4);
    }
    buf.emit(a);
}

/// Emits `op m, imm` (a 32-bit operand, or 64-bit if `wide`, the immediate sign-extended).
#[inline]
pub fn alu_mem_imm8(a: &mut Asm, op: Alu, wide: bool, m: Mem, imm: i8) {
    let mut buf = Buf::default();
    rex(&mut buf, wide, 0, m, false);
    buf.push(0x83);
    modrm(&mut buf, op as u8, m);
    buf.push(imm as u8);
    buf.emit(a);
}

/// Emits `op dword [rip + rel], imm` (`rel` counts from the end of the instruction, which
/// is 7 bytes long).
pub fn alu_rip_imm8(a: &mut Asm, op: Alu, rel: i32, imm: i8) {
    let mut buf = Buf::default();
    buf.push(0x83);
    buf.push((op as u8) << 3 | 5);
    buf.push_n(rel as u32 as u64, 4);
    buf.push(imm as u8);
    buf.emit(a);
}

/// Emits a move of `imm` into `reg` (all 64 bits), in the shortest form: `mov r32, imm32`
/// (which zero-extends), `mov r64, simm32` or `movabs`. Flags are left alone.
#[inline]
pub fn mov_imm(a: &mut Asm, reg: u8, imm: u64) {
    let mut buf = Buf::default();
    if let Ok(k) = u32::try_from(imm) {
        rex_rr(&mut buf, false, 0, reg);
        buf.push(0xb8 + (reg & 7));
        buf.push_n(k as u64, 4);
    } else if let Ok(k) = i32::try_from(imm as i64) {
        rex_rr(&mut buf, true, 0, reg);
        buf.push(0xc7);
        buf.push(0xc0 | reg & 7);
        buf.push_n(k as u32 as u64, 4);
    } else {
        rex_rr(&mut buf, true, 0, reg);
        buf.push(0xb8 + (reg & 7));
        buf.push_n(imm, 8);
    }
    buf.emit(a);
}

/// The REX prefix for ModRM fields reg = `reg` and rm = register `rm`, if one is needed.
#[inline]
fn rex_rr(buf: &mut Buf, w: bool, reg: u8, rm: u8) {
    let rex = 0x40 | (w as u8) << 3 | (reg >> 3) << 2 | rm >> 3;
    if rex != 0x40 {
        buf.push(rex);
    }
}

/// The REX prefix for register field `reg` and operand `m`, if one is needed (`force`: even
/// with no bit set).
#[inline]
fn rex(buf: &mut Buf, w: bool, reg: u8, m: Mem, force: bool) {
    let x = m.index.map_or(0, |i| i >> 3);
    let rex = 0x40 | (w as u8) << 3 | (reg >> 3) << 2 | x << 1 | m.base >> 3;
    if rex != 0x40 || force {
        buf.push(rex);
    }
}

/// ModRM, SIB and displacement for register field `reg` and operand `m`.
#[inline]
fn modrm(buf: &mut Buf, reg: u8, m: Mem) {
    // rbp and r13 as a base have no form without a displacement (that encoding means
    // rip-relative or no base).
    let (md, disp_len) = match m.disp {
        0 if m.base & 7 != 5 => (0, 0),
        d if i8::try_from(d).is_ok() => (1, 1),
        _ => (2, 4),
    };
    let reg = (reg & 7) << 3;
    match m.index {
        Some(i) => {
            debug_assert!(i != 4, "rsp is no index");
            buf.push(md << 6 | reg | 4);
            buf.push((m.scale & 3) << 6 | (i & 7) << 3 | m.base & 7);
        }
        // rsp and r12 as a base need a SIB byte (with no index).
        None if m.base & 7 == 4 => {
            buf.push(md << 6 | reg | 4);
            buf.push(4 << 3 | m.base & 7);
        }
        None => buf.push(md << 6 | reg | m.base & 7),
    }
    match disp_len {
        1 => buf.push_n(m.disp as u8 as u64, 1),
        4 => buf.push_n(m.disp as u32 as u64, 4),
        _ => {}
    }
}

/// Bytes of one instruction (15 at most), little-endian in a word: cheaper to build than an
/// array (no bounds checks), and one copy into the assembler.
#[derive(Default)]
struct Buf {
    bytes: u128,
    len: usize,
}

impl Buf {
    #[inline]
    fn push(&mut self, b: u8) {
        self.push_n(b as u64, 1);
    }

    /// `n` bytes of `v`, low first.
    #[inline]
    fn push_n(&mut self, v: u64, n: usize) {
        self.bytes |= (v as u128) << (8 * self.len);
        self.len += n;
    }

    /// Appends the bytes to `a`.
    #[inline]
    fn emit(&self, a: &mut Asm) {
        a.extend(&self.bytes.to_le_bytes()[..self.len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynasmrt::x64::X64Relocation;
    use dynasmrt::{DynasmApi, VecAssembler, dynasm};

    /// capstone's AT&T text of the one instruction in `code`, and its length.
    fn text(code: &[u8]) -> (String, usize) {
        use capstone::arch::{BuildsCapstone, BuildsCapstoneSyntax};
        let cs = capstone::Capstone::new()
            .x86()
            .mode(capstone::arch::x86::ArchMode::Mode64)
            .syntax(capstone::arch::x86::ArchSyntax::Att)
            .build()
            .unwrap();
        let insns = cs.disasm_all(code, 0).unwrap();
        assert_eq!(insns.len(), 1, "{code:02x?}");
        let i = insns.iter().next().unwrap();
        let t = format!("{} {}", i.mnemonic().unwrap(), i.op_str().unwrap());
        (t, i.bytes().len())
    }

    /// The value of a capstone immediate (`$-1`, `$0xff`, `$12`), as `bits` bits.
    fn imm_value(text: &str, bits: u32) -> u64 {
        let t = text.trim().trim_start_matches('$');
        let (neg, t) = t.strip_prefix('-').map_or((false, t), |t| (true, t));
        let v = match t.strip_prefix("0x") {
            Some(h) => i128::from_str_radix(h, 16).unwrap(),
            None => t.parse::<i128>().unwrap(),
        };
        let v = if neg { -v } else { v };
        (v as u64) & (u64::MAX >> (64 - bits))
    }

    /// `op $imm, %reg` as (op, imm as `bits` bits, register).
    fn alu_parts(text: &str, bits: u32) -> (String, u64, String) {
        let (op, rest) = text.split_once(' ').unwrap();
        let (imm, reg) = rest.split_once(',').unwrap();
        (op.to_string(), imm_value(imm, bits), reg.trim().to_string())
    }

    /// dynasm's encoding (four-byte displacement) of `op` between `reg` and `m`.
    fn reference(op: RegMem, reg: u8, m: Mem) -> Vec<u8> {
        let mut a = VecAssembler::<X64Relocation>::new(0);
        let (b, d) = (m.base, m.disp);
        // dynasm takes no optional index: an absent one is the same sum with a zero register
        // added (rsp cannot be an index), which these cases spell out instead.
        match (op, m.index) {
            (RegMem::Load64, None) => dynasm!(a ; .arch x64 ; mov Rq(reg), QWORD [Rq(b) + d]),
            (RegMem::Load32, None) => dynasm!(a ; .arch x64 ; mov Rd(reg), DWORD [Rq(b) + d]),
            (RegMem::Load16, None) => dynasm!(a ; .arch x64 ; movzx Rd(reg), WORD [Rq(b) + d]),
            (RegMem::Load8, None) => dynasm!(a ; .arch x64 ; movzx Rd(reg), BYTE [Rq(b) + d]),
            (RegMem::Store64, None) => dynasm!(a ; .arch x64 ; mov QWORD [Rq(b) + d], Rq(reg)),
            (RegMem::Store32, None) => dynasm!(a ; .arch x64 ; mov DWORD [Rq(b) + d], Rd(reg)),
            (RegMem::Store16, None) => dynasm!(a ; .arch x64 ; mov WORD [Rq(b) + d], Rw(reg)),
            (RegMem::Store8, None) => dynasm!(a ; .arch x64 ; mov BYTE [Rq(b) + d], Rb(reg)),
            (RegMem::Lea64, None) => dynasm!(a ; .arch x64 ; lea Rq(reg), [Rq(b) + d]),
            (RegMem::Lea32, None) => dynasm!(a ; .arch x64 ; lea Rd(reg), [Rq(b) + d]),
            (RegMem::Load64, Some(i)) => {
                dynasm!(a ; .arch x64 ; mov Rq(reg), QWORD [Rq(b) + Rq(i) + d])
            }
            (RegMem::Load32, Some(i)) => {
                dynasm!(a ; .arch x64 ; mov Rd(reg), DWORD [Rq(b) + Rq(i) + d])
            }
            (RegMem::Load16, Some(i)) => {
                dynasm!(a ; .arch x64 ; movzx Rd(reg), WORD [Rq(b) + Rq(i) + d])
            }
            (RegMem::Load8, Some(i)) => {
                dynasm!(a ; .arch x64 ; movzx Rd(reg), BYTE [Rq(b) + Rq(i) + d])
            }
            (RegMem::Store64, Some(i)) => {
                dynasm!(a ; .arch x64 ; mov QWORD [Rq(b) + Rq(i) + d], Rq(reg))
            }
            (RegMem::Store32, Some(i)) => {
                dynasm!(a ; .arch x64 ; mov DWORD [Rq(b) + Rq(i) + d], Rd(reg))
            }
            (RegMem::Store16, Some(i)) => {
                dynasm!(a ; .arch x64 ; mov WORD [Rq(b) + Rq(i) + d], Rw(reg))
            }
            (RegMem::Store8, Some(i)) => {
                dynasm!(a ; .arch x64 ; mov BYTE [Rq(b) + Rq(i) + d], Rb(reg))
            }
            (RegMem::Lea64, Some(i)) => dynasm!(a ; .arch x64 ; lea Rq(reg), [Rq(b) + Rq(i) + d]),
            (RegMem::Lea32, Some(i)) => dynasm!(a ; .arch x64 ; lea Rd(reg), [Rq(b) + Rq(i) + d]),
        }
        a.take().unwrap()
    }

    /// The bytes `emit` assembles.
    fn assembled(emit: impl FnOnce(&mut Asm)) -> Vec<u8> {
        let mut a = VecAssembler::<X64Relocation>::new(0);
        emit(&mut a);
        a.take().unwrap()
    }

    const OPS: [RegMem; 10] = [
        RegMem::Load64,
        RegMem::Load32,
        RegMem::Load16,
        RegMem::Load8,
        RegMem::Store64,
        RegMem::Store32,
        RegMem::Store16,
        RegMem::Store8,
        RegMem::Lea64,
        RegMem::Lea32,
    ];

    /// `lea` with a scaled index (the address of an indexed access, see `Emitter::scaled_add`)
    /// means what dynasm's does, in as few bytes.
    #[test]
    fn a_scaled_lea_means_what_dynasm_means() {
        for wide in [true, false] {
            for reg in 0..16 {
                for base in 0..16 {
                    for index in [0, 5, 8, 12, 13, 15] {
                        for scale in 1..=3u8 {
                            let m = Mem::scaled(base, index, scale, 0);
                            let op = if wide { RegMem::Lea64 } else { RegMem::Lea32 };
                            let ours = assembled(|a| reg_mem(a, op, reg, m));
                            let mut a = VecAssembler::<X64Relocation>::new(0);
                            let (b, i) = (base, index);
                            match (wide, scale) {
                                (true, 1) => {
                                    dynasm!(a ; .arch x64 ; lea Rq(reg), [Rq(b) + Rq(i) * 2])
                                }
                                (true, 2) => {
                                    dynasm!(a ; .arch x64 ; lea Rq(reg), [Rq(b) + Rq(i) * 4])
                                }
                                (true, _) => {
                                    dynasm!(a ; .arch x64 ; lea Rq(reg), [Rq(b) + Rq(i) * 8])
                                }
                                (false, 1) => {
                                    dynasm!(a ; .arch x64 ; lea Rd(reg), [Rq(b) + Rq(i) * 2])
                                }
                                (false, 2) => {
                                    dynasm!(a ; .arch x64 ; lea Rd(reg), [Rq(b) + Rq(i) * 4])
                                }
                                (false, _) => {
                                    dynasm!(a ; .arch x64 ; lea Rd(reg), [Rq(b) + Rq(i) * 8])
                                }
                            }
                            let theirs = a.finalize().unwrap();
                            assert_eq!(text(&ours).0, text(&theirs).0, "{op:?} {reg} {m:?}");
                            assert!(ours.len() <= theirs.len(), "{op:?} {reg} {m:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_form_means_what_dynasm_means_in_fewer_bytes() {
        for op in OPS {
            for reg in 0..16 {
                for base in 0..16 {
                    for index in [None, Some(0), Some(5), Some(8), Some(12), Some(13)] {
                        for disp in [0, 8, -8, 127, -128, 128, 0x150, -0x10_0000] {
                            let m = Mem {
                                base,
                                index,
                                scale: 0,
                                disp,
                            };
                            let ours = assembled(|a| reg_mem(a, op, reg, m));
                            let theirs = reference(op, reg, m);
                            let (t, n) = text(&ours);
                            assert_eq!(n, ours.len(), "{op:?} {reg} {m:?}: {ours:02x?}");
                            // dynasm gives a run-time base a SIB byte with no index (riz).
                            let t2 = text(&theirs).0.replace(", %riz", "");
                            assert_eq!(t, t2, "{op:?} {reg} {m:?}");
                            assert!(ours.len() <= theirs.len(), "{op:?} {reg} {m:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn state_and_guest_accesses_are_short() {
        let enc = |op, reg, m| assembled(|a| reg_mem(a, op, reg, m));
        // mov r8, [r15 + 8]; mov [r15 + 0x108], r9; mov r9d, [r14 + r8]; mov [r14 + r13], bpl;
        // movzx eax, word [r14 + rax + 2]
        assert_eq!(
            enc(RegMem::Load64, 8, Mem::at(15, 8)),
            [0x4d, 0x8b, 0x47, 0x08]
        );
        assert_eq!(
            enc(RegMem::Store64, 9, Mem::at(15, 0x108)),
            [0x4d, 0x89, 0x8f, 0x08, 0x01, 0, 0]
        );
        assert_eq!(
            enc(RegMem::Load32, 9, Mem::indexed(14, 8, 0)),
            [0x47, 0x8b, 0x0c, 0x06]
        );
        assert_eq!(
            enc(RegMem::Store8, 5, Mem::indexed(14, 13, 0)),
            [0x43, 0x88, 0x2c, 0x2e]
        );
        assert_eq!(
            enc(RegMem::Load16, 0, Mem::indexed(14, 0, 2)),
            [0x41, 0x0f, 0xb7, 0x44, 0x06, 0x02]
        );
    }

    #[test]
    fn immediate_stores_mean_what_dynasm_means() {
        for base in 0..16 {
            for disp in [0, 0x10, 0x150] {
                for imm in [0, -1, 0x7fff_ffff] {
                    let m = Mem::at(base, disp);
                    let ours = assembled(|a| store_imm64(a, m, imm));
                    let theirs =
                        assembled(|a| dynasm!(a ; .arch x64 ; mov QWORD [Rq(base) + disp], imm));
                    let t2 = text(&theirs).0.replace(", %riz", "");
                    assert_eq!(text(&ours), (t2, ours.len()), "{m:?} {imm}");
                }
            }
        }
    }

    #[test]
    fn alu_immediates_mean_what_dynasm_means() {
        let ops = [
            Alu::Add,
            Alu::Or,
            Alu::Adc,
            Alu::And,
            Alu::Sub,
            Alu::Xor,
            Alu::Cmp,
        ];
        for op in ops {
            for wide in [false, true] {
                for reg in 0..16 {
                    for imm in [0, 1, -1, 127, -128, 128, 0xff, 0x7fff_ffff, i32::MIN] {
                        let ours = assembled(|a| alu_imm(a, op, wide, reg, imm));
                        let (t, n) = text(&ours);
                        assert_eq!(n, ours.len(), "{op:?} {wide} {reg} {imm}");
                        if op == Alu::Cmp && imm == 0 {
                            let test = if wide {
                                assembled(|a| dynasm!(a ; .arch x64 ; test Rq(reg), Rq(reg)))
                            } else {
                                assembled(|a| dynasm!(a ; .arch x64 ; test Rd(reg), Rd(reg)))
                            };
                            assert_eq!(t, text(&test).0);
                            assert!(ours.len() <= test.len());
                            continue;
                        }
                        let theirs = assembled(|a| match (op, wide) {
                            (Alu::Add, true) => dynasm!(a ; .arch x64 ; add Rq(reg), imm),
                            (Alu::Or, true) => dynasm!(a ; .arch x64 ; or Rq(reg), imm),
                            (Alu::Adc, true) => dynasm!(a ; .arch x64 ; adc Rq(reg), imm),
                            (Alu::And, true) => dynasm!(a ; .arch x64 ; and Rq(reg), imm),
                            (Alu::Sub, true) => dynasm!(a ; .arch x64 ; sub Rq(reg), imm),
                            (Alu::Xor, true) => dynasm!(a ; .arch x64 ; xor Rq(reg), imm),
                            (Alu::Cmp, true) => dynasm!(a ; .arch x64 ; cmp Rq(reg), imm),
                            (Alu::Add, false) => dynasm!(a ; .arch x64 ; add Rd(reg), imm),
                            (Alu::Or, false) => dynasm!(a ; .arch x64 ; or Rd(reg), imm),
                            (Alu::Adc, false) => dynasm!(a ; .arch x64 ; adc Rd(reg), imm),
                            (Alu::And, false) => dynasm!(a ; .arch x64 ; and Rd(reg), imm),
                            (Alu::Sub, false) => dynasm!(a ; .arch x64 ; sub Rd(reg), imm),
                            (Alu::Xor, false) => dynasm!(a ; .arch x64 ; xor Rd(reg), imm),
                            (Alu::Cmp, false) => dynasm!(a ; .arch x64 ; cmp Rd(reg), imm),
                        });
                        let bits = if wide { 64 } else { 32 };
                        assert_eq!(
                            alu_parts(&t, bits),
                            alu_parts(&text(&theirs).0, bits),
                            "{op:?} {wide} {reg} {imm}"
                        );
                        assert!(ours.len() <= theirs.len());
                    }
                }
            }
        }
    }

    #[test]
    fn memory_alu_immediates_mean_what_dynasm_means() {
        for base in 0..16 {
            for disp in [0, 0x10, 0x148] {
                for imm in [0i8, 1, -1] {
                    let m = Mem::at(base, disp);
                    let i = imm as i32;
                    let cases = [
                        (
                            assembled(|a| alu_mem_imm8(a, Alu::Sub, false, m, imm)),
                            assembled(|a| dynasm!(a ; .arch x64 ; sub DWORD [Rq(base) + disp], i)),
                        ),
                        (
                            assembled(|a| alu_mem_imm8(a, Alu::Cmp, true, m, imm)),
                            assembled(|a| dynasm!(a ; .arch x64 ; cmp QWORD [Rq(base) + disp], i)),
                        ),
                    ];
                    for (ours, theirs) in cases {
                        let (t, n) = text(&ours);
                        let (t2, _) = text(&theirs);
                        assert_eq!(n, ours.len());
                        // capstone shows an 8-bit immediate of a 32-bit operation as 32 bits.
                        let norm = |t: &str| t.replace(", %riz", "").replace("0xffffffff", "-1");
                        assert_eq!(norm(&t), norm(&t2), "{m:?} {imm}");
                        assert!(ours.len() < theirs.len());
                    }
                }
            }
        }
    }

    #[test]
    fn rip_relative_decrements_reach_their_target() {
        for rel in [0, 0x1234, -0x10_0000, i32::MAX] {
            let code = assembled(|a| alu_rip_imm8(a, Alu::Sub, rel, 1));
            assert_eq!(code.len(), 7);
            // capstone shows the displacement from the instruction's end.
            let (t, _) = text(&code);
            let (op, imm, mem) = alu_parts(&t, 32);
            assert_eq!((op.as_str(), imm), ("subl", 1), "{t}");
            let disp = match mem.trim_end_matches("(%rip)") {
                "" => "0",
                d => d,
            };
            assert_eq!(imm_value(disp, 64) as i64, rel as i64, "{t}");
        }
    }

    #[test]
    fn immediate_moves_set_all_64_bits_in_the_shortest_form() {
        for reg in 0..16 {
            for (imm, len) in [
                (0u64, 5),
                (0xffff_ffff, 5),
                (0x1_0000_0000, 10),
                (u64::MAX, 7),
                (0xffff_ffff_8000_0000, 7),
                (0xffff_ffff_7fff_ffff, 10),
            ] {
                let ours = assembled(|a| mov_imm(a, reg, imm));
                assert_eq!(
                    ours.len(),
                    len + (reg >= 8 && len == 5) as usize,
                    "{reg} {imm:#x}"
                );
                // capstone decodes it as a move that sets the whole register to `imm`.
                let (t, _) = text(&ours);
                let (mnemonic, value, _) = alu_parts(&t, 64);
                match mnemonic.as_str() {
                    // A 32-bit move zero-extends.
                    "movl" => assert_eq!(value as u32 as u64, imm),
                    // The immediate of the 64-bit move is sign-extended.
                    "movq" => assert_eq!(value as u32 as i32 as i64 as u64, imm),
                    "movabsq" => assert_eq!(value, imm),
                    _ => panic!("{t}"),
                }
            }
        }
    }
}
