//! A32 (ARM state) decode table: the ARMv7-A integer instruction set seen by user mode, with the
//! ARMv6 media and saturating instructions, the ARMv7VE divides and the user-visible system
//! instructions (barriers, hints, CLREX, MRS/MSR of the APSR, MRC/MCR of CP15). VFP and Advanced
//! SIMD words are not listed (their frontend is separate).
//!
//! Bits the ARM manual marks "should be" (its `(0)` and `(1)`) are fixed in the patterns, as QEMU
//! decodes them: other values are undefined here rather than UNPREDICTABLE.
//!
//! Field letters (first letters of the ARM manual's field names where possible):
//!
//! | letter | field |
//! |---|---|
//! | `c` | cond (1111 selects the unconditional space; rows for it fix those bits) |
//! | `S` | S (set flags) |
//! | `d` `n` `m` `s` `t` `a` | Rd, Rn, Rm, Rs, Rt, Ra |
//! | `H` `L` | RdHi, RdLo of long multiplies |
//! | `i` | the immediate (imm12, imm5, imm24, imm4:imm12, imm8 split as imm4H:imm4L) |
//! | `r` | rotate of modified immediates (rotate_imm) and of extends (rotate) |
//! | `h` | shift type |
//! | `p` `u` `w` | P, U, W of loads and stores |
//! | `R` | register list |
//! | `l` `k` | lsb and widthm1 (SBFX/UBFX) or msb (BFI/BFC) |
//! | `M` `N` | the M (x/y, half select, rounding) and N bits of signed multiplies |
//! | `g` | MSR mask (bit 1 = nzcvq, bit 0 = g) |
//! | `o` `e` `C` `q` | opc1, opc2, CRn and CRm of MRC/MCR; `f` = coprocessor number |
//! | `b` | the barrier option or hint number |
//! | `j` | H of BLX (immediate) |

crate::decode_table! {
    /// A32 instructions.
    A32, A32_TABLE,
    // ---- Data processing: immediate, register, register-shifted register ----
    AndImm = "and", "cccc 0010 000S nnnn dddd rrrr iiii iiii", DpImm;
    AndReg = "and", "cccc 0000 000S nnnn dddd iiii ihh0 mmmm", DpReg;
    AndRsr = "and", "cccc 0000 000S nnnn dddd ssss 0hh1 mmmm", DpReg;
    EorImm = "eor", "cccc 0010 001S nnnn dddd rrrr iiii iiii", DpImm;
    EorReg = "eor", "cccc 0000 001S nnnn dddd iiii ihh0 mmmm", DpReg;
    EorRsr = "eor", "cccc 0000 001S nnnn dddd ssss 0hh1 mmmm", DpReg;
    SubImm = "sub", "cccc 0010 010S nnnn dddd rrrr iiii iiii", DpImm;
    SubReg = "sub", "cccc 0000 010S nnnn dddd iiii ihh0 mmmm", DpReg;
    SubRsr = "sub", "cccc 0000 010S nnnn dddd ssss 0hh1 mmmm", DpReg;
    RsbImm = "rsb", "cccc 0010 011S nnnn dddd rrrr iiii iiii", DpImm;
    RsbReg = "rsb", "cccc 0000 011S nnnn dddd iiii ihh0 mmmm", DpReg;
    RsbRsr = "rsb", "cccc 0000 011S nnnn dddd ssss 0hh1 mmmm", DpReg;
    AddImm = "add", "cccc 0010 100S nnnn dddd rrrr iiii iiii", DpImm;
    AddReg = "add", "cccc 0000 100S nnnn dddd iiii ihh0 mmmm", DpReg;
    AddRsr = "add", "cccc 0000 100S nnnn dddd ssss 0hh1 mmmm", DpReg;
    AdcImm = "adc", "cccc 0010 101S nnnn dddd rrrr iiii iiii", DpImm;
    AdcReg = "adc", "cccc 0000 101S nnnn dddd iiii ihh0 mmmm", DpReg;
    AdcRsr = "adc", "cccc 0000 101S nnnn dddd ssss 0hh1 mmmm", DpReg;
    SbcImm = "sbc", "cccc 0010 110S nnnn dddd rrrr iiii iiii", DpImm;
    SbcReg = "sbc", "cccc 0000 110S nnnn dddd iiii ihh0 mmmm", DpReg;
    SbcRsr = "sbc", "cccc 0000 110S nnnn dddd ssss 0hh1 mmmm", DpReg;
    RscImm = "rsc", "cccc 0010 111S nnnn dddd rrrr iiii iiii", DpImm;
    RscReg = "rsc", "cccc 0000 111S nnnn dddd iiii ihh0 mmmm", DpReg;
    RscRsr = "rsc", "cccc 0000 111S nnnn dddd ssss 0hh1 mmmm", DpReg;
    TstImm = "tst", "cccc 0011 0001 nnnn 0000 rrrr iiii iiii", DpImm;
    TstReg = "tst", "cccc 0001 0001 nnnn 0000 iiii ihh0 mmmm", DpReg;
    TstRsr = "tst", "cccc 0001 0001 nnnn 0000 ssss 0hh1 mmmm", DpReg;
    TeqImm = "teq", "cccc 0011 0011 nnnn 0000 rrrr iiii iiii", DpImm;
    TeqReg = "teq", "cccc 0001 0011 nnnn 0000 iiii ihh0 mmmm", DpReg;
    TeqRsr = "teq", "cccc 0001 0011 nnnn 0000 ssss 0hh1 mmmm", DpReg;
    CmpImm = "cmp", "cccc 0011 0101 nnnn 0000 rrrr iiii iiii", DpImm;
    CmpReg = "cmp", "cccc 0001 0101 nnnn 0000 iiii ihh0 mmmm", DpReg;
    CmpRsr = "cmp", "cccc 0001 0101 nnnn 0000 ssss 0hh1 mmmm", DpReg;
    CmnImm = "cmn", "cccc 0011 0111 nnnn 0000 rrrr iiii iiii", DpImm;
    CmnReg = "cmn", "cccc 0001 0111 nnnn 0000 iiii ihh0 mmmm", DpReg;
    CmnRsr = "cmn", "cccc 0001 0111 nnnn 0000 ssss 0hh1 mmmm", DpReg;
    OrrImm = "orr", "cccc 0011 100S nnnn dddd rrrr iiii iiii", DpImm;
    OrrReg = "orr", "cccc 0001 100S nnnn dddd iiii ihh0 mmmm", DpReg;
    OrrRsr = "orr", "cccc 0001 100S nnnn dddd ssss 0hh1 mmmm", DpReg;
    MovImm = "mov", "cccc 0011 101S 0000 dddd rrrr iiii iiii", DpImm;
    MovReg = "mov", "cccc 0001 101S 0000 dddd iiii ihh0 mmmm", DpReg;
    MovRsr = "mov", "cccc 0001 101S 0000 dddd ssss 0hh1 mmmm", DpReg;
    BicImm = "bic", "cccc 0011 110S nnnn dddd rrrr iiii iiii", DpImm;
    BicReg = "bic", "cccc 0001 110S nnnn dddd iiii ihh0 mmmm", DpReg;
    BicRsr = "bic", "cccc 0001 110S nnnn dddd ssss 0hh1 mmmm", DpReg;
    MvnImm = "mvn", "cccc 0011 111S 0000 dddd rrrr iiii iiii", DpImm;
    MvnReg = "mvn", "cccc 0001 111S 0000 dddd iiii ihh0 mmmm", DpReg;
    MvnRsr = "mvn", "cccc 0001 111S 0000 dddd ssss 0hh1 mmmm", DpReg;
    // ---- Moves of 16-bit immediates ----
    Movw = "movw", "cccc 0011 0000 iiii dddd iiii iiii iiii", DpImm;
    Movt = "movt", "cccc 0011 0100 iiii dddd iiii iiii iiii", DpImm;
    // ---- Multiplies ----
    Mul = "mul", "cccc 0000 000S dddd 0000 mmmm 1001 nnnn", DpReg;
    Mla = "mla", "cccc 0000 001S dddd aaaa mmmm 1001 nnnn", DpReg;
    Umaal = "umaal", "cccc 0000 0100 HHHH LLLL mmmm 1001 nnnn", DpReg;
    Mls = "mls", "cccc 0000 0110 dddd aaaa mmmm 1001 nnnn", DpReg;
    Umull = "umull", "cccc 0000 100S HHHH LLLL mmmm 1001 nnnn", DpReg;
    Umlal = "umlal", "cccc 0000 101S HHHH LLLL mmmm 1001 nnnn", DpReg;
    Smull = "smull", "cccc 0000 110S HHHH LLLL mmmm 1001 nnnn", DpReg;
    Smlal = "smlal", "cccc 0000 111S HHHH LLLL mmmm 1001 nnnn", DpReg;
    Smlaxy = "smla", "cccc 0001 0000 dddd aaaa mmmm 1MN0 nnnn", DpReg;
    Smlawy = "smlaw", "cccc 0001 0010 dddd aaaa mmmm 1M00 nnnn", DpReg;
    Smulwy = "smulw", "cccc 0001 0010 dddd 0000 mmmm 1M10 nnnn", DpReg;
    Smlalxy = "smlal", "cccc 0001 0100 HHHH LLLL mmmm 1MN0 nnnn", DpReg;
    Smulxy = "smul", "cccc 0001 0110 dddd 0000 mmmm 1MN0 nnnn", DpReg;
    Smlad = "smlad", "cccc 0111 0000 dddd aaaa mmmm 00M1 nnnn", DpReg;
    Smuad = "smuad", "cccc 0111 0000 dddd 1111 mmmm 00M1 nnnn", DpReg;
    Smlsd = "smlsd", "cccc 0111 0000 dddd aaaa mmmm 01M1 nnnn", DpReg;
    Smusd = "smusd", "cccc 0111 0000 dddd 1111 mmmm 01M1 nnnn", DpReg;
    Smlald = "smlald", "cccc 0111 0100 HHHH LLLL mmmm 00M1 nnnn", DpReg;
    Smlsld = "smlsld", "cccc 0111 0100 HHHH LLLL mmmm 01M1 nnnn", DpReg;
    Smmla = "smmla", "cccc 0111 0101 dddd aaaa mmmm 00M1 nnnn", DpReg;
    Smmul = "smmul", "cccc 0111 0101 dddd 1111 mmmm 00M1 nnnn", DpReg;
    Smmls = "smmls", "cccc 0111 0101 dddd aaaa mmmm 11M1 nnnn", DpReg;
    Sdiv = "sdiv", "cccc 0111 0001 dddd 1111 mmmm 0001 nnnn", DpReg;
    Udiv = "udiv", "cccc 0111 0011 dddd 1111 mmmm 0001 nnnn", DpReg;
    // ---- Bit and byte operations ----
    Clz = "clz", "cccc 0001 0110 1111 dddd 1111 0001 mmmm", DpReg;
    Rev = "rev", "cccc 0110 1011 1111 dddd 1111 0011 mmmm", DpReg;
    Rev16 = "rev16", "cccc 0110 1011 1111 dddd 1111 1011 mmmm", DpReg;
    Rbit = "rbit", "cccc 0110 1111 1111 dddd 1111 0011 mmmm", DpReg;
    Revsh = "revsh", "cccc 0110 1111 1111 dddd 1111 1011 mmmm", DpReg;
    Sbfx = "sbfx", "cccc 0111 101k kkkk dddd llll l101 nnnn", DpReg;
    Ubfx = "ubfx", "cccc 0111 111k kkkk dddd llll l101 nnnn", DpReg;
    Bfi = "bfi", "cccc 0111 110k kkkk dddd llll l001 nnnn", DpReg;
    Bfc = "bfc", "cccc 0111 110k kkkk dddd llll l001 1111", DpReg;
    // ---- Extends (n = 1111: no accumulate) ----
    Sxtab = "sxtab", "cccc 0110 1010 nnnn dddd rr00 0111 mmmm", DpReg;
    Sxtb = "sxtb", "cccc 0110 1010 1111 dddd rr00 0111 mmmm", DpReg;
    Sxtah = "sxtah", "cccc 0110 1011 nnnn dddd rr00 0111 mmmm", DpReg;
    Sxth = "sxth", "cccc 0110 1011 1111 dddd rr00 0111 mmmm", DpReg;
    Sxtab16 = "sxtab16", "cccc 0110 1000 nnnn dddd rr00 0111 mmmm", DpReg;
    Sxtb16 = "sxtb16", "cccc 0110 1000 1111 dddd rr00 0111 mmmm", DpReg;
    Uxtab = "uxtab", "cccc 0110 1110 nnnn dddd rr00 0111 mmmm", DpReg;
    Uxtb = "uxtb", "cccc 0110 1110 1111 dddd rr00 0111 mmmm", DpReg;
    Uxtah = "uxtah", "cccc 0110 1111 nnnn dddd rr00 0111 mmmm", DpReg;
    Uxth = "uxth", "cccc 0110 1111 1111 dddd rr00 0111 mmmm", DpReg;
    Uxtab16 = "uxtab16", "cccc 0110 1100 nnnn dddd rr00 0111 mmmm", DpReg;
    Uxtb16 = "uxtb16", "cccc 0110 1100 1111 dddd rr00 0111 mmmm", DpReg;
    // ---- Saturation, packing, selection (ARMv6 media) ----
    Qadd = "qadd", "cccc 0001 0000 nnnn dddd 0000 0101 mmmm", Media;
    Qsub = "qsub", "cccc 0001 0010 nnnn dddd 0000 0101 mmmm", Media;
    Qdadd = "qdadd", "cccc 0001 0100 nnnn dddd 0000 0101 mmmm", Media;
    Qdsub = "qdsub", "cccc 0001 0110 nnnn dddd 0000 0101 mmmm", Media;
    Ssat = "ssat", "cccc 0110 101k kkkk dddd iiii ih01 nnnn", Media;
    Usat = "usat", "cccc 0110 111k kkkk dddd iiii ih01 nnnn", Media;
    Ssat16 = "ssat16", "cccc 0110 1010 kkkk dddd 1111 0011 nnnn", Media;
    Usat16 = "usat16", "cccc 0110 1110 kkkk dddd 1111 0011 nnnn", Media;
    Pkhbt = "pkhbt", "cccc 0110 1000 nnnn dddd iiii i001 mmmm", Media;
    Pkhtb = "pkhtb", "cccc 0110 1000 nnnn dddd iiii i101 mmmm", Media;
    Sel = "sel", "cccc 0110 1000 nnnn dddd 1111 1011 mmmm", Media;
    Usad8 = "usad8", "cccc 0111 1000 dddd 1111 mmmm 0001 nnnn", Media;
    Usada8 = "usada8", "cccc 0111 1000 dddd aaaa mmmm 0001 nnnn", Media;
    // ---- Parallel add/subtract: u = unsigned, k = kind (01 plain, 10 saturating, 11 halving),
    //      o = operation (000 add16, 001 asx, 010 sax, 011 sub16, 100 add8, 111 sub8) ----
    Padd16 = "add16", "cccc 0110 0ukk nnnn dddd 1111 0001 mmmm", Media;
    Pasx = "asx", "cccc 0110 0ukk nnnn dddd 1111 0011 mmmm", Media;
    Psax = "sax", "cccc 0110 0ukk nnnn dddd 1111 0101 mmmm", Media;
    Psub16 = "sub16", "cccc 0110 0ukk nnnn dddd 1111 0111 mmmm", Media;
    Padd8 = "add8", "cccc 0110 0ukk nnnn dddd 1111 1001 mmmm", Media;
    Psub8 = "sub8", "cccc 0110 0ukk nnnn dddd 1111 1111 mmmm", Media;
    // ---- Loads and stores of words and unsigned bytes ----
    StrImm = "str", "cccc 010p u0w0 nnnn tttt iiii iiii iiii", LoadStore;
    LdrImm = "ldr", "cccc 010p u0w1 nnnn tttt iiii iiii iiii", LoadStore;
    StrbImm = "strb", "cccc 010p u1w0 nnnn tttt iiii iiii iiii", LoadStore;
    LdrbImm = "ldrb", "cccc 010p u1w1 nnnn tttt iiii iiii iiii", LoadStore;
    StrReg = "str", "cccc 011p u0w0 nnnn tttt iiii ihh0 mmmm", LoadStore;
    LdrReg = "ldr", "cccc 011p u0w1 nnnn tttt iiii ihh0 mmmm", LoadStore;
    StrbReg = "strb", "cccc 011p u1w0 nnnn tttt iiii ihh0 mmmm", LoadStore;
    LdrbReg = "ldrb", "cccc 011p u1w1 nnnn tttt iiii ihh0 mmmm", LoadStore;
    Push1 = "push", "cccc 0101 0010 1101 tttt 0000 0000 0100", LoadStore;
    Pop1 = "pop", "cccc 0100 1001 1101 tttt 0000 0000 0100", LoadStore;
    // ---- Extra loads and stores: halfwords, signed bytes, doublewords ----
    StrhImm = "strh", "cccc 000p u1w0 nnnn tttt iiii 1011 iiii", LoadStore;
    LdrhImm = "ldrh", "cccc 000p u1w1 nnnn tttt iiii 1011 iiii", LoadStore;
    LdrdImm = "ldrd", "cccc 000p u1w0 nnnn tttt iiii 1101 iiii", LoadStore;
    StrdImm = "strd", "cccc 000p u1w0 nnnn tttt iiii 1111 iiii", LoadStore;
    LdrsbImm = "ldrsb", "cccc 000p u1w1 nnnn tttt iiii 1101 iiii", LoadStore;
    LdrshImm = "ldrsh", "cccc 000p u1w1 nnnn tttt iiii 1111 iiii", LoadStore;
    StrhReg = "strh", "cccc 000p u0w0 nnnn tttt 0000 1011 mmmm", LoadStore;
    LdrhReg = "ldrh", "cccc 000p u0w1 nnnn tttt 0000 1011 mmmm", LoadStore;
    LdrdReg = "ldrd", "cccc 000p u0w0 nnnn tttt 0000 1101 mmmm", LoadStore;
    StrdReg = "strd", "cccc 000p u0w0 nnnn tttt 0000 1111 mmmm", LoadStore;
    LdrsbReg = "ldrsb", "cccc 000p u0w1 nnnn tttt 0000 1101 mmmm", LoadStore;
    LdrshReg = "ldrsh", "cccc 000p u0w1 nnnn tttt 0000 1111 mmmm", LoadStore;
    // ---- Load/store multiple ----
    Stmda = "stmda", "cccc 1000 00w0 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    Ldmda = "ldmda", "cccc 1000 00w1 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    Stm = "stm", "cccc 1000 10w0 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    Ldm = "ldm", "cccc 1000 10w1 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    Pop = "pop", "cccc 1000 1011 1101 RRRR RRRR RRRR RRRR", LoadStore;
    Stmdb = "stmdb", "cccc 1001 00w0 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    Push = "push", "cccc 1001 0010 1101 RRRR RRRR RRRR RRRR", LoadStore;
    Ldmdb = "ldmdb", "cccc 1001 00w1 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    Stmib = "stmib", "cccc 1001 10w0 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    Ldmib = "ldmib", "cccc 1001 10w1 nnnn RRRR RRRR RRRR RRRR", LoadStore;
    // ---- Exclusives ----
    Ldrex = "ldrex", "cccc 0001 1001 nnnn tttt 1111 1001 1111", Exclusive;
    Strex = "strex", "cccc 0001 1000 nnnn dddd 1111 1001 tttt", Exclusive;
    Ldrexd = "ldrexd", "cccc 0001 1011 nnnn tttt 1111 1001 1111", Exclusive;
    Strexd = "strexd", "cccc 0001 1010 nnnn dddd 1111 1001 tttt", Exclusive;
    Ldrexb = "ldrexb", "cccc 0001 1101 nnnn tttt 1111 1001 1111", Exclusive;
    Strexb = "strexb", "cccc 0001 1100 nnnn dddd 1111 1001 tttt", Exclusive;
    Ldrexh = "ldrexh", "cccc 0001 1111 nnnn tttt 1111 1001 1111", Exclusive;
    Strexh = "strexh", "cccc 0001 1110 nnnn dddd 1111 1001 tttt", Exclusive;
    Swp = "swp", "cccc 0001 0000 nnnn tttt 0000 1001 mmmm", Exclusive;
    Swpb = "swpb", "cccc 0001 0100 nnnn tttt 0000 1001 mmmm", Exclusive;
    // ---- Branches and exceptions ----
    B = "b", "cccc 1010 iiii iiii iiii iiii iiii iiii", Branch;
    Bl = "bl", "cccc 1011 iiii iiii iiii iiii iiii iiii", Branch;
    BlxImm = "blx", "1111 101j iiii iiii iiii iiii iiii iiii", Branch;
    Bx = "bx", "cccc 0001 0010 1111 1111 1111 0001 mmmm", Branch;
    BlxReg = "blx", "cccc 0001 0010 1111 1111 1111 0011 mmmm", Branch;
    Bxj = "bxj", "cccc 0001 0010 1111 1111 1111 0010 mmmm", Branch;
    Svc = "svc", "cccc 1111 iiii iiii iiii iiii iiii iiii", Branch;
    Bkpt = "bkpt", "cccc 0001 0010 iiii iiii iiii 0111 iiii", Branch;
    Udf = "udf", "1110 0111 1111 iiii iiii iiii 1111 iiii", Branch;
    // ---- System: APSR, CP15 thread registers, barriers, hints ----
    Mrs = "mrs", "cccc 0001 0000 1111 dddd 0000 0000 0000", System;
    MsrReg = "msr", "cccc 0001 0010 gg00 1111 0000 0000 nnnn", System;
    MsrImm = "msr", "cccc 0011 0010 gg00 1111 rrrr iiii iiii", System;
    Hint = "hint", "cccc 0011 0010 0000 1111 0000 bbbb bbbb", System;
    Mrc = "mrc", "cccc 1110 ooo1 CCCC tttt ffff eee1 qqqq", System;
    Mcr = "mcr", "cccc 1110 ooo0 CCCC tttt ffff eee1 qqqq", System;
    Clrex = "clrex", "1111 0101 0111 1111 1111 0000 0001 1111", System;
    Dsb = "dsb", "1111 0101 0111 1111 1111 0000 0100 bbbb", System;
    Dmb = "dmb", "1111 0101 0111 1111 1111 0000 0101 bbbb", System;
    Isb = "isb", "1111 0101 0111 1111 1111 0000 0110 bbbb", System;
    PldImm = "pld", "1111 0101 uw01 nnnn 1111 iiii iiii iiii", System;
    PliImm = "pli", "1111 0100 u101 nnnn 1111 iiii iiii iiii", System;
    PldReg = "pld", "1111 0111 uw01 nnnn 1111 iiii ihh0 mmmm", System;
    PliReg = "pli", "1111 0110 u101 nnnn 1111 iiii ihh0 mmmm", System;
}

/// Bits 27..20: the opcode fields below the condition.
impl crate::KeyWindow for A32 {
    const KEY: u32 = 20;
}

#[cfg(test)]
mod tests {
    use crate::{Decoder, Entry, mask_value};

    /// Rows that overlap with the same number of fixed bits would make decoding depend on table
    /// order; none may exist in the AArch32 tables.
    fn no_equal_rank_overlaps<Id: std::fmt::Debug>(table: &[Entry<Id>]) {
        for (i, a) in table.iter().enumerate() {
            let (ma, va) = mask_value(a.pattern);
            for b in &table[i + 1..] {
                let (mb, vb) = mask_value(b.pattern);
                let overlap = (va ^ vb) & ma & mb == 0;
                assert!(
                    !(overlap && ma.count_ones() == mb.count_ones()),
                    "{:?} and {:?} overlap with equal rank",
                    a.id,
                    b.id
                );
            }
        }
    }

    #[test]
    fn aarch32_tables_are_well_formed() {
        no_equal_rank_overlaps(super::A32_TABLE);
        no_equal_rank_overlaps(crate::t16::T16_TABLE);
        no_equal_rank_overlaps(crate::t32::T32_TABLE);
        // Every row decodes to itself from its fixed bits (Decoder::new also checks 32 bits).
        let d = Decoder::new(super::A32_TABLE);
        let bx = d.decode(0xe12f_ff1e).expect("bx lr");
        assert_eq!((bx.id(), bx.f('m')), (super::A32::Bx, 14));
        let d = Decoder::new(crate::t16::T16_TABLE);
        let it = d.decode(0xbf18 << 16).expect("it ne");
        assert_eq!((it.id(), it.f('f'), it.f('k')), (crate::t16::T16::It, 1, 8));
        let d = Decoder::new(crate::t32::T32_TABLE);
        let bl = d.decode(0xf000_f800).expect("bl");
        assert_eq!(bl.id(), crate::t32::T32::Bl);
    }
}
