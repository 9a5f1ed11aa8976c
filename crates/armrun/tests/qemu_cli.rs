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

/// A fresh empty directory for one test's files.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `-d page` report parsed: mappings (start, end, prot) and the named values after them.
struct Layout {
    maps: Vec<(u64, u64, String)>,
    values: Vec<(String, u64)>,
}

impl Layout {
    fn parse(log: &str, width: usize) -> Layout {
        let mut lines = log.lines().skip_while(|l| !l.starts_with("page layout"));
        lines.next().expect("page report");
        let header = lines.next().unwrap();
        assert_eq!(
            header,
            format!(
                "{:<width$} {:<width$} {:<width$} prot",
                "start", "end", "size"
            )
        );
        let mut l = Layout {
            maps: Vec::new(),
            values: Vec::new(),
        };
        let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
        for line in lines {
            if line.starts_with("Trace") || line.starts_with("armrun") {
                break;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            if let Some((s, e)) = f[0].split_once('-') {
                assert_eq!(
                    (s.len(), e.len(), f[1].len()),
                    (width, width, width),
                    "{line}"
                );
                let (s, e) = (hex(s), hex(e));
                assert_eq!(hex(f[1]), e - s, "{line}");
                l.maps.push((s, e, f[2].to_string()));
            } else {
                assert_eq!(f[1].len(), 2 + width, "{line}");
                l.values.push((f[0].to_string(), hex(f[1])));
            }
        }
        l
    }

    fn value(&self, name: &str) -> u64 {
        self.values.iter().find(|v| v.0 == name).unwrap().1
    }

    /// The mapping holding `addr`.
    fn map_of(&self, addr: u64) -> &(u64, u64, String) {
        self.maps
            .iter()
            .find(|m| m.0 <= addr && addr < m.1)
            .unwrap()
    }
}

/// `-d page`: the guest's mappings after loading, as wide as a guest pointer, with the entry
/// point in executable code and the stack pointer in writable memory, for both widths.
#[test]
fn page_layout() {
    let a32 = guest("hello", "arm-linux-gnueabihf-gcc", &["-static", "-O2"]);
    for (prog, width) in [(a64_static("hello"), 16), (a32, 8)] {
        let (st, _, err) = armrun_with(&["-d", "page", prog.to_str().unwrap()], &[]);
        assert_eq!(st, 0, "{err}");
        let l = Layout::parse(&err, width);
        let entry = l.value("entry");
        assert!(l.map_of(entry & !1).2.contains('x'), "{err}");
        let sp = l.value("start_stack");
        assert_eq!(l.map_of(sp).2, "rw-", "{err}");
        let word = width as u64 / 2;
        assert_eq!(l.value("argv_start"), sp + word);
        // argc 1: argv[0] and its NULL before the environment.
        assert_eq!(l.value("env_start"), sp + 3 * word);
        assert!(l.value("auxv_start") > l.value("env_start"));
        assert!(l.maps.windows(2).all(|w| w[0].1 <= w[1].0), "{err}");
    }
}

/// `-s size` / `QEMU_STACK_SIZE` size the initial stack (qemu's number forms and suffixes);
/// bad sizes are refused.
#[test]
fn stack_size() {
    let p = a64_static("hello");
    let p = p.to_str().unwrap();
    for (args, env, size) in [
        (vec!["-s", "16M"], vec![], 16u64 << 20),
        (vec!["-s", "4096k"], vec![], 4 << 20),
        (vec!["-s", "0x3000000"], vec![], 48 << 20),
        (vec!["-s", "1G"], vec![], 1 << 30),
        (vec![], vec![("QEMU_STACK_SIZE", "20M")], 20 << 20),
        // The command line wins over the environment.
        (
            vec!["-s", "12M"],
            vec![("QEMU_STACK_SIZE", "20M")],
            12 << 20,
        ),
        // Below qemu's floor of 32 pages.
        (vec!["-s", "1000"], vec![], 128 << 10),
    ] {
        let mut a = args.clone();
        a.extend(["-d", "page", p]);
        let (st, out, err) = armrun_with(&a, &env);
        assert_eq!((st, out.as_str()), (0, "hello, world\n"), "{err}");
        let l = Layout::parse(&err, 16);
        let (s, e, _) = l.map_of(l.value("start_stack"));
        assert_eq!(e - s, size, "{args:?} {env:?}");
    }
    for bad in ["0", "12q", "1MB", "-4"] {
        let (st, _, err) = armrun_with(&["-s", bad, p], &[]);
        assert_eq!(st, 1);
        assert_eq!(err, format!("armrun: invalid stack size '{bad}'\n"));
    }
}

/// `-r release` / `QEMU_UNAME`: the release uname(2) reports; the host's otherwise.
#[test]
fn uname_release() {
    let bb = busybox();
    let bb = bb.to_str().unwrap();
    let (st, out, err) = armrun_with(&["-r", "2.6.32-armrun", bb, "uname", "-r"], &[]);
    assert_eq!((st, out.as_str()), (0, "2.6.32-armrun\n"), "{err}");
    let (_, out, _) = armrun_with(&[bb, "uname", "-r"], &[("QEMU_UNAME", "5.4.0-env")]);
    assert_eq!(out, "5.4.0-env\n");
    let host = Command::new("uname").arg("-r").output().unwrap().stdout;
    let (_, out, _) = armrun_with(&[bb, "uname", "-r"], &[]);
    assert_eq!(out.as_bytes(), host);
    // Inherited by a program the guest executes (armrun re-executes itself for it).
    let script = format!("{bb} uname -r");
    let (_, out, _) = armrun_with(&["-r", "1.0-child", bb, "sh", "-c", &script], &[]);
    assert_eq!(out, "1.0-child\n");
}

/// The one file in `dir` and its text.
fn only_file(dir: &Path) -> (String, String) {
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let text = std::fs::read_to_string(dir.join(&names[0])).unwrap();
    (names[0].clone(), text)
}

/// `-D logfile` / `QEMU_LOG_FILENAME`: `-d` and `-strace` output goes to the file (`%d` the
/// pid) instead of standard error, whole lines from every thread and from programs the guest
/// executes; `-D` with nothing to log creates no file; a bad pattern is refused as qemu does.
#[test]
fn log_file() {
    let p = args_env();
    let p = p.to_str().unwrap();
    let dir = scratch_dir("logfile");
    let pattern = dir.join("log-%d.txt");
    let pattern = pattern.to_str().unwrap();
    for (args, env) in [
        (vec!["-D", pattern, "-strace", "-d", "in_asm"], vec![]),
        (
            vec!["-d", "in_asm,strace"],
            vec![("QEMU_LOG_FILENAME", pattern)],
        ),
    ] {
        for e in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(e.unwrap().path()).unwrap();
        }
        let mut a = args.clone();
        a.push(p);
        let (st, _, err) = armrun_with(&a, &env);
        assert_eq!((st, err.as_str()), (0, ""));
        let (name, log) = only_file(&dir);
        let pid = name
            .strip_prefix("log-")
            .unwrap()
            .strip_suffix(".txt")
            .unwrap();
        assert!(pid.parse::<u32>().is_ok(), "{name}");
        assert!(log.contains("IN:") && log.contains("write(0x1, "), "{log}");
        assert!(log.contains("exit_group("), "{log}");
    }

    let dir = scratch_dir("logfile-none");
    let file = dir.join("log");
    let (st, _, _) = armrun_with(&["-D", file.to_str().unwrap(), p], &[]);
    assert_eq!(st, 0);
    assert!(!file.exists());
    let (st, _, err) = armrun_with(&["-D", "/tmp/%s.log", "-strace", p], &[]);
    assert_eq!(
        (st, err.as_str()),
        (1, "armrun: Bad logfile format: /tmp/%s.log\n")
    );

    // Threads: every line whole, each thread's clone and exit in the one file.
    let dir = scratch_dir("logfile-threads");
    let file = dir.join("log");
    let threads = a64_static("threads");
    let args = [
        "-strace",
        "-D",
        file.to_str().unwrap(),
        threads.to_str().unwrap(),
    ];
    let (st, out, err) = armrun_with(&args, &[]);
    assert_eq!((st, err.as_str()), (0, ""), "{out}");
    let log = std::fs::read_to_string(&file).unwrap();
    assert!(log.lines().all(|l| l.starts_with("armrun: ")), "{log}");
    assert_eq!(log.matches("armrun: clone(").count(), 8, "{log}");
    assert!(log.matches("armrun: exit(").count() >= 8, "{log}");

    // A program the guest executes continues the log instead of emptying it.
    let dir = scratch_dir("logfile-exec");
    let file = dir.join("log");
    let bb = busybox();
    let bb = bb.to_str().unwrap();
    let script = format!("{bb} echo from-child");
    let args = [
        "-strace",
        "-D",
        file.to_str().unwrap(),
        bb,
        "sh",
        "-c",
        &script,
    ];
    let (st, out, err) = armrun_with(&args, &[]);
    assert_eq!((st, out.as_str(), err.as_str()), (0, "from-child\n", ""));
    let log = std::fs::read_to_string(&file).unwrap();
    let exec = log.find("armrun: execve ").expect("execve line");
    assert!(log[..exec].contains("armrun: "), "{log}");
    assert!(log[exec..].contains("write(0x1, "), "{log}");
}

/// The `-d exec` lines: (thread index, guest pc) of each, checking qemu's layout
/// `Trace N: 0xHOST [0.../PC/FLAGS/00000000]` with the pc as wide as a guest pointer.
fn trace_pcs(log: &str, width: usize) -> Vec<(u32, u64)> {
    log.lines()
        .filter_map(|l| l.strip_prefix("Trace "))
        .map(|l| {
            let (idx, rest) = l.split_once(": 0x").unwrap();
            let (host, fields) = rest.split_once(" [").unwrap();
            assert!(usize::from_str_radix(host, 16).is_ok(), "{l}");
            let f: Vec<&str> = fields.strip_suffix(']').unwrap().split('/').collect();
            let widths: Vec<usize> = f.iter().map(|s| s.len()).collect();
            assert_eq!(widths, [width, width, 8, 8], "{l}");
            (idx.parse().unwrap(), u64::from_str_radix(f[1], 16).unwrap())
        })
        .collect()
}

/// `-d exec` logs every block run: the JIT, whose blocks otherwise jump to each other
/// without the dispatcher, logs exactly the sequence the interpreter (which never chains)
/// runs; 32-bit guests too (both with `--no-routines`, since the interpreter runs glibc's
/// string routines as their own code, the JIT as one block each). Threads have their own index.
#[test]
fn exec_trace() {
    let a32 = guest("hello", "arm-linux-gnueabihf-gcc", &["-static", "-O2"]);
    for (prog, width) in [(a64_static("hello"), 16), (a32, 8)] {
        let p = prog.to_str().unwrap();
        let (st, out, jit) = armrun_with(&["--no-routines", "-d", "exec", p], &[]);
        assert_eq!((st, out.as_str()), (0, "hello, world\n"));
        let (_, _, interp) = armrun_with(&["--interp", "-d", "exec", p], &[]);
        let (jit, interp) = (trace_pcs(&jit, width), trace_pcs(&interp, width));
        assert!(jit.len() > 1000, "{}", jit.len());
        assert_eq!(jit, interp);
        assert!(jit.iter().all(|t| t.0 == 0));
    }
    let threads = a64_static("threads");
    let (st, _, err) = armrun_with(&["-d", "exec", threads.to_str().unwrap()], &[]);
    assert_eq!(st, 0);
    let mut idx: Vec<u32> = trace_pcs(&err, 16).iter().map(|t| t.0).collect();
    idx.sort();
    idx.dedup();
    assert_eq!(idx, (0..=8).collect::<Vec<_>>());
}

/// `-d out_asm`: each compiled block's host code, disassembled (AT&T syntax, as qemu prints
/// it) at the addresses it runs at: the listed bytes add up to the size line, the code reaches
/// the guest state through r15, and blocks linked to each other jump to where the other's
/// listing starts.
#[test]
fn out_asm() {
    let p = a64_static("hello");
    let (st, out, err) = armrun_with(&["-d", "out_asm", p.to_str().unwrap()], &[]);
    assert_eq!((st, out.as_str()), (0, "hello, world\n"));
    let mut blocks = 0;
    let targets: std::collections::HashSet<String> = err
        .lines()
        .filter_map(|l| l.split_once(" jmp 0x"))
        .map(|(_, t)| format!("0x{}", t.trim()))
        .collect();
    let starts: Vec<&str> = err
        .split("  -- guest addr ")
        .skip(1)
        .filter_map(|b| b.lines().nth(1)?.split_once(':').map(|a| a.0))
        .collect();
    let starts_of_blocks: std::collections::HashSet<&str> = starts.iter().copied().collect();
    assert_eq!(
        starts.len(),
        starts_of_blocks.len(),
        "two blocks listed at one address"
    );
    assert!(
        targets
            .iter()
            .any(|t| starts_of_blocks.contains(t.as_str())),
        "no block jumps to another's listed start:\n{err}"
    );
    for block in err.split("OUT: [size=").skip(1) {
        let (size, body) = block.split_once("]\n").unwrap();
        let size: usize = size.parse().unwrap();
        let mut bytes = 0;
        for line in body.lines().take_while(|l| !l.is_empty()) {
            if line.starts_with("  -- guest addr 0x") {
                continue;
            }
            let (_, rest) = line.split_once(":  ").unwrap();
            bytes += rest
                .split(' ')
                .take_while(|w| w.len() == 2 && u8::from_str_radix(w, 16).is_ok())
                .count();
        }
        assert_eq!(bytes, size, "{block}");
        blocks += 1;
    }
    assert!(blocks > 10, "{err}");
    assert!(err.contains("%r15") && err.contains("movq"), "{err}");
}

/// Blocks are translated quickly first, counting their runs, and the ones that run often
/// again in full (see the JIT's tiers): in `-d out_asm`, a loop's block appears first with the
/// counter (`subl $1, ...(%rip)` on its run count, or through its address in rax where the
/// counter is out of rip's reach) and later without; the program's output is what it prints
/// without the log. Both instruction sets.
#[test]
fn hot_blocks_are_translated_again_in_full() {
    let a32 = guest(
        "malloc_qsort",
        "arm-linux-gnueabihf-gcc",
        &["-static", "-O2"],
    );
    for prog in [a64_static("malloc_qsort"), a32] {
        let p = prog.to_str().unwrap();
        let (st, plain, _) = armrun_with(&[p], &[]);
        assert_eq!(st, 0);
        let (st, out, err) = armrun_with(&["-d", "out_asm", p], &[]);
        assert_eq!((st, &out), (0, &plain));
        // guest address -> whether each of its translations counts its runs, in order.
        let mut tiers: std::collections::HashMap<&str, Vec<bool>> = Default::default();
        for block in err.split("  -- guest addr ").skip(1) {
            let (addr, body) = block.split_once('\n').unwrap();
            // The decrement first (or the counter's address, a movabsq wrapped over two
            // lines, then the decrement through rax).
            let quick = body.lines().take(4).any(|l| {
                l.ends_with("subl $1, (%rax)") || l.contains("subl $1, ") && l.ends_with("(%rip)")
            });
            tiers.entry(addr).or_default().push(quick);
        }
        let promoted = tiers.values().filter(|t| t[..] == [true, false]).count();
        assert!(promoted > 5, "{p}: {promoted} blocks translated again");
        assert!(
            tiers.values().all(|t| t[0]),
            "{p}: every block starts quick"
        );
    }
}

/// `-d help` lists the log items; qemu's items armrun lacks are refused with the reason and
/// unknown ones by name, never ignored, from the command line or `QEMU_LOG`.
#[test]
fn log_items_help_and_refusals() {
    let (st, out, _) = armrun_with(&["-d", "help"], &[]);
    assert_eq!(st, 0);
    assert!(out.starts_with("Log items (comma separated):\n"), "{out}");
    for item in [
        "out_asm", "in_asm", "op", "exec", "page", "nochain", "unimp", "strace",
    ] {
        assert!(out.contains(&format!("\n{item} ")), "{item}: {out}");
    }
    let p = a64_static("hello");
    let p = p.to_str().unwrap();
    let (st, _, err) = armrun_with(&["-d", "page,cpu", p], &[]);
    assert_eq!(st, 1);
    assert_eq!(
        err,
        "armrun: qemu log item cpu is not supported by armrun: registers are not dumped before \
         blocks\n"
    );
    let (st, _, err) = armrun_with(&[p], &[("QEMU_LOG", "in_asm,bogus")]);
    assert_eq!(st, 1);
    assert_eq!(
        err,
        "armrun: unknown log item 'bogus' (see armrun -d help)\n"
    );
}
