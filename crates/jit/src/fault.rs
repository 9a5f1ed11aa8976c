//! Host faults in translated code become guest data faults.
//!
//! Translated code accesses guest memory with single host instructions at `mem_base + address`,
//! so a guest load or store of an unmapped or protected page faults on the host. The emitter
//! records, for each block, the host code range of every guest memory access and the key of the
//! guest instruction it belongs to (`emit::FaultSite`); the IR keeps every guest register write
//! in program order around memory accesses (`ir::passes::remove_dead_setreg`), so at such a
//! fault the CPU state is exactly the state before the faulting guest instruction: in memory,
//! but for the writes a later write of the same register overwrites with only loads and stores
//! between (`setreg.fault`), which the access's stub stores from where the block keeps them.
//!
//! [`recover`] runs inside the host SIGSEGV/SIGBUS handler. If the faulting host instruction is
//! one of those accesses in the code of the `Jit` this thread is running, or lies in a helper
//! that such code called (an atomic, a SIMD structure load or store), it writes the guest pc,
//! the exit reason [`cpu::exit::DATA_FAULT`] and the guest address into the CPU state, and
//! resumes the thread at the shared epilogue with the block's extra stack released (or at the
//! access's stub, which stores the pending writes and then goes there): the block is
//! abandoned as if it had exited there, and the dispatcher delivers the guest's signal (or, for
//! a write to a page armrun protected to see code changes, re-runs the instruction).
//!
//! The handler reads a thread-local pointer to the running `Jit` handle and looks the host pc up
//! in the code map with the shared core's lock held. That lock is never held while translated
//! code runs on this thread (the fault interrupted such code), and no holder of it waits for
//! this thread, so taking it here cannot deadlock; the handler allocates nothing.

use std::cell::Cell;

use crate::{Jit, State, code_at, emit};

/// What the host reported about the last fault [`recover`] took on this thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostFault {
    /// The host signal (SIGSEGV or SIGBUS).
    pub sig: i32,
    /// Its `si_code`.
    pub code: i32,
    /// True if the access was a write (the x86 page-fault error code's W bit).
    pub write: bool,
}

thread_local! {
    /// The `Jit` whose code this thread is running and the CPU state it runs on (null outside
    /// [`Jit::run`]).
    static RUNNING: Cell<(*const Jit, *mut cpu::CpuState)> =
        const { Cell::new((std::ptr::null(), std::ptr::null_mut())) };
    /// Filled by [`recover`], read by [`take`].
    static LAST: Cell<HostFault> = const {
        Cell::new(HostFault {
            sig: 0,
            code: 0,
            write: false,
        })
    };
}

/// Marks `jit` as running on `cpu` on this thread until the returned guard is dropped.
pub(crate) fn running(jit: &Jit, cpu: *mut cpu::CpuState) -> Running {
    let prev = RUNNING.with(|r| r.replace((jit as *const Jit, cpu)));
    Running(prev)
}

/// Restores the previous running `Jit` of this thread when dropped.
pub(crate) struct Running((*const Jit, *mut cpu::CpuState));

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.with(|r| r.set(self.0));
    }
}

/// The host details of the fault that made this thread's last block exit with
/// [`cpu::exit::DATA_FAULT`].
pub fn take() -> HostFault {
    LAST.with(|l| l.take())
}

/// x86-64 page-fault error code bit: the access was a write.
const PF_WRITE: i64 = 2;

/// Called from a host SIGSEGV/SIGBUS handler on the faulting thread: if the fault is a guest
/// memory access in translated code this thread runs, redirects the thread to leave the block
/// with [`cpu::exit::DATA_FAULT`] and returns true; otherwise changes nothing and returns false.
///
/// # Safety
/// `uc` must be the `ucontext_t` the kernel passed to the running `SA_SIGINFO` handler, and
/// `host_addr` that signal's `si_addr`.
pub unsafe fn recover(uc: *mut libc::c_void, sig: i32, code: i32, host_addr: u64) -> bool {
    let (jit, cpu) = RUNNING.with(|r| r.get());
    if jit.is_null() || cpu.is_null() || uc.is_null() {
        return false;
    }
    // SAFETY: the caller passes the kernel's ucontext for this signal.
    let gregs = unsafe { &mut (*(uc as *mut libc::ucontext_t)).uc_mcontext.gregs };
    let rip = gregs[libc::REG_RIP as usize] as usize;
    let rsp = gregs[libc::REG_RSP as usize] as usize;
    // SAFETY: `RUNNING` points at the `Jit` whose `run` is on this thread's stack below the
    // handler, so it lives.
    let jit = unsafe { &*jit };
    let found = {
        let st = jit.state();
        // SAFETY: `cpu` is the state the running code uses (see `RUNNING`); only this thread
        // writes its `helper_rsp`, which the code set before calling the helper that faulted.
        let call_rsp = unsafe { (*cpu).helper_rsp } as usize;
        // SAFETY: `rsp` is the interrupted stack pointer of this thread.
        unsafe { find_site(&st, rip, rsp, call_rsp) }
    };
    let Some((site, block_rsp, extra, base)) = found else {
        return false;
    };
    // SAFETY: `cpu` is the state `Jit::run` was given, exclusively used by this thread, whose
    // translated code we interrupted; writing plain fields through the raw pointer is what the
    // code itself does.
    unsafe {
        (*cpu).pc = site.key;
        (*cpu).exit_reason = cpu::exit::DATA_FAULT;
        (*cpu).exit_arg = host_addr.wrapping_sub((*cpu).mem_base);
    }
    let write = gregs[libc::REG_ERR as usize] & PF_WRITE != 0;
    LAST.with(|l| l.set(HostFault { sig, code, write }));
    // The epilogue finds the entry's stack pointer through r15, which a helper that faulted
    // may have been using for something else.
    gregs[libc::REG_R15 as usize] = (cpu as i64).wrapping_add(emit::STATE_BIAS as i64);
    match site.stub {
        // An inline access with state writes pending (`setreg.fault`): its stub stores them,
        // from the registers and the block's stack slots as they are, then leaves.
        Some(stub) if !site.call => {
            gregs[libc::REG_RSP as usize] = block_rsp as i64;
            gregs[libc::REG_RIP as usize] = (base + stub as usize) as i64;
        }
        _ => {
            gregs[libc::REG_RSP as usize] = (block_rsp + extra as usize) as i64;
            gregs[libc::REG_RIP as usize] = jit.epilogue() as i64;
        }
    }
    true
}

/// `call rax`, the only call translated code makes to a helper.
const CALL_RAX: [u8; 2] = [0xff, 0xd0];

/// The access site of a host fault at `rip` with stack pointer `rsp`, the block's stack pointer
/// there, the block's extra stack bytes and its code's address: either `rip` is an inline access in translated code
/// (the stack pointer is the block's), or `rip` is inside a helper, called with the stack
/// pointer `call_rsp` (`CpuState::helper_rsp`): the word below it is the return address of a
/// helper call site of translated code (just after a `call rax` the emitter recorded), which
/// names the site, the block's stack pointer being `call_rsp` plus the registers the site
/// pushed. (Scanning the stack for the first such return address would find stale ones: calls
/// run at different depths of the return stack, and a deeper call's words stay below.) The
/// helper's frames are abandoned; helpers hold no locks or allocations, so nothing is left
/// inconsistent.
///
/// # Safety
/// `rsp` must be this thread's interrupted stack pointer (the words above it are its stack).
unsafe fn find_site(
    st: &State,
    rip: usize,
    rsp: usize,
    call_rsp: usize,
) -> Option<(emit::FaultSite, usize, u32, usize)> {
    if let Some((base, rec)) = code_at(st, rip) {
        let off = (rip - base) as u32;
        let site = rec
            .faults
            .iter()
            .find(|f| !f.call && f.start <= off && off < f.end)?;
        return Some((*site, rsp, rec.extra_stack, base));
    }
    // The helper's frame lies below its return address.
    if call_rsp <= rsp || !call_rsp.is_multiple_of(8) {
        return None;
    }
    let at = call_rsp - 8;
    // SAFETY: `at` lies between the interrupted stack pointer and the translated code's frame:
    // this thread's live stack.
    let word = unsafe { (at as *const usize).read() };
    let (base, rec) = code_at(st, word)?;
    let off = (word - base) as u32;
    // SAFETY: `word - 2 .. word` lies inside the block's code (off >= 2 is checked).
    let before = off >= 2 && unsafe { *((word - 2) as *const [u8; 2]) } == CALL_RAX;
    let site = rec
        .faults
        .iter()
        .find(|f| f.call && f.start < off && off <= f.end)?;
    before.then(|| {
        (
            *site,
            call_rsp + site.pushed as usize,
            rec.extra_stack,
            base,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_helper::NOTHING;
    use ir::{Builder, Term};

    /// A helper fault's site is the call the code made last (`call_rsp`), also with the return
    /// address of another call site still on the stack below it, as a call made deeper in the
    /// return stack leaves it.
    #[test]
    fn a_helper_fault_is_at_the_latest_call_not_a_stale_one() {
        let mut b = Builder::verbatim(0x1000);
        let x = b.get(cpu::slot::x(0));
        b.mark(0x1000);
        b.call(&NOTHING, x, x, x);
        b.end_insn(0x1004);
        b.mark(0x1004);
        b.call(&NOTHING, x, x, x);
        b.end_insn(0x1008);
        let block = b.finish(Term::Jump(0x2000));
        let mut jit = Jit::new();
        jit.compile(&block);
        let st = jit.state();
        let base = st.blocks.get(&0x1000).expect("compiled").entry;
        let (_, rec) = code_at(&st, base).expect("in the code map");
        // The return address of each call site, by guest key.
        let ret = |key: u64| {
            let f = rec
                .faults
                .iter()
                .find(|f| f.call && f.key == key)
                .expect("a call");
            // SAFETY: the site's code lies in the block just compiled.
            let code = unsafe {
                std::slice::from_raw_parts(
                    (base + f.start as usize) as *const u8,
                    (f.end - f.start) as usize,
                )
            };
            let at = code
                .windows(2)
                .position(|w| w == CALL_RAX)
                .expect("call rax");
            (base + f.start as usize + at + 2, f.pushed as usize)
        };
        let ((stale, _), (real, pushed)) = (ret(0x1000), ret(0x1004));
        // A stack: the faulting helper's frame at 0..16, the stale return address inside it,
        // the real one at 24 (below the caller's stack pointer, 25).
        let mut stack = [0usize; 64];
        stack[12] = stale;
        stack[24] = real;
        let rsp = stack.as_ptr() as usize;
        let call_rsp = rsp + 25 * 8;
        // SAFETY: the "stack" is a live array; the rip is no translated code.
        let found = unsafe { find_site(&st, 0x10, rsp, call_rsp) };
        let (site, block_rsp, _, _) = found.expect("the call site");
        assert_eq!((site.key, block_rsp), (0x1004, call_rsp + pushed));
        // A stack pointer at or above the call's is no helper frame of it.
        // SAFETY: as above.
        assert!(unsafe { find_site(&st, 0x10, call_rsp, call_rsp) }.is_none());
    }
}
