//! Socket syscalls. The socket ABI is shared by arm64 and x86-64: `SOCK_*`/`MSG_*`/`SOL_*`/
//! `SO_*` values are the asm-generic ones on both, socket addresses are architecture
//! independent, and `struct msghdr` (56 bytes), `struct mmsghdr` (64), `struct iovec` (16) and
//! `struct cmsghdr` (16-byte header) have the same LP64 layout. Control data holds no pointers
//! (`SCM_RIGHTS` fds and `SCM_CREDENTIALS` ids are host values already), so only the pointers
//! inside `msghdr` are rewritten to host addresses.

use crate::fs::{int, iovecs};
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// `sizeof(struct sockaddr_storage)`: the longest address the kernel accepts.
const SOCKADDR_MAX: u64 = 128;
/// Size of `struct msghdr` on arm64.
const MSGHDR_SIZE: u64 = 56;
/// Size of `struct mmsghdr` on arm64 (msghdr, `unsigned msg_len`, padding).
const MMSGHDR_SIZE: u64 = 64;
/// The kernel clamps sendmmsg/recvmmsg vectors to `UIO_MAXIOV` entries.
const MMSG_MAX: u64 = 1024;

/// Byte offsets in arm64's `struct msghdr`.
mod msg {
    pub const NAME: u64 = 0;
    pub const NAMELEN: u64 = 8;
    pub const IOV: u64 = 16;
    pub const IOVLEN: u64 = 24;
    pub const CONTROL: u64 = 32;
    pub const CONTROLLEN: u64 = 40;
    pub const FLAGS: u64 = 48;
}

pub(crate) fn socket(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::socket(int(a[0]), int(a[1]), int(a[2])) } as i64)
}

pub(crate) fn socketpair(l: &mut Linux, a: &Args) -> SysResult {
    let sv = l.buf_out(a[3], 8)?;
    // SAFETY: `sv` is two checked ints.
    host(unsafe { libc::socketpair(int(a[0]), int(a[1]), int(a[2]), sv as *mut i32) } as i64)
}

/// A checked input socket address (pointer, length).
fn addr_in(l: &Linux, addr: u64, len: u64) -> Result<(*const u8, u32), Errno> {
    let len = len as u32;
    if len > SOCKADDR_MAX as u32 {
        return Err(Errno(libc::EINVAL));
    }
    Ok((l.opt_in(addr, len as u64)?, len))
}

/// A checked output socket address: the buffer and its `socklen_t *` (both may be NULL).
fn addr_out(l: &Linux, addr: u64, lenp: u64) -> Result<(*mut u8, *mut u8), Errno> {
    if addr == 0 {
        return Ok((std::ptr::null_mut(), l.opt_out(lenp, 4)?));
    }
    let lp = l.buf_out(lenp, 4)?;
    let len = l.mem.read_u32(lenp)? as i32;
    if len < 0 {
        return Err(Errno(libc::EINVAL));
    }
    Ok((l.buf_out(addr, len as u64)?, lp))
}

pub(crate) fn bind(l: &mut Linux, a: &Args) -> SysResult {
    let (p, len) = addr_in(l, a[1], a[2])?;
    // SAFETY: `p` is `len` checked bytes.
    host(unsafe { libc::bind(int(a[0]), p as *const libc::sockaddr, len) } as i64)
}

pub(crate) fn connect(l: &mut Linux, a: &Args) -> SysResult {
    let (p, len) = addr_in(l, a[1], a[2])?;
    // SAFETY: `p` is `len` checked bytes.
    host(unsafe { libc::connect(int(a[0]), p as *const libc::sockaddr, len) } as i64)
}

pub(crate) fn listen(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::listen(int(a[0]), int(a[1])) } as i64)
}

pub(crate) fn accept(l: &mut Linux, a: &Args) -> SysResult {
    accept4(l, &[a[0], a[1], a[2], 0, 0, 0])
}

pub(crate) fn accept4(l: &mut Linux, a: &Args) -> SysResult {
    let (p, lp) = addr_out(l, a[1], a[2])?;
    // SAFETY: address buffer and length checked (or null).
    host(unsafe {
        libc::accept4(
            int(a[0]),
            p as *mut libc::sockaddr,
            lp as *mut libc::socklen_t,
            int(a[3]),
        )
    } as i64)
}

/// getsockname/getpeername: (fd, addr*, len*).
fn name_call(l: &Linux, a: &Args, nr: i64) -> SysResult {
    let (p, lp) = addr_out(l, a[1], a[2])?;
    if lp.is_null() {
        return Err(Errno(libc::EFAULT));
    }
    // SAFETY: checked address buffer and length.
    host(unsafe { libc::syscall(nr, int(a[0]), p, lp) })
}

pub(crate) fn getsockname(l: &mut Linux, a: &Args) -> SysResult {
    name_call(l, a, libc::SYS_getsockname)
}

pub(crate) fn getpeername(l: &mut Linux, a: &Args) -> SysResult {
    name_call(l, a, libc::SYS_getpeername)
}

pub(crate) fn sendto(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_in(a[1], a[2])?;
    let (p, len) = addr_in(l, a[4], a[5])?;
    // SAFETY: checked data and address buffers.
    host(unsafe { libc::syscall(libc::SYS_sendto, int(a[0]), buf, a[2], int(a[3]), p, len) })
}

pub(crate) fn recvfrom(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[1], a[2])?;
    let (p, lp) = addr_out(l, a[4], a[5])?;
    // SAFETY: checked data buffer, address buffer and length (or nulls).
    host(unsafe { libc::syscall(libc::SYS_recvfrom, int(a[0]), buf, a[2], int(a[3]), p, lp) })
}

pub(crate) fn setsockopt(l: &mut Linux, a: &Args) -> SysResult {
    let len = int(a[4]);
    if len < 0 {
        return Err(Errno(libc::EINVAL));
    }
    let val = l.opt_in(a[3], len as u64)?;
    // SAFETY: `val` is `len` checked bytes (option structs such as timeval, linger, ip_mreq
    // have the same layout on both).
    host(
        unsafe { libc::setsockopt(int(a[0]), int(a[1]), int(a[2]), val as *const _, len as u32) }
            as i64,
    )
}

pub(crate) fn getsockopt(l: &mut Linux, a: &Args) -> SysResult {
    let lp = l.buf_out(a[4], 4)?;
    let len = l.mem.read_u32(a[4])? as i32;
    if len < 0 {
        return Err(Errno(libc::EINVAL));
    }
    let val = l.opt_out(a[3], len as u64)?;
    // SAFETY: checked value buffer and length.
    host(unsafe {
        libc::syscall(
            libc::SYS_getsockopt,
            int(a[0]),
            int(a[1]),
            int(a[2]),
            val,
            lp,
        )
    })
}

pub(crate) fn shutdown(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    host(unsafe { libc::shutdown(int(a[0]), int(a[1])) } as i64)
}

/// A guest `msghdr` rebuilt with host pointers; the iovec array lives as long as this does.
struct HostMsg {
    hdr: libc::msghdr,
    _iov: Vec<libc::iovec>,
}

/// Reads the guest msghdr at `m`; buffers are checked for `prot` (READ to send, WRITE to
/// receive).
fn host_msg(l: &Linux, m: u64, prot: i32) -> Result<HostMsg, Errno> {
    let recv = prot == libc::PROT_WRITE;
    let name = l.mem.read_u64(m + msg::NAME)?;
    let mut namelen = l.mem.read_u32(m + msg::NAMELEN)?;
    let iov_addr = l.mem.read_u64(m + msg::IOV)?;
    let iovlen = l.mem.read_u64(m + msg::IOVLEN)?;
    let control = l.mem.read_u64(m + msg::CONTROL)?;
    let controllen = l.mem.read_u64(m + msg::CONTROLLEN)?;
    if recv {
        // The kernel writes at most a sockaddr_storage.
        namelen = namelen.min(SOCKADDR_MAX as u32);
    } else if name != 0 && namelen > SOCKADDR_MAX as u32 {
        return Err(Errno(libc::EINVAL));
    }
    if (namelen as i32) < 0 || controllen > i32::MAX as u64 {
        return Err(Errno(libc::EINVAL));
    }
    let mut iov = iovecs(l, iov_addr, iovlen, prot)?;
    let name_p = if name == 0 {
        namelen = 0;
        std::ptr::null_mut()
    } else {
        l.mem.check(name, namelen as u64, prot)?;
        l.mem.host(name)
    };
    let control_p = if control == 0 || controllen == 0 {
        std::ptr::null_mut()
    } else {
        l.mem.check(control, controllen, prot)?;
        l.mem.host(control)
    };
    // SAFETY: msghdr is plain data; all-zero is valid (and covers private padding fields).
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_name = name_p as *mut _;
    hdr.msg_namelen = namelen;
    hdr.msg_iov = iov.as_mut_ptr();
    hdr.msg_iovlen = iov.len() as _;
    hdr.msg_control = control_p as *mut _;
    hdr.msg_controllen = if control_p.is_null() {
        0
    } else {
        controllen as _
    };
    Ok(HostMsg { hdr, _iov: iov })
}

/// Writes the fields recvmsg updates back to the guest msghdr at `m`.
fn put_msg_results(l: &Linux, m: u64, h: &libc::msghdr) -> Result<(), Errno> {
    l.mem.write_u32(m + msg::NAMELEN, h.msg_namelen)?;
    l.mem
        .write_u64(m + msg::CONTROLLEN, h.msg_controllen as u64)?;
    l.mem.write_u32(m + msg::FLAGS, h.msg_flags as u32)?;
    Ok(())
}

pub(crate) fn sendmsg(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_in(a[1], MSGHDR_SIZE)?;
    let h = host_msg(l, a[1], libc::PROT_READ)?;
    // SAFETY: every pointer in the host msghdr was checked readable.
    host(unsafe { libc::sendmsg(int(a[0]), &h.hdr, int(a[2])) } as i64)
}

pub(crate) fn recvmsg(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[1], MSGHDR_SIZE)?;
    let mut h = host_msg(l, a[1], libc::PROT_WRITE)?;
    // SAFETY: every pointer in the host msghdr was checked writable.
    let n = host(unsafe { libc::recvmsg(int(a[0]), &mut h.hdr, int(a[2])) } as i64)?;
    put_msg_results(l, a[1], &h.hdr)?;
    Ok(n)
}

/// Builds host mmsghdrs for `vlen` guest entries at `vec`.
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
    // SAFETY: every pointer in the host headers was checked readable.
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

pub(crate) fn recvmmsg(l: &mut Linux, a: &Args) -> SysResult {
    let (_msgs, mut hdrs) = host_mmsgs(l, a[1], a[2], libc::PROT_WRITE)?;
    let mut ts: Option<libc::timespec> = if a[4] != 0 { Some(l.get(a[4])?) } else { None };
    let tp = ts
        .as_mut()
        .map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
    // SAFETY: every pointer in the host headers was checked writable; `tp` null or host.
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
    for (i, h) in hdrs.iter().take(n as usize).enumerate() {
        let m = a[1] + i as u64 * MMSGHDR_SIZE;
        put_msg_results(l, m, &h.msg_hdr)?;
        l.mem.write_u32(m + MSGHDR_SIZE, h.msg_len)?;
    }
    if let Some(t) = ts {
        l.put(a[4], &t)?;
    }
    Ok(n)
}
