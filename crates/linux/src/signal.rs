//! Signal syscalls. Actions, mask and alternate stack are recorded for the guest; there is no
//! delivery yet. Signal numbers and `SIG_BLOCK`-style constants are the asm-generic ones on both
//! arm64 and x86-64, so they pass to the host unchanged.
//!
//! So that `SIG_IGN` works without delivery (e.g. a guest ignoring SIGPIPE), setting a
//! disposition to `SIG_IGN` or `SIG_DFL` is mirrored on the host for signals armrun itself does
//! not use (synchronous fault signals are left alone).

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SigAction, SysResult};

type Args = [u64; 6];

/// Highest signal number.
const NSIG: u64 = 64;
/// Guest `SIG_DFL` / `SIG_IGN` handler values.
const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;

/// Bit of signal `sig` in a sigset.
fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// Signals whose SIG_IGN/SIG_DFL disposition we mirror on the host.
fn mirrored(sig: i32) -> bool {
    !matches!(
        sig,
        libc::SIGSEGV
            | libc::SIGBUS
            | libc::SIGILL
            | libc::SIGFPE
            | libc::SIGTRAP
            | libc::SIGKILL
            | libc::SIGSTOP
    ) && sig < libc::SIGRTMIN()
}

pub(crate) fn rt_sigaction(l: &mut Linux, a: &Args) -> SysResult {
    let sig = a[0];
    if a[3] != abi::SIGSET_SIZE || sig == 0 || sig > NSIG {
        return Err(Errno(libc::EINVAL));
    }
    let sig = sig as i32;
    let new: Option<SigAction> = if a[1] != 0 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            return Err(Errno(libc::EINVAL));
        }
        let mut b = [0u8; abi::SIGACTION_SIZE];
        l.mem.read(a[1], &mut b)?;
        let w = |i: usize| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
        Some([
            w(0),
            w(1),
            w(2),
            w(3) & !(bit(libc::SIGKILL) | bit(libc::SIGSTOP)),
        ])
    } else {
        None
    };
    let idx = (sig - 1) as usize;
    if a[2] != 0 {
        let old = l.sigactions[idx];
        let mut b = [0u8; abi::SIGACTION_SIZE];
        for (i, w) in old.iter().enumerate() {
            b[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
        }
        l.mem.write(a[2], &b)?;
    }
    if let Some(act) = new {
        l.sigactions[idx] = act;
        if mirrored(sig) && (act[0] == SIG_IGN || act[0] == SIG_DFL) {
            let h = if act[0] == SIG_IGN {
                libc::SIG_IGN
            } else {
                libc::SIG_DFL
            };
            // SAFETY: installing SIG_IGN/SIG_DFL runs no code of ours in signal context.
            unsafe { libc::signal(sig, h) };
        }
    }
    Ok(0)
}

pub(crate) fn rt_sigprocmask(l: &mut Linux, a: &Args) -> SysResult {
    if a[3] != abi::SIGSET_SIZE {
        return Err(Errno(libc::EINVAL));
    }
    let set = if a[1] != 0 {
        Some(l.mem.read_u64(a[1])?)
    } else {
        None
    };
    let old = l.sigmask;
    if let Some(set) = set {
        let set = set & !(bit(libc::SIGKILL) | bit(libc::SIGSTOP));
        l.sigmask = match int(a[0]) {
            libc::SIG_BLOCK => old | set,
            libc::SIG_UNBLOCK => old & !set,
            libc::SIG_SETMASK => set,
            _ => return Err(Errno(libc::EINVAL)),
        };
    }
    if a[2] != 0
        && let Err(f) = l.mem.write_u64(a[2], old)
    {
        l.sigmask = old;
        return Err(f.into());
    }
    Ok(0)
}

pub(crate) fn sigaltstack(l: &mut Linux, a: &Args) -> SysResult {
    let new = if a[0] != 0 {
        let mut b = [0u8; abi::STACK_T_SIZE];
        l.mem.read(a[0], &mut b)?;
        let sp = u64::from_le_bytes(b[0..8].try_into().unwrap_or([0; 8]));
        let flags = u32::from_le_bytes(b[8..12].try_into().unwrap_or([0; 4]));
        let size = u64::from_le_bytes(b[16..24].try_into().unwrap_or([0; 8]));
        let mode = flags & !abi::SS_AUTODISARM;
        if mode == abi::SS_DISABLE {
            Some((0, abi::SS_DISABLE, 0))
        } else if mode == 0 || mode == abi::SS_ONSTACK {
            if size < abi::MINSIGSTKSZ {
                return Err(Errno(libc::ENOMEM));
            }
            Some((sp, flags & abi::SS_AUTODISARM, size))
        } else {
            return Err(Errno(libc::EINVAL));
        }
    } else {
        None
    };
    if a[1] != 0 {
        let (sp, flags, size) = l.altstack;
        let mut b = [0u8; abi::STACK_T_SIZE];
        b[0..8].copy_from_slice(&sp.to_le_bytes());
        b[8..12].copy_from_slice(&flags.to_le_bytes());
        b[16..24].copy_from_slice(&size.to_le_bytes());
        l.mem.write(a[1], &b)?;
    }
    if let Some(s) = new {
        l.altstack = s;
    }
    Ok(0)
}

/// Checks a signal number argument (0 is allowed: it probes for existence).
fn sig_arg(s: u64) -> Result<i32, Errno> {
    if s > NSIG {
        Err(Errno(libc::EINVAL))
    } else {
        Ok(s as i32)
    }
}

pub(crate) fn kill(_: &mut Linux, a: &Args) -> SysResult {
    let sig = sig_arg(a[1])?;
    // SAFETY: no pointers; guest pids are host pids.
    host(unsafe { libc::kill(int(a[0]), sig) } as i64)
}

pub(crate) fn tkill(_: &mut Linux, a: &Args) -> SysResult {
    let sig = sig_arg(a[1])?;
    // SAFETY: no pointers; guest tids are host tids.
    host(unsafe { libc::syscall(libc::SYS_tkill, int(a[0]), sig) })
}

pub(crate) fn tgkill(_: &mut Linux, a: &Args) -> SysResult {
    let sig = sig_arg(a[2])?;
    // SAFETY: no pointers; guest ids are host ids.
    host(unsafe { libc::syscall(libc::SYS_tgkill, int(a[0]), int(a[1]), sig) })
}
