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
