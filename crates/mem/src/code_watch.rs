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
use std::sync::atomic::Ordering;

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

    /// Fills `w` with the executable bytes from `addr` on, at most [`WINDOW`] and not past
    /// `addr`'s page, watching that page (see [`CodeWindow`]); leaves it empty where the guest
    /// may not execute `addr`, or when the page could change without a code change being
    /// noted (writable but not watched: the host refused to protect it).
    fn fill_window(&self, w: &mut CodeWindow, addr: u64) {
        w.len = 0;
        let mut space = self.space();
        let epoch = self.code_epoch.load(Ordering::Acquire);
        let page = page_down(addr);
        let want = (page + PAGE)
            .min(addr.saturating_add(WINDOW as u64))
            .min(space.limit());
        if addr >= want {
            return;
        }
        let end = space
            .regions
            .first_lacking(addr, want, libc::PROT_EXEC)
            .unwrap_or(want);
        if end <= addr {
            return;
        }
        space.watch(addr);
        let writable = space
            .regions
            .prot_at(page)
            .is_none_or(|p| p & libc::PROT_WRITE != 0);
        if writable && !space.watched.contains(&page) {
            return;
        }
        let len = (end - addr) as usize;
        // SAFETY: `[addr, end)` is guest-mapped executable, hence host-readable (checked above
        // under the lock, so no other thread can unmap it meanwhile); `w.bytes` is Rust memory
        // of at least `len` bytes.
        unsafe { std::ptr::copy_nonoverlapping(self.host(addr), w.bytes.as_mut_ptr(), len) };
        (w.start, w.len, w.epoch) = (addr, len, epoch);
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

/// Bytes a [`CodeWindow`] reads ahead: a dynamic hello's start-up lifts blocks that mostly
/// follow each other in memory, and a window of 256 bytes (not 64) holds the next ones too
/// (0.7% fewer host instructions on aarch64, 0.4% on armhf; never past the page).
pub const WINDOW: usize = 256;

/// Guest code read ahead for the translator, which fetches word by word: one lock of the
/// address space per stretch of up to [`WINDOW`] bytes instead of one per word. What it holds
/// stays what the guest would execute until the next code change (an unmap, a protection or
/// mapping change, a write to a watched page, a cacheflush: each notes one, as for dropping
/// translations; and an `IC IVAU`, which the runtime counts through [`GuestMem::code_epoch`]),
/// so a fetch first compares the space's count of code changes with the one it was read at.
/// Only for fetches that watch their pages: the window's page is watched when it is read.
pub struct CodeWindow {
    start: u64,
    len: usize,
    epoch: u64,
    bytes: [u8; WINDOW],
}

impl Default for CodeWindow {
    fn default() -> CodeWindow {
        CodeWindow {
            start: 0,
            len: 0,
            epoch: 0,
            bytes: [0; WINDOW],
        }
    }
}

impl CodeWindow {
    /// [`GuestMem::fetch_code`] of the `len` (2 or 4) bytes at `addr`, watching: from the
    /// window when it holds them and no code changed since it was read, else read afresh
    /// from `addr` on (or, for an instruction the window cannot hold, crossing a page or an
    /// executable range's end, fetched alone).
    #[inline]
    pub fn fetch(&mut self, mem: &GuestMem, addr: u64, len: u64) -> Option<u32> {
        match self.word(mem, addr, len) {
            Some(word) => Some(word),
            None => self.refill(mem, addr, len),
        }
    }

    /// [`CodeWindow::fetch`] once the window does not hold the bytes: apart, so the common
    /// case (a word from the window) inlines into the lifters' fetch without the refill's
    /// lock and register saves (a dynamic hello's start-up fetches 19,000 words: 2.6% fewer
    /// host instructions on aarch64, 2.1% on armhf).
    #[inline(never)]
    fn refill(&mut self, mem: &GuestMem, addr: u64, len: u64) -> Option<u32> {
        mem.fill_window(self, addr);
        self.word(mem, addr, len)
            .or_else(|| mem.fetch_code(addr, len, true))
    }

    /// The `len` bytes at `addr` if the window holds them and is current.
    #[inline]
    fn word(&self, mem: &GuestMem, addr: u64, len: u64) -> Option<u32> {
        let off = addr.wrapping_sub(self.start);
        if off.checked_add(len)? > self.len as u64
            || mem.code_epoch.load(Ordering::Acquire) != self.epoch
        {
            return None;
        }
        let off = off as usize;
        // Whole words and halfwords (the only lengths asked for) without a `memcpy` call:
        // the lifters fetch every guest instruction through here.
        let bytes = &self.bytes[off..off + len as usize];
        Some(match *bytes {
            [a, b, c, d] => u32::from_le_bytes([a, b, c, d]),
            [a, b] => u16::from_le_bytes([a, b]) as u32,
            _ => bytes.iter().rev().fold(0, |w, &b| w << 8 | b as u32),
        })
    }
}
