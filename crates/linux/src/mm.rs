//! Memory syscalls, delegated to the guest address space ([`mem::GuestMem`]) so its bookkeeping
//! stays exact. `MAP_*`/`PROT_*`/`MREMAP_*` values are the asm-generic ones on arm64 and x86-64.

use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};
use std::os::unix::ffi::OsStringExt;

type Args = [u64; 6];

/// Guest page size (the host's; arm64 Linux programs accept 4 KiB pages).
const PAGE: u64 = 4096;

pub(crate) fn brk(l: &mut Linux, a: &Args) -> SysResult {
    // brk never fails in the kernel ABI: it returns the current break when it cannot move.
    Ok(l.mem.brk(a[0]))
}

pub(crate) fn mmap(l: &mut Linux, a: &Args) -> SysResult {
    let (flags, fd) = (int(a[3]), int(a[4]));
    let addr = l
        .mem
        .map(a[0], a[1], int(a[2]), flags, fd, a[5])
        .map_err(Errno)?;
    // MAP_SHARED_VALIDATE (3) is shared too; MAP_PRIVATE is 2.
    let shared = flags & 0x3 != libc::MAP_PRIVATE;
    let backing = if flags & libc::MAP_ANONYMOUS == 0 && fd >= 0 {
        l.file_backing(fd, a[5], shared)
    } else if shared {
        Some(mem::Backing {
            shared,
            ..Default::default()
        })
    } else {
        None
    };
    if backing.is_some() {
        // The mapping covers whole pages; the last one is named after the file too.
        let len = mem::page_up(a[1]).unwrap_or(a[1]);
        l.mem.set_backing(addr, len, backing);
    }
    Ok(addr)
}

impl Linux {
    /// What /proc/self/maps shows for a mapping of host `fd` at `offset`: its path as the guest
    /// names it (the sysroot prefix removed), device and inode. `None` if the fd vanished.
    fn file_backing(&self, fd: i32, offset: u64, shared: bool) -> Option<mem::Backing> {
        let host = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
        let mut path = host.into_os_string().into_vec();
        if let Some(root) = self
            .sysroot
            .as_ref()
            .and_then(|r| std::fs::canonicalize(r).ok())
        {
            let root = root.into_os_string().into_vec();
            if let Some(rest) = path.strip_prefix(root.as_slice())
                && rest.starts_with(b"/")
            {
                path = rest.to_vec();
            }
        }
        let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
        // SAFETY: `st` is a writable stat buffer; fstat only writes into it.
        if unsafe { libc::fstat(fd, st.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: fstat succeeded, so the buffer is initialised.
        let st = unsafe { st.assume_init() };
        Some(mem::Backing {
            path,
            offset,
            major: libc::major(st.st_dev),
            minor: libc::minor(st.st_dev),
            inode: st.st_ino,
            shared,
        })
    }
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

/// Rounds `[addr, addr+len)` out to whole pages and checks that it is mapped (`ENOMEM` if not,
/// as the kernel reports for unmapped ranges). Returns the page-aligned start and length.
fn mapped_pages(l: &Linux, addr: u64, len: u64) -> Result<(u64, u64), Errno> {
    let start = addr & !(PAGE - 1);
    let end = addr
        .checked_add(len)
        .and_then(|e| e.checked_add(PAGE - 1))
        .ok_or(Errno(libc::ENOMEM))?
        & !(PAGE - 1);
    if end > start {
        l.mem
            .check(start, end - start, 0)
            .map_err(|_| Errno(libc::ENOMEM))?;
    }
    Ok((start, end - start))
}

pub(crate) fn mlock(l: &mut Linux, a: &Args) -> SysResult {
    let (start, len) = mapped_pages(l, a[0], a[1])?;
    // SAFETY: a mapped guest range; locking pages does not change their contents.
    crate::guest::host(unsafe { libc::mlock(l.mem.host(start) as *const _, len as usize) } as i64)
}

pub(crate) fn mlock2(l: &mut Linux, a: &Args) -> SysResult {
    let (start, len) = mapped_pages(l, a[0], a[1])?;
    // SAFETY: as in `mlock`; MLOCK_ONFAULT is the same on both.
    crate::guest::host(unsafe {
        libc::syscall(
            libc::SYS_mlock2,
            l.mem.host(start),
            len as usize,
            a[2] as u32,
        )
    })
}

pub(crate) fn munlock(l: &mut Linux, a: &Args) -> SysResult {
    let (start, len) = mapped_pages(l, a[0], a[1])?;
    // SAFETY: a mapped guest range.
    crate::guest::host(unsafe { libc::munlock(l.mem.host(start) as *const _, len as usize) } as i64)
}

/// `MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT`.
const MCL_ALL: u64 = 7;

pub(crate) fn mlockall(_: &mut Linux, a: &Args) -> SysResult {
    // Locking every host mapping would pin armrun's own JIT caches and reservations too, so
    // the request is validated and accepted without effect (locking is only a residency hint
    // for a user program).
    if a[0] == 0 || a[0] & !MCL_ALL != 0 || a[0] == libc::MCL_ONFAULT as u64 {
        return Err(Errno(libc::EINVAL));
    }
    Ok(0)
}

pub(crate) fn munlockall(_: &mut Linux, _: &Args) -> SysResult {
    Ok(0)
}

pub(crate) fn msync(l: &mut Linux, a: &Args) -> SysResult {
    if !a[0].is_multiple_of(PAGE) {
        return Err(Errno(libc::EINVAL));
    }
    let (start, len) = mapped_pages(l, a[0], a[1])?;
    // SAFETY: a mapped guest range; MS_* flags are the same on both.
    crate::guest::host(
        unsafe { libc::msync(l.mem.host(start) as *mut _, len as usize, int(a[2])) } as i64,
    )
}

pub(crate) fn mincore(l: &mut Linux, a: &Args) -> SysResult {
    if !a[0].is_multiple_of(PAGE) {
        return Err(Errno(libc::EINVAL));
    }
    let (start, len) = mapped_pages(l, a[0], a[1])?;
    let vec = l.buf_out(a[2], len / PAGE)?;
    // SAFETY: a mapped guest range and one checked output byte per page.
    crate::guest::host(
        unsafe { libc::mincore(l.mem.host(start) as *mut _, len as usize, vec) } as i64,
    )
}

/// membarrier commands armrun does not offer (include/uapi/linux/membarrier.h): the rseq
/// ones, as armrun answers rseq with ENOSYS.
const MEMBARRIER_CMD_RSEQ: u64 = (1 << 7) | (1 << 8);

/// `membarrier(cmd, flags, cpu_id)`: guest threads are host threads and guest memory is host
/// memory, so the host's barriers (and its registration rules, per process) are exactly the
/// guest's; only the rseq commands are withheld.
pub(crate) fn membarrier(_: &mut Linux, a: &Args) -> SysResult {
    let cmd = a[0] & 0xffff_ffff;
    if cmd & MEMBARRIER_CMD_RSEQ != 0 {
        return Err(Errno(libc::EINVAL));
    }
    // SAFETY: membarrier takes integers only.
    let r = host(unsafe { libc::syscall(libc::SYS_membarrier, cmd as i32, int(a[1]), int(a[2])) })?;
    // QUERY (0) answers the supported set.
    Ok(if cmd == 0 {
        r & !MEMBARRIER_CMD_RSEQ
    } else {
        r
    })
}
