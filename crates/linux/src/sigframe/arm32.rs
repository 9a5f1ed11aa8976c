//! The 32-bit ARM signal frames, laid out as `arch/arm/kernel/signal.c` does, and their undoing
//! by `sigreturn` and `rt_sigreturn`; the 32-bit `siginfo_t`.
//!
//! ```text
//! struct sigframe    { struct ucontext uc; /* 744 */ u32 retcode[4]; };          /* 760 */
//! struct rt_sigframe { siginfo_t info; /* 128, 32-bit layout */ struct sigframe sig; };
//! struct ucontext    { u32 uc_flags, uc_link; stack_t uc_stack; /* 12, at 8 */
//!                      struct sigcontext uc_mcontext; /* 84, at 20 */
//!                      u64 uc_sigmask; /* at 104, padded to 128 */
//!                      u32 uc_regspace[128]; /* at 232, 8-aligned */ };
//! struct sigcontext  { u32 trap_no, error_code, oldmask; u32 r0..r10, fp, ip, sp, lr, pc;
//!                      u32 cpsr, fault_address; };
//! ```
//!
//! `uc_regspace` holds the VFP record (`struct vfp_sigframe`: magic 0x56465001, size 288,
//! D0..D31, FPSCR, then FPEXC, FPINST, FPINST2) and a zero word after it. A handler without
//! `SA_SIGINFO` gets a `sigframe` (no siginfo, `uc_flags` 0x5ac3c35a) and only the signal
//! number in r0; an `SA_SIGINFO` one gets an `rt_sigframe` and r1 = &info, r2 = &uc. Frames are
//! 8-byte aligned (AAPCS). The handler runs in Thumb state when bit 0 of its address is set,
//! with the IT state, flags and Q cleared, and returns to `sa_restorer` or, without one, to
//! armrun's trampoline page, which holds the kernel's `sigreturn_codes` (`mov r7, #nr; svc 0`
//! in A32 and Thumb forms); the snippet is also copied into `retcode`, as the kernel does for
//! debuggers that look for it there.

use a32::key;
use a32::vfp::{fpscr, set_fpscr};
use cpu::CpuState;

use super::{enter_handler, frame_top, get32, get64, put32, put64, restore_altstack};
use crate::abi::MINSIGSTKSZ_ARM as MINSIGSTKSZ;
use crate::signal::{SA_RESTORER, SA_SIGINFO, SIGINFO_SIZE, die_by_signal};
use crate::sysno::arm::Sysno;
use crate::{Errno, Linux, SigAction, SysResult};

type Args = [u64; 6];

/// Offsets inside `struct ucontext`.
const UC_FLAGS: usize = 0;
const UC_STACK: usize = 8;
const UC_MCONTEXT: usize = 20;
const UC_SIGMASK: usize = 104;
const UC_REGSPACE: usize = 232;
const UC_SIZE: usize = 744;
/// Offsets inside `struct sigcontext`: r0..r15 (fp, ip, sp, lr, pc are r11..r15) are 16
/// consecutive words from `SC_R0`.
const SC_TRAP_NO: usize = 0;
const SC_ERROR_CODE: usize = 4;
const SC_OLDMASK: usize = 8;
const SC_R0: usize = 12;
const SC_CPSR: usize = 76;
const SC_FAULT: usize = 80;
/// `struct sigframe`: the ucontext, then `retcode[4]`.
const RETCODE: usize = UC_SIZE;
const SIGFRAME_SIZE: usize = UC_SIZE + 16;
/// `struct rt_sigframe`: the siginfo, then a `struct sigframe`.
const RT_SIGFRAME_SIZE: usize = SIGINFO_SIZE + SIGFRAME_SIZE;
/// `uc_flags` of a non-rt frame: a value `trap_no` never has (how the kernel tells the two
/// apart).
const SIGFRAME_FLAGS: u32 = 0x5ac3_c35a;
/// The VFP record: magic, size and offsets of FPSCR and FPEXC in it (D0..D31 start at 8).
const VFP_MAGIC: u32 = 0x5646_5001;
const VFP_SIZE: usize = 288;
const VFP_FPSCR: usize = 264;
const VFP_FPEXC: usize = 272;
// The VFP record and its zero terminator fit `uc_regspace`.
const _: () = assert!(UC_REGSPACE + VFP_SIZE + 4 <= UC_SIZE);
/// D0..D31: the low and high halves of V0..V15 (see the `a32::vfp` register overlay).
const D_REGS: usize = 32;
/// FPEXC.EN: VFP enabled, what a user thread's FPEXC always reads.
const FPEXC_EN: u32 = 1 << 30;
/// FPSCR Len and Stride, cleared for the handler (the procedure call standard wants them 0).
const FPSCR_LEN_STRIDE: u32 = 0x0037_0000;
/// CPSR fields: T (Thumb), E (big-endian data), IT\[1:0\] and IT\[7:2\], NZCVQ + IT\[1:0\] + J
/// (the kernel's `PSR_f`), I (IRQ masked) and the mode field with User mode.
const CPSR_T: u32 = 1 << 5;
const CPSR_E: u32 = 1 << 9;
const CPSR_IT: u32 = 0x0600_fc00;
const CPSR_F: u32 = 0xff00_0000;
const CPSR_I: u32 = 1 << 7;
const CPSR_MODE: u32 = 0x1f;
const MODE_USR: u32 = 0x10;

/// `mov r7, #nr` (A32) and `movs r7, #nr` (T16) for a syscall number below 256.
const fn mov_r7_a32(nr: u64) -> u32 {
    0xe3a0_7000 | nr as u32
}
const fn mov_r7_t16(nr: u64) -> u32 {
    0x2700 | nr as u32
}
/// `svc #0` in A32 and T16.
const SVC_A32: u32 = 0xef00_0000;
const SVC_T16: u32 = 0xdf00;

/// The kernel's `sigreturn_codes` (EABI): words 0-1 A32 sigreturn, word 2 Thumb sigreturn (two
/// halfwords), words 3-4 A32 rt_sigreturn, word 5 Thumb rt_sigreturn. The snippet for a
/// handler starts at word `2 * thumb + 3 * rt`. armrun's trampoline page holds these words.
pub(super) const RETURN_CODES: [u32; 6] = [
    mov_r7_a32(Sysno::sigreturn.number()),
    SVC_A32,
    mov_r7_t16(Sysno::sigreturn.number()) | SVC_T16 << 16,
    mov_r7_a32(Sysno::rt_sigreturn.number()),
    SVC_A32,
    mov_r7_t16(Sysno::rt_sigreturn.number()) | SVC_T16 << 16,
];

/// What the kernel records about a synchronous fault for the sigcontext (`trap_no`,
/// `error_code`, `fault_address`) and the siginfo (`si_addr`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Trap {
    trap_no: u32,
    error_code: u32,
    fault_address: u32,
    /// `si_addr`: the faulting instruction, or the address a fetch failed at.
    pub address: u64,
}

/// FSR bits the arm kernel reports for a prefetch abort: its own "prefetch" marker
/// (`FSR_LNX_PF`) on the short-descriptor status of a page translation fault or a page
/// permission fault.
const FSR_LNX_PF: u32 = 1 << 31;
const FSR_PAGE_TRANSLATION: u32 = 0x7;
const FSR_PAGE_PERMISSION: u32 = 0xf;
/// The FSR's write-not-read bit of a data abort.
const FSR_WRITE: u32 = 1 << 11;
/// The instruction-fault status of a debug event (BKPT).
const FSR_DEBUG: u32 = 0x2;
/// Trap numbers (the vector): 6 undefined instruction, 14 page fault.
const TRAP_UNDEF: u32 = 6;
const TRAP_PAGE_FAULT: u32 = 14;

impl Trap {
    /// The record for synchronous `sig` with `code` raised at `addr` (a pc key or address):
    /// an undefined instruction (`do_undefinstr`: trap 6), a BKPT (a prefetch abort debug event
    /// that `arm_notify_die` reports with the IFSR as error code) or a failed fetch
    /// (`__do_user_fault`: trap 14, the FSR, and the address as `fault_address`).
    pub(super) fn new(sig: i32, code: i32, addr: u64) -> Trap {
        let address = key::addr(addr);
        let (trap_no, error_code, fault_address) = match sig {
            libc::SIGILL => (TRAP_UNDEF, 0, 0),
            libc::SIGTRAP => (0, FSR_DEBUG, 0),
            libc::SIGSEGV => {
                let status = if code == super::si_code::SEGV_ACCERR {
                    FSR_PAGE_PERMISSION
                } else {
                    FSR_PAGE_TRANSLATION
                };
                (TRAP_PAGE_FAULT, FSR_LNX_PF | status, address as u32)
            }
            _ => (0, 0, 0),
        };
        Trap {
            trap_no,
            error_code,
            fault_address,
            address,
        }
    }
}

impl Trap {
    /// The record for a faulting load or store at data address `addr` (`do_DataAbort` ->
    /// `__do_user_fault`: trap 14, the data-abort FSR with its write bit, `addr` as
    /// `fault_address` and `si_addr`).
    pub(super) fn data(sig: i32, code: i32, addr: u64, write: bool) -> Trap {
        let status = if sig == libc::SIGSEGV && code == super::si_code::SEGV_ACCERR {
            FSR_PAGE_PERMISSION
        } else {
            FSR_PAGE_TRANSLATION
        };
        let wnr = if write { FSR_WRITE } else { 0 };
        Trap {
            trap_no: TRAP_PAGE_FAULT,
            error_code: status | wnr,
            fault_address: addr as u32,
            address: addr & 0xffff_ffff,
        }
    }
}

/// Builds the `sigframe` or `rt_sigframe` for handler `act` of `sig` (`setup_frame` /
/// `setup_rt_frame` + `setup_return`), with `trap` for a synchronous fault, and points the
/// registers at the handler. `info` is the host's (64-bit) siginfo.
pub(super) fn setup_frame(
    l: &mut Linux,
    cpu: &mut CpuState,
    sig: i32,
    act: &SigAction,
    info: &[u8; SIGINFO_SIZE],
    trap: Option<Trap>,
) -> Result<(), Errno> {
    let [handler, flags, restorer, _] = *act;
    let rt = flags & SA_SIGINFO != 0;
    let old_mask = l.saved_sigmask.take().unwrap_or(l.sigmask);
    // The key is the truth about the instruction set and IT state; bring the slots the CPSR is
    // assembled from in step with it.
    let pc = key::addr(cpu.pc);
    key::set_pc(cpu, pc, key::thumb(cpu.pc), key::itstate(cpu.pc));
    let cpsr = a32::cpsr(cpu);
    let sp = cpu.x[13] & 0xffff_ffff;
    let top = frame_top(l, sp, flags);
    let size = if rt { RT_SIGFRAME_SIZE } else { SIGFRAME_SIZE };
    let frame = top.wrapping_sub(size as u64) & 0xffff_fff8;

    let mut b = vec![0u8; size];
    // Offset of the `struct sigframe` part.
    let sf = if rt { SIGINFO_SIZE } else { 0 };
    if rt {
        b[..SIGINFO_SIZE].copy_from_slice(&siginfo_to_arm(info));
        let (ss_sp, ss_flags, ss_size) = l.altstack;
        put32(&mut b, sf + UC_STACK, ss_sp as u32);
        put32(&mut b, sf + UC_STACK + 4, ss_flags);
        put32(&mut b, sf + UC_STACK + 8, ss_size as u32);
    } else {
        put32(&mut b, sf + UC_FLAGS, SIGFRAME_FLAGS);
    }
    let sc = sf + UC_MCONTEXT;
    if let Some(t) = trap {
        put32(&mut b, sc + SC_TRAP_NO, t.trap_no);
        put32(&mut b, sc + SC_ERROR_CODE, t.error_code);
        put32(&mut b, sc + SC_FAULT, t.fault_address);
    }
    put32(&mut b, sc + SC_OLDMASK, old_mask as u32);
    for (i, r) in cpu.x[..15].iter().enumerate() {
        put32(&mut b, sc + SC_R0 + 4 * i, *r as u32);
    }
    put32(&mut b, sc + SC_R0 + 4 * 15, pc as u32);
    put32(&mut b, sc + SC_CPSR, cpsr);
    put64(&mut b, sf + UC_SIGMASK, old_mask);
    let vfp = sf + UC_REGSPACE;
    put32(&mut b, vfp, VFP_MAGIC);
    put32(&mut b, vfp + 4, VFP_SIZE as u32);
    for (j, d) in cpu.v[..D_REGS / 2].iter().flatten().enumerate() {
        put64(&mut b, vfp + 8 + 8 * j, *d);
    }
    put32(&mut b, vfp + VFP_FPSCR, fpscr(cpu));
    put32(&mut b, vfp + VFP_FPEXC, FPEXC_EN);
    // FPINST, FPINST2 and the terminator after the record stay zero.

    let thumb = handler & 1 != 0;
    let ret = if flags & SA_RESTORER != 0 {
        restorer & 0xffff_ffff
    } else {
        let idx = 2 * thumb as usize + if rt { 3 } else { 0 };
        // The A32 snippet is two words, the Thumb one two halfwords in one word.
        let words = if thumb { 1 } else { 2 };
        for (i, w) in RETURN_CODES[idx..idx + words].iter().enumerate() {
            put32(&mut b, sf + RETCODE + 4 * i, *w);
        }
        l.sigtramp()? + 4 * idx as u64 + thumb as u64
    };
    l.mem.write(frame, &b)?;

    enter_handler(l, sig, act, top, sp);
    cpu.x[0] = sig as u64;
    if rt {
        cpu.x[1] = frame;
        cpu.x[2] = frame + sf as u64;
    }
    cpu.x[13] = frame;
    cpu.x[14] = ret;
    let entry = cpsr & !(CPSR_F | CPSR_E | CPSR_IT | CPSR_T) | if thumb { CPSR_T } else { 0 };
    a32::set_cpsr(cpu, entry);
    key::set_pc(cpu, handler, thumb, 0);
    set_fpscr(cpu, fpscr(cpu) & !FPSCR_LEN_STRIDE);
    // The kernel's return to user mode clears the exclusive monitor (`clrex` in
    // `restore_user_regs`): a STREX interrupted by the signal fails and its loop retries.
    cpu.excl_addr = u64::MAX;
    Ok(())
}

/// Whether the kernel's `valid_user_regs` accepts a CPSR from a frame: User mode, IRQs not
/// masked (F and A it clears silently).
fn valid_user_cpsr(cpsr: u32) -> bool {
    cpsr & CPSR_MODE == MODE_USR && cpsr & CPSR_I == 0
}

/// Undoes a frame at sp: registers, CPSR (user bits: flags, Q, GE, IT, T), VFP registers and
/// FPSCR, the mask, and for an `rt_sigframe` the alternate stack. A misaligned or unreadable
/// frame, a CPSR that is not User mode or a missing VFP record kill with SIGSEGV, as in the
/// kernel. Returns the restored r0.
fn restore_frame(l: &mut Linux, cpu: &mut CpuState, rt: bool) -> SysResult {
    let frame = cpu.x[13] & 0xffff_ffff;
    if frame & 7 != 0 {
        die_by_signal(libc::SIGSEGV);
    }
    let size = if rt { RT_SIGFRAME_SIZE } else { SIGFRAME_SIZE };
    let mut b = vec![0u8; size];
    if l.mem.read(frame, &mut b).is_err() {
        die_by_signal(libc::SIGSEGV);
    }
    let sf = if rt { SIGINFO_SIZE } else { 0 };
    let sc = sf + UC_MCONTEXT;
    let vfp = sf + UC_REGSPACE;
    let cpsr = get32(&b, sc + SC_CPSR);
    if !valid_user_cpsr(cpsr)
        || get32(&b, vfp) != VFP_MAGIC
        || get32(&b, vfp + 4) as usize != VFP_SIZE
    {
        die_by_signal(libc::SIGSEGV);
    }
    l.set_sigmask(get64(&b, sf + UC_SIGMASK));
    for (i, r) in cpu.x[..15].iter_mut().enumerate() {
        *r = get32(&b, sc + SC_R0 + 4 * i) as u64;
    }
    let pc = get32(&b, sc + SC_R0 + 4 * 15) as u64;
    // set_cpsr loads T and ITSTATE into their slots; the pc key must name the same state.
    a32::set_cpsr(cpu, cpsr);
    let thumb = cpu.get_slot(cpu::slot::THUMB) != 0;
    let it = cpu.get_slot(cpu::slot::ITSTATE) as u8;
    key::set_pc(cpu, pc, thumb, it);
    for (j, d) in cpu.v[..D_REGS / 2].iter_mut().flatten().enumerate() {
        *d = get64(&b, vfp + 8 + 8 * j);
    }
    set_fpscr(cpu, get32(&b, vfp + VFP_FPSCR));
    cpu.excl_addr = u64::MAX;
    if rt {
        let saved = (
            get32(&b, sf + UC_STACK) as u64,
            get32(&b, sf + UC_STACK + 4),
            get32(&b, sf + UC_STACK + 8) as u64,
        );
        restore_altstack(l, cpu.x[13], saved, MINSIGSTKSZ);
    }
    Ok(cpu.x[0])
}

/// `sigreturn` (119) for a 32-bit guest: returns from a `sigframe` (a handler without
/// `SA_SIGINFO`). See [`restore_frame`].
pub(crate) fn sigreturn32(l: &mut Linux, cpu: &mut CpuState, _: &Args) -> SysResult {
    restore_frame(l, cpu, false)
}

/// `rt_sigreturn` (173) for a 32-bit guest: returns from an `rt_sigframe`.
pub(super) fn rt_sigreturn(l: &mut Linux, cpu: &mut CpuState) -> SysResult {
    restore_frame(l, cpu, true)
}

/// Which member of the `siginfo_t` union a (signal, code) pair uses: the kernel's
/// `siginfo_layout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Kill,
    Timer,
    Poll,
    Fault,
    FaultMceErr,
    FaultBndErr,
    FaultPkuErr,
    FaultPerf,
    Chld,
    Rt,
    Sys,
}

/// Signals whose codes the kernel generates (0 < code < `SI_KERNEL`): the last such code and
/// the layout it implies (`NSIGILL`, `NSIGFPE`, ...).
const KERNEL_CODES: [(i32, i32, Layout); 8] = [
    (libc::SIGILL, 11, Layout::Fault),
    (libc::SIGFPE, 15, Layout::Fault),
    (libc::SIGSEGV, 10, Layout::Fault),
    (libc::SIGBUS, 5, Layout::Fault),
    (libc::SIGTRAP, 6, Layout::Fault),
    (libc::SIGCHLD, 6, Layout::Chld),
    (libc::SIGPOLL, 6, Layout::Poll),
    (libc::SIGSYS, 2, Layout::Sys),
];

/// Fault codes with a wider union member: BUS_MCEERR_AR/AO, SEGV_BNDERR, SEGV_PKUERR,
/// TRAP_PERF.
const FAULT_EXCEPTIONS: [(i32, i32, Layout); 5] = [
    (libc::SIGBUS, 4, Layout::FaultMceErr),
    (libc::SIGBUS, 5, Layout::FaultMceErr),
    (libc::SIGSEGV, 3, Layout::FaultBndErr),
    (libc::SIGSEGV, 4, Layout::FaultPkuErr),
    (libc::SIGTRAP, 6, Layout::FaultPerf),
];

/// `si_code` values that pick a layout by themselves.
const SI_KERNEL: i32 = 0x80;
const SI_TIMER: i32 = -2;
const SI_SIGIO: i32 = -5;
/// Codes up to this one are SIGPOLL-style for any other signal.
const NSIGPOLL: i32 = 6;

fn layout(sig: i32, code: i32) -> Layout {
    if code > 0 && code < SI_KERNEL {
        match KERNEL_CODES.iter().find(|k| k.0 == sig) {
            Some(&(_, last, layout)) if code <= last => FAULT_EXCEPTIONS
                .iter()
                .find(|e| e.0 == sig && e.1 == code)
                .map_or(layout, |e| e.2),
            _ if code <= NSIGPOLL => Layout::Poll,
            _ => Layout::Kill,
        }
    } else if code == SI_TIMER {
        Layout::Timer
    } else if code == SI_SIGIO {
        Layout::Poll
    } else if code < 0 {
        Layout::Rt
    } else {
        Layout::Kill
    }
}

/// Per layout, its union fields as (offset in the 64-bit union, offset in the 32-bit union,
/// bytes in the 32-bit one). Longs and pointers shrink to their low 4 bytes (little-endian);
/// a pointer-sized gap before the bounds and pkey fields shrinks with them.
fn union_fields(l: Layout) -> &'static [(usize, usize, usize)] {
    const ID: [(usize, usize, usize); 2] = [(0, 0, 4), (4, 4, 4)];
    match l {
        // si_pid, si_uid
        Layout::Kill => &ID,
        // si_tid, si_overrun, si_value
        Layout::Timer | Layout::Rt => &[ID[0], ID[1], (8, 8, 4)],
        // si_pid, si_uid, si_status, si_utime, si_stime (clock_t is a long)
        Layout::Chld => &[ID[0], ID[1], (8, 8, 4), (16, 12, 4), (24, 16, 4)],
        // si_band (a long), si_fd
        Layout::Poll => &[(0, 0, 4), (8, 4, 4)],
        // si_addr
        Layout::Fault => &[(0, 0, 4)],
        // si_addr, si_addr_lsb
        Layout::FaultMceErr => &[(0, 0, 4), (8, 4, 2)],
        // si_addr, si_addr_lsb, si_lower, si_upper
        Layout::FaultBndErr => &[(0, 0, 4), (8, 4, 2), (16, 8, 4), (24, 12, 4)],
        // si_addr, si_addr_lsb, si_pkey
        Layout::FaultPkuErr => &[(0, 0, 4), (8, 4, 2), (16, 8, 4)],
        // si_addr, si_perf_data, si_perf_type, si_perf_flags
        Layout::FaultPerf => &[(0, 0, 4), (8, 4, 4), (16, 8, 4), (20, 12, 4)],
        // si_call_addr, si_syscall, si_arch
        Layout::Sys => &[(0, 0, 4), (8, 4, 4), (12, 8, 4)],
    }
}

/// Start of the union in the 64-bit and the 32-bit `siginfo_t` (after signo, errno, code).
const UNION64: usize = 16;
const UNION32: usize = 12;

/// Converts a host (64-bit) `siginfo_t` to the 32-bit ARM layout field by field, as the
/// kernel's `copy_siginfo_to_external32` does for the union member the signal and code
/// select.
pub(crate) fn siginfo_to_arm(h: &[u8; SIGINFO_SIZE]) -> [u8; SIGINFO_SIZE] {
    let mut g = [0u8; SIGINFO_SIZE];
    g[..UNION32].copy_from_slice(&h[..UNION32]);
    let (sig, code) = (get32(h, 0) as i32, get32(h, 8) as i32);
    for &(o64, o32, n) in union_fields(layout(sig, code)) {
        g[UNION32 + o32..UNION32 + o32 + n].copy_from_slice(&h[UNION64 + o64..UNION64 + o64 + n]);
    }
    g
}

/// Converts a 32-bit ARM `siginfo_t` (rt_sigqueueinfo and friends) to the host layout, the
/// inverse of [`siginfo_to_arm`]: longs and pointers are zero-extended, as `compat_ptr` does.
pub(crate) fn siginfo_from_arm(g: &[u8; SIGINFO_SIZE]) -> [u8; SIGINFO_SIZE] {
    let mut h = [0u8; SIGINFO_SIZE];
    h[..UNION32].copy_from_slice(&g[..UNION32]);
    let (sig, code) = (get32(g, 0) as i32, get32(g, 8) as i32);
    for &(o64, o32, n) in union_fields(layout(sig, code)) {
        h[UNION64 + o64..UNION64 + o64 + n].copy_from_slice(&g[UNION32 + o32..UNION32 + o32 + n]);
    }
    h
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use mem::GuestMem;

    use super::*;
    use crate::abi;
    use crate::signal::{SA_ONSTACK, bit};

    /// The kernel's structures, for their offsets (arch/arm/include/uapi/asm/sigcontext.h,
    /// asm/ucontext.h, asm/user.h): `long` and pointers are 4 bytes, `long long` is 8-aligned
    /// in the EABI as in x86-64's C layout.
    #[repr(C)]
    struct KSigcontext {
        trap_no: u32,
        error_code: u32,
        oldmask: u32,
        regs: [u32; 16],
        arm_cpsr: u32,
        fault_address: u32,
    }
    #[repr(C)]
    struct KStack {
        ss_sp: u32,
        ss_flags: i32,
        ss_size: u32,
    }
    #[repr(C, align(8))]
    struct KRegspace([u32; 128]);
    #[repr(C)]
    struct KUcontext {
        uc_flags: u32,
        uc_link: u32,
        uc_stack: KStack,
        uc_mcontext: KSigcontext,
        uc_sigmask: [u32; 2],
        unused: [i32; 30],
        uc_regspace: KRegspace,
    }
    #[repr(C)]
    struct KSigframe {
        uc: KUcontext,
        retcode: [u32; 4],
    }
    #[repr(C)]
    struct KRtSigframe {
        info: [u32; 32],
        sig: KSigframe,
    }
    #[repr(C)]
    struct KUserVfp {
        fpregs: [u64; 32],
        fpscr: u32,
    }
    #[repr(C)]
    struct KUserVfpExc {
        fpexc: u32,
        fpinst: u32,
        fpinst2: u32,
    }
    #[repr(C, align(8))]
    struct KVfpSigframe {
        magic: u32,
        size: u32,
        ufp: KUserVfp,
        ufp_exc: KUserVfpExc,
    }

    #[test]
    fn offsets_match_the_kernel_structs() {
        use std::mem::{offset_of, size_of};
        assert_eq!(UC_STACK, offset_of!(KUcontext, uc_stack));
        assert_eq!(UC_MCONTEXT, offset_of!(KUcontext, uc_mcontext));
        assert_eq!(UC_SIGMASK, offset_of!(KUcontext, uc_sigmask));
        assert_eq!(UC_REGSPACE, offset_of!(KUcontext, uc_regspace));
        assert_eq!(UC_SIZE, size_of::<KUcontext>());
        assert_eq!(SC_TRAP_NO, offset_of!(KSigcontext, trap_no));
        assert_eq!(SC_ERROR_CODE, offset_of!(KSigcontext, error_code));
        assert_eq!(SC_OLDMASK, offset_of!(KSigcontext, oldmask));
        assert_eq!(SC_R0, offset_of!(KSigcontext, regs));
        assert_eq!(SC_CPSR, offset_of!(KSigcontext, arm_cpsr));
        assert_eq!(SC_FAULT, offset_of!(KSigcontext, fault_address));
        assert_eq!(RETCODE, offset_of!(KSigframe, retcode));
        assert_eq!(SIGFRAME_SIZE, size_of::<KSigframe>());
        assert_eq!(SIGINFO_SIZE, offset_of!(KRtSigframe, sig));
        assert_eq!(RT_SIGFRAME_SIZE, size_of::<KRtSigframe>());
        assert_eq!(VFP_SIZE, size_of::<KVfpSigframe>());
        assert_eq!(8, offset_of!(KVfpSigframe, ufp));
        assert_eq!(VFP_FPSCR, 8 + offset_of!(KUserVfp, fpscr));
        assert_eq!(VFP_FPEXC, offset_of!(KVfpSigframe, ufp_exc));
        let _ = KStack {
            ss_sp: 0,
            ss_flags: 0,
            ss_size: 0,
        };
        let _ = KUserVfpExc {
            fpexc: 0,
            fpinst: 0,
            fpinst2: 0,
        };
    }

    #[test]
    fn return_codes_are_the_kernels_eabi_snippets() {
        // mov r7, #119; svc 0 | movs r7, #119; svc 0 | mov r7, #173; svc 0 | movs r7, #173; svc 0
        assert_eq!(
            RETURN_CODES,
            [
                0xe3a0_7077,
                0xef00_0000,
                0xdf00_2777,
                0xe3a0_70ad,
                0xef00_0000,
                0xdf00_27ad
            ]
        );
    }

    /// A 32-bit process with `pages` of stack-like memory at a known address.
    fn linux32() -> Linux {
        let mem = GuestMem::new32().expect("32-bit window");
        let mut l = Linux::new(mem, PathBuf::from("/opt/guest/hello32"), None);
        l.set_log_unimp(false);
        l
    }

    fn scratch32(l: &mut Linux, len: u64) -> u64 {
        l.mem_mut()
            .map(
                0,
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
            .expect("map")
    }

    /// A 32-bit CPU with a distinct value in every register the frame saves, interrupted at
    /// `pc` in the given instruction set and IT state.
    fn busy_cpu(sp: u64, pc: u64, thumb: bool, it: u8) -> CpuState {
        let mut cpu = CpuState::default();
        for i in 0..15 {
            cpu.x[i] = 0x8000_0000 + 0x0101_0101 * i as u64;
        }
        cpu.x[13] = sp;
        // N, C and Q set, GE = 0b1010.
        a32::set_cpsr(&mut cpu, 0xa800_0000 | 0x000a_0000 | 0x10);
        key::set_pc(&mut cpu, pc, thumb, it);
        set_fpscr(&mut cpu, 0x6000_0010 | 0x0040_0000 | 0x0003_0000);
        for (j, d) in cpu.v.iter_mut().flatten().enumerate() {
            *d = 0x4000_0000_0000_0000 | (j as u64) << 8 | 0x77;
        }
        // Between an LDREX and its STREX.
        cpu.excl_addr = 0x3_0000;
        cpu
    }

    fn word(l: &Linux, a: u64) -> u32 {
        l.mem().read_u32(a).unwrap()
    }

    /// A kill() siginfo as the host kernel queues it (64-bit layout).
    fn kill_info(sig: i32, pid: u32, uid: u32) -> [u8; SIGINFO_SIZE] {
        let mut h = [0u8; SIGINFO_SIZE];
        put32(&mut h, 0, sig as u32);
        put32(&mut h, 16, pid);
        put32(&mut h, 20, uid);
        h
    }

    #[test]
    fn rt_frame_for_an_a32_handler_and_rt_sigreturn_restore_everything() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        let top = stack + 0x4000 - 4; // misaligned: the frame must be 8-aligned anyway
        let orig = busy_cpu(top, 0x1_0420, false, 0);
        let mut cpu = orig.clone();
        let act = [
            0x2_0000,
            SA_SIGINFO | SA_RESTORER,
            0x2_1000,
            bit(libc::SIGUSR2),
        ];
        l.sigmask = bit(libc::SIGHUP);
        let info = kill_info(libc::SIGUSR1, 4321, 1000);
        setup_frame(&mut l, &mut cpu, libc::SIGUSR1, &act, &info, None).unwrap();

        let frame = cpu.x[13];
        assert_eq!(frame, (top - RT_SIGFRAME_SIZE as u64) & !7);
        assert_eq!(
            (cpu.x[0], cpu.x[1], cpu.x[2], cpu.x[14]),
            (libc::SIGUSR1 as u64, frame, frame + 128, 0x2_1000)
        );
        assert_eq!(cpu.pc, key::key(0x2_0000, false, 0));
        // Flags and Q are cleared for the handler, GE kept, A32 state.
        assert_eq!(a32::cpsr(&cpu), 0x000a_0010);
        assert_eq!(fpscr(&cpu), 0x6040_0010, "Len cleared for the handler");
        assert_eq!(cpu.excl_addr, u64::MAX, "monitor cleared for the handler");
        assert_eq!(
            l.sigmask,
            bit(libc::SIGHUP) | bit(libc::SIGUSR1) | bit(libc::SIGUSR2)
        );

        // The siginfo in the 32-bit layout.
        assert_eq!(word(&l, frame), libc::SIGUSR1 as u32);
        assert_eq!((word(&l, frame + 12), word(&l, frame + 16)), (4321, 1000));
        let uc = frame + 128;
        assert_eq!(word(&l, uc), 0, "uc_flags of an rt frame");
        assert_eq!(word(&l, uc + 12), abi::SS_DISABLE, "uc_stack.ss_flags");
        let sc = uc + 20;
        assert_eq!(word(&l, sc + 8), bit(libc::SIGHUP) as u32, "oldmask");
        for i in 0..15 {
            assert_eq!(word(&l, sc + 12 + 4 * i) as u64, orig.x[i as usize], "r{i}");
        }
        assert_eq!(word(&l, sc + 72), 0x1_0420, "pc");
        assert_eq!(word(&l, sc + 76), 0xa80a_0010, "cpsr");
        assert_eq!(l.mem().read_u64(uc + 104).unwrap(), bit(libc::SIGHUP));
        let vfp = uc + 232;
        assert_eq!((word(&l, vfp), word(&l, vfp + 4)), (VFP_MAGIC, 288));
        assert_eq!(l.mem().read_u64(vfp + 8 + 8 * 5).unwrap(), orig.v[2][1]);
        assert_eq!(word(&l, vfp + 264), 0x6043_0010, "fpscr");
        assert_eq!(word(&l, vfp + 272), FPEXC_EN);
        assert_eq!(word(&l, vfp + 288), 0, "terminator");
        // SA_RESTORER: the kernel leaves retcode alone.
        assert_eq!(l.mem().read_u64(uc + 744).unwrap(), 0);

        // The handler clobbers registers and skips the interrupted instruction.
        l.mem().write_u32(sc + 72, 0x1_0424).unwrap();
        let mut cpu2 = busy_cpu(frame, 0x2_0010, true, 0);
        a32::set_cpsr(&mut cpu2, 0x4000_0030);
        cpu2.x[4] = 0;
        cpu2.v[9] = [1, 2];
        set_fpscr(&mut cpu2, 0);
        let r0 = crate::sigframe::rt_sigreturn(&mut l, &mut cpu2, &[0; 6]).unwrap();
        assert_eq!(r0, orig.x[0]);
        assert_eq!(cpu2.x[..15], orig.x[..15]);
        assert_eq!(cpu2.pc, key::key(0x1_0424, false, 0));
        assert_eq!(a32::cpsr(&cpu2), a32::cpsr(&orig));
        assert_eq!(cpu2.nzcv, orig.nzcv);
        assert_eq!(fpscr(&cpu2), fpscr(&orig));
        assert_eq!(cpu2.v, orig.v);
        assert_eq!(cpu2.excl_addr, u64::MAX, "monitor cleared by the return");
        assert_eq!(l.sigmask, bit(libc::SIGHUP));
    }

    #[test]
    fn non_rt_frame_for_a_thumb_handler_returns_through_the_trampoline() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        let top = stack + 0x3000;
        let orig = busy_cpu(top, 0x1_0400, false, 0);
        let mut cpu = orig.clone();
        let act = [0x2_0001, 0, 0, 0];
        setup_frame(
            &mut l,
            &mut cpu,
            libc::SIGUSR2,
            &act,
            &[0; SIGINFO_SIZE],
            None,
        )
        .unwrap();

        let frame = cpu.x[13];
        assert_eq!(frame, top - SIGFRAME_SIZE as u64);
        assert_eq!(cpu.x[0], libc::SIGUSR2 as u64);
        // No SA_SIGINFO: r1 and r2 keep their values (the kernel sets only r0).
        assert_eq!((cpu.x[1], cpu.x[2]), (orig.x[1], orig.x[2]));
        // Thumb handler: T set, key names Thumb code at the even address.
        assert_eq!(cpu.pc, key::key(0x2_0000, true, 0));
        assert_eq!(a32::cpsr(&cpu) & CPSR_T, CPSR_T);
        assert_eq!(cpu.get_slot(cpu::slot::THUMB), 1);
        assert_eq!(word(&l, frame), SIGFRAME_FLAGS, "uc_flags of a sigframe");
        // lr: the Thumb sigreturn snippet of the trampoline page, with the Thumb bit.
        let lr = cpu.x[14];
        assert_eq!(lr & 1, 1);
        let tramp = lr - 1 - 8;
        assert_eq!(tramp % 4096, 0);
        for (i, w) in RETURN_CODES.iter().enumerate() {
            assert_eq!(word(&l, tramp + 4 * i as u64), *w);
        }
        assert_eq!(l.mem().check(tramp, 4096, libc::PROT_EXEC), Ok(()));
        // The snippet is also in retcode.
        assert_eq!(word(&l, frame + 744), RETURN_CODES[2]);
        assert_eq!(l.sigmask, bit(libc::SIGUSR2));

        cpu.x[7] = 119;
        cpu.v[0] = [0, 0];
        cpu.v[15] = [0, 0];
        let r0 = sigreturn32(&mut l, &mut cpu, &[0; 6]).unwrap();
        assert_eq!(r0, orig.x[0]);
        assert_eq!(cpu.x[..15], orig.x[..15]);
        assert_eq!(cpu.pc, orig.pc);
        assert_eq!(cpu.get_slot(cpu::slot::THUMB), 0);
        assert_eq!(a32::cpsr(&cpu), a32::cpsr(&orig));
        assert_eq!(cpu.v, orig.v);
        assert_eq!(l.sigmask, 0);
    }

    #[test]
    fn a32_handler_without_restorer_gets_the_a32_snippets() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        for (flags, idx) in [(0, 0), (SA_SIGINFO, 3)] {
            let mut cpu = busy_cpu(stack + 0x2000, 0x1_0400, true, 0);
            let act = [0x2_0000, flags, 0, 0];
            setup_frame(
                &mut l,
                &mut cpu,
                libc::SIGINT,
                &act,
                &[0; SIGINFO_SIZE],
                None,
            )
            .unwrap();
            let lr = cpu.x[14];
            assert_eq!(lr & 3, 0, "A32 return address");
            assert_eq!(word(&l, lr), RETURN_CODES[idx]);
            assert_eq!(word(&l, lr + 4), RETURN_CODES[idx + 1]);
            assert_eq!(cpu.get_slot(cpu::slot::THUMB), 0);
            l.sigmask = 0;
        }
    }

    #[test]
    fn it_state_is_saved_in_the_cpsr_cleared_for_the_handler_and_restored() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        // Interrupted inside an IT block in Thumb state (ITSTATE 0b0001_0100: two left).
        let orig = busy_cpu(stack + 0x2000, 0x1_0402, true, 0x14);
        let mut cpu = orig.clone();
        // The slots are stale (a block left them): the key decides.
        cpu.set_slot(cpu::slot::ITSTATE, 0);
        cpu.set_slot(cpu::slot::THUMB, 0);
        let act = [0x2_0001, SA_SIGINFO, 0, 0];
        setup_frame(
            &mut l,
            &mut cpu,
            libc::SIGALRM,
            &act,
            &[0; SIGINFO_SIZE],
            None,
        )
        .unwrap();
        let sc = cpu.x[13] + 128 + 20;
        let saved = word(&l, sc + 76);
        assert_eq!(saved & CPSR_T, CPSR_T);
        // IT[1:0] = 0b00 in bits 26:25, IT[7:2] = 0b000101 in bits 15:10.
        assert_eq!(saved & CPSR_IT, 0x05 << 10);
        assert_eq!(word(&l, sc + 72), 0x1_0402);
        assert_eq!(key::itstate(cpu.pc), 0);
        assert_eq!(cpu.get_slot(cpu::slot::ITSTATE), 0);
        assert_eq!(a32::cpsr(&cpu) & CPSR_IT, 0);

        crate::sigframe::rt_sigreturn(&mut l, &mut cpu, &[0; 6]).unwrap();
        assert_eq!(cpu.pc, key::key(0x1_0402, true, 0x14));
        assert_eq!(cpu.get_slot(cpu::slot::ITSTATE), 0x14);
        assert_eq!(cpu.get_slot(cpu::slot::THUMB), 1);
    }

    #[test]
    fn a_handler_may_switch_the_interrupted_code_to_thumb() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        let mut cpu = busy_cpu(stack + 0x2000, 0x1_0400, false, 0);
        setup_frame(
            &mut l,
            &mut cpu,
            libc::SIGUSR1,
            &[0x2_0000, 0, 0, 0],
            &[0; 128],
            None,
        )
        .unwrap();
        let sc = cpu.x[13] + 20;
        let cpsr = word(&l, sc + 76);
        l.mem().write_u32(sc + 76, cpsr | CPSR_T).unwrap();
        l.mem().write_u32(sc + 72, 0x3_0000).unwrap();
        sigreturn32(&mut l, &mut cpu, &[0; 6]).unwrap();
        assert_eq!(cpu.pc, key::key(0x3_0000, true, 0));
        assert_eq!(cpu.get_slot(cpu::slot::THUMB), 1);
    }

    #[test]
    fn onstack_frames_use_the_alternate_stack_and_autodisarm_until_rt_sigreturn() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        let alt = scratch32(&mut l, 0x4000);
        l.altstack = (alt, abi::SS_AUTODISARM, 0x4000);
        let orig = busy_cpu(stack + 0x3000, 0x1_0400, false, 0);
        let mut cpu = orig.clone();
        let act = [0x2_0000, SA_ONSTACK | SA_SIGINFO, 0, 0];
        setup_frame(&mut l, &mut cpu, libc::SIGUSR2, &act, &[0; 128], None).unwrap();
        let frame = cpu.x[13];
        assert_eq!(frame, (alt + 0x4000 - RT_SIGFRAME_SIZE as u64) & !7);
        let uc = frame + 128;
        assert_eq!(
            (word(&l, uc + 8), word(&l, uc + 12), word(&l, uc + 16)),
            (alt as u32, abi::SS_AUTODISARM, 0x4000)
        );
        assert_eq!(l.altstack.1, abi::SS_DISABLE, "disarmed in the handler");
        crate::sigframe::rt_sigreturn(&mut l, &mut cpu, &[0; 6]).unwrap();
        assert_eq!(cpu.x[13], orig.x[13]);
        assert_eq!(l.altstack, (alt, abi::SS_AUTODISARM, 0x4000));
    }

    #[test]
    fn synchronous_faults_fill_trap_no_error_code_and_fault_address() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        let cases = [
            // Undefined Thumb instruction: trap 6, si_addr the instruction.
            (
                libc::SIGILL,
                1,
                key::key(0x1_0402, true, 0),
                (6, 0, 0),
                0x1_0402,
            ),
            // BKPT: a prefetch-abort debug event.
            (
                libc::SIGTRAP,
                1,
                key::key(0x1_0400, false, 0),
                (0, 2, 0),
                0x1_0400,
            ),
            // Fetch from an unmapped page, then from a mapped one without PROT_EXEC.
            (
                libc::SIGSEGV,
                1,
                0x5_0000,
                (14, 0x8000_0007, 0x5_0000),
                0x5_0000,
            ),
            (
                libc::SIGSEGV,
                2,
                0x5_0000,
                (14, 0x8000_000f, 0x5_0000),
                0x5_0000,
            ),
        ];
        for (sig, code, pc, (trap_no, error, fault), si_addr) in cases {
            l.actions()[(sig - 1) as usize] = [0x2_0000, SA_SIGINFO, 0, 0];
            let mut cpu = busy_cpu(stack + 0x2000, 0, false, 0);
            cpu.pc = pc;
            crate::sigframe::force_sync_signal(&mut l, &mut cpu, sig, code, pc, None);
            let frame = cpu.x[13];
            assert_eq!(cpu.x[0], sig as u64);
            assert_eq!(word(&l, frame), sig as u32);
            assert_eq!(word(&l, frame + 8), code as u32);
            assert_eq!(word(&l, frame + 12), si_addr, "si_addr of {sig}");
            let sc = frame + 128 + 20;
            assert_eq!(
                (word(&l, sc), word(&l, sc + 4), word(&l, sc + 80)),
                (trap_no, error, fault),
                "sigcontext of {sig}/{code}"
            );
            l.sigmask = 0;
        }
    }

    #[test]
    fn siginfo_converts_by_signal_and_code() {
        // (signo, code, 64-bit union words as (offset, bytes), expected 32-bit union words)
        let w = |v: u64| v.to_le_bytes();
        type Case = (i32, i32, Vec<(usize, [u8; 8])>, Vec<(usize, u32)>);
        let cases: Vec<Case> = vec![
            // kill: pid, uid
            (
                libc::SIGUSR1,
                0,
                vec![(0, w(77 | 1000 << 32))],
                vec![(0, 77), (4, 1000)],
            ),
            // tkill (SI_TKILL = -6): the rt layout, pid, uid, value
            (
                libc::SIGUSR1,
                -6,
                vec![(0, w(5 | 6 << 32)), (8, w(0xdead))],
                vec![(0, 5), (4, 6), (8, 0xdead)],
            ),
            // sigqueue (SI_QUEUE = -1): pid, uid, value
            (
                libc::SIGRTMIN(),
                -1,
                vec![(0, w(9 | 10 << 32)), (8, w(0x1234_5678))],
                vec![(0, 9), (4, 10), (8, 0x1234_5678)],
            ),
            // POSIX timer (SI_TIMER): tid, overrun, value
            (
                libc::SIGALRM,
                -2,
                vec![(0, w(3 | 2 << 32)), (8, w(0xabcd))],
                vec![(0, 3), (4, 2), (8, 0xabcd)],
            ),
            // SIGCHLD CLD_EXITED: pid, uid, status, utime, stime (longs shrink)
            (
                libc::SIGCHLD,
                1,
                vec![(0, w(42 | 7 << 32)), (8, w(3)), (16, w(11)), (24, w(12))],
                vec![(0, 42), (4, 7), (8, 3), (12, 11), (16, 12)],
            ),
            // SIGSEGV SEGV_MAPERR: si_addr
            (
                libc::SIGSEGV,
                1,
                vec![(0, w(0xbeef_0000))],
                vec![(0, 0xbeef_0000)],
            ),
            // SIGBUS BUS_MCEERR_AR: si_addr, si_addr_lsb
            (
                libc::SIGBUS,
                4,
                vec![(0, w(0x1000)), (8, w(12))],
                vec![(0, 0x1000), (4, 12)],
            ),
            // SIGPOLL POLL_IN: band, fd
            (
                libc::SIGPOLL,
                1,
                vec![(0, w(0x41)), (8, w(9))],
                vec![(0, 0x41), (4, 9)],
            ),
            // SIGIO from F_SETSIG (SI_SIGIO): band, fd
            (
                libc::SIGRTMIN() + 1,
                -5,
                vec![(0, w(1)), (8, w(4))],
                vec![(0, 1), (4, 4)],
            ),
            // A code above SIGBUS's last one (5) that is a POLL-style code: band, fd
            (
                libc::SIGBUS,
                6,
                vec![(0, w(0x1234)), (8, w(3))],
                vec![(0, 0x1234), (4, 3)],
            ),
            // Above SIGSEGV's last code (10) and every POLL code: the kill layout
            (
                libc::SIGSEGV,
                11,
                vec![(0, w(8 | 9 << 32)), (8, w(0xbeef))],
                vec![(0, 8), (4, 9)],
            ),
            // SIGUSR1 with a positive code (not a kernel-coded signal): the POLL layout
            (
                libc::SIGUSR1,
                2,
                vec![(0, w(0x41)), (8, w(7))],
                vec![(0, 0x41), (4, 7)],
            ),
            // Above every POLL code: the kill layout
            (
                libc::SIGUSR1,
                9,
                vec![(0, w(5 | 6 << 32)), (8, w(0xdead))],
                vec![(0, 5), (4, 6)],
            ),
            // SIGSYS SYS_SECCOMP: call_addr, syscall, arch
            (
                libc::SIGSYS,
                1,
                vec![(0, w(0x1_0000)), (8, w(4 | 0x4000_0028 << 32))],
                vec![(0, 0x1_0000), (4, 4), (8, 0x4000_0028)],
            ),
        ];
        for (sig, code, fields, want) in cases {
            let mut h = [0u8; SIGINFO_SIZE];
            put32(&mut h, 0, sig as u32);
            put32(&mut h, 4, 0);
            put32(&mut h, 8, code as u32);
            for (off, v) in fields {
                h[UNION64 + off..UNION64 + off + 8].copy_from_slice(&v);
            }
            let g = siginfo_to_arm(&h);
            assert_eq!(get32(&g, 0), sig as u32);
            assert_eq!(get32(&g, 8), code as u32);
            let mut expect = [0u8; SIGINFO_SIZE];
            expect[..12].copy_from_slice(&g[..12]);
            for (off, v) in want {
                put32(&mut expect, UNION32 + off, v);
            }
            assert_eq!(g, expect, "signal {sig} code {code}");
        }
    }

    /// Runs `f` in a forked child and returns the signal that ended it (0 if it exited).
    fn killed_by(f: impl FnOnce()) -> i32 {
        // SAFETY: the child only runs `f` (guest-memory copies, then raw syscalls to die) and
        // leaves with _exit; the parent waits for it.
        unsafe {
            let pid = libc::fork();
            assert!(pid >= 0);
            if pid == 0 {
                f();
                libc::_exit(0);
            }
            let mut status = 0;
            assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
            if libc::WIFSIGNALED(status) {
                libc::WTERMSIG(status)
            } else {
                0
            }
        }
    }

    #[test]
    fn corrupt_frames_kill_with_sigsegv() {
        let mut l = linux32();
        let stack = scratch32(&mut l, 0x4000);
        let mut cpu = busy_cpu(stack + 0x2000, 0x1_0400, false, 0);
        setup_frame(
            &mut l,
            &mut cpu,
            libc::SIGUSR1,
            &[0x2_0000, 0, 0, 0],
            &[0; 128],
            None,
        )
        .unwrap();
        let frame = cpu.x[13];
        let (sc, vfp) = (frame + 20, frame + 232);
        // (what to corrupt, value) then whether sigreturn survives.
        let cases: [(u64, u32, u64, i32); 5] = [
            (0, 0, frame, 0),
            (0, 0, frame + 4, libc::SIGSEGV),
            (sc + 76, 0x13, frame, libc::SIGSEGV), // supervisor mode
            (sc + 76, 0x90, frame, libc::SIGSEGV), // IRQs masked
            (vfp, 0x1234, frame, libc::SIGSEGV),   // no VFP record
        ];
        for (at, v, sp, want) in cases {
            let got = killed_by(|| {
                if at != 0 {
                    l.mem().write_u32(at, v).unwrap();
                }
                let mut c = cpu.clone();
                c.x[13] = sp;
                sigreturn32(&mut l, &mut c, &[0; 6]).unwrap();
            });
            assert_eq!(got, want, "corrupting {at:#x} with {v:#x}, sp {sp:#x}");
        }
        // A frame beyond the mapped stack.
        let got = killed_by(|| {
            let mut c = cpu.clone();
            c.x[13] = 8; // the first page is never mapped
            crate::sigframe::rt_sigreturn(&mut l, &mut c, &[0; 6]).unwrap();
        });
        assert_eq!(got, libc::SIGSEGV);
    }
}
