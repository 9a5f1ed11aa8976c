//! File and path syscalls. Most pass through to the host once pointers are checked and paths
//! resolved; `stat` is re-encoded in arm64's layout and open flags are converted.

use libc::c_void;

use crate::abi;
use crate::guest::{host, last_errno};
use crate::time::Ts;
use crate::{Errno, Linux, SysResult};

/// Arguments as the syscall ABI passes them.
type Args = [u64; 6];

/// The low 32 bits of an argument as a C `int` (fds, dirfds, flags).
pub(crate) fn int(a: u64) -> i32 {
    a as u32 as i32
}

/// Largest iovec count the kernel accepts (`UIO_MAXIOV`).
const UIO_MAXIOV: u64 = 1024;
/// Size of `struct statx` (the same on every architecture).
const STATX_SIZE: u64 = 256;

pub(crate) fn read(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.buf_out(a[1], a[2])?;
    // SAFETY: `p` points to a[2] checked, writable guest bytes.
    host(unsafe { libc::read(int(a[0]), p as *mut c_void, a[2] as usize) } as i64)
}

pub(crate) fn write(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.buf_in(a[1], a[2])?;
    // SAFETY: `p` points to a[2] checked, readable guest bytes.
    host(unsafe { libc::write(int(a[0]), p as *const c_void, a[2] as usize) } as i64)
}

pub(crate) fn pread64(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.buf_out(a[1], a[2])?;
    // SAFETY: as in `read`.
    host(unsafe { libc::pread(int(a[0]), p as *mut c_void, a[2] as usize, a[3] as i64) } as i64)
}

pub(crate) fn pwrite64(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.buf_in(a[1], a[2])?;
    // SAFETY: as in `write`.
    host(unsafe { libc::pwrite(int(a[0]), p as *const c_void, a[2] as usize, a[3] as i64) } as i64)
}

/// Reads a guest iovec array (in the guest's word size) and checks every buffer for `prot`.
pub(crate) fn iovecs(
    l: &Linux,
    addr: u64,
    count: u64,
    prot: i32,
) -> Result<Vec<libc::iovec>, Errno> {
    if count > UIO_MAXIOV {
        return Err(Errno(libc::EINVAL));
    }
    let mut v = Vec::with_capacity(count as usize);
    // `struct iovec` is two words: 16 bytes on AArch64, 8 on 32-bit ARM.
    let w = l.word();
    for i in 0..count {
        let base = l.read_word(addr + 2 * w * i)?;
        let len = l.read_word(addr + 2 * w * i + w)?;
        if len > isize::MAX as u64 {
            return Err(Errno(libc::EINVAL));
        }
        if len != 0 {
            l.mem.check(base, len, prot)?;
        }
        v.push(libc::iovec {
            iov_base: l.mem.host(base) as *mut c_void,
            iov_len: len as usize,
        });
    }
    Ok(v)
}

pub(crate) fn readv(l: &mut Linux, a: &Args) -> SysResult {
    let v = iovecs(l, a[1], a[2], libc::PROT_WRITE)?;
    // SAFETY: every iovec points to checked, writable guest memory.
    host(unsafe { libc::readv(int(a[0]), v.as_ptr(), v.len() as i32) } as i64)
}

pub(crate) fn writev(l: &mut Linux, a: &Args) -> SysResult {
    let v = iovecs(l, a[1], a[2], libc::PROT_READ)?;
    // SAFETY: every iovec points to checked, readable guest memory.
    host(unsafe { libc::writev(int(a[0]), v.as_ptr(), v.len() as i32) } as i64)
}

/// The host path an open with host `flags` uses: one that may create the entry goes through
/// [`Linux::host_path_changing`].
fn open_path(l: &Linux, guest_path: &std::ffi::CStr, flags: i32) -> std::ffi::CString {
    if flags & libc::O_CREAT != 0 {
        l.host_path_changing(guest_path)
    } else {
        l.host_path(guest_path)
    }
}

pub(crate) fn openat(l: &mut Linux, a: &Args) -> SysResult {
    let guest_path = l.cstr(a[1])?;
    if let Some(f) = l.proc_file(&guest_path) {
        return l.open_proc(f, a[2]);
    }
    let flags = abi::open_flags_to_host(a[2] & 0xffff_ffff);
    let path = open_path(l, &guest_path, flags);
    // SAFETY: `path` is a valid C string owned by us.
    host(unsafe { libc::openat(int(a[0]), path.as_ptr(), flags, a[3] as libc::c_uint) } as i64)
}

/// Size of `struct open_how` (flags, mode, resolve: three u64s) as of its first version.
const OPEN_HOW_SIZE: u64 = 24;
/// Largest `struct open_how` the kernel accepts (a page; trailing bytes must be zero).
const OPEN_HOW_MAX: u64 = 4096;

pub(crate) fn openat2(l: &mut Linux, a: &Args) -> SysResult {
    let size = a[3];
    if !(OPEN_HOW_SIZE..=OPEN_HOW_MAX).contains(&size) {
        return Err(Errno(libc::EINVAL));
    }
    let mut how = vec![0u8; size as usize];
    l.mem.read(a[2], &mut how)?;
    // Fields this layer does not know must be zero, as the kernel requires (E2BIG).
    if how[OPEN_HOW_SIZE as usize..].iter().any(|&b| b != 0) {
        return Err(Errno(libc::E2BIG));
    }
    let word = |i: usize| u64::from_le_bytes(how[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
    let (flags, mode, resolve) = (word(0), word(1), word(2));
    let guest_path = l.cstr(a[1])?;
    if let Some(f) = l.proc_file(&guest_path) {
        return l.open_proc(f, flags);
    }
    let path = open_path(l, &guest_path, abi::open_flags_to_host(flags & 0xffff_ffff));
    // Flags move like open's (upper bits must be zero; the host rejects unknown ones); mode
    // and RESOLVE_* are architecture independent.
    if flags >> 32 != 0 {
        return Err(Errno(libc::EINVAL));
    }
    let host_how: [u64; 3] = [abi::open_flags_to_host(flags) as u32 as u64, mode, resolve];
    // SAFETY: valid C string and a host open_how of the first version's size.
    host(unsafe {
        libc::syscall(
            libc::SYS_openat2,
            int(a[0]),
            path.as_ptr(),
            host_how.as_ptr(),
            OPEN_HOW_SIZE as usize,
        )
    })
}

pub(crate) fn close(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: closing an fd number has no memory-safety effect on us beyond the fd itself.
    host(unsafe { libc::close(int(a[0])) } as i64)
}

pub(crate) fn lseek(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers involved.
    host(unsafe { libc::lseek(int(a[0]), a[1] as i64, int(a[2])) })
}

/// Writes a host `stat` to the guest in arm64 layout.
fn put_stat(l: &Linux, addr: u64, st: &libc::stat) -> SysResult {
    l.mem.write(addr, &abi::stat_to_a64(st))?;
    Ok(0)
}

pub(crate) fn newfstatat(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[1])?;
    l.buf_out(a[2], abi::stat::SIZE_OF as u64)?;
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: valid C string and a host stat buffer of the right type.
    let r = unsafe { libc::fstatat(int(a[0]), path.as_ptr(), st.as_mut_ptr(), int(a[3])) };
    host(r as i64)?;
    // SAFETY: fstatat succeeded, so it filled the buffer (and it was zeroed before).
    let st = unsafe { st.assume_init() };
    put_stat(l, a[2], &st)
}

pub(crate) fn fstat(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[1], abi::stat::SIZE_OF as u64)?;
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: a host stat buffer of the right type.
    host(unsafe { libc::fstat(int(a[0]), st.as_mut_ptr()) } as i64)?;
    // SAFETY: fstat succeeded, so it filled the buffer.
    let st = unsafe { st.assume_init() };
    put_stat(l, a[1], &st)
}

pub(crate) fn statx(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[1])?;
    let buf = l.buf_out(a[4], STATX_SIZE)?;
    // SAFETY: `struct statx` has one layout on all architectures; `buf` is 256 checked bytes.
    host(unsafe {
        libc::syscall(
            libc::SYS_statx,
            int(a[0]),
            path.as_ptr(),
            int(a[2]),
            int(a[3]),
            buf,
        )
    })
}

pub(crate) fn getdents64(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[1], a[2])?;
    // SAFETY: `struct linux_dirent64` is architecture independent; `buf` is a[2] checked bytes.
    host(unsafe { libc::syscall(libc::SYS_getdents64, int(a[0]), buf, a[2] as usize) })
}

pub(crate) fn readlinkat(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.cstr(a[1])?;
    let size = a[3] as i64;
    if size <= 0 {
        return Err(Errno(libc::EINVAL));
    }
    if l.is_proc_exe(&p) {
        let exe = l.exe_path().into_os_string().into_encoded_bytes();
        let n = exe.len().min(size as usize);
        l.mem.write(a[2], &exe[..n])?;
        return Ok(n as u64);
    }
    let path = l.host_path(&p);
    let buf = l.buf_out(a[2], size as u64)?;
    // SAFETY: valid C string; `buf` is `size` checked, writable bytes.
    host(unsafe { libc::readlinkat(int(a[0]), path.as_ptr(), buf as *mut _, size as usize) } as i64)
}

pub(crate) fn faccessat(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[1])?;
    // SAFETY: valid C string. The raw syscall keeps the kernel's 3-argument semantics.
    host(unsafe { libc::syscall(libc::SYS_faccessat, int(a[0]), path.as_ptr(), int(a[2])) })
}

pub(crate) fn faccessat2(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[1])?;
    // SAFETY: valid C string; AT_* flags are the same on arm64 and the host.
    host(unsafe {
        libc::syscall(
            libc::SYS_faccessat2,
            int(a[0]),
            path.as_ptr(),
            int(a[2]),
            int(a[3]),
        )
    })
}

pub(crate) fn getcwd(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[0], a[1])?;
    // SAFETY: `buf` is a[1] checked, writable bytes. The raw syscall returns the length.
    host(unsafe { libc::syscall(libc::SYS_getcwd, buf, a[1] as usize) })
}

pub(crate) fn chdir(l: &mut Linux, a: &Args) -> SysResult {
    // Host semantics first: the working directory stays a host path, so getcwd never reports
    // a sysroot-prefixed path. Only a directory that exists solely in the sysroot is entered
    // there.
    let p = l.cstr(a[0])?;
    // SAFETY: valid C string.
    let r = host(unsafe { libc::chdir(p.as_ptr()) } as i64);
    match r {
        Err(Errno(libc::ENOENT)) => {
            let alt = l.host_path(&p);
            if alt == p {
                return r;
            }
            // SAFETY: valid C string.
            host(unsafe { libc::chdir(alt.as_ptr()) } as i64)
        }
        _ => r,
    }
}

pub(crate) fn fchdir(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::fchdir(int(a[0])) } as i64)
}

pub(crate) fn unlinkat(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg_changing(a[1])?;
    // SAFETY: valid C string.
    host(unsafe { libc::unlinkat(int(a[0]), path.as_ptr(), int(a[2])) } as i64)
}

pub(crate) fn mkdirat(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg_changing(a[1])?;
    // SAFETY: valid C string.
    host(unsafe { libc::mkdirat(int(a[0]), path.as_ptr(), a[2] as libc::mode_t) } as i64)
}

pub(crate) fn renameat(l: &mut Linux, a: &Args) -> SysResult {
    let from = l.path_arg_changing(a[1])?;
    let to = l.path_arg_changing(a[3])?;
    // SAFETY: valid C strings.
    host(unsafe { libc::renameat(int(a[0]), from.as_ptr(), int(a[2]), to.as_ptr()) } as i64)
}

pub(crate) fn renameat2(l: &mut Linux, a: &Args) -> SysResult {
    let from = l.path_arg_changing(a[1])?;
    let to = l.path_arg_changing(a[3])?;
    // SAFETY: valid C strings; RENAME_* flags are architecture independent.
    host(unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            int(a[0]),
            from.as_ptr(),
            int(a[2]),
            to.as_ptr(),
            int(a[4]),
        )
    })
}

pub(crate) fn symlinkat(l: &mut Linux, a: &Args) -> SysResult {
    // The link's target is stored as written, not resolved.
    let target = l.cstr(a[0])?;
    let path = l.path_arg_changing(a[2])?;
    // SAFETY: valid C strings.
    host(unsafe { libc::symlinkat(target.as_ptr(), int(a[1]), path.as_ptr()) } as i64)
}

pub(crate) fn linkat(l: &mut Linux, a: &Args) -> SysResult {
    let from = l.path_arg_changing(a[1])?;
    let to = l.path_arg_changing(a[3])?;
    // SAFETY: valid C strings.
    host(
        unsafe { libc::linkat(int(a[0]), from.as_ptr(), int(a[2]), to.as_ptr(), int(a[4])) } as i64,
    )
}

pub(crate) fn fchmodat(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[1])?;
    // SAFETY: valid C string. The syscall has no flags argument.
    host(unsafe { libc::syscall(libc::SYS_fchmodat, int(a[0]), path.as_ptr(), int(a[2])) })
}

pub(crate) fn fchmod(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::fchmod(int(a[0]), a[1] as libc::mode_t) } as i64)
}

pub(crate) fn utimensat(l: &mut Linux, a: &Args) -> SysResult {
    utimensat_ts(l, a, Ts::W64)
}

/// utimensat with the guest's timespec layout `t`, through host copies of the two times
/// (`UTIME_NOW`/`UTIME_OMIT` pass in `tv_nsec` unchanged).
pub(crate) fn utimensat_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let times: Option<[libc::timespec; 2]> = if a[2] != 0 {
        Some(t.read_n(l, a[2])?)
    } else {
        None
    };
    utimens_host(l, a[0], a[1], times, int(a[3]))
}

/// The host utimensat on (dirfd, optional guest path, host times, flags).
pub(crate) fn utimens_host(
    l: &Linux,
    dirfd: u64,
    path: u64,
    times: Option<[libc::timespec; 2]>,
    flags: i32,
) -> SysResult {
    // A NULL path with a dirfd means "this fd" (the kernel allows it; glibc's futimens uses it).
    let path = if path == 0 {
        None
    } else {
        Some(l.path_arg(path)?)
    };
    let pp = path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
    let tp = times.as_ref().map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: `pp` null or a C string, `tp` null or two host timespecs.
    host(unsafe { libc::syscall(libc::SYS_utimensat, int(dirfd), pp, tp, flags) })
}

pub(crate) fn ftruncate(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::ftruncate(int(a[0]), a[1] as i64) } as i64)
}

pub(crate) fn truncate(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[0])?;
    // SAFETY: valid C string.
    host(unsafe { libc::truncate(path.as_ptr(), a[1] as i64) } as i64)
}

pub(crate) fn fsync(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::fsync(int(a[0])) } as i64)
}

pub(crate) fn fdatasync(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::fdatasync(int(a[0])) } as i64)
}

/// Size of `struct flock` on 64-bit (identical on arm64 and x86-64).
const FLOCK_SIZE: u64 = 32;

pub(crate) fn fcntl(l: &mut Linux, a: &Args) -> SysResult {
    let fd = int(a[0]);
    let cmd = int(a[1]);
    // F_* command numbers are the asm-generic ones on both arm64 and x86-64.
    match cmd {
        libc::F_GETFL => {
            // SAFETY: no pointers.
            let r = unsafe { libc::fcntl(fd, cmd) };
            if r < 0 {
                return Err(last_errno());
            }
            Ok(abi::open_flags_from_host(r))
        }
        libc::F_SETFL => {
            let flags = abi::open_flags_to_host(a[2] & 0xffff_ffff);
            // SAFETY: no pointers.
            host(unsafe { libc::fcntl(fd, cmd, flags) } as i64)
        }
        libc::F_GETFD
        | libc::F_SETFD
        | libc::F_DUPFD
        | libc::F_DUPFD_CLOEXEC
        | libc::F_GETOWN
        | libc::F_SETOWN
        | libc::F_GETPIPE_SZ
        | libc::F_SETPIPE_SZ
        | libc::F_ADD_SEALS
        | libc::F_GET_SEALS
        | libc::F_SETLEASE
        | libc::F_GETLEASE
        | libc::F_NOTIFY => {
            // SAFETY: integer argument, no pointers.
            host(unsafe { libc::fcntl(fd, cmd, int(a[2])) } as i64)
        }
        libc::F_GETLK
        | libc::F_SETLK
        | libc::F_SETLKW
        | libc::F_OFD_GETLK
        | libc::F_OFD_SETLK
        | libc::F_OFD_SETLKW => {
            let p = l.buf_out(a[2], FLOCK_SIZE)?;
            // SAFETY: `struct flock` has one layout on arm64 and x86-64; `p` is checked.
            host(unsafe { libc::fcntl(fd, cmd, p) } as i64)
        }
        fcntl_cmd::SETSIG | fcntl_cmd::GETSIG | fcntl_cmd::DUPFD_QUERY => {
            // SAFETY: integer argument, no pointers.
            host(unsafe { libc::fcntl(fd, cmd, int(a[2])) } as i64)
        }
        fcntl_cmd::GETOWN_EX | fcntl_cmd::GET_RW_HINT | fcntl_cmd::GET_FILE_RW_HINT => {
            // `struct f_owner_ex` (two ints) and the u64 hint have one layout on both.
            let p = l.buf_out(a[2], 8)?;
            // SAFETY: 8 checked, writable guest bytes.
            host(unsafe { libc::fcntl(fd, cmd, p) } as i64)
        }
        fcntl_cmd::SETOWN_EX | fcntl_cmd::SET_RW_HINT | fcntl_cmd::SET_FILE_RW_HINT => {
            let p = l.buf_in(a[2], 8)?;
            // SAFETY: 8 checked, readable guest bytes.
            host(unsafe { libc::fcntl(fd, cmd, p) } as i64)
        }
        _ => Err(Errno(libc::EINVAL)),
    }
}

/// fcntl commands not (portably) in `libc`, from asm-generic/fcntl.h and linux/fcntl.h
/// (shared by arm64 and x86-64).
mod fcntl_cmd {
    pub const SETSIG: i32 = 10;
    pub const GETSIG: i32 = 11;
    pub const SETOWN_EX: i32 = 15;
    pub const GETOWN_EX: i32 = 16;
    /// `F_LINUX_SPECIFIC_BASE` (1024) + 3.
    pub const DUPFD_QUERY: i32 = 1027;
    pub const GET_RW_HINT: i32 = 1035;
    pub const SET_RW_HINT: i32 = 1036;
    pub const GET_FILE_RW_HINT: i32 = 1037;
    pub const SET_FILE_RW_HINT: i32 = 1038;
}

pub(crate) fn dup(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::dup(int(a[0])) } as i64)
}

pub(crate) fn dup3(_: &mut Linux, a: &Args) -> SysResult {
    // O_CLOEXEC is the only accepted flag and has the same value on both.
    // SAFETY: no pointers.
    host(unsafe { libc::dup3(int(a[0]), int(a[1]), int(a[2])) } as i64)
}

pub(crate) fn pipe2(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[0], 8)?;
    let flags = abi::open_flags_to_host(a[1] & 0xffff_ffff);
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a 2-int host array.
    host(unsafe { libc::pipe2(fds.as_mut_ptr(), flags) } as i64)?;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&fds[0].to_le_bytes());
    out[4..].copy_from_slice(&fds[1].to_le_bytes());
    if let Err(f) = l.mem.write(a[0], &out) {
        // SAFETY: closing the fds we just created and could not report.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        return Err(f.into());
    }
    Ok(0)
}
