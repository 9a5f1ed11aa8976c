//! The AArch64 signal frame, laid out as `arch/arm64/kernel/signal.c` does, and its undoing by
//! `rt_sigreturn`; synchronous signals from guest faults.
//!
//! ```text
//! struct rt_sigframe { siginfo_t info; /* 128 */ struct ucontext uc; /* 4560 */ };
//! struct ucontext { u64 uc_flags; u64 uc_link; stack_t uc_stack; /* 24 */ u64 uc_sigmask;
//!                   u8 __unused[120]; struct sigcontext uc_mcontext; /* at 176 */ };
//! struct sigcontext { u64 fault_address; u64 regs[31]; u64 sp, pc, pstate;
//!                     u8 __reserved[4096] /* at 288, 16-aligned: records */; };
//! ```
//!
//! `__reserved` holds `fpsimd_context` (magic 0x46508001, 528 bytes: fpsr, fpcr, v0..v31),
//! an `esr_context` (magic 0x45535201) for faults that carry a syndrome, then a zero
//! terminator. Above the frame sits a `frame_record` (x29, x30) that x29 points at, so
//! unwinders walk through handlers. The return address is the guest's `sa_restorer` when
//! given, else a trampoline page armrun maps (arm64 glibc relies on the vDSO's
//! `__kernel_rt_sigreturn`, which is the same two instructions).
//!
//! 32-bit guests get the arm frames instead (`arm32`): `setup_frame`, `rt_sigreturn` and
//! `force_sync_signal` branch there when the address space is 32-bit, and the trampoline page
//! then holds the arm sigreturn snippets. The stack choice, the handler's mask and the
//! alternate-stack restore are shared.

mod arm32;

use cpu::CpuState;

/// `sigreturn` for 32-bit guests (rt_sigreturn serves both widths), and the 32-bit siginfo
/// conversions the 32-bit syscall layer (`crate::arm32`) shares.
pub(crate) use arm32::{siginfo_from_arm, siginfo_to_arm, sigreturn32};

use crate::signal::{
    SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTORER, SA_SIGINFO, SIG_DFL, SIG_IGN, SIGINFO_SIZE,
    bit, die_by_signal,
};
use crate::{Errno, Linux, SigAction, SysResult, abi};

type Args = [u64; 6];

/// Offset of `uc` in the frame.
const UC: usize = SIGINFO_SIZE;
/// Offsets inside `struct ucontext`.
const UC_STACK: usize = 16;
const UC_SIGMASK: usize = 40;
const UC_MCONTEXT: usize = 176;
/// Offsets inside `struct sigcontext`.
const SC_FAULT: usize = 0;
const SC_REGS: usize = 8;
const SC_SP: usize = 256;
const SC_PC: usize = 264;
const SC_PSTATE: usize = 272;
const SC_RESERVED: usize = 288;
const RESERVED_SIZE: usize = 4096;
/// Size of the whole frame: siginfo + ucontext (176 + 288 + 4096).
pub(crate) const FRAME_SIZE: usize = UC + UC_MCONTEXT + SC_RESERVED + RESERVED_SIZE;
/// Record magics and sizes.
const FPSIMD_MAGIC: u32 = 0x4650_8001;
const FPSIMD_SIZE: usize = 528;
const ESR_MAGIC: u32 = 0x4553_5201;
const ESR_SIZE: usize = 16;
/// `mov x8, #139 (rt_sigreturn); svc #0`.
const SIGTRAMP: [u32; 2] = [0xd280_1168, 0xd400_0001];
/// PSTATE bits restored from a frame (NZCV; EL0 has nothing else the guest may set here).
const PSTATE_NZCV: u64 = 0xf000_0000;

/// Fault details for a synchronous signal: `sigcontext.fault_address` and the ESR record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fault {
    /// `fault_address` in the sigcontext.
    pub addr: u64,
    /// Exception syndrome, written as an `esr_context` record.
    pub esr: u64,
}

fn put64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn get64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap_or([0; 8]))
}

fn get32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap_or([0; 4]))
}

impl Linux {
    /// The guest address of the sigreturn trampoline, mapping it on first use.
    fn sigtramp(&mut self) -> Result<u64, Errno> {
        if self.sigtramp != 0 {
            return Ok(self.sigtramp);
        }
        let page = self
            .mem
            .map(
                0,
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
            .map_err(Errno)?;
        let code: &[u32] = if self.mem.is32() {
            &arm32::RETURN_CODES
        } else {
            &SIGTRAMP
        };
        for (i, w) in code.iter().enumerate() {
            self.mem.write_u32(page + 4 * i as u64, *w)?;
        }
        self.mem
            .protect(page, 4096, libc::PROT_READ | libc::PROT_EXEC)
            .map_err(Errno)?;
        self.sigtramp = page;
        Ok(page)
    }
}

/// Where a handler's frame goes below: the top of the alternate stack when the action asks for
/// it (`SA_ONSTACK`), one is enabled and `sp` is not already on it, else `sp` (the kernel's
/// `sigsp`).
fn frame_top(l: &Linux, sp: u64, flags: u64) -> u64 {
    let (ss_sp, ss_flags, ss_size) = l.altstack;
    let enabled = ss_size != 0 && ss_flags & abi::SS_DISABLE == 0;
    if flags & SA_ONSTACK != 0 && enabled && !l.on_altstack(sp) {
        ss_sp.wrapping_add(ss_size)
    } else {
        sp
    }
}

/// After a frame was written at `top` for a thread interrupted at `sp`: an `SS_AUTODISARM`
/// alternate stack in use is disabled until sigreturn restores it; then the handler's mask
/// (`sa_mask`, plus `sig` unless `SA_NODEFER`) takes effect and `SA_RESETHAND` resets the
/// action.
fn enter_handler(l: &mut Linux, sig: i32, act: &SigAction, top: u64, sp: u64) {
    let [_, flags, _, sa_mask] = *act;
    if l.altstack.1 & abi::SS_AUTODISARM != 0 && top != sp {
        l.altstack = (0, abi::SS_DISABLE, 0);
    }
    let mut mask = l.sigmask | sa_mask;
    if flags & SA_NODEFER == 0 {
        mask |= bit(sig);
    }
    l.set_sigmask(mask);
    if flags & SA_RESETHAND != 0 {
        l.reset_action(sig);
    }
}

/// `restore_altstack`: the `uc_stack` saved in a frame becomes the alternate stack again
/// (unless the thread now runs on the current one); a stack below `min_size` is ignored.
fn restore_altstack(l: &mut Linux, sp: u64, saved: (u64, u32, u64), min_size: u64) {
    let (ss_sp, ss_flags, ss_size) = saved;
    if !l.on_altstack(sp) {
        let mode = ss_flags & !(abi::SS_AUTODISARM | abi::SS_ONSTACK);
        if mode == abi::SS_DISABLE {
            l.altstack = (0, abi::SS_DISABLE, 0);
        } else if mode == 0 && ss_size >= min_size {
            l.altstack = (ss_sp, ss_flags & abi::SS_AUTODISARM, ss_size);
        }
    }
}

/// Builds the frame for handler `act` of `sig` and points the registers at the handler
/// (`setup_rt_frame` + `setup_return`). The new blocked mask takes effect here. A 32-bit guest
/// gets the arm frames of `arm32` (its fault details come from [`force_sync_signal`]).
pub(crate) fn setup_frame(
    l: &mut Linux,
    cpu: &mut CpuState,
    sig: i32,
    act: &SigAction,
    info: &[u8; SIGINFO_SIZE],
    fault: Option<Fault>,
) -> Result<(), Errno> {
    if l.mem.is32() {
        return arm32::setup_frame(l, cpu, sig, act, info, None);
    }
    let [handler, flags, restorer, _] = *act;
    let old_mask = l.saved_sigmask.take().unwrap_or(l.sigmask);
    let sp = cpu.x[31];
    let (ss_sp, ss_flags, ss_size) = l.altstack;
    let top = frame_top(l, sp, flags);
    let record = top.wrapping_sub(16) & !15;
    let frame = record.wrapping_sub(FRAME_SIZE as u64) & !15;

    let mut b = vec![0u8; FRAME_SIZE];
    if flags & SA_SIGINFO != 0 {
        b[..SIGINFO_SIZE].copy_from_slice(info);
    }
    let uc = UC;
    put64(&mut b, uc + UC_STACK, ss_sp);
    put32(&mut b, uc + UC_STACK + 8, ss_flags);
    put64(&mut b, uc + UC_STACK + 16, ss_size);
    put64(&mut b, uc + UC_SIGMASK, old_mask);
    let sc = uc + UC_MCONTEXT;
    put64(&mut b, sc + SC_FAULT, fault.map_or(0, |f| f.addr));
    for i in 0..31 {
        put64(&mut b, sc + SC_REGS + 8 * i, cpu.x[i]);
    }
    put64(&mut b, sc + SC_SP, sp);
    put64(&mut b, sc + SC_PC, cpu.pc);
    put64(&mut b, sc + SC_PSTATE, cpu.nzcv & PSTATE_NZCV);
    let mut r = sc + SC_RESERVED;
    put32(&mut b, r, FPSIMD_MAGIC);
    put32(&mut b, r + 4, FPSIMD_SIZE as u32);
    put32(&mut b, r + 8, cpu.fpsr as u32);
    put32(&mut b, r + 12, cpu.fpcr as u32);
    for (i, v) in cpu.v.iter().enumerate() {
        put64(&mut b, r + 16 + 16 * i, v[0]);
        put64(&mut b, r + 24 + 16 * i, v[1]);
    }
    r += FPSIMD_SIZE;
    if let Some(f) = fault {
        put32(&mut b, r, ESR_MAGIC);
        put32(&mut b, r + 4, ESR_SIZE as u32);
        put64(&mut b, r + 8, f.esr);
    }
    // The terminator is the zeroed record that follows.

    let ret = if flags & SA_RESTORER != 0 {
        restorer
    } else {
        l.sigtramp()?
    };
    l.mem.write(frame, &b)?;
    l.mem.write_u64(record, cpu.x[29])?;
    l.mem.write_u64(record + 8, cpu.x[30])?;

    enter_handler(l, sig, act, top, sp);
    cpu.x[0] = sig as u64;
    if flags & SA_SIGINFO != 0 {
        cpu.x[1] = frame;
        cpu.x[2] = frame + UC as u64;
    }
    cpu.x[31] = frame;
    cpu.x[29] = record;
    cpu.x[30] = ret;
    cpu.pc = handler;
    Ok(())
}

/// `rt_sigreturn`: restores registers, FP/SIMD state, mask and alternate stack from the frame
/// at sp. A bad frame is fatal (SIGSEGV), as in the kernel. Returns the restored x0, which the
/// dispatcher writes back unchanged. A 32-bit guest returns from its arm `rt_sigframe`
/// (`arm32`).
pub(crate) fn rt_sigreturn(l: &mut Linux, cpu: &mut CpuState, _: &Args) -> SysResult {
    if l.mem.is32() {
        return arm32::rt_sigreturn(l, cpu);
    }
    let frame = cpu.x[31];
    if frame & 15 != 0 {
        die_by_signal(libc::SIGSEGV);
    }
    let mut b = vec![0u8; FRAME_SIZE];
    if l.mem.read(frame, &mut b).is_err() {
        die_by_signal(libc::SIGSEGV);
    }
    let sc = UC + UC_MCONTEXT;
    // Find the FP/SIMD record before changing anything.
    let mut r = sc + SC_RESERVED;
    let end = sc + SC_RESERVED + RESERVED_SIZE;
    let mut fp = None;
    while r + 8 <= end {
        let (magic, size) = (get32(&b, r), get32(&b, r + 4) as usize);
        if magic == 0 && size == 0 {
            break;
        }
        if size < 8 || r + size > end {
            die_by_signal(libc::SIGSEGV);
        }
        if magic == FPSIMD_MAGIC {
            if size != FPSIMD_SIZE {
                die_by_signal(libc::SIGSEGV);
            }
            fp = Some(r);
        }
        r += size;
    }
    let Some(fp) = fp else {
        die_by_signal(libc::SIGSEGV)
    };
    for i in 0..31 {
        cpu.x[i] = get64(&b, sc + SC_REGS + 8 * i);
    }
    cpu.x[31] = get64(&b, sc + SC_SP);
    cpu.pc = get64(&b, sc + SC_PC);
    cpu.nzcv = get64(&b, sc + SC_PSTATE) & PSTATE_NZCV;
    cpu.fpsr = get32(&b, fp + 8) as u64;
    cpu.fpcr = get32(&b, fp + 12) as u64;
    for (i, v) in cpu.v.iter_mut().enumerate() {
        v[0] = get64(&b, fp + 16 + 16 * i);
        v[1] = get64(&b, fp + 24 + 16 * i);
    }
    l.set_sigmask(get64(&b, UC + UC_SIGMASK));
    let saved = (
        get64(&b, UC + UC_STACK),
        get32(&b, UC + UC_STACK + 8),
        get64(&b, UC + UC_STACK + 16),
    );
    restore_altstack(l, cpu.x[31], saved, abi::MINSIGSTKSZ);
    Ok(cpu.x[0])
}

/// `si_code` values used for synchronous signals.
pub mod si_code {
    /// SIGILL: illegal opcode.
    pub const ILL_ILLOPC: i32 = 1;
    /// SIGTRAP: breakpoint.
    pub const TRAP_BRKPT: i32 = 1;
    /// SIGSEGV: address not mapped.
    pub const SEGV_MAPERR: i32 = 1;
    /// SIGSEGV: no permission for the access.
    pub const SEGV_ACCERR: i32 = 2;
}

/// Delivers a synchronous signal raised by the guest's own instruction at `cpu.pc` (undefined
/// instruction, BRK, fetch from non-executable memory): to the guest's handler if it has one
/// and does not block the signal, else the process dies by it (the kernel's
/// `force_sig_info`: a blocked or ignored fault signal is fatal).
pub fn force_sync_signal(
    l: &mut Linux,
    cpu: &mut CpuState,
    sig: i32,
    code: i32,
    addr: u64,
    esr: Option<u64>,
) {
    let fault = esr.map(|esr| Fault { addr: 0, esr });
    force(
        l,
        cpu,
        sig,
        code,
        addr,
        fault,
        arm32::Trap::new(sig, code, addr),
    );
}

/// ESR of an arm64 data abort from EL0 (`ESR_ELx_EC_DABT_LOW`, 32-bit instruction): the class
/// and IL bits, WnR for a write, and the fault status of a level-3 translation fault (a missing
/// page) or permission fault. No instruction syndrome (ISV clear), as for any access the
/// emulator cannot describe register by register.
fn data_abort_esr(code: i32, write: bool) -> u64 {
    const EC_DABT_LOW: u64 = 0x24 << 26;
    const IL: u64 = 1 << 25;
    const WNR: u64 = 1 << 6;
    const FSC_TRANSLATION_L3: u64 = 0x07;
    const FSC_PERMISSION_L3: u64 = 0x0f;
    let fsc = if code == si_code::SEGV_ACCERR {
        FSC_PERMISSION_L3
    } else {
        FSC_TRANSLATION_L3
    };
    EC_DABT_LOW | IL | if write { WNR } else { 0 } | fsc
}

/// Delivers the fault of the guest load or store at `cpu.pc` (the kernel's user page-fault
/// path): `sig` (SIGSEGV or SIGBUS) with `code` and the data address as `si_addr`; an arm64
/// frame records that address and a data-abort ESR, an arm frame the data-abort FSR.
pub fn force_data_fault(
    l: &mut Linux,
    cpu: &mut CpuState,
    sig: i32,
    code: i32,
    addr: u64,
    write: bool,
) {
    let fault = Fault {
        addr,
        esr: data_abort_esr(code, write),
    };
    let trap = arm32::Trap::data(sig, code, addr, write);
    force(l, cpu, sig, code, addr, Some(fault), trap);
}

/// The delivery shared by [`force_sync_signal`] and [`force_data_fault`]: `fault` describes the
/// fault in an arm64 frame, `trap` in an arm one.
fn force(
    l: &mut Linux,
    cpu: &mut CpuState,
    sig: i32,
    code: i32,
    addr: u64,
    fault: Option<Fault>,
    trap: arm32::Trap,
) {
    let act = l.action(sig);
    if act[0] == SIG_DFL || act[0] == SIG_IGN || l.sigmask & bit(sig) != 0 {
        die_by_signal(sig);
    }
    let mut info = [0u8; SIGINFO_SIZE];
    put32(&mut info, 0, sig as u32);
    put32(&mut info, 8, code as u32);
    let done = if l.mem.is32() {
        put64(&mut info, 16, trap.address);
        arm32::setup_frame(l, cpu, sig, &act, &info, Some(trap))
    } else {
        put64(&mut info, 16, addr);
        setup_frame(l, cpu, sig, &act, &info, fault)
    };
    if done.is_err() {
        die_by_signal(libc::SIGSEGV);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::SA_ONSTACK;
    use crate::tests::{linux, scratch};

    /// A CPU with a distinct value in every register the frame saves.
    fn busy_cpu(sp: u64) -> CpuState {
        let mut cpu = CpuState::default();
        for i in 0..31 {
            cpu.x[i] = 0x1000_0000_0000_0000 + i as u64;
        }
        cpu.x[31] = sp;
        cpu.pc = 0x40_1234;
        cpu.nzcv = 0xa000_0000;
        cpu.fpsr = 0x0800_0011;
        cpu.fpcr = 0x0040_0000;
        for (i, v) in cpu.v.iter_mut().enumerate() {
            *v = [0x2000 + i as u64, 0x3000 + i as u64];
        }
        cpu
    }

    #[test]
    fn frame_layout_matches_the_kernel_and_sigreturn_restores_everything() {
        let mut l = linux();
        let stack = scratch(&mut l, 0x4000);
        let top = stack + 0x4000 - 8; // deliberately misaligned
        let orig = busy_cpu(top);
        let mut cpu = orig.clone();
        let act = [
            0x1234_0000,
            SA_SIGINFO | SA_RESTORER,
            0x5678,
            bit(libc::SIGUSR2),
        ];
        let mut info = [0u8; SIGINFO_SIZE];
        info[0] = libc::SIGUSR1 as u8;
        setup_frame(&mut l, &mut cpu, libc::SIGUSR1, &act, &info, None).unwrap();

        let frame = cpu.x[31];
        let record = (top - 16) & !15;
        assert_eq!(frame, (record - FRAME_SIZE as u64) & !15);
        assert_eq!(frame % 16, 0);
        assert_eq!((cpu.x[0], cpu.x[1], cpu.x[2]), (10, frame, frame + 128));
        assert_eq!(
            (cpu.x[29], cpu.x[30], cpu.pc),
            (record, 0x5678, 0x1234_0000)
        );
        let m = l.mem();
        let sc = frame + (UC + UC_MCONTEXT) as u64;
        assert_eq!(m.read_u32(frame).unwrap(), libc::SIGUSR1 as u32);
        assert_eq!(m.read_u64(sc + 8 + 8 * 5).unwrap(), orig.x[5]);
        assert_eq!(m.read_u64(sc + 256).unwrap(), top);
        assert_eq!(m.read_u64(sc + 264).unwrap(), orig.pc);
        assert_eq!(m.read_u64(sc + 272).unwrap(), 0xa000_0000);
        assert_eq!(m.read_u32(sc + 288).unwrap(), FPSIMD_MAGIC);
        assert_eq!(m.read_u32(sc + 292).unwrap(), 528);
        assert_eq!(m.read_u32(sc + 296).unwrap(), orig.fpsr as u32);
        assert_eq!(m.read_u64(sc + 304 + 16 * 3 + 8).unwrap(), 0x3003);
        // The terminator follows the FP/SIMD record.
        assert_eq!(m.read_u64(sc + 288 + 528).unwrap(), 0);
        // The frame record holds the interrupted fp and lr.
        assert_eq!(m.read_u64(record).unwrap(), orig.x[29]);
        assert_eq!(m.read_u64(record + 8).unwrap(), orig.x[30]);
        assert_eq!(
            l.sigmask,
            bit(libc::SIGUSR1) | bit(libc::SIGUSR2),
            "handler mask: sa_mask plus the signal"
        );

        // The handler skips an instruction by editing the saved pc; sigreturn restores the rest.
        l.mem().write_u64(sc + 264, orig.pc + 4).unwrap();
        cpu.x[5] = 0;
        cpu.v[7] = [0, 0];
        let x0 = rt_sigreturn(&mut l, &mut cpu, &[0; 6]).unwrap();
        assert_eq!(x0, orig.x[0]);
        assert_eq!(cpu.x, orig.x);
        assert_eq!(cpu.pc, orig.pc + 4);
        assert_eq!(cpu.nzcv, orig.nzcv);
        assert_eq!((cpu.fpsr, cpu.fpcr), (orig.fpsr, orig.fpcr));
        assert_eq!(cpu.v, orig.v);
        assert_eq!(l.sigmask, 0);
    }

    #[test]
    fn onstack_frames_use_the_alternate_stack_and_autodisarm_until_sigreturn() {
        let mut l = linux();
        let stack = scratch(&mut l, 0x4000);
        let alt = scratch(&mut l, 0x4000);
        l.altstack = (alt, abi::SS_AUTODISARM, 0x4000);
        let orig = busy_cpu(stack + 0x3000);
        let mut cpu = orig.clone();
        let act = [0x1234_0000, SA_ONSTACK, 0, 0];
        let info = [0u8; SIGINFO_SIZE];
        setup_frame(&mut l, &mut cpu, libc::SIGUSR2, &act, &info, None).unwrap();
        assert!(cpu.x[31] > alt && cpu.x[31] < alt + 0x4000);
        // Without SA_SIGINFO, x1/x2 keep their values and the siginfo stays zero.
        assert_eq!(cpu.x[1], orig.x[1]);
        assert_eq!(
            l.altstack.1,
            abi::SS_DISABLE,
            "disarmed while the handler runs"
        );
        // No SA_RESTORER: the return goes through armrun's trampoline page.
        let tramp = cpu.x[30];
        assert_eq!(l.mem().read_u32(tramp).unwrap(), SIGTRAMP[0]);
        assert_eq!(l.mem().read_u32(tramp + 4).unwrap(), SIGTRAMP[1]);
        rt_sigreturn(&mut l, &mut cpu, &[0; 6]).unwrap();
        assert_eq!(cpu.x[31], orig.x[31]);
        assert_eq!(l.altstack, (alt, abi::SS_AUTODISARM, 0x4000));
    }
}
