//! Process-wide syscalls: exit, fork (clone without CLONE_VM; vfork is a fork, as in
//! qemu-user), wait4/waitid, ids, uname, limits, scheduling, accounting, randomness, futex.
//! The structs passed through here (`rlimit64`, `tms`, `sysinfo`, `rusage`, `utsname`) have the
//! same layout on arm64 and x86-64 (LP64, asm-generic definitions), and so do `RLIMIT_*` numbers.

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};
use cpu::CpuState;

type Args = [u64; 6];

/// clone flags (include/uapi/linux/sched.h); the same values on every architecture.
pub(crate) mod cf {
    pub const VM: u64 = 0x100;
    pub const SIGHAND: u64 = 0x800;
    pub const PIDFD: u64 = 0x1000;
    pub const VFORK: u64 = 0x4000;
    pub const THREAD: u64 = 0x10000;
    pub const SETTLS: u64 = 0x80000;
    pub const PARENT_SETTID: u64 = 0x100000;
    pub const CHILD_CLEARTID: u64 = 0x200000;
    pub const CHILD_SETTID: u64 = 0x1000000;
}

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (the arm64 argument order, which 32-bit
/// ARM shares: CLONE_BACKWARDS). Without CLONE_VM
/// this is a fork: the host process is forked, which copies guest memory and translated code
/// together. `CLONE_VM|CLONE_VFORK` (vfork, posix_spawn) is also run as a fork, as qemu-user
/// does: the parent does not wait for the child's exec, which no correct program can observe
/// except through shared memory (glibc's posix_spawn then reports exec errors through the exit
/// status 127 instead of errno). Threads (CLONE_THREAD) start a host thread (see `thread`).
pub(crate) fn clone(l: &mut Linux, cpu: &mut CpuState, a: &Args) -> SysResult {
    let (mut flags, newsp, ptid, tls, ctid) = (a[0], a[1], a[2], a[3], a[4]);
    if flags & cf::THREAD != 0 {
        return crate::thread::spawn(l, cpu, a);
    }
    if flags & cf::VFORK != 0 {
        flags &= !(cf::VFORK | cf::VM);
    }
    if flags & (cf::VM | cf::SIGHAND) != 0 {
        // Shared memory without a shared thread group cannot be a host fork.
        return Err(Errno(libc::EINVAL));
    }
    if flags & cf::PIDFD != 0 && flags & cf::PARENT_SETTID != 0 {
        return Err(Errno(libc::EINVAL));
    }
    // Validate the guest pointers before the fork so errors come back in the parent.
    if flags & cf::PARENT_SETTID != 0 || flags & cf::PIDFD != 0 {
        l.buf_out(ptid, 4)?;
    }
    if flags & cf::CHILD_SETTID != 0 {
        l.buf_out(ctid, 4)?;
    }
    // Flags armrun emulates itself are not passed to the host.
    let host_flags =
        flags & !(cf::SETTLS | cf::PARENT_SETTID | cf::CHILD_SETTID | cf::CHILD_CLEARTID);
    // Other guest threads take the address-space lock all the time; the child must not
    // inherit it taken.
    let pidfd_ptr = if flags & cf::PIDFD != 0 {
        l.mem.host(ptid)
    } else {
        std::ptr::null_mut()
    };
    let held = l.mem.hold();
    // armrun's own threads are kept out of every lock the child could inherit taken.
    let pid = crate::thread::paused_for(|| {
        if host_flags == libc::SIGCHLD as u64 {
            // The plain case goes through libc so its own fork bookkeeping (cached tid, atfork
            // handlers, malloc and stdio locks) stays right in the child.
            // SAFETY: the child continues this thread only; glibc's atfork handling makes its
            // own state consistent, and the address-space lock is ours (held above).
            unsafe { libc::fork() as i64 }
        } else {
            // SAFETY: no new stack (the child continues on a copy of ours, like fork); the
            // only pointer is the checked guest pidfd slot or null.
            unsafe {
                libc::syscall(
                    libc::SYS_clone,
                    host_flags,
                    0usize,
                    pidfd_ptr,
                    std::ptr::null_mut::<i32>(),
                    0usize,
                )
            }
        }
    });
    drop(held);
    let pid = host(pid)?;
    if pid == 0 {
        if newsp != 0 {
            cpu.x[l.sp_reg()] = newsp;
        }
        if flags & cf::SETTLS != 0 {
            cpu.tpidr = tls;
        }
        // SAFETY: gettid has no arguments.
        let tid = unsafe { libc::gettid() } as u32;
        if flags & cf::CHILD_SETTID != 0 {
            l.mem.write_u32(ctid, tid)?;
        }
        if flags & cf::CHILD_CLEARTID != 0 {
            l.clear_child_tid = ctid;
        }
        crate::signal::after_fork();
        FORKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    } else if flags & cf::PARENT_SETTID != 0 {
        l.mem.write_u32(ptid, pid as u32)?;
    }
    Ok(pid)
}

/// How many times this process was forked into being (see [`forks`]).
static FORKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A number that changes in a child process when a guest fork (or vfork) returns there, so
/// the embedder can tell its state belongs to a forked child (whose only thread is the one that
/// forked).
pub fn forks() -> u64 {
    FORKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// clone3 is answered with ENOSYS, which glibc takes as "use clone" for every caller: fork,
/// posix_spawn and thread creation then all come through [`clone`].
pub(crate) fn clone3(_: &mut Linux, _: &Args) -> SysResult {
    Err(Errno(libc::ENOSYS))
}

/// `unshare(flags)`: armrun is the guest process, so namespaces and unsharing apply to it as
/// they would to the guest. CLONE_VM/CLONE_SIGHAND/CLONE_THREAD are no-ops for a
/// single-threaded process, as in the kernel.
pub(crate) fn unshare(_: &mut Linux, a: &Args) -> SysResult {
    if a[0] & libc::CLONE_NEWUSER as u64 != 0 {
        crate::thread::unthread();
    }
    // SAFETY: integer argument only.
    host(unsafe { libc::syscall(libc::SYS_unshare, a[0] as i64) })
}

/// `sethostname(name, len)`: a checked buffer; the kernel validates the length.
pub(crate) fn sethostname(l: &mut Linux, a: &Args) -> SysResult {
    let name = l.buf_in(a[0], a[1].min(abi::UTS_FIELD as u64))?;
    // SAFETY: `name` is checked for the bytes the kernel may read (at most a UTS field; longer
    // lengths are refused with EINVAL before any read).
    host(unsafe { libc::syscall(libc::SYS_sethostname, name, a[1] as usize) })
}

/// `setdomainname(name, len)`, like [`sethostname`].
pub(crate) fn setdomainname(l: &mut Linux, a: &Args) -> SysResult {
    let name = l.buf_in(a[0], a[1].min(abi::UTS_FIELD as u64))?;
    // SAFETY: as in `sethostname`.
    host(unsafe { libc::syscall(libc::SYS_setdomainname, name, a[1] as usize) })
}

/// `setns(fd, nstype)`: joins a namespace, for the same reason as [`unshare`].
pub(crate) fn setns(_: &mut Linux, a: &Args) -> SysResult {
    // nstype 0 accepts a namespace of any type, a user namespace too.
    let nstype = int(a[1]);
    if nstype == 0 || nstype & libc::CLONE_NEWUSER != 0 {
        crate::thread::unthread();
    }
    // SAFETY: integer arguments only.
    host(unsafe { libc::syscall(libc::SYS_setns, int(a[0]), nstype) })
}

/// `kcmp(pid1, pid2, type, idx1, idx2)`: compares kernel objects of two processes; integers
/// only (KCMP_EPOLL_TFD, whose idx2 is a pointer, is refused).
pub(crate) fn kcmp(_: &mut Linux, a: &Args) -> SysResult {
    const KCMP_EPOLL_TFD: u64 = 7;
    if a[2] == KCMP_EPOLL_TFD {
        return Err(Errno(libc::EINVAL));
    }
    // SAFETY: integer arguments only.
    host(unsafe { libc::syscall(libc::SYS_kcmp, int(a[0]), int(a[1]), int(a[2]), a[3], a[4]) })
}

/// `wait4(pid, status, options, rusage)`: `int` status and `struct rusage` have the same
/// layout on arm64 and x86-64, and guest pids are host pids.
pub(crate) fn wait4(l: &mut Linux, a: &Args) -> SysResult {
    let status = l.opt_out(a[1], 4)?;
    let ru = l.opt_out(a[3], std::mem::size_of::<libc::rusage>() as u64)?;
    // The child may have changed the sysroot's files.
    l.sysroot_cache.clear();
    // SAFETY: checked guest buffers or null.
    host(unsafe { libc::syscall(libc::SYS_wait4, int(a[0]), status, int(a[2]), ru) })
}

/// `waitid(idtype, id, infop, options, rusage)`: `siginfo_t` (128 bytes, asm-generic layout)
/// and `struct rusage` are identical on both sides.
pub(crate) fn waitid(l: &mut Linux, a: &Args) -> SysResult {
    let info = l.opt_out(a[2], 128)?;
    let ru = l.opt_out(a[4], std::mem::size_of::<libc::rusage>() as u64)?;
    // The child may have changed the sysroot's files.
    l.sysroot_cache.clear();
    // SAFETY: checked guest buffers or null.
    host(unsafe {
        libc::syscall(
            libc::SYS_waitid,
            int(a[0]),
            a[1] as u32,
            info,
            int(a[3]),
            ru,
        )
    })
}

/// `exit`: ends the calling thread; the last one to end ends the process with its status.
pub(crate) fn exit(l: &mut Linux, a: &Args) -> SysResult {
    l.exit = Some((a[0] & 0xff) as i32);
    l.exit_thread = crate::thread::live_threads() > 1;
    Ok(0)
}

pub(crate) fn exit_group(l: &mut Linux, a: &Args) -> SysResult {
    l.exit = Some((a[0] & 0xff) as i32);
    Ok(0)
}

pub(crate) fn uname(l: &mut Linux, a: &Args) -> SysResult {
    l.buf_out(a[0], (abi::UTS_FIELD * 6) as u64)?;
    // SAFETY: an all-zero utsname is valid; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: host buffer of the right type.
    host(unsafe { libc::uname(&mut u) } as i64)?;
    // What the kernel reports for the guest's CPU (a 32-bit ARMv7 guest: `armv7l`).
    let machine: &[u8] = if l.mem.is32() { b"armv7l" } else { b"aarch64" };
    set_uts_field(&mut u.machine, machine);
    if let Some(release) = &l.proc.uname_release {
        set_uts_field(&mut u.release, release);
    }
    l.put(a[0], &u)?;
    Ok(0)
}

/// Stores `value` in a utsname field, truncated to leave its terminating NUL, the rest zeroed.
fn set_uts_field(field: &mut [libc::c_char; abi::UTS_FIELD], value: &[u8]) {
    *field = [0; abi::UTS_FIELD];
    for (d, s) in field[..abi::UTS_FIELD - 1].iter_mut().zip(value) {
        *d = *s as libc::c_char;
    }
}

pub(crate) fn getpid(_: &mut Linux, _: &Args) -> SysResult {
    Ok(std::process::id() as u64)
}

pub(crate) fn getppid(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    host(unsafe { libc::getppid() } as i64)
}

pub(crate) fn gettid(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    host(unsafe { libc::syscall(libc::SYS_gettid) })
}

pub(crate) fn getuid(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    Ok(unsafe { libc::getuid() } as u64)
}

pub(crate) fn geteuid(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    Ok(unsafe { libc::geteuid() } as u64)
}

pub(crate) fn getgid(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    Ok(unsafe { libc::getgid() } as u64)
}

pub(crate) fn getegid(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    Ok(unsafe { libc::getegid() } as u64)
}

pub(crate) fn set_tid_address(l: &mut Linux, a: &Args) -> SysResult {
    l.clear_child_tid = a[0];
    gettid(l, a)
}

pub(crate) fn set_robust_list(l: &mut Linux, a: &Args) -> SysResult {
    // `struct robust_list_head` is three words (a pointer, a long offset, a pointer).
    if a[1] != 3 * l.word() {
        return Err(Errno(libc::EINVAL));
    }
    l.robust_list = (a[0], a[1]);
    Ok(0)
}

pub(crate) fn get_robust_list(l: &mut Linux, a: &Args) -> SysResult {
    let pid = int(a[0]);
    if pid != 0 && pid as u32 != std::process::id() {
        // Another process's list is in its own (host) address space, meaningless here.
        return Err(Errno(libc::EPERM));
    }
    l.write_word(a[1], l.robust_list.0)?;
    l.write_word(a[2], l.robust_list.1)?;
    Ok(0)
}

pub(crate) fn rseq(_: &mut Linux, _: &Args) -> SysResult {
    // glibc falls back cleanly when rseq registration is refused.
    Err(Errno(libc::ENOSYS))
}

/// Limits that would constrain armrun itself (its JIT and bookkeeping) if applied to the host:
/// recorded for the guest only.
fn emulated_limit(res: u32) -> bool {
    [libc::RLIMIT_AS, libc::RLIMIT_DATA, libc::RLIMIT_STACK].contains(&res)
}

/// Number of resource limits (asm-generic/resource.h, used by both arm64 and x86-64).
const RLIM_NLIMITS: u32 = 16;

/// Reads and optionally sets the calling process's limit `res` (host values, `u64::MAX` is
/// infinity): returns the (soft, hard) pair from before the call.
pub(crate) fn own_rlimit(
    l: &mut Linux,
    res: u32,
    new: Option<(u64, u64)>,
) -> Result<(u64, u64), Errno> {
    if res >= RLIM_NLIMITS {
        return Err(Errno(libc::EINVAL));
    }
    if new.is_some_and(|(cur, max)| cur > max) {
        return Err(Errno(libc::EINVAL));
    }
    let mut host_old = libc::rlimit64 {
        rlim_cur: 0,
        rlim_max: 0,
    };
    if emulated_limit(res) {
        let cur = match l.rlimits.get(&res) {
            Some(&v) => v,
            None => {
                // SAFETY: host rlimit buffer.
                host(unsafe {
                    libc::syscall(
                        libc::SYS_prlimit64,
                        0,
                        res,
                        std::ptr::null::<u8>(),
                        &mut host_old,
                    )
                })?;
                (host_old.rlim_cur, host_old.rlim_max)
            }
        };
        if let Some(n) = new {
            l.rlimits.insert(res, n);
        }
        return Ok(cur);
    }
    let new_host = new.map(|(c, m)| libc::rlimit64 {
        rlim_cur: c,
        rlim_max: m,
    });
    let np = new_host
        .as_ref()
        .map_or(std::ptr::null(), |r| r as *const libc::rlimit64);
    // SAFETY: host rlimit buffers (or null).
    host(unsafe { libc::syscall(libc::SYS_prlimit64, 0, res, np, &mut host_old) })?;
    Ok((host_old.rlim_cur, host_old.rlim_max))
}

/// prlimit64 for the calling process (pid 0 or our own pid).
fn own_prlimit(l: &mut Linux, res: u32, new: u64, old: u64) -> SysResult {
    let new_lim = if new != 0 {
        Some((l.mem.read_u64(new)?, l.mem.read_u64(new + 8)?))
    } else {
        None
    };
    if old != 0 {
        l.buf_out(old, 16)?;
    }
    let prev = own_rlimit(l, res, new_lim)?;
    if old != 0 {
        l.mem.write_u64(old, prev.0)?;
        l.mem.write_u64(old + 8, prev.1)?;
    }
    Ok(0)
}

pub(crate) fn prlimit64(l: &mut Linux, a: &Args) -> SysResult {
    let pid = int(a[0]);
    if pid == 0 || pid as u32 == std::process::id() {
        return own_prlimit(l, a[1] as u32, a[2], a[3]);
    }
    // Another process: layouts are identical, so pass through with checked pointers.
    let np = if a[2] != 0 {
        l.buf_in(a[2], 16)?
    } else {
        std::ptr::null()
    };
    let op = if a[3] != 0 {
        l.buf_out(a[3], 16)?
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: checked guest buffers or null.
    host(unsafe { libc::syscall(libc::SYS_prlimit64, pid, int(a[1]), np, op) })
}

pub(crate) fn getrlimit(l: &mut Linux, a: &Args) -> SysResult {
    own_prlimit(l, a[0] as u32, 0, a[1])
}

pub(crate) fn setrlimit(l: &mut Linux, a: &Args) -> SysResult {
    own_prlimit(l, a[0] as u32, a[1], 0)
}

pub(crate) fn sched_getaffinity(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[2], a[1])?;
    // SAFETY: `buf` is a[1] checked, writable bytes; the raw syscall returns the size copied.
    host(unsafe { libc::syscall(libc::SYS_sched_getaffinity, int(a[0]), a[1] as usize, buf) })
}

pub(crate) fn sched_yield(_: &mut Linux, _: &Args) -> SysResult {
    // SAFETY: no arguments.
    host(unsafe { libc::sched_yield() } as i64)
}

pub(crate) fn umask(_: &mut Linux, a: &Args) -> SysResult {
    // SAFETY: no pointers.
    Ok(unsafe { libc::umask(a[0] as libc::mode_t & 0o777) } as u64)
}

pub(crate) fn times(l: &mut Linux, a: &Args) -> SysResult {
    let buf = if a[0] != 0 {
        l.buf_out(a[0], std::mem::size_of::<libc::tms>() as u64)?
    } else {
        std::ptr::null_mut()
    };
    // SAFETY: checked guest `struct tms` or null.
    host(unsafe { libc::syscall(libc::SYS_times, buf) })
}

pub(crate) fn sysinfo(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[0], std::mem::size_of::<libc::sysinfo>() as u64)?;
    // SAFETY: checked guest `struct sysinfo`.
    host(unsafe { libc::syscall(libc::SYS_sysinfo, buf) })
}

pub(crate) fn getrusage(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[1], std::mem::size_of::<libc::rusage>() as u64)?;
    // SAFETY: checked guest `struct rusage`.
    host(unsafe { libc::syscall(libc::SYS_getrusage, int(a[0]), buf) })
}

pub(crate) fn getrandom(l: &mut Linux, a: &Args) -> SysResult {
    let buf = l.buf_out(a[0], a[1])?;
    // SAFETY: `buf` is a[1] checked, writable bytes.
    host(unsafe { libc::syscall(libc::SYS_getrandom, buf, a[1] as usize, int(a[2])) })
}

pub(crate) fn futex(l: &mut Linux, a: &Args) -> SysResult {
    futex_ts(l, a, crate::time::Ts::W64)
}

/// futex with the guest's timespec layout `t` for the wait timeout.
pub(crate) fn futex_ts(l: &mut Linux, a: &Args, t: crate::time::Ts) -> SysResult {
    let (uaddr, op, val) = (a[0], int(a[1]), a[2] as u32);
    // The command is the op without the private and clock modifier bits.
    let cmd = op & !(libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME);
    if !uaddr.is_multiple_of(4) {
        return Err(Errno(libc::EINVAL));
    }
    let word = l.mem.read_u32(uaddr)?;
    let uhost = l.mem.host(uaddr);
    match cmd {
        libc::FUTEX_WAIT | libc::FUTEX_WAIT_BITSET => {
            // Refuse the common mismatch cheaply, without a host call (the host would say the
            // same).
            if word != val {
                return Err(Errno(libc::EAGAIN));
            }
            let ts = read_timeout(l, t, a[3])?;
            let tp = timeout_ptr(&ts);
            // SAFETY: uaddr checked readable; `tp` a host timespec or null; val3 is a plain
            // bitset.
            host(unsafe { libc::syscall(libc::SYS_futex, uhost, op, val, tp, 0usize, int(a[5])) })
        }
        libc::FUTEX_WAKE => {
            // SAFETY: uaddr checked.
            host(unsafe { libc::syscall(libc::SYS_futex, uhost, op, val) })
        }
        FUTEX_WAKE_BITSET => {
            // SAFETY: uaddr checked; the bitset is an integer.
            host(unsafe {
                libc::syscall(libc::SYS_futex, uhost, op, val, 0usize, 0usize, int(a[5]))
            })
        }
        // Priority-inheritance futexes hold the owner's tid, which is the host thread's: the
        // host kernel does all of it. The lock timeout is absolute.
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_UNLOCK_PI | FUTEX_TRYLOCK_PI => {
            let ts = read_timeout(l, t, if cmd == FUTEX_UNLOCK_PI { 0 } else { a[3] })?;
            let tp = timeout_ptr(&ts);
            // SAFETY: uaddr checked; `tp` a host timespec or null.
            host(unsafe { libc::syscall(libc::SYS_futex, uhost, op, 0usize, tp) })
        }
        FUTEX_WAIT_REQUEUE_PI => {
            let u2 = second_futex(l, a[4])?;
            let ts = read_timeout(l, t, a[3])?;
            let tp = timeout_ptr(&ts);
            // SAFETY: both futex words checked; `tp` a host timespec or null.
            host(unsafe { libc::syscall(libc::SYS_futex, uhost, op, val, tp, u2, 0usize) })
        }
        libc::FUTEX_REQUEUE
        | libc::FUTEX_CMP_REQUEUE
        | libc::FUTEX_WAKE_OP
        | FUTEX_CMP_REQUEUE_PI => {
            // Second futex word: guest address -> host address after a check. The fourth
            // argument is a count here, not a pointer.
            let u2 = second_futex(l, a[4])?;
            // SAFETY: both futex words checked; other arguments are integers.
            host(unsafe { libc::syscall(libc::SYS_futex, uhost, op, val, a[3], u2, int(a[5])) })
        }
        _ => Err(Errno(libc::ENOSYS)),
    }
}

/// futex commands beyond those the libc crate names (include/uapi/linux/futex.h).
const FUTEX_LOCK_PI: i32 = 6;
const FUTEX_UNLOCK_PI: i32 = 7;
const FUTEX_TRYLOCK_PI: i32 = 8;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_WAIT_REQUEUE_PI: i32 = 11;
const FUTEX_CMP_REQUEUE_PI: i32 = 12;
const FUTEX_LOCK_PI2: i32 = 13;

/// The timeout a futex call points at in the guest's layout `t` (none for a null pointer).
fn read_timeout(l: &Linux, t: crate::time::Ts, addr: u64) -> Result<Option<libc::timespec>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    t.read(l, addr).map(Some)
}

/// A host pointer to `ts`, or null.
fn timeout_ptr(ts: &Option<libc::timespec>) -> *const libc::timespec {
    ts.as_ref().map_or(std::ptr::null(), |t| t as *const _)
}

/// The host address of a futex call's second word (`uaddr2`), checked aligned and mapped.
fn second_futex(l: &Linux, uaddr2: u64) -> Result<*mut u8, Errno> {
    if !uaddr2.is_multiple_of(4) {
        return Err(Errno(libc::EINVAL));
    }
    l.mem.check(uaddr2, 4, libc::PROT_READ | libc::PROT_WRITE)?;
    Ok(l.mem.host(uaddr2))
}

/// Size of `struct futex_waitv` (the same for 32-bit and 64-bit tasks).
const FUTEX_WAITV_SIZE: u64 = 24;
/// Most futexes one futex_waitv call may wait on.
const FUTEX_WAITV_MAX: u64 = 128;

/// `futex_waitv(waiters, nr, flags, timeout, clockid)`: the array's `uaddr` fields become host
/// addresses (checked aligned and mapped); the timeout is a 64-bit `__kernel_timespec` for
/// every task.
pub(crate) fn futex_waitv(l: &mut Linux, a: &Args) -> SysResult {
    let (list, nr) = (a[0], a[1]);
    if nr == 0 || nr > FUTEX_WAITV_MAX {
        return Err(Errno(libc::EINVAL));
    }
    let mut waiters = vec![0u8; (nr * FUTEX_WAITV_SIZE) as usize];
    l.mem.read(list, &mut waiters)?;
    for w in waiters.chunks_mut(FUTEX_WAITV_SIZE as usize) {
        let uaddr = u64::from_le_bytes(w[8..16].try_into().unwrap_or_default());
        let uaddr = if l.mem.is32() {
            uaddr as u32 as u64
        } else {
            uaddr
        };
        if !uaddr.is_multiple_of(4) {
            return Err(Errno(libc::EINVAL));
        }
        l.mem.check(uaddr, 4, libc::PROT_READ)?;
        w[8..16].copy_from_slice(&(l.mem.host(uaddr) as u64).to_le_bytes());
    }
    let ts = read_timeout(l, crate::time::Ts::W64, a[3])?;
    let tp = timeout_ptr(&ts);
    // SAFETY: `waiters` is our own array with host futex addresses, checked above; `tp` a host
    // timespec or null.
    host(unsafe {
        libc::syscall(
            libc::SYS_futex_waitv,
            waiters.as_ptr(),
            nr as usize,
            int(a[2]),
            tp,
            int(a[4]),
        )
    })
}

/// prctl option numbers (include/uapi/linux/prctl.h).
mod pr {
    pub const SET_PDEATHSIG: i32 = 1;
    pub const GET_PDEATHSIG: i32 = 2;
    pub const GET_DUMPABLE: i32 = 3;
    pub const SET_DUMPABLE: i32 = 4;
    pub const GET_KEEPCAPS: i32 = 7;
    pub const SET_KEEPCAPS: i32 = 8;
    pub const SET_NAME: i32 = 15;
    pub const GET_NAME: i32 = 16;
    pub const GET_SECCOMP: i32 = 21;
    pub const CAPBSET_READ: i32 = 23;
    pub const GET_SECUREBITS: i32 = 27;
    pub const SET_TIMERSLACK: i32 = 29;
    pub const GET_TIMERSLACK: i32 = 30;
    pub const SET_CHILD_SUBREAPER: i32 = 36;
    pub const GET_CHILD_SUBREAPER: i32 = 37;
    pub const SET_NO_NEW_PRIVS: i32 = 38;
    pub const GET_NO_NEW_PRIVS: i32 = 39;
    pub const SET_THP_DISABLE: i32 = 41;
    pub const GET_THP_DISABLE: i32 = 42;
    pub const CAP_AMBIENT: i32 = 47;
}

/// Length of a task name buffer (`TASK_COMM_LEN`).
const TASK_COMM_LEN: usize = 16;

pub(crate) fn prctl(l: &mut Linux, a: &Args) -> SysResult {
    let opt = int(a[0]);
    // SAFETY (for the calls below): arguments are integers, or host buffers we own, or
    // guest pointers checked for the exact size the option uses.
    match opt {
        pr::SET_NAME => {
            let bytes = l.mem.read_cstr(a[1], TASK_COMM_LEN)?;
            let mut name = [0u8; TASK_COMM_LEN];
            let n = bytes
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(bytes.len())
                .min(TASK_COMM_LEN - 1);
            name[..n].copy_from_slice(&bytes[..n]);
            // SAFETY: see above; `name` is a NUL-terminated 16-byte host buffer.
            host(unsafe { libc::prctl(opt, name.as_ptr()) } as i64)
        }
        pr::GET_NAME => {
            let out = l.buf_out(a[1], TASK_COMM_LEN as u64)?;
            // SAFETY: see above; 16 checked bytes.
            host(unsafe { libc::prctl(opt, out) } as i64)
        }
        pr::GET_PDEATHSIG | pr::GET_CHILD_SUBREAPER => {
            let out = l.buf_out(a[1], 4)?;
            // SAFETY: see above; one checked int.
            host(unsafe { libc::prctl(opt, out) } as i64)
        }
        pr::SET_PDEATHSIG
        | pr::GET_DUMPABLE
        | pr::SET_DUMPABLE
        | pr::GET_KEEPCAPS
        | pr::SET_KEEPCAPS
        | pr::GET_SECCOMP
        | pr::CAPBSET_READ
        | pr::GET_SECUREBITS
        | pr::SET_TIMERSLACK
        | pr::GET_TIMERSLACK
        | pr::SET_CHILD_SUBREAPER
        | pr::SET_NO_NEW_PRIVS
        | pr::GET_NO_NEW_PRIVS
        | pr::SET_THP_DISABLE
        | pr::GET_THP_DISABLE
        | pr::CAP_AMBIENT => {
            // SAFETY: see above; integer arguments only.
            host(unsafe { libc::syscall(libc::SYS_prctl, opt, a[1], a[2], a[3], a[4]) })
        }
        // Architecture-specific (SVE, SME, pointer authentication, tagged addresses, MTE) and
        // process-image options (PR_SET_MM, PR_SET_VMA, seccomp) must not reach the host: this
        // CPU has none of those features, and the rest would act on armrun, not the guest.
        _ => Err(Errno(libc::EINVAL)),
    }
}

/// `personality(0xffffffff)` queries without changing.
const PER_QUERY: u32 = 0xffff_ffff;

pub(crate) fn personality(l: &mut Linux, a: &Args) -> SysResult {
    // Recorded for the guest only (PER_LINUX at start): applying e.g. ADDR_NO_RANDOMIZE to
    // the host would change armrun's own behaviour, not the guest's.
    let old = l.personality;
    let new = a[0] as u32;
    if new != PER_QUERY {
        l.personality = new;
    }
    Ok(old as u64)
}

pub(crate) fn get_mempolicy(_: &mut Linux, _: &Args) -> SysResult {
    // What a kernel without NUMA support answers; callers treat it as "no policy".
    Err(Errno(libc::ENOSYS))
}
