//! Signal syscalls and the host side of signal delivery. Signal numbers and `SIG_BLOCK`-style
//! constants are the asm-generic ones on both arm64 and x86-64, and so is `siginfo_t`, so they
//! pass to the host unchanged.
//!
//! The guest's dispositions and mask are mirrored on the host, so the host kernel does most of
//! the work exactly:
//!
//! - `SIG_DFL` and `SIG_IGN` are installed as such: a guest killed by a signal kills armrun by
//!   the same signal (its parent's `waitpid` sees the exact status), ignored signals are ignored
//!   by the kernel (and stay ignored across execve).
//! - A guest handler installs [`on_host_signal`], which records the signal and its `siginfo`
//!   and sets the CPU's `pending` word, so translated code returns to the dispatcher at the
//!   next block boundary, where `sigframe` builds the guest's frame. Host syscalls are
//!   interrupted (no `SA_RESTART` on the host); [`after_syscall`] turns the EINTR into a
//!   restart or EINTR for the guest according to the guest's `SA_RESTART` and the syscall.
//! - The guest's blocked mask is the host thread's mask (minus the synchronous fault signals,
//!   which armrun must always receive), so blocked signals stay pending in the host kernel
//!   where `rt_sigpending`, `rt_sigtimedwait` and signalfd find them.
//!
//! A signal that arrives while a syscall handler runs but before its blocking host call has
//! started would otherwise be noticed only when that call returns, which may be never. So
//! while a handler runs ([`SyscallWindow`]) the host handler also arms a "kick": a per-thread
//! POSIX timer that re-sends the same signal every millisecond, marked by a magic `sigval` so
//! that [`on_host_signal`] drops it. Any kick interrupts the blocking call with EINTR, which
//! then becomes EINTR or a restart for the guest as usual; the window's end deletes the timer.
//! A signal already queued when the guest enters a syscall is delivered first, with the SVC
//! re-executed afterwards, as if it had arrived just before the instruction.
//!
//! The fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) always have armrun's own host
//! handler, [`on_sync_signal`]: a guest load or store that faults in translated code becomes a
//! guest fault (see [`set_fault_recovery`]), any other real fault goes on to the previous
//! handler (Rust's runtime),
//! while the same signals sent with kill or raise follow the guest's disposition like any
//! other signal. Faults of the guest's own instructions reach it through the dispatcher
//! (`sigframe::force_sync_signal`).
//!
//! Between the host handler and delivery, a standard signal is queued once (merged, as by the
//! kernel) and a real-time one up to 8 times with each siginfo, in the process's queue, or in
//! the receiving thread's own queue when it was sent to that thread (tgkill), so that only
//! that thread delivers it (`sigqueue`). The kick and the syscall window are per thread. All 64 signals map 1:1 to the
//! host's, including 32 and 33, which the guest's C library uses for thread cancellation and
//! set*id broadcasts: armrun never uses them itself (its set*id calls are raw syscalls), so it
//! installs its handlers and masks with raw syscalls, which glibc's wrappers would refuse.

use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

use cpu::CpuState;

use crate::abi;
use crate::fs::int;
use crate::guest::host;
use crate::sigqueue::SigQueue;
use crate::sysno::a64::Sysno;
use crate::{Errno, Linux, SigAction, SysResult};

type Args = [u64; 6];

/// Highest signal number.
const NSIG: u64 = 64;
/// Guest `SIG_DFL` / `SIG_IGN` handler values.
pub(crate) const SIG_DFL: u64 = 0;
pub(crate) const SIG_IGN: u64 = 1;
/// `sa_flags` bits (arm64 uses the asm-generic values).
pub(crate) const SA_SIGINFO: u64 = 4;
pub(crate) const SA_RESTORER: u64 = 0x0400_0000;
pub(crate) const SA_ONSTACK: u64 = 0x0800_0000;
pub(crate) const SA_RESTART: u64 = 0x1000_0000;
pub(crate) const SA_NODEFER: u64 = 0x4000_0000;
pub(crate) const SA_RESETHAND: u64 = 0x8000_0000;
/// Size of `siginfo_t`.
pub(crate) const SIGINFO_SIZE: usize = 128;

/// Bit of signal `sig` in a sigset.
pub(crate) fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// Signals the guest can never block or catch.
const UNBLOCKABLE: u64 = (1 << (libc::SIGKILL - 1)) | (1 << (libc::SIGSTOP - 1));

/// Synchronous fault signals: armrun itself must receive them, so they are never blocked on the
/// host and their host handler is always [`on_sync_signal`].
fn synchronous(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP
    )
}

/// Host mask bits that may mirror the guest's.
fn host_maskable() -> u64 {
    let mut m = !UNBLOCKABLE;
    for s in 1..=NSIG as i32 {
        if synchronous(s) {
            m &= !bit(s);
        }
    }
    m
}

/// Signals caught by [`on_host_signal`] for the process, not yet delivered to the guest.
static PROCESS: SigQueue = SigQueue::new();

thread_local! {
    /// Signals caught for this thread alone (sent with tgkill), not yet delivered.
    static THREAD: SigQueue = const { SigQueue::new() };
    /// This thread's CPU `pending` word (null before its signals are set up).
    static OWN_PENDING: Cell<*mut u64> = const { Cell::new(std::ptr::null_mut()) };
    /// Non-zero while a syscall handler of this thread runs.
    static IN_SYSCALL: Cell<bool> = const { Cell::new(false) };
    /// This thread's kick timer's id plus one, or 0 when none is armed.
    static KICK_TIMER: Cell<u64> = const { Cell::new(0) };
    /// The signal the armed kick timer sends.
    static KICK_SIG: Cell<i32> = const { Cell::new(0) };
}

/// `si_code` of a signal sent to one thread with tkill/tgkill.
const SI_TKILL: i32 = -6;

/// Queues a caught instance of `sig`: for this thread alone if it was sent to this thread
/// (tgkill), else for the process. Returns true for a thread's own signal.
fn enqueue(sig: i32, words: Option<&[u64]>) -> bool {
    let code = words.map_or(0, |w| (w[1] & 0xffff_ffff) as u32 as i32);
    if code == SI_TKILL {
        THREAD.with(|q| q.enqueue(sig, words));
        true
    } else {
        PROCESS.enqueue(sig, words);
        false
    }
}

/// Signals queued for this thread (its own or the process's) that `mask` does not block.
fn queued_unblocked(mask: u64) -> u64 {
    (PROCESS.queued() | THREAD.with(|q| q.queued())) & !mask
}

/// Drops every queued instance of `sig` (SIG_IGN discards pending signals).
fn discard(sig: i32) {
    PROCESS.discard(sig);
    THREAD.with(|q| q.discard(sig));
}

/// Most guest threads whose `pending` words a host signal handler sets; threads beyond it
/// still get their signals, at their next syscall.
const PENDING_SLOTS: usize = 256;

/// The `pending` word of every running guest thread's CPU (null: free slot). A process signal
/// sets them all, so whichever thread polls first delivers it; a thread's own signal sets only
/// its own.
static PENDING_WORDS: [AtomicPtr<u64>; PENDING_SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; PENDING_SLOTS];

/// Puts `word` (the calling thread's own) in a free slot of [`PENDING_WORDS`]; the slot, or
/// `None` when all are taken.
pub(crate) fn register_pending(word: *mut u64) -> Option<usize> {
    OWN_PENDING.with(|p| p.set(word));
    PENDING_WORDS.iter().position(|slot| {
        slot.compare_exchange(
            std::ptr::null_mut(),
            word,
            Ordering::SeqCst,
            Ordering::SeqCst,
        )
        .is_ok()
    })
}

/// Frees a slot taken by [`register_pending`] (the thread and its CPU state are going away).
pub(crate) fn unregister_pending(slot: usize) {
    OWN_PENDING.with(|p| p.set(std::ptr::null_mut()));
    PENDING_WORDS[slot].store(std::ptr::null_mut(), Ordering::SeqCst);
}
/// `sigval` that marks a kick (see the module doc); no guest could mean anything by it.
const KICK_MAGIC: u64 = 0x6172_6d72_756e_4b21;
/// `si_code` of a POSIX timer expiry.
const SI_TIMER: i32 = -2;
/// `SIGEV_THREAD_ID`.
const SIGEV_THREAD_ID: i32 = 4;

/// Whether `info` is one of our own kicks.
fn is_kick(info: &[u64]) -> bool {
    let code = (info[1] & 0xffff_ffff) as u32 as i32;
    code == SI_TIMER && info[3] == KICK_MAGIC
}

/// Arms the kick timer for `sig` (from the host handler: raw syscalls only).
fn arm_kick(sig: i32) {
    if KICK_TIMER.with(|t| t.get()) != 0 {
        return;
    }
    // struct sigevent as the kernel reads it: sigval, signo, notify, then the thread id.
    let mut ev = [0u64; 8];
    ev[0] = KICK_MAGIC;
    ev[1] = (sig as u32 as u64) | ((SIGEV_THREAD_ID as u32 as u64) << 32);
    // SAFETY: gettid has no arguments.
    ev[2] = unsafe { libc::syscall(libc::SYS_gettid) } as u32 as u64;
    let mut id: i32 = 0;
    // SAFETY: `ev` is a 64-byte sigevent, `id` receives the timer id.
    let r = unsafe {
        libc::syscall(
            libc::SYS_timer_create,
            libc::CLOCK_MONOTONIC,
            ev.as_ptr(),
            &mut id as *mut i32,
        )
    };
    if r < 0 {
        return;
    }
    // First kick after 100 µs, then every millisecond until the window closes.
    let spec: [i64; 4] = [0, 1_000_000, 0, 100_000];
    // SAFETY: `spec` is a struct itimerspec (interval, value); no old value wanted.
    unsafe {
        libc::syscall(
            libc::SYS_timer_settime,
            id,
            0,
            spec.as_ptr(),
            std::ptr::null_mut::<i64>(),
        )
    };
    KICK_SIG.with(|k| k.set(sig));
    KICK_TIMER.with(|t| t.set(id as u32 as u64 + 1));
}

/// Deletes the kick timer if one is armed. A kick that fired while the guest's mask (mirrored
/// on the host) blocked its signal is still pending in the kernel, where the guest's
/// sigpending or sigtimedwait would see it: it is taken out here, and a real instance taken
/// out with it goes to the queue, whose delivery respects the mask.
fn disarm_kick() {
    let t = KICK_TIMER.with(|t| t.replace(0));
    if t == 0 {
        return;
    }
    // SAFETY: deleting our own timer id.
    unsafe { libc::syscall(libc::SYS_timer_delete, (t - 1) as i32) };
    let sig = KICK_SIG.with(|k| k.get());
    if host_mask() & bit(sig) == 0 {
        // Not blocked: any kick was delivered to the handler, which dropped it.
        return;
    }
    let set = bit(sig);
    let zero = [0i64; 2];
    loop {
        let mut info = [0u64; SIGINFO_SIZE / 8];
        // SAFETY: our own set, siginfo buffer and zero timeout.
        let r = unsafe {
            libc::syscall(
                libc::SYS_rt_sigtimedwait,
                &set as *const u64,
                info.as_mut_ptr(),
                zero.as_ptr(),
                8usize,
            )
        };
        if r != sig as i64 {
            break;
        }
        if !is_kick(&info) {
            enqueue(sig, Some(&info));
        }
    }
}

/// Marks a syscall handler's run; dropping it ends the window and stops any kick.
pub(crate) struct SyscallWindow(());

impl SyscallWindow {
    /// Opens the window, or returns `None` when a signal the guest does not block is already
    /// queued: the caller then delivers it and re-executes the SVC afterwards.
    pub(crate) fn enter(l: &Linux) -> Option<SyscallWindow> {
        IN_SYSCALL.with(|f| f.set(true));
        if queued_unblocked(l.sigmask) != 0 {
            IN_SYSCALL.with(|f| f.set(false));
            return None;
        }
        Some(SyscallWindow(()))
    }
}

impl Drop for SyscallWindow {
    fn drop(&mut self) {
        IN_SYSCALL.with(|f| f.set(false));
        disarm_kick();
    }
}

/// A signal was queued before the SVC ran: deliver it and make the SVC (`svc_len` bytes: 4, or
/// 2 for a Thumb SVC) run again on return.
pub(crate) fn before_syscall_interrupted(l: &mut Linux, cpu: &mut CpuState, svc_len: u64) {
    cpu.pc = cpu.pc.wrapping_sub(svc_len);
    deliver_pending(l, cpu);
}

/// The host handler for signals the guest handles: note the signal and ask the dispatcher to
/// stop at the next block boundary. Only async-signal-safe work: atomic stores.
extern "C" fn on_host_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _uc: *mut libc::c_void) {
    if !(1..=NSIG as i32).contains(&sig) {
        return;
    }
    let words = if info.is_null() {
        None
    } else {
        // SAFETY: the kernel passes a valid, 8-byte aligned 128-byte siginfo_t.
        Some(unsafe { std::slice::from_raw_parts(info as *const u64, SIGINFO_SIZE / 8) })
    };
    if words.is_some_and(is_kick) {
        // Our own kick: its only job was to interrupt a host call.
        return;
    }
    let own = enqueue(sig, words);
    if IN_SYSCALL.with(|f| f.get()) {
        arm_kick(sig);
    }
    let me = OWN_PENDING.with(|p| p.get());
    if own && !me.is_null() {
        // SAFETY: this thread's own registered pending word (see `register_pending`), in its
        // CpuState.
        unsafe { cpu::raise_pending(me) };
        return;
    }
    for slot in &PENDING_WORDS {
        let p = slot.load(Ordering::SeqCst);
        if !p.is_null() {
            // SAFETY: `p` points at the pending word of a boxed CpuState registered by
            // `init_signals` or a thread start, which stays allocated until its slot is freed;
            // volatile stores are what translated code polls.
            unsafe { cpu::raise_pending(p) };
        }
    }
}

// The return path of host handlers installed with the raw syscall (the kernel needs
// SA_RESTORER on x86-64): rt_sigreturn. glibc's own restorer is the same two instructions, but
// glibc refuses to install handlers for signals 32 and 33, so armrun installs all of its
// handlers itself.
#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".globl armrun_host_sigreturn",
    ".p2align 4",
    "armrun_host_sigreturn:",
    "mov eax, 15",
    "syscall",
);
#[cfg(target_arch = "aarch64")]
std::arch::global_asm!(
    ".globl armrun_host_sigreturn",
    ".p2align 4",
    "armrun_host_sigreturn:",
    "mov x8, #139",
    "svc #0",
);

unsafe extern "C" {
    /// See the `global_asm!` above; never called directly.
    fn armrun_host_sigreturn();
}

/// Host `SA_RESTORER`.
const HOST_SA_RESTORER: u64 = 0x0400_0000;
/// `SA_NOCLDSTOP` / `SA_NOCLDWAIT`: they change what the kernel does with children, so the
/// guest's choice is passed on for SIGCHLD.
const SA_NOCLDSTOP: u64 = 1;
const SA_NOCLDWAIT: u64 = 2;

/// Installs a host action with the raw syscall: `handler` is SIG_DFL (0), SIG_IGN (1) or a
/// function address.
fn host_sigaction(sig: i32, handler: usize, flags: u64) {
    let mut flags = flags;
    if handler > 1 {
        flags |= HOST_SA_RESTORER | libc::SA_SIGINFO as u64;
    }
    // struct kernel_sigaction on x86-64 and arm64: handler, flags, restorer, mask. A full mask
    // keeps our handler from nesting.
    let act: [u64; 4] = [
        handler as u64,
        flags,
        armrun_host_sigreturn as *const () as u64,
        u64::MAX,
    ];
    // SAFETY: a valid kernel sigaction whose handler (if any) does only async-signal-safe work
    // and returns through rt_sigreturn.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            act.as_ptr(),
            std::ptr::null_mut::<u64>(),
            8usize,
        )
    };
}

/// The host's current action for `sig` (kernel layout: handler, flags, restorer, mask).
fn host_action(sig: i32) -> Option<[u64; 4]> {
    let mut old = [0u64; 4];
    // SAFETY: query only, into a kernel sigaction buffer of ours.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            std::ptr::null::<u64>(),
            old.as_mut_ptr(),
            8usize,
        )
    };
    (r == 0).then_some(old)
}

/// The guest's disposition per signal, readable from the host handlers: 0 SIG_DFL, 1 SIG_IGN,
/// 2 a guest handler.
static GUEST_DISP: [AtomicU8; NSIG as usize] = [const { AtomicU8::new(0) }; NSIG as usize];
/// The fault signals armrun handles itself (see [`on_sync_signal`]).
const SYNC_SIGNALS: [i32; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGTRAP,
];
/// The host action each fault signal had before armrun took it over (Rust's runtime reports
/// stack overflows from its SIGSEGV/SIGBUS handler), as 4 kernel sigaction words.
static PREV_SYNC: [[AtomicU64; 4]; SYNC_SIGNALS.len()] =
    [const { [const { AtomicU64::new(0) }; 4] }; SYNC_SIGNALS.len()];
/// Host `SA_ONSTACK`: the fault handler must run even when armrun's own stack overflowed.
const HOST_SA_ONSTACK: u64 = 0x0800_0000;

/// Host handler for the fault signals. A real fault (positive `si_code`) belongs to armrun
/// (a guest fault in translated code, or a bug) and goes to the previous handler. The same
/// signal sent by kill/tgkill/sigqueue (`si_code` <= 0) is asynchronous and the guest's: it is
/// queued for the guest's handler, ignored, or ends the process, per the guest's disposition.
extern "C" fn on_sync_signal(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t.
    let code = if info.is_null() {
        0
    } else {
        unsafe { (*info).si_code }
    };
    if code <= 0 && (1..=NSIG as i32).contains(&sig) {
        match GUEST_DISP[(sig - 1) as usize].load(Ordering::SeqCst) {
            1 => {}
            2 => on_host_signal(sig, info, uc),
            _ => die_by_signal(sig),
        }
        return;
    }
    if sig == libc::SIGSEGV || sig == libc::SIGBUS {
        let f = FAULT_RECOVERY.load(Ordering::SeqCst);
        if f != 0 && !info.is_null() {
            // SAFETY: only `set_fault_recovery` stores here, always a `FaultRecovery`.
            let f: FaultRecovery = unsafe { std::mem::transmute(f) };
            // SAFETY: the kernel passes a valid siginfo_t.
            let addr = unsafe { (*info).si_addr() } as u64;
            // SAFETY: we are the SA_SIGINFO handler of this signal and pass its own ucontext.
            if unsafe { f(uc, sig, code, addr) } {
                return;
            }
        }
    }
    let Some(i) = SYNC_SIGNALS.iter().position(|&s| s == sig) else {
        return;
    };
    let prev: [u64; 4] = std::array::from_fn(|k| PREV_SYNC[i][k].load(Ordering::SeqCst));
    if prev[0] > 1 {
        if prev[1] & libc::SA_SIGINFO as u64 != 0 {
            // SAFETY: the previous handler was installed with SA_SIGINFO, so it takes these
            // three arguments; we pass on exactly what the kernel gave us.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(prev[0] as usize) };
            f(sig, info, uc);
        } else {
            // SAFETY: a plain handler takes the signal number only.
            let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(prev[0] as usize) };
            f(sig);
        }
    } else {
        // Default action: returning re-executes the faulting instruction, which now kills.
        host_sigaction(sig, 0, 0);
    }
}

/// A function that turns a host fault in translated code into a guest fault (returning true),
/// called from the host SIGSEGV/SIGBUS handler with its `ucontext`, signal, `si_code` and
/// `si_addr`; see `runtime::recover_fault`.
pub type FaultRecovery = unsafe fn(*mut libc::c_void, i32, i32, u64) -> bool;
/// The installed [`FaultRecovery`] (0: none).
static FAULT_RECOVERY: AtomicUsize = AtomicUsize::new(0);

/// Installs the function [`on_sync_signal`] asks first about a host SIGSEGV or SIGBUS, so that
/// a guest's faulting load or store reaches the guest (its handler or its death by the signal)
/// instead of being an armrun crash.
pub fn set_fault_recovery(f: FaultRecovery) {
    FAULT_RECOVERY.store(f as usize, Ordering::SeqCst);
}

/// Takes over the fault signals (see [`on_sync_signal`]), remembering the previous actions.
fn install_sync_handlers() {
    for (i, &sig) in SYNC_SIGNALS.iter().enumerate() {
        let Some(old) = host_action(sig) else {
            continue;
        };
        if old[0] == on_sync_signal as *const () as u64 {
            continue;
        }
        for (k, w) in old.iter().enumerate() {
            PREV_SYNC[i][k].store(*w, Ordering::SeqCst);
        }
        host_sigaction(sig, on_sync_signal as *const () as usize, HOST_SA_ONSTACK);
    }
}

/// Installs the host disposition that mirrors guest action `act` for `sig`.
fn mirror_action(sig: i32, act: &SigAction) {
    let disp = match act[0] {
        SIG_DFL => 0,
        SIG_IGN => 1,
        _ => 2,
    };
    GUEST_DISP[(sig - 1) as usize].store(disp, Ordering::SeqCst);
    if synchronous(sig) || UNBLOCKABLE & bit(sig) != 0 {
        return;
    }
    let handler = match act[0] {
        SIG_DFL => 0,
        SIG_IGN => 1,
        _ => on_host_signal as *const () as usize,
    };
    let flags = if sig == libc::SIGCHLD {
        act[1] & (SA_NOCLDSTOP | SA_NOCLDWAIT)
    } else {
        0
    };
    host_sigaction(sig, handler, flags);
}

/// The host thread's blocked mask, as a kernel sigset.
fn host_mask() -> u64 {
    let mut old: u64 = 0;
    // SAFETY: query only, into an 8-byte kernel sigset.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            std::ptr::null::<u64>(),
            &mut old as *mut u64,
            8usize,
        )
    };
    old
}

/// Makes the host thread's mask mirror guest mask `m` (the raw syscall: glibc's would drop 32
/// and 33).
pub(crate) fn apply_host_mask(m: u64) {
    let m = m & host_maskable();
    // SAFETY: an 8-byte kernel sigset of ours; the old mask is not needed.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &m as *const u64,
            std::ptr::null_mut::<u64>(),
            8usize,
        )
    };
}

/// Called in a forked child: nothing the parent queued belongs to it, and timers are not
/// inherited.
pub(crate) fn after_fork() {
    for s in 1..=NSIG as i32 {
        discard(s);
    }
    KICK_TIMER.with(|t| t.set(0));
}

/// Ends the process the way the kernel ends one that does not handle `sig`: by that signal,
/// without a core file (the guest's crash is not armrun's).
pub fn die_by_signal(sig: i32) -> ! {
    host_sigaction(sig, 0, 0);
    apply_host_mask(host_mask() & !bit(sig));
    // SAFETY: setting a resource limit and sending ourselves a signal, with valid arguments; if
    // the signal somehow returns we still exit below.
    unsafe {
        let lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &lim);
        libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), sig);
    }
    std::process::exit(128 + sig)
}

/// What the kernel does by default with a signal (signal(7)).
enum Default {
    Ignore,
    Stop,
    Terminate,
}

fn default_action(sig: i32) -> Default {
    match sig {
        libc::SIGCHLD | libc::SIGCONT | libc::SIGURG | libc::SIGWINCH => Default::Ignore,
        libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU => Default::Stop,
        _ => Default::Terminate,
    }
}

impl Linux {
    /// Takes over the host's signal state at start: the inherited mask becomes the guest's
    /// mask and inherited `SIG_IGN` dispositions the guest's (both survive execve), and
    /// `cpu.pending` is the word the host handler sets. `cpu` must stay at this address for the
    /// rest of the run (the front end keeps it boxed).
    pub fn init_signals(&mut self, cpu: &mut CpuState) {
        self.pending_slot = register_pending(&mut cpu.pending);
        let mask = host_mask();
        for s in 1..=NSIG as i32 {
            if host_action(s).is_some_and(|old| old[0] == SIG_IGN) {
                self.actions()[(s - 1) as usize][0] = SIG_IGN;
                GUEST_DISP[(s - 1) as usize].store(1, Ordering::SeqCst);
            }
        }
        self.sigmask = mask & !UNBLOCKABLE;
        install_sync_handlers();
    }

    /// The guest action for `sig`.
    pub(crate) fn action(&self, sig: i32) -> SigAction {
        self.actions()[(sig - 1) as usize]
    }

    /// The process's signal actions, locked (shared by its threads).
    pub(crate) fn actions(&self) -> std::sync::MutexGuard<'_, [SigAction; 64]> {
        self.sigactions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the guest mask (and the host's mirror of it).
    pub(crate) fn set_sigmask(&mut self, m: u64) {
        self.sigmask = m & !UNBLOCKABLE;
        apply_host_mask(self.sigmask);
    }

    /// Resets `sig` to `SIG_DFL` (SA_RESETHAND, or a forced synchronous signal).
    pub(crate) fn reset_action(&mut self, sig: i32) {
        let act = [SIG_DFL, 0, 0, 0];
        self.actions()[(sig - 1) as usize] = act;
        mirror_action(sig, &act);
    }
}

/// Takes one queued signal that `mask` does not block, lowest number first: (signal, siginfo).
fn take_queued(mask: u64) -> Option<(i32, [u8; SIGINFO_SIZE])> {
    // The thread's own signals first, as the kernel's dequeue_signal takes them.
    THREAD.with(|q| q.take(mask)).or_else(|| PROCESS.take(mask))
}

/// Delivers every queued signal the guest does not block: each handler gets a frame (the last
/// one delivered runs first, as with the kernel's nested delivery); default actions are
/// carried out.
pub fn deliver_pending(l: &mut Linux, cpu: &mut CpuState) {
    cpu.pending = 0;
    while let Some((sig, info)) = take_queued(l.sigmask) {
        let act = l.action(sig);
        match act[0] {
            SIG_IGN => {}
            SIG_DFL => match default_action(sig) {
                Default::Ignore => {}
                Default::Stop => {
                    // Stop by this very signal, so the parent's waitpid reports it; the kernel
                    // resumes us on SIGCONT and the mirrored state is put back.
                    host_sigaction(sig, 0, 0);
                    apply_host_mask(l.sigmask & !bit(sig));
                    // SAFETY: signalling our own thread.
                    unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), sig) };
                    mirror_action(sig, &l.action(sig));
                    apply_host_mask(l.sigmask);
                }
                Default::Terminate => die_by_signal(sig),
            },
            _ => {
                if crate::sigframe::setup_frame(l, cpu, sig, &act, &info, None).is_err() {
                    die_by_signal(libc::SIGSEGV);
                }
            }
        }
    }
    // rt_sigsuspend woke for a signal that got no frame: its mask ends here.
    if let Some(m) = l.saved_sigmask.take() {
        l.set_sigmask(m);
    }
}

/// Settles the signals queued in armrun just before a successful-looking execve replaces the
/// image (their handlers are about to be reset by the exec): one the guest blocks is sent to
/// ourselves again, with its siginfo, so it stays pending across the exec as in the kernel; one
/// it does not block would have been delivered to the new image under the default action right
/// away, so that action happens now (ignore, stop, or death by the signal, which the parent
/// cannot tell from a death just after the exec).
pub(crate) fn before_exec(l: &Linux) {
    // A kick must not outlive the image as a pending signal.
    disarm_kick();
    let mask = l.sigmask;
    while let Some((sig, info)) = take_queued(0) {
        if mask & bit(sig) != 0 {
            // SAFETY: sending ourselves a signal with a siginfo buffer of ours.
            unsafe {
                libc::syscall(
                    libc::SYS_rt_tgsigqueueinfo,
                    libc::getpid(),
                    libc::gettid(),
                    sig,
                    info.as_ptr(),
                )
            };
            continue;
        }
        match default_action(sig) {
            Default::Ignore => {}
            Default::Stop => {
                host_sigaction(sig, 0, 0);
                apply_host_mask(mask & !bit(sig));
                // SAFETY: signalling our own thread; the kernel resumes us on SIGCONT.
                unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), sig) };
                // Should the exec fail, the guest's own disposition must be back.
                mirror_action(sig, &l.action(sig));
                apply_host_mask(mask);
            }
            Default::Terminate => die_by_signal(sig),
        }
    }
}

/// Whether the kernel restarts `s` after a handler with `SA_RESTART` interrupted it
/// (signal(7): slow I/O, waits, locks, socket calls; never sleeps, polls or signal waits).
pub(crate) fn restartable(s: Sysno) -> bool {
    use Sysno::*;
    matches!(
        s,
        read | readv
            | write
            | writev
            | pread64
            | pwrite64
            | preadv
            | pwritev
            | preadv2
            | pwritev2
            | ioctl
            | openat
            | openat2
            | wait4
            | waitid
            | accept
            | accept4
            | connect
            | recvfrom
            | recvmsg
            | recvmmsg
            | sendto
            | sendmsg
            | sendmmsg
            | flock
            | fcntl
            | futex
            | getrandom
            | splice
            | tee
            | sendfile
            | copy_file_range
            | fallocate
            | ftruncate
    )
}

/// After a syscall: if it was interrupted by a signal the guest handles, either restart it
/// (`SA_RESTART` and a `restartable` call: x0 gets its original value back and the pc steps
/// back onto the SVC, `svc_len` bytes) or leave EINTR; then deliver whatever is queued.
pub(crate) fn after_syscall(
    l: &mut Linux,
    cpu: &mut CpuState,
    restartable: bool,
    res: SysResult,
    orig_x0: u64,
    svc_len: u64,
) {
    let queued = queued_unblocked(l.sigmask);
    if queued == 0 {
        if let Some(m) = l.saved_sigmask.take() {
            // rt_sigsuspend returned without anything to deliver.
            l.set_sigmask(m);
        }
        return;
    }
    if res == Err(Errno(libc::EINTR)) && restartable {
        let sig = queued.trailing_zeros() as i32 + 1;
        let act = l.action(sig);
        let handled = act[0] != SIG_DFL && act[0] != SIG_IGN;
        if !handled || act[1] & SA_RESTART != 0 {
            cpu.x[0] = orig_x0;
            cpu.pc = cpu.pc.wrapping_sub(svc_len);
        }
    }
    deliver_pending(l, cpu);
}

/// Checks a signal number argument (0 is allowed: it probes for existence).
fn sig_arg(s: u64) -> Result<i32, Errno> {
    if s > NSIG {
        Err(Errno(libc::EINVAL))
    } else {
        Ok(s as i32)
    }
}

/// Size of the kernel's `struct sigaction` for this guest: handler, flags and restorer as
/// words, then the 64-bit mask (arm64: 32 bytes; 32-bit ARM: 20, the mask 4-byte aligned).
fn sigaction_size(l: &Linux) -> u64 {
    3 * l.word() + abi::SIGSET_SIZE
}

/// Reads a guest `struct sigaction` (see [`sigaction_size`]).
fn read_sigaction(l: &Linux, addr: u64) -> Result<SigAction, Errno> {
    let w = l.word();
    Ok([
        l.read_word(addr)?,
        l.read_word(addr + w)?,
        l.read_word(addr + 2 * w)?,
        l.mem.read_u64(addr + 3 * w)?,
    ])
}

/// Writes a guest `struct sigaction` (see [`sigaction_size`]).
fn write_sigaction(l: &Linux, addr: u64, act: &SigAction) -> Result<(), Errno> {
    let w = l.word();
    for (i, v) in act[..3].iter().enumerate() {
        l.write_word(addr + i as u64 * w, *v)?;
    }
    l.mem.write_u64(addr + 3 * w, act[3])?;
    Ok(())
}

pub(crate) fn rt_sigaction(l: &mut Linux, a: &Args) -> SysResult {
    if a[3] != abi::SIGSET_SIZE {
        return Err(Errno(libc::EINVAL));
    }
    let new = if a[1] != 0 {
        l.mem.check(a[1], sigaction_size(l), libc::PROT_READ)?;
        Some(read_sigaction(l, a[1])?)
    } else {
        None
    };
    if a[2] != 0 {
        l.mem.check(a[2], sigaction_size(l), libc::PROT_WRITE)?;
    }
    let old = sigaction_core(l, a[0], new)?;
    if a[2] != 0 {
        write_sigaction(l, a[2], &old)?;
    }
    Ok(0)
}

/// The body of every sigaction call (`do_sigaction`): checks `sig`, installs `new` if given
/// (mirrored on the host) and returns the previous action.
pub(crate) fn sigaction_core(
    l: &mut Linux,
    sig: u64,
    new: Option<SigAction>,
) -> Result<SigAction, Errno> {
    if sig == 0 || sig > NSIG {
        return Err(Errno(libc::EINVAL));
    }
    let sig = sig as i32;
    if new.is_some() && (sig == libc::SIGKILL || sig == libc::SIGSTOP) {
        return Err(Errno(libc::EINVAL));
    }
    let idx = (sig - 1) as usize;
    let mut actions = l.actions();
    let old = actions[idx];
    if let Some([handler, flags, restorer, mask]) = new {
        let act = [handler, flags, restorer, mask & !UNBLOCKABLE];
        actions[idx] = act;
        // Under the lock, so the host disposition follows the same order of changes.
        mirror_action(sig, &act);
        drop(actions);
        if act[0] == SIG_IGN {
            // Setting SIG_IGN discards a pending instance (POSIX).
            discard(sig);
        }
    }
    Ok(old)
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
    if a[2] != 0 {
        l.mem.write_u64(a[2], l.sigmask)?;
    }
    sigprocmask_core(l, int(a[0]), set)?;
    Ok(0)
}

/// The body of the sigprocmask calls: applies `set` with `how` (if given); returns the mask
/// from before.
pub(crate) fn sigprocmask_core(l: &mut Linux, how: i32, set: Option<u64>) -> Result<u64, Errno> {
    let old = l.sigmask;
    if let Some(set) = set {
        let new = match how {
            libc::SIG_BLOCK => old | set,
            libc::SIG_UNBLOCK => old & !set,
            libc::SIG_SETMASK => set,
            _ => return Err(Errno(libc::EINVAL)),
        };
        // Unblocking lets the host deliver what it kept pending to our handler right here;
        // `after_syscall` then delivers it to the guest.
        l.set_sigmask(new);
    }
    Ok(old)
}

pub(crate) fn rt_sigpending(l: &mut Linux, a: &Args) -> SysResult {
    if a[1] != abi::SIGSET_SIZE {
        return Err(Errno(libc::EINVAL));
    }
    let pending = pending_set(l)?;
    l.mem.write_u64(a[0], pending)?;
    Ok(0)
}

/// The blocked signals waiting for the guest: pending in the host kernel or queued here.
pub(crate) fn pending_set(l: &Linux) -> Result<u64, Errno> {
    let mut host_set: u64 = 0;
    // SAFETY: an 8-byte kernel sigset buffer of ours.
    host(unsafe { libc::syscall(libc::SYS_rt_sigpending, &mut host_set, 8usize) })?;
    let q = queued_unblocked(0);
    Ok((host_set | q) & l.sigmask)
}

pub(crate) fn rt_sigtimedwait(l: &mut Linux, a: &Args) -> SysResult {
    let ts = crate::poll::timeout(l, a[2], crate::time::Ts::W64)?;
    if a[1] != 0 {
        l.buf_out(a[1], SIGINFO_SIZE as u64)?;
    }
    let mut info = [0u8; SIGINFO_SIZE];
    let sig = sigtimedwait_host(l, a[0], a[3], &mut info, ts)?;
    if a[1] != 0 {
        l.mem.write(a[1], &info)?;
    }
    Ok(sig)
}

/// The body of rt_sigtimedwait: waits for a signal of the guest set at `set` (with its size
/// argument) for at most `ts`; the host-layout siginfo goes to `info`.
pub(crate) fn sigtimedwait_host(
    l: &Linux,
    set: u64,
    size: u64,
    info: &mut [u8; SIGINFO_SIZE],
    ts: Option<libc::timespec>,
) -> SysResult {
    if size != abi::SIGSET_SIZE {
        return Err(Errno(libc::EINVAL));
    }
    let set = l.mem.read_u64(set)? & !UNBLOCKABLE;
    // A signal our handler already took from the host is waiting here, not in the kernel.
    if let Some((sig, queued)) = take_queued(!set) {
        *info = queued;
        return Ok(sig as u64);
    }
    let tp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: the set is our own 8-byte value; info and timeout are host buffers (or null).
    host(unsafe {
        libc::syscall(
            libc::SYS_rt_sigtimedwait,
            &set as *const u64,
            info.as_mut_ptr(),
            tp,
            8usize,
        )
    })
}

pub(crate) fn rt_sigqueueinfo(l: &mut Linux, a: &Args) -> SysResult {
    let info = l.buf_in(a[2], SIGINFO_SIZE as u64)?;
    let sig = sig_arg(a[1])?;
    // SAFETY: checked 128-byte guest siginfo; integer ids.
    host(unsafe { libc::syscall(libc::SYS_rt_sigqueueinfo, int(a[0]), sig, info) })
}

pub(crate) fn rt_tgsigqueueinfo(l: &mut Linux, a: &Args) -> SysResult {
    let info = l.buf_in(a[3], SIGINFO_SIZE as u64)?;
    let sig = sig_arg(a[2])?;
    // SAFETY: checked 128-byte guest siginfo; integer ids.
    host(unsafe { libc::syscall(libc::SYS_rt_tgsigqueueinfo, int(a[0]), int(a[1]), sig, info) })
}

/// `rt_sigsuspend(mask, size)`: waits with `mask` in force; the handler's frame records the
/// mask from before the call, which sigreturn restores.
pub(crate) fn rt_sigsuspend(l: &mut Linux, _cpu: &mut CpuState, a: &Args) -> SysResult {
    if a[1] != abi::SIGSET_SIZE {
        return Err(Errno(libc::EINVAL));
    }
    let new = l.mem.read_u64(a[0])?;
    sigsuspend_core(l, new)
}

/// The body of the sigsuspend calls: waits with mask `new` in force until a handler runs.
pub(crate) fn sigsuspend_core(l: &mut Linux, new: u64) -> SysResult {
    let new = new & !UNBLOCKABLE;
    let old = l.sigmask;
    l.saved_sigmask = Some(old);
    l.sigmask = new;
    if queued_unblocked(new) != 0 {
        return Err(Errno(libc::EINTR));
    }
    let host_new = new & host_maskable();
    // SAFETY: our own 8-byte kernel sigset. Returns only after a handler ran (EINTR).
    let r = unsafe { libc::syscall(libc::SYS_rt_sigsuspend, &host_new as *const u64, 8usize) };
    let _ = host(r);
    // The host mask is back to the old one; the guest's stays `new` until delivery.
    Err(Errno(libc::EINTR))
}

/// `sigaltstack(ss, old)`. `SS_ONSTACK` is reported, and changes refused with EPERM, while the
/// guest runs on the alternate stack.
pub(crate) fn sigaltstack(l: &mut Linux, cpu: &mut CpuState, a: &Args) -> SysResult {
    // `stack_t` is { void *ss_sp; int ss_flags; size_t ss_size; }: three words with the int
    // padded to a word (arm64: 24 bytes; 32-bit ARM: 12).
    let w = l.word();
    let on_stack = l.on_altstack(cpu.x[l.sp_reg()]);
    let min_size = if l.mem.is32() {
        abi::MINSIGSTKSZ_ARM
    } else {
        abi::MINSIGSTKSZ
    };
    let new = if a[0] != 0 {
        l.mem.check(a[0], 3 * w, libc::PROT_READ)?;
        let sp = l.read_word(a[0])?;
        let flags = l.mem.read_u32(a[0] + w)?;
        let size = l.read_word(a[0] + 2 * w)?;
        if on_stack {
            return Err(Errno(libc::EPERM));
        }
        let mode = flags & !abi::SS_AUTODISARM;
        if mode == abi::SS_DISABLE {
            Some((0, abi::SS_DISABLE, 0))
        } else if mode == 0 || mode == abi::SS_ONSTACK {
            if size < min_size {
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
        let (sp, mut flags, size) = l.altstack;
        if on_stack {
            flags |= abi::SS_ONSTACK;
        }
        let mut b = vec![0u8; 3 * w as usize];
        let w = w as usize;
        b[..w].copy_from_slice(&sp.to_le_bytes()[..w]);
        b[w..w + 4].copy_from_slice(&flags.to_le_bytes());
        b[2 * w..].copy_from_slice(&size.to_le_bytes()[..w]);
        l.mem.write(a[1], &b)?;
    }
    if let Some(s) = new {
        l.altstack = s;
    }
    Ok(0)
}

impl Linux {
    /// Whether `sp` lies on the enabled alternate signal stack (the kernel's `on_sig_stack`).
    pub(crate) fn on_altstack(&self, sp: u64) -> bool {
        let (base, flags, size) = self.altstack;
        if flags & abi::SS_AUTODISARM != 0 || size == 0 {
            return false;
        }
        sp > base && sp - base <= size
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
