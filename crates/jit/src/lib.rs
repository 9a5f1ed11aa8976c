//! The x86-64 backend: compiles IR blocks to host code with dynasmrt, keeps them in an RWX code
//! cache, links blocks to each other and runs them.
//!
//! Translated code reaches the guest state through `r15` and guest memory through `r14`
//! (`cpu.mem_base`); see [`emit`] for the full convention. Every block exits either through a
//! linked `jmp rel32` to another block (after checking `cpu.pending` unless the jump goes to a
//! greater key, which cannot close a loop) or through the shared
//! epilogue back to [`Jit::run`]'s caller with `cpu.pc` and `cpu.exit_reason` set.
//!
//! One code cache serves every thread of a guest process: each thread holds its own [`Jit`]
//! handle ([`Jit::share`]), with its own indirect-jump table, on a shared core whose
//! bookkeeping is locked. Translated code runs without the lock. Threads see each other's
//! blocks, links and invalidations at once; what makes that safe:
//! - Patching a link is one atomic store of the aligned word holding its rel32 field, so a
//!   thread running the jump takes the old or the new target. A jump unlinked (re-pointed at
//!   its exit stub) while a thread is past it is no different from the thread having got there
//!   first.
//! - Tables are written with the lock held: by their owner (only outside translated code) and,
//!   to drop an entry, by any thread; a reader in translated code then takes the old entry or
//!   the miss stub, both still valid code. [`Jit::lookup`] reads its own table the same way
//!   before it takes the lock, having read the epoch first (a switch of halves clears every
//!   table before it bumps the epoch).
//! - Code is never freed while a thread may run it: the cache is filled in two halves by turns.
//!   When the current half is full, every block is unlinked and forgotten (so a thread still in
//!   that half leaves it at its next block end) and compiling goes on in the other half, which
//!   is reused only once every thread has been seen outside the code handed out before the
//!   switch (see `make_room` and [`Jit::run`]'s epoch check).
//! - A translation that raced with an invalidation of its guest range is not installed (see
//!   [`Jit::compile_since`]), so a thread never finds stale code after another one dropped it.
//! - Code lowered without the lock (a compiler thread's, [`Jit::compile_detached`]) is installed
//!   only at the address it was made for, in the half and with the settings it was made with;
//!   otherwise it is made again under the lock.
//!
//! Blocks come in two tiers ([`Tier`]): the runtime translates a block quickly first, and the
//! quick block counts its runs; the [`HOT_RUNS`]th exits with `exit::HOT`, and the runtime
//! translates it again with every optimization, which replaces it like any recompilation
//! (links re-pointed, tables updated). Most blocks run too few times to repay the costlier
//! translation.

#![deny(missing_docs)]

mod addr_fold;
mod alloc;
mod cache;
mod code_map;
pub mod emit;
pub mod fault;
mod pchash;
pub use pchash::{PcMap, PcSet};
mod counters;
mod installed;
mod perfmap;
mod start_index;
#[cfg(test)]
mod test_helper;

use cache::CodeCache;
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

/// A handle on compiled code: the host address of a block's entry, and the cache epoch it was
/// handed out in.
///
/// Invalidation never frees code, so an entry stays runnable (possibly stale) while its half of
/// the cache is not reused; [`Jit::run`] refuses an entry from before the last switch of halves.
/// Take a fresh one from [`Jit::lookup`] or [`Jit::compile`] before every [`Jit::run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    addr: usize,
    epoch: u64,
}

impl Entry {
    /// Host address of the code.
    pub fn addr(self) -> usize {
        self.addr
    }
}

/// How much work a translation got, which decides whether its code counts its runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    /// The first translation of a block, made cheaply: the code counts its runs and exits
    /// with `exit::HOT` at the [`HOT_RUNS`]th, before running any of it.
    Quick,
    /// A translation with every optimization, or one that is not worth counting.
    Full,
}

/// Runs of a [`Tier::Quick`] block after which it asks to be translated in full. A full
/// translation costs some ten thousand host instructions more than a quick one (the flags
/// look-ahead and the IR passes); what it saves is a few per run. Once measured with
/// callgrind (250 did best on bzip2 and python3); since blocks run once are interpreted
/// and full translations follow the quick ones' run counts, wall-clock times (hyperfine,
/// 256 / 512 / 1024 / 2048) favour 1024: python3 4-7% faster than at 256, zstd 6%, bzip2,
/// cc1, sqlite3 and the C kernels unchanged or within noise. Since the quick tier's code
/// got closer to the full one's, a full translation repays less: cc1 -O2 promotes some
/// 37,000 blocks at 1024, a fifth of its time (perf, frame pointers), and runs 5-6% faster
/// at 4096 on both architectures (hyperfine minima; 8192 about the same), zstd and armhf
/// xz 3-4%; python3, sqlite3, perl, bzip2 and the C kernels within noise.
pub const HOT_RUNS: u32 = 4096;

/// A patchable jump in some compiled block.
#[derive(Clone, Copy, Debug)]
struct Site {
    /// Host address of the rel32 field (within one aligned 8-byte word).
    rel32: usize,
    /// Host address of the exit stub it targets while unlinked.
    stub: usize,
}

/// Bookkeeping for one compiled block.
struct BlockRec {
    entry: usize,
    /// The guest range the block was lifted from ([`ir::Block::hull`]).
    start: u64,
    end: u64,
    /// Jumps out of this block: (target pc, rel32 address).
    out: Vec<(u64, usize)>,
    /// The address of the run counter of a [`Tier::Quick`] block (see [`Jit::runs`]), in
    /// the counters of the cache half its code is in.
    counter: Option<usize>,
}

/// The host code of one compiled block, kept until the cache is reset (invalidated blocks
/// included: a thread may still run them).
struct CodeRec {
    /// Host address just past the code.
    end: usize,
    /// The block's key.
    guest: u64,
    /// Stack bytes the block reserves beyond the trampoline frame.
    extra_stack: u32,
    /// Its guest memory accesses (see [`fault`]).
    faults: Box<[emit::FaultSite]>,
}

/// Sets of `emit::TABLE_WAYS` pairs of (guest pc, host address), `emit::TABLE_SETS` at first,
/// in zero-filled anonymous memory: the kernel supplies each page when the thread first
/// touches it, so a thread pays for the part of the table it uses. It grows (four times the
/// sets, up to `emit::TABLE_SETS_MAX`) once targets evicted an eighth of its sets' worth of
/// others: large enough then that the return sites and jump targets of a big program (cc1)
/// rarely evict each other, while a short program's few hundred targets stay in a few pages
/// (every page the largest table spreads them over is a page fault). A zero pair is empty
/// (see `CpuState::jump_table`). A pc is in at most one way of its set.
///
/// Only the owning thread replaces the mapping, under the core's lock and outside translated
/// code (see [`Slot::set`]); other threads reach the table under that lock only (to drop
/// entries), and the owner's translated code finds the current one through `CpuState`, which
/// [`Jit::run`] points at it on every entry.
struct Table {
    pairs: AtomicPtr<[AtomicU64; 2]>,
    /// Sets in the mapping (a power of two).
    sets: AtomicUsize,
    /// Pairs [`Slot::set`] dropped from their set since the table last grew.
    evicted: AtomicUsize,
}

// `cpu::NO_JUMPS` stands in for a table while an event is pending: lookups stay inside it.
const _: () = assert!(Table::bytes(emit::TABLE_SETS_MAX) == cpu::JUMP_TABLE_BYTES);

impl Table {
    const fn bytes(sets: usize) -> usize {
        sets * emit::TABLE_WAYS * std::mem::size_of::<[AtomicU64; 2]>()
    }

    /// A mapping of `sets` empty sets; with `populate`, its pages are all there from the
    /// start.
    fn map(sets: usize, populate: bool) -> *mut [AtomicU64; 2] {
        let populate = match populate {
            true => libc::MAP_POPULATE,
            false => 0,
        };
        // SAFETY: a new private anonymous mapping at an address of the kernel's choosing; it
        // overlaps nothing, and the result is checked before use.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                Self::bytes(sets),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | populate,
                -1,
                0,
            )
        };
        assert!(
            p != libc::MAP_FAILED,
            "armrun: cannot map an indirect-jump table: {}",
            std::io::Error::last_os_error()
        );
        p.cast()
    }

    /// A table of [`emit::TABLE_SETS`] sets, with `populate` (the first thread's) populated:
    /// the program's first blocks spread over all its pages (by their guest addresses), and
    /// each page's first lookup and first entry would fault apart (a dynamic hello on aarch64
    /// took about 35 of its 460 page faults there, at about 3 us each on the test host, where
    /// populating the 16 pages costs a few). Other threads' tables fill in as they are used:
    /// a program of many threads that each run little code would pay 64 KiB for each.
    fn new(populate: bool) -> Table {
        Table {
            pairs: AtomicPtr::new(Self::map(emit::TABLE_SETS, populate)),
            sets: AtomicUsize::new(emit::TABLE_SETS),
            evicted: AtomicUsize::new(0),
        }
    }

    fn sets(&self) -> usize {
        self.sets.load(Ordering::Relaxed)
    }

    /// `CpuState::jump_mask` for this table.
    fn mask(&self) -> u64 {
        ((self.sets() - 1) << 2) as u64
    }

    fn pairs(&self) -> &[[AtomicU64; 2]] {
        // SAFETY: the mapping holds `sets * TABLE_WAYS` pairs, page-aligned (so 8-byte
        // aligned), zero bytes are valid atomics, and it lives until it is replaced (by the
        // owner, under the lock whoever else reads it holds) or `self` is dropped.
        unsafe {
            std::slice::from_raw_parts(
                self.pairs.load(Ordering::Relaxed),
                self.sets() * emit::TABLE_WAYS,
            )
        }
    }

    /// The pairs of the set `pc` goes in, in way order.
    fn set_of(&self, pc: u64) -> [&[AtomicU64; 2]; emit::TABLE_WAYS] {
        let (pairs, s) = (self.pairs(), emit::table_set(pc, self.sets()));
        std::array::from_fn(|w| &pairs[s * emit::TABLE_WAYS + w])
    }

    /// Stores a pair: the key last, so the owner, reading the key and then the address, never
    /// pairs this key with another address.
    fn put(cell: &[AtomicU64; 2], key: u64, addr: u64) {
        cell[0].store(0, Ordering::Relaxed);
        cell[1].store(addr, Ordering::Relaxed);
        cell[0].store(key, Ordering::Release);
    }

    /// Empties a pair. The key goes first: the owner, reading the key and then the address,
    /// sees the pair as it was, or a miss (an address of 0 is one).
    fn empty(cell: &[AtomicU64; 2]) {
        cell[0].store(0, Ordering::Release);
        cell[1].store(0, Ordering::Release);
    }

    /// Replaces the mapping by one of four times the sets holding the same pairs (owner only,
    /// under the core's lock, outside translated code).
    fn grow(&self) {
        let old = (self.pairs.load(Ordering::Relaxed), self.sets());
        let sets = (old.1 * 4).min(emit::TABLE_SETS_MAX);
        // Not populated: a larger table's pages fill in slowly, as the code grows.
        let pairs = Self::map(sets, false);
        // SAFETY: as in `pairs`, for the new mapping, which nothing else reaches yet.
        let new = unsafe { std::slice::from_raw_parts(pairs, sets * emit::TABLE_WAYS) };
        for [key, addr] in self.pairs() {
            let key = key.load(Ordering::Relaxed);
            if key == 0 {
                continue;
            }
            // A set of the larger table takes the pairs of one set of the smaller at most.
            let s = emit::table_set(key, sets) * emit::TABLE_WAYS;
            let way = &new[s..s + emit::TABLE_WAYS];
            if let Some(free) = way.iter().find(|p| p[0].load(Ordering::Relaxed) == 0) {
                Self::put(free, key, addr.load(Ordering::Relaxed));
            }
        }
        self.pairs.store(pairs, Ordering::Relaxed);
        self.sets.store(sets, Ordering::Relaxed);
        self.evicted.store(0, Ordering::Relaxed);
        // SAFETY: the old mapping, made in `map` with its size; nothing reads it any more
        // (its owner's next entry to translated code takes the new one).
        unsafe { libc::munmap(old.0.cast(), Self::bytes(old.1)) };
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        // SAFETY: the mapping was made in `map` with this size, and no thread runs code using
        // it any more (the slot holding it is gone).
        unsafe {
            libc::munmap(
                self.pairs.load(Ordering::Relaxed).cast(),
                Self::bytes(self.sets()),
            )
        };
    }
}

/// One thread's indirect-jump table and whether the thread runs translated code.
struct Slot {
    table: Table,
    /// The epoch of the entry the thread is running code from; 0 outside translated code.
    active: AtomicU64,
}

impl Slot {
    /// A slot with a new table, populated for the first thread (see [`Table::new`]).
    fn new(first: bool) -> Arc<Slot> {
        Arc::new(Slot {
            table: Table::new(first),
            active: AtomicU64::new(0),
        })
    }

    /// Points the entry for `pc` at `entry` (owner only, under the core's lock, outside
    /// translated code): in the first way of its set, whose pair (another target's) moves to
    /// the second, so the two targets used last stay. The table grows first if such moves
    /// dropped an eighth of its sets' worth of pairs (see [`Table`]).
    fn set(&self, pc: u64, entry: usize) {
        let table = &self.table;
        if table.evicted.load(Ordering::Relaxed) >= table.sets() / 8
            && table.sets() < emit::TABLE_SETS_MAX
        {
            table.grow();
        }
        let set = table.set_of(pc);
        let (key, addr) = (
            set[0][0].load(Ordering::Relaxed),
            set[0][1].load(Ordering::Relaxed),
        );
        if key != pc && addr != 0 {
            let dropped = set[1][0].load(Ordering::Relaxed);
            if dropped != 0 && dropped != pc {
                table.evicted.fetch_add(1, Ordering::Relaxed);
            }
            Table::put(set[1], key, addr);
        } else if set[1][0].load(Ordering::Relaxed) == pc {
            // An older pair of pc's own: it would stay there beside the new one.
            Table::empty(set[1]);
        }
        Table::put(set[0], pc, entry as u64);
    }

    /// The entry for `pc`, if the table has one (owner only, as translated code reads it:
    /// the key, then the address; without the core's lock).
    fn get(&self, pc: u64) -> Option<usize> {
        self.table.set_of(pc).iter().find_map(|cell| {
            let addr =
                (cell[0].load(Ordering::Acquire) == pc).then(|| cell[1].load(Ordering::Acquire))?;
            (addr != 0).then_some(addr as usize)
        })
    }

    /// Drops the entry for `pc` if it has one.
    fn drop_pc(&self, pc: u64) {
        for cell in self.table.set_of(pc) {
            if cell[0].load(Ordering::Relaxed) == pc {
                Table::empty(cell);
            }
        }
    }

    fn clear(&self) {
        // A pair of key 0 (a block at guest address 0) has an address: it goes too.
        for cell in self.table.pairs() {
            if cell[0].load(Ordering::Relaxed) != 0 || cell[1].load(Ordering::Relaxed) != 0 {
                Table::empty(cell);
            }
        }
    }
}

/// Bytes of the code cache [`Jit::populate`] faults in past the code just made (a
/// few dozen blocks' worth): one system call per stretch rather than per block.
const POPULATE_AHEAD: usize = 64 << 10;

/// Invalidated guest ranges remembered for translations in flight (see [`Jit::compile_since`]);
/// a translation that started further back is retried.
const RECENT: usize = 64;

/// The bookkeeping every thread's handle shares, behind the core's lock.
struct State {
    cache: CodeCache,
    /// The two halves of the cache after the trampoline, as offsets `[start, end)`.
    halves: [(usize, usize); 2],
    /// The half blocks are compiled into.
    current: usize,
    /// While threads may still run code of the other half: the last epoch of its entries.
    draining: Option<u64>,
    blocks: PcMap<BlockRec>,
    /// The registered blocks by guest start address: (start, key).
    by_start: start_index::StartIndex,
    /// The largest guest byte length of a block registered since the last switch of halves,
    /// so a range query on `by_start` knows how far before a range a block overlapping it can
    /// start.
    max_guest_len: u64,
    /// For each guest pc, every jump site that wants to reach it.
    links: PcMap<Vec<Site>>,
    /// Host code of every block in either half until that half is reused, by host start
    /// address.
    code_map: code_map::CodeMap<CodeRec>,
    /// The run counters of the quick blocks in each half, reset with its `code_map` half.
    counters: [counters::Counters; 2],
    /// Where the next chunk of counters is asked for: just past the code cache at first, so
    /// that code reaches them `rip`-relatively.
    counter_hint: usize,
    /// Every handle's slot.
    slots: Vec<Arc<Slot>>,
    /// Invalidations so far.
    seq: u64,
    /// The latest invalidations: (sequence number, start, end).
    recent: VecDeque<(u64, u64, u64)>,
}

/// The code cache and what every thread's handle shares.
struct Core {
    /// Host address of the entry trampoline.
    enter: usize,
    /// Host address of its entry that skips the stack probe.
    enter_fast: usize,
    /// Addresses compiled code refers to.
    shared: emit::Shared,
    /// Bumped (with the lock held) at each switch of halves; entries carry the epoch they were
    /// handed out in.
    epoch: AtomicU64,
    /// Whether blocks reach each other without the dispatcher (linked jumps and the
    /// indirect-jump tables); off, every block returns to [`Jit::run`]'s caller (qemu's
    /// `-d nochain`, so `-d exec` sees every block that runs). Written with the lock held.
    chain: AtomicBool,
    /// Whether 32-bit guest addresses `base + k` go into memory operands (see `addr_fold`):
    /// for 32-bit guests until one such access wraps. Written with the lock held.
    fold32: AtomicBool,
    /// The size the cache was made with (for a fresh core after fork).
    size: usize,
    /// `State::seq`, stored with the lock held, for [`Jit::generation`] to read without it (the
    /// dispatcher asks before every translation). It may lag `seq`, never lead it: a
    /// translation begun at a lagging count is checked against more invalidations, not fewer.
    generation: AtomicU64,
    /// Left in a forked child to a thread that held its lock at the fork (see
    /// [`Jit::after_fork`]): the lock is never released there.
    abandoned: AtomicBool,
    /// How far [`Jit::compile_detached`] has faulted in the cache's pages (see
    /// [`cache::populate`]): the halves fill bottom up, so everything below the mark was.
    populated: AtomicUsize,
    /// The keys code was ever installed for, read without the lock (see [`installed`]).
    installed: installed::Installed,
    state: Mutex<State>,
}

impl Core {
    /// The bookkeeping, locked. A panic while it was held leaves nothing half-updated that later
    /// calls would trip over more than the panic itself, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn chain(&self) -> bool {
        self.chain.load(Ordering::Relaxed)
    }
}

/// One thread's handle on the JIT: the shared code cache with its compiled blocks by guest pc
/// and the jump sites waiting for each pc, plus this thread's indirect-jump table.
pub struct Jit {
    core: Arc<Core>,
    slot: Arc<Slot>,
}

impl Default for Jit {
    fn default() -> Self {
        Jit::new()
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        if self.core.abandoned.load(Ordering::Acquire) {
            // Its lock stays taken (other handles on it, such as the engine a forked child
            // kept to share with threads, are dropped later).
            return;
        }
        self.core
            .lock()
            .slots
            .retain(|s| !Arc::ptr_eq(s, &self.slot));
    }
}

impl Jit {
    /// Maps a code cache and emits the entry trampoline.
    pub fn new() -> Jit {
        Jit::with_cache_size(cache::CACHE_SIZE)
    }

    /// Like [`Jit::new`] with a smaller cache (clamped to 8 KiB ..= 128 MiB); a full half is
    /// left and the other one refilled, so small sizes exercise that path in tests.
    pub fn with_cache_size(bytes: usize) -> Jit {
        let mut cache = CodeCache::new(bytes.max(8 << 10));
        let base = cache.next_addr();
        let cache_end = cache.end();
        let t = emit::trampoline(base);
        let enter = cache
            .push(&t.code)
            .expect("trampoline fits in an empty cache");
        let reserved = cache.used();
        let mid = (reserved + (cache.size() - reserved) / 2).next_multiple_of(64);
        let halves = [(reserved, mid), (mid, cache.size())];
        cache.set_window(halves[0].0, halves[0].1);
        let miss = enter + t.miss;
        let shared = emit::Shared {
            epilogue: enter + t.epilogue,
            miss,
            pending: enter + t.pending,
            hot: enter + t.hot,
            settle: enter + t.settle,
            lanes: enter + t.lanes,
        };
        // (SSE operands must be 16-byte aligned; the cache hands out aligned code.)
        assert!(
            shared.lanes.is_multiple_of(16),
            "vector constants misaligned"
        );
        let slot = Slot::new(true);
        let core = Core {
            enter,
            enter_fast: enter + t.fast,
            shared,
            epoch: AtomicU64::new(1),
            chain: AtomicBool::new(true),
            fold32: AtomicBool::new(false),
            size: cache.size(),
            abandoned: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            populated: AtomicUsize::new(0),
            installed: installed::Installed::new(),
            state: Mutex::new(State {
                cache,
                halves,
                current: 0,
                draining: None,
                blocks: PcMap::default(),
                by_start: Default::default(),
                max_guest_len: 0,
                links: PcMap::default(),
                code_map: Default::default(),
                counters: Default::default(),
                counter_hint: cache_end,
                slots: vec![slot.clone()],
                seq: 0,
                recent: VecDeque::new(),
            }),
        };
        Jit {
            core: Arc::new(core),
            slot,
        }
    }

    /// Another handle on the same code, for another thread of the guest process: it sees every
    /// block compiled through any handle, and has its own indirect-jump table.
    pub fn share(&self) -> Jit {
        let slot = Slot::new(false);
        self.core.lock().slots.push(slot.clone());
        Jit {
            core: self.core.clone(),
            slot,
        }
    }

    /// Call in a forked child, whose only thread is this handle's: the other threads' handles
    /// are gone. If one of them held the lock at the fork, the child's copy stays locked
    /// forever, so the child starts over with an empty cache of its own instead.
    pub fn after_fork(&mut self) {
        {
            let locked = match self.core.state.try_lock() {
                Ok(g) => Some(g),
                Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            };
            if let Some(mut st) = locked {
                st.slots.retain(|s| Arc::ptr_eq(s, &self.slot));
                return;
            }
        }
        let fresh = Jit::with_cache_size(self.core.size);
        fresh.core.chain.store(self.core.chain(), Ordering::Relaxed);
        let fold32 = self.core.fold32.load(Ordering::Relaxed);
        fresh.core.fold32.store(fold32, Ordering::Relaxed);
        // The old core's lock is held by a thread that does not exist here: dropping a handle
        // on it would wait for it. Its memory is left as it is.
        self.core.abandoned.store(true, Ordering::Release);
        std::mem::forget(std::mem::replace(self, fresh));
    }

    /// The compiled code for guest `pc`, if any.
    ///
    /// A hit also puts the block back into this thread's indirect-jump table, from which a
    /// block compiled later at a colliding index may have evicted it: the dispatcher only sees a
    /// block again after such a miss, and without the refill every later indirect jump to it
    /// (returns to a busy caller, say) would miss as well.
    pub fn lookup(&mut self, pc: u64) -> Option<Entry> {
        // This thread's indirect-jump table first, without the lock, as translated code reads
        // it. A compiler thread installs blocks under the lock all the time, and a lookup that
        // waited for it took 450 ns on average (python3, 80,000 lookups: 36 ms of its run).
        // The epoch is read first: a half switched since then fails `Jit::run`, and one
        // switched before cleared the table first (see `make_room`).
        let epoch = self.core.epoch.load(Ordering::Acquire);
        if let Some(addr) = self.slot.get(pc) {
            return Some(Entry { addr, epoch });
        }
        // Most keys that reach here never had code (see `installed`): no need to wait for
        // the lock to hear it.
        if !self.core.installed.may_hold(pc) {
            return None;
        }
        let st = self.core.lock();
        let b = st.blocks.get(&pc)?;
        if self.core.chain() {
            self.slot.set(pc, b.entry);
        }
        Some(Entry {
            addr: b.entry,
            epoch: self.core.epoch.load(Ordering::Relaxed),
        })
    }

    /// How many times the block at `pc` has run, as far as its code counts: the runs a
    /// [`Tier::Quick`] block counted so far ([`HOT_RUNS`] once it exited hot), [`HOT_RUNS`] for
    /// a full translation (it got there), 0 where nothing is compiled. A profile for the full
    /// translation's layout (see `ir::Builder::follows_far`).
    pub fn runs(&self, pc: u64) -> u32 {
        // (A full translation asks this of every block it may lay out around: most have no
        // code yet, which needs no lock to hear, as in `lookup`.)
        if !self.core.installed.may_hold(pc) {
            return 0;
        }
        let st = self.core.lock();
        st.blocks.get(&pc).map_or(0, |b| {
            b.counter.map_or(HOT_RUNS, |c| {
                // SAFETY: a registered block's counter is in the counters of the current half
                // (switching halves forgets every block), which are reset only when that half
                // is reused; the chunk holding it never moves.
                let c = unsafe { &*(c as *const AtomicU32) }.load(Ordering::Relaxed);
                // Past zero (it exited hot and still runs, its full translation on the way),
                // the count wraps around.
                if c > HOT_RUNS { HOT_RUNS } else { HOT_RUNS - c }
            })
        })
    }

    /// Has the [`Tier::Quick`] block at `pc` count [`HOT_RUNS`] runs again before it asks to
    /// be translated in full once more (it just did); false if no such block is installed.
    pub fn count_again(&self, pc: u64) -> bool {
        let st = self.core.lock();
        let Some(c) = st.blocks.get(&pc).and_then(|b| b.counter) else {
            return false;
        };
        // SAFETY: as in `runs`: the counter of a registered block lives as long as it does.
        unsafe { &*(c as *const AtomicU32) }.store(HOT_RUNS, Ordering::Relaxed);
        true
    }

    /// Turns block chaining on (the default) or off (see `chain`) for every handle; off also
    /// unlinks every jump made so far.
    pub fn set_chaining(&mut self, on: bool) {
        let mut st = self.core.lock();
        if !on && self.core.chain() {
            st.invalidate_all();
        }
        self.core.chain.store(on, Ordering::Relaxed);
    }

    /// Lets blocks of a 32-bit guest fold `base + k` addresses into their memory operands
    /// (see `addr_fold`), or stops that, forgetting every block compiled with such folds.
    /// Folded, a sum that should wrap at 4 GiB reaches the guard pages around the guest's
    /// window instead and faults at a guest address past 32 bits: the dispatcher then turns
    /// folding off and runs the instruction again.
    pub fn set_fold32(&mut self, on: bool) {
        let mut st = self.core.lock();
        if !on && self.core.fold32.load(Ordering::Relaxed) {
            st.invalidate_all();
        }
        self.core.fold32.store(on, Ordering::Relaxed);
    }

    /// Whether blocks fold 32-bit guest addresses (see [`Jit::set_fold32`]).
    pub fn fold32(&self) -> bool {
        self.core.fold32.load(Ordering::Relaxed)
    }

    /// A copy of the host code of the block `entry` starts (for `-d out_asm`); empty for an
    /// address that starts no block of this cache.
    pub fn code(&self, entry: Entry) -> Vec<u8> {
        let st = self.core.lock();
        match st.code_map.get(entry.addr) {
            // SAFETY: `[entry, rec.end)` is code copied into the cache, which stays mapped while
            // the core lives; its half is not reused while the lock is held.
            Some(rec) => {
                unsafe { std::slice::from_raw_parts(entry.addr as *const u8, rec.end - entry.addr) }
                    .to_vec()
            }
            None => Vec::new(),
        }
    }

    /// Number of blocks currently registered.
    pub fn len(&self) -> usize {
        self.core.lock().blocks.len()
    }

    /// True if no block is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of invalidations so far, to pass to [`Jit::compile_since`] for a block about
    /// to be translated.
    pub fn generation(&self) -> u64 {
        self.core.generation.load(Ordering::Acquire)
    }

    /// Compiles `block`, registers it under `block.key` (replacing an older translation) and
    /// links it both ways: earlier jumps to `block.key` now reach it, and its own constant
    /// exits reach already-compiled blocks.
    pub fn compile(&mut self, block: &ir::Block) -> Entry {
        let st = self.core.lock();
        let now = st.seq;
        self.compile_locked(st, block, now, Tier::Full)
            .expect("no invalidation since now")
    }

    /// Like [`Jit::compile`] for a block of tier `tier` whose translation (reading guest code)
    /// began when [`Jit::generation`] said `generation`, or `None` without compiling it if the
    /// guest range it covers was invalidated since (another thread saw that code change): the
    /// caller translates it again.
    pub fn compile_since(
        &mut self,
        block: &ir::Block,
        generation: u64,
        tier: Tier,
    ) -> Option<Entry> {
        let st = self.core.lock();
        self.compile_locked(st, block, generation, tier)
    }

    /// Like [`Jit::compile_since`], lowering the block without holding the core's lock, for a
    /// compiler thread of its own: held through the lowering, the lock would stall every thread
    /// that looks a block up meanwhile. The code is generated for the address the cache's next
    /// block goes to and installed if that still holds when it is done (nothing else was
    /// compiled, no half was switched and neither folding nor chaining changed); if not, it is
    /// generated again under the lock. A quick block's counter taken for a discarded attempt
    /// stays unused until its half is reused.
    pub fn compile_detached(
        &self,
        block: &ir::Block,
        generation: u64,
        tier: Tier,
    ) -> Option<Entry> {
        let (lo, hi) = block.hull();
        let (base, at, epoch) = {
            let mut st = self.core.lock();
            if st.invalidated_since(generation, lo, hi) {
                return None;
            }
            let at = st.counter_for(tier);
            let epoch = self.core.epoch.load(Ordering::Relaxed);
            (st.cache.next_addr(), at, epoch)
        };
        let fold32 = self.core.fold32.load(Ordering::Relaxed);
        let chain = self.core.chain();
        let compiled = emit::compile(block, base, self.core.shared, at, fold32, chain);
        // The pages the code goes to are faulted in now, before the lock, a stretch ahead at a
        // time: a first write to each under the lock (a few microseconds in a VM) held up
        // every thread looking a block up meanwhile. Python3: its lookups that waited over
        // 2 us for the lock went from about 800 to about 350, their total wait from 11-15 ms
        // to 8-10 ms.
        self.populate(base, compiled.code.len());
        let mut st = self.core.lock();
        if st.invalidated_since(generation, lo, hi) {
            return None;
        }
        let unchanged = st.cache.next_addr() == base
            && self.core.epoch.load(Ordering::Relaxed) == epoch
            && self.core.fold32.load(Ordering::Relaxed) == fold32
            && self.core.chain() == chain;
        if unchanged && compiled.code.len() <= st.cache.free() {
            if st.blocks.contains_key(&block.key) {
                st.forget(block.key);
            }
            let pushed = st.cache.push(&compiled.code);
            debug_assert_eq!(
                pushed,
                Some(base),
                "the cache's next block goes to {base:#x}"
            );
            let addr = st.install(&self.core, block, base, compiled, at);
            return Some(Entry { addr, epoch });
        }
        self.compile_locked(st, block, generation, tier)
    }

    /// Faults in the code cache's pages for `len` bytes of code at `base`, and
    /// [`POPULATE_AHEAD`] bytes past them, unless an earlier call did (see
    /// [`cache::populate`]).
    fn populate(&self, base: usize, len: usize) {
        let end = base + len;
        let done = self.core.populated.load(Ordering::Relaxed);
        if end > done {
            let upto = end + POPULATE_AHEAD;
            cache::populate(base.max(done), upto - base.max(done));
            self.core.populated.fetch_max(upto, Ordering::Relaxed);
        }
    }

    fn compile_locked<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        block: &ir::Block,
        generation: u64,
        tier: Tier,
    ) -> Option<Entry> {
        let (lo, hi) = block.hull();
        if st.invalidated_since(generation, lo, hi) {
            return None;
        }
        loop {
            if st.blocks.contains_key(&block.key) {
                st.forget(block.key);
            }
            // Taken in the half the code goes to (this one, unless it is full).
            let at = st.counter_for(tier);
            let fold32 = self.core.fold32.load(Ordering::Relaxed);
            let chain = self.core.chain();
            let compiled = emit::compile(
                block,
                st.cache.next_addr(),
                self.core.shared,
                at,
                fold32,
                chain,
            );
            // (Under the lock here: one call for a stretch of pages still costs less than a
            // fault on each; a dynamic hello's code took about 10 of its 420 faults.)
            self.populate(st.cache.next_addr(), compiled.code.len());
            if let Some(base) = st.cache.push(&compiled.code) {
                let addr = st.install(&self.core, block, base, compiled, at);
                if self.core.chain() {
                    self.slot.set(block.key, addr);
                }
                return Some(Entry {
                    addr,
                    epoch: self.core.epoch.load(Ordering::Relaxed),
                });
            }
            let (start, _) = st.halves[st.current];
            assert!(
                st.cache.used() > start,
                "a block fits in an empty half of the cache"
            );
            st = self.make_room(st);
        }
    }

    /// Makes the other half current when this one is full (the caller retries): every block is
    /// unlinked and forgotten, so threads still running code of this half leave it at their next
    /// block end. The other half must have drained first: while a thread may still run code
    /// from before the previous switch, this waits without the lock and returns (the caller
    /// retries, and another thread may have made room meanwhile).
    fn make_room<'a>(&'a self, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        if let Some(last) = st.draining {
            // SeqCst pairs with `run`: a thread that stored an epoch <= `last` and then read
            // the current epoch is seen here, or read a newer epoch and does not run.
            let busy = st.slots.iter().any(|s| {
                let a = s.active.load(Ordering::SeqCst);
                a != 0 && a <= last
            });
            if busy {
                drop(st);
                std::thread::yield_now();
                return self.core.lock();
            }
            let other = 1 - st.current;
            st.code_map.clear(other);
            st.counters[other].reset();
            st.draining = None;
        }
        st.invalidate_all();
        st.max_guest_len = 0;
        let last = self.core.epoch.load(Ordering::Relaxed);
        self.core.epoch.store(last + 1, Ordering::SeqCst);
        st.draining = Some(last);
        st.current = 1 - st.current;
        let (start, end) = st.halves[st.current];
        st.cache.set_window(start, end);
        st
    }

    /// Guest start address of the block whose host code contains `host_pc` (for mapping a host
    /// fault in translated code back to the guest), including blocks invalidated since their
    /// half of the cache was last reused.
    pub fn guest_block_at(&self, host_pc: usize) -> Option<u64> {
        let st = self.core.lock();
        code_at(&st, host_pc).map(|(_, r)| r.guest)
    }

    /// Runs translated code from `entry` until a block exits to the dispatcher; `cpu.pc`,
    /// `cpu.exit_reason` and `cpu.exit_arg` then say why and where to continue. Returns false
    /// without running anything if `entry` is from before the last switch of cache halves (its
    /// code may be reused any time now): look the pc up again.
    ///
    /// # Safety
    /// `cpu` must point to a valid, exclusively used `CpuState`; `entry` must come from this
    /// `Jit`'s core; every guest address the code touches must be mapped at
    /// `cpu.mem_base + address`; helpers called by the code must be sound.
    pub unsafe fn run(&self, entry: Entry, cpu: *mut cpu::CpuState) -> bool {
        thread_local! {
            /// Lowest host stack address this thread's trampoline frames have probed.
            static PROBED: Cell<usize> = const { Cell::new(usize::MAX) };
        }
        // This thread's table, unless an event is pending (see `cpu::raise_pending`), which
        // another thread may signal at any time: the table goes in first, and the word is read
        // after the SeqCst store below (a full barrier), so either this thread sees the word
        // set or the other thread's later store of `NO_JUMPS` comes after the table.
        // SAFETY: the caller guarantees `cpu` is valid and exclusively ours (but for
        // `raise_pending`'s volatile stores).
        unsafe {
            (*cpu).jump_mask = self.slot.table.mask();
            (*cpu).jump_table = self.slot.table.pairs.load(Ordering::Relaxed) as u64;
        }
        // Announce the epoch before checking it (see `make_room`): from here until `active`
        // is cleared, the half holding `entry` is not reused.
        self.slot.active.store(entry.epoch, Ordering::SeqCst);
        if self.core.epoch.load(Ordering::SeqCst) != entry.epoch {
            self.slot.active.store(0, Ordering::Release);
            return false;
        }
        // SAFETY: as above.
        unsafe {
            if std::ptr::read_volatile(&raw const (*cpu).pending) != 0 {
                (*cpu).jump_table = cpu::NO_JUMPS.addr();
            }
        }
        // The trampoline's frame lies just below this function's locals; probe its pages only
        // when it reaches lower than any frame this thread probed before (one page of slack
        // for the call and the pushes).
        let here = &entry as *const Entry as usize;
        let low = here.saturating_sub(emit::FRAME_STACK + 4096);
        let probe = PROBED.with(|p| {
            let fresh = low < p.get();
            if fresh {
                p.set(low);
            }
            fresh
        });
        let code = if probe {
            self.core.enter
        } else {
            self.core.enter_fast
        };
        // SAFETY: both entries are the trampoline emitted in `with_cache_size` with exactly
        // this signature; it saves and restores every callee-saved register the block code
        // uses.
        let f: extern "sysv64" fn(*mut cpu::CpuState, usize) = unsafe {
            std::mem::transmute::<usize, extern "sysv64" fn(*mut cpu::CpuState, usize)>(code)
        };
        {
            // The fault handler finds this Jit (and `cpu`) through the guard while the code
            // runs.
            let _running = fault::running(self, cpu);
            f(cpu, entry.addr);
        }
        self.slot.active.store(0, Ordering::Release);
        true
    }

    /// Forgets every block whose guest range `[start, end)` overlaps `[start, end)` and
    /// re-points jumps into them at their exit stubs; a translation of that range in flight is
    /// not installed (see [`Jit::compile_since`]).
    pub fn invalidate_range(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let mut st = self.core.lock();
        st.invalidate_range(start, end);
        self.core.generation.store(st.seq, Ordering::Release);
    }

    /// Forgets every block and unlinks every jump. The code stays in the cache (threads may
    /// still run it) until its half is reused.
    pub fn invalidate_all(&mut self) {
        let mut st = self.core.lock();
        st.invalidate_all();
        st.note_invalidation(0, u64::MAX);
        self.core.generation.store(st.seq, Ordering::Release);
    }

    /// Host address of the epilogue every block leaves through.
    fn epilogue(&self) -> usize {
        self.core.shared.epilogue
    }

    /// The core's bookkeeping, locked (for the fault handler).
    fn state(&self) -> MutexGuard<'_, State> {
        self.core.lock()
    }
}

/// The block whose host code contains `host_pc`: its host start and record.
fn code_at(st: &State, host_pc: usize) -> Option<(usize, &CodeRec)> {
    let (base, rec) = st.code_map.at_or_below(host_pc)?;
    (host_pc < rec.end).then_some((base, rec))
}

impl State {
    /// A new run counter, in the current half's counters, for a block of `tier` (a quick one
    /// counts its runs, see [`Jit::runs`]).
    fn counter_for(&mut self, tier: Tier) -> Option<usize> {
        let hint = &mut self.counter_hint;
        (tier == Tier::Quick)
            .then(|| self.counters[self.current].take(HOT_RUNS, hint).as_ptr() as usize)
    }

    /// True if an invalidation after `generation` overlapped `[start, end)`, or if those
    /// invalidations are no longer all remembered.
    fn invalidated_since(&self, generation: u64, start: u64, end: u64) -> bool {
        if self.seq == generation {
            return false;
        }
        let remembered = self
            .recent
            .front()
            .is_some_and(|&(n, _, _)| n <= generation + 1);
        let end = end.max(start + 1);
        !remembered
            || self
                .recent
                .iter()
                .any(|&(n, s, e)| n > generation && s < end && start < e)
    }

    fn note_invalidation(&mut self, start: u64, end: u64) {
        self.seq += 1;
        self.recent.push_back((self.seq, start, end));
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
    }

    fn install(
        &mut self,
        core: &Core,
        block: &ir::Block,
        base: usize,
        compiled: emit::Compiled,
        counter: Option<usize>,
    ) -> usize {
        let len = compiled.code.len();
        self.code_map.push(
            self.current,
            base,
            CodeRec {
                end: base + len,
                guest: block.key,
                extra_stack: compiled.extra_stack,
                faults: compiled.faults.into_boxed_slice(),
            },
        );
        perfmap::record(base, len, block.start, counter.is_some());
        let chain = core.chain();
        let sites = compiled.sites;
        let mut out = Vec::with_capacity(sites.len());
        for s in &sites {
            let site = Site {
                rel32: base + s.rel32,
                stub: base + s.stub,
            };
            debug_assert!(
                {
                    // SAFETY: the two bytes before the rel32 field are inside the code we just
                    // copied (a site is a `jmp rel32`, a guest call's `call rel32` or a `jcc
                    // rel32`, `0f 8x rel32`).
                    let op = unsafe { *((site.rel32 - 2) as *const [u8; 2]) };
                    op[1] == 0xe9 || op[1] == 0xe8 || (op[0] == 0x0f && op[1] & 0xf0 == 0x80)
                },
                "link site is not a jmp, call or jcc rel32"
            );
            if let Some(t) = self.blocks.get(&s.target).filter(|_| chain) {
                self.cache.patch_rel32(site.rel32, t.entry);
            }
            self.links.entry(s.target).or_default().push(site);
            out.push((s.target, site.rel32));
        }
        // A block is found by its hull: writes anywhere in it drop the block.
        let (lo, hi) = block.hull();
        self.by_start.insert(lo, block.key);
        self.max_guest_len = self.max_guest_len.max(hi.saturating_sub(lo));
        core.installed.insert(block.key);
        self.blocks.insert(
            block.key,
            BlockRec {
                entry: base,
                start: lo,
                end: hi,
                out,
                counter,
            },
        );
        if let Some(waiting) = self.links.get(&block.key).filter(|_| chain) {
            for s in waiting {
                self.cache.patch_rel32(s.rel32, base);
            }
        }
        // The back edge of a loop carrying state goes to its head, not its entry.
        for s in sites.iter().filter(|s| s.head != 0 && chain) {
            self.cache.patch_rel32(base + s.rel32, base + s.head);
        }
        base
    }

    fn invalidate_range(&mut self, start: u64, end: u64) {
        let from = start.saturating_sub(self.max_guest_len);
        let hit: Vec<u64> = self
            .by_start
            .starting_in(from, end)
            .into_iter()
            .filter(|&(s, key)| {
                // A block always covers at least its first byte.
                let e = self.blocks.get(&key).map_or(s, |b| b.end.max(s + 1));
                start < e
            })
            .map(|(_, key)| key)
            .collect();
        for pc in hit {
            self.forget(pc);
        }
        self.note_invalidation(start, end);
    }

    /// Forgets every block, unlinks every jump and empties every thread's table.
    fn invalidate_all(&mut self) {
        for sites in self.links.values() {
            for s in sites {
                self.cache.patch_rel32(s.rel32, s.stub);
            }
        }
        self.blocks.clear();
        self.by_start.clear();
        self.links.clear();
        for slot in &self.slots {
            slot.clear();
        }
    }

    /// Unregisters the block at `pc`: jumps into it go back to their stubs, every thread's
    /// table forgets it, and its own jump sites leave the link lists.
    fn forget(&mut self, pc: u64) {
        let Some(b) = self.blocks.remove(&pc) else {
            return;
        };
        self.by_start.remove(b.start, pc);
        for slot in &self.slots {
            slot.drop_pc(pc);
        }
        if let Some(waiting) = self.links.get(&pc) {
            for s in waiting {
                self.cache.patch_rel32(s.rel32, s.stub);
            }
        }
        for (target, rel32) in b.out {
            if let Some(list) = self.links.get_mut(&target) {
                list.retain(|s| s.rel32 != rel32);
                if list.is_empty() {
                    self.links.remove(&target);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A forked child whose cache lock another thread held at the fork starts on a fresh cache;
    /// the handles it still has on the old one (the engine kept to share with new threads)
    /// then go without waiting for that lock, which nothing would ever release.
    #[test]
    fn handles_on_a_cache_left_locked_by_a_fork_drop_without_waiting() {
        let mut mine = Jit::new();
        let seed = mine.share();
        let old = mine.core.clone();
        let held = old.state.lock().unwrap();
        // As in a child: the lock is taken, by a thread that is not this one.
        mine.after_fork();
        assert!(!Arc::ptr_eq(&mine.core, &old), "a fresh cache");
        drop(seed);
        assert!(mine.lookup(0).is_none());
        drop(held);
    }

    /// A lookup (and the run count) of a key no code was ever installed for answers without
    /// the lock, which a compiler thread installing blocks holds much of the time: here while
    /// the test holds it. A key that had code keeps its bit after the block is forgotten (its
    /// lookups go to the map, as every lookup did before).
    #[test]
    fn a_key_never_compiled_is_looked_up_without_the_lock() {
        let mut jit = Jit::new();
        let mut b = ir::Builder::new(0x1000);
        b.end_insn(0x1004);
        jit.compile(&b.finish(ir::Term::Jump(0x2000)));
        assert!(jit.lookup(0x1000).is_some());
        jit.invalidate_all();
        assert!(
            jit.core.installed.may_hold(0x1000),
            "a forgotten key keeps its bit"
        );
        let never = 0x5000;
        assert!(
            !jit.core.installed.may_hold(never),
            "(a key of its own bit)"
        );
        let mut other = jit.share();
        let held = jit.core.lock();
        let (tx, rx) = std::sync::mpsc::channel();
        let asker = std::thread::spawn(move || {
            let _ = tx.send(other.lookup(never).is_none() && other.runs(never) == 0);
        });
        let answer = rx.recv_timeout(std::time::Duration::from_secs(10));
        drop(held);
        asker.join().unwrap();
        assert_eq!(answer, Ok(true), "answered (none) while the lock was held");
    }
}
