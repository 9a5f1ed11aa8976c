//! The op table: every IR opcode is defined here once, with its text name, arity, whether it
//! produces a value, what its immediate means and whether it has side effects. The printer, the
//! verifier, the passes, the interpreter and the JIT all read this table.

/// What the immediate of an instruction means (checked by the verifier, shown by the printer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImmKind {
    /// The immediate is unused and must be 0.
    None,
    /// A 64-bit constant.
    Const,
    /// A CPU state slot (see the `cpu` crate).
    Slot,
    /// Operation width in bits: 32 or 64. 32-bit results are zero-extended to 64.
    Width,
    /// Access size in bytes: 1, 2, 4 or 8.
    Size,
    /// Source width in bits for an extension: 8, 16 or 32.
    ExtFrom,
    /// An ARM condition code, 0..=15.
    Cond,
    /// A vector register (bits 0..5) and an access size in bytes (bits 8..16: 1, 2, 4, 8 or 16).
    VecAccess,
    /// 0, or the scalar FP operation the called helper implements (see [`crate::inline`]).
    Inline,
    /// An ARM condition code (bits 0..4) and an operation width (bits 8..: 32 or 64).
    CondWidth,
    /// A byte-lane operation on the four bytes of a word (see [`ByteOp`]).
    ByteOp,
    /// A SIMD lane size in bits: 8, 16 or 32.
    Lane,
    /// A pairwise operation on byte lanes (see [`PairOp`]).
    PairOp,
    /// The compare whose flags `flags.deferred` leaves for later (see [`Deferred`]).
    Deferred,
}

/// An operation an instruction's immediate names: the enum (the immediate is the
/// discriminant), `ALL` in immediate order, `from_imm` and the `name`s of the text form.
macro_rules! imm_enum {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $v:ident = $i:literal, $text:literal; )* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$vm])* $v = $i, )*
        }

        impl $name {
            /// Every operation, indexed by its immediate.
            pub const ALL: [$name; 0 $( + { let _ = $i; 1 } )*] = [ $( $name::$v, )* ];

            /// The operation an immediate names.
            pub fn from_imm(imm: u64) -> Option<$name> {
                Self::ALL.get(usize::try_from(imm).ok()?).copied()
            }

            /// Its name in the text form.
            pub fn name(self) -> &'static str {
                [ $( $text, )* ][self as usize]
            }
        }

        // `from_imm` and `name` index by the discriminant: they must count up from 0.
        const _: () = {
            let mut i = 0;
            while i < $name::ALL.len() {
                assert!($name::ALL[i] as usize == i, "immediates must count up from 0");
                i += 1;
            }
        };
    };
}

imm_enum! {
    /// The byte-lane operations of `bytes4` (ARM's UADD8, USUB8, UQADD8, UQSUB8) and, for add
    /// and subtract, of `bytes4.mask` (their GE flags as a byte mask).
    ByteOp {
        /// Sum modulo 256.
        Add = 0, "add";
        /// Difference modulo 256.
        Sub = 1, "sub";
        /// Sum saturated at 255.
        AddSat = 2, "addsat";
        /// Difference saturated at 0.
        SubSat = 3, "subsat";
    }
}

imm_enum! {
    /// The operations of `pairs8`: A64's ADDP, UMAXP, UMINP, SMAXP and SMINP on bytes.
    PairOp {
        /// Sum modulo 256.
        Add = 0, "add";
        /// Unsigned maximum.
        MaxU = 1, "umax";
        /// Unsigned minimum.
        MinU = 2, "umin";
        /// Signed maximum.
        MaxS = 3, "smax";
        /// Signed minimum.
        MinS = 4, "smin";
    }
}

imm_enum! {
    /// The compares whose NZCV `flags.deferred` leaves for a later read to work out: each is
    /// the flags instruction it stands for, on the two operands it keeps (see `crate::deferred`).
    Deferred {
        /// `sub.flags.32 a, b`.
        Sub32 = 0, "sub32";
        /// `sub.flags.64 a, b`.
        Sub64 = 1, "sub64";
        /// `addc.flags.32 a, b, 0`.
        Add32 = 2, "add32";
        /// `addc.flags.64 a, b, 0`.
        Add64 = 3, "add64";
        /// `addc.flags.32 a, b, 1` (an A32 compare: `a + not b + 1`).
        AddOne32 = 4, "addone32";
        /// `addc.flags.64 a, b, 1`.
        AddOne64 = 5, "addone64";
        /// `logic.flags.32 a` (b unused).
        Logic32 = 6, "logic32";
        /// `logic.flags.64 a` (b unused).
        Logic64 = 7, "logic64";
    }
}

impl Deferred {
    /// The kind standing for flags instruction `op` with immediate `width` and, for
    /// `addc.flags`, the constant carry in `carry`; `None` for any other.
    pub fn of(op: Op, width: u64, carry: Option<u64>) -> Option<Deferred> {
        let wide = match width {
            32 => false,
            64 => true,
            _ => return None,
        };
        let (narrow, wide_kind) = match (op, carry.map(|c| c & 1)) {
            (Op::SubFlags, _) => (Deferred::Sub32, Deferred::Sub64),
            (Op::AddCFlags, Some(0)) => (Deferred::Add32, Deferred::Add64),
            (Op::AddCFlags, Some(_)) => (Deferred::AddOne32, Deferred::AddOne64),
            (Op::LogicFlags, _) => (Deferred::Logic32, Deferred::Logic64),
            _ => return None,
        };
        Some(if wide { wide_kind } else { narrow })
    }

    /// NZCV (ARM layout) of the compare on `a` and `b`.
    pub fn flags(self, a: u64, b: u64) -> u64 {
        use crate::sem::{addc_flags, logic_flags};
        match self {
            Deferred::Sub32 => addc_flags(a, !b, 1, 32),
            Deferred::Sub64 => addc_flags(a, !b, 1, 64),
            Deferred::Add32 => addc_flags(a, b, 0, 32),
            Deferred::Add64 => addc_flags(a, b, 0, 64),
            Deferred::AddOne32 => addc_flags(a, b, 1, 32),
            Deferred::AddOne64 => addc_flags(a, b, 1, 64),
            Deferred::Logic32 => logic_flags(a, 32),
            Deferred::Logic64 => logic_flags(a, 64),
        }
    }
}

impl PairOp {
    /// The operation on two bytes, zero-extended.
    pub fn apply(self, x: u8, y: u8) -> u8 {
        match self {
            PairOp::Add => x.wrapping_add(y),
            PairOp::MaxU => x.max(y),
            PairOp::MinU => x.min(y),
            PairOp::MaxS => (x as i8).max(y as i8) as u8,
            PairOp::MinS => (x as i8).min(y as i8) as u8,
        }
    }
}

macro_rules! op_table {
    ($( $variant:ident = $text:literal, args $arity:literal, result $result:literal,
        imm $imm:ident, effects $effects:literal, $doc:literal; )*) => {
        /// An IR opcode. Every value is a 64-bit integer.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Op {
            $( #[doc = $doc] $variant, )*
        }

        /// Static facts about an opcode (one row of the op table).
        #[derive(Clone, Copy, Debug)]
        pub struct OpInfo {
            /// Name in the text form.
            pub text: &'static str,
            /// Number of value arguments.
            pub arity: usize,
            /// Whether it defines a value.
            pub result: bool,
            /// Meaning of the immediate.
            pub imm: ImmKind,
            /// Whether it must be kept even if its result is unused.
            pub effects: bool,
            /// One-line description.
            pub doc: &'static str,
        }

        impl Op {
            /// Every opcode, in table order.
            pub const ALL: &'static [Op] = &[ $( Op::$variant, )* ];

            /// The table row for this opcode: one indexed load (the passes, the allocator and
            /// the verifier ask for every instruction they look at).
            pub const fn info(self) -> OpInfo {
                const INFO: &[OpInfo] = &[ $( OpInfo {
                    text: $text, arity: $arity, result: $result,
                    imm: ImmKind::$imm, effects: $effects, doc: $doc,
                }, )* ];
                INFO[self as usize]
            }

            /// Looks an opcode up by its text name.
            pub fn from_text(s: &str) -> Option<Op> {
                match s {
                    $( $text => Some(Op::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

op_table! {
    Const = "const", args 0, result true, imm Const, effects false,
        "The immediate as a value.";
    GetReg = "getreg", args 0, result true, imm Slot, effects false,
        "Reads a CPU state slot.";
    SetReg = "setreg", args 1, result false, imm Slot, effects true,
        "Writes a CPU state slot.";
    SetRegFault = "setreg.fault", args 1, result false, imm Slot, effects true,
        "Writes a slot that a later setreg overwrites with only loads, stores and side exits between: for a fault or exit there (the JIT stores it only then; see ir::passes::remove_dead_setreg).";
    Add = "add", args 2, result true, imm None, effects false,
        "a + b modulo 2^64.";
    Sub = "sub", args 2, result true, imm None, effects false,
        "a - b modulo 2^64.";
    And = "and", args 2, result true, imm None, effects false,
        "Bitwise and.";
    Or = "or", args 2, result true, imm None, effects false,
        "Bitwise or.";
    Xor = "xor", args 2, result true, imm None, effects false,
        "Bitwise exclusive or.";
    Mul = "mul", args 2, result true, imm None, effects false,
        "a * b modulo 2^64.";
    UMulH = "umulh", args 2, result true, imm None, effects false,
        "High 64 bits of the unsigned 128-bit product.";
    SMulH = "smulh", args 2, result true, imm None, effects false,
        "High 64 bits of the signed 128-bit product.";
    UDiv = "udiv", args 2, result true, imm Width, effects false,
        "Unsigned division at the width; division by zero gives 0 (ARM).";
    SDiv = "sdiv", args 2, result true, imm Width, effects false,
        "Signed division at the width; by zero gives 0, MIN / -1 gives MIN (ARM).";
    Shl = "shl", args 2, result true, imm Width, effects false,
        "Shift left by b modulo the width.";
    Lshr = "lshr", args 2, result true, imm Width, effects false,
        "Logical shift right by b modulo the width.";
    Ashr = "ashr", args 2, result true, imm Width, effects false,
        "Arithmetic shift right by b modulo the width.";
    Ror = "ror", args 2, result true, imm Width, effects false,
        "Rotate right by b modulo the width.";
    Not = "not", args 1, result true, imm None, effects false,
        "Bitwise not (all 64 bits).";
    Neg = "neg", args 1, result true, imm None, effects false,
        "Two's complement negation (all 64 bits).";
    Clz = "clz", args 1, result true, imm Width, effects false,
        "Count leading zeros at the width.";
    Cls = "cls", args 1, result true, imm Width, effects false,
        "Count leading sign bits (excluding the sign bit) at the width.";
    Rbit = "rbit", args 1, result true, imm Width, effects false,
        "Reverse bit order at the width.";
    Bswap = "bswap", args 1, result true, imm Width, effects false,
        "Reverse byte order at the width.";
    Zext = "zext", args 1, result true, imm ExtFrom, effects false,
        "Zero-extend from the given number of bits.";
    Sext = "sext", args 1, result true, imm ExtFrom, effects false,
        "Sign-extend from the given number of bits to 64.";
    AddC = "addc", args 3, result true, imm Width, effects false,
        "a + b + (c & 1) at the width.";
    AddCFlags = "addc.flags", args 3, result true, imm Width, effects false,
        "NZCV (ARM layout, bits 31..28) of a + b + (c & 1) at the width.";
    AddCCarry = "addc.carry", args 3, result true, imm Width, effects false,
        "The carry out (0 or 1) of a + b + (c & 1) at the width: C of addc.flags alone.";
    SubW = "sub.w", args 2, result true, imm Width, effects false,
        "a - b at the width (addc a, not b, 1: a subtraction), zero-extended from 32 bits at 32.";
    SubFlags = "sub.flags", args 2, result true, imm Width, effects false,
        "NZCV (ARM layout) of a - b at the width (addc.flags a, not b, 1: a compare).";
    LogicFlags = "logic.flags", args 1, result true, imm Width, effects false,
        "NZCV with N and Z from a at the width, C = V = 0.";
    Cond = "cond", args 1, result true, imm Cond, effects false,
        "1 if ARM condition `imm` holds for the NZCV value a, else 0.";
    CondAdd = "cond.add", args 3, result true, imm CondWidth, effects false,
        "1 if the ARM condition holds for the NZCV that addc.flags a, b, c gives (fused compare).";
    CondLogic = "cond.logic", args 1, result true, imm CondWidth, effects false,
        "1 if the ARM condition holds for the NZCV that logic.flags a gives (fused test).";
    Bytes4 = "bytes4", args 2, result true, imm ByteOp, effects false,
        "The four bytes of a and b combined lane by lane (ByteOp), zero-extended from 32 bits.";
    ZeroLanes = "zero.lanes", args 1, result true, imm Lane, effects false,
        "All-ones in every lane of `imm` bits (8, 16 or 32) of a that is zero, zeros elsewhere (SIMD CMEQ #0).";
    EqLanes = "eq.lanes", args 2, result true, imm Lane, effects false,
        "All-ones in every lane of `imm` bits (8, 16 or 32) where a and b are equal, zeros elsewhere (SIMD CMEQ).";
    AddLanes = "add.lanes", args 2, result true, imm Lane, effects false,
        "a + b in every lane of `imm` bits (8, 16 or 32), no carry between lanes (SIMD ADD).";
    SubLanes = "sub.lanes", args 2, result true, imm Lane, effects false,
        "a - b in every lane of `imm` bits (8, 16 or 32), no borrow between lanes (SIMD SUB).";
    GeMask = "ge.mask", args 1, result true, imm None, effects false,
        "The byte mask of the GE flags at bits 16..19 of a: lane i all ones if bit 16 + i is set (SEL).";
    MaskGe = "mask.ge", args 1, result true, imm None, effects false,
        "ARM's GE flags of a byte mask at bits 16..19: bit 16 + i is the top bit of byte lane i of a (ge.mask's inverse on all-ones and zero lanes).";
    Bytes4Mask = "bytes4.mask", args 2, result true, imm ByteOp, effects false,
        "ARM's GE flags of bytes4 add or sub as a byte mask: all ones in each byte lane that carried out (add) or did not borrow (sub).";
    Pairs8 = "pairs8", args 2, result true, imm PairOp, effects false,
        "PairOp on the adjacent byte pairs of the 16 bytes b:a (a the low 8), the 8 results packed in order (A64 ADDP/UMAXP/UMINP/SMAXP/SMINP).";
    CondSub = "cond.sub", args 2, result true, imm CondWidth, effects false,
        "1 if the ARM condition holds for the NZCV of a - b (addc.flags a, not b, 1: fused compare).";
    Eq = "eq", args 2, result true, imm None, effects false,
        "1 if a == b, else 0.";
    Ult = "ult", args 2, result true, imm None, effects false,
        "1 if a < b unsigned, else 0.";
    Select = "select", args 3, result true, imm None, effects false,
        "b if a != 0, else c.";
    Load = "load", args 1, result true, imm Size, effects true,
        "Loads `imm` bytes little-endian from guest address a, zero-extended.";
    Store = "store", args 2, result false, imm Size, effects true,
        "Stores the low `imm` bytes of b to guest address a.";
    LoadV = "loadv", args 1, result false, imm VecAccess, effects true,
        "Loads bytes from guest address a into a vector register, zeroing the rest.";
    StoreV = "storev", args 1, result false, imm VecAccess, effects true,
        "Stores the low bytes of a vector register to guest address a.";
    StoreIf = "store.if", args 3, result false, imm Size, effects true,
        "Stores the low `imm` bytes of b to guest address a if c is not 0; otherwise nothing is accessed (a conditional store).";
    StoreEx = "storeex", args 2, result true, imm Size, effects true,
        "Store-exclusive: if the monitor holds address a, atomically replaces the value it saw with b; 0 on success, 1 on failure. Clears the monitor.";
    Mark = "mark", args 0, result false, imm Const, effects true,
        "Starts the guest instruction whose resume key (pc) is `imm`; emits no code. The JIT maps a host fault in the accesses that follow back to it.";
    Fence = "fence", args 0, result false, imm None, effects true,
        "Full memory barrier.";
    ExitIf = "exit.if", args 1, result false, imm Const, effects true,
        "Leaves the block for the block at key `imm` if a is not 0 (a conditional branch inside a block that goes on along its fall-through: a side exit). The state is the guest's there, as at any block end.";
    ExitIfNoFlags = "exit.if.nf", args 1, result false, imm Const, effects true,
        "exit.if to a block that overwrites NZCV before reading it (see `flags_live`): the flags need not be stored for it.";
    ExitIfFlags = "exit.if.flags", args 2, result false, imm Const, effects true,
        "exit.if that also sets NZCV to b when it leaves: the flags of the compare it branches on, which the way on overwrites before reading them (see `passes::flags_into_exits`).";
    FlagsDeferred = "flags.deferred", args 2, result false, imm Deferred, effects true,
        "Sets NZCV to the flags of the compare `imm` names on a and b, left for later: the slot gets the kind plus one in its low bits (`cpu::DEFERRED`), flags_a and flags_b the operands, and a getreg of NZCV works the flags out (see `deferred`).";
    Call = "call", args 3, result true, imm Inline, effects true,
        "Calls the instruction's helper with the CPU state and a, b, c (a non-zero imm lets the JIT inline it).";
}

impl Op {
    /// Whether this is a side exit (`exit.if`, `exit.if.nf` or `exit.if.flags`).
    pub fn is_side_exit(self) -> bool {
        matches!(self, Op::ExitIf | Op::ExitIfNoFlags | Op::ExitIfFlags)
    }
}

/// ARM condition `cond` evaluated on NZCV in ARM layout (bits 31..28).
pub fn cond_holds(cond: u32, nzcv: u64) -> bool {
    let n = nzcv >> 31 & 1 == 1;
    let z = nzcv >> 30 & 1 == 1;
    let c = nzcv >> 29 & 1 == 1;
    let v = nzcv >> 28 & 1 == 1;
    let r = match cond >> 1 {
        0 => z,
        1 => c,
        2 => n,
        3 => v,
        4 => c && !z,
        5 => n == v,
        6 => n == v && !z,
        _ => true,
    };
    if cond & 1 == 1 && cond != 15 { !r } else { r }
}

/// Names of the ARM condition codes, indexed by their encoding.
pub const COND_NAMES: [&str; 16] = [
    "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv",
];
