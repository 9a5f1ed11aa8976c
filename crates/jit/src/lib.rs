//! The x86-64 backend: compiles IR blocks to host code with dynasmrt, keeps them in an RWX code
//! cache, links blocks to each other and runs them.
//!
//! Translated code reaches the guest state through `r15` and guest memory through `r14`
//! (`cpu.mem_base`); see [`emit`] for the full convention. Every block exits either through a
//! linked `jmp rel32` to another block (after checking `cpu.pending`) or through the shared
//! epilogue back to [`Jit::run`]'s caller with `cpu.pc` and `cpu.exit_reason` set.

#![deny(missing_docs)]

mod alloc;
mod cache;
pub mod emit;
pub mod fault;
mod pchash;
mod perfmap;

use cache::CodeCache;
use pchash::PcMap;
use std::cell::Cell;
use std::collections::BTreeMap;

/// A handle on compiled code: the host address of a block's entry.
///
/// Invalidation never frees code, so an entry stays runnable (possibly stale) until a
/// [`Jit::compile`] finds the cache full and resets it; take a fresh one from [`Jit::lookup`] or
/// [`Jit::compile`] before every [`Jit::run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Entry(usize);

impl Entry {
    /// Host address of the code.
    pub fn addr(self) -> usize {
        self.0
    }
}

/// A patchable jump in some compiled block.
#[derive(Clone, Copy, Debug)]
struct Site {
    /// Host address of the 4-byte aligned rel32 field.
    rel32: usize,
    /// Host address of the exit stub it targets while unlinked.
    stub: usize,
}

/// Bookkeeping for one compiled block.
struct BlockRec {
    entry: usize,
    start: u64,
    end: u64,
    /// Jumps out of this block: (target pc, rel32 address).
    out: Vec<(u64, usize)>,
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

/// The JIT: code cache, compiled blocks by guest pc, and the jump sites waiting for each pc.
pub struct Jit {
    cache: CodeCache,
    /// Host address of the entry trampoline.
    enter: usize,
    /// Host address of its entry that skips the stack probe.
    enter_fast: usize,
    /// Addresses compiled code refers to.
    shared: emit::Shared,
    /// The indirect-jump table (see [`emit::Shared::table`]); boxed so its address is stable.
    table: Box<[[u64; 2]]>,
    /// Cache bytes kept when the cache is reset (the trampoline).
    reserved: usize,
    blocks: PcMap<BlockRec>,
    /// The registered blocks by guest start address: (start, key).
    by_start: std::collections::BTreeSet<(u64, u64)>,
    /// The largest guest byte length of a block registered since the last reset, so a range
    /// query on `by_start` knows how far before a range a block overlapping it can start.
    max_guest_len: u64,
    /// For each guest pc, every jump site that wants to reach it.
    links: PcMap<Vec<Site>>,
    /// Host code of every block since the last reset, by host start address.
    code_map: BTreeMap<usize, CodeRec>,
    /// Whether blocks reach each other without the dispatcher (linked jumps and the
    /// indirect-jump table); off, every block returns to [`Jit::run`]'s caller (qemu's
    /// `-d nochain`, so `-d exec` sees every block that runs).
    chain: bool,
}

// SAFETY: the raw pointers inside `CodeCache` refer to a private mapping owned by this `Jit`;
// mutation goes through `&mut self`, and running code only reads it.
unsafe impl Send for Jit {}
// SAFETY: `&self` methods only read the bookkeeping and execute code. Patching (which needs
// `&mut self`) uses atomic aligned stores, so code running on other threads stays well formed.
unsafe impl Sync for Jit {}

impl Default for Jit {
    fn default() -> Self {
        Jit::new()
    }
}

impl Jit {
    /// Maps a code cache and emits the entry trampoline.
    pub fn new() -> Jit {
        Jit::with_cache_size(cache::CACHE_SIZE)
    }

    /// Like [`Jit::new`] with a smaller cache (clamped to 4 KiB ..= 64 MiB); a full cache is
    /// emptied and refilled, so small sizes exercise that path in tests.
    pub fn with_cache_size(bytes: usize) -> Jit {
        let mut cache = CodeCache::new(bytes);
        let base = cache.next_addr();
        let t = emit::trampoline(base);
        let enter = cache
            .push(&t.code)
            .expect("trampoline fits in an empty cache");
        let reserved = cache.used();
        let miss = enter + t.miss;
        let table: Box<[[u64; 2]]> = vec![[u64::MAX, miss as u64]; emit::TABLE_LEN].into();
        let shared = emit::Shared {
            epilogue: enter + t.epilogue,
            miss,
            table: table.as_ptr() as usize,
        };
        Jit {
            cache,
            enter,
            enter_fast: enter + t.fast,
            shared,
            table,
            reserved,
            blocks: PcMap::default(),
            by_start: Default::default(),
            max_guest_len: 0,
            links: PcMap::default(),
            code_map: BTreeMap::new(),
            chain: true,
        }
    }

    /// The compiled code for guest `pc`, if any.
    ///
    /// A hit also puts the block back into the indirect-jump table, from which a block compiled
    /// later at a colliding index may have evicted it: the dispatcher only sees a block again
    /// after such a miss, and without the refill every later indirect jump to it (returns to a
    /// busy caller, say) would miss as well.
    pub fn lookup(&mut self, pc: u64) -> Option<Entry> {
        let b = self.blocks.get(&pc)?;
        if self.chain {
            self.table[emit::table_index(pc)] = [pc, b.entry as u64];
        }
        Some(Entry(b.entry))
    }

    /// Turns block chaining on (the default) or off (see `chain`); off also unlinks every
    /// jump made so far.
    pub fn set_chaining(&mut self, on: bool) {
        if !on && self.chain {
            self.invalidate_all();
        }
        self.chain = on;
    }

    /// The host code of the block `entry` starts (for `-d out_asm`); empty for an address
    /// that starts no block of this `Jit`.
    pub fn code(&self, entry: Entry) -> &[u8] {
        match self.code_map.get(&entry.0) {
            // SAFETY: `[entry, rec.end)` is code this Jit copied into its cache, which stays
            // mapped while `self` lives; patching needs `&mut self`, so it cannot change while
            // the returned borrow of `self` lasts.
            Some(rec) => unsafe {
                std::slice::from_raw_parts(entry.0 as *const u8, rec.end - entry.0)
            },
            None => &[],
        }
    }

    /// Number of blocks currently registered.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// True if no block is registered.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Compiles `block`, registers it under `block.key` (replacing an older translation) and
    /// links it both ways: earlier jumps to `block.key` now reach it, and its own constant
    /// exits reach already-compiled blocks.
    pub fn compile(&mut self, block: &ir::Block) -> Entry {
        if self.blocks.contains_key(&block.key) {
            self.forget(block.key);
        }
        let compiled = emit::compile(block, self.cache.next_addr(), self.shared);
        let base = match self.cache.push(&compiled.code) {
            Some(b) => b,
            None => {
                // Full: drop every translation and start over. No code of this Jit runs while
                // the dispatcher compiles, so nothing executes the bytes we reuse.
                self.reset();
                let compiled = emit::compile(block, self.cache.next_addr(), self.shared);
                let base = self
                    .cache
                    .push(&compiled.code)
                    .expect("a block fits in an empty cache");
                return self.install(block, base, compiled);
            }
        };
        self.install(block, base, compiled)
    }

    /// Guest start address of the block whose host code contains `host_pc` (for mapping a host
    /// fault in translated code back to the guest), including blocks invalidated since the
    /// cache was last reset.
    pub fn guest_block_at(&self, host_pc: usize) -> Option<u64> {
        self.code_at(host_pc).map(|(_, r)| r.guest)
    }

    /// The block whose host code contains `host_pc`: its host start and record. Reads only, so
    /// the fault handler may call it on the thread that runs this `Jit`'s code.
    fn code_at(&self, host_pc: usize) -> Option<(usize, &CodeRec)> {
        let (&base, rec) = self.code_map.range(..=host_pc).next_back()?;
        (host_pc < rec.end).then_some((base, rec))
    }

    /// Host address of the epilogue every block leaves through.
    fn epilogue(&self) -> usize {
        self.shared.epilogue
    }

    fn install(&mut self, block: &ir::Block, base: usize, compiled: emit::Compiled) -> Entry {
        let len = compiled.code.len();
        self.code_map.insert(
            base,
            CodeRec {
                end: base + len,
                guest: block.key,
                extra_stack: compiled.extra_stack,
                faults: compiled.faults.into_boxed_slice(),
            },
        );
        perfmap::record(base, len, block.start);
        let sites = compiled.sites;
        let mut out = Vec::with_capacity(sites.len());
        for s in &sites {
            let site = Site {
                rel32: base + s.rel32,
                stub: base + s.stub,
            };
            debug_assert_eq!(
                // SAFETY: the byte before the rel32 field is inside the code we just copied.
                unsafe { *((site.rel32 - 1) as *const u8) },
                0xe9,
                "link site is not a jmp rel32"
            );
            if let Some(t) = self.blocks.get(&s.target).filter(|_| self.chain) {
                self.cache.patch_rel32(site.rel32, t.entry);
            }
            self.links.entry(s.target).or_default().push(site);
            out.push((s.target, site.rel32));
        }
        self.by_start.insert((block.start, block.key));
        self.max_guest_len = self
            .max_guest_len
            .max(block.end.saturating_sub(block.start));
        self.blocks.insert(
            block.key,
            BlockRec {
                entry: base,
                start: block.start,
                end: block.end,
                out,
            },
        );
        if let Some(waiting) = self.links.get(&block.key).filter(|_| self.chain) {
            for s in waiting {
                self.cache.patch_rel32(s.rel32, base);
            }
        }
        if self.chain {
            self.table[emit::table_index(block.key)] = [block.key, base as u64];
        }
        Entry(base)
    }

    /// Runs translated code from `entry` until a block exits to the dispatcher; `cpu.pc`,
    /// `cpu.exit_reason` and `cpu.exit_arg` then say why and where to continue.
    ///
    /// # Safety
    /// `cpu` must point to a valid, exclusively used `CpuState`; `entry` must come from this
    /// `Jit` (see [`Entry`] for how long it stays valid); every guest address the code touches
    /// must be mapped at `cpu.mem_base + address`; helpers called by the code must be sound.
    pub unsafe fn run(&self, entry: Entry, cpu: *mut cpu::CpuState) {
        thread_local! {
            /// Lowest host stack address this thread's trampoline frames have probed.
            static PROBED: Cell<usize> = const { Cell::new(usize::MAX) };
        }
        // The trampoline's frame lies just below this function's locals; probe its pages only
        // when it reaches lower than any frame this thread probed before (one page of slack
        // for the call and the pushes).
        let here = &entry as *const Entry as usize;
        let low = here.saturating_sub(8 * emit::FRAME_VALS as usize + 4096);
        let probe = PROBED.with(|p| {
            let fresh = low < p.get();
            if fresh {
                p.set(low);
            }
            fresh
        });
        let code = if probe { self.enter } else { self.enter_fast };
        // SAFETY: both entries are the trampoline emitted in `new` with exactly this signature;
        // it saves and restores every callee-saved register the block code uses.
        let f: extern "sysv64" fn(*mut cpu::CpuState, usize) = unsafe {
            std::mem::transmute::<usize, extern "sysv64" fn(*mut cpu::CpuState, usize)>(code)
        };
        // The fault handler finds this Jit (and `cpu`) through the guard while the code runs.
        let _running = fault::running(self, cpu);
        f(cpu, entry.0);
    }

    /// Forgets every block whose guest range `[start, end)` overlaps `[start, end)` and
    /// re-points jumps into them at their exit stubs.
    pub fn invalidate_range(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let from = start.saturating_sub(self.max_guest_len);
        let hit: Vec<u64> = self
            .by_start
            .range((from, 0)..(end, 0))
            .filter(|&&(s, key)| {
                // A block always covers at least its first byte.
                let e = self.blocks.get(&key).map_or(s, |b| b.end.max(s + 1));
                s < end && start < e
            })
            .map(|&(_, key)| key)
            .collect();
        for pc in hit {
            self.forget(pc);
        }
    }

    /// Forgets every block and unlinks every jump. The code stays in the cache (threads may
    /// still run it) until the cache fills up and is reset.
    pub fn invalidate_all(&mut self) {
        for sites in self.links.values() {
            for s in sites {
                self.cache.patch_rel32(s.rel32, s.stub);
            }
        }
        self.blocks.clear();
        self.by_start.clear();
        self.links.clear();
        self.clear_table();
    }

    fn clear_table(&mut self) {
        let miss = self.shared.miss as u64;
        self.table.fill([u64::MAX, miss]);
    }

    /// Unregisters the block at `pc`: jumps into it go back to their stubs, and its own jump
    /// sites leave the link lists.
    fn forget(&mut self, pc: u64) {
        let Some(b) = self.blocks.remove(&pc) else {
            return;
        };
        self.by_start.remove(&(b.start, pc));
        let slot = &mut self.table[emit::table_index(pc)];
        if slot[0] == pc {
            *slot = [u64::MAX, self.shared.miss as u64];
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

    /// Empties the cache except for the trampoline.
    fn reset(&mut self) {
        self.blocks.clear();
        self.by_start.clear();
        self.max_guest_len = 0;
        self.links.clear();
        self.code_map.clear();
        self.clear_table();
        self.cache.truncate(self.reserved);
    }
}
