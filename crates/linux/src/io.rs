//! Bulk and positional I/O, file-system queries and ownership: sendfile, splice and friends,
//! vectored positional I/O, allocation hints, syncing, locks, statfs, chown, mknod, chroot.
//!
//! `struct statfs` is the asm-generic one on both arm64 and x86-64 (`__statfs_word` is `long`
//! on both), 120 bytes; `loff_t` is 8 bytes; `POSIX_FADV_*`, `FALLOC_FL_*`, `RWF_*`, `LOCK_*`
//! and `SPLICE_F_*` values are shared. So everything here passes through with checked pointers.

use crate::fs::{int, iovecs};
use crate::guest::host;
use crate::{Linux, SysResult};

type Args = [u64; 6];

/// Size of `struct statfs` on arm64 (and x86-64).
pub(crate) const STATFS_SIZE: u64 = 120;

pub(crate) fn sendfile(l: &mut Linux, a: &Args) -> SysResult {
    let off = l.opt_out(a[2], 8)?;
    // SAFETY: `off` is null or a checked guest loff_t.
    host(unsafe { libc::syscall(libc::SYS_sendfile, int(a[0]), int(a[1]), off, a[3] as usize) })
}

pub(crate) fn copy_file_range(l: &mut Linux, a: &Args) -> SysResult {
    two_fd_copy(l, a, libc::SYS_copy_file_range)
}

pub(crate) fn splice(l: &mut Linux, a: &Args) -> SysResult {
    two_fd_copy(l, a, libc::SYS_splice)
}

/// copy_file_range and splice share one shape: (fd_in, *off_in, fd_out, *off_out, len, flags)
/// with optional 64-bit offsets that both ABIs lay out the same way.
fn two_fd_copy(l: &mut Linux, a: &Args, nr: libc::c_long) -> SysResult {
    let off_in = l.opt_out(a[1], 8)?;
    let off_out = l.opt_out(a[3], 8)?;
    // SAFETY: offsets are null or checked guest loff_ts; the rest are plain integers.
    host(unsafe {
        libc::syscall(
            nr,
            int(a[0]),
            off_in,
            int(a[2]),
            off_out,
            a[4] as usize,
            a[5] as u32,
        )
    })
}

pub(crate) fn tee(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe {
        libc::syscall(
            libc::SYS_tee,
            int(a[0]),
            int(a[1]),
            a[2] as usize,
            a[3] as u32,
        )
    })
}

/// preadv/pwritev(2): on 64-bit the offset is the fourth argument whole (the "high" half is
/// shifted out by the kernel), so the host gets it unchanged with a zero high half.
fn vectored(l: &Linux, a: &Args, nr: i64, prot: i32, flags: bool) -> SysResult {
    let v = iovecs(l, a[1], a[2], prot)?;
    let fl = if flags { a[5] as u32 as i32 } else { 0 };
    // SAFETY: every iovec points to checked guest memory of the right access.
    host(unsafe { libc::syscall(nr, int(a[0]), v.as_ptr(), v.len(), a[3], 0usize, fl) })
}

pub(crate) fn preadv(l: &mut Linux, a: &Args) -> SysResult {
    vectored(l, a, libc::SYS_preadv, libc::PROT_WRITE, false)
}

pub(crate) fn pwritev(l: &mut Linux, a: &Args) -> SysResult {
    vectored(l, a, libc::SYS_pwritev, libc::PROT_READ, false)
}

pub(crate) fn preadv2(l: &mut Linux, a: &Args) -> SysResult {
    vectored(l, a, libc::SYS_preadv2, libc::PROT_WRITE, true)
}

pub(crate) fn pwritev2(l: &mut Linux, a: &Args) -> SysResult {
    vectored(l, a, libc::SYS_pwritev2, libc::PROT_READ, true)
}

pub(crate) fn fallocate(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::fallocate(int(a[0]), int(a[1]), a[2] as i64, a[3] as i64) } as i64)
}

pub(crate) fn fadvise64(_: &mut Linux, a: &Args) -> SysResult {
    // arm64's fadvise64 is the asm-generic fadvise64_64: (fd, offset, len, advice), the same
    // argument order as x86-64's fadvise64.
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_fadvise64, int(a[0]), a[1], a[2], int(a[3])) })
}

pub(crate) fn readahead(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_readahead, int(a[0]), a[1], a[2] as usize) })
}

pub(crate) fn sync_file_range(_: &mut Linux, a: &Args) -> SysResult {
    // arm64 uses the generic (fd, offset, nbytes, flags) order, as x86-64 does.
    // SAFETY: no pointers.
    host(unsafe {
        libc::syscall(
            libc::SYS_sync_file_range,
            int(a[0]),
            a[1],
            a[2],
            a[3] as u32,
        )
    })
}

pub(crate) fn sync(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    unsafe { libc::sync() };
    Ok(0)
}

pub(crate) fn syncfs(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syncfs(int(a[0])) } as i64)
}

pub(crate) fn flock(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::flock(int(a[0]), int(a[1])) } as i64)
}

pub(crate) fn statfs(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[0])?;
    let buf = l.buf_out(a[1], STATFS_SIZE)?;
    // SAFETY: valid C string; `buf` is a checked guest statfs (same layout).
    host(unsafe { libc::syscall(libc::SYS_statfs, path.as_ptr(), buf) })
}

pub(crate) fn fstatfs(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[1], STATFS_SIZE)?;
    // SAFETY: `buf` is a checked guest statfs (same layout).
    host(unsafe { libc::syscall(libc::SYS_fstatfs, int(a[0]), buf) })
}

pub(crate) fn fchown(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers; uid/gid are 32-bit (u32::MAX means "unchanged") on both.
    host(unsafe { libc::fchown(int(a[0]), a[1] as u32, a[2] as u32) } as i64)
}

pub(crate) fn fchownat(l: &mut Linux, a: &Args) -> SysResult {
    // An empty path with AT_EMPTY_PATH means the dirfd itself; path_arg keeps it empty.
    let path = l.path_arg(a[1])?;
    // SAFETY: valid C string; AT_* flags are shared.
    host(unsafe {
        libc::fchownat(
            int(a[0]),
            path.as_ptr(),
            a[2] as u32,
            a[3] as u32,
            int(a[4]),
        )
    } as i64)
}

pub(crate) fn mknodat(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg_changing(a[1])?;
    // SAFETY: valid C string; the kernel's `unsigned int dev` encoding is the same on both.
    host(unsafe {
        libc::syscall(
            libc::SYS_mknodat,
            int(a[0]),
            path.as_ptr(),
            a[2] as u32,
            a[3] as u32,
        )
    })
}

pub(crate) fn chroot(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg_changing(a[0])?;
    // SAFETY: valid C string. Unprivileged callers get EPERM from the host.
    host(unsafe { libc::chroot(path.as_ptr()) } as i64)
}

/// `mount(source, target, fstype, flags, data)`: strings and MS_* flags mean the same on
/// every architecture; `data` is passed as a C string (what proc, sysfs, tmpfs and bind
/// mounts take). The host decides on permission, as for the guest under a real kernel.
pub(crate) fn mount(l: &mut Linux, a: &Args) -> SysResult {
    let opt_str = |addr: u64| -> Result<Option<std::ffi::CString>, crate::Errno> {
        if addr == 0 {
            Ok(None)
        } else {
            l.cstr(addr).map(Some)
        }
    };
    let source = opt_str(a[0])?;
    let target = l.path_arg_changing(a[1])?;
    let fstype = opt_str(a[2])?;
    let data = opt_str(a[4])?;
    let ptr = |s: &Option<std::ffi::CString>| s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    // SAFETY: valid C strings or null; flags are plain bits.
    host(unsafe {
        libc::mount(
            ptr(&source),
            target.as_ptr(),
            ptr(&fstype),
            a[3] as libc::c_ulong,
            ptr(&data) as *const libc::c_void,
        )
    } as i64)
}

/// `umount2(target, flags)`.
pub(crate) fn umount2(l: &mut Linux, a: &Args) -> SysResult {
    let target = l.path_arg_changing(a[0])?;
    // SAFETY: valid C string.
    host(unsafe { libc::umount2(target.as_ptr(), int(a[1])) } as i64)
}

pub(crate) fn close_range(_: &mut Linux, a: &Args) -> SysResult {
    // CLOSE_RANGE_* flags are architecture independent. Closing armrun's own fds is possible
    // in principle, as it is for any fd-closing call; armrun keeps none the guest can name.
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_close_range, a[0] as u32, a[1] as u32, a[2] as u32) })
}

pub(crate) fn fchmodat2(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[1])?;
    // SAFETY: valid C string; AT_* flags are shared.
    host(unsafe {
        libc::syscall(
            libc::SYS_fchmodat2,
            int(a[0]),
            path.as_ptr(),
            a[2] as u32,
            int(a[3]),
        )
    })
}

pub(crate) fn ioprio_get(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_ioprio_get, int(a[0]), int(a[1])) })
}

pub(crate) fn ioprio_set(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_ioprio_set, int(a[0]), int(a[1]), int(a[2])) })
}

pub(crate) fn vmsplice(l: &mut Linux, a: &Args) -> SysResult {
    // The kernel reads the buffers when splicing into a pipe's write end and writes them when
    // splicing out of a read end; check for what this fd will do.
    // SAFETY: no pointers.
    let fl = unsafe { libc::fcntl(int(a[0]), libc::F_GETFL) };
    if fl < 0 {
        return Err(crate::guest::last_errno());
    }
    let prot = if fl & libc::O_ACCMODE == libc::O_RDONLY {
        libc::PROT_WRITE
    } else {
        libc::PROT_READ
    };
    let v = iovecs(l, a[1], a[2], prot)?;
    // SAFETY: every iovec points to checked guest memory; SPLICE_F_* are shared.
    host(unsafe {
        libc::syscall(
            libc::SYS_vmsplice,
            int(a[0]),
            v.as_ptr(),
            v.len(),
            a[3] as u32,
        )
    })
}
