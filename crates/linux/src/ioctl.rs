//! ioctl: only requests whose number and argument layout are known identical on arm64 and the
//! host are passed through (terminal attributes, window size, FIONREAD and friends); the rest
//! get `-ENOTTY`. The numbers are the asm-generic ones used by both arm64 and x86-64
//! (asm-generic/ioctls.h; checked against both architectures' headers), and the kernel
//! `struct termios` is the same 36 bytes on both.

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// What an ioctl's third argument is.
enum Arg {
    /// Unused or a plain integer.
    Value,
    /// Pointer to this many bytes the kernel reads.
    In(u64),
    /// Pointer to this many bytes the kernel writes.
    Out(u64),
}

/// The request as the kernel's `unsigned int` (libc's type for it varies by host libc).
#[allow(clippy::unnecessary_cast)]
fn io(x: libc::Ioctl) -> u64 {
    x as u64 & 0xffff_ffff
}

fn arg_kind(req: u64) -> Option<Arg> {
    // `struct winsize` is four shorts.
    const WINSIZE: u64 = 8;
    let table = [
        (io(libc::TCGETS), Arg::Out(abi::TERMIOS_SIZE)),
        (io(libc::TCSETS), Arg::In(abi::TERMIOS_SIZE)),
        (io(libc::TCSETSW), Arg::In(abi::TERMIOS_SIZE)),
        (io(libc::TCSETSF), Arg::In(abi::TERMIOS_SIZE)),
        (io(libc::TIOCGWINSZ), Arg::Out(WINSIZE)),
        (io(libc::TIOCSWINSZ), Arg::In(WINSIZE)),
        (io(libc::FIONREAD), Arg::Out(4)),
        (io(libc::TIOCGPGRP), Arg::Out(4)),
        (io(libc::TIOCSPGRP), Arg::In(4)),
        (io(libc::FIONBIO), Arg::In(4)),
        (io(libc::FIOCLEX), Arg::Value),
        (io(libc::FIONCLEX), Arg::Value),
        (io(libc::TCFLSH), Arg::Value),
        (io(libc::TCXONC), Arg::Value),
        (io(libc::TCSBRK), Arg::Value),
    ];
    table.into_iter().find(|(r, _)| *r == req).map(|(_, k)| k)
}

pub(crate) fn ioctl(l: &mut Linux, a: &Args) -> SysResult {
    let fd = int(a[0]);
    // The request is an unsigned int in the kernel ABI.
    let req = a[1] & 0xffff_ffff;
    let Some(kind) = arg_kind(req) else {
        return Err(Errno(libc::ENOTTY));
    };
    let arg: usize = match kind {
        Arg::Value => a[2] as usize,
        Arg::In(n) => l.buf_in(a[2], n)? as usize,
        Arg::Out(n) => l.buf_out(a[2], n)? as usize,
    };
    // SAFETY: pointer arguments were checked for the exact size the request uses.
    host(unsafe { libc::ioctl(fd, req as libc::Ioctl, arg) } as i64)
}
