//! Dispatch and block-link cost: a loop of K tiny blocks chained by direct branches, run through
//! `Engine::run` with its translations already made, so what is timed is getting from one
//! block to the next. Linked (the default: a patched `jmp` after the `pending` check) and
//! unlinked (`-d nochain`: every block returns to the dispatcher, which looks the next one up).

mod common;

use common::a64;
use cpu::CpuState;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use runtime::{Backend, Engine};
use std::hint::black_box;

/// Blocks in the loop.
const K: usize = 16;
/// Times round the loop per `Engine::run`.
const ROUNDS: u64 = 1000;

/// K blocks: `add x0, x0, #1; b next` for the first K - 1, then
/// `add x0, x0, #1; subs x1, x1, #1; b.ne first`, falling through to `svc #0`. x0 counts the
/// blocks run; x1 holds the rounds left.
fn program() -> Vec<u32> {
    let mut code = Vec::new();
    for _ in 0..K - 1 {
        code.push(a64::add_imm(0, 0, 1));
        code.push(a64::b(4));
    }
    code.push(a64::add_imm(0, 0, 1));
    code.push(a64::subs_imm(1, 1, 1));
    let here = (code.len() * 4) as i64;
    code.push(a64::b_ne(-here));
    code.push(a64::SVC0);
    code
}

fn dispatch(c: &mut Criterion) {
    let code = program();
    let mut group = c.benchmark_group("dispatch");
    // Every block of the loop, once per round; the entry lookup and the final `svc` block are
    // one per run, noise next to these.
    group.throughput(Throughput::Elements(K as u64 * ROUNDS));
    for linked in [true, false] {
        let mut engine = Engine::new(Backend::Jit);
        if !linked {
            common::unlink(&mut engine);
        }
        let mut cpu = CpuState::default();
        let start = |cpu: &mut CpuState| {
            cpu.x[0] = 0;
            cpu.x[1] = ROUNDS;
        };
        // Once before timing (this also translates every block): the loop must have run in
        // full, or the timing would be of an early exit.
        start(&mut cpu);
        common::run(&mut engine, &code, &mut cpu);
        assert_eq!(
            (cpu.x[0], cpu.x[1]),
            (K as u64 * ROUNDS, 0),
            "loop cut short"
        );
        let name = if linked { "linked" } else { "unlinked" };
        group.bench_function(BenchmarkId::new(name, K), |b| {
            b.iter(|| {
                start(&mut cpu);
                common::run(&mut engine, &code, &mut cpu);
                black_box(cpu.x[0])
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = dispatch
}
criterion_main!(benches);
