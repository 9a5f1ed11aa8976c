//! Differential cases recorded from qemu-arm-static: small A32 and Thumb sequences
//! (`gen/gen_cases.py`, `gen/snippets.txt`) and random encodings of every register-only table
//! row and of the load/store rows (`gen/gen_random.py`), run on the reference interpreter and compared with the registers,
//! APSR and memory QEMU produced.

mod common;

use cpu::CpuState;

const CASES: &str = include_str!("data/qemu_cases.txt");
const RANDOM: &str = include_str!("data/qemu_random.txt");
const RANDOM_MEM: &str = include_str!("data/qemu_random_mem.txt");
const RANDOM_IT: &str = include_str!("data/qemu_random_it.txt");

/// Guest address of the buffer the cases may use.
const BUF: u64 = 0x10_0000;
/// Size of the guest window (the snippets live in the static program's text, below 1 MiB).
const WINDOW: usize = 0x20_0000;

/// One recorded case.
struct Case<'a> {
    thumb: bool,
    addr: u64,
    code: Vec<u8>,
    inp: Vec<u32>,
    mem_in: Option<Vec<u8>>,
    out: Vec<u32>,
    mem_out: Option<Vec<u8>>,
    asm: &'a str,
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if s == "-" {
        return None;
    }
    Some(
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect(),
    )
}

fn parse(line: &str) -> Case<'_> {
    let (vals, asm) = line.split_once(" # ").expect("comment");
    let parts: Vec<&str> = vals.split(" | ").collect();
    assert_eq!(parts.len(), 5, "{line}");
    let head: Vec<&str> = parts[0].split_whitespace().collect();
    let words = |s: &str| -> Vec<u32> {
        s.split_whitespace()
            .map(|w| u32::from_str_radix(w, 16).expect("hex"))
            .collect()
    };
    Case {
        thumb: head[0] == "t",
        addr: u64::from_str_radix(head[1], 16).expect("hex"),
        code: hex_bytes(head[2]).expect("code"),
        inp: words(parts[1]),
        mem_in: hex_bytes(parts[2].trim()),
        out: words(parts[3]),
        mem_out: match parts[4].trim() {
            "=" => hex_bytes(parts[2].trim()),
            s => hex_bytes(s),
        },
        asm,
    }
}

/// Runs `c` in a fresh guest window, on the interpreter or (given one) the JIT; returns the
/// failure, if any.
fn run_case(c: &Case, mem: &mut [u8], jit: Option<&mut jit::Jit>) -> Option<String> {
    mem.fill(0);
    let a = c.addr as usize;
    mem[a..a + c.code.len()].copy_from_slice(&c.code);
    if let Some(m) = &c.mem_in {
        mem[BUF as usize..BUF as usize + m.len()].copy_from_slice(m);
    }
    let mut cpu = CpuState {
        mem_base: mem.as_mut_ptr() as u64,
        ..CpuState::default()
    };
    for r in 0..15 {
        cpu.x[r] = c.inp[r] as u64;
    }
    let apsr = c.inp[15] as u64;
    cpu.nzcv = apsr & 0xf000_0000;
    cpu.set_slot(cpu::slot::Q, apsr & 0x0800_0000);
    cpu.set_slot(cpu::slot::GE, ir::sem::ge_mask(apsr));
    cpu.set_slot(cpu::slot::THUMB, c.thumb as u64);
    // SAFETY: `mem` holds the case's code and buffer and outlives the run.
    let left =
        unsafe { common::run_snippet(&mut cpu, c.addr, c.code.len() as u64, jit, 100, c.asm) };
    if left.is_some() {
        return left;
    }
    let mut diffs = Vec::new();
    for r in 0..15 {
        if cpu.x[r] != c.out[r] as u64 {
            diffs.push(format!("r{r} got {:#x} want {:#x}", cpu.x[r], c.out[r]));
        }
    }
    let got_apsr = a32::cpsr(&cpu) as u64 & 0xf80f_0000;
    let want_apsr = c.out[15] as u64 & 0xf80f_0000;
    if got_apsr != want_apsr {
        diffs.push(format!("apsr got {got_apsr:#x} want {want_apsr:#x}"));
    }
    if let Some(m) = &c.mem_out {
        let got = &mem[BUF as usize..BUF as usize + m.len()];
        if got != m.as_slice() {
            let first = (0..m.len()).find(|i| got[*i] != m[*i]).unwrap_or(0);
            diffs.push(format!("memory differs from byte {first:#x}"));
        }
    }
    if cpu.get_slot(cpu::slot::ITSTATE) != 0 {
        diffs.push("ITSTATE left set".into());
    }
    (!diffs.is_empty()).then(|| diffs.join(", "))
}

#[test]
fn qemu_recorded_cases() {
    check(CASES, 400, false);
}

#[test]
fn qemu_recorded_random_words() {
    check(RANDOM, 2000, false);
}

#[test]
fn qemu_recorded_random_memory_words() {
    check(RANDOM_MEM, 600, false);
}

#[test]
fn qemu_recorded_random_it_blocks() {
    check_thumb(RANDOM_IT, 500, false);
}

#[test]
fn qemu_recorded_random_it_blocks_jit() {
    check_thumb(RANDOM_IT, 500, true);
}

#[test]
fn qemu_recorded_cases_jit() {
    check(CASES, 400, true);
}

#[test]
fn qemu_recorded_random_words_jit() {
    check(RANDOM, 2000, true);
}

#[test]
fn qemu_recorded_random_memory_words_jit() {
    check(RANDOM_MEM, 600, true);
}

/// The recorded cases' A32 code lifted as a full translation lifts it (`common::FULL_A32`):
/// conditional instructions leave where their condition fails instead of selecting every
/// write, forward branches may be side exits; on the interpreter and the JIT.
#[test]
fn qemu_recorded_cases_as_full_translations() {
    common::FULL_A32.set(true);
    for use_jit in [false, true] {
        for (cases, min) in [(CASES, 400), (RANDOM, 2000), (RANDOM_MEM, 600)] {
            check(cases, min, use_jit);
        }
    }
}

/// [`check`] for a file of Thumb cases only.
fn check_thumb(cases: &str, min: usize, use_jit: bool) {
    assert!(cases.lines().all(|l| l.starts_with("t ")));
    run_all(cases, use_jit, |_, thumb| {
        assert!(thumb >= min, "{thumb} cases")
    });
}

/// Runs every case of `cases` (at least `min` per instruction set) on the interpreter or, with
/// `use_jit`, on the JIT.
fn check(cases: &str, min: usize, use_jit: bool) {
    run_all(cases, use_jit, |arm, thumb| {
        assert!(
            arm >= min && thumb >= min,
            "{arm} A32 and {thumb} Thumb cases"
        )
    });
}

/// Runs every case of `cases`, checks the counts of A32 and Thumb cases with `counts`, and fails
/// listing every case that differs.
fn run_all(cases: &str, use_jit: bool, counts: impl Fn(usize, usize)) {
    let mut jit = use_jit.then(jit::Jit::new);
    let mut mem = vec![0u8; WINDOW];
    let mut failures = Vec::new();
    let (mut arm, mut thumb) = (0, 0);
    for line in cases.lines() {
        let c = parse(line);
        if std::env::var("A32_TRACE").is_ok() {
            eprintln!("case {}", c.asm);
        }
        if c.thumb {
            thumb += 1;
        } else {
            arm += 1;
        }
        if let Some(j) = jit.as_mut() {
            j.invalidate_all();
        }
        if let Some(f) = run_case(&c, &mut mem, jit.as_mut()) {
            failures.push(format!(
                "[{}] {} in={:x?}: {f}",
                if c.thumb { "t" } else { "a" },
                c.asm,
                c.inp
            ));
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    counts(arm, thumb);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ",
        failures.len(),
        arm + thumb
    );
}
