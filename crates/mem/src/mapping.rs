//! mmap / munmap / mprotect / mremap / brk on guest addresses.

use crate::{MAP_FIXED_NOREPLACE, MMAP_MIN, MMAP_TOP32, PAGE, Space, host, page_up};
use libc::{EEXIST, EFAULT, EINVAL, ENOMEM};

/// Guest MAP_* bits passed on to the host. MAP_FIXED/MAP_FIXED_NOREPLACE are chosen by us;
/// MAP_GROWSDOWN and x86's MAP_32BIT (0x40) are dropped because they would change host layout
/// behaviour the guest cannot have asked for.
const PASS_FLAGS: i32 = 0x3 // MAP_SHARED / MAP_PRIVATE / MAP_SHARED_VALIDATE
    | libc::MAP_ANONYMOUS
    | libc::MAP_DENYWRITE
    | libc::MAP_EXECUTABLE
    | libc::MAP_LOCKED
    | libc::MAP_NORESERVE
    | libc::MAP_POPULATE
    | libc::MAP_NONBLOCK
    | libc::MAP_STACK
    | libc::MAP_HUGETLB
    | (0x3f << 26); // huge page size selector

const MREMAP_MAYMOVE: i32 = 1;
const MREMAP_FIXED: i32 = 2;

/// Largest break the heap may grow to above its start on 64-bit guests (keeps a runaway brk from
/// walking over the host layout).
const BRK_MAX64: u64 = 1 << 40;

/// Host protection for a guest protection: translated code is never run from guest pages, so
/// EXEC becomes READ (the translator must be able to fetch instructions).
pub(crate) fn host_prot(prot: i32) -> i32 {
    let mut p = prot & (libc::PROT_READ | libc::PROT_WRITE);
    if prot & libc::PROT_EXEC != 0 {
        p |= libc::PROT_READ;
    }
    p
}

impl Space {
    /// mmap semantics on guest addresses. `flags` are Linux MAP_* values, `fd`/`off` host values.
    /// Returns the guest address or a positive errno.
    pub(crate) fn map(
        &mut self,
        addr: u64,
        len: u64,
        prot: i32,
        flags: i32,
        fd: i32,
        off: u64,
    ) -> Result<u64, i32> {
        if len == 0 || !off.is_multiple_of(PAGE) {
            return Err(EINVAL);
        }
        if prot & !(libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC) != 0 {
            return Err(EINVAL);
        }
        let len = page_up(len).ok_or(ENOMEM)?;
        let fixed = flags & libc::MAP_FIXED != 0;
        let noreplace = flags & MAP_FIXED_NOREPLACE != 0 && !fixed;
        if (fixed || noreplace) && !addr.is_multiple_of(PAGE) {
            return Err(EINVAL);
        }
        let hflags = flags & PASS_FLAGS;
        let hprot = host_prot(prot);
        let guest = if fixed || noreplace {
            let end = addr.checked_add(len).ok_or(ENOMEM)?;
            if end > self.limit() {
                return Err(ENOMEM);
            }
            if noreplace && self.regions.overlaps(addr, end) {
                return Err(EEXIST);
            }
            if self.is32 {
                host::mmap(
                    self.base + addr,
                    len,
                    hprot,
                    hflags | libc::MAP_FIXED,
                    fd,
                    off,
                )?;
            } else if noreplace {
                let r = host::mmap(addr, len, hprot, hflags | MAP_FIXED_NOREPLACE, fd, off)?;
                if r != addr {
                    let _ = host::munmap(r, len);
                    return Err(EEXIST);
                }
            } else {
                self.map_fixed64(addr, len, hprot, hflags, fd, off)?;
            }
            addr
        } else if self.is32 {
            let a = self.pick32(addr, len).ok_or(ENOMEM)?;
            host::mmap(self.base + a, len, hprot, hflags | libc::MAP_FIXED, fd, off)?;
            a
        } else {
            // The kernel picks a free range (using the hint if it can): it cannot overlap
            // armrun or other guest mappings.
            let a = host::mmap(addr, len, hprot, hflags, fd, off)?;
            if a.checked_add(len).is_none_or(|e| e > self.limit()) {
                let _ = host::munmap(a, len);
                return Err(ENOMEM);
            }
            a
        };
        self.regions.insert(guest, guest + len, prot);
        Ok(guest)
    }

    /// MAP_FIXED for a 64-bit guest: the parts of the range the guest does not own yet must be
    /// free on the host, checked by reserving them with MAP_FIXED_NOREPLACE before the real map.
    fn map_fixed64(
        &mut self,
        addr: u64,
        len: u64,
        hprot: i32,
        hflags: i32,
        fd: i32,
        off: u64,
    ) -> Result<(), i32> {
        let gaps = self.regions.gaps(addr, addr + len);
        let mut held: Vec<(u64, u64)> = Vec::new();
        for &(a, b) in &gaps {
            if host::reserve_noreplace(a, b - a).is_err() {
                for &(x, y) in &held {
                    let _ = host::munmap(x, y - x);
                }
                return Err(ENOMEM);
            }
            held.push((a, b));
        }
        if let Err(e) = host::mmap(addr, len, hprot, hflags | libc::MAP_FIXED, fd, off) {
            for &(x, y) in &held {
                let _ = host::munmap(x, y - x);
            }
            return Err(e);
        }
        Ok(())
    }

    /// A free range for a non-fixed 32-bit mapping: the hint if it is free, else top-down from
    /// [`MMAP_TOP32`], else top-down from the top of the window.
    fn pick32(&self, hint: u64, len: u64) -> Option<u64> {
        let h = crate::page_down(hint);
        if h >= MMAP_MIN
            && h.checked_add(len).is_some_and(|e| e <= 1 << 32)
            && !self.regions.overlaps(h, h + len)
        {
            return Some(h);
        }
        self.regions
            .find_top_down(MMAP_MIN, MMAP_TOP32, len)
            .or_else(|| self.regions.find_top_down(MMAP_MIN, 1 << 32, len))
    }

    /// munmap semantics: only guest-owned parts are released (32-bit: handed back to the
    /// reservation), so a guest can never unmap armrun's memory.
    pub(crate) fn unmap(&mut self, addr: u64, len: u64) -> Result<(), i32> {
        if !addr.is_multiple_of(PAGE) || len == 0 {
            return Err(EINVAL);
        }
        let len = page_up(len).ok_or(EINVAL)?;
        let end = addr.checked_add(len).ok_or(EINVAL)?;
        if end > self.limit() {
            return Err(EINVAL);
        }
        for (s, e, _) in self.regions.overlapping(addr, end) {
            if self.is32 {
                host::reserve_fixed(self.base + s, e - s)?;
            } else {
                host::munmap(s, e - s)?;
            }
        }
        self.regions.carve(addr, end);
        Ok(())
    }

    /// mprotect semantics: the whole range must be guest-mapped (else ENOMEM).
    pub(crate) fn protect(&mut self, addr: u64, len: u64, prot: i32) -> Result<(), i32> {
        if !addr.is_multiple_of(PAGE) {
            return Err(EINVAL);
        }
        if prot & !(libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC) != 0 {
            return Err(EINVAL);
        }
        if len == 0 {
            return Ok(());
        }
        let len = page_up(len).ok_or(ENOMEM)?;
        let end = addr.checked_add(len).ok_or(ENOMEM)?;
        if end > self.limit() || !self.regions.gaps(addr, end).is_empty() {
            return Err(ENOMEM);
        }
        host::mprotect(self.base + addr, len, host_prot(prot))?;
        self.regions.protect(addr, end, prot);
        Ok(())
    }

    /// mremap semantics (`MREMAP_MAYMOVE`, `MREMAP_FIXED`). The old range must be guest-mapped.
    pub(crate) fn remap(
        &mut self,
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: i32,
        new_addr: u64,
    ) -> Result<u64, i32> {
        if !old.is_multiple_of(PAGE) || new_len == 0 || old_len == 0 {
            return Err(EINVAL);
        }
        if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0 {
            return Err(EINVAL);
        }
        let may_move = flags & MREMAP_MAYMOVE != 0;
        let fixed = flags & MREMAP_FIXED != 0;
        if fixed && !may_move {
            return Err(EINVAL);
        }
        let old_len = page_up(old_len).ok_or(EINVAL)?;
        let new_len = page_up(new_len).ok_or(EINVAL)?;
        let old_end = old.checked_add(old_len).ok_or(EFAULT)?;
        if old_end > self.limit() || !self.regions.gaps(old, old_end).is_empty() {
            return Err(EFAULT);
        }
        let prot = self.regions.prot_at(old).ok_or(EFAULT)?;
        if fixed {
            if !new_addr.is_multiple_of(PAGE) {
                return Err(EINVAL);
            }
            let new_end = new_addr.checked_add(new_len).ok_or(EINVAL)?;
            if new_end > self.limit() || (new_addr < old_end && old < new_end) {
                return Err(EINVAL);
            }
            return self.move_to(old, old_len, new_len, new_addr, prot);
        }
        if new_len <= old_len {
            if new_len < old_len {
                self.unmap(old + new_len, old_len - new_len)?;
            }
            return Ok(old);
        }
        let tail = old + old_len;
        let new_end = old.checked_add(new_len).ok_or(ENOMEM)?;
        if new_end <= self.limit() && !self.regions.overlaps(tail, new_end) {
            let grown = if self.is32 {
                // The window reservation sits in the tail: release it so the host can grow the
                // mapping in place, and put it back if that fails.
                let _ = host::munmap(self.base + tail, new_end - tail);
                let r = host::mremap(self.base + old, old_len, new_len, 0, 0);
                if r.is_err() {
                    let _ = host::reserve_fixed(self.base + tail, new_end - tail);
                }
                r.is_ok()
            } else {
                host::mremap(old, old_len, new_len, 0, 0).is_ok()
            };
            if grown {
                let backing = self.regions.backing_at(old).map(|b| b.advanced(old_len));
                self.regions.insert_backed(tail, new_end, prot, backing);
                return Ok(old);
            }
        }
        if !may_move {
            return Err(ENOMEM);
        }
        if self.is32 {
            let dest = self.pick32(0, new_len).ok_or(ENOMEM)?;
            self.move_to(old, old_len, new_len, dest, prot)
        } else {
            let dest = host::mremap(old, old_len, new_len, MREMAP_MAYMOVE, 0)?;
            let backing = self.regions.backing_at(old);
            self.regions.carve(old, old_end);
            self.regions
                .insert_backed(dest, dest + new_len, prot, backing);
            Ok(dest)
        }
    }

    /// Moves `[old, old+old_len)` to `dest` (resized to `new_len`), replacing guest mappings at
    /// the destination.
    fn move_to(
        &mut self,
        old: u64,
        old_len: u64,
        new_len: u64,
        dest: u64,
        prot: i32,
    ) -> Result<u64, i32> {
        let flags = MREMAP_MAYMOVE | MREMAP_FIXED;
        if self.is32 {
            host::mremap(self.base + old, old_len, new_len, flags, self.base + dest)?;
            let _ = host::reserve_fixed(self.base + old, old_len);
        } else {
            // Reserve the destination's non-guest parts so MREMAP_FIXED cannot clobber armrun.
            let gaps = self.regions.gaps(dest, dest + new_len);
            let mut held = Vec::new();
            for &(a, b) in &gaps {
                if host::reserve_noreplace(a, b - a).is_err() {
                    for &(x, y) in &held {
                        let _ = host::munmap(x, y - x);
                    }
                    return Err(ENOMEM);
                }
                held.push((a, b));
            }
            if let Err(e) = host::mremap(old, old_len, new_len, flags, dest) {
                for &(x, y) in &held {
                    let _ = host::munmap(x, y - x);
                }
                return Err(e);
            }
        }
        let backing = self.regions.backing_at(old);
        self.regions.carve(old, old + old_len);
        self.regions
            .insert_backed(dest, dest + new_len, prot, backing);
        Ok(dest)
    }

    /// Sets the start of the heap (the page-aligned end of the highest PT_LOAD).
    pub(crate) fn set_brk_start(&mut self, addr: u64) {
        self.brk_start = addr;
        self.brk_cur = addr;
    }

    /// Linux brk semantics: returns the current break after trying to move it to `new`.
    /// Growing maps anonymous RW pages; shrinking unmaps whole pages above the new break; 0, a
    /// value below the start, or one that cannot be mapped leaves the break unchanged.
    pub(crate) fn brk(&mut self, new: u64) -> u64 {
        let limit = if self.is32 {
            1 << 32
        } else {
            self.brk_start.saturating_add(BRK_MAX64).min(crate::LIMIT64)
        };
        if new == 0 || new < self.brk_start || new > limit {
            return self.brk_cur;
        }
        let (Some(old_top), Some(new_top)) = (page_up(self.brk_cur), page_up(new)) else {
            return self.brk_cur;
        };
        if new_top > old_top {
            if self.regions.overlaps(old_top, new_top) {
                return self.brk_cur;
            }
            let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED;
            let rw = libc::PROT_READ | libc::PROT_WRITE;
            if self
                .map(old_top, new_top - old_top, rw, flags, -1, 0)
                .is_err()
            {
                return self.brk_cur;
            }
        } else if new_top < old_top && self.unmap(new_top, old_top - new_top).is_err() {
            return self.brk_cur;
        }
        self.brk_cur = new;
        self.brk_cur
    }

    /// The current program break.
    pub(crate) fn brk_current(&self) -> u64 {
        self.brk_cur
    }
}
