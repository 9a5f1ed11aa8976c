//! Guest C programs under `tests/guest/`, built for AArch64 with Debian's cross compiler, must
//! give identical stdout and exit status under armrun's JIT, armrun's interpreter and
//! qemu-aarch64-static. armrun loads the program itself (it never execs it), so binfmt_misc
//! entries cannot stand in for it; `ran_by_armrun` proves that with armrun's own translation log.

mod common;
use common::*;

/// Runs the program three ways and checks they agree; returns the JIT's outcome.
fn agree(name: &str, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    agree_prog(&a64_static(name), name, args, env)
}

fn agree_prog(prog: &std::path::Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let (jit, jit_err) = run_armrun(&[], prog, args, env);
    let (interp, interp_err) = run_armrun(&["--interp"], prog, args, env);
    let qemu = run_qemu(prog, args, env);
    assert_eq!(
        jit, qemu,
        "{name}: JIT differs from qemu; armrun stderr:\n{jit_err}"
    );
    assert_eq!(
        interp, qemu,
        "{name}: interpreter differs from qemu; armrun stderr:\n{interp_err}"
    );
    jit
}

#[test]
fn hello() {
    let o = agree("hello", &[], &[]);
    assert_eq!(o.stdout, "hello, world\n");
    assert_eq!(o.status, 0);
}

#[test]
fn calls_returns_longjmp_and_faults_deep_in_calls() {
    // JIT only: the interpreter backend does not turn a guest data fault into SIGSEGV.
    let prog = a64_static("calls");
    let (jit, err) = run_armrun(&[], &prog, &[], &[]);
    assert_eq!(
        jit,
        run_qemu(&prog, &[], &[]),
        "JIT differs from qemu:\n{err}"
    );
    assert!(jit.stdout.contains("faults "), "{}", jit.stdout);
    assert_eq!(jit.status, 0);
}

/// Loops of one block carry their registers from pass to pass in host registers and store
/// them on the way out: a fault in a late pass, timer signals during the loop and both ways of
/// leaving it (by its branch, by a side exit) find the guest registers of the pass they are
/// in. (The fault under the JIT alone: the interpreter backend does not turn a guest data
/// fault into SIGSEGV.)
#[test]
fn loops_keep_their_registers_across_faults_signals_and_exits() {
    let o = agree("loops", &["sum"], &[]);
    assert!(o.stdout.contains("sum_cmp: n=8189 "), "{}", o.stdout);
    let o = agree("loops", &["signal"], &[]);
    assert_eq!(
        o.stdout,
        "signal: signals=20 bad=0 most grew=1 counted past the last=1\n"
    );
    let prog = a64_static("loops");
    let (jit, err) = run_armrun(&[], &prog, &["fault"], &[]);
    assert_eq!(jit, run_qemu(&prog, &["fault"], &[]), "{err}");
    assert!(jit.stdout.contains("count=8192 "), "{}", jit.stdout);
}

/// A block that leaves its compare's flags for later (it goes on by an indirect branch) and
/// leaves by a side exit to code that reads them: that code finds the compare's flags.
#[test]
fn flags_left_for_later_are_read_where_a_side_exit_goes() {
    let o = agree("loops", &["flags"], &[]);
    assert_eq!(o.stdout, "flags: eq=10000 ne=10000 bad=0\n");
}

#[test]
fn static_pie() {
    let prog = guest("printf", "aarch64-linux-gnu-gcc", &["-static-pie", "-O2"]);
    let o = agree_prog(&prog, "printf (static-pie)", &[], &[]);
    assert!(o.stdout.contains("0x1.8p+0"), "{}", o.stdout);
}

#[test]
fn args_env_and_exit_status() {
    let o = agree(
        "args_env",
        &["first", "second arg", "7"],
        &[("ARMRUN_TEST_VAR", "xyz")],
    );
    assert_eq!(o.status, 7);
    assert!(o.stdout.contains("argv[2]=second arg\n"), "{}", o.stdout);
    assert!(o.stdout.contains("ARMRUN_TEST_VAR=xyz\n"), "{}", o.stdout);
    assert!(o.stdout.contains("pagesz=4096\n"), "{}", o.stdout);
}

#[test]
fn malloc_and_qsort() {
    let o = agree("malloc_qsort", &[], &[]);
    assert!(o.stdout.contains("big ok=1"), "{}", o.stdout);
}

#[test]
fn printf_formats() {
    let o = agree("printf", &[], &[]);
    assert!(
        o.stdout
            .contains("0.10000000000000001 0.33333333333333331 0x1.8p+0"),
        "{}",
        o.stdout
    );
}

#[test]
fn string_functions() {
    let o = agree("strings", &[], &[]);
    assert!(o.stdout.contains("hello, world 12"), "{}", o.stdout);
}

#[test]
fn file_io() {
    let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fileio");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let dir = base.join("fileio");
    let o = agree("fileio", &[dir.to_str().unwrap()], &[]);
    assert!(o.stdout.contains("lines=100 sum=4950"), "{}", o.stdout);
    assert!(o.stdout.contains("entries=2"), "{}", o.stdout);
}

#[test]
fn mmap_and_mremap() {
    let o = agree("mmap", &[], &[]);
    assert!(o.stdout.ends_with("done\n"), "{}", o.stdout);
}

#[test]
fn code_replaced_by_mmap_is_translated_afresh() {
    let o = agree("codeswap", &[], &[]);
    assert_eq!(o.stdout, "total=1650\n");
}

/// A JIT-style program rewrites and reruns code 100 times: with cache maintenance (IC IVAU),
/// with plain stores only (armrun watches translated pages for writes), flipping W^X with
/// mprotect, writing through a second mapping, and code that stores into its own page 1000
/// times, also in 4 threads at once (20000 calls each: stores unwatching the page race with
/// translations watching it again).
/// The interpreter sees code changes only through cache maintenance and mappings, like the JIT
/// before write watching.
#[test]
fn jit_style_code_rewritten_and_rerun() {
    let prog = a64_static("jitcode");
    for (mode, total) in [
        ("flush", "4950"),
        ("plain", "4950"),
        ("wx", "4950"),
        ("self", "499500"),
        ("threads", "ok"),
    ] {
        let (jit, err) = run_armrun(&[], &prog, &[mode], &[]);
        assert_eq!(jit, run_qemu(&prog, &[mode], &[]), "{mode}: {err}");
        let want = if mode == "threads" {
            format!("threads {total}\n")
        } else {
            format!("{mode} total={total}\n")
        };
        assert_eq!(jit.stdout, want, "{err}");
        if mode != "plain" {
            let (interp, err) = run_armrun(&["--interp"], &prog, &[mode], &[]);
            assert_eq!(interp, jit, "{mode} (interpreter): {err}");
        }
    }
    // Code written through a second, writable mapping of the same memory and run through the
    // executable one after IC IVAU (a W^X JIT): nothing watches the writes, so the cache
    // maintenance alone must drop the translations and the code fetched ahead (qemu runs the
    // old code there, so armrun's JIT and interpreter only).
    for flags in [&[][..], &["--interp"][..]] {
        let (o, err) = run_armrun(flags, &prog, &["alias"], &[]);
        assert_eq!(o.stdout, "alias total=4950\n", "{flags:?}: {err}");
    }
}

/// Guest threads (clone with CLONE_VM|CLONE_THREAD): atomics, a mutex, condition variables
/// and TLS across 8 threads give exact totals.
#[test]
fn threads() {
    let o = agree("threads", &[], &[]);
    assert_eq!(
        o.stdout,
        "atomic=160000 locked=160000 tls=560000 order=1 main_tls=0\n"
    );
}

/// 16 threads on exclusive loops of every size (LDXR/STXR, acquire/release forms, LDAXP/STLXP
/// pairs) and LSE atomics (LDADD, CAS, a SWP spin lock): every total exact.
#[test]
fn exclusives_and_lse_atomics_across_16_threads() {
    let o = agree("atomics", &[], &[]);
    assert_eq!(
        o.stdout,
        "c8 ok c16 ok c32 ok c64 ok pair ok add ok cas ok lock ok\n"
    );
}

/// A robust mutex whose owner thread died (EOWNERDEAD for the next locker: armrun walks the
/// dead thread's robust list as the kernel does), priority-inheritance mutexes under
/// contention, futex_waitv, and 40 forks while three threads map and unmap memory. Not against
/// qemu: qemu-aarch64 7.2 hangs on the robust mutex (it keeps no robust lists).
#[test]
fn robust_and_pi_futexes_futex_waitv_and_fork_among_threads() {
    let prog = a64_static("robust");
    for flags in [&[][..], &["--interp"][..]] {
        let (o, err) = run_armrun(flags, &prog, &[], &[]);
        assert_eq!(o.stdout, ROBUST_LINES, "{flags:?}: {err}");
        assert_eq!(o.status, 0, "{err}");
    }
}

#[test]
fn integer_workload() {
    let o = agree("intbench", &[], &[]);
    assert_eq!(o.stdout, "primes=148933 crc=bd959d7a hits=2939719\n");
}

/// The benchmark kernels (qsort callbacks, a switch-dispatched interpreter, hashing, n-body
/// and a matrix product: some twenty doubles live at once, in every xmm register values may
/// have) agree with qemu on the JIT; the interpreter would take minutes on them.
#[test]
fn benchmark_kernels_match_qemu() {
    for name in ["sortbench", "interpbench", "hashbench", "fpbench"] {
        let prog = a64_static(name);
        let (jit, err) = run_armrun(&[], &prog, &[], &[]);
        assert_eq!(jit, run_qemu(&prog, &[], &[]), "{name}: {err}");
        assert_eq!(jit.status, 0, "{name}");
    }
}

#[test]
fn ran_by_armrun() {
    let prog = a64_static("hello");
    let (o, err) = run_armrun(&["-d", "in_asm"], &prog, &[], &[]);
    assert_eq!(o.stdout, "hello, world\n");
    assert!(
        err.contains("IN:") && err.contains("svc"),
        "armrun's translation log is missing:\n{err}"
    );
}

/// Hot blocks follow direct jumps (each case of the bytecode interpreter jumps back to its
/// dispatch): `-d op` names the further runs a block was lifted from and `-d in_asm` lists
/// their instructions after the jump.
#[test]
fn translation_log_shows_followed_jumps() {
    let prog = a64_static("interpbench");
    let (o, err) = run_armrun(&["-d", "in_asm,op"], &prog, &[], &[]);
    assert!(o.stdout.starts_with("result="), "{o:?}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("block 0x") && l.contains(" + 0x")),
        "no block followed a jump"
    );
    // An in_asm listing in which an instruction does not follow the one before it.
    let mut prev = None;
    let mut jumped = false;
    for line in err.lines() {
        let addr = line
            .strip_prefix("0x")
            .and_then(|l| l.get(..16))
            .and_then(|h| u64::from_str_radix(h, 16).ok());
        if let (Some(a), Some(p)) = (addr, prev) {
            jumped |= a != p + 4;
        }
        prev = addr;
    }
    assert!(jumped, "no in_asm listing went on at a jump's target");
}

#[test]
fn bad_guest_pointer_is_efault() {
    let o = agree("faults", &["efault"], &[]);
    assert_eq!(
        o.stdout,
        "write(bad) = -1 errno=EFAULT\nopenat(bad) = -1 errno=EFAULT\n"
    );
}

#[test]
fn unknown_syscall_is_enosys_with_one_note() {
    let o = agree("faults", &["enosys"], &[]);
    assert_eq!(o.stdout, "syscall(4000) = -1 errno=ENOSYS\n");
    let (_, err) = run_armrun(&[], &a64_static("faults"), &["enosys"], &[]);
    assert_eq!(err.matches("unsupported syscall").count(), 1, "{err}");
}

#[test]
fn undefined_instruction_is_sigill() {
    let o = agree("faults", &["undef"], &[]);
    assert_eq!((o.status, o.stdout.as_str()), (128 + 4, "before\n"));
    let (_, err) = run_armrun(&["-d", "unimp"], &a64_static("faults"), &["undef"], &[]);
    assert_eq!(
        err.matches("undefined instruction 0x00000000").count(),
        1,
        "{err}"
    );
}

#[test]
fn bad_access_is_sigsegv() {
    let o = agree("faults", &["segv"], &[]);
    assert_eq!((o.status, o.stdout.as_str()), (128 + 11, "before\n"));
    let o = agree("faults", &["jump"], &[]);
    assert_eq!((o.status, o.stdout.as_str()), (128 + 11, "before\n"));
}

#[test]
fn libm_edge_cases_and_rounding_modes() {
    let o = agree("libm", &[], &[]);
    assert!(
        o.stdout.contains("divbyzero=1 inf=1\ninvalid=1\n"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("overflow=1\n"), "{}", o.stdout);
}

#[test]
fn printf_strtod_round_trips() {
    let o = agree("strtod", &[], &[]);
    assert!(o.stdout.contains("bad=0 "), "{}", o.stdout);
}

#[test]
fn string_functions_all_lengths_and_alignments() {
    agree("strings_all", &[], &[]);
}

/// The libc6 package whose libc.so.6 builds `a64::routine`'s table lists.
const KNOWN_LIBC6: &str = "libc6_2.36-9+deb12u14_arm64";

/// glibc's string and memory routines, which armrun does on the host (the strmem crate): at
/// page edges, with faults, overlapping copies and a copy into code that has run, a static
/// program (libc.a of the cross compiler) and a dynamic one (the sysroot's libc.so.6, another
/// build) give what qemu gives under the JIT with and without the host helpers and under the
/// interpreter, and armrun's translation log shows the JIT recognised every routine they call
/// (the dynamic one's only while the sysroot's libc6 is [`KNOWN_LIBC6`]: see `sysroot_libc`).
#[test]
fn glibc_string_routines_done_by_the_host() {
    let (root, known) = sysroot_libc("arm64", "usr/lib/aarch64-linux-gnu/libc.so.6", KNOWN_LIBC6);
    let runs = [
        (
            a64_static("routines"),
            &[
                "__strlen_asimd",
                "strchr",
                "strrchr",
                "strcmp",
                "__memchr_generic",
                "__memset_generic",
                "__memcpy_generic",
                "__memmove_generic",
            ][..],
        ),
        (
            guest("routines", "aarch64-linux-gnu-gcc", &["-O2"]),
            if known {
                &[
                    "strlen",
                    "strchr",
                    "strrchr",
                    "strcmp",
                    "memchr",
                    "memset",
                    "__memcpy_simd",
                    "__memmove_simd",
                ][..]
            } else {
                &[]
            },
        ),
    ];
    let env = [("QEMU_LD_PREFIX", root.as_str())];
    for (prog, names) in runs {
        let qemu = run_qemu(&prog, &[], &env);
        assert!(qemu.stdout.contains("code 42 7\n"), "{qemu:?}");
        let (o, err) = run_armrun(&["-d", "in_asm"], &prog, &[], &env);
        assert_eq!(o, qemu, "{}", prog.display());
        for n in names {
            let line = format!("IN: {n} (recognised");
            assert!(
                err.contains(&line),
                "{}: {n} was not recognised",
                prog.display()
            );
        }
        for flag in ["--no-routines", "--interp"] {
            let (o, err) = run_armrun(&[flag, "-d", "in_asm"], &prog, &[], &env);
            assert_eq!(o, qemu, "{} {flag}", prog.display());
            assert!(!err.contains("(recognised"), "{} {flag}", prog.display());
        }
    }
}
