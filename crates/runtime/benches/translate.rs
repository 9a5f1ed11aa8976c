//! Translation cost per guest instruction: lift, optimise and JIT-compile one block of N integer
//! instructions drawn (with a fixed seed) from the A64 and A32 decode tables' data-processing
//! rows, as the dispatcher does for a block it has not seen. The lift-only and lift+optimise
//! stages are timed too, so the share of each stage can be read off by subtraction.

mod common;

use common::Rng;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use decode::{Class, Decoder};
use std::hint::black_box;

/// Guest address the blocks are lifted at.
const PC: u64 = 0x40_0000;

/// Block sizes timed: a short block (fixed per-block costs show) and the dispatcher's maximum
/// (`Engine`'s `max_insns`).
const SIZES: [usize; 2] = [8, 64];

/// How a frontend is driven: its words, and its lifter called as the runtime calls it.
struct Frontend {
    name: &'static str,
    /// Instruction words, `SIZES`' largest of them.
    words: Vec<u32>,
    /// Lifts at most `n` words of `fetch` from `PC` (the runtime's entry point for the ISA).
    lift: fn(&dyn Fn(u64) -> Option<u32>, u32) -> ir::Block,
}

fn lift_a64(fetch: &dyn Fn(u64) -> Option<u32>, n: u32) -> ir::Block {
    a64::lift_block(PC, fetch, n)
}

fn lift_a32(fetch: &dyn Fn(u64) -> Option<u32>, n: u32) -> ir::Block {
    a32::lift_block_key(a32::key::key(PC, false, 0), fetch, n)
}

/// `count` words of the data-processing rows of `table`, drawn with a fixed seed, keeping only
/// words that lift on their own to a block falling through to the next instruction (key `next`):
/// no PC writes (which end a block) and no UNPREDICTABLE encodings the lifter refuses.
fn draw<Id: Copy + PartialEq + decode::KeyWindow + 'static>(
    table: &'static [decode::Entry<Id>],
    lift: fn(&dyn Fn(u64) -> Option<u32>, u32) -> ir::Block,
    next: u64,
    count: usize,
) -> Vec<u32> {
    let d = Decoder::new(table);
    let rows: Vec<_> = table
        .iter()
        .filter(|e| matches!(e.class, Class::DpImm | Class::DpReg))
        .collect();
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    let mut words = Vec::with_capacity(count);
    while words.len() < count {
        let e = rows[rng.next() as usize % rows.len()];
        let Some(w) = d.random_word(e, rng.next() as u32) else {
            continue;
        };
        let one = lift(&|a| (a == PC).then_some(w), 1);
        if one.guest_insns == 1 && matches!(one.term, ir::Term::Jump(t) if t == next) {
            words.push(w);
        }
    }
    words
}

fn frontends() -> Vec<Frontend> {
    let max = *SIZES.iter().max().expect("sizes");
    vec![
        Frontend {
            name: "a64",
            words: draw(decode::a64_base::A64_BASE, lift_a64, PC + 4, max),
            lift: lift_a64,
        },
        Frontend {
            name: "a32",
            words: draw(
                decode::a32::A32_TABLE,
                lift_a32,
                a32::key::key(PC + 4, false, 0),
                max,
            ),
            lift: lift_a32,
        },
    ]
}

fn translate(c: &mut Criterion) {
    for fe in frontends() {
        let mut group = c.benchmark_group(format!("translate_{}", fe.name));
        for &n in &SIZES {
            let code = &fe.words[..n];
            let fetch = |a: u64| -> Option<u32> {
                let i = a.checked_sub(PC)? / 4;
                code.get(i as usize).copied()
            };
            let lift = fe.lift;
            // Once before timing: the block must hold all n words, or the numbers would be per
            // a shorter block than the throughput claims.
            let mut block = lift(&fetch, n as u32);
            assert_eq!(
                block.guest_insns as usize, n,
                "{}: block ended early",
                fe.name
            );
            ir::passes::optimize(&mut block);
            ir::verify(&block).expect("optimised block verifies");

            group.throughput(Throughput::Elements(n as u64));
            // One JIT for all iterations, as the runtime has: each compile replaces the last
            // translation of the same key, and the cache switches halves as it fills.
            let mut jit = jit::Jit::new();
            group.bench_function(BenchmarkId::new("lift_opt_compile", n), |b| {
                b.iter(|| {
                    let mut block = lift(&fetch, n as u32);
                    ir::passes::optimize(&mut block);
                    black_box(jit.compile(&block))
                })
            });
            if n == *SIZES.iter().max().expect("sizes") {
                group.bench_function(BenchmarkId::new("lift", n), |b| {
                    b.iter(|| black_box(lift(&fetch, n as u32)))
                });
                group.bench_function(BenchmarkId::new("lift_opt", n), |b| {
                    b.iter(|| {
                        let mut block = lift(&fetch, n as u32);
                        ir::passes::optimize(&mut block);
                        black_box(block)
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = translate
}
criterion_main!(benches);
