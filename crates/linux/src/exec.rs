//! execve/execveat without binfmt_misc.
//!
//! The target is resolved the way the kernel's binfmt handlers would, but before anything is
//! torn down, so ENOENT/EACCES/ENOEXEC/E2BIG/ELOOP reach the guest with its image intact:
//!
//! - an ARM ELF (AArch64 or 32-bit ARM) runs under a fresh armrun: the host `execve` targets
//!   `/proc/self/exe` with armrun's own options (sysroot, `-d`, strace, `--interp`, given by
//!   the front end through [`Linux::set_exec_options`]), `-0` and the guest's argv[0];
//! - a `#!` script becomes its interpreter (looked up through the sysroot like any guest
//!   path) with the optional single argument and the script path, as `fs/binfmt_script.c`
//!   does, nested up to the kernel's limit;
//! - an ELF of the host's own machine is executed natively;
//! - anything else is ENOEXEC.
//!
//! Only the final host `execve` replaces the process; if it fails, its errno is returned and the
//! guest continues.

use std::ffi::{CStr, CString, OsStr, OsString};
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use crate::fs::int;
use crate::guest::last_errno;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// Bytes of the file header the kernel looks at (`BINPRM_BUF_SIZE`).
const BINPRM_BUF_SIZE: usize = 256;
/// Longest single argument or environment string (`MAX_ARG_STRLEN`, 32 pages).
const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Most argv/envp entries the kernel accepts (`MAX_ARG_STRINGS`).
const MAX_ARG_STRINGS: usize = 0x7fff_ffff;
/// Binary handler rounds (`fs/exec.c`: up to 5 interpreter rewrites, then the final program).
const MAX_NESTING: usize = 6;
/// ELF machine numbers.
const EM_ARM: u16 = 40;
const EM_AARCH64: u16 = 183;
#[cfg(target_arch = "x86_64")]
const EM_HOST: u16 = 62;
#[cfg(target_arch = "aarch64")]
const EM_HOST: u16 = EM_AARCH64;
/// `execveat` flags.
const AT_EMPTY_PATH: u64 = 0x1000;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;

/// What the host process becomes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Run `prog` (a host path) under a new armrun with this guest argv.
    Emulate { prog: Vec<u8>, argv: Vec<Vec<u8>> },
    /// Execute `prog` (a host path) natively with this argv.
    Native { prog: Vec<u8>, argv: Vec<Vec<u8>> },
}

impl Linux {
    /// Options a re-executed armrun gets (for example `-L /abs/sysroot -strace`), placed before
    /// `-0 argv0 program args...`.
    pub fn set_exec_options(&mut self, opts: Vec<OsString>) {
        self.exec_opts = opts;
    }

    /// Reads a NULL-terminated guest array of string pointers (argv or envp).
    fn string_array(&self, addr: u64) -> Result<Vec<Vec<u8>>, Errno> {
        let mut out = Vec::new();
        if addr == 0 {
            return Ok(out);
        }
        for i in 0u64.. {
            // Pointers are the guest's word size (4 bytes for a 32-bit guest).
            let p = self.read_word(addr.wrapping_add(self.word() * i))?;
            if p == 0 {
                break;
            }
            if out.len() >= MAX_ARG_STRINGS {
                return Err(Errno(libc::E2BIG));
            }
            // The kernel counts the NUL: at most MAX_ARG_STRLEN - 1 characters fit.
            let s = self.mem.read_cstr(p, MAX_ARG_STRLEN)?;
            if s.len() >= MAX_ARG_STRLEN {
                return Err(Errno(libc::E2BIG));
            }
            out.push(s);
        }
        Ok(out)
    }

    /// Resolves `path` (as the guest wrote it) and `argv` into what the host should execute.
    pub(crate) fn exec_plan(&self, path: &CStr, argv: Vec<Vec<u8>>) -> Result<Plan, Errno> {
        let mut path = path.to_owned();
        let mut argv = argv;
        for _ in 0..MAX_NESTING {
            let host = self.host_path(&path);
            let head = read_head(&host)?;
            if head.starts_with(b"\x7fELF") {
                let machine = head
                    .get(18..20)
                    .map(|m| u16::from_le_bytes([m[0], m[1]]))
                    .ok_or(Errno(libc::ENOEXEC))?;
                if machine == EM_AARCH64 || machine == EM_ARM {
                    self.check_elf_interp(&host, &head)?;
                }
                let prog = host.into_bytes();
                return match machine {
                    EM_AARCH64 | EM_ARM => Ok(Plan::Emulate { prog, argv }),
                    EM_HOST => Ok(Plan::Native { prog, argv }),
                    _ => Err(Errno(libc::ENOEXEC)),
                };
            }
            if let Some(line) = head.strip_prefix(b"#!") {
                let (interp, arg) = parse_shebang(line)?;
                // argv[0] is replaced by the interpreter, then its optional argument, then the
                // script as the caller named it (fs/binfmt_script.c).
                let mut next = vec![interp.clone()];
                next.extend(arg);
                next.push(path.to_bytes().to_vec());
                next.extend(argv.into_iter().skip(1));
                argv = next;
                path = CString::new(interp).map_err(|_| Errno(libc::ENOEXEC))?;
                continue;
            }
            return Err(Errno(libc::ENOEXEC));
        }
        Err(Errno(libc::ELOOP))
    }

    /// The kernel opens an ELF's program interpreter before the old image goes, so a missing
    /// or unusable one fails the execve (ENOENT, EACCES); the new armrun would only find out
    /// after the exec. The interpreter is looked up through the sysroot like any guest path.
    fn check_elf_interp(&self, host: &CStr, head: &[u8]) -> Result<(), Errno> {
        let Some(interp) = elf_interp(host, head)? else {
            return Ok(());
        };
        let cpath = CString::new(interp).map_err(|_| Errno(libc::ENOEXEC))?;
        let hp = self.host_path(&cpath);
        // SAFETY: a NUL-terminated path and a plain struct the call fills.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::stat(hp.as_ptr(), &mut st) } < 0 {
            return Err(last_errno());
        }
        if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            return Err(Errno(libc::EISDIR));
        }
        Ok(())
    }

    /// Builds the host execve for `plan` and runs it; returns only on failure.
    fn exec_host(&self, plan: Plan, envp: &[Vec<u8>], comm: &[u8]) -> Errno {
        // A program named by a descriptor (fexecve) must outlive the exec even when the
        // descriptor is close-on-exec: the new armrun gets an inheritable duplicate and closes
        // it once the program is loaded.
        let mut handoff: Option<i32> = None;
        let mut host_env: Vec<Vec<u8>> = envp.to_vec();
        // Where armrun cannot name itself (a chroot without /proc, as in debootstrap's second
        // stage under binfmt_misc), the program itself is executed, as qemu-user does: the
        // kernel's binfmt_misc entry then starts armrun (or whatever the host registered).
        let can_reexec = std::path::Path::new("/proc/self/exe").exists();
        let (prog, argv) = match plan {
            Plan::Native { prog, argv } => (prog, argv),
            Plan::Emulate { prog, argv } if !can_reexec => (prog, argv),
            Plan::Emulate { mut prog, argv } => {
                // armrun's own arguments travel in REEXEC_VAR, so the new process's command
                // line (/proc/PID/cmdline, what ps and pidof show) is exactly the guest's argv.
                let mut a: Vec<Vec<u8>> = Vec::new();
                a.extend(self.exec_opts.iter().map(|o| o.as_bytes().to_vec()));
                // The host's dynamic linker must not act on the guest's LD_* variables (an
                // LD_PRELOAD of an ARM library, as fakeroot sets, would be reported on every
                // exec); they reach the new guest through -E instead.
                // A REEXEC_VAR of the guest's own would be read instead of ours (getenv takes
                // the first), naming any program to run with this process's credentials.
                let own = format!("{REEXEC_VAR}=");
                host_env.retain(|e| {
                    if e.starts_with(own.as_bytes()) {
                        false
                    } else if e.starts_with(b"LD_") {
                        a.push(b"-E".to_vec());
                        a.push(e.clone());
                        false
                    } else {
                        true
                    }
                });
                if let Some(fd) = fd_path(&prog) {
                    // SAFETY: duplicating a descriptor number; failure is checked.
                    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD, 10) };
                    if dup < 0 {
                        return last_errno();
                    }
                    handoff = Some(dup);
                    prog = format!("/proc/self/fd/{dup}").into_bytes();
                    a.push(b"--close-fd".to_vec());
                    a.push(dup.to_string().into_bytes());
                }
                let abs = std::path::absolute(OsStr::from_bytes(&prog))
                    .unwrap_or_else(|_| PathBuf::from(OsStr::from_bytes(&prog)));
                // The kernel names the task after the file the caller passed to execve (for a
                // script, the script); the host exec of /proc/self/exe would name it "exe".
                a.push(b"--comm".to_vec());
                a.push(comm.to_vec());
                a.push(b"-0".to_vec());
                a.push(argv.first().cloned().unwrap_or_default());
                a.push(abs.into_os_string().into_vec());
                let mut var = format!("{REEXEC_VAR}=").into_bytes();
                var.extend(encode_reexec(&a));
                host_env.push(var);
                (b"/proc/self/exe".to_vec(), argv)
            }
        };
        crate::signal::before_exec(self);
        let err = Self::execve_host(prog, &argv, &host_env);
        if let Some(fd) = handoff {
            // SAFETY: closing the duplicate made above.
            unsafe { libc::close(fd) };
        }
        err
    }

    /// The host execve itself; returns its errno on failure.
    fn execve_host(prog: Vec<u8>, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Errno {
        let Ok(prog) = CString::new(prog) else {
            return Errno(libc::ENOENT);
        };
        let to_c = |v: &[Vec<u8>]| -> Option<Vec<CString>> {
            v.iter().map(|s| CString::new(s.clone()).ok()).collect()
        };
        let (Some(argv), Some(envp)) = (to_c(argv), to_c(envp)) else {
            return Errno(libc::EINVAL);
        };
        let mut ap: Vec<*const libc::c_char> = argv.iter().map(|s| s.as_ptr()).collect();
        ap.push(std::ptr::null());
        let mut ep: Vec<*const libc::c_char> = envp.iter().map(|s| s.as_ptr()).collect();
        ep.push(std::ptr::null());
        // SAFETY: NUL-terminated strings and NULL-terminated arrays that outlive the call.
        unsafe { libc::execve(prog.as_ptr(), ap.as_ptr(), ep.as_ptr()) };
        last_errno()
    }

    fn do_exec(&self, path: &CStr, argv_addr: u64, envp_addr: u64) -> SysResult {
        let argv = self.string_array(argv_addr)?;
        let envp = self.string_array(envp_addr)?;
        let plan = self.exec_plan(path, argv)?;
        if self.strace {
            // A successful exec never returns to the strace line written after each call.
            let (how, prog, args) = match &plan {
                Plan::Emulate { prog, argv } => ("armrun", prog, argv),
                Plan::Native { prog, argv } => ("native", prog, argv),
            };
            let shown: Vec<String> = args
                .iter()
                .map(|a| format!("{:?}", String::from_utf8_lossy(a)))
                .collect();
            let line = format!(
                "armrun: execve {:?} as {how} {:?} [{}]\n",
                path,
                String::from_utf8_lossy(prog),
                shown.join(", ")
            );
            crate::log(line.as_bytes());
        }
        let bytes = path.to_bytes();
        let comm = bytes.rsplit(|&b| b == b'/').next().unwrap_or(bytes);
        Err(self.exec_host(plan, &envp, comm))
    }
}

/// Environment variable carrying a re-executed armrun's own arguments (options, `-0 argv0`
/// and the program); the process's argv is the guest's argv, whose elements after the first
/// follow these arguments. armrun removes the variable before the guest sees its environment.
pub const REEXEC_VAR: &str = "ARMRUN_REEXEC";

/// Encodes arguments for [`REEXEC_VAR`]: each one in hex, separated by commas (any byte may
/// occur in a path).
fn encode_reexec(args: &[Vec<u8>]) -> Vec<u8> {
    let items: Vec<String> = args
        .iter()
        .map(|a| a.iter().map(|b| format!("{b:02x}")).collect())
        .collect();
    items.join(",").into_bytes()
}

/// Decodes the value of [`REEXEC_VAR`]; `None` if it is malformed.
pub fn decode_reexec(v: &[u8]) -> Option<Vec<OsString>> {
    if v.is_empty() {
        return Some(Vec::new());
    }
    v.split(|&b| b == b',')
        .map(|item| {
            if item.len() % 2 != 0 {
                return None;
            }
            let bytes = item
                .chunks(2)
                .map(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            Some(OsString::from_vec(bytes))
        })
        .collect()
}

/// The descriptor a `/proc/self/fd/N` or `/dev/fd/N` path names.
fn fd_path(p: &[u8]) -> Option<i32> {
    let n = p
        .strip_prefix(b"/proc/self/fd/")
        .or_else(|| p.strip_prefix(b"/dev/fd/"))?;
    std::str::from_utf8(n).ok()?.parse().ok()
}

/// The PT_INTERP path of the ELF file `host` (whose first bytes are `head`), if it has one.
fn elf_interp(host: &CStr, head: &[u8]) -> Result<Option<Vec<u8>>, Errno> {
    use std::os::unix::fs::FileExt;
    const PT_INTERP: u32 = 3;
    let u16_at = |o: usize| {
        head.get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as u64)
    };
    let u32_at = |b: &[u8], o: usize| {
        b.get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64)
    };
    let u64_at = |b: &[u8], o: usize| {
        b.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    let bad = Errno(libc::ENOEXEC);
    let is64 = head.get(4) == Some(&2);
    // (e_phoff, e_phentsize, e_phnum) and, per header, (p_offset, p_filesz) offsets.
    let (phoff, phentsize, phnum) = if is64 {
        (u64_at(head, 32), u16_at(54), u16_at(56))
    } else {
        (u32_at(head, 28), u16_at(42), u16_at(44))
    };
    let (Some(phoff), Some(phentsize), Some(phnum)) = (phoff, phentsize, phnum) else {
        return Err(bad);
    };
    if phentsize == 0 || phnum > 4096 || phentsize > 256 {
        return Err(bad);
    }
    let f = std::fs::File::open(OsStr::from_bytes(host.to_bytes()))
        .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EACCES)))?;
    let mut table = vec![0u8; (phentsize * phnum) as usize];
    f.read_exact_at(&mut table, phoff).map_err(|_| bad)?;
    for ph in table.chunks(phentsize as usize) {
        if u32_at(ph, 0) != Some(PT_INTERP as u64) {
            continue;
        }
        let (off, size) = if is64 {
            (u64_at(ph, 8), u64_at(ph, 32))
        } else {
            (u32_at(ph, 4), u32_at(ph, 16))
        };
        let (Some(off), Some(size)) = (off, size) else {
            return Err(bad);
        };
        if !(2..=4096).contains(&size) {
            return Err(bad);
        }
        let mut path = vec![0u8; size as usize];
        f.read_exact_at(&mut path, off).map_err(|_| bad)?;
        let end = path.iter().position(|&b| b == 0).ok_or(bad)?;
        path.truncate(end);
        return Ok(Some(path));
    }
    Ok(None)
}

/// Opens `host` as the kernel would for exec and returns its first bytes.
fn read_head(host: &CStr) -> Result<Vec<u8>, Errno> {
    // SAFETY: `st` is a plain struct the call fills; `host` is NUL-terminated.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::stat(host.as_ptr(), &mut st) } < 0 {
        return Err(last_errno());
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Errno(libc::EACCES));
    }
    // SAFETY: NUL-terminated path, integer mode.
    if unsafe { libc::access(host.as_ptr(), libc::X_OK) } < 0 {
        return Err(last_errno());
    }
    let mut f = std::fs::File::open(OsStr::from_bytes(host.to_bytes()))
        .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EACCES)))?;
    let mut head = vec![0u8; BINPRM_BUF_SIZE];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Errno(e.raw_os_error().unwrap_or(libc::EIO))),
        }
    }
    head.truncate(n);
    Ok(head)
}

/// Splits a `#!` line (without the `#!`) into the interpreter and its optional argument, as
/// `fs/binfmt_script.c` does: leading blanks skipped, the interpreter ends at the first blank,
/// the rest (trimmed) is one argument. A line longer than the buffer with no end is ENOEXEC
/// only when the interpreter name itself is cut.
pub(crate) fn parse_shebang(line: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), Errno> {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let end = line.iter().position(|&b| b == b'\n');
    let line = match end {
        Some(e) => &line[..e],
        None => {
            // Truncated line: the interpreter must end within the buffer.
            let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
            if !line[start..].iter().any(blank) {
                return Err(Errno(libc::ENOEXEC));
            }
            line
        }
    };
    let start = line
        .iter()
        .position(|b| !blank(b))
        .ok_or(Errno(libc::ENOEXEC))?;
    let rest = &line[start..];
    let iend = rest.iter().position(blank).unwrap_or(rest.len());
    let interp = rest[..iend].to_vec();
    let arg = &rest[iend..];
    let a0 = arg.iter().position(|b| !blank(b));
    let arg = a0.map(|s| {
        let a = &arg[s..];
        let e = a.iter().rposition(|b| !blank(b)).map_or(0, |e| e + 1);
        a[..e].to_vec()
    });
    Ok((interp, arg))
}

pub(crate) fn execve(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.cstr(a[0])?;
    l.do_exec(&path, a[1], a[2])
}

pub(crate) fn execveat(l: &mut Linux, a: &Args) -> SysResult {
    let (dirfd, flags) = (int(a[0]), a[4]);
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno(libc::EINVAL));
    }
    let p = l.cstr(a[1])?;
    let bytes = p.to_bytes();
    // A path relative to a directory fd (or the fd itself) is named through /proc, which is
    // what the kernel passes scripts' interpreters too (/dev/fd/N).
    let path = if bytes.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno(libc::ENOENT));
        }
        CString::new(format!("/proc/self/fd/{dirfd}")).map_err(|_| Errno(libc::EINVAL))?
    } else if bytes.starts_with(b"/") || dirfd == libc::AT_FDCWD {
        p.clone()
    } else {
        let mut v = format!("/proc/self/fd/{dirfd}/").into_bytes();
        v.extend_from_slice(bytes);
        CString::new(v).map_err(|_| Errno(libc::EINVAL))?
    };
    if flags & AT_SYMLINK_NOFOLLOW != 0 && !bytes.is_empty() {
        let host = l.host_path(&path);
        if std::fs::symlink_metadata(OsStr::from_bytes(host.to_bytes()))
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(Errno(libc::ELOOP));
        }
    }
    l.do_exec(&path, a[2], a[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reexec_arguments_round_trip() {
        let args = vec![
            b"-L".to_vec(),
            b"/a,b/\xff x".to_vec(),
            Vec::new(),
            b"-0".to_vec(),
        ];
        let enc = encode_reexec(&args);
        let dec = decode_reexec(&enc).unwrap();
        let back: Vec<Vec<u8>> = dec.into_iter().map(|o| o.into_vec()).collect();
        assert_eq!(back, args);
        assert_eq!(decode_reexec(b"4g"), None);
        assert_eq!(decode_reexec(b"414"), None);
    }

    #[test]
    fn shebang_lines_split_like_the_kernel() {
        let v = |s: &str| s.as_bytes().to_vec();
        assert_eq!(parse_shebang(b"/bin/sh\n").unwrap(), (v("/bin/sh"), None));
        assert_eq!(
            parse_shebang(b"  /usr/bin/env  python3 -u  \nrest").unwrap(),
            (v("/usr/bin/env"), Some(v("python3 -u")))
        );
        // A CR stays part of the line, as in the kernel ("bad interpreter: /bin/sh^M").
        assert_eq!(
            parse_shebang(b"/bin/sh\r\n").unwrap(),
            (v("/bin/sh\r"), None)
        );
        assert_eq!(parse_shebang(b"   \n"), Err(Errno(libc::ENOEXEC)));
        assert_eq!(
            parse_shebang(b"/bin/verylongname"),
            Err(Errno(libc::ENOEXEC))
        );
    }
}
