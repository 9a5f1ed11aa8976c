//! Special file descriptors: eventfd, timerfd, signalfd, inotify, memfd. Their flags are
//! `O_NONBLOCK`/`O_CLOEXEC` (same bits on arm64 and x86-64) or architecture independent
//! (`MFD_*`, `IN_*`), and their structs (`itimerspec`, `signalfd_siginfo`, `inotify_event`)
//! have one layout, so they pass through once pointers are checked.

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::time::Ts;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

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
    timerfd_settime_ts(l, a, Ts::W64)
}

pub(crate) fn timerfd_gettime(l: &mut Linux, a: &Args) -> SysResult {
    timerfd_gettime_ts(l, a, Ts::W64)
}

/// timerfd_settime with the guest's `struct itimerspec` layout `t`.
pub(crate) fn timerfd_settime_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    if a[2] == 0 {
        return Err(Errno(libc::EFAULT));
    }
    let (fd, flags) = (int(a[0]), int(a[1]));
    crate::time::set_timer(l, a[2], a[3], t, |new, old| {
        // SAFETY: host itimerspecs.
        unsafe { libc::syscall(libc::SYS_timerfd_settime, fd, flags, new, old) }
    })
}

/// timerfd_gettime with the guest's `struct itimerspec` layout `t`.
pub(crate) fn timerfd_gettime_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let fd = int(a[0]);
    crate::time::get_timer(l, a[1], t, |cur| {
        // SAFETY: host itimerspec.
        unsafe { libc::syscall(libc::SYS_timerfd_gettime, fd, cur) }
    })
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
