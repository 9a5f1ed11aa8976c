//! Unit tests for the fd-waiting, special-fd, bulk I/O, memory and credential syscalls, issued
//! through `syscall_a64` as a guest would.

use crate::sysno::a64::Sysno;
use crate::tests::{AT_FDCWD, err, linux, put_str, scratch, sys, tmp};

/// Serializes tests that change the process's working directory.
static CWD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A host pipe (read end, write end).
fn pipe() -> (u64, u64) {
    let mut fds = [0i32; 2];
    // SAFETY: host pipe for the test.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    (fds[0] as u64, fds[1] as u64)
}

fn close(fd: u64) {
    // SAFETY: closing a test fd.
    unsafe { libc::close(fd as i32) };
}

#[test]
fn ppoll_and_pselect6() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let (r, w) = pipe();
    // pollfd { fd, events = POLLIN, revents }; zero timeout.
    l.mem().write_u32(buf, r as u32).unwrap();
    l.mem().write_u32(buf + 4, libc::POLLIN as u32).unwrap();
    l.mem().write_u64(buf + 64, 0).unwrap();
    l.mem().write_u64(buf + 72, 0).unwrap();
    assert_eq!(sys(&mut l, Sysno::ppoll, &[buf, 1, buf + 64, 0, 8]), 0);
    l.mem().write(buf + 128, b"x").unwrap();
    assert_eq!(sys(&mut l, Sysno::write, &[w, buf + 128, 1]), 1);
    assert_eq!(sys(&mut l, Sysno::ppoll, &[buf, 1, buf + 64, 0, 8]), 1);
    assert_eq!(
        l.mem().read_u32(buf + 4).unwrap() >> 16,
        libc::POLLIN as u32
    );
    // A sigmask with the wrong size is refused.
    assert_eq!(
        sys(&mut l, Sysno::ppoll, &[buf, 1, buf + 64, buf + 256, 4]),
        err(libc::EINVAL)
    );
    // pselect6: read set with bit r, zero timeout, sigmask pair {NULL, 8}.
    let set = buf + 512;
    l.mem().write(set, &[0u8; 128]).unwrap();
    l.mem().write_u64(set, 1 << r).unwrap();
    l.mem().write_u64(buf + 1024, 0).unwrap();
    l.mem().write_u64(buf + 1032, 8).unwrap();
    assert_eq!(
        sys(
            &mut l,
            Sysno::pselect6,
            &[r + 1, set, 0, 0, buf + 64, buf + 1024]
        ),
        1
    );
    assert_eq!(l.mem().read_u64(set).unwrap(), 1 << r);
    assert_eq!(
        sys(&mut l, Sysno::pselect6, &[u64::MAX, set, 0, 0, buf + 64, 0]),
        err(libc::EINVAL)
    );
    close(r);
    close(w);
}

#[test]
fn epoll_converts_events() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let (r, w) = pipe();
    let ep = sys(&mut l, Sysno::epoll_create1, &[libc::EPOLL_CLOEXEC as u64]);
    assert!((ep as i64) >= 0);
    // arm64 epoll_event: events at 0, data at 8.
    l.mem().write_u32(buf, libc::EPOLLIN as u32).unwrap();
    l.mem().write_u32(buf + 4, 0xdead).unwrap();
    l.mem().write_u64(buf + 8, 0x1122_3344_5566_7788).unwrap();
    let add = libc::EPOLL_CTL_ADD as u64;
    assert_eq!(sys(&mut l, Sysno::epoll_ctl, &[ep, add, r, buf]), 0);
    let out = buf + 256;
    assert_eq!(sys(&mut l, Sysno::epoll_pwait, &[ep, out, 4, 0, 0, 8]), 0);
    l.mem().write(buf + 128, b"x").unwrap();
    assert_eq!(sys(&mut l, Sysno::write, &[w, buf + 128, 1]), 1);
    l.mem().write(out, &[0xff; 64]).unwrap();
    assert_eq!(sys(&mut l, Sysno::epoll_pwait, &[ep, out, 4, 0, 0, 8]), 1);
    assert_eq!(l.mem().read_u32(out).unwrap(), libc::EPOLLIN as u32);
    assert_eq!(l.mem().read_u64(out + 8).unwrap(), 0x1122_3344_5566_7788);
    // The second slot is untouched.
    assert_eq!(l.mem().read_u64(out + 16).unwrap(), u64::MAX);
    // epoll_pwait2 with a zero timespec.
    l.mem().write(buf + 64, &[0u8; 16]).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::epoll_pwait2, &[ep, out, 4, buf + 64, 0, 8]),
        1
    );
    assert_eq!(l.mem().read_u64(out + 8).unwrap(), 0x1122_3344_5566_7788);
    assert_eq!(
        sys(&mut l, Sysno::epoll_pwait, &[ep, out, 0, 0, 0, 8]),
        err(libc::EINVAL)
    );
    let del = libc::EPOLL_CTL_DEL as u64;
    assert_eq!(sys(&mut l, Sysno::epoll_ctl, &[ep, del, r, 0]), 0);
    close(ep);
    close(r);
    close(w);
}

#[test]
fn eventfd_timerfd_memfd() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let efd = sys(&mut l, Sysno::eventfd2, &[5, libc::EFD_NONBLOCK as u64]);
    assert!((efd as i64) >= 0);
    assert_eq!(sys(&mut l, Sysno::read, &[efd, buf, 8]), 8);
    assert_eq!(l.mem().read_u64(buf).unwrap(), 5);
    assert_eq!(sys(&mut l, Sysno::read, &[efd, buf, 8]), err(libc::EAGAIN));
    close(efd);

    let tfd = sys(
        &mut l,
        Sysno::timerfd_create,
        &[libc::CLOCK_MONOTONIC as u64, 0],
    );
    assert!((tfd as i64) >= 0);
    // it_interval 0, it_value 100 s.
    l.mem().write(buf, &[0u8; 32]).unwrap();
    l.mem().write_u64(buf + 16, 100).unwrap();
    assert_eq!(sys(&mut l, Sysno::timerfd_settime, &[tfd, 0, buf, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::timerfd_gettime, &[tfd, buf + 64]), 0);
    let secs = l.mem().read_u64(buf + 64 + 16).unwrap();
    assert!((90..=100).contains(&secs), "{secs}");
    close(tfd);

    put_str(&l, buf, "armrun-test");
    let mfd = sys(
        &mut l,
        Sysno::memfd_create,
        &[buf, libc::MFD_CLOEXEC as u64],
    );
    assert!((mfd as i64) >= 0);
    l.mem().write(buf + 100, b"abcdef").unwrap();
    assert_eq!(sys(&mut l, Sysno::write, &[mfd, buf + 100, 6]), 6);
    // preadv: two pieces at offset 1.
    l.mem().write_u64(buf + 200, buf + 300).unwrap();
    l.mem().write_u64(buf + 208, 2).unwrap();
    l.mem().write_u64(buf + 216, buf + 310).unwrap();
    l.mem().write_u64(buf + 224, 3).unwrap();
    assert_eq!(sys(&mut l, Sysno::preadv, &[mfd, buf + 200, 2, 1, 0]), 5);
    assert_eq!(l.mem().slice(buf + 300, 2, 0).unwrap(), b"bc");
    assert_eq!(l.mem().slice(buf + 310, 3, 0).unwrap(), b"def");
    assert_eq!(
        sys(&mut l, Sysno::pwritev2, &[mfd, buf + 200, 1, 10, 0, 0]),
        2
    );
    // fstatfs works on it; sendfile from offset 0 into a pipe.
    assert_eq!(sys(&mut l, Sysno::fstatfs, &[mfd, buf + 400]), 0);
    let (r, w) = pipe();
    l.mem().write_u64(buf + 8, 0).unwrap();
    assert_eq!(sys(&mut l, Sysno::sendfile, &[w, mfd, buf + 8, 3]), 3);
    assert_eq!(l.mem().read_u64(buf + 8).unwrap(), 3);
    assert_eq!(sys(&mut l, Sysno::read, &[r, buf + 500, 16]), 3);
    assert_eq!(l.mem().slice(buf + 500, 3, 0).unwrap(), b"abc");
    close(r);
    close(w);
    // Names longer than the kernel's limit are refused.
    l.mem().write(buf + 1024, &[b'a'; 300]).unwrap();
    l.mem().write(buf + 1324, &[0]).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::memfd_create, &[buf + 1024, 0]),
        err(libc::EINVAL)
    );
    close(mfd);
}

#[test]
fn statfs_flock_fallocate_locks() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, "/");
    assert_eq!(sys(&mut l, Sysno::statfs, &[buf, buf + 512]), 0);
    // f_bsize (second long) is set.
    assert_ne!(l.mem().read_u64(buf + 512 + 8).unwrap(), 0);
    let d = tmp("statfs");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("f");
    put_str(&l, buf, f.to_str().unwrap());
    let flags = (libc::O_RDWR | libc::O_CREAT) as u64;
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, flags, 0o644]);
    assert!((fd as i64) >= 0);
    assert_eq!(sys(&mut l, Sysno::fallocate, &[fd, 0, 0, 8192]), 0);
    assert_eq!(sys(&mut l, Sysno::fadvise64, &[fd, 0, 0, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::flock, &[fd, libc::LOCK_EX as u64]), 0);
    assert_eq!(sys(&mut l, Sysno::flock, &[fd, libc::LOCK_UN as u64]), 0);
    // struct flock: l_type F_WRLCK, whence SEEK_SET, start 0, len 0 -> F_GETLK says unlocked.
    let fl = buf + 1024;
    l.mem().write(fl, &[0u8; 32]).unwrap();
    l.mem()
        .write(fl, &(libc::F_WRLCK as i16).to_le_bytes())
        .unwrap();
    assert_eq!(
        sys(&mut l, Sysno::fcntl, &[fd, libc::F_GETLK as u64, fl]),
        0
    );
    let t = i16::from_le_bytes(l.mem().slice(fl, 2, 0).unwrap().try_into().unwrap());
    assert_eq!(t, libc::F_UNLCK as i16);
    assert_eq!(sys(&mut l, Sysno::fsync, &[fd]), 0);
    assert_eq!(sys(&mut l, Sysno::syncfs, &[fd]), 0);
    // fchownat to ourselves (-1 = unchanged) is allowed.
    let keep = u32::MAX as u64;
    assert_eq!(
        sys(&mut l, Sysno::fchownat, &[AT_FDCWD, buf, keep, keep, 0]),
        0
    );
    assert_eq!(sys(&mut l, Sysno::fchown, &[fd, keep, keep]), 0);
    close(fd);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn memory_and_membarrier() {
    let mut l = linux();
    let buf = scratch(&mut l, 8192);
    assert_eq!(
        sys(&mut l, Sysno::msync, &[buf, 8192, libc::MS_SYNC as u64]),
        0
    );
    assert_eq!(sys(&mut l, Sysno::mincore, &[buf, 8192, buf]), 0);
    assert_eq!(
        sys(&mut l, Sysno::msync, &[buf + 1, 10, 0]),
        err(libc::EINVAL)
    );
    // An unmapped range is ENOMEM.
    assert_eq!(sys(&mut l, Sysno::munmap, &[buf + 4096, 4096]), 0);
    assert_eq!(sys(&mut l, Sysno::mlock, &[buf, 8192]), err(libc::ENOMEM));
    assert_eq!(sys(&mut l, Sysno::mlockall, &[0]), err(libc::EINVAL));
    assert_eq!(sys(&mut l, Sysno::mlockall, &[libc::MCL_CURRENT as u64]), 0);
    assert_eq!(sys(&mut l, Sysno::munlockall, &[]), 0);
    let q = sys(&mut l, Sysno::membarrier, &[0, 0]);
    assert_ne!(q & 8, 0);
    assert_eq!(sys(&mut l, Sysno::membarrier, &[8, 0]), err(libc::EPERM));
    assert_eq!(sys(&mut l, Sysno::membarrier, &[16, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::membarrier, &[8, 0]), 0);
    assert_eq!(
        sys(&mut l, Sysno::membarrier, &[1 << 20, 0]),
        err(libc::EINVAL)
    );
}

#[test]
fn prctl_personality_creds() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, "guest-name-that-is-long");
    assert_eq!(
        sys(&mut l, Sysno::prctl, &[libc::PR_SET_NAME as u64, buf]),
        0
    );
    assert_eq!(
        sys(&mut l, Sysno::prctl, &[libc::PR_GET_NAME as u64, buf + 64]),
        0
    );
    assert_eq!(
        l.mem().slice(buf + 64, 16, 0).unwrap(),
        b"guest-name-that\0"
    );
    assert_eq!(
        sys(&mut l, Sysno::prctl, &[libc::PR_GET_DUMPABLE as u64]),
        1
    );
    // PR_SVE_GET_VL: no SVE here.
    assert_eq!(sys(&mut l, Sysno::prctl, &[51]), err(libc::EINVAL));
    assert_eq!(sys(&mut l, Sysno::personality, &[0xffff_ffff]), 0);
    assert_eq!(sys(&mut l, Sysno::personality, &[0x40000]), 0);
    assert_eq!(sys(&mut l, Sysno::personality, &[0xffff_ffff]), 0x40000);
    // getresuid agrees with getuid.
    assert_eq!(sys(&mut l, Sysno::getresuid, &[buf, buf + 4, buf + 8]), 0);
    let uid = sys(&mut l, Sysno::getuid, &[]);
    assert_eq!(l.mem().read_u32(buf).unwrap() as u64, uid);
    let n = sys(&mut l, Sysno::getgroups, &[0, 0]);
    assert!((n as i64) >= 0);
    assert_eq!(
        sys(&mut l, Sysno::getgroups, &[u64::MAX, 0]),
        err(libc::EINVAL)
    );
    // capget with version 3 and no data reports success.
    l.mem().write_u32(buf, 0x2008_0522).unwrap();
    l.mem().write_u32(buf + 4, 0).unwrap();
    assert_eq!(sys(&mut l, Sysno::capget, &[buf, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::capget, &[buf, buf + 64]), 0);
    let pid = sys(&mut l, Sysno::getpid, &[]);
    let pg = sys(&mut l, Sysno::getpgid, &[0]);
    // SAFETY: getpgid/getsid only read the calling process's ids.
    let (host_pg, host_sid) = unsafe { (libc::getpgid(0), libc::getsid(0)) };
    assert_eq!(pg as i64, host_pg as i64);
    // The session id is 0 when the session leader lives outside this pid namespace (as in CI
    // containers), so compare with the host instead of asserting it is positive.
    assert_eq!(sys(&mut l, Sysno::getsid, &[pid]) as i64, host_sid as i64);
    assert_eq!(
        sys(&mut l, Sysno::sched_getscheduler, &[0]),
        libc::SCHED_OTHER as u64
    );
    assert_eq!(
        sys(
            &mut l,
            Sysno::sched_get_priority_max,
            &[libc::SCHED_FIFO as u64]
        ),
        99
    );
    assert_eq!(sys(&mut l, Sysno::getcpu, &[buf, 0, 0]), 0);
    assert_eq!(
        sys(&mut l, Sysno::get_mempolicy, &[0, 0, 0, 0, 0]),
        err(libc::ENOSYS)
    );
}

#[test]
fn xattrs_close_range_chdir() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let d = tmp("xattr");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("f");
    std::fs::write(&f, b"x").unwrap();
    put_str(&l, buf, f.to_str().unwrap());
    // listxattr size query on a plain file: 0 or more bytes, or unsupported on this fs.
    let n = sys(&mut l, Sysno::llistxattr, &[buf, 0, 0]);
    assert!(
        (n as i64) >= 0 || n == err(libc::EOPNOTSUPP),
        "{}",
        n as i64
    );
    put_str(&l, buf + 512, "user.armrun");
    let g = sys(&mut l, Sysno::getxattr, &[buf, buf + 512, buf + 1024, 64]);
    assert!(
        g == err(libc::ENODATA) || g == err(libc::EOPNOTSUPP),
        "{}",
        g as i64
    );
    assert_eq!(
        sys(&mut l, Sysno::getxattr, &[buf, buf + 512, 8, 64]),
        err(libc::EFAULT)
    );
    // close_range over a range of fresh fds.
    let fd = sys(&mut l, Sysno::dup, &[2]);
    assert_eq!(sys(&mut l, Sysno::close_range, &[fd, fd, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::close, &[fd]), err(libc::EBADF));
    // chdir keeps host paths; getcwd reports them unchanged.
    let _cwd = CWD.lock().unwrap_or_else(|e| e.into_inner());
    let old = std::env::current_dir().unwrap();
    put_str(&l, buf, d.to_str().unwrap());
    assert_eq!(sys(&mut l, Sysno::chdir, &[buf]), 0);
    let n = sys(&mut l, Sysno::getcwd, &[buf + 1024, 1024]);
    assert!((n as i64) > 0);
    let cwd = l.mem().slice(buf + 1024, n - 1, 0).unwrap().to_vec();
    std::env::set_current_dir(&old).unwrap();
    assert_eq!(
        cwd,
        std::fs::canonicalize(&d)
            .unwrap()
            .as_os_str()
            .as_encoded_bytes()
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn chdir_falls_back_to_sysroot() {
    let root = tmp("chroot-fallback");
    let only = format!("armrun-only-in-sysroot-{}", std::process::id());
    std::fs::create_dir_all(root.join(&only)).unwrap();
    let mut l = crate::Linux::new(
        mem::GuestMem::new64(),
        std::path::PathBuf::from("/x"),
        Some(root.clone()),
    );
    let buf = scratch(&mut l, 4096);
    let _cwd = CWD.lock().unwrap_or_else(|e| e.into_inner());
    let old = std::env::current_dir().unwrap();
    put_str(&l, buf, &format!("/{only}"));
    let r = sys(&mut l, Sysno::chdir, &[buf]);
    let cwd = std::env::current_dir().unwrap();
    std::env::set_current_dir(&old).unwrap();
    assert_eq!(r, 0);
    assert!(cwd.ends_with(&only));
    put_str(&l, buf, "/armrun-nowhere-at-all");
    assert_eq!(sys(&mut l, Sysno::chdir, &[buf]), err(libc::ENOENT));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn fcntl_locks_and_owner() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let d = tmp("fcntl-locks");
    std::fs::create_dir_all(&d).unwrap();
    put_str(&l, buf, d.join("f").to_str().unwrap());
    let flags = (libc::O_RDWR | libc::O_CREAT) as u64;
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, flags, 0o644]);
    let fd2 = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, flags, 0o644]);
    // An OFD write lock on fd blocks an OFD lock through fd2 (another open file description).
    let fl = buf + 1024;
    let lock = |l: &crate::Linux, ty: i32| {
        l.mem().write(fl, &[0u8; 32]).unwrap();
        l.mem().write(fl, &(ty as i16).to_le_bytes()).unwrap();
        // l_len = 10 at offset 16.
        l.mem().write_u64(fl + 16, 10).unwrap();
    };
    lock(&l, libc::F_WRLCK);
    let ofd_setlk = libc::F_OFD_SETLK as u64;
    assert_eq!(sys(&mut l, Sysno::fcntl, &[fd, ofd_setlk, fl]), 0);
    lock(&l, libc::F_WRLCK);
    assert_eq!(
        sys(&mut l, Sysno::fcntl, &[fd2, ofd_setlk, fl]),
        err(libc::EAGAIN)
    );
    lock(&l, libc::F_WRLCK);
    let ofd_getlk = libc::F_OFD_GETLK as u64;
    assert_eq!(sys(&mut l, Sysno::fcntl, &[fd2, ofd_getlk, fl]), 0);
    let ty = i16::from_le_bytes(l.mem().slice(fl, 2, 0).unwrap().try_into().unwrap());
    assert_eq!(ty, libc::F_WRLCK as i16);
    assert_eq!(l.mem().read_u64(fl + 16).unwrap(), 10, "l_len at offset 16");
    // F_GETOWN_EX writes { type, pid }; F_GETSIG is 0 by default.
    assert_eq!(sys(&mut l, Sysno::fcntl, &[fd, 16, buf + 2048]), 0);
    assert_eq!(sys(&mut l, Sysno::fcntl, &[fd, 11, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::fcntl, &[fd, 9999, 0]), err(libc::EINVAL));
    let pipe_sz = sys(&mut l, Sysno::pipe2, &[buf + 3000, 0]);
    assert_eq!(pipe_sz, 0);
    let r = l.mem().read_u32(buf + 3000).unwrap() as u64;
    assert!(sys(&mut l, Sysno::fcntl, &[r, libc::F_GETPIPE_SZ as u64, 0]) >= 4096);
    for f in [fd, fd2, r, l.mem().read_u32(buf + 3004).unwrap() as u64] {
        sys(&mut l, Sysno::close, &[f]);
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn inotify_signalfd_timers_splice() {
    let mut l = linux();
    let buf = scratch(&mut l, 8192);
    let ino = sys(&mut l, Sysno::inotify_init1, &[libc::IN_NONBLOCK as u64]);
    assert!((ino as i64) >= 0);
    let d = tmp("inotify");
    std::fs::create_dir_all(&d).unwrap();
    put_str(&l, buf, d.to_str().unwrap());
    let wd = sys(
        &mut l,
        Sysno::inotify_add_watch,
        &[ino, buf, libc::IN_CREATE as u64],
    );
    assert!((wd as i64) >= 0);
    std::fs::write(d.join("new"), b"").unwrap();
    let n = sys(&mut l, Sysno::read, &[ino, buf + 1024, 1024]);
    assert!((n as i64) >= 16, "{}", n as i64);
    assert_eq!(l.mem().read_u32(buf + 1024).unwrap() as u64, wd);
    assert_eq!(sys(&mut l, Sysno::inotify_rm_watch, &[ino, wd]), 0);
    close(ino);
    let _ = std::fs::remove_dir_all(&d);

    // signalfd: mask size must be 8.
    l.mem().write_u64(buf, 1 << (libc::SIGUSR2 - 1)).unwrap();
    let m1 = u64::MAX;
    assert_eq!(
        sys(&mut l, Sysno::signalfd4, &[m1, buf, 4, 0]),
        err(libc::EINVAL)
    );
    let sfd = sys(
        &mut l,
        Sysno::signalfd4,
        &[m1, buf, 8, libc::SFD_NONBLOCK as u64],
    );
    assert!((sfd as i64) >= 0);
    assert_eq!(
        sys(&mut l, Sysno::read, &[sfd, buf + 1024, 128]),
        err(libc::EAGAIN)
    );
    close(sfd);

    // A POSIX timer with SIGEV_NONE: create, arm for 100 s, read back, delete.
    l.mem().write(buf, &[0u8; 64]).unwrap();
    l.mem()
        .write_u32(buf + 12, libc::SIGEV_NONE as u32)
        .unwrap();
    let mono = libc::CLOCK_MONOTONIC as u64;
    assert_eq!(sys(&mut l, Sysno::timer_create, &[mono, buf, buf + 64]), 0);
    let id = l.mem().read_u32(buf + 64).unwrap() as u64;
    l.mem().write(buf + 128, &[0u8; 32]).unwrap();
    l.mem().write_u64(buf + 144, 100).unwrap();
    assert_eq!(sys(&mut l, Sysno::timer_settime, &[id, 0, buf + 128, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::timer_gettime, &[id, buf + 192]), 0);
    assert!(l.mem().read_u64(buf + 208).unwrap() >= 90);
    assert_eq!(sys(&mut l, Sysno::timer_delete, &[id]), 0);

    // splice pipe -> pipe, then tee.
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    l.mem().write(buf, b"spliced").unwrap();
    assert_eq!(sys(&mut l, Sysno::write, &[w1, buf, 7]), 7);
    assert_eq!(sys(&mut l, Sysno::tee, &[r1, w2, 3, 0]), 3);
    assert_eq!(sys(&mut l, Sysno::splice, &[r1, 0, w2, 0, 7, 0]), 7);
    assert_eq!(sys(&mut l, Sysno::read, &[r2, buf + 100, 16]), 10);
    assert_eq!(l.mem().slice(buf + 100, 10, 0).unwrap(), b"splspliced");
    for f in [r1, w1, r2, w2] {
        close(f);
    }
}

#[test]
fn sysroot_skips_host_only_folders() {
    let root = tmp("hostonly");
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    std::fs::create_dir_all(root.join("tmpfoo")).unwrap();
    std::fs::create_dir_all(root.join("proc")).unwrap();
    let l = crate::Linux::new(
        mem::GuestMem::new64(),
        std::path::PathBuf::from("/x"),
        Some(root.clone()),
    );
    let c = |s: &str| std::ffi::CString::new(s).unwrap();
    assert_eq!(l.host_path(&c("/tmp")), c("/tmp"));
    assert_eq!(l.host_path(&c("/proc")), c("/proc"));
    assert_eq!(l.host_path(&c("/proc/self/status")), c("/proc/self/status"));
    // Only whole components match.
    let foo = l.host_path(&c("/tmpfoo"));
    assert_eq!(
        foo.to_bytes(),
        root.join("tmpfoo").as_os_str().as_encoded_bytes()
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn sysroot_lookups_are_cached_until_the_guest_changes_an_entry() {
    let root = tmp("cache");
    std::fs::create_dir_all(&root).unwrap();
    let mut l = crate::Linux::new(
        mem::GuestMem::new64(),
        std::path::PathBuf::from("/x"),
        Some(root.clone()),
    );
    let c = |s: &str| std::ffi::CString::new(s).unwrap();
    let guest = "/armrun-cache-probe";
    let in_root = c(root.join("armrun-cache-probe").to_str().unwrap());
    assert_eq!(l.host_path(&c(guest)), c(guest));
    // Created behind the guest's back: the remembered answer stands (this is the cache).
    std::fs::write(root.join("armrun-cache-probe"), b"").unwrap();
    assert_eq!(l.host_path(&c(guest)), c(guest));
    // Any entry-changing call by the guest (here mkdirat elsewhere) forgets every answer.
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, root.join("sub").to_str().unwrap());
    assert_eq!(sys(&mut l, Sysno::mkdirat, &[AT_FDCWD, buf, 0o755]), 0);
    assert_eq!(l.host_path(&c(guest)), in_root);
    // A guest unlink of the sysroot copy is seen at once.
    put_str(&l, buf, guest);
    assert_eq!(sys(&mut l, Sysno::unlinkat, &[AT_FDCWD, buf, 0]), 0);
    assert_eq!(l.host_path(&c(guest)), c(guest));
    // So is an O_CREAT open, and a reaped child (which may have changed files).
    std::fs::write(root.join("armrun-cache-probe"), b"").unwrap();
    put_str(&l, buf, root.join("new").to_str().unwrap());
    let flags = (libc::O_RDWR | libc::O_CREAT) as u64;
    let fd = sys(&mut l, Sysno::openat, &[AT_FDCWD, buf, flags, 0o644]);
    assert!((fd as i64) >= 0);
    close(fd);
    assert_eq!(l.host_path(&c(guest)), in_root);
    std::fs::remove_file(root.join("armrun-cache-probe")).unwrap();
    assert_eq!(l.host_path(&c(guest)), in_root);
    assert_eq!(
        sys(&mut l, Sysno::wait4, &[u64::MAX, 0, 1, 0]),
        err(libc::ECHILD)
    );
    assert_eq!(l.host_path(&c(guest)), c(guest));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn openat2_vmsplice_pidfd_misc() {
    let mut l = linux();
    let buf = scratch(&mut l, 8192);
    // open_how { O_RDONLY | arm64 O_DIRECTORY, 0, 0 } on "/": a directory fd.
    put_str(&l, buf, "/");
    let how = buf + 256;
    l.mem().write(how, &[0u8; 32]).unwrap();
    l.mem()
        .write_u64(how, crate::abi::oflag::DIRECTORY)
        .unwrap();
    let fd = sys(&mut l, Sysno::openat2, &[AT_FDCWD, buf, how, 24]);
    if fd != err(libc::ENOSYS) {
        assert!((fd as i64) >= 0, "{}", fd as i64);
        assert!(sys(&mut l, Sysno::getdents64, &[fd, buf + 1024, 1024]) as i64 > 0);
        close(fd);
        // Nonzero bytes past the known fields: E2BIG.
        l.mem().write_u64(how + 24, 1).unwrap();
        assert_eq!(
            sys(&mut l, Sysno::openat2, &[AT_FDCWD, buf, how, 32]),
            err(libc::E2BIG)
        );
        assert_eq!(
            sys(&mut l, Sysno::openat2, &[AT_FDCWD, buf, how, 8]),
            err(libc::EINVAL)
        );
    }
    // vmsplice two guest buffers into a pipe.
    let (r, w) = pipe();
    l.mem().write(buf, b"vm").unwrap();
    l.mem().write(buf + 16, b"splice").unwrap();
    l.mem().write_u64(buf + 64, buf).unwrap();
    l.mem().write_u64(buf + 72, 2).unwrap();
    l.mem().write_u64(buf + 80, buf + 16).unwrap();
    l.mem().write_u64(buf + 88, 6).unwrap();
    assert_eq!(sys(&mut l, Sysno::vmsplice, &[w, buf + 64, 2, 0]), 8);
    assert_eq!(sys(&mut l, Sysno::read, &[r, buf + 512, 16]), 8);
    assert_eq!(l.mem().slice(buf + 512, 8, 0).unwrap(), b"vmsplice");
    close(r);
    close(w);
    // get_robust_list returns what set_robust_list recorded.
    assert_eq!(sys(&mut l, Sysno::set_robust_list, &[buf + 4000, 24]), 0);
    assert_eq!(sys(&mut l, Sysno::get_robust_list, &[0, buf, buf + 8]), 0);
    assert_eq!(l.mem().read_u64(buf).unwrap(), buf + 4000);
    assert_eq!(l.mem().read_u64(buf + 8).unwrap(), 24);
    // sched_getattr for ourselves: SCHED_OTHER (policy at offset 4).
    assert_eq!(sys(&mut l, Sysno::sched_getattr, &[0, buf, 48, 0]), 0);
    assert_eq!(l.mem().read_u32(buf + 4).unwrap(), libc::SCHED_OTHER as u32);
    // pidfd of ourselves, then signal 0 through it.
    let pid = sys(&mut l, Sysno::getpid, &[]);
    let pfd = sys(&mut l, Sysno::pidfd_open, &[pid, 0]);
    if (pfd as i64) >= 0 {
        assert_eq!(sys(&mut l, Sysno::pidfd_send_signal, &[pfd, 0, 0, 0]), 0);
        close(pfd);
    }
}

#[test]
fn garbage_arguments_never_panic() {
    let mut l = linux();
    let page = scratch(&mut l, 4096);
    // Calls that cannot harm the test process when the first argument is -1 (an invalid fd,
    // pid, clock or id) and the rest are wild.
    // (ppoll is left out: with nfds 0 and no timeout it rightly sleeps forever.)
    let calls = [
        Sysno::pselect6,
        Sysno::epoll_ctl,
        Sysno::epoll_pwait,
        Sysno::epoll_pwait2,
        Sysno::timerfd_settime,
        Sysno::timerfd_gettime,
        Sysno::signalfd4,
        Sysno::inotify_add_watch,
        Sysno::sendfile,
        Sysno::copy_file_range,
        Sysno::splice,
        Sysno::tee,
        Sysno::vmsplice,
        Sysno::preadv,
        Sysno::pwritev,
        Sysno::preadv2,
        Sysno::pwritev2,
        Sysno::statfs,
        Sysno::fstatfs,
        Sysno::fchownat,
        Sysno::mknodat,
        Sysno::openat2,
        Sysno::fcntl,
        Sysno::mlock,
        Sysno::munlock,
        Sysno::msync,
        Sysno::mincore,
        Sysno::getgroups,
        Sysno::setgroups,
        Sysno::getresuid,
        Sysno::capget,
        Sysno::capset,
        Sysno::sched_getparam,
        Sysno::sched_setaffinity,
        Sysno::sched_getattr,
        Sysno::sched_setattr,
        Sysno::getcpu,
        Sysno::timer_create,
        Sysno::timer_settime,
        Sysno::timer_gettime,
        Sysno::setitimer,
        Sysno::getitimer,
        Sysno::bind,
        Sysno::connect,
        Sysno::accept4,
        Sysno::getsockname,
        Sysno::getpeername,
        Sysno::sendto,
        Sysno::recvfrom,
        Sysno::setsockopt,
        Sysno::getsockopt,
        Sysno::sendmsg,
        Sysno::recvmsg,
        Sysno::sendmmsg,
        Sysno::recvmmsg,
        Sysno::getxattr,
        Sysno::fgetxattr,
        Sysno::setxattr,
        Sysno::listxattr,
        Sysno::flistxattr,
        Sysno::removexattr,
        Sysno::pidfd_send_signal,
        Sysno::get_robust_list,
        Sysno::memfd_create,
    ];
    let wild = [
        0,
        1,
        page + 4095,
        u64::MAX,
        u64::MAX - 7,
        0xffff_ffff_ffff_f000,
        1 << 62,
    ];
    for s in calls {
        for &p in &wild {
            let r = sys(&mut l, s, &[u64::MAX, p, p, p, p, p]);
            // Either a value or an errno in the kernel's range; never a panic.
            assert!(
                r < 1 << 32 || r >= (-4095i64) as u64,
                "{s:?}({p:#x}) = {r:#x}"
            );
        }
    }
}

#[test]
fn mount_and_umount2_reach_the_host() {
    let mut l = linux();
    let buf = scratch(&mut l, 4096);
    let dir = tmp("mnt");
    std::fs::create_dir_all(&dir).unwrap();
    put_str(&l, buf, "tmpfs");
    put_str(&l, buf + 64, dir.to_str().unwrap());
    put_str(&l, buf + 1024, "size=1m");
    let r = sys(&mut l, Sysno::mount, &[buf, buf + 64, buf, 0, buf + 1024]);
    // Without CAP_SYS_ADMIN (not root, or root in an unprivileged container) the host refuses;
    // EPERM shows the call reached it with its arguments intact.
    if r == err(libc::EPERM) {
        return;
    }
    assert_eq!(r, 0);
    std::fs::write(dir.join("f"), b"x").unwrap();
    assert_eq!(sys(&mut l, Sysno::umount2, &[buf + 64, 0]), 0);
    // The file lived in the tmpfs, which is gone.
    assert!(!dir.join("f").exists());
    assert_eq!(
        sys(&mut l, Sysno::umount2, &[buf + 64, 0]),
        err(libc::EINVAL)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
