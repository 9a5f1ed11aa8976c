//! Real Debian arm64 code: the busybox-static package (fetched by scripts/fetch-real.sh) runs its
//! applets under armrun with the same output and status as under qemu-aarch64-static.

mod common;
use common::*;
use std::path::PathBuf;

fn busybox() -> PathBuf {
    let p = repo().join(".cache/real/bin/busybox");
    assert!(
        p.exists(),
        "{} missing: run scripts/fetch-real.sh (scripts/test.sh does)",
        p.display()
    );
    p
}

fn agree(args: &[&str]) -> Outcome {
    let bb = busybox();
    let (o, err) = run_armrun(&[], &bb, args, &[]);
    let q = run_qemu(&bb, args, &[]);
    assert_eq!(
        o, q,
        "busybox {args:?}: armrun differs from qemu; armrun stderr:\n{err}"
    );
    o
}

#[test]
fn applets_match_qemu() {
    let data = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bb-data.txt");
    let text: String = (0..2000)
        .map(|i| format!("{} line {}\n", (i * 7919) % 1000, i))
        .collect();
    std::fs::write(&data, text).unwrap();
    let f = data.to_str().unwrap();
    assert_eq!(agree(&["echo", "hello", "world"]).stdout, "hello world\n");
    assert_eq!(agree(&["uname", "-m"]).stdout, "aarch64\n");
    agree(&[
        "sh",
        "-c",
        "i=0; while [ $i -lt 300 ]; do i=$((i+1)); done; echo $i $((i*i))",
    ]);
    agree(&["expr", "6", "*", "7"]);
    agree(&["wc", f]);
    agree(&["sort", "-n", f]);
    agree(&["md5sum", f]);
    agree(&["sha256sum", f]);
    agree(&["sha1sum", f]);
    agree(&["printf", "%05d %x %s %.3f\n", "42", "255", "str", "2.5"]);
    agree(&["false"]);
    agree(&["ls", "-1", "/"]);
}
