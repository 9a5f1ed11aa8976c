//! Socket syscall tests: a Unix socketpair with iovecs and SCM_RIGHTS, datagram mmsg batches,
//! and a loopback TCP pair (127.0.0.1 only).

use crate::sysno::a64::Sysno;
use crate::tests::{err, linux, scratch, sys};

fn close(fd: u64) {
    // SAFETY: closing a test fd.
    unsafe { libc::close(fd as i32) };
}

#[test]
fn socketpair_msg_with_fd() {
    let mut l = linux();
    let b = scratch(&mut l, 8192);
    let st = libc::SOCK_STREAM as u64 | libc::SOCK_CLOEXEC as u64;
    assert_eq!(
        sys(&mut l, Sysno::socketpair, &[libc::AF_UNIX as u64, st, 0, b]),
        0
    );
    let s0 = l.mem().read_u32(b).unwrap() as u64;
    let s1 = l.mem().read_u32(b + 4).unwrap() as u64;
    // Data: "hel" + "lo" in two iovecs at b+0x100.
    l.mem().write(b + 0x100, b"hel").unwrap();
    l.mem().write(b + 0x110, b"lo").unwrap();
    let iov = b + 0x200;
    l.mem().write_u64(iov, b + 0x100).unwrap();
    l.mem().write_u64(iov + 8, 3).unwrap();
    l.mem().write_u64(iov + 16, b + 0x110).unwrap();
    l.mem().write_u64(iov + 24, 2).unwrap();
    // cmsghdr { len = 20, SOL_SOCKET, SCM_RIGHTS } then the fd (stdin), padded to 24.
    let cm = b + 0x300;
    l.mem().write(cm, &[0u8; 24]).unwrap();
    l.mem().write_u64(cm, 20).unwrap();
    l.mem().write_u32(cm + 8, libc::SOL_SOCKET as u32).unwrap();
    l.mem().write_u32(cm + 12, libc::SCM_RIGHTS as u32).unwrap();
    l.mem().write_u32(cm + 16, 0).unwrap();
    let m = b + 0x400;
    l.mem().write(m, &[0u8; 56]).unwrap();
    l.mem().write_u64(m + 16, iov).unwrap();
    l.mem().write_u64(m + 24, 2).unwrap();
    l.mem().write_u64(m + 32, cm).unwrap();
    l.mem().write_u64(m + 40, 24).unwrap();
    assert_eq!(sys(&mut l, Sysno::sendmsg, &[s0, m, 0]), 5);
    // Receive into one iovec and a 64-byte control buffer.
    let r = b + 0x800;
    l.mem().write_u64(iov, b + 0x900).unwrap();
    l.mem().write_u64(iov + 8, 16).unwrap();
    l.mem().write(r, &[0u8; 56]).unwrap();
    l.mem().write_u64(r + 16, iov).unwrap();
    l.mem().write_u64(r + 24, 1).unwrap();
    l.mem().write_u64(r + 32, b + 0xa00).unwrap();
    l.mem().write_u64(r + 40, 64).unwrap();
    let cloexec = libc::MSG_CMSG_CLOEXEC as u64;
    assert_eq!(sys(&mut l, Sysno::recvmsg, &[s1, r, cloexec]), 5);
    assert_eq!(l.mem().slice(b + 0x900, 5, 0).unwrap(), b"hello");
    assert_eq!(l.mem().read_u64(r + 40).unwrap(), 24, "controllen updated");
    assert_eq!(
        l.mem().read_u32(b + 0xa00 + 12).unwrap(),
        libc::SCM_RIGHTS as u32
    );
    let fd = l.mem().read_u32(b + 0xa00 + 16).unwrap();
    assert!(fd > 2);
    close(fd as u64);
    // A bad iovec pointer is EFAULT.
    l.mem().write_u64(m + 16, 8).unwrap();
    assert_eq!(sys(&mut l, Sysno::sendmsg, &[s0, m, 0]), err(libc::EFAULT));
    close(s0);
    close(s1);
}

#[test]
fn datagram_mmsg() {
    let mut l = linux();
    let b = scratch(&mut l, 8192);
    let dg = libc::SOCK_DGRAM as u64;
    assert_eq!(
        sys(&mut l, Sysno::socketpair, &[libc::AF_UNIX as u64, dg, 0, b]),
        0
    );
    let s0 = l.mem().read_u32(b).unwrap() as u64;
    let s1 = l.mem().read_u32(b + 4).unwrap() as u64;
    // Two mmsghdrs, each with one iovec: "one", "three".
    l.mem().write(b + 0x100, b"one").unwrap();
    l.mem().write(b + 0x110, b"three").unwrap();
    let iov = b + 0x200;
    l.mem().write_u64(iov, b + 0x100).unwrap();
    l.mem().write_u64(iov + 8, 3).unwrap();
    l.mem().write_u64(iov + 16, b + 0x110).unwrap();
    l.mem().write_u64(iov + 24, 5).unwrap();
    let v = b + 0x400;
    l.mem().write(v, &[0u8; 128]).unwrap();
    for i in 0..2 {
        l.mem().write_u64(v + 64 * i + 16, iov + 16 * i).unwrap();
        l.mem().write_u64(v + 64 * i + 24, 1).unwrap();
    }
    assert_eq!(sys(&mut l, Sysno::sendmmsg, &[s0, v, 2, 0]), 2);
    assert_eq!(l.mem().read_u32(v + 56).unwrap(), 3);
    assert_eq!(l.mem().read_u32(v + 64 + 56).unwrap(), 5);
    // Receive both into 16-byte buffers.
    l.mem().write_u64(iov, b + 0x600).unwrap();
    l.mem().write_u64(iov + 8, 16).unwrap();
    l.mem().write_u64(iov + 16, b + 0x700).unwrap();
    l.mem().write_u64(iov + 24, 16).unwrap();
    let dontwait = libc::MSG_DONTWAIT as u64;
    assert_eq!(sys(&mut l, Sysno::recvmmsg, &[s1, v, 2, dontwait, 0]), 2);
    assert_eq!(l.mem().read_u32(v + 64 + 56).unwrap(), 5);
    assert_eq!(l.mem().slice(b + 0x700, 5, 0).unwrap(), b"three");
    assert_eq!(
        sys(&mut l, Sysno::recvmmsg, &[s1, v, 2, dontwait, 0]),
        err(libc::EAGAIN)
    );
    close(s0);
    close(s1);
}

#[test]
fn loopback_tcp() {
    let mut l = linux();
    let b = scratch(&mut l, 8192);
    let (inet, stream) = (libc::AF_INET as u64, libc::SOCK_STREAM as u64);
    let srv = sys(&mut l, Sysno::socket, &[inet, stream, 0]);
    assert!((srv as i64) >= 0);
    // SO_REUSEADDR = 1.
    l.mem().write_u32(b, 1).unwrap();
    let (sol, reuse) = (libc::SOL_SOCKET as u64, libc::SO_REUSEADDR as u64);
    assert_eq!(sys(&mut l, Sysno::setsockopt, &[srv, sol, reuse, b, 4]), 0);
    // sockaddr_in { AF_INET, port 0, 127.0.0.1 }.
    let sa = b + 0x100;
    l.mem().write(sa, &[0u8; 16]).unwrap();
    l.mem()
        .write(sa, &(libc::AF_INET as u16).to_le_bytes())
        .unwrap();
    l.mem().write(sa + 4, &[127, 0, 0, 1]).unwrap();
    assert_eq!(sys(&mut l, Sysno::bind, &[srv, sa, 16]), 0);
    assert_eq!(
        sys(&mut l, Sysno::bind, &[srv, sa, 4096]),
        err(libc::EINVAL)
    );
    assert_eq!(sys(&mut l, Sysno::listen, &[srv, 4]), 0);
    l.mem().write_u32(b + 0x200, 16).unwrap();
    assert_eq!(sys(&mut l, Sysno::getsockname, &[srv, sa, b + 0x200]), 0);
    assert_ne!(
        l.mem().slice(sa + 2, 2, 0).unwrap(),
        &[0, 0],
        "port assigned"
    );
    let cli = sys(&mut l, Sysno::socket, &[inet, stream, 0]);
    assert_eq!(sys(&mut l, Sysno::connect, &[cli, sa, 16]), 0);
    let peer = b + 0x300;
    l.mem().write_u32(b + 0x200, 16).unwrap();
    let cloexec = libc::SOCK_CLOEXEC as u64;
    let acc = sys(&mut l, Sysno::accept4, &[srv, peer, b + 0x200, cloexec]);
    assert!((acc as i64) >= 0);
    assert_eq!(l.mem().slice(peer + 4, 4, 0).unwrap(), &[127, 0, 0, 1]);
    l.mem().write(b + 0x400, b"ping").unwrap();
    assert_eq!(sys(&mut l, Sysno::sendto, &[cli, b + 0x400, 4, 0, 0, 0]), 4);
    assert_eq!(
        sys(&mut l, Sysno::recvfrom, &[acc, b + 0x500, 16, 0, 0, 0]),
        4
    );
    assert_eq!(l.mem().slice(b + 0x500, 4, 0).unwrap(), b"ping");
    l.mem().write_u32(b + 0x200, 16).unwrap();
    assert_eq!(sys(&mut l, Sysno::getpeername, &[cli, peer, b + 0x200]), 0);
    // SO_TYPE via getsockopt.
    l.mem().write_u32(b + 0x208, 4).unwrap();
    let so_type = libc::SO_TYPE as u64;
    assert_eq!(
        sys(
            &mut l,
            Sysno::getsockopt,
            &[acc, sol, so_type, b + 0x20c, b + 0x208]
        ),
        0
    );
    assert_eq!(
        l.mem().read_u32(b + 0x20c).unwrap(),
        libc::SOCK_STREAM as u32
    );
    assert_eq!(
        sys(&mut l, Sysno::shutdown, &[cli, libc::SHUT_WR as u64]),
        0
    );
    assert_eq!(
        sys(&mut l, Sysno::recvfrom, &[acc, b + 0x500, 16, 0, 0, 0]),
        0
    );
    for fd in [acc, cli, srv] {
        close(fd);
    }
}
