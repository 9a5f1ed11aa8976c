//! Where the indirect jumps and calls of blocks run on the interpreter went: the prediction a
//! block's translation gets for its inline cache (`ir::Block::predict`).
//!
//! Every block's first runs are on the interpreter (see `Engine::run_cold`), and so are a
//! few more of most (the kept IR's, while the compiler thread has the block). What was seen
//! is kept by where the jump instruction ends, not by the block: a full translation follows
//! direct jumps a quick one stopped at, so its indirect jump may be another block's, whose
//! runs on the interpreter saw it (if A32 and Thumb code end at the same address, a
//! prediction may be wrong, which costs a compare). A jump is predicted once [`AGREEING`]
//! runs went to one place and none elsewhere, and only where it is likely to keep going
//! there: a call (through a function pointer, mostly always the same one), or a jump to an
//! address read from a fixed place (a PLT entry's GOT slot). A `switch`'s jump table or an
//! interpreter's dispatch go to many places, and a few runs that went to one say little
//! about the next (predicting those too changed python3's count by nothing measurable,
//! with its hash seed fixed: they are left to the table). Returns are the JIT's return
//! stack's, and are not noted.
//!
//! Measured with callgrind (`-no-jit-thread`, `setarch -R`): sortbench 4.0% fewer host
//! instructions on aarch64, 3.1% on armhf (its `qsort` calls the comparator through a
//! pointer); python3 the same within 0.1% (with one hash seed: its counts move 6% from seed
//! to seed); a dynamic hello 0.9% more (noting, and the look at each translation's jump).

use cpu::{CpuState, exit};
use ir::{Block, Hint, Inst, Op, Term, Val};

/// At most this many blocks are remembered; beyond, all are forgotten and noted afresh.
const REMEMBERED: usize = 1 << 16;

/// What one block's indirect terminator went to.
#[derive(Clone, Copy, Debug)]
struct Seen {
    /// The target of its first run noted.
    target: u64,
    /// Runs noted that went there, or 0 once one went elsewhere (for good).
    runs: u32,
}

/// Runs seen going to one place before it is predicted: a block's first translation is
/// made at its second run, after one, and the ones made later have seen more.
const AGREEING: u32 = 2;

/// The targets seen, by where the jump instruction ends.
#[derive(Default)]
pub(crate) struct Targets(jit::PcMap<Seen>);

impl Targets {
    /// Notes where `block`, which just ran on the interpreter, left to (`cpu.pc`) if it left
    /// through an indirect jump or call of its terminator: not a return, a side exit (whose
    /// target the block names: one equal to the jump's target counts as the jump's, which
    /// makes at most a needless prediction), a fault or another event.
    pub(crate) fn note(&mut self, block: &Block, cpu: &CpuState) {
        // (Which jumps are worth predicting is [`Targets::predict`]'s to say, once per
        // translation, not at every run.)
        let indirect = matches!(block.term, Term::JumpReg(_)) && block.hint != Hint::Return;
        if !indirect || cpu.exit_reason != exit::JUMP {
            return;
        }
        let to = cpu.pc;
        let side_exit = block
            .insts
            .iter()
            .any(|i| i.op.is_side_exit() && i.imm == to);
        if side_exit {
            return;
        }
        if self.0.len() >= REMEMBERED {
            self.0.clear();
        }
        self.0
            .entry(jump_end(block))
            .and_modify(|s| {
                s.runs = if s.runs > 0 && s.target == to {
                    s.runs.saturating_add(1)
                } else {
                    0
                }
            })
            .or_insert(Seen {
                target: to,
                runs: 1,
            });
    }

    /// The target to predict for `block`'s terminator: the one place it was seen going to.
    pub(crate) fn predict(&self, block: &Block) -> Option<u64> {
        if !predictable(block) {
            return None;
        }
        self.0
            .get(&jump_end(block))
            .filter(|s| s.runs >= AGREEING)
            .map(|s| s.target)
    }
}

/// Where the instruction of `block`'s terminator ends: the end of its last run of code.
fn jump_end(block: &Block) -> u64 {
    block.runs().last().map_or(block.end, |(_, end)| end)
}

/// Whether `block` ends in an indirect jump or call whose target is worth predicting: a call,
/// or a jump to an address read from a fixed place (a PLT entry's `ldr x17, [x16, #off]; br
/// x17`, A32's `ldr pc, [ip, #off]!`: the GOT slot changes only when the dynamic loader
/// binds it). Not a return, nor a jump through a table indexed at run time (see the module
/// documentation).
fn predictable(block: &Block) -> bool {
    match (block.term, block.hint) {
        (Term::JumpReg(_), Hint::Call(_)) => true,
        (Term::JumpReg(v), Hint::None) => fixed_place_load(block, v, 4),
        _ => false,
    }
}

/// Operations deep at most that [`fixed_place_load`] follows from a load's address to the
/// constants it is worked out from (A32's PLT entry adds three: pc, then two offsets).
const ADDRESS_DEPTH: u32 = 6;

/// Whether value `v` of `block` is worked out (by pure operations, `depth` deep at most)
/// from constants and a load from an address that is itself worked out from constants.
fn fixed_place_load(block: &Block, v: Val, depth: u32) -> bool {
    let Some(def) = depth.checked_sub(1).and_then(|_| definition(block, v)) else {
        return false;
    };
    let args = &def.args[..def.op.info().arity];
    match def.op {
        Op::Load => constant(block, def.args[0], ADDRESS_DEPTH),
        op if op.info().effects || args.is_empty() => false,
        // Each argument a constant or from the load (A32 takes the Thumb bit and the
        // address apart and puts them together again).
        _ => args
            .iter()
            .all(|&a| constant(block, a, depth - 1) || fixed_place_load(block, a, depth - 1)),
    }
}

/// Whether value `v` of `block` is worked out from constants alone (`depth` deep at most).
fn constant(block: &Block, v: Val, depth: u32) -> bool {
    let Some(def) = depth.checked_sub(1).and_then(|_| definition(block, v)) else {
        return false;
    };
    match def.op {
        Op::Const => true,
        op if op.info().effects || op == Op::Load || op == Op::GetReg => false,
        _ => def.args[..def.op.info().arity]
            .iter()
            .all(|&a| constant(block, a, depth - 1)),
    }
}

/// The instruction of `block` defining `v`.
fn definition(block: &Block, v: Val) -> Option<&Inst> {
    block.insts.iter().rev().find(|i| i.dst == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::Builder;

    /// `pc`: exits to 0x3000 if x1 != 0, else jumps to x2 (as a call, or a return).
    fn block_at(pc: u64, hint: Hint) -> Block {
        let mut b = Builder::new(pc);
        let c = b.get(cpu::slot::x(1));
        b.emit(Op::ExitIf, &[c], 0x3000);
        let t = b.get(cpu::slot::x(2));
        b.end_insn(pc + 8);
        b.hint(hint);
        b.finish(Term::JumpReg(t))
    }

    fn block(hint: Hint) -> Block {
        block_at(0x1000, hint)
    }

    /// A PLT entry: x16 = 0x9000; x17 = [x16 + 0x10]; jump to x17.
    fn plt() -> Block {
        let mut b = Builder::new(0x1000);
        let page = b.konst(0x9000);
        b.set(cpu::slot::x(16), page);
        let off = b.konst(0x10);
        let slot = b.add(page, off);
        let t = b.load(slot, 8);
        b.set(cpu::slot::x(17), t);
        b.end_insn(0x100c);
        b.finish(Term::JumpReg(t))
    }

    /// What `t` predicts for `b` after it saw `b` leave to each of `to` (0x3000: the side
    /// exit's target).
    fn after(t: &mut Targets, b: &Block, to: &[u64]) -> Option<u64> {
        for &pc in to {
            let cpu = CpuState {
                pc,
                exit_reason: exit::JUMP,
                ..CpuState::default()
            };
            t.note(b, &cpu);
        }
        t.predict(b)
    }

    /// A32's PLT entry (`add ip, pc, #0; add ip, ip, #0x1d000; ldr pc, [ip, #0x66c]!`), its
    /// target's Thumb bit taken apart and put back as the frontend lifts it.
    fn a32_plt() -> Block {
        let mut b = Builder::new(0x1000);
        let (zero, pc) = (b.konst(0), b.konst(0x1008));
        let ip = b.emit(Op::AddC, &[pc, zero, zero], 32);
        let k = b.konst(0x1d000);
        let ip = b.emit(Op::AddC, &[ip, k, zero], 32);
        let k = b.konst(0x66c);
        let ip = b.emit(Op::AddC, &[ip, k, zero], 32);
        let t = b.load(ip, 4);
        let (one, even) = (b.konst(1), b.konst(0xffff_fffe));
        let thumb = b.bin(Op::And, t, one);
        let addr = b.bin(Op::And, t, even);
        let key = b.bin(Op::Or, addr, thumb);
        b.end_insn(0x100c);
        b.finish(Term::JumpReg(key))
    }

    #[test]
    fn one_target_is_predicted_two_are_not() {
        let call = block(Hint::Call(0x1008));
        let t = &mut Targets::default();
        assert_eq!(after(t, &call, &[]), None);
        assert_eq!(after(t, &call, &[0x5000]), None);
        assert_eq!(after(t, &call, &[0x5000]), Some(0x5000));
        assert_eq!(after(t, &call, &[0x6000]), None);
        assert_eq!(after(t, &call, &[0x5000, 0x5000]), None);
        let plts = [(plt(), 0x7000), (a32_plt(), 0x7001)];
        for (b, to) in plts {
            assert_eq!(after(&mut Targets::default(), &b, &[to, to]), Some(to));
        }
    }

    #[test]
    fn side_exits_returns_and_computed_jumps_are_not_noted() {
        let call = block(Hint::Call(0x1008));
        let t = &mut Targets::default();
        assert_eq!(after(t, &call, &[0x3000, 0x3000]), None);
        assert_eq!(after(t, &call, &[0x6000, 0x6000]), Some(0x6000));
        for other in [block(Hint::Return), block(Hint::None)] {
            assert_eq!(
                after(&mut Targets::default(), &other, &[0x6000, 0x6000]),
                None
            );
        }
        // Where the PLT entry's address is loaded from is not fixed: not predicted.
        let mut b = Builder::new(0x1000);
        let x = b.get(cpu::slot::x(16));
        let t = b.load(x, 8);
        b.end_insn(0x1004);
        let table = b.finish(Term::JumpReg(t));
        assert_eq!(
            after(&mut Targets::default(), &table, &[0x6000, 0x6000]),
            None
        );
    }

    /// A block that followed a jump to 0x1000 (its code 0x2000..0x2004, then `block`'s)
    /// ends with the same jump, whose targets it shares.
    #[test]
    fn a_jump_is_known_by_its_instruction_not_its_block() {
        let mut t = Targets::default();
        after(&mut t, &block(Hint::Call(0x1008)), &[0x5000, 0x5000]);
        let mut b = Builder::new(0x2000);
        b.end_insn(0x2004);
        b.follow(0x1000);
        let x2 = b.get(cpu::slot::x(2));
        b.end_insn(0x1008);
        b.hint(Hint::Call(0x1008));
        let longer = b.finish(Term::JumpReg(x2));
        assert_eq!(longer.runs().last(), Some((0x1000, 0x1008)));
        assert_eq!(t.predict(&longer), Some(0x5000));
        assert_eq!(t.predict(&block_at(0x1100, Hint::Call(0x1108))), None);
    }
}
