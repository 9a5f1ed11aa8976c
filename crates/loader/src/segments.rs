//! Placing an image's PT_LOAD segments in the guest address space.

use crate::LoadError;
use crate::elf::Image;
use goblin::elf::header::ET_DYN;
use goblin::elf::program_header::{PF_R, PF_W, PF_X};
use mem::{Backing, GuestMem, PAGE, page_down, page_up};

/// Where an image ended up.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    /// Load bias (added to every p_vaddr; 0 for ET_EXEC).
    pub bias: u64,
    /// Page-aligned end of the highest segment (biased).
    pub end: u64,
}

/// Guest protection for PF_* flags.
fn prot_of(flags: u32) -> i32 {
    let mut p = 0;
    if flags & PF_R != 0 {
        p |= libc::PROT_READ;
    }
    if flags & PF_W != 0 {
        p |= libc::PROT_WRITE;
    }
    if flags & PF_X != 0 {
        p |= libc::PROT_EXEC;
    }
    p
}

fn map_err(what: &'static str, addr: u64) -> impl Fn(i32) -> LoadError {
    move |errno| LoadError::Map { what, addr, errno }
}

/// Maps every PT_LOAD of `img`. ET_DYN images go at a bias chosen by reserving their whole span
/// (hint `dyn_hint`, 0 to let the address space choose); ET_EXEC images at their own addresses.
/// With `source` (the image's file, open), each segment's file pages are mapped from it
/// privately, as the kernel does: only the pages the guest touches are read, from the page
/// cache, and a large program (cc1 is 30 MB) costs no copy at each start; the tail of the
/// last file page is zeroed when bss follows. Without it (or when a segment's file offset and
/// address disagree within a page, two segments share a page, or the file is shorter than
/// the headers say), file bytes are copied into anonymous memory. With `file`, the
/// file-backed pages of each segment are recorded as coming from it (for /proc/self/maps),
/// at their page-aligned file offset.
pub fn place(
    mem: &mut GuestMem,
    img: &Image<'_>,
    dyn_hint: u64,
    file: Option<&Backing>,
    source: Option<&std::fs::File>,
) -> Result<Placed, LoadError> {
    let (lo, hi) = img.span();
    let span = hi - lo;
    let anon = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    let bias = if img.e_type == ET_DYN {
        // Reserve span + alignment slack, then carve out an aligned start inside it. The
        // reservation is released around the segments at the end.
        let align = img.max_align();
        let slack = align - PAGE;
        let len = span
            .checked_add(slack)
            .ok_or(LoadError::Malformed("image too large".into()))?;
        let res = mem
            .map(
                dyn_hint,
                len,
                libc::PROT_NONE,
                anon | libc::MAP_NORESERVE,
                -1,
                0,
            )
            .map_err(map_err("reservation", dyn_hint))?;
        let start = res
            .checked_add(slack)
            .map(|v| v & !(align - 1))
            .unwrap_or(res);
        // Give back the slack on both sides; the segments below fill [start, start+span).
        if start > res {
            let _ = mem.unmap(res, start - res);
        }
        let tail = start + span;
        if res + len > tail {
            let _ = mem.unmap(tail, res + len - tail);
        }
        start.wrapping_sub(lo)
    } else {
        if !mem.is_free(lo, span) {
            return Err(LoadError::Map {
                what: "segment",
                addr: lo,
                errno: libc::EEXIST,
            });
        }
        0
    };

    // Page ranges of each segment; neighbours may share a boundary page.
    let ranges: Vec<(u64, u64, i32)> = img
        .loads
        .iter()
        .map(|l| {
            let a = bias.wrapping_add(l.vaddr);
            let e = a + l.memsz;
            (page_down(a), page_up(e).unwrap_or(e), prot_of(l.flags))
        })
        .collect();

    // 1. Map the union of the page ranges read-write (merging shared pages so a later map cannot
    //    zero bytes already copied).
    let mut merged: Vec<(u64, u64)> = Vec::new();
    for &(a, e, _) in &ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((a, e)),
        }
    }
    for &(a, e) in &merged {
        mem.map(a, e - a, rw, anon | libc::MAP_FIXED, -1, 0)
            .map_err(map_err("segment", a))?;
    }
    // Whatever of an ET_DYN reservation lies between segments is released, as holes.
    if img.e_type == ET_DYN {
        for w in merged.windows(2) {
            if w[1].0 > w[0].1 {
                let _ = mem.unmap(w[0].1, w[1].0 - w[0].1);
            }
        }
    }

    // 2. The file bytes: mapped from the file when every segment can be, else copied.
    let mappable = source.filter(|f| {
        let len = f.metadata().map_or(0, |m| m.len());
        ranges.windows(2).all(|w| w[0].1 <= w[1].0)
            && img.loads.iter().all(|l| {
                bias.wrapping_add(l.vaddr).wrapping_sub(l.offset) % PAGE == 0
                    && l.offset + l.filesz <= len
            })
    });
    for l in img.loads.iter().filter(|l| l.filesz > 0) {
        let a = bias.wrapping_add(l.vaddr);
        if let Some(f) = mappable
            && map_file_pages(mem, f, a, l.offset, l.filesz, l.memsz)?
        {
            continue;
        }
        // Image::parse checked offset + filesz against the file length.
        let data = &img.bytes[l.offset as usize..(l.offset + l.filesz) as usize];
        mem.write(a, data).map_err(|f| LoadError::Map {
            what: "segment data",
            addr: f.addr,
            errno: libc::EFAULT,
        })?;
    }

    // 3. Final protections; a page shared by two segments gets both protections.
    for &(a, e, p) in &ranges {
        mem.protect(a, e - a, p).map_err(map_err("segment", a))?;
    }
    for w in ranges.windows(2) {
        let (prev, cur) = (w[0], w[1]);
        if prev.1 > cur.0 {
            mem.protect(cur.0, prev.1 - cur.0, prev.2 | cur.2)
                .map_err(map_err("segment", cur.0))?;
        }
    }
    // 4. What /proc/self/maps names: the pages holding file bytes, as the kernel maps them.
    if let Some(file) = file {
        for l in img.loads.iter().filter(|l| l.filesz > 0) {
            let a = page_down(bias.wrapping_add(l.vaddr));
            let e = bias.wrapping_add(l.vaddr).wrapping_add(l.filesz);
            let e = page_up(e).unwrap_or(e);
            let mut b = file.clone();
            b.offset = page_down(l.offset);
            mem.set_backing(a, e.saturating_sub(a), Some(b));
        }
    }
    let end = merged.last().map_or(0, |m| m.1);
    Ok(Placed { bias, end })
}

/// Maps the pages holding `filesz` bytes of `file` at `offset` to guest address `a` (congruent
/// modulo the page size), privately and writable until the final protections, over the
/// anonymous pages there; with bss after them (`memsz` beyond `filesz`), the rest of the last
/// file page is zeroed as the kernel does, the later bss pages staying anonymous. False, with
/// the pages anonymous and zero again, when the file cannot be mapped (a file system without
/// mmap): the caller copies the bytes instead.
fn map_file_pages(
    mem: &mut GuestMem,
    file: &std::fs::File,
    a: u64,
    offset: u64,
    filesz: u64,
    memsz: u64,
) -> Result<bool, LoadError> {
    use std::os::fd::AsRawFd;
    let start = page_down(a);
    let end = a + filesz;
    let len = page_up(end).unwrap_or(end) - start;
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    let fixed = libc::MAP_PRIVATE | libc::MAP_FIXED;
    let fd = file.as_raw_fd();
    if mem
        .map(start, len, rw, fixed, fd, page_down(offset))
        .is_err()
    {
        mem.map(start, len, rw, fixed | libc::MAP_ANONYMOUS, -1, 0)
            .map_err(map_err("segment", start))?;
        return Ok(false);
    }
    let tail = (start + len - end) as usize;
    if memsz > filesz && tail > 0 {
        mem.write(end, &vec![0; tail]).map_err(|f| LoadError::Map {
            what: "segment bss",
            addr: f.addr,
            errno: libc::EFAULT,
        })?;
    }
    Ok(true)
}
