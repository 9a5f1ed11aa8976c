//! 32-bit ARM EABI struct layouts, with conversions from and to the host's (x86-64) ones.
//! Offsets are those of the kernel's uapi headers for ARM (`arch/arm/include/uapi/asm/stat.h`,
//! `asm-generic/statfs.h` with ARM's `ARCH_PACK_STATFS64`, `compat` struct definitions), checked
//! against `arm-linux-gnueabihf-gcc`'s `offsetof`.

use crate::{Errno, Linux};

/// A little-endian byte image of a guest struct under construction.
pub(crate) struct Image(pub Vec<u8>);

impl Image {
    /// `len` zero bytes (padding and unused fields stay zero, as the kernel leaves them).
    pub(crate) fn new(len: usize) -> Image {
        Image(vec![0; len])
    }
    /// Stores `v` at byte offset `off`.
    pub(crate) fn u16(&mut self, off: usize, v: u16) {
        self.0[off..off + 2].copy_from_slice(&v.to_le_bytes());
    }
    /// Stores `v` at byte offset `off`.
    pub(crate) fn u32(&mut self, off: usize, v: u32) {
        self.0[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }
    /// Stores `v` at byte offset `off`.
    pub(crate) fn u64(&mut self, off: usize, v: u64) {
        self.0[off..off + 8].copy_from_slice(&v.to_le_bytes());
    }
}

/// Reads a little-endian u32 from `b` at `off`.
pub(crate) fn get32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

/// ARM `struct stat64` (104 bytes; "matches struct stat64 in glibc2.1" with its padding).
pub(crate) mod stat64 {
    pub const DEV: usize = 0;
    /// `__st_ino`: the low 32 bits of the inode (STAT64_HAS_BROKEN_ST_INO).
    pub const INO32: usize = 12;
    pub const MODE: usize = 16;
    pub const NLINK: usize = 20;
    pub const UID: usize = 24;
    pub const GID: usize = 28;
    pub const RDEV: usize = 32;
    pub const SIZE: usize = 48;
    pub const BLKSIZE: usize = 56;
    pub const BLOCKS: usize = 64;
    /// `st_atime`, `st_atime_nsec`, then mtime and ctime, 8 bytes apart.
    pub const ATIME: usize = 72;
    pub const INO: usize = 96;
    pub const SIZE_OF: usize = 104;
}

/// Encodes a host `struct stat` as ARM's `struct stat64` (the kernel's `cp_new_stat64`:
/// timestamps truncated to 32-bit seconds).
pub(crate) fn stat64_image(st: &libc::stat) -> Image {
    use stat64::*;
    let mut b = Image::new(SIZE_OF);
    b.u64(DEV, st.st_dev);
    b.u32(INO32, st.st_ino as u32);
    b.u32(MODE, st.st_mode);
    b.u32(NLINK, u32::try_from(st.st_nlink).unwrap_or(u32::MAX));
    b.u32(UID, st.st_uid);
    b.u32(GID, st.st_gid);
    b.u64(RDEV, st.st_rdev);
    b.u64(SIZE, st.st_size as u64);
    b.u32(BLKSIZE, st.st_blksize as u32);
    b.u64(BLOCKS, st.st_blocks as u64);
    let times = [
        (st.st_atime, st.st_atime_nsec),
        (st.st_mtime, st.st_mtime_nsec),
        (st.st_ctime, st.st_ctime_nsec),
    ];
    for (i, (s, ns)) in times.into_iter().enumerate() {
        b.u32(ATIME + 8 * i, s as u32);
        b.u32(ATIME + 8 * i + 4, ns as u32);
    }
    b.u64(INO, st.st_ino);
    b
}

/// ARM's old `struct stat` (64 bytes: 16-bit mode, nlink, uid and gid; 32-bit size).
pub(crate) mod stat {
    pub const DEV: usize = 0;
    pub const INO: usize = 4;
    pub const MODE: usize = 8;
    pub const NLINK: usize = 10;
    pub const UID: usize = 12;
    pub const GID: usize = 14;
    pub const RDEV: usize = 16;
    pub const SIZE: usize = 20;
    pub const BLKSIZE: usize = 24;
    pub const BLOCKS: usize = 28;
    pub const ATIME: usize = 32;
    pub const SIZE_OF: usize = 64;
}

/// Encodes a host `struct stat` as ARM's old `struct stat` (the kernel's `cp_new_stat` for a
/// 32-bit `long`): EOVERFLOW when the inode, size or link count does not fit; ids above 65535
/// become the overflow id.
pub(crate) fn stat_image(st: &libc::stat) -> Result<Image, Errno> {
    use stat::*;
    let overflow = Errno(libc::EOVERFLOW);
    let ino = u32::try_from(st.st_ino).map_err(|_| overflow)?;
    let size = i32::try_from(st.st_size).map_err(|_| overflow)?;
    let nlink = u16::try_from(st.st_nlink).map_err(|_| overflow)?;
    let mut b = Image::new(SIZE_OF);
    b.u32(DEV, st.st_dev as u32);
    b.u32(INO, ino);
    b.u16(MODE, st.st_mode as u16);
    b.u16(NLINK, nlink);
    b.u16(UID, high2low(st.st_uid));
    b.u16(GID, high2low(st.st_gid));
    b.u32(RDEV, st.st_rdev as u32);
    b.u32(SIZE, size as u32);
    b.u32(BLKSIZE, st.st_blksize as u32);
    b.u32(BLOCKS, st.st_blocks as u32);
    let times = [
        (st.st_atime, st.st_atime_nsec),
        (st.st_mtime, st.st_mtime_nsec),
        (st.st_ctime, st.st_ctime_nsec),
    ];
    for (i, (s, ns)) in times.into_iter().enumerate() {
        b.u32(ATIME + 8 * i, s as u32);
        b.u32(ATIME + 8 * i + 4, ns as u32);
    }
    Ok(b)
}

/// The kernel's `overflowuid`/`overflowgid`: what a 16-bit id call reports for an id that does
/// not fit.
pub(crate) const OVERFLOW_ID: u16 = 65534;

/// `high2lowuid`: a 32-bit id as a 16-bit one.
pub(crate) fn high2low(id: u32) -> u16 {
    u16::try_from(id).unwrap_or(OVERFLOW_ID)
}

/// `low2highuid`: a 16-bit id argument as a 32-bit one (0xffff, "unchanged", stays -1).
pub(crate) fn low2high(id: u64) -> u64 {
    let id = id as u16;
    if id == u16::MAX {
        u32::MAX as u64
    } else {
        id as u64
    }
}

/// Size of ARM's `struct statfs64` (packed to 84 bytes by `ARCH_PACK_STATFS64`).
pub(crate) const STATFS64_SIZE: u64 = 84;
/// Size of the 32-bit `struct statfs` (`__statfs_word` is 32-bit).
pub(crate) const STATFS_SIZE: u64 = 64;

/// The host kernel's `struct statfs` (asm-generic with 64-bit words, 120 bytes) as words:
/// type, bsize, blocks, bfree, bavail, files, ffree, fsid (two ints), namelen, frsize, flags,
/// then spare words.
pub(crate) type HostStatfs = [u64; 15];

/// Word indices in [`HostStatfs`].
mod hfs {
    pub const TYPE: usize = 0;
    pub const BSIZE: usize = 1;
    pub const BLOCKS: usize = 2;
    pub const FILES: usize = 5;
    pub const FSID: usize = 7;
    pub const NAMELEN: usize = 8;
    pub const FRSIZE: usize = 9;
    pub const FLAGS: usize = 10;
}

/// Encodes a host `struct statfs` as ARM's `struct statfs64`.
pub(crate) fn statfs64_image(s: &HostStatfs) -> Image {
    let mut b = Image::new(STATFS64_SIZE as usize);
    b.u32(0, s[hfs::TYPE] as u32);
    b.u32(4, s[hfs::BSIZE] as u32);
    // blocks, bfree, bavail, files, ffree: 64-bit here too.
    for i in 0..5 {
        b.u64(8 + 8 * i, s[hfs::BLOCKS + i]);
    }
    put_fsid_tail(&mut b, 48, s);
    b
}

/// Encodes a host `struct statfs` as the 32-bit `struct statfs`; EOVERFLOW when a count does
/// not fit, as the kernel's `do_statfs_native` reports (file counts of -1, "unknown", pass).
pub(crate) fn statfs_image(s: &HostStatfs) -> Result<Image, Errno> {
    let word = |v: u64| u32::try_from(v).map_err(|_| Errno(libc::EOVERFLOW));
    let mut b = Image::new(STATFS_SIZE as usize);
    b.u32(0, s[hfs::TYPE] as u32);
    b.u32(4, word(s[hfs::BSIZE])?);
    word(s[hfs::FRSIZE])?;
    for i in 0..5 {
        let v = s[hfs::BLOCKS + i];
        let unknown_files = i + hfs::BLOCKS >= hfs::FILES && v == u64::MAX;
        b.u32(8 + 4 * i, if unknown_files { u32::MAX } else { word(v)? });
    }
    put_fsid_tail(&mut b, 28, s);
    Ok(b)
}

/// Writes `f_fsid`, `f_namelen`, `f_frsize` and `f_flags` from `off` (the same 32-bit tail in
/// both 32-bit statfs layouts).
fn put_fsid_tail(b: &mut Image, off: usize, s: &HostStatfs) {
    b.u64(off, s[hfs::FSID]);
    b.u32(off + 8, s[hfs::NAMELEN] as u32);
    b.u32(off + 12, s[hfs::FRSIZE] as u32);
    b.u32(off + 16, s[hfs::FLAGS] as u32);
}

/// Size of the compat `struct rusage`: two `old_timeval32`s and fourteen 32-bit longs.
pub(crate) const RUSAGE_SIZE: u64 = 72;

/// Encodes a host `struct rusage` in the 32-bit layout (longs truncated, as `put_compat_rusage`).
pub(crate) fn rusage_image(r: &libc::rusage) -> Image {
    let mut b = Image::new(RUSAGE_SIZE as usize);
    b.u32(0, r.ru_utime.tv_sec as u32);
    b.u32(4, r.ru_utime.tv_usec as u32);
    b.u32(8, r.ru_stime.tv_sec as u32);
    b.u32(12, r.ru_stime.tv_usec as u32);
    let rest = [
        r.ru_maxrss,
        r.ru_ixrss,
        r.ru_idrss,
        r.ru_isrss,
        r.ru_minflt,
        r.ru_majflt,
        r.ru_nswap,
        r.ru_inblock,
        r.ru_oublock,
        r.ru_msgsnd,
        r.ru_msgrcv,
        r.ru_nsignals,
        r.ru_nvcsw,
        r.ru_nivcsw,
    ];
    for (i, v) in rest.into_iter().enumerate() {
        b.u32(16 + 4 * i, v as u32);
    }
    b
}

/// Size of the 32-bit `struct sysinfo`.
pub(crate) const SYSINFO_SIZE: u64 = 64;

/// Encodes a host `struct sysinfo` in the 32-bit layout. Memory sizes that need more than 32
/// bits are expressed in a larger `mem_unit` (up to a page), as the kernel's compat sysinfo
/// does.
pub(crate) fn sysinfo_image(s: &libc::sysinfo) -> Image {
    let mut unit = s.mem_unit as u64;
    let mut shift = 0;
    if (s.totalram | s.totalswap) >> 32 != 0 {
        while unit < 4096 {
            unit <<= 1;
            shift += 1;
        }
    }
    let mut b = Image::new(SYSINFO_SIZE as usize);
    b.u32(0, s.uptime as u32);
    for (i, l) in s.loads.iter().enumerate() {
        b.u32(4 + 4 * i, *l as u32);
    }
    let mem = [
        s.totalram,
        s.freeram,
        s.sharedram,
        s.bufferram,
        s.totalswap,
        s.freeswap,
    ];
    for (i, v) in mem.into_iter().enumerate() {
        b.u32(16 + 4 * i, (v >> shift) as u32);
    }
    b.u16(40, s.procs);
    b.u32(44, (s.totalhigh >> shift) as u32);
    b.u32(48, (s.freehigh >> shift) as u32);
    b.u32(52, unit as u32);
    b
}

/// Size of the 32-bit `struct flock` (`l_start`/`l_len` are 32-bit `off_t`).
pub(crate) const FLOCK_SIZE: u64 = 16;

/// Reads a guest 32-bit `struct flock` as a host one.
pub(crate) fn read_flock(l: &Linux, addr: u64) -> Result<libc::flock, Errno> {
    let mut b = [0u8; FLOCK_SIZE as usize];
    l.mem.read(addr, &mut b)?;
    // SAFETY: an all-zero flock is valid plain data.
    let mut f: libc::flock = unsafe { std::mem::zeroed() };
    f.l_type = get32(&b, 0) as u16 as i16;
    f.l_whence = (get32(&b, 0) >> 16) as u16 as i16;
    f.l_start = get32(&b, 4) as i32 as i64;
    f.l_len = get32(&b, 8) as i32 as i64;
    f.l_pid = get32(&b, 12) as i32;
    Ok(f)
}

/// Writes a host `struct flock` as a guest 32-bit one; EOVERFLOW when the range does not fit
/// (the kernel's `copy_flock_fields` check for F_GETLK).
pub(crate) fn write_flock(l: &Linux, addr: u64, f: &libc::flock) -> Result<(), Errno> {
    let fit = |v: i64| i32::try_from(v).map_err(|_| Errno(libc::EOVERFLOW));
    let mut b = Image::new(FLOCK_SIZE as usize);
    b.u16(0, f.l_type as u16);
    b.u16(2, f.l_whence as u16);
    b.u32(4, fit(f.l_start)? as u32);
    b.u32(8, fit(f.l_len)? as u32);
    b.u32(12, f.l_pid as u32);
    l.mem.write(addr, &b.0)?;
    Ok(())
}

/// Size of `siginfo_t` (128 bytes for every ABI); its 32-bit layout is converted by
/// `sigframe::siginfo_to_arm` and `sigframe::siginfo_from_arm`.
pub(crate) const SIGINFO_SIZE: usize = 128;

/// Size of `struct sigevent` (64 bytes for every ABI).
pub(crate) const SIGEVENT_SIZE: u64 = 64;

/// Reads a guest 32-bit `struct sigevent` (sigval, signo, notify, then the thread id) into the
/// host layout (sigval widened to 8 bytes).
pub(crate) fn read_sigevent(l: &Linux, addr: u64) -> Result<[u8; SIGEVENT_SIZE as usize], Errno> {
    let mut g = [0u8; SIGEVENT_SIZE as usize];
    l.mem.read(addr, &mut g)?;
    let mut h = [0u8; SIGEVENT_SIZE as usize];
    h[..4].copy_from_slice(&g[..4]);
    h[8..16].copy_from_slice(&g[4..12]);
    h[16..].copy_from_slice(&g[12..60]);
    Ok(h)
}
