//! End to end with a real C library: `guest/libc.c` linked statically against Debian's armel
//! glibc (`arm-linux-gnueabi-gcc`, soft-float, so no VFP is needed), as A32 and as Thumb-2, runs
//! through the frontend on the interpreter and the JIT with the harness's loader and syscall
//! shim (`common/static_run.rs`); output and exit status must match qemu-arm-static's.

mod common;

use common::static_run;
use std::path::{Path, PathBuf};
use std::process::Command;

fn build(flags: &[&str]) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guest/libc.c");
    let tag = flags.join("").replace(['-', ' ', '='], "");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("a32-libc-{tag}"));
    let st = Command::new("arm-linux-gnueabi-gcc")
        .args(["-static", "-O2"])
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "arm-linux-gnueabi-gcc not runnable ({e}); the README's test command installs it"
            )
        });
    assert!(st.success(), "compiling libc.c {flags:?} failed");
    out
}

fn check(flags: &[&str]) {
    let bin = build(flags);
    let args = ["prog", "one", "two"];
    let q = Command::new("qemu-arm-static")
        .arg(&bin)
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("qemu-arm-static not runnable ({e})"));
    assert!(!q.stdout.is_empty());
    let bytes = std::fs::read(&bin).unwrap();
    for use_jit in [false, true] {
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
