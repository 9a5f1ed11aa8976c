//! T16 (16-bit Thumb) decode table: every 16-bit encoding of ARMv7-A's Thumb instruction set a
//! user-mode program can use.
//!
//! A halfword is decoded as the *upper* half of a 32-bit word (`halfword << 16`), so the table
//! shares the 32-bit pattern machinery (and the decoder's bucketing on bits 28..21, here bits
//! 12..5 of the halfword); the low 16 pattern bits are `x`. Halfwords whose top five bits are
//! 11101, 11110 or 11111 start 32-bit instructions (see [`crate::t32`]) and match no row here.
//!
//! Field letters: `d` `n` `m` `t` = Rd, Rn, Rm, Rt; `D` `N` = the high bit of Rd/Rn in the
//! high-register forms; `i` = the immediate; `c` = cond; `R` = register list; `M` = the extra
//! register bit of PUSH (LR) and POP (PC); `f` `k` = firstcond and mask of IT; `b` = hint number;
//! `o` = the CBNZ bit.

crate::decode_table! {
    /// T16 instructions.
    T16, T16_TABLE,
    // ---- Shift (immediate), add, subtract, move, compare ----
    LslImm = "lsl", "00000 iiiii mmm ddd xxxxxxxxxxxxxxxx", DpImm;
    MovReg2 = "movs", "00000 00000 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    LsrImm = "lsr", "00001 iiiii mmm ddd xxxxxxxxxxxxxxxx", DpImm;
    AsrImm = "asr", "00010 iiiii mmm ddd xxxxxxxxxxxxxxxx", DpImm;
    AddReg = "add", "0001100 mmm nnn ddd xxxxxxxxxxxxxxxx", DpReg;
    SubReg = "sub", "0001101 mmm nnn ddd xxxxxxxxxxxxxxxx", DpReg;
    AddImm3 = "add", "0001110 iii nnn ddd xxxxxxxxxxxxxxxx", DpImm;
    SubImm3 = "sub", "0001111 iii nnn ddd xxxxxxxxxxxxxxxx", DpImm;
    MovImm = "mov", "00100 ddd iiiiiiii xxxxxxxxxxxxxxxx", DpImm;
    CmpImm = "cmp", "00101 nnn iiiiiiii xxxxxxxxxxxxxxxx", DpImm;
    AddImm8 = "add", "00110 ddd iiiiiiii xxxxxxxxxxxxxxxx", DpImm;
    SubImm8 = "sub", "00111 ddd iiiiiiii xxxxxxxxxxxxxxxx", DpImm;
    // ---- Data processing (register); d is Rdn, or Rn for TST/CMP/CMN ----
    And = "and", "0100000000 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Eor = "eor", "0100000001 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    LslReg = "lsl", "0100000010 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    LsrReg = "lsr", "0100000011 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    AsrReg = "asr", "0100000100 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Adc = "adc", "0100000101 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Sbc = "sbc", "0100000110 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    RorReg = "ror", "0100000111 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Tst = "tst", "0100001000 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Rsb = "rsb", "0100001001 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    CmpReg = "cmp", "0100001010 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Cmn = "cmn", "0100001011 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Orr = "orr", "0100001100 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Mul = "mul", "0100001101 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Bic = "bic", "0100001110 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Mvn = "mvn", "0100001111 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    // ---- Special data processing and branch/exchange (high registers) ----
    AddHi = "add", "01000100 D mmmm ddd xxxxxxxxxxxxxxxx", DpReg;
    CmpHi = "cmp", "01000101 N mmmm nnn xxxxxxxxxxxxxxxx", DpReg;
    MovHi = "mov", "01000110 D mmmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Bx = "bx", "010001110 mmmm 000 xxxxxxxxxxxxxxxx", Branch;
    Blx = "blx", "010001111 mmmm 000 xxxxxxxxxxxxxxxx", Branch;
    // ---- Loads and stores ----
    LdrLit = "ldr", "01001 ttt iiiiiiii xxxxxxxxxxxxxxxx", LoadStore;
    StrReg = "str", "0101000 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    StrhReg = "strh", "0101001 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    StrbReg = "strb", "0101010 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrsbReg = "ldrsb", "0101011 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrReg = "ldr", "0101100 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrhReg = "ldrh", "0101101 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrbReg = "ldrb", "0101110 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrshReg = "ldrsh", "0101111 mmm nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    StrImm = "str", "01100 iiiii nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrImm = "ldr", "01101 iiiii nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    StrbImm = "strb", "01110 iiiii nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrbImm = "ldrb", "01111 iiiii nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    StrhImm = "strh", "10000 iiiii nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    LdrhImm = "ldrh", "10001 iiiii nnn ttt xxxxxxxxxxxxxxxx", LoadStore;
    StrSp = "str", "10010 ttt iiiiiiii xxxxxxxxxxxxxxxx", LoadStore;
    LdrSp = "ldr", "10011 ttt iiiiiiii xxxxxxxxxxxxxxxx", LoadStore;
    // ---- PC- and SP-relative addresses ----
    Adr = "adr", "10100 ddd iiiiiiii xxxxxxxxxxxxxxxx", DpImm;
    AddSpImm = "add", "10101 ddd iiiiiiii xxxxxxxxxxxxxxxx", DpImm;
    // ---- Miscellaneous ----
    AddSpSp = "add", "101100000 iiiiiii xxxxxxxxxxxxxxxx", DpImm;
    SubSpSp = "sub", "101100001 iiiiiii xxxxxxxxxxxxxxxx", DpImm;
    Cbz = "cbz", "1011 o0i1 iiiii nnn xxxxxxxxxxxxxxxx", Branch;
    Sxth = "sxth", "1011001000 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Sxtb = "sxtb", "1011001001 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Uxth = "uxth", "1011001010 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Uxtb = "uxtb", "1011001011 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Push = "push", "1011010 M RRRRRRRR xxxxxxxxxxxxxxxx", LoadStore;
    Rev = "rev", "1011101000 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Rev16 = "rev16", "1011101001 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Revsh = "revsh", "1011101011 mmm ddd xxxxxxxxxxxxxxxx", DpReg;
    Pop = "pop", "1011110 M RRRRRRRR xxxxxxxxxxxxxxxx", LoadStore;
    Bkpt = "bkpt", "10111110 iiiiiiii xxxxxxxxxxxxxxxx", Branch;
    It = "it", "10111111 ffff kkkk xxxxxxxxxxxxxxxx", Branch;
    Hint = "hint", "10111111 bbbb 0000 xxxxxxxxxxxxxxxx", System;
    // ---- Load/store multiple ----
    Stm = "stm", "11000 nnn RRRRRRRR xxxxxxxxxxxxxxxx", LoadStore;
    Ldm = "ldm", "11001 nnn RRRRRRRR xxxxxxxxxxxxxxxx", LoadStore;
    // ---- Branches and exceptions ----
    BCond = "b", "1101 cccc iiiiiiii xxxxxxxxxxxxxxxx", Branch;
    Udf = "udf", "11011110 iiiiiiii xxxxxxxxxxxxxxxx", Branch;
    Svc = "svc", "11011111 iiiiiiii xxxxxxxxxxxxxxxx", Branch;
    B = "b", "11100 iiiiiiiiiii xxxxxxxxxxxxxxxx", Branch;
}

/// Bits 31..24: the halfword's bits 15..8, which hold the T16 opcode fields.
impl crate::KeyWindow for T16 {
    const KEY: u32 = 24;
}
