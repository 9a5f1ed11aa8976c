//! Command line parsing, compatible with qemu-user's flags and environment variables.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// Everything the command line and environment ask for.
#[derive(Debug, Default)]
pub struct Options {
    /// `-L path` / `QEMU_LD_PREFIX`: the guest's root for the ELF interpreter and absolute paths.
    pub sysroot: Option<PathBuf>,
    /// `-E var=value` / `-U var`: edits to the guest environment, in order.
    pub env_edits: Vec<EnvEdit>,
    /// `-0 argv0`: the guest's argv[0] instead of the program path.
    pub argv0: Option<OsString>,
    /// `-d item,...` / `QEMU_LOG`: debug output items.
    pub log_items: Vec<String>,
    /// `-strace` / `QEMU_STRACE`: log every syscall.
    pub strace: bool,
    /// `-cpu model` / `QEMU_CPU`: the CPU model the guest is told about (see `cpu_model`).
    pub cpu: Option<String>,
    /// `-s size` / `QEMU_STACK_SIZE`: the guest's initial stack size in bytes; otherwise
    /// [`default_stack_size`].
    pub stack_size: Option<u64>,
    /// `-r release` / `QEMU_UNAME`: the kernel release `uname` reports to the guest.
    pub uname_release: Option<OsString>,
    /// `-D logfile` / `QEMU_LOG_FILENAME`: where `-d` and `-strace` output goes instead of
    /// standard error (a `%d` in it stands for the pid).
    pub log_file: Option<PathBuf>,
    /// `--log-append` (internal, from a guest's execve): the log file is continued, not
    /// emptied first.
    pub log_append: bool,
    /// `--interp` / `ARMRUN_INTERP=1`: run on the reference interpreter instead of the JIT.
    pub interp: bool,
    /// `--no-routines` / `ARMRUN_NO_ROUTINES=1`: run glibc's string and memory routines as
    /// their guest code rather than as host helpers (see the strmem crate).
    pub no_routines: bool,
    /// `--no-jit-thread` / `ARMRUN_NO_JIT_THREAD=1`: compile blocks on the guest thread that
    /// runs them rather than on a compiler thread of their own.
    pub no_jit_thread: bool,
    /// `ARMRUN_JIT_THREAD_AFTER=n`: start the compiler thread at the nth block handed over
    /// (default `runtime::JIT_THREAD_AFTER`; 0 starts it with the first, as the tests do).
    pub jit_thread_after: Option<u32>,
    /// `--close-fd N` (internal, from a guest's fexecve): the program is read through
    /// descriptor N, which is closed once it is loaded.
    pub close_fd: Option<i32>,
    /// `--comm name` (internal, from a guest's execve): the task name, as the kernel would set
    /// it from the path the guest executed; otherwise the program's file name.
    pub comm: Option<OsString>,
    /// The program to run.
    pub program: PathBuf,
    /// Its arguments (after the program).
    pub args: Vec<OsString>,
}

/// One change to the guest environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvEdit {
    /// Set `var=value`.
    Set(OsString),
    /// Remove `var`.
    Unset(OsString),
}

/// What the command line asks for besides running a program.
#[derive(Debug)]
pub enum Parsed {
    /// Run the program.
    Run(Box<Options>),
    /// Print help and exit 0.
    Help,
    /// Print the version and exit 0.
    Version,
    /// `-cpu help`: list the CPU models and exit 0.
    CpuHelp,
    /// `-d help`: list the log items and exit 0.
    LogHelp,
}

/// Usage text.
pub const USAGE: &str = "usage: armrun [options] program [arguments...]
Runs a Linux ARM (AArch64) program on this x86-64 host.

Options (qemu-user compatible):
  -L path        guest root for the ELF interpreter and absolute paths (QEMU_LD_PREFIX)
  -E var=value   set a variable in the guest environment (QEMU_SET_ENV, comma separated)
  -U var         remove a variable from the guest environment (QEMU_UNSET_ENV)
  -0 argv0       pass argv0 as the guest's argv[0] (QEMU_ARGV0)
  -d item[,...]  debug log items (QEMU_LOG): in_asm (guest code translated), op (IR),
                 out_asm (host code generated), exec (every block run; implies nochain),
                 nochain (blocks do not jump to each other), page (memory layout after
                 loading), unimp (undefined instructions), strace; -d help lists them
  -D logfile     write -d and -strace output to logfile, %d standing for the pid
                 (QEMU_LOG_FILENAME; default standard error)
  -strace        log system calls (QEMU_STRACE)
  -s size        initial stack size in bytes, with suffix k or K (KiB), M (MiB) or G (GiB)
                 (QEMU_STACK_SIZE; default 8M, or RLIMIT_STACK if that is larger)
  -r release     kernel release uname reports to the guest (QEMU_UNAME)
  -cpu model     CPU model the guest sees in AT_HWCAP, AT_PLATFORM and /proc/cpuinfo
                 (QEMU_CPU; -cpu help lists them)
  --interp       run on the reference IR interpreter instead of the JIT (ARMRUN_INTERP=1);
                 implies --no-routines
  --no-routines  run glibc's string and memory routines (strlen, memcpy, ...) as guest code
                 instead of doing their work on the host (ARMRUN_NO_ROUTINES=1)
  --no-jit-thread  compile translated code on the guest thread that runs it instead of on
                 a compiler thread of its own (ARMRUN_NO_JIT_THREAD=1)
  --close-fd n   close descriptor n once the program is loaded (armrun's own re-execution
                 for a guest fexecve passes the program as /proc/self/fd/n)
  --comm name    task name (default: the program's file name; armrun's re-execution for a
                 guest execve passes the name the kernel would give)
  --log-append   continue the -D log file instead of emptying it (armrun's re-execution
                 for a guest execve)
  -h, -help      this text
  -version       print the version
";

/// `v` as a number, or the error `needs`, naming the value.
fn number<T: std::str::FromStr>(v: &OsStr, needs: &str) -> Result<T, String> {
    let v = v.to_string_lossy();
    v.parse().map_err(|_| format!("{needs}, not '{v}'"))
}

/// The items of a comma-separated variable (`QEMU_SET_ENV`, `QEMU_UNSET_ENV`).
fn env_list(v: &OsStr) -> impl Iterator<Item = OsString> + '_ {
    v.as_bytes()
        .split(|b| *b == b',')
        .map(|s| OsStr::from_bytes(s).to_owned())
}

/// How an environment variable sets the default of an option.
type EnvSetter = fn(&mut Options, OsString) -> Result<(), String>;

/// The environment variables armrun reads, qemu-user's and its own, each with the option it
/// sets; they are applied in this order, before the command line (whose options win).
const ENV_OPTIONS: &[(&str, EnvSetter)] = &[
    ("QEMU_LD_PREFIX", |o, v| {
        o.sysroot = Some(v.into());
        Ok(())
    }),
    ("QEMU_STRACE", |o, _| {
        o.strace = true;
        Ok(())
    }),
    ("ARMRUN_INTERP", |o, v| {
        o.interp = v == "1";
        Ok(())
    }),
    ("ARMRUN_NO_ROUTINES", |o, v| {
        o.no_routines = v == "1";
        Ok(())
    }),
    ("ARMRUN_NO_JIT_THREAD", |o, v| {
        o.no_jit_thread = v == "1";
        Ok(())
    }),
    ("ARMRUN_JIT_THREAD_AFTER", |o, v| {
        o.jit_thread_after = Some(number(
            &v,
            "ARMRUN_JIT_THREAD_AFTER needs a number of blocks",
        )?);
        Ok(())
    }),
    // A value that is not UTF-8 names no model (nor, below, log items): it is ignored.
    ("QEMU_CPU", |o, v| {
        o.cpu = v.into_string().ok();
        Ok(())
    }),
    ("QEMU_ARGV0", |o, v| {
        o.argv0 = Some(v);
        Ok(())
    }),
    ("QEMU_UNAME", |o, v| {
        o.uname_release = Some(v);
        Ok(())
    }),
    ("QEMU_LOG_FILENAME", |o, v| {
        o.log_file = Some(v.into());
        Ok(())
    }),
    ("QEMU_STACK_SIZE", |o, v| {
        o.stack_size = Some(parse_size(&v.to_string_lossy())?);
        Ok(())
    }),
    ("QEMU_SET_ENV", |o, v| {
        o.env_edits.extend(env_list(&v).map(EnvEdit::Set));
        Ok(())
    }),
    ("QEMU_UNSET_ENV", |o, v| {
        o.env_edits.extend(env_list(&v).map(EnvEdit::Unset));
        Ok(())
    }),
    ("QEMU_LOG", |o, v| {
        if let Ok(items) = v.into_string() {
            o.log_items.extend(items.split(',').map(str::to_owned));
        }
        Ok(())
    }),
];

/// Variables read elsewhere in armrun that change what it does: `ARMRUN_PERF_MAP` makes the
/// JIT write `/tmp/perf-PID.map` (see the jit crate's perfmap).
const OTHER_ENV: &[&str] = &["ARMRUN_PERF_MAP"];

/// Removes every variable of [`ENV_OPTIONS`] and [`OTHER_ENV`] from armrun's environment,
/// for secure mode (see `main`): none of them is then read, and neither the guest nor what it
/// executes inherits them.
///
/// # Safety
/// No other thread may read or change the environment meanwhile (call it while armrun is
/// single-threaded).
pub unsafe fn remove_env_options() {
    for var in ENV_OPTIONS
        .iter()
        .map(|(var, _)| *var)
        .chain(OTHER_ENV.iter().copied())
    {
        // SAFETY: the caller guarantees no other thread touches the environment.
        unsafe { std::env::remove_var(var) };
    }
}

/// qemu-user options armrun does not offer, with the reason given when one is used (armrun
/// refuses them rather than run with a different meaning).
const UNSUPPORTED: &[(&str, &str)] = &[
    ("-B", "32-bit guests always live in their own 4 GiB window"),
    (
        "-R",
        "32-bit guests always reserve their whole 4 GiB window",
    ),
    ("-g", "there is no gdb stub"),
    ("-p", "the page size is 4096"),
    ("-seed", "AT_RANDOM and getrandom use the host's randomness"),
    ("-plugin", "there are no TCG plugins"),
    ("-trace", "there are no qemu trace events"),
    ("-dfilter", "-d logs every address"),
    ("-singlestep", "blocks are always translated whole"),
    ("-one-insn-per-tb", "blocks are always translated whole"),
];

/// The `-d` items armrun logs, with what each shows (`-d help`).
const LOG_ITEMS: &[(&str, &str)] = &[
    (
        "out_asm",
        "show the host code generated for each translated block",
    ),
    ("in_asm", "show the guest code of each translated block"),
    (
        "op",
        "show the IR of each translated block (after optimisation)",
    ),
    (
        "exec",
        "show a line before each block run (turns block chaining off)",
    ),
    ("page", "show the guest memory layout after loading"),
    (
        "nochain",
        "do not chain translated blocks, so every block returns to the dispatcher",
    ),
    ("unimp", "log undefined instructions"),
    (
        "strace",
        "log every system call, its arguments and its result",
    ),
];

/// qemu `-d` items armrun does not log, with the reason given when one is asked for.
const UNSUPPORTED_LOG_ITEMS: &[(&str, &str)] = &[
    ("op_opt", "op shows the IR after optimisation"),
    ("op_ind", "there is no indirect-lowering stage"),
    ("int", "there are no interrupts to show"),
    ("cpu", "registers are not dumped before blocks"),
    ("fpu", "registers are not dumped before blocks"),
    ("mmu", "there is no MMU"),
    ("pcall", "it is x86 only"),
    ("cpu_reset", "the CPU is never reset"),
    ("guest_errors", "there is no system emulation"),
    ("tid", "all threads share one log file"),
    ("trace", "there are no qemu trace events"),
];

/// The `-d help` text.
pub fn log_help() -> String {
    let mut s = String::from("Log items (comma separated):\n");
    for (name, what) in LOG_ITEMS {
        s.push_str(&format!("{name:<15} {what}\n"));
    }
    s
}

/// Checks each `-d` item: one armrun logs, or an error naming it (with the reason for qemu's
/// items armrun lacks).
fn check_log_items(items: &[String]) -> Result<(), String> {
    for item in items {
        if LOG_ITEMS.iter().any(|l| l.0 == item) {
            continue;
        }
        // qemu spells trace events `trace:PATTERN`.
        let name = item.split(':').next().unwrap_or_default();
        return Err(match UNSUPPORTED_LOG_ITEMS.iter().find(|u| u.0 == name) {
            Some((_, why)) => format!("qemu log item {name} is not supported by armrun: {why}"),
            None => format!("unknown log item '{item}' (see armrun -d help)"),
        });
    }
    Ok(())
}

/// Names armrun may be installed under that fix the guest architecture, as qemu-user's binaries
/// do (each also with a `-static` suffix); any other name (`armrun`) reads the ELF header.
const PERSONALITIES: &[(&str, loader::Arch)] = &[
    ("qemu-arm", loader::Arch::A32),
    ("qemu-aarch64", loader::Arch::A64),
    ("armrun-arm", loader::Arch::A32),
    ("armrun-aarch64", loader::Arch::A64),
];

/// The guest architecture the name armrun was invoked as (`argv[0]`'s file name) fixes, if any.
pub fn personality(argv0: &OsStr) -> Option<loader::Arch> {
    let name = std::path::Path::new(argv0).file_name()?.to_str()?;
    let name = name.strip_suffix("-static").unwrap_or(name);
    PERSONALITIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, arch)| arch)
}

/// The guest stack size without `-s`: qemu-user's 8 MiB, or the soft RLIMIT_STACK when that
/// is finite and larger (as qemu reads it).
pub fn default_stack_size() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit fills the struct we pass.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut lim) } == 0;
    let default = loader::stack::STACK_SIZE;
    if ok && lim.rlim_cur != libc::RLIM_INFINITY {
        default.max(lim.rlim_cur)
    } else {
        default
    }
}

/// Reads a `-s` size as qemu does: a C integer (decimal, `0x` hex or `0` octal) with an
/// optional suffix `k`/`K` (KiB) or `M` (MiB); armrun also takes `G` (GiB), and refuses zero
/// and anything else after the number (qemu would silently ignore it).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("invalid stack size '{text}'");
    let split = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_hexdigit() || (i == 1 && (c == 'x' || c == 'X'))))
        .map_or(text.len(), |(i, _)| i);
    // Hex digits are taken greedily: in a decimal number they make it invalid, and no suffix
    // is one.
    let (num, suffix) = text.split_at(split);
    let value = if let Some(hex) = num.strip_prefix("0x").or_else(|| num.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16)
    } else if num.len() > 1 && num.starts_with('0') {
        u64::from_str_radix(&num[1..], 8)
    } else {
        num.parse()
    }
    .map_err(|_| bad())?;
    let shift = match suffix {
        "" => 0,
        "k" | "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(bad()),
    };
    match value.checked_shl(shift).filter(|v| v >> shift == value) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(bad()),
    }
}

/// Parses `args` (without argv[0]); environment variables supply defaults as in qemu-user.
pub fn parse(args: &[OsString]) -> Result<Parsed, String> {
    let mut o = Options::default();
    for (var, set) in ENV_OPTIONS {
        if let Some(v) = std::env::var_os(var) {
            set(&mut o, v)?;
        }
    }
    let mut i = 0;
    let value = |i: &mut usize, flag: &str| -> Result<OsString, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("option {flag} needs an argument"))
    };
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if !a.starts_with('-') || a == "-" {
            break;
        }
        // qemu accepts both -opt and --opt.
        let flag = a
            .strip_prefix("--")
            .map(|s| format!("-{s}"))
            .unwrap_or_else(|| a.to_string());
        match flag.as_str() {
            "-L" => o.sysroot = Some(PathBuf::from(value(&mut i, "-L")?)),
            "-E" => o.env_edits.push(EnvEdit::Set(value(&mut i, "-E")?)),
            "-U" => o.env_edits.push(EnvEdit::Unset(value(&mut i, "-U")?)),
            "-0" => o.argv0 = Some(value(&mut i, "-0")?),
            "-d" => {
                let v = value(&mut i, "-d")?;
                if v == "help" {
                    return Ok(Parsed::LogHelp);
                }
                o.log_items
                    .extend(v.to_string_lossy().split(',').map(str::to_owned));
            }
            "-strace" => o.strace = true,
            "-s" => {
                let v = value(&mut i, "-s")?;
                o.stack_size = Some(parse_size(&v.to_string_lossy())?);
            }
            "-r" => o.uname_release = Some(value(&mut i, "-r")?),
            "-D" => o.log_file = Some(PathBuf::from(value(&mut i, "-D")?)),
            "-log-append" => o.log_append = true,
            "-interp" => o.interp = true,
            "-no-routines" => o.no_routines = true,
            "-no-jit-thread" => o.no_jit_thread = true,
            "-comm" => o.comm = Some(value(&mut i, "--comm")?),
            "-close-fd" => {
                let v = value(&mut i, "--close-fd")?;
                o.close_fd = Some(number(&v, "--close-fd needs a descriptor number")?);
            }
            "-cpu" => {
                let v = value(&mut i, "-cpu")?.to_string_lossy().into_owned();
                if v == "help" {
                    return Ok(Parsed::CpuHelp);
                }
                o.cpu = Some(v);
            }
            "-h" | "-help" => return Ok(Parsed::Help),
            "-version" => return Ok(Parsed::Version),
            f => {
                return Err(match UNSUPPORTED.iter().find(|u| u.0 == f) {
                    Some((_, why)) => {
                        format!("qemu option {f} is not supported by armrun: {why}")
                    }
                    None => format!("unknown option '{a}' (see armrun -h)"),
                });
            }
        }
        i += 1;
    }
    let Some(program) = args.get(i) else {
        return Err("no program given (see armrun -h)".into());
    };
    o.program = PathBuf::from(program);
    o.args = args[i + 1..].to_vec();
    if o.cpu.as_deref() == Some("help") {
        return Ok(Parsed::CpuHelp);
    }
    check_log_items(&o.log_items)?;
    if o.log_items.iter().any(|s| s == "strace") {
        o.strace = true;
    }
    Ok(Parsed::Run(Box::new(o)))
}

/// The guest environment: the host's, edited by `-E`/`-U`.
pub fn guest_env(edits: &[EnvEdit]) -> Vec<Vec<u8>> {
    let mut env: Vec<Vec<u8>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut e = k.as_bytes().to_vec();
            e.push(b'=');
            e.extend_from_slice(v.as_bytes());
            e
        })
        .collect();
    let key = |e: &[u8]| e.split(|b| *b == b'=').next().unwrap_or_default().to_vec();
    for edit in edits {
        match edit {
            EnvEdit::Set(kv) => {
                let k = key(kv.as_bytes());
                env.retain(|e| key(e) != k);
                env.push(kv.as_bytes().to_vec());
            }
            EnvEdit::Unset(k) => env.retain(|e| key(e) != k.as_bytes()),
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn personality_from_invocation_name() {
        use loader::Arch;
        let p = |s: &str| personality(OsStr::new(s));
        assert_eq!(p("/usr/bin/qemu-arm-static"), Some(Arch::A32));
        assert_eq!(p("qemu-arm"), Some(Arch::A32));
        assert_eq!(
            p("/usr/libexec/qemu-binfmt/qemu-aarch64-static"),
            Some(Arch::A64)
        );
        assert_eq!(p("armrun-aarch64"), Some(Arch::A64));
        assert_eq!(p("/usr/local/bin/armrun"), None);
        assert_eq!(p("qemu-armeb-static"), None);
    }

    #[test]
    fn parses_qemu_flags() {
        let Parsed::Run(o) = parse(&os(&[
            "-L",
            "/sys",
            "-E",
            "A=1",
            "-U",
            "B",
            "-0",
            "x",
            "-d",
            "in_asm,unimp",
            "prog",
            "-L",
            "arg",
        ]))
        .unwrap() else {
            panic!("expected run");
        };
        assert_eq!(o.sysroot.as_deref(), Some(std::path::Path::new("/sys")));
        assert_eq!(
            o.env_edits,
            vec![EnvEdit::Set("A=1".into()), EnvEdit::Unset("B".into())]
        );
        assert_eq!(o.argv0.as_deref(), Some(OsStr::new("x")));
        assert_eq!(o.log_items, vec!["in_asm", "unimp"]);
        assert_eq!(o.program, PathBuf::from("prog"));
        assert_eq!(o.args, os(&["-L", "arg"]));
    }

    #[test]
    fn stack_sizes_as_qemu_reads_them() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("0x100000"), Ok(1 << 20));
        assert_eq!(parse_size("0100"), Ok(64));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("0x10M"), Ok(16 << 20));
        for bad in [
            "",
            "0",
            "0k",
            "12m",
            "1MB",
            "x",
            "-1",
            "99999999999999999999",
            "1e6",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(parse_size(&format!("{}G", u64::MAX >> 20)).is_err());
    }

    #[test]
    fn errors_are_messages() {
        assert!(parse(&os(&[])).is_err());
        assert!(parse(&os(&["-L"])).is_err());
        assert!(parse(&os(&["-bogus", "x"])).is_err());
        assert_eq!(
            parse(&os(&["-d", "in_asm,cpu", "x"])).unwrap_err(),
            "qemu log item cpu is not supported by armrun: registers are not dumped before blocks"
        );
        assert_eq!(
            parse(&os(&["-d", "trace:foo*", "x"])).unwrap_err(),
            "qemu log item trace is not supported by armrun: there are no qemu trace events"
        );
        assert_eq!(
            parse(&os(&["-d", "page,bogus", "x"])).unwrap_err(),
            "unknown log item 'bogus' (see armrun -d help)"
        );
        assert!(matches!(parse(&os(&["-d", "help"])), Ok(Parsed::LogHelp)));
        assert!(matches!(parse(&os(&["-version"])), Ok(Parsed::Version)));
    }

    /// Every variable of the table sets its own option (none is read and dropped), and each
    /// is listed once, so `remove_env_options` covers exactly what `parse` reads.
    #[test]
    fn env_options_each_set_an_option() {
        let blank = format!("{:?}", Options::default());
        for (i, (var, set)) in ENV_OPTIONS.iter().enumerate() {
            let mut o = Options::default();
            set(&mut o, "1".into()).unwrap();
            assert_ne!(format!("{o:?}"), blank, "{var} changed nothing");
            assert!(
                !ENV_OPTIONS[..i].iter().any(|(v, _)| v == var),
                "{var} twice"
            );
        }
        let mut o = Options::default();
        let set_env = ENV_OPTIONS
            .iter()
            .find(|e| e.0 == "QEMU_SET_ENV")
            .unwrap()
            .1;
        set_env(&mut o, "A=1,B=2".into()).unwrap();
        assert_eq!(
            o.env_edits,
            vec![EnvEdit::Set("A=1".into()), EnvEdit::Set("B=2".into())]
        );
        let stack = ENV_OPTIONS
            .iter()
            .find(|e| e.0 == "QEMU_STACK_SIZE")
            .unwrap()
            .1;
        assert!(stack(&mut o, "12m".into()).is_err());
    }

    #[test]
    fn env_edits_apply_in_order() {
        let env = guest_env(&[
            EnvEdit::Set("ARMRUN_T=1".into()),
            EnvEdit::Unset("ARMRUN_T".into()),
            EnvEdit::Set("ARMRUN_U=2".into()),
        ]);
        assert!(!env.iter().any(|e| e.starts_with(b"ARMRUN_T=")));
        assert!(env.iter().any(|e| e == b"ARMRUN_U=2"));
    }
}
