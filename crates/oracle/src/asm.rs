//! Encoders for the handful of A64 instructions the prologue and epilogue use. Each encoding
//! was checked against `aarch64-linux-gnu-as` (see the tests).

/// `ADR Xd, pc+off` (`off` within ±1 MiB).
pub fn adr(rd: u32, off: i64) -> u32 {
    let off = off as u32;
    0x1000_0000 | (off & 3) << 29 | ((off >> 2) & 0x7_ffff) << 5 | rd
}

/// `LDP Qt1, Qt2, [Xn, #off]` (`off` a multiple of 16 below 1024).
pub fn ldp_q(t1: u32, t2: u32, n: u32, off: u32) -> u32 {
    0xad40_0000 | ((off / 16) & 0x7f) << 15 | t2 << 10 | n << 5 | t1
}

/// `STP Qt1, Qt2, [Xn, #off]`.
pub fn stp_q(t1: u32, t2: u32, n: u32, off: u32) -> u32 {
    0xad00_0000 | ((off / 16) & 0x7f) << 15 | t2 << 10 | n << 5 | t1
}

/// `LDP Xt1, Xt2, [Xn, #off]` (`off` a multiple of 8 below 512).
pub fn ldp_x(t1: u32, t2: u32, n: u32, off: u32) -> u32 {
    0xa940_0000 | ((off / 8) & 0x7f) << 15 | t2 << 10 | n << 5 | t1
}

/// `STP Xt1, Xt2, [Xn, #off]`.
pub fn stp_x(t1: u32, t2: u32, n: u32, off: u32) -> u32 {
    0xa900_0000 | ((off / 8) & 0x7f) << 15 | t2 << 10 | n << 5 | t1
}

/// `LDR Xt, [Xn, #off]` (`off` a multiple of 8).
pub fn ldr_x(t: u32, n: u32, off: u32) -> u32 {
    0xf940_0000 | ((off / 8) & 0xfff) << 10 | n << 5 | t
}

/// `STR Xt, [Xn, #off]`.
pub fn str_x(t: u32, n: u32, off: u32) -> u32 {
    0xf900_0000 | ((off / 8) & 0xfff) << 10 | n << 5 | t
}

/// `ADD Xd, Xn|SP, #imm` (`imm` below 4096); with `d` or `n` 31 this is a move to/from SP.
pub fn add_imm(d: u32, n: u32, imm: u32) -> u32 {
    0x9100_0000 | (imm & 0xfff) << 10 | n << 5 | d
}

/// `MOVZ Xd, #imm16`.
pub fn movz(d: u32, imm: u32) -> u32 {
    0xd280_0000 | (imm & 0xffff) << 5 | d
}

/// `SVC #0`.
pub const SVC0: u32 = 0xd400_0001;

/// System registers the prologue/epilogue move (MSR/MRS base words without Rt).
#[derive(Clone, Copy, Debug)]
pub enum SysReg {
    /// NZCV flags.
    Nzcv,
    /// FP control.
    Fpcr,
    /// FP status.
    Fpsr,
    /// Thread pointer, used as a spill slot in the epilogue.
    TpidrEl0,
}

impl SysReg {
    fn bits(self) -> u32 {
        match self {
            SysReg::Nzcv => 0x4200,
            SysReg::Fpcr => 0x4400,
            SysReg::Fpsr => 0x4420,
            SysReg::TpidrEl0 => 0xd040,
        }
    }
}

/// `MSR sysreg, Xt`.
pub fn msr(r: SysReg, t: u32) -> u32 {
    0xd51b_0000 | r.bits() | t
}

/// `MRS Xt, sysreg`.
pub fn mrs(r: SysReg, t: u32) -> u32 {
    0xd53b_0000 | r.bits() | t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words from `aarch64-linux-gnu-as` + objdump.
    #[test]
    fn encodings_match_the_assembler() {
        assert_eq!(adr(0, 0x40), 0x1000_0200);
        assert_eq!(ldp_q(0, 1, 0, 32), 0xad41_0400);
        assert_eq!(ldp_x(1, 2, 0, 8), 0xa940_8801);
        assert_eq!(ldr_x(1, 0, 760), 0xf941_7c01);
        assert_eq!(ldr_x(0, 0, 0), 0xf940_0000);
        assert_eq!(add_imm(0, 0, 512), 0x9108_0000);
        assert_eq!(add_imm(31, 1, 0), 0x9100_003f);
        assert_eq!(add_imm(1, 31, 0), 0x9100_03e1);
        assert_eq!(msr(SysReg::Nzcv, 1), 0xd51b_4201);
        assert_eq!(msr(SysReg::Fpcr, 1), 0xd51b_4401);
        assert_eq!(msr(SysReg::Fpsr, 31), 0xd51b_443f);
        assert_eq!(msr(SysReg::TpidrEl0, 0), 0xd51b_d040);
        assert_eq!(mrs(SysReg::TpidrEl0, 1), 0xd53b_d041);
        assert_eq!(mrs(SysReg::Nzcv, 1), 0xd53b_4201);
        assert_eq!(mrs(SysReg::Fpsr, 1), 0xd53b_4421);
        assert_eq!(stp_x(1, 2, 0, 8), 0xa900_8801);
        assert_eq!(stp_q(0, 1, 0, 32), 0xad01_0400);
        assert_eq!(str_x(1, 0, 248), 0xf900_7c01);
        assert_eq!(movz(2, 784), 0xd280_6202);
        assert_eq!(SVC0, 0xd400_0001);
    }
}
