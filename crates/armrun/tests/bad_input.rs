//! Bad input gives one clear error line and a non-zero exit, never a panic.

mod common;
use common::*;
use std::path::Path;

fn expect_error(path: &Path, needle: &str) {
    let (o, err) = run_armrun(&[], path, &[], &[]);
    assert_ne!(o.status, 0, "{}: should fail", path.display());
    assert_eq!(err.lines().count(), 1, "one line expected, got:\n{err}");
    assert!(err.starts_with("armrun: "), "{err}");
    assert!(err.to_lowercase().contains(needle), "{err} lacks {needle}");
    assert!(!err.contains("panicked"), "{err}");
}

fn tmp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn missing_file() {
    expect_error(Path::new("/nonexistent/program"), "no such file");
}

#[test]
fn not_an_elf() {
    expect_error(&tmp("text-file", b"#!/bin/sh\necho hi\n"), "elf");
    expect_error(&tmp("empty-file", b""), "elf");
}

#[test]
fn truncated_elf() {
    let full = std::fs::read(a64_static("hello")).unwrap();
    expect_error(&tmp("truncated-header", &full[..40]), "truncated");
    expect_error(&tmp("truncated-body", &full[..2000]), "truncated");
}

#[test]
fn foreign_machine() {
    expect_error(Path::new("/bin/true"), "x86");
}

#[test]
fn arm32_oabi_and_truncated() {
    let full = std::fs::read(guest(
        "hello",
        "arm-linux-gnueabihf-gcc",
        &["-static", "-O2"],
    ))
    .unwrap();
    // EF_ARM_EABIMASK cleared: an old-ABI binary.
    let mut oabi = full.clone();
    oabi[36..40].copy_from_slice(&0u32.to_le_bytes());
    expect_error(&tmp("arm32-oabi", &oabi), "oabi");
    expect_error(&tmp("arm32-truncated", &full[..3000]), "truncated");
}

#[test]
fn no_program() {
    let o = std::process::Command::new(armrun()).output().unwrap();
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
}

/// A device or a directory is refused at once (as execve refuses them), not read: reading
/// /dev/zero would never end.
#[test]
fn not_a_regular_file() {
    for path in ["/dev/zero", "/tmp"] {
        let mut child = std::process::Command::new(armrun())
            .arg(path)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("armrun {path} still running after 20 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(!status.success(), "{path}");
        expect_error(Path::new(path), "not a regular file");
    }
}

/// A missing interpreter is named once, after one `armrun: ` prefix.
#[test]
fn missing_interpreter_named_once() {
    let mut elf = std::fs::read(guest("hello", "aarch64-linux-gnu-gcc", &["-O2"])).unwrap();
    // PT_INTERP's path, replaced by one of the same length that exists nowhere.
    let interp = b"/lib/ld-linux-aarch64.so.1";
    let missing = b"/no/such/ld-for-armrun.so1";
    let at = elf
        .windows(interp.len())
        .position(|w| w == interp)
        .expect("a dynamic program names its interpreter");
    elf[at..at + interp.len()].copy_from_slice(missing);
    let (o, err) = run_armrun(&[], &tmp("missing-interp", &elf), &[], &[]);
    assert_ne!(o.status, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("armrun: ").count(), 1, "{err}");
    assert_eq!(err.matches("ld-for-armrun").count(), 1, "{err}");
}
