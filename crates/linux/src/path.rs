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
//! Lookups are cached (as qemu's `util/path.c` does): which absolute guest paths exist under the
//! sysroot is remembered, so a program that probes many paths (python's import system, the
//! dynamic loader's search path) pays one `lstat` per distinct path instead of one per call.
//! The cache is a pure speed-up within this process: every call that creates, removes or
//! renames a directory entry (through any path, relative or absolute) empties it, and so does
//! reaping a child, which may have done the same. Only a third process changing the sysroot
//! while the guest runs can make an answer stale, as with qemu.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::Linux;

/// Top-level folders that always mean the host's: they describe the running system (or hold
/// its scratch files), and a sysroot's copies are empty mount points.
const HOST_ONLY: [&[u8]; 5] = [b"/proc", b"/sys", b"/dev", b"/tmp", b"/run"];

/// Most distinct paths remembered before the cache starts over (bounds its memory).
const CACHE_LIMIT: usize = 8192;

/// Guest path → whether it exists under the sysroot (see the module comment).
#[derive(Default)]
pub(crate) struct SysrootCache(RefCell<HashMap<Box<[u8]>, bool>>);

impl SysrootCache {
    /// Forgets every answer: the guest changed a directory entry.
    pub(crate) fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// Whether `guest` exists under the sysroot as `cand`, asking the host only on a miss.
    fn exists(&self, guest: &[u8], cand: &std::path::Path) -> bool {
        if let Some(&hit) = self.0.borrow().get(guest) {
            return hit;
        }
        let found = cand.symlink_metadata().is_ok();
        let mut map = self.0.borrow_mut();
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(guest.into(), found);
        found
    }
}

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
        self.resolve(p, true)
    }

    /// [`Linux::host_path`] for a call that creates, removes or renames the entry it names:
    /// every remembered answer is dropped and this one is not remembered, since the sysroot
    /// may look different once the call is done.
    pub(crate) fn host_path_changing(&self, p: &CStr) -> CString {
        self.sysroot_cache.clear();
        self.resolve(p, false)
    }

    /// The guest path `p` as the host should see it, consulting the cache when `cached`.
    fn resolve(&self, p: &CStr, cached: bool) -> CString {
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
            let found = if cached {
                self.sysroot_cache.exists(bytes, &cand)
            } else {
                cand.symlink_metadata().is_ok()
            };
            if found && let Ok(c) = CString::new(cand.into_os_string().into_encoded_bytes()) {
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

    /// [`Linux::path_arg`] for a call that changes the entry it names (see
    /// [`Linux::host_path_changing`]).
    pub(crate) fn path_arg_changing(&self, addr: u64) -> Result<CString, crate::Errno> {
        let p = self.cstr(addr)?;
        Ok(self.host_path_changing(&p))
    }
}
