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
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
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
const START_AFTER: u32 = 2048;

/// How long the compiler thread looks for new jobs before it sleeps. A program's start-up hands
/// over a block every few microseconds; waking a sleeping thread costs the guest thread a
/// system call each time, and the compiler thread the time to be scheduled.
const SPIN: Duration = Duration::from_micros(200);

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
    /// Jobs declined before it was (see [`START_AFTER`]).
    declined: u32,
    /// Whether it waits on `Shared::wake`.
    sleeping: bool,
}

struct Shared {
    /// See [`START_AFTER`].
    start_after: u32,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// The number of jobs in the queue, for the compiler thread to watch without the lock.
    queued: AtomicUsize,
}

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

impl Default for Compiler {
    fn default() -> Self {
        Compiler::starting_after(START_AFTER)
    }
}

impl Compiler {
    /// A compiler whose thread starts at the `start_after`th job.
    pub fn starting_after(start_after: u32) -> Compiler {
        Compiler {
            shared: Arc::new(Shared {
                start_after,
                queue: Mutex::default(),
                wake: Condvar::new(),
                queued: AtomicUsize::new(0),
            }),
        }
    }

    /// Queues `job`, starting the thread (on a handle of `jit`'s cache) at the
    /// [`START_AFTER`]th; false (for the caller to compile it) before that, while the queue is
    /// full or if the host refuses a thread.
    pub fn submit(&self, jit: &jit::Jit, job: &Arc<Job>) -> bool {
        let mut q = self.shared.lock();
        if q.jobs.len() >= MAX_QUEUED {
            return false;
        }
        if !q.running {
            if q.declined < self.shared.start_after || !spawn(self.shared.clone(), jit.share()) {
                q.declined = q.declined.saturating_add(1);
                return false;
            }
            q.running = true;
        }
        q.jobs.push_back(job.clone());
        self.shared.queued.store(q.jobs.len(), Ordering::Release);
        let sleeping = q.sleeping;
        drop(q);
        if sleeping {
            self.shared.wake.notify_one();
        }
        true
    }

    /// Moves `job` to the front of the queue (its block runs again and again on the
    /// interpreter while others wait before it); the place it had stays, to be skipped.
    pub fn hurry(&self, job: &Arc<Job>) {
        let mut q = self.shared.lock();
        if !q.running || job.state.load(Ordering::Acquire) != QUEUED {
            return;
        }
        q.jobs.push_front(job.clone());
        self.shared.queued.store(q.jobs.len(), Ordering::Release);
    }
}

/// Starts the compiler thread with every signal blocked (it inherits the mask it is created
/// with); false if the host refused a thread.
fn spawn(shared: Arc<Shared>, jit: jit::Jit) -> bool {
    // SAFETY: sigset_t is plain data that sigfillset initialises; pthread_sigmask swaps this
    // thread's mask with valid sets, and the old one is put back below.
    let old = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        old
    };
    let started = std::thread::Builder::new()
        .name("armrun-jit".into())
        .spawn(move || serve(&shared, &jit))
        .is_ok();
    // SAFETY: as above, restoring the mask saved there.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    started
}

/// The compiler thread: compiles jobs in the order they came, for ever (the process's exit
/// ends it).
fn serve(shared: &Shared, jit: &jit::Jit) {
    loop {
        let spin = Instant::now();
        while shared.queued.load(Ordering::Acquire) == 0 && spin.elapsed() < SPIN {
            std::hint::spin_loop();
        }
        let job = {
            let mut q = shared.lock();
            loop {
                if let Some(job) = q.jobs.pop_front() {
                    shared.queued.store(q.jobs.len(), Ordering::Release);
                    break job;
                }
                q.sleeping = true;
                q = shared.wake.wait(q).unwrap_or_else(|e| e.into_inner());
                q.sleeping = false;
            }
        };
        if !job.take() {
            continue;
        }
        compile(jit, &job);
        job.state.store(DONE, Ordering::Release);
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
