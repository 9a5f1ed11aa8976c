//! Clock and sleep syscalls. `struct timespec`/`timeval` and clock ids are identical on arm64
//! and x86-64 (64-bit fields), so values are copied through.

use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

fn zero_ts() -> libc::timespec {
    libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }
}

pub(crate) fn clock_gettime(l: &mut Linux, a: &Args) -> SysResult {
    let mut ts = zero_ts();
    // SAFETY: host timespec.
    host(unsafe { libc::syscall(libc::SYS_clock_gettime, int(a[0]), &mut ts) })?;
    l.put(a[1], &ts)?;
    Ok(0)
}

pub(crate) fn clock_getres(l: &mut Linux, a: &Args) -> SysResult {
    let mut ts = zero_ts();
    // SAFETY: host timespec.
    host(unsafe { libc::syscall(libc::SYS_clock_getres, int(a[0]), &mut ts) })?;
    if a[1] != 0 {
        l.put(a[1], &ts)?;
    }
    Ok(0)
}

pub(crate) fn gettimeofday(l: &mut Linux, a: &Args) -> SysResult {
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let mut tz = [0i32; 2];
    // SAFETY: host timeval and timezone (two ints) buffers.
    host(unsafe { libc::syscall(libc::SYS_gettimeofday, &mut tv, tz.as_mut_ptr()) })?;
    if a[0] != 0 {
        l.put(a[0], &tv)?;
    }
    if a[1] != 0 {
        l.put(a[1], &tz)?;
    }
    Ok(0)
}

/// Reads a guest timespec, rejecting values the kernel would.
fn get_ts(l: &Linux, addr: u64) -> Result<libc::timespec, Errno> {
    let ts: libc::timespec = l.get(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno(libc::EINVAL));
    }
    Ok(ts)
}

pub(crate) fn nanosleep(l: &mut Linux, a: &Args) -> SysResult {
    let req = get_ts(l, a[0])?;
    if a[1] != 0 {
        l.buf_out(a[1], 16)?;
    }
    let mut rem = zero_ts();
    // SAFETY: host timespecs.
    let r = unsafe { libc::syscall(libc::SYS_nanosleep, &req, &mut rem) };
    let res = host(r);
    if res == Err(Errno(libc::EINTR)) && a[1] != 0 {
        l.put(a[1], &rem)?;
    }
    res
}

pub(crate) fn clock_nanosleep(l: &mut Linux, a: &Args) -> SysResult {
    let req = get_ts(l, a[2])?;
    let mut rem = zero_ts();
    // SAFETY: host timespecs; clock ids and TIMER_ABSTIME are the same on both.
    let r = unsafe {
        libc::syscall(
            libc::SYS_clock_nanosleep,
            int(a[0]),
            int(a[1]),
            &req,
            &mut rem,
        )
    };
    let res = host(r);
    if res == Err(Errno(libc::EINTR)) && a[3] != 0 && int(a[1]) & libc::TIMER_ABSTIME == 0 {
        l.put(a[3], &rem)?;
    }
    res
}

pub(crate) fn clock_settime(l: &mut Linux, a: &Args) -> SysResult {
    let ts = get_ts(l, a[1])?;
    // SAFETY: host timespec. Unprivileged callers get EPERM from the host.
    host(unsafe { libc::syscall(libc::SYS_clock_settime, int(a[0]), &ts) })
}

/// Size of `struct sigevent` (the same 64-byte asm-generic layout on arm64 and x86-64).
const SIGEVENT_SIZE: u64 = 64;
/// Size of `struct itimerspec`.
const ITIMERSPEC_SIZE: u64 = 32;

// POSIX timers pass through: `struct sigevent` is identical (sigval, signo, notify, then the
// thread id or function union), guest tids are host tids, and SIGEV_THREAD is done by libc with
// SIGEV_THREAD_ID. Expiry signals reach the host process like any other signal (no guest
// delivery yet).

pub(crate) fn timer_create(l: &mut Linux, a: &Args) -> SysResult {
    let sev = l.opt_in(a[1], SIGEVENT_SIZE)?;
    let id = l.buf_out(a[2], 4)?;
    // SAFETY: checked guest sigevent (or null) and a 4-byte timer id slot.
    host(unsafe { libc::syscall(libc::SYS_timer_create, int(a[0]), sev, id) })
}

pub(crate) fn timer_settime(l: &mut Linux, a: &Args) -> SysResult {
    let new = l.buf_in(a[2], ITIMERSPEC_SIZE)?;
    let old = l.opt_out(a[3], ITIMERSPEC_SIZE)?;
    // SAFETY: checked itimerspecs.
    host(unsafe { libc::syscall(libc::SYS_timer_settime, int(a[0]), int(a[1]), new, old) })
}

pub(crate) fn timer_gettime(l: &mut Linux, a: &Args) -> SysResult {
    let cur = l.buf_out(a[1], ITIMERSPEC_SIZE)?;
    // SAFETY: checked itimerspec.
    host(unsafe { libc::syscall(libc::SYS_timer_gettime, int(a[0]), cur) })
}

pub(crate) fn timer_getoverrun(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_timer_getoverrun, int(a[0])) })
}

pub(crate) fn timer_delete(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_timer_delete, int(a[0])) })
}

/// Size of `struct itimerval` (two timevals, 64-bit fields on both).
const ITIMERVAL_SIZE: u64 = 32;

pub(crate) fn getitimer(l: &mut Linux, a: &Args) -> SysResult {
    let cur = l.buf_out(a[1], ITIMERVAL_SIZE)?;
    // SAFETY: checked itimerval.
    host(unsafe { libc::syscall(libc::SYS_getitimer, int(a[0]), cur) })
}

pub(crate) fn setitimer(l: &mut Linux, a: &Args) -> SysResult {
    // Expiry raises SIGALRM/SIGVTALRM/SIGPROF on the host process (no guest delivery yet).
    let new = l.opt_in(a[1], ITIMERVAL_SIZE)?;
    let old = l.opt_out(a[2], ITIMERVAL_SIZE)?;
    // SAFETY: checked itimervals (or null).
    host(unsafe { libc::syscall(libc::SYS_setitimer, int(a[0]), new, old) })
}

pub(crate) fn sched_rr_get_interval(l: &mut Linux, a: &Args) -> SysResult {
    let ts = l.buf_out(a[1], 16)?;
    // SAFETY: checked timespec.
    host(unsafe { libc::syscall(libc::SYS_sched_rr_get_interval, int(a[0]), ts) })
}
