//! A64 base (integer, branch, system, load/store of general registers) decode table: ARMv8.0
//! user-mode instructions plus CRC32 (FEAT_CRC32), LSE atomics (FEAT_LSE), LDAPR/LDAPUR/STLUR
//! (FEAT_LRCPC, FEAT_LRCPC2) and the flag-manipulation instructions (FEAT_FlagM, FEAT_FlagM2).
//!
//! Field letters (first letters of the ARM manual's field names where possible):
//!
//! | letter | field |
//! |---|---|
//! | `s` | sf (1 = 64-bit); in pair loads/stores opc<1> |
//! | `d` `n` `m` `t` | Rd, Rn, Rm, Rt |
//! | `a` | Ra (multiply-add) or Rt2 (pairs) |
//! | `u` | Rs (status register of store-exclusive; operand/compare register of atomics and CAS) |
//! | `S` | size of atomics and CAS (0 = byte .. 3 = doubleword) |
//! | `A` `R` | acquire and release bits of atomics and CAS |
//! | `i` | the main immediate (imm12, imm16, imm26, imm19, imm14, imm9, imm7, imm6, immhi, imm5) |
//! | `l` | immlo (ADR/ADRP) |
//! | `h` | shift: sh (add/sub imm), hw (move wide), shift type, S (register offset) |
//! | `N` `r` `k` | N, immr, imms (bitmask and bitfield immediates, EXTR's lsb) |
//! | `o` | option (extend type) |
//! | `e` | imm3 (extend shift amount) |
//! | `c` | cond |
//! | `f` | nzcv immediate of CCMP/CCMN |
//! | `b` `w` | b5 and b40 of TBZ/TBNZ (bit number = b:w) |
//! | `g` | system register o0:op1:CRn:CRm:op2 (MRS/MSR) |
//! | `z` | size<0> where a row covers 32- and 64-bit forms (1 = 64-bit) |
//! | `q` | opc<0> of sign-extending loads (1 = 32-bit destination) |
//! | `y` | CRm:op2 of HINT |
//! | `j` | mask of RMIF |

crate::decode_table! {
    /// A64 base instructions.
    A64Base, A64_BASE,
    // ---- Data processing, immediate ----
    Adr = "adr", "0 ll 10000 iiiiiiiiiiiiiiiiiii ddddd", DpImm;
    Adrp = "adrp", "1 ll 10000 iiiiiiiiiiiiiiiiiii ddddd", DpImm;
    AddImm = "add", "s00 100010 h iiiiiiiiiiii nnnnn ddddd", DpImm;
    AddsImm = "adds", "s01 100010 h iiiiiiiiiiii nnnnn ddddd", DpImm;
    SubImm = "sub", "s10 100010 h iiiiiiiiiiii nnnnn ddddd", DpImm;
    SubsImm = "subs", "s11 100010 h iiiiiiiiiiii nnnnn ddddd", DpImm;
    AndImm = "and", "s00 100100 N rrrrrr kkkkkk nnnnn ddddd", DpImm;
    OrrImm = "orr", "s01 100100 N rrrrrr kkkkkk nnnnn ddddd", DpImm;
    EorImm = "eor", "s10 100100 N rrrrrr kkkkkk nnnnn ddddd", DpImm;
    AndsImm = "ands", "s11 100100 N rrrrrr kkkkkk nnnnn ddddd", DpImm;
    Movn = "movn", "s00 100101 hh iiiiiiiiiiiiiiii ddddd", DpImm;
    Movz = "movz", "s10 100101 hh iiiiiiiiiiiiiiii ddddd", DpImm;
    Movk = "movk", "s11 100101 hh iiiiiiiiiiiiiiii ddddd", DpImm;
    Sbfm = "sbfm", "s00 100110 N rrrrrr kkkkkk nnnnn ddddd", DpImm;
    Bfm = "bfm", "s01 100110 N rrrrrr kkkkkk nnnnn ddddd", DpImm;
    Ubfm = "ubfm", "s10 100110 N rrrrrr kkkkkk nnnnn ddddd", DpImm;
    Extr = "extr", "s00 100111 N 0 mmmmm kkkkkk nnnnn ddddd", DpImm;
    // ---- Data processing, register ----
    AndReg = "and", "s00 01010 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    BicReg = "bic", "s00 01010 hh 1 mmmmm iiiiii nnnnn ddddd", DpReg;
    OrrReg = "orr", "s01 01010 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    OrnReg = "orn", "s01 01010 hh 1 mmmmm iiiiii nnnnn ddddd", DpReg;
    EorReg = "eor", "s10 01010 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    EonReg = "eon", "s10 01010 hh 1 mmmmm iiiiii nnnnn ddddd", DpReg;
    AndsReg = "ands", "s11 01010 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    BicsReg = "bics", "s11 01010 hh 1 mmmmm iiiiii nnnnn ddddd", DpReg;
    AddShift = "add", "s00 01011 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    AddsShift = "adds", "s01 01011 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    SubShift = "sub", "s10 01011 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    SubsShift = "subs", "s11 01011 hh 0 mmmmm iiiiii nnnnn ddddd", DpReg;
    AddExt = "add", "s00 01011 00 1 mmmmm ooo eee nnnnn ddddd", DpReg;
    AddsExt = "adds", "s01 01011 00 1 mmmmm ooo eee nnnnn ddddd", DpReg;
    SubExt = "sub", "s10 01011 00 1 mmmmm ooo eee nnnnn ddddd", DpReg;
    SubsExt = "subs", "s11 01011 00 1 mmmmm ooo eee nnnnn ddddd", DpReg;
    Adc = "adc", "s00 11010000 mmmmm 000000 nnnnn ddddd", DpReg;
    Adcs = "adcs", "s01 11010000 mmmmm 000000 nnnnn ddddd", DpReg;
    Sbc = "sbc", "s10 11010000 mmmmm 000000 nnnnn ddddd", DpReg;
    Sbcs = "sbcs", "s11 11010000 mmmmm 000000 nnnnn ddddd", DpReg;
    CcmnReg = "ccmn", "s01 11010010 mmmmm cccc 00 nnnnn 0 ffff", DpReg;
    CcmpReg = "ccmp", "s11 11010010 mmmmm cccc 00 nnnnn 0 ffff", DpReg;
    CcmnImm = "ccmn", "s01 11010010 iiiii cccc 10 nnnnn 0 ffff", DpReg;
    CcmpImm = "ccmp", "s11 11010010 iiiii cccc 10 nnnnn 0 ffff", DpReg;
    Csel = "csel", "s00 11010100 mmmmm cccc 00 nnnnn ddddd", DpReg;
    Csinc = "csinc", "s00 11010100 mmmmm cccc 01 nnnnn ddddd", DpReg;
    Csinv = "csinv", "s10 11010100 mmmmm cccc 00 nnnnn ddddd", DpReg;
    Csneg = "csneg", "s10 11010100 mmmmm cccc 01 nnnnn ddddd", DpReg;
    Udiv = "udiv", "s00 11010110 mmmmm 000010 nnnnn ddddd", DpReg;
    Sdiv = "sdiv", "s00 11010110 mmmmm 000011 nnnnn ddddd", DpReg;
    Lslv = "lslv", "s00 11010110 mmmmm 001000 nnnnn ddddd", DpReg;
    Lsrv = "lsrv", "s00 11010110 mmmmm 001001 nnnnn ddddd", DpReg;
    Asrv = "asrv", "s00 11010110 mmmmm 001010 nnnnn ddddd", DpReg;
    Rorv = "rorv", "s00 11010110 mmmmm 001011 nnnnn ddddd", DpReg;
    Rbit = "rbit", "s10 11010110 00000 000000 nnnnn ddddd", DpReg;
    Rev16 = "rev16", "s10 11010110 00000 000001 nnnnn ddddd", DpReg;
    RevW = "rev", "010 11010110 00000 000010 nnnnn ddddd", DpReg;
    Rev32 = "rev32", "110 11010110 00000 000010 nnnnn ddddd", DpReg;
    RevX = "rev", "110 11010110 00000 000011 nnnnn ddddd", DpReg;
    Clz = "clz", "s10 11010110 00000 000100 nnnnn ddddd", DpReg;
    Cls = "cls", "s10 11010110 00000 000101 nnnnn ddddd", DpReg;
    Madd = "madd", "s00 11011 000 mmmmm 0 aaaaa nnnnn ddddd", DpReg;
    Msub = "msub", "s00 11011 000 mmmmm 1 aaaaa nnnnn ddddd", DpReg;
    Smaddl = "smaddl", "100 11011 001 mmmmm 0 aaaaa nnnnn ddddd", DpReg;
    Smsubl = "smsubl", "100 11011 001 mmmmm 1 aaaaa nnnnn ddddd", DpReg;
    Smulh = "smulh", "100 11011 010 mmmmm 0 xxxxx nnnnn ddddd", DpReg;
    Umaddl = "umaddl", "100 11011 101 mmmmm 0 aaaaa nnnnn ddddd", DpReg;
    Umsubl = "umsubl", "100 11011 101 mmmmm 1 aaaaa nnnnn ddddd", DpReg;
    Umulh = "umulh", "100 11011 110 mmmmm 0 xxxxx nnnnn ddddd", DpReg;
    Crc32b = "crc32b", "000 11010110 mmmmm 010 0 00 nnnnn ddddd", DpReg;
    Crc32h = "crc32h", "000 11010110 mmmmm 010 0 01 nnnnn ddddd", DpReg;
    Crc32w = "crc32w", "000 11010110 mmmmm 010 0 10 nnnnn ddddd", DpReg;
    Crc32x = "crc32x", "100 11010110 mmmmm 010 0 11 nnnnn ddddd", DpReg;
    Crc32cb = "crc32cb", "000 11010110 mmmmm 010 1 00 nnnnn ddddd", DpReg;
    Crc32ch = "crc32ch", "000 11010110 mmmmm 010 1 01 nnnnn ddddd", DpReg;
    Crc32cw = "crc32cw", "000 11010110 mmmmm 010 1 10 nnnnn ddddd", DpReg;
    Crc32cx = "crc32cx", "100 11010110 mmmmm 010 1 11 nnnnn ddddd", DpReg;
    // FEAT_FlagM: NZCV manipulation.
    Rmif = "rmif", "101 11010000 iiiiii 00001 nnnnn 0 jjjj", DpReg;
    Setf8 = "setf8", "001 11010000 000000 0 0010 nnnnn 0 1101", DpReg;
    Setf16 = "setf16", "001 11010000 000000 1 0010 nnnnn 0 1101", DpReg;
    // ---- Branches and exception generation ----
    B = "b", "000101 iiiiiiiiiiiiiiiiiiiiiiiiii", Branch;
    Bl = "bl", "100101 iiiiiiiiiiiiiiiiiiiiiiiiii", Branch;
    BCond = "b.cond", "0101010 0 iiiiiiiiiiiiiiiiiii 0 cccc", Branch;
    Cbz = "cbz", "s 011010 0 iiiiiiiiiiiiiiiiiii ttttt", Branch;
    Cbnz = "cbnz", "s 011010 1 iiiiiiiiiiiiiiiiiii ttttt", Branch;
    Tbz = "tbz", "b 011011 0 wwwww iiiiiiiiiiiiii ttttt", Branch;
    Tbnz = "tbnz", "b 011011 1 wwwww iiiiiiiiiiiiii ttttt", Branch;
    Br = "br", "1101011 0000 11111 000000 nnnnn 00000", Branch;
    Blr = "blr", "1101011 0001 11111 000000 nnnnn 00000", Branch;
    Ret = "ret", "1101011 0010 11111 000000 nnnnn 00000", Branch;
    Svc = "svc", "11010100 000 iiiiiiiiiiiiiiii 000 01", Branch;
    Brk = "brk", "11010100 001 iiiiiiiiiiiiiiii 000 00", Branch;
    // ---- System ----
    Cfinv = "cfinv", "1101010100 0 00 000 0100 0000 000 11111", System;
    Xaflag = "xaflag", "1101010100 0 00 000 0100 0000 001 11111", System;
    Axflag = "axflag", "1101010100 0 00 000 0100 0000 010 11111", System;
    Nop = "nop", "1101010100 0 00 011 0010 0000 000 11111", System;
    Hint = "hint", "1101010100 0 00 011 0010 yyyy yyy 11111", System;
    Clrex = "clrex", "1101010100 0 00 011 0011 xxxx 010 11111", System;
    Dsb = "dsb", "1101010100 0 00 011 0011 xxxx 100 11111", System;
    Dmb = "dmb", "1101010100 0 00 011 0011 xxxx 101 11111", System;
    Isb = "isb", "1101010100 0 00 011 0011 xxxx 110 11111", System;
    Mrs = "mrs", "1101010100 1 1 ggggggggggggggg ttttt", System;
    Msr = "msr", "1101010100 0 1 ggggggggggggggg ttttt", System;
    DcZva = "dc zva", "1101010100 0 01 011 0111 0100 001 ttttt", System;
    DcCvac = "dc cvac", "1101010100 0 01 011 0111 1010 001 ttttt", System;
    DcCvau = "dc cvau", "1101010100 0 01 011 0111 1011 001 ttttt", System;
    DcCvap = "dc cvap", "1101010100 0 01 011 0111 1100 001 ttttt", System;
    DcCivac = "dc civac", "1101010100 0 01 011 0111 1110 001 ttttt", System;
    IcIvau = "ic ivau", "1101010100 0 01 011 0111 0101 001 ttttt", System;
    // ---- Loads and stores: literal ----
    LdrLit = "ldr", "0z 011 0 00 iiiiiiiiiiiiiiiiiii ttttt", LoadStore;
    LdrswLit = "ldrsw", "10 011 0 00 iiiiiiiiiiiiiiiiiii ttttt", LoadStore;
    PrfmLit = "prfm", "11 011 0 00 iiiiiiiiiiiiiiiiiii ttttt", LoadStore;
    // ---- Loads and stores: single register (unsigned offset, unscaled, post, pre, register) ----
    StrbUimm = "strb", "00 111 0 01 00 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    LdrbUimm = "ldrb", "00 111 0 01 01 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    LdrsbUimm = "ldrsb", "00 111 0 01 1q iiiiiiiiiiii nnnnn ttttt", LoadStore;
    StrhUimm = "strh", "01 111 0 01 00 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    LdrhUimm = "ldrh", "01 111 0 01 01 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    LdrshUimm = "ldrsh", "01 111 0 01 1q iiiiiiiiiiii nnnnn ttttt", LoadStore;
    StrUimm = "str", "1z 111 0 01 00 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    LdrUimm = "ldr", "1z 111 0 01 01 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    LdrswUimm = "ldrsw", "10 111 0 01 10 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    StrbUnscaled = "sturb", "00 111 0 00 00 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    LdrbUnscaled = "ldurb", "00 111 0 00 01 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    LdrsbUnscaled = "ldursb", "00 111 0 00 1q 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    StrhUnscaled = "sturh", "01 111 0 00 00 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    LdrhUnscaled = "ldurh", "01 111 0 00 01 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    LdrshUnscaled = "ldursh", "01 111 0 00 1q 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    StrUnscaled = "stur", "1z 111 0 00 00 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    LdrUnscaled = "ldur", "1z 111 0 00 01 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    LdrswUnscaled = "ldursw", "10 111 0 00 10 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    StrbPost = "strb", "00 111 0 00 00 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    LdrbPost = "ldrb", "00 111 0 00 01 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    LdrsbPost = "ldrsb", "00 111 0 00 1q 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    StrhPost = "strh", "01 111 0 00 00 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    LdrhPost = "ldrh", "01 111 0 00 01 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    LdrshPost = "ldrsh", "01 111 0 00 1q 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    StrPost = "str", "1z 111 0 00 00 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    LdrPost = "ldr", "1z 111 0 00 01 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    LdrswPost = "ldrsw", "10 111 0 00 10 0 iiiiiiiii 01 nnnnn ttttt", LoadStore;
    StrbPre = "strb", "00 111 0 00 00 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    LdrbPre = "ldrb", "00 111 0 00 01 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    LdrsbPre = "ldrsb", "00 111 0 00 1q 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    StrhPre = "strh", "01 111 0 00 00 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    LdrhPre = "ldrh", "01 111 0 00 01 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    LdrshPre = "ldrsh", "01 111 0 00 1q 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    StrPre = "str", "1z 111 0 00 00 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    LdrPre = "ldr", "1z 111 0 00 01 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    LdrswPre = "ldrsw", "10 111 0 00 10 0 iiiiiiiii 11 nnnnn ttttt", LoadStore;
    StrbReg = "strb", "00 111 0 00 00 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    LdrbReg = "ldrb", "00 111 0 00 01 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    LdrsbReg = "ldrsb", "00 111 0 00 1q 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    StrhReg = "strh", "01 111 0 00 00 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    LdrhReg = "ldrh", "01 111 0 00 01 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    LdrshReg = "ldrsh", "01 111 0 00 1q 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    StrReg = "str", "1z 111 0 00 00 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    LdrReg = "ldr", "1z 111 0 00 01 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    LdrswReg = "ldrsw", "10 111 0 00 10 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    PrfmUimm = "prfm", "11 111 0 01 10 iiiiiiiiiiii nnnnn ttttt", LoadStore;
    PrfmUnscaled = "prfum", "11 111 0 00 10 0 iiiiiiiii 00 nnnnn ttttt", LoadStore;
    PrfmReg = "prfm", "11 111 0 00 10 1 mmmmm ooo h 10 nnnnn ttttt", LoadStore;
    // ---- Loads and stores: pairs ----
    StpPost = "stp", "s0 101 0 001 0 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    LdpPost = "ldp", "s0 101 0 001 1 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    LdpswPost = "ldpsw", "01 101 0 001 1 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    StpOff = "stp", "s0 101 0 010 0 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    LdpOff = "ldp", "s0 101 0 010 1 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    LdpswOff = "ldpsw", "01 101 0 010 1 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    StpPre = "stp", "s0 101 0 011 0 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    LdpPre = "ldp", "s0 101 0 011 1 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    LdpswPre = "ldpsw", "01 101 0 011 1 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    Stnp = "stnp", "s0 101 0 000 0 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    Ldnp = "ldnp", "s0 101 0 000 1 iiiiiii aaaaa nnnnn ttttt", LoadStore;
    // ---- Exclusives and acquire/release ----
    Stxrb = "stxrb", "00 001000 000 uuuuu 0 xxxxx nnnnn ttttt", Exclusive;
    Stlxrb = "stlxrb", "00 001000 000 uuuuu 1 xxxxx nnnnn ttttt", Exclusive;
    Ldxrb = "ldxrb", "00 001000 010 xxxxx 0 xxxxx nnnnn ttttt", Exclusive;
    Ldaxrb = "ldaxrb", "00 001000 010 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Stxrh = "stxrh", "01 001000 000 uuuuu 0 xxxxx nnnnn ttttt", Exclusive;
    Stlxrh = "stlxrh", "01 001000 000 uuuuu 1 xxxxx nnnnn ttttt", Exclusive;
    Ldxrh = "ldxrh", "01 001000 010 xxxxx 0 xxxxx nnnnn ttttt", Exclusive;
    Ldaxrh = "ldaxrh", "01 001000 010 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Stxr = "stxr", "1z 001000 000 uuuuu 0 xxxxx nnnnn ttttt", Exclusive;
    Stlxr = "stlxr", "1z 001000 000 uuuuu 1 xxxxx nnnnn ttttt", Exclusive;
    Ldxr = "ldxr", "1z 001000 010 xxxxx 0 xxxxx nnnnn ttttt", Exclusive;
    Ldaxr = "ldaxr", "1z 001000 010 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Stxp = "stxp", "1z 001000 001 uuuuu 0 aaaaa nnnnn ttttt", Exclusive;
    Stlxp = "stlxp", "1z 001000 001 uuuuu 1 aaaaa nnnnn ttttt", Exclusive;
    Ldxp = "ldxp", "1z 001000 011 xxxxx 0 aaaaa nnnnn ttttt", Exclusive;
    Ldaxp = "ldaxp", "1z 001000 011 xxxxx 1 aaaaa nnnnn ttttt", Exclusive;
    Stlrb = "stlrb", "00 001000 100 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Ldarb = "ldarb", "00 001000 110 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Stlrh = "stlrh", "01 001000 100 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Ldarh = "ldarh", "01 001000 110 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Stlr = "stlr", "1z 001000 100 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Ldar = "ldar", "1z 001000 110 xxxxx 1 xxxxx nnnnn ttttt", Exclusive;
    Ldaprb = "ldaprb", "00 111000 101 11111 1100 00 nnnnn ttttt", Exclusive;
    Ldaprh = "ldaprh", "01 111000 101 11111 1100 00 nnnnn ttttt", Exclusive;
    Ldapr = "ldapr", "1z 111000 101 11111 1100 00 nnnnn ttttt", Exclusive;
    // FEAT_LRCPC2: unscaled-offset load-acquire (RCpc) and store-release.
    Stlur = "stlur", "SS 011001 00 0 iiiiiiiii 00 nnnnn ttttt", Exclusive;
    Ldapur = "ldapur", "SS 011001 01 0 iiiiiiiii 00 nnnnn ttttt", Exclusive;
    Ldapursb = "ldapursb", "00 011001 1q 0 iiiiiiiii 00 nnnnn ttttt", Exclusive;
    Ldapursh = "ldapursh", "01 011001 1q 0 iiiiiiiii 00 nnnnn ttttt", Exclusive;
    Ldapursw = "ldapursw", "10 011001 10 0 iiiiiiiii 00 nnnnn ttttt", Exclusive;
    // ---- Compare and swap (FEAT_LSE) ----
    Cas = "cas", "SS 001000 1 A 1 uuuuu R 11111 nnnnn ttttt", Atomic;
    Casp = "casp", "0z 001000 0 A 1 uuuuu R 11111 nnnnn ttttt", Atomic;
    // ---- Atomic memory operations (FEAT_LSE); ST<op> is LD<op> with Rt = XZR ----
    Ldadd = "ldadd", "SS 111 0 00 AR 1 uuuuu 0 000 00 nnnnn ttttt", Atomic;
    Ldclr = "ldclr", "SS 111 0 00 AR 1 uuuuu 0 001 00 nnnnn ttttt", Atomic;
    Ldeor = "ldeor", "SS 111 0 00 AR 1 uuuuu 0 010 00 nnnnn ttttt", Atomic;
    Ldset = "ldset", "SS 111 0 00 AR 1 uuuuu 0 011 00 nnnnn ttttt", Atomic;
    Ldsmax = "ldsmax", "SS 111 0 00 AR 1 uuuuu 0 100 00 nnnnn ttttt", Atomic;
    Ldsmin = "ldsmin", "SS 111 0 00 AR 1 uuuuu 0 101 00 nnnnn ttttt", Atomic;
    Ldumax = "ldumax", "SS 111 0 00 AR 1 uuuuu 0 110 00 nnnnn ttttt", Atomic;
    Ldumin = "ldumin", "SS 111 0 00 AR 1 uuuuu 0 111 00 nnnnn ttttt", Atomic;
    Swp = "swp", "SS 111 0 00 AR 1 uuuuu 1 000 00 nnnnn ttttt", Atomic;
}

/// Bits 28..21: the top-level group fields and the opcode bits below them.
impl crate::KeyWindow for A64Base {
    const KEY: u32 = 21;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decoder;

    /// Words assembled with aarch64-linux-gnu-as, and the row each must decode to.
    const KNOWN: &[(u32, A64Base)] = &[
        (0x91000420, A64Base::AddImm),    // add x0, x1, #1
        (0xf1000c3f, A64Base::SubsImm),   // cmp x1, #3
        (0x92400c20, A64Base::AndImm),    // and x0, x1, #0xf
        (0xd2800540, A64Base::Movz),      // mov x0, #42
        (0xd3441c20, A64Base::Ubfm),      // ubfx x0, x1, #4, #4
        (0x8b020420, A64Base::AddShift),  // add x0, x1, x2, lsl #1
        (0x8b22c020, A64Base::AddExt),    // add x0, x1, w2, sxtw
        (0x9ac20c20, A64Base::Sdiv),      // sdiv x0, x1, x2
        (0xdac01020, A64Base::Clz),       // clz x0, x1
        (0x9b020c20, A64Base::Madd),      // madd x0, x1, x2, x3
        (0xd65f03c0, A64Base::Ret),       // ret
        (0xd4000001, A64Base::Svc),       // svc #0
        (0xd503201f, A64Base::Nop),       // nop
        (0xd503233f, A64Base::Hint),      // paciasp
        (0xd5033bbf, A64Base::Dmb),       // dmb ish
        (0xd53bd040, A64Base::Mrs),       // mrs x0, tpidr_el0
        (0xd50b7420, A64Base::DcZva),     // dc zva, x0
        (0xf9400420, A64Base::LdrUimm),   // ldr x0, [x1, #8]
        (0xf8408c20, A64Base::LdrPre),    // ldr x0, [x1, #8]!
        (0x38c01420, A64Base::LdrsbPost), // ldrsb w0, [x1], #1
        (0xb8627820, A64Base::LdrReg),    // ldr w0, [x1, x2, lsl #2]
        (0xa9bf7bfd, A64Base::StpPre),    // stp x29, x30, [sp, #-16]!
        (0xc85f7c20, A64Base::Ldxr),      // ldxr x0, [x1]
        (0xc802fc20, A64Base::Stlxr),     // stlxr w2, x0, [x1]
        (0xc8dffc20, A64Base::Ldar),      // ldar x0, [x1]
        (0x1ac24020, A64Base::Crc32b),    // crc32b w0, w1, w2
        (0x9ac25c20, A64Base::Crc32cx),   // crc32cx w0, w1, x2
        (0x38200041, A64Base::Ldadd),     // ldaddb w0, w1, [x2]
        (0xb8a01041, A64Base::Ldclr),     // ldclra w0, w1, [x2]
        (0xf86043e1, A64Base::Ldsmax),    // ldsmaxl x0, x1, [sp]
        (0xf8e08041, A64Base::Swp),       // swpal x0, x1, [x2]
        (0xb820005f, A64Base::Ldadd),     // stadd w0, [x2]
        (0x08a07c41, A64Base::Cas),       // casb w0, w1, [x2]
        (0xc8e0fc41, A64Base::Cas),       // casal x0, x1, [x2]
        (0x08607c82, A64Base::Casp),      // caspa w0, w1, w2, w3, [x4]
        (0x48207c82, A64Base::Casp),      // casp x0, x1, x2, x3, [x4]
        (0xb8bfc020, A64Base::Ldapr),     // ldapr w0, [x1]
        (0x191fd020, A64Base::Stlur),     // stlurb w0, [x1, #-3]
        (0xd94ff020, A64Base::Ldapur),    // ldapur x0, [x1, #255]
        (0x99800020, A64Base::Ldapursw),  // ldapursw x0, [x1]
        (0x19c00020, A64Base::Ldapursb),  // ldapursb w0, [x1]
        (0xd500401f, A64Base::Cfinv),     // cfinv
        (0xd500405f, A64Base::Axflag),    // axflag
        (0xd500403f, A64Base::Xaflag),    // xaflag
        (0xba018425, A64Base::Rmif),      // rmif x1, #3, #5
        (0x3a00082d, A64Base::Setf8),     // setf8 w1
        (0x3a00484d, A64Base::Setf16),    // setf16 w2
    ];

    #[test]
    fn table_builds_and_known_words_decode() {
        let d = Decoder::new(A64_BASE);
        for &(w, id) in KNOWN {
            let m = d
                .decode(w)
                .unwrap_or_else(|| panic!("{w:#010x} does not decode"));
            assert_eq!(m.id(), id, "{w:#010x}");
        }
        // FP/SIMD words are not in the base table.
        assert!(d.decode(0x1e602820).is_none()); // fadd d0, d1, d0
    }
}
