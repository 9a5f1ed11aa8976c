//! Guest path resolution: the sysroot (`-L`) and the emulated `/proc/self/exe`.
//!
//! Rule (kept simple on purpose): an absolute guest path is looked up under the sysroot first;
//! if something exists there (even a dangling symlink), the sysroot copy is used, otherwise the
//! host path. `/proc`, `/sys`, `/dev`, `/tmp` and `/run` (and everything below them) are
//! always the host's. Relative paths and `*at` calls with a directory fd are passed unchanged. Symlinks
//! inside the sysroot that point to absolute targets are resolved by the host kernel against
//! the host root, not the sysroot. Every path-taking syscall goes through [`Linux::path_arg`]
//! (or `host_path`), except `chdir`, which prefers the host directory (see `fs::chdir`), and
//! the target string of `symlinkat`, which is stored as written.
//!
//! No lookup cache: the one `lstat` per call on a missing sysroot path costs about a
//! microsecond, while a cache keyed by guest path would go stale whenever the guest (or
//! anyone) creates, renames or deletes files in the sysroot, silently switching a path
//! between the sysroot and the host copy.

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::Linux;

/// Top-level folders that always mean the host's: they describe the running system (or hold
/// its scratch files), and a sysroot's copies are empty mount points.
const HOST_ONLY: [&[u8]; 5] = [b"/proc", b"/sys", b"/dev", b"/tmp", b"/run"];

/// Whether `p` is one of [`HOST_ONLY`] or lies below one.
fn host_only(p: &[u8]) -> bool {
    HOST_ONLY.iter().any(|top| {
        p.strip_prefix(*top)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"/"))
    })
}

impl Linux {
    /// Whether `p` names this process's executable through /proc.
    pub(crate) fn is_proc_exe(&self, p: &CStr) -> bool {
        self.own_proc_entry(p.to_bytes()) == Some(b"exe")
    }

    /// The guest executable as an absolute path.
    pub(crate) fn exe_path(&self) -> PathBuf {
        std::path::absolute(&self.exe).unwrap_or_else(|_| self.exe.clone())
    }

    /// The host path to use for a guest path argument (see the module comment).
    pub(crate) fn host_path(&self, p: &CStr) -> CString {
        if self.is_proc_exe(p)
            && let Ok(c) = CString::new(self.exe_path().into_os_string().into_encoded_bytes())
        {
            return c;
        }
        let bytes = p.to_bytes();
        if host_only(bytes) {
            return p.to_owned();
        }
        if let (Some(root), Some(rest)) = (&self.sysroot, bytes.strip_prefix(b"/")) {
            let cand = root.join(OsStr::from_bytes(rest));
            if cand.symlink_metadata().is_ok()
                && let Ok(c) = CString::new(cand.into_os_string().into_encoded_bytes())
            {
                return c;
            }
        }
        p.to_owned()
    }

    /// Reads a guest path argument and resolves it for the host.
    pub(crate) fn path_arg(&self, addr: u64) -> Result<CString, crate::Errno> {
        let p = self.cstr(addr)?;
        Ok(self.host_path(&p))
    }
}
