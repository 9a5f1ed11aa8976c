//! The reference interpreter: executes IR blocks directly on a [`CpuState`].
//!
//! It is the semantic definition the JIT is tested against, so it favours clarity: one exhaustive
//! `match` over every opcode (no catch-all arm), each arm a direct reading of the op table's doc.

#![deny(missing_docs)]

use cpu::{CpuState, exit};
use ir::{Block, Op, Term};
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering};

pub mod guarded;
pub mod testing;

pub use guarded::{Fault, recover};

thread_local! {
    /// The fault that made this thread's last block exit with [`exit::DATA_FAULT`].
    static LAST: std::cell::Cell<Fault> = const {
        std::cell::Cell::new(Fault { sig: 0, code: 0, write: false, host_addr: 0 })
    };
}

/// The host details of the fault that made this thread's last [`run_block`] exit with
/// [`exit::DATA_FAULT`].
pub fn take_fault() -> Fault {
    LAST.with(|l| l.take())
}

/// Whether [`run_block`] turns a fault of every guest memory access of `block` into a guest
/// data fault: true unless it calls helpers (which may access guest memory themselves) or has
/// a store-exclusive (an atomic compare-and-swap on guest memory).
pub fn guarded(block: &Block) -> bool {
    // (A pass may drop a call and leave the flag set: the block is then compiled, as one
    // with the call would be.)
    debug_assert!(
        block.helpers
            || !block
                .insts
                .iter()
                .any(|i| matches!(i.op, Op::Call | Op::StoreEx)),
        "Block::helpers unset with a call or store-exclusive"
    );
    !block.helpers
}

/// Executes `block` once on `cpu`, then records where to continue: `cpu.pc`, `cpu.exit_reason`
/// and `cpu.exit_arg` are set from the terminator, as the JIT does.
///
/// Guest memory is reached at host address `cpu.mem_base + guest address`; the caller guarantees
/// the guest's mappings are real host mappings. Loads and stores (plain and vector) go through
/// the routines of [`mod@guarded`]: with [`recover`] installed in the host's SIGSEGV/SIGBUS handler, a
/// faulting one leaves the block as translated code does, with [`exit::DATA_FAULT`], `cpu.pc`
/// naming the guest instruction (none of whose effects happened, but for a part of a vector
/// store), `cpu.exit_arg` the guest address and [`take_fault`] the host's details. Helpers and
/// store-exclusives access memory unguarded (see [`guarded()`]).
pub fn run_block(block: &Block, cpu: &mut CpuState) {
    if let Err(fault) = run(block, cpu) {
        cpu.exit_reason = exit::DATA_FAULT;
        cpu.exit_arg = fault.host_addr.wrapping_sub(cpu.mem_base);
        LAST.with(|l| l.set(fault));
    }
}

thread_local! {
    /// The value buffer of the last block this thread ran, for the next one, instead of an
    /// allocation and its release at each run (most of a start-up's blocks run here once):
    /// 0.35-0.54% fewer host instructions for a static or dynamic hello (callgrind), whose
    /// wall time did not measurably change.
    static VALS: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
}

/// [`run_block`] up to a faulting guest access, whose instruction's key `cpu.pc` gets.
fn run(block: &Block, cpu: &mut CpuState) -> Result<(), Fault> {
    // (Taken, not borrowed: a helper that ran a block in turn would find it empty and use a
    // buffer of its own.)
    let mut vals = VALS.take();
    let n = block.num_vals as usize;
    if vals.len() < n {
        vals.resize(n, 0);
    }
    vals[..n].fill(0);
    let done = run_on(block, cpu, &mut vals[..n]);
    VALS.set(vals);
    done
}

/// [`run`] with `vals`, zeroed, for the block's values.
fn run_on(block: &Block, cpu: &mut CpuState, vals: &mut [u64]) -> Result<(), Fault> {
    let mut key = block.key;
    let at_fault = |cpu: &mut CpuState, key: u64| cpu.pc = key;
    for inst in &block.insts {
        let a = |k: usize| vals[inst.args[k].0 as usize];
        let imm = inst.imm;
        let result: Option<u64> = match inst.op {
            // Flags left for later are worked out (and put in place) by their reader, as in
            // translated code.
            Op::GetReg if imm == cpu::slot::NZCV as u64 => {
                ir::deferred::settle(cpu);
                Some(cpu.nzcv)
            }
            Op::GetReg => Some(cpu.get_slot(imm as u32)),
            // (The commonest operation, without `eval`'s call and operand reads.)
            Op::Const => Some(imm),
            Op::FlagsDeferred => {
                let kind = ir::Deferred::from_imm(imm).expect("verified: a kind");
                ir::deferred::defer(cpu, kind, a(0), a(1));
                None
            }
            // (Written at once, a fault's state has it, as the JIT's fault path gives it.)
            Op::SetReg | Op::SetRegFault => {
                cpu.set_slot(imm as u32, a(0));
                None
            }
            Op::Load => Some(load(cpu, a(0), imm as usize).inspect_err(|_| at_fault(cpu, key))?),
            Op::Store => {
                store(cpu, a(0), a(1), imm as usize).inspect_err(|_| at_fault(cpu, key))?;
                None
            }
            Op::StoreIf => {
                if a(2) != 0 {
                    store(cpu, a(0), a(1), imm as usize).inspect_err(|_| at_fault(cpu, key))?;
                }
                None
            }
            Op::LoadV => {
                let (reg, size) = ((imm & 0x3f) as usize, (imm >> 8) as usize);
                let mut bytes = [0u8; 16];
                // SAFETY: guest memory is host memory at mem_base + addr (see function docs);
                // `size` is at most 16 by the verifier.
                unsafe { guarded::copy(bytes.as_mut_ptr(), host(cpu, a(0)), size) }
                    .inspect_err(|_| at_fault(cpu, key))?;
                let v = u128::from_le_bytes(bytes);
                cpu.v[reg] = [v as u64, (v >> 64) as u64];
                None
            }
            Op::StoreV => {
                let (reg, size) = ((imm & 0x3f) as usize, (imm >> 8) as usize);
                let v = cpu.v[reg][0] as u128 | (cpu.v[reg][1] as u128) << 64;
                let bytes = v.to_le_bytes();
                // SAFETY: as for LoadV.
                unsafe { guarded::copy(host(cpu, a(0)), bytes.as_ptr(), size) }
                    .inspect_err(|_| at_fault(cpu, key))?;
                None
            }
            Op::StoreEx => Some(
                store_exclusive(cpu, a(0), a(1), imm as usize)
                    .inspect_err(|_| at_fault(cpu, key))?,
            ),
            Op::Fence => {
                std::sync::atomic::fence(Ordering::SeqCst);
                None
            }
            Op::Mark => {
                key = imm;
                None
            }
            // A side exit leaves as a branch to `imm` would.
            Op::ExitIf | Op::ExitIfNoFlags | Op::ExitIfFlags if a(0) != 0 => {
                if inst.op == Op::ExitIfFlags {
                    cpu.set_slot(cpu::slot::NZCV, a(1));
                }
                cpu.pc = imm;
                cpu.exit_reason = exit::JUMP;
                cpu.exit_arg = 0;
                return Ok(());
            }
            Op::ExitIf | Op::ExitIfNoFlags | Op::ExitIfFlags => None,
            Op::Call => {
                let h = inst.helper.expect("verified: call has a helper");
                // Helpers see the flags in ARM layout (as translated code settles them).
                if ir::flags_live::call_may_read(inst, cpu::slot::NZCV as u64) {
                    ir::deferred::settle(cpu);
                }
                // SAFETY: helpers are written for this calling convention and receive the state
                // pointer they are documented to take.
                Some(unsafe { (h.func)(cpu as *mut CpuState as *mut u8, a(0), a(1), a(2)) })
            }
            // Every other opcode is pure: `ir::sem::eval` defines it.
            op => ir::sem::eval(op, imm, [a(0), a(1), a(2)]),
        };
        if let (Some(d), Some(r)) = (inst.dst, result) {
            vals[d.0 as usize] = r;
        }
    }
    let (reason, pc, arg) = match block.term {
        Term::Jump(t) => (exit::JUMP, t, 0),
        Term::JumpReg(v) => (exit::JUMP, vals[v.0 as usize], 0),
        Term::Branch {
            cond,
            taken,
            fallthrough,
        } => (
            exit::JUMP,
            if vals[cond.0 as usize] != 0 {
                taken
            } else {
                fallthrough
            },
            0,
        ),
        Term::Exit { reason, pc, arg } => (reason, pc, arg),
    };
    cpu.pc = pc;
    cpu.exit_reason = reason;
    if arg != ir::EXIT_ARG_KEPT {
        cpu.exit_arg = arg;
    }
    Ok(())
}

fn host(cpu: &CpuState, addr: u64) -> *mut u8 {
    cpu.mem_base.wrapping_add(addr) as *mut u8
}

fn load(cpu: &CpuState, addr: u64, size: usize) -> Result<u64, Fault> {
    // SAFETY: guest memory is host memory at mem_base + addr; size is 1, 2, 4 or 8 by the
    // verifier.
    unsafe { guarded::load(host(cpu, addr), size) }
}

fn store(cpu: &CpuState, addr: u64, v: u64, size: usize) -> Result<(), Fault> {
    // SAFETY: as in `load`.
    unsafe { guarded::store(host(cpu, addr), v, size) }
}

/// Store-exclusive against the monitor: compare-and-swap of the value the load-exclusive saw
/// (the atomic one unguarded, see [`guarded()`]).
fn store_exclusive(cpu: &mut CpuState, addr: u64, v: u64, size: usize) -> Result<u64, Fault> {
    let monitored = cpu.excl_addr == addr;
    cpu.excl_addr = u64::MAX;
    if !monitored {
        return Ok(1);
    }
    let p = host(cpu, addr);
    let old = cpu.excl_val;
    if !(p as usize).is_multiple_of(size) {
        // ARM requires exclusives to be aligned; an unaligned one cannot be atomic on the host
        // either. Do a plain compare-and-store; the guest is already outside the architecture.
        let cur = load(cpu, addr, size)?;
        if cur != ir::sem::zext_size(old, size) {
            return Ok(1);
        }
        store(cpu, addr, v, size)?;
        return Ok(0);
    }
    // SAFETY: `p` is aligned for the access size (checked above) and points to guest memory that
    // other guest threads may access concurrently, which is why atomics are used.
    let ok = unsafe {
        match size {
            1 => (*(p as *const AtomicU8))
                .compare_exchange(old as u8, v as u8, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok(),
            2 => (*(p as *const AtomicU16))
                .compare_exchange(old as u16, v as u16, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok(),
            4 => (*(p as *const AtomicU32))
                .compare_exchange(old as u32, v as u32, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok(),
            _ => (*(p as *const AtomicU64))
                .compare_exchange(old, v, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok(),
        }
    };
    Ok((!ok) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::Builder;

    #[test]
    fn add_and_branch() {
        let mut cpu = CpuState::default();
        cpu.x[1] = 40;
        let mut b = Builder::verbatim(0x1000);
        let x = b.get(1);
        let k = b.konst(2);
        let s = b.add(x, k);
        b.set(0, s);
        let zero = b.konst(0);
        let f = b.emit(Op::AddCFlags, &[s, zero, zero], 64);
        let c = b.cond(f, 1); // ne
        let blk = b.finish(Term::Branch {
            cond: c,
            taken: 0x2000,
            fallthrough: 0x1004,
        });
        ir::verify(&blk).unwrap();
        run_block(&blk, &mut cpu);
        assert_eq!(cpu.x[0], 42);
        assert_eq!(cpu.pc, 0x2000);
        assert_eq!(cpu.exit_reason, exit::JUMP);
    }

    /// A block of many values, one of few, then one of many again (the value buffer is the
    /// thread's, kept from block to block): each computes what it would alone.
    #[test]
    fn blocks_of_more_and_fewer_values_one_after_another() {
        // x0 = x1 + 1 + 2 + ... + n, in 2n + 1 values (a read, n constants, n sums).
        let sum = |n: u64| {
            let mut b = Builder::verbatim(0x1000);
            let mut s = b.get(1);
            for k in 1..=n {
                let c = b.konst(k);
                s = b.add(s, c);
            }
            b.set(0, s);
            b.finish(Term::Jump(0x1004))
        };
        let mut cpu = CpuState::default();
        for n in [300, 2, 300, 0, 5] {
            let blk = sum(n);
            ir::verify(&blk).unwrap();
            cpu.x[1] = 7;
            run_block(&blk, &mut cpu);
            assert_eq!(cpu.x[0], 7 + n * (n + 1) / 2, "n = {n}");
        }
    }

    #[test]
    fn memory_and_exclusive() {
        let mut buf = [0u64; 4];
        let base = buf.as_mut_ptr() as u64;
        let mut cpu = CpuState::default();
        let mut b = Builder::verbatim(0);
        let a = b.konst(base + 8);
        let v = b.konst(0x1122_3344_5566_7788);
        b.store(a, v, 8);
        let l = b.load(a, 2);
        b.set(0, l);
        b.set(cpu::slot::EXCL_ADDR, a);
        let old = b.load(a, 8);
        b.set(cpu::slot::EXCL_VAL, old);
        let nv = b.konst(5);
        let st = b.emit(Op::StoreEx, &[a, nv], 8);
        b.set(1, st);
        let st2 = b.emit(Op::StoreEx, &[a, nv], 8);
        b.set(2, st2);
        let blk = b.finish(Term::Jump(4));
        ir::verify(&blk).unwrap();
        run_block(&blk, &mut cpu);
        assert_eq!(cpu.x[0], 0x7788);
        assert_eq!(cpu.x[1], 0, "first store-exclusive succeeds");
        assert_eq!(cpu.x[2], 1, "monitor cleared");
        assert_eq!(buf[1], 5);
    }
}
