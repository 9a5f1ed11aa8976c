//! The portable guest C programs under `tests/guest/`, built for 32-bit ARM four ways (armhf
//! A32, armhf Thumb-2, armel soft-float, ARMv6 with VFPv2), must give identical stdout and exit
//! status under armrun's JIT, armrun's interpreter and qemu-arm-static. armrun loads the
//! program itself (it never execs it), so binfmt_misc entries cannot stand in for it;
//! `ran_by_armrun` proves that with armrun's own translation log.

mod common;
use common::*;
use std::path::PathBuf;

/// One way of building a 32-bit guest: compiler and flags.
struct Flavour {
    name: &'static str,
    cc: &'static str,
    flags: &'static [&'static str],
}

const FLAVOURS: &[Flavour] = &[
    Flavour {
        name: "armhf -marm",
        cc: "arm-linux-gnueabihf-gcc",
        flags: &["-static", "-O2", "-marm", "-lm"],
    },
    Flavour {
        name: "armhf -mthumb",
        cc: "arm-linux-gnueabihf-gcc",
        flags: &["-static", "-O2", "-mthumb", "-lm"],
    },
    Flavour {
        name: "armel",
        cc: "arm-linux-gnueabi-gcc",
        flags: &["-static", "-O2", "-lm"],
    },
    Flavour {
        name: "armv6 vfp",
        cc: "arm-linux-gnueabihf-gcc",
        flags: &[
            "-static",
            "-O2",
            "-march=armv6",
            "-marm",
            "-mfpu=vfp",
            "-lm",
        ],
    },
];

fn build(name: &str, f: &Flavour) -> PathBuf {
    guest(name, f.cc, f.flags)
}

/// Runs the program of every flavour under armrun's JIT (and, with `interp`, its interpreter)
/// and qemu-arm-static, checks they agree, and returns the JIT outcomes.
fn agree_all(name: &str, args: &[&str], interp: bool) -> Vec<Outcome> {
    FLAVOURS
        .iter()
        .map(|f| {
            let prog = build(name, f);
            let mut qemu = run_qemu_as("qemu-arm-static", &prog, args, &[]);
            // qemu advertises HWCAP_SWP; armrun, like ARMv7 kernels, does not (SWP works but
            // is deprecated). args_env prints AArch64's bits 0 and 1, which are SWP and HALF
            // here.
            qemu.stdout = qemu.stdout.replace("hwcap fp=1", "hwcap fp=0");
            let (jit, err) = run_armrun(&[], &prog, args, &[]);
            assert_eq!(
                jit, qemu,
                "{name} ({}): JIT differs from qemu:\n{err}",
                f.name
            );
            if interp {
                let (o, err) = run_armrun(&["--interp"], &prog, args, &[]);
                assert_eq!(o, qemu, "{name} ({}): interpreter differs:\n{err}", f.name);
            }
            jit
        })
        .collect()
}

#[test]
fn hello() {
    for o in agree_all("hello", &[], true) {
        assert_eq!(o.stdout, "hello, world\n");
    }
}

#[test]
fn args_env_and_exit_status() {
    // `armrun ./prog -V`: options after the program are the program's own.
    for o in agree_all("args_env", &["-V", "second arg", "7"], true) {
        assert_eq!(o.status, 7);
        assert!(o.stdout.contains("argv[1]=-V\n"), "{}", o.stdout);
        assert!(o.stdout.contains("argv[2]=second arg\n"), "{}", o.stdout);
    }
}

#[test]
fn calls_returns_longjmp_and_faults_deep_in_calls() {
    // JIT only: the interpreter backend does not turn a guest data fault into SIGSEGV.
    for o in agree_all("calls", &[], false) {
        assert!(o.stdout.contains("faults "), "{}", o.stdout);
    }
}

/// Loops of one block carry their registers in host registers (see the AArch64 test of the
/// same name), in A32 and Thumb.
#[test]
fn loops_keep_their_registers_across_faults_signals_and_exits() {
    for o in agree_all("loops", &["sum"], true) {
        assert!(o.stdout.contains("sum_cmp: n=16381 "), "{}", o.stdout);
    }
    for o in agree_all("loops", &["signal"], true) {
        assert_eq!(
            o.stdout,
            "signal: signals=20 bad=0 most grew=1 counted past the last=1\n"
        );
    }
    for o in agree_all("loops", &["fault"], false) {
        assert!(o.stdout.contains("count=16384 "), "{}", o.stdout);
    }
}

#[test]
fn printf_and_strings() {
    for name in ["printf", "strings", "strtod"] {
        agree_all(name, &[], true);
    }
}

#[test]
fn threads() {
    for o in agree_all("threads", &[], true) {
        assert_eq!(
            o.stdout,
            "atomic=160000 locked=160000 tls=560000 order=1 main_tls=0\n"
        );
    }
}

#[test]
fn malloc_qsort_and_libm() {
    for name in ["malloc_qsort", "libm"] {
        agree_all(name, &[], false);
    }
}

/// The benchmark kernels: integer, FP, string, sort, interpreter and hash loops.
#[test]
fn workloads() {
    for name in [
        "intbench",
        "fpbench",
        "strbench",
        "sortbench",
        "interpbench",
        "hashbench",
    ] {
        for o in agree_all(name, &[], false) {
            assert_eq!(o.status, 0, "{name}");
        }
    }
}

/// Code written and rerun 100 times (cacheflush, plain stores seen by write watching, W^X
/// flips, writes through a second mapping) and code storing into its own page; the
/// interpreter only where the program says when code changes.
#[test]
fn jit_style_code_rewritten_and_rerun() {
    for mode in ["flush", "plain", "wx", "self"] {
        for o in agree_all("jitcode", &[mode], mode != "plain") {
            assert!(o.stdout.starts_with(&format!("{mode} total=")), "{o:?}");
        }
    }
    // Written through a second mapping, made visible by cacheflush (qemu runs the old code:
    // armrun's JIT and interpreter only).
    for f in FLAVOURS {
        let prog = build("jitcode", f);
        for flags in [&[][..], &["--interp"][..]] {
            let (o, err) = run_armrun(flags, &prog, &["alias"], &[]);
            assert_eq!(
                o.stdout, "alias total=4950\n",
                "{} {flags:?}: {err}",
                f.name
            );
        }
    }
}

/// Robust and PI mutexes, futex_waitv and fork among busy threads (see guest_a64's test of
/// the same program; qemu-arm hangs on the robust mutex, so armrun's JIT and interpreter only).
#[test]
fn robust_and_pi_futexes_futex_waitv_and_fork_among_threads() {
    for f in FLAVOURS {
        let prog = build("robust", f);
        for flags in [&[][..], &["--interp"][..]] {
            let (o, err) = run_armrun(flags, &prog, &[], &[]);
            assert_eq!(o.stdout, ROBUST_LINES, "{} {flags:?}: {err}", f.name);
        }
    }
}

/// 64-bit division, whose libgcc routine armrun lifts as a divide (the a32 crate's `routine`
/// module): on every flavour the JIT and the interpreter agree with qemu, on divisors of every
/// size, on signed division and on direct calls with a null remainder pointer or a zero divisor,
/// and armrun's translation log shows it did recognise the routine.
#[test]
fn divide64_by_the_recognised_routine() {
    for f in FLAVOURS {
        let prog = guest_in("guest32", "divide64", f.cc, f.flags);
        let qemu = run_qemu_as("qemu-arm-static", &prog, &[], &[]);
        assert!(qemu.stdout.contains("by zero"), "{}: {qemu:?}", f.name);
        for flags in [&["-d", "in_asm"][..], &["--interp", "-d", "in_asm"][..]] {
            let (o, err) = run_armrun(flags, &prog, &[], &[]);
            assert_eq!(o, qemu, "{} {flags:?}", f.name);
            assert!(
                err.contains("IN: __udivmoddi4 (recognised"),
                "{} {flags:?}: the routine was not recognised",
                f.name
            );
        }
    }
}

/// glibc's string and memory routines, which armrun does on the host (the strmem crate):
/// at page edges, with faults, overlapping copies and a copy into code that has run, every
/// flavour gives what qemu gives, under the JIT with and without the host helpers and under
/// the interpreter. On the armhf flavours (one glibc build) the translation log shows every
/// routine the table names was recognised: the NEON builds by default, the VFP builds of
/// memcpy and memchr on a CPU without NEON. armel's glibc has builds of its own (but for
/// memset), one for every CPU.
#[test]
fn glibc_string_routines_done_by_the_host() {
    let neon = [
        "strlen",
        "strcmp",
        "strchr",
        "strrchr",
        "memset",
        "__memcpy_neon",
        "__memchr_neon",
    ];
    let vfp = ["__memcpy_vfp", "__memchr_noneon"];
    for f in FLAVOURS {
        let prog = build("routines", f);
        let qemu = run_qemu_as("qemu-arm-static", &prog, &[], &[]);
        assert!(qemu.stdout.contains("code 42 7\n"), "{}: {qemu:?}", f.name);
        let runs: [(&[&str], &[&str]); 5] = [
            (&["-d", "in_asm"], &neon),
            (&["-d", "in_asm", "-cpu", "cortex-a9"], &vfp),
            (&["--no-routines", "-d", "in_asm"], &[]),
            (&["--interp", "-d", "in_asm"], &[]),
            (&[], &[]),
        ];
        for (flags, names) in runs {
            let (o, err) = run_armrun(flags, &prog, &[], &[]);
            assert_eq!(o, qemu, "{} {flags:?}", f.name);
            let recognised = |n: &str| err.contains(&format!("IN: {n} (recognised"));
            let expected: &[&str] = match (f.name, names.is_empty()) {
                (_, true) => &[],
                ("armel", false) => &[
                    "memset", "strlen", "strcmp", "strchr", "strrchr", "memchr", "memcpy",
                ],
                _ => names,
            };
            for n in expected {
                assert!(
                    recognised(n),
                    "{} {flags:?}: {n} was not recognised",
                    f.name
                );
            }
            if expected.is_empty() && !flags.is_empty() {
                let any = neon.iter().chain(&vfp).find(|n| recognised(n));
                assert_eq!(any, None, "{} {flags:?}: recognised", f.name);
            }
        }
    }
}

/// The libc6 package whose armhf libc.so.6 builds `a32::routine`'s table lists.
const KNOWN_LIBC6: &str = "libc6_2.36-9+deb12u14_armhf";

/// The same program dynamically linked against the armhf sysroot's libc.so.6 (the same
/// builds as libc.a's): it agrees with qemu with and without the host helpers, and, while the
/// sysroot's libc6 is the update the table was made from, its routines are recognised (as in
/// the arm64 test, another Debian update must still agree).
#[test]
fn glibc_string_routines_of_libc_so_done_by_the_host() {
    let (root, known) = sysroot_libc(
        "armhf",
        "usr/lib/arm-linux-gnueabihf/libc.so.6",
        KNOWN_LIBC6,
    );
    let env = [("QEMU_LD_PREFIX", root.as_str())];
    let prog = guest("routines", "arm-linux-gnueabihf-gcc", &["-O2", "-mthumb"]);
    let qemu = run_qemu_as("qemu-arm-static", &prog, &[], &env);
    assert!(qemu.stdout.contains("code 42 7\n"), "{qemu:?}");
    let (o, err) = run_armrun(&["-d", "in_asm"], &prog, &[], &env);
    assert_eq!(o, qemu);
    let names = ["strlen", "strcmp", "strrchr", "memset", "__memcpy_neon"];
    for n in names.iter().filter(|_| known) {
        let line = format!("IN: {n} (recognised");
        assert!(err.contains(&line), "{n} was not recognised");
    }
    let (o, _) = run_armrun(&["--no-routines"], &prog, &[], &env);
    assert_eq!(o, qemu, "--no-routines");
}

#[test]
fn ran_by_armrun() {
    let prog = build("hello", &FLAVOURS[1]);
    let (o, err) = run_armrun(&["-d", "in_asm"], &prog, &[], &[]);
    assert_eq!(o.stdout, "hello, world\n");
    assert!(
        err.contains("IN:") && err.contains("svc"),
        "armrun's translation log is missing:\n{err}"
    );
}

/// `-cpu` (and QEMU_CPU) choose what the guest is told: AT_PLATFORM, AT_HWCAP and the
/// /proc/cpuinfo Features line agree with the model.
#[test]
fn cpu_model_reaches_auxv_and_cpuinfo() {
    let prog = build("auxv", &FLAVOURS[0]);
    let (o, err) = run_armrun(&["-cpu", "arm1176"], &prog, &[], &[]);
    assert_eq!(o.status, 0, "{err}");
    assert_eq!(
        o.stdout,
        "platform=v6l hwcap=0x80d6 hwcap2=0\nFeatures\t: half thumb fastmult vfp edsp tls\n"
    );
    let (o, _) = run_armrun(&[], &prog, &[], &[("QEMU_CPU", "cortex-a9")]);
    assert!(o.stdout.starts_with("platform=v7l "), "{}", o.stdout);
    assert!(
        !o.stdout.contains("idiva") && o.stdout.contains("vfpv3"),
        "{}",
        o.stdout
    );
    let (o, _) = run_armrun(&[], &prog, &[], &[]);
    assert!(
        o.stdout
            .contains(" neon vfpv3 tls vfpv4 idiva idivt vfpd32 aes pmull sha1 sha2\n"),
        "{}",
        o.stdout
    );
    let (o, err) = run_armrun(&["-cpu", "cortex-a53"], &prog, &[], &[]);
    assert_eq!(o.status, 1);
    assert!(
        err.contains("unable to find CPU model 'cortex-a53'"),
        "{err}"
    );
    let a64 = a64_static("auxv");
    let (o, _) = run_armrun(&["-cpu", "cortex-a53"], &a64, &[], &[]);
    assert_eq!(
        o.stdout,
        "platform=aarch64 hwcap=0xfb hwcap2=0\nFeatures\t: fp asimd aes pmull sha1 sha2 crc32\n"
    );
}
