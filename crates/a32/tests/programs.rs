//! End to end: a freestanding C program (`guest/prog.c`) compiled by arm-linux-gnueabihf-gcc for
//! A32 and Thumb at several optimisation levels, loaded into a guest window and run block by
//! block (on the interpreter and on the JIT) with a minimal write/exit syscall layer; its output
//! must match qemu-arm-static's.

mod common;

use cpu::{CpuState, exit, slot};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Size of the guest window; the stack starts near its top.
const WINDOW: usize = 16 << 20;
const STACK_TOP: u64 = 0x00ff_0000;

/// Compiles `guest/prog.c` with `flags` into the test's temporary directory.
fn build(flags: &[&str]) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guest/prog.c");
    let tag = flags.join("").replace(['-', ' '], "");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("a32-prog-{tag}"));
    let st = Command::new("arm-linux-gnueabihf-gcc")
        .args([
            "-nostdlib",
            "-static",
            "-fomit-frame-pointer",
            "-ffreestanding",
        ])
        .arg("-fno-stack-protector")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .arg("-lgcc")
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "arm-linux-gnueabihf-gcc not runnable ({e}); the README's test command installs it"
            )
        });
    assert!(st.success(), "compiling prog.c {flags:?} failed");
    out
}

/// Output and exit status under qemu-arm-static.
fn qemu(bin: &Path) -> (Vec<u8>, i32) {
    let o = Command::new("qemu-arm-static")
        .arg(bin)
        .output()
        .unwrap_or_else(|e| panic!("qemu-arm-static not runnable ({e})"));
    (o.stdout, o.status.code().unwrap_or(-1))
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// Maps the PT_LOAD segments of the ELF32 `bin` into `mem`; returns the entry point.
fn load(bin: &[u8], mem: &mut [u8]) -> u64 {
    assert_eq!(&bin[..5], b"\x7fELF\x01", "not an ELF32 file");
    let entry = u32_at(bin, 24) as u64;
    let phoff = u32_at(bin, 28) as usize;
    let phentsize = u16::from_le_bytes([bin[42], bin[43]]) as usize;
    let phnum = u16::from_le_bytes([bin[44], bin[45]]) as usize;
    for k in 0..phnum {
        let ph = phoff + k * phentsize;
        if u32_at(bin, ph) != 1 {
            continue;
        }
        let (off, va, filesz) = (
            u32_at(bin, ph + 4) as usize,
            u32_at(bin, ph + 8) as usize,
            u32_at(bin, ph + 16) as usize,
        );
        mem[va..va + filesz].copy_from_slice(&bin[off..off + filesz]);
    }
    entry
}

/// Runs the program in `mem` from `entry`; returns its output and exit status.
fn run(mem: &mut [u8], entry: u64, use_jit: bool) -> (Vec<u8>, i32) {
    let mut cpu = CpuState {
        mem_base: mem.as_mut_ptr() as u64,
        ..CpuState::default()
    };
    cpu.x[13] = STACK_TOP;
    cpu.set_slot(slot::THUMB, entry & 1);
    let mut pc = entry & !1;
    let mut jit = use_jit.then(jit::Jit::new);
    let base = mem.as_ptr();
    // SAFETY: the window is `mem`, which outlives `fetch`.
    let fetch = unsafe { common::window_fetch(base, 0, WINDOW as u64 - 3) };
    let mut out = Vec::new();
    for _ in 0..5_000_000 {
        // SAFETY: `cpu` is exclusively ours and the program only touches the window.
        unsafe {
            common::step(
                &mut cpu,
                pc,
                &fetch,
                jit.as_mut(),
                common::Reuse::ByPc,
                "program",
            )
        };
        pc = cpu.pc;
        match cpu.exit_reason {
            exit::JUMP => {}
            exit::SYSCALL => match cpu.x[7] {
                4 => {
                    let (fd, buf, len) = (cpu.x[0], cpu.x[1] as usize, cpu.x[2] as usize);
                    assert_eq!(fd, 1);
                    // SAFETY: the guest buffer is inside the window (the program is ours).
                    let bytes = unsafe { std::slice::from_raw_parts(base.add(buf), len) };
                    out.extend_from_slice(bytes);
                    cpu.x[0] = len as u64;
                }
                1 | 248 => return (out, cpu.x[0] as i32),
                n => panic!("unexpected syscall {n} at {pc:#x}"),
            },
            r => panic!(
                "exit {r} at {pc:#x} (thumb {}), arg {:#x}",
                cpu.get_slot(slot::THUMB),
                cpu.exit_arg
            ),
        }
    }
    panic!("program did not finish");
}

fn check(flags: &[&str]) {
    let bin = build(flags);
    let (want, want_status) = qemu(&bin);
    assert!(want.starts_with(b"a32 guest\n"), "qemu output: {want:?}");
    let bytes = std::fs::read(&bin).unwrap();
    for use_jit in [false, true] {
        let mut mem = vec![0u8; WINDOW];
        let entry = load(&bytes, &mut mem);
        let (got, status) = run(&mut mem, entry, use_jit);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "{flags:?} jit={use_jit}"
        );
        assert_eq!(status, want_status, "{flags:?} jit={use_jit}");
    }
}

#[test]
fn a32_o2() {
    check(&["-marm", "-O2"]);
}

#[test]
fn a32_o1() {
    check(&["-marm", "-O1"]);
}

#[test]
fn thumb_o2() {
    check(&["-mthumb", "-O2"]);
}

#[test]
fn thumb_os() {
    check(&["-mthumb", "-Os"]);
}

#[test]
fn thumb_o3() {
    check(&["-mthumb", "-O3"]);
}
