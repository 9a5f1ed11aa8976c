//! Unit tests of the 32-bit file, directory, socket and polling conversions.

use crate::arm32::tests::{AT_FDCWD, BAD, close, err, linux32, ok, put_str, scratch, sys};
use crate::sysno::arm::Sysno;
use crate::tests::tmp;

/// arm `O_DIRECTORY` (the same bit as arm64's, not x86-64's).
const O_DIRECTORY_ARM: u64 = 0o40000;
/// arm `O_LARGEFILE`.
const O_LARGEFILE_ARM: u64 = 0o400000;

#[test]
fn open_flags_stat64_and_old_stat() {
    let mut l = linux32();
    let d = tmp("a32-stat");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("f");
    std::fs::write(&f, b"hello world").unwrap();
    let buf = scratch(&mut l, 8192);
    put_str(&l, buf, f.to_str().unwrap());
    put_str(&l, buf + 512, d.to_str().unwrap());
    // ARM's O_DIRECTORY on a regular file is ENOTDIR; on the directory it opens.
    assert_eq!(
        sys(&mut l, Sysno::open, &[buf, O_DIRECTORY_ARM, 0]),
        err(libc::ENOTDIR)
    );
    let dfd = sys(&mut l, Sysno::open, &[buf + 512, O_DIRECTORY_ARM, 0]);
    assert!(ok(dfd));
    let fd = sys(
        &mut l,
        Sysno::open,
        &[buf, libc::O_RDWR as u64 | O_LARGEFILE_ARM, 0],
    );
    assert!(ok(fd));
    // F_GETFL reports ARM's O_LARGEFILE bit.
    let fl = sys(&mut l, Sysno::fcntl64, &[fd, libc::F_GETFL as u64]);
    assert_eq!(fl & O_LARGEFILE_ARM, O_LARGEFILE_ARM, "{fl:#o}");
    // stat64: 104 bytes at the ARM offsets.
    let st = buf + 1024;
    l.mem().write(st, &[0xee; 112]).unwrap();
    assert_eq!(sys(&mut l, Sysno::fstat64, &[fd, st]), 0);
    let meta = std::fs::metadata(&f).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(l.mem().read_u64(st + 48).unwrap(), 11);
    assert_eq!(l.mem().read_u32(st + 16).unwrap(), meta.mode());
    assert_eq!(l.mem().read_u32(st + 20).unwrap(), 1);
    assert_eq!(l.mem().read_u64(st + 96).unwrap(), meta.ino());
    assert_eq!(l.mem().read_u32(st + 12).unwrap(), meta.ino() as u32);
    assert_eq!(l.mem().read_u64(st).unwrap(), meta.dev());
    assert_eq!(l.mem().read_u32(st + 80).unwrap() as i64, meta.mtime());
    assert_eq!(l.mem().read_u32(st + 104).unwrap(), 0xeeee_eeee);
    // stat64 by path, lstat64 on a symlink, fstatat64 relative to the directory fd.
    let lnk = d.join("lnk");
    std::os::unix::fs::symlink("f", &lnk).unwrap();
    put_str(&l, buf + 2048, lnk.to_str().unwrap());
    assert_eq!(sys(&mut l, Sysno::stat64, &[buf + 2048, st]), 0);
    assert_eq!(l.mem().read_u64(st + 48).unwrap(), 11);
    assert_eq!(sys(&mut l, Sysno::lstat64, &[buf + 2048, st]), 0);
    assert_eq!(
        l.mem().read_u32(st + 16).unwrap() & libc::S_IFMT,
        libc::S_IFLNK
    );
    put_str(&l, buf + 3000, "lnk");
    let nofollow = libc::AT_SYMLINK_NOFOLLOW as u64;
    assert_eq!(
        sys(&mut l, Sysno::fstatat64, &[dfd, buf + 3000, st, nofollow]),
        0
    );
    assert_eq!(
        l.mem().read_u32(st + 16).unwrap() & libc::S_IFMT,
        libc::S_IFLNK
    );
    assert_eq!(sys(&mut l, Sysno::fstatat64, &[dfd, buf + 3000, st, 0]), 0);
    assert_eq!(l.mem().read_u64(st + 48).unwrap(), 11);
    assert_eq!(sys(&mut l, Sysno::stat64, &[buf, BAD]), err(libc::EFAULT));
    assert_eq!(sys(&mut l, Sysno::stat64, &[BAD, st]), err(libc::EFAULT));
    // The old struct stat: 16-bit mode and nlink, 32-bit size, times at 32.
    l.mem().write(st, &[0xee; 72]).unwrap();
    assert_eq!(sys(&mut l, Sysno::fstat, &[fd, st]), 0);
    assert_eq!(
        l.mem().slice(st + 8, 2, 0).unwrap(),
        (meta.mode() as u16).to_le_bytes()
    );
    assert_eq!(l.mem().read_u32(st + 20).unwrap(), 11);
    assert_eq!(l.mem().read_u32(st + 40).unwrap() as i64, meta.mtime());
    assert_eq!(l.mem().read_u32(st + 64).unwrap(), 0xeeee_eeee);
    // Legacy path calls: access, readlink, rename, unlink, mkdir, rmdir, link, symlink.
    assert_eq!(sys(&mut l, Sysno::access, &[buf, libc::R_OK as u64]), 0);
    assert_eq!(
        sys(&mut l, Sysno::readlink, &[buf + 2048, buf + 4000, 64]),
        1
    );
    assert_eq!(l.mem().slice(buf + 4000, 1, 0).unwrap(), b"f");
    let g = d.join("g");
    put_str(&l, buf + 4096, g.to_str().unwrap());
    assert_eq!(sys(&mut l, Sysno::rename, &[buf, buf + 4096]), 0);
    assert_eq!(sys(&mut l, Sysno::link, &[buf + 4096, buf]), 0);
    assert_eq!(sys(&mut l, Sysno::unlink, &[buf + 4096]), 0);
    assert_eq!(sys(&mut l, Sysno::mkdir, &[buf + 4096, 0o755]), 0);
    assert_eq!(sys(&mut l, Sysno::rmdir, &[buf + 4096]), 0);
    assert_eq!(sys(&mut l, Sysno::symlink, &[buf, buf + 4096]), 0);
    assert_eq!(sys(&mut l, Sysno::chmod, &[buf, 0o600]), 0);
    assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o777, 0o600);
    let c = d.join("created");
    put_str(&l, buf + 5000, c.to_str().unwrap());
    let cfd = sys(&mut l, Sysno::creat, &[buf + 5000, 0o644]);
    assert!(ok(cfd));
    close(&mut l, cfd);
    assert!(c.exists());
    close(&mut l, fd);
    close(&mut l, dfd);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn large_offsets_in_register_pairs_and_lseek_overflow() {
    let mut l = linux32();
    let d = tmp("a32-pairs");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("sparse");
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, f.to_str().unwrap());
    let flags = (libc::O_RDWR | libc::O_CREAT) as u64;
    let fd = sys(&mut l, Sysno::open, &[buf, flags, 0o644]);
    assert!(ok(fd));
    // pwrite64(fd, buf, count, pad, lo, hi) at 5 GiB + 3.
    let off: u64 = (5 << 30) + 3;
    l.mem().write(buf + 100, b"far").unwrap();
    let (lo, hi) = (off & 0xffff_ffff, off >> 32);
    assert_eq!(
        sys(&mut l, Sysno::pwrite64, &[fd, buf + 100, 3, 0, lo, hi]),
        3
    );
    assert_eq!(
        sys(&mut l, Sysno::pread64, &[fd, buf + 200, 3, 0, lo, hi]),
        3
    );
    assert_eq!(l.mem().slice(buf + 200, 3, 0).unwrap(), b"far");
    // The size is past 2 GiB: fstat64 reports it, the old fstat overflows.
    let st = buf + 1024;
    assert_eq!(sys(&mut l, Sysno::fstat64, &[fd, st]), 0);
    assert_eq!(l.mem().read_u64(st + 48).unwrap(), off + 3);
    assert_eq!(sys(&mut l, Sysno::fstat, &[fd, st]), err(libc::EOVERFLOW));
    // _llseek(fd, hi, lo, &result, whence) to 6 GiB.
    let six: u64 = 6 << 30;
    let seek_set = libc::SEEK_SET as u64;
    assert_eq!(
        sys(
            &mut l,
            Sysno::_llseek,
            &[fd, six >> 32, six & 0xffff_ffff, buf + 300, seek_set]
        ),
        0
    );
    assert_eq!(l.mem().read_u64(buf + 300).unwrap(), six);
    // lseek's off_t is 32-bit: the position does not fit.
    assert_eq!(
        sys(&mut l, Sysno::lseek, &[fd, 0, libc::SEEK_CUR as u64]),
        err(libc::EOVERFLOW)
    );
    // A negative 32-bit offset is sign-extended: SEEK_END - 3.
    let minus3 = (-3i32) as u32 as u64;
    assert_eq!(
        sys(
            &mut l,
            Sysno::_llseek,
            &[
                fd,
                u32::MAX as u64,
                minus3,
                buf + 300,
                libc::SEEK_END as u64
            ]
        ),
        0
    );
    assert_eq!(l.mem().read_u64(buf + 300).unwrap(), off);
    // ftruncate64(fd, pad, lo, hi) and truncate64(path, pad, lo, hi).
    let seven: u64 = 7 << 30;
    assert_eq!(
        sys(
            &mut l,
            Sysno::ftruncate64,
            &[fd, 0, seven & 0xffff_ffff, seven >> 32]
        ),
        0
    );
    assert_eq!(std::fs::metadata(&f).unwrap().len(), seven);
    assert_eq!(sys(&mut l, Sysno::truncate64, &[buf, 0, 10, 0]), 0);
    assert_eq!(std::fs::metadata(&f).unwrap().len(), 10);
    // truncate(path, off_t): -1 is negative, not 4 GiB.
    assert_eq!(
        sys(&mut l, Sysno::truncate, &[buf, u32::MAX as u64]),
        err(libc::EINVAL)
    );
    assert_eq!(sys(&mut l, Sysno::ftruncate, &[fd, 20]), 0);
    assert_eq!(std::fs::metadata(&f).unwrap().len(), 20);
    assert_eq!(
        sys(&mut l, Sysno::lseek, &[fd, minus3, libc::SEEK_END as u64]),
        17
    );
    // fallocate(fd, mode, off pair, len pair) grows the file to 4 GiB + 4096.
    let len = (1u64 << 32) + 4096;
    assert_eq!(
        sys(
            &mut l,
            Sysno::fallocate,
            &[fd, 0, 0, 0, len & 0xffff_ffff, len >> 32]
        ),
        0
    );
    assert_eq!(std::fs::metadata(&f).unwrap().len(), len);
    // arm_fadvise64_64(fd, advice, off pair, len pair): a bad advice is EINVAL.
    let dontneed = libc::POSIX_FADV_DONTNEED as u64;
    assert_eq!(
        sys(&mut l, Sysno::arm_fadvise64_64, &[fd, dontneed, 0, 0, 0, 1]),
        0
    );
    assert_eq!(
        sys(&mut l, Sysno::arm_fadvise64_64, &[fd, 99, 0, 0, 0, 1]),
        err(libc::EINVAL)
    );
    assert_eq!(sys(&mut l, Sysno::readahead, &[fd, 0, 0, 0, 4096]), 0);
    assert_eq!(
        sys(&mut l, Sysno::arm_sync_file_range, &[fd, 0, 0, 0, 0, 0]),
        0
    );
    // preadv(fd, iov, 1, lo, hi): 8-byte iovecs, an unaligned offset pair.
    l.mem().write_u32(buf + 400, (buf + 500) as u32).unwrap();
    l.mem().write_u32(buf + 404, 3).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::pwrite64, &[fd, buf + 100, 3, 0, 0, 1]),
        3
    );
    assert_eq!(sys(&mut l, Sysno::preadv, &[fd, buf + 400, 1, 0, 1]), 3);
    assert_eq!(l.mem().slice(buf + 500, 3, 0).unwrap(), b"far");
    close(&mut l, fd);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn readv_writev_and_sendfile_with_32_bit_structs() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    let d = tmp("a32-iov");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("f");
    put_str(&l, buf, f.to_str().unwrap());
    let fd = sys(
        &mut l,
        Sysno::open,
        &[buf, (libc::O_RDWR | libc::O_CREAT) as u64, 0o644],
    );
    assert!(ok(fd));
    l.mem().write(buf + 100, b"abcdef").unwrap();
    // Two 8-byte iovecs: "ab" and "def".
    for (i, (p, n)) in [(buf + 100, 2u32), (buf + 103, 3)].into_iter().enumerate() {
        l.mem()
            .write_u32(buf + 200 + 8 * i as u64, p as u32)
            .unwrap();
        l.mem().write_u32(buf + 204 + 8 * i as u64, n).unwrap();
    }
    assert_eq!(sys(&mut l, Sysno::writev, &[fd, buf + 200, 2]), 5);
    assert_eq!(std::fs::read(&f).unwrap(), b"abdef");
    // sendfile with a 32-bit off_t: from offset 1, 3 bytes, the offset advances.
    let mut fds = [0i32; 2];
    // SAFETY: a host pipe for the test.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    l.mem().write_u64(buf + 300, 0xffff_ffff_0000_0001).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::sendfile, &[fds[1] as u64, fd, buf + 300, 3]),
        3
    );
    assert_eq!(l.mem().read_u32(buf + 300).unwrap(), 4);
    assert_eq!(l.mem().read_u32(buf + 304).unwrap(), 0xffff_ffff);
    assert_eq!(sys(&mut l, Sysno::read, &[fds[0] as u64, buf + 400, 16]), 3);
    assert_eq!(l.mem().slice(buf + 400, 3, 0).unwrap(), b"bde");
    // readv back through 8-byte iovecs.
    assert_eq!(sys(&mut l, Sysno::lseek, &[fd, 0, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::readv, &[fd, buf + 200, 2]), 5);
    assert_eq!(sys(&mut l, Sysno::readv, &[fd, BAD, 1]), err(libc::EFAULT));
    close(&mut l, fds[0] as u64);
    close(&mut l, fds[1] as u64);
    close(&mut l, fd);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn directory_offsets_fit_31_bits_and_seek_back() {
    let mut l = linux32();
    let d = tmp("a32-dir");
    std::fs::create_dir_all(&d).unwrap();
    for i in 0..3000 {
        std::fs::write(d.join(format!("entry-{i:05}")), b"").unwrap();
    }
    let buf = scratch(&mut l, 65536);
    put_str(&l, buf, d.to_str().unwrap());
    let fd = sys(&mut l, Sysno::open, &[buf, O_DIRECTORY_ARM, 0]);
    assert!(ok(fd));
    // Read in small batches; remember (name, d_off) pairs.
    let mut seen: Vec<(String, u64)> = Vec::new();
    loop {
        let n = sys(&mut l, Sysno::getdents64, &[fd, buf + 4096, 1024]);
        assert!(ok(n), "{}", n as u32 as i32);
        if n == 0 {
            break;
        }
        let mut raw = vec![0u8; n as usize];
        l.mem().read(buf + 4096, &mut raw).unwrap();
        let mut pos = 0;
        while pos < raw.len() {
            let off = u64::from_le_bytes(raw[pos + 8..pos + 16].try_into().unwrap());
            let reclen = u16::from_le_bytes([raw[pos + 16], raw[pos + 17]]) as usize;
            let name = &raw[pos + 19..pos + reclen];
            let name = String::from_utf8_lossy(&name[..name.iter().position(|&b| b == 0).unwrap()]);
            assert!(off <= i32::MAX as u64, "{name}: d_off {off:#x}");
            seen.push((name.into_owned(), off));
            pos += reclen;
        }
    }
    assert_eq!(seen.len(), 3002);
    let mut names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 3002);
    // Seek to the offset after entry 1500 (a cookie) and read the next entry again.
    let (_, cookie) = &seen[1500];
    assert_eq!(sys(&mut l, Sysno::lseek, &[fd, *cookie, 0]), *cookie);
    let n = sys(&mut l, Sysno::getdents64, &[fd, buf + 4096, 1024]);
    assert!(ok(n) && n > 0);
    let name = l.mem().read_cstr(buf + 4096 + 19, 256).unwrap();
    assert_eq!(name, seen[1501].0.as_bytes());
    // _llseek reports positions as cookies too.
    assert_eq!(
        sys(&mut l, Sysno::_llseek, &[fd, 0, *cookie, buf + 8, 0]),
        0
    );
    assert_eq!(l.mem().read_u64(buf + 8).unwrap(), *cookie);
    // rewind and read with the old getdents: 32-bit d_ino/d_off, the type in the last byte.
    assert_eq!(sys(&mut l, Sysno::lseek, &[fd, 0, 0]), 0);
    let n = sys(&mut l, Sysno::getdents, &[fd, buf + 4096, 4096]);
    assert!(ok(n) && n > 0);
    let reclen = l.mem().slice(buf + 4096 + 8, 2, 0).unwrap();
    let reclen = u16::from_le_bytes([reclen[0], reclen[1]]) as u64;
    assert_eq!(reclen % 4, 0);
    let first = l.mem().read_cstr(buf + 4096 + 10, 256).unwrap();
    assert_eq!(first, seen[0].0.as_bytes());
    let ty = l.mem().slice(buf + 4096 + reclen - 1, 1, 0).unwrap()[0];
    assert_eq!(ty, libc::DT_DIR);
    assert_eq!(
        sys(&mut l, Sysno::getdents64, &[fd, BAD, 1024]),
        err(libc::EFAULT)
    );
    close(&mut l, fd);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn record_locks_flock_and_flock64() {
    let mut l = linux32();
    let d = tmp("a32-lock");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("f");
    std::fs::write(&f, vec![0u8; 4096]).unwrap();
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, f.to_str().unwrap());
    let fd1 = sys(&mut l, Sysno::open, &[buf, libc::O_RDWR as u64, 0]);
    let fd2 = sys(&mut l, Sysno::open, &[buf, libc::O_RDWR as u64, 0]);
    // fcntl64(F_OFD_SETLK) with struct flock64: type, whence, pad, start@8, len@16, pid@24.
    let fl = buf + 512;
    l.mem().write(fl, &[0; 32]).unwrap();
    l.mem()
        .write(fl, &(libc::F_WRLCK as u16).to_le_bytes())
        .unwrap();
    l.mem().write_u64(fl + 8, 100).unwrap();
    l.mem().write_u64(fl + 16, 100).unwrap();
    let ofd_setlk = libc::F_OFD_SETLK as u64;
    assert_eq!(sys(&mut l, Sysno::fcntl64, &[fd1, ofd_setlk, fl]), 0);
    // fcntl(F_OFD_GETLK) on the other description, with the 32-bit struct flock.
    let q = buf + 1024;
    l.mem().write(q, &[0; 16]).unwrap();
    l.mem()
        .write(q, &(libc::F_WRLCK as u16).to_le_bytes())
        .unwrap();
    l.mem().write_u32(q + 8, 0).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::fcntl, &[fd2, libc::F_OFD_GETLK as u64, q]),
        0
    );
    assert_eq!(
        l.mem().slice(q, 2, 0).unwrap(),
        (libc::F_WRLCK as u16).to_le_bytes()
    );
    assert_eq!(l.mem().read_u32(q + 4).unwrap(), 100);
    assert_eq!(l.mem().read_u32(q + 8).unwrap(), 100);
    assert_eq!(
        l.mem().read_u32(q + 12).unwrap(),
        u32::MAX,
        "OFD locks report pid -1"
    );
    // F_GETLK64 (12) through fcntl64 with flock64: nothing conflicts at 1000..1010.
    l.mem().write(q, &[0; 32]).unwrap();
    l.mem()
        .write(q, &(libc::F_RDLCK as u16).to_le_bytes())
        .unwrap();
    l.mem().write_u64(q + 8, 1000).unwrap();
    l.mem().write_u64(q + 16, 10).unwrap();
    assert_eq!(sys(&mut l, Sysno::fcntl64, &[fd1, 12, q]), 0);
    assert_eq!(
        l.mem().slice(q, 2, 0).unwrap(),
        (libc::F_UNLCK as u16).to_le_bytes()
    );
    // The *64 commands do not exist for plain fcntl.
    assert_eq!(sys(&mut l, Sysno::fcntl, &[fd1, 12, q]), err(libc::EINVAL));
    assert_eq!(
        sys(&mut l, Sysno::fcntl, &[fd1, libc::F_GETLK as u64, BAD]),
        err(libc::EFAULT)
    );
    // F_SETLK with the 32-bit struct flock takes a process lock.
    l.mem().write(q, &[0; 16]).unwrap();
    l.mem()
        .write(q, &(libc::F_RDLCK as u16).to_le_bytes())
        .unwrap();
    l.mem().write_u32(q + 4, 1000).unwrap();
    l.mem().write_u32(q + 8, 10).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::fcntl64, &[fd1, libc::F_SETLK as u64, q]),
        0
    );
    close(&mut l, fd1);
    close(&mut l, fd2);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn statfs64_takes_its_size_and_statfs_is_32_bit() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, "/");
    let out = buf + 1024;
    // SAFETY: an all-zero statfs is valid; the call fills it.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: a C string and a host statfs buffer.
    assert_eq!(unsafe { libc::statfs(c"/".as_ptr(), &mut s) }, 0);
    l.mem().write(out, &[0xee; 96]).unwrap();
    assert_eq!(sys(&mut l, Sysno::statfs64, &[buf, 84, out]), 0);
    assert_eq!(l.mem().read_u32(out + 4).unwrap() as i64, s.f_bsize);
    assert_eq!(l.mem().read_u64(out + 8).unwrap(), s.f_blocks);
    assert_eq!(l.mem().read_u32(out + 56).unwrap() as i64, s.f_namelen);
    assert_eq!(l.mem().read_u32(out + 84).unwrap(), 0xeeee_eeee);
    assert_eq!(sys(&mut l, Sysno::statfs64, &[buf, 88, out]), 0);
    assert_eq!(
        sys(&mut l, Sysno::statfs64, &[buf, 120, out]),
        err(libc::EINVAL)
    );
    assert_eq!(
        sys(&mut l, Sysno::fstatfs64, &[0, 84, BAD]),
        err(libc::EFAULT)
    );
    let r = sys(&mut l, Sysno::statfs, &[buf, out]);
    if s.f_blocks >> 32 == 0 {
        assert_eq!(r, 0);
        assert_eq!(l.mem().read_u32(out + 8).unwrap() as u64, s.f_blocks);
        assert_eq!(l.mem().read_u32(out + 36).unwrap() as i64, s.f_namelen);
    } else {
        assert_eq!(r, err(libc::EOVERFLOW));
    }
}

#[test]
fn select_poll_and_epoll() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    assert_eq!(sys(&mut l, Sysno::pipe, &[buf]), 0);
    let r = l.mem().read_u32(buf).unwrap() as u64;
    let w = l.mem().read_u32(buf + 4).unwrap() as u64;
    assert!(r < 32 && w < 32);
    l.mem().write(buf + 100, b"x").unwrap();
    assert_eq!(sys(&mut l, Sysno::write, &[w, buf + 100, 1]), 1);
    // _newselect with a 4-byte fd_set (n <= 32): the word after it must stay untouched.
    let set = buf + 200;
    l.mem().write_u32(set, 1 << r).unwrap();
    l.mem().write_u32(set + 4, 0xdead_beef).unwrap();
    let tv = buf + 300;
    l.mem().write_u32(tv, 1).unwrap();
    l.mem().write_u32(tv + 4, 0).unwrap();
    assert_eq!(sys(&mut l, Sysno::_newselect, &[r + 1, set, 0, 0, tv]), 1);
    assert_eq!(l.mem().read_u32(set).unwrap(), 1 << r);
    assert_eq!(l.mem().read_u32(set + 4).unwrap(), 0xdead_beef);
    // The remaining time is written back as an 8-byte timeval.
    assert!(l.mem().read_u32(tv).unwrap() <= 1);
    // pselect6: time32 timespec, and { sigset *, size } as two words.
    l.mem().write_u32(set, 1 << r).unwrap();
    l.mem().write_u32(tv, 0).unwrap();
    l.mem().write_u32(tv + 4, 1000).unwrap();
    let mask = buf + 400;
    l.mem().write_u64(mask + 16, 0).unwrap();
    l.mem().write_u32(mask, (mask + 16) as u32).unwrap();
    l.mem().write_u32(mask + 4, 8).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::pselect6, &[r + 1, set, 0, 0, tv, mask]),
        1
    );
    l.mem().write_u32(mask + 4, 16).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::pselect6, &[r + 1, set, 0, 0, tv, mask]),
        err(libc::EINVAL)
    );
    // poll and ppoll (time32).
    let pfd = buf + 500;
    l.mem().write_u32(pfd, r as u32).unwrap();
    l.mem().write_u32(pfd + 4, libc::POLLIN as u32).unwrap();
    assert_eq!(sys(&mut l, Sysno::poll, &[pfd, 1, 0]), 1);
    assert_eq!(
        l.mem().slice(pfd + 6, 2, 0).unwrap(),
        (libc::POLLIN as u16).to_le_bytes()
    );
    l.mem().write_u32(tv, 0).unwrap();
    l.mem().write_u32(tv + 4, 0).unwrap();
    assert_eq!(sys(&mut l, Sysno::ppoll, &[pfd, 1, tv, 0, 8]), 1);
    // epoll: the 16-byte ARM EABI event (u32 events, pad, u64 data).
    let ep = sys(&mut l, Sysno::epoll_create, &[1]);
    assert!(ok(ep));
    assert_eq!(sys(&mut l, Sysno::epoll_create, &[0]), err(libc::EINVAL));
    let ev = buf + 600;
    l.mem().write_u32(ev, libc::EPOLLIN as u32).unwrap();
    l.mem().write_u64(ev + 8, 0x1122_3344_5566_7788).unwrap();
    assert_eq!(
        sys(
            &mut l,
            Sysno::epoll_ctl,
            &[ep, libc::EPOLL_CTL_ADD as u64, r, ev]
        ),
        0
    );
    let out = buf + 700;
    l.mem().write(out, &[0xee; 48]).unwrap();
    assert_eq!(sys(&mut l, Sysno::epoll_wait, &[ep, out, 2, 0]), 1);
    assert_eq!(l.mem().read_u32(out).unwrap(), libc::EPOLLIN as u32);
    assert_eq!(l.mem().read_u64(out + 8).unwrap(), 0x1122_3344_5566_7788);
    assert_eq!(l.mem().read_u32(out + 16).unwrap(), 0xeeee_eeee);
    assert_eq!(sys(&mut l, Sysno::epoll_pwait, &[ep, out, 2, 0, 0, 8]), 1);
    close(&mut l, ep);
    close(&mut l, r);
    close(&mut l, w);
}

#[test]
fn sendmsg_recvmsg_with_compat_headers_and_scm_rights() {
    let mut l = linux32();
    let buf = scratch(&mut l, 8192);
    let (af, st) = (libc::AF_UNIX as u64, libc::SOCK_STREAM as u64);
    assert_eq!(sys(&mut l, Sysno::socketpair, &[af, st, 0, buf]), 0);
    let a = l.mem().read_u32(buf).unwrap() as u64;
    let b = l.mem().read_u32(buf + 4).unwrap() as u64;
    // The fd to pass: a pipe's read end with "pipe!" waiting in it.
    assert_eq!(sys(&mut l, Sysno::pipe2, &[buf + 8, 0]), 0);
    let pr = l.mem().read_u32(buf + 8).unwrap();
    let pw = l.mem().read_u32(buf + 12).unwrap() as u64;
    l.mem().write(buf + 16, b"pipe!").unwrap();
    assert_eq!(sys(&mut l, Sysno::write, &[pw, buf + 16, 5]), 5);
    // Compat msghdr at 100: name, namelen, iov, iovlen, control, controllen, flags.
    let (m, iov, data, ctl) = (buf + 100, buf + 200, buf + 300, buf + 400);
    l.mem().write(data, b"hello").unwrap();
    l.mem().write_u32(iov, data as u32).unwrap();
    l.mem().write_u32(iov + 4, 5).unwrap();
    // One 16-byte compat cmsg: len 16, SOL_SOCKET, SCM_RIGHTS, the fd.
    l.mem().write_u32(ctl, 16).unwrap();
    l.mem().write_u32(ctl + 4, libc::SOL_SOCKET as u32).unwrap();
    l.mem().write_u32(ctl + 8, libc::SCM_RIGHTS as u32).unwrap();
    l.mem().write_u32(ctl + 12, pr).unwrap();
    for (o, v) in [
        (0, 0),
        (4, 0),
        (8, iov),
        (12, 1),
        (16, ctl),
        (20, 16),
        (24, 0),
    ] {
        l.mem().write_u32(m + o, v as u32).unwrap();
    }
    assert_eq!(sys(&mut l, Sysno::sendmsg, &[a, m, 0]), 5);
    // Receive into a fresh header with a 64-byte control buffer.
    let (m2, iov2, data2, ctl2) = (buf + 1000, buf + 1100, buf + 1200, buf + 1300);
    l.mem().write(ctl2, &[0xee; 64]).unwrap();
    l.mem().write_u32(iov2, data2 as u32).unwrap();
    l.mem().write_u32(iov2 + 4, 64).unwrap();
    for (o, v) in [
        (0, 0),
        (4, 0),
        (8, iov2),
        (12, 1),
        (16, ctl2),
        (20, 64),
        (24, 0),
    ] {
        l.mem().write_u32(m2 + o, v as u32).unwrap();
    }
    assert_eq!(sys(&mut l, Sysno::recvmsg, &[b, m2, 0]), 5);
    assert_eq!(l.mem().slice(data2, 5, 0).unwrap(), b"hello");
    assert_eq!(l.mem().read_u32(m2 + 20).unwrap(), 16, "controllen");
    assert_eq!(l.mem().read_u32(ctl2).unwrap(), 16, "cmsg_len");
    assert_eq!(l.mem().read_u32(ctl2 + 4).unwrap(), libc::SOL_SOCKET as u32);
    assert_eq!(l.mem().read_u32(ctl2 + 8).unwrap(), libc::SCM_RIGHTS as u32);
    assert_eq!(l.mem().read_u32(ctl2 + 16).unwrap(), 0xeeee_eeee);
    let got = l.mem().read_u32(ctl2 + 12).unwrap() as u64;
    assert_eq!(sys(&mut l, Sysno::read, &[got, buf + 2000, 16]), 5);
    assert_eq!(l.mem().slice(buf + 2000, 5, 0).unwrap(), b"pipe!");
    close(&mut l, got);
    // A control buffer too small for the fd: MSG_CTRUNC, and the fd is not leaked.
    assert_eq!(sys(&mut l, Sysno::sendmsg, &[a, m, 0]), 5);
    l.mem().write_u32(m2 + 20, 12).unwrap();
    assert_eq!(sys(&mut l, Sysno::recvmsg, &[b, m2, 0]), 5);
    let flags = l.mem().read_u32(m2 + 24).unwrap();
    assert_ne!(flags & libc::MSG_CTRUNC as u32, 0);
    // send/recv (the socketcall-less forms).
    assert_eq!(sys(&mut l, Sysno::send, &[a, data, 5, 0]), 5);
    assert_eq!(sys(&mut l, Sysno::recv, &[b, data2, 64, 0]), 5);
    // SO_RCVTIMEO with an 8-byte timeval.
    let tv = buf + 3000;
    l.mem().write_u32(tv, 2).unwrap();
    l.mem().write_u32(tv + 4, 500_000).unwrap();
    let (sol, rcvtimeo) = (libc::SOL_SOCKET as u64, libc::SO_RCVTIMEO as u64);
    assert_eq!(
        sys(&mut l, Sysno::setsockopt, &[b, sol, rcvtimeo, tv, 8]),
        0
    );
    l.mem().write(tv, &[0; 16]).unwrap();
    l.mem().write_u32(tv + 8, 16).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::getsockopt, &[b, sol, rcvtimeo, tv, tv + 8]),
        0
    );
    assert_eq!(l.mem().read_u32(tv).unwrap(), 2);
    assert_eq!(l.mem().read_u32(tv + 4).unwrap(), 500_000);
    assert_eq!(l.mem().read_u32(tv + 8).unwrap(), 8);
    assert_eq!(sys(&mut l, Sysno::sendmsg, &[a, BAD, 0]), err(libc::EFAULT));
    // More control data than socket option memory holds: ENOBUFS, not a huge host buffer.
    let big = scratch(&mut l, 2 << 20);
    l.mem().write_u32(big, 12).unwrap();
    l.mem().write_u32(m + 16, big as u32).unwrap();
    l.mem().write_u32(m + 20, 2 << 20).unwrap();
    assert_eq!(sys(&mut l, Sysno::sendmsg, &[a, m, 0]), err(libc::ENOBUFS));
    for fd in [a, b, pr as u64, pw] {
        close(&mut l, fd);
    }
    let _ = AT_FDCWD;
}

#[test]
fn legacy_forms_of_fd_id_and_time_calls() {
    use std::os::unix::fs::MetadataExt;
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    let d = tmp("a32-legacy");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("f");
    std::fs::write(&f, b"x").unwrap();
    put_str(&l, buf, f.to_str().unwrap());
    // utimes with two 8-byte timevals: atime 1000 s, mtime 2000 s + 5 µs.
    let tv = buf + 512;
    for (i, v) in [1000u32, 0, 2000, 5].into_iter().enumerate() {
        l.mem().write_u32(tv + 4 * i as u64, v).unwrap();
    }
    assert_eq!(sys(&mut l, Sysno::utimes, &[buf, tv]), 0);
    let meta = std::fs::metadata(&f).unwrap();
    assert_eq!(
        (meta.atime(), meta.mtime(), meta.mtime_nsec()),
        (1000, 2000, 5000)
    );
    l.mem().write_u32(tv + 4, 1_000_000).unwrap();
    assert_eq!(sys(&mut l, Sysno::utimes, &[buf, tv]), err(libc::EINVAL));
    // utimensat (time32): UTIME_OMIT keeps atime, mtime 3000 s.
    let ts = buf + 600;
    for (i, v) in [0u32, (1 << 30) - 2, 3000, 0].into_iter().enumerate() {
        l.mem().write_u32(ts + 4 * i as u64, v).unwrap();
    }
    assert_eq!(sys(&mut l, Sysno::utimensat, &[AT_FDCWD, buf, ts, 0]), 0);
    let meta = std::fs::metadata(&f).unwrap();
    assert_eq!((meta.atime(), meta.mtime()), (1000, 3000));
    // 16-bit chown family with -1 (0xffff): nothing changes, and it succeeds.
    assert_eq!(sys(&mut l, Sysno::chown, &[buf, 0xffff, 0xffff]), 0);
    assert_eq!(sys(&mut l, Sysno::lchown, &[buf, 0xffff, 0xffff]), 0);
    let fd = sys(&mut l, Sysno::open, &[buf, libc::O_RDONLY as u64, 0]);
    assert!(ok(fd));
    assert_eq!(sys(&mut l, Sysno::fchown, &[fd, 0xffff, 0xffff]), 0);
    // dup2 onto a chosen number, and onto itself.
    assert_eq!(sys(&mut l, Sysno::dup2, &[fd, 200]), 200);
    assert_eq!(sys(&mut l, Sysno::dup2, &[200, 200]), 200);
    close(&mut l, 200);
    assert_eq!(sys(&mut l, Sysno::dup2, &[200, 200]), err(libc::EBADF));
    close(&mut l, fd);
    // eventfd(count): the legacy form without flags.
    let efd = sys(&mut l, Sysno::eventfd, &[3]);
    assert!(ok(efd));
    assert_eq!(sys(&mut l, Sysno::read, &[efd, buf + 700, 8]), 8);
    assert_eq!(l.mem().read_u64(buf + 700).unwrap(), 3);
    close(&mut l, efd);
    let ifd = sys(&mut l, Sysno::inotify_init, &[]);
    assert!(ok(ifd));
    close(&mut l, ifd);
    // getpgrp, setfsuid(-1) queries the 16-bit fsuid, nice(0) keeps the priority.
    // SAFETY: no arguments.
    assert_eq!(sys(&mut l, Sysno::getpgrp, &[]), unsafe { libc::getpgrp() }
        as u64);
    // SAFETY: no arguments.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        sys(&mut l, Sysno::setfsuid, &[0xffff]),
        crate::arm32::abi::high2low(uid) as u64
    );
    assert_eq!(sys(&mut l, Sysno::nice, &[0]), 0);
    // sched_setaffinity with a 4-byte mask: set what getaffinity reported.
    assert_eq!(sys(&mut l, Sysno::sched_getaffinity, &[0, 4, buf + 800]), 4);
    assert_eq!(sys(&mut l, Sysno::sched_setaffinity, &[0, 4, buf + 800]), 0);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn ioctl_requests_are_the_generic_ones() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    assert_eq!(sys(&mut l, Sysno::pipe, &[buf]), 0);
    let r = l.mem().read_u32(buf).unwrap() as u64;
    let w = l.mem().read_u32(buf + 4).unwrap() as u64;
    l.mem().write(buf + 64, b"abc").unwrap();
    assert_eq!(sys(&mut l, Sysno::write, &[w, buf + 64, 3]), 3);
    // FIONREAD writes an int; TCGETS on a pipe is ENOTTY (isatty's answer).
    // Requests are 32-bit (libc's type for them differs between host C libraries).
    let fionread = libc::FIONREAD as u32 as u64;
    assert_eq!(sys(&mut l, Sysno::ioctl, &[r, fionread, buf + 128]), 0);
    assert_eq!(l.mem().read_u32(buf + 128).unwrap(), 3);
    let tcgets = libc::TCGETS as u32 as u64;
    assert_eq!(
        sys(&mut l, Sysno::ioctl, &[r, tcgets, buf + 256]),
        err(libc::ENOTTY)
    );
    assert_eq!(
        sys(&mut l, Sysno::ioctl, &[r, fionread, BAD]),
        err(libc::EFAULT)
    );
    close(&mut l, r);
    close(&mut l, w);
}

#[test]
fn sendmmsg_recvmmsg_with_32_byte_compat_headers() {
    let mut l = linux32();
    let buf = scratch(&mut l, 8192);
    let (af, dgram) = (libc::AF_UNIX as u64, libc::SOCK_DGRAM as u64);
    assert_eq!(sys(&mut l, Sysno::socketpair, &[af, dgram, 0, buf]), 0);
    let a = l.mem().read_u32(buf).unwrap() as u64;
    let b = l.mem().read_u32(buf + 4).unwrap() as u64;
    // Two compat mmsghdrs (msghdr of seven words, then msg_len) with one 8-byte iovec each.
    let (vec, iov, data) = (buf + 256, buf + 512, buf + 1024);
    l.mem().write(data, b"onetwo!").unwrap();
    for (i, (off, len)) in [(0u64, 3u32), (3, 4)].into_iter().enumerate() {
        let iv = iov + 8 * i as u64;
        l.mem().write_u32(iv, (data + off) as u32).unwrap();
        l.mem().write_u32(iv + 4, len).unwrap();
        let m = vec + 32 * i as u64;
        l.mem().write(m, &[0; 32]).unwrap();
        l.mem().write_u32(m + 8, iv as u32).unwrap();
        l.mem().write_u32(m + 12, 1).unwrap();
    }
    assert_eq!(sys(&mut l, Sysno::sendmmsg, &[a, vec, 2, 0]), 2);
    assert_eq!(l.mem().read_u32(vec + 28).unwrap(), 3);
    assert_eq!(l.mem().read_u32(vec + 32 + 28).unwrap(), 4);
    // Receive both into fresh buffers, with a time32 timeout.
    let (rvec, riov, rdata) = (buf + 2048, buf + 2304, buf + 3072);
    for i in 0..2u64 {
        let iv = riov + 8 * i;
        l.mem().write_u32(iv, (rdata + 64 * i) as u32).unwrap();
        l.mem().write_u32(iv + 4, 64).unwrap();
        let m = rvec + 32 * i;
        l.mem().write(m, &[0; 32]).unwrap();
        l.mem().write_u32(m + 8, iv as u32).unwrap();
        l.mem().write_u32(m + 12, 1).unwrap();
    }
    let ts = buf + 4096;
    l.mem().write_u32(ts, 1).unwrap();
    l.mem().write_u32(ts + 4, 0).unwrap();
    assert_eq!(sys(&mut l, Sysno::recvmmsg, &[b, rvec, 2, 0, ts]), 2);
    assert_eq!(l.mem().read_u32(rvec + 28).unwrap(), 3);
    assert_eq!(l.mem().read_u32(rvec + 32 + 28).unwrap(), 4);
    assert_eq!(l.mem().slice(rdata, 3, 0).unwrap(), b"one");
    assert_eq!(l.mem().slice(rdata + 64, 4, 0).unwrap(), b"two!");
    // recvmmsg_time64 with nothing queued and MSG_DONTWAIT: EAGAIN.
    let dontwait = libc::MSG_DONTWAIT as u64;
    assert_eq!(
        sys(&mut l, Sysno::recvmmsg_time64, &[b, rvec, 2, dontwait, 0]),
        err(libc::EAGAIN)
    );
    close(&mut l, a);
    close(&mut l, b);
}
