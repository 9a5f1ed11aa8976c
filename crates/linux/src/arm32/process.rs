//! Process calls of 32-bit ARM: the 16-bit id calls, `struct rlimit` and `struct rusage` with
//! 32-bit longs, wait4/waitid, sysinfo, times, mmap2, fork/vfork, signal-info conversions and
//! the ARM-private calls (`__ARM_NR_BASE + n`).

use cpu::CpuState;

use crate::arm32::abi::{self, Image, high2low, low2high};
use crate::arm32::{ARM_NR_BASE, ARM_NR_ENOSYS_LAST};
use crate::fs::int;
use crate::guest::host;
use crate::sigframe::si_code;
use crate::sysno::arm::Sysno;
use crate::{Errno, Linux, SysResult, creds, io, mm, process, signal};

type Args = [u64; 6];

/// A 16-bit id call that returns an id: the 32-bit id, or the overflow id when it does not fit.
fn id16(r: SysResult) -> SysResult {
    r.map(|id| high2low(id as u32) as u64)
}

pub(crate) fn getuid16(l: &mut Linux, a: &Args) -> SysResult {
    id16(process::getuid(l, a))
}

pub(crate) fn geteuid16(l: &mut Linux, a: &Args) -> SysResult {
    id16(process::geteuid(l, a))
}

pub(crate) fn getgid16(l: &mut Linux, a: &Args) -> SysResult {
    id16(process::getgid(l, a))
}

pub(crate) fn getegid16(l: &mut Linux, a: &Args) -> SysResult {
    id16(process::getegid(l, a))
}

/// Widens the first `n` arguments from 16-bit ids (0xffff, "unchanged", becomes -1).
fn wide(a: &Args, n: usize) -> Args {
    let mut w = *a;
    for v in w.iter_mut().take(n) {
        *v = low2high(*v);
    }
    w
}

pub(crate) fn setuid16(l: &mut Linux, a: &Args) -> SysResult {
    creds::setuid(l, &wide(a, 1))
}

pub(crate) fn setgid16(l: &mut Linux, a: &Args) -> SysResult {
    creds::setgid(l, &wide(a, 1))
}

pub(crate) fn setreuid16(l: &mut Linux, a: &Args) -> SysResult {
    creds::setreuid(l, &wide(a, 2))
}

pub(crate) fn setregid16(l: &mut Linux, a: &Args) -> SysResult {
    creds::setregid(l, &wide(a, 2))
}

pub(crate) fn setresuid16(l: &mut Linux, a: &Args) -> SysResult {
    creds::setresuid(l, &wide(a, 3))
}

pub(crate) fn setresgid16(l: &mut Linux, a: &Args) -> SysResult {
    creds::setresgid(l, &wide(a, 3))
}

pub(crate) fn setfsuid16(l: &mut Linux, a: &Args) -> SysResult {
    id16(creds::setfsuid(l, &wide(a, 1)))
}

pub(crate) fn setfsgid16(l: &mut Linux, a: &Args) -> SysResult {
    id16(creds::setfsgid(l, &wide(a, 1)))
}

/// getresuid/getresgid with three 16-bit outputs.
fn getres16(l: &Linux, a: &Args, nr: i64) -> SysResult {
    for &p in &a[..3] {
        l.buf_out(p, 2)?;
    }
    let (mut r, mut e, mut s) = (0u32, 0u32, 0u32);
    // SAFETY: three host ids.
    host(unsafe { libc::syscall(nr, &mut r, &mut e, &mut s) })?;
    for (p, id) in a[..3].iter().zip([r, e, s]) {
        l.mem.write(*p, &high2low(id).to_le_bytes())?;
    }
    Ok(0)
}

pub(crate) fn getresuid16(l: &mut Linux, a: &Args) -> SysResult {
    getres16(l, a, libc::SYS_getresuid)
}

pub(crate) fn getresgid16(l: &mut Linux, a: &Args) -> SysResult {
    getres16(l, a, libc::SYS_getresgid)
}

/// The kernel's `NGROUPS_MAX`.
const NGROUPS_MAX: i32 = 65536;

/// `getgroups(n, old_gid_t *list)`: 16-bit group ids.
pub(crate) fn getgroups16(l: &mut Linux, a: &Args) -> SysResult {
    // A list longer than NGROUPS_MAX is never filled further.
    let n = int(a[0]).min(NGROUPS_MAX);
    if n < 0 {
        return Err(Errno(libc::EINVAL));
    }
    let mut host_list = vec![0u32; n as usize];
    // Only the groups there are get written (checked by that write), as in the kernel.
    let lp = if n == 0 {
        std::ptr::null_mut()
    } else {
        host_list.as_mut_ptr()
    };
    // SAFETY: `lp` is null (size query) or `n` host gid slots.
    let got = host(unsafe { libc::syscall(libc::SYS_getgroups, n, lp) })?;
    if n != 0 {
        let bytes: Vec<u8> = host_list[..got as usize]
            .iter()
            .flat_map(|&g| high2low(g).to_le_bytes())
            .collect();
        l.mem.write(a[1], &bytes)?;
    }
    Ok(got)
}

/// `setgroups(n, const old_gid_t *list)`.
pub(crate) fn setgroups16(l: &mut Linux, a: &Args) -> SysResult {
    let n = int(a[0]);
    if !(0..=NGROUPS_MAX).contains(&n) {
        return Err(Errno(libc::EINVAL));
    }
    let mut raw = vec![0u8; 2 * n as usize];
    l.mem.read(a[1], &mut raw)?;
    let list: Vec<u32> = raw
        .chunks(2)
        .map(|c| low2high(u16::from_le_bytes([c[0], c[1]]) as u64) as u32)
        .collect();
    // SAFETY: `n` host gids.
    host(unsafe { libc::syscall(libc::SYS_setgroups, n, list.as_ptr()) })
}

/// `chown(path, old_uid_t, old_gid_t)` (follows links).
pub(crate) fn chown16(l: &mut Linux, a: &Args) -> SysResult {
    let at = libc::AT_FDCWD as u32 as u64;
    io::fchownat(l, &[at, a[0], low2high(a[1]), low2high(a[2]), 0, 0])
}

/// `lchown(path, old_uid_t, old_gid_t)`.
pub(crate) fn lchown16(l: &mut Linux, a: &Args) -> SysResult {
    let at = libc::AT_FDCWD as u32 as u64;
    let nofollow = libc::AT_SYMLINK_NOFOLLOW as u64;
    io::fchownat(l, &[at, a[0], low2high(a[1]), low2high(a[2]), nofollow, 0])
}

/// `fchown(fd, old_uid_t, old_gid_t)`.
pub(crate) fn fchown16(l: &mut Linux, a: &Args) -> SysResult {
    io::fchown(l, &[a[0], low2high(a[1]), low2high(a[2]), 0, 0, 0])
}

pub(crate) fn getpgrp(l: &mut Linux, _: &Args) -> SysResult {
    creds::getpgid(l, &[0; 6])
}

/// `RLIM_INFINITY` for a 32-bit `unsigned long`.
const RLIM32_INFINITY: u64 = 0xffff_ffff;

/// `ugetrlimit(resource, struct rlimit *)`: two 32-bit words; limits above them read as
/// infinity (the kernel's compat getrlimit).
pub(crate) fn ugetrlimit(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[1], 8)?;
    let (cur, max) = process::own_rlimit(l, a[0] as u32, None)?;
    l.mem.write_u32(a[1], cur.min(RLIM32_INFINITY) as u32)?;
    l.mem.write_u32(a[1] + 4, max.min(RLIM32_INFINITY) as u32)?;
    Ok(0)
}

/// `setrlimit(resource, const struct rlimit *)`: 32-bit infinity means infinity.
pub(crate) fn setrlimit(l: &mut Linux, a: &Args) -> SysResult {
    let widen = |v: u32| {
        if v as u64 == RLIM32_INFINITY {
            u64::MAX
        } else {
            v as u64
        }
    };
    let cur = widen(l.mem.read_u32(a[1])?);
    let max = widen(l.mem.read_u32(a[1] + 4)?);
    process::own_rlimit(l, a[0] as u32, Some((cur, max)))?;
    Ok(0)
}

/// `getrusage(who, struct rusage *)` with the 32-bit layout.
pub(crate) fn getrusage(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[1], abi::RUSAGE_SIZE)?;
    // SAFETY: an all-zero rusage is valid plain data.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a host rusage buffer.
    host(unsafe { libc::syscall(libc::SYS_getrusage, int(a[0]), &mut ru) })?;
    l.mem.write(a[1], &abi::rusage_image(&ru).0)?;
    Ok(0)
}

/// `wait4(pid, int *status, options, struct rusage *)` with the 32-bit rusage.
pub(crate) fn wait4(l: &mut Linux, a: &Args) -> SysResult {
    let status = l.opt_out(a[1], 4)?;
    if a[3] != 0 {
        l.buf_out(a[3], abi::RUSAGE_SIZE)?;
    }
    // The child may have changed the sysroot's files.
    l.sysroot_cache.clear();
    // SAFETY: an all-zero rusage is valid plain data.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `status` is null or a checked guest int; `ru` a host rusage.
    let pid =
        host(unsafe { libc::syscall(libc::SYS_wait4, int(a[0]), status, int(a[2]), &mut ru) })?;
    if a[3] != 0 {
        l.mem.write(a[3], &abi::rusage_image(&ru).0)?;
    }
    Ok(pid)
}

/// `waitid(idtype, id, siginfo_t *, options, struct rusage *)`: both structs converted.
pub(crate) fn waitid(l: &mut Linux, a: &Args) -> SysResult {
    if a[2] != 0 {
        l.buf_out(a[2], abi::SIGINFO_SIZE as u64)?;
    }
    if a[4] != 0 {
        l.buf_out(a[4], abi::RUSAGE_SIZE)?;
    }
    l.sysroot_cache.clear();
    let mut info = [0u8; abi::SIGINFO_SIZE];
    // SAFETY: an all-zero rusage is valid plain data.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: host siginfo and rusage buffers.
    let r = host(unsafe {
        libc::syscall(
            libc::SYS_waitid,
            int(a[0]),
            a[1] as u32,
            info.as_mut_ptr(),
            int(a[3]),
            &mut ru,
        )
    })?;
    if a[2] != 0 {
        l.mem.write(a[2], &crate::sigframe::siginfo_to_arm(&info))?;
    }
    if a[4] != 0 {
        l.mem.write(a[4], &abi::rusage_image(&ru).0)?;
    }
    Ok(r)
}

/// `sysinfo(struct sysinfo *)` with the 32-bit layout.
pub(crate) fn sysinfo(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[0], abi::SYSINFO_SIZE)?;
    // SAFETY: an all-zero sysinfo is valid plain data.
    let mut s: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: a host sysinfo buffer.
    host(unsafe { libc::sysinfo(&mut s) } as i64)?;
    l.mem.write(a[0], &abi::sysinfo_image(&s).0)?;
    Ok(0)
}

/// `times(struct tms *)`: four 32-bit `clock_t`s; the result is a `clock_t` too.
pub(crate) fn times(l: &mut Linux, a: &Args) -> SysResult {
    if a[0] != 0 {
        l.buf_out(a[0], 16)?;
    }
    let mut t = libc::tms {
        tms_utime: 0,
        tms_stime: 0,
        tms_cutime: 0,
        tms_cstime: 0,
    };
    // SAFETY: a host tms buffer.
    let r = host(unsafe { libc::syscall(libc::SYS_times, &mut t) })?;
    if a[0] != 0 {
        let mut b = Image::new(16);
        for (i, v) in [t.tms_utime, t.tms_stime, t.tms_cutime, t.tms_cstime]
            .into_iter()
            .enumerate()
        {
            b.u32(4 * i, v as u32);
        }
        l.mem.write(a[0], &b.0)?;
    }
    Ok(r)
}

/// `mmap2(addr, len, prot, flags, fd, pgoff)`: the offset counts 4096-byte pages.
pub(crate) fn mmap2(l: &mut Linux, a: &Args) -> SysResult {
    mm::mmap(l, &[a[0], a[1], a[2], a[3], a[4], a[5] << 12])
}

/// Largest CPU mask passed through (`CONFIG_NR_CPUS` is at most 8192 CPUs, 1 KiB of bits); a
/// longer guest mask is only partly read or filled, as the kernel does.
const CPU_MASK_MAX: u64 = 8192;

/// Host size of a CPU mask for a guest length: whole 64-bit words, at most [`CPU_MASK_MAX`].
fn host_mask_len(len: u64) -> usize {
    (len.min(CPU_MASK_MAX) as usize).div_ceil(8) * 8
}

/// `sched_getaffinity(pid, len, mask)`: the 32-bit kernel takes lengths in 4-byte words, the
/// host in 8-byte ones, so the mask goes through a host buffer.
pub(crate) fn sched_getaffinity(l: &mut Linux, a: &Args) -> SysResult {
    if !a[1].is_multiple_of(4) {
        return Err(Errno(libc::EINVAL));
    }
    l.buf_out(a[2], a[1])?;
    let mut m = vec![0u8; host_mask_len(a[1])];
    // SAFETY: `m` is a host buffer of its length.
    let n = host(unsafe {
        libc::syscall(
            libc::SYS_sched_getaffinity,
            int(a[0]),
            m.len(),
            m.as_mut_ptr(),
        )
    })?;
    let n = n.min(a[1]);
    l.mem.write(a[2], &m[..n as usize])?;
    Ok(n)
}

/// `sched_setaffinity(pid, len, mask)`, through a zero-padded host buffer.
pub(crate) fn sched_setaffinity(l: &mut Linux, a: &Args) -> SysResult {
    let mut m = vec![0u8; host_mask_len(a[1])];
    let len = a[1].min(CPU_MASK_MAX) as usize;
    l.mem.read(a[2], &mut m[..len])?;
    // SAFETY: `m` is a host buffer of its length.
    host(unsafe { libc::syscall(libc::SYS_sched_setaffinity, int(a[0]), m.len(), m.as_ptr()) })
}

/// Reads a guest 32-bit siginfo at `addr` in the host layout.
fn read_siginfo(l: &Linux, addr: u64) -> Result<[u8; abi::SIGINFO_SIZE], Errno> {
    let mut g = [0u8; abi::SIGINFO_SIZE];
    l.mem.read(addr, &mut g)?;
    Ok(crate::sigframe::siginfo_from_arm(&g))
}

/// Checks a signal number argument (0 probes).
fn sig_arg(s: u64) -> Result<i32, Errno> {
    if s > 64 {
        Err(Errno(libc::EINVAL))
    } else {
        Ok(s as i32)
    }
}

/// `rt_sigqueueinfo(tgid, sig, siginfo_t *)` with the 32-bit siginfo.
pub(crate) fn rt_sigqueueinfo(l: &mut Linux, a: &Args) -> SysResult {
    let info = read_siginfo(l, a[2])?;
    let sig = sig_arg(a[1])?;
    // SAFETY: a host siginfo; integer ids.
    host(unsafe { libc::syscall(libc::SYS_rt_sigqueueinfo, int(a[0]), sig, info.as_ptr()) })
}

/// `rt_tgsigqueueinfo(tgid, tid, sig, siginfo_t *)` with the 32-bit siginfo.
pub(crate) fn rt_tgsigqueueinfo(l: &mut Linux, a: &Args) -> SysResult {
    let info = read_siginfo(l, a[3])?;
    let sig = sig_arg(a[2])?;
    // SAFETY: a host siginfo; integer ids.
    host(unsafe {
        libc::syscall(
            libc::SYS_rt_tgsigqueueinfo,
            int(a[0]),
            int(a[1]),
            sig,
            info.as_ptr(),
        )
    })
}

/// `pidfd_send_signal(pidfd, sig, siginfo_t *, flags)` with the 32-bit siginfo (or NULL).
pub(crate) fn pidfd_send_signal(l: &mut Linux, a: &Args) -> SysResult {
    let info = if a[2] != 0 {
        Some(read_siginfo(l, a[2])?)
    } else {
        None
    };
    let sig = sig_arg(a[1])?;
    let ip = info.as_ref().map_or(std::ptr::null(), |i| i.as_ptr());
    // SAFETY: a host siginfo (or null); integer arguments.
    host(unsafe { libc::syscall(libc::SYS_pidfd_send_signal, int(a[0]), sig, ip, a[3] as u32) })
}

/// `pause()`: sleeps until a signal handler runs (EINTR), which the host's mirrored handler
/// does for every signal the guest handles.
pub(crate) fn pause(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    host(unsafe { libc::pause() } as i64)
}

/// `nice(increment)`: moves the nice value within -20..19 (EPERM to lower it without the
/// privilege), as the kernel's sys_nice.
pub(crate) fn nice(_: &mut Linux, a: &Args) -> SysResult {
    let inc = (a[0] as u32 as i32).clamp(-40, 40);
    // SAFETY: no pointers; the raw syscall returns 20 - nice.
    let raw = host(unsafe { libc::syscall(libc::SYS_getpriority, libc::PRIO_PROCESS, 0) })?;
    let new = (20 - raw as i32 + inc).clamp(-20, 19);
    // SAFETY: no pointers.
    match host(unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, new) } as i64) {
        Err(Errno(libc::EACCES)) => Err(Errno(libc::EPERM)),
        r => r.map(|_| 0),
    }
}

/// clone flags for fork and vfork.
const CLONE_VM: u64 = 0x100;
const CLONE_VFORK: u64 = 0x4000;

/// `fork()`: clone with SIGCHLD as the exit signal.
pub(crate) fn fork(l: &mut Linux, cpu: &mut CpuState, _: &Args) -> SysResult {
    process::clone(l, cpu, &[libc::SIGCHLD as u64, 0, 0, 0, 0, 0])
}

/// `vfork()`: clone(CLONE_VM | CLONE_VFORK | SIGCHLD), which `process::clone` runs as a fork.
pub(crate) fn vfork(l: &mut Linux, cpu: &mut CpuState, _: &Args) -> SysResult {
    let flags = CLONE_VM | CLONE_VFORK | libc::SIGCHLD as u64;
    process::clone(l, cpu, &[flags, 0, 0, 0, 0, 0])
}

/// `set_tls(value)`: the TLS register (TPIDRURO, kept in the TPIDR slot).
pub(crate) fn set_tls(_: &mut Linux, cpu: &mut CpuState, a: &Args) -> SysResult {
    cpu.tpidr = a[0];
    Ok(0)
}

/// `get_tls()`: reads the TLS register back.
pub(crate) fn get_tls(_: &mut Linux, cpu: &mut CpuState, _: &Args) -> SysResult {
    Ok(cpu.tpidr & 0xffff_ffff)
}

/// `cacheflush(start, end, flags)`: code in `[start, end)` may have changed, so translations of
/// it are dropped; flags must be 0 and the range the right way round (the kernel's
/// `do_cache_op`).
pub(crate) fn cacheflush(l: &mut Linux, _: &mut CpuState, a: &Args) -> SysResult {
    if a[1] < a[0] || a[2] != 0 {
        return Err(Errno(libc::EINVAL));
    }
    l.mem.note_code_change(a[0], a[1]);
    Ok(0)
}

/// `si_code` of a SIGILL for an illegal trap (`ILL_ILLTRP`).
const ILL_ILLTRP: i32 = 4;

/// The ARM-private numbers that raise a signal instead of returning (arch/arm/kernel/traps.c,
/// `arm_syscall` and `bad_syscall`): `__ARM_NR_BASE` itself ("branch through zero", SIGSEGV),
/// breakpoint (SIGTRAP at the SVC, the pc stepped back onto it), usr26/usr32 (26-bit mode is
/// never available: SIGILL), private numbers past the ENOSYS range and anything above the
/// private block (SIGILL). Returns whether `nr` was one of them (the signal is then raised).
pub(crate) fn private_signal(l: &mut Linux, cpu: &mut CpuState, nr: u64, svc_len: u64) -> bool {
    let svc_pc = cpu.pc.wrapping_sub(svc_len) & 0xffff_ffff;
    let (sig, code, addr) = if nr == ARM_NR_BASE {
        (libc::SIGSEGV, si_code::SEGV_MAPERR, 0)
    } else if nr == Sysno::breakpoint.number() {
        cpu.pc = svc_pc;
        (libc::SIGTRAP, si_code::TRAP_BRKPT, svc_pc)
    } else if nr == Sysno::usr26.number()
        || nr == Sysno::usr32.number()
        || nr >> 16 > ARM_NR_BASE >> 16
        || (nr >= ARM_NR_BASE
            && nr - ARM_NR_BASE > ARM_NR_ENOSYS_LAST
            && Sysno::from_u64(nr).is_none())
    {
        (libc::SIGILL, ILL_ILLTRP, svc_pc)
    } else {
        return false;
    };
    crate::sigframe::force_sync_signal(l, cpu, sig, code, addr, None);
    true
}

/// Size of `struct old_sigaction`: handler, `old_sigset_t` mask (signals 1..32), flags,
/// restorer.
const OLD_SIGACTION_SIZE: u64 = 16;

/// `sigaction(sig, const struct old_sigaction *act, struct old_sigaction *oact)`, the pre-rt
/// call: the mask holds signals 1..32 only.
pub(crate) fn sigaction(l: &mut Linux, a: &Args) -> SysResult {
    let new = if a[1] != 0 {
        let mut b = [0u8; OLD_SIGACTION_SIZE as usize];
        l.mem.read(a[1], &mut b)?;
        let w = |o: usize| abi::get32(&b, o) as u64;
        Some([w(0), w(8), w(12), w(4)])
    } else {
        None
    };
    if a[2] != 0 {
        l.buf_out(a[2], OLD_SIGACTION_SIZE)?;
    }
    let [handler, flags, restorer, mask] = signal::sigaction_core(l, a[0], new)?;
    if a[2] != 0 {
        let mut b = Image::new(OLD_SIGACTION_SIZE as usize);
        b.u32(0, handler as u32);
        b.u32(4, mask as u32);
        b.u32(8, flags as u32);
        b.u32(12, restorer as u32);
        l.mem.write(a[2], &b.0)?;
    }
    Ok(0)
}

/// `sigprocmask(how, const old_sigset_t *set, old_sigset_t *oset)`: signals 1..32; SIG_SETMASK
/// leaves the others as they are (the kernel sets `blocked.sig[0]` only).
pub(crate) fn sigprocmask(l: &mut Linux, a: &Args) -> SysResult {
    let how = int(a[0]);
    let set = if a[1] != 0 {
        let s = l.mem.read_u32(a[1])? as u64;
        Some(if how == libc::SIG_SETMASK {
            (l.sigmask & !0xffff_ffff) | s
        } else {
            s
        })
    } else {
        None
    };
    if a[2] != 0 {
        l.buf_out(a[2], 4)?;
    }
    let old = signal::sigprocmask_core(l, how, set)?;
    if a[2] != 0 {
        l.mem.write_u32(a[2], old as u32)?;
    }
    Ok(0)
}

/// `sigpending(old_sigset_t *set)`: the pending blocked signals among 1..32.
pub(crate) fn sigpending(l: &mut Linux, a: &Args) -> SysResult {
    let pending = signal::pending_set(l)?;
    l.mem.write_u32(a[0], pending as u32)?;
    Ok(0)
}

/// `sigsuspend(restart, oldmask, old_sigset_t mask)` (ARM's three-argument form): waits with
/// exactly `mask` blocked.
pub(crate) fn sigsuspend(l: &mut Linux, a: &Args) -> SysResult {
    signal::sigsuspend_core(l, a[2])
}
