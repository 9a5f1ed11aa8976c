//! Real Debian arm64 programs, dynamically linked, run from the sysroot that
//! `scripts/sysroot.sh arm64` assembles (`armrun -L sysroot sysroot/usr/bin/PROG`). Output is
//! compared with the native amd64 build of the same Debian package where the result is
//! architecture-neutral. Each check names the arm64 package version it ran (see the stamp file).
//! The architecture-neutral checks are shared with armhf (`common/real.rs`).

mod common;
use common::*;

/// The Debian architecture of the sysroot.
const ARCH: &str = "arm64";
/// The dynamic loader of that architecture in the sysroot.
const LDSO: &str = "/usr/lib/ld-linux-aarch64.so.1";
include!("common/real.rs");

#[test]
fn file_magic() {
    let d = workdir("file");
    std::fs::write(d.join("t.txt"), "plain text\n").unwrap();
    std::fs::copy(a64_static("hello"), d.join("hello")).unwrap();
    std::fs::write(d.join("x.gz"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]).unwrap();
    same_as_native("file", "/usr/bin/file", &["t.txt", "hello", "x.gz"], &d);
}

#[test]
fn proc_emulation() {
    let d = workdir("proc");
    let script = r#"
import os
print(os.readlink("/proc/self/exe").endswith("/usr/bin/python3.11"))
print(open("/proc/self/cmdline", "rb").read().split(b"\0")[1])
feat = [l for l in open("/proc/cpuinfo") if l.startswith("Features")][0].split()
print(feat[:4])
maps = open("/proc/self/maps").read()
print(any(" r-xp " in l for l in maps.splitlines()), "[stack]" in maps)
import sys
sys.stderr.write("maps names: %s %s\n" % ("/usr/bin/python3.11" in maps, "libc.so.6" in maps))
import struct
aux = open("/proc/self/auxv", "rb").read()
pairs = dict(struct.iter_unpack("<QQ", aux))
print(pairs.get(6), pairs.get(16, 0) & 3)
"#;
    let (o, err) = arm("/usr/bin/python3", &["-c", script], &d);
    assert_eq!(o.status, 0, "{err}");
    assert_eq!(
        o.stdout,
        "True\nb'-c'\n['Features', ':', 'fp', 'asimd']\nTrue True\n4096 3\n"
    );
    assert!(err.contains("maps names: True True\n"), "{err}");
}
