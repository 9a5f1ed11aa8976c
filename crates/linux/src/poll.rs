//! Waiting on many fds: ppoll, pselect6 and epoll. `struct pollfd`, `fd_set` and `timespec` have
//! one layout on arm64 and x86-64; `struct epoll_event` does not (x86-64 packs it to 12 bytes,
//! arm64 pads it to 16), so epoll events are converted.
//!
//! Signal masks passed to these calls are checked and read, but not applied on the host: guest
//! signals are recorded, not delivered, so the host mask would only affect armrun itself.

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// Largest `nfds` accepted by ppoll (the kernel's default `RLIMIT_NOFILE` hard cap).
const MAX_POLL_FDS: u64 = 1 << 20;
/// Size of arm64's `struct epoll_event` (u32 events, 4 bytes padding, u64 data).
pub(crate) const EPOLL_EVENT_A64: u64 = 16;
/// Most events fetched from the host per epoll wait (fewer than requested is always allowed).
const EPOLL_BATCH: usize = 1024;
/// The kernel's `EP_MAX_EVENTS` (INT_MAX / sizeof(struct epoll_event) on arm64).
const EP_MAX_EVENTS: u64 = i32::MAX as u64 / EPOLL_EVENT_A64;
/// `EPOLL_CTL_DEL`: the only op whose event pointer may be NULL.
const EPOLL_CTL_DEL: i32 = 2;

/// Checks an optional guest sigset argument (pointer, size) the way the kernel does.
fn check_sigmask(l: &Linux, ptr: u64, size: u64) -> Result<(), Errno> {
    if ptr != 0 {
        if size != abi::SIGSET_SIZE {
            return Err(Errno(libc::EINVAL));
        }
        l.mem.read_u64(ptr)?;
    }
    Ok(())
}

/// Reads an optional guest timespec into a host copy.
fn timeout(l: &Linux, addr: u64) -> Result<Option<libc::timespec>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: libc::timespec = l.get(addr)?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno(libc::EINVAL));
    }
    Ok(Some(ts))
}

fn ts_ptr(ts: &mut Option<libc::timespec>) -> *mut libc::timespec {
    ts.as_mut()
        .map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec)
}

pub(crate) fn ppoll(l: &mut Linux, a: &Args) -> SysResult {
    if a[1] > MAX_POLL_FDS {
        return Err(Errno(libc::EINVAL));
    }
    let fds = l.buf_out(a[0], a[1] * 8)?;
    let mut ts = timeout(l, a[2])?;
    check_sigmask(l, a[3], a[4])?;
    let tp = ts_ptr(&mut ts);
    // SAFETY: `fds` is nfds checked pollfds (same layout on both); `tp` is null or a host
    // timespec; the host mask is deliberately NULL (see the module comment).
    let r = host(unsafe {
        libc::syscall(
            libc::SYS_ppoll,
            fds,
            a[1],
            tp,
            std::ptr::null::<u8>(),
            8usize,
        )
    });
    // Like the kernel, report the remaining time and ignore a failure to do so.
    if let Some(t) = ts {
        let _ = l.put(a[2], &t);
    }
    r
}

pub(crate) fn pselect6(l: &mut Linux, a: &Args) -> SysResult {
    let n = int(a[0]);
    if n < 0 {
        return Err(Errno(libc::EINVAL));
    }
    let n = (n as u64).min(MAX_POLL_FDS);
    let set_bytes = n.div_ceil(64) * 8;
    let sets = [
        l.opt_out(a[1], set_bytes)?,
        l.opt_out(a[2], set_bytes)?,
        l.opt_out(a[3], set_bytes)?,
    ];
    let mut ts = timeout(l, a[4])?;
    // The sixth argument points to { const sigset_t *ss; size_t ss_len }.
    if a[5] != 0 {
        let ss = l.mem.read_u64(a[5])?;
        let len = l.mem.read_u64(a[5] + 8)?;
        check_sigmask(l, ss, len)?;
    }
    let tp = ts_ptr(&mut ts);
    // SAFETY: each set is null or `set_bytes` checked guest bytes (fd_set is an array of longs
    // on both); `tp` is null or a host timespec; no host mask.
    let r = host(unsafe {
        libc::syscall(
            libc::SYS_pselect6,
            n,
            sets[0],
            sets[1],
            sets[2],
            tp,
            std::ptr::null::<u8>(),
        )
    });
    if let Some(t) = ts {
        let _ = l.put(a[4], &t);
    }
    r
}

pub(crate) fn epoll_create1(_: &mut Linux, a: &Args) -> SysResult {
    // EPOLL_CLOEXEC is O_CLOEXEC on both.
    // SAFETY: no pointers.
    host(unsafe { libc::epoll_create1(int(a[0])) } as i64)
}

pub(crate) fn epoll_ctl(l: &mut Linux, a: &Args) -> SysResult {
    let op = int(a[1]);
    let mut ev = libc::epoll_event { events: 0, u64: 0 };
    let evp = if a[3] == 0 && op == EPOLL_CTL_DEL {
        std::ptr::null_mut()
    } else {
        ev.events = l.mem.read_u32(a[3])?;
        ev.u64 = l.mem.read_u64(a[3] + 8)?;
        &mut ev as *mut libc::epoll_event
    };
    // SAFETY: `evp` is null (DEL) or a host epoll_event in the host's layout.
    host(unsafe { libc::epoll_ctl(int(a[0]), op, int(a[2]), evp) } as i64)
}

/// Shared body of epoll_pwait and epoll_pwait2: `wait` runs the host call on a host buffer.
fn epoll_wait_with(
    l: &mut Linux,
    a: &Args,
    wait: impl FnOnce(*mut libc::epoll_event, i32) -> i64,
) -> SysResult {
    let max = int(a[2]);
    if max <= 0 || max as u64 > EP_MAX_EVENTS {
        return Err(Errno(libc::EINVAL));
    }
    l.buf_out(a[1], max as u64 * EPOLL_EVENT_A64)?;
    check_sigmask(l, a[4], a[5])?;
    let n = (max as usize).min(EPOLL_BATCH);
    let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; n];
    let got = host(wait(evs.as_mut_ptr(), n as i32))?;
    for (i, e) in evs.iter().take(got as usize).enumerate() {
        let mut b = [0u8; EPOLL_EVENT_A64 as usize];
        // Copy out of the (possibly packed) host struct before taking references.
        let (events, data) = (e.events, e.u64);
        b[..4].copy_from_slice(&events.to_le_bytes());
        b[8..].copy_from_slice(&data.to_le_bytes());
        l.mem.write(a[1] + i as u64 * EPOLL_EVENT_A64, &b)?;
    }
    Ok(got)
}

pub(crate) fn epoll_pwait(l: &mut Linux, a: &Args) -> SysResult {
    let (fd, ms) = (int(a[0]), int(a[3]));
    epoll_wait_with(l, a, |p, n| {
        // SAFETY: `p` is a host buffer of `n` events; no host mask (module comment).
        unsafe { libc::epoll_wait(fd, p, n, ms) as i64 }
    })
}

pub(crate) fn epoll_pwait2(l: &mut Linux, a: &Args) -> SysResult {
    let fd = int(a[0]);
    let mut ts = timeout(l, a[3])?;
    let tp = ts_ptr(&mut ts);
    epoll_wait_with(l, a, |p, n| {
        // SAFETY: `p` is a host buffer of `n` events, `tp` null or a host timespec.
        unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                fd,
                p,
                n,
                tp,
                std::ptr::null::<u8>(),
                8usize,
            )
        }
    })
}
