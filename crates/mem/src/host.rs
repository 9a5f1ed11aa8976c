//! Thin wrappers over the host's mmap family returning `Result<_, errno>`.

use std::io;

/// The errno of the last failed libc call.
fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EINVAL)
}

/// Host `mmap`; returns the host address or the errno.
pub fn mmap(addr: u64, len: u64, prot: i32, flags: i32, fd: i32, off: u64) -> Result<u64, i32> {
    // SAFETY: mmap with a caller-chosen address never touches Rust-owned memory unless MAP_FIXED
    // is given; every MAP_FIXED caller in this crate only targets ranges it owns (guest regions,
    // the 32-bit window) or ranges it just reserved with MAP_FIXED_NOREPLACE.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len as usize,
            prot,
            flags,
            fd,
            off as libc::off_t,
        )
    };
    if p == libc::MAP_FAILED {
        Err(errno())
    } else {
        Ok(p as u64)
    }
}

/// Host `munmap`.
pub fn munmap(addr: u64, len: u64) -> Result<(), i32> {
    // SAFETY: callers only unmap guest-owned ranges (or probes they created); nothing in Rust
    // holds references into guest memory beyond the transient slices documented on GuestMem.
    let r = unsafe { libc::munmap(addr as *mut libc::c_void, len as usize) };
    if r == 0 { Ok(()) } else { Err(errno()) }
}

/// Host `mprotect`.
pub fn mprotect(addr: u64, len: u64, prot: i32) -> Result<(), i32> {
    // SAFETY: only guest-owned ranges are passed; changing their protection cannot invalidate
    // Rust data.
    let r = unsafe { libc::mprotect(addr as *mut libc::c_void, len as usize, prot) };
    if r == 0 { Ok(()) } else { Err(errno()) }
}

/// Host `mremap`; `new_addr` is only used with `MREMAP_FIXED`.
pub fn mremap(old: u64, old_len: u64, new_len: u64, flags: i32, new_addr: u64) -> Result<u64, i32> {
    // SAFETY: the old range is guest-owned and, with MREMAP_FIXED, the destination is either
    // inside the 32-bit window or was reserved by this crate just before.
    let p = unsafe {
        libc::mremap(
            old as *mut libc::c_void,
            old_len as usize,
            new_len as usize,
            flags,
            new_addr as *mut libc::c_void,
        )
    };
    if p == libc::MAP_FAILED {
        Err(errno())
    } else {
        Ok(p as u64)
    }
}

/// Reserves `[addr, addr+len)` as inaccessible, replacing what is there (32-bit window holes).
pub fn reserve_fixed(addr: u64, len: u64) -> Result<(), i32> {
    mmap(
        addr,
        len,
        libc::PROT_NONE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
        -1,
        0,
    )
    .map(|_| ())
}

/// Reserves `[addr, addr+len)` only if nothing is mapped there. Older kernels treat
/// MAP_FIXED_NOREPLACE as a hint, so a different result address also counts as "occupied".
pub fn reserve_noreplace(addr: u64, len: u64) -> Result<(), i32> {
    let r = mmap(
        addr,
        len,
        libc::PROT_NONE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED_NOREPLACE,
        -1,
        0,
    )?;
    if r != addr {
        let _ = munmap(r, len);
        return Err(libc::EEXIST);
    }
    Ok(())
}
