//! Real Debian armhf programs (32-bit ARM, hard-float, Thumb-2 code), dynamically linked, run
//! from the sysroot that `scripts/sysroot.sh armhf` assembles. The architecture-neutral checks
//! are shared with arm64 (`common/real.rs`): output is compared with the native amd64 build of
//! the same Debian package, and each check names the armhf package version it ran.

mod common;
use common::*;

/// The Debian architecture of the sysroot.
const ARCH: &str = "armhf";
/// The dynamic loader of that architecture in the sysroot.
const LDSO: &str = "/usr/lib/ld-linux-armhf.so.3";
include!("common/real.rs");

#[test]
fn file_magic() {
    let d = workdir("file");
    std::fs::write(d.join("t.txt"), "plain text\n").unwrap();
    let hello = guest("hello", "arm-linux-gnueabihf-gcc", &["-static", "-O2"]);
    std::fs::copy(hello, d.join("hello")).unwrap();
    same_as_native("file", "/usr/bin/file", &["t.txt", "hello"], &d);
}

/// /proc as a 32-bit ARM kernel shows it: cpuinfo's Features line names the 32-bit HWCAP bits,
/// auxv holds 4-byte words, uname says armv7l.
#[test]
fn proc_emulation() {
    let d = workdir("proc");
    let script = r#"
import os, struct
print(os.readlink("/proc/self/exe").endswith("/usr/bin/python3.11"), os.uname().machine)
print(open("/proc/self/cmdline", "rb").read().split(b"\0")[1])
feat = [l for l in open("/proc/cpuinfo") if l.startswith("Features")][0].split()
print(feat[:4], "neon" in feat)
maps = open("/proc/self/maps").read()
print(any(" r-xp " in l for l in maps.splitlines()), "[stack]" in maps, "libc.so.6" in maps)
pairs = dict(struct.iter_unpack("<II", open("/proc/self/auxv", "rb").read()))
print(pairs.get(6), pairs.get(16, 0) & (1 << 6) != 0)
"#;
    let (o, err) = arm("/usr/bin/python3", &["-c", script], &d);
    assert_eq!(o.status, 0, "{err}");
    assert_eq!(
        o.stdout,
        "True armv7l\nb'-c'\n['Features', ':', 'half', 'thumb'] True\nTrue True True\n4096 True\n"
    );
}
