//! Lifting context shared by the handlers: the IR builder, the current pc and register access
//! with A64's register-31 rules.

use decode::a64_base::A64Base;
use ir::{Builder, Op, Term, Val};

/// A decoded base-table instruction.
pub type M = decode::Match<A64Base>;

/// What a handler asks of the block loop after lifting one instruction.
pub enum Flow {
    /// Continue with the next instruction.
    Next,
    /// The instruction ends the block with this terminator.
    End(Term),
    /// The word is unallocated; nothing was emitted for it.
    Undef,
}

/// Lifting state for one block.
pub struct Ctx {
    /// The IR under construction.
    pub b: Builder,
    /// Guest address of the instruction being lifted.
    pub pc: u64,
}

impl Ctx {
    /// A context for a block at `pc`.
    pub fn new(pc: u64) -> Ctx {
        Ctx {
            b: Builder::new(pc),
            pc,
        }
    }

    /// A constant.
    pub fn k(&mut self, v: u64) -> Val {
        self.b.konst(v)
    }

    /// Reads X`n`, where 31 is XZR.
    pub fn x(&mut self, n: u32) -> Val {
        if n == 31 {
            self.k(0)
        } else {
            self.b.get(cpu::slot::x(n))
        }
    }

    /// Reads X`n`, where 31 is SP.
    pub fn xsp(&mut self, n: u32) -> Val {
        self.b.get(cpu::slot::x(n))
    }

    /// Reads X`n` (31 = XZR) at the width: W registers are zero-extended.
    pub fn xw(&mut self, n: u32, sf: bool) -> Val {
        let v = self.x(n);
        if sf { v } else { self.b.zext(v, 32) }
    }

    /// Writes X`n` (31 = XZR, the write is dropped); a 32-bit result is zero-extended.
    pub fn set_x(&mut self, n: u32, v: Val, sf: bool) {
        if n != 31 {
            self.set_xsp(n, v, sf);
        }
    }

    /// Writes X`n` (31 = SP); a 32-bit result is zero-extended.
    pub fn set_xsp(&mut self, n: u32, v: Val, sf: bool) {
        let v = if sf { v } else { self.b.zext(v, 32) };
        self.b.set(cpu::slot::x(n), v);
    }

    /// The flags word.
    pub fn nzcv(&mut self) -> Val {
        self.b.get(cpu::slot::NZCV)
    }

    /// Writes the flags word.
    pub fn set_nzcv(&mut self, v: Val) {
        self.b.set(cpu::slot::NZCV, v);
    }

    /// The C flag as 0 or 1.
    pub fn carry(&mut self) -> Val {
        let f = self.nzcv();
        let s = self.k(29);
        let c = self.b.binw(Op::Lshr, f, s, 64);
        let one = self.k(1);
        self.b.and(c, one)
    }

    /// `op a, #amount` at the width for a constant shift amount (no-op for 0).
    pub fn shift_k(&mut self, op: Op, a: Val, amount: u32, width: u32) -> Val {
        if amount == 0 {
            return a;
        }
        let s = self.k(amount as u64);
        self.b.binw(op, a, s, width)
    }

    /// `a + b + carry` at the width, writing NZCV when `flags` is set.
    pub fn add_with_carry(&mut self, a: Val, b: Val, carry: Val, width: u32, flags: bool) -> Val {
        let r = self.b.emit(Op::AddC, &[a, b, carry], width as u64);
        if flags {
            let f = self.b.emit(Op::AddCFlags, &[a, b, carry], width as u64);
            self.set_nzcv(f);
        }
        r
    }

    /// The address `pc + off` of the current instruction, as a constant.
    pub fn pc_rel(&mut self, off: i64) -> u64 {
        self.pc.wrapping_add(off as u64)
    }
}

/// Width in bits for an sf bit.
pub fn width(sf: bool) -> u32 {
    if sf { 64 } else { 32 }
}
