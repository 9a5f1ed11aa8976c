//! Credentials, sessions, scheduling and priorities: ids, groups, capabilities, process groups,
//! scheduler queries. uid/gid/pid are 32-bit on both arm64 and x86-64, `struct sched_param` is
//! one int, capability header and data structs are architecture independent: everything passes
//! through to the host (guest ids are host ids).

use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// Host syscall with the guest's first three argument registers, for calls whose arguments are
/// all integers (the kernel truncates each to its C type, as it does for a native caller).
fn ints(nr: i64, a: &Args) -> SysResult {
    // SAFETY: integer arguments only; no memory is passed.
    host(unsafe { libc::syscall(nr, a[0], a[1], a[2]) })
}

/// Defines handlers for integer-only syscalls that pass straight to the host.
macro_rules! int_only {
    ($($name:ident => $nr:ident,)*) => {
        $(
            pub(crate) fn $name(_: &mut Linux, a: &Args) -> SysResult {
                ints(libc::$nr, a)
            }
        )*
    };
}

int_only! {
    setuid => SYS_setuid,
    setgid => SYS_setgid,
    setreuid => SYS_setreuid,
    setregid => SYS_setregid,
    setresuid => SYS_setresuid,
    setresgid => SYS_setresgid,
    setfsuid => SYS_setfsuid,
    setfsgid => SYS_setfsgid,
    getpgid => SYS_getpgid,
    setpgid => SYS_setpgid,
    getsid => SYS_getsid,
    setsid => SYS_setsid,
    getpriority => SYS_getpriority,
    setpriority => SYS_setpriority,
    sched_getscheduler => SYS_sched_getscheduler,
    sched_get_priority_max => SYS_sched_get_priority_max,
    sched_get_priority_min => SYS_sched_get_priority_min,
}

/// Largest supplementary group list (`NGROUPS_MAX`).
const NGROUPS_MAX: i32 = 65536;

pub(crate) fn getgroups(l: &mut Linux, a: &Args) -> SysResult {
    let n = int(a[0]);
    if n < 0 {
        return Err(Errno(libc::EINVAL));
    }
    let list = if n == 0 {
        std::ptr::null_mut()
    } else {
        l.buf_out(a[1], n as u64 * 4)?
    };
    // SAFETY: `list` is null (size query) or n checked gid_t slots.
    host(unsafe { libc::syscall(libc::SYS_getgroups, n, list) })
}

pub(crate) fn setgroups(l: &mut Linux, a: &Args) -> SysResult {
    let n = int(a[0]);
    if !(0..=NGROUPS_MAX).contains(&n) {
        return Err(Errno(libc::EINVAL));
    }
    let list = l.buf_in(a[1], n as u64 * 4)?;
    // SAFETY: n checked gid_t values.
    host(unsafe { libc::syscall(libc::SYS_setgroups, n, list) })
}

/// getresuid/getresgid: three optional 4-byte outputs.
fn getres(l: &Linux, a: &Args, nr: i64) -> SysResult {
    let p = [
        l.buf_out(a[0], 4)?,
        l.buf_out(a[1], 4)?,
        l.buf_out(a[2], 4)?,
    ];
    // SAFETY: three checked 4-byte guest slots.
    host(unsafe { libc::syscall(nr, p[0], p[1], p[2]) })
}

pub(crate) fn getresuid(l: &mut Linux, a: &Args) -> SysResult {
    getres(l, a, libc::SYS_getresuid)
}

pub(crate) fn getresgid(l: &mut Linux, a: &Args) -> SysResult {
    getres(l, a, libc::SYS_getresgid)
}

/// `_LINUX_CAPABILITY_VERSION_1`: one 12-byte data struct; later versions use two.
const CAP_V1: u32 = 0x1998_0330;

/// Checks the capget/capset header and returns (header, data size in bytes).
fn cap_args(l: &Linux, hdr: u64) -> Result<(*mut u8, u64), Errno> {
    let h = l.buf_out(hdr, 8)?;
    let version = l.mem.read_u32(hdr)?;
    Ok((h, if version == CAP_V1 { 12 } else { 24 }))
}

pub(crate) fn capget(l: &mut Linux, a: &Args) -> SysResult {
    let (h, size) = cap_args(l, a[0])?;
    let data = l.opt_out(a[1], size)?;
    // SAFETY: checked header; data null (version probe) or `size` checked bytes. An unknown
    // version makes the host write its preferred one into the header and fail before data.
    host(unsafe { libc::syscall(libc::SYS_capget, h, data) })
}

pub(crate) fn capset(l: &mut Linux, a: &Args) -> SysResult {
    let (h, size) = cap_args(l, a[0])?;
    let data = l.buf_in(a[1], size)?;
    // SAFETY: checked header and data.
    host(unsafe { libc::syscall(libc::SYS_capset, h, data) })
}

pub(crate) fn sched_getparam(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.buf_out(a[1], 4)?;
    // SAFETY: checked one-int sched_param.
    host(unsafe { libc::syscall(libc::SYS_sched_getparam, int(a[0]), p) })
}

pub(crate) fn sched_setparam(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.buf_in(a[1], 4)?;
    // SAFETY: checked one-int sched_param.
    host(unsafe { libc::syscall(libc::SYS_sched_setparam, int(a[0]), p) })
}

pub(crate) fn sched_setscheduler(l: &mut Linux, a: &Args) -> SysResult {
    let p = l.buf_in(a[2], 4)?;
    // SAFETY: checked one-int sched_param; policy numbers are shared.
    host(unsafe { libc::syscall(libc::SYS_sched_setscheduler, int(a[0]), int(a[1]), p) })
}

pub(crate) fn sched_setaffinity(l: &mut Linux, a: &Args) -> SysResult {
    let mask = l.buf_in(a[2], a[1])?;
    // SAFETY: `mask` is a[1] checked bytes. The guest runs on this host thread, so its
    // affinity is ours.
    host(unsafe { libc::syscall(libc::SYS_sched_setaffinity, int(a[0]), a[1] as usize, mask) })
}

pub(crate) fn getcpu(l: &mut Linux, a: &Args) -> SysResult {
    let cpu = l.opt_out(a[0], 4)?;
    let node = l.opt_out(a[1], 4)?;
    // SAFETY: optional checked 4-byte outputs; the cache argument is unused by the kernel.
    host(unsafe { libc::syscall(libc::SYS_getcpu, cpu, node, 0usize) })
}

/// `SCHED_ATTR_SIZE_VER0`: the smallest `struct sched_attr`.
const SCHED_ATTR_MIN: u64 = 48;
/// Largest `struct sched_attr` accepted (a page, like the kernel's copy limit).
const SCHED_ATTR_MAX: u64 = 4096;

pub(crate) fn sched_getattr(l: &mut Linux, a: &Args) -> SysResult {
    let size = a[2] & 0xffff_ffff;
    if !(SCHED_ATTR_MIN..=SCHED_ATTR_MAX).contains(&size) {
        return Err(Errno(libc::EINVAL));
    }
    let p = l.buf_out(a[1], size)?;
    // SAFETY: `size` checked bytes; `struct sched_attr` is architecture independent.
    host(unsafe {
        libc::syscall(
            libc::SYS_sched_getattr,
            int(a[0]),
            p,
            size as u32,
            a[3] as u32,
        )
    })
}

pub(crate) fn sched_setattr(l: &mut Linux, a: &Args) -> SysResult {
    // The struct says its own size in its first word (0 means the first version).
    let size = match l.mem.read_u32(a[1])? as u64 {
        0 => SCHED_ATTR_MIN,
        n => n,
    };
    if !(SCHED_ATTR_MIN..=SCHED_ATTR_MAX).contains(&size) {
        return Err(Errno(libc::E2BIG));
    }
    let p = l.buf_in(a[1], size)?;
    // SAFETY: `size` checked bytes, the whole struct the kernel will read.
    host(unsafe { libc::syscall(libc::SYS_sched_setattr, int(a[0]), p, a[2] as u32) })
}

pub(crate) fn pidfd_open(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers; PIDFD_NONBLOCK is O_NONBLOCK on both.
    host(unsafe { libc::syscall(libc::SYS_pidfd_open, int(a[0]), a[1] as u32) })
}

pub(crate) fn pidfd_getfd(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_pidfd_getfd, int(a[0]), int(a[1]), a[2] as u32) })
}

/// Size of `siginfo_t` (the same 128 bytes on both).
const SIGINFO_SIZE: u64 = 128;

pub(crate) fn pidfd_send_signal(l: &mut Linux, a: &Args) -> SysResult {
    if a[1] > 64 {
        return Err(Errno(libc::EINVAL));
    }
    let info = l.opt_in(a[2], SIGINFO_SIZE)?;
    // SAFETY: checked siginfo (or null); signal numbers are shared.
    host(unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            int(a[0]),
            int(a[1]),
            info,
            a[3] as u32,
        )
    })
}
