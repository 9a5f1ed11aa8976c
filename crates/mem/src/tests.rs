//! Unit tests for the guest address space.

use super::*;

const R: i32 = libc::PROT_READ;
const W: i32 = libc::PROT_WRITE;
const X: i32 = libc::PROT_EXEC;
const ANON: i32 = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
const FIXED: i32 = ANON | libc::MAP_FIXED;

fn regs(m: &GuestMem) -> Vec<(u64, u64, i32)> {
    m.regions()
}

#[test]
fn regions_split_and_merge() {
    let mut r = regions::Regions::default();
    r.insert(0x1000, 0x5000, R);
    r.insert(0x2000, 0x3000, R | W);
    assert_eq!(
        r.iter().collect::<Vec<_>>(),
        vec![
            (0x1000, 0x2000, R),
            (0x2000, 0x3000, R | W),
            (0x3000, 0x5000, R)
        ]
    );
    r.insert(0x2000, 0x3000, R);
    assert_eq!(r.iter().collect::<Vec<_>>(), vec![(0x1000, 0x5000, R)]);
    r.carve(0x2000, 0x4000);
    assert_eq!(
        r.iter().collect::<Vec<_>>(),
        vec![(0x1000, 0x2000, R), (0x4000, 0x5000, R)]
    );
    assert_eq!(
        r.gaps(0x0, 0x6000),
        vec![(0, 0x1000), (0x2000, 0x4000), (0x5000, 0x6000)]
    );
    assert_eq!(r.find_top_down(0x1000, 0x5000, 0x2000), Some(0x2000));
    assert_eq!(r.find_top_down(0x1000, 0x5000, 0x3000), None);
}

#[test]
fn map_unmap_protect_split_64() {
    let mut m = GuestMem::new64();
    let a = m.map(0, 4 * PAGE, R | W, ANON, -1, 0).unwrap();
    assert_eq!(regs(&m), vec![(a, a + 4 * PAGE, R | W)]);
    m.protect(a + PAGE, PAGE, R).unwrap();
    assert_eq!(
        regs(&m),
        vec![
            (a, a + PAGE, R | W),
            (a + PAGE, a + 2 * PAGE, R),
            (a + 2 * PAGE, a + 4 * PAGE, R | W)
        ]
    );
    assert_eq!(
        m.check(a + PAGE, 1, W),
        Err(Fault {
            addr: a + PAGE,
            prot: W
        })
    );
    assert!(m.check(a + PAGE, 1, R).is_ok());
    m.unmap(a + 2 * PAGE, PAGE).unwrap();
    assert_eq!(
        m.check(a, 4 * PAGE, R),
        Err(Fault {
            addr: a + 2 * PAGE,
            prot: R
        })
    );
    // mprotect over a hole fails like Linux.
    assert_eq!(m.protect(a, 4 * PAGE, R), Err(libc::ENOMEM));
    m.write_u64(a + 8, 0x1122_3344_5566_7788).unwrap();
    assert_eq!(m.read_u64(a + 8).unwrap(), 0x1122_3344_5566_7788);
    assert_eq!(m.read_u32(a + 12).unwrap(), 0x1122_3344);
    assert!(m.write(a + PAGE, b"x").is_err());
    // Bad arguments.
    assert_eq!(m.map(0, 0, R, ANON, -1, 0), Err(libc::EINVAL));
    assert_eq!(m.map(a + 1, PAGE, R, FIXED, -1, 0), Err(libc::EINVAL));
    assert_eq!(m.unmap(a + 1, PAGE), Err(libc::EINVAL));
}

#[test]
fn fixed_refuses_host_memory_64() {
    let mut m = GuestMem::new64();
    // A heap allocation is host memory armrun owns: a guest MAP_FIXED over it must fail.
    let b = vec![0u8; 64 * 1024];
    let addr = page_down(b.as_ptr() as u64);
    assert_eq!(m.map(addr, PAGE, R | W, FIXED, -1, 0), Err(libc::ENOMEM));
    assert_eq!(
        m.map(addr, PAGE, R | W, ANON | MAP_FIXED_NOREPLACE, -1, 0),
        Err(libc::EEXIST)
    );
    // MAP_FIXED over the guest's own mapping is fine and replaces it.
    let a = m.map(0, 2 * PAGE, R, ANON, -1, 0).unwrap();
    assert_eq!(m.map(a, PAGE, R | W, FIXED, -1, 0), Ok(a));
    assert_eq!(
        regs(&m),
        vec![(a, a + PAGE, R | W), (a + PAGE, a + 2 * PAGE, R)]
    );
    // The guest may unmap only what it owns: the Vec stays intact.
    m.unmap(addr, PAGE).unwrap();
    assert_eq!(b[0], 0);
}

#[test]
fn brk_grow_shrink() {
    let mut m = GuestMem::new32().unwrap();
    m.set_brk_start(0x40_0000);
    assert_eq!(m.brk(0), 0x40_0000);
    assert_eq!(m.brk(0x40_2010), 0x40_2010);
    assert!(m.check(0x40_0000, 0x3000, R | W).is_ok());
    m.write(0x40_2000, b"heap").unwrap();
    assert_eq!(m.brk(0x40_1000), 0x40_1000);
    assert!(m.check(0x40_1000, 1, R).is_err());
    // Below the start, or impossible: unchanged.
    assert_eq!(m.brk(0x3f_0000), 0x40_1000);
    assert_eq!(m.brk(1 << 40), 0x40_1000);
    // Growing into another mapping fails.
    m.map(0x50_0000, PAGE, R, FIXED, -1, 0).unwrap();
    assert_eq!(m.brk(0x60_0000), 0x40_1000);
}

#[test]
fn brk_64() {
    let mut m = GuestMem::new64();
    let a = m.map(0, 16 * PAGE, R, ANON, -1, 0).unwrap();
    m.unmap(a, 16 * PAGE).unwrap();
    m.set_brk_start(a);
    assert_eq!(m.brk(a + 100), a + 100);
    m.write(a + 50, b"hi").unwrap();
    assert_eq!(m.brk(a), a);
    assert!(m.check(a, 1, R).is_err());
}

#[test]
fn window32() {
    let mut m = GuestMem::new32().unwrap();
    assert!(m.is32());
    assert_ne!(m.base(), 0);
    // Non-fixed mappings come top-down below MMAP_TOP32.
    let a = m.map(0, PAGE, R | W, ANON, -1, 0).unwrap();
    assert_eq!(a, MMAP_TOP32 - PAGE);
    let b = m.map(0, 2 * PAGE, R | W, ANON, -1, 0).unwrap();
    assert_eq!(b, MMAP_TOP32 - 3 * PAGE);
    // A free hint is honoured.
    let c = m.map(0x1234_5000, PAGE, R, ANON, -1, 0).unwrap();
    assert_eq!(c, 0x1234_5000);
    // Fixed mappings past 4 GiB are refused; the top page is allowed.
    assert_eq!(
        m.map(0xffff_f000, 2 * PAGE, R, FIXED, -1, 0),
        Err(libc::ENOMEM)
    );
    let t = m.map(0xffff_f000, PAGE, R | W, FIXED, -1, 0).unwrap();
    m.write_u32(t + 0xffc, 7).unwrap();
    assert_eq!(m.read_u32(0xffff_fffc), Ok(7));
    assert!(m.read_u64(0xffff_fffc).is_err());
    assert!(m.check(u64::MAX - 3, 8, R).is_err());
    // Host address = base + guest address.
    // SAFETY: the page at `a` is mapped RW in the window.
    unsafe { *m.host(a) = 42 };
    assert_eq!(m.slice(a, 1, R).unwrap(), &[42]);
    // Unmapped pages stay reserved (still inside the window) and fault in the bookkeeping.
    m.unmap(a, PAGE).unwrap();
    assert!(m.read_u32(a).is_err());
    // The freed hole is reused.
    assert_eq!(m.map(0, PAGE, R, ANON, -1, 0), Ok(a));
}

#[test]
fn remap_grow_move_shrink() {
    for is32 in [false, true] {
        let mut m = if is32 {
            GuestMem::new32().unwrap()
        } else {
            GuestMem::new64()
        };
        let a = m.map(0, 2 * PAGE, R | W, ANON, -1, 0).unwrap();
        m.write(a, b"keep").unwrap();
        // Shrink in place.
        assert_eq!(m.remap(a, 2 * PAGE, PAGE, 0, 0), Ok(a));
        assert!(m.check(a + PAGE, 1, R).is_err());
        // Block growth in place, then grow with MAYMOVE.
        let blocker = a + PAGE;
        let flags = if is32 {
            FIXED
        } else {
            ANON | MAP_FIXED_NOREPLACE
        };
        if m.map(blocker, PAGE, R, flags, -1, 0).is_ok() {
            assert_eq!(m.remap(a, PAGE, 4 * PAGE, 0, 0), Err(libc::ENOMEM));
            let n = m.remap(a, PAGE, 4 * PAGE, 1, 0).unwrap();
            assert_ne!(n, a);
            assert!(m.check(n, 4 * PAGE, R | W).is_ok());
            assert!(m.check(a, 1, R).is_err());
            let mut buf = [0; 4];
            m.read(n, &mut buf).unwrap();
            assert_eq!(&buf, b"keep");
        }
        // Unmapped source.
        assert_eq!(m.remap(0x10_0000, PAGE, 2 * PAGE, 1, 0), Err(libc::EFAULT));
    }
}

#[test]
fn read_cstr_across_pages() {
    let mut m = GuestMem::new32().unwrap();
    m.map(0x10000, PAGE, R | W, FIXED, -1, 0).unwrap();
    m.write(0x10ffc, b"abcd").unwrap();
    // Runs off the mapped page without a NUL.
    assert_eq!(
        m.read_cstr(0x10ffc, 100),
        Err(Fault {
            addr: 0x11000,
            prot: R
        })
    );
    assert_eq!(m.read_cstr(0x10ffc, 3), Ok(b"abc".to_vec()));
    m.write(0x10ffe, b"\0").unwrap();
    assert_eq!(m.read_cstr(0x10ffc, 100), Ok(b"ab".to_vec()));
    // Exec-only pages are recorded as such and are not readable data per the bookkeeping.
    m.map(0x20000, PAGE, X, FIXED, -1, 0).unwrap();
    assert!(m.check(0x20000, 4, X).is_ok());
    assert!(m.read_u32(0x20000).is_err());
}

#[test]
fn is_send_sync() {
    fn assert<T: Send + Sync>() {}
    assert::<GuestMem>();
}

/// armrun is linked at a fixed address low in the 64-bit guest's address space (see
/// `.cargo/config.toml`); a guest MAP_FIXED over its image must be refused, never honoured.
#[test]
fn fixed_over_armruns_own_image_is_refused() {
    let mut m = GuestMem::new64();
    let code = fixed_over_armruns_own_image_is_refused as *const () as u64 & !(PAGE - 1);
    assert_eq!(m.map(code, PAGE, R | W, FIXED, -1, 0), Err(libc::ENOMEM));
    assert_eq!(
        m.map(code, PAGE, R | W, ANON | MAP_FIXED_NOREPLACE, -1, 0),
        Err(libc::EEXIST)
    );
    assert!(m.check(code, 1, R).is_err());
}

#[test]
fn fixed_over_guest_and_free_host_64() {
    let mut m = GuestMem::new64();
    // Addresses far from where the kernel's top-down allocator hands out memory, so parallel
    // tests cannot race for them.
    let a = 0x3000_0000_0000u64;
    assert_eq!(m.map(a, PAGE, R, ANON | MAP_FIXED_NOREPLACE, -1, 0), Ok(a));
    // MAP_FIXED covering the guest page and three free host pages succeeds.
    assert_eq!(m.map(a, 4 * PAGE, R | W, FIXED, -1, 0), Ok(a));
    assert_eq!(regs(&m), vec![(a, a + 4 * PAGE, R | W)]);
    m.write(a + 3 * PAGE, b"ok").unwrap();
    // A range mixing guest pages and armrun memory is refused and the guest pages survive.
    // "armrun memory" here: a host mapping made behind GuestMem's back, minus its first page.
    let h = 0x3000_0010_0000u64;
    host::reserve_noreplace(h, 3 * PAGE).unwrap();
    host::mprotect(h, 3 * PAGE, R | W).unwrap();
    host::munmap(h, PAGE).unwrap();
    // SAFETY: h + PAGE is the start of a live RW host mapping of two pages.
    unsafe { *((h + PAGE) as *mut u8) = 7 };
    m.unmap(a, 4 * PAGE).unwrap();
    assert_eq!(
        m.map(h, PAGE, R | W, ANON | MAP_FIXED_NOREPLACE, -1, 0),
        Ok(h)
    );
    assert_eq!(m.map(h, 2 * PAGE, R, FIXED, -1, 0), Err(libc::ENOMEM));
    assert!(m.check(h, PAGE, R | W).is_ok());
    assert_eq!(m.check(h, 2 * PAGE, R).unwrap_err().addr, h + PAGE);
    // The guest cannot unmap or mprotect the host pages either.
    m.unmap(h, 3 * PAGE).unwrap();
    assert_eq!(m.protect(h + PAGE, PAGE, R), Err(libc::ENOMEM));
    // SAFETY: still mapped, untouched by the guest calls above.
    assert_eq!(unsafe { *((h + PAGE) as *const u8) }, 7);
    host::munmap(h + PAGE, 2 * PAGE).unwrap();
}

#[test]
fn file_backed_maps() {
    let p = std::env::temp_dir().join(format!("mem-test-{}", std::process::id()));
    std::fs::write(&p, vec![0x5a; 2 * PAGE as usize]).unwrap();
    let f = std::fs::File::open(&p).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
    for is32 in [false, true] {
        let mut m = if is32 {
            GuestMem::new32().unwrap()
        } else {
            GuestMem::new64()
        };
        let a = m.map(0, PAGE, R, libc::MAP_PRIVATE, fd, PAGE).unwrap();
        assert_eq!(m.read_u32(a), Ok(0x5a5a_5a5a));
        assert!(m.write_u32(a, 0).is_err());
        // Unaligned offsets and bad descriptors are refused.
        assert_eq!(
            m.map(0, PAGE, R, libc::MAP_PRIVATE, fd, 1),
            Err(libc::EINVAL)
        );
        assert_eq!(
            m.map(0, PAGE, R, libc::MAP_PRIVATE, -1, 0),
            Err(libc::EBADF)
        );
        assert_eq!(regs(&m).len(), 1);
    }
    let _ = std::fs::remove_file(&p);
}

/// A file backing at `offset` for the backed-region tests.
fn file_at(offset: u64) -> Option<regions::Backing> {
    Some(regions::Backing {
        path: b"/lib/libx.so".to_vec(),
        offset,
        major: 8,
        minor: 1,
        inode: 42,
        shared: false,
    })
}

#[test]
fn regions_backing_split_and_merge() {
    let mut r = regions::Regions::default();
    r.insert_backed(0x1000, 0x5000, R, file_at(0x3000));
    // Splitting moves the upper part's offset by the split distance.
    r.protect(0x2000, 0x3000, R | W);
    let v = r.overlapping_backed(0, 0x10000);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0].3, file_at(0x3000));
    assert_eq!(
        (v[1].0, v[1].2, v[1].3.clone()),
        (0x2000, R | W, file_at(0x4000))
    );
    assert_eq!((v[2].0, v[2].3.clone()), (0x3000, file_at(0x5000)));
    // Restoring the protection merges the pieces back, since the offsets continue.
    r.protect(0x2000, 0x3000, R);
    assert_eq!(r.iter().collect::<Vec<_>>(), vec![(0x1000, 0x5000, R)]);
    assert_eq!(r.backing_at(0x4000), file_at(0x6000));
    // Anonymous and file-backed neighbours with equal protection stay apart.
    r.insert(0x5000, 0x6000, R);
    assert_eq!(r.iter().count(), 2);
    // Discontinuous offsets of the same file stay apart too.
    r.insert_backed(0x6000, 0x7000, R, file_at(0));
    assert_eq!(r.iter().count(), 3);
    // Carving the middle of a backed range keeps the tail's offset right.
    r.carve(0x2000, 0x3000);
    assert_eq!(r.backing_at(0x3000), file_at(0x5000));
    assert_eq!(r.backing_at(0x1000), file_at(0x3000));
    // set_backing re-records the backing without touching protections.
    r.set_backing(0x5000, 0x6000, file_at(0x7000));
    assert_eq!(r.backing_at(0x5000), file_at(0x7000));
    assert_eq!(r.prot_at(0x5000), Some(R));
}

#[test]
fn code_changes_are_reported_once() {
    let mut m = GuestMem::new32().unwrap();
    let data = m.map(0, 2 * PAGE, R | W, ANON, -1, 0).unwrap();
    let code = m.map(0, 4 * PAGE, R | X, ANON, -1, 0).unwrap();
    // Creating mappings and changing data pages touch no code.
    m.protect(data, PAGE, R).unwrap();
    m.unmap(data, 2 * PAGE).unwrap();
    assert_eq!(m.take_code_change(), None);
    // Reprotecting, replacing and unmapping code do, as one span covering them all.
    m.protect(code + PAGE, PAGE, R | W).unwrap();
    m.map(code + 3 * PAGE, PAGE, R | X, FIXED, -1, 0).unwrap();
    assert_eq!(m.take_code_change(), Some((code + PAGE, code + 4 * PAGE)));
    assert_eq!(m.take_code_change(), None);
    m.unmap(code, PAGE).unwrap();
    assert_eq!(m.take_code_change(), Some((code, code + PAGE)));
    m.note_code_change(0x1000, 0x2000);
    assert_eq!(m.take_code_change(), Some((0x1000, 0x2000)));
}

#[test]
fn every_thread_sees_each_code_change() {
    let mut m = GuestMem::new32().unwrap();
    let other = m.clone();
    let (mut a, mut b) = (0u64, 0u64);
    let code = m.map(0, 2 * PAGE, R | X, ANON, -1, 0).unwrap();
    assert_eq!(m.code_changes_since(&mut a), None);
    m.unmap(code, PAGE).unwrap();
    assert_eq!(m.code_changes_since(&mut a), Some((code, code + PAGE)));
    assert_eq!(m.code_changes_since(&mut a), None);
    m.protect(code + PAGE, PAGE, R).unwrap();
    // The clone shares the space: it sees both changes, as one span.
    assert_eq!(
        other.code_changes_since(&mut b),
        Some((code, code + 2 * PAGE))
    );
    assert_eq!(
        m.code_changes_since(&mut a),
        Some((code + PAGE, code + 2 * PAGE))
    );
    // One that fell too far behind is told to drop everything.
    let mut late = 0u64;
    for _ in 0..70 {
        m.note_code_change(0x1000, 0x2000);
        m.code_changes_since(&mut a);
    }
    assert_eq!(m.code_changes_since(&mut late), Some((0, 1 << 32)));
}

#[test]
fn point_lookups_follow_every_change_of_the_range_they_remember() {
    let mut r = crate::regions::Regions::default();
    r.insert(0x1000, 0x4000, R | X);
    // These lookups leave [0x1000, 0x4000) as the remembered range.
    assert_eq!(r.prot_at(0x2000), Some(R | X));
    assert_eq!(r.first_lacking(0x2000, 0x2004, X), None);
    // Reprotecting part of it must not be answered from the old range.
    r.protect(0x2000, 0x3000, R);
    assert_eq!(r.prot_at(0x2000), Some(R));
    assert_eq!(r.first_lacking(0x2000, 0x2004, X), Some(0x2000));
    assert_eq!(r.first_lacking(0x1ffe, 0x2002, X), Some(0x2000));
    assert_eq!(r.prot_at(0x3000), Some(R | X));
    // Nor unmapping.
    r.carve(0x3000, 0x4000);
    assert_eq!(r.prot_at(0x3000), None);
    assert_eq!(r.first_lacking(0x3000, 0x3004, X), Some(0x3000));
    // A range merged into a larger one keeps answering for its part.
    r.insert(0x3000, 0x4000, R);
    assert_eq!(r.prot_at(0x3800), Some(R));
    r.insert(0x4000, 0x5000, R);
    assert_eq!(r.prot_at(0x3800), Some(R));
    assert_eq!(r.prot_at(0x4800), Some(R));
    assert_eq!(r.first_lacking(0x2000, 0x5000, R), None);
}

/// Fetching an instruction watches the writable page it lies on, and both when it crosses
/// into the next one (a 32-bit Thumb instruction at a page's last halfword).
#[test]
fn fetched_code_pages_are_watched() {
    let mut m = GuestMem::new64();
    let a = m.map(0, 4 * PAGE, R | W | X, ANON, -1, 0).unwrap();
    assert_eq!(m.watched_pages(), 0);
    assert!(m.fetch_code(a + 8, 4, true).is_some());
    assert_eq!(m.watched_pages(), 1);
    assert!(m.fetch_code(a + 12, 4, true).is_some());
    assert_eq!(m.watched_pages(), 1);
    assert!(m.fetch_code(a + 3 * PAGE - 2, 4, true).is_some());
    assert_eq!(m.watched_pages(), 3);
    // Without `watch`, nothing more.
    assert!(m.fetch_code(a + 4 * PAGE - 4, 4, false).is_some());
    assert_eq!(m.watched_pages(), 3);
}

/// A code window serves fetches from what it read until a code change is noted: a write by
/// armrun, a guest write fault on the watched page, a protection change, an unmap. Its page
/// is watched as a fetch's would be, and an instruction crossing the page is fetched alone.
#[test]
fn code_window_holds_until_code_changes() {
    let mut m = GuestMem::new64();
    let a = m.map(0, 2 * PAGE, R | W | X, ANON, -1, 0).unwrap();
    m.write(a, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    let mut w = CodeWindow::default();
    assert_eq!(w.fetch(&m, a, 4), Some(0x0403_0201));
    assert_eq!(m.watched_pages(), 1);
    // Behind the bookkeeping's back (the host mapping made writable directly), a change is
    // not seen: the window is what is read.
    let host = m.host(a);
    // SAFETY: the guest page is mapped; the test owns the space and makes it writable first.
    unsafe {
        libc::mprotect(host.cast(), PAGE as usize, R | W | X);
        *host.add(4) = 0x55;
    }
    assert_eq!(w.fetch(&m, a + 4, 4), Some(0x0807_0605));
    assert_eq!(m.fetch_code(a + 4, 4, true), Some(0x0807_0655));
    // armrun's own write notes a change.
    m.write(a + 4, &[9]).unwrap();
    assert_eq!(w.fetch(&m, a + 4, 4), Some(0x0807_0609));
    assert_eq!(m.watched_pages(), 1);
    // So does a guest write fault (the store then runs on the page made writable again).
    assert!(m.code_write_fault(a + 4));
    // SAFETY: the fault gave the page its write permission back.
    unsafe { *host.add(5) = 0x66 };
    assert_eq!(w.fetch(&m, a + 4, 4), Some(0x0807_6609));
    // An instruction across the page's end is fetched alone, watching both pages.
    assert!(w.fetch(&m, a + PAGE - 2, 4).is_some());
    assert_eq!(m.watched_pages(), 2);
    // Not executable any more, or unmapped: nothing to fetch.
    m.protect(a, PAGE, R | W).unwrap();
    assert_eq!(w.fetch(&m, a + 4, 4), None);
    assert!(w.fetch(&m, a + PAGE, 4).is_some());
    m.unmap(a + PAGE, PAGE).unwrap();
    assert_eq!(w.fetch(&m, a + PAGE, 4), None);
}
