//! Load/store exclusive and load-acquire/store-release (including LDAPR and the unscaled
//! LDAPUR/STLUR forms of FEAT_LRCPC2).
//!
//! The exclusive monitor is the CPU state's `excl_addr`/`excl_val`/`excl_val_hi`: a
//! load-exclusive records the address and the value it saw, and a store-exclusive succeeds only
//! if memory still holds that value (a host compare-and-swap), which is how other threads'
//! intervening writes are noticed.

use crate::ctx::{Ctx, Flow, M};
use decode::a64_base::A64Base as I;
use ir::{Helper, Op};

/// Lifts one exclusive or acquire/release instruction.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let size_log = m.word >> 30;
    let size = 1u32 << size_log;
    let (n, t) = (m.f('n'), m.f('t'));
    match m.id() {
        I::Ldxrb | I::Ldaxrb | I::Ldxrh | I::Ldaxrh | I::Ldxr | I::Ldaxr => {
            let addr = cx.xsp(n);
            let v = cx.b.load(addr, size);
            cx.b.set(cpu::slot::EXCL_ADDR, addr);
            cx.b.set(cpu::slot::EXCL_VAL, v);
            cx.set_x(t, v, true);
        }
        I::Stxrb | I::Stlxrb | I::Stxrh | I::Stlxrh | I::Stxr | I::Stlxr => {
            let addr = cx.xsp(n);
            let v = cx.x(t);
            // A host compare-and-swap is a full barrier, so release needs no extra fence.
            let status = cx.b.emit(Op::StoreEx, &[addr, v], size as u64);
            cx.set_x(m.f('u'), status, false);
        }
        I::Ldxp | I::Ldaxp => {
            let addr = cx.xsp(n);
            let t2 = m.f('a');
            cx.b.set(cpu::slot::EXCL_ADDR, addr);
            if size_log == 2 {
                // Two words are one doubleword: the monitor records it whole.
                let v = cx.b.load(addr, 8);
                cx.b.set(cpu::slot::EXCL_VAL, v);
                let hi = cx.shift_k(Op::Lshr, v, 32, 64);
                cx.set_x(t, v, false);
                cx.set_x(t2, hi, false);
            } else {
                let eight = cx.k(8);
                let addr2 = cx.b.add(addr, eight);
                let lo = cx.b.load(addr, 8);
                let hi = cx.b.load(addr2, 8);
                cx.b.set(cpu::slot::EXCL_VAL, lo);
                cx.b.set(cpu::slot::EXCL_VAL_HI, hi);
                cx.set_x(t, lo, true);
                cx.set_x(t2, hi, true);
            }
        }
        I::Stxp | I::Stlxp => {
            let addr = cx.xsp(n);
            let lo = cx.x(t);
            let hi = cx.x(m.f('a'));
            let status = if size_log == 2 {
                let lo = cx.b.zext(lo, 32);
                let hi = cx.shift_k(Op::Shl, hi, 32, 64);
                let v = cx.b.or(lo, hi);
                cx.b.emit(Op::StoreEx, &[addr, v], 8)
            } else {
                cx.b.call(&STXP128, addr, lo, hi)
            };
            cx.set_x(m.f('u'), status, false);
        }
        I::Stlrb | I::Stlrh | I::Stlr => {
            let addr = cx.xsp(n);
            let v = cx.x(t);
            cx.b.store(addr, v, size);
            // x86 may move a later load ahead of this store; STLR followed by LDAR must not.
            cx.b.emit(Op::Fence, &[], 0);
        }
        // x86 loads already have acquire semantics.
        I::Ldarb | I::Ldarh | I::Ldar | I::Ldaprb | I::Ldaprh | I::Ldapr => {
            let addr = cx.xsp(n);
            let v = cx.b.load(addr, size);
            cx.set_x(t, v, true);
        }
        // Unscaled-offset forms of the above (FEAT_LRCPC2).
        I::Stlur => {
            let addr = unscaled(cx, m);
            let v = cx.x(t);
            cx.b.store(addr, v, 1 << m.f('S'));
            cx.b.emit(Op::Fence, &[], 0);
        }
        I::Ldapur => {
            let addr = unscaled(cx, m);
            let v = cx.b.load(addr, 1 << m.f('S'));
            cx.set_x(t, v, true);
        }
        I::Ldapursb | I::Ldapursh | I::Ldapursw => {
            let addr = unscaled(cx, m);
            let v = cx.b.load(addr, size);
            let v = cx.b.sext(v, 8 * size);
            // opc<0> (q) = 1 selects a W destination, zero-extended from 32 bits.
            let to64 = m.f('q') == 0;
            cx.set_x(t, v, to64);
        }
        _ => return Flow::Undef,
    }
    Flow::Next
}

/// The address Xn|SP + simm9 of an unscaled-offset acquire/release access.
fn unscaled(cx: &mut Ctx, m: &M) -> ir::Val {
    let base = cx.xsp(m.f('n'));
    let off = cx.k(m.fs('i') as u64);
    cx.b.add(base, off)
}

/// Store-exclusive of a 64-bit pair (STXP/STLXP Xt, Xt2): `a` = guest address, `b` = low
/// doubleword, `c` = high doubleword. Returns 0 on success, 1 on failure, and clears the monitor.
pub static STXP128: Helper = Helper {
    name: "a64_stxp128",
    func: stxp128,
};

/// See [`STXP128`].
unsafe extern "C" fn stxp128(cpu: *mut u8, addr: u64, lo: u64, hi: u64) -> u64 {
    // SAFETY: translated code calls helpers with a pointer to the live, exclusively borrowed
    // CpuState of the running thread.
    let cpu = unsafe { &mut *(cpu as *mut cpu::CpuState) };
    if cpu.excl_addr != addr {
        cpu.excl_addr = u64::MAX;
        return 1;
    }
    let host = cpu.mem_base.wrapping_add(addr) as *mut u64;
    let old = (cpu.excl_val as u128) | (cpu.excl_val_hi as u128) << 64;
    let new = (lo as u128) | (hi as u128) << 64;
    // SAFETY: `host` is the host address of guest memory the preceding LDXP read successfully
    // (the monitor holds this address); faults on unmapped memory are the runtime's to handle
    // exactly as for ordinary guest stores.
    let seen = unsafe { cas128(host, old, new) };
    // Cleared only after the access: a fault in it re-runs the instruction (a write-watched
    // code page), which must find the monitor as it was.
    cpu.excl_addr = u64::MAX;
    if seen == old { 0 } else { 1 }
}

/// Atomically replaces the 16 bytes at `p` with `new` if they hold `old`; returns the value they
/// held (equal to `old` exactly when the store happened). Shared by STXP and CASP.
///
/// # Safety
/// `p` must be valid for 16-byte reads and writes.
pub(crate) unsafe fn cas128(p: *mut u64, old: u128, new: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    {
        if (p as usize).is_multiple_of(16) && hostcpu::has(hostcpu::Feature::Cmpxchg16b) {
            // SAFETY: `p` is 16-byte aligned and valid (caller's contract), and the CPU has
            // CMPXCHG16B (checked above).
            return unsafe { cas128_native(p as *mut u128, old, new) };
        }
    }
    // Misaligned pairs (an alignment fault on ARM) or hosts without a 16-byte CAS: compare and
    // write non-atomically rather than refuse forever, which would livelock the guest.
    // SAFETY: `p` is valid for 16 bytes (caller's contract); unaligned accesses are used.
    unsafe {
        let cur = (p.read_unaligned() as u128) | (p.add(1).read_unaligned() as u128) << 64;
        if cur == old {
            p.write_unaligned(new as u64);
            p.add(1).write_unaligned((new >> 64) as u64);
        }
        cur
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "cmpxchg16b")]
unsafe fn cas128_native(p: *mut u128, old: u128, new: u128) -> u128 {
    let (lo, hi): (u64, u64);
    // SAFETY: `p` is 16-byte aligned and valid (caller's contract). RBX cannot be named as an
    // operand (LLVM reserves it), so the new low half is swapped into it and back around the
    // CMPXCHG16B, which compares RDX:RAX with memory, stores RCX:RBX on a match and otherwise
    // loads memory into RDX:RAX; either way RDX:RAX ends up holding the old memory value.
    unsafe {
        std::arch::asm!(
            "xchg {nlo}, rbx",
            "lock cmpxchg16b [{p}]",
            "mov rbx, {nlo}",
            p = in(reg) p,
            nlo = inout(reg) new as u64 => _,
            in("rcx") (new >> 64) as u64,
            inout("rax") old as u64 => lo,
            inout("rdx") (old >> 64) as u64 => hi,
        );
    }
    lo as u128 | (hi as u128) << 64
}
