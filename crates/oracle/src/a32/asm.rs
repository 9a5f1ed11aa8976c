//! Encoders for the A32 and T16 instructions of the 32-bit prologue and epilogue. The encodings
//! follow the ARM ARM (ARMv7-A, section A8.8); the test checks them against words from
//! `arm-linux-gnueabihf-as -march=armv7-a -mfpu=vfpv3` + objdump. All are unconditional
//! (cond = 1110).

/// `MOVW Rd, #imm16`.
pub fn movw(d: u32, imm: u32) -> u32 {
    0xe300_0000 | (imm >> 12 & 0xf) << 16 | d << 12 | (imm & 0xfff)
}

/// `MOVT Rd, #imm16`.
pub fn movt(d: u32, imm: u32) -> u32 {
    0xe340_0000 | (imm >> 12 & 0xf) << 16 | d << 12 | (imm & 0xfff)
}

/// `MOV Rd, #imm8`.
pub fn mov_imm(d: u32, imm: u32) -> u32 {
    0xe3a0_0000 | d << 12 | (imm & 0xff)
}

/// `ADD Rd, Rn, #imm8`.
pub fn add_imm(d: u32, n: u32, imm: u32) -> u32 {
    0xe280_0000 | n << 16 | d << 12 | (imm & 0xff)
}

/// `LDR Rt, [Rn, #off]` (`off` below 4096).
pub fn ldr(t: u32, n: u32, off: u32) -> u32 {
    0xe590_0000 | n << 16 | t << 12 | (off & 0xfff)
}

/// `STR Rt, [Rn, #off]`.
pub fn str(t: u32, n: u32, off: u32) -> u32 {
    0xe580_0000 | n << 16 | t << 12 | (off & 0xfff)
}

/// `LDM Rn, {list}` (LDMIA without writeback; with the PC in `list` it interworks).
pub fn ldm(n: u32, list: u32) -> u32 {
    0xe890_0000 | n << 16 | (list & 0xffff)
}

/// `STMIB Rn, {list}` (without writeback).
pub fn stmib(n: u32, list: u32) -> u32 {
    0xe980_0000 | n << 16 | (list & 0xffff)
}

/// `PUSH {Rt}` (`STR Rt, [SP, #-4]!`).
pub fn push1(t: u32) -> u32 {
    0xe52d_0004 | t << 12
}

/// `POP {Rt}` (`LDR Rt, [SP], #4`).
pub fn pop1(t: u32) -> u32 {
    0xe49d_0004 | t << 12
}

/// `VLDMIA Rn{!}, {Dd..Dd+count-1}`.
pub fn vldmia(n: u32, d: u32, count: u32, wback: bool) -> u32 {
    0xec90_0b00 | (wback as u32) << 21 | vldm_regs(n, d, count)
}

/// `VSTMIA Rn{!}, {Dd..Dd+count-1}`.
pub fn vstmia(n: u32, d: u32, count: u32, wback: bool) -> u32 {
    0xec80_0b00 | (wback as u32) << 21 | vldm_regs(n, d, count)
}

/// The D:Vd, Rn and imm8 (two words per register) fields of VLDM/VSTM of doubles.
fn vldm_regs(n: u32, d: u32, count: u32) -> u32 {
    ((d >> 4) << 22) | (n << 16) | ((d & 15) << 12) | (2 * count)
}

/// `MSR APSR_nzcvqg, Rn`: N, Z, C, V, Q and GE from Rn.
pub fn msr_apsr(n: u32) -> u32 {
    0xe12c_f000 | n
}

/// `MRS Rd, APSR`.
pub fn mrs_apsr(d: u32) -> u32 {
    0xe10f_0000 | d << 12
}

/// `VMSR FPSCR, Rt`.
pub fn vmsr(t: u32) -> u32 {
    0xeee1_0a10 | t << 12
}

/// `VMRS Rt, FPSCR`.
pub fn vmrs(t: u32) -> u32 {
    0xeef1_0a10 | t << 12
}

/// `CLREX`: clears the local exclusive monitor.
pub const CLREX: u32 = 0xf57f_f01f;

/// `SVC #0` (EABI: the syscall number is in R7).
pub const SVC0: u32 = 0xef00_0000;

/// T16 `BX PC`: at a word-aligned address it continues in A32 state 4 bytes later (the
/// interworking veneer idiom), skipping the halfword after it.
pub const T16_BX_PC: u16 = 0x4778;

/// T16 `NOP`.
pub const T16_NOP: u16 = 0xbf00;

#[cfg(test)]
mod tests {
    use super::*;

    /// Words from `arm-linux-gnueabihf-as -march=armv7-a -mfpu=vfpv3` + objdump.
    #[test]
    fn encodings_match_the_assembler() {
        assert_eq!(movw(0, 0x1234), 0xe301_0234);
        assert_eq!(movt(0, 0x40), 0xe340_0040);
        assert_eq!(vldmia(0, 0, 16, true), 0xecb0_0b20);
        assert_eq!(vldmia(0, 16, 16, true), 0xecf0_0b20);
        assert_eq!(ldr(1, 0, 60), 0xe590_103c);
        assert_eq!(msr_apsr(1), 0xe12c_f001);
        assert_eq!(ldr(1, 0, 64), 0xe590_1040);
        assert_eq!(vmsr(1), 0xeee1_1a10);
        assert_eq!(ldm(0, 0xdfff), 0xe890_dfff);
        assert_eq!(push1(0), 0xe52d_0004);
        assert_eq!(stmib(0, 0x1ffe), 0xe980_1ffe);
        assert_eq!(str(14, 0, 56), 0xe580_e038);
        assert_eq!(pop1(14), 0xe49d_e004);
        assert_eq!(mrs_apsr(1), 0xe10f_1000);
        assert_eq!(vmrs(1), 0xeef1_1a10);
        assert_eq!(add_imm(0, 0, 72), 0xe280_0048);
        assert_eq!(vstmia(0, 0, 16, true), 0xeca0_0b20);
        assert_eq!(vstmia(0, 16, 16, false), 0xecc0_0b20);
        assert_eq!(mov_imm(0, 1), 0xe3a0_0001);
        assert_eq!(mov_imm(7, 4), 0xe3a0_7004);
        assert_eq!(SVC0, 0xef00_0000);
        assert_eq!(CLREX, 0xf57f_f01f);
        assert_eq!((T16_BX_PC, T16_NOP), (0x4778, 0xbf00));
    }
}
