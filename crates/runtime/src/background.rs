//! The background compiler: one thread per guest process that lowers lifted blocks to host code
//! while the guest thread that lifted them goes on. A block's second run hands it over and runs
//! on the interpreter meanwhile; a hot quick block hands over its full translation and keeps
//! running its quick code. With two cores the guest's thread spends the time it would have
//! compiled running guest code instead: compiling is a fifth to a half of the time of
//! programs that run much code a few times (a compiler, an interpreter's start-up, a dynamic
//! hello).
//!
//! The thread compiles through its own handle on the translation cache, outside the cache's
//! lock (`jit::Jit::compile_detached`), so guest threads looking blocks up never wait for a
//! lowering. It blocks every signal: signals are the guest threads' business.

use jit::Tier;
use std::collections::VecDeque;
use std::sync::atomic::{
    AtomicBool, AtomicI32, AtomicPtr, AtomicU8, AtomicU32, AtomicUsize, Ordering,
};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Jobs waiting at most (their IR: about 1.5 MB); with more to hand over, a guest thread
/// compiles itself. python3's start-up hands over some 27,000 blocks, at times faster than
/// one thread compiles them: with 32 places, 3,600 were compiled by the guest thread, and it
/// ran 10% slower than with 1024 (hyperfine medians).
pub(crate) const MAX_QUEUED: usize = 1024;

/// Jobs the guest threads compile themselves before the compiler thread is started. A short
/// program (a hello compiles some 800 blocks) is done sooner without it: the new thread's
/// start, its own allocator pages (200 more page faults) and its wake-ups cost more than the
/// compiling it would take over.
pub const START_AFTER: u32 = 2048;

/// How long the compiler thread looks for new jobs before it sleeps, when the machine has a
/// CPU to spare (see [`crate::spare_cpu`]). A program's start-up hands over a block every few
/// microseconds; waking a sleeping thread costs the guest thread a system call each time, and
/// the compiler thread the time to be scheduled: cc1 -O2 for armhf took 9% longer (4.69 s
/// against 4.31 s, medians of 10) with its compiler thread sleeping at once. Longer, the
/// thread sleeps less between a big program's bursts of jobs: at 200 us cc1 -O2 for aarch64
/// made 12,500 futex calls (the wakes cost its guest thread 1.2% of its samples, in the
/// kernel), at 1 ms 4,500, and ran 4-7% faster on aarch64 and 4% on armhf (medians of 8-10,
/// interleaved, against 200 us; 3 ms no better); python3 within noise, two at once unchanged
/// (no CPU to spare: no spinning). The price is CPU time on the otherwise idle CPU.
const SPIN: Duration = Duration::from_micros(1000);

/// Jobs of a first, quick translation queued before a sleeping compiler thread is woken for
/// them: their blocks run on the interpreter meanwhile, and one that runs again soon is
/// hurried, which wakes the thread (as a hot block's full translation does at once). Waking it
/// for each took cc1 -O2 for armhf (its compiler thread sleeping when idle) 76,000 futex calls,
/// against 40,000.
const WAKE_AT: usize = 16;

thread_local! {
    /// What a guest thread last saw of the machine's CPUs (see [`Compiler::submit`]).
    static SPARE: std::cell::RefCell<crate::spare_cpu::SpareCpu> =
        std::cell::RefCell::new(crate::spare_cpu::SpareCpu::new());
}

/// [`Job`] states.
const QUEUED: u8 = 0;
const TAKEN: u8 = 1;
const DONE: u8 = 2;

/// A lifted block to compile, and how far that got.
pub(crate) struct Job {
    /// The block as lifted ([`Tier::Full`]: before the IR passes, which the compiler thread
    /// runs).
    pub block: ir::Block,
    /// `jit::Jit::generation` when its lifting began.
    pub generation: u64,
    pub tier: Tier,
    state: AtomicU8,
}

impl Job {
    pub fn new(block: ir::Block, generation: u64, tier: Tier) -> Arc<Job> {
        Arc::new(Job {
            block,
            generation,
            tier,
            state: AtomicU8::new(QUEUED),
        })
    }

    /// The job's block: moved out of the last handle (a job never queued, or taken back
    /// from the queue's copy gone), else copied.
    pub fn into_block(job: Arc<Job>) -> ir::Block {
        Arc::try_unwrap(job).map_or_else(|j| j.block.clone(), |j| j.block)
    }

    /// Takes the job for the caller to compile: false if someone (the compiler thread) took
    /// it first.
    pub fn take(&self) -> bool {
        self.state
            .compare_exchange(QUEUED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Whether the compiler thread is through with it: the block is installed, or it was not
    /// because its guest code changed meanwhile.
    pub fn done(&self) -> bool {
        self.state.load(Ordering::Acquire) == DONE
    }

    /// Waits while the compiler thread works on it (a block's lowering: microseconds).
    pub fn wait(&self) {
        while self.state.load(Ordering::Acquire) == TAKEN {
            std::thread::yield_now();
        }
    }
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Arc<Job>>,
    /// Whether the thread was started.
    running: bool,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Jobs declined before it was (see [`START_AFTER`]).
    declined: u32,
    /// Whether it waits on `Shared::wake`.
    sleeping: bool,
}

struct Shared {
    /// See [`START_AFTER`].
    start_after: u32,
    /// The process may run on one CPU only (see [`Compiler::submit`]).
    one_cpu: bool,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// The number of jobs in the queue, for the compiler thread to watch without the lock.
    queued: AtomicUsize,
    /// Asks the thread to end (see [`stop_thread`]).
    stop: AtomicBool,
    /// The thread's id, and the process that started it (a forked child has no such thread).
    tid: AtomicI32,
    owner: AtomicU32,
    /// Whether the thread is at a job (see [`pause_thread`]).
    working: AtomicBool,
}

/// Forks in progress (see [`pause_thread`]).
static PAUSED: AtomicUsize = AtomicUsize::new(0);

/// The compiler whose thread was started last (the one [`stop_thread`] ends), holding a
/// reference of its own that is never given back. Not a lock: a fork could leave one held.
static CURRENT: AtomicPtr<Shared> = AtomicPtr::new(std::ptr::null_mut());

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A handle on a process's compiler thread; clones share it.
#[derive(Clone)]
pub(crate) struct Compiler {
    shared: Arc<Shared>,
}

impl Compiler {
    /// A compiler whose thread starts at the `start_after`th job.
    pub fn starting_after(start_after: u32) -> Compiler {
        Compiler::held(start_after, crate::spare_cpu::one_cpu())
    }

    /// [`Compiler::starting_after`] in a process held to one CPU or not.
    pub(crate) fn held(start_after: u32, one_cpu: bool) -> Compiler {
        Compiler {
            shared: Arc::new(Shared {
                start_after,
                one_cpu,
                queue: Mutex::default(),
                wake: Condvar::new(),
                queued: AtomicUsize::new(0),
                stop: AtomicBool::new(false),
                tid: AtomicI32::new(0),
                owner: AtomicU32::new(0),
                working: AtomicBool::new(false),
            }),
        }
    }

    /// The jobs its thread starts after (see [`Compiler::starting_after`]).
    pub fn start_after(&self) -> u32 {
        self.shared.start_after
    }

    /// Queues `job`, starting the thread (on a handle of `jit`'s cache) at the
    /// [`START_AFTER`]th; false (for the caller to compile it) before that, while the queue is
    /// full or if the host refuses a thread. A process that may run on one CPU only (its
    /// affinity, or its cgroup's quota: `taskset -c 0`, `docker run --cpus=1`) gets no thread
    /// at the default start, which would only take turns with the guest's: there python3, cc1
    /// and sqlite3 ran 5-8% faster without it. One asked to start earlier (the tests) starts.
    /// Nor is a job handed to a sleeping thread that would find no CPU free to wake on (the
    /// machine's runnable threads already fill its CPUs): it would take turns with a guest
    /// thread, and the handing over, the wake-ups and the interpreter runs meanwhile cost more
    /// than the compiling. Two cc1 -O2 at once on two cores (`make -j2`) took 3.7 s instead
    /// of 4.1-4.2 s for aarch64, 4.8-5.1 s instead of 5.4 s for armhf; one alone as before.
    pub fn submit(&self, jit: &jit::Jit, job: &Arc<Job>) -> bool {
        let mut q = self.shared.lock();
        if !self.takes(&q) {
            if !q.running && q.jobs.len() < MAX_QUEUED {
                q.declined = q.declined.saturating_add(1);
            }
            return false;
        }
        if !q.running {
            let Some(thread) = spawn(self.shared.clone(), jit.share()) else {
                q.declined = q.declined.saturating_add(1);
                return false;
            };
            q.running = true;
            q.thread = Some(thread);
            let shared = &self.shared;
            shared.owner.store(std::process::id(), Ordering::Release);
            if !std::ptr::eq(CURRENT.load(Ordering::Acquire), Arc::as_ptr(shared)) {
                CURRENT.store(Arc::into_raw(shared.clone()).cast_mut(), Ordering::Release);
            }
        }
        q.jobs.push_back(job.clone());
        self.shared.queued.store(q.jobs.len(), Ordering::Release);
        let wake = q.sleeping && (job.tier == Tier::Full || q.jobs.len() >= WAKE_AT);
        drop(q);
        if wake {
            self.shared.wake.notify_one();
        }
        true
    }

    /// Whether a job [`Compiler::submit`] now would be taken (the thread started for it if it
    /// has not been), as far as the queue `q` tells: see `submit`.
    fn takes(&self, q: &Queue) -> bool {
        if q.jobs.len() >= MAX_QUEUED {
            return false;
        }
        if q.running {
            return !q.sleeping || SPARE.with_borrow_mut(|s| s.room_for(Instant::now(), 1));
        }
        q.declined >= self.shared.start_after && !self.held_to_one_cpu()
    }

    /// Whether the process may run on one CPU only and the thread would start at the default
    /// time: it never starts then (see [`Compiler::submit`]).
    fn held_to_one_cpu(&self) -> bool {
        self.shared.one_cpu && self.shared.start_after >= START_AFTER
    }

    /// Whether the machine has no CPU for the thread now, so that a job [`Compiler::submit`]
    /// would leave to the caller goes to it for that reason (not because the thread is not
    /// started yet): its queue is full, or it sleeps and no CPU is free to wake it on, or the
    /// process may run on one CPU only. Asking changes nothing.
    pub fn busy(&self) -> bool {
        let q = self.shared.lock();
        match q.running {
            true => !self.takes(&q),
            false => self.held_to_one_cpu(),
        }
    }

    /// Moves `job` to the front of the queue (its block runs again and again on the
    /// interpreter while others wait before it), waking the thread if it sleeps; the place it
    /// had stays, to be skipped.
    pub fn hurry(&self, job: &Arc<Job>) {
        let mut q = self.shared.lock();
        if !q.running || job.state.load(Ordering::Acquire) != QUEUED {
            return;
        }
        q.jobs.push_front(job.clone());
        self.shared.queued.store(q.jobs.len(), Ordering::Release);
        let sleeping = q.sleeping;
        drop(q);
        if sleeping {
            self.shared.wake.notify_one();
        }
    }
}

/// Ends this process's compiler thread if it runs, and returns once the kernel no longer counts
/// it among the process's threads: `unshare(CLONE_NEWUSER)` and `setns` into a user namespace
/// are refused (EINVAL) to a process of several threads, and the guest's thread may be its
/// only one. Jobs still queued wait for the next one handed over, which starts the thread
/// again.
pub fn stop_thread() {
    let Some(shared) = current() else {
        return;
    };
    let thread = {
        let mut q = shared.lock();
        if !q.running {
            return;
        }
        shared.stop.store(true, Ordering::Release);
        q.thread.take()
    };
    shared.wake.notify_one();
    if let Some(thread) = thread {
        let _ = thread.join();
    }
    // A joined thread may still be on its way out of the kernel's thread group for a moment.
    let tid = shared.tid.load(Ordering::Acquire);
    for _ in 0..100_000 {
        // SAFETY: signal 0 only checks that the thread exists.
        let gone = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, 0) } != 0;
        if gone {
            break;
        }
        std::thread::yield_now();
    }
    let mut q = shared.lock();
    q.running = false;
    shared.stop.store(false, Ordering::Release);
}

/// The compiler whose thread this process started last.
fn current() -> Option<&'static Shared> {
    // SAFETY: a pointer from `Arc::into_raw` whose reference is never given back, or null.
    let shared = unsafe { CURRENT.load(Ordering::Acquire).as_ref() }?;
    (shared.owner.load(Ordering::Acquire) == std::process::id()).then_some(shared)
}

/// Keeps the compiler thread between jobs, where it holds no lock and allocates nothing, until
/// [`resume_thread`]: waits for the job it is at, if any. For a fork, whose child would
/// inherit a lock the thread held (its allocator's included) with no thread to release it.
pub fn pause_thread() {
    // SeqCst, like the thread's side in `serve`: either it sees the pause before it starts a
    // job, or this sees it working.
    PAUSED.fetch_add(1, Ordering::SeqCst);
    if let Some(shared) = current() {
        while shared.working.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
    }
}

/// Ends a [`pause_thread`].
pub fn resume_thread() {
    PAUSED.fetch_sub(1, Ordering::SeqCst);
}

/// Starts the compiler thread with every signal blocked (it inherits the mask it is created
/// with); `None` if the host refused a thread.
fn spawn(shared: Arc<Shared>, jit: jit::Jit) -> Option<std::thread::JoinHandle<()>> {
    // SAFETY: sigset_t is plain data that sigfillset initialises; pthread_sigmask swaps this
    // thread's mask with valid sets, and the old one is put back below.
    let old = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        old
    };
    shared.tid.store(0, Ordering::Release);
    let serving = shared.clone();
    let started = std::thread::Builder::new()
        .name("armrun-jit".into())
        .spawn(move || serve(&serving, &jit))
        .ok();
    // SAFETY: as above, restoring the mask saved there.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    // Back to the guest only once the thread is in `serve`: the standard library's thread
    // start-up takes a process-wide lock of its own (`thread_info`), and a guest fork in that
    // moment left the child's copy locked, so the child's first thread never started (seen:
    // dpkg-deb in debootstrap's second stage, hung for good). `serve`'s pauses cover the rest.
    if started.is_some() {
        while shared.tid.load(Ordering::Acquire) == 0 {
            std::thread::yield_now();
        }
    }
    started
}

/// The compiler thread: compiles jobs in the order they came (a hurried one first) until the
/// process ends or [`stop_thread`] asks it to end.
fn serve(shared: &Shared, jit: &jit::Jit) {
    // SAFETY: gettid has no arguments.
    shared
        .tid
        .store(unsafe { libc::gettid() }, Ordering::Release);
    let mut spare = crate::spare_cpu::SpareCpu::new();
    loop {
        let spin = Instant::now();
        while spare.at(spin)
            && shared.queued.load(Ordering::Acquire) == 0
            && !shared.stop.load(Ordering::Acquire)
            && spin.elapsed() < SPIN
        {
            std::hint::spin_loop();
        }
        let job = {
            let mut q = shared.lock();
            loop {
                if shared.stop.load(Ordering::Acquire) {
                    return;
                }
                if let Some(job) = q.jobs.pop_front() {
                    shared.queued.store(q.jobs.len(), Ordering::Release);
                    break job;
                }
                q.sleeping = true;
                q = shared.wake.wait(q).unwrap_or_else(|e| e.into_inner());
                q.sleeping = false;
            }
        };
        loop {
            shared.working.store(true, Ordering::SeqCst);
            if PAUSED.load(Ordering::SeqCst) == 0 {
                break;
            }
            shared.working.store(false, Ordering::SeqCst);
            while PAUSED.load(Ordering::SeqCst) != 0 {
                std::thread::yield_now();
            }
        }
        if job.take() {
            compile(jit, &job);
            job.state.store(DONE, Ordering::Release);
        }
        drop(job);
        shared.working.store(false, Ordering::SeqCst);
    }
}

/// Compiles a job's block (running the IR passes first for a full translation); a block whose
/// guest code changed since its lifting is dropped, to be lifted again when it next runs.
fn compile(jit: &jit::Jit, job: &Job) {
    match job.tier {
        Tier::Quick => jit.compile_detached(&job.block, job.generation, Tier::Quick),
        Tier::Full => {
            let mut block = job.block.clone();
            crate::finish(&mut block, Tier::Full);
            jit.compile_detached(&block, job.generation, Tier::Full)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job of one instruction for `jit`'s current generation.
    fn job(jit: &jit::Jit) -> Arc<Job> {
        let mut b = ir::Builder::verbatim(0x1000);
        b.end_insn(0x1004);
        Job::new(
            b.finish(ir::Term::Jump(0x1004)),
            jit.generation(),
            Tier::Quick,
        )
    }

    /// On one CPU (as `spare_cpu::prepare` found), a thread due at the default start is never
    /// started; one asked to start earlier is.
    #[test]
    fn held_to_one_cpu_no_thread_starts_unless_asked_early() {
        let jit = jit::Jit::new();
        let late = Compiler::held(START_AFTER, true);
        for _ in 0..START_AFTER + 8 {
            assert!(!late.submit(&jit, &job(&jit)));
        }
        assert!(!late.shared.lock().running);
        let early = Compiler::held(0, true);
        let first = job(&jit);
        assert!(early.submit(&jit, &first));
        assert!(early.shared.lock().running);
        early.hurry(&first);
        first.wait();
    }

    /// `submit` returns once the thread it started is in `serve`, past the standard library's
    /// thread start-up, whose process-wide lock a guest fork must not find held.
    #[test]
    fn a_started_thread_is_serving_when_submit_returns() {
        for _ in 0..20 {
            let jit = jit::Jit::new();
            let compiler = Compiler::starting_after(0);
            let job = job(&jit);
            assert!(compiler.submit(&jit, &job));
            assert_ne!(compiler.shared.tid.load(Ordering::Acquire), 0);
            job.wait();
        }
    }

    /// A sleeping thread gets no job while the machine's runnable threads fill its CPUs (the
    /// guest thread compiles it), and gets one again once a CPU is free for it.
    #[test]
    fn a_sleeping_thread_gets_no_job_without_a_cpu_to_wake_on() {
        let jit = jit::Jit::new();
        let compiler = Compiler::starting_after(0);
        let first = job(&jit);
        assert!(compiler.submit(&jit, &first));
        compiler.hurry(&first);
        while !compiler.shared.lock().sleeping {
            std::thread::yield_now();
        }
        // Readings that stand for an hour: two CPUs, both taken, then one free.
        let until = Instant::now() + Duration::from_secs(3600);
        SPARE.set(crate::spare_cpu::SpareCpu::seen(2, 2, until));
        assert!(!compiler.submit(&jit, &job(&jit)));
        SPARE.set(crate::spare_cpu::SpareCpu::seen(2, 1, until));
        let last = job(&jit);
        assert!(compiler.submit(&jit, &last));
        compiler.hurry(&last);
        while !last.done() {
            std::thread::yield_now();
        }
    }
}
