//! Loader errors: each one prints as a single line a user can act on.

use std::fmt;
use std::path::PathBuf;

/// Why a program could not be probed or loaded.
#[derive(Debug)]
pub enum LoadError {
    /// The file does not start with the ELF magic.
    NotElf,
    /// A header, program header table or segment extends past the end of the file.
    Truncated,
    /// `EI_CLASS` is neither ELFCLASS32 nor ELFCLASS64, or does not match the machine.
    BadClass(u8),
    /// Big-endian (or unknown data encoding) ELF files are not supported.
    NotLittleEndian,
    /// The ELF machine is not an ARM architecture this emulator runs.
    UnsupportedMachine(u16),
    /// A 32-bit ARM binary for the old ABI (OABI), which Linux dropped and armrun does not run.
    ArmOabi,
    /// `e_type` is not ET_EXEC or ET_DYN.
    NotExecutable(u16),
    /// The file is structurally invalid; the text says what is wrong.
    Malformed(String),
    /// The program does not fit in the guest address space or a mapping failed (errno).
    Map {
        /// What was being mapped.
        what: &'static str,
        /// Guest address of the attempted mapping.
        addr: u64,
        /// Positive errno from the guest address space.
        errno: i32,
    },
    /// argv/envp do not fit in the initial stack.
    ArgsTooLong,
    /// The path is not a regular file (a directory, device, FIFO...).
    NotRegular,
    /// Reading the file failed.
    Io(std::io::Error),
    /// An error about a particular file (the executable or its interpreter).
    File(PathBuf, Box<LoadError>),
}

impl LoadError {
    /// The message without the `armrun: ` prefix [`fmt::Display`] gives it, for a caller that
    /// puts its own words (the program's name) in front.
    pub fn detail(&self) -> String {
        Detail(self).to_string()
    }

    /// Attaches the file the error is about (no-op if one is attached already).
    pub fn in_file(self, path: impl Into<PathBuf>) -> LoadError {
        match self {
            LoadError::File(..) => self,
            e => LoadError::File(path.into(), Box::new(e)),
        }
    }
}

/// A readable name for an ELF machine number.
fn machine_name(m: u16) -> String {
    use goblin::elf::header::*;
    let s = match m {
        EM_X86_64 => "x86-64",
        EM_386 => "i386",
        EM_ARM => "arm",
        EM_AARCH64 => "aarch64",
        EM_RISCV => "riscv",
        EM_MIPS => "mips",
        EM_PPC => "powerpc",
        EM_PPC64 => "powerpc64",
        EM_S390 => "s390",
        other => machine_to_str(other),
    };
    s.to_string()
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::File(p, e) => write!(f, "armrun: {}: {}", p.display(), Detail(e)),
            e => write!(f, "armrun: {}", Detail(e)),
        }
    }
}

/// The message without the "armrun: path:" prefix.
struct Detail<'a>(&'a LoadError);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            LoadError::NotElf => write!(f, "not an ELF file"),
            LoadError::Truncated => write!(f, "truncated ELF"),
            LoadError::BadClass(c) => write!(f, "invalid ELF class {c}"),
            LoadError::NotLittleEndian => write!(f, "big-endian ELF files are not supported"),
            LoadError::UnsupportedMachine(m) => {
                write!(f, "unsupported machine {} (EM {m})", machine_name(*m))
            }
            LoadError::ArmOabi => write!(
                f,
                "old-ABI (OABI) ARM binaries are not supported; only EABI programs run"
            ),
            LoadError::NotExecutable(t) => {
                write!(
                    f,
                    "not an executable (ELF type {t}; need ET_EXEC or ET_DYN)"
                )
            }
            LoadError::Malformed(s) => write!(f, "malformed ELF: {s}"),
            LoadError::Map { what, addr, errno } => write!(
                f,
                "cannot map {what} at {addr:#x}: {}",
                std::io::Error::from_raw_os_error(*errno)
            ),
            LoadError::ArgsTooLong => write!(f, "argument list too long"),
            LoadError::NotRegular => write!(f, "not a regular file"),
            LoadError::Io(e) => write!(f, "{e}"),
            LoadError::File(p, e) => write!(f, "{}: {}", p.display(), Detail(e)),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<std::io::Error> for LoadError {
    fn from(e: std::io::Error) -> LoadError {
        LoadError::Io(e)
    }
}
