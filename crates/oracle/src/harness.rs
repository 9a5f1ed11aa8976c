//! Running generated programs under a reference emulator and the emulators under test, and
//! tallying the differences per class: the part of the differential tests (`oracle_a64`,
//! `oracle_a32` in the armrun crate) that does not depend on the architecture.
//!
//! Stdout bytes and exit status of every run must equal the reference's. When the reference
//! dies of a signal (typically SIGILL for an unallocated encoding), the emulator under test
//! must die the same way after the same dumped prefix; such programs count as "sig-both".

use crate::dump::Layout;
use crate::program::BUF_SIZE;
use crate::rng::Rng;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Exited with this status.
    Exit(i32),
    /// Killed by this signal.
    Signal(i32),
    /// Still running after the time limit (then killed).
    Timeout,
}

/// A run's stdout and how it ended.
pub type Run = (Vec<u8>, End);

/// Runs `cmd args.. file` with a 20 s limit, returning stdout and how it ended.
pub fn run(cmd: &str, args: &[&str], file: &Path) -> Run {
    use std::os::unix::process::ExitStatusExt;
    let mut child = Command::new(cmd)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn emulator");
    let mut out = child.stdout.take().expect("stdout");
    // Read on a thread so a large dump cannot block the child on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let end = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break match (st.code(), st.signal()) {
                (Some(c), _) => End::Exit(c),
                (None, Some(s)) => End::Signal(s),
                _ => End::Exit(-1),
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break End::Timeout;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    (reader.join().unwrap_or_default(), end)
}

/// A generated program as the harness runs it.
pub struct Image {
    /// The ELF file.
    pub elf: Vec<u8>,
    /// Bytes each block writes, in order.
    pub dump_sizes: Vec<usize>,
    /// Layout of the register part of a dump.
    pub layout: Layout,
    /// Name of the register pointing into the scratch buffer (for reports).
    pub base_name: &'static str,
}

impl Image {
    /// An image whose blocks each dump `layout`'s registers, followed by the scratch buffer
    /// where `buffers` (one flag per block) says so.
    pub fn new(
        elf: Vec<u8>,
        layout: Layout,
        base_name: &'static str,
        buffers: impl IntoIterator<Item = bool>,
    ) -> Image {
        let dump_sizes = (buffers.into_iter())
            .map(|b| layout.size() + if b { BUF_SIZE } else { 0 })
            .collect();
        Image {
            elf,
            dump_sizes,
            layout,
            base_name,
        }
    }
}

/// An emulator command: name for reports, program and leading arguments.
#[derive(Clone, Debug)]
pub struct Emulator {
    /// Name in reports.
    pub name: String,
    /// The executable.
    pub cmd: String,
    /// Arguments before the program file.
    pub args: Vec<String>,
}

impl Emulator {
    /// An emulator named `name` run as `cmd args.. file`.
    pub fn new(name: &str, cmd: &str, args: &[&str]) -> Emulator {
        Emulator {
            name: name.into(),
            cmd: cmd.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn run(&self, file: &Path) -> Run {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        run(&self.cmd, &args, file)
    }
}

/// Test blocks per generated program.
pub const BLOCKS: usize = 8;
/// Instructions under test per block.
pub const WORDS: usize = 4;

/// Per-class tally and the first few mismatch reports.
#[derive(Default)]
pub struct Tally {
    /// Decode rows the class draws from.
    pub rows: usize,
    /// Blocks run (completed by the reference, plus the one it died in).
    pub cases: usize,
    /// Blocks the reference completed.
    pub completed: usize,
    /// Programs with a difference.
    pub mismatches: usize,
    /// Programs the reference and the emulators under test died in the same way.
    pub sig_both: usize,
    /// Reports of the first mismatching programs.
    pub reports: Vec<String>,
}

/// Reports kept per class.
const REPORTS_PER_CLASS: usize = 8;

/// Runs generated programs: a reference and the emulators under test, with a scratch folder
/// for the program files and one where failing programs are kept.
pub struct Oracle {
    /// The reference emulator.
    pub reference: Emulator,
    /// The emulators under test.
    pub tested: Vec<Emulator>,
    /// Where programs are written.
    pub dir: PathBuf,
    /// Where failing programs are kept.
    pub fail_dir: PathBuf,
    /// The classes run so far and their tallies.
    pub table: Vec<(String, Tally)>,
}

impl Oracle {
    /// qemu-user `qemu` (`-cpu max`) as the reference; armrun's JIT and interpreter (`armrun
    /// -d exec`, `armrun --interp`) under test; programs written under `tmp`/`name` and failing
    /// ones kept in `tmp`/`name`-fail. `None` (with a message) if `qemu` is not installed.
    ///
    /// The JIT's run logs every block (`-d exec`, to /dev/null) because that compiles each
    /// block before its first run: by default a block's first run is on the interpreter, and
    /// every test block runs once, so the JIT's column ran little but the prologues' code.
    pub fn qemu_vs_armrun(qemu: &str, armrun: &str, tmp: &str, name: &str) -> Option<Oracle> {
        if !Path::new(qemu).exists() {
            println!("{name}: {qemu} not installed, skipping");
            return None;
        }
        let tmp = Path::new(tmp);
        Some(Oracle {
            reference: Emulator::new("qemu", qemu, &["-cpu", "max"]),
            tested: vec![
                Emulator::new("armrun", armrun, &["-d", "exec", "-D", "/dev/null"]),
                Emulator::new("armrun --interp", armrun, &["--interp"]),
            ],
            dir: tmp.join(name),
            fail_dir: tmp.join(format!("{name}-fail")),
            table: Vec::new(),
        })
    }

    /// Runs the class named `name` (number `index` of its test, which seeds its random
    /// numbers together with `ORACLE_SEED`), unless `ORACLE_CLASSES` leaves it out: programs
    /// from `generate` until `ORACLE_CASES` (else `default`) blocks ran. `generate` returns a
    /// program and a description of each of its blocks (instructions, initial state) for
    /// reports; `rows` is the number of decode rows the class draws from (none: nothing runs).
    pub fn class(
        &mut self,
        name: &str,
        index: usize,
        rows: usize,
        default: usize,
        mut generate: impl FnMut(&mut Rng) -> (Image, Vec<String>),
    ) -> Option<&Tally> {
        if !class_selected(name) {
            return None;
        }
        let seed = env_usize("ORACLE_SEED").unwrap_or(0x5eed) as u64;
        let target = env_usize("ORACLE_CASES").unwrap_or(default);
        let mut rng = Rng::new(seed ^ (index as u64) << 32);
        let mut t = Tally {
            rows,
            ..Tally::default()
        };
        let mut prog_no = 0;
        while rows > 0 && t.cases < target {
            let (image, described) = generate(&mut rng);
            let file = format!("{name}-{prog_no}");
            let tag = format!("{name} seed {seed:#x} program {prog_no}");
            self.check(&image, &file, &tag, &described, &mut t);
            prog_no += 1;
        }
        self.table.push((name.to_string(), t));
        self.table.last().map(|(_, t)| t)
    }

    /// Prints the per-class table and the reports; fails if any program mismatched.
    pub fn finish(&self) {
        let mismatches = print_summary(&self.table);
        assert!(
            mismatches == 0,
            "{mismatches} mismatching programs (see the report above; programs kept in {})",
            self.fail_dir.display()
        );
    }

    /// Writes `prog` as `name` under the scratch folder, runs it under every emulator and
    /// records the result in `t`. `describe[b]` lists block `b` (words, mnemonics, initial
    /// state) for reports, which are prefixed with `tag`.
    fn check(&self, prog: &Image, name: &str, tag: &str, describe: &[String], t: &mut Tally) {
        std::fs::create_dir_all(&self.dir).expect("tmp dir");
        let file = self.dir.join(name);
        std::fs::write(&file, &prog.elf).expect("write program");
        // qemu-user refuses (exit 1, no message) to run a file without execute permission.
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod program");
        let reference = self.reference.run(&file);
        let mut bad = false;
        for e in &self.tested {
            let got = e.run(&file);
            if let Some(rep) = compare(prog, &e.name, &reference, &got, describe) {
                bad = true;
                if t.reports.len() < REPORTS_PER_CLASS {
                    t.reports.push(format!("[{tag}] {rep}"));
                }
            }
        }
        // Count the blocks the reference completed, plus the one it died in.
        let mut off = 0;
        let mut done = 0;
        for size in &prog.dump_sizes {
            off += size;
            if reference.0.len() < off {
                break;
            }
            done += 1;
        }
        t.completed += done;
        let died = matches!(reference.1, End::Signal(_)) && done < prog.dump_sizes.len();
        // At least one per program, so a program the reference rejects cannot loop forever.
        t.cases += (done + died as usize).max(1);
        if bad {
            t.mismatches += 1;
            let _ = std::fs::create_dir_all(&self.fail_dir);
            let _ = std::fs::copy(&file, self.fail_dir.join(name));
        } else if died {
            t.sig_both += 1;
        }
        let _ = std::fs::remove_file(&file);
    }
}

/// Compares `got` against the reference run; a report for the first differing block.
fn compare(
    prog: &Image,
    name: &str,
    reference: &Run,
    got: &Run,
    describe: &[String],
) -> Option<String> {
    if reference == got {
        return None;
    }
    let mut off = 0;
    for (b, &size) in prog.dump_sizes.iter().enumerate() {
        let r = reference.0.get(off..off + size);
        let g = got.0.get(off..off + size);
        if r != g {
            let what = match (r, g) {
                (Some(r), Some(g)) => prog.layout.diff(r, g, prog.base_name).join("\n    "),
                (Some(_), None) => format!("qemu completed the block, {name} ended {:?}", got.1),
                (None, Some(_)) => {
                    format!("{name} completed the block, qemu ended {:?}", reference.1)
                }
                (None, None) => format!("qemu ended {:?}, {name} ended {:?}", reference.1, got.1),
            };
            return Some(format!("{name} block {b}:\n{}\n    {what}", describe[b]));
        }
        off += size;
    }
    Some(format!(
        "{name}: same dumps but qemu ended {:?}, {name} ended {:?}",
        reference.1, got.1
    ))
}

/// Prints the per-class table and the mismatch reports; the number of mismatching programs.
fn print_summary(table: &[(String, Tally)]) -> usize {
    println!(
        "{:<14} {:>5} {:>7} {:>10} {:>8}",
        "class", "rows", "cases", "mismatches", "sig-both"
    );
    for (class, t) in table {
        println!(
            "{class:<14} {:>5} {:>7} {:>10} {:>8}",
            t.rows, t.cases, t.mismatches, t.sig_both
        );
    }
    for (_, t) in table {
        for r in &t.reports {
            println!("MISMATCH {r}\n");
        }
    }
    table.iter().map(|(_, t)| t.mismatches).sum()
}

/// A block's description for reports: one line per instruction (its hexadecimal form and
/// name), then a line with the initial `state`.
pub fn listing<'a>(insns: impl Iterator<Item = (String, &'a str)>, state: &str) -> String {
    let mut out: String = insns.map(|(w, n)| format!("    {w}  {n}\n")).collect();
    out.push_str("  ");
    out.push_str(state);
    out
}

/// The value of environment variable `name` as a number, if set and valid.
pub fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The class filter of `ORACLE_CLASSES` (comma-separated names), if set: whether `class` runs.
pub fn class_selected(class: &str) -> bool {
    std::env::var("ORACLE_CLASSES")
        .map(|s| s.split(',').any(|c| c.trim() == class))
        .unwrap_or(true)
}
