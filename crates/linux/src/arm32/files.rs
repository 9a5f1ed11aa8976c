//! File calls of 32-bit ARM that differ from AArch64's: the legacy path calls (run as their
//! `*at` forms, as the kernel implements them), the stat and statfs layouts, 32-bit `off_t`,
//! 64-bit offsets in register pairs, and `struct flock`.

use crate::arm32::abi::{self, FLOCK_SIZE};
use crate::arm32::dirent;
use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult, anonfd, fs, io};

type Args = [u64; 6];

/// `AT_FDCWD` as a guest register holds it.
const AT_FDCWD: u64 = libc::AT_FDCWD as u32 as u64;
const AT_REMOVEDIR: u64 = libc::AT_REMOVEDIR as u64;
const AT_SYMLINK_NOFOLLOW: u64 = libc::AT_SYMLINK_NOFOLLOW as u64;

/// A 64-bit value from a register pair, low word first (EABI little-endian `long long`).
pub(crate) fn pair(lo: u64, hi: u64) -> u64 {
    (lo & 0xffff_ffff) | (hi << 32)
}

/// A 32-bit signed argument (`off_t`, `long`) widened for the host.
pub(crate) fn sext(a: u64) -> u64 {
    a as u32 as i32 as i64 as u64
}

pub(crate) fn open(l: &mut Linux, a: &Args) -> SysResult {
    fs::openat(l, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

pub(crate) fn creat(l: &mut Linux, a: &Args) -> SysResult {
    let flags = (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64;
    fs::openat(l, &[AT_FDCWD, a[0], flags, a[1], 0, 0])
}

pub(crate) fn link(l: &mut Linux, a: &Args) -> SysResult {
    fs::linkat(l, &[AT_FDCWD, a[0], AT_FDCWD, a[1], 0, 0])
}

pub(crate) fn unlink(l: &mut Linux, a: &Args) -> SysResult {
    fs::unlinkat(l, &[AT_FDCWD, a[0], 0, 0, 0, 0])
}

pub(crate) fn rmdir(l: &mut Linux, a: &Args) -> SysResult {
    fs::unlinkat(l, &[AT_FDCWD, a[0], AT_REMOVEDIR, 0, 0, 0])
}

pub(crate) fn mknod(l: &mut Linux, a: &Args) -> SysResult {
    io::mknodat(l, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

pub(crate) fn chmod(l: &mut Linux, a: &Args) -> SysResult {
    fs::fchmodat(l, &[AT_FDCWD, a[0], a[1], 0, 0, 0])
}

pub(crate) fn access(l: &mut Linux, a: &Args) -> SysResult {
    fs::faccessat(l, &[AT_FDCWD, a[0], a[1], 0, 0, 0])
}

pub(crate) fn rename(l: &mut Linux, a: &Args) -> SysResult {
    fs::renameat(l, &[AT_FDCWD, a[0], AT_FDCWD, a[1], 0, 0])
}

pub(crate) fn mkdir(l: &mut Linux, a: &Args) -> SysResult {
    fs::mkdirat(l, &[AT_FDCWD, a[0], a[1], 0, 0, 0])
}

pub(crate) fn symlink(l: &mut Linux, a: &Args) -> SysResult {
    fs::symlinkat(l, &[a[0], AT_FDCWD, a[1], 0, 0, 0])
}

pub(crate) fn readlink(l: &mut Linux, a: &Args) -> SysResult {
    fs::readlinkat(l, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

pub(crate) fn lchown32(l: &mut Linux, a: &Args) -> SysResult {
    io::fchownat(l, &[AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW, 0])
}

pub(crate) fn chown32(l: &mut Linux, a: &Args) -> SysResult {
    io::fchownat(l, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

pub(crate) fn pipe(l: &mut Linux, a: &Args) -> SysResult {
    fs::pipe2(l, &[a[0], 0, 0, 0, 0, 0])
}

pub(crate) fn dup2(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers; dup2 of an fd onto itself checks it, as the kernel's does.
    host(unsafe { libc::dup2(int(a[0]), int(a[1])) } as i64)
}

pub(crate) fn eventfd(l: &mut Linux, a: &Args) -> SysResult {
    anonfd::eventfd2(l, &[a[0], 0, 0, 0, 0, 0])
}

pub(crate) fn signalfd(l: &mut Linux, a: &Args) -> SysResult {
    anonfd::signalfd4(l, &[a[0], a[1], a[2], 0, 0, 0])
}

pub(crate) fn inotify_init(l: &mut Linux, _: &Args) -> SysResult {
    anonfd::inotify_init1(l, &[0; 6])
}

/// The host `struct stat` of (dirfd, guest path at `path`, AT_* flags).
fn host_fstatat(l: &Linux, dirfd: i32, path: u64, flags: i32) -> Result<libc::stat, Errno> {
    let path = l.path_arg(path)?;
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: valid C string and a host stat buffer of the right type.
    host(unsafe { libc::fstatat(dirfd, path.as_ptr(), st.as_mut_ptr(), flags) } as i64)?;
    // SAFETY: fstatat succeeded, so it filled the buffer.
    Ok(unsafe { st.assume_init() })
}

/// The host `struct stat` of descriptor `fd`.
fn host_fstat(fd: i32) -> Result<libc::stat, Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: a host stat buffer of the right type.
    host(unsafe { libc::fstat(fd, st.as_mut_ptr()) } as i64)?;
    // SAFETY: fstat succeeded, so it filled the buffer.
    Ok(unsafe { st.assume_init() })
}

/// Writes `st` in the stat64 layout to `out`.
fn put_stat64(l: &Linux, out: u64, st: &libc::stat) -> SysResult {
    l.mem.write(out, &abi::stat64_image(st).0)?;
    Ok(0)
}

/// Writes `st` in the old stat layout to `out`.
fn put_stat(l: &Linux, out: u64, st: &libc::stat) -> SysResult {
    l.mem.write(out, &abi::stat_image(st)?.0)?;
    Ok(0)
}

pub(crate) fn stat64(l: &mut Linux, a: &Args) -> SysResult {
    put_stat64(l, a[1], &host_fstatat(l, libc::AT_FDCWD, a[0], 0)?)
}

pub(crate) fn lstat64(l: &mut Linux, a: &Args) -> SysResult {
    let st = host_fstatat(l, libc::AT_FDCWD, a[0], libc::AT_SYMLINK_NOFOLLOW)?;
    put_stat64(l, a[1], &st)
}

pub(crate) fn fstat64(l: &mut Linux, a: &Args) -> SysResult {
    put_stat64(l, a[1], &host_fstat(int(a[0]))?)
}

pub(crate) fn fstatat64(l: &mut Linux, a: &Args) -> SysResult {
    put_stat64(l, a[2], &host_fstatat(l, int(a[0]), a[1], int(a[3]))?)
}

pub(crate) fn stat(l: &mut Linux, a: &Args) -> SysResult {
    put_stat(l, a[1], &host_fstatat(l, libc::AT_FDCWD, a[0], 0)?)
}

pub(crate) fn lstat(l: &mut Linux, a: &Args) -> SysResult {
    let st = host_fstatat(l, libc::AT_FDCWD, a[0], libc::AT_SYMLINK_NOFOLLOW)?;
    put_stat(l, a[1], &st)
}

pub(crate) fn fstat(l: &mut Linux, a: &Args) -> SysResult {
    put_stat(l, a[1], &host_fstat(int(a[0]))?)
}

/// The host `struct statfs` of a guest path or a descriptor.
fn host_statfs(l: &Linux, path: Option<u64>, fd: i32) -> Result<abi::HostStatfs, Errno> {
    let mut s: abi::HostStatfs = [0; 15];
    let r = match path {
        Some(p) => {
            let p = l.path_arg(p)?;
            // SAFETY: valid C string and a buffer of the host kernel's statfs size.
            unsafe { libc::syscall(libc::SYS_statfs, p.as_ptr(), s.as_mut_ptr()) }
        }
        // SAFETY: a buffer of the host kernel's statfs size.
        None => unsafe { libc::syscall(libc::SYS_fstatfs, fd, s.as_mut_ptr()) },
    };
    host(r)?;
    Ok(s)
}

pub(crate) fn statfs(l: &mut Linux, a: &Args) -> SysResult {
    let s = host_statfs(l, Some(a[0]), 0)?;
    l.mem.write(a[1], &abi::statfs_image(&s)?.0)?;
    Ok(0)
}

pub(crate) fn fstatfs(l: &mut Linux, a: &Args) -> SysResult {
    let s = host_statfs(l, None, int(a[0]))?;
    l.mem.write(a[1], &abi::statfs_image(&s)?.0)?;
    Ok(0)
}

/// statfs64/fstatfs64 take the struct size, which must be ARM's packed 84 bytes, or 88, the
/// unpacked size that ARM's syscall wrappers accept too (`sys_statfs64_wrapper`).
fn statfs64_size(sz: u64) -> Result<(), Errno> {
    if sz == abi::STATFS64_SIZE || sz == abi::STATFS64_SIZE + 4 {
        Ok(())
    } else {
        Err(Errno(libc::EINVAL))
    }
}

pub(crate) fn statfs64(l: &mut Linux, a: &Args) -> SysResult {
    statfs64_size(a[1])?;
    let s = host_statfs(l, Some(a[0]), 0)?;
    l.mem.write(a[2], &abi::statfs64_image(&s).0)?;
    Ok(0)
}

pub(crate) fn fstatfs64(l: &mut Linux, a: &Args) -> SysResult {
    statfs64_size(a[1])?;
    let s = host_statfs(l, None, int(a[0]))?;
    l.mem.write(a[2], &abi::statfs64_image(&s).0)?;
    Ok(0)
}

/// lseek with a 32-bit `off_t`: a position that does not fit is EOVERFLOW (the file position
/// has moved anyway, as in the kernel).
pub(crate) fn lseek(l: &mut Linux, a: &Args) -> SysResult {
    let pos = l.seek32(int(a[0]), sext(a[1]) as i64, int(a[2]))?;
    if pos > i32::MAX as i64 {
        return Err(Errno(libc::EOVERFLOW));
    }
    Ok(pos as u64)
}

/// `_llseek(fd, offset_high, offset_low, loff_t *result, whence)`.
pub(crate) fn llseek(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[3], 8)?;
    let pos = l.seek32(int(a[0]), pair(a[2], a[1]) as i64, int(a[4]))?;
    l.mem.write_u64(a[3], pos as u64)?;
    Ok(0)
}

pub(crate) fn getdents64(l: &mut Linux, a: &Args) -> SysResult {
    dirent::getdents64(l, a)
}

pub(crate) fn getdents(l: &mut Linux, a: &Args) -> SysResult {
    dirent::getdents(l, a)
}

/// `pread64(fd, buf, count, pad, offset pair)`.
pub(crate) fn pread64(l: &mut Linux, a: &Args) -> SysResult {
    fs::pread64(l, &[a[0], a[1], a[2], pair(a[4], a[5]), 0, 0])
}

/// `pwrite64(fd, buf, count, pad, offset pair)`.
pub(crate) fn pwrite64(l: &mut Linux, a: &Args) -> SysResult {
    fs::pwrite64(l, &[a[0], a[1], a[2], pair(a[4], a[5]), 0, 0])
}

/// preadv and friends pass the offset as (low, high) in two plain registers, unaligned.
fn vector_args(a: &Args) -> Args {
    [a[0], a[1], a[2], pair(a[3], a[4]), 0, a[5]]
}

pub(crate) fn preadv(l: &mut Linux, a: &Args) -> SysResult {
    io::preadv(l, &vector_args(a))
}

pub(crate) fn pwritev(l: &mut Linux, a: &Args) -> SysResult {
    io::pwritev(l, &vector_args(a))
}

pub(crate) fn preadv2(l: &mut Linux, a: &Args) -> SysResult {
    io::preadv2(l, &vector_args(a))
}

pub(crate) fn pwritev2(l: &mut Linux, a: &Args) -> SysResult {
    io::pwritev2(l, &vector_args(a))
}

pub(crate) fn truncate(l: &mut Linux, a: &Args) -> SysResult {
    fs::truncate(l, &[a[0], sext(a[1]), 0, 0, 0, 0])
}

pub(crate) fn ftruncate(l: &mut Linux, a: &Args) -> SysResult {
    fs::ftruncate(l, &[a[0], sext(a[1]), 0, 0, 0, 0])
}

/// `truncate64(path, pad, length pair)`.
pub(crate) fn truncate64(l: &mut Linux, a: &Args) -> SysResult {
    fs::truncate(l, &[a[0], pair(a[2], a[3]), 0, 0, 0, 0])
}

/// `ftruncate64(fd, pad, length pair)`.
pub(crate) fn ftruncate64(l: &mut Linux, a: &Args) -> SysResult {
    fs::ftruncate(l, &[a[0], pair(a[2], a[3]), 0, 0, 0, 0])
}

/// `fallocate(fd, mode, offset pair, length pair)`.
pub(crate) fn fallocate(l: &mut Linux, a: &Args) -> SysResult {
    io::fallocate(l, &[a[0], a[1], pair(a[2], a[3]), pair(a[4], a[5]), 0, 0])
}

/// `arm_fadvise64_64(fd, advice, offset pair, length pair)`: the advice moved forward so the
/// pairs need no padding.
pub(crate) fn arm_fadvise64_64(l: &mut Linux, a: &Args) -> SysResult {
    io::fadvise64(l, &[a[0], pair(a[2], a[3]), pair(a[4], a[5]), a[1], 0, 0])
}

/// `readahead(fd, pad, offset pair, count)`.
pub(crate) fn readahead(l: &mut Linux, a: &Args) -> SysResult {
    io::readahead(l, &[a[0], pair(a[2], a[3]), a[4], 0, 0, 0])
}

/// `arm_sync_file_range(fd, flags, offset pair, nbytes pair)`, reordered like fadvise.
pub(crate) fn arm_sync_file_range(l: &mut Linux, a: &Args) -> SysResult {
    io::sync_file_range(l, &[a[0], pair(a[2], a[3]), pair(a[4], a[5]), a[1], 0, 0])
}

/// `sendfile(out, in, off_t *offset, count)` with a 32-bit offset.
pub(crate) fn sendfile(l: &mut Linux, a: &Args) -> SysResult {
    let mut off: Option<i64> = if a[2] != 0 {
        Some(l.mem.read_u32(a[2])? as i32 as i64)
    } else {
        None
    };
    l.opt_out(a[2], 4)?;
    let p = off.as_mut().map_or(std::ptr::null_mut(), |o| o as *mut i64);
    // SAFETY: `p` is null or a host loff_t.
    let n = host(unsafe { libc::sendfile(int(a[0]), int(a[1]), p, a[3] as usize) } as i64)?;
    if let Some(o) = off {
        let o = i32::try_from(o).map_err(|_| Errno(libc::EOVERFLOW))?;
        l.mem.write_u32(a[2], o as u32)?;
    }
    Ok(n)
}

/// `F_GETLK64`, `F_SETLK64`, `F_SETLKW64` (asm-generic/fcntl.h on 32-bit): `struct flock64`,
/// which EABI lays out exactly like the host's `struct flock`.
const F_GETLK64: i32 = 12;
const F_SETLK64: i32 = 13;
const F_SETLKW64: i32 = 14;

/// A lock command on a 32-bit `struct flock`, through a host copy.
fn lock32(l: &Linux, fd: i32, cmd: i32, addr: u64) -> SysResult {
    let mut f = abi::read_flock(l, addr)?;
    l.buf_out(addr, FLOCK_SIZE)?;
    // SAFETY: a host flock.
    let r = host(unsafe { libc::fcntl(fd, cmd, &mut f as *mut libc::flock) } as i64)?;
    if cmd == libc::F_GETLK || cmd == libc::F_OFD_GETLK {
        abi::write_flock(l, addr, &f)?;
    }
    Ok(r)
}

/// `fcntl` with a 32-bit `off_t`: the record locks (also the OFD ones) use `struct flock`; the
/// `*64` lock commands do not exist here.
pub(crate) fn fcntl(l: &mut Linux, a: &Args) -> SysResult {
    let (fd, cmd) = (int(a[0]), int(a[1]));
    match cmd {
        libc::F_GETLK
        | libc::F_SETLK
        | libc::F_SETLKW
        | libc::F_OFD_GETLK
        | libc::F_OFD_SETLK
        | libc::F_OFD_SETLKW => lock32(l, fd, cmd, a[2]),
        F_GETLK64 | F_SETLK64 | F_SETLKW64 => Err(Errno(libc::EINVAL)),
        _ => fs::fcntl(l, a),
    }
}

/// `fcntl64`: the `*64` lock commands and the OFD locks use `struct flock64` (the host's
/// layout); the plain lock commands keep the 32-bit `struct flock`.
pub(crate) fn fcntl64(l: &mut Linux, a: &Args) -> SysResult {
    let (fd, cmd) = (int(a[0]), int(a[1]));
    let host_cmd = match cmd {
        F_GETLK64 => libc::F_GETLK,
        F_SETLK64 => libc::F_SETLK,
        F_SETLKW64 => libc::F_SETLKW,
        libc::F_GETLK | libc::F_SETLK | libc::F_SETLKW => return lock32(l, fd, cmd, a[2]),
        _ => return fs::fcntl(l, a),
    };
    fs::fcntl(l, &[a[0], host_cmd as u64, a[2], 0, 0, 0])
}
