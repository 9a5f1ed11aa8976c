//! Atomic memory operations and compare-and-swap (FEAT_LSE).
//!
//! Every instruction is one helper call that performs the matching host atomic operation on
//! `mem_base + address`, so it is atomic with respect to other guest threads (host threads) and
//! to their exclusives (whose store half is a host compare-and-swap). Host atomics are
//! sequentially consistent (`lock`-prefixed on x86), which covers every ordering variant (plain,
//! A, L, AL).
//!
//! ARM raises an alignment fault for a misaligned atomic; armrun does not model that yet and
//! performs a plain, non-atomic read-modify-write instead, which is correct for a single thread.
//! The ST<op> aliases are LD<op> with Rt = XZR: the old value is discarded.

use crate::ctx::{Ctx, Flow, M};
use decode::a64_base::A64Base as I;
use ir::Helper;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{
    AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicU8, AtomicU16, AtomicU32, AtomicU64,
};

/// The read-modify-write operation of an LD<op>/SWP instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum RmwOp {
    /// old + v
    Add = 0,
    /// old & !v
    Clr = 1,
    /// old ^ v
    Eor = 2,
    /// old | v
    Set = 3,
    /// signed max(old, v)
    Smax = 4,
    /// signed min(old, v)
    Smin = 5,
    /// unsigned max(old, v)
    Umax = 6,
    /// unsigned min(old, v)
    Umin = 7,
    /// v
    Swp = 8,
}

impl RmwOp {
    const ALL: [RmwOp; 9] = [
        RmwOp::Add,
        RmwOp::Clr,
        RmwOp::Eor,
        RmwOp::Set,
        RmwOp::Smax,
        RmwOp::Smin,
        RmwOp::Umax,
        RmwOp::Umin,
        RmwOp::Swp,
    ];

    /// The new memory value for `old` and operand `v`, both zero-extended from `bits`.
    pub fn apply(self, old: u64, v: u64, bits: u32) -> u64 {
        let mask = if bits == 64 {
            u64::MAX
        } else {
            (1 << bits) - 1
        };
        let sx = |x: u64| ((x << (64 - bits)) as i64) >> (64 - bits);
        let r = match self {
            RmwOp::Add => old.wrapping_add(v),
            RmwOp::Clr => old & !v,
            RmwOp::Eor => old ^ v,
            RmwOp::Set => old | v,
            RmwOp::Smax => sx(old).max(sx(v)) as u64,
            RmwOp::Smin => sx(old).min(sx(v)) as u64,
            RmwOp::Umax => (old & mask).max(v & mask),
            RmwOp::Umin => (old & mask).min(v & mask),
            RmwOp::Swp => v,
        };
        r & mask
    }
}

/// Lifts one LSE atomic: LD<op>, ST<op> (Rt = XZR), SWP, CAS and CASP.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let (n, s, t) = (m.f('n'), m.f('u'), m.f('t'));
    let size_log = m.f('S');
    let op = match m.id() {
        I::Ldadd => RmwOp::Add,
        I::Ldclr => RmwOp::Clr,
        I::Ldeor => RmwOp::Eor,
        I::Ldset => RmwOp::Set,
        I::Ldsmax => RmwOp::Smax,
        I::Ldsmin => RmwOp::Smin,
        I::Ldumax => RmwOp::Umax,
        I::Ldumin => RmwOp::Umin,
        I::Swp => RmwOp::Swp,
        I::Cas => {
            let addr = cx.xsp(n);
            let expected = cx.x(s);
            let new = cx.x(t);
            let old = cx.b.call(&CAS[size_log as usize & 3], addr, expected, new);
            cx.set_x(s, old, true);
            return Flow::Next;
        }
        I::Casp => return lift_casp(cx, m),
        _ => return Flow::Undef,
    };
    let addr = cx.xsp(n);
    let v = cx.x(s);
    let how = cx.k((op as u64) << 2 | size_log as u64);
    let old = cx.b.call(&RMW, addr, v, how);
    // Rt = 31 is XZR (the ST<op> aliases): the load still happens, its value is dropped.
    cx.set_x(t, old, true);
    Flow::Next
}

/// CASP Ws, Ws+1, Wt, Wt+1 / Xs, Xs+1, Xt, Xt+1: a compare-and-swap of a register pair; the
/// first register of each pair holds the lower address.
fn lift_casp(cx: &mut Ctx, m: &M) -> Flow {
    let (n, s, t) = (m.f('n'), m.f('u'), m.f('t'));
    if s & 1 == 1 || t & 1 == 1 {
        return Flow::Undef;
    }
    let addr = cx.xsp(n);
    if m.f('z') == 0 {
        // Two words are one doubleword: a 64-bit compare-and-swap.
        let pair = |cx: &mut Ctx, r: u32| {
            let lo = cx.xw(r, false);
            let hi = cx.x(r + 1);
            let hi = cx.shift_k(ir::Op::Shl, hi, 32, 64);
            cx.b.or(lo, hi)
        };
        let expected = pair(cx, s);
        let new = pair(cx, t);
        let old = cx.b.call(&CAS[3], addr, expected, new);
        let hi = cx.shift_k(ir::Op::Lshr, old, 32, 64);
        cx.set_x(s, old, false);
        cx.set_x(s + 1, hi, false);
    } else {
        // Five operands do not fit a helper call: the helper reads and writes the registers
        // itself (a call is a barrier for register forwarding, so the state is current).
        let (ks, kt) = (cx.k(s as u64), cx.k(t as u64));
        cx.b.call(&CASP128, addr, ks, kt);
    }
    Flow::Next
}

/// The CPU state behind a helper's first argument.
///
/// # Safety
/// `cpu` must be the pointer translated code passes to helpers.
unsafe fn state<'a>(cpu: *mut u8) -> &'a mut cpu::CpuState {
    // SAFETY: translated code calls helpers with a pointer to the live, exclusively borrowed
    // CpuState of the running thread (caller's contract).
    unsafe { &mut *(cpu as *mut cpu::CpuState) }
}

/// LD<op>/SWP: `a` = guest address, `b` = operand, `c` = op << 2 | log2(size). Returns the old
/// memory value, zero-extended.
pub static RMW: Helper = Helper {
    name: "a64_atomic_rmw",
    func: rmw_helper,
};

/// See [`RMW`].
unsafe extern "C" fn rmw_helper(cpu: *mut u8, addr: u64, v: u64, how: u64) -> u64 {
    // SAFETY: called from translated code with its CPU state.
    let base = unsafe { state(cpu) }.mem_base;
    let host = base.wrapping_add(addr) as *mut u8;
    let Some(&op) = RmwOp::ALL.get((how >> 2) as usize) else {
        return 0;
    };
    // SAFETY: `host` is the host address of the guest access; faults on unmapped memory are
    // the runtime's to handle exactly as for ordinary guest loads and stores.
    unsafe { rmw(host, op, v, how as u32 & 3) }
}

/// Performs `op` with operand `v` on the `1 << size_log` bytes at `p`; returns the old value.
///
/// # Safety
/// `p` must be valid for reads and writes of that many bytes.
pub unsafe fn rmw(p: *mut u8, op: RmwOp, v: u64, size_log: u32) -> u64 {
    let bytes = 1usize << size_log;
    if !(p as usize).is_multiple_of(bytes) {
        // SAFETY: `p` is valid for `bytes` bytes (caller's contract).
        unsafe {
            let old = read_le(p, bytes);
            write_le(p, op.apply(old, v, 8 * bytes as u32), bytes);
            return old;
        }
    }
    macro_rules! on {
        ($u:ty, $au:ty, $i:ty, $ai:ty) => {{
            // SAFETY: `p` is aligned for the type and valid (caller's contract); guest memory
            // is only ever accessed through raw pointers and atomics.
            let (a, ai) = unsafe { (&*(p as *const $au), &*(p as *const $ai)) };
            let x = v as $u;
            (match op {
                RmwOp::Add => a.fetch_add(x, SeqCst),
                RmwOp::Clr => a.fetch_and(!x, SeqCst),
                RmwOp::Eor => a.fetch_xor(x, SeqCst),
                RmwOp::Set => a.fetch_or(x, SeqCst),
                RmwOp::Smax => ai.fetch_max(x as $i, SeqCst) as $u,
                RmwOp::Smin => ai.fetch_min(x as $i, SeqCst) as $u,
                RmwOp::Umax => a.fetch_max(x, SeqCst),
                RmwOp::Umin => a.fetch_min(x, SeqCst),
                RmwOp::Swp => a.swap(x, SeqCst),
            }) as u64
        }};
    }
    match size_log {
        0 => on!(u8, AtomicU8, i8, AtomicI8),
        1 => on!(u16, AtomicU16, i16, AtomicI16),
        2 => on!(u32, AtomicU32, i32, AtomicI32),
        _ => on!(u64, AtomicU64, i64, AtomicI64),
    }
}

/// CASB, CASH, CAS (W), CAS (X), indexed by log2(size): `a` = guest address, `b` = expected,
/// `c` = new value. Returns the old memory value, zero-extended (equal to the expected value
/// at the size exactly when the store happened).
pub static CAS: [Helper; 4] = [
    Helper {
        name: "a64_cas8",
        func: cas_helper::<0>,
    },
    Helper {
        name: "a64_cas16",
        func: cas_helper::<1>,
    },
    Helper {
        name: "a64_cas32",
        func: cas_helper::<2>,
    },
    Helper {
        name: "a64_cas64",
        func: cas_helper::<3>,
    },
];

/// See [`CAS`].
unsafe extern "C" fn cas_helper<const SIZE_LOG: u32>(
    cpu: *mut u8,
    addr: u64,
    expected: u64,
    new: u64,
) -> u64 {
    // SAFETY: called from translated code with its CPU state.
    let base = unsafe { state(cpu) }.mem_base;
    let host = base.wrapping_add(addr) as *mut u8;
    // SAFETY: as for `rmw_helper`.
    unsafe { cas(host, expected, new, SIZE_LOG) }
}

/// Compare-and-swap of the `1 << size_log` bytes at `p`; returns the old value.
///
/// # Safety
/// `p` must be valid for reads and writes of that many bytes.
pub unsafe fn cas(p: *mut u8, expected: u64, new: u64, size_log: u32) -> u64 {
    let bytes = 1usize << size_log;
    if !(p as usize).is_multiple_of(bytes) {
        let mask = u64::MAX >> (64 - 8 * bytes);
        // SAFETY: `p` is valid for `bytes` bytes (caller's contract).
        unsafe {
            let old = read_le(p, bytes);
            if old == expected & mask {
                write_le(p, new, bytes);
            }
            return old;
        }
    }
    macro_rules! on {
        ($u:ty, $au:ty) => {{
            // SAFETY: `p` is aligned for the type and valid (caller's contract).
            let a = unsafe { &*(p as *const $au) };
            match a.compare_exchange(expected as $u, new as $u, SeqCst, SeqCst) {
                Ok(old) | Err(old) => old as u64,
            }
        }};
    }
    match size_log {
        0 => on!(u8, AtomicU8),
        1 => on!(u16, AtomicU16),
        2 => on!(u32, AtomicU32),
        _ => on!(u64, AtomicU64),
    }
}

/// CASP of two doublewords: `a` = guest address, `b` = Rs, `c` = Rt (even register numbers;
/// register 31 of a pair is XZR). Compares Xs:Xs+1 with memory, stores Xt:Xt+1 on a match and
/// writes the old memory value to Xs:Xs+1. Returns 0.
pub static CASP128: Helper = Helper {
    name: "a64_casp128",
    func: casp128_helper,
};

/// See [`CASP128`].
unsafe extern "C" fn casp128_helper(cpu: *mut u8, addr: u64, s: u64, t: u64) -> u64 {
    // SAFETY: called from translated code with its CPU state.
    let cpu = unsafe { state(cpu) };
    let (s, t) = (s as usize & 30, t as usize & 30);
    let reg = |cpu: &cpu::CpuState, r: usize| if r == 31 { 0 } else { cpu.x[r] };
    let expected = reg(cpu, s) as u128 | (reg(cpu, s + 1) as u128) << 64;
    let new = reg(cpu, t) as u128 | (reg(cpu, t + 1) as u128) << 64;
    let host = cpu.mem_base.wrapping_add(addr) as *mut u64;
    // SAFETY: as for `rmw_helper`: the host address of the guest access.
    let old = unsafe { crate::excl::cas128(host, expected, new) };
    cpu.x[s] = old as u64;
    if s + 1 != 31 {
        cpu.x[s + 1] = (old >> 64) as u64;
    }
    0
}

/// Reads `bytes` bytes little-endian at `p`.
///
/// # Safety
/// `p` must be valid for reads of `bytes` (1..=8) bytes.
unsafe fn read_le(p: *const u8, bytes: usize) -> u64 {
    let mut b = [0u8; 8];
    // SAFETY: `p` is valid for `bytes` bytes (caller's contract) and `b` holds 8.
    unsafe { std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), bytes.min(8)) };
    u64::from_le_bytes(b)
}

/// Writes the low `bytes` bytes of `v` little-endian at `p`.
///
/// # Safety
/// `p` must be valid for writes of `bytes` (1..=8) bytes.
unsafe fn write_le(p: *mut u8, v: u64, bytes: usize) {
    let b = v.to_le_bytes();
    // SAFETY: `p` is valid for `bytes` bytes (caller's contract) and `b` holds 8.
    unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p, bytes.min(8)) };
}
