//! The AArch64 dispatch table: syscall (by generated name, never by number) to handler.

use crate::sysno::a64::Sysno;
use crate::{
    Linux, SysResult, anonfd, creds, exec, fs, io, ioctl, mm, net, poll, process, sigframe, signal,
    time, xattr,
};
use cpu::CpuState;

/// A syscall handler: the six raw argument registers in, x0's value or an errno out.
pub(crate) type Handler = fn(&mut Linux, &[u64; 6]) -> SysResult;

/// A handler that also reads or rewrites the calling thread's registers.
pub(crate) type CpuHandler = fn(&mut Linux, &mut CpuState, &[u64; 6]) -> SysResult;

/// A handler of either kind, as the dispatch tables give it.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    /// Arguments only.
    Plain(Handler),
    /// Arguments and the calling thread's registers.
    Cpu(CpuHandler),
}

/// The AArch64 handler for `s`: the register-aware table first, then the plain one.
pub(crate) fn a64_entry(s: Sysno) -> Option<Entry> {
    a64_cpu_handler(s)
        .map(Entry::Cpu)
        .or_else(|| a64_handler(s).map(Entry::Plain))
}

/// Lists `Sysno::name => handler` pairs as one match.
macro_rules! table {
    ($s:expr; $($name:ident => $h:path,)*) => {
        table!(Handler; $s; $($name => $h,)*)
    };
    ($t:ty; $s:expr; $($name:ident => $h:path,)*) => {
        match $s {
            $(Sysno::$name => Some($h as $t),)*
            _ => None,
        }
    };
}

pub(crate) use table;

/// The register-aware handler for `s`, consulted before [`a64_handler`].
pub(crate) fn a64_cpu_handler(s: Sysno) -> Option<CpuHandler> {
    table! { CpuHandler; s;
        clone => process::clone,
        rt_sigreturn => sigframe::rt_sigreturn,
        rt_sigsuspend => signal::rt_sigsuspend,
        sigaltstack => signal::sigaltstack,
    }
}

/// The handler for `s`, or `None` when armrun does not implement it.
pub(crate) fn a64_handler(s: Sysno) -> Option<Handler> {
    table! { s;
        // fs
        read => fs::read,
        write => fs::write,
        readv => fs::readv,
        writev => fs::writev,
        pread64 => fs::pread64,
        pwrite64 => fs::pwrite64,
        openat => fs::openat,
        openat2 => fs::openat2,
        close => fs::close,
        lseek => fs::lseek,
        newfstatat => fs::newfstatat,
        fstat => fs::fstat,
        statx => fs::statx,
        getdents64 => fs::getdents64,
        readlinkat => fs::readlinkat,
        faccessat => fs::faccessat,
        faccessat2 => fs::faccessat2,
        getcwd => fs::getcwd,
        chdir => fs::chdir,
        fchdir => fs::fchdir,
        unlinkat => fs::unlinkat,
        mkdirat => fs::mkdirat,
        renameat => fs::renameat,
        renameat2 => fs::renameat2,
        symlinkat => fs::symlinkat,
        linkat => fs::linkat,
        fchmodat => fs::fchmodat,
        fchmod => fs::fchmod,
        utimensat => fs::utimensat,
        ftruncate => fs::ftruncate,
        truncate => fs::truncate,
        fsync => fs::fsync,
        fdatasync => fs::fdatasync,
        fcntl => fs::fcntl,
        dup => fs::dup,
        dup3 => fs::dup3,
        pipe2 => fs::pipe2,
        ioctl => ioctl::ioctl,
        sendfile => io::sendfile,
        copy_file_range => io::copy_file_range,
        splice => io::splice,
        tee => io::tee,
        vmsplice => io::vmsplice,
        preadv => io::preadv,
        pwritev => io::pwritev,
        preadv2 => io::preadv2,
        pwritev2 => io::pwritev2,
        fallocate => io::fallocate,
        fadvise64 => io::fadvise64,
        readahead => io::readahead,
        sync => io::sync,
        sync_file_range => io::sync_file_range,
        syncfs => io::syncfs,
        flock => io::flock,
        statfs => io::statfs,
        fstatfs => io::fstatfs,
        fchown => io::fchown,
        fchownat => io::fchownat,
        mknodat => io::mknodat,
        chroot => io::chroot,
        mount => io::mount,
        umount2 => io::umount2,
        close_range => io::close_range,
        fchmodat2 => io::fchmodat2,
        ioprio_get => io::ioprio_get,
        ioprio_set => io::ioprio_set,
        getxattr => xattr::getxattr,
        lgetxattr => xattr::lgetxattr,
        fgetxattr => xattr::fgetxattr,
        setxattr => xattr::setxattr,
        lsetxattr => xattr::lsetxattr,
        fsetxattr => xattr::fsetxattr,
        listxattr => xattr::listxattr,
        llistxattr => xattr::llistxattr,
        flistxattr => xattr::flistxattr,
        removexattr => xattr::removexattr,
        lremovexattr => xattr::lremovexattr,
        fremovexattr => xattr::fremovexattr,
        // waiting on fds
        ppoll => poll::ppoll,
        pselect6 => poll::pselect6,
        epoll_create1 => poll::epoll_create1,
        epoll_ctl => poll::epoll_ctl,
        epoll_pwait => poll::epoll_pwait,
        epoll_pwait2 => poll::epoll_pwait2,
        // sockets
        socket => net::socket,
        socketpair => net::socketpair,
        bind => net::bind,
        connect => net::connect,
        listen => net::listen,
        accept => net::accept,
        accept4 => net::accept4,
        getsockname => net::getsockname,
        getpeername => net::getpeername,
        sendto => net::sendto,
        recvfrom => net::recvfrom,
        setsockopt => net::setsockopt,
        getsockopt => net::getsockopt,
        shutdown => net::shutdown,
        sendmsg => net::sendmsg,
        recvmsg => net::recvmsg,
        sendmmsg => net::sendmmsg,
        recvmmsg => net::recvmmsg,
        // special fds
        eventfd2 => anonfd::eventfd2,
        timerfd_create => anonfd::timerfd_create,
        timerfd_settime => anonfd::timerfd_settime,
        timerfd_gettime => anonfd::timerfd_gettime,
        signalfd4 => anonfd::signalfd4,
        inotify_init1 => anonfd::inotify_init1,
        inotify_add_watch => anonfd::inotify_add_watch,
        inotify_rm_watch => anonfd::inotify_rm_watch,
        memfd_create => anonfd::memfd_create,
        // mm
        brk => mm::brk,
        mmap => mm::mmap,
        munmap => mm::munmap,
        mprotect => mm::mprotect,
        mremap => mm::mremap,
        madvise => mm::madvise,
        mlock => mm::mlock,
        mlock2 => mm::mlock2,
        munlock => mm::munlock,
        mlockall => mm::mlockall,
        munlockall => mm::munlockall,
        msync => mm::msync,
        mincore => mm::mincore,
        membarrier => mm::membarrier,
        // signal
        rt_sigaction => signal::rt_sigaction,
        rt_sigprocmask => signal::rt_sigprocmask,
        rt_sigpending => signal::rt_sigpending,
        rt_sigtimedwait => signal::rt_sigtimedwait,
        rt_sigqueueinfo => signal::rt_sigqueueinfo,
        rt_tgsigqueueinfo => signal::rt_tgsigqueueinfo,
        kill => signal::kill,
        tkill => signal::tkill,
        tgkill => signal::tgkill,
        // time
        clock_gettime => time::clock_gettime,
        clock_getres => time::clock_getres,
        gettimeofday => time::gettimeofday,
        nanosleep => time::nanosleep,
        clock_nanosleep => time::clock_nanosleep,
        clock_settime => time::clock_settime,
        timer_create => time::timer_create,
        timer_settime => time::timer_settime,
        timer_gettime => time::timer_gettime,
        timer_getoverrun => time::timer_getoverrun,
        timer_delete => time::timer_delete,
        getitimer => time::getitimer,
        setitimer => time::setitimer,
        sched_rr_get_interval => time::sched_rr_get_interval,
        // process
        exit => process::exit,
        exit_group => process::exit_group,
        clone3 => process::clone3,
        wait4 => process::wait4,
        unshare => process::unshare,
        setns => process::setns,
        sethostname => process::sethostname,
        setdomainname => process::setdomainname,
        kcmp => process::kcmp,
        waitid => process::waitid,
        execve => exec::execve,
        execveat => exec::execveat,
        uname => process::uname,
        getpid => process::getpid,
        getppid => process::getppid,
        gettid => process::gettid,
        getuid => process::getuid,
        geteuid => process::geteuid,
        getgid => process::getgid,
        getegid => process::getegid,
        set_tid_address => process::set_tid_address,
        set_robust_list => process::set_robust_list,
        get_robust_list => process::get_robust_list,
        rseq => process::rseq,
        prlimit64 => process::prlimit64,
        getrlimit => process::getrlimit,
        setrlimit => process::setrlimit,
        sched_getaffinity => process::sched_getaffinity,
        sched_yield => process::sched_yield,
        umask => process::umask,
        times => process::times,
        sysinfo => process::sysinfo,
        getrusage => process::getrusage,
        getrandom => process::getrandom,
        futex => process::futex,
        futex_waitv => process::futex_waitv,
        prctl => process::prctl,
        personality => process::personality,
        get_mempolicy => process::get_mempolicy,
        // credentials, sessions, scheduling
        setuid => creds::setuid,
        setgid => creds::setgid,
        setreuid => creds::setreuid,
        setregid => creds::setregid,
        setresuid => creds::setresuid,
        setresgid => creds::setresgid,
        setfsuid => creds::setfsuid,
        setfsgid => creds::setfsgid,
        getresuid => creds::getresuid,
        getresgid => creds::getresgid,
        getgroups => creds::getgroups,
        setgroups => creds::setgroups,
        getpgid => creds::getpgid,
        setpgid => creds::setpgid,
        getsid => creds::getsid,
        setsid => creds::setsid,
        capget => creds::capget,
        capset => creds::capset,
        getpriority => creds::getpriority,
        setpriority => creds::setpriority,
        sched_getscheduler => creds::sched_getscheduler,
        sched_setscheduler => creds::sched_setscheduler,
        sched_getparam => creds::sched_getparam,
        sched_setparam => creds::sched_setparam,
        sched_setaffinity => creds::sched_setaffinity,
        sched_get_priority_max => creds::sched_get_priority_max,
        sched_get_priority_min => creds::sched_get_priority_min,
        getcpu => creds::getcpu,
        sched_getattr => creds::sched_getattr,
        sched_setattr => creds::sched_setattr,
        pidfd_open => creds::pidfd_open,
        pidfd_getfd => creds::pidfd_getfd,
        pidfd_send_signal => creds::pidfd_send_signal,
    }
}
