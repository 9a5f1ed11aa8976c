//! `armrun binfmt install|uninstall|status|config`: registers armrun with the kernel's
//! binfmt_misc as the interpreter of ARM ELF executables, as Debian's qemu-user-static does
//! for QEMU, and the run-time side of the entries' flags (see [`binfmt_arguments`]).
//!
//! An entry matches like QEMU's (the same magic and mask from its `qemu-binfmt-conf.sh`): the
//! ELF identification, class and machine of an executable or shared object (e_type 2 or 3).
//! Entries are named `armrun-aarch64` and `armrun-arm` unless `--name PREFIX` says otherwise;
//! armrun never changes entries it did not name.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where binfmt_misc is mounted.
const ROOT: &str = "/proc/sys/fs/binfmt_misc";

/// The kernel's AT_FLAGS bit telling an interpreter that argv[2] is the original argv[0]
/// (binfmt flag P, Linux 5.12+).
const AT_FLAGS_PRESERVE_ARGV0: u64 = 1;

/// One guest architecture's match: (suffix of the entry name, ELF magic, mask).
struct Match {
    arch: &'static str,
    magic: &'static [u8],
    mask: &'static [u8],
}

/// The mask is the same for both: any OS/ABI byte and e_type 2 or 3.
const MASK: &[u8] =
    b"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff";

const MATCHES: &[Match] = &[
    Match {
        arch: "aarch64",
        magic: b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00",
        mask: MASK,
    },
    Match {
        arch: "arm",
        magic: b"\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00",
        mask: MASK,
    },
];

/// What a `binfmt` command line asks for.
struct Request {
    action: String,
    arches: Vec<&'static Match>,
    flags: String,
    name: String,
    path: PathBuf,
}

const USAGE: &str = "usage: armrun binfmt install|uninstall|status|config [options]
  --arch arm,aarch64   which guests (default both)
  --flags FLAGS        binfmt_misc flags from F, P, C, O (default FP)
  --name PREFIX        entry names are PREFIX-aarch64 and PREFIX-arm (default armrun)
  --path FILE          the interpreter to register (default this armrun)
install registers (mounting binfmt_misc if needed), uninstall removes armrun's entries, status
shows them, config prints them in the binfmt.d format for systemd-binfmt.";

fn parse(args: &[OsString]) -> Result<Request, String> {
    let mut it = args.iter().map(|a| a.to_string_lossy().into_owned());
    let action = it.next().ok_or(USAGE)?;
    let mut r = Request {
        action,
        arches: MATCHES.iter().collect(),
        flags: "FP".into(),
        name: "armrun".into(),
        path: std::env::current_exe().map_err(|e| format!("cannot find armrun itself: {e}"))?,
    };
    while let Some(opt) = it.next() {
        let mut val = || it.next().ok_or(format!("{opt} needs a value"));
        match opt.as_str() {
            "--arch" => {
                let v = val()?;
                r.arches = v
                    .split(',')
                    .map(|a| {
                        MATCHES
                            .iter()
                            .find(|m| m.arch == a)
                            .ok_or(format!("unknown --arch {a} (arm or aarch64)"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--flags" => {
                let v = val()?;
                if let Some(bad) = v.chars().find(|c| !"FPCO".contains(*c)) {
                    return Err(format!("unknown binfmt flag {bad} (F, P, C or O)"));
                }
                r.flags = v;
            }
            "--name" => r.name = val()?,
            "--path" => r.path = PathBuf::from(val()?),
            _ => return Err(format!("unknown binfmt option {opt}\n{USAGE}")),
        }
    }
    if r.name.is_empty() || r.name.contains(['/', ':']) {
        return Err(format!("bad entry name prefix '{}'", r.name));
    }
    Ok(r)
}

/// `\xHH` for every byte, as binfmt_misc's register file takes magic and mask.
fn escaped(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// The registration line of one entry.
fn entry_line(r: &Request, m: &Match) -> String {
    format!(
        ":{}-{}:M::{}:{}:{}:{}",
        r.name,
        m.arch,
        escaped(m.magic),
        escaped(m.mask),
        r.path.display(),
        r.flags
    )
}

/// Makes sure binfmt_misc is mounted, as `install` needs it.
fn ensure_mounted() -> Result<(), String> {
    if Path::new(ROOT).join("register").exists() {
        return Ok(());
    }
    let target = std::ffi::CString::new(ROOT).map_err(|e| e.to_string())?;
    let fs = c"binfmt_misc";
    // SAFETY: valid C strings; no data argument.
    let r = unsafe {
        libc::mount(
            fs.as_ptr(),
            target.as_ptr(),
            fs.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        return Err(format!(
            "binfmt_misc is not available ({ROOT} not mounted, and mounting it failed: {e})"
        ));
    }
    Ok(())
}

/// Runs `armrun binfmt ARGS` (the arguments after `binfmt`).
pub fn main(args: &[OsString]) -> Result<(), String> {
    let r = parse(args)?;
    match r.action.as_str() {
        "config" => {
            for m in &r.arches {
                println!("{}", entry_line(&r, m));
            }
            Ok(())
        }
        "status" => {
            // Root can mount it (inside a fresh container it is not); anyone else is told.
            // SAFETY: geteuid has no arguments and cannot fail.
            if unsafe { libc::geteuid() } == 0 {
                ensure_mounted()?;
            } else if !Path::new(ROOT).join("register").exists() {
                return Err(format!("binfmt_misc is not mounted at {ROOT}"));
            }
            for m in &r.arches {
                let name = format!("{}-{}", r.name, m.arch);
                match std::fs::read_to_string(Path::new(ROOT).join(&name)) {
                    Ok(text) => {
                        println!("{name}:");
                        for line in text.lines() {
                            println!("  {line}");
                        }
                    }
                    Err(_) => println!("{name}: not registered"),
                }
            }
            Ok(())
        }
        "install" | "uninstall" => {
            // SAFETY: geteuid has no arguments and cannot fail.
            if unsafe { libc::geteuid() } != 0 {
                return Err(format!("binfmt {} needs root", r.action));
            }
            if r.action == "install" {
                install(&r)
            } else {
                uninstall(&r)
            }
        }
        other => Err(format!("unknown binfmt action '{other}'\n{USAGE}")),
    }
}

fn install(r: &Request) -> Result<(), String> {
    ensure_mounted()?;
    if !r.path.is_absolute() || !r.path.is_file() {
        return Err(format!(
            "the interpreter must be an existing absolute path, not {}",
            r.path.display()
        ));
    }
    for m in &r.arches {
        let name = format!("{}-{}", r.name, m.arch);
        if Path::new(ROOT).join(&name).exists() {
            return Err(format!(
                "{name} is already registered; run armrun binfmt uninstall first"
            ));
        }
        std::fs::write(Path::new(ROOT).join("register"), entry_line(r, m))
            .map_err(|e| format!("registering {name}: {e}"))?;
        println!("registered {name}: {} [{}]", r.path.display(), r.flags);
    }
    Ok(())
}

fn uninstall(r: &Request) -> Result<(), String> {
    // Unmounted (a fresh container), every entry would look absent.
    ensure_mounted()?;
    for m in &r.arches {
        let name = format!("{}-{}", r.name, m.arch);
        let entry = Path::new(ROOT).join(&name);
        if entry.exists() {
            std::fs::write(&entry, "-1").map_err(|e| format!("removing {name}: {e}"))?;
            println!("removed {name}");
        } else {
            println!("{name}: not registered");
        }
    }
    Ok(())
}

/// armrun's arguments when the kernel started it as a binfmt_misc interpreter, rewritten into
/// its own options; `args` unchanged otherwise. With flag P the kernel passes
/// `interp path argv0 args...` and says so in AT_FLAGS; with O (or C) it passes the program
/// as an open descriptor in AT_EXECFD, which armrun loads through /proc/self/fd (and closes),
/// keeping `path` as what the guest sees as its program.
pub fn binfmt_arguments(args: Vec<OsString>) -> Vec<OsString> {
    // SAFETY: getauxval only reads the process's auxiliary vector.
    let (flags, execfd) = unsafe {
        (
            libc::getauxval(libc::AT_FLAGS),
            libc::getauxval(libc::AT_EXECFD),
        )
    };
    let preserve = flags & AT_FLAGS_PRESERVE_ARGV0 != 0;
    if !preserve && execfd == 0 {
        return args;
    }
    let mut it = args.into_iter();
    let Some(path) = it.next() else {
        return Vec::new();
    };
    let argv0 = if preserve {
        it.next().unwrap_or_else(|| path.clone())
    } else {
        path.clone()
    };
    let mut out: Vec<OsString> = vec!["-0".into(), argv0];
    if execfd != 0 {
        out.push("--close-fd".into());
        out.push(execfd.to_string().into());
        out.push(format!("/proc/self/fd/{execfd}").into());
    } else {
        out.push(path);
    }
    out.extend(it);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lines_match_qemu() {
        let r = Request {
            action: "config".into(),
            arches: MATCHES.iter().collect(),
            flags: "FP".into(),
            name: "armrun".into(),
            path: PathBuf::from("/usr/bin/qemu-aarch64-static"),
        };
        let line = entry_line(&r, &MATCHES[0]);
        assert!(line.starts_with(":armrun-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00"));
        assert!(line.contains("\\xfe\\xff\\xff\\xff:/usr/bin/qemu-aarch64-static:FP"));
        assert!(entry_line(&r, &MATCHES[1]).contains("\\x02\\x00\\x28\\x00:\\xff"));
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(parse(&args(&["install", "--flags", "FX"])).is_err());
        assert!(parse(&args(&["install", "--arch", "x86"])).is_err());
        let r = parse(&args(&["status", "--arch", "arm", "--name", "t"])).unwrap();
        assert_eq!((r.arches.len(), r.name.as_str()), (1, "t"));
    }
}
