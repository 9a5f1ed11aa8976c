//! Processes and signals of AArch64 guests: fork, wait statuses, execve re-entry into armrun
//! (no binfmt_misc involved: the tests prove the child ran under armrun), system() and a shell
//! from the Debian arm64 sysroot, and signal delivery (handlers, timers, sigwait, faults,
//! SA_RESTART).

mod common;
use common::*;
use std::path::PathBuf;

/// The arm64 sysroot that `scripts/sysroot.sh` assembles (the README's test command builds it
/// before the tests run).
fn sysroot() -> PathBuf {
    let root = repo().join(".cache/sysroot-arm64");
    assert!(
        root.join("bin/sh").exists(),
        "{} is missing or has no /bin/sh: run `bash scripts/sysroot.sh arm64`",
        root.display()
    );
    root
}

/// Runs `tests/guest/proc.c` (static) under armrun with extra flags and arguments.
fn proc(flags: &[&str], args: &[&str]) -> (Outcome, String) {
    run_armrun(flags, &a64_static("proc"), args, &[])
}

#[test]
fn fork_pipe_and_wait_statuses() {
    let (o, err) = proc(&[], &["fork_pipe"]);
    assert_eq!(
        o.stdout,
        "read \"child pid ok=1 ppid ok=1\"\n\
         waitpid same pid=1 exited 42\n\
         waitid r=0 signo=17 code=CLD_EXITED status=5 pid ok=1\n\
         waitpid none r=-1 errno=ECHILD\n\
         vfork child exited 9\n",
        "stderr:\n{err}"
    );
    assert_eq!(o.status, 0);
}

#[test]
fn children_killed_by_signals_and_sessions() {
    let (o, err) = proc(&[], &["killed"]);
    assert_eq!(
        o.stdout,
        "SIGTERM child: killed by 15\n\
         abort child: killed=1 sig=6\n\
         SIG_IGN child: exited 17\n\
         setsid child: exited 0\n\
         setpgid child: exited 0\n",
        "stderr:\n{err}"
    );
}

#[test]
fn execve_of_itself_runs_under_armrun_with_new_argv0() {
    // -strace is passed on to the re-executed armrun: the child's own exit_group(7) appears in
    // armrun's log, which qemu (through binfmt_misc or otherwise) would never write.
    let (o, err) = proc(&["-strace"], &["exec"]);
    assert_eq!(
        o.stdout,
        "argv0=renamed-by-guest\n\
         child host exe=armrun\n\
         exec child exited 7\n",
        "stderr:\n{err}"
    );
    assert!(
        err.contains("armrun: exit_group(0x7,"),
        "the exec'd child's syscalls are missing from armrun's strace:\n{err}"
    );
}

#[test]
fn execve_errors_and_scripts() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("exec_errors");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (o, err) = proc(&[], &["exec_errors", dir.to_str().unwrap()]);
    assert_eq!(
        o.stdout,
        "missing: r=-1 ENOENT\n\
         not executable: r=-1 EACCES\n\
         garbage: r=-1 ENOEXEC\n\
         directory: r=-1 EACCES\n\
         huge argument: r=-1 E2BIG\n\
         arg2=script\n\
         arg3=one\n\
         arg4=two words\n\
         script child exited 4\n",
        "stderr:\n{err}"
    );
}

#[test]
fn execve_of_a_host_program_runs_it_natively() {
    let (o, err) = proc(&[], &["native", "/bin/echo"]);
    assert_eq!(
        o.stdout, "native echo\nnative child exited 0\n",
        "stderr:\n{err}"
    );
}

#[test]
fn system_runs_a_pipeline_of_sysroot_programs() {
    let root = sysroot();
    // uname from the sysroot reports the guest machine; the shell's /proc/PID/exe, read by
    // another guest process through the host kernel, is armrun itself.
    let cmd = "uname -m | tr a-z A-Z; readlink /proc/$$/exe | sed 's,.*/,,'; exit 3";
    let (o, err) = proc(&["-L", root.to_str().unwrap()], &["system", cmd]);
    assert_eq!(
        o.stdout, "AARCH64\narmrun\nsystem: exited 3\n",
        "stderr:\n{err}"
    );
}

#[test]
fn sysroot_shell_runs_a_pipeline() {
    let root = sysroot();
    let sh = root.join("bin/sh");
    let (o, err) = run_armrun(
        &["-L", root.to_str().unwrap()],
        &sh,
        &["-c", "ls / | sort | head -3; echo $((6*7)); exit 5"],
        &[],
    );
    assert_eq!(o.stdout, "bin\nboot\ndev\n42\n", "stderr:\n{err}");
    assert_eq!(o.status, 5);
}
