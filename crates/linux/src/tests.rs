//! Unit tests: syscalls issued through `syscall_a64` exactly as a guest would.

use std::ffi::CString;
use std::path::PathBuf;

use cpu::CpuState;
use mem::GuestMem;

use crate::abi;
use crate::sysno::a64::{ALL, Sysno};
use crate::{Flow, Linux, syscall_a64};

pub(crate) const PROT_RW: u64 = (libc::PROT_READ | libc::PROT_WRITE) as u64;
pub(crate) const MAP_ANON: u64 = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
pub(crate) const AT_FDCWD: u64 = libc::AT_FDCWD as i64 as u64;

pub(crate) fn linux() -> Linux {
    let mut l = Linux::new(GuestMem::new64(), PathBuf::from("/opt/guest/hello"), None);
    l.set_log_unimp(false);
    l
}

/// Issues syscall `s` with `args`; returns x0.
pub(crate) fn sys(l: &mut Linux, s: Sysno, args: &[u64]) -> u64 {
    let mut cpu = CpuState::default();
    cpu.x[8] = s.number();
    cpu.x[..args.len()].copy_from_slice(args);
    assert_eq!(syscall_a64(l, &mut cpu), Flow::Continue);
    cpu.x[0]
}

pub(crate) fn err(e: i32) -> u64 {
    (-(e as i64)) as u64
}

/// Maps `len` bytes of fresh guest memory.
pub(crate) fn scratch(l: &mut Linux, len: u64) -> u64 {
    let a = sys(l, Sysno::mmap, &[0, len, PROT_RW, MAP_ANON, u64::MAX, 0]);
    assert!((a as i64) > 0, "mmap failed: {}", a as i64);
    a
}

/// Copies a C string into guest memory at `addr`.
pub(crate) fn put_str(l: &Linux, addr: u64, s: &str) {
    let c = CString::new(s).unwrap();
    l.mem().write(addr, c.as_bytes_with_nul()).unwrap();
}

pub(crate) fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("armrun-linux-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_file(&d);
    d
}

#[test]
fn table_round_trip() {
    for &s in ALL {
        assert_eq!(Sysno::from_u64(s.number()), Some(s));
    }
    assert_eq!(Sysno::openat.name(), "openat");
    assert!(Sysno::from_u64(u64::MAX).is_none());
    assert_eq!(crate::sysno::arm::Sysno::fstat64.name(), "fstat64");
    for &s in crate::sysno::arm::ALL {
        assert_eq!(crate::sysno::arm::Sysno::from_name(s.name()), Some(s));
    }
    assert_eq!(Sysno::from_name("fstat64"), None);
}

#[test]
fn write_to_pipe() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    l.mem().write(buf, b"hello").unwrap();
    let mut fds = [0i32; 2];
    // SAFETY: host pipe for the test.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    assert_eq!(sys(&mut l, Sysno::write, &[fds[1] as u64, buf, 5]), 5);
    // writev with two pieces.
    l.mem().write_u64(buf + 64, buf).unwrap();
    l.mem().write_u64(buf + 72, 2).unwrap();
    l.mem().write_u64(buf + 80, buf + 3).unwrap();
    l.mem().write_u64(buf + 88, 2).unwrap();
    assert_eq!(sys(&mut l, Sysno::writev, &[fds[1] as u64, buf + 64, 2]), 4);
    let mut out = [0u8; 9];
    // SAFETY: reading into a host buffer.
    assert_eq!(
        unsafe { libc::read(fds[0], out.as_mut_ptr() as *mut _, 9) },
        9
    );
    assert_eq!(&out, b"hellohelo");
    // read back through the guest.
    // SAFETY: writing from a host buffer.
    assert_eq!(
        unsafe { libc::write(fds[1], b"xyz".as_ptr() as *const _, 3) },
        3
    );
    assert_eq!(sys(&mut l, Sysno::read, &[fds[0] as u64, buf + 100, 3]), 3);
    let mut got = [0u8; 3];
    l.mem().read(buf + 100, &mut got).unwrap();
    assert_eq!(&got, b"xyz");
    assert_eq!(sys(&mut l, Sysno::close, &[fds[0] as u64]), 0);
    assert_eq!(sys(&mut l, Sysno::close, &[fds[1] as u64]), 0);
}

#[test]
fn pipe2_and_fcntl_flags() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    assert_eq!(sys(&mut l, Sysno::pipe2, &[buf, libc::O_CLOEXEC as u64]), 0);
    let r = l.mem().read_u32(buf).unwrap() as u64;
    let w = l.mem().read_u32(buf + 4).unwrap() as u64;
    assert_eq!(sys(&mut l, Sysno::write, &[w, buf, 8]), 8);
    assert_eq!(
        sys(&mut l, Sysno::fcntl, &[r, libc::F_GETFD as u64]),
        libc::FD_CLOEXEC as u64
    );
    let fl = sys(&mut l, Sysno::fcntl, &[r, libc::F_GETFL as u64]);
    let nb = libc::O_NONBLOCK as u64;
    assert_eq!(
        sys(&mut l, Sysno::fcntl, &[r, libc::F_SETFL as u64, fl | nb]),
        0
    );
    assert_ne!(
        sys(&mut l, Sysno::fcntl, &[r, libc::F_GETFL as u64]) & nb,
        0
    );
    assert_eq!(sys(&mut l, Sysno::ioctl, &[r, libc::FIONREAD, buf + 16]), 0);
    assert_eq!(l.mem().read_u32(buf + 16).unwrap(), 8);
    sys(&mut l, Sysno::close, &[r]);
    sys(&mut l, Sysno::close, &[w]);
}

#[test]
fn openat_fstat_layout() {
    let mut l = linux();
    let buf = scratch(&mut l, 8192);
    let path = tmp("stat");
    std::fs::write(&path, vec![7u8; 1234]).unwrap();
    put_str(&l, buf, path.to_str().unwrap());
    let fd = sys(
        &mut l,
        Sysno::openat,
        &[AT_FDCWD, buf, libc::O_RDONLY as u64, 0],
    );
    assert!((fd as i64) >= 0, "openat: {}", fd as i64);
    let st = buf + 4096;
    assert_eq!(sys(&mut l, Sysno::fstat, &[fd, st]), 0);
    let m = l.mem();
    let mode = m.read_u32(st + abi::stat::MODE as u64).unwrap();
    assert_eq!(mode & libc::S_IFMT, libc::S_IFREG);
    assert_eq!(m.read_u64(st + abi::stat::SIZE as u64).unwrap(), 1234);
    let host = std::fs::metadata(&path).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        m.read_u32(st + abi::stat::BLKSIZE as u64).unwrap() as u64,
        host.blksize()
    );
    assert_eq!(m.read_u64(st + abi::stat::INO as u64).unwrap(), host.ino());
    assert_eq!(m.read_u32(st + abi::stat::NLINK as u64).unwrap(), 1);
    // newfstatat gives the same bytes.
    let mut a = [0u8; abi::stat::SIZE_OF];
    m.read(st, &mut a).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::newfstatat, &[AT_FDCWD, buf, st + 256, 0]),
        0
    );
    let mut b = [0u8; abi::stat::SIZE_OF];
    l.mem().read(st + 256, &mut b).unwrap();
    assert_eq!(a[..72], b[..72]);
    // lseek + pread.
    assert_eq!(
        sys(&mut l, Sysno::lseek, &[fd, 0, libc::SEEK_END as u64]),
        1234
    );
    assert_eq!(sys(&mut l, Sysno::pread64, &[fd, st, 10, 1230]), 4);
    // The kernel forces O_LARGEFILE on 64-bit; F_GETFL must report arm64's bit for it.
    let fl = sys(&mut l, Sysno::fcntl, &[fd, libc::F_GETFL as u64]);
    assert_ne!(fl & abi::oflag::LARGEFILE, 0);
    assert_eq!(fl & abi::oflag::NOFOLLOW, 0);
    assert_eq!(sys(&mut l, Sysno::close, &[fd]), 0);
    // arm64's O_DIRECTORY (host O_DIRECT on x86-64) must refuse a regular file.
    let r = sys(
        &mut l,
        Sysno::openat,
        &[AT_FDCWD, buf, abi::oflag::DIRECTORY, 0],
    );
    assert_eq!(r, err(libc::ENOTDIR));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn getdents64_lists_entries() {
    let mut l = linux();
    let buf = scratch(&mut l, 8192);
    let dir = tmp("dents");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("alpha"), b"").unwrap();
    std::fs::write(dir.join("beta"), b"").unwrap();
    put_str(&l, buf, dir.to_str().unwrap());
    let fd = sys(
        &mut l,
        Sysno::openat,
        &[AT_FDCWD, buf, abi::oflag::DIRECTORY, 0],
    );
    assert!((fd as i64) >= 0, "openat dir: {}", fd as i64);
    let n = sys(&mut l, Sysno::getdents64, &[fd, buf + 4096, 4096]);
    assert!((n as i64) > 0);
    let mut data = vec![0u8; n as usize];
    l.mem().read(buf + 4096, &mut data).unwrap();
    let mut names = Vec::new();
    let mut off = 0;
    while off < data.len() {
        let reclen = u16::from_le_bytes([data[off + 16], data[off + 17]]) as usize;
        let name = &data[off + 19..off + reclen];
        let end = name.iter().position(|&c| c == 0).unwrap();
        names.push(String::from_utf8_lossy(&name[..end]).into_owned());
        off += reclen;
    }
    names.sort();
    assert_eq!(names, [".", "..", "alpha", "beta"]);
    sys(&mut l, Sysno::close, &[fd]);
    // unlinkat / mkdirat / renameat through the guest.
    put_str(&l, buf, dir.join("alpha").to_str().unwrap());
    assert_eq!(sys(&mut l, Sysno::unlinkat, &[AT_FDCWD, buf, 0]), 0);
    put_str(&l, buf, dir.join("sub").to_str().unwrap());
    assert_eq!(sys(&mut l, Sysno::mkdirat, &[AT_FDCWD, buf, 0o755]), 0);
    assert!(dir.join("sub").is_dir());
    put_str(&l, buf + 1024, dir.join("sub2").to_str().unwrap());
    assert_eq!(
        sys(
            &mut l,
            Sysno::renameat,
            &[AT_FDCWD, buf, AT_FDCWD, buf + 1024]
        ),
        0
    );
    assert!(dir.join("sub2").is_dir());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_pointers_are_efault() {
    let mut l = linux();
    let bad = 0x10;
    let efault = err(libc::EFAULT);
    assert_eq!(sys(&mut l, Sysno::write, &[1, bad, 5]), efault);
    assert_eq!(sys(&mut l, Sysno::read, &[0, bad, 5]), efault);
    assert_eq!(sys(&mut l, Sysno::openat, &[AT_FDCWD, bad, 0, 0]), efault);
    assert_eq!(sys(&mut l, Sysno::fstat, &[0, bad]), efault);
    assert_eq!(sys(&mut l, Sysno::clock_gettime, &[0, bad]), efault);
    assert_eq!(sys(&mut l, Sysno::uname, &[bad]), efault);
    assert_eq!(sys(&mut l, Sysno::writev, &[1, bad, 1]), efault);
    assert_eq!(sys(&mut l, Sysno::pipe2, &[bad, 0]), efault);
    assert_eq!(sys(&mut l, Sysno::getrandom, &[bad, 16, 0]), efault);
    assert_eq!(sys(&mut l, Sysno::rt_sigaction, &[2, bad, 0, 8]), efault);
    assert_eq!(sys(&mut l, Sysno::futex, &[bad, 0, 0, 0, 0, 0]), efault);
    // Zero-length transfers never touch memory.
    assert_eq!(sys(&mut l, Sysno::write, &[1, bad, 0]), 0);
}

#[test]
fn unknown_is_enosys() {
    let mut l = linux();
    assert_eq!(sys(&mut l, Sysno::io_setup, &[]), err(libc::ENOSYS));
    assert_eq!(sys(&mut l, Sysno::rseq, &[]), err(libc::ENOSYS));
    let mut cpu = CpuState::default();
    cpu.x[8] = u64::MAX;
    assert_eq!(syscall_a64(&mut l, &mut cpu), Flow::Continue);
    assert_eq!(cpu.x[0], err(libc::ENOSYS));
}

#[test]
fn brk_grows() {
    let mut l = linux();
    // The loader sets the heap start; use a spot we know is free.
    let spot = scratch(&mut l, 0x20000);
    assert_eq!(sys(&mut l, Sysno::munmap, &[spot, 0x20000]), 0);
    l.mem_mut().set_brk_start(spot);
    let cur = sys(&mut l, Sysno::brk, &[0]);
    let new = sys(&mut l, Sysno::brk, &[cur + 0x10000]);
    assert_eq!(new, cur + 0x10000);
    l.mem().write_u64(cur + 0x8000, 42).unwrap();
    assert_eq!(l.mem().read_u64(cur + 0x8000).unwrap(), 42);
    assert_eq!(sys(&mut l, Sysno::brk, &[0]), new);
}

#[test]
fn mmap_munmap_madvise() {
    let mut l = linux();
    let a = scratch(&mut l, 8192);
    l.mem().write_u64(a + 4096, 0xdead).unwrap();
    let dontneed = libc::MADV_DONTNEED as u64;
    assert_eq!(sys(&mut l, Sysno::madvise, &[a, 8192, dontneed]), 0);
    assert_eq!(l.mem().read_u64(a + 4096).unwrap(), 0);
    assert_eq!(
        sys(&mut l, Sysno::madvise, &[a + 1, 8192, dontneed]),
        err(libc::EINVAL)
    );
    assert_eq!(sys(&mut l, Sysno::munmap, &[a, 8192]), 0);
    assert!(l.mem().check(a, 8, libc::PROT_READ).is_err());
    assert_eq!(sys(&mut l, Sysno::write, &[1, a, 8]), err(libc::EFAULT));
}

#[test]
fn uname_machine() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    assert_eq!(sys(&mut l, Sysno::uname, &[buf]), 0);
    let machine = l
        .mem()
        .read_cstr(buf + 4 * abi::UTS_FIELD as u64, 65)
        .unwrap();
    assert_eq!(&machine[..7], b"aarch64");
    let sysname = l.mem().read_cstr(buf, 65).unwrap();
    assert_eq!(&sysname[..5], b"Linux");
}

#[test]
fn uname_release_option() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let release_at = buf + 2 * abi::UTS_FIELD as u64;
    l.set_uname_release(b"4.19.0-armrun");
    assert_eq!(sys(&mut l, Sysno::uname, &[buf]), 0);
    assert_eq!(l.mem().read_cstr(release_at, 65).unwrap(), b"4.19.0-armrun");
    // Too long for the field: cut to leave the terminating NUL.
    l.set_uname_release(&[b'9'; 100]);
    assert_eq!(sys(&mut l, Sysno::uname, &[buf]), 0);
    let r = l.mem().read_cstr(release_at, 100).unwrap();
    assert_eq!(r, vec![b'9'; abi::UTS_FIELD - 1]);
}

#[test]
fn readlink_proc_self_exe() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, "/proc/self/exe");
    let n = sys(&mut l, Sysno::readlinkat, &[AT_FDCWD, buf, buf + 100, 200]);
    assert_eq!(n, "/opt/guest/hello".len() as u64);
    let mut got = vec![0u8; n as usize];
    l.mem().read(buf + 100, &mut got).unwrap();
    assert_eq!(got, b"/opt/guest/hello");
}

#[test]
fn signals_recorded() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let act = [0x1234u64, 0x0400_0000, 0x5678, 1 << 1];
    for (i, w) in act.iter().enumerate() {
        l.mem().write_u64(buf + 8 * i as u64, *w).unwrap();
    }
    let usr1 = libc::SIGUSR1 as u64;
    assert_eq!(sys(&mut l, Sysno::rt_sigaction, &[usr1, buf, 0, 8]), 0);
    assert_eq!(sys(&mut l, Sysno::rt_sigaction, &[usr1, 0, buf + 64, 8]), 0);
    for (i, w) in act.iter().enumerate() {
        assert_eq!(l.mem().read_u64(buf + 64 + 8 * i as u64).unwrap(), *w);
    }
    assert_eq!(
        sys(&mut l, Sysno::rt_sigaction, &[usr1, buf, 0, 4]),
        err(libc::EINVAL)
    );
    let kill = libc::SIGKILL as u64;
    assert_eq!(
        sys(&mut l, Sysno::rt_sigaction, &[kill, buf, 0, 8]),
        err(libc::EINVAL)
    );
    l.mem().write_u64(buf, 0b1010).unwrap();
    let block = libc::SIG_BLOCK as u64;
    assert_eq!(
        sys(&mut l, Sysno::rt_sigprocmask, &[block, buf, buf + 8, 8]),
        0
    );
    assert_eq!(l.mem().read_u64(buf + 8).unwrap(), 0);
    assert_eq!(
        sys(&mut l, Sysno::rt_sigprocmask, &[block, 0, buf + 8, 8]),
        0
    );
    assert_eq!(l.mem().read_u64(buf + 8).unwrap(), 0b1010);
}

#[test]
fn time_and_ids() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    assert_eq!(
        sys(
            &mut l,
            Sysno::clock_gettime,
            &[libc::CLOCK_MONOTONIC as u64, buf]
        ),
        0
    );
    assert!(l.mem().read_u64(buf + 8).unwrap() < 1_000_000_000);
    assert_eq!(sys(&mut l, Sysno::getpid, &[]), std::process::id() as u64);
    assert_ne!(sys(&mut l, Sysno::gettid, &[]), 0);
    assert_eq!(sys(&mut l, Sysno::getrandom, &[buf, 64, 0]), 64);
    let stack = libc::RLIMIT_STACK as u64;
    assert_eq!(sys(&mut l, Sysno::prlimit64, &[0, stack, 0, buf]), 0);
    assert!(l.mem().read_u64(buf).unwrap() > 0);
    // futex wait on a mismatched value must not block.
    l.mem().write_u32(buf, 1).unwrap();
    assert_eq!(
        sys(
            &mut l,
            Sysno::futex,
            &[
                buf,
                (libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG) as u64,
                2,
                0,
                0,
                0
            ]
        ),
        err(libc::EAGAIN)
    );
    assert_eq!(
        sys(
            &mut l,
            Sysno::futex,
            &[
                buf,
                (libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG) as u64,
                1,
                0,
                0,
                0
            ]
        ),
        0
    );
}

#[test]
fn exit_group_ends() {
    let mut l = linux();
    let mut cpu = CpuState::default();
    cpu.x[8] = Sysno::exit_group.number();
    cpu.x[0] = 3;
    assert_eq!(syscall_a64(&mut l, &mut cpu), Flow::Exit(3));
}

#[test]
fn sysroot_paths() {
    let root = tmp("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/armrun-test-file"), b"inside").unwrap();
    let mut l = Linux::new(GuestMem::new64(), PathBuf::from("/x"), Some(root.clone()));
    let buf = scratch(&mut l, 4096);
    // Exists under the sysroot: the sysroot copy is used.
    put_str(&l, buf, "/etc/armrun-test-file");
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, 0, 0]);
    assert!((fd as i64) >= 0);
    assert_eq!(sys(&mut l, Sysno::read, &[fd, buf + 512, 64]), 6);
    sys(&mut l, Sysno::close, &[fd]);
    // Missing under the sysroot: the host path is used.
    put_str(&l, buf, "/dev/null");
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, 0, 0]);
    assert!((fd as i64) >= 0);
    sys(&mut l, Sysno::close, &[fd]);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn ioctl_and_fcntl_misc() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, "/dev/null");
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, 0, 0]);
    let tcgets = libc::TCGETS;
    assert_eq!(
        sys(&mut l, Sysno::ioctl, &[fd, tcgets, buf + 64]),
        err(libc::ENOTTY)
    );
    assert_eq!(
        sys(&mut l, Sysno::ioctl, &[fd, tcgets, 0x10]),
        err(libc::EFAULT)
    );
    assert_eq!(
        sys(&mut l, Sysno::ioctl, &[fd, 0xdead_beef, 0]),
        err(libc::ENOTTY)
    );
    let dupfd = libc::F_DUPFD_CLOEXEC as u64;
    let d = sys(&mut l, Sysno::fcntl, &[fd, dupfd, 100]);
    assert!((100..1 << 20).contains(&d));
    assert_eq!(sys(&mut l, Sysno::fcntl, &[fd, 0x7fff]), err(libc::EINVAL));
    let d2 = sys(&mut l, Sysno::dup, &[fd]);
    // Onto a descriptor this test owns: the tests share the process's descriptor table, and
    // d2 + 1 could be another test's file, replaced and then closed under it.
    assert_eq!(sys(&mut l, Sysno::dup3, &[d2, d, 0]), d);
    for f in [fd, d, d2] {
        assert_eq!(sys(&mut l, Sysno::close, &[f]), 0);
    }
}

#[test]
fn sigaltstack_and_limits() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    assert_eq!(sys(&mut l, Sysno::sigaltstack, &[0, buf]), 0);
    assert_eq!(l.mem().read_u32(buf + 8).unwrap(), abi::SS_DISABLE);
    l.mem().write_u64(buf, 0x1000).unwrap();
    l.mem().write_u32(buf + 8, 0).unwrap();
    l.mem().write_u64(buf + 16, 64).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::sigaltstack, &[buf, 0]),
        err(libc::ENOMEM)
    );
    l.mem().write_u64(buf + 16, 1 << 16).unwrap();
    assert_eq!(sys(&mut l, Sysno::sigaltstack, &[buf, buf + 64]), 0);
    assert_eq!(sys(&mut l, Sysno::sigaltstack, &[0, buf + 64]), 0);
    assert_eq!(l.mem().read_u64(buf + 64).unwrap(), 0x1000);
    assert_eq!(l.mem().read_u64(buf + 80).unwrap(), 1 << 16);
    // RLIMIT_AS is recorded for the guest, not applied to armrun.
    let as_ = libc::RLIMIT_AS as u64;
    l.mem().write_u64(buf, 1 << 20).unwrap();
    l.mem().write_u64(buf + 8, 1 << 21).unwrap();
    assert_eq!(sys(&mut l, Sysno::prlimit64, &[0, as_, buf, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::getrlimit, &[as_, buf + 32]), 0);
    assert_eq!(l.mem().read_u64(buf + 32).unwrap(), 1 << 20);
    let mut host = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: host rlimit buffer.
    unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut host) };
    assert_ne!(host.rlim_cur, 1 << 20);
}
