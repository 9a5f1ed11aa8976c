//! The executable code cache: one RWX mapping, filled front to back within a window.
//!
//! Blocks are never freed one by one: invalidated code stays in place (a thread may still be
//! running it). The `Jit` keeps the trampoline at the start and fills the rest in two halves
//! by turns (see its `make_room`): a half is reused only when no thread can be running its
//! code any more.

use std::sync::atomic::{AtomicU64, Ordering};

/// Size of the single reservation (two halves of 64 MiB). Linked jumps are `rel32`, so
/// everything stays within 2 GiB.
pub const CACHE_SIZE: usize = 128 << 20;

/// Alignment of every allocation; keeps block entries on cache-line-friendly boundaries.
const ALIGN: usize = 16;

/// Whether a rel32 field at `addr` lies within one aligned 8-byte word, so that
/// [`CodeCache::patch_rel32`] can store it atomically. The emitter pads a linkable jump with a
/// nop only where its field would not (3 of 8 places, where 4-byte alignment needed one at 3
/// of 4); a jump that is run on falls through such a nop.
pub fn within_word(addr: usize) -> bool {
    addr % 8 <= 4
}

/// An anonymous read-write-execute mapping used as a bump allocator for host code.
pub struct CodeCache {
    base: *mut u8,
    size: usize,
    /// Offset of the next allocation from the base.
    used: usize,
    /// Offset where the current window ends: allocations stay below it.
    limit: usize,
}

// SAFETY: the pointer refers to a private mapping this value owns (unmapped only by its
// drop), so it may move to another thread; the owner (the JIT core) mutates it only with its
// lock held, and `patch_rel32` uses atomic stores because other threads run the code.
unsafe impl Send for CodeCache {}

/// Faults in the pages of `[addr, addr + len)` writable without writing to them
/// (`MADV_POPULATE_WRITE`, Linux 5.14), so a later write there takes no page fault. Only a hint:
/// an older kernel refuses it, and a range past the mapping is refused too; the contents never
/// change, so it is safe on code another thread runs or writes.
pub fn populate(addr: usize, len: usize) {
    const MADV_POPULATE_WRITE: i32 = 23;
    const PAGE: usize = crate::emit::PAGE as usize;
    let lo = addr & !(PAGE - 1);
    let hi = (addr + len).next_multiple_of(PAGE);
    // SAFETY: madvise with MADV_POPULATE_WRITE only maps pages in; it changes no memory
    // contents and fails harmlessly on addresses outside a mapping.
    unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, MADV_POPULATE_WRITE) };
}

impl CodeCache {
    /// Maps a fresh cache of `size` bytes (at most [`CACHE_SIZE`]). Panics if the host refuses
    /// (an armrun environment problem, not guest behaviour).
    pub fn new(size: usize) -> CodeCache {
        let size = size.clamp(4096, CACHE_SIZE);
        // SAFETY: an anonymous private mapping with no fixed address touches no existing memory.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        assert!(p != libc::MAP_FAILED, "cannot map the JIT code cache");
        CodeCache {
            base: p as *mut u8,
            size,
            used: 0,
            limit: size,
        }
    }

    /// Host address where the next allocation will start.
    pub fn next_addr(&self) -> usize {
        self.base as usize + self.used
    }

    /// Bytes still free in the current window.
    pub fn free(&self) -> usize {
        self.limit - self.used
    }

    /// Size of the whole mapping.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Host address just past the mapping.
    pub fn end(&self) -> usize {
        self.base as usize + self.size
    }

    /// Makes allocations come from offsets `[start, limit)` (clamped to the mapping), starting
    /// afresh at `start`: whatever the window held before is handed out again.
    pub fn set_window(&mut self, start: usize, limit: usize) {
        self.limit = limit.min(self.size);
        self.used = start.min(self.limit);
    }

    /// Copies `code` to the next free address (which must be the base the code was assembled
    /// for) and returns that address, or `None` when it does not fit.
    pub fn push(&mut self, code: &[u8]) -> Option<usize> {
        if code.len() > self.free() {
            return None;
        }
        let at = self.next_addr();
        // SAFETY: `at .. at + code.len()` lies inside our mapping (checked above) and is not yet
        // handed out, so no executing code can observe the partial copy.
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), at as *mut u8, code.len()) };
        self.used = (self.used + code.len())
            .next_multiple_of(ALIGN)
            .min(self.limit);
        Some(at)
    }

    /// Offset of the next allocation from the base.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Rewrites the `rel32` field at host address `site` so the jump lands on `target`.
    ///
    /// `site` must be a rel32 field inside this cache that lies within one aligned 8-byte word
    /// (see [`within_word`]); that word is stored whole and atomically, so a thread running the
    /// jump concurrently sees either the old or the new target. The word's other bytes are
    /// code that never changes once emitted (no other rel32 field fits in the same word), and
    /// links are patched under the JIT's lock, so the stored word keeps them as they are.
    pub fn patch_rel32(&self, site: usize, target: usize) {
        let base = self.base as usize;
        assert!(
            site >= base && site + 4 <= base + self.size && within_word(site),
            "bad patch site"
        );
        let rel = (target as i64 - (site as i64 + 4)) as i32;
        let word = site & !7;
        let shift = (site - word) * 8;
        // SAFETY: the word is 8-byte aligned and inside our writable mapping (the mapping's
        // base and size are multiples of the page size, and the site ends within the word),
        // and u64 has no invalid bit patterns.
        let cell = unsafe { &*(word as *const AtomicU64) };
        let field = 0xffff_ffff_u64 << shift;
        let new = |old: u64| old & !field | u64::from(rel as u32) << shift;
        let mut old = cell.load(Ordering::Relaxed);
        while let Err(now) =
            cell.compare_exchange_weak(old, new(old), Ordering::Release, Ordering::Relaxed)
        {
            old = now;
        }
    }
}

impl Drop for CodeCache {
    fn drop(&mut self) {
        // SAFETY: `base`/`size` describe exactly the mapping created in `new`; the owning `Jit`
        // is being dropped, so no code in it can run any more.
        unsafe { libc::munmap(self.base as *mut libc::c_void, self.size) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_within_a_word_starts_at_most_four_bytes_in() {
        let within: Vec<usize> = (0..16).filter(|&a| within_word(a)).collect();
        assert_eq!(within, [0, 1, 2, 3, 4, 8, 9, 10, 11, 12]);
    }

    #[test]
    fn push_aligns_and_patch_writes_rel32() {
        let mut c = CodeCache::new(8192);
        let a = c.push(&[0xe9, 0, 0, 0, 0]).unwrap();
        assert_eq!(c.next_addr(), a + 16, "allocations stay 16-byte aligned");
        // Patch a rel32 field that starts at an aligned address inside the second allocation.
        let b = c.push(&[0x90, 0x90, 0x90, 0xe9, 0, 0, 0, 0]).unwrap();
        c.patch_rel32(b + 4, a);
        // SAFETY: `b + 4 .. b + 8` is inside the allocation just written.
        let rel = unsafe { (b as *const u8).add(4).cast::<i32>().read_unaligned() };
        assert_eq!(b as i64 + 8 + rel as i64, a as i64);
        // A field that is not 4-byte aligned but within one 8-byte word (`jmp rel32` at a
        // block start): the bytes around it, in the same word, stay as they were.
        let d = c.push(&[0xe9, 0, 0, 0, 0, 0xcc, 0xcc, 0xcc]).unwrap();
        c.patch_rel32(d + 1, a);
        // SAFETY: `d .. d + 8` is the allocation just written.
        let bytes = unsafe { std::slice::from_raw_parts(d as *const u8, 8) };
        let rel = i32::from_le_bytes(bytes[1..5].try_into().unwrap());
        assert_eq!(d as i64 + 5 + rel as i64, a as i64);
        assert_eq!((bytes[0], &bytes[5..]), (0xe9, &[0xcc, 0xcc, 0xcc][..]));
        assert!(
            c.push(&vec![0u8; 8192]).is_none(),
            "over-full push is refused"
        );
        c.set_window(16, 4096);
        assert_eq!(c.used(), 16);
        assert_eq!(c.free(), 4096 - 16);
        assert!(c.push(&[0u8; 4096]).is_none(), "the window limits pushes");
    }
}
