//! The guest address space.
//!
//! A [`GuestMem`] translates guest addresses to host addresses (`host = base + guest`), keeps a
//! page-granular record of every guest mapping and its protection, and offers checked copies in
//! and out of guest memory. 64-bit guests share the host layout (`base == 0`) and armrun's own
//! mappings are protected from guest `MAP_FIXED` by probing; 32-bit guests live inside a reserved
//! 4 GiB window so no guest address can reach armrun's memory at all.

mod access;
mod code_watch;
mod host;
mod mapping;
mod regions;

pub use code_watch::CodeWindow;
pub use regions::Backing;
use regions::Regions;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};

/// Guest page size (4 KiB, the same as the x86-64 host's).
pub const PAGE: u64 = 4096;

/// Size of the 32-bit guest window: 4 GiB plus a 64 KiB inaccessible guard so that an access
/// starting just below 4 GiB and running past it faults instead of touching host memory.
pub const WINDOW32: u64 = (1 << 32) + 0x1_0000;

/// Inaccessible bytes reserved below a 32-bit guest's window: an access at a small address
/// minus an offset the JIT folded into the host operand (`jit::addr_fold`) faults there.
pub const GUARD32: u64 = 0x1_0000;

/// Top of the region the 32-bit allocator hands out top-down (below the stack, like `mmap_base`).
pub const MMAP_TOP32: u64 = 0xf700_0000;

/// Lowest guest address the allocator hands out (like the kernel's `mmap_min_addr`).
pub const MMAP_MIN: u64 = 0x1_0000;

/// Exclusive upper limit of 64-bit guest addresses (the x86-64 host's user address space).
pub const LIMIT64: u64 = 1 << 47;

/// Linux `MAP_FIXED_NOREPLACE` (same value on arm, arm64 and x86-64).
pub const MAP_FIXED_NOREPLACE: i32 = 0x10_0000;

/// A guest access that is not allowed by the guest's mappings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// First guest address that is unmapped or lacks the requested protection.
    pub addr: u64,
    /// The protection that was requested (`PROT_READ`, `PROT_WRITE`, `PROT_EXEC` bits).
    pub prot: i32,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "guest fault at {:#x} (prot {:#x})", self.addr, self.prot)
    }
}

impl std::error::Error for Fault {}

/// The guest address space: base, reservation and mapping bookkeeping.
///
/// A handle: clones share one address space (guest threads each hold one), and the
/// bookkeeping sits behind a lock, so every method takes `&self` or `&mut self` of the handle
/// only. The last handle dropped releases the space.
#[derive(Debug, Clone)]
pub struct GuestMem {
    base: u64,
    is32: bool,
    space: Arc<Mutex<Space>>,
    /// The address space's count of code changes (see [`CodeWindow`]), read without the lock.
    code_epoch: Arc<AtomicU64>,
}

/// The address space held locked (see [`GuestMem::hold`]).
pub struct Held<'a>(#[allow(dead_code)] MutexGuard<'a, Space>);

/// The shared state of a [`GuestMem`]: mappings and the program break.
#[derive(Debug)]
pub(crate) struct Space {
    base: u64,
    is32: bool,
    regions: Regions,
    brk_start: u64,
    brk_cur: u64,
    /// Recent code changes as (generation, start, end), oldest first (see
    /// [`GuestMem::code_changes_since`]).
    code_log: std::collections::VecDeque<(u64, u64, u64)>,
    /// Generation of the newest code change (0: none yet).
    code_gen: u64,
    /// Guest pages write-protected on the host because code on them was translated (see
    /// `code_watch`).
    watched: std::collections::BTreeSet<u64>,
}

/// Code changes remembered for threads that have not looked yet; one that falls further
/// behind drops every translation instead.
const CODE_LOG: usize = 64;

impl Space {
    /// Exclusive upper bound of guest addresses.
    fn limit(&self) -> u64 {
        limit(self.is32)
    }
}

/// Exclusive upper bound of guest addresses of a 32-bit or 64-bit space.
fn limit(is32: bool) -> u64 {
    if is32 { 1 << 32 } else { LIMIT64 }
}

impl GuestMem {
    fn with_space(base: u64, is32: bool) -> GuestMem {
        let regions = Regions::default();
        let code_epoch = regions.code_epoch();
        let space = Space {
            base,
            is32,
            regions,
            brk_start: 0,
            brk_cur: 0,
            code_log: Default::default(),
            code_gen: 0,
            watched: Default::default(),
        };
        GuestMem {
            base,
            is32,
            space: Arc::new(Mutex::new(space)),
            code_epoch,
        }
    }

    /// The count of code changes the [`CodeWindow`]s of this address space compare with, for
    /// whoever learns of a code change the bookkeeping cannot see (`IC IVAU` after code was
    /// written through another mapping of the same memory): bumping it makes every window
    /// read afresh.
    pub fn code_epoch(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.code_epoch)
    }

    /// The bookkeeping, locked. A panic while it was held cannot leave it half-updated in a
    /// way later calls would trip over more than the panic itself, so poisoning is ignored.
    fn space(&self) -> MutexGuard<'_, Space> {
        self.space.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A 64-bit address space: guest address == host address.
    pub fn new64() -> GuestMem {
        GuestMem::with_space(0, false)
    }

    /// A 32-bit address space: reserves a `PROT_NONE`, `MAP_NORESERVE` window of [`WINDOW32`]
    /// bytes after [`GUARD32`] more; the window start is the base.
    pub fn new32() -> std::io::Result<GuestMem> {
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;
        let start = host::mmap(0, GUARD32 + WINDOW32, libc::PROT_NONE, flags, -1, 0)
            .map_err(std::io::Error::from_raw_os_error)?;
        Ok(GuestMem::with_space(start + GUARD32, true))
    }

    /// mmap semantics on guest addresses. `flags` are Linux MAP_* values, `fd`/`off` host
    /// values. Returns the guest address or a positive errno.
    pub fn map(
        &mut self,
        addr: u64,
        len: u64,
        prot: i32,
        flags: i32,
        fd: i32,
        off: u64,
    ) -> Result<u64, i32> {
        let mut space = self.space();
        if flags & (libc::MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            space.unwatch(addr, addr.saturating_add(len));
        }
        space.map(addr, len, prot, flags, fd, off)
    }

    /// munmap semantics: only guest-owned parts are released (32-bit: handed back to the
    /// reservation), so a guest can never unmap armrun's memory.
    pub fn unmap(&mut self, addr: u64, len: u64) -> Result<(), i32> {
        let mut space = self.space();
        space.unwatch(addr, addr.saturating_add(len));
        space.unmap(addr, len)
    }

    /// mprotect semantics: the whole range must be guest-mapped (else ENOMEM).
    pub fn protect(&mut self, addr: u64, len: u64, prot: i32) -> Result<(), i32> {
        let mut space = self.space();
        space.unwatch(addr, addr.saturating_add(len));
        space.protect(addr, len, prot)
    }

    /// mremap semantics (`MREMAP_MAYMOVE`, `MREMAP_FIXED`). The old range must be guest-mapped.
    pub fn remap(
        &mut self,
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: i32,
        new_addr: u64,
    ) -> Result<u64, i32> {
        let mut space = self.space();
        // mremap moves pages with their host protection.
        space.unwatch(old, old.saturating_add(old_len));
        if flags & 2 != 0 {
            // MREMAP_FIXED replaces whatever is at the new address.
            space.unwatch(new_addr, new_addr.saturating_add(new_len));
        }
        space.remap(old, old_len, new_len, flags, new_addr)
    }

    /// Sets the start of the heap (the page-aligned end of the highest PT_LOAD).
    pub fn set_brk_start(&mut self, addr: u64) {
        self.space().set_brk_start(addr)
    }

    /// Linux brk semantics: returns the current break after trying to move it to `new`.
    pub fn brk(&mut self, new: u64) -> u64 {
        self.space().brk(new)
    }

    /// The current program break.
    pub fn brk_current(&self) -> u64 {
        self.space().brk_current()
    }

    /// The span of guest code that was unmapped, replaced or reprotected since the last call
    /// (or noted with [`GuestMem::note_code_change`]): translations of it are stale. For a
    /// single translator; with several (one per guest thread) use
    /// [`GuestMem::code_changes_since`].
    pub fn take_code_change(&mut self) -> Option<(u64, u64)> {
        let mut seen = self.space().code_gen;
        self.code_changes_since(&mut seen)
    }

    /// The span of guest code changed since generation `*seen` (each guest thread keeps its
    /// own, starting at 0), advancing `*seen`; the whole address space if the changes since
    /// then are no longer remembered.
    pub fn code_changes_since(&self, seen: &mut u64) -> Option<(u64, u64)> {
        let mut space = self.space();
        if let Some((a, b)) = space.regions.take_code_change() {
            space.code_gen += 1;
            let g = space.code_gen;
            space.code_log.push_back((g, a, b));
            if space.code_log.len() > CODE_LOG {
                space.code_log.pop_front();
            }
        }
        let newest = space.code_gen;
        if *seen >= newest {
            return None;
        }
        let covered = space
            .code_log
            .front()
            .is_some_and(|&(g, _, _)| g <= *seen + 1);
        let span = if covered {
            space
                .code_log
                .iter()
                .filter(|&&(g, _, _)| g > *seen)
                .fold((u64::MAX, 0), |(x, y), &(_, a, b)| (x.min(a), y.max(b)))
        } else {
            (0, space.limit())
        };
        *seen = newest;
        Some(span)
    }

    /// Records that guest code in `[start, end)` may have changed (for example an ARM
    /// `cacheflush` call), so the runtime drops its translations.
    pub fn note_code_change(&mut self, start: u64, end: u64) {
        self.space().regions.note_code_change(start, end);
    }

    /// Keeps the address space locked until the returned guard is dropped: around a fork, so
    /// that no other guest thread holds the lock at the instant the child's copy of it is
    /// taken (the child, whose only thread is the forking one, would wait for it forever).
    pub fn hold(&self) -> Held<'_> {
        Held(self.space())
    }

    /// Host address of guest address 0.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// True for a 32-bit guest window.
    pub fn is32(&self) -> bool {
        self.is32
    }

    /// Host pointer for guest address `addr` (`base + addr`, unchecked).
    pub fn host(&self, addr: u64) -> *mut u8 {
        self.base.wrapping_add(addr) as *mut u8
    }

    /// Exclusive upper bound of guest addresses.
    pub fn limit(&self) -> u64 {
        limit(self.is32)
    }

    /// All guest mappings as `(start, end, prot)`, in address order.
    pub fn regions(&self) -> Vec<(u64, u64, i32)> {
        self.space().regions.iter().collect()
    }

    /// All guest mappings as `(start, end, prot, backing)`, in address order.
    pub fn regions_backed(&self) -> Vec<(u64, u64, i32, Option<Backing>)> {
        self.space()
            .regions
            .iter_backed()
            .map(|(s, e, p, b)| (s, e, p, b.cloned()))
            .collect()
    }

    /// Records what backs the guest mappings in `[addr, addr+len)` (`backing` describes `addr`),
    /// for /proc/self/maps; the protection and host memory are unchanged.
    pub fn set_backing(&mut self, addr: u64, len: u64, backing: Option<Backing>) {
        if let Some(end) = addr.checked_add(len) {
            self.space().regions.set_backing(addr, end, backing);
        }
    }

    /// True when no guest mapping intersects `[addr, addr+len)`.
    pub fn is_free(&self, addr: u64, len: u64) -> bool {
        match addr.checked_add(len) {
            Some(end) => !self.space().regions.overlaps(addr, end),
            None => false,
        }
    }
}

impl Drop for Space {
    fn drop(&mut self) {
        if self.is32 {
            let _ = host::munmap(self.base - GUARD32, GUARD32 + WINDOW32);
        } else {
            // Guest mappings are host mappings only this object knows about: release them so a
            // dropped address space (tests, fuzzing) does not leak.
            let all: Vec<(u64, u64, i32)> = self.regions.iter().collect();
            for (s, e, _) in all {
                let _ = host::munmap(s, e - s);
            }
        }
    }
}

/// Rounds `x` up to a page boundary; `None` on overflow.
pub fn page_up(x: u64) -> Option<u64> {
    x.checked_add(PAGE - 1).map(|v| v & !(PAGE - 1))
}

/// Rounds `x` down to a page boundary.
pub fn page_down(x: u64) -> u64 {
    x & !(PAGE - 1)
}

#[cfg(test)]
mod tests;
