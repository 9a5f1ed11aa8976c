//! End to end with a real C library: `guest/libc.c` linked statically against Debian's armel
//! glibc (`arm-linux-gnueabi-gcc`, soft-float, so no VFP is needed), as A32 and as Thumb-2, and
//! the repository's `tests/guest` FP programs (hello, printf, libm, strtod) linked against the
//! armhf glibc (`arm-linux-gnueabihf-gcc`, hard-float VFP), run through the frontend on the
//! interpreter and the JIT with the harness's loader and syscall shim (`common/static_run.rs`);
//! output and exit status must match qemu-arm-static's.

mod common;

use common::static_run;
use std::path::{Path, PathBuf};
use std::process::Command;

fn build(flags: &[&str]) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guest/libc.c");
    build_with("arm-linux-gnueabi-gcc", &src, "libc", flags)
}

/// Compiles `src` statically with `cc` and `flags` into the test's temporary directory.
fn build_with(cc: &str, src: &Path, name: &str, flags: &[&str]) -> PathBuf {
    let tag = flags.join("").replace(['-', ' ', '='], "");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("a32-{name}-{cc}-{tag}"));
    let st = Command::new(cc)
        .args(["-static", "-O2"])
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(src)
        .arg("-lm")
        .status()
        .unwrap_or_else(|e| {
            panic!("{cc} not runnable ({e}); the README's test command installs it")
        });
    assert!(st.success(), "compiling {} {flags:?} failed", src.display());
    out
}

fn check(flags: &[&str]) {
    let bin = build(flags);
    compare(&bin, flags, &[false, true]);
}

/// Runs `bin` under qemu-arm-static and on the frontend (the interpreter and/or the JIT, as
/// `engines` lists), comparing output and exit status.
fn compare(bin: &Path, flags: &[&str], engines: &[bool]) {
    let args = ["prog", "one", "two"];
    let q = Command::new("qemu-arm-static")
        .arg(bin)
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("qemu-arm-static not runnable ({e})"));
    assert!(!q.stdout.is_empty());
    let bytes = std::fs::read(bin).unwrap();
    for &use_jit in engines {
        let o = static_run::run(&bytes, &args, use_jit)
            .unwrap_or_else(|e| panic!("{flags:?} jit={use_jit}: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&q.stdout),
            "{flags:?} jit={use_jit}"
        );
        assert_eq!(Some(o.status), q.status.code(), "{flags:?} jit={use_jit}");
    }
}

/// Builds the repository's `tests/guest/<name>.c` for armhf with `flags` and compares it.
fn check_hf(name: &str, flags: &[&str], engines: &[bool]) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/guest")
        .join(format!("{name}.c"));
    let bin = build_with("arm-linux-gnueabihf-gcc", &src, name, flags);
    compare(&bin, flags, engines);
}

#[test]
fn armel_glibc_a32() {
    check(&["-marm"]);
}

#[test]
fn armel_glibc_thumb2() {
    check(&["-mthumb", "-march=armv7-a"]);
}

#[test]
fn armel_glibc_armv6() {
    check(&["-march=armv6", "-marm", "-O0"]);
}

#[test]
fn armhf_hello_a32_and_thumb2() {
    check_hf("hello", &["-marm"], &[false, true]);
    check_hf("hello", &["-mthumb"], &[false, true]);
}

#[test]
fn armhf_printf() {
    check_hf("printf", &["-marm"], &[false, true]);
    check_hf("printf", &["-mthumb"], &[false, true]);
}

#[test]
fn armhf_libm() {
    check_hf("libm", &["-mthumb"], &[false, true]);
    check_hf("libm", &["-marm"], &[true]);
}

#[test]
fn armhf_strtod_jit() {
    // Too slow for the interpreter in a test (20000 printf/strtod round trips).
    check_hf("strtod", &["-mthumb"], &[true]);
    check_hf("strtod", &["-marm"], &[true]);
}

#[test]
fn armhf_armv6_vfp() {
    check_hf(
        "printf",
        &["-march=armv6", "-marm", "-mfpu=vfp"],
        &[false, true],
    );
}
