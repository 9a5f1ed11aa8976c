//! Memory syscalls, delegated to the guest address space ([`mem::GuestMem`]) so its bookkeeping
//! stays exact. `MAP_*`/`PROT_*`/`MREMAP_*` values are the asm-generic ones on arm64 and x86-64.

use crate::fs::int;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// Guest page size (the host's; arm64 Linux programs accept 4 KiB pages).
const PAGE: u64 = 4096;

pub(crate) fn brk(l: &mut Linux, a: &Args) -> SysResult {
    // brk never fails in the kernel ABI: it returns the current break when it cannot move.
    Ok(l.mem.brk(a[0]))
}

pub(crate) fn mmap(l: &mut Linux, a: &Args) -> SysResult {
    l.mem
        .map(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), a[5])
        .map_err(Errno)
}

pub(crate) fn munmap(l: &mut Linux, a: &Args) -> SysResult {
    l.mem.unmap(a[0], a[1]).map_err(Errno)?;
    Ok(0)
}

pub(crate) fn mprotect(l: &mut Linux, a: &Args) -> SysResult {
    l.mem.protect(a[0], a[1], int(a[2])).map_err(Errno)?;
    Ok(0)
}

pub(crate) fn mremap(l: &mut Linux, a: &Args) -> SysResult {
    l.mem
        .remap(a[0], a[1], a[2], int(a[3]), a[4])
        .map_err(Errno)
}

pub(crate) fn madvise(l: &mut Linux, a: &Args) -> SysResult {
    let (addr, len, advice) = (a[0], a[1], int(a[2]));
    if !addr.is_multiple_of(PAGE) {
        return Err(Errno(libc::EINVAL));
    }
    let len = len.checked_add(PAGE - 1).ok_or(Errno(libc::EINVAL))? & !(PAGE - 1);
    if len == 0 {
        return Ok(0);
    }
    match advice {
        // Must really drop the pages: anonymous memory reads back as zero afterwards, which
        // allocators rely on.
        libc::MADV_DONTNEED => {
            l.mem.check(addr, len, 0).map_err(|_| Errno(libc::ENOMEM))?;
            // SAFETY: the range is page aligned and mapped for the guest; dropping its pages
            // only affects guest memory.
            let r = unsafe { libc::madvise(l.mem.host(addr) as *mut _, len as usize, advice) };
            crate::guest::host(r as i64)
        }
        // Everything else is a hint we may ignore.
        _ => Ok(0),
    }
}
