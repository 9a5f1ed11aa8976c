//! Where debug output goes: standard error, or the file qemu's `-D logfile` names. Every line
//! of every thread (and of forked children, which share the open file) is one `write` to a
//! descriptor opened with `O_APPEND`, so lines never interleave inside one another.

use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

/// The log descriptor: 2 (standard error) until [`open`] succeeds.
static FD: AtomicI32 = AtomicI32::new(libc::STDERR_FILENO);

/// Lowest descriptor number armrun's own files are moved to (see [`out_of_the_way`]).
const OWN_FD_MIN: i32 = 900;

/// Moves armrun's own descriptor `fd` (close-on-exec) to the lowest free number from 900 up,
/// far above the ones a guest opens, so its own files (allocated lowest first) do not collide
/// with armrun's; keeps `fd` if too few descriptors are allowed for that. Call before guest
/// code runs: until then `fd` holds a number the guest could be given.
pub(crate) fn out_of_the_way(fd: i32) -> i32 {
    // SAFETY: duplicating a descriptor we own onto the lowest free number >= OWN_FD_MIN.
    let high = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, OWN_FD_MIN) };
    if high < 0 {
        return fd;
    }
    // SAFETY: closing our own low duplicate; `high` refers to the same open file.
    unsafe { libc::close(fd) };
    high
}

/// The file name `pattern` means for process `pid`, as qemu reads `-D`: at most one `%`,
/// which must be `%d` and stands for the pid. An error names a bad pattern as qemu does.
pub fn file_name(pattern: &Path, pid: u32) -> Result<PathBuf, String> {
    let bytes = pattern.as_os_str().as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'%') else {
        return Ok(pattern.to_path_buf());
    };
    let rest = &bytes[at + 1..];
    if rest.first() != Some(&b'd') || rest[1..].contains(&b'%') {
        return Err(format!("Bad logfile format: {}", pattern.display()));
    }
    let mut name = bytes[..at].to_vec();
    name.extend_from_slice(pid.to_string().as_bytes());
    name.extend_from_slice(&rest[1..]);
    Ok(PathBuf::from(std::ffi::OsString::from_vec(name)))
}

/// Sends all later log output to `path` (already expanded by [`file_name`]): created if
/// missing, emptied first unless `append` (a guest execve's new armrun goes on in the file its
/// predecessor wrote).
pub fn open(path: &Path, append: bool) -> Result<(), String> {
    let shown = path.display();
    let c = std::ffi::CString::new(OsStr::as_bytes(path.as_os_str()))
        .map_err(|_| format!("{shown}: file name contains a NUL byte"))?;
    let mut flags = libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND | libc::O_CLOEXEC;
    if !append {
        flags |= libc::O_TRUNC;
    }
    // SAFETY: `c` is a NUL-terminated path; the mode argument is what O_CREAT reads.
    let fd = unsafe { libc::open(c.as_ptr(), flags, 0o666 as libc::c_uint) };
    if fd < 0 {
        return Err(format!("{shown}: {}", std::io::Error::last_os_error()));
    }
    FD.store(out_of_the_way(fd), Ordering::SeqCst);
    Ok(())
}

/// Writes `bytes` (whole lines) to the log in one `write` where the kernel takes it whole.
/// Errors are dropped: logging never changes how the guest runs.
pub fn write(bytes: &[u8]) {
    let fd = FD.load(Ordering::Relaxed);
    let mut rest = bytes;
    while !rest.is_empty() {
        // SAFETY: writes from a valid slice of `rest.len()` bytes.
        let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        rest = &rest[n as usize..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_in_file_names() {
        let f = |p: &str| file_name(Path::new(p), 42);
        assert_eq!(f("/tmp/a.log"), Ok(PathBuf::from("/tmp/a.log")));
        assert_eq!(f("/tmp/a-%d.log"), Ok(PathBuf::from("/tmp/a-42.log")));
        assert_eq!(f("%d"), Ok(PathBuf::from("42")));
        for bad in ["/tmp/%s", "/tmp/%d-%d", "/tmp/%", "a%%d"] {
            assert_eq!(f(bad), Err(format!("Bad logfile format: {bad}")));
        }
    }
}
