//! The Linux system call layer: turns a guest's `svc` into host system calls or emulation.
//!
//! Entry point for AArch64 guests: [`syscall_a64`] (number in x8, arguments in x0..x5, result or
//! `-errno` in x0); for 32-bit ARM EABI guests: [`syscall_a32`] (number in r7, arguments in
//! r0..r5, see `arm32`). Both share one body (`run_syscall`: signal window, strace line,
//! unsupported-call note, restart). Syscall numbers come from the kernel's own tables in
//! `syscall-tables/`, turned into [`sysno::a64::Sysno`] and [`sysno::arm::Sysno`] by the build
//! script.
//!
//! Handlers are grouped by family: `fs` (files and paths), `io` (bulk and positional I/O,
//! statfs, locks, ownership), `xattr`, `poll` (ppoll, pselect6, epoll), `anonfd` (eventfd,
//! timerfd, signalfd, inotify, memfd), `net` (sockets), `mm` (memory), `signal` (dispositions
//! and mask mirrored on the host, queued host signals, EINTR/SA_RESTART), `sigframe` (the
//! AArch64 rt_sigframe and, in `sigframe::arm32`, the 32-bit ARM sigframe/rt_sigframe and
//! siginfo; sigreturn, rt_sigreturn, synchronous fault signals), `time`, `process` (exit,
//! fork/vfork, wait4/waitid, limits, prctl, futex), `exec` (execve re-entering armrun, `#!`
//! scripts, native host programs), `creds` (ids, groups, sessions, scheduler), `ioctl`.
//! Handlers that need the registers (clone, rt_sigreturn, rt_sigsuspend, sigaltstack) are in
//! a second table consulted first.
//! Where arm64 and x86-64 disagree (open flags, `struct stat`, `struct epoll_event`) the
//! structs are converted in `abi`/the handler. Every guest pointer goes through
//! [`mem::GuestMem`]; a bad pointer gives `-EFAULT`, never a host crash.
//!
//! Paths: when a sysroot is set, an absolute guest path that exists under the sysroot is opened
//! there instead (see `path`). `/proc/self/exe`, and the guest's own `auxv`, `cmdline`, `maps`,
//! `smaps` and `/proc/cpuinfo`, are emulated (see `procfs`).

#![deny(missing_docs)]

mod abi;
mod anonfd;
mod arm32;
mod creds;
mod dispatch;
mod exec;
mod fs;
mod guest;
mod io;
mod ioctl;
mod mm;
mod net;
mod path;
mod poll;
mod process;
mod procfs;
mod sigframe;
mod signal;
mod sigqueue;
pub mod sysno;
mod thread;
mod time;
mod xattr;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_io;
#[cfg(test)]
mod tests_net;
#[cfg(test)]
mod tests_proc;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;

use cpu::CpuState;
use mem::GuestMem;

pub use arm32::syscall_a32;
pub use exec::{REEXEC_VAR, decode_reexec};
pub use process::forks;
pub use sigframe::{force_data_fault, force_sync_signal, si_code};
pub use signal::{FaultRecovery, deliver_pending, die_by_signal, set_fault_recovery};
pub use thread::{
    OwnThreads, ThreadEntry, live_threads, set_own_threads, set_thread_entry, thread_exited,
};

/// What the caller should do after a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Resume the guest.
    Continue,
    /// The process exited (exit_group, or exit of the last thread) with this status.
    Exit(i32),
    /// The calling thread exited (`exit` while other guest threads live) with this status;
    /// the front end ends the thread and calls [`thread_exited`].
    ThreadExit(i32),
}

/// A positive errno value; handlers return `Err(Errno(..))` and the dispatcher negates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Errno(pub i32);

impl From<mem::Fault> for Errno {
    fn from(_: mem::Fault) -> Errno {
        Errno(libc::EFAULT)
    }
}

/// Result of one syscall handler: the value for x0, or an errno.
pub(crate) type SysResult = Result<u64, Errno>;

/// One recorded signal disposition in the guest's layout: handler, flags, restorer, mask.
pub(crate) type SigAction = [u64; 4];

/// Per-process emulation state.
pub struct Linux {
    mem: GuestMem,
    /// Guest executable path (what `/proc/self/exe` resolves to).
    exe: PathBuf,
    /// Folder that absolute guest paths are looked up in first.
    sysroot: Option<PathBuf>,
    /// Which guest paths exist under the sysroot (see `path`).
    sysroot_cache: path::SysrootCache,
    /// Syscall numbers already reported as unsupported.
    noted: HashSet<u64>,
    log_unimp: bool,
    strace: bool,
    /// Signal actions as the guest set them (index = signal number - 1), shared by the threads
    /// of the process (CLONE_SIGHAND).
    sigactions: std::sync::Arc<std::sync::Mutex<[SigAction; 64]>>,
    /// The guest's blocked-signal mask (recorded, not applied to the host).
    sigmask: u64,
    /// The guest's alternate signal stack: sp, flags, size.
    altstack: (u64, u32, u64),
    /// `set_tid_address` pointer.
    clear_child_tid: u64,
    /// `set_robust_list` head and length.
    robust_list: (u64, u64),
    /// Resource limits the guest set but that must not be applied to armrun itself.
    rlimits: HashMap<u32, (u64, u64)>,
    /// Set by exit/exit_group: the process status to report.
    exit: Option<i32>,
    /// With `exit`: only this thread ends (other guest threads live on).
    exit_thread: bool,
    /// This thread's slot in the signal handler's list of `pending` words.
    pending_slot: Option<usize>,
    /// The guest's execution domain (`personality`), PER_LINUX at start.
    personality: u32,
    /// Exec-time facts for /proc emulation.
    proc: procfs::ProcInfo,
    /// The mask to restore after a signal delivered during `rt_sigsuspend` (saved_sigmask).
    saved_sigmask: Option<u64>,
    /// Guest address of the `rt_sigreturn` trampoline page, mapped on first delivery.
    sigtramp: u64,
    /// armrun options that a re-executed armrun gets for a guest execve (see `exec`).
    exec_opts: Vec<OsString>,
    /// 32-bit guests: directory offsets as cookies that fit their `off_t` (see `arm32`).
    dirs: arm32::DirCookies,
    /// Whatever the embedder hands from a thread to the threads it creates (armrun: a handle
    /// on the process's translation cache).
    thread_seed: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

impl Linux {
    /// New emulation state for a process whose address space is `mem`.
    pub fn new(mem: GuestMem, exe: PathBuf, sysroot: Option<PathBuf>) -> Linux {
        Linux {
            mem,
            exe,
            sysroot,
            sysroot_cache: Default::default(),
            noted: HashSet::new(),
            log_unimp: true,
            strace: false,
            sigactions: std::sync::Arc::new(std::sync::Mutex::new([[0; 4]; 64])),
            sigmask: 0,
            altstack: (0, abi::SS_DISABLE, 0),
            clear_child_tid: 0,
            robust_list: (0, 0),
            rlimits: HashMap::new(),
            exit: None,
            exit_thread: false,
            pending_slot: None,
            personality: 0,
            proc: procfs::ProcInfo::default(),
            saved_sigmask: None,
            sigtramp: 0,
            exec_opts: Vec::new(),
            dirs: Default::default(),
            thread_seed: None,
        }
    }

    /// Sets what threads this thread creates find in [`Linux::thread_seed`] (and hand on).
    pub fn set_thread_seed(&mut self, seed: std::sync::Arc<dyn std::any::Any + Send + Sync>) {
        self.thread_seed = Some(seed);
    }

    /// What the thread that created this one set with [`Linux::set_thread_seed`].
    pub fn thread_seed(&self) -> Option<&std::sync::Arc<dyn std::any::Any + Send + Sync>> {
        self.thread_seed.as_ref()
    }

    /// The guest address space.
    pub fn mem(&self) -> &GuestMem {
        &self.mem
    }

    /// The guest address space, mutably (for the loader and the runtime).
    pub fn mem_mut(&mut self) -> &mut GuestMem {
        &mut self.mem
    }

    /// Whether unsupported syscalls are reported to the log (once per number). On by default.
    pub fn set_log_unimp(&mut self, on: bool) {
        self.log_unimp = on;
    }

    /// Whether every syscall is logged, strace style. Off by default.
    pub fn set_strace(&mut self, on: bool) {
        self.strace = on;
    }

    /// Reports an unsupported syscall once (`name` from the guest's own table).
    fn note_unsupported(&mut self, nr: u64, name: Option<&str>) {
        if self.log_unimp && self.noted.insert(nr) {
            let name = name.unwrap_or("unknown");
            log(format!("armrun: unsupported syscall {name} ({nr})\n").as_bytes());
        }
    }
}

/// Where the log lines of this crate (strace, unsupported syscalls) go; standard error until
/// [`set_log_writer`].
static LOG_WRITER: std::sync::OnceLock<fn(&[u8])> = std::sync::OnceLock::new();

/// Sends this crate's log lines through `writer` (armrun's `-D` log file) instead of standard
/// error. Only the first call counts.
pub fn set_log_writer(writer: fn(&[u8])) {
    let _ = LOG_WRITER.set(writer);
}

/// Writes whole log lines in one write, so the lines of threads and of forked and exec'd guests
/// sharing the log do not interleave inside lines.
pub(crate) fn log(line: &[u8]) {
    match LOG_WRITER.get() {
        Some(w) => w(line),
        None => {
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line);
        }
    }
}

/// Runs the AArch64 syscall in `cpu`: number in x8, arguments in x0..x5; the result (or
/// `-errno`) goes to x0.
pub fn syscall_a64(linux: &mut Linux, cpu: &mut CpuState) -> Flow {
    let nr = cpu.x[8];
    let sys = sysno::a64::Sysno::from_u64(nr);
    let call = Call {
        nr,
        name: sys.map(|s| s.name()),
        entry: sys.and_then(dispatch::a64_entry),
        restartable: sys.is_some_and(signal::restartable),
        args: [cpu.x[0], cpu.x[1], cpu.x[2], cpu.x[3], cpu.x[4], cpu.x[5]],
        result_mask: u64::MAX,
        svc_len: 4,
    };
    run_syscall(linux, cpu, call)
}

/// One syscall as the ABI-independent body sees it (see [`run_syscall`]).
pub(crate) struct Call {
    /// The raw syscall number (for the unsupported-call note).
    nr: u64,
    /// The kernel's name of the call in the guest's table (for notes and strace).
    name: Option<&'static str>,
    /// The handler, or `None` for an unimplemented call (`-ENOSYS`).
    entry: Option<dispatch::Entry>,
    /// Whether the kernel restarts the call after an `SA_RESTART` handler interrupted it.
    restartable: bool,
    /// The six argument registers.
    args: [u64; 6],
    /// Bits of the result register the guest sees (32-bit guests: the low 32).
    result_mask: u64,
    /// Length of the SVC instruction, to step back onto it for a restart.
    svc_len: u64,
}

/// The body every guest ABI shares: signal window, handler, unsupported note, strace line,
/// exit, and EINTR/restart handling with signal delivery.
pub(crate) fn run_syscall(linux: &mut Linux, cpu: &mut CpuState, call: Call) -> Flow {
    let args = call.args;
    let Some(window) = signal::SyscallWindow::enter(linux) else {
        signal::before_syscall_interrupted(linux, cpu, call.svc_len);
        return Flow::Continue;
    };
    // Handlers that read or rewrite registers (clone, rt_sigreturn, ...) get the CPU.
    let res = match call.entry {
        Some(dispatch::Entry::Cpu(handler)) => handler(linux, cpu, &args),
        Some(dispatch::Entry::Plain(handler)) => handler(linux, &args),
        None => {
            linux.note_unsupported(call.nr, call.name);
            Err(Errno(libc::ENOSYS))
        }
    };
    drop(window);
    let ret = match res {
        Ok(v) => v,
        Err(Errno(e)) => (-(e as i64)) as u64,
    } & call.result_mask;
    if linux.strace {
        let name = call.name.unwrap_or("unknown");
        let result = match res {
            Ok(v) => format!("{:#x}", v & call.result_mask),
            Err(Errno(e)) => format!("-{e} ({})", std::io::Error::from_raw_os_error(e)),
        };
        let line = format!(
            "armrun: {name}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) = {result}\n",
            args[0], args[1], args[2], args[3], args[4], args[5]
        );
        log(line.as_bytes());
    }
    match linux.exit.take() {
        Some(code) if std::mem::take(&mut linux.exit_thread) => Flow::ThreadExit(code),
        Some(code) => Flow::Exit(code),
        None => {
            cpu.x[0] = ret;
            // Signals that arrived during the call (EINTR / SA_RESTART) or that it unblocked.
            signal::after_syscall(linux, cpu, call.restartable, res, args[0], call.svc_len);
            Flow::Continue
        }
    }
}
