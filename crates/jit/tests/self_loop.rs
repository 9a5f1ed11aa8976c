//! Blocks that loop to themselves carry the state they read around the loop in host registers
//! (the emitter's `self_loop`): whole loops agree with the interpreter run pass by pass, with
//! as many carried values as need stack slots and cycles of moves; the back edge stops for a
//! pending event with the state of the pass just done; with chaining off every pass returns
//! to the dispatcher; a recompiled loop is the one that runs.

mod common;

use common::*;
use cpu::{CpuState, exit, slot};
use ir::{Block, Builder, Op, Term, Val};
use jit::Jit;

const LOOP: u64 = 0x4000;
const AFTER: u64 = 0x5000;

/// Ends the loop's one guest instruction at `LOOP` and the block: back to `LOOP` while `cond`
/// holds, else on to `AFTER`.
fn back_while(mut b: Builder, cond: Val) -> Block {
    b.end_insn(LOOP + 4);
    b.finish(Term::Branch {
        cond,
        taken: LOOP,
        fallthrough: AFTER,
    })
}

/// At `LOOP`, a loop of one block over `n` slots x1..=xn, reading everything first: each pass
/// adds x(n+3) (read last, never written), x(n+2) (never written) and x(n+1) to x(n+4), adds
/// `step` to x0, rotates x1..=xn by one (a cycle of moves), sets x(n+1) to 7 (a constant the
/// next pass reads), and jumps back while x0 < `limit`. With many slots the values outnumber
/// the registers, and the last one read, which lives as long as the loop, has a stack slot.
fn rotating_loop(n: u32, step: u64, limit: u64) -> Block {
    let mut b = Builder::verbatim(LOOP);
    let x0 = b.get(slot::x(0));
    let xs: Vec<Val> = (1..=n).map(|k| b.get(slot::x(k))).collect();
    let seventh = b.get(slot::x(n + 1));
    let keep = b.get(slot::x(n + 2));
    let total = b.get(slot::x(n + 4));
    let last = b.get(slot::x(n + 3));
    // The value read last is the first used after the reads.
    let sum = b.add(last, keep);
    let sum = b.add(sum, seventh);
    let total = b.add(total, sum);
    b.set(slot::x(n + 4), total);
    let k = b.konst(step);
    let s = b.add(x0, k);
    b.set(slot::x(0), s);
    for i in 0..n as usize {
        b.set(slot::x(i as u32 + 1), xs[(i + 1) % n as usize]);
    }
    let seven = b.konst(7);
    b.set(slot::x(n + 1), seven);
    let lim = b.konst(limit);
    let c = b.emit(Op::Ult, &[s, lim], 0);
    back_while(b, c)
}

/// A state with x_k = 1000 + k.
fn numbered() -> CpuState {
    let mut c = CpuState::default();
    for k in 0..31 {
        c.x[k] = 1000 + k as u64;
    }
    c.x[0] = 0;
    c
}

/// Runs from `LOOP` on `jit` once (one call of `run`).
fn run(jit: &mut Jit, cpu: &mut CpuState) {
    let e = jit.lookup(LOOP).expect("compiled");
    // SAFETY: the state is live and exclusive; the blocks touch no guest memory.
    unsafe { jit.run(e, cpu) };
}

/// The interpreter, pass after pass until the block leaves the loop.
fn interpret(block: &Block, cpu: &mut CpuState) {
    loop {
        interp::run_block(block, cpu);
        if cpu.pc != LOOP {
            break;
        }
    }
}

#[test]
fn whole_loops_agree_with_the_interpreter() {
    // 1 slot: a move onto itself; 8 and 20: more values than registers, so stack slots too.
    for n in [1, 2, 3, 8, 20] {
        let block = rotating_loop(n, 1, 37);
        let mut jit = Jit::new();
        jit.compile(&block);
        let mut j = numbered();
        run(&mut jit, &mut j);
        let mut i = numbered();
        interpret(&block, &mut i);
        assert_eq!(slots(&j), slots(&i), "n = {n}");
        assert_eq!((j.x[0], j.pc, j.exit_reason), (37, AFTER, exit::JUMP));
        // 37 rotations of n values: x1 holds what started in x(1 + 37 % n).
        assert_eq!(j.x[1], 1001 + 37 % n as u64, "n = {n}");
        let n = n as u64;
        let total = 1004 + n + 37 * (1003 + n + 1002 + n) + (1001 + n) + 36 * 7;
        assert_eq!(j.x[n as usize + 4], total, "n = {n}");
    }
}

#[test]
fn the_back_edge_stops_for_a_pending_event_after_a_whole_pass() {
    let block = rotating_loop(3, 1, 37);
    let mut jit = Jit::new();
    jit.compile(&block);
    let mut j = CpuState {
        pending: 1,
        ..numbered()
    };
    run(&mut jit, &mut j);
    let mut i = CpuState {
        pending: 1,
        ..numbered()
    };
    interp::run_block(&block, &mut i);
    i.exit_reason = exit::PENDING;
    assert_eq!(slots(&j), slots(&i));
    assert_eq!((j.x[0], j.x[1], j.pc), (1, 1002, LOOP));
    // Resumed, it finishes the loop.
    j.pending = 0;
    run(&mut jit, &mut j);
    assert_eq!((j.x[0], j.pc), (37, AFTER));
}

#[test]
fn chaining_off_returns_after_every_pass() {
    let mut jit = Jit::new();
    jit.set_chaining(false);
    jit.compile(&rotating_loop(3, 1, 37));
    let mut c = numbered();
    for pass in 1..=3 {
        run(&mut jit, &mut c);
        assert_eq!((c.x[0], c.pc, c.exit_reason), (pass, LOOP, exit::JUMP));
    }
}

#[test]
fn a_recompiled_loop_replaces_the_carried_one() {
    let mut jit = Jit::new();
    jit.compile(&rotating_loop(3, 1, 40));
    jit.compile(&rotating_loop(3, 4, 40));
    let mut c = numbered();
    run(&mut jit, &mut c);
    assert_eq!((c.x[0], c.x[1], c.pc), (40, 1001 + 10 % 3, AFTER));
    // Invalidated, it leaves the loop for the dispatcher's lookup, which compiles it afresh.
    jit.invalidate_range(LOOP, LOOP + 1);
    assert!(jit.lookup(LOOP).is_none());
    jit.compile(&rotating_loop(3, 1, 40));
    let mut c = numbered();
    run(&mut jit, &mut c);
    assert_eq!((c.x[0], c.pc), (40, AFTER));
}

#[test]
fn a_loop_that_calls_a_helper_is_not_carried_but_still_loops() {
    // The helper may write any slot, so the reads stay where they are (and are redone each
    // pass): the loop must see x1 as the helper left it.
    unsafe extern "C" fn bump_x1(cpu: *mut u8, _a: u64, _b: u64, _c: u64) -> u64 {
        // SAFETY: the JIT passes the CpuState pointer it runs on.
        let cpu = unsafe { &mut *(cpu as *mut CpuState) };
        cpu.x[1] += 10;
        0
    }
    static BUMP: ir::Helper = ir::Helper {
        name: "bump_x1",
        func: bump_x1,
    };
    let mut b = Builder::verbatim(LOOP);
    let x0 = b.get(slot::x(0));
    let x1 = b.get(slot::x(1));
    let one = b.konst(1);
    let s = b.add(x0, one);
    b.set(slot::x(0), s);
    let t = b.add(x1, one);
    b.set(slot::x(1), t);
    b.call(&BUMP, s, s, s);
    let lim = b.konst(5);
    let c = b.emit(Op::Ult, &[s, lim], 0);
    let block = back_while(b, c);
    assert!(!ir::passes::loops_to_itself(&block));
    let mut jit = Jit::new();
    jit.compile(&block);
    let mut c = CpuState::default();
    run(&mut jit, &mut c);
    assert_eq!((c.x[0], c.x[1], c.pc), (5, 55, AFTER));
}

/// At `LOOP`: when `read_first` (so NZCV is read before it is written), x1 += 1 if the
/// flags the block starts with say N; x0 += 1; `cmp x0, #limit` (NZCV stored); `b.ne LOOP`. As the lifter and `fuse_conditions` leave it: the branch tests a fused
/// compare, the flags word is only stored.
fn compare_loop(limit: u64, read_first: bool) -> Block {
    let mut b = Builder::verbatim(LOOP);
    let x0 = b.get(slot::x(0));
    if read_first {
        let f = b.get(slot::NZCV);
        let n = b.cond(f, 4);
        let x1 = b.get(slot::x(1));
        let one = b.konst(1);
        let more = b.add(x1, one);
        let v = b.select(n, more, x1);
        b.set(slot::x(1), v);
    }
    let one = b.konst(1);
    let s = b.add(x0, one);
    b.set(slot::x(0), s);
    let lim = b.konst(!limit);
    let flags = b.emit(Op::AddCFlags, &[s, lim, one], 64);
    b.set(slot::NZCV, flags);
    let ne = b.emit(Op::CondAdd, &[s, lim, one], 1 | 64 << 8);
    back_while(b, ne)
}

#[test]
fn flags_left_by_a_loop_are_exact_on_the_way_out() {
    for read_first in [false, true] {
        let block = compare_loop(30, read_first);
        let start = |pending| CpuState {
            nzcv: 0x3000_0000,
            pending,
            ..numbered()
        };
        let mut jit = Jit::new();
        jit.compile(&block);
        let mut j = start(0);
        run(&mut jit, &mut j);
        let mut i = start(0);
        interpret(&block, &mut i);
        assert_eq!(slots(&j), slots(&i), "read_first {read_first}");
        assert_eq!((j.x[0], j.nzcv, j.pc), (30, 0x6000_0000, AFTER));
        // N held at the start of every pass but the first (1 - 30 is negative, 30 - 30 not).
        assert_eq!(j.x[1], 1001 + if read_first { 29 } else { 0 });
        // Stopped after a pass and resumed, it ends the same.
        let mut j = start(1);
        run(&mut jit, &mut j);
        assert_eq!((j.x[0], j.pc, j.exit_reason), (1, LOOP, exit::PENDING));
        j.pending = 0;
        run(&mut jit, &mut j);
        assert_eq!(slots(&j), slots(&i), "read_first {read_first}, resumed");
    }
}

/// At `LOOP`: x0 += 1, then round again while x0 != x3 and x0 < x4 (unsigned): the branch
/// tests `select (x0 != x3), (x0 < x4), 0`, as A64's CMP, CCMP and B.cond leave it.
fn and_loop() -> Block {
    let mut b = Builder::verbatim(LOOP);
    let (x0, x3, x4) = (b.get(slot::x(0)), b.get(slot::x(3)), b.get(slot::x(4)));
    let one = b.konst(1);
    let s = b.add(x0, one);
    b.set(slot::x(0), s);
    let ne = b.emit(Op::CondSub, &[s, x3], 1 | 64 << 8);
    let zero = b.konst(0);
    let lo = b.emit(Op::CondSub, &[s, x4], 3 | 64 << 8);
    let both = b.select(ne, lo, zero);
    back_while(b, both)
}

#[test]
fn a_loop_on_two_conditions_stops_at_either() {
    // Stopped by the first condition (x0 reaches x3) and by the second (x0 reaches x4).
    for (x3, x4, end) in [(10, 20, 10), (30, 20, 20)] {
        let block = and_loop();
        let mut jit = Jit::new();
        jit.compile(&block);
        let start = CpuState {
            x: {
                let mut x = numbered().x;
                x[3] = x3;
                x[4] = x4;
                x
            },
            ..numbered()
        };
        let mut j = start.clone();
        run(&mut jit, &mut j);
        let mut i = start;
        interpret(&block, &mut i);
        assert_eq!(slots(&j), slots(&i), "x3 {x3} x4 {x4}");
        assert_eq!((j.x[0], j.pc, j.exit_reason), (end, AFTER, exit::JUMP));
    }
}

/// The scalar double addition of [`fp_rotating_loop`]: the slow path's answer, exact for the
/// normal numbers the test adds (the fast path's `addsd` gives the same).
unsafe extern "C" fn fadd(_cpu: *mut u8, a: u64, b: u64, _fpcr: u64) -> u64 {
    (f64::from_bits(a) + f64::from_bits(b)).to_bits()
}

static FADD: ir::Helper = ir::Helper {
    name: "fadd",
    func: fadd,
};

/// At `LOOP`, a loop of one block over the low halves of vector registers v0..v(n-1) that
/// their doubles may carry in xmm registers: each pass adds them all to an accumulator in
/// v(n) (an addition's result, read next pass by the next addition), rotates them by one (a
/// cycle of moves between xmm registers, parked in `rax`, and stack slots when they outnumber
/// the registers), writes the constant 0.25 to v(n+1) (read next pass by an addition: a
/// constant into an xmm register), writes x2 + 1 to v(n+2) (a general register's value into
/// an xmm register) and v(n+2) + 0.5 to x3 (read by an integer `add` too: an xmm value into
/// a general register); x0 counts the passes up to `limit`.
fn fp_rotating_loop(n: u32, limit: u64) -> Block {
    let add = ir::inline::FpInline {
        op: ir::inline::FpOp::Add,
        double: true,
        vector: None,
    };
    let mut b = Builder::verbatim(LOOP);
    let x0 = b.get(slot::x(0));
    let vs: Vec<Val> = (0..n).map(|k| b.get(slot::v_lo(k))).collect();
    let acc = b.get(slot::v_lo(n));
    let quarter = b.get(slot::v_lo(n + 1));
    let from_x = b.get(slot::v_lo(n + 2));
    let x2 = b.get(slot::x(2));
    let x3 = b.get(slot::x(3));
    let mut sum = b.call_fp(&FADD, add, acc, quarter, quarter);
    for &v in &vs {
        sum = b.call_fp(&FADD, add, sum, v, v);
    }
    b.set(slot::v_lo(n), sum);
    for k in 0..n as usize {
        b.set(slot::v_lo(k as u32), vs[(k + 1) % n as usize]);
    }
    let q = b.konst(0.25f64.to_bits());
    b.set(slot::v_lo(n + 1), q);
    let one = b.konst(1);
    let next = b.add(x2, one);
    b.set(slot::v_lo(n + 2), next);
    let half = b.konst(0.5f64.to_bits());
    let to_x = b.call_fp(&FADD, add, from_x, half, half);
    b.set(slot::x(3), to_x);
    let y = b.add(x3, one);
    b.set(slot::x(4), y);
    let s = b.add(x0, one);
    b.set(slot::x(0), s);
    let lim = b.konst(limit);
    let c = b.emit(Op::Ult, &[s, lim], 0);
    back_while(b, c)
}

#[test]
fn fp_loops_carrying_doubles_in_xmm_registers_agree_with_the_interpreter() {
    // 2 values: all in xmm registers; 12: more than the ten xmm registers values get; 24:
    // more than the general registers too (stack slots).
    for n in [2, 5, 12, 24] {
        let block = fp_rotating_loop(n, 29);
        let start = || {
            let mut c = numbered();
            for k in 0..n + 3 {
                c.v[k as usize][0] = (1.0 + k as f64 / 8.0).to_bits();
            }
            // FPSR.IXC set: the inline additions take their fast path.
            c.set_slot(slot::FPSR, 0x10);
            c
        };
        let mut jit = Jit::new();
        jit.compile(&block);
        let mut j = start();
        run(&mut jit, &mut j);
        let mut i = start();
        interpret(&block, &mut i);
        assert_eq!(slots(&j), slots(&i), "n = {n}\n{block}");
        assert_eq!((j.x[0], j.pc), (29, AFTER));
        assert_eq!(j.get_slot(slot::v_lo(n + 1)), 0.25f64.to_bits());
    }
}

/// A loop that reads NZCV and last writes it with `flags.deferred` (the flags of x1 - x0 left
/// for later): each pass reads the flags the previous one left, worked out from the deferred
/// operands, not a stale copy carried around the loop.
#[test]
fn flags_left_for_later_reach_the_next_pass() {
    let mut b = Builder::verbatim(LOOP);
    let x0 = b.get(slot::x(0));
    let flags = b.get(slot::NZCV);
    let x1 = b.get(slot::x(1));
    // x1 += flags >> 28 (0 to 15), x0 += 1; flags of x1 - x0 left for later.
    let k = b.konst(28);
    let f = b.emit(Op::Lshr, &[flags, k], 64);
    let x1 = b.add(x1, f);
    b.set(slot::x(1), x1);
    let one = b.konst(1);
    let x0 = b.add(x0, one);
    b.set(slot::x(0), x0);
    b.emit(Op::FlagsDeferred, &[x1, x0], ir::Deferred::Sub64 as u64);
    let lim = b.konst(20);
    let c = b.emit(Op::Ult, &[x0, lim], 0);
    let block = back_while(b, c);
    let mut jit = Jit::new();
    jit.compile(&block);
    let start = || CpuState {
        nzcv: 0x6000_0000,
        ..CpuState::default()
    };
    let (mut j, mut i) = (start(), start());
    run(&mut jit, &mut j);
    interpret(&block, &mut i);
    assert_eq!(slots(&j), slots(&i));
    assert_eq!(ir::deferred::nzcv(&j), ir::deferred::nzcv(&i));
    assert_eq!((j.x[0], j.pc), (20, AFTER));
}

/// A loop that writes NZCV and never reads it computes the flags only on its way out
/// (`sink_flags`), after the pass: there the sunk instructions' values live at once with the
/// value they read from the loop (a load, after most of them in the loop), which therefore
/// may not share a register with any of them.
#[test]
fn flags_computed_on_the_way_out_keep_what_they_read() {
    let mem = [0x5au8; 8];
    let mut b = Builder::verbatim(LOOP);
    let x0 = b.get(slot::x(0));
    let n = b.get(slot::x(5));
    let k = b.konst(0x8000_0000);
    let twice = b.add(x0, x0);
    let high = b.add(twice, k);
    let sum = b.add(twice, high);
    let at = b.konst(mem.as_ptr() as u64);
    let byte = b.load(at, 1);
    let sum = b.add(byte, sum);
    let mask = b.konst(0xf000_0000);
    let flags = b.bin(Op::And, sum, mask);
    b.set(slot::NZCV, flags);
    let one = b.konst(1);
    let left = b.sub(n, one);
    b.set(slot::x(5), left);
    let zero = b.konst(0);
    let c = b.emit(Op::Ult, &[zero, left], 0);
    let block = back_while(b, c);
    let mut jit = Jit::new();
    jit.compile(&block);
    let start = || {
        let mut c = CpuState::default();
        (c.x[0], c.x[5]) = (0x1000_0000, 3);
        c
    };
    let (mut j, mut i) = (start(), start());
    run(&mut jit, &mut j);
    interpret(&block, &mut i);
    assert_eq!(slots(&j), slots(&i));
    assert_eq!(j.nzcv, 0xc000_0000);
}
