//! Advanced SIMD element and structure loads and stores (VLD1-VLD4, VST1-VST4: multiple
//! structures, one lane, all lanes), with post-index writeback.
//!
//! VLD1/VST1 of whole registers, of one lane and VLD1 to all lanes are plain IR loads and
//! stores. The others run A64's LDn/STn (multiple structures, single structure, LDnR) from
//! `fpsimd` on scratch V registers (see [`crate::neon`]'s `Seq`): the D registers go to the
//! low halves of V16.. and back, and the address is put in X16, which 32-bit guests do not use.
//!
//! Alignment: the align fields are decoded and their reserved values are undefined, but an
//! unaligned address is not faulted (hardware raises an alignment fault when an alignment is
//! specified).

use crate::ctx::Ctx;
use crate::neon::Seq;
use cpu::slot;
use decode::neon::Neon as I;

/// The scratch core register holding the address for the A64 words.
const ADDR: u32 = 16;

/// The A32 registers of a transfer: the first D register and the spacing.
struct List {
    d: u32,
    inc: u32,
}

/// Lifts a load/store row; false if the encoding is undefined (nothing emitted).
pub fn lift(cx: &mut Ctx, id: I, w: u32) -> bool {
    use I::*;
    let n = w >> 16 & 15;
    let m = w & 15;
    let d = (w >> 22 & 1) << 4 | (w >> 12 & 15);
    let load = w >> 21 & 1 == 1;
    if n == 15 {
        return false;
    }
    let bytes = match id {
        Vld1M1 | Vld1M2 | Vld1M3 | Vld1M4 | Vst1M1 | Vst1M2 | Vst1M3 | Vst1M4 => {
            whole(cx, w, d, n, load)
        }
        Vld2M | Vld2M2 | Vld3M | Vld4M | Vst2M | Vst2M2 | Vst3M | Vst4M => {
            structures(cx, id, w, d, n, load)
        }
        Vld1L | Vld2L | Vld3L | Vld4L | Vst1L | Vst2L | Vst3L | Vst4L => lane(cx, w, d, n, load),
        _ => all_lanes(cx, w, d, n),
    };
    let Some(bytes) = bytes else {
        return false;
    };
    // Post-index: Rm = 15 none, 13 by the transfer size, else by Rm.
    if m != 15 {
        let base = cx.r(n);
        let nb = if m == 13 {
            cx.add32k(base, bytes as u64)
        } else {
            let r = cx.r(m);
            cx.add32(base, r)
        };
        cx.b.set(slot::x(n), nb);
    }
    true
}

/// VLD1/VST1 (multiple single elements) of 1-4 whole D registers as IR loads and stores.
/// Returns the bytes transferred.
fn whole(cx: &mut Ctx, w: u32, d: u32, n: u32, load: bool) -> Option<u32> {
    let align = w >> 4 & 3;
    let regs = match w >> 8 & 15 {
        0b0111 => 1,
        0b1010 => 2,
        0b0110 => 3,
        _ => 4,
    };
    let bad_align = match regs {
        1 | 3 => align & 2 != 0,
        2 => align == 3,
        _ => false,
    };
    if bad_align || d + regs > 32 {
        return None;
    }
    let base = cx.r(n);
    for k in 0..regs {
        let a = cx.add32k(base, 8 * k as u64);
        if load {
            let v = cx.b.load(a, 8);
            cx.b.set(slot::V0 + d + k, v);
        } else {
            let v = cx.b.get(slot::V0 + d + k);
            cx.b.store(a, v, 8);
        }
    }
    Some(8 * regs)
}

/// Emits `s` with R`n` as the address (in the scratch address register); the transfer size
/// `bytes`, or None (nothing emitted) if `s` cannot be emitted.
fn finish(cx: &mut Ctx, s: Seq, n: u32, bytes: u32) -> Option<u32> {
    if !s.valid() {
        return None;
    }
    let a = cx.r(n);
    cx.b.set(slot::x(ADDR), a);
    s.emit(cx).then_some(bytes)
}

/// VLD2-4/VST2-4 (multiple structures): A64 LD2-4/ST2-4 on V16.. with the D registers in
/// their low halves (or, for VLD2/VST2 of four registers, in both halves of two).
fn structures(cx: &mut Ctx, id: I, w: u32, d: u32, n: u32, load: bool) -> Option<u32> {
    use I::*;
    let ty = w >> 8 & 15;
    let size = w >> 6 & 3;
    let align = w >> 4 & 3;
    let (count, regs, inc) = match id {
        Vld2M2 | Vst2M2 => (2, 2, 2),
        Vld2M | Vst2M => (2, 1, 1 + (ty & 1)),
        Vld3M | Vst3M => (3, 1, 1 + (ty & 1)),
        _ => (4, 1, 1 + (ty & 1)),
    };
    let bad_align = match count {
        2 => regs == 1 && align == 3,
        3 => align & 2 != 0,
        _ => false,
    };
    let last = if regs == 2 {
        d + 3
    } else {
        d + (count - 1) * inc
    };
    if size == 3 || bad_align || last > 31 {
        return None;
    }
    let list = List { d, inc };
    let mut s = Seq::new();
    let v: Vec<u32> = (0..count).map(|_| s.scratch()).collect();
    // The D registers of structure element i: one per V register, or two (low, high).
    let regs_of = |i: u32| -> Vec<(u32, bool)> {
        if regs == 2 {
            vec![(d + 2 * i, false), (d + 2 * i + 1, true)]
        } else {
            vec![(list.d + i * list.inc, false)]
        }
    };
    if !load {
        for i in 0..count {
            for (j, hi) in regs_of(i) {
                s.load_d(j, v[i as usize], hi);
            }
        }
    }
    // LD4 0000, LD3 0100, LD2 1000 (multiple structures, no writeback).
    let opcode = match count {
        2 => 0b1000,
        3 => 0b0100,
        _ => 0b0000,
    };
    let q = (regs == 2) as u32;
    s.word(
        0x0c00_0000 | q << 30 | (load as u32) << 22 | opcode << 12 | size << 10 | ADDR << 5 | v[0],
    );
    if load {
        for i in 0..count {
            for (j, hi) in regs_of(i) {
                s.store_d(v[i as usize], hi, j);
            }
        }
    }
    finish(cx, s, n, 8 * count * regs)
}

/// VLDn/VSTn of one lane: A64's single-structure LDn/STn on V16.. holding the D registers.
fn lane(cx: &mut Ctx, w: u32, d: u32, n: u32, load: bool) -> Option<u32> {
    let size = w >> 10 & 3;
    let count = (w >> 8 & 3) + 1;
    let ia = w >> 4 & 15;
    if size == 3 {
        return None;
    }
    // index_align: the lane, the spacing and the alignment, with their reserved values.
    let (index, inc, ok) = match size {
        0 => (ia >> 1, 1, count == 2 || count == 4 || ia & 1 == 0),
        1 => (
            ia >> 2,
            1 + (ia >> 1 & 1),
            match count {
                1 => ia & 2 == 0,
                3 => ia & 1 == 0,
                _ => true,
            },
        ),
        _ => (
            ia >> 3,
            1 + (ia >> 2 & 1),
            match count {
                1 => ia & 4 == 0 && (ia & 3 == 0 || ia & 3 == 3),
                2 => ia & 2 == 0,
                3 => ia & 3 == 0,
                _ => ia & 3 != 3,
            },
        ),
    };
    let inc = if count == 1 { 1 } else { inc };
    if !ok || d + (count - 1) * inc > 31 {
        return None;
    }
    if count == 1 {
        // VLD1/VST1 of one lane: an IR load or store of the element.
        let (bytes, sh) = (1u32 << size, (8u32 << size) * index);
        let mask = (1u64 << (8 << size)) - 1;
        let addr = cx.r(n);
        let slot = slot::V0 + d;
        let old = cx.b.get(slot);
        if load {
            let v = cx.b.load(addr, bytes);
            let v = cx.shl(v, sh);
            let keep = cx.and_k(old, !(mask << sh));
            let new = cx.b.or(keep, v);
            cx.b.set(slot, new);
        } else {
            let v = cx.shr(old, sh);
            cx.b.store(addr, v, bytes);
        }
        return Some(bytes);
    }
    let mut s = Seq::new();
    let v: Vec<u32> = (0..count).map(|_| s.scratch()).collect();
    for i in 0..count {
        s.load_d(d + i * inc, v[i as usize], false);
    }
    // opcode<2:1> = element size, opcode<0> for LD3/LD4, R for LD2/LD4; the lane in S:size.
    let odd = (count == 3 || count == 4) as u32;
    let r = (count == 2 || count == 4) as u32;
    let (sbit, sz) = match size {
        0 => (index >> 2, index & 3),
        1 => (index >> 1, (index & 1) << 1),
        _ => (index, 0),
    };
    let opcode = size << 1 | odd;
    s.word(
        0x0d00_0000
            | (load as u32) << 22
            | r << 21
            | opcode << 13
            | sbit << 12
            | sz << 10
            | ADDR << 5
            | v[0],
    );
    if load {
        for i in 0..count {
            s.store_d(v[i as usize], false, d + i * inc);
        }
    }
    finish(cx, s, n, count << size)
}

/// VLDn to all lanes: A64 LD1R-LD4R on V16.. (VLD1 with T = 1 fills two registers).
fn all_lanes(cx: &mut Ctx, w: u32, d: u32, n: u32) -> Option<u32> {
    let count = (w >> 8 & 3) + 1;
    let size = w >> 6 & 3;
    let t = w >> 5 & 1;
    let a = w >> 4 & 1;
    let ok = match count {
        1 => size != 3 && !(size == 0 && a == 1),
        2 => size != 3,
        3 => size != 3 && a == 0,
        _ => size != 3,
    };
    let (dests, inc) = if count == 1 {
        (1 + t, 1)
    } else {
        (count, 1 + t)
    };
    if !ok || d + (dests - 1) * inc > 31 {
        return None;
    }
    if count == 1 {
        // VLD1 to all lanes: an IR load, repeated over the register(s) by a multiply.
        let bytes = 1u32 << size;
        let addr = cx.r(n);
        let v = cx.b.load(addr, bytes);
        let rep = cx.k(u64::MAX / ((1u64 << (8 << size)) - 1));
        let v = cx.b.bin(ir::Op::Mul, v, rep);
        for k in 0..dests {
            cx.b.set(slot::V0 + d + k, v);
        }
        return Some(bytes);
    }
    let mut s = Seq::new();
    let v: Vec<u32> = (0..count).map(|_| s.scratch()).collect();
    let odd = (count == 3 || count == 4) as u32;
    let r = (count == 2 || count == 4) as u32;
    s.word(0x0d40_c000 | r << 21 | odd << 13 | size << 10 | ADDR << 5 | v[0]);
    if count == 1 {
        for k in 0..dests {
            s.store_d(v[0], false, d + k);
        }
    } else {
        for i in 0..count {
            s.store_d(v[i as usize], false, d + i * inc);
        }
    }
    finish(cx, s, n, count << size)
}
