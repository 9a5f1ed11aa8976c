//! FP/SIMD cases recorded from qemu-arm-static (the VFP and the NEON sets): the case format,
//! its parser, one case's run on the interpreter or the JIT, and the loop over a whole set
//! that also checks every decode-table row has cases in both instruction sets.

use cpu::CpuState;

/// Guest address of the buffer the cases may use.
pub const BUF: u64 = 0x10_0000;
/// Size of the guest window.
pub const WINDOW: usize = 0x20_0000;
/// Length of the buffer.
pub const MEMLEN: usize = 256;

/// One recorded case.
pub struct Case<'a> {
    pub thumb: bool,
    pub addr: u64,
    pub code: Vec<u8>,
    pub inp: Vec<u64>,
    pub mem_in: Option<Vec<u8>>,
    pub out: Vec<Option<u64>>,
    pub mem_out: Option<Vec<u8>>,
    pub asm: &'a str,
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

pub fn parse(line: &str) -> Case<'_> {
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
pub fn run_case(c: &Case, mem: &mut [u8], jit: Option<&mut jit::Jit>) -> Option<String> {
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
    // SAFETY: `mem` holds the case's code and buffer and outlives the run.
    let left = unsafe { super::run_snippet(&mut cpu, c.addr, c.code.len() as u64, jit, 10, c.asm) };
    if left.is_some() {
        return left;
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

/// Runs every case of `cases` on the interpreter or the JIT and fails listing every case that
/// differs. `row` names the decode-table row of a case's first instruction (`None` for one the
/// table does not know); every row in `rows` (key, mnemonic) must have cases in both
/// instruction sets.
pub fn run_all<K: Eq>(
    cases: &str,
    use_jit: bool,
    row: impl Fn(&Case) -> Option<K>,
    rows: &[(K, &str)],
) {
    let mut jit = use_jit.then(jit::Jit::new);
    let mut mem = vec![0u8; WINDOW];
    let mut failures = Vec::new();
    let mut seen: Vec<(K, bool)> = Vec::new();
    let mut total = 0;
    for line in cases.lines() {
        let c = parse(line);
        total += 1;
        if let Some(k) = row(&c)
            && !seen.iter().any(|(s, t)| *s == k && *t == c.thumb)
        {
            seen.push((k, c.thumb));
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
    let mut missing = Vec::new();
    for (k, name) in rows {
        for t in [false, true] {
            if !seen.iter().any(|(s, st)| s == k && *st == t) {
                missing.push(format!("{name} thumb={t}"));
            }
        }
    }
    assert!(missing.is_empty(), "no cases for {missing:?}");
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ",
        failures.len()
    );
}

/// The first 32-bit instruction of a case: an A32 word, or a T32 pair (after an IT, if the
/// case starts with one) as first << 16 | second.
pub fn first_word(c: &Case) -> u32 {
    let h = |i: usize| u16::from_le_bytes([c.code[i], c.code[i + 1]]) as u32;
    if !c.thumb {
        u32::from_le_bytes([c.code[0], c.code[1], c.code[2], c.code[3]])
    } else {
        let at = if h(0) >> 8 == 0xbf { 2 } else { 0 };
        h(at) << 16 | h(at + 2)
    }
}
