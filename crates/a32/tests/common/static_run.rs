//! A minimal loader and syscall shim for static 32-bit ARM Linux programs, shared by the
//! `run_static` example and the `static_glibc` test: it maps the PT_LOAD segments into a guest
//! window covering the whole 32-bit address space, builds the initial stack (argv, an empty
//! environment, auxv with AT_PHDR, AT_RANDOM and [`a32::HWCAP_INTEGER`]), installs the kuser
//! helper page, and runs blocks on the interpreter or the JIT, answering write/writev, brk,
//! mmap2, set_tls, uname, exit and a few no-op syscalls (everything else gets ENOSYS). It is a
//! test harness for the frontend, not the runtime: no files, signals or threads.

#![allow(dead_code)]

#[path = "runner.rs"]
pub mod runner;

use cpu::{CpuState, exit, slot};

/// The whole 32-bit address space (allocated zeroed, so only touched pages cost memory).
const WINDOW: usize = 1 << 32;
const STACK_TOP: u64 = 0x03f0_0000;
const MMAP_BASE: u64 = 0x4000_0000;

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// How a run ended.
pub struct Outcome {
    /// Everything written to fd 1 and 2.
    pub stdout: Vec<u8>,
    /// The exit status.
    pub status: i32,
    /// Blocks executed.
    pub blocks: u64,
    /// Syscalls the shim answered with ENOSYS.
    pub enosys: Vec<u64>,
}

/// Runs the static ELF32 program `bin` with arguments `args` (argv[0] first); `Err` describes
/// the instruction or jump that stopped it.
pub fn run(bin: &[u8], args: &[&str], use_jit: bool) -> Result<Outcome, String> {
    if &bin[..5] != b"\x7fELF\x01" {
        return Err("not an ELF32 file".into());
    }
    let mut mem = vec![0u8; WINDOW];
    let put32 = |mem: &mut [u8], a: u64, v: u32| {
        mem[a as usize..a as usize + 4].copy_from_slice(&v.to_le_bytes())
    };
    let kuser = loader::kuser::PAGE_ADDR as usize;
    mem[kuser..kuser + 4096].copy_from_slice(&loader::kuser::page());
    let entry = u32_at(bin, 24) as u64;
    let phoff = u32_at(bin, 28) as usize;
    let phentsize = u16::from_le_bytes([bin[42], bin[43]]) as usize;
    let phnum = u16::from_le_bytes([bin[44], bin[45]]) as usize;
    let (mut phdr, mut brk) = (0, 0u64);
    for k in 0..phnum {
        let ph = phoff + k * phentsize;
        let (ty, off, va, filesz, memsz) = (
            u32_at(bin, ph),
            u32_at(bin, ph + 4) as usize,
            u32_at(bin, ph + 8) as usize,
            u32_at(bin, ph + 16) as usize,
            u32_at(bin, ph + 20) as usize,
        );
        if ty == 1 {
            mem[va..va + filesz].copy_from_slice(&bin[off..off + filesz]);
            brk = brk.max(((va + memsz + 0xfff) & !0xfff) as u64);
            if off == 0 {
                phdr = va + phoff;
            }
        }
    }
    // The initial stack: argc, argv, an empty environment and auxv; strings and the 16
    // AT_RANDOM bytes above it.
    let mut strings = STACK_TOP - 0x1000;
    let mut argv = Vec::new();
    for a in args {
        let b = a.as_bytes();
        mem[strings as usize..strings as usize + b.len()].copy_from_slice(b);
        argv.push(strings as u32);
        strings += b.len() as u64 + 1;
    }
    let random = strings as u32;
    let auxv: [(u32, u32); 8] = [
        (3, phdr as u32),
        (4, phentsize as u32),
        (5, phnum as u32),
        (6, 4096),
        (9, entry as u32),
        (16, (a32::HWCAP_INTEGER | a32::HWCAP_VFP) as u32),
        (25, random),
        (0, 0),
    ];
    let sp0 = STACK_TOP - 0x2000;
    let words: Vec<u32> = std::iter::once(args.len() as u32)
        .chain(argv.iter().copied())
        .chain([0, 0])
        .chain(auxv.iter().flat_map(|(k, v)| [*k, *v]))
        .collect();
    for (i, w) in words.iter().enumerate() {
        put32(&mut mem, sp0 + 4 * i as u64, *w);
    }
    let mut cpu = CpuState {
        mem_base: mem.as_mut_ptr() as u64,
        ..CpuState::default()
    };
    cpu.x[13] = sp0;
    cpu.set_slot(slot::THUMB, entry & 1);
    let mut pc = entry & !1;
    let mut mmap_next = MMAP_BASE;
    let mut jit = use_jit.then(jit::Jit::new);
    let base = mem.as_ptr();
    // SAFETY: the window is `mem`, which outlives `fetch`.
    let fetch = unsafe { runner::window_fetch(base, 0, WINDOW as u64 - 3) };
    let mut out = Outcome {
        stdout: Vec::new(),
        status: 0,
        blocks: 0,
        enosys: Vec::new(),
    };
    loop {
        out.blocks += 1;
        if out.blocks > 50_000_000 {
            return Err("did not finish".into());
        }
        // SAFETY: `cpu` is exclusively ours; the window covers every 32-bit address.
        unsafe {
            runner::step(
                &mut cpu,
                pc,
                &fetch,
                jit.as_mut(),
                runner::Reuse::ByPc,
                "program",
            )
        };
        pc = cpu.pc;
        match cpu.exit_reason {
            exit::JUMP => continue,
            exit::SYSCALL => {}
            r => {
                let word = cpu.exit_arg as u32;
                let thumb = cpu.get_slot(slot::THUMB) != 0;
                return Err(format!(
                    "exit {r} at {pc:#x} ({}), word {word:#010x} ({})",
                    if thumb { "Thumb" } else { "A32" },
                    a32::disasm_name(word, thumb).unwrap_or("not in the integer tables")
                ));
            }
        }
        let x = |i: usize| cpu.x[i];
        let get32 = |a: u64| u32_at(&mem, a as usize);
        let r: i64 = match x(7) {
            1 | 248 => {
                out.status = x(0) as i32;
                return Ok(out);
            }
            4 => {
                let (p, n) = (x(1) as usize, x(2) as usize);
                out.stdout.extend_from_slice(&mem[p..p + n]);
                n as i64
            }
            146 => {
                let (iov, cnt) = (x(1), x(2));
                let mut total = 0;
                for i in 0..cnt {
                    let p = get32(iov + 8 * i) as usize;
                    let n = get32(iov + 8 * i + 4) as usize;
                    out.stdout.extend_from_slice(&mem[p..p + n]);
                    total += n as i64;
                }
                total
            }
            45 => {
                if x(0) > brk && x(0) < MMAP_BASE {
                    brk = x(0);
                }
                brk as i64
            }
            192 => {
                let a = mmap_next;
                mmap_next += (x(1) + 0xfff) & !0xfff;
                a as i64
            }
            0xf0005 => {
                cpu.tpidr = x(0);
                0
            }
            122 => {
                let p = x(0) as usize;
                for (i, f) in ["Linux", "armrun", "6.1.0", "#1", "armv7l", ""]
                    .iter()
                    .enumerate()
                {
                    mem[p + 65 * i..p + 65 * i + f.len()].copy_from_slice(f.as_bytes());
                }
                0
            }
            // set_tid_address, gettid
            256 | 224 => 1000,
            // munmap, mprotect, set_robust_list, rt_sigprocmask, rt_sigaction, madvise
            91 | 125 | 338 | 175 | 174 | 220 => 0,
            // ioctl: not a terminal
            54 => -25,
            n => {
                out.enosys.push(n);
                -38
            }
        };
        cpu.x[0] = r as u32 as u64;
    }
}
