//! Clock and sleep syscalls. `struct timespec`/`timeval` and clock ids are identical on arm64
//! and x86-64 (64-bit fields), so values are copied through; 32-bit ARM's time32 calls use the
//! same bodies with 32-bit fields ([`Ts::W32`]).

use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// How a guest lays out `struct timespec` (and `struct timeval`, the same two signed words):
/// 64-bit fields (AArch64, and the `*_time64` calls of 32-bit ARM) or 32-bit ones (the time32
/// calls of 32-bit ARM, `old_timespec32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ts {
    /// Two 64-bit fields (16 bytes).
    W64,
    /// Two 32-bit fields (8 bytes); seconds are sign-extended when read, truncated when written.
    W32,
}

impl Ts {
    /// Bytes of one timespec.
    pub(crate) fn size(self) -> u64 {
        match self {
            Ts::W64 => 16,
            Ts::W32 => 8,
        }
    }

    /// Reads a guest timespec (or timeval) into a host one, unvalidated. A 32-bit guest's
    /// 64-bit timespec has a 32-bit `tv_nsec` and padding that C libraries leave
    /// uninitialised, so only its low half counts (the kernel's `get_timespec64` drops the
    /// padding for such callers).
    pub(crate) fn read(self, l: &Linux, addr: u64) -> Result<libc::timespec, Errno> {
        match self {
            Ts::W64 if l.mem.is32() => {
                let mut t: libc::timespec = l.get(addr)?;
                t.tv_nsec = t.tv_nsec as i32 as i64;
                Ok(t)
            }
            Ts::W64 => l.get(addr),
            Ts::W32 => {
                let v = l.mem.read_u64(addr)?;
                Ok(libc::timespec {
                    tv_sec: v as u32 as i32 as i64,
                    tv_nsec: (v >> 32) as u32 as i32 as i64,
                })
            }
        }
    }

    /// Writes a host timespec (or timeval) to the guest.
    pub(crate) fn write(self, l: &Linux, addr: u64, t: &libc::timespec) -> Result<(), Errno> {
        match self {
            Ts::W64 => l.put(addr, t),
            Ts::W32 => {
                let v = t.tv_sec as u32 as u64 | (t.tv_nsec as u32 as u64) << 32;
                Ok(l.mem.write_u64(addr, v)?)
            }
        }
    }

    /// Reads a guest timespec, rejecting values the kernel would (EINVAL).
    pub(crate) fn read_valid(self, l: &Linux, addr: u64) -> Result<libc::timespec, Errno> {
        let ts = self.read(l, addr)?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno(libc::EINVAL));
        }
        Ok(ts)
    }

    /// Reads `n` consecutive guest timespecs (itimerspec, itimerval, utimensat's pair).
    pub(crate) fn read_n<const N: usize>(
        self,
        l: &Linux,
        addr: u64,
    ) -> Result<[libc::timespec; N], Errno> {
        let mut out = [zero_ts(); N];
        for (i, t) in out.iter_mut().enumerate() {
            *t = self.read(l, addr + i as u64 * self.size())?;
        }
        Ok(out)
    }

    /// Writes consecutive timespecs to the guest.
    pub(crate) fn write_n(self, l: &Linux, addr: u64, ts: &[libc::timespec]) -> Result<(), Errno> {
        l.mem
            .check(addr, ts.len() as u64 * self.size(), libc::PROT_WRITE)?;
        for (i, t) in ts.iter().enumerate() {
            self.write(l, addr + i as u64 * self.size(), t)?;
        }
        Ok(())
    }
}

pub(crate) fn zero_ts() -> libc::timespec {
    libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    }
}

/// Defines the AArch64 handlers as the `Ts`-parameterised bodies with 64-bit fields.
macro_rules! time64 {
    ($($name:ident => $body:ident,)*) => {
        $(
            pub(crate) fn $name(l: &mut Linux, a: &Args) -> SysResult {
                $body(l, a, Ts::W64)
            }
        )*
    };
}

time64! {
    clock_gettime => clock_gettime_ts,
    clock_getres => clock_getres_ts,
    gettimeofday => gettimeofday_ts,
    nanosleep => nanosleep_ts,
    clock_nanosleep => clock_nanosleep_ts,
    clock_settime => clock_settime_ts,
    timer_settime => timer_settime_ts,
    timer_gettime => timer_gettime_ts,
    getitimer => getitimer_ts,
    setitimer => setitimer_ts,
    sched_rr_get_interval => sched_rr_get_interval_ts,
}

pub(crate) fn clock_gettime_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let mut ts = zero_ts();
    // SAFETY: host timespec.
    host(unsafe { libc::syscall(libc::SYS_clock_gettime, int(a[0]), &mut ts) })?;
    t.write(l, a[1], &ts)?;
    Ok(0)
}

pub(crate) fn clock_getres_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let mut ts = zero_ts();
    // SAFETY: host timespec.
    host(unsafe { libc::syscall(libc::SYS_clock_getres, int(a[0]), &mut ts) })?;
    if a[1] != 0 {
        t.write(l, a[1], &ts)?;
    }
    Ok(0)
}

pub(crate) fn gettimeofday_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let mut tz = [0i32; 2];
    // SAFETY: host timeval and timezone (two ints) buffers.
    host(unsafe { libc::syscall(libc::SYS_gettimeofday, &mut tv, tz.as_mut_ptr()) })?;
    if a[0] != 0 {
        let as_ts = libc::timespec {
            tv_sec: tv.tv_sec,
            tv_nsec: tv.tv_usec,
        };
        t.write(l, a[0], &as_ts)?;
    }
    if a[1] != 0 {
        l.put(a[1], &tz)?;
    }
    Ok(0)
}

pub(crate) fn nanosleep_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let req = t.read_valid(l, a[0])?;
    if a[1] != 0 {
        l.buf_out(a[1], t.size())?;
    }
    let mut rem = zero_ts();
    // SAFETY: host timespecs.
    let r = unsafe { libc::syscall(libc::SYS_nanosleep, &req, &mut rem) };
    let res = host(r);
    if res == Err(Errno(libc::EINTR)) && a[1] != 0 {
        t.write(l, a[1], &rem)?;
    }
    res
}

pub(crate) fn clock_nanosleep_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let req = t.read_valid(l, a[2])?;
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
        t.write(l, a[3], &rem)?;
    }
    res
}

pub(crate) fn clock_settime_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let ts = t.read_valid(l, a[1])?;
    // SAFETY: host timespec. Unprivileged callers get EPERM from the host.
    host(unsafe { libc::syscall(libc::SYS_clock_settime, int(a[0]), &ts) })
}

/// Size of `struct sigevent` (the same 64-byte asm-generic layout on arm64 and x86-64).
const SIGEVENT_SIZE: u64 = 64;

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

/// A "set a timer" call shape shared by timer_settime, timerfd_settime and setitimer: the new
/// value (two timespecs or timevals) at `new`, optionally the old one written to `old`; `call`
/// runs the host syscall on host copies.
pub(crate) fn set_timer(
    l: &Linux,
    new: u64,
    old: u64,
    t: Ts,
    call: impl FnOnce(*const libc::timespec, *mut libc::timespec) -> i64,
) -> SysResult {
    let new_v: Option<[libc::timespec; 2]> = if new != 0 {
        Some(t.read_n(l, new)?)
    } else {
        None
    };
    if old != 0 {
        l.buf_out(old, 2 * t.size())?;
    }
    let mut old_v = [zero_ts(); 2];
    let np = new_v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
    let r = host(call(np, old_v.as_mut_ptr()))?;
    if old != 0 {
        t.write_n(l, old, &old_v)?;
    }
    Ok(r)
}

/// A "get a timer" call: `call` fills a host pair, which goes to the guest at `out`.
pub(crate) fn get_timer(
    l: &Linux,
    out: u64,
    t: Ts,
    call: impl FnOnce(*mut libc::timespec) -> i64,
) -> SysResult {
    l.buf_out(out, 2 * t.size())?;
    let mut v = [zero_ts(); 2];
    let r = host(call(v.as_mut_ptr()))?;
    t.write_n(l, out, &v)?;
    Ok(r)
}

pub(crate) fn timer_settime_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    if a[2] == 0 {
        return Err(Errno(libc::EINVAL));
    }
    let (id, flags) = (int(a[0]), int(a[1]));
    set_timer(l, a[2], a[3], t, |new, old| {
        // SAFETY: host itimerspecs.
        unsafe { libc::syscall(libc::SYS_timer_settime, id, flags, new, old) }
    })
}

pub(crate) fn timer_gettime_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let id = int(a[0]);
    get_timer(l, a[1], t, |cur| {
        // SAFETY: host itimerspec.
        unsafe { libc::syscall(libc::SYS_timer_gettime, id, cur) }
    })
}

pub(crate) fn timer_getoverrun(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_timer_getoverrun, int(a[0])) })
}

pub(crate) fn timer_delete(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::syscall(libc::SYS_timer_delete, int(a[0])) })
}

pub(crate) fn getitimer_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let which = int(a[0]);
    // `struct itimerval` is two timevals: the same shape as a timespec pair.
    get_timer(l, a[1], t, |cur| {
        // SAFETY: a host itimerval (two timevals, laid out like two timespecs).
        unsafe { libc::syscall(libc::SYS_getitimer, which, cur) }
    })
}

pub(crate) fn setitimer_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    // Expiry raises SIGALRM/SIGVTALRM/SIGPROF on the host process, mirrored to the guest.
    let which = int(a[0]);
    set_timer(l, a[1], a[2], t, |new, old| {
        // SAFETY: host itimervals (or a null new value, which the kernel treats as zero).
        unsafe { libc::syscall(libc::SYS_setitimer, which, new, old) }
    })
}

pub(crate) fn sched_rr_get_interval_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    l.buf_out(a[1], t.size())?;
    let mut ts = zero_ts();
    // SAFETY: host timespec.
    host(unsafe { libc::syscall(libc::SYS_sched_rr_get_interval, int(a[0]), &mut ts) })?;
    t.write(l, a[1], &ts)?;
    Ok(0)
}
