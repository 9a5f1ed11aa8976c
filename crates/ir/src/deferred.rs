//! Flags left for later: a compare's NZCV kept as its operands until something reads it.
//!
//! A block that ends in an indirect branch (a return, a jump table's `br`) cannot look ahead
//! at its successor (see [`crate::flags_live`]), so it had to store the flags of its last
//! compare in full, although the code it returns or jumps to almost always overwrites them
//! first: a `cmp; cset; ret` comparator or an interpreter's dispatch, at every run. Assembling
//! the ARM word from the host flags takes eight host instructions; leaving the compare's two
//! operands and its kind takes three stores. `flags.deferred` does that: the NZCV slot gets the
//! kind plus one in the low bits (`cpu::DEFERRED`), which are zero in ARM layout, and
//! `flags_a`/`flags_b` the operands.
//!
//! A read of the slot (`getreg` of NZCV, here and in translated code) works the flags out when
//! those bits are set. Nothing else looks at the slot while they are: `flags.deferred` is the
//! last thing its block does with the flags (no helper call or side exit after it may read
//! them), translated code settles them before a helper call that may read them, and the
//! dispatcher settles them ([`settle`]) whenever translated or interpreted code returns to it,
//! before the OS layer, a signal frame or the interpreter's helpers see the state.

use crate::Deferred;
use cpu::{CpuState, DEFERRED};

/// The NZCV slot's word for a compare of kind `kind` left for later.
pub fn word(kind: Deferred) -> u64 {
    kind as u64 + 1
}

/// The flags (ARM layout) NZCV word `nzcv` stands for with deferred operands `a` and `b`:
/// the word itself in ARM layout; its four flag bits alone if its low bits name no kind
/// (nothing writes such a word).
pub fn flags(nzcv: u64, a: u64, b: u64) -> u64 {
    if nzcv & DEFERRED == 0 {
        return nzcv;
    }
    match Deferred::from_imm((nzcv & DEFERRED) - 1) {
        Some(kind) => kind.flags(a, b),
        None => nzcv & 0xf000_0000,
    }
}

/// The guest's NZCV in ARM layout, worked out if it was left for later.
pub fn nzcv(cpu: &CpuState) -> u64 {
    flags(cpu.nzcv, cpu.flags_a, cpu.flags_b)
}

/// Leaves the flags of compare `kind` on `a` and `b` for later (`flags.deferred`).
pub fn defer(cpu: &mut CpuState, kind: Deferred, a: u64, b: u64) {
    cpu.flags_a = a;
    cpu.flags_b = b;
    cpu.nzcv = word(kind);
}

/// Puts the flags in ARM layout into the NZCV slot if they were left for later.
pub fn settle(cpu: &mut CpuState) {
    if cpu.nzcv & DEFERRED != 0 {
        cpu.nzcv = nzcv(cpu);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sem::{addc_flags, logic_flags};

    /// Each kind gives the flags of the instruction it stands for, on operands around the
    /// carry, overflow and sign boundaries of both widths; a word in ARM layout stays itself.
    #[test]
    fn deferred_flags_are_those_of_the_compare() {
        let edges = [
            0u64,
            1,
            2,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_ffff,
            0x1_0000_0000,
            0x7fff_ffff_ffff_ffff,
            0x8000_0000_0000_0000,
            u64::MAX,
            0x1234_5678_9abc_def0,
        ];
        for &a in &edges {
            for &b in &edges {
                for kind in Deferred::ALL {
                    // Kinds go in pairs, 32 then 64 bits, of sub, add, add-one and logic.
                    let (w, k) = (32 << (kind as u64 & 1), kind as u64 / 2);
                    let want = match k {
                        0 => addc_flags(a, !b, 1, w),
                        1 => addc_flags(a, b, 0, w),
                        2 => addc_flags(a, b, 1, w),
                        _ => logic_flags(a, w),
                    };
                    let mut cpu = CpuState::default();
                    defer(&mut cpu, kind, a, b);
                    assert_ne!(cpu.nzcv & DEFERRED, 0);
                    assert_eq!(nzcv(&cpu), want, "{kind:?} {a:#x} {b:#x}");
                    settle(&mut cpu);
                    assert_eq!(cpu.nzcv, want, "{kind:?} {a:#x} {b:#x}");
                }
            }
        }
        for arm in (0..16u64).map(|f| f << 28) {
            assert_eq!(flags(arm, 1, 2), arm);
        }
        assert_eq!(flags(0x6000_000f, 1, 2), 0x6000_0000);
    }
}
