//! The AArch64 dispatch table: syscall (by generated name, never by number) to handler.

use crate::sysno::a64::Sysno;
use crate::{Linux, SysResult, fs, ioctl, mm, process, signal, time};

/// A syscall handler: the six raw argument registers in, x0's value or an errno out.
pub(crate) type Handler = fn(&mut Linux, &[u64; 6]) -> SysResult;

/// Lists `Sysno::name => handler` pairs as one match.
macro_rules! table {
    ($s:expr; $($name:ident => $h:path,)*) => {
        match $s {
            $(Sysno::$name => Some($h as Handler),)*
            _ => None,
        }
    };
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
        // mm
        brk => mm::brk,
        mmap => mm::mmap,
        munmap => mm::munmap,
        mprotect => mm::mprotect,
        mremap => mm::mremap,
        madvise => mm::madvise,
        // signal
        rt_sigaction => signal::rt_sigaction,
        rt_sigprocmask => signal::rt_sigprocmask,
        sigaltstack => signal::sigaltstack,
        kill => signal::kill,
        tkill => signal::tkill,
        tgkill => signal::tgkill,
        // time
        clock_gettime => time::clock_gettime,
        clock_getres => time::clock_getres,
        gettimeofday => time::gettimeofday,
        nanosleep => time::nanosleep,
        clock_nanosleep => time::clock_nanosleep,
        // process
        exit => process::exit,
        exit_group => process::exit_group,
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
    }
}
