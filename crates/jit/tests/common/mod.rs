//! Shared test helpers: run a block on the JIT and on the reference interpreter.

#![allow(dead_code)]

use cpu::{CpuState, slot};
use ir::{Block, Builder, Term};
use jit::Jit;

/// Every slot of the state, for whole-state comparisons (`CpuState` has no `PartialEq`):
/// NZCV as the flags it stands for (see `ir::deferred`), which a dead read the JIT drops and
/// the interpreter runs may have settled in one state and not the other.
pub fn slots(c: &CpuState) -> Vec<u64> {
    (0..cpu::slot::END)
        .map(|s| match s {
            slot::NZCV => ir::deferred::nzcv(c),
            _ => c.get_slot(s),
        })
        .collect()
}

/// Compiles `block` on `jit` and runs it once on `cpu`.
pub fn run_jit(jit: &mut Jit, block: &Block, cpu: &mut CpuState) {
    let e = jit.compile(block);
    // SAFETY: `cpu` is a live exclusive state; the tests only touch memory they own.
    unsafe { jit.run(e, cpu) };
}

/// Runs `block` on a fresh JIT.
pub fn jit_once(block: &Block, cpu: &mut CpuState) {
    let mut jit = Jit::new();
    run_jit(&mut jit, block, cpu);
}

/// `pc`: x0 += 1; jump to x4 if x0 < 50, else to 0x9000 (an indirect jump).
pub fn indirect_block(pc: u64) -> Block {
    indirect_block_via(pc, 4)
}

/// [`indirect_block`] jumping to x`reg` instead of x4.
pub fn indirect_block_via(pc: u64, reg: u32) -> Block {
    let mut b = Builder::verbatim(pc);
    let x = b.get(slot::x(0));
    let one = b.konst(1);
    let s = b.add(x, one);
    b.set(slot::x(0), s);
    let lim = b.konst(50);
    let c = b.emit(ir::Op::Ult, &[s, lim], 0);
    let again = b.get(slot::x(reg));
    let out = b.konst(0x9000);
    let t = b.select(c, again, out);
    b.end_insn(pc + 4);
    b.finish(Term::JumpReg(t))
}
