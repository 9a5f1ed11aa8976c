//! `armrun binfmt install|uninstall|status` against the real kernel (needs root; the VM's
//! binfmt_misc is the machine's own). The test registers uniquely named entries, disables any
//! other enabled entry for ARM ELF files (Debian's qemu-user-static registers `qemu-aarch64` and
//! `qemu-arm`) so that only armrun can have run the programs, and restores everything as it
//! found it, even when an assertion fails.

mod common;
use common::*;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = "/proc/sys/fs/binfmt_misc";

/// Why this machine cannot run the tests that change binfmt_misc, if it cannot: they need root
/// with the capabilities to mount binfmt_misc, register entries and chroot (a VM, or a
/// privileged container; an unprivileged container has none of them). CI's machine has them.
fn unavailable() -> Option<String> {
    // SAFETY: geteuid has no arguments and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    let register = Path::new(ROOT).join("register");
    if !register.exists() {
        let mounted = Command::new("mount")
            .args(["-t", "binfmt_misc", "binfmt_misc", ROOT])
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            return Some("binfmt_misc is not mounted and cannot be mounted here".into());
        }
    }
    if std::fs::OpenOptions::new()
        .write(true)
        .open(&register)
        .is_err()
    {
        return Some("binfmt_misc's register file is not writable here".into());
    }
    let chroot = Command::new("chroot").args(["/", "true"]).status();
    if !chroot.is_ok_and(|s| s.success()) {
        return Some("chroot is not permitted here".into());
    }
    None
}

/// binfmt_misc is one table for the machine: the tests that change it take turns.
static BINFMT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits for this test's turn at binfmt_misc (see [`BINFMT`]), first removing what killed runs
/// left there (see [`remove_stale_entries`]).
fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    let turn = BINFMT.lock().unwrap_or_else(|e| e.into_inner());
    for name in remove_stale_entries() {
        eprintln!("removed {name}: left by a test run that was killed");
    }
    turn
}

/// The test process that registered `name`, if it is one of these tests' entries: they are
/// named `armrun-<test>-<pid>`, with the `--arch` after it for `armrun binfmt install`'s.
fn test_entry_pid(name: &str) -> Option<u32> {
    let (kind, rest) = name.strip_prefix("armrun-")?.split_once('-')?;
    if !["test", "setuid", "dbs", "mount"].contains(&kind) {
        return None;
    }
    rest.split('-').next()?.parse().ok()
}

/// Removes the entries of test processes that are gone: a run killed before its [`Restore`]
/// went (a timeout, ^C) leaves its entry enabled, and every ARM program the machine runs then
/// goes through that run's copy of armrun. (The entries it disabled stay disabled: which they
/// were is not recorded anywhere. A run in another pid namespace on the same kernel would look
/// gone too; two runs cannot share binfmt_misc anyway, each disabling the other's entries.)
/// Returns the names removed.
fn remove_stale_entries() -> Vec<String> {
    let mut removed = Vec::new();
    for e in std::fs::read_dir(ROOT).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = test_entry_pid(&name) else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if std::fs::write(e.path(), "-1").is_ok() {
            removed.push(name);
        }
    }
    removed
}

/// The magic of the ELF files the entries under test match (their `magic` line).
const ARM_MAGICS: [&str; 2] = [
    "7f454c460201010000000000000000000200b700",
    "7f454c4601010100000000000000000002002800",
];

/// Puts the host back: re-enables the entries it disabled and removes the test's own.
struct Restore {
    disabled: Vec<PathBuf>,
    prefix: String,
    armrun: PathBuf,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = Command::new(&self.armrun)
            .args(["binfmt", "uninstall", "--name", &self.prefix])
            .output();
        for e in &self.disabled {
            let _ = std::fs::write(e, "1");
        }
    }
}

/// Disables every enabled entry that would take ARM programs, remembering them.
fn disable_others(prefix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(ROOT).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "register" || name == "status" || name.starts_with(prefix) {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        let arm = ARM_MAGICS.iter().any(|m| text.contains(m));
        if arm && text.starts_with("enabled") {
            std::fs::write(e.path(), "0").unwrap();
            out.push(e.path());
        }
    }
    out
}

fn binfmt(armrun: &Path, args: &[&str]) -> String {
    // A test's fresh copy of armrun can be briefly "busy": a child another test thread forked
    // while the copy was open for writing holds that descriptor until it executes.
    let mut tries = 0;
    let o = loop {
        match Command::new(armrun).arg("binfmt").args(args).output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => break r.unwrap(),
        }
    };
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "armrun binfmt {args:?}: {err}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `prog` directly (the kernel picks the interpreter) with argv[0] `arg0`.
fn exec(prog: &Path, arg0: &str) -> (Option<i32>, String, String) {
    let o = Command::new(prog).arg0(arg0).arg("x").output();
    match o {
        Ok(o) => (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
        Err(e) => (None, String::new(), e.to_string()),
    }
}

#[test]
fn install_run_and_uninstall() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let _turn = take_turn();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("binfmt");
    std::fs::create_dir_all(&dir).unwrap();
    // The interpreter is a copy, so the entry names a file only this test uses.
    let interp = dir.join("armrun-interp");
    let _ = std::fs::remove_file(&interp);
    std::fs::copy(armrun(), &interp).unwrap();
    let prefix = format!("armrun-test-{}", std::process::id());
    let mut restore = Restore {
        disabled: Vec::new(),
        prefix: prefix.clone(),
        armrun: interp.clone(),
    };
    let path = interp.to_str().unwrap();
    let out = binfmt(&interp, &["install", "--name", &prefix, "--path", path]);
    assert!(
        out.contains(&format!("registered {prefix}-aarch64")),
        "{out}"
    );
    restore.disabled = disable_others(&prefix);
    let status = binfmt(&interp, &["status", "--name", &prefix]);
    assert!(
        status.contains("enabled") && status.contains(path),
        "{status}"
    );
    assert!(status.contains("flags: PF"), "{status}");

    let a64 = a64_static("argv0");
    let a32 = guest(
        "argv0",
        "arm-linux-gnueabihf-gcc",
        &["-static", "-O2", "-mthumb"],
    );
    for prog in [&a64, &a32] {
        // P: the guest sees the argv[0] it was executed with.
        let (st, out, err) = exec(prog, "custom-name");
        assert_eq!(st, Some(0), "{}: {err}", prog.display());
        assert_eq!(out, "argv[0]=custom-name\nargv[1]=x\n");
    }

    // Without P the kernel puts the program's path in argv[0]; O passes the file as a descriptor.
    binfmt(&interp, &["uninstall", "--name", &prefix]);
    binfmt(
        &interp,
        &["install", "--name", &prefix, "--path", path, "--flags", "O"],
    );
    for prog in [&a64, &a32] {
        let (st, out, err) = exec(prog, "custom-name");
        assert_eq!(st, Some(0), "{}: {err}", prog.display());
        assert_eq!(out, format!("argv[0]={}\nargv[1]=x\n", prog.display()));
    }

    // F: the kernel opens the interpreter at registration, so a static armrun serves a chroot
    // that has no x86-64 loader and no /proc: busybox's shell there runs further ARM programs,
    // which armrun (unable to name itself without /proc) executes through the same entry.
    binfmt(&interp, &["uninstall", "--name", &prefix]);
    let root = dir.join("chroot");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::copy(
        repo().join(".cache/real-armel/bin/busybox"),
        root.join("bin/busybox"),
    )
    .unwrap();
    let inside = root.join("usr/bin/qemu-arm-static");
    std::fs::copy(armrun(), &inside).unwrap();
    let inside = inside.to_str().unwrap();
    binfmt(
        &interp,
        &[
            "install", "--name", &prefix, "--arch", "arm", "--path", inside, "--flags", "F",
        ],
    );
    let o = Command::new("chroot")
        .arg(&root)
        .args([
            "/bin/busybox",
            "sh",
            "-c",
            "echo $((6 * 7)) | /bin/busybox cat; /bin/busybox uname -m",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "42\narmv7l\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // Gone after uninstall: with every other ARM entry disabled, the kernel cannot run them.
    binfmt(&interp, &["uninstall", "--name", &prefix]);
    let status = binfmt(&interp, &["status", "--name", &prefix]);
    assert!(status.contains("not registered"), "{status}");
    assert!(!Path::new(ROOT).join(format!("{prefix}-arm")).exists());
    let (st, _, err) = exec(&a64, "x");
    assert_eq!(st, None, "ran without an entry: {err}");
    assert!(err.contains("Exec format error"), "{err}");
    drop(restore);
}

/// The unprivileged user the setuid test runs its program as (`nobody`).
const NOBODY: u32 = 65534;

/// Why setuid programs cannot gain privileges from this process, if they cannot: no_new_privs
/// (set by some sandboxes, inherited by every child) makes the kernel ignore setuid bits, and
/// setpriv (util-linux) is how the test drops to [`NOBODY`].
fn setuid_unavailable() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if status
        .lines()
        .any(|l| l.starts_with("NoNewPrivs:") && !l.ends_with('0'))
    {
        return Some("no_new_privs is set: setuid bits are ignored".into());
    }
    let setpriv = Command::new("setpriv").arg("--version").output();
    if !setpriv.is_ok_and(|o| o.status.success()) {
        return Some("setpriv (util-linux) is not installed".into());
    }
    None
}

/// Whether `path` is on a file system mounted without nosuid, where a setuid bit counts.
fn allows_setuid(path: &Path) -> bool {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a zeroed plain struct the call fills.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a struct of the right type.
    let ok = unsafe { libc::statvfs(c.as_ptr(), &mut st) } == 0;
    ok && st.f_flag & libc::ST_NOSUID == 0
}

/// Whether others (user [`NOBODY`]) may pass through every directory from / down to `dir`.
fn searchable_by_others(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    dir.ancestors()
        .all(|d| std::fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

/// A fresh directory for the setuid test (mode 0755, removed when dropped) in the first of the
/// test's scratch folder, /var/tmp and /tmp that [`NOBODY`] can reach and whose file system
/// honours setuid bits.
struct SetuidDir(PathBuf);

impl SetuidDir {
    fn new() -> Option<SetuidDir> {
        use std::os::unix::fs::PermissionsExt;
        let bases = [env!("CARGO_TARGET_TMPDIR"), "/var/tmp", "/tmp"];
        let base = bases
            .iter()
            .map(Path::new)
            .find(|b| searchable_by_others(b) && allows_setuid(b))?;
        let dir = base.join(format!("armrun-setuid-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        Some(SetuidDir(dir))
    }
}

impl Drop for SetuidDir {
    fn drop(&mut self) {
        // A setuid-root file must not outlive the test.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `prog args` as [`NOBODY`] through setpriv (the kernel picks the interpreter), with
/// `env` added: (exit status, stdout, stderr).
fn exec_as_nobody(
    prog: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, String, String) {
    let id = NOBODY.to_string();
    let o = Command::new("setpriv")
        .arg(format!("--reuid={id}"))
        .arg(format!("--regid={id}"))
        .arg("--clear-groups")
        .arg(prog)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// binfmt_misc's C flag with a setuid-root AArch64 program run by user 65534: the kernel gives
/// armrun the program's credentials and AT_SECURE=1, which the guest sees (its glibc then
/// applies its own secure-mode rules), and armrun ignores the invoking user's QEMU_*
/// variables. Run by root (no privilege change) the same variables work, and without C
/// armrun keeps the caller's credentials. Every other ARM entry is disabled meanwhile, so only
/// armrun can have run the program.
#[test]
fn setuid_program_with_flag_c() {
    use std::os::unix::fs::PermissionsExt;
    if let Some(why) = unavailable().or_else(setuid_unavailable) {
        eprintln!("skipped: {why}");
        return;
    }
    let Some(dir) = SetuidDir::new() else {
        eprintln!("skipped: no folder reachable by user {NOBODY} on a file system without nosuid");
        return;
    };
    let _turn = take_turn();
    let prog = dir.0.join("ids");
    std::fs::copy(a64_static("ids"), &prog).unwrap();
    std::os::unix::fs::chown(&prog, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let interp = dir.0.join("armrun");
    std::fs::copy(armrun(), &interp).unwrap();
    std::fs::set_permissions(&interp, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A file only a QEMU_LD_PREFIX pointing at `prefix` makes visible at `marker`.
    let marker = format!("/armrun-setuid-marker-{}", std::process::id());
    assert!(!Path::new(&marker).exists(), "{marker} exists on the host");
    let prefix = dir.0.join("prefix");
    std::fs::create_dir(&prefix).unwrap();
    std::fs::set_permissions(&prefix, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(prefix.join(&marker[1..]), "").unwrap();
    // ARMRUN_REEXEC carries a re-executed armrun's own options (here `-strace`, hex-encoded):
    // from the user, a secure armrun must ignore it like the QEMU_* variables.
    let user_env = [
        ("QEMU_LD_PREFIX", prefix.to_str().unwrap()),
        ("QEMU_STRACE", "1"),
        ("ARMRUN_REEXEC", "2d737472616365"),
    ];

    let name = format!("armrun-setuid-{}", std::process::id());
    let mut restore = Restore {
        disabled: Vec::new(),
        prefix: name.clone(),
        armrun: interp.clone(),
    };
    let path = interp.to_str().unwrap();
    let install = |flags: &str| {
        binfmt(
            &interp,
            &[
                "install", "--name", &name, "--arch", "aarch64", "--path", path, "--flags", flags,
            ],
        )
    };
    install("C");
    restore.disabled = disable_others(&name);
    let status = binfmt(&interp, &["status", "--name", &name, "--arch", "aarch64"]);
    // The kernel turns O on with C: the program reaches armrun as a descriptor.
    assert!(status.contains("flags: OC"), "{status}");

    let (st, out, err) = exec_as_nobody(&prog, &[&marker], &user_env);
    assert_eq!(st, Some(0), "{err}");
    assert_eq!(
        out,
        format!("uid={NOBODY} euid=0 secure=1\n{marker}: missing\n")
    );
    // No strace lines: QEMU_STRACE and ARMRUN_REEXEC were ignored as well.
    assert_eq!(err, "");
    // What the program executes runs as its privileged self too: armrun re-executes itself
    // (trusting only its own ARMRUN_REEXEC), still secure, and still deaf to the user's
    // variables.
    let (st, out, err) = exec_as_nobody(&prog, &["exec", &marker], &user_env);
    assert_eq!(st, Some(0), "{err}");
    let line = format!("uid={NOBODY} euid=0 secure=1\n");
    assert_eq!(out, format!("{line}{line}{marker}: missing\n"));
    assert_eq!(err, "");

    // Root gains nothing from the setuid bit: not secure, and the variables take effect.
    let o = Command::new(&prog)
        .arg(&marker)
        .envs(user_env)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("uid=0 euid=0 secure=0\n{marker}: exists\n"),
        "{err}"
    );
    assert!(err.contains("exit_group("), "{err}");

    // Without C the kernel leaves the caller's credentials: nothing is raised, nothing secure,
    // and the user's variables are the user's business.
    binfmt(&interp, &["uninstall", "--name", &name]);
    install("");
    let (st, out, err) = exec_as_nobody(&prog, &[&marker], &user_env);
    assert_eq!(st, Some(0), "{err}");
    assert_eq!(
        out,
        format!("uid={NOBODY} euid={NOBODY} secure=0\n{marker}: exists\n")
    );
    assert!(err.contains("exit_group("), "{err}");

    binfmt(&interp, &["uninstall", "--name", &name]);
    let status = binfmt(&interp, &["status", "--name", &name, "--arch", "aarch64"]);
    assert!(status.contains("not registered"), "{status}");
    assert!(!Path::new(ROOT).join(format!("{name}-aarch64")).exists());
    // Directly, not through setpriv, whose execvp would hand the ELF file to /bin/sh.
    let (st, _, err) = exec(&prog, "ids");
    assert_eq!(st, None, "ran without an entry: {err}");
    assert!(err.contains("Exec format error"), "{err}");
    drop(restore);
}

/// One Debian architecture's debootstrap run: its name, the qemu name the static armrun is
/// installed under in the root file system (where Debian's qemu-user-static would put its
/// own), the `armrun binfmt install --arch` that serves it, and what `dpkg
/// --print-architecture` answers there.
struct Debian {
    arch: &'static str,
    qemu: &'static str,
    binfmt_arch: &'static str,
    dpkg_arch: &'static str,
}

/// The container-image workload: debootstrap's second stage of a minimal arm64 Debian
/// (`scripts/rootfs.sh arm64` caches the first), run in a chroot through an F entry for a
/// static armrun placed as /usr/bin/qemu-aarch64-static: dpkg unpacks and configures every
/// package, running their maintainer scripts (shell, perl, dpkg's multithreaded xz) under
/// armrun. Then apt and dpkg answer inside the chroot.
#[test]
fn debootstrap_second_stage_arm64() {
    debootstrap_second_stage(Debian {
        arch: "arm64",
        qemu: "qemu-aarch64-static",
        binfmt_arch: "aarch64",
        dpkg_arch: "arm64",
    });
}

/// The same for a minimal armhf Debian (`scripts/rootfs.sh armhf`): every program of the
/// second stage is 32-bit Thumb-2/ARM code, served by an F entry for `--arch arm`.
#[test]
fn debootstrap_second_stage_armhf() {
    debootstrap_second_stage(Debian {
        arch: "armhf",
        qemu: "qemu-arm-static",
        binfmt_arch: "arm",
        dpkg_arch: "armhf",
    });
}

/// Unpacks the cached first stage of `d.arch`, installs armrun as its qemu interpreter with an
/// F entry (every other ARM entry disabled, so only armrun runs its programs), runs
/// `debootstrap --second-stage` in the chroot and checks that apt, dpkg and the shell work
/// there.
fn debootstrap_second_stage(d: Debian) {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let _turn = take_turn();
    let tar = repo().join(format!(".cache/rootfs-{}.tar", d.arch));
    assert!(
        tar.exists(),
        "run scripts/rootfs.sh {} (scripts/test.sh does)",
        d.arch
    );
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("debootstrap-{}", d.arch));
    // The second stage mounts /proc in the root and leaves it mounted; a run stopped midway
    // leaves it too, and the next could not empty the root.
    unmount_proc(&root);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let st = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-xf")
        .arg(&tar)
        .status()
        .unwrap();
    assert!(st.success());
    let interp = root.join("usr/bin").join(d.qemu);
    std::fs::copy(armrun(), &interp).unwrap();
    let prefix = format!("armrun-dbs-{}", std::process::id());
    let mut restore = Restore {
        disabled: Vec::new(),
        prefix: prefix.clone(),
        armrun: armrun(),
    };
    let path = interp.to_str().unwrap();
    binfmt(
        &armrun(),
        &[
            "install",
            "--name",
            &prefix,
            "--arch",
            d.binfmt_arch,
            "--path",
            path,
        ],
    );
    restore.disabled = disable_others(&prefix);
    let start = std::time::Instant::now();
    let o = Command::new("chroot")
        .arg(&root)
        .args(["/debootstrap/debootstrap", "--second-stage"])
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs();
    let log = std::fs::read_to_string(root.join("debootstrap/debootstrap.log")).unwrap_or_default();
    // The cause first, and only the ends of the long outputs: CI keeps a failure's message
    // only in part, and debootstrap's stdout lists every package it unpacked.
    let tail = |text: &str, n: usize| {
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    };
    assert!(
        o.status.success(),
        "{} second stage failed ({}):\nstderr:\n{}\ndebootstrap.log, last lines:\n{}\nstdout, last lines:\n{}",
        d.arch,
        o.status,
        tail(&String::from_utf8_lossy(&o.stderr), 40),
        tail(&log, 40),
        tail(&String::from_utf8_lossy(&o.stdout), 10)
    );
    let inside = |cmd: &str| {
        let o = Command::new("chroot")
            .arg(&root)
            .args(["/bin/sh", "-c", cmd])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(
        inside("dpkg --print-architecture"),
        format!("{}\n", d.dpkg_arch)
    );
    assert!(inside("apt-get --version").starts_with("apt "));
    let entries: u32 = inside("ls / | wc -l").trim().parse().unwrap();
    assert!(entries >= 15, "{entries}");
    let packages = inside("dpkg-query -W -f '${Status}\\n' | grep -c 'install ok installed'");
    println!(
        "ok: debootstrap --second-stage ({} minbase) in {secs} s, {} packages installed",
        d.arch,
        packages.trim()
    );
    unmount_proc(&root);
    drop(restore);
}

/// Unmounts `root`'s /proc if something is mounted there (lazily: a process may still have it
/// open).
fn unmount_proc(root: &Path) {
    let _ = Command::new("umount")
        .arg("-l")
        .arg(root.join("proc"))
        .stderr(std::process::Stdio::null())
        .status();
}

/// The release build is one static executable (no PT_INTERP), so it can be copied into an ARM
/// root file system.
#[test]
fn armrun_is_static() {
    let elf = std::fs::read(armrun()).unwrap();
    let word = |at: usize, n: usize| {
        elf[at..at + n]
            .iter()
            .rev()
            .fold(0u64, |v, &b| v << 8 | u64::from(b))
    };
    let (phoff, phentsize, phnum) = (word(32, 8) as usize, word(54, 2) as usize, word(56, 2));
    let interp = (0..phnum as usize).any(|i| word(phoff + i * phentsize, 4) == 3);
    assert!(!interp, "armrun has a PT_INTERP: it is dynamically linked");
}

#[test]
fn refusals_and_config() {
    let out = Command::new(armrun())
        .args([
            "binfmt",
            "config",
            "--path",
            "/usr/bin/qemu-arm-static",
            "--arch",
            "arm",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with(":armrun-arm:M::\\x7f\\x45\\x4c\\x46\\x01"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with(":/usr/bin/qemu-arm-static:FP"),
        "{text}"
    );
    let out = Command::new(armrun())
        .args(["binfmt", "install", "--flags", "Z"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown binfmt flag Z"));
}

/// `status` and `uninstall`, like `install`, mount binfmt_misc where it is not mounted (in a
/// fresh container, or here a mount namespace without it): unmounted, the table looks empty
/// and an uninstall would silently leave the entries in place.
#[test]
fn status_and_uninstall_mount_binfmt_misc_where_it_is_not() {
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let _turn = take_turn();
    let name = format!("armrun-mount-{}", std::process::id());
    let restore = Restore {
        disabled: Vec::new(),
        prefix: name.clone(),
        armrun: armrun(),
    };
    let path = armrun();
    let path = path.to_str().unwrap();
    binfmt(
        &armrun(),
        &[
            "install", "--name", &name, "--arch", "aarch64", "--path", path,
        ],
    );
    // In a new mount namespace with binfmt_misc unmounted (the kernel's table is the same).
    let in_namespace = |action: &str| {
        let script = format!(
            "umount {ROOT} && test ! -e {ROOT}/register && {path} binfmt {action} --name {name} \
             --arch aarch64"
        );
        let o = Command::new("unshare")
            .args(["-m", "sh", "-c", &script])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{action}: {err}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let status = in_namespace("status");
    assert!(
        status.contains(&format!("{name}-aarch64:\n  enabled")),
        "{status}"
    );
    let out = in_namespace("uninstall");
    assert_eq!(out, format!("removed {name}-aarch64\n"));
    assert!(!Path::new(ROOT).join(format!("{name}-aarch64")).exists());
    drop(restore);
}

/// An entry a killed test run left (its process gone) goes at the next test's turn; the names
/// of other entries (a user's `armrun-aarch64`, this process's own) are not taken for one.
#[test]
fn entries_of_killed_test_runs_are_removed() {
    assert_eq!(test_entry_pid("armrun-dbs-563-aarch64"), Some(563));
    assert_eq!(test_entry_pid("armrun-test-42"), Some(42));
    assert_eq!(test_entry_pid("armrun-aarch64"), None);
    assert_eq!(test_entry_pid("armrun-arm"), None);
    assert_eq!(test_entry_pid("qemu-aarch64"), None);
    if let Some(why) = unavailable() {
        eprintln!("skipped: {why}");
        return;
    }
    let _turn = take_turn();
    // A process that has exited: its pid names no process (until the kernel reuses it).
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let name = format!("armrun-test-{dead}-stale");
    // A magic no file starts with: the entry takes nothing while it is there.
    let line = format!(":{name}:M::\\x7fARMRUN-STALE::/bin/true:");
    std::fs::write(Path::new(ROOT).join("register"), line).unwrap();
    let entry = Path::new(ROOT).join(&name);
    assert!(entry.exists(), "registered");
    let removed = remove_stale_entries();
    let left = entry.exists();
    if left {
        let _ = std::fs::write(&entry, "-1");
    }
    assert!(!left && removed.contains(&name), "{removed:?}");
}
