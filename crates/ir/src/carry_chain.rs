//! Carries that stay in the host's carry flag from one half of a multi-word add to the next.
//!
//! A32 code adds and subtracts 64-bit numbers in two halves (`adds lo; adc hi`, `subs; sbc`,
//! `cmp; sbcs` before a branch), A64 code 128-bit ones (`adds; adc`). Each half lifts to an
//! add-with-carry (`addc`), and the carry between them to an `addc.carry` of the low half's
//! operands. When that carry's only readers are add-with-carry instructions of the high half,
//! all with the same operands, and everything between the low half and them is lowered by the
//! JIT to plain moves ([`keeps_flags`]), the low half's host `adc` leaves the carry in CF and
//! the high half's `adc` takes it from there: the carry never goes to a register and back.
//!
//! [`crate::passes::widen_carries`] leaves such pairs alone (it turns the others into 64-bit
//! adds), and the JIT lowers a chain as [`links`] says.

use crate::{Block, Op, Term, Val};

/// One carry kept in CF: the instructions of the block (by index) it joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// The low half's sum, `addc` of the carry's own operands, when there is one (a compare
    /// has none): its host add-with-carry sets CF.
    pub sum: Option<usize>,
    /// The `addc.carry` itself.
    pub carry: usize,
    /// Everything that reads the carry, in order: add-with-carry instructions of one set of
    /// operands. The first takes the carry from CF; the host flags the first leaves are those
    /// of every later one.
    pub readers: Vec<usize>,
}

/// How the JIT lowers an instruction that belongs to chains: an OR of these bits, per
/// instruction (see [`links`]).
pub mod link {
    /// An `addc` lowered as a host add-with-carry even when its carry in is a constant (the
    /// sum whose CF a chain keeps).
    pub const ADC: u8 = 1;
    /// Its carry in is in CF already: nothing moves it there.
    pub const CF_IN: u8 = 2;
    /// The host flags already are those its add-with-carry would set: none is computed.
    pub const FLAGS_SET: u8 = 4;
    /// An `addc.carry` whose value lives only in CF: it is not written anywhere.
    pub const KEPT: u8 = 8;
}

/// Whether the JIT lowers `i` to moves alone, which leave the host flags as they were: not a
/// read of NZCV, which may settle flags left for later (see `deferred`).
pub fn keeps_flags(i: &crate::Inst) -> bool {
    if i.op == Op::GetReg && i.imm == cpu::slot::NZCV as u64 {
        return false;
    }
    matches!(
        i.op,
        Op::Mark
            | Op::Const
            | Op::GetReg
            | Op::SetReg
            | Op::SetRegFault
            | Op::Not
            | Op::Zext
            | Op::Sext
    )
}

/// The width an add-with-carry instruction works at, if `op` is one (`cond.add` keeps it in
/// the immediate's second byte, next to the condition).
fn adc_width(i: &crate::Inst) -> Option<u64> {
    match i.op {
        Op::AddC | Op::AddCCarry | Op::AddCFlags => Some(i.imm),
        Op::CondAdd => Some(i.imm >> 8),
        _ => None,
    }
}

/// The carries of `b` that can stay in CF, each as a [`Chain`], in block order.
pub fn find(b: &Block) -> Vec<Chain> {
    let mut out = Vec::new();
    let term_reads = match b.term {
        Term::JumpReg(v) | Term::Branch { cond: v, .. } => Some(v),
        _ => None,
    };
    for (k, i) in b.insts.iter().enumerate() {
        let (Op::AddCCarry, Some(c)) = (i.op, i.dst) else {
            continue;
        };
        if term_reads == Some(c) {
            continue;
        }
        if let Some(chain) = chain_of(b, k, c) {
            out.push(chain);
        }
    }
    out
}

/// The chain of the carry `c` defined by instruction `k`, if it has one.
fn chain_of(b: &Block, k: usize, c: Val) -> Option<Chain> {
    let insts = &b.insts;
    let carry = &insts[k];
    let width = carry.imm;
    let reads = |i: &crate::Inst| i.args[..i.op.info().arity].contains(&c);
    let readers: Vec<usize> = (k + 1..insts.len()).filter(|&n| reads(&insts[n])).collect();
    let (&first, &last) = (readers.first()?, readers.last()?);
    let operands = insts[first].args;
    for (pos, &n) in readers.iter().enumerate() {
        let r = &insts[n];
        // Any but the last must leave the host flags for the next (`addc.flags` and
        // `cond.add` take them apart); the sum of the high half, if any, comes first: the
        // others find its flags set, and no sum in a register.
        let kind_fits = match (pos, n == last) {
            (0, true) => true,
            (0, false) => matches!(r.op, Op::AddC | Op::AddCCarry),
            (_, false) => r.op == Op::AddCCarry,
            (_, true) => r.op != Op::AddC,
        };
        if !kind_fits
            || adc_width(r) != Some(width)
            || r.args != operands
            || operands[0] == c
            || operands[1] == c
        {
            return None;
        }
    }
    // The low half's sum: the same operands, with only flag-keeping code up to the carry.
    let sum = (0..k)
        .rev()
        .find(|&n| !keeps_flags(&insts[n]))
        .filter(|&n| {
            let s = &insts[n];
            s.op == Op::AddC && s.imm == width && s.args == carry.args
        });
    let from = sum.unwrap_or(k);
    let between_keeps = (from + 1..last)
        .filter(|&n| n != k && !readers.contains(&n))
        .all(|n| keeps_flags(&insts[n]));
    between_keeps.then_some(Chain {
        sum,
        carry: k,
        readers,
    })
}

/// The [`link`] bits of each instruction of a block of `len` instructions that `chains`
/// join (all 0 when there are none).
pub fn links(len: usize, chains: &[Chain]) -> Vec<u8> {
    let mut bits = vec![0u8; len];
    for ch in chains {
        match ch.sum {
            Some(s) => {
                bits[s] |= link::ADC;
                bits[ch.carry] |= link::FLAGS_SET | link::KEPT;
            }
            None => bits[ch.carry] |= link::KEPT,
        }
        for (pos, &r) in ch.readers.iter().enumerate() {
            bits[r] |= if pos == 0 {
                link::CF_IN
            } else {
                link::FLAGS_SET
            };
        }
    }
    bits
}
