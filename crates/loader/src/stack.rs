//! The initial process stack: strings, argc/argv/envp and the auxiliary vector.

use crate::LoadError;
use mem::GuestMem;

/// Default size of the initial stack mapping (qemu-user's and the usual RLIMIT_STACK).
pub const STACK_SIZE: u64 = 8 << 20;

/// Smallest initial stack mapped whatever size is asked for: 32 pages, as qemu-user keeps.
pub const STACK_MIN: u64 = 32 * mem::PAGE;

/// Preferred top of the stack for 64-bit guests (the kernel may place it elsewhere if taken).
/// Deliberately far below the host's own stack (near 0x7ffx_...): a guest mapping placed right
/// under it would leave armrun's main thread only the kernel's 1 MiB guard gap to grow into.
pub const STACK_TOP64: u64 = 0x4000_0000_0000;

/// Top of the stack for 32-bit guests (inside the window, below the guard area Linux keeps).
pub const STACK_TOP32: u64 = 0xfffe_0000;

/// Auxiliary vector keys (include/uapi/linux/auxvec.h).
pub mod at {
    /// End of vector.
    pub const NULL: u64 = 0;
    /// Program headers of the program.
    pub const PHDR: u64 = 3;
    /// Size of one program header.
    pub const PHENT: u64 = 4;
    /// Number of program headers.
    pub const PHNUM: u64 = 5;
    /// Page size.
    pub const PAGESZ: u64 = 6;
    /// Interpreter load bias.
    pub const BASE: u64 = 7;
    /// Flags (0).
    pub const FLAGS: u64 = 8;
    /// Program entry point.
    pub const ENTRY: u64 = 9;
    /// Real uid.
    pub const UID: u64 = 11;
    /// Effective uid.
    pub const EUID: u64 = 12;
    /// Real gid.
    pub const GID: u64 = 13;
    /// Effective gid.
    pub const EGID: u64 = 14;
    /// Platform string.
    pub const PLATFORM: u64 = 15;
    /// Hardware capabilities.
    pub const HWCAP: u64 = 16;
    /// Clock ticks per second.
    pub const CLKTCK: u64 = 17;
    /// Secure mode (setuid).
    pub const SECURE: u64 = 23;
    /// 16 random bytes.
    pub const RANDOM: u64 = 25;
    /// More hardware capabilities.
    pub const HWCAP2: u64 = 26;
    /// File name of the executable.
    pub const EXECFN: u64 = 31;
    /// Minimal signal stack size.
    pub const MINSIGSTKSZ: u64 = 51;
}

/// Everything the stack builder needs to know about the loaded program.
pub struct StackInfo<'a> {
    /// Command line.
    pub argv: &'a [Vec<u8>],
    /// Environment.
    pub envp: &'a [Vec<u8>],
    /// AT_EXECFN string.
    pub execfn: &'a [u8],
    /// AT_PLATFORM string.
    pub platform: &'a [u8],
    /// Auxv entries other than the string/random ones and AT_NULL, in order.
    pub aux: Vec<(u64, u64)>,
    /// Bytes per word: 8 for 64-bit guests, 4 for 32-bit ones.
    pub word: u64,
    /// Map the stack executable (PT_GNU_STACK).
    pub exec: bool,
    /// Size of the stack mapping in bytes (rounded up to whole pages, at least [`STACK_MIN`]).
    pub size: u64,
}

/// 16 random bytes for AT_RANDOM from the host's getrandom.
fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    // SAFETY: `b` is a valid writable buffer of 16 bytes.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != 16 {
        // No entropy source: fall back to something that at least differs between runs.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        b = (t ^ (u128::from(std::process::id()) << 64)).to_le_bytes();
    }
    b
}

/// Maps the stack and fills it; returns the initial SP (pointing at argc).
pub fn build(mem: &mut GuestMem, info: &StackInfo<'_>) -> Result<u64, LoadError> {
    let mut prot = libc::PROT_READ | libc::PROT_WRITE;
    if info.exec {
        prot |= libc::PROT_EXEC;
    }
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK;
    let top_at = if mem.is32() { STACK_TOP32 } else { STACK_TOP64 };
    // A size the window cannot hold fails as a map error below, like any failed mmap.
    let size = mem::page_up(info.size.max(STACK_MIN))
        .filter(|&s| s <= top_at / 2)
        .ok_or(LoadError::Map {
            what: "stack",
            addr: 0,
            errno: libc::ENOMEM,
        })?;
    let hint = top_at - size;
    let bottom = mem
        .map(hint, size, prot, flags, -1, 0)
        .map_err(|errno| LoadError::Map {
            what: "stack",
            addr: hint,
            errno,
        })?;
    let top = bottom + size;

    // Strings may use at most a quarter of the stack, like Linux's limit on argv+envp.
    let strings: u64 = info
        .argv
        .iter()
        .chain(info.envp)
        .map(|s| s.len() as u64 + 1)
        .sum::<u64>()
        + info.execfn.len() as u64
        + info.platform.len() as u64
        + 2
        + 16;
    let words =
        3 + info.argv.len() as u64 + info.envp.len() as u64 + 2 * (info.aux.len() as u64 + 4);
    if strings > size / 4 || words * info.word > size / 4 {
        return Err(LoadError::ArgsTooLong);
    }

    let fault = |f: mem::Fault| LoadError::Map {
        what: "stack",
        addr: f.addr,
        errno: libc::EFAULT,
    };
    let mut sp = top;
    let mut push = |mem: &GuestMem, s: &[u8], nul: bool| -> Result<u64, LoadError> {
        sp -= s.len() as u64 + u64::from(nul);
        mem.write(sp, s).map_err(fault)?;
        if nul {
            mem.write(sp + s.len() as u64, &[0]).map_err(fault)?;
        }
        Ok(sp)
    };
    // Highest first, as Linux lays them out: execfn, then envp and argv strings.
    let execfn = push(mem, info.execfn, true)?;
    let mut envp_ptrs: Vec<u64> = Vec::with_capacity(info.envp.len());
    for s in info.envp.iter().rev() {
        envp_ptrs.push(push(mem, s, true)?);
    }
    envp_ptrs.reverse();
    let mut argv_ptrs: Vec<u64> = Vec::with_capacity(info.argv.len());
    for s in info.argv.iter().rev() {
        argv_ptrs.push(push(mem, s, true)?);
    }
    argv_ptrs.reverse();
    let platform = push(mem, info.platform, true)?;
    let random = push(mem, &random16(), false)?;

    let mut aux = info.aux.clone();
    aux.push((at::RANDOM, random));
    aux.push((at::PLATFORM, platform));
    aux.push((at::EXECFN, execfn));
    aux.push((at::NULL, 0));

    let mut vec: Vec<u64> = Vec::with_capacity(words as usize);
    vec.push(info.argv.len() as u64);
    vec.extend(&argv_ptrs);
    vec.push(0);
    vec.extend(&envp_ptrs);
    vec.push(0);
    for (k, v) in aux {
        vec.push(k);
        vec.push(v);
    }
    let bytes = vec.len() as u64 * info.word;
    let sp = (sp - bytes) & !15;
    let mut out = Vec::with_capacity(bytes as usize);
    for w in vec {
        if info.word == 8 {
            out.extend_from_slice(&w.to_le_bytes());
        } else {
            out.extend_from_slice(&(w as u32).to_le_bytes());
        }
    }
    mem.write(sp, &out).map_err(fault)?;
    Ok(sp)
}
