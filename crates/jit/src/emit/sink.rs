//! Computations the code on a way out builds instead of the straight line.
//!
//! A value only an out-of-line path reads (the flags a loop leaves on its way out, see
//! `self_loop`; the flags a side exit stores, `exit.if.flags`) need not be computed on the
//! way on: the path computes it, with the instructions that feed only it, from operands that
//! stay live up to there.

use ir::{Block, Op, Term, Val};

/// Each value's defining instruction (`usize::MAX`: none) and how many instructions of a block
/// read it (an instruction reading it twice counts twice; the terminator not counted).
pub(super) fn defs_and_readers(b: &Block) -> (Vec<usize>, Vec<u32>) {
    let n = b.num_vals as usize;
    let mut def = vec![usize::MAX; n];
    let mut readers = vec![0u32; n];
    for (k, i) in b.insts.iter().enumerate() {
        for a in &i.args[..i.op.info().arity] {
            if let Some(r) = readers.get_mut(a.0 as usize) {
                *r += 1;
            }
        }
        if let Some(d) = i.dst.filter(|d| (d.0 as usize) < n) {
            def[d.0 as usize] = k;
        }
    }
    (def, readers)
}

/// The instructions of `b` whose values only the computation of `seeds` reads, found back
/// from `seeds` (each one read): the instruction defining a value joins once every reader
/// `readers` counts for the value is in the set, if `sinkable` allows it. In block order.
pub(super) fn private_computation(
    b: &Block,
    def: &[usize],
    readers: &[u32],
    seeds: &[Val],
    sinkable: impl Fn(usize, &ir::Inst) -> bool,
) -> Vec<usize> {
    let mut inside = vec![0u32; readers.len()];
    let mut out = Vec::new();
    let mut work = seeds.to_vec();
    while let Some(v) = work.pop() {
        let v = v.0 as usize;
        let Some(seen) = inside.get_mut(v) else {
            continue;
        };
        *seen += 1;
        let Some((d, i)) = def.get(v).and_then(|&d| Some((d, b.insts.get(d)?))) else {
            continue;
        };
        if *seen == readers[v] && sinkable(d, i) {
            out.push(d);
            work.extend_from_slice(&i.args[..i.op.info().arity]);
        }
    }
    out.sort_unstable();
    out
}

/// The flags words of `b` that only side exits read (`exit.if.flags`, see
/// `ir::passes::flags_into_exits`) and that their ways out can build instead of the way on:
/// (the index of an instruction computing one, an exit's index), for every instruction of
/// that computation and every exit whose flags it computes, in block order. Several exits
/// may take the same flags word along (one compare, then two branches that leave); each
/// builds it. A computation is the flags instruction itself (a
/// compare's `sub.flags`, `addc.flags` with a constant carry in, a logical operation's
/// `logic.flags`) and, through the operands nothing else reads, the ANDs, ORs and shifts an
/// A32 instruction merges kept flags bits in with; never part of a carry kept in CF. Its
/// other operands then stay live up to the exit (`alloc::allocate`'s `exit_defs`).
pub(super) fn exit_flags(b: &Block, links: &[u8]) -> Vec<(usize, usize)> {
    if !b.insts.iter().any(|i| i.op == Op::ExitIfFlags) {
        return Vec::new();
    }
    let (def, mut readers) = defs_and_readers(b);
    if let Term::JumpReg(v) | Term::Branch { cond: v, .. } = b.term
        && let Some(r) = readers.get_mut(v.0 as usize)
    {
        *r += 1;
    }
    let konst = |v: Val| {
        def.get(v.0 as usize)
            .and_then(|&k| b.insts.get(k))
            .is_some_and(|i| i.op == Op::Const)
    };
    // Instructions that only compute, outside carry chains.
    let sinkable = |d: usize, i: &ir::Inst| {
        let kind = match i.op {
            Op::SubFlags | Op::LogicFlags | Op::And | Op::Or | Op::Xor => true,
            Op::Shl | Op::Lshr => true,
            Op::AddCFlags => konst(i.args[2]),
            _ => false,
        };
        kind && links.get(d).is_none_or(|&l| l == 0)
    };
    let exits: Vec<usize> = (0..b.insts.len())
        .filter(|&k| b.insts[k].op == Op::ExitIfFlags)
        .collect();
    let seeds: Vec<Val> = exits.iter().map(|&k| b.insts[k].args[1]).collect();
    let sunk = private_computation(b, &def, &readers, &seeds, sinkable);
    let mut out = Vec::new();
    for exit in exits {
        // This exit's part: what its flags word reads of the computation, back to its leaves.
        let mut mine = vec![false; b.insts.len()];
        let mut work = vec![b.insts[exit].args[1]];
        while let Some(v) = work.pop() {
            if let Some(&d) = def.get(v.0 as usize)
                && sunk.binary_search(&d).is_ok()
                && !std::mem::replace(&mut mine[d], true)
            {
                let i = &b.insts[d];
                work.extend_from_slice(&i.args[..i.op.info().arity]);
            }
        }
        out.extend((0..b.insts.len()).filter(|&d| mine[d]).map(|d| (d, exit)));
    }
    out.sort_unstable();
    out
}
