//! Special file descriptors: eventfd, timerfd, signalfd, inotify, memfd. Their flags are
//! `O_NONBLOCK`/`O_CLOEXEC` (same bits on arm64 and x86-64) or architecture independent
//! (`MFD_*`, `IN_*`), and their structs (`itimerspec`, `signalfd_siginfo`, `inotify_event`)
//! have one layout, so they pass through once pointers are checked.

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// Size of `struct itimerspec` (two timespecs).
const ITIMERSPEC_SIZE: u64 = 32;
/// Longest memfd name the kernel accepts, without the NUL (`MFD_NAME_MAX_LEN`).
const MFD_NAME_MAX: usize = 249;

pub(crate) fn eventfd2(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_eventfd2, a[0] as u32, int(a[1])) })
}

pub(crate) fn timerfd_create(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::timerfd_create(int(a[0]), int(a[1])) } as i64)
}

pub(crate) fn timerfd_settime(l: &mut Linux, a: &Args) -> SysResult {
    let new = l.buf_in(a[2], ITIMERSPEC_SIZE)?;
    let old = l.opt_out(a[3], ITIMERSPEC_SIZE)?;
    // SAFETY: checked guest itimerspecs (same layout on both), `old` possibly null.
    host(unsafe { libc::syscall(libc::SYS_timerfd_settime, int(a[0]), int(a[1]), new, old) })
}

pub(crate) fn timerfd_gettime(l: &mut Linux, a: &Args) -> SysResult {
    let cur = l.buf_out(a[1], ITIMERSPEC_SIZE)?;
    // SAFETY: checked guest itimerspec.
    host(unsafe { libc::syscall(libc::SYS_timerfd_gettime, int(a[0]), cur) })
}

pub(crate) fn signalfd4(l: &mut Linux, a: &Args) -> SysResult {
    if a[2] != abi::SIGSET_SIZE {
        return Err(Errno(libc::EINVAL));
    }
    let mask = l.mem.read_u64(a[1])?;
    // SAFETY: a host copy of the 8-byte mask; signal numbers are the same on both.
    host(unsafe { libc::syscall(libc::SYS_signalfd4, int(a[0]), &mask, 8usize, int(a[3])) })
}

pub(crate) fn inotify_init1(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::inotify_init1(int(a[0])) } as i64)
}

pub(crate) fn inotify_add_watch(l: &mut Linux, a: &Args) -> SysResult {
    let path = l.path_arg(a[1])?;
    // SAFETY: valid C string.
    host(unsafe { libc::inotify_add_watch(int(a[0]), path.as_ptr(), a[2] as u32) } as i64)
}

pub(crate) fn inotify_rm_watch(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::inotify_rm_watch(int(a[0]), int(a[1])) } as i64)
}

pub(crate) fn memfd_create(l: &mut Linux, a: &Args) -> SysResult {
    let name = l.cstr(a[0])?;
    if name.as_bytes().len() > MFD_NAME_MAX {
        return Err(Errno(libc::EINVAL));
    }
    // SAFETY: valid C string; MFD_* flags are architecture independent.
    host(unsafe { libc::syscall(libc::SYS_memfd_create, name.as_ptr(), a[1] as u32) })
}
