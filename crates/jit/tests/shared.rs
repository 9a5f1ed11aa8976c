//! One code cache shared by the handles of several threads: blocks, links and invalidations
//! are seen by all, tables stay per thread, and a half of the cache is reused only when no
//! thread can be running its code.

mod common;

use cpu::{CpuState, exit, slot};
use ir::{Block, Builder, Term};
use jit::Jit;

/// The block at `pc`: x0 += pc / 4 + 1, x1 += 1; jump pc + 4, stopping at `END`. Every block
/// adds its own amount, so running the wrong code shows in the totals.
fn weighted_block(pc: u64) -> Block {
    let mut b = Builder::verbatim(pc);
    let x = b.get(slot::x(0));
    let w = b.konst(pc / 4 + 1);
    let s = b.add(x, w);
    b.set(slot::x(0), s);
    let n = b.get(slot::x(1));
    let one = b.konst(1);
    let n = b.add(n, one);
    b.set(slot::x(1), n);
    b.end_insn(pc + 4);
    if pc + 4 == END {
        b.finish(Term::Exit {
            reason: exit::BREAKPOINT,
            pc: END,
            arg: 0,
        })
    } else {
        b.finish(Term::Jump(pc + 4))
    }
}

/// Where the chain of weighted blocks ends.
const END: u64 = 4000;

/// Runs the chain of weighted blocks from 0 to `END` the way the dispatcher does (look up,
/// else translate and compile unless invalidated meanwhile, run unless refused); returns
/// (x0, x1).
fn run_chain(jit: &mut Jit) -> (u64, u64) {
    run_chain_compiling(jit, false)
}

/// [`run_chain`], compiling with `Jit::compile_detached` (as a compiler thread does) if
/// `detached`.
fn run_chain_compiling(jit: &mut Jit, detached: bool) -> (u64, u64) {
    let mut c = CpuState::default();
    loop {
        let e = match jit.lookup(c.pc) {
            Some(e) => e,
            None => {
                let generation = jit.generation();
                let block = weighted_block(c.pc);
                let compiled = match detached {
                    true => jit.compile_detached(&block, generation, jit::Tier::Full),
                    false => jit.compile_since(&block, generation, jit::Tier::Full),
                };
                match compiled {
                    Some(e) => e,
                    None => continue,
                }
            }
        };
        // SAFETY: a live, exclusive state; the blocks touch no guest memory.
        if !unsafe { jit.run(e, &mut c) } {
            continue;
        }
        if c.exit_reason == exit::BREAKPOINT {
            return (c.x[0], c.x[1]);
        }
        assert_eq!(c.exit_reason, exit::JUMP);
    }
}

/// The totals of one run of the chain.
fn chain_totals() -> (u64, u64) {
    let n = END / 4;
    (n * (n + 1) / 2, n)
}

#[test]
fn handles_share_blocks_but_not_tables() {
    let mut a = Jit::new();
    let mut b = a.share();
    a.compile(&common::indirect_block(0x7000));
    let run_from = |jit: &Jit, e: jit::Entry| {
        let mut c = CpuState::default();
        c.x[4] = 0x7000;
        // SAFETY: live exclusive state; the block touches no guest memory.
        assert!(unsafe { jit.run(e, &mut c) });
        (c.x[0], c.pc)
    };
    // b finds a's block, and its lookup fills b's own table: the loop stays in translated code.
    let e = b.lookup(0x7000).expect("compiled through the other handle");
    assert_eq!(run_from(&b, e), (50, 0x9000));
    // Colliding blocks compiled through a (enough to evict it from a set) go into a's table
    // only.
    for k in 1..=jit::emit::TABLE_WAYS as u64 {
        a.compile(&common::indirect_block(
            // (Past the blocks' way out at 0x9000.)
            0x7000 + 4 * (k + 1) * jit::emit::TABLE_SETS as u64,
        ));
    }
    assert_eq!(run_from(&b, e), (50, 0x9000), "b's table is its own");
    // An invalidation through a empties b's entry too: b's loop leaves after one round.
    a.invalidate_range(0x7000, 0x7004);
    assert!(b.lookup(0x7000).is_none());
    assert_eq!(run_from(&b, e), (1, 0x7000));
    assert_eq!(a.len(), b.len());
}

#[test]
fn a_translation_raced_by_an_invalidation_is_not_installed() {
    let mut a = Jit::new();
    let mut b = a.share();
    let g = a.generation();
    b.invalidate_range(0x100, 0x104);
    assert!(
        a.compile_since(&weighted_block(0x100), g, jit::Tier::Full)
            .is_none()
    );
    assert!(a.lookup(0x100).is_none());
    assert!(
        a.compile_since(&weighted_block(0x200), g, jit::Tier::Full)
            .is_some(),
        "an invalidation elsewhere does not matter"
    );
    let g = a.generation();
    assert!(
        a.compile_since(&weighted_block(0x100), g, jit::Tier::Full)
            .is_some()
    );
    // Beyond what is remembered, every translation is retried.
    let g = a.generation();
    for i in 0..100 {
        b.invalidate_range(0x10_0000 + 4 * i, 0x10_0004 + 4 * i);
    }
    assert!(
        a.compile_since(&weighted_block(0x300), g, jit::Tier::Full)
            .is_none()
    );
}

#[test]
fn entries_from_before_a_switch_of_halves_are_refused() {
    let mut jit = Jit::with_cache_size(16 << 10);
    let e = jit.compile(&weighted_block(0));
    let mut pc = 4;
    while jit.lookup(0).is_some() {
        jit.compile(&weighted_block(pc));
        pc += 4;
    }
    let mut c = CpuState::default();
    // SAFETY: live exclusive state; nothing runs (the entry is refused).
    assert!(!unsafe { jit.run(e, &mut c) });
    assert_eq!(c.x[0], 0);
    assert_eq!(run_chain(&mut jit), chain_totals());
}

#[test]
fn threads_translate_link_run_and_invalidate_concurrently() {
    // A small cache switches halves every few dozen blocks, while other threads run code of
    // the half being left, translate the same pcs and invalidate ranges: every run must still
    // execute exactly the chain's blocks.
    let jit = Jit::with_cache_size(24 << 10);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let mut runners = Vec::new();
        // Half of them compile without the lock held (see `Jit::compile_detached`): their
        // code is made for the cache's next place, which others fill meanwhile (or a switch of
        // halves moves), so it is made again then.
        for n in 0..4 {
            let mut mine = jit.share();
            runners.push(s.spawn(move || {
                for _ in 0..30 {
                    assert_eq!(run_chain_compiling(&mut mine, n % 2 == 1), chain_totals());
                }
            }));
        }
        let mut inv = jit.share();
        let stop = &stop;
        s.spawn(move || {
            let mut at = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                inv.invalidate_range(at, at + 64);
                at = (at + 388) % END;
                std::thread::yield_now();
            }
        });
        for r in runners {
            r.join().expect("runner");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

#[test]
fn a_detached_translation_is_installed_where_it_was_made_for() {
    // Alone, a detached translation takes the cache's next place, like any other; raced by
    // an invalidation of its range, it is refused.
    let mut a = Jit::new();
    let b = a.share();
    let g = a.generation();
    let e = a
        .compile_detached(&weighted_block(0), g, jit::Tier::Full)
        .expect("nothing changed");
    assert_eq!(a.lookup(0), Some(e));
    b.compile_detached(&weighted_block(4), g, jit::Tier::Quick)
        .expect("nothing changed");
    assert_eq!(a.runs(4), 0, "a quick block counts its runs");
    a.invalidate_range(8, 12);
    assert!(
        b.compile_detached(&weighted_block(8), g, jit::Tier::Full)
            .is_none()
    );
    assert_eq!(run_chain_compiling(&mut a, true), chain_totals());
}
