//! For tests of code that runs guest loads and stores against host pages that fault: a
//! SIGSEGV handler that asks a recovery function (this crate's [`crate::recover`], or the
//! runtime's, which also knows translated code) and a page the host cannot touch.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A fault recovery function, as [`crate::recover`].
pub type Recover = unsafe fn(*mut libc::c_void, i32, i32, u64) -> bool;

/// The installed [`Recover`].
static RECOVER: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_segv(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    let f = RECOVER.load(Ordering::SeqCst);
    // SAFETY: only `catch_guest_faults` stores here, always a `Recover`; the kernel passes a
    // valid siginfo_t and this handler's own ucontext.
    let recovered = f != 0
        && unsafe {
            let f: Recover = std::mem::transmute(f);
            f(uc, sig, (*info).si_code, (*info).si_addr() as u64)
        };
    if !recovered {
        // Not a guest access: a real crash of the test.
        std::process::abort();
    }
}

/// Makes every host SIGSEGV of this process ask `recover`, aborting if it says no, and returns
/// a fresh page the host can neither read nor write.
pub fn catch_guest_faults(recover: Recover) -> u64 {
    RECOVER.store(recover as usize, Ordering::SeqCst);
    // SAFETY: installing an SA_SIGINFO handler for SIGSEGV and mapping a fresh page.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_segv as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        assert_eq!(libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut()), 0);
        let p = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        p as u64
    }
}
