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

/// A fresh directory for one test, private to this test process (several runs of the suite
/// may share the target directory).
fn scratch_dir(name: &str) -> PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("guest_process-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
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
fn children_killed_stopped_continued_and_reaped() {
    let (o, err) = proc(&[], &["killed"]);
    assert_eq!(
        o.stdout,
        "SIGTERM child: killed by 15\n\
         abort child: killed=1 sig=6\n\
         SIG_IGN child: exited 17\n\
         setsid child: exited 0\n\
         setpgid child: exited 0\n\
         stopped child: stopped by 19\n\
         continued=1\n\
         continued child: exited 3\n\
         orphan reaped=1: exited 11\n",
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
    assert!(
        err.contains("armrun: execve \"/proc/self/exe\" as armrun "),
        "the execve is missing from the strace:\n{err}"
    );
}

#[test]
fn a_guest_cannot_pass_armruns_reexec_variable_to_the_armrun_it_executes() {
    // ARMRUN_REEXEC carries armrun's own options to the armrun a guest execve starts (here
    // `-strace`, hex-encoded); one the guest put in the environment it passes must not be read
    // instead (in a privileged guest it would name what runs with its credentials).
    let prog = a64_static("ids");
    let (o, err) = run_armrun(
        &[],
        &prog,
        &["exec-with", "ARMRUN_REEXEC=2d737472616365"],
        &[],
    );
    let line = o.stdout.lines().next().unwrap_or_default().to_string();
    assert!(line.starts_with("uid="), "{}\n{err}", o.stdout);
    assert_eq!(o.stdout, format!("{line}\n{line}\n"), "stderr:\n{err}");
    assert!(
        !err.contains("exit_group"),
        "the guest's variable was read:\n{err}"
    );
}

/// The environment is the guest's: variables meant for a guest's own mimalloc do not reach
/// armrun's (which printed its statistics and log on the guest's stderr with these).
#[test]
fn a_guests_mimalloc_variables_do_not_reach_armruns_allocator() {
    let env = [
        ("MIMALLOC_SHOW_STATS", "1"),
        ("MIMALLOC_VERBOSE", "1"),
        ("MIMALLOC_SHOW_ERRORS", "1"),
    ];
    let (o, err) = run_armrun(&[], &a64_static("hello"), &[], &env);
    assert_eq!(o.stdout, "hello, world\n");
    assert_eq!(o.status, 0);
    assert_eq!(err, "", "armrun wrote to the guest's stderr");
}

#[test]
fn execve_errors_and_scripts() {
    let dir = scratch_dir("exec_errors");
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
         program fds=0\n\
         script child exited 4\n\
         arg2=X\n\
         arg3=via fd\n\
         program fds=0\n\
         fexecve child exited 4\n",
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
    // another guest process through the host kernel, is armrun itself, while its task name is
    // the one the kernel would give the shell ("sh", not "exe").
    let cmd = "uname -m | tr a-z A-Z; readlink /proc/$$/exe | sed 's,.*/,,'; cat /proc/$$/comm; \
               exit 3";
    let (o, err) = proc(&["-L", root.to_str().unwrap()], &["system", cmd]);
    assert_eq!(
        o.stdout, "AARCH64\narmrun\nsh\nsystem: exited 3\n",
        "stderr:\n{err}"
    );
}

#[test]
fn a_shell_forks_while_its_compiler_thread_works() {
    // The compiler thread, started at once here, is kept out of its allocator and locks while
    // the shell forks. debootstrap's second stage once hung in a child that inherited the
    // cache's lock taken by it (jit's `handles_on_a_cache_left_locked_by_a_fork_...` test has
    // that case); here the children of a shell that compiles as it forks must all finish.
    let root = sysroot();
    let sh = root.join("bin/sh");
    let script = "i=0; while [ $i -lt 150 ]; do x=$(echo $i); i=$((i+1)); done; echo $x";
    let (o, err) = run_bounded_with(
        &["-L", root.to_str().unwrap()],
        &sh,
        &["-c", script],
        &[("ARMRUN_JIT_THREAD_AFTER", "0")],
        120,
    );
    assert_eq!(o.stdout, "149\n", "stderr:\n{err}");
    assert_eq!(o.status, 0);
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

/// Runs `prog args` under armrun (with `flags`), killing it after `secs` seconds: a signal that
/// is never delivered must fail the test, not hang it.
fn run_bounded(
    flags: &[&str],
    prog: &std::path::Path,
    args: &[&str],
    secs: u64,
) -> (Outcome, String) {
    run_bounded_with(flags, prog, args, &[], secs)
}

/// [`run_bounded`] with variables added to the environment.
fn run_bounded_with(
    flags: &[&str],
    prog: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
    secs: u64,
) -> (Outcome, String) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    let mut child = Command::new(armrun())
        .args(flags)
        .arg(prog)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "armrun {flags:?} {} {args:?} did not finish in {secs} s",
                prog.display()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    (
        Outcome {
            status: code,
            stdout: out,
        },
        err,
    )
}

/// Runs `tests/guest/signals.c` in `mode` on the JIT and on the interpreter; both must print
/// `expected` and exit 0.
fn signals(mode: &str, expected: &str) {
    let prog = a64_static("signals");
    for flags in [&[][..], &["--interp"][..]] {
        let (o, err) = run_bounded(flags, &prog, &[mode], 20);
        assert_eq!(o.stdout, expected, "{mode} {flags:?}; stderr:\n{err}");
        assert_eq!(o.status, 0, "{mode} {flags:?}; stderr:\n{err}");
    }
}

#[test]
fn sigaction_handler_for_sigusr1_from_kill() {
    signals(
        "usr1",
        "hits=1 signo=10 code=SI_USER pid ok=1 blocked inside=3 uc mask ok=1\n\
         after: usr1 blocked=0 usr2 blocked=0\n\
         while blocked hits=1\n\
         after unblock hits=2\n\
         resethand hits=3 now default=1\n",
    );
}

#[test]
fn sigalrm_from_setitimer_interrupts_a_busy_loop() {
    signals("alarm", "alarms=5 spun=1\nindirect alarms=3\n");
}

#[test]
fn sigwait_sigtimedwait_and_signalfd_take_blocked_pending_signals() {
    signals(
        "sigwait",
        "pending usr2=1 usr1=0\n\
         sigwait r=0 sig=12\n\
         sigtimedwait rt+3=3 code=SI_QUEUE value=1234\n\
         empty sigtimedwait r=-1 EAGAIN\n\
         pending after usr2=0\n\
         signalfd read=128 signo=12 pid ok=1\n",
    );
}

#[test]
fn sigill_handler_skips_the_undefined_instruction() {
    // si_addr and uc_mcontext.pc name the instruction; the fpsimd_context record holds v9 as
    // it was; no esr_context (the kernel sends SIGILL for undefined instructions without one).
    signals(
        "sigill",
        "sigill count=1 si_addr ok=1 pc ok=1 fpsimd ok=1 esr=0\nsigill count=3\n",
    );
}

#[test]
fn sigtrap_from_brk_reaches_the_handler() {
    signals("brk", "sigtrap code=TRAP_BRKPT si_addr ok=1 pc ok=1\n");
}

#[test]
fn sa_restart_restarts_a_pipe_read_and_its_absence_gives_eintr() {
    signals(
        "restart",
        "SA_RESTART: read=4 data handler ran=1\n\
         no SA_RESTART: read=-1 EINTR handler ran=1\n",
    );
}

#[test]
fn sigsuspend_and_the_alternate_stack() {
    signals(
        "suspend",
        "sigsuspend r=-1 EINTR hits=1 usr1 blocked again=1\n",
    );
    signals(
        "altstack",
        "altstack handler on it=1 SS_ONSTACK inside=1 outside=0\n",
    );
}

#[test]
fn unhandled_signals_still_kill_with_the_same_signal() {
    // Without a handler, SIGILL ends armrun by SIGILL (exit status 128 + 4 as seen here).
    let (o, _) = run_bounded(&[], &a64_static("faults"), &["undef"], 20);
    assert_eq!((o.status, o.stdout.as_str()), (128 + 4, "before\n"));
}

#[test]
fn signal_arriving_while_entering_a_blocking_syscall_is_not_lost() {
    // Thousands of rounds in which SIGUSR1 lands before, during or just after the entry into a
    // blocking readv (see `race` in signals.c). A signal caught between armrun's last check
    // and the host call must still interrupt it; without that, some round blocks forever and
    // the bounded run fails (checked by disabling the kick timer: most runs then hang).
    let (o, err) = run_bounded(&[], &a64_static("signals"), &["race", "4000", "5000"], 40);
    assert_eq!(
        o.stdout, "SA_RESTART rounds=4000 eintr seen=1\nno SA_RESTART rounds=4000 eintr seen=1\n",
        "stderr:\n{err}"
    );
}

#[test]
fn realtime_signals_queue_in_order_and_32_33_are_usable() {
    signals(
        "rt",
        "rt delivered=5 values=1,2,3,4,5\n\
         sigaction 32/33 r=0,0 delivered=2 first=133 second=132\n",
    );
}

/// Runs a program from the sysroot under armrun (`-L sysroot`), bounded in time.
fn sysroot_run(prog: &str, args: &[&str]) -> (Outcome, String) {
    let root = sysroot();
    run_bounded(&["-L", root.to_str().unwrap()], &root.join(prog), args, 60)
}

#[test]
fn bash_and_busybox_sh_run_pipelines_of_arm_programs() {
    // Same output as the host's native bash 5.2 gives for this script (apart from the machine
    // name): the CHLD trap runs once per reaped child once it is set.
    let (o, err) = sysroot_run(
        "bin/bash",
        &[
            "-c",
            "for i in 3 1 2; do echo $i; done | sort | tr '\\n' ' '; echo; (exit 7); echo $?; \
             trap 'echo child done' CHLD; sleep 0.05 & wait; \
             echo $(( $(seq 1 100 | paste -sd+) )); uname -m",
        ],
    );
    assert_eq!(
        o.stdout, "1 2 3 \n7\nchild done\nchild done\n5050\naarch64\nchild done\n",
        "stderr:\n{err}"
    );
    let (o, err) = sysroot_run(
        "usr/bin/busybox",
        &[
            "sh",
            "-c",
            "echo a b | busybox tr a-z A-Z; busybox ls / | busybox sort | busybox head -1; \
             sleep 0.05 & wait $!; echo bg=$?; (exit 7); echo $?; busybox uname -m",
        ],
    );
    assert_eq!(o.stdout, "A B\nbin\nbg=0\n7\naarch64\n", "stderr:\n{err}");
}

#[test]
fn make_runs_a_makefile_with_parallel_jobs() {
    let dir = scratch_dir("make_test");
    std::fs::write(
        dir.join("Makefile"),
        "all: out.txt\n\
         \t@cat out.txt | sort | tr a-z A-Z\n\
         \t@echo \"lines=$$(( $$(wc -l < out.txt) * 2 ))\"\n\
         out.txt: a.txt b.txt\n\
         \t@cat a.txt b.txt > $@\n\
         a.txt:\n\
         \t@printf 'zeta\\nalpha\\n' > $@\n\
         b.txt:\n\
         \t@uname -m > $@\n",
    )
    .unwrap();
    let (o, err) = sysroot_run("usr/bin/make", &["-j2", "-C", dir.to_str().unwrap(), "-s"]);
    assert_eq!(
        o.stdout, "AARCH64\nALPHA\nZETA\nlines=6\n",
        "stderr:\n{err}"
    );
    assert_eq!(o.status, 0);
}

#[test]
fn python3_subprocess_runs_arm_children() {
    let (o, err) = sysroot_run(
        "usr/bin/python3",
        &[
            "-c",
            "import subprocess\n\
             r = subprocess.run(['sh', '-c', 'uname -m; exit 3'], capture_output=True, text=True)\n\
             print(r.returncode, r.stdout.strip())\n\
             print(subprocess.check_output('echo hi | tr a-z A-Z', shell=True, text=True).strip())\n\
             try:\n    subprocess.run(['/nonexistent/prog'])\n\
             except FileNotFoundError as e:\n    print('missing', e.errno)\n",
        ],
    );
    assert_eq!(o.stdout, "3 aarch64\nHI\nmissing 2\n", "stderr:\n{err}");
}

#[test]
fn sigsegv_from_a_fetch_fault_is_recovered_with_siglongjmp_on_the_altstack() {
    // Non-executable page (SEGV_ACCERR) and unmapped address (SEGV_MAPERR): exact si_addr and
    // pc, handler on the alternate stack.
    signals(
        "segv_fetch",
        "segv SEGV_ACCERR si_addr ok=1 pc ok=1 on altstack=1\n\
         segv SEGV_MAPERR si_addr ok=1 pc ok=1 on altstack=1\n",
    );
}

#[test]
fn signals_sent_to_one_thread_reach_that_thread() {
    // pthread_kill to each of 4 threads while the main thread runs guest code: the target's
    // blocking read ends with EINTR (no SA_RESTART) and its busy loop is interrupted; no
    // other thread runs the handler.
    signals(
        "tkill",
        "tkill: eintr in 4/4 threads, busy loop interrupted in 4/4, wrong thread 0, main 0\n",
    );
}

/// What `signals segv_data` prints (see the test below).
const DATA_FAULT_LINES: &str = "load unmapped: SEGV_MAPERR si_addr ok=1 fault_address ok=1 pc ok=1 x0 kept=1 x9=1 \
         on altstack=1 esr ec=0x24 wnr=0\n\
         store read-only: SEGV_ACCERR si_addr ok=1 fault_address ok=1 pc ok=1 x0 kept=1 x9=3 \
         on altstack=1 esr ec=0x24 wnr=1\n\
         load past EOF: BUS_ADRERR si_addr ok=1 fault_address ok=1 pc ok=1 x0 kept=1 x9=1 \
         on altstack=1 esr ec=0x24 wnr=0\n\
         atomic unmapped: SEGV_MAPERR si_addr ok=1 fault_address ok=1 pc ok=1 x0 kept=1 x9=1 \
         on altstack=1 esr ec=0x24 wnr=1\n\
         st1 read-only: SEGV_ACCERR si_addr ok=1 fault_address ok=1 pc ok=1 x0 kept=1 x9=4 \
         on altstack=1 esr ec=0x24 wnr=1\n\
         skipped load returned 42\n\
         1000 skipped loads sum 42000\n";

#[test]
fn data_faults_reach_the_handler_with_exact_state_and_can_be_skipped() {
    // Loads and stores in translated code that fault on the host: exact pc, si_addr,
    // fault_address and ESR, no base writeback, an earlier register write of the same block
    // visible (x9=1), the handler on the alternate stack, for inline accesses and for those of
    // helpers (an LSE atomic, a SIMD structure store); then a handler that edits the
    // context to skip the load, a thousand times. JIT only: the reference interpreter's
    // accesses are Rust code, where a host fault cannot be taken back (it still dies by the
    // same signal, see guest_a64's bad_access_is_sigsegv).
    let (o, err) = run_bounded(&[], &a64_static("signals"), &["segv_data"], 20);
    assert_eq!(o.stdout, DATA_FAULT_LINES, "stderr:\n{err}");
    assert_eq!(o.status, 0, "stderr:\n{err}");
}

/// The thread, atomic, futex and signal programs dynamically linked against the cross
/// toolchain's glibc (`-L /usr/aarch64-linux-gnu`, as qemu users run them): the same results
/// as the static builds, through ld.so, libc.so's pthread and signal code.
#[test]
fn thread_and_signal_programs_dynamically_linked() {
    let dynamic = |name: &str| guest(name, "aarch64-linux-gnu-gcc", &["-O2"]);
    let sysroot = ["-L", "/usr/aarch64-linux-gnu"];
    let cases: [(&str, &[&str], &str); 6] = [
        (
            "threads",
            &[],
            "atomic=160000 locked=160000 tls=560000 order=1 main_tls=0\n",
        ),
        (
            "atomics",
            &[],
            "c8 ok c16 ok c32 ok c64 ok pair ok add ok cas ok lock ok\n",
        ),
        ("robust", &[], ROBUST_LINES),
        ("signals", &["segv_data"], DATA_FAULT_LINES),
        (
            "signals",
            &["tkill"],
            "tkill: eintr in 4/4 threads, busy loop interrupted in 4/4, wrong thread 0, main 0\n",
        ),
        (
            "signals",
            &["segv_fetch"],
            "segv SEGV_ACCERR si_addr ok=1 pc ok=1 on altstack=1\n\
             segv SEGV_MAPERR si_addr ok=1 pc ok=1 on altstack=1\n",
        ),
    ];
    for (name, args, expected) in cases {
        let (o, err) = run_bounded(&sysroot, &dynamic(name), args, 60);
        assert_eq!(o.stdout, expected, "{name} {args:?}; stderr:\n{err}");
        assert_eq!(o.status, 0, "{name} {args:?}; stderr:\n{err}");
    }
}

#[test]
fn guest_ld_preload_reaches_the_guest_loader_not_the_hosts() {
    // An ARM library in LD_PRELOAD (as fakeroot sets) is for the guest's ld.so; the host's
    // dynamic linker running the re-executed armrun would complain that it cannot load it.
    let (o, err) = sysroot_run(
        "bin/sh",
        &[
            "-c",
            "LD_PRELOAD=/usr/lib/aarch64-linux-gnu/libc.so.6 sh -c 'echo $LD_PRELOAD; uname -m'",
        ],
    );
    assert_eq!(
        o.stdout, "/usr/lib/aarch64-linux-gnu/libc.so.6\naarch64\n",
        "stderr:\n{err}"
    );
    assert_eq!(err, "", "nothing may complain about the preload");
}

#[test]
fn nested_script_interpreters_stop_where_the_kernel_does() {
    // Same output as the program compiled for the host and run natively.
    let dir = scratch_dir("nested_scripts");
    let (o, err) = proc(&[], &["nested", dir.to_str().unwrap()]);
    assert_eq!(
        o.stdout,
        "arg2=c0\narg3=c1\narg4=c2\narg5=c3\narg6=c4\narg7=last\nprogram fds=0\n\
         five levels: exited 4\n\
         six levels: r=-1 ELOOP\n",
        "stderr:\n{err}"
    );
}

#[test]
fn sigpipe_kills_a_pipeline_writer_unless_ignored() {
    // Same as native bash: `yes` dies by SIGPIPE (141) by default; once the shell ignores
    // SIGPIPE, programs it execs inherit that and get EPIPE instead.
    let (o, err) = sysroot_run(
        "bin/bash",
        &[
            "-c",
            "yes | head -1; echo \"${PIPESTATUS[@]}\"; trap '' PIPE; \
             bash -c 'yes 2>/dev/null | head -1; echo ${PIPESTATUS[@]}'",
        ],
    );
    assert_eq!(o.stdout, "y\n141 0\ny\n1 0\n", "stderr:\n{err}");
}

#[test]
fn a_closed_stdin_stays_closed_for_the_guest() {
    // Rust's runtime start would open /dev/null on closed standard descriptors; armrun does
    // without it (its own C `main`).
    use std::os::unix::process::CommandExt;
    let root = sysroot();
    let mut cmd = std::process::Command::new(armrun());
    cmd.arg("-L").arg(&root).arg(root.join("bin/sh")).args([
        "-c",
        "if [ -e /proc/$$/fd/0 ]; then echo open; else echo closed; fi",
    ]);
    // SAFETY: close(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(0);
            Ok(())
        })
    };
    let o = cmd.output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "closed\n",
        "stderr:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The standard output of `tests/guest/proc.c` built for the host, run in `mode`.
fn native_proc(mode: &str) -> String {
    let native = guest("proc", "gcc", &["-O2"]);
    let n = std::process::Command::new(&native)
        .arg(mode)
        .output()
        .unwrap();
    String::from_utf8_lossy(&n.stdout).into_owned()
}

#[test]
fn namespaces_and_host_names_behave_as_natively() {
    // Compared with the same program built for the host, so the result holds with and without
    // the privilege to unshare.
    let (o, err) = proc(&[], &["ns"]);
    assert_eq!(o.stdout, native_proc("ns"), "stderr:\n{err}");
    assert!(o.stdout.contains("kcmp files=0\n"), "{}", o.stdout);
}

#[test]
fn a_new_user_namespace_is_not_refused_for_the_compiler_thread() {
    // unshare(CLONE_NEWUSER) is refused (EINVAL) to a process of several threads: armrun's
    // compiler thread, started here with the first block handed over, ends before the call.
    let env = [("ARMRUN_JIT_THREAD_AFTER", "0")];
    let (o, err) = run_armrun(&[], &a64_static("proc"), &["userns"], &env);
    assert!(
        err.contains("Threads:\t2"),
        "the compiler thread ran:\n{err}"
    );
    assert_eq!(o.stdout, native_proc("userns"), "stderr:\n{err}");
    assert!(o.stdout.starts_with("unshare user r="), "{}", o.stdout);
}

#[test]
fn fault_signals_sent_with_kill_are_ordinary_signals() {
    // Same output as under qemu-aarch64: SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP from kill reach
    // the handler with SI_USER, are ignored with SIG_IGN, and kill with SIG_DFL.
    signals(
        "killsync",
        "kill 11: handler saw 11 code=SI_USER\n\
         kill 7: handler saw 7 code=SI_USER\n\
         kill 4: handler saw 4 code=SI_USER\n\
         kill 8: handler saw 8 code=SI_USER\n\
         kill 5: handler saw 5 code=SI_USER\n\
         raise 11 with SIG_DFL: killed by 11\n\
         raise 7 with SIG_IGN: exited 0\n\
         raise 4 with SIG_DFL: killed by 4\n\
         raise 8 with SIG_IGN: exited 0\n\
         raise 5 with SIG_DFL: killed by 5\n",
    );
}

#[test]
fn other_processes_see_the_guest_command_line_and_task_name() {
    // What ps and pidof read: /proc/PID/cmdline is exactly the guest's argv (armrun's own
    // arguments travel in the environment, which the guest never sees), comm its name.
    let (o, err) = sysroot_run(
        "bin/sh",
        &[
            "-c",
            "sleep 5 & while [ \"$(cat /proc/$!/comm)\" != sleep ]; do sleep 0.05; done; \
             tr '\\0' ' ' < /proc/$!/cmdline; echo; kill $!; env | grep -c ARMRUN_",
        ],
    );
    assert_eq!(o.stdout, "sleep 5 \n0\n", "stderr:\n{err}");
}

#[test]
fn a_missing_elf_interpreter_fails_the_execve_itself() {
    // The kernel opens PT_INTERP before the old image goes: execve fails with ENOENT and the
    // shell reports "not found" (127) instead of running a doomed new image.
    let root = sysroot();
    let dir = scratch_dir("bad_interp");
    let mut elf = std::fs::read(root.join("usr/bin/true")).unwrap();
    let want = b"/lib/ld-linux-aarch64.so.1";
    let at = elf
        .windows(want.len())
        .position(|w| w == want)
        .expect("dynamic /usr/bin/true names the arm64 loader");
    elf[at + want.len() - 1] = b'X';
    let prog = dir.join("badinterp");
    std::fs::write(&prog, &elf).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = format!(
        "{} 2>/dev/null; echo rc=$?; true; echo rc=$?",
        prog.display()
    );
    let (o, err) = sysroot_run("bin/sh", &["-c", &script]);
    assert_eq!(o.stdout, "rc=127\nrc=0\n", "stderr:\n{err}");
}
