//! Text form of the IR, used in logs (`-d ir`) and file tests.

use crate::ops::{COND_NAMES, ImmKind};
use crate::{Block, Inst, Term};
use std::fmt;

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let info = self.op.info();
        if let Some(d) = self.dst {
            write!(f, "v{} = ", d.0)?;
        }
        f.write_str(info.text)?;
        match info.imm {
            ImmKind::None => {}
            ImmKind::Const => write!(f, " {:#x}", self.imm)?,
            ImmKind::Slot => write!(f, " s{}", self.imm)?,
            ImmKind::Width | ImmKind::ExtFrom | ImmKind::Lane => write!(f, ".{}", self.imm)?,
            ImmKind::Size => write!(f, ".{}", self.imm * 8)?,
            ImmKind::Cond => write!(f, ".{}", COND_NAMES[(self.imm & 15) as usize])?,
            ImmKind::CondWidth => write!(
                f,
                ".{}.{}",
                COND_NAMES[(self.imm & 15) as usize],
                self.imm >> 8
            )?,
            ImmKind::ByteOp => match crate::ops::ByteOp::from_imm(self.imm) {
                Some(o) => write!(f, ".{}", o.name())?,
                None => write!(f, ".{}", self.imm)?,
            },
            ImmKind::PairOp => match crate::ops::PairOp::from_imm(self.imm) {
                Some(o) => write!(f, ".{}", o.name())?,
                None => write!(f, ".{}", self.imm)?,
            },
            ImmKind::Deferred => match crate::ops::Deferred::from_imm(self.imm) {
                Some(o) => write!(f, ".{}", o.name())?,
                None => write!(f, ".{}", self.imm)?,
            },
            ImmKind::VecAccess => write!(f, ".{} q{}", (self.imm >> 8) * 8, self.imm & 0x3f)?,
            ImmKind::Inline => {
                if let Some(x) = crate::inline::FpInline::decode(self.imm) {
                    write!(f, ".{x}")?;
                }
            }
        }
        if let Some(h) = self.helper {
            write!(f, " {}", h.name)?;
        }
        for (i, a) in self.args[..info.arity].iter().enumerate() {
            let sep = if i == 0 && info.imm != ImmKind::Const && info.imm != ImmKind::Slot {
                " "
            } else {
                ", "
            };
            write!(f, "{sep}v{}", a.0)?;
        }
        Ok(())
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Term::Jump(t) => write!(f, "jump {t:#x}"),
            Term::JumpReg(v) => write!(f, "jumpreg v{}", v.0),
            Term::Branch {
                cond,
                taken,
                fallthrough,
            } => {
                write!(f, "branch v{}, {taken:#x}, {fallthrough:#x}", cond.0)
            }
            Term::Exit { reason, pc, arg } => write!(f, "exit {reason}, {pc:#x}, {arg:#x}"),
        }
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "block {:#x}..{:#x}", self.start, self.end)?;
        for (s, e) in &self.more {
            write!(f, " + {s:#x}..{e:#x}")?;
        }
        writeln!(f, " ({} insns):", self.guest_insns)?;
        for i in &self.insts {
            writeln!(f, "  {i}")?;
        }
        write!(f, "  {}", self.term)?;
        match self.hint {
            crate::Hint::None => {}
            crate::Hint::Call(r) => write!(f, " ; call, returns to {r:#x}")?,
            crate::Hint::Return => write!(f, " ; return")?,
        }
        match self.predict {
            Some(t) => writeln!(f, " ; likely to {t:#x}"),
            None => writeln!(f),
        }
    }
}
