//! Waiting on many fds: ppoll, pselect6 and epoll. `struct pollfd`, `fd_set` and `timespec` have
//! one layout on arm64 and x86-64; `struct epoll_event` does not (x86-64 packs it to 12 bytes,
//! arm64 pads it to 16), so epoll events are converted.
//!
//! Signal masks passed to these calls are checked and read, but not applied on the host: guest
//! signals are recorded, not delivered, so the host mask would only affect armrun itself.

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::time::Ts;
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
pub(crate) fn check_sigmask(l: &Linux, ptr: u64, size: u64) -> Result<(), Errno> {
    if ptr != 0 {
        if size != abi::SIGSET_SIZE {
            return Err(Errno(libc::EINVAL));
        }
        l.mem.read_u64(ptr)?;
    }
    Ok(())
}

/// Reads an optional guest timespec (layout `t`) into a host copy.
pub(crate) fn timeout(l: &Linux, addr: u64, t: Ts) -> Result<Option<libc::timespec>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    t.read_valid(l, addr).map(Some)
}

fn ts_ptr(ts: &mut Option<libc::timespec>) -> *mut libc::timespec {
    ts.as_mut()
        .map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec)
}

pub(crate) fn ppoll(l: &mut Linux, a: &Args) -> SysResult {
    ppoll_ts(l, a, Ts::W64)
}

/// ppoll with the guest's timespec layout `t` (`struct pollfd` is the same everywhere).
pub(crate) fn ppoll_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let ts = timeout(l, a[2], t)?;
    check_sigmask(l, a[3], a[4])?;
    let (r, left) = ppoll_host(l, a[0], a[1], ts);
    // Like the kernel, report the remaining time and ignore a failure to do so.
    if let Some(left) = left {
        let _ = t.write(l, a[2], &left);
    }
    r
}

/// The host ppoll on `nfds` guest pollfds at `fds` with an optional host timeout; returns the
/// result and the time left.
pub(crate) fn ppoll_host(
    l: &Linux,
    fds: u64,
    nfds: u64,
    mut ts: Option<libc::timespec>,
) -> (SysResult, Option<libc::timespec>) {
    if nfds > MAX_POLL_FDS {
        return (Err(Errno(libc::EINVAL)), None);
    }
    let fds = match l.buf_out(fds, nfds * 8) {
        Ok(p) => p,
        Err(e) => return (Err(e), None),
    };
    let tp = ts_ptr(&mut ts);
    // SAFETY: `fds` is nfds checked pollfds (same layout on both); `tp` is null or a host
    // timespec; the host mask is deliberately NULL (see the module comment).
    let r = host(unsafe {
        libc::syscall(
            libc::SYS_ppoll,
            fds,
            nfds,
            tp,
            std::ptr::null::<u8>(),
            8usize,
        )
    });
    (r, ts)
}

pub(crate) fn pselect6(l: &mut Linux, a: &Args) -> SysResult {
    // The sixth argument points to { const sigset_t *ss; size_t ss_len }.
    let mask = if a[5] != 0 {
        Some((l.mem.read_u64(a[5])?, l.mem.read_u64(a[5] + 8)?))
    } else {
        None
    };
    let tv = timeout(l, a[4], Ts::W64)?;
    select_with(l, a, tv, mask, |l, ts| {
        let _ = l.put(a[4], ts);
    })
}

/// Bytes of the guest's `fd_set` words covering `n` descriptors: `long`s of the guest's word
/// size (the bits are in the same places for both sizes, little-endian).
fn fd_set_bytes(l: &Linux, n: u64) -> u64 {
    let bits = 8 * l.word();
    n.div_ceil(bits) * l.word()
}

/// The body of pselect6 and select: `n` and the three sets from `a[0..4]`, an already read
/// timeout, the optional (sigset pointer, size) pair; `put_back` reports the remaining time.
/// The sets are copied through host buffers, because a 32-bit guest's sets are only
/// 4-byte-granular while the host reads and writes whole 8-byte words.
pub(crate) fn select_with(
    l: &Linux,
    a: &Args,
    mut ts: Option<libc::timespec>,
    mask: Option<(u64, u64)>,
    put_back: impl FnOnce(&Linux, &libc::timespec),
) -> SysResult {
    let n = int(a[0]);
    if n < 0 {
        return Err(Errno(libc::EINVAL));
    }
    let n = (n as u64).min(MAX_POLL_FDS);
    let guest_bytes = fd_set_bytes(l, n) as usize;
    let mut sets: [Option<Vec<u64>>; 3] = [None, None, None];
    for (k, set) in sets.iter_mut().enumerate() {
        let addr = a[1 + k];
        if addr != 0 {
            l.buf_out(addr, guest_bytes as u64)?;
            let mut words = vec![0u64; (n as usize).div_ceil(64)];
            // SAFETY: viewing the host word buffer as bytes; it holds at least `guest_bytes`.
            let bytes = unsafe {
                std::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u8, words.len() * 8)
            };
            l.mem.read(addr, &mut bytes[..guest_bytes])?;
            *set = Some(words);
        }
    }
    if let Some((ss, len)) = mask {
        check_sigmask(l, ss, len)?;
    }
    let tp = ts_ptr(&mut ts);
    let mut ptrs = sets
        .iter_mut()
        .map(|s| s.as_mut().map_or(std::ptr::null_mut(), |v| v.as_mut_ptr()));
    let (r, w, e) = (ptrs.next(), ptrs.next(), ptrs.next());
    let null = std::ptr::null_mut::<u64>();
    // SAFETY: each set is null or a host buffer of whole words covering `n` bits; `tp` is null
    // or a host timespec; no host mask.
    let res = host(unsafe {
        libc::syscall(
            libc::SYS_pselect6,
            n,
            r.unwrap_or(null),
            w.unwrap_or(null),
            e.unwrap_or(null),
            tp,
            std::ptr::null::<u8>(),
        )
    });
    if let Some(t) = ts {
        put_back(l, &t);
    }
    let n = res?;
    for (k, set) in sets.iter().enumerate() {
        if let Some(words) = set {
            // SAFETY: viewing the host word buffer as bytes.
            let bytes =
                unsafe { std::slice::from_raw_parts(words.as_ptr() as *const u8, words.len() * 8) };
            l.mem.write(a[1 + k], &bytes[..guest_bytes])?;
        }
    }
    Ok(n)
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
    let mut ts = timeout(l, a[3], Ts::W64)?;
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
