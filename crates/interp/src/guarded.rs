//! Guest memory accesses that survive a host fault.
//!
//! The interpreter reaches guest memory at `mem_base + address`, like translated code, so a
//! guest access to an unmapped or protected page faults on the host. Each access is one
//! instruction in the small assembly routines below (an "exception table" in the kernel's
//! sense): [`recover`], called from the host SIGSEGV/SIGBUS handler, sees the faulting
//! instruction inside them and resumes the thread at a `ret` with the fault's details in the
//! return registers, so the access returns an error instead of killing armrun, and
//! [`crate::run_block`] leaves the block as translated code does at a fault.
//!
//! The routines are leaf functions that touch no stack: at the faulting instruction the return
//! address is on top of the stack, so resuming at any `ret` returns to the caller.

use std::arch::global_asm;

/// What the host reported about a guest access that faulted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    /// The host signal (SIGSEGV or SIGBUS).
    pub sig: i32,
    /// Its `si_code`.
    pub code: i32,
    /// True if the access was a write.
    pub write: bool,
    /// The host address that faulted.
    pub host_addr: u64,
}

// The System V ABI returns a two-word integer struct in rax:rdx: the value (or the faulting
// host address) and a status, 0 or the fault's details as `recover` encodes them.
global_asm!(
    ".text",
    ".p2align 4",
    ".globl armrun_interp_guarded_begin",
    "armrun_interp_guarded_begin:",
    // load(rdi: host address, esi: size 1, 2, 4 or 8)
    ".globl armrun_interp_load",
    "armrun_interp_load:",
    "xor edx, edx",
    "cmp esi, 2",
    "jb .Lload_byte",
    "je .Lload_half",
    "cmp esi, 4",
    "je .Lload_word",
    "mov rax, qword ptr [rdi]",
    "ret",
    ".Lload_byte:",
    "movzx eax, byte ptr [rdi]",
    "ret",
    ".Lload_half:",
    "movzx eax, word ptr [rdi]",
    "ret",
    ".Lload_word:",
    "mov eax, dword ptr [rdi]",
    "ret",
    // store(rdi: host address, rsi: value, edx: size 1, 2, 4 or 8)
    ".globl armrun_interp_store",
    "armrun_interp_store:",
    "mov ecx, edx",
    "xor edx, edx",
    "xor eax, eax",
    "cmp ecx, 2",
    "jb .Lstore_byte",
    "je .Lstore_half",
    "cmp ecx, 4",
    "je .Lstore_word",
    "mov qword ptr [rdi], rsi",
    "ret",
    ".Lstore_byte:",
    "mov byte ptr [rdi], sil",
    "ret",
    ".Lstore_half:",
    "mov word ptr [rdi], si",
    "ret",
    ".Lstore_word:",
    "mov dword ptr [rdi], esi",
    "ret",
    // copy(rdi: destination, rsi: source, rdx: length 1, 2, 4, 8 or 16), one side guest
    // memory, in moves of the element sizes a vector access of that length has on ARM (and in
    // translated code): each single-copy atomic, where a byte copy could tear a word that
    // another thread writes.
    ".globl armrun_interp_copy",
    "armrun_interp_copy:",
    "mov rcx, rdx",
    "xor edx, edx",
    "cmp rcx, 8",
    "jb .Lcopy_small",
    "mov rax, qword ptr [rsi]",
    "mov qword ptr [rdi], rax",
    "cmp rcx, 16",
    "jb .Lcopy_done",
    "mov rax, qword ptr [rsi + 8]",
    "mov qword ptr [rdi + 8], rax",
    "jmp .Lcopy_done",
    ".Lcopy_small:",
    "cmp rcx, 4",
    "jb .Lcopy_half",
    "mov eax, dword ptr [rsi]",
    "mov dword ptr [rdi], eax",
    "jmp .Lcopy_done",
    ".Lcopy_half:",
    "cmp rcx, 2",
    "jb .Lcopy_byte",
    "movzx eax, word ptr [rsi]",
    "mov word ptr [rdi], ax",
    "jmp .Lcopy_done",
    ".Lcopy_byte:",
    "test rcx, rcx",
    "jz .Lcopy_done",
    "movzx eax, byte ptr [rsi]",
    "mov byte ptr [rdi], al",
    ".Lcopy_done:",
    "xor eax, eax",
    "ret",
    // Where `recover` resumes a faulted access.
    ".globl armrun_interp_fault_return",
    "armrun_interp_fault_return:",
    "ret",
    ".globl armrun_interp_guarded_end",
    "armrun_interp_guarded_end:",
);

/// A guarded routine's result: `value` and `status` (see the `global_asm!` above).
#[repr(C)]
struct Access {
    value: u64,
    status: u64,
}

unsafe extern "C" {
    fn armrun_interp_guarded_begin();
    fn armrun_interp_guarded_end();
    fn armrun_interp_fault_return();
    fn armrun_interp_load(addr: *const u8, size: u32) -> Access;
    fn armrun_interp_store(addr: *mut u8, value: u64, size: u32) -> Access;
    fn armrun_interp_copy(dst: *mut u8, src: *const u8, len: usize) -> Access;
}

/// The fault an access reported, if any.
fn result(a: Access) -> Result<u64, Fault> {
    if a.status == 0 {
        return Ok(a.value);
    }
    Err(Fault {
        sig: (a.status >> 8) as u8 as i32,
        code: (a.status >> 32) as u32 as i32,
        write: a.status & 2 != 0,
        host_addr: a.value,
    })
}

/// Loads `size` (1, 2, 4 or 8) bytes from host address `addr`, zero-extended.
///
/// # Safety
/// `addr` must be guest memory (a fault there is recovered only with [`recover`] installed in
/// the host's SIGSEGV/SIGBUS handler), or valid host memory.
pub unsafe fn load(addr: *const u8, size: usize) -> Result<u64, Fault> {
    // SAFETY: the routine reads `size` bytes at `addr`, which the caller vouches for.
    result(unsafe { armrun_interp_load(addr, size as u32) })
}

/// Stores the low `size` (1, 2, 4 or 8) bytes of `value` at host address `addr`.
///
/// # Safety
/// As [`load`].
pub unsafe fn store(addr: *mut u8, value: u64, size: usize) -> Result<(), Fault> {
    // SAFETY: the routine writes `size` bytes at `addr`, which the caller vouches for.
    result(unsafe { armrun_interp_store(addr, value, size as u32) }).map(|_| ())
}

/// Copies `len` (1, 2, 4, 8 or 16) bytes from `src` to `dst`, one of them guest memory and the
/// other valid host memory, in single-copy atomic pieces of up to 8 bytes; a fault may leave
/// the first 8 of 16 bytes copied.
///
/// # Safety
/// As [`load`] for the guest side; the host side must be valid for `len` bytes.
pub unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) -> Result<(), Fault> {
    // SAFETY: the routine copies `len` bytes between the ranges the caller vouches for.
    result(unsafe { armrun_interp_copy(dst, src, len) }).map(|_| ())
}

/// x86-64 page-fault error code bit: the access was a write.
const PF_WRITE: i64 = 2;

/// Called from a host SIGSEGV/SIGBUS handler on the faulting thread: if the fault is one of
/// the guarded accesses, makes it return the fault (signal, `si_code`, direction and
/// `host_addr`) to its caller and returns true; otherwise changes nothing and returns false.
///
/// # Safety
/// `uc` must be the `ucontext_t` the kernel passed to the running `SA_SIGINFO` handler, and
/// `host_addr` that signal's `si_addr`.
pub unsafe fn recover(uc: *mut libc::c_void, sig: i32, code: i32, host_addr: u64) -> bool {
    if uc.is_null() {
        return false;
    }
    // SAFETY: the caller passes the kernel's ucontext for this signal.
    let gregs = unsafe { &mut (*(uc as *mut libc::ucontext_t)).uc_mcontext.gregs };
    let rip = gregs[libc::REG_RIP as usize] as usize;
    let begin = armrun_interp_guarded_begin as *const () as usize;
    let end = armrun_interp_guarded_end as *const () as usize;
    if !(begin..end).contains(&rip) {
        return false;
    }
    let write = gregs[libc::REG_ERR as usize] & PF_WRITE != 0;
    let status =
        1 | u64::from(write) << 1 | u64::from(sig as u8) << 8 | u64::from(code as u32) << 32;
    gregs[libc::REG_RAX as usize] = host_addr as i64;
    gregs[libc::REG_RDX as usize] = status as i64;
    gregs[libc::REG_RIP as usize] = armrun_interp_fault_return as *const () as usize as i64;
    true
}
