//! Socket calls of 32-bit ARM whose structs differ from the host's: the compat `struct msghdr`
//! (seven 32-bit words), `struct mmsghdr` (msghdr plus a length word, 32 bytes), `struct iovec`
//! (two words, read by `fs::iovecs`), and control messages, whose 12-byte headers and 4-byte
//! alignment become 16-byte headers with 8-byte alignment on the host. Control payloads pass
//! unchanged (`SCM_RIGHTS` fds, `SCM_CREDENTIALS` ids), except the old timestamps, whose
//! timeval/timespec fields shrink to 32 bits. `SO_RCVTIMEO`/`SO_SNDTIMEO` take a 32-bit timeval.

use crate::arm32::abi::get32;
use crate::fs::{int, iovecs};
use crate::guest::host;
use crate::time::Ts;
use crate::{Errno, Linux, SysResult, net, poll};

type Args = [u64; 6];

/// Size of the compat `struct msghdr`.
const MSGHDR_SIZE: u64 = 28;
/// Size of the compat `struct mmsghdr`.
const MMSGHDR_SIZE: u64 = 32;
/// Longest socket address the kernel accepts (`sizeof(struct sockaddr_storage)`).
const SOCKADDR_MAX: u32 = 128;
/// The kernel clamps sendmmsg/recvmmsg vectors to `UIO_MAXIOV` entries.
const MMSG_MAX: u64 = 1024;
/// Most control bytes handled per message; the kernel bounds them by `optmem_max` (20 KiB to
/// 128 KiB), and 253 descriptors (`SCM_MAX_FD`) take about 1 KiB.
const CONTROL_MAX: usize = 1 << 20;
/// Header sizes of a control message: compat (u32 len, level, type) and host (u64 len, ...).
const CMSG32_HDR: usize = 12;
const CMSG64_HDR: usize = 16;
/// `SO_TIMESTAMP_OLD`, `SO_TIMESTAMPNS_OLD`, `SO_TIMESTAMPING_OLD` (asm-generic/socket.h),
/// whose control payloads are one timeval, one timespec and three timespecs.
const SO_TIMESTAMP_OLD: i32 = 29;
const SO_TIMESTAMPNS_OLD: i32 = 35;
const SO_TIMESTAMPING_OLD: i32 = 37;
/// `SO_RCVTIMEO_OLD`, `SO_SNDTIMEO_OLD`: a `struct timeval` of the caller's `long` size.
const SO_RCVTIMEO_OLD: i32 = 20;
const SO_SNDTIMEO_OLD: i32 = 21;

/// Byte offsets in the compat `struct msghdr`.
mod msg {
    pub const NAME: u64 = 0;
    pub const NAMELEN: u64 = 4;
    pub const IOV: u64 = 8;
    pub const IOVLEN: u64 = 12;
    pub const CONTROL: u64 = 16;
    pub const CONTROLLEN: u64 = 20;
    pub const FLAGS: u64 = 24;
}

pub(crate) fn send(l: &mut Linux, a: &Args) -> SysResult {
    net::sendto(l, &[a[0], a[1], a[2], a[3], 0, 0])
}

pub(crate) fn recv(l: &mut Linux, a: &Args) -> SysResult {
    net::recvfrom(l, &[a[0], a[1], a[2], a[3], 0, 0])
}

/// `v` rounded up to a multiple of `n`.
fn align(v: usize, n: usize) -> usize {
    v.next_multiple_of(n)
}

/// Whether the control message (level, type) carries old-style timestamps: the number of
/// timespec-shaped pairs it holds.
fn timestamp_pairs(level: i32, ty: i32) -> usize {
    if level != libc::SOL_SOCKET {
        return 0;
    }
    match ty {
        SO_TIMESTAMP_OLD | SO_TIMESTAMPNS_OLD => 1,
        SO_TIMESTAMPING_OLD => 3,
        _ => 0,
    }
}

/// Re-frames guest control messages for the host (send side). EINVAL for a malformed one, as
/// the kernel's `cmsghdr_from_user_compat_to_kern`.
fn control_to_host(g: &[u8]) -> Result<Vec<u8>, Errno> {
    let mut h = Vec::new();
    let mut pos = 0;
    while pos + CMSG32_HDR <= g.len() {
        let len = get32(g, pos) as usize;
        if len < CMSG32_HDR || pos + len > g.len() {
            return Err(Errno(libc::EINVAL));
        }
        let payload = &g[pos + CMSG32_HDR..pos + len];
        let start = h.len();
        h.resize(start + align(CMSG64_HDR + payload.len(), 8), 0);
        h[start..start + 8].copy_from_slice(&((CMSG64_HDR + payload.len()) as u64).to_le_bytes());
        h[start + 8..start + 16].copy_from_slice(&g[pos + 4..pos + 12]);
        h[start + CMSG64_HDR..start + CMSG64_HDR + payload.len()].copy_from_slice(payload);
        pos += align(len, 4);
    }
    Ok(h)
}

/// Re-frames host control messages for the guest (receive side) into at most `room` bytes.
/// Returns the bytes and whether something was cut (`MSG_CTRUNC`); descriptors received in
/// `SCM_RIGHTS` that do not fit are closed, as the kernel's `scm_detach_fds_compat` never
/// installs them.
fn control_to_guest(h: &[u8], room: usize) -> (Vec<u8>, bool) {
    let mut g: Vec<u8> = Vec::new();
    let mut cut = false;
    let mut pos = 0;
    while pos + CMSG64_HDR <= h.len() {
        let len = (u64::from_le_bytes(h[pos..pos + 8].try_into().unwrap_or([0; 8])) as usize)
            .clamp(CMSG64_HDR, h.len() - pos);
        let (level, ty) = (get32(h, pos + 8) as i32, get32(h, pos + 12) as i32);
        let raw = &h[pos + CMSG64_HDR..pos + len];
        let mut payload: Vec<u8> = Vec::new();
        let pairs = timestamp_pairs(level, ty);
        if pairs > 0 && raw.len() >= 16 * pairs {
            for k in 0..pairs {
                payload.extend_from_slice(&raw[16 * k..16 * k + 4]);
                payload.extend_from_slice(&raw[16 * k + 8..16 * k + 12]);
            }
        } else {
            payload.extend_from_slice(raw);
        }
        let left = room.saturating_sub(g.len());
        let mut take = payload.len();
        if CMSG32_HDR + take > left {
            cut = true;
            take = left.saturating_sub(CMSG32_HDR);
            if level == libc::SOL_SOCKET && ty == libc::SCM_RIGHTS {
                take -= take % 4;
                for fd in payload[take..].chunks_exact(4) {
                    // SAFETY: closing a descriptor the guest never received.
                    unsafe { libc::close(get32(fd, 0) as i32) };
                }
            }
        }
        if left >= CMSG32_HDR && (take > 0 || payload.is_empty()) {
            let start = g.len();
            g.resize(start + CMSG32_HDR + take, 0);
            g[start..start + 4].copy_from_slice(&((CMSG32_HDR + take) as u32).to_le_bytes());
            g[start + 4..start + 12].copy_from_slice(&h[pos + 8..pos + 16]);
            g[start + CMSG32_HDR..].copy_from_slice(&payload[..take]);
            let padded = align(g.len(), 4).min(room);
            g.resize(padded, 0);
        }
        pos += align(len, 8);
        if cut {
            // The rest is dropped; close any descriptors it carries.
            while pos + CMSG64_HDR <= h.len() {
                let len = (u64::from_le_bytes(h[pos..pos + 8].try_into().unwrap_or([0; 8]))
                    as usize)
                    .clamp(CMSG64_HDR, h.len() - pos);
                if get32(h, pos + 8) as i32 == libc::SOL_SOCKET
                    && get32(h, pos + 12) as i32 == libc::SCM_RIGHTS
                {
                    for fd in h[pos + CMSG64_HDR..pos + len].chunks_exact(4) {
                        // SAFETY: closing a descriptor the guest never received.
                        unsafe { libc::close(get32(fd, 0) as i32) };
                    }
                }
                pos += align(len, 8);
            }
            break;
        }
    }
    (g, cut)
}

/// A guest msghdr rebuilt for the host: host iovecs and control buffer live as long as this.
struct HostMsg {
    hdr: libc::msghdr,
    _iov: Vec<libc::iovec>,
    control: Vec<u8>,
    /// Guest control buffer (address, length).
    guest_control: (u64, u64),
}

/// Reads the guest compat msghdr at `m`; buffers are checked for `prot` (READ to send, WRITE
/// to receive).
fn host_msg(l: &Linux, m: u64, prot: i32) -> Result<HostMsg, Errno> {
    let recv = prot == libc::PROT_WRITE;
    let mut b = [0u8; MSGHDR_SIZE as usize];
    l.mem.read(m, &mut b)?;
    let word = |o: u64| get32(&b, o as usize) as u64;
    let name = word(msg::NAME);
    let mut namelen = word(msg::NAMELEN) as u32;
    let (control, controllen) = (word(msg::CONTROL), word(msg::CONTROLLEN));
    if recv {
        namelen = namelen.min(SOCKADDR_MAX);
    } else if name != 0 && namelen > SOCKADDR_MAX {
        return Err(Errno(libc::EINVAL));
    }
    if (namelen as i32) < 0 || controllen > i32::MAX as u64 {
        return Err(Errno(libc::EINVAL));
    }
    let mut iov = iovecs(l, word(msg::IOV), word(msg::IOVLEN), prot)?;
    let name_p = if name == 0 {
        namelen = 0;
        std::ptr::null_mut()
    } else {
        l.mem.check(name, namelen as u64, prot)?;
        l.mem.host(name)
    };
    let mut host_control = if control == 0 || controllen == 0 {
        Vec::new()
    } else if recv {
        l.mem.check(control, controllen, prot)?;
        // Room for the same messages with host headers and alignment (at most what one
        // message's control data can hold).
        vec![0u8; (2 * controllen as usize + CMSG64_HDR).min(CONTROL_MAX)]
    } else {
        // The kernel copies control data into socket option memory, which is small.
        if controllen as usize > CONTROL_MAX {
            return Err(Errno(libc::ENOBUFS));
        }
        let mut g = vec![0u8; controllen as usize];
        l.mem.read(control, &mut g)?;
        control_to_host(&g)?
    };
    // SAFETY: msghdr is plain data; all-zero is valid (and covers private padding fields).
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_name = name_p as *mut _;
    hdr.msg_namelen = namelen;
    hdr.msg_iov = iov.as_mut_ptr();
    hdr.msg_iovlen = iov.len() as _;
    if !host_control.is_empty() {
        hdr.msg_control = host_control.as_mut_ptr() as *mut _;
        hdr.msg_controllen = host_control.len() as _;
    }
    Ok(HostMsg {
        hdr,
        _iov: iov,
        control: host_control,
        guest_control: (control, controllen),
    })
}

/// Writes what recvmsg reports back to the guest msghdr at `m`: address length, the control
/// messages in the guest's framing, and the flags.
fn put_msg_results(l: &Linux, m: u64, h: &HostMsg) -> Result<(), Errno> {
    // msg_controllen is size_t with glibc and socklen_t with musl.
    let used = (h.hdr.msg_controllen as u64).min(h.control.len() as u64) as usize;
    let (g, cut) = control_to_guest(&h.control[..used], h.guest_control.1 as usize);
    if !g.is_empty() {
        l.mem.write(h.guest_control.0, &g)?;
    }
    let mut flags = h.hdr.msg_flags as u32;
    if cut {
        flags |= libc::MSG_CTRUNC as u32;
    }
    l.mem.write_u32(m + msg::NAMELEN, h.hdr.msg_namelen)?;
    l.mem.write_u32(m + msg::CONTROLLEN, g.len() as u32)?;
    l.mem.write_u32(m + msg::FLAGS, flags)?;
    Ok(())
}

pub(crate) fn sendmsg(l: &mut Linux, a: &Args) -> SysResult {
    let h = host_msg(l, a[1], libc::PROT_READ)?;
    // SAFETY: every pointer in the host msghdr is checked guest memory or our own buffer.
    host(unsafe { libc::sendmsg(int(a[0]), &h.hdr, int(a[2])) } as i64)
}

pub(crate) fn recvmsg(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[1], MSGHDR_SIZE)?;
    let mut h = host_msg(l, a[1], libc::PROT_WRITE)?;
    // SAFETY: every pointer in the host msghdr is checked guest memory or our own buffer.
    let n = host(unsafe { libc::recvmsg(int(a[0]), &mut h.hdr, int(a[2])) } as i64)?;
    put_msg_results(l, a[1], &h)?;
    Ok(n)
}

/// Host headers for `vlen` guest compat mmsghdrs at `vec`.
fn host_mmsgs(
    l: &Linux,
    vec: u64,
    vlen: u64,
    prot: i32,
) -> Result<(Vec<HostMsg>, Vec<libc::mmsghdr>), Errno> {
    let vlen = vlen.min(MMSG_MAX);
    l.mem
        .check(vec, vlen * MMSGHDR_SIZE, prot | libc::PROT_READ)?;
    let msgs = (0..vlen)
        .map(|i| host_msg(l, vec + i * MMSGHDR_SIZE, prot))
        .collect::<Result<Vec<_>, _>>()?;
    let hdrs = msgs
        .iter()
        .map(|m| libc::mmsghdr {
            msg_hdr: m.hdr,
            msg_len: 0,
        })
        .collect();
    Ok((msgs, hdrs))
}

pub(crate) fn sendmmsg(l: &mut Linux, a: &Args) -> SysResult {
    let (_msgs, mut hdrs) = host_mmsgs(l, a[1], a[2], libc::PROT_READ)?;
    l.buf_out(a[1], hdrs.len() as u64 * MMSGHDR_SIZE)?;
    // SAFETY: every pointer in the host headers is checked guest memory or our own buffer.
    let n = host(unsafe {
        libc::syscall(
            libc::SYS_sendmmsg,
            int(a[0]),
            hdrs.as_mut_ptr(),
            hdrs.len(),
            int(a[3]),
        )
    })?;
    for (i, h) in hdrs.iter().take(n as usize).enumerate() {
        l.mem
            .write_u32(a[1] + i as u64 * MMSGHDR_SIZE + MSGHDR_SIZE, h.msg_len)?;
    }
    Ok(n)
}

/// recvmmsg with timeout layout `t`.
fn recvmmsg_ts(l: &mut Linux, a: &Args, t: Ts) -> SysResult {
    let (mut msgs, mut hdrs) = host_mmsgs(l, a[1], a[2], libc::PROT_WRITE)?;
    let mut ts = poll::timeout(l, a[4], t)?;
    let tp = ts
        .as_mut()
        .map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
    // SAFETY: every pointer in the host headers is checked guest memory or our own buffer;
    // `tp` null or a host timespec.
    let n = host(unsafe {
        libc::syscall(
            libc::SYS_recvmmsg,
            int(a[0]),
            hdrs.as_mut_ptr(),
            hdrs.len(),
            int(a[3]),
            tp,
        )
    })?;
    for (i, (h, m)) in hdrs
        .iter()
        .zip(msgs.iter_mut())
        .take(n as usize)
        .enumerate()
    {
        let addr = a[1] + i as u64 * MMSGHDR_SIZE;
        m.hdr = h.msg_hdr;
        put_msg_results(l, addr, m)?;
        l.mem.write_u32(addr + MSGHDR_SIZE, h.msg_len)?;
    }
    if let Some(left) = ts {
        t.write(l, a[4], &left)?;
    }
    Ok(n)
}

pub(crate) fn recvmmsg(l: &mut Linux, a: &Args) -> SysResult {
    recvmmsg_ts(l, a, Ts::W32)
}

pub(crate) fn recvmmsg_time64(l: &mut Linux, a: &Args) -> SysResult {
    recvmmsg_ts(l, a, Ts::W64)
}

/// Whether (level, name) is a socket timeout option with a 32-bit `struct timeval`.
fn timeval_opt(level: i32, name: i32) -> bool {
    level == libc::SOL_SOCKET && (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD)
}

pub(crate) fn setsockopt(l: &mut Linux, a: &Args) -> SysResult {
    let (level, name) = (int(a[1]), int(a[2]));
    if !timeval_opt(level, name) {
        return net::setsockopt(l, a);
    }
    if (int(a[4]) as u64) < Ts::W32.size() {
        return Err(Errno(libc::EINVAL));
    }
    let t = Ts::W32.read(l, a[3])?;
    let tv = libc::timeval {
        tv_sec: t.tv_sec,
        tv_usec: t.tv_nsec,
    };
    let len = std::mem::size_of::<libc::timeval>() as u32;
    // SAFETY: a host timeval of the given size.
    host(
        unsafe { libc::setsockopt(int(a[0]), level, name, &tv as *const _ as *const _, len) }
            as i64,
    )
}

pub(crate) fn getsockopt(l: &mut Linux, a: &Args) -> SysResult {
    let (level, name) = (int(a[1]), int(a[2]));
    if !timeval_opt(level, name) {
        return net::getsockopt(l, a);
    }
    let len = l.mem.read_u32(a[4])? as i32;
    if len < 0 {
        return Err(Errno(libc::EINVAL));
    }
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let mut hl = std::mem::size_of::<libc::timeval>() as u32;
    // SAFETY: a host timeval and its length.
    host(
        unsafe { libc::getsockopt(int(a[0]), level, name, &mut tv as *mut _ as *mut _, &mut hl) }
            as i64,
    )?;
    // As the kernel's sock_getsockopt: at most the caller's length is written.
    let n = (len as u64).min(Ts::W32.size());
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&(tv.tv_sec as u32).to_le_bytes());
    b[4..].copy_from_slice(&(tv.tv_usec as u32).to_le_bytes());
    l.mem.write(a[3], &b[..n as usize])?;
    l.mem.write_u32(a[4], n as u32)?;
    Ok(0)
}
