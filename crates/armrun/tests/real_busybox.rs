//! Real Debian code: the busybox-static package of arm64 and of armel (32-bit soft-float ARM),
//! fetched by scripts/fetch-real.sh, runs its applets under armrun with the same output and
//! status as under qemu-aarch64-static / qemu-arm-static.

mod common;
use common::*;
use std::path::PathBuf;

/// One Debian architecture's busybox-static: where fetch-real.sh puts it, its oracle and
/// what `uname -m` says under it.
struct Flavour {
    dir: &'static str,
    qemu: &'static str,
    machine: &'static str,
}

const ARM64: Flavour = Flavour {
    dir: ".cache/real",
    qemu: "qemu-aarch64-static",
    machine: "aarch64",
};

const ARMEL: Flavour = Flavour {
    dir: ".cache/real-armel",
    qemu: "qemu-arm-static",
    machine: "armv7l",
};

fn busybox(f: &Flavour) -> PathBuf {
    let p = repo().join(f.dir).join("bin/busybox");
    assert!(
        p.exists(),
        "{} missing: run scripts/fetch-real.sh (scripts/test.sh does)",
        p.display()
    );
    p
}

fn agree(f: &Flavour, args: &[&str]) -> Outcome {
    let bb = busybox(f);
    let (o, err) = run_armrun(&[], &bb, args, &[]);
    let q = run_qemu_as(f.qemu, &bb, args, &[]);
    assert_eq!(
        o, q,
        "busybox ({}) {args:?}: armrun differs from qemu; armrun stderr:\n{err}",
        f.dir
    );
    o
}

#[test]
fn arm64_applets_match_qemu() {
    applets_match_qemu(&ARM64);
}

#[test]
fn armel_applets_match_qemu() {
    applets_match_qemu(&ARMEL);
}

fn applets_match_qemu(fl: &Flavour) {
    let agree = |args: &[&str]| agree(fl, args);
    let data = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bb-data-{}.txt", fl.machine));
    let text: String = (0..2000)
        .map(|i| format!("{} line {}\n", (i * 7919) % 1000, i))
        .collect();
    std::fs::write(&data, text).unwrap();
    let f = data.to_str().unwrap();
    assert_eq!(agree(&["echo", "hello", "world"]).stdout, "hello world\n");
    assert_eq!(agree(&["uname", "-m"]).stdout, format!("{}\n", fl.machine));
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
