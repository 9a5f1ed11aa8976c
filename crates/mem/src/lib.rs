//! The guest address space.
//!
//! A [`GuestMem`] translates guest addresses to host addresses (`host = base + guest`), keeps a
//! page-granular record of every guest mapping and its protection, and offers checked copies in
//! and out of guest memory. 64-bit guests share the host layout (`base == 0`) and armrun's own
//! mappings are protected from guest `MAP_FIXED` by probing; 32-bit guests live inside a reserved
//! 4 GiB window so no guest address can reach armrun's memory at all.

mod access;
mod host;
mod mapping;
mod regions;

pub use regions::Backing;
use regions::Regions;

/// Guest page size (4 KiB, the same as the x86-64 host's).
pub const PAGE: u64 = 4096;

/// Size of the 32-bit guest window: 4 GiB plus a 64 KiB inaccessible guard so that an access
/// starting just below 4 GiB and running past it faults instead of touching host memory.
pub const WINDOW32: u64 = (1 << 32) + 0x1_0000;

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
/// Holds only plain data (no `Rc`, no raw pointers), so it is `Send + Sync`; callers share it
/// between guest threads behind their own lock.
#[derive(Debug)]
pub struct GuestMem {
    base: u64,
    is32: bool,
    regions: Regions,
    brk_start: u64,
    brk_cur: u64,
}

impl GuestMem {
    /// A 64-bit address space: guest address == host address.
    pub fn new64() -> GuestMem {
        GuestMem {
            base: 0,
            is32: false,
            regions: Regions::default(),
            brk_start: 0,
            brk_cur: 0,
        }
    }

    /// A 32-bit address space: reserves a `PROT_NONE`, `MAP_NORESERVE` window of [`WINDOW32`]
    /// bytes; the window start is the base.
    pub fn new32() -> std::io::Result<GuestMem> {
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE;
        let base = host::mmap(0, WINDOW32, libc::PROT_NONE, flags, -1, 0)
            .map_err(std::io::Error::from_raw_os_error)?;
        Ok(GuestMem {
            base,
            is32: true,
            regions: Regions::default(),
            brk_start: 0,
            brk_cur: 0,
        })
    }

    /// The span of guest code that was unmapped, replaced or reprotected since the last call
    /// (or noted with [`GuestMem::note_code_change`]): translations of it are stale.
    pub fn take_code_change(&mut self) -> Option<(u64, u64)> {
        self.regions.take_code_change()
    }

    /// Records that guest code in `[start, end)` may have changed (for example an ARM
    /// `cacheflush` call), so the runtime drops its translations.
    pub fn note_code_change(&mut self, start: u64, end: u64) {
        self.regions.note_code_change(start, end);
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
        if self.is32 { 1 << 32 } else { LIMIT64 }
    }

    /// All guest mappings as `(start, end, prot)`, in address order.
    pub fn regions(&self) -> impl Iterator<Item = (u64, u64, i32)> + '_ {
        self.regions.iter()
    }

    /// All guest mappings as `(start, end, prot, backing)`, in address order.
    pub fn regions_backed(&self) -> impl Iterator<Item = (u64, u64, i32, Option<&Backing>)> + '_ {
        self.regions.iter_backed()
    }

    /// Records what backs the guest mappings in `[addr, addr+len)` (`backing` describes `addr`),
    /// for /proc/self/maps; the protection and host memory are unchanged.
    pub fn set_backing(&mut self, addr: u64, len: u64, backing: Option<Backing>) {
        if let Some(end) = addr.checked_add(len) {
            self.regions.set_backing(addr, end, backing);
        }
    }

    /// True when no guest mapping intersects `[addr, addr+len)`.
    pub fn is_free(&self, addr: u64, len: u64) -> bool {
        match addr.checked_add(len) {
            Some(end) => !self.regions.overlaps(addr, end),
            None => false,
        }
    }
}

impl Drop for GuestMem {
    fn drop(&mut self) {
        if self.is32 {
            let _ = host::munmap(self.base, WINDOW32);
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
