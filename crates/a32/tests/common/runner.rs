//! Running lifted A32/Thumb code in a test: a fetch over a guest window, and one block at a
//! time on the interpreter or the JIT. (A module of `static_run`, so the `run_static` example,
//! which includes that file alone, has it too.)

use cpu::{CpuState, slot};

/// A fetch function reading little-endian words at guest addresses `[lo, hi)` of the window at
/// `base` (the guest's memory; guest address 0 is `base`).
///
/// # Safety
/// `base + lo .. base + hi + 3` must stay readable while the function is used.
pub unsafe fn window_fetch(base: *const u8, lo: u64, hi: u64) -> impl Fn(u64) -> Option<u32> {
    move |pc: u64| {
        if pc < lo || pc >= hi {
            return None;
        }
        // SAFETY: pc + 4 is inside the readable range (checked above, see the contract).
        let b = unsafe { std::slice::from_raw_parts(base.add(pc as usize), 4) };
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

thread_local! {
    /// Whether [`step`] lifts A32 code (outside IT blocks) as a full translation does
    /// (`a32::lift_block_key_profiled`, no runs counted: forward branches may become side
    /// exits, and a conditional instruction leaves where its condition fails) instead of as
    /// `a32::lift_block_it` does. Thumb code is lifted plainly either way.
    pub static FULL_A32: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How [`step`] picks the code it runs on the JIT.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// Compile every block afresh (snippet tests reuse addresses for different code).
    Never,
    /// Reuse the block already compiled at a pc (whole programs).
    ByPc,
}

/// Lifts the block at `pc` in the instruction set and IT state `cpu` holds, verifies and
/// optimises it, and runs it once on `jit` (or on the interpreter without one). `what` names
/// the code in verifier panics.
///
/// # Safety
/// Every guest address the block touches must be mapped at `cpu.mem_base + address`.
pub unsafe fn step(
    cpu: &mut CpuState,
    pc: u64,
    fetch: &dyn Fn(u64) -> Option<u32>,
    jit: Option<&mut jit::Jit>,
    reuse: Reuse,
    what: &str,
) {
    let mut jit = jit;
    // Cached by pc alone: fine while no address runs in both instruction sets.
    if reuse == Reuse::ByPc
        && let Some(j) = jit.as_deref_mut()
        && let Some(e) = j.lookup(pc)
    {
        // SAFETY: the caller's contract.
        unsafe { j.run(e, cpu) };
        return;
    }
    let thumb = cpu.get_slot(slot::THUMB) != 0;
    let it = cpu.get_slot(slot::ITSTATE) as u8;
    let mut blk = if !thumb && it == 0 && FULL_A32.get() {
        a32::lift_block_key_profiled(a32::key::key(pc, false, 0), fetch, 64, &|_| 0)
    } else {
        a32::lift_block_it(pc, thumb, it, fetch, 64)
    };
    ir::verify(&blk).unwrap_or_else(|e| panic!("{what}: {e}\n{blk}"));
    if std::env::var("A32_TRACE").is_ok() {
        eprintln!("{blk}");
    }
    ir::passes::optimize(&mut blk);
    ir::verify(&blk).unwrap_or_else(|e| panic!("{what}: after optimize: {e}\n{blk}"));
    match jit {
        Some(j) => {
            let e = j.compile(&blk);
            // SAFETY: the caller's contract.
            unsafe { j.run(e, cpu) };
        }
        None => interp::run_block(&blk, cpu),
    }
}

/// Runs the snippet `code` (the case's instructions, already in the window at `mem_base`,
/// starting at `addr`) block by block until it leaves at its end in the Thumb state it started
/// in; an error text if it left elsewhere, took more than `max_steps` blocks, or exited other
/// than by a jump.
///
/// # Safety
/// As [`step`]: `cpu.mem_base` is a live window holding `addr..addr + len` and every address
/// the snippet touches.
pub unsafe fn run_snippet(
    cpu: &mut CpuState,
    addr: u64,
    len: u64,
    mut jit: Option<&mut jit::Jit>,
    max_steps: u32,
    what: &str,
) -> Option<String> {
    let end = addr + len;
    let thumb0 = cpu.get_slot(slot::THUMB) != 0;
    // Only the snippet is code: blocks stop where it ends.
    // SAFETY: the caller guarantees the window holds the snippet for the whole run.
    let fetch = unsafe { window_fetch(cpu.mem_base as *const u8, addr, end) };
    let mut pc = addr;
    let mut steps = 0;
    loop {
        let thumb = cpu.get_slot(slot::THUMB) != 0;
        if pc == end && thumb == thumb0 {
            return None;
        }
        if pc < addr || pc > end || steps > max_steps {
            return Some(format!("left the snippet: pc {pc:#x} thumb {thumb}"));
        }
        steps += 1;
        // SAFETY: as this function's contract.
        unsafe { step(cpu, pc, &fetch, jit.as_deref_mut(), Reuse::Never, what) };
        if cpu.exit_reason != cpu::exit::JUMP {
            return Some(format!("exit {} at {:#x}", cpu.exit_reason, cpu.pc));
        }
        pc = cpu.pc;
    }
}
