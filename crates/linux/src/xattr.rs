//! Extended attributes: names are strings and values opaque bytes, identical on every
//! architecture, so all twelve calls pass through with resolved paths and checked buffers.

use crate::fs::int;
use crate::guest::host;
use crate::{Errno, Linux, SysResult};

type Args = [u64; 6];

/// Largest attribute value (`XATTR_SIZE_MAX`); larger requests are clamped, as the kernel
/// never returns more.
const XATTR_SIZE_MAX: u64 = 65536;
/// Largest name list buffer the kernel uses (`XATTR_LIST_MAX`).
const XATTR_LIST_MAX: u64 = 65536;

/// The file an xattr call names: a resolved path or an fd.
enum Target {
    Path(std::ffi::CString),
    Fd(i32),
}

/// Runs `nr` with the target and the remaining three arguments.
fn call(nr: i64, t: &Target, b: u64, c: u64, d: u64) -> SysResult {
    // SAFETY: the caller checked every pointer among b, c, d for its use by `nr`.
    host(unsafe {
        match t {
            Target::Path(p) => libc::syscall(nr, p.as_ptr(), b, c, d),
            Target::Fd(fd) => libc::syscall(nr, *fd, b, c, d),
        }
    })
}

fn target(l: &Linux, a: u64, fd: bool) -> Result<Target, Errno> {
    if fd {
        Ok(Target::Fd(int(a)))
    } else {
        Ok(Target::Path(l.path_arg(a)?))
    }
}

fn get(l: &Linux, a: &Args, nr: i64, fd: bool) -> SysResult {
    let t = target(l, a[0], fd)?;
    let name = l.cstr(a[1])?;
    let size = a[3].min(XATTR_SIZE_MAX);
    let val = if size == 0 {
        std::ptr::null_mut()
    } else {
        l.buf_out(a[2], size)?
    };
    call(nr, &t, name.as_ptr() as u64, val as u64, size)
}

fn set(l: &Linux, a: &Args, nr: i64, fd: bool) -> SysResult {
    let t = target(l, a[0], fd)?;
    let name = l.cstr(a[1])?;
    if a[3] > XATTR_SIZE_MAX {
        return Err(Errno(libc::E2BIG));
    }
    let val = l.buf_in(a[2], a[3])?;
    // XATTR_CREATE/XATTR_REPLACE are architecture independent.
    // SAFETY: checked name and value.
    host(unsafe {
        match &t {
            Target::Path(p) => libc::syscall(nr, p.as_ptr(), name.as_ptr(), val, a[3], int(a[4])),
            Target::Fd(f) => libc::syscall(nr, *f, name.as_ptr(), val, a[3], int(a[4])),
        }
    })
}

fn list(l: &Linux, a: &Args, nr: i64, fd: bool) -> SysResult {
    let t = target(l, a[0], fd)?;
    let size = a[2].min(XATTR_LIST_MAX);
    let buf = if size == 0 {
        std::ptr::null_mut()
    } else {
        l.buf_out(a[1], size)?
    };
    call(nr, &t, buf as u64, size, 0)
}

fn remove(l: &Linux, a: &Args, nr: i64, fd: bool) -> SysResult {
    let t = target(l, a[0], fd)?;
    let name = l.cstr(a[1])?;
    call(nr, &t, name.as_ptr() as u64, 0, 0)
}

/// Defines one handler per (name, body, host number, fd-based) entry.
macro_rules! xattr_calls {
    ($($name:ident => $body:ident, $nr:ident, $fd:expr;)*) => {
        $(
            pub(crate) fn $name(l: &mut Linux, a: &Args) -> SysResult {
                $body(l, a, libc::$nr, $fd)
            }
        )*
    };
}

xattr_calls! {
    getxattr => get, SYS_getxattr, false;
    lgetxattr => get, SYS_lgetxattr, false;
    fgetxattr => get, SYS_fgetxattr, true;
    setxattr => set, SYS_setxattr, false;
    lsetxattr => set, SYS_lsetxattr, false;
    fsetxattr => set, SYS_fsetxattr, true;
    listxattr => list, SYS_listxattr, false;
    llistxattr => list, SYS_llistxattr, false;
    flistxattr => list, SYS_flistxattr, true;
    removexattr => remove, SYS_removexattr, false;
    lremovexattr => remove, SYS_lremovexattr, false;
    fremovexattr => remove, SYS_fremovexattr, true;
}
