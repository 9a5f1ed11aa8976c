//! Checked copies in and out of guest memory.

use crate::{Fault, GuestMem, PAGE};

const R: i32 = libc::PROT_READ;
const W: i32 = libc::PROT_WRITE;

impl GuestMem {
    /// Ok when all of `[addr, addr+len)` is guest-mapped with at least `prot`, per the
    /// bookkeeping. An empty range is always Ok.
    pub fn check(&self, addr: u64, len: u64, prot: i32) -> Result<(), Fault> {
        if len == 0 {
            return Ok(());
        }
        let end = match addr.checked_add(len) {
            Some(e) if e <= self.limit() => e,
            _ => {
                // Report the first byte past what could be valid.
                let first = if addr >= self.limit() {
                    addr
                } else {
                    self.limit()
                };
                let space = self.space();
                return match space
                    .regions
                    .first_lacking(addr, self.limit().max(addr), prot)
                {
                    Some(a) => Err(Fault { addr: a, prot }),
                    None => Err(Fault { addr: first, prot }),
                };
            }
        };
        match self.space().regions.first_lacking(addr, end, prot) {
            Some(a) => Err(Fault { addr: a, prot }),
            None => Ok(()),
        }
    }

    /// Copies guest `[addr, addr+buf.len())` into `buf`.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.check(addr, buf.len() as u64, R)?;
        // SAFETY: the range is guest-mapped readable (checked above, and the host protection is
        // at least as permissive as the recorded one); `buf` is Rust memory, which never lies
        // inside a guest mapping, so the two cannot overlap.
        unsafe { std::ptr::copy_nonoverlapping(self.host(addr), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copies `data` into guest `[addr, addr+data.len())`.
    pub fn write(&self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        self.check(addr, data.len() as u64, W)?;
        self.space().unwatch(addr, addr + data.len() as u64);
        // SAFETY: the range is guest-mapped writable (checked above); `data` is Rust memory and
        // cannot overlap a guest mapping. Guest memory is not owned by any Rust object, so
        // writing through a `&self` borrow does not break Rust aliasing rules.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.host(addr), data.len()) };
        Ok(())
    }

    /// Reads a little-endian u32.
    pub fn read_u32(&self, addr: u64) -> Result<u32, Fault> {
        let mut b = [0; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads a little-endian u64.
    pub fn read_u64(&self, addr: u64) -> Result<u64, Fault> {
        let mut b = [0; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes a little-endian u32.
    pub fn write_u32(&self, addr: u64, v: u32) -> Result<(), Fault> {
        self.write(addr, &v.to_le_bytes())
    }

    /// Writes a little-endian u64.
    pub fn write_u64(&self, addr: u64, v: u64) -> Result<(), Fault> {
        self.write(addr, &v.to_le_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the NUL). A string that
    /// runs into an unmapped page faults; one longer than `max` is cut at `max` bytes.
    pub fn read_cstr(&self, addr: u64, max: usize) -> Result<Vec<u8>, Fault> {
        let mut out = Vec::new();
        let mut cur = addr;
        while out.len() < max {
            // Check page by page so a string ending just before an unmapped page is fine.
            let page_left = PAGE - (cur % PAGE);
            let chunk = page_left.min((max - out.len()) as u64);
            let s = self.slice(cur, chunk, R)?;
            if let Some(n) = s.iter().position(|&b| b == 0) {
                out.extend_from_slice(&s[..n]);
                return Ok(out);
            }
            out.extend_from_slice(s);
            cur = cur.checked_add(chunk).ok_or(Fault {
                addr: u64::MAX,
                prot: R,
            })?;
        }
        Ok(out)
    }

    /// A zero-copy view of guest `[addr, addr+len)` (e.g. for `write(2)`'s buffer).
    ///
    /// Other guest threads may modify the bytes concurrently, as they could under a real kernel;
    /// callers treat the contents as untrusted bytes and must not hold the slice across an
    /// operation that unmaps guest memory (which needs `&mut self`, so the borrow checker
    /// enforces it).
    pub fn slice(&self, addr: u64, len: u64, prot: i32) -> Result<&[u8], Fault> {
        self.check(addr, len, prot | R)?;
        if len == 0 {
            return Ok(&[]);
        }
        // SAFETY: the range is mapped readable for as long as `self` is borrowed (unmapping
        // requires `&mut self`). The memory belongs to no Rust object, so no `&mut` elsewhere
        // in Rust can alias it except slices from `slice_mut`, whose contract forbids that.
        Ok(unsafe { std::slice::from_raw_parts(self.host(addr), len as usize) })
    }

    /// A zero-copy mutable view of guest `[addr, addr+len)` (e.g. for `read(2)`'s buffer).
    ///
    /// Contract: callers must not hold two overlapping slices from this `GuestMem` at once (a
    /// syscall uses each buffer for one host call and drops it). Guest threads writing the same
    /// bytes concurrently is the guest's own data race, as under a real kernel.
    #[allow(clippy::mut_from_ref)]
    pub fn slice_mut(&self, addr: u64, len: u64, prot: i32) -> Result<&mut [u8], Fault> {
        self.check(addr, len, prot | W)?;
        if len == 0 {
            return Ok(&mut []);
        }
        // The host kernel would refuse to write into a watched page (EFAULT).
        self.space().unwatch(addr, addr + len);
        // SAFETY: the range is mapped writable while `self` is borrowed (unmapping requires
        // `&mut self`). Guest memory is outside every Rust allocation, so the only possible
        // aliases are other slices handed out here, which the documented contract excludes;
        // the host kernel writing into it during a syscall is the intended use.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.host(addr), len as usize) })
    }
}
