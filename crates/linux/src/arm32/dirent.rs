//! Directory offsets for 32-bit guests.
//!
//! Host file systems hand out 64-bit `d_off` values (ext4's are hashes with the top bits set);
//! a 32-bit glibc's `readdir` turns any that does not fit its 32-bit `off_t` into EOVERFLOW,
//! so an unconverted listing shows no entries at all. The guest sees cookies instead: per
//! directory (device, inode), the n-th distinct host offset handed out is cookie n (0 stays 0,
//! the start), which fits in 31 bits. `lseek`/`_llseek` on a directory map a cookie back to
//! its host offset, and a host position back to a cookie. Cookies name host offsets of one
//! directory, so every descriptor of that directory may use them, before or after a reopen.

use std::collections::HashMap;

use crate::arm32::abi::Image;
use crate::fs::int;
use crate::guest::{host, last_errno};
use crate::{Errno, Linux, SysResult};

/// Most cookies one directory may use: the largest positive 32-bit offset.
const MAX_COOKIE: usize = i32::MAX as usize;

/// One directory's host offsets by cookie, and back.
#[derive(Default)]
struct Dir {
    /// Host offset of cookie `i + 1`.
    offsets: Vec<i64>,
    cookies: HashMap<i64, u32>,
}

impl Dir {
    /// The cookie for host offset `off` (0 for 0), assigned on first sight.
    fn cookie(&mut self, off: i64) -> Result<u32, Errno> {
        if off == 0 {
            return Ok(0);
        }
        if let Some(&c) = self.cookies.get(&off) {
            return Ok(c);
        }
        if self.offsets.len() >= MAX_COOKIE {
            return Err(Errno(libc::EOVERFLOW));
        }
        self.offsets.push(off);
        let c = self.offsets.len() as u32;
        self.cookies.insert(off, c);
        Ok(c)
    }

    /// The host offset of `cookie`; an offset never handed out passes unchanged.
    fn host(&self, cookie: i64) -> i64 {
        match usize::try_from(cookie) {
            Ok(c) if c >= 1 && c <= self.offsets.len() => self.offsets[c - 1],
            _ => cookie,
        }
    }
}

/// Cookies kept over all directories before the tables of the other directories are dropped
/// (bounds the memory a walk over a large tree holds; a cookie of a dropped table then names
/// its raw value, as an unknown one does).
const MAX_TOTAL: usize = 1 << 20;

/// The cookie tables of the directories a 32-bit guest listed.
#[derive(Default)]
pub(crate) struct DirCookies(HashMap<(u64, u64), Dir>);

impl DirCookies {
    /// Drops every table but `keep`'s once they hold more than [`MAX_TOTAL`] cookies.
    fn trim(&mut self, keep: (u64, u64)) {
        let total: usize = self.0.values().map(|d| d.offsets.len()).sum();
        if total > MAX_TOTAL {
            self.0.retain(|k, _| *k == keep);
        }
    }
}

/// (device, inode) of `fd` if it is a directory.
fn dir_key(fd: i32) -> Result<Option<(u64, u64)>, Errno> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: a host stat buffer of the right type.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } < 0 {
        return Err(last_errno());
    }
    // SAFETY: fstat succeeded, so the buffer is filled.
    let st = unsafe { st.assume_init() };
    Ok((st.st_mode & libc::S_IFMT == libc::S_IFDIR).then_some((st.st_dev, st.st_ino)))
}

/// Offsets in `struct linux_dirent64` (the same for every ABI).
const D64_OFF: usize = 8;
const D64_RECLEN: usize = 16;
const D64_TYPE: usize = 18;
const D64_NAME: usize = 19;

impl Linux {
    /// lseek on a 32-bit guest's descriptor: a directory offset is a cookie (see the module
    /// doc), both ways. Returns the new position as the guest sees it.
    pub(crate) fn seek32(&mut self, fd: i32, off: i64, whence: i32) -> Result<i64, Errno> {
        let key = if self.dirs.0.is_empty() {
            None
        } else {
            dir_key(fd)?
        };
        let dir = key.and_then(|k| self.dirs.0.get_mut(&k));
        let Some(dir) = dir else {
            // SAFETY: no pointers.
            return Ok(host(unsafe { libc::lseek(fd, off, whence) })? as i64);
        };
        let host_off = if whence == libc::SEEK_SET {
            dir.host(off)
        } else {
            off
        };
        // SAFETY: no pointers.
        let r = host(unsafe { libc::lseek(fd, host_off, whence) })? as i64;
        Ok(dir.cookie(r)? as i64)
    }

    /// The cookie table of directory `fd`, created on first use.
    fn dir_of(&mut self, fd: i32) -> Result<&mut Dir, Errno> {
        let key = dir_key(fd)?.ok_or(Errno(libc::ENOTDIR))?;
        self.dirs.trim(key);
        Ok(self.dirs.0.entry(key).or_default())
    }
}

/// getdents64 for a 32-bit guest: the host fills the guest's buffer (`linux_dirent64` is the
/// same everywhere), then every `d_off` becomes its cookie.
pub(crate) fn getdents64(l: &mut Linux, a: &[u64; 6]) -> SysResult {
    let fd = int(a[0]);
    let count = a[2];
    let buf = l.buf_out(a[1], count)?;
    // SAFETY: `buf` is `count` checked, writable guest bytes.
    let n = host(unsafe { libc::syscall(libc::SYS_getdents64, fd, buf, count as usize) })?;
    if n == 0 {
        return Ok(0);
    }
    let key = dir_key(fd)?.ok_or(Errno(libc::ENOTDIR))?;
    l.dirs.trim(key);
    let dir = l.dirs.0.entry(key).or_default();
    // Rewritten in place: the records are the guest's now.
    let data = l.mem.slice_mut(a[1], n, 0)?;
    let mut pos = 0;
    while pos + D64_NAME <= data.len() {
        let reclen = u16::from_le_bytes([data[pos + D64_RECLEN], data[pos + D64_RECLEN + 1]]);
        let at = pos + D64_OFF..pos + D64_OFF + 8;
        let off = i64::from_le_bytes(data[at.clone()].try_into().unwrap_or([0; 8]));
        let cookie = dir.cookie(off)? as u64;
        data[at].copy_from_slice(&cookie.to_le_bytes());
        if reclen == 0 {
            break;
        }
        pos += reclen as usize;
    }
    Ok(n)
}

/// Largest host buffer the old getdents reads through (fewer entries per call is allowed).
const GETDENTS_CHUNK: usize = 1 << 20;

/// The old getdents: `struct linux_dirent` with 32-bit `d_ino` and `d_off`, the type in the
/// record's last byte. Records shrink (`12 + name` rounded to 4 against `20 + name` rounded to
/// 8), so whatever the host returns for a buffer of the guest's size fits once converted.
pub(crate) fn getdents(l: &mut Linux, a: &[u64; 6]) -> SysResult {
    let fd = int(a[0]);
    l.buf_out(a[1], a[2])?;
    let count = (a[2] as usize).min(GETDENTS_CHUNK);
    let mut raw = vec![0u8; count];
    // SAFETY: `raw` is `count` host bytes.
    let n = host(unsafe { libc::syscall(libc::SYS_getdents64, fd, raw.as_mut_ptr(), count) })?;
    let dir = l.dir_of(fd)?;
    let mut out = Image::new(count);
    let (mut pos, mut w) = (0usize, 0usize);
    while pos + D64_NAME <= n as usize {
        let reclen =
            u16::from_le_bytes([raw[pos + D64_RECLEN], raw[pos + D64_RECLEN + 1]]) as usize;
        if reclen <= D64_NAME || pos + reclen > n as usize {
            break;
        }
        let ino = u64::from_le_bytes(raw[pos..pos + 8].try_into().unwrap_or([0; 8]));
        let off = i64::from_le_bytes(
            raw[pos + D64_OFF..pos + D64_OFF + 8]
                .try_into()
                .unwrap_or([0; 8]),
        );
        let name = &raw[pos + D64_NAME..pos + reclen];
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        // d_ino, d_off, d_reclen, the name and its NUL, then d_type.
        let len = (10 + name.len() + 2).next_multiple_of(4);
        let ino = u32::try_from(ino).map_err(|_| Errno(libc::EOVERFLOW))?;
        out.u32(w, ino);
        out.u32(w + 4, dir.cookie(off)?);
        out.u16(w + 8, len as u16);
        out.0[w + 10..w + 10 + name.len()].copy_from_slice(name);
        out.0[w + len - 1] = raw[pos + D64_TYPE];
        w += len;
        pos += reclen;
    }
    l.mem.write(a[1], &out.0[..w])?;
    Ok(w as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_round_trip_and_tables_are_trimmed() {
        let mut d = Dir::default();
        assert_eq!(d.cookie(0), Ok(0));
        assert_eq!(d.cookie(0x7fff_ffff_ffff_fff0), Ok(1));
        assert_eq!(d.cookie(5), Ok(2));
        assert_eq!(d.cookie(0x7fff_ffff_ffff_fff0), Ok(1));
        assert_eq!(d.host(1), 0x7fff_ffff_ffff_fff0);
        assert_eq!(d.host(2), 5);
        // Never handed out: passes unchanged.
        assert_eq!(d.host(3), 3);
        let mut all = DirCookies::default();
        let (a, b) = ((1, 1), (1, 2));
        all.0.insert(a, d);
        all.0.entry(b).or_default().cookie(9).unwrap();
        all.trim(b);
        assert_eq!(all.0.len(), 2, "under the limit nothing is dropped");
        let big = all.0.get_mut(&a).unwrap();
        for off in 10..(MAX_TOTAL as i64 + 10) {
            big.cookie(off).unwrap();
        }
        all.trim(b);
        assert_eq!(all.0.keys().copied().collect::<Vec<_>>(), vec![b]);
    }
}
