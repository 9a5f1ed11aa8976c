//! T32 (32-bit Thumb-2) decode table: the ARMv7-A 32-bit Thumb encodings a user-mode program
//! uses, without VFP and Advanced SIMD. The word is the first halfword in bits 31..16 and the
//! second in bits 15..0, as the ARM manual writes them.
//!
//! Bits the ARM manual marks "should be" are fixed in the patterns (as in [`crate::a32`]).
//!
//! Field letters:
//!
//! | letter | field |
//! |---|---|
//! | `S` | S (set flags) |
//! | `d` `n` `m` `t` `a` `T` | Rd, Rn, Rm, Rt, Ra, Rt2 |
//! | `H` `L` | RdHi, RdLo of long multiplies |
//! | `i` | immediates: i:imm3:imm8 (modified/plain immediates), imm3:imm2 (shift amounts), imm12, imm8, imm2, and for MOVW/MOVT imm3:imm8, with `I` = i and `j` = imm4 |
//! | `h` | shift type |
//! | `p` `u` `w` | P, U, W of loads and stores |
//! | `R` | register list (with `M` = the LR/PC bit, `q` = the SP-position bit, must be 0) |
//! | `r` | rotation of extends |
//! | `l` `k` | lsb (imm3:imm2) and widthm1/msb/saturate-to |
//! | `s` `j` `J` | S, J1, J2 of branches; `c` = cond; `f` = imm10/imm6 and `g` = imm11 of branches |
//! | `M` `N` | half selects / rounding of signed multiplies |
//! | `b` | barrier option or hint number |
//! | `G` | MSR mask |
//! | `o` `e` `C` `Q` `F` | MRC/MCR opc1, opc2, CRn, CRm and coprocessor |
//! | `U` `K` | U (unsigned) and kind (00 plain, 01 saturating, 10 halving) of parallel add/sub |

crate::decode_table! {
    /// T32 instructions.
    T32, T32_TABLE,
    // ---- Data processing: shifted register and modified immediate ----
    AndReg = "and", "1110 1010 000S nnnn 0iii dddd iihh mmmm", DpReg;
    AndImm = "and", "1111 0i00 000S nnnn 0iii dddd iiii iiii", DpImm;
    BicReg = "bic", "1110 1010 001S nnnn 0iii dddd iihh mmmm", DpReg;
    BicImm = "bic", "1111 0i00 001S nnnn 0iii dddd iiii iiii", DpImm;
    OrrReg = "orr", "1110 1010 010S nnnn 0iii dddd iihh mmmm", DpReg;
    OrrImm = "orr", "1111 0i00 010S nnnn 0iii dddd iiii iiii", DpImm;
    OrnReg = "orn", "1110 1010 011S nnnn 0iii dddd iihh mmmm", DpReg;
    OrnImm = "orn", "1111 0i00 011S nnnn 0iii dddd iiii iiii", DpImm;
    EorReg = "eor", "1110 1010 100S nnnn 0iii dddd iihh mmmm", DpReg;
    EorImm = "eor", "1111 0i00 100S nnnn 0iii dddd iiii iiii", DpImm;
    AddReg = "add", "1110 1011 000S nnnn 0iii dddd iihh mmmm", DpReg;
    AddImm = "add", "1111 0i01 000S nnnn 0iii dddd iiii iiii", DpImm;
    AdcReg = "adc", "1110 1011 010S nnnn 0iii dddd iihh mmmm", DpReg;
    AdcImm = "adc", "1111 0i01 010S nnnn 0iii dddd iiii iiii", DpImm;
    SbcReg = "sbc", "1110 1011 011S nnnn 0iii dddd iihh mmmm", DpReg;
    SbcImm = "sbc", "1111 0i01 011S nnnn 0iii dddd iiii iiii", DpImm;
    SubReg = "sub", "1110 1011 101S nnnn 0iii dddd iihh mmmm", DpReg;
    SubImm = "sub", "1111 0i01 101S nnnn 0iii dddd iiii iiii", DpImm;
    RsbReg = "rsb", "1110 1011 110S nnnn 0iii dddd iihh mmmm", DpReg;
    RsbImm = "rsb", "1111 0i01 110S nnnn 0iii dddd iiii iiii", DpImm;
    TstReg = "tst", "1110 1010 0001 nnnn 0iii 1111 iihh mmmm", DpReg;
    TstImm = "tst", "1111 0i00 0001 nnnn 0iii 1111 iiii iiii", DpImm;
    TeqReg = "teq", "1110 1010 1001 nnnn 0iii 1111 iihh mmmm", DpReg;
    TeqImm = "teq", "1111 0i00 1001 nnnn 0iii 1111 iiii iiii", DpImm;
    CmnReg = "cmn", "1110 1011 0001 nnnn 0iii 1111 iihh mmmm", DpReg;
    CmnImm = "cmn", "1111 0i01 0001 nnnn 0iii 1111 iiii iiii", DpImm;
    CmpReg = "cmp", "1110 1011 1011 nnnn 0iii 1111 iihh mmmm", DpReg;
    CmpImm = "cmp", "1111 0i01 1011 nnnn 0iii 1111 iiii iiii", DpImm;
    MovReg = "mov", "1110 1010 010S 1111 0iii dddd iihh mmmm", DpReg;
    MovImm = "mov", "1111 0i00 010S 1111 0iii dddd iiii iiii", DpImm;
    MvnReg = "mvn", "1110 1010 011S 1111 0iii dddd iihh mmmm", DpReg;
    MvnImm = "mvn", "1111 0i00 011S 1111 0iii dddd iiii iiii", DpImm;
    Pkhbt = "pkhbt", "1110 1010 1100 nnnn 0iii dddd ii00 mmmm", Media;
    Pkhtb = "pkhtb", "1110 1010 1100 nnnn 0iii dddd ii10 mmmm", Media;
    // ---- Data processing: plain binary immediate ----
    Addw = "addw", "1111 0i10 0000 nnnn 0iii dddd iiii iiii", DpImm;
    Subw = "subw", "1111 0i10 1010 nnnn 0iii dddd iiii iiii", DpImm;
    AdrAdd = "adr", "1111 0i10 0000 1111 0iii dddd iiii iiii", DpImm;
    AdrSub = "adr", "1111 0i10 1010 1111 0iii dddd iiii iiii", DpImm;
    Movw = "movw", "1111 0I10 0100 jjjj 0iii dddd iiii iiii", DpImm;
    Movt = "movt", "1111 0I10 1100 jjjj 0iii dddd iiii iiii", DpImm;
    Ssat = "ssat", "1111 0011 00h0 nnnn 0lll dddd ll0k kkkk", Media;
    Ssat16 = "ssat16", "1111 0011 0010 nnnn 0000 dddd 0000 kkkk", Media;
    Usat = "usat", "1111 0011 10h0 nnnn 0lll dddd ll0k kkkk", Media;
    Usat16 = "usat16", "1111 0011 1010 nnnn 0000 dddd 0000 kkkk", Media;
    Sbfx = "sbfx", "1111 0011 0100 nnnn 0lll dddd ll0k kkkk", DpReg;
    Ubfx = "ubfx", "1111 0011 1100 nnnn 0lll dddd ll0k kkkk", DpReg;
    Bfi = "bfi", "1111 0011 0110 nnnn 0lll dddd ll0k kkkk", DpReg;
    Bfc = "bfc", "1111 0011 0110 1111 0lll dddd ll0k kkkk", DpReg;
    // ---- Branches, hints, barriers, system ----
    BCond = "b", "1111 0scc ccff ffff 10j0 Jggg gggg gggg", Branch;
    B = "b", "1111 0sff ffff ffff 10j1 Jggg gggg gggg", Branch;
    Bl = "bl", "1111 0sff ffff ffff 11j1 Jggg gggg gggg", Branch;
    BlxImm = "blx", "1111 0sff ffff ffff 11j0 Jggg gggg ggg0", Branch;
    Udf = "udf", "1111 0111 1111 iiii 1010 iiii iiii iiii", Branch;
    Bxj = "bxj", "1111 0011 1100 mmmm 1000 1111 0000 0000", Branch;
    MsrReg = "msr", "1111 0011 1000 nnnn 1000 GG00 0000 0000", System;
    Mrs = "mrs", "1111 0011 1110 1111 1000 dddd 0000 0000", System;
    Hint = "hint", "1111 0011 1010 1111 1000 0000 bbbb bbbb", System;
    Clrex = "clrex", "1111 0011 1011 1111 1000 1111 0010 1111", System;
    Dsb = "dsb", "1111 0011 1011 1111 1000 1111 0100 bbbb", System;
    Dmb = "dmb", "1111 0011 1011 1111 1000 1111 0101 bbbb", System;
    Isb = "isb", "1111 0011 1011 1111 1000 1111 0110 bbbb", System;
    Mrc = "mrc", "1110 1110 ooo1 CCCC tttt FFFF eee1 QQQQ", System;
    Mcr = "mcr", "1110 1110 ooo0 CCCC tttt FFFF eee1 QQQQ", System;
    // ---- Load/store multiple ----
    Stm = "stm", "1110 1000 10w0 nnnn xMqR RRRR RRRR RRRR", LoadStore;
    Ldm = "ldm", "1110 1000 10w1 nnnn xMqR RRRR RRRR RRRR", LoadStore;
    Pop = "pop", "1110 1000 1011 1101 xMqR RRRR RRRR RRRR", LoadStore;
    Stmdb = "stmdb", "1110 1001 00w0 nnnn xMqR RRRR RRRR RRRR", LoadStore;
    Push = "push", "1110 1001 0010 1101 xMqR RRRR RRRR RRRR", LoadStore;
    Ldmdb = "ldmdb", "1110 1001 00w1 nnnn xMqR RRRR RRRR RRRR", LoadStore;
    // ---- Dual, exclusive, table branch ----
    StrdPre = "strd", "1110 1001 u1w0 nnnn tttt TTTT iiii iiii", LoadStore;
    LdrdPre = "ldrd", "1110 1001 u1w1 nnnn tttt TTTT iiii iiii", LoadStore;
    StrdPost = "strd", "1110 1000 u110 nnnn tttt TTTT iiii iiii", LoadStore;
    LdrdPost = "ldrd", "1110 1000 u111 nnnn tttt TTTT iiii iiii", LoadStore;
    Strex = "strex", "1110 1000 0100 nnnn tttt dddd iiii iiii", Exclusive;
    Ldrex = "ldrex", "1110 1000 0101 nnnn tttt 1111 iiii iiii", Exclusive;
    Strexb = "strexb", "1110 1000 1100 nnnn tttt 1111 0100 dddd", Exclusive;
    Strexh = "strexh", "1110 1000 1100 nnnn tttt 1111 0101 dddd", Exclusive;
    Strexd = "strexd", "1110 1000 1100 nnnn tttt TTTT 0111 dddd", Exclusive;
    Ldrexb = "ldrexb", "1110 1000 1101 nnnn tttt 1111 0100 1111", Exclusive;
    Ldrexh = "ldrexh", "1110 1000 1101 nnnn tttt 1111 0101 1111", Exclusive;
    Ldrexd = "ldrexd", "1110 1000 1101 nnnn tttt TTTT 0111 1111", Exclusive;
    Tbb = "tbb", "1110 1000 1101 nnnn 1111 0000 0000 mmmm", Branch;
    Tbh = "tbh", "1110 1000 1101 nnnn 1111 0000 0001 mmmm", Branch;
    // ---- Loads and stores of single registers: imm12, imm8 (P U W), register, literal ----
    StrbImm12 = "strb", "1111 1000 1000 nnnn tttt iiii iiii iiii", LoadStore;
    StrbImm8 = "strb", "1111 1000 0000 nnnn tttt 1puw iiii iiii", LoadStore;
    StrbReg = "strb", "1111 1000 0000 nnnn tttt 0000 00ii mmmm", LoadStore;
    StrhImm12 = "strh", "1111 1000 1010 nnnn tttt iiii iiii iiii", LoadStore;
    StrhImm8 = "strh", "1111 1000 0010 nnnn tttt 1puw iiii iiii", LoadStore;
    StrhReg = "strh", "1111 1000 0010 nnnn tttt 0000 00ii mmmm", LoadStore;
    StrImm12 = "str", "1111 1000 1100 nnnn tttt iiii iiii iiii", LoadStore;
    StrImm8 = "str", "1111 1000 0100 nnnn tttt 1puw iiii iiii", LoadStore;
    StrReg = "str", "1111 1000 0100 nnnn tttt 0000 00ii mmmm", LoadStore;
    LdrbImm12 = "ldrb", "1111 1000 1001 nnnn tttt iiii iiii iiii", LoadStore;
    LdrbImm8 = "ldrb", "1111 1000 0001 nnnn tttt 1puw iiii iiii", LoadStore;
    LdrbReg = "ldrb", "1111 1000 0001 nnnn tttt 0000 00ii mmmm", LoadStore;
    LdrbLit = "ldrb", "1111 1000 u001 1111 tttt iiii iiii iiii", LoadStore;
    LdrsbImm12 = "ldrsb", "1111 1001 1001 nnnn tttt iiii iiii iiii", LoadStore;
    LdrsbImm8 = "ldrsb", "1111 1001 0001 nnnn tttt 1puw iiii iiii", LoadStore;
    LdrsbReg = "ldrsb", "1111 1001 0001 nnnn tttt 0000 00ii mmmm", LoadStore;
    LdrsbLit = "ldrsb", "1111 1001 u001 1111 tttt iiii iiii iiii", LoadStore;
    LdrhImm12 = "ldrh", "1111 1000 1011 nnnn tttt iiii iiii iiii", LoadStore;
    LdrhImm8 = "ldrh", "1111 1000 0011 nnnn tttt 1puw iiii iiii", LoadStore;
    LdrhReg = "ldrh", "1111 1000 0011 nnnn tttt 0000 00ii mmmm", LoadStore;
    LdrhLit = "ldrh", "1111 1000 u011 1111 tttt iiii iiii iiii", LoadStore;
    LdrshImm12 = "ldrsh", "1111 1001 1011 nnnn tttt iiii iiii iiii", LoadStore;
    LdrshImm8 = "ldrsh", "1111 1001 0011 nnnn tttt 1puw iiii iiii", LoadStore;
    LdrshReg = "ldrsh", "1111 1001 0011 nnnn tttt 0000 00ii mmmm", LoadStore;
    LdrshLit = "ldrsh", "1111 1001 u011 1111 tttt iiii iiii iiii", LoadStore;
    LdrImm12 = "ldr", "1111 1000 1101 nnnn tttt iiii iiii iiii", LoadStore;
    LdrImm8 = "ldr", "1111 1000 0101 nnnn tttt 1puw iiii iiii", LoadStore;
    LdrReg = "ldr", "1111 1000 0101 nnnn tttt 0000 00ii mmmm", LoadStore;
    LdrLit = "ldr", "1111 1000 u101 1111 tttt iiii iiii iiii", LoadStore;
    // ---- Data processing (register): shifts, extends, parallel add/sub, misc ----
    LslReg = "lsl", "1111 1010 000S nnnn 1111 dddd 0000 mmmm", DpReg;
    LsrReg = "lsr", "1111 1010 001S nnnn 1111 dddd 0000 mmmm", DpReg;
    AsrReg = "asr", "1111 1010 010S nnnn 1111 dddd 0000 mmmm", DpReg;
    RorReg = "ror", "1111 1010 011S nnnn 1111 dddd 0000 mmmm", DpReg;
    Sxtah = "sxtah", "1111 1010 0000 nnnn 1111 dddd 10rr mmmm", DpReg;
    Sxth = "sxth", "1111 1010 0000 1111 1111 dddd 10rr mmmm", DpReg;
    Uxtah = "uxtah", "1111 1010 0001 nnnn 1111 dddd 10rr mmmm", DpReg;
    Uxth = "uxth", "1111 1010 0001 1111 1111 dddd 10rr mmmm", DpReg;
    Sxtab16 = "sxtab16", "1111 1010 0010 nnnn 1111 dddd 10rr mmmm", DpReg;
    Sxtb16 = "sxtb16", "1111 1010 0010 1111 1111 dddd 10rr mmmm", DpReg;
    Uxtab16 = "uxtab16", "1111 1010 0011 nnnn 1111 dddd 10rr mmmm", DpReg;
    Uxtb16 = "uxtb16", "1111 1010 0011 1111 1111 dddd 10rr mmmm", DpReg;
    Sxtab = "sxtab", "1111 1010 0100 nnnn 1111 dddd 10rr mmmm", DpReg;
    Sxtb = "sxtb", "1111 1010 0100 1111 1111 dddd 10rr mmmm", DpReg;
    Uxtab = "uxtab", "1111 1010 0101 nnnn 1111 dddd 10rr mmmm", DpReg;
    Uxtb = "uxtb", "1111 1010 0101 1111 1111 dddd 10rr mmmm", DpReg;
    Padd8 = "add8", "1111 1010 1000 nnnn 1111 dddd 0UKK mmmm", Media;
    Padd16 = "add16", "1111 1010 1001 nnnn 1111 dddd 0UKK mmmm", Media;
    Pasx = "asx", "1111 1010 1010 nnnn 1111 dddd 0UKK mmmm", Media;
    Psub8 = "sub8", "1111 1010 1100 nnnn 1111 dddd 0UKK mmmm", Media;
    Psub16 = "sub16", "1111 1010 1101 nnnn 1111 dddd 0UKK mmmm", Media;
    Psax = "sax", "1111 1010 1110 nnnn 1111 dddd 0UKK mmmm", Media;
    Qadd = "qadd", "1111 1010 1000 nnnn 1111 dddd 1000 mmmm", Media;
    Qdadd = "qdadd", "1111 1010 1000 nnnn 1111 dddd 1001 mmmm", Media;
    Qsub = "qsub", "1111 1010 1000 nnnn 1111 dddd 1010 mmmm", Media;
    Qdsub = "qdsub", "1111 1010 1000 nnnn 1111 dddd 1011 mmmm", Media;
    Rev = "rev", "1111 1010 1001 nnnn 1111 dddd 1000 mmmm", DpReg;
    Rev16 = "rev16", "1111 1010 1001 nnnn 1111 dddd 1001 mmmm", DpReg;
    Rbit = "rbit", "1111 1010 1001 nnnn 1111 dddd 1010 mmmm", DpReg;
    Revsh = "revsh", "1111 1010 1001 nnnn 1111 dddd 1011 mmmm", DpReg;
    Sel = "sel", "1111 1010 1010 nnnn 1111 dddd 1000 mmmm", Media;
    Clz = "clz", "1111 1010 1011 nnnn 1111 dddd 1000 mmmm", DpReg;
    // ---- Multiply, multiply-accumulate, long multiply, divide ----
    Mla = "mla", "1111 1011 0000 nnnn aaaa dddd 0000 mmmm", DpReg;
    Mul = "mul", "1111 1011 0000 nnnn 1111 dddd 0000 mmmm", DpReg;
    Mls = "mls", "1111 1011 0000 nnnn aaaa dddd 0001 mmmm", DpReg;
    Smlaxy = "smla", "1111 1011 0001 nnnn aaaa dddd 00NM mmmm", DpReg;
    Smulxy = "smul", "1111 1011 0001 nnnn 1111 dddd 00NM mmmm", DpReg;
    Smlad = "smlad", "1111 1011 0010 nnnn aaaa dddd 000M mmmm", DpReg;
    Smuad = "smuad", "1111 1011 0010 nnnn 1111 dddd 000M mmmm", DpReg;
    Smlawy = "smlaw", "1111 1011 0011 nnnn aaaa dddd 000M mmmm", DpReg;
    Smulwy = "smulw", "1111 1011 0011 nnnn 1111 dddd 000M mmmm", DpReg;
    Smlsd = "smlsd", "1111 1011 0100 nnnn aaaa dddd 000M mmmm", DpReg;
    Smusd = "smusd", "1111 1011 0100 nnnn 1111 dddd 000M mmmm", DpReg;
    Smmla = "smmla", "1111 1011 0101 nnnn aaaa dddd 000M mmmm", DpReg;
    Smmul = "smmul", "1111 1011 0101 nnnn 1111 dddd 000M mmmm", DpReg;
    Smmls = "smmls", "1111 1011 0110 nnnn aaaa dddd 000M mmmm", DpReg;
    Usada8 = "usada8", "1111 1011 0111 nnnn aaaa dddd 0000 mmmm", Media;
    Usad8 = "usad8", "1111 1011 0111 nnnn 1111 dddd 0000 mmmm", Media;
    Smull = "smull", "1111 1011 1000 nnnn LLLL HHHH 0000 mmmm", DpReg;
    Sdiv = "sdiv", "1111 1011 1001 nnnn 1111 dddd 1111 mmmm", DpReg;
    Umull = "umull", "1111 1011 1010 nnnn LLLL HHHH 0000 mmmm", DpReg;
    Udiv = "udiv", "1111 1011 1011 nnnn 1111 dddd 1111 mmmm", DpReg;
    Smlal = "smlal", "1111 1011 1100 nnnn LLLL HHHH 0000 mmmm", DpReg;
    Smlalxy = "smlal", "1111 1011 1100 nnnn LLLL HHHH 10NM mmmm", DpReg;
    Smlald = "smlald", "1111 1011 1100 nnnn LLLL HHHH 110M mmmm", DpReg;
    Smlsld = "smlsld", "1111 1011 1101 nnnn LLLL HHHH 110M mmmm", DpReg;
    Umlal = "umlal", "1111 1011 1110 nnnn LLLL HHHH 0000 mmmm", DpReg;
    Umaal = "umaal", "1111 1011 1110 nnnn LLLL HHHH 0110 mmmm", DpReg;
}

/// Bits 27..20: the first halfword's op1 and op2 fields.
impl crate::KeyWindow for T32 {
    const KEY: u32 = 20;
}
