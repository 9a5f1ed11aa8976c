//! Loads and stores of SIMD&FP registers (B, H, S, D and Q) lifted to `loadv`/`storev`:
//! literal, unsigned offset, unscaled, pre- and post-index, register offset, and pairs in every
//! addressing mode, and LD1/ST1 of 1-4 registers. Interleaving structure loads and stores
//! (LD2-LD4, single lanes, replicate) stay with the general executor.

use crate::ctx::{Ctx, Flow};
use crate::dp_reg::extend;
use decode::a64_simd::A64Simd as S;
use ir::Val;

/// Lifts `word` if it is one of the forms above; `None` (having emitted nothing) leaves it to
/// the general executor (which also reports the unallocated encodings of these rows).
pub fn lift(cx: &mut Ctx, word: u32) -> Option<Flow> {
    let m = fpsimd::decoder().decode(word)?;
    match m.id() {
        S::LdrSimdLit => {
            let size = match m.f('o') {
                0 => 4,
                1 => 8,
                2 => 16,
                _ => return None,
            };
            let addr = cx.pc_rel(m.fs('i') * 4);
            let addr = cx.k(addr);
            cx.b.loadv(addr, m.f('d'), size);
        }
        S::LdStSimdUimm
        | S::LdStSimdUnscaled
        | S::LdStSimdPost
        | S::LdStSimdPre
        | S::LdStSimdReg => {
            let (zz, opc) = (m.f('z'), m.f('o'));
            // opc bit 1 selects the 128-bit form, which only exists with size 0.
            let size_log = match (opc >> 1, zz) {
                (0, z) => z,
                (1, 0) => 4,
                _ => return None,
            };
            if m.id() == S::LdStSimdReg && m.f('e') & 2 == 0 {
                return None;
            }
            let (n, t) = (m.f('n'), m.f('d'));
            let base = cx.xsp(n);
            let (addr, wb) = match m.id() {
                S::LdStSimdUimm => {
                    let off = cx.k((m.f('i') as u64) << size_log);
                    (cx.b.add(base, off), None)
                }
                S::LdStSimdUnscaled => {
                    let off = cx.k(m.fs('i') as u64);
                    (cx.b.add(base, off), None)
                }
                S::LdStSimdPost => {
                    let off = cx.k(m.fs('i') as u64);
                    (base, Some(cx.b.add(base, off)))
                }
                S::LdStSimdPre => {
                    let off = cx.k(m.fs('i') as u64);
                    let a = cx.b.add(base, off);
                    (a, Some(a))
                }
                _ => {
                    let r = cx.x(m.f('m'));
                    let shift = if m.f('s') == 1 { size_log } else { 0 };
                    let off = extend(cx, r, m.f('e'), shift);
                    (cx.b.add(base, off), None)
                }
            };
            access(cx, opc & 1 == 1, addr, t, 1 << size_log);
            if let Some(a) = wb {
                cx.set_xsp(n, a, true);
            }
        }
        S::LdStPairSimd => {
            let size_log = match m.f('o') {
                0 => 2,
                1 => 3,
                2 => 4,
                _ => return None,
            };
            let size = 1u32 << size_log;
            let load = m.f('l') == 1;
            let (n, t, t2) = (m.f('n'), m.f('d'), m.f('m'));
            let base = cx.xsp(n);
            let off = cx.k((m.fs('i') << size_log) as u64);
            let moved = cx.b.add(base, off);
            // pp: 00 non-temporal offset, 01 post-index, 10 offset, 11 pre-index.
            let (addr, wb): (Val, Option<Val>) = match m.f('p') {
                1 => (base, Some(moved)),
                3 => (moved, Some(moved)),
                _ => (moved, None),
            };
            let step = cx.k(size as u64);
            let addr2 = cx.b.add(addr, step);
            access(cx, load, addr, t, size);
            access(cx, load, addr2, t2, size);
            if let Some(a) = wb {
                cx.set_xsp(n, a, true);
            }
        }
        S::LdStMulti | S::LdStMultiPost => {
            // LD1/ST1 of 1-4 consecutive registers: a contiguous copy whatever the element
            // size (little-endian). LD2-LD4 and ST2-ST4 interleave and stay general.
            let regs = match m.f('o') {
                0b0111 => 1,
                0b1010 => 2,
                0b0110 => 3,
                0b0010 => 4,
                _ => return None,
            };
            let bytes = if m.f('q') == 1 { 16 } else { 8 };
            let (n, t) = (m.f('n'), m.f('d'));
            let load = m.f('l') == 1;
            let base = cx.xsp(n);
            for i in 0..regs {
                let off = cx.k((i * bytes) as u64);
                let a = cx.b.add(base, off);
                access(cx, load, a, (t + i) % 32, bytes);
            }
            if m.id() == S::LdStMultiPost {
                // Rm = 31 means "by the bytes transferred"; otherwise by Xm.
                let inc = if m.f('m') == 31 {
                    cx.k((regs * bytes) as u64)
                } else {
                    cx.x(m.f('m'))
                };
                let a = cx.b.add(base, inc);
                cx.set_xsp(n, a, true);
            }
        }
        _ => return None,
    }
    Some(Flow::Next)
}

/// Loads (zeroing the rest of the register) or stores the low `size` bytes of V`t` at `addr`.
fn access(cx: &mut Ctx, load: bool, addr: Val, t: u32, size: u32) {
    if load {
        cx.b.loadv(addr, t, size);
    } else {
        cx.b.storev(addr, t, size);
    }
}
