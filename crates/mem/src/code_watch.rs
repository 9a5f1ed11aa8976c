//! Write-watching of guest pages that hold translated code (self-modifying code).
//!
//! ARM requires cache maintenance (`IC IVAU`, or the `cacheflush` syscall on arm) before new code
//! runs, and armrun drops translations on those; but programs written for x86 hosts and some
//! JITs rely on plain stores. So when code is fetched for translation from a page the guest may
//! write, the page's host mapping loses write permission ("watched"). A guest store to it then
//! faults on the host; the dispatcher asks [`GuestMem::code_write_fault`], which gives the page
//! its permission back, records a code change for it (every thread drops its translations of
//! that page) and lets the store run again. The page is watched again when code on it is next
//! translated.
//!
//! armrun's own writes into guest memory (checked copies, syscall output buffers) unwatch the
//! pages they touch first, and every mapping change unwatches its range before it changes the
//! host mapping, so the host never refuses a write the guest is allowed.

use crate::mapping::host_prot;
use crate::{GuestMem, PAGE, Space, host, page_down};

impl Space {
    /// Write-protects the page holding `addr` on the host if the guest may write it and execute
    /// it (code is fetched only from executable pages).
    fn watch(&mut self, addr: u64) {
        let page = page_down(addr);
        // Protection first: most code is read-only, and its range is usually the hint.
        let Some(prot) = self.regions.prot_at(page) else {
            return;
        };
        if prot & libc::PROT_WRITE == 0 || self.watched.contains(&page) {
            return;
        }
        if host::mprotect(self.base + page, PAGE, host_prot(prot) & !libc::PROT_WRITE).is_ok() {
            self.watched.insert(page);
        }
    }

    /// Gives every watched page in `[a, b)` its host permissions back and records a code change
    /// for it. Returns true if there was one.
    pub(crate) fn unwatch(&mut self, a: u64, b: u64) -> bool {
        if self.watched.is_empty() || a >= b {
            return false;
        }
        let pages: Vec<u64> = self.watched.range(page_down(a)..b).copied().collect();
        for &page in &pages {
            self.watched.remove(&page);
            let prot = self.regions.prot_at(page).unwrap_or(libc::PROT_NONE);
            // The page is guest-mapped with this protection, so restoring it cannot fail for
            // any reason but exhaustion; a page left read-only would fault again and be
            // reported to the guest, never corrupt anything.
            let _ = host::mprotect(self.base + page, PAGE, host_prot(prot));
            self.regions.note_code_change(page, page + PAGE);
        }
        !pages.is_empty()
    }
}

impl GuestMem {
    /// Reads the `len` (2 or 4) instruction bytes at `addr` if the guest may execute all of
    /// them; with `watch`, the pages they lie on become watched (see the module docs). One lock
    /// for both, as the translator fetches word by word.
    pub fn fetch_code(&self, addr: u64, len: u64, watch: bool) -> Option<u32> {
        let mut space = self.space();
        let end = addr.checked_add(len)?;
        if end > space.limit()
            || space
                .regions
                .first_lacking(addr, end, libc::PROT_EXEC)
                .is_some()
        {
            return None;
        }
        if watch {
            space.watch(addr);
            // A word crossing into the next page watches that one too.
            if page_down(end - 1) != page_down(addr) {
                space.watch(end - 1);
            }
        }
        let mut b = [0u8; 4];
        // SAFETY: `[addr, end)` is guest-mapped executable, hence host-readable (checked above
        // under the lock, so no other thread can unmap it meanwhile); `b` is Rust memory.
        unsafe { std::ptr::copy_nonoverlapping(self.host(addr), b.as_mut_ptr(), len as usize) };
        Some(u32::from_le_bytes(b))
    }

    /// A guest write fault at `addr`: true if the page was watched (it is writable again and its
    /// translations are stale, so the faulting instruction should simply run again).
    pub fn code_write_fault(&self, addr: u64) -> bool {
        self.space().unwatch(addr, addr.saturating_add(1))
    }

    /// Number of watched pages (for tests and diagnostics).
    pub fn watched_pages(&self) -> usize {
        self.space().watched.len()
    }
}
