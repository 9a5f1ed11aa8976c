//! The 32-bit ARM EABI syscall layer: [`syscall_a32`] (number in r7, arguments in r0..r5,
//! result or `-errno` in r0 as a 32-bit value).
//!
//! Numbers come from the kernel's `arch/arm/tools/syscall.tbl` (`sysno::arm`). A call whose
//! ABI is the same as AArch64's goes to the AArch64 handler of the same (or the listed) name
//! ([`same_as_a64`]): same argument registers, and every struct it touches either architecture
//! independent or read through word-size-aware code (`Linux::word`, `fs::iovecs`, the
//! sigaction, stack_t and robust-list codecs, `time::Ts`; `rt_sigreturn` picks the frame by
//! width). The rest are converted here, by family:
//!
//! - `abi`: 32-bit struct layouts (stat64, statfs64, flock, rusage, sysinfo, sigevent) with
//!   encoders and decoders (timespec32 is `time::Ts::W32`, siginfo is `sigframe`'s);
//! - `files`: legacy path calls (open, stat64, access, ...) as their `*at` forms, register-pair
//!   64-bit offsets (pread64, truncate64, fallocate, arm_fadvise64_64, ...), fcntl/fcntl64,
//!   statfs, getdents and `_llseek`;
//! - `dirent`: directory offsets that fit 32-bit `off_t` (see below);
//! - `time`: the time32 calls (timespec and timeval with 32-bit fields, futex included),
//!   select/pselect6 and epoll_wait;
//! - `net`: socket calls with the compat `msghdr`, `iovec` and `cmsghdr`;
//! - `process`: 16-bit id calls, rlimits, rusage, wait4/waitid, sysinfo, fork/vfork,
//!   signal-info conversions, the pre-rt signal calls (32-signal masks), and the ARM-private
//!   calls (`0x0f0000 + n`).
//!
//! 64-bit arguments come in an even/odd register pair (low word first), skipping an odd
//! register, as the EABI lays out `long long` arguments; `arm_fadvise64_64` and
//! `arm_sync_file_range` reorder their arguments so the pairs need no padding.
//!
//! Directory offsets: the host file system's `d_off` values are 64-bit hashes; a 32-bit
//! glibc's `readdir` fails with EOVERFLOW on any that does not fit a 32-bit `off_t`. The guest
//! sees small per-directory cookies instead, mapped back to host offsets by `lseek`/`_llseek`
//! on that directory.

mod abi;
mod dirent;
mod files;
mod net;
mod process;
mod time;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_io;

use cpu::CpuState;

use crate::dispatch::{self, CpuHandler, Entry, Handler, table};
use crate::sysno::a64;
use crate::sysno::arm::Sysno;
use crate::{Call, Flow, Linux, signal};

pub(crate) use dirent::DirCookies;

/// Base of the ARM-private calls (`__ARM_NR_BASE`, EABI).
const ARM_NR_BASE: u64 = 0x0f_0000;
/// ARM-private numbers up to this offset answer ENOSYS when unknown; above it they raise
/// SIGILL (arch/arm/kernel/traps.c, `arm_syscall`).
const ARM_NR_ENOSYS_LAST: u64 = 0x7ff;

/// Runs the 32-bit EABI syscall in `cpu`: number in r7, arguments in r0..r5 (`cpu.x[0..6]`, each
/// a zero-extended 32-bit value); the result (or `-errno`) goes to r0 as a 32-bit value (upper
/// bits 0).
pub fn syscall_a32(linux: &mut Linux, cpu: &mut CpuState) -> crate::Flow {
    let nr = cpu.x[7] & 0xffff_ffff;
    let thumb = cpu.get_slot(cpu::slot::THUMB) != 0;
    let svc_len = if thumb { 2 } else { 4 };
    if process::private_signal(linux, cpu, nr, svc_len) {
        return Flow::Continue;
    }
    let sys = Sysno::from_u64(nr);
    let args = std::array::from_fn(|i| cpu.x[i] & 0xffff_ffff);
    let call = Call {
        nr,
        name: sys.map(|s| s.name()),
        entry: sys.and_then(entry),
        restartable: sys.is_some_and(restartable),
        args,
        result_mask: 0xffff_ffff,
        svc_len,
    };
    crate::run_syscall(linux, cpu, call)
}

/// The handler for `s`: a 32-bit conversion if the ABI differs, else the AArch64 one.
fn entry(s: Sysno) -> Option<Entry> {
    if let Some(h) = a32_cpu_handler(s) {
        return Some(Entry::Cpu(h));
    }
    if let Some(h) = a32_handler(s) {
        return Some(Entry::Plain(h));
    }
    same_as_a64(s).and_then(dispatch::a64_entry)
}

/// Whether the kernel restarts `s` after an `SA_RESTART` handler interrupted it: as the AArch64
/// call of the same name, plus the 32-bit-only forms of restartable calls.
fn restartable(s: Sysno) -> bool {
    use Sysno::*;
    a64_by_name(s).is_some_and(signal::restartable)
        || matches!(
            s,
            open | creat
                | fcntl64
                | send
                | recv
                | sendfile64
                | ftruncate64
                | futex_time64
                | recvmmsg_time64
        )
}

/// The AArch64 syscall with the same name as `s`, if there is one.
fn a64_by_name(s: Sysno) -> Option<a64::Sysno> {
    a64::Sysno::from_name(s.name())
}

/// Lists `arm => a64` pairs (or a bare name when both tables call it the same) as one match.
macro_rules! same {
    ($s:expr; $($name:ident $(=> $a64:ident)?,)*) => {
        match $s {
            $(Sysno::$name => Some(same!(@pick $name $($a64)?)),)*
            _ => None,
        }
    };
    (@pick $name:ident) => { a64::Sysno::$name };
    (@pick $name:ident $a64:ident) => { a64::Sysno::$a64 };
}

/// The AArch64 call whose handler serves `s` unchanged: same arguments, and memory either laid
/// out the same on both (byte strings, ints, `loff_t`, `struct statx`, 64-bit time structs of
/// the `*_time64` calls, `struct epoll_event`, which EABI pads to 16 bytes like arm64) or read
/// by word-size-aware helpers (iovec, argv/envp, sigaction, stack_t, robust list).
fn same_as_a64(s: Sysno) -> Option<a64::Sysno> {
    same! { s;
        // files
        read, write, readv, writev, close, openat, openat2, fchmod, fsync, fdatasync, dup,
        dup3, pipe2, ioctl, fchdir, chdir, getcwd, readlinkat,
        faccessat, faccessat2, unlinkat, mkdirat, renameat, renameat2, symlinkat, linkat,
        fchmodat, mknodat, fchownat, statx, sync, syncfs, flock, chroot, mount, umount2,
        close_range, copy_file_range, splice, tee, vmsplice, sendfile64 => sendfile,
        utimensat_time64 => utimensat, ioprio_get, ioprio_set,
        getxattr, lgetxattr, fgetxattr, setxattr, lsetxattr, fsetxattr, listxattr,
        llistxattr, flistxattr, removexattr, lremovexattr, fremovexattr,
        // waiting on fds (64-bit time or none)
        ppoll_time64 => ppoll, epoll_create1, epoll_ctl, epoll_pwait, epoll_pwait2,
        // sockets without compat structs
        socket, socketpair, bind, connect, listen, accept, accept4, getsockname, getpeername,
        sendto, recvfrom, shutdown,
        // special fds
        eventfd2, timerfd_create, timerfd_settime64 => timerfd_settime,
        timerfd_gettime64 => timerfd_gettime, signalfd4, inotify_init1, inotify_add_watch,
        inotify_rm_watch, memfd_create,
        // memory
        brk, munmap, mprotect, mremap, madvise, mlock, mlock2, munlock, mlockall, munlockall,
        msync, mincore, membarrier,
        // signals
        rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, rt_sigreturn, sigaltstack,
        kill, tkill, tgkill,
        // time (64-bit layouts)
        clock_gettime64 => clock_gettime, clock_settime64 => clock_settime,
        clock_getres_time64 => clock_getres, clock_nanosleep_time64 => clock_nanosleep,
        timer_settime64 => timer_settime, timer_gettime64 => timer_gettime,
        timer_getoverrun, timer_delete, sched_rr_get_interval_time64 => sched_rr_get_interval,
        // process
        exit, exit_group, clone, clone3, unshare, setns, sethostname, setdomainname, kcmp, execve,
        execveat, uname, getpid, getppid, gettid, set_tid_address, set_robust_list,
        get_robust_list, rseq, prlimit64, sched_yield, umask, getrandom,
        futex_time64 => futex, futex_waitv, prctl, personality, get_mempolicy,
        // 32-bit ids are the generic calls under a *32 name
        getuid32 => getuid, geteuid32 => geteuid, getgid32 => getgid, getegid32 => getegid,
        setuid32 => setuid, setgid32 => setgid, setreuid32 => setreuid,
        setregid32 => setregid, setresuid32 => setresuid, setresgid32 => setresgid,
        getresuid32 => getresuid, getresgid32 => getresgid, setfsuid32 => setfsuid,
        setfsgid32 => setfsgid, getgroups32 => getgroups, setgroups32 => setgroups,
        fchown32 => fchown,
        // credentials, sessions, scheduling
        getpgid, setpgid, getsid, setsid, capget, capset, getpriority, setpriority,
        sched_getscheduler, sched_setscheduler, sched_getparam, sched_setparam,
        sched_get_priority_max, sched_get_priority_min, getcpu, sched_getattr,
        sched_setattr, pidfd_open, pidfd_getfd,
    }
}

/// Register-aware 32-bit handlers, consulted first.
fn a32_cpu_handler(s: Sysno) -> Option<CpuHandler> {
    table! { CpuHandler; s;
        fork => process::fork,
        vfork => process::vfork,
        sigreturn => crate::sigframe::sigreturn32,
        set_tls => process::set_tls,
        get_tls => process::get_tls,
        cacheflush => process::cacheflush,
    }
}

/// 32-bit handlers that convert arguments or structs.
fn a32_handler(s: Sysno) -> Option<Handler> {
    table! { s;
        // legacy path calls, as their *at forms
        open => files::open,
        creat => files::creat,
        link => files::link,
        unlink => files::unlink,
        mknod => files::mknod,
        chmod => files::chmod,
        access => files::access,
        rename => files::rename,
        mkdir => files::mkdir,
        rmdir => files::rmdir,
        symlink => files::symlink,
        readlink => files::readlink,
        lchown32 => files::lchown32,
        chown32 => files::chown32,
        pipe => files::pipe,
        dup2 => files::dup2,
        // stat family
        stat64 => files::stat64,
        lstat64 => files::lstat64,
        fstat64 => files::fstat64,
        fstatat64 => files::fstatat64,
        stat => files::stat,
        lstat => files::lstat,
        fstat => files::fstat,
        statfs => files::statfs,
        fstatfs => files::fstatfs,
        statfs64 => files::statfs64,
        fstatfs64 => files::fstatfs64,
        // offsets: 32-bit off_t, register pairs, directory cookies
        lseek => files::lseek,
        _llseek => files::llseek,
        getdents64 => files::getdents64,
        getdents => files::getdents,
        pread64 => files::pread64,
        pwrite64 => files::pwrite64,
        preadv => files::preadv,
        pwritev => files::pwritev,
        preadv2 => files::preadv2,
        pwritev2 => files::pwritev2,
        truncate => files::truncate,
        ftruncate => files::ftruncate,
        truncate64 => files::truncate64,
        ftruncate64 => files::ftruncate64,
        fallocate => files::fallocate,
        arm_fadvise64_64 => files::arm_fadvise64_64,
        readahead => files::readahead,
        arm_sync_file_range => files::arm_sync_file_range,
        sendfile => files::sendfile,
        fcntl => files::fcntl,
        fcntl64 => files::fcntl64,
        // time32
        clock_gettime => time::clock_gettime,
        clock_settime => time::clock_settime,
        clock_getres => time::clock_getres,
        clock_nanosleep => time::clock_nanosleep,
        nanosleep => time::nanosleep,
        gettimeofday => time::gettimeofday,
        getitimer => time::getitimer,
        setitimer => time::setitimer,
        timer_create => time::timer_create,
        timer_settime => time::timer_settime,
        timer_gettime => time::timer_gettime,
        timerfd_settime => time::timerfd_settime,
        timerfd_gettime => time::timerfd_gettime,
        sched_rr_get_interval => time::sched_rr_get_interval,
        utimensat => time::utimensat,
        utimes => time::utimes,
        futimesat => time::futimesat,
        futex => time::futex,
        poll => time::poll,
        ppoll => time::ppoll,
        _newselect => time::newselect,
        pselect6 => time::pselect6,
        pselect6_time64 => time::pselect6_time64,
        epoll_wait => time::epoll_wait,
        epoll_create => time::epoll_create,
        rt_sigtimedwait => time::rt_sigtimedwait,
        rt_sigtimedwait_time64 => time::rt_sigtimedwait_time64,
        // sockets with compat structs
        send => net::send,
        recv => net::recv,
        sendmsg => net::sendmsg,
        recvmsg => net::recvmsg,
        sendmmsg => net::sendmmsg,
        recvmmsg => net::recvmmsg,
        recvmmsg_time64 => net::recvmmsg_time64,
        setsockopt => net::setsockopt,
        getsockopt => net::getsockopt,
        // special fds with legacy forms
        eventfd => files::eventfd,
        signalfd => files::signalfd,
        inotify_init => files::inotify_init,
        // process
        getuid => process::getuid16,
        geteuid => process::geteuid16,
        getgid => process::getgid16,
        getegid => process::getegid16,
        setuid => process::setuid16,
        setgid => process::setgid16,
        setreuid => process::setreuid16,
        setregid => process::setregid16,
        setresuid => process::setresuid16,
        setresgid => process::setresgid16,
        getresuid => process::getresuid16,
        getresgid => process::getresgid16,
        setfsuid => process::setfsuid16,
        setfsgid => process::setfsgid16,
        getgroups => process::getgroups16,
        setgroups => process::setgroups16,
        chown => process::chown16,
        lchown => process::lchown16,
        fchown => process::fchown16,
        getpgrp => process::getpgrp,
        ugetrlimit => process::ugetrlimit,
        setrlimit => process::setrlimit,
        getrusage => process::getrusage,
        wait4 => process::wait4,
        waitid => process::waitid,
        sysinfo => process::sysinfo,
        times => process::times,
        mmap2 => process::mmap2,
        sched_getaffinity => process::sched_getaffinity,
        sched_setaffinity => process::sched_setaffinity,
        rt_sigqueueinfo => process::rt_sigqueueinfo,
        rt_tgsigqueueinfo => process::rt_tgsigqueueinfo,
        pidfd_send_signal => process::pidfd_send_signal,
        pause => process::pause,
        sigaction => process::sigaction,
        sigprocmask => process::sigprocmask,
        sigpending => process::sigpending,
        sigsuspend => process::sigsuspend,
        nice => process::nice,
    }
}
