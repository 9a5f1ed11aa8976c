//! The AArch64 Linux ABI where it differs from the host's (x86-64): flag values and struct
//! layouts, with conversions. Values come from the kernel's uapi headers
//! (`arch/arm64/include/uapi/asm/*.h`, `include/uapi/asm-generic/*.h`).
//!
//! Host values are always taken from `libc`, so on an AArch64 host every conversion here is the
//! identity.

/// `O_*` open flags whose bits differ between arm64 (asm/fcntl.h) and asm-generic/x86-64.
pub mod oflag {
    /// arm64 `O_DIRECTORY`.
    pub const DIRECTORY: u64 = 0o40000;
    /// arm64 `O_NOFOLLOW`.
    pub const NOFOLLOW: u64 = 0o100000;
    /// arm64 `O_DIRECT`.
    pub const DIRECT: u64 = 0o200000;
    /// arm64 `O_LARGEFILE`.
    pub const LARGEFILE: u64 = 0o400000;
}

/// The host kernel's values of the same four flags. Taken from the kernel headers rather than
/// `libc`, because glibc defines `O_LARGEFILE` as 0 on x86-64 while the kernel reports its real
/// bit (asm-generic/fcntl.h) in `F_GETFL`.
#[cfg(target_arch = "x86_64")]
mod host_oflag {
    pub const DIRECTORY: u64 = 0o200000;
    pub const NOFOLLOW: u64 = 0o400000;
    pub const DIRECT: u64 = 0o40000;
    pub const LARGEFILE: u64 = 0o100000;
}
#[cfg(target_arch = "aarch64")]
use oflag as host_oflag;

/// (arm64 bit, host bit) pairs for the open flags that move.
fn oflag_pairs() -> [(u64, u64); 4] {
    [
        (oflag::DIRECTORY, host_oflag::DIRECTORY),
        (oflag::NOFOLLOW, host_oflag::NOFOLLOW),
        (oflag::DIRECT, host_oflag::DIRECT),
        (oflag::LARGEFILE, host_oflag::LARGEFILE),
    ]
}

/// Converts arm64 open/fcntl flags to the host's. Bits that mean the same on both pass unchanged.
pub fn open_flags_to_host(guest: u64) -> i32 {
    let pairs = oflag_pairs();
    let moving: u64 = pairs.iter().map(|p| p.0).sum();
    let mut host = guest & !moving;
    for (g, h) in pairs {
        if guest & g != 0 {
            host |= h;
        }
    }
    host as u32 as i32
}

/// Converts host open/fcntl flags (as returned by `F_GETFL`) to arm64's.
pub fn open_flags_from_host(host: i32) -> u64 {
    let host = host as u32 as u64;
    let pairs = oflag_pairs();
    let moving: u64 = pairs.iter().map(|p| p.1).sum();
    let mut guest = host & !moving;
    for (g, h) in pairs {
        if host & h != 0 {
            guest |= g;
        }
    }
    guest
}

/// The asm-generic `struct stat` used by arm64 (include/uapi/asm-generic/stat.h): byte offsets.
pub mod stat {
    /// `st_dev` (unsigned long).
    pub const DEV: usize = 0;
    /// `st_ino` (unsigned long).
    pub const INO: usize = 8;
    /// `st_mode` (unsigned int).
    pub const MODE: usize = 16;
    /// `st_nlink` (unsigned int).
    pub const NLINK: usize = 20;
    /// `st_uid` (unsigned int).
    pub const UID: usize = 24;
    /// `st_gid` (unsigned int).
    pub const GID: usize = 28;
    /// `st_rdev` (unsigned long), followed by `__pad1`.
    pub const RDEV: usize = 32;
    /// `st_size` (long).
    pub const SIZE: usize = 48;
    /// `st_blksize` (int), followed by `__pad2`.
    pub const BLKSIZE: usize = 56;
    /// `st_blocks` (long).
    pub const BLOCKS: usize = 64;
    /// `st_atime`, then `st_atime_nsec`.
    pub const ATIME: usize = 72;
    /// `st_mtime`, then `st_mtime_nsec`.
    pub const MTIME: usize = 88;
    /// `st_ctime`, then `st_ctime_nsec`.
    pub const CTIME: usize = 104;
    /// Total size, including the two trailing unused ints.
    pub const SIZE_OF: usize = 128;
}

/// Encodes a host `struct stat` in arm64's layout.
pub fn stat_to_a64(st: &libc::stat) -> [u8; stat::SIZE_OF] {
    let mut b = [0u8; stat::SIZE_OF];
    let mut put64 = |off: usize, v: u64| b[off..off + 8].copy_from_slice(&v.to_le_bytes());
    put64(stat::DEV, st.st_dev);
    put64(stat::INO, st.st_ino);
    put64(stat::RDEV, st.st_rdev);
    put64(stat::SIZE, st.st_size as u64);
    put64(stat::BLOCKS, st.st_blocks as u64);
    put64(stat::ATIME, st.st_atime as u64);
    put64(stat::ATIME + 8, st.st_atime_nsec as u64);
    put64(stat::MTIME, st.st_mtime as u64);
    put64(stat::MTIME + 8, st.st_mtime_nsec as u64);
    put64(stat::CTIME, st.st_ctime as u64);
    put64(stat::CTIME + 8, st.st_ctime_nsec as u64);
    let mut put32 = |off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    put32(stat::MODE, st.st_mode);
    // The host's st_nlink is 64-bit on x86-64; arm64's is 32-bit. Saturate like the kernel's
    // overflow check would refuse to (EOVERFLOW is not worth it for link counts).
    put32(stat::NLINK, u32::try_from(st.st_nlink).unwrap_or(u32::MAX));
    put32(stat::UID, st.st_uid);
    put32(stat::GID, st.st_gid);
    put32(stat::BLKSIZE, st.st_blksize as u32);
    b
}

/// Size of the kernel `sigset_t` (the only `sigsetsize` rt_sig* calls accept).
pub const SIGSET_SIZE: u64 = 8;
/// arm64 `MINSIGSTKSZ` (arch/arm64/include/uapi/asm/signal.h).
pub const MINSIGSTKSZ: u64 = 5120;
/// 32-bit ARM `MINSIGSTKSZ` (arch/arm/include/uapi/asm/signal.h).
pub const MINSIGSTKSZ_ARM: u64 = 2048;
/// `SS_ONSTACK`.
pub const SS_ONSTACK: u32 = 1;
/// `SS_DISABLE`.
pub const SS_DISABLE: u32 = 2;
/// `SS_AUTODISARM` (a flag bit, may be or-ed into `ss_flags`).
pub const SS_AUTODISARM: u32 = 1 << 31;
/// Size of `struct utsname` fields (`__NEW_UTS_LEN + 1`).
pub const UTS_FIELD: usize = 65;
/// Kernel `struct termios` size (asm-generic/termbits.h; identical on x86-64, checked against
/// both architectures' headers: 4 flag words, `c_line`, 19 control chars).
pub const TERMIOS_SIZE: u64 = 36;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_round_trip() {
        let g = oflag::DIRECTORY | oflag::NOFOLLOW | libc::O_CLOEXEC as u64 | 1;
        let h = open_flags_to_host(g);
        assert_eq!(h & libc::O_DIRECTORY, libc::O_DIRECTORY);
        assert_eq!(h & libc::O_NOFOLLOW, libc::O_NOFOLLOW);
        assert_eq!(h & libc::O_DIRECT, 0);
        assert_eq!(h & libc::O_ACCMODE, libc::O_WRONLY);
        assert_eq!(open_flags_from_host(h), g);
        for bit in [
            oflag::DIRECTORY,
            oflag::NOFOLLOW,
            oflag::DIRECT,
            oflag::LARGEFILE,
        ] {
            assert_eq!(open_flags_from_host(open_flags_to_host(bit)), bit);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn open_flags_swap_on_x86_64() {
        // On x86-64 the arm64 O_DIRECTORY bit means O_DIRECT and vice versa.
        assert_eq!(open_flags_to_host(oflag::DIRECTORY), libc::O_DIRECTORY);
        assert_eq!(open_flags_to_host(oflag::DIRECTORY), 0o200000);
        assert_eq!(open_flags_from_host(libc::O_DIRECT), oflag::DIRECT);
        assert_eq!(open_flags_from_host(0o100000), oflag::LARGEFILE);
    }
}
