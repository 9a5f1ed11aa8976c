//! Checked access to guest memory for syscall handlers, and host-call result conversion.

use std::ffi::CString;

use crate::{Errno, Linux, SysResult};

/// Longest path the kernel accepts, including the NUL.
pub(crate) const PATH_MAX: usize = 4096;

impl Linux {
    /// Host pointer to `len` readable guest bytes at `addr`.
    pub(crate) fn buf_in(&self, addr: u64, len: u64) -> Result<*const u8, Errno> {
        if len != 0 {
            self.mem.check(addr, len, libc::PROT_READ)?;
        }
        Ok(self.mem.host(addr) as *const u8)
    }

    /// Host pointer to `len` writable guest bytes at `addr`.
    pub(crate) fn buf_out(&self, addr: u64, len: u64) -> Result<*mut u8, Errno> {
        if len != 0 {
            self.mem.check(addr, len, libc::PROT_WRITE)?;
        }
        Ok(self.mem.host(addr))
    }

    /// Like [`Linux::buf_in`], but a guest NULL gives a host NULL (optional input argument).
    pub(crate) fn opt_in(&self, addr: u64, len: u64) -> Result<*const u8, Errno> {
        if addr == 0 {
            Ok(std::ptr::null())
        } else {
            self.buf_in(addr, len)
        }
    }

    /// Like [`Linux::buf_out`], but a guest NULL gives a host NULL (optional output argument).
    pub(crate) fn opt_out(&self, addr: u64, len: u64) -> Result<*mut u8, Errno> {
        if addr == 0 {
            Ok(std::ptr::null_mut())
        } else {
            self.buf_out(addr, len)
        }
    }

    /// Reads a NUL-terminated guest string (a path or a name).
    pub(crate) fn cstr(&self, addr: u64) -> Result<CString, Errno> {
        let bytes = self.mem.read_cstr(addr, PATH_MAX)?;
        let bytes = match bytes.iter().position(|&b| b == 0) {
            Some(n) => bytes[..n].to_vec(),
            None => bytes,
        };
        if bytes.len() >= PATH_MAX {
            return Err(Errno(libc::ENAMETOOLONG));
        }
        // No interior NUL is possible: we cut at the first one.
        CString::new(bytes).map_err(|_| Errno(libc::EINVAL))
    }

    /// Size of a guest `long` or pointer: 4 for a 32-bit guest, 8 for AArch64.
    pub(crate) fn word(&self) -> u64 {
        if self.mem.is32() { 4 } else { 8 }
    }

    /// Index in `CpuState::x` of the guest's stack pointer: SP for AArch64, R13 for 32-bit ARM.
    pub(crate) fn sp_reg(&self) -> usize {
        if self.mem.is32() { 13 } else { 31 }
    }

    /// Reads a guest `long` or pointer (zero-extended).
    pub(crate) fn read_word(&self, addr: u64) -> Result<u64, Errno> {
        Ok(if self.mem.is32() {
            self.mem.read_u32(addr)? as u64
        } else {
            self.mem.read_u64(addr)?
        })
    }

    /// Writes a guest `long` or pointer (32-bit guests get the low half).
    pub(crate) fn write_word(&self, addr: u64, v: u64) -> Result<(), Errno> {
        if self.mem.is32() {
            self.mem.write_u32(addr, v as u32)?;
        } else {
            self.mem.write_u64(addr, v)?;
        }
        Ok(())
    }

    /// Copies a plain-data host value to the guest. Only for types whose layout is the same in
    /// the guest ABI (checked per call site).
    pub(crate) fn put<T: Copy>(&self, addr: u64, v: &T) -> Result<(), Errno> {
        // SAFETY: `T: Copy` plain data; we only view its bytes for the duration of the copy.
        let bytes = unsafe {
            std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>())
        };
        self.mem.write(addr, bytes)?;
        Ok(())
    }

    /// Copies a plain-data value from the guest (layout identical in the guest ABI).
    pub(crate) fn get<T: Copy>(&self, addr: u64) -> Result<T, Errno> {
        let mut v = std::mem::MaybeUninit::<T>::zeroed();
        // SAFETY: the buffer is exactly size_of::<T>() bytes of the MaybeUninit.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, std::mem::size_of::<T>())
        };
        self.mem.read(addr, bytes)?;
        // SAFETY: every call site uses integer-only C structs, for which any bit pattern
        // (here: the guest's bytes over a zeroed start) is a valid value.
        Ok(unsafe { v.assume_init() })
    }
}

/// The errno of the last failed host call.
pub(crate) fn last_errno() -> Errno {
    Errno(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}

/// Converts a host `-1 and errno` style return into a syscall result.
pub(crate) fn host(r: i64) -> SysResult {
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(r as u64)
    }
}
