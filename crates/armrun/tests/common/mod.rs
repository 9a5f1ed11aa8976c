//! Shared helpers for armrun's integration tests: building guest programs with Debian's cross
//! compilers and running them under armrun and the qemu-user-static oracle.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// `len` pseudo-random bytes, the same for the same `seed` (a xorshift64 sequence): test input.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The armrun binary under test: `EMULATOR_UNDER_TEST` if set (`scripts/test.sh` points it at the
/// shipped `dist` build, so the programs run on the binary users get and the suite measures),
/// else the one cargo built for these tests. (Not named `ARMRUN_*`: the guests inherit it, and
/// no variable of armrun's own may reach them.)
pub fn armrun() -> PathBuf {
    std::env::var_os("EMULATOR_UNDER_TEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_armrun")))
}

static BUILD_LOCK: Mutex<()> = Mutex::new(());

/// Compiles `tests/guest/NAME.c` with `cc` and `flags` (once per flavour) and returns the binary.
pub fn guest(name: &str, cc: &str, flags: &[&str]) -> PathBuf {
    guest_in("guest", name, cc, flags)
}

/// Compiles `tests/DIR/NAME.c` (DIR: `guest`, or `guest32` for the 32-bit-only programs) with
/// `cc` and `flags` (once per flavour) and returns the binary.
pub fn guest_in(dir: &str, name: &str, cc: &str, flags: &[&str]) -> PathBuf {
    let _g = BUILD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let src = repo().join("tests").join(dir).join(format!("{name}.c"));
    let tag = format!("{cc}{}", flags.join("")).replace(['/', ' ', '='], "_");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir).join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(name);
    let fresh = out.metadata().and_then(|o| o.modified()).ok()
        >= src.metadata().and_then(|s| s.modified()).ok();
    if !fresh || !out.exists() {
        // Flags go after the source so libraries such as -lm resolve its references.
        let st = Command::new(cc)
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .args(flags)
            .status()
            .unwrap_or_else(|e| {
                panic!("{cc} not runnable ({e}); run the README's test command, which installs it")
            });
        assert!(st.success(), "compiling {name} with {cc} failed");
    }
    out
}

/// An AArch64 static guest built with `aarch64-linux-gnu-gcc -static -O2`.
pub fn a64_static(name: &str) -> PathBuf {
    guest(name, "aarch64-linux-gnu-gcc", &["-static", "-O2", "-lm"])
}

/// How a run ended and what it printed.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Exit code, or 128 + signal.
    pub status: i32,
    /// Standard output.
    pub stdout: String,
}

fn outcome(o: Output) -> Outcome {
    use std::os::unix::process::ExitStatusExt;
    let status = o
        .status
        .code()
        .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0));
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
    }
}

/// Runs `prog args` under armrun with extra armrun flags.
pub fn run_armrun(
    flags: &[&str],
    prog: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Outcome, String) {
    let o = Command::new(armrun())
        .args(flags)
        .arg(prog)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (outcome(o), err)
}

/// Runs `prog args` under qemu-aarch64-static, the oracle.
pub fn run_qemu(prog: &Path, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    run_qemu_as("qemu-aarch64-static", prog, args, env)
}

/// Runs `prog args` under the given qemu-user-static binary (the oracle).
pub fn run_qemu_as(qemu: &str, prog: &Path, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let o = Command::new(qemu)
        .arg(prog)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| {
            panic!("{qemu} not runnable ({e}); run the README's test command, which installs it")
        });
    outcome(o)
}

/// What `tests/guest/robust.c` prints (robust and PI mutexes, futex_waitv, membarrier, fork
/// among busy threads), the same for every architecture and linkage.
pub const ROBUST_LINES: &str = "robust: EOWNERDEAD consistent=0 relock=0\npi: total=20000\n\
     futex_waitv: woken by word 1\n\
     membarrier: register=0 private expedited from the other thread=0\n\
     fork with busy threads: 40/40 children ran\n";

/// The Debian sysroot `scripts/sysroot.sh ARCH` assembles (`.cache/sysroot-ARCH`), which must
/// hold `libc` (a path inside it), and whether its libc6 is the package `known`: the update
/// whose libc.so.6 a routine table (`a32::routine`, `a64::routine`) was made from. The sysroot
/// holds whatever Debian 12 ships when it is assembled; after another update a test checks
/// those routines only once the table is brought up to date, and says so.
pub fn sysroot_libc(arch: &str, libc: &str, known: &str) -> (String, bool) {
    let root = repo().join(format!(".cache/sysroot-{arch}"));
    assert!(root.join(libc).exists(), "run scripts/sysroot.sh {arch}");
    let is_known = std::fs::read_to_string(root.join(".armrun-packages"))
        .unwrap_or_default()
        .lines()
        .any(|l| l == known);
    if !is_known {
        eprintln!("the {arch} sysroot's libc6 is not {known}: its routines are not checked");
    }
    (root.to_str().unwrap().to_owned(), is_known)
}
