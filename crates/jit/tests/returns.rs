//! The return stack: a block marked as a call pushes its return key and calls the callee, a
//! block marked as a return whose target is that key leaves with the host's `ret`, staying in
//! translated code; any other target, and calls past the stack's depth, still go where the
//! guest says.

use cpu::{CpuState, exit, slot};
use ir::{Block, Builder, Hint, Op, Term, Val};
use jit::Jit;

/// `x[reg] += 1` in the block being built; returns the new value.
fn bump(b: &mut Builder, reg: u32) -> Val {
    let x = b.get(slot::x(reg));
    let one = b.konst(1);
    let s = b.add(x, one);
    b.set(slot::x(reg), s);
    s
}

/// 0x1000: x0 += 1; x30 = 0x1004; call 0x5000 (returning to 0x1004).
fn caller() -> Block {
    call_block(0x1000, 0x5000)
}

/// `pc`: x0 += 1; x30 = `pc + 4`; call `target` (returning to `pc + 4`).
fn call_block(pc: u64, target: u64) -> Block {
    let mut b = Builder::verbatim(pc);
    bump(&mut b, 0);
    let ret = b.konst(pc + 4);
    b.set(slot::x(30), ret);
    b.end_insn(pc + 4);
    b.hint(Hint::Call(pc + 4));
    b.finish(Term::Jump(target))
}

/// 0x5000: x1 += 1; return to x30.
fn callee() -> Block {
    let mut b = Builder::verbatim(0x5000);
    bump(&mut b, 1);
    let target = b.get(slot::x(30));
    b.end_insn(0x5004);
    b.hint(Hint::Return);
    b.finish(Term::JumpReg(target))
}

/// 0x1004: x2 += 1; back to 0x1000 while x0 < `n`, else to 0x3000.
fn after_call(n: u64) -> Block {
    let mut b = Builder::verbatim(0x1004);
    bump(&mut b, 2);
    let x0 = b.get(slot::x(0));
    let lim = b.konst(n);
    let c = b.emit(Op::Ult, &[x0, lim], 0);
    b.end_insn(0x1008);
    b.finish(Term::Branch {
        cond: c,
        taken: 0x1000,
        fallthrough: 0x3000,
    })
}

/// Runs from `pc` until the guest reaches `end`, re-entering after every exit (each must be a
/// plain jump); returns how many times translated code was entered.
fn run_until(jit: &mut Jit, cpu: &mut CpuState, pc: u64, end: u64) -> u32 {
    cpu.pc = pc;
    let mut entries = 0;
    while cpu.pc != end {
        assert!(entries < 100_000, "no progress at {:#x}", cpu.pc);
        let e = jit.lookup(cpu.pc).expect("every block is compiled");
        entries += 1;
        // SAFETY: the state is live and exclusive; the blocks touch no guest memory.
        assert!(unsafe { jit.run(e, cpu) });
        assert_eq!(cpu.exit_reason, exit::JUMP, "at {:#x}", cpu.pc);
    }
    entries
}

#[test]
fn a_predicted_return_stays_in_translated_code() {
    let mut jit = Jit::new();
    for b in [caller(), callee(), after_call(1000)] {
        jit.compile(&b);
    }
    let mut c = CpuState::default();
    let entries = run_until(&mut jit, &mut c, 0x1000, 0x3000);
    assert_eq!((c.x[0], c.x[1], c.x[2]), (1000, 1000, 1000));
    // The indirect-jump table starts empty: without the return stack every return would miss
    // it at least once and leave.
    assert_eq!(entries, 1);
}

/// 0x5000 returning to `target` instead of where the call said.
fn callee_returning_to(target: u64) -> Block {
    let mut b = Builder::verbatim(0x5000);
    bump(&mut b, 1);
    let t = b.konst(target);
    b.end_insn(0x5004);
    b.hint(Hint::Return);
    b.finish(Term::JumpReg(t))
}

#[test]
fn a_return_elsewhere_goes_where_the_guest_says() {
    let mut jit = Jit::new();
    // 0x7000: x3 += 1; jump 0x1004.
    let mut b = Builder::verbatim(0x7000);
    bump(&mut b, 3);
    b.end_insn(0x7004);
    let other = b.finish(Term::Jump(0x1004));
    for b in [caller(), callee_returning_to(0x7000), after_call(50), other] {
        jit.compile(&b);
    }
    let mut c = CpuState::default();
    run_until(&mut jit, &mut c, 0x1000, 0x3000);
    assert_eq!((c.x[0], c.x[1], c.x[2], c.x[3]), (50, 50, 50, 50));
}

/// The key of recursion level `x5` (1 and up) returns to: 0x1004 from the first level, else
/// 0x5004 in the level above.
fn level_return(b: &mut Builder) -> Val {
    let depth = b.get(slot::x(5));
    let one = b.konst(1);
    let outer = b.emit(Op::Eq, &[depth, one], 0);
    let top = b.konst(0x1004);
    let inner = b.konst(0x5004);
    b.select(outer, top, inner)
}

/// Recursion `n` deep: 0x5000 calls itself (returning to 0x5004) while x5 < n, else jumps to
/// 0x6000, which counts in x4 and returns; 0x5004 counts in x6, leaves a level (x5 -= 1) and
/// returns.
fn recursion(n: u64) -> [Block; 3] {
    let mut b = Builder::verbatim(0x5000);
    let depth = bump(&mut b, 5);
    let lim = b.konst(n);
    let deeper = b.emit(Op::Ult, &[depth, lim], 0);
    b.end_insn(0x5004);
    let enter = b.finish(Term::Branch {
        cond: deeper,
        taken: 0x5008,
        fallthrough: 0x6000,
    });
    // 0x5008: the recursive call (a block of its own, as a conditional call would end one).
    let mut b = Builder::verbatim(0x5008);
    let ret = b.konst(0x5004);
    b.set(slot::x(30), ret);
    b.end_insn(0x500c);
    b.hint(Hint::Call(0x5004));
    let call = b.finish(Term::Jump(0x5000));
    [enter, call, level_end(0x6000, 4)]
}

/// 0x5004: x6 += 1; leave the level and return.
fn unwind() -> Block {
    level_end(0x5004, 6)
}

/// `pc`: x`counter` += 1; leave the level (x5 -= 1) and return.
fn level_end(pc: u64, counter: u32) -> Block {
    let mut b = Builder::verbatim(pc);
    bump(&mut b, counter);
    let t = level_return(&mut b);
    let x5 = b.get(slot::x(5));
    let one = b.konst(1);
    let up = b.sub(x5, one);
    b.set(slot::x(5), up);
    b.end_insn(pc + 4);
    b.hint(Hint::Return);
    b.finish(Term::JumpReg(t))
}

#[test]
fn recursion_deeper_than_the_stack_returns_every_level() {
    for n in [5, 59, 60, 61, 200, 1000] {
        let mut jit = Jit::new();
        let [enter, call, leaf] = recursion(n);
        for b in [caller(), enter, call, leaf, unwind(), after_call(3)] {
            jit.compile(&b);
        }
        let mut c = CpuState::default();
        let entries = run_until(&mut jit, &mut c, 0x1000, 0x3000);
        // Three calls from 0x1000, each n levels deep: one leaf, n - 1 unwinding returns.
        assert_eq!((c.x[0], c.x[2], c.x[5]), (3, 3, 0), "depth {n}");
        assert_eq!((c.x[4], c.x[6]), (3, 3 * (n - 1)), "depth {n}");
        // Up to 60 calls outstanding, everything stays in translated code; the 61st leaves for
        // the dispatcher (and the returns to the calls dropped then miss the empty table).
        assert_eq!(entries == 1, n <= 60, "depth {n}: {entries} entries");
    }
}

/// Calls that never return (0x5000 and 0x6000 calling each other) leave for the dispatcher
/// once the return stack is full: calls need no pending check of their own.
#[test]
fn endless_recursion_leaves_when_the_stack_is_full() {
    let mut jit = Jit::new();
    let e = jit.compile(&call_block(0x5000, 0x6000));
    jit.compile(&call_block(0x6000, 0x5000));
    let mut c = CpuState::default();
    // SAFETY: the state is live and exclusive; the blocks touch no guest memory.
    assert!(unsafe { jit.run(e, &mut c) });
    // Sixty calls outstanding, the sixty-first block's call leaves instead.
    assert_eq!((c.x[0], c.pc, c.exit_reason), (61, 0x6000, exit::JUMP));
}

/// 0x1000: x0 += 1; x30 = 0x1004; call x9 (returning to 0x1004), likely to `predict`.
fn indirect_caller(predict: Option<u64>) -> Block {
    let mut b = Builder::verbatim(0x1000);
    bump(&mut b, 0);
    let ret = b.konst(0x1004);
    b.set(slot::x(30), ret);
    let target = b.get(slot::x(9));
    b.end_insn(0x1004);
    b.hint(Hint::Call(0x1004));
    let mut block = b.finish(Term::JumpReg(target));
    block.predict = predict;
    block
}

/// An indirect call to where its block predicts goes there directly (linked: the loop never
/// leaves translated code, although this thread's jump table lacks the callee), and comes
/// back through the return stack; one elsewhere goes where the guest says, through the table
/// (after one trip to the dispatcher, whose lookup puts the callee there).
#[test]
fn a_predicted_indirect_call_is_linked_and_a_mispredicted_one_still_goes_right() {
    // 0x7000: x3 += 1; return to x30.
    let mut b = Builder::verbatim(0x7000);
    bump(&mut b, 3);
    let t = b.get(slot::x(30));
    b.end_insn(0x7004);
    b.hint(Hint::Return);
    let other = b.finish(Term::JumpReg(t));
    for (x9, predict, entries) in [
        (0x5000, Some(0x5000), 1),
        (0x7000, Some(0x5000), 2),
        (0x5000, Some(0x7000), 2),
        (0x5000, None, 2),
    ] {
        let mut jit = Jit::new();
        for b in [indirect_caller(predict), after_call(100)] {
            jit.compile(&b);
        }
        // The callees through another thread's handle: in the shared cache (linked sites
        // reach them) but not in this thread's jump table, which a lookup fills.
        let mut elsewhere = jit.share();
        elsewhere.compile(&callee());
        elsewhere.compile(&other);
        let mut c = CpuState::default();
        c.x[9] = x9;
        let n = run_until(&mut jit, &mut c, 0x1000, 0x3000);
        let called = if x9 == 0x5000 { (100, 0) } else { (0, 100) };
        assert_eq!((c.x[0], c.x[2]), (100, 100), "{x9:#x} {predict:?}");
        assert_eq!((c.x[1], c.x[3]), called, "{x9:#x} {predict:?}");
        // Without the right prediction, the first call misses the empty table and leaves.
        assert_eq!(n, entries, "{x9:#x} {predict:?}");
    }
}

/// A predicted indirect jump back to its own block (a loop through a register) still stops
/// for an event: the linked jump goes backwards, so it checks `pending`.
#[test]
fn a_predicted_jump_to_itself_checks_for_events() {
    let mut b = Builder::verbatim(0x7000);
    let x = bump(&mut b, 0);
    let lim = b.konst(1000);
    let done = b.emit(Op::Eq, &[x, lim], 0);
    let back = b.get(slot::x(4));
    let out = b.konst(0x3000);
    let t = b.select(done, out, back);
    b.end_insn(0x7004);
    let mut block = b.finish(Term::JumpReg(t));
    block.predict = Some(0x7000);
    let mut jit = Jit::new();
    let e = jit.compile(&block);
    let mut c = CpuState::default();
    c.x[4] = 0x7000;
    // SAFETY: the state is live and exclusive; the block touches no guest memory.
    assert!(unsafe { jit.run(e, &mut c) });
    assert_eq!((c.x[0], c.pc, c.exit_reason), (1000, 0x3000, exit::JUMP));
    c.pending = 1;
    c.x[0] = 0;
    // SAFETY: as above.
    assert!(unsafe { jit.run(e, &mut c) });
    assert_eq!((c.x[0], c.pc, c.exit_reason), (1, 0x7000, exit::PENDING));
}
