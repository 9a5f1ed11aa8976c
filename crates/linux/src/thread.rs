//! Guest threads: `clone` with CLONE_VM|CLONE_THREAD runs the new guest thread on a new host
//! thread.
//!
//! Each guest thread has its own [`Linux`] (signal mask, alternate stack, clear-child-tid and
//! robust-list pointers, exit request) and its own CPU state and translation cache, while the
//! address space is shared ([`mem::GuestMem`] is a handle) and the host process supplies the
//! rest of what threads share: descriptors, cwd, credentials, futexes (guest futex words are
//! host memory, so FUTEX_WAIT/WAKE work across guest threads unchanged). Signal dispositions
//! are copied at creation and mirrored into the host's, which all threads share; a process
//! signal is delivered by whichever guest thread polls first.
//!
//! The dispatcher loop that runs a thread lives in the front end, which registers it with
//! [`set_thread_entry`]; the loop returns when the thread calls `exit`
//! ([`crate::Flow::ThreadExit`]), and [`thread_exited`] then does what the kernel does when a
//! thread ends: clear and wake the clear-child-tid word.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use cpu::CpuState;

use crate::process::cf;
use crate::{Errno, Linux, SysResult};

/// Runs a new guest thread to its end: the front end's dispatcher loop.
pub type ThreadEntry = fn(Linux, Box<CpuState>);

static ENTRY: OnceLock<ThreadEntry> = OnceLock::new();

/// Guest threads alive, the main thread included.
static LIVE: AtomicUsize = AtomicUsize::new(1);

/// Host stack of a guest thread: translated code and the syscall layer run on it.
const HOST_STACK: usize = 8 << 20;

/// What the guest's system calls need of threads armrun runs for itself (its compiler
/// thread), which the guest does not know of.
#[derive(Clone, Copy, Debug)]
pub struct OwnThreads {
    /// Ends them: the kernel refuses `unshare(CLONE_NEWUSER)` and `setns` into a user
    /// namespace to a process of several threads, and a single-threaded guest may make them.
    pub end: fn(),
    /// Keeps them out of every lock (the allocator's included) until `resume`: a forked child
    /// inherits a lock one of them held, and nothing would ever release it there.
    pub pause: fn(),
    /// Lets them go on, in the parent and in the child (where they do not exist).
    pub resume: fn(),
}

static OWN_THREADS: OnceLock<OwnThreads> = OnceLock::new();

/// Registers the hooks on armrun's own threads (once, at start-up).
pub fn set_own_threads(hooks: OwnThreads) {
    let _ = OWN_THREADS.set(hooks);
}

/// Leaves the calling guest thread its process's only thread if it is the only guest thread.
pub(crate) fn unthread() {
    if live_threads() == 1
        && let Some(h) = OWN_THREADS.get()
    {
        (h.end)();
    }
}

/// Runs `fork` with armrun's own threads paused (see [`OwnThreads::pause`]).
pub(crate) fn paused_for<T>(fork: impl FnOnce() -> T) -> T {
    let hooks = OWN_THREADS.get();
    if let Some(h) = hooks {
        (h.pause)();
    }
    let r = fork();
    if let Some(h) = hooks {
        (h.resume)();
    }
    r
}

/// Registers the loop new guest threads run (once, at start-up).
pub fn set_thread_entry(entry: ThreadEntry) {
    let _ = ENTRY.set(entry);
}

/// Number of live guest threads.
pub fn live_threads() -> usize {
    LIVE.load(Ordering::SeqCst)
}

impl Linux {
    /// The state a new thread of this process starts with: the same address space, files
    /// and dispositions, this thread's signal mask, no alternate stack (CLONE_VM clears it)
    /// and nothing of this thread's exit or futex bookkeeping.
    fn thread_state(&self) -> Linux {
        let mut t = Linux::new(self.mem.clone(), self.exe.clone(), self.sysroot.clone());
        t.noted = self.noted.clone();
        t.log_unimp = self.log_unimp;
        t.strace = self.strace;
        t.sigactions = self.sigactions.clone();
        t.sigmask = self.sigmask;
        t.rlimits = self.rlimits.clone();
        t.personality = self.personality;
        t.proc = self.proc.clone();
        t.sigtramp = self.sigtramp;
        t.exec_opts = self.exec_opts.clone();
        t.thread_seed = self.thread_seed.clone();
        t
    }
}

/// `clone` for CLONE_THREAD: starts the guest thread on a host thread and returns its tid
/// (the host thread's, as guest pids are host pids).
pub(crate) fn spawn(l: &mut Linux, cpu: &CpuState, a: &[u64; 6]) -> SysResult {
    let (flags, newsp, ptid, tls, ctid) = (a[0], a[1], a[2], a[3], a[4]);
    // The kernel's rules: a thread shares the signal handlers, which need a shared VM.
    if flags & cf::VM == 0 || flags & cf::SIGHAND == 0 {
        return Err(Errno(libc::EINVAL));
    }
    let Some(&entry) = ENTRY.get() else {
        return Err(Errno(libc::ENOSYS));
    };
    if flags & cf::PARENT_SETTID != 0 {
        l.buf_out(ptid, 4)?;
    }
    if flags & (cf::CHILD_SETTID | cf::CHILD_CLEARTID) != 0 {
        l.buf_out(ctid, 4)?;
    }
    let mut child = Box::new(cpu.clone());
    // The child sees clone return 0, on its own stack and TLS.
    child.x[0] = 0;
    child.pending = 0;
    let mut state = l.thread_state();
    if newsp != 0 {
        child.x[state.sp_reg()] = newsp;
    }
    if flags & cf::SETTLS != 0 {
        child.tpidr = tls;
    }
    if flags & cf::CHILD_CLEARTID != 0 {
        state.clear_child_tid = ctid;
    }
    let set_child_tid = flags & cf::CHILD_SETTID != 0;
    let set_parent_tid = flags & cf::PARENT_SETTID != 0;
    let (tx, rx) = std::sync::mpsc::channel::<u32>();
    LIVE.fetch_add(1, Ordering::SeqCst);
    let spawned = std::thread::Builder::new()
        .stack_size(HOST_STACK)
        .spawn(move || {
            // SAFETY: gettid has no arguments.
            let tid = unsafe { libc::gettid() } as u32;
            // The kernel stores both tids before the child runs a single instruction: a
            // child that exits at once clears the word pthread_join waits on, and a parent
            // writing the tid after that would leave the joiner waiting forever.
            if set_parent_tid {
                let _ = state.mem.write_u32(ptid, tid);
            }
            if set_child_tid {
                let _ = state.mem.write_u32(ctid, tid);
            }
            let _ = tx.send(tid);
            // A panic is an armrun bug: it ends the process, as on the main thread, instead
            // of leaving the guest waiting for a thread that is gone (a JVM at a safepoint).
            let run = std::panic::AssertUnwindSafe(|| entry(state, child));
            if std::panic::catch_unwind(run).is_err() {
                std::process::abort();
            }
        });
    if spawned.is_err() {
        LIVE.fetch_sub(1, Ordering::SeqCst);
        return Err(Errno(libc::EAGAIN));
    }
    let tid = rx.recv().map_err(|_| Errno(libc::EAGAIN))?;
    Ok(tid as u64)
}

impl Linux {
    /// Starts signal delivery to a new guest thread: host handlers will flag `cpu.pending`,
    /// which must stay at this address until [`thread_exited`].
    pub fn start_thread_signals(&mut self, cpu: &mut CpuState) {
        self.pending_slot = crate::signal::register_pending(&mut cpu.pending);
    }
}

/// What the kernel does when a guest thread ends: the clear-child-tid word (set by clone or
/// set_tid_address) is zeroed and one waiter woken, which is how pthread_join learns of it.
pub fn thread_exited(l: &mut Linux) {
    if let Some(slot) = l.pending_slot.take() {
        crate::signal::unregister_pending(slot);
    }
    // SAFETY: gettid has no arguments.
    exit_robust_list(l, unsafe { libc::gettid() } as u32);
    if l.clear_child_tid != 0 && l.mem.write_u32(l.clear_child_tid, 0).is_ok() {
        let word = l.mem.host(l.clear_child_tid);
        // SAFETY: the word was just written, so it is mapped guest memory.
        unsafe { libc::syscall(libc::SYS_futex, word, libc::FUTEX_WAKE, 1) };
    }
    LIVE.fetch_sub(1, Ordering::SeqCst);
}

/// Futex word bits of robust and PI mutexes (include/uapi/linux/futex.h).
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Most list entries the kernel walks (a guard against cyclic lists).
const ROBUST_LIST_LIMIT: u32 = 2048;

/// The kernel's `exit_robust_list`: every robust mutex still held by the exiting thread `tid`
/// (the entries of the list registered with set_robust_list, and the one it was about to take
/// or release) is marked owner-died, and a waiter is woken, so the next locker gets
/// EOWNERDEAD instead of waiting forever. Entry pointers carry a PI flag in bit 0; the list
/// words are the guest's pointer size.
fn exit_robust_list(l: &Linux, tid: u32) {
    let head = l.robust_list.0;
    if head == 0 {
        return;
    }
    let w = if l.mem.is32() { 4 } else { 8 };
    let signed = |v: u64| {
        if w == 4 {
            v as u32 as i32 as i64
        } else {
            v as i64
        }
    };
    let (Ok(first), Ok(offset), Ok(pending)) = (
        l.read_word(head),
        l.read_word(head + w),
        l.read_word(head + 2 * w),
    ) else {
        return;
    };
    let offset = signed(offset);
    let futex_of = |entry: u64| (entry & !1).wrapping_add(offset as u64);
    let mut entry = first;
    let mut left = ROBUST_LIST_LIMIT;
    while entry & !1 != head && left > 0 {
        let Ok(next) = l.read_word(entry & !1) else {
            return;
        };
        if entry != pending {
            futex_owner_died(l, futex_of(entry), tid, entry & 1 != 0);
        }
        entry = next;
        left -= 1;
    }
    if pending != 0 {
        futex_owner_died(l, futex_of(pending), tid, pending & 1 != 0);
    }
}

/// The kernel's `handle_futex_death` for the futex word at `uaddr`: if `tid` owns it, it
/// becomes owner-died (keeping the waiters bit) and, for a non-PI futex with waiters, one
/// waiter is woken (a PI futex's waiters are the kernel's, woken by the host itself).
fn futex_owner_died(l: &Linux, uaddr: u64, tid: u32, pi: bool) {
    if !uaddr.is_multiple_of(4)
        || l.mem
            .check(uaddr, 4, libc::PROT_READ | libc::PROT_WRITE)
            .is_err()
    {
        return;
    }
    let p = l.mem.host(uaddr);
    // SAFETY: the word is guest-mapped, readable and writable, and 4-byte aligned (checked);
    // other guest threads access it atomically too.
    let word = unsafe { &*(p as *const std::sync::atomic::AtomicU32) };
    let mut cur = word.load(Ordering::SeqCst);
    loop {
        if cur & FUTEX_TID_MASK != tid {
            return;
        }
        let new = (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        match word.compare_exchange(cur, new, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => break,
            Err(seen) => cur = seen,
        }
    }
    if !pi && cur & FUTEX_WAITERS != 0 {
        // SAFETY: waking waiters of a checked futex word.
        unsafe { libc::syscall(libc::SYS_futex, p, libc::FUTEX_WAKE, 1) };
    }
}
