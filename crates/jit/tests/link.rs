//! Block linking: blocks that jump to each other run without returning to the dispatcher, stop
//! when `pending` is set, and fall back to exit stubs after invalidation.

mod common;

use cpu::{CpuState, exit, slot};
use ir::{Block, Builder, Helper, Term};
use jit::Jit;

/// 0x1000: x0 += 1; jump 0x2000
fn block_a() -> Block {
    count_x0_then(0x2000)
}

/// 0x1000: x0 += 1; jump `target`
fn count_x0_then(target: u64) -> Block {
    count_x0_at(0x1000, target)
}

/// `pc`: x0 += 1; jump `target`
fn count_x0_at(pc: u64, target: u64) -> Block {
    let mut b = Builder::verbatim(pc);
    let x = b.get(slot::x(0));
    let one = b.konst(1);
    let s = b.add(x, one);
    b.set(slot::x(0), s);
    b.end_insn(pc + 4);
    b.finish(Term::Jump(target))
}

/// 0x2000: x1 += 1; optional helper call; if x0 < 100 goto 0x1000 else 0x3000
fn block_b(helper: Option<&'static Helper>) -> Block {
    block_b_until(helper, 100)
}

/// [`block_b`] looping while x0 < `limit`.
fn block_b_until(helper: Option<&'static Helper>, limit: u64) -> Block {
    let mut b = Builder::verbatim(0x2000);
    let x = b.get(slot::x(1));
    let one = b.konst(1);
    let s = b.add(x, one);
    b.set(slot::x(1), s);
    if let Some(h) = helper {
        b.call(h, s, s, s);
    }
    let x0 = b.get(slot::x(0));
    let lim = b.konst(limit);
    let c = b.emit(ir::Op::Ult, &[x0, lim], 0);
    b.end_insn(0x2008);
    b.finish(Term::Branch {
        cond: c,
        taken: 0x1000,
        fallthrough: 0x3000,
    })
}

fn run(jit: &mut Jit, pc: u64, cpu: &mut CpuState) {
    let e = jit.lookup(pc).expect("compiled");
    // SAFETY: the state is live and exclusive; the blocks touch no guest memory.
    unsafe { jit.run(e, cpu) };
}

#[test]
fn loop_runs_linked_in_both_compile_orders() {
    for order in 0..2 {
        let mut jit = Jit::new();
        if order == 0 {
            jit.compile(&block_a());
            jit.compile(&block_b(None));
        } else {
            jit.compile(&block_b(None));
            jit.compile(&block_a());
        }
        let mut c = CpuState::default();
        run(&mut jit, 0x1000, &mut c);
        assert_eq!((c.x[0], c.x[1]), (100, 100), "order {order}");
        assert_eq!((c.pc, c.exit_reason), (0x3000, exit::JUMP));
    }
}

/// With chaining off (`-d exec`), every block returns to the dispatcher, whichever order the
/// blocks were compiled in and whether they were linked before; `code` gives each block's bytes.
#[test]
fn chaining_off_runs_one_block_per_run() {
    for order in 0..3 {
        let mut jit = Jit::new();
        if order == 2 {
            jit.compile(&block_a());
            jit.compile(&block_b(None));
            jit.set_chaining(false);
        } else {
            jit.set_chaining(false);
            if order == 0 {
                jit.compile(&block_a());
                jit.compile(&block_b(None));
            } else {
                jit.compile(&block_b(None));
                jit.compile(&block_a());
            }
        }
        let mut c = CpuState::default();
        for a in [0x1000, 0x2000] {
            if jit.lookup(a).is_none() {
                // set_chaining(false) forgot the linked translations.
                jit.compile(&if a == 0x1000 {
                    block_a()
                } else {
                    block_b(None)
                });
            }
        }
        run(&mut jit, 0x1000, &mut c);
        assert_eq!((c.x[0], c.x[1], c.pc), (1, 0, 0x2000), "order {order}");
        run(&mut jit, 0x2000, &mut c);
        assert_eq!((c.x[0], c.x[1], c.pc), (1, 1, 0x1000), "order {order}");
        let e = jit.lookup(0x1000).unwrap();
        assert!(!jit.code(e).is_empty());
    }
}

#[test]
fn unlinked_jump_exits_to_dispatcher() {
    let mut jit = Jit::new();
    jit.compile(&block_a());
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.pc, c.exit_reason), (1, 0x2000, exit::JUMP));
}

#[test]
fn pending_stops_a_linked_loop() {
    let mut jit = Jit::new();
    jit.compile(&block_a());
    jit.compile(&block_b(None));
    // Entered at A, A's forward jump to B goes on and B's jump back to A, which closes the
    // loop, stops; entered at B, that is the first jump.
    for (start, x) in [(0x1000, (1, 1)), (0x2000, (0, 1))] {
        let mut c = CpuState {
            pending: 1,
            ..CpuState::default()
        };
        run(&mut jit, start, &mut c);
        assert_eq!((c.x[0], c.x[1]), x, "from {start:#x}");
        assert_eq!((c.pc, c.exit_reason), (0x1000, exit::PENDING));
    }
}

#[test]
fn a_block_jumping_to_itself_checks_pending() {
    // 0x1000: x0 += 1; jump 0x1000, the smallest loop.
    let mut jit = Jit::new();
    jit.compile(&count_x0_then(0x1000));
    let mut c = CpuState {
        pending: 1,
        ..CpuState::default()
    };
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.pc, c.exit_reason), (1, 0x1000, exit::PENDING));
}

unsafe extern "C" fn raise_at_50(cpu: *mut u8, a: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: the JIT passes the CpuState pointer it runs on.
    let cpu = unsafe { &mut *(cpu as *mut CpuState) };
    if a == 50 {
        cpu.pending = 1;
    }
    0
}

static RAISE: Helper = Helper {
    name: "raise_at_50",
    func: raise_at_50,
};

#[test]
fn event_raised_inside_the_loop_stops_it() {
    let mut jit = Jit::new();
    jit.compile(&block_a());
    jit.compile(&block_b(Some(&RAISE)));
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.x[1]), (50, 50));
    assert_eq!((c.pc, c.exit_reason), (0x1000, exit::PENDING));
    // The dispatcher clears the event and resumes where the loop stopped.
    c.pending = 0;
    run(&mut jit, c.pc, &mut c);
    assert_eq!((c.x[0], c.x[1]), (100, 100));
    assert_eq!((c.pc, c.exit_reason), (0x3000, exit::JUMP));
}

/// A loop of indirect jumps alone (no linked jump of it tests `pending`) still leaves for the
/// dispatcher when another thread raises an event (as a host signal handler does): its jump
/// table becomes `cpu::NO_JUMPS`, where the next lookup misses.
#[test]
fn an_event_raised_by_another_thread_stops_an_indirect_loop() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;
    // 0x7000: x0 += 1; jump to x4 (0x7000: itself, found in the table).
    let mut b = Builder::verbatim(0x7000);
    let x = b.get(slot::x(0));
    let one = b.konst(1);
    let s = b.add(x, one);
    b.set(slot::x(0), s);
    let t = b.get(slot::x(4));
    b.end_insn(0x7004);
    let mut jit = Jit::new();
    let e = jit.compile(&b.finish(Term::JumpReg(t)));
    let mut c = Box::new(CpuState::default());
    c.x[4] = 0x7000;
    let (pending, target) = (&raw mut c.pending as usize, &raw mut c.x[4] as usize);
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        // SAFETY: the state is boxed and outlives this thread (joined below).
        unsafe { cpu::raise_pending(pending as *mut u64) };
        // Should the loop miss the event, end it by another way after a while, so that the
        // test fails instead of hanging.
        if wait.recv_timeout(Duration::from_secs(10)).is_err() {
            // SAFETY: as above; the loop reads x4 at every pass.
            unsafe { (*(target as *const AtomicU64)).store(0xdead_0000, Ordering::Relaxed) };
        }
    });
    // SAFETY: the state is live; the block touches no guest memory.
    unsafe { jit.run(e, &mut *c) };
    let _ = done.send(());
    raiser.join().unwrap();
    assert_eq!(
        (c.pc, c.exit_reason),
        (0x7000, exit::JUMP),
        "left for the event"
    );
    assert!(c.x[0] > 1, "looped before the event: {}", c.x[0]);
    assert_eq!(c.jump_table, cpu::NO_JUMPS.addr());
}

#[test]
fn invalidation_unlinks_and_relinks() {
    let mut jit = Jit::new();
    jit.compile(&block_a());
    jit.compile(&block_b(None));
    // A range overlapping only B's last byte removes B.
    jit.invalidate_range(0x2007, 0x2100);
    assert!(jit.lookup(0x2000).is_none());
    assert!(jit.lookup(0x1000).is_some());
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!(
        (c.x[0], c.x[1], c.pc, c.exit_reason),
        (1, 0, 0x2000, exit::JUMP)
    );
    // A range just past B's end touches nothing.
    jit.compile(&block_b(None));
    jit.invalidate_range(0x2008, 0x3000);
    jit.invalidate_range(0x0, 0x1000);
    assert_eq!(jit.len(), 2);
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.pc), (100, 0x3000));
    // Invalidating A leaves B's jump back to A on its stub.
    jit.invalidate_range(0x1000, 0x1001);
    let mut c = CpuState::default();
    run(&mut jit, 0x2000, &mut c);
    assert_eq!((c.x[1], c.pc, c.exit_reason), (1, 0x1000, exit::JUMP));
    jit.invalidate_all();
    assert!(jit.is_empty());
    // Everything compiles and links again afterwards.
    jit.compile(&block_b(None));
    jit.compile(&block_a());
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.x[1], c.pc), (100, 100, 0x3000));
}

/// A lookup answered from the thread's own indirect-jump table, without the lock, follows what
/// the other handles did: an invalidated block is not found, a recompiled one is found anew.
#[test]
fn lookups_from_the_threads_table_see_invalidations_and_new_code() {
    let mut jit = Jit::new();
    let mut other = jit.share();
    jit.compile(&block_a());
    let first = jit.lookup(0x1000).expect("compiled").addr();
    assert_eq!(jit.lookup(0x1000).map(|e| e.addr()), Some(first));
    other.invalidate_range(0x1000, 0x1001);
    assert!(jit.lookup(0x1000).is_none());
    other.compile(&block_a());
    let second = jit.lookup(0x1000).expect("compiled again").addr();
    assert_ne!(second, first);
    other.compile(&count_x0_then(0x2000));
    let third = jit.lookup(0x1000).expect("replaced").addr();
    assert_ne!(third, second);
    assert_eq!(other.lookup(0x1000).map(|e| e.addr()), Some(third));
}

/// A block at guest address 0 has the key the tables mark empty pairs with: forgetting every
/// block forgets it from them too.
#[test]
fn a_block_at_address_zero_leaves_the_tables_with_the_rest() {
    let mut jit = Jit::new();
    jit.compile(&count_x0_at(0, 0x2000));
    assert!(jit.lookup(0).is_some());
    jit.invalidate_all();
    assert!(jit.lookup(0).is_none());
}

#[test]
fn recompiling_a_block_replaces_it() {
    let mut jit = Jit::new();
    jit.compile(&block_a());
    jit.compile(&block_b(None));
    // A new A adds 2 instead of 1: the loop now ends after 50 rounds.
    let mut b = Builder::verbatim(0x1000);
    let x = b.get(slot::x(0));
    let two = b.konst(2);
    let s = b.add(x, two);
    b.set(slot::x(0), s);
    b.end_insn(0x1004);
    jit.compile(&b.finish(Term::Jump(0x2000)));
    assert_eq!(jit.len(), 2);
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.x[1], c.pc), (100, 50, 0x3000));
}

#[test]
fn many_blocks_fill_and_reset_nothing_breaks() {
    // Compile enough distinct blocks to exercise the link lists; every one still runs.
    let mut jit = Jit::new();
    for i in 0..2000u64 {
        let mut b = Builder::verbatim(i * 4);
        let x = b.get(slot::x(0));
        let one = b.konst(1);
        let s = b.add(x, one);
        b.set(slot::x(0), s);
        b.end_insn(i * 4 + 4);
        jit.compile(&b.finish(Term::Jump(i * 4 + 4)));
    }
    let mut c = CpuState::default();
    run(&mut jit, 0, &mut c);
    assert_eq!((c.x[0], c.pc, c.exit_reason), (2000, 8000, exit::JUMP));
    common::slots(&c);
}

/// The block at `pc`: x0 += 1; jump pc + 4 (stopping at 8000).
fn counting_block(pc: u64) -> Block {
    let mut b = Builder::verbatim(pc);
    let x = b.get(slot::x(0));
    let one = b.konst(1);
    let s = b.add(x, one);
    b.set(slot::x(0), s);
    b.end_insn(pc + 4);
    if pc + 4 == 8000 {
        b.finish(Term::Exit {
            reason: exit::BREAKPOINT,
            pc: 8000,
            arg: 0,
        })
    } else {
        b.finish(Term::Jump(pc + 4))
    }
}

#[test]
fn full_cache_is_reset_and_refilled() {
    // A tiny cache holds a few dozen blocks: a dispatcher loop must still get through all 2000.
    let mut jit = Jit::with_cache_size(8 << 10);
    let mut c = CpuState::default();
    let mut exits = 0;
    loop {
        let e = match jit.lookup(c.pc) {
            Some(e) => e,
            None => jit.compile(&counting_block(c.pc)),
        };
        // SAFETY: live exclusive state; the blocks touch no guest memory.
        unsafe { jit.run(e, &mut c) };
        exits += 1;
        if c.exit_reason == exit::BREAKPOINT {
            break;
        }
        assert_eq!(c.exit_reason, exit::JUMP);
    }
    assert_eq!((c.x[0], c.pc), (2000, 8000));
    assert_eq!(
        exits, 2000,
        "each block is reached before its successor exists"
    );
    // (8 KiB holds at most 256 blocks of 32 bytes or more, where 2000 were compiled.)
    assert!(jit.len() < 256, "the cache was reset along the way");
    // Blocks compiled after the last reset still link: compile the predecessor of the last one
    // again and run from it.
    let last = jit.lookup(7996).expect("last block present");
    assert_ne!(last.addr(), 0);
    // Host addresses still map back after the halves were reused several times.
    assert_eq!(jit.guest_block_at(last.addr() + 1), Some(7996));
    jit.compile(&counting_block(7992));
    let mut c = CpuState::default();
    let e = jit.lookup(7992).expect("just compiled");
    // SAFETY: as above.
    unsafe { jit.run(e, &mut c) };
    assert_eq!((c.x[0], c.pc, c.exit_reason), (2, 8000, exit::BREAKPOINT));
}

/// Two blocks whose table set is the same jump to each other indirectly: both stay in the
/// table (one way each), so the ping-pong never leaves translated code.
#[test]
fn indirect_targets_in_one_set_both_stay() {
    // (A multiple of 4 * TABLE_SETS further, past the blocks' way out at 0x9000.)
    let far = 0x7000 + 8 * jit::emit::TABLE_SETS as u64;
    let mut jit = Jit::new();
    jit.compile(&common::indirect_block_via(0x7000, 4));
    let e = jit.compile(&common::indirect_block_via(far, 5));
    let sets = jit::emit::TABLE_SETS;
    assert_eq!(
        jit::emit::table_set(0x7000, sets),
        jit::emit::table_set(far, sets)
    );
    let mut c = CpuState::default();
    (c.x[4], c.x[5]) = (far, 0x7000);
    // SAFETY: the state is live and exclusive; the blocks touch no guest memory.
    unsafe { jit.run(e, &mut c) };
    assert_eq!((c.x[0], c.pc, c.exit_reason), (50, 0x9000, exit::JUMP));
}

#[test]
fn indirect_jumps_use_the_lookup_table() {
    let mut jit = Jit::new();
    jit.compile(&common::indirect_block(0x7000));
    let run_from = |jit: &Jit, e: jit::Entry, pending: u64, target: u64| {
        let mut c = CpuState {
            pending,
            ..CpuState::default()
        };
        c.x[4] = target;
        // SAFETY: the state is live and exclusive; the block touches no guest memory.
        unsafe { jit.run(e, &mut c) };
        (c.x[0], c.pc, c.exit_reason)
    };
    let e = jit.lookup(0x7000).expect("compiled");
    // The block finds itself in the table and loops without leaving translated code.
    assert_eq!(run_from(&jit, e, 0, 0x7000), (50, 0x9000, exit::JUMP));
    // A pending event or an unknown target goes back to the dispatcher.
    assert_eq!(run_from(&jit, e, 1, 0x7000), (1, 0x7000, exit::JUMP));
    assert_eq!(run_from(&jit, e, 0, 0x7004), (1, 0x7004, exit::JUMP));
    assert_eq!(run_from(&jit, e, 0, u64::MAX), (1, u64::MAX, exit::JUMP));
    // Free entries are zero: a jump to pc 0 matches one's key and must still miss.
    assert_eq!(run_from(&jit, e, 0, 0), (1, 0, exit::JUMP));
    // A block in the same set of the table stays beside the entry (the other way); a second
    // one evicts it, and the loop then exits every round...
    let other = 0x7000 + 8 * jit::emit::TABLE_SETS as u64;
    jit.compile(&common::indirect_block(other));
    assert_eq!(run_from(&jit, e, 0, 0x7000), (50, 0x9000, exit::JUMP));
    let third = 0x7000 + 12 * jit::emit::TABLE_SETS as u64;
    jit.compile(&common::indirect_block(third));
    assert_eq!(run_from(&jit, e, 0, 0x7000), (1, 0x7000, exit::JUMP));
    // ...until the dispatcher looks it up, which puts it back.
    let e = jit.lookup(0x7000).expect("still compiled");
    assert_eq!(run_from(&jit, e, 0, 0x7000), (50, 0x9000, exit::JUMP));
    // Recompiling puts it back too; invalidation takes it out again.
    jit.compile(&common::indirect_block(other));
    jit.compile(&common::indirect_block(third));
    let e = jit.compile(&common::indirect_block(0x7000));
    assert_eq!(run_from(&jit, e, 0, 0x7000), (50, 0x9000, exit::JUMP));
    let stale = jit.lookup(0x7000).unwrap();
    jit.invalidate_range(0x7000, 0x7004);
    let mut c = CpuState::default();
    c.x[4] = 0x7000;
    // SAFETY: invalidated code stays in the cache, so the stale entry still runs (once).
    unsafe { jit.run(stale, &mut c) };
    assert_eq!((c.x[0], c.pc), (1, 0x7000));
    jit.compile(&common::indirect_block(0x7000));
    jit.invalidate_all();
    let mut c = CpuState::default();
    c.x[4] = 0x7000;
    // SAFETY: as above.
    unsafe { jit.run(stale, &mut c) };
    assert_eq!((c.x[0], c.pc), (1, 0x7000));
}

/// The indirect-jump table starts small and grows once targets have evicted each other often
/// enough (an eighth of its sets' worth): three targets that shared a set of the new table
/// then all stay, and the entries from before the growth are still found.
#[test]
fn the_indirect_jump_table_grows_when_targets_evict_each_other() {
    let sets = jit::emit::TABLE_SETS as u64;
    let mut jit = Jit::new();
    let e = jit.compile(&common::indirect_block(0x7000));
    let run = |jit: &Jit, e: jit::Entry| {
        let mut c = CpuState::default();
        c.x[4] = 0x7000;
        // SAFETY: the state is live and exclusive; the blocks touch no guest memory.
        unsafe { jit.run(e, &mut c) };
        (c.x[0], c.pc)
    };
    // Three blocks in each of an eighth of the sets but one: the third of each evicts the
    // first. Not yet enough to grow.
    let third = |set: u64, k: u64| 0x10_0000 + 4 * set + 4 * k * sets;
    let mut last = None;
    for set in 1..sets / 8 {
        for k in 0..3 {
            last = Some(jit.compile(&common::indirect_block(third(set, k))));
        }
    }
    // (Past the blocks' way out at 0x9000.)
    let colliding = [0x7000 + 8 * sets, 0x7000 + 12 * sets];
    for &pc in &colliding {
        jit.compile(&common::indirect_block(pc));
    }
    // (The second evicted the loop's own entry: the eighth eviction of the sets.)
    assert_eq!(run(&jit, e), (1, 0x7000), "evicted from the small table");
    // The next entry grows the table; the loop's block, put back, then stays beside the two
    // that shared its set.
    let e = jit.lookup(0x7000).expect("compiled");
    for &pc in &colliding {
        jit.lookup(pc).expect("compiled");
    }
    assert_eq!(
        run(&jit, e),
        (50, 0x9000),
        "the grown table holds all three"
    );
    // Entries made before the growth moved into the grown table: the last block compiled
    // before it still finds itself (not looked up since).
    let mut c = CpuState::default();
    c.x[4] = third(sets / 8 - 1, 2);
    // SAFETY: as above.
    unsafe { jit.run(last.expect("compiled"), &mut c) };
    assert_eq!((c.x[0], c.pc), (50, 0x9000));
}

#[test]
fn host_addresses_map_back_to_guest_blocks() {
    let mut jit = Jit::new();
    let a = jit.compile(&block_a());
    let b = jit.compile(&block_b(None));
    assert_eq!(jit.guest_block_at(a.addr()), Some(0x1000));
    assert_eq!(jit.guest_block_at(a.addr() + 3), Some(0x1000));
    assert_eq!(jit.guest_block_at(b.addr() + 10), Some(0x2000));
    assert_eq!(
        jit.guest_block_at(a.addr() - 1),
        None,
        "the trampoline is no guest block"
    );
    // Invalidated code may still be running, so it still maps.
    jit.invalidate_range(0x2000, 0x2001);
    assert_eq!(jit.guest_block_at(b.addr()), Some(0x2000));
}

/// A quick block counts its runs: the `HOT_RUNS`th exits at its own key before any of it runs,
/// whether the dispatcher entered it or a linked jump did; the full translation then replaces
/// it, linked jumps included, and runs without counting.
#[test]
fn quick_block_asks_for_its_full_translation_at_hot_runs() {
    use jit::{HOT_RUNS, Tier};
    let runs = u64::from(HOT_RUNS);
    let mut jit = Jit::new();
    let g = jit.generation();
    jit.compile_since(&block_a(), g, Tier::Quick).unwrap();
    assert_eq!((jit.runs(0x1000), jit.runs(0x2000)), (0, 0));
    let mut c = CpuState::default();
    for n in 1..runs {
        run(&mut jit, 0x1000, &mut c);
        assert_eq!((c.x[0], c.pc, c.exit_reason), (n, 0x2000, exit::JUMP));
        assert_eq!(u64::from(jit.runs(0x1000)), n);
    }
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.pc, c.exit_reason), (runs - 1, 0x1000, exit::HOT));
    jit.compile(&block_a());
    assert_eq!(
        jit.runs(0x1000),
        HOT_RUNS,
        "a full translation counts as hot"
    );
    for n in runs..runs + 10 {
        run(&mut jit, 0x1000, &mut c);
        assert_eq!((c.x[0], c.pc, c.exit_reason), (n, 0x2000, exit::JUMP));
    }

    // Inside a linked loop: block B (full) jumps back to the quick A until A is hot.
    let mut jit = Jit::new();
    jit.compile(&block_b_until(None, 3 * runs));
    jit.compile_since(&block_a(), g, Tier::Quick).unwrap();
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.x[1]), (runs - 1, runs - 1));
    assert_eq!((c.pc, c.exit_reason), (0x1000, exit::HOT));
    assert_eq!(jit.runs(0x1000), HOT_RUNS, "linked entries count too");
    jit.compile(&block_a());
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.x[1]), (3 * runs, 3 * runs));
    assert_eq!((c.pc, c.exit_reason), (0x3000, exit::JUMP));
}

#[test]
fn quick_blocks_count_from_zero_after_switches_of_halves() {
    // Counters are handed out again once their half of the cache is reused: a quick block
    // translated then must start from HOT_RUNS, not from what an old block counted there.
    use jit::Tier;
    let mut jit = Jit::with_cache_size(16 << 10);
    let mut c = CpuState::default();
    let mut filler = 0x10_0000;
    for round in 0..5 {
        let g = jit.generation();
        jit.compile_since(&block_a(), g, Tier::Quick).unwrap();
        assert_eq!(jit.runs(0x1000), 0, "round {round}");
        for n in 1..=3 {
            run(&mut jit, 0x1000, &mut c);
            assert_eq!((jit.runs(0x1000), c.pc), (n, 0x2000), "round {round}");
        }
        // More quick blocks until 0x1000 is forgotten: the cache switched halves.
        while jit.lookup(0x1000).is_some() {
            let g = jit.generation();
            jit.compile_since(&count_x0_at(filler, 0x2000), g, Tier::Quick)
                .unwrap();
            filler += 4;
        }
    }
}

/// 0x3000: x2 += 1; exit (a forward branch target).
fn block_after() -> Block {
    let mut b = Builder::verbatim(0x3000);
    let x = b.get(slot::x(2));
    let one = b.konst(1);
    let s = b.add(x, one);
    b.set(slot::x(2), s);
    b.end_insn(0x3004);
    b.finish(Term::Exit {
        reason: exit::BREAKPOINT,
        pc: 0x3004,
        arg: 0,
    })
}

/// The loop's exit at 0x3000 as a branch's fall-through (a jump after the conditional one) and
/// as its forward taken side (the conditional jump itself, linked to the target block): linked,
/// unlinked again when the target goes, and linked anew when it comes back; in either compile
/// order.
#[test]
fn forward_side_of_a_branch_links_its_conditional_jump() {
    for forward_taken in [false, true] {
        for order in 0..2 {
            let loop_end = || {
                let mut b = Builder::verbatim(0x2000);
                let x = b.get(slot::x(1));
                let one = b.konst(1);
                let s = b.add(x, one);
                b.set(slot::x(1), s);
                let x0 = b.get(slot::x(0));
                // x0 < 100 back to 0x1000, else on to 0x3000: the forward side taken when
                // 99 < x0.
                let (c, taken, fallthrough) = if forward_taken {
                    let k = b.konst(99);
                    (b.emit(ir::Op::Ult, &[k, x0], 0), 0x3000, 0x1000)
                } else {
                    let k = b.konst(100);
                    (b.emit(ir::Op::Ult, &[x0, k], 0), 0x1000, 0x3000)
                };
                b.end_insn(0x2008);
                b.finish(Term::Branch {
                    cond: c,
                    taken,
                    fallthrough,
                })
            };
            let mut jit = Jit::new();
            let blocks = [block_a(), loop_end(), block_after()];
            if order == 0 {
                blocks.iter().for_each(|b| {
                    jit.compile(b);
                });
            } else {
                blocks.iter().rev().for_each(|b| {
                    jit.compile(b);
                });
            }
            let what = format!("forward taken {forward_taken}, order {order}");
            let mut c = CpuState::default();
            run(&mut jit, 0x1000, &mut c);
            assert_eq!((c.x[0], c.x[1], c.x[2]), (100, 100, 1), "{what}");
            assert_eq!((c.pc, c.exit_reason), (0x3004, exit::BREAKPOINT), "{what}");
            // Without the target, the jump goes back to its stub.
            jit.invalidate_range(0x3000, 0x3001);
            let mut c = CpuState::default();
            run(&mut jit, 0x1000, &mut c);
            assert_eq!(
                (c.x[2], c.pc, c.exit_reason),
                (0, 0x3000, exit::JUMP),
                "{what}"
            );
            // And to the target again once it is back.
            jit.compile(&block_after());
            let mut c = CpuState::default();
            run(&mut jit, 0x1000, &mut c);
            assert_eq!((c.x[2], c.pc), (1, 0x3004), "{what}");
        }
    }
}

#[test]
fn a_block_that_followed_a_jump_is_invalidated_by_writes_anywhere_in_its_hull() {
    // 0x1000: x0 += 1, then the code at 0x1800 the jump there led to: x0 += 1; jump 0x3000.
    let followed = || {
        let mut b = Builder::verbatim(0x1000);
        let one = b.konst(1);
        let x = b.get(slot::x(0));
        let s = b.add(x, one);
        b.end_insn(0x1004);
        b.follow(0x1800);
        let t = b.add(s, one);
        b.set(slot::x(0), t);
        b.end_insn(0x1804);
        b.finish(Term::Jump(0x3000))
    };
    assert_eq!(followed().hull(), (0x1000, 0x1804));
    // Writes past the hull, before it, or between the runs' hull and the next page leave it.
    let mut jit = Jit::new();
    jit.compile(&followed());
    jit.invalidate_range(0x1804, 0x2000);
    jit.invalidate_range(0x800, 0x1000);
    assert!(jit.lookup(0x1000).is_some());
    let mut c = CpuState::default();
    run(&mut jit, 0x1000, &mut c);
    assert_eq!((c.x[0], c.pc), (2, 0x3000));
    // A write to the followed run's code drops the block, as one to its first run does.
    for (s, e) in [(0x1803, 0x1804), (0x1000, 0x1001), (0x1400, 0x1401)] {
        jit.compile(&followed());
        jit.invalidate_range(s, e);
        assert!(jit.lookup(0x1000).is_none(), "{s:#x}..{e:#x}");
    }
}
