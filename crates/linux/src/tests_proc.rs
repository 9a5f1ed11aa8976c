//! /proc emulation tests: generated files opened through `openat` as a guest would.

use crate::Linux;
use crate::sysno::a64::Sysno;
use crate::tests::{AT_FDCWD, err, linux, put_str, scratch, sys};

/// Builds a loader-style initial stack in `page` ("prog", "arg1"; one env; a short auxv) and
/// returns its sp.
fn fake_stack(l: &Linux, page: u64) -> u64 {
    put_str(l, page + 0x800, "prog");
    put_str(l, page + 0x805, "arg1");
    put_str(l, page + 0x80a, "HOME=/");
    let sp = page + 0x100;
    let words = [
        2,
        page + 0x800,
        page + 0x805,
        0,
        page + 0x80a,
        0,
        6,
        4096,
        16,
        0x7b,
        0,
        0,
    ];
    for (i, w) in words.iter().enumerate() {
        l.mem().write_u64(sp + 8 * i as u64, *w).unwrap();
    }
    sp
}

/// Opens `path` read-only in the guest and reads it whole through the guest `read`.
fn slurp(l: &mut Linux, buf: u64, path: &str) -> Vec<u8> {
    put_str(l, buf, path);
    let fd = sys(
        l,
        Sysno::openat,
        &[AT_FDCWD, buf, libc::O_CLOEXEC as u64, 0],
    );
    assert!((fd as i64) >= 0, "open {path}: {}", fd as i64);
    let mut out = Vec::new();
    loop {
        let n = sys(l, Sysno::read, &[fd, buf + 0x1000, 0x1000]);
        assert!((n as i64) >= 0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(l.mem().slice(buf + 0x1000, n, 0).unwrap());
    }
    assert_eq!(sys(l, Sysno::close, &[fd]), 0);
    out
}

#[test]
fn proc_self_files() {
    let mut l = linux();
    let stack = scratch(&mut l, 4096);
    let buf = scratch(&mut l, 0x2000);
    let sp = fake_stack(&l, stack);
    // Read-only, so it never merges with the adjacent read-write scratch mapping.
    let ro = libc::PROT_READ as u64;
    assert_eq!(sys(&mut l, Sysno::mprotect, &[stack, 4096, ro]), 0);
    l.set_initial_stack(sp);
    l.set_hwcap(0x7b, 0);
    assert_eq!(slurp(&mut l, buf, "/proc/self/cmdline"), b"prog\0arg1\0");
    let auxv = slurp(&mut l, buf, "/proc/self/auxv");
    assert_eq!(auxv.len(), 48);
    assert_eq!(&auxv[16..24], &16u64.to_le_bytes());
    assert_eq!(&auxv[24..32], &0x7bu64.to_le_bytes());
    let maps = String::from_utf8(slurp(&mut l, buf, "/proc/self/maps")).unwrap();
    let own = format!("{:08x}-{:08x} rw-p 00000000 00:00 0", buf, buf + 0x2000);
    assert!(maps.contains(&format!("{own} \n")), "{maps}");
    let stack_line = maps.lines().find(|x| x.ends_with("[stack]")).unwrap();
    assert!(stack_line.starts_with(&format!("{stack:08x}-")));
    assert_eq!(stack_line.find('['), Some(73));
    let pid = std::process::id();
    let by_pid = slurp(&mut l, buf, &format!("/proc/{pid}/maps"));
    assert_eq!(String::from_utf8(by_pid).unwrap(), maps);
    let smaps = String::from_utf8(slurp(&mut l, buf, "/proc/self/smaps")).unwrap();
    assert!(smaps.contains("Size:                  8 kB\n"), "{smaps}");
    assert!(smaps.contains("VmFlags: rd wr mr mw me ac \n"));
    let cpu = String::from_utf8(slurp(&mut l, buf, "/proc/cpuinfo")).unwrap();
    assert!(cpu.starts_with("processor\t: 0\n"));
    assert!(
        cpu.contains("Features\t: fp asimd aes pmull sha1 sha2\n"),
        "{cpu}"
    );
    assert!(cpu.contains("CPU architecture: 8\n"));
    // Writing is refused; other /proc files are the host's.
    put_str(&l, buf, "/proc/self/maps");
    let rdwr = libc::O_RDWR as u64;
    assert_eq!(
        sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, rdwr, 0]),
        err(libc::EACCES)
    );
    let status = String::from_utf8(slurp(&mut l, buf, "/proc/self/status")).unwrap();
    assert!(status.contains("Pid:"));
    // The served fd is a regular file with the right size.
    put_str(&l, buf, "/proc/self/cmdline");
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, 0, 0]);
    assert_eq!(sys(&mut l, Sysno::fstat, &[fd, buf + 0x100]), 0);
    assert_eq!(l.mem().read_u64(buf + 0x100 + 48).unwrap(), 10);
    assert_eq!(sys(&mut l, Sysno::close, &[fd]), 0);
}

#[test]
fn proc_maps_names_heap() {
    let mut l = linux();
    let buf = scratch(&mut l, 0x2000);
    l.mem_mut().set_brk_start(0x4000_0000);
    l.set_initial_stack(0);
    let top = sys(&mut l, Sysno::brk, &[0x4000_2000]);
    assert_eq!(top, 0x4000_2000);
    let maps = String::from_utf8(slurp(&mut l, buf, "/proc/self/maps")).unwrap();
    let heap = maps.lines().find(|x| x.ends_with("[heap]")).unwrap();
    assert!(heap.starts_with("40000000-40002000 rw-p"), "{maps}");
}

#[test]
fn maps_shows_mapped_file() {
    use std::os::unix::fs::MetadataExt;
    let mut l = linux();
    let buf = scratch(&mut l, 0x3000);
    let dir = std::env::temp_dir().join(format!("armrun-maps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mapped.bin");
    std::fs::write(&file, vec![7u8; 0x3000]).unwrap();
    let meta = std::fs::metadata(&file).unwrap();
    let canon = std::fs::canonicalize(&file).unwrap();
    put_str(&l, buf, canon.to_str().unwrap());
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, 0, 0]);
    assert!((fd as i64) >= 0);
    let prot = libc::PROT_READ as u64;
    let flags = libc::MAP_PRIVATE as u64;
    // An unaligned length still names the whole last page.
    let addr = sys(&mut l, Sysno::mmap, &[0, 0x1f00, prot, flags, fd, 0x1000]);
    assert!((addr as i64) > 0, "{}", addr as i64);
    assert_eq!(sys(&mut l, Sysno::close, &[fd]), 0);
    let maps = String::from_utf8(slurp(&mut l, buf + 0x1000, "/proc/self/maps")).unwrap();
    let dev = meta.dev();
    let head = format!(
        "{:08x}-{:08x} r--p 00001000 {:02x}:{:02x} {}",
        addr,
        addr + 0x2000,
        libc::major(dev),
        libc::minor(dev),
        meta.ino()
    );
    let line = maps.lines().find(|x| x.starts_with(&head)).expect(&maps);
    assert_eq!(line.find('/'), Some(73), "{line}");
    assert!(line.ends_with(canon.to_str().unwrap()), "{line}");
    // Unmapping the lower page leaves the upper one with its offset advanced.
    assert_eq!(sys(&mut l, Sysno::munmap, &[addr, 0x1000]), 0);
    let maps = String::from_utf8(slurp(&mut l, buf + 0x1000, "/proc/self/maps")).unwrap();
    let upper = format!("{:08x}-{:08x} r--p 00002000 ", addr + 0x1000, addr + 0x2000);
    assert!(maps.contains(&upper), "{maps}");
    let _ = std::fs::remove_dir_all(&dir);
}
