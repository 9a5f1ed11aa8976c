//! ELF loading: maps a guest program (and its PT_INTERP interpreter) into a [`GuestMem`] and
//! builds the initial stack with argv, envp and the auxiliary vector, as Linux's `execve` does.
//!
//! Parsing uses goblin; everything read from the file is validated before use, so malformed
//! input gives a [`LoadError`] and never a panic.

mod elf;
mod error;
pub mod kuser;
mod segments;
pub mod stack;

pub use error::LoadError;

use elf::Image;
use mem::GuestMem;
use std::path::{Path, PathBuf};

/// Which guest an ELF file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// AArch64 (ELFCLASS64, EM_AARCH64).
    A64,
    /// 32-bit ARM (ELFCLASS32, EM_ARM), A32/T32 instruction sets.
    A32,
}

/// The state the guest starts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Where to start: the interpreter's entry with PT_INTERP, else the program's.
    pub entry: u64,
    /// Initial stack pointer (points at argc).
    pub sp: u64,
    /// Initial program break (page-aligned end of the program's highest segment).
    pub brk: u64,
    /// Guest address of the program's program headers (AT_PHDR).
    pub phdr: u64,
    /// Load bias of the interpreter (AT_BASE), 0 without one.
    pub base: u64,
    /// True for a 32-bit guest.
    pub is32: bool,
    /// The PT_INTERP path as written in the program (before any sysroot remapping).
    pub interp: Option<String>,
}

/// Knobs the caller chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// (AT_HWCAP, AT_HWCAP2) values.
    pub hwcap: (u64, u64),
    /// AT_EXECFN string; the path as given when `None`.
    pub execfn: Option<Vec<u8>>,
    /// AT_PLATFORM string; `aarch64` or `v7l` (by the program's class) when `None`.
    pub platform: Option<Vec<u8>>,
    /// Size of the initial stack mapping (qemu's `-s`); see [`stack::StackInfo::size`].
    pub stack_size: u64,
    /// AT_SECURE: whether the guest starts in secure mode, in which its libc ignores the
    /// environment variables that could subvert a program with raised privileges (LD_PRELOAD,
    /// LD_LIBRARY_PATH, ...). The default is the host's own value ([`host_secure`]), as the
    /// guest runs with armrun's credentials.
    pub secure: bool,
}

/// AArch64 HWCAP_FP | HWCAP_ASIMD.
pub const DEFAULT_HWCAP: u64 = (1 << 0) | (1 << 1);

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            hwcap: (DEFAULT_HWCAP, 0),
            execfn: None,
            platform: None,
            stack_size: stack::STACK_SIZE,
            secure: host_secure(),
        }
    }
}

/// Whether the kernel started this process in secure mode (AT_SECURE, see getauxval(3)):
/// its exec raised privileges, by a setuid or setgid file or file capabilities (for armrun, a
/// binfmt_misc entry with flag C giving it a setuid program's credentials), or a Linux
/// security module asked for it.
pub fn host_secure() -> bool {
    // SAFETY: getauxval only reads the process's auxiliary vector.
    unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
}

/// Preferred load address of an ET_DYN main program on 64-bit guests (like Linux's
/// ELF_ET_DYN_BASE); the interpreter goes wherever the address space puts it.
pub const ET_DYN_BASE64: u64 = 0x5555_5555_0000;

/// Preferred load address of an ET_DYN main program on 32-bit guests.
pub const ET_DYN_BASE32: u64 = 0x0040_0000;

/// AT_MINSIGSTKSZ for arm64.
const MINSIGSTKSZ64: u64 = 5120;

/// Identifies the guest architecture of an ELF file from its headers.
pub fn probe(bytes: &[u8]) -> Result<Arch, LoadError> {
    let (arch, _) = elf::parse_header(bytes)?;
    // Validate the rest too so the CLI reports broken files before picking a guest.
    Image::parse(bytes)?;
    Ok(arch)
}

/// Loads `path` into `mem` with default [`LoadOptions`].
pub fn load(
    mem: &mut GuestMem,
    path: &Path,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    sysroot: Option<&Path>,
) -> Result<Loaded, LoadError> {
    let bytes = read_file(path)?;
    load_program(
        mem,
        &bytes,
        path,
        argv,
        envp,
        sysroot,
        &LoadOptions::default(),
    )
}

/// A program file's bytes, as [`read_program`] gives them.
pub enum ProgramBytes {
    /// Mapped from the file: parsing touches only the pages it reads, straight from the page
    /// cache, where reading the whole file would copy it into fresh pages (a third of a
    /// static hello's page faults, and 30 MB for cc1).
    Mapped(memmap2::Mmap),
    /// Read, for a file that cannot be mapped (an empty one, or one on a file system without
    /// mmap).
    Read(Vec<u8>),
}

impl std::ops::Deref for ProgramBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            ProgramBytes::Mapped(m) => m,
            ProgramBytes::Read(v) => v,
        }
    }
}

/// A whole program file's bytes (mapped, or read), refusing anything but a regular file (as execve does) so a
/// path like /dev/zero cannot make the loader read forever. The error does not name the file.
pub fn read_program(path: &Path) -> Result<ProgramBytes, LoadError> {
    use std::io::Read;
    if !std::fs::metadata(path)?.is_file() {
        return Err(LoadError::NotRegular);
    }
    let mut file = std::fs::File::open(path)?;
    // SAFETY: a private, read-only mapping that lives as long as the bytes borrowed from it.
    // The file may change under it (so may a program's file under the kernel's own loader):
    // the bytes are parsed with bounds checks, and a truncation racing the load would raise
    // SIGBUS, as it would for the guest's own mapped pages.
    if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
        return Ok(ProgramBytes::Mapped(map));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(ProgramBytes::Read(bytes))
}

/// [`read_program`], the error naming the file.
fn read_file(path: &Path) -> Result<ProgramBytes, LoadError> {
    read_program(path).map_err(|e| e.in_file(path))
}

/// The program's name in /proc/self/maps: the file the kernel would show (symlinks resolved), as
/// the guest sees it (without the sysroot prefix); `path` as given when it cannot be resolved.
fn guest_name(path: &Path, sysroot: Option<&Path>) -> PathBuf {
    let Ok(real) = std::fs::canonicalize(path) else {
        return path.to_path_buf();
    };
    if let Some(root) = sysroot.and_then(|r| std::fs::canonicalize(r).ok())
        && let Ok(rest) = real.strip_prefix(&root)
    {
        return Path::new("/").join(rest);
    }
    real
}

/// How /proc/self/maps names segments of `host`: as `shown` (the guest's name for it), with the
/// host file's device and inode. `None` when the file cannot be stat'ed (e.g. in-memory tests).
fn file_backing(shown: &Path, host: &Path) -> Option<mem::Backing> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(host).ok()?;
    Some(mem::Backing {
        path: shown.as_os_str().as_bytes().to_vec(),
        offset: 0,
        major: libc::major(meta.dev()),
        minor: libc::minor(meta.dev()),
        inode: meta.ino(),
        shared: false,
    })
}

/// Host path of the interpreter: under `sysroot` when it exists there, else as written.
fn interp_path(interp: &Path, sysroot: Option<&Path>) -> PathBuf {
    if let Some(root) = sysroot {
        let rel = interp.strip_prefix("/").unwrap_or(interp);
        let p = root.join(rel);
        if p.exists() {
            return p;
        }
    }
    interp.to_path_buf()
}

/// Loads the program read ([`read_program`]) from `path` into `mem`: maps it and its
/// interpreter, sets the break and builds the initial stack.
pub fn load_program(
    mem: &mut GuestMem,
    bytes: &[u8],
    path: &Path,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    sysroot: Option<&Path>,
    opts: &LoadOptions,
) -> Result<Loaded, LoadError> {
    load_bytes(mem, bytes, path, argv, envp, sysroot, opts).map_err(|e| e.in_file(path))
}

fn load_bytes(
    mem: &mut GuestMem,
    bytes: &[u8],
    path: &Path,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    sysroot: Option<&Path>,
    opts: &LoadOptions,
) -> Result<Loaded, LoadError> {
    let img = Image::parse(bytes)?;
    let is32 = img.arch == Arch::A32;
    if mem.is32() != is32 {
        return Err(LoadError::Malformed(
            "address space does not match the ELF class".into(),
        ));
    }
    let interp = img.interp()?;
    let hint = if is32 { ET_DYN_BASE32 } else { ET_DYN_BASE64 };
    let prog = guest_name(path, sysroot);
    let source = std::fs::File::open(path).ok();
    let placed = segments::place(
        mem,
        &img,
        hint,
        file_backing(&prog, path).as_ref(),
        source.as_ref(),
    )?;
    let entry = placed.bias.wrapping_add(img.entry);
    let phdr = placed.bias.wrapping_add(img.phdr_vaddr());
    mem.set_brk_start(placed.end);

    let (start, base, interp_name) = match &interp {
        Some(raw) => {
            let name = String::from_utf8_lossy(raw).into_owned();
            let host = interp_path(Path::new(&name), sysroot);
            let ibytes = read_file(&host)?;
            let iimg = Image::parse(&ibytes).map_err(|e| e.in_file(&host))?;
            if iimg.arch != img.arch {
                return Err(
                    LoadError::Malformed("interpreter architecture differs".into()).in_file(&host),
                );
            }
            if iimg.interp()?.is_some() {
                return Err(
                    LoadError::Malformed("interpreter has its own PT_INTERP".into()).in_file(&host),
                );
            }
            let ib = file_backing(Path::new(&name), &host);
            let isource = std::fs::File::open(&host).ok();
            let ip = segments::place(mem, &iimg, 0, ib.as_ref(), isource.as_ref())
                .map_err(|e| e.in_file(&host))?;
            (ip.bias.wrapping_add(iimg.entry), ip.bias, Some(name))
        }
        None => (entry, 0, None),
    };

    // SAFETY: these libc calls take no arguments and cannot fail.
    let (uid, euid, gid, egid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    if is32 {
        kuser::map(mem)?;
    }
    let mut aux = vec![
        (stack::at::PHDR, phdr),
        (stack::at::PHENT, img.phentsize),
        (stack::at::PHNUM, img.phnum),
        (stack::at::PAGESZ, mem::PAGE),
        (stack::at::BASE, base),
        (stack::at::FLAGS, 0),
        (stack::at::ENTRY, entry),
        (stack::at::UID, u64::from(uid)),
        (stack::at::EUID, u64::from(euid)),
        (stack::at::GID, u64::from(gid)),
        (stack::at::EGID, u64::from(egid)),
        (stack::at::SECURE, u64::from(opts.secure)),
        (stack::at::HWCAP, opts.hwcap.0),
        (stack::at::HWCAP2, opts.hwcap.1),
        (stack::at::CLKTCK, 100),
    ];
    if !is32 {
        // Only arm64 kernels report it (for their larger signal frames).
        aux.push((stack::at::MINSIGSTKSZ, MINSIGSTKSZ64));
    }
    let path_bytes = path.as_os_str().as_encoded_bytes();
    let info = stack::StackInfo {
        argv,
        envp,
        execfn: opts.execfn.as_deref().unwrap_or(path_bytes),
        platform: opts.platform.as_deref().unwrap_or(if is32 {
            b"v7l".as_slice()
        } else {
            b"aarch64".as_slice()
        }),
        aux,
        word: if is32 { 4 } else { 8 },
        exec: img.exec_stack(),
        size: opts.stack_size,
    };
    let sp = stack::build(mem, &info)?;
    Ok(Loaded {
        entry: start,
        sp,
        brk: placed.end,
        phdr,
        base,
        is32,
        interp: interp_name,
    })
}

#[cfg(test)]
mod tests;
