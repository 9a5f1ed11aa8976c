//! Indirect branch lookup: guest code whose blocks end in `BR`, or in `RET` after a `BL`/`BLR`,
//! run through `Engine::run` with every block already translated, so what is timed is finding
//! the host code of a guest address known only at run time (the JIT's per-thread jump table;
//! with `-d nochain` the dispatcher's lookup instead).

mod common;

use common::a64;
use cpu::CpuState;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use runtime::{Backend, Engine};
use std::hint::black_box;

/// Indirect branches (or calls) per `Engine::run`.
const ROUNDS: u64 = 10_000;

/// One `BR X9` site cycling through `m` targets. x8 holds the exit's address; each target
/// counts in x0, points x9 at the next target, counts x1 down and, when it reaches zero,
/// points x9 at the exit instead, then branches back to the `BR`:
///
/// ```text
///         adr  x8, exit
///         adr  x9, t0
/// loop:   br   x9
/// exit:   svc  #0
/// tj:     add  x0, x0, #1          // j = 0 .. m - 1, five words each
///         adr  x9, t(j+1 mod m)
///         subs x1, x1, #1
///         csel x9, x9, x8, ne
///         b    loop
/// ```
fn br_program(m: usize) -> Vec<u32> {
    const LOOP: usize = 2;
    const EXIT: usize = 3;
    let target = |j: usize| 4 + 5 * (j % m);
    // Byte offset from word `from` to word `to`.
    let off = |from: usize, to: usize| (to as i64 - from as i64) * 4;
    let mut code = vec![
        a64::adr(8, off(0, EXIT)),
        a64::adr(9, off(1, target(0))),
        a64::br(9),
        a64::SVC0,
    ];
    for j in 0..m {
        let at = target(j);
        assert_eq!(code.len(), at);
        code.push(a64::add_imm(0, 0, 1));
        code.push(a64::adr(9, off(at + 1, target(j + 1))));
        code.push(a64::subs_imm(1, 1, 1));
        code.push(a64::csel_ne(9, 9, 8));
        code.push(a64::b(off(at + 4, LOOP)));
    }
    code
}

/// `m` call sites in a row, each calling one function that counts in x0 and returns, so its
/// `RET` goes to `m` different places in turn; the function counts x1 down and, when it reaches
/// zero, returns to the exit instead. `blr` calls through x7 instead of `BL`:
///
/// ```text
///         adr  x8, exit
///         adr  x7, f
/// sites:  bl   f   (or blr x7)     // m times
///         b    sites
/// exit:   svc  #0
/// f:      add  x0, x0, #1
///         subs x1, x1, #1
///         csel x30, x30, x8, ne
///         ret
/// ```
fn call_program(m: usize, blr: bool) -> Vec<u32> {
    const SITES: usize = 2;
    let exit = SITES + m + 1;
    let f = exit + 1;
    let off = |from: usize, to: usize| (to as i64 - from as i64) * 4;
    let mut code = vec![a64::adr(8, off(0, exit)), a64::adr(7, off(1, f))];
    for at in SITES..SITES + m {
        code.push(if blr {
            a64::blr(7)
        } else {
            a64::bl(off(at, f))
        });
    }
    code.push(a64::b(off(SITES + m, SITES)));
    code.push(a64::SVC0);
    code.push(a64::add_imm(0, 0, 1));
    code.push(a64::subs_imm(1, 1, 1));
    code.push(a64::csel_ne(30, 30, 8));
    code.push(a64::RET);
    code
}

/// Times `code` as bench `name`/`param` of `group`, after checking once that a run counts
/// [`ROUNDS`] in x0 and ends with x1 at zero (so the guest ran in full, not to an early exit).
fn bench(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    param: usize,
    code: &[u32],
    linked: bool,
) {
    let mut engine = Engine::new(Backend::Jit);
    if !linked {
        common::unlink(&mut engine);
    }
    let mut cpu = CpuState::default();
    let start = |cpu: &mut CpuState| {
        cpu.x[0] = 0;
        cpu.x[1] = ROUNDS;
    };
    start(&mut cpu);
    common::run(&mut engine, code, &mut cpu);
    assert_eq!((cpu.x[0], cpu.x[1]), (ROUNDS, 0), "{name}: guest cut short");
    group.bench_function(BenchmarkId::new(name, param), |b| {
        b.iter(|| {
            start(&mut cpu);
            common::run(&mut engine, code, &mut cpu);
            black_box(cpu.x[0])
        })
    });
}

fn indirect(c: &mut Criterion) {
    let mut group = c.benchmark_group("indirect");
    group.throughput(Throughput::Elements(ROUNDS));
    for m in [1, 4, 64] {
        bench(&mut group, "br", m, &br_program(m), true);
    }
    bench(&mut group, "br_unlinked", 64, &br_program(64), false);
    for m in [4, 64] {
        bench(&mut group, "bl_ret", m, &call_program(m, false), true);
        bench(&mut group, "blr_ret", m, &call_program(m, true), true);
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = indirect
}
criterion_main!(benches);
