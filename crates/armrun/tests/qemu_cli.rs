//! qemu-user's command line and environment variables, each checked by its effect on a real
//! guest: armrun must be a drop-in wherever `qemu-aarch64-static` / `qemu-arm-static` are
//! invoked, including under those names.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn busybox() -> PathBuf {
    repo().join(".cache/real/bin/busybox")
}

fn args_env() -> PathBuf {
    a64_static("args_env")
}

/// Runs armrun with `args` and extra environment; (status, stdout, stderr).
fn armrun_with(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let o = Command::new(armrun())
        .args(args)
        .env_remove("QEMU_SET_ENV")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn environment_edits() {
    let p = args_env();
    let p = p.to_str().unwrap();
    let (_, out, _) = armrun_with(&["-E", "ARMRUN_TEST_VAR=abc", p], &[]);
    assert!(out.contains("ARMRUN_TEST_VAR=abc\n"), "{out}");
    let (_, out, _) = armrun_with(&[p], &[("QEMU_SET_ENV", "X=1,ARMRUN_TEST_VAR=q")]);
    assert!(out.contains("ARMRUN_TEST_VAR=q\n"), "{out}");
    let (_, out, _) = armrun_with(&["-U", "ARMRUN_TEST_VAR", p], &[("ARMRUN_TEST_VAR", "x")]);
    assert!(out.contains("ARMRUN_TEST_VAR=(unset)\n"), "{out}");
    let env = [
        ("ARMRUN_TEST_VAR", "x"),
        ("QEMU_UNSET_ENV", "ARMRUN_TEST_VAR"),
    ];
    let (_, out, _) = armrun_with(&[p], &env);
    assert!(out.contains("ARMRUN_TEST_VAR=(unset)\n"), "{out}");
}

#[test]
fn argv0() {
    // busybox picks its applet from argv[0].
    let bb = busybox();
    let bb = bb.to_str().unwrap();
    let (st, out, err) = armrun_with(&["-0", "echo", bb, "via", "argv0"], &[]);
    assert_eq!((st, out.as_str()), (0, "via argv0\n"), "{err}");
    let (st, out, err) = armrun_with(&[bb, "from", "env"], &[("QEMU_ARGV0", "echo")]);
    assert_eq!((st, out.as_str()), (0, "from env\n"), "{err}");
}

#[test]
fn strace_and_logs() {
    let p = args_env();
    let p = p.to_str().unwrap();
    for (args, env) in [
        (vec!["-strace", p], vec![]),
        (vec![p], vec![("QEMU_STRACE", "1")]),
        (vec!["-d", "strace", p], vec![]),
    ] {
        let (_, _, err) = armrun_with(&args, &env);
        assert!(err.contains("write(0x1, "), "{args:?} {env:?}: {err}");
        assert!(err.contains("exit_group("), "{err}");
    }
    let (_, _, err) = armrun_with(&["-d", "in_asm", p], &[]);
    assert!(err.contains("IN:") && err.contains("svc"), "{err}");
    let (_, _, err) = armrun_with(&[p], &[("QEMU_LOG", "in_asm")]);
    assert!(err.contains("IN:"), "{err}");
}

#[test]
fn help_version_and_refusals() {
    let (st, out, _) = armrun_with(&["-version"], &[]);
    assert_eq!(st, 0);
    assert!(out.starts_with("armrun "), "{out}");
    let (st, out, _) = armrun_with(&["-h"], &[]);
    assert_eq!(st, 0);
    assert!(
        out.contains("-cpu model") && out.contains("QEMU_LD_PREFIX"),
        "{out}"
    );
    let (st, out, _) = armrun_with(&["-cpu", "help"], &[]);
    assert_eq!(st, 0);
    assert!(
        out.contains("arm1176") && out.contains("cortex-a53"),
        "{out}"
    );
    // qemu options armrun does not offer are refused by name, never ignored.
    let (st, _, err) = armrun_with(&["-g", "1234", "prog"], &[]);
    assert_eq!(st, 1);
    assert_eq!(
        err,
        "armrun: qemu option -g is not supported by armrun: there is no gdb stub\n"
    );
    let (st, _, err) = armrun_with(&["--bogus", "prog"], &[]);
    assert_eq!(st, 1);
    assert!(err.contains("unknown option '--bogus'"), "{err}");
}

/// Installed as qemu-arm-static or qemu-aarch64-static (a symlink or a copy), armrun runs only
/// that architecture's programs, with qemu's error for the other; as `armrun` it runs both.
#[test]
fn invocation_name_fixes_the_architecture() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("names");
    std::fs::create_dir_all(&dir).unwrap();
    let link = |name: &str| {
        let l = dir.join(name);
        let _ = std::fs::remove_file(&l);
        std::os::unix::fs::symlink(armrun(), &l).unwrap();
        l
    };
    let a32 = guest("hello", "arm-linux-gnueabihf-gcc", &["-static", "-O2"]);
    let a64 = a64_static("hello");
    let run = |emu: &Path, prog: &Path| {
        let o = Command::new(emu).arg(prog).output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let arm = link("qemu-arm-static");
    let aarch64 = link("qemu-aarch64-static");
    assert_eq!(run(&arm, &a32).1, "hello, world\n");
    assert_eq!(run(&aarch64, &a64).1, "hello, world\n");
    for (emu, prog) in [(&arm, &a64), (&aarch64, &a32)] {
        let (st, out, err) = run(emu, prog);
        assert_eq!((st, out.as_str()), (1, ""));
        assert!(
            err.ends_with(": Invalid ELF image for this architecture\n"),
            "{err}"
        );
    }
    assert_eq!(run(&armrun(), &a32).1, "hello, world\n");
    assert_eq!(run(&armrun(), &a64).1, "hello, world\n");
}
