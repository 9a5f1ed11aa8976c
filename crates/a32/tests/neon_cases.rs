//! Differential Advanced SIMD cases recorded from qemu-arm-static (`gen/gen_neon.py`): random
//! encodings of every row of the NEON decode table (`decode::neon`) that armrun implements,
//! drawn by [`neon_words`] below, in A32 and in T32, with random D0-D31 (NaNs, infinities,
//! denormals, bounds and random patterns), random FPSCR modes and flags (which NEON arithmetic
//! must ignore, apart from the cumulative flags and QC it sets), and loads and stores on a
//! random buffer with every writeback form, plus short sequences (several NEON instructions
//! in one block, conditional VDUP, VDUP in an IT block, chains of post-indexed loads and
//! stores); run on the reference interpreter and on the JIT and
//! compared with the core registers, APSR, FPSCR, D registers and memory QEMU produced.

mod common;

use common::Reuse;
use cpu::CpuState;

const CASES: &str = include_str!("data/neon_qemu.txt");

/// Guest address of the buffer the cases may use.
const BUF: u64 = 0x10_0000;
/// Size of the guest window.
const WINDOW: usize = 0x20_0000;
/// Length of the buffer.
const MEMLEN: usize = 256;

/// One recorded case.
struct Case<'a> {
    thumb: bool,
    addr: u64,
    code: Vec<u8>,
    inp: Vec<u64>,
    mem_in: Option<Vec<u8>>,
    out: Vec<Option<u64>>,
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
    let inp: Vec<u64> = parts[1]
        .split_whitespace()
        .map(|w| u64::from_str_radix(w, 16).expect("hex"))
        .collect();
    let out: Vec<Option<u64>> = parts[3]
        .split_whitespace()
        .map(|w| (w != "=").then(|| u64::from_str_radix(w, 16).expect("hex")))
        .collect();
    assert_eq!(inp.len(), 49, "{line}");
    assert_eq!(out.len(), 49, "{line}");
    let mem_in = hex_bytes(parts[2].trim());
    Case {
        thumb: head[0] == "t",
        addr: u64::from_str_radix(head[1], 16).expect("hex"),
        code: hex_bytes(head[2]).expect("code"),
        mem_out: match parts[4].trim() {
            "=" => mem_in.clone(),
            s => hex_bytes(s),
        },
        inp,
        mem_in,
        out,
        asm,
    }
}

/// Runs `c` on the interpreter or (given one) the JIT; returns the differences, if any.
fn run_case(c: &Case, mem: &mut [u8], mut jit: Option<&mut jit::Jit>) -> Option<String> {
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
        cpu.x[r] = c.inp[r];
    }
    cpu.nzcv = c.inp[15] & 0xf000_0000;
    cpu.set_slot(cpu::slot::THUMB, c.thumb as u64);
    a32::vfp::set_fpscr(&mut cpu, c.inp[16] as u32);
    for d in 0..32 {
        cpu.set_slot(cpu::slot::V0 + d, c.inp[17 + d as usize]);
    }
    let end = c.addr + c.code.len() as u64;
    // SAFETY: the case's code lies inside `mem`, which outlives `fetch`.
    let fetch = unsafe { common::window_fetch(mem.as_ptr(), c.addr, end) };
    let mut pc = c.addr;
    let mut steps = 0;
    loop {
        let thumb = cpu.get_slot(cpu::slot::THUMB) != 0;
        if pc == end && thumb == c.thumb {
            break;
        }
        if pc < c.addr || pc > end || steps > 10 {
            return Some(format!("left the snippet: pc {pc:#x} thumb {thumb}"));
        }
        steps += 1;
        // SAFETY: `cpu` is exclusively ours, and every address the cases touch is inside the
        // guest window at `mem_base`.
        unsafe {
            common::step(
                &mut cpu,
                pc,
                &fetch,
                jit.as_deref_mut(),
                Reuse::Never,
                c.asm,
            )
        };
        if cpu.exit_reason != cpu::exit::JUMP {
            return Some(format!("exit {} at {:#x}", cpu.exit_reason, cpu.pc));
        }
        pc = cpu.pc;
    }
    let mut diffs = Vec::new();
    for r in 0..15 {
        let want = c.out[r].expect("core register recorded");
        if cpu.x[r] != want {
            diffs.push(format!("r{r} got {:#x} want {want:#x}", cpu.x[r]));
        }
    }
    let want_apsr = c.out[15].expect("apsr recorded") & 0xf000_0000;
    if cpu.nzcv != want_apsr {
        diffs.push(format!("apsr got {:#x} want {want_apsr:#x}", cpu.nzcv));
    }
    let got = a32::vfp::fpscr(&cpu) as u64;
    let want = c.out[16].expect("fpscr recorded");
    if got != want {
        diffs.push(format!("fpscr got {got:#x} want {want:#x}"));
    }
    for d in 0..32u32 {
        let want = c.out[17 + d as usize].unwrap_or(c.inp[17 + d as usize]);
        let got = cpu.get_slot(cpu::slot::V0 + d);
        if got != want {
            diffs.push(format!("d{d} got {got:#x} want {want:#x}"));
        }
    }
    if let Some(m) = &c.mem_out {
        let got = &mem[BUF as usize..BUF as usize + MEMLEN];
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

/// Runs every case on the interpreter or the JIT and fails listing every case that differs;
/// also checks that every NEON table row has cases in both instruction sets.
fn run_all(use_jit: bool) {
    let mut jit = use_jit.then(jit::Jit::new);
    let mut mem = vec![0u8; WINDOW];
    let mut failures = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    let dec = decode::Decoder::new(decode::neon::NEON_TABLE);
    for line in CASES.lines() {
        let c = parse(line);
        total += 1;
        let word: u32 = if c.thumb {
            let h = |i: usize| u16::from_le_bytes([c.code[i], c.code[i + 1]]) as u32;
            h(0) << 16 | h(2)
        } else {
            u32::from_le_bytes([c.code[0], c.code[1], c.code[2], c.code[3]])
        };
        let a32_word = decode::neon::to_a32(word, c.thumb);
        if let Some(m) = decode::neon::decode(&dec, a32_word) {
            seen.insert((m.entry.id, c.thumb));
        }
        if let Some(j) = jit.as_mut() {
            j.invalidate_all();
        }
        if let Some(f) = run_case(&c, &mut mem, jit.as_mut()) {
            failures.push(format!(
                "[{}] {}: {f}",
                if c.thumb { "t" } else { "a" },
                c.asm
            ));
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    for e in decode::neon::NEON_TABLE {
        for thumb in [false, true] {
            assert!(
                seen.contains(&(e.id, thumb)),
                "no cases for {:?} thumb={thumb}",
                e.id
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ",
        failures.len()
    );
}

#[test]
fn qemu_recorded_neon() {
    run_all(false);
}

#[test]
fn qemu_recorded_neon_jit() {
    run_all(true);
}

/// Prints `NEON_WORDS` (default 12) random encodings of every row that armrun implements, as
/// `row a32-word t32-word` lines, for `gen/gen_neon.py`:
/// `cargo test --release -p a32 --test neon_cases -- --ignored --nocapture neon_words`.
#[test]
#[ignore]
fn neon_words() {
    let per_row: usize = std::env::var("NEON_WORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let dec = decode::Decoder::new(decode::neon::NEON_TABLE);
    let mut x = 0x2545_f491_4f6c_dd1du64 ^ per_row as u64;
    for e in decode::neon::NEON_TABLE {
        let mut found = 0;
        for _ in 0..200_000 {
            if found == per_row {
                break;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let Some(w) = decode::neon::random_word(&dec, e, (x >> 11) as u32) else {
                continue;
            };
            // VDUP (core) as "always" (1110), which is also its only T32 condition.
            let w = if w >> 28 != 15 {
                w & 0x0fff_ffff | 0xe000_0000
            } else {
                w
            };
            let t = if w >> 24 == 0xf4 {
                w & 0x00ff_ffff | 0xf900_0000
            } else if w >> 25 == 0x79 {
                w & 0x00ff_ffff | 0xef00_0000 | (w >> 24 & 1) << 28
            } else {
                w
            };
            if a32::implemented(w, false) && a32::implemented(t, true) {
                println!("{:?} {w:08x} {t:08x}", e.id);
                found += 1;
            }
        }
    }
}
