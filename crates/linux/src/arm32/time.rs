//! The time32 calls of 32-bit ARM (`old_timespec32`/`old_timeval32`: two 32-bit words), run by
//! the shared bodies with [`Ts::W32`], and the waits whose other structs differ: select's
//! `fd_set` of 32-bit words and pselect6's `{ sigset pointer, size }` pair, siginfo.

use crate::arm32::abi;
use crate::fs::int;
use crate::guest::host;
use crate::time::Ts;
use crate::{Errno, Linux, SysResult, anonfd, fs, poll, process, signal, time};

type Args = [u64; 6];

/// Defines handlers as a shared `Ts`-parameterised body run with 32-bit fields.
macro_rules! time32 {
    ($($name:ident => $body:path,)*) => {
        $(
            pub(crate) fn $name(l: &mut Linux, a: &Args) -> SysResult {
                $body(l, a, Ts::W32)
            }
        )*
    };
}

time32! {
    clock_gettime => time::clock_gettime_ts,
    clock_getres => time::clock_getres_ts,
    clock_settime => time::clock_settime_ts,
    clock_nanosleep => time::clock_nanosleep_ts,
    nanosleep => time::nanosleep_ts,
    gettimeofday => time::gettimeofday_ts,
    getitimer => time::getitimer_ts,
    setitimer => time::setitimer_ts,
    timer_settime => time::timer_settime_ts,
    timer_gettime => time::timer_gettime_ts,
    timerfd_settime => anonfd::timerfd_settime_ts,
    timerfd_gettime => anonfd::timerfd_gettime_ts,
    sched_rr_get_interval => time::sched_rr_get_interval_ts,
    futex => process::futex_ts,
    utimensat => fs::utimensat_ts,
    ppoll => poll::ppoll_ts,
}

/// `timer_create(clock, struct sigevent *, timer_t *)` with the 32-bit sigevent.
pub(crate) fn timer_create(l: &mut Linux, a: &Args) -> SysResult {
    let sev = if a[1] != 0 {
        Some(abi::read_sigevent(l, a[1])?)
    } else {
        None
    };
    let id = l.buf_out(a[2], 4)?;
    let sp = sev.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    // SAFETY: a host sigevent (or null) and a checked 4-byte timer id slot.
    host(unsafe { libc::syscall(libc::SYS_timer_create, int(a[0]), sp, id) })
}

/// Reads `struct old_timeval32 times[2]` as timespecs for utimensat; microseconds must be in
/// range (EINVAL), as `utimes` checks.
fn timevals(l: &Linux, addr: u64) -> Result<Option<[libc::timespec; 2]>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let mut tv: [libc::timespec; 2] = Ts::W32.read_n(l, addr)?;
    for t in tv.iter_mut() {
        if !(0..1_000_000).contains(&t.tv_nsec) {
            return Err(Errno(libc::EINVAL));
        }
        t.tv_nsec *= 1000;
    }
    Ok(Some(tv))
}

/// `utimes(path, times)`.
pub(crate) fn utimes(l: &mut Linux, a: &Args) -> SysResult {
    let tv = timevals(l, a[1])?;
    fs::utimens_host(l, libc::AT_FDCWD as u32 as u64, a[0], tv, 0)
}

/// `futimesat(dirfd, path, times)`.
pub(crate) fn futimesat(l: &mut Linux, a: &Args) -> SysResult {
    let tv = timevals(l, a[2])?;
    fs::utimens_host(l, a[0], a[1], tv, 0)
}

/// `poll(fds, nfds, timeout_ms)`: `struct pollfd` is the same everywhere.
pub(crate) fn poll(l: &mut Linux, a: &Args) -> SysResult {
    let ms = int(a[2]);
    let ts = (ms >= 0).then(|| libc::timespec {
        tv_sec: (ms / 1000) as i64,
        tv_nsec: (ms % 1000) as i64 * 1_000_000,
    });
    poll::ppoll_host(l, a[0], a[1], ts).0
}

/// `_newselect(n, readfds, writefds, exceptfds, struct old_timeval32 *timeout)`: the remaining
/// time is written back, as Linux's select does.
pub(crate) fn newselect(l: &mut Linux, a: &Args) -> SysResult {
    let tv = if a[4] != 0 {
        let t = Ts::W32.read(l, a[4])?;
        if t.tv_sec < 0 || !(0..1_000_000).contains(&t.tv_nsec) {
            return Err(Errno(libc::EINVAL));
        }
        Some(libc::timespec {
            tv_sec: t.tv_sec,
            tv_nsec: t.tv_nsec * 1000,
        })
    } else {
        None
    };
    poll::select_with(l, a, tv, None, |l, t| {
        let left = libc::timespec {
            tv_sec: t.tv_sec,
            tv_nsec: t.tv_nsec / 1000,
        };
        let _ = Ts::W32.write(l, a[4], &left);
    })
}

/// pselect6 with timespec layout `t`; its sixth argument points to `{ sigset_t *; size_t }`,
/// two 32-bit words here.
fn pselect6_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let mask = if a[5] != 0 {
        Some((
            l.mem.read_u32(a[5])? as u64,
            l.mem.read_u32(a[5] + 4)? as u64,
        ))
    } else {
        None
    };
    let ts = poll::timeout(l, a[4], t)?;
    poll::select_with(l, a, ts, mask, |l, ts| {
        let _ = t.write(l, a[4], ts);
    })
}

pub(crate) fn pselect6(l: &mut Linux, a: &Args) -> SysResult {
    pselect6_ts(l, a, Ts::W32)
}

pub(crate) fn pselect6_time64(l: &mut Linux, a: &Args) -> SysResult {
    pselect6_ts(l, a, Ts::W64)
}

/// `epoll_wait(epfd, events, maxevents, timeout)`: epoll_pwait without a mask.
pub(crate) fn epoll_wait(l: &mut Linux, a: &Args) -> SysResult {
    poll::epoll_pwait(l, &[a[0], a[1], a[2], a[3], 0, 0])
}

/// `epoll_create(size)`: size must be positive, then it is ignored.
pub(crate) fn epoll_create(l: &mut Linux, a: &Args) -> SysResult {
    if int(a[0]) <= 0 {
        return Err(Errno(libc::EINVAL));
    }
    poll::epoll_create1(l, &[0; 6])
}

/// rt_sigtimedwait with timespec layout `t`, the siginfo converted to the 32-bit layout.
fn sigtimedwait_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let ts = poll::timeout(l, a[2], t)?;
    if a[1] != 0 {
        l.buf_out(a[1], abi::SIGINFO_SIZE as u64)?;
    }
    let mut info = [0u8; abi::SIGINFO_SIZE];
    let sig = signal::sigtimedwait_host(l, a[0], a[3], &mut info, ts)?;
    if a[1] != 0 {
        l.mem.write(a[1], &crate::sigframe::siginfo_to_arm(&info))?;
    }
    Ok(sig)
}

pub(crate) fn rt_sigtimedwait(l: &mut Linux, a: &Args) -> SysResult {
    sigtimedwait_ts(l, a, Ts::W32)
}

pub(crate) fn rt_sigtimedwait_time64(l: &mut Linux, a: &Args) -> SysResult {
    sigtimedwait_ts(l, a, Ts::W64)
}
