//! The Advanced SIMD instructions string and memory routines run in their inner loops, lifted
//! into integer IR on the two 64-bit halves of each register (SWAR: lanes packed in a 64-bit
//! value, with carries kept from crossing lane boundaries) instead of one `fpsimd::EXEC` call
//! each: bitwise operations (AND, BIC, ORR, ORN, EOR, BSL, BIT, BIF), ADD and SUB, CMEQ
//! (register and zero), ADDP/UMAXP/UMINP/SMAXP/SMINP (on bytes one `pairs8` op per 16 bytes,
//! SSE2 on the host), DUP (general), UMOV, SHRN from halfwords, and the moves around the
//! crypto and hash loops: REV64, REV32, REV16, EXT, INS (element and general), DUP (element,
//! scalar) and the modified-immediate moves (MOVI, MVNI, ORR and BIC immediate). Results stay
//! IR values, so glibc's `cmeq; shrn; fmov x, d; cbz` sequences run without leaving translated
//! code. Other forms go to the general executor.

use crate::ctx::{Ctx, Flow};
use cpu::slot;
use ir::{Op, Val};

/// Register halves: (low, high).
type Halves = (Val, Val);

/// Reads V`n` as two halves.
fn read(cx: &mut Ctx, n: u32) -> Halves {
    (cx.b.get(slot::v_lo(n)), cx.b.get(slot::v_hi(n)))
}

/// Writes V`d`; with `q` clear the high half becomes zero.
fn write(cx: &mut Ctx, d: u32, (lo, hi): Halves, q: bool) {
    cx.b.set(slot::v_lo(d), lo);
    let hi = if q { hi } else { cx.k(0) };
    cx.b.set(slot::v_hi(d), hi);
}

/// Applies `f` to both halves.
fn each(cx: &mut Ctx, a: Halves, b: Halves, f: impl Fn(&mut Ctx, Val, Val) -> Val) -> Halves {
    (f(cx, a.0, b.0), f(cx, a.1, b.1))
}

/// Lane-wise `a + b` (or `a - b` when `sub`) on one 64-bit half.
fn add_lanes(cx: &mut Ctx, a: Val, b: Val, esize: u32, sub: bool) -> Val {
    match (esize, sub) {
        (64, false) => cx.b.add(a, b),
        (64, true) => cx.b.sub(a, b),
        (_, false) => cx.b.emit(Op::AddLanes, &[a, b], esize as u64),
        (_, true) => cx.b.emit(Op::SubLanes, &[a, b], esize as u64),
    }
}

/// All-ones in every lane of `x` that is zero, zeros elsewhere.
fn zero_lanes(cx: &mut Ctx, x: Val, esize: u32) -> Val {
    if esize == 64 {
        let z = cx.k(0);
        let e = cx.b.bin(Op::Eq, x, z);
        return cx.b.un(Op::Neg, e, 0);
    }
    cx.b.un(Op::ZeroLanes, x, esize as u64)
}

/// Lifts `w` if it is one of the forms this module handles; `None` (having emitted nothing)
/// leaves it to the general executor.
pub fn lift(cx: &mut Ctx, w: u32) -> Option<Flow> {
    // EOR, EXT #8 and REV64 of bytes (16B) in a block that already calls a crypto operation
    // (GHASH, AES-GCM) go to the general executor, where the JIT runs them inline on its xmm
    // copies of the registers (see `ir::inline`). As integer IR on the halves, each would move
    // its registers from xmm registers to the CPU state and general registers and back.
    if crate::fp::crypto_move(w).is_some() && cx.b.has_crypto_call() {
        return None;
    }
    let (d, n, m) = (w & 31, w >> 5 & 31, w >> 16 & 31);
    let q = w >> 30 & 1 == 1;
    let u = w >> 29 & 1 == 1;
    let size = w >> 22 & 3;
    let esize = 8 << size;
    if w & 0x9f20_0400 == 0x0e20_0400 {
        // Three same.
        let opcode = w >> 11 & 31;
        match (opcode, u) {
            (0b00011, _) => {
                let (a, b) = (read(cx, n), read(cx, m));
                let r = if u && size != 0 {
                    // BSL, BIT, BIF: a bitwise select with Vd as one of the inputs.
                    let c = read(cx, d);
                    let half = |cx: &mut Ctx, a: Val, b: Val, c: Val| {
                        let (sel, t, f) = match size {
                            1 => (c, a, b), // BSL: Vd ? Vn : Vm
                            2 => (b, a, c), // BIT: Vm ? Vn : Vd
                            _ => (b, c, a), // BIF: Vm ? Vd : Vn
                        };
                        // f ^ ((t ^ f) & sel) takes t where sel is set, f elsewhere.
                        let x = cx.b.xor(t, f);
                        let x = cx.b.and(x, sel);
                        cx.b.xor(f, x)
                    };
                    (half(cx, a.0, b.0, c.0), half(cx, a.1, b.1, c.1))
                } else {
                    each(cx, a, b, |cx, x, y| match (u, size) {
                        (false, 0) => cx.b.and(x, y),
                        (false, 1) => {
                            let ny = cx.b.not(y);
                            cx.b.and(x, ny)
                        }
                        (false, 2) => cx.b.or(x, y),
                        (false, _) => {
                            let ny = cx.b.not(y);
                            cx.b.or(x, ny)
                        }
                        _ => cx.b.xor(x, y),
                    })
                };
                write(cx, d, r, q);
            }
            (0b10000, _) => {
                if size == 3 && !q {
                    return None;
                }
                let (a, b) = (read(cx, n), read(cx, m));
                let r = each(cx, a, b, |cx, x, y| add_lanes(cx, x, y, esize, u));
                write(cx, d, r, q);
            }
            (0b10100 | 0b10101, _) | (0b10111, false) => {
                // SMAXP/UMAXP, SMINP/UMINP, ADDP.
                let op = match opcode {
                    0b10100 => Pair::Max,
                    0b10101 => Pair::Min,
                    _ => Pair::Add,
                };
                if size == 3 && (op != Pair::Add || !q) {
                    return None;
                }
                let (a, b) = (read(cx, n), read(cx, m));
                let res = if esize == 64 {
                    // ADDP .2D: one pair per source register.
                    (cx.b.add(a.0, a.1), cx.b.add(b.0, b.1))
                } else if esize == 8 {
                    // One `pairs8` per 16 bytes of Vm:Vn (SSE2 on the host): the halves of
                    // each register, or without Q both low halves.
                    let op = match (op, u) {
                        (Pair::Add, _) => ir::PairOp::Add,
                        (Pair::Max, true) => ir::PairOp::MaxU,
                        (Pair::Min, true) => ir::PairOp::MinU,
                        (Pair::Max, false) => ir::PairOp::MaxS,
                        (Pair::Min, false) => ir::PairOp::MinS,
                    };
                    let k = op as u64;
                    if q {
                        let lo = cx.b.emit(Op::Pairs8, &[a.0, a.1], k);
                        let hi = cx.b.emit(Op::Pairs8, &[b.0, b.1], k);
                        (lo, hi)
                    } else {
                        let lo = cx.b.emit(Op::Pairs8, &[a.0, b.0], k);
                        (lo, lo)
                    }
                } else {
                    // The pairs of Vm:Vn (their low halves only without Q), packed in order.
                    let signed = !u && op != Pair::Add;
                    let srcs: &[Val] = if q {
                        &[a.0, a.1, b.0, b.1]
                    } else {
                        &[a.0, b.0]
                    };
                    let r: Vec<Val> = srcs
                        .iter()
                        .map(|&h| pairwise(cx, h, esize, op, signed))
                        .collect();
                    let s32 = cx.k(32);
                    let mut join = |lo: Val, hi: Val| {
                        let hi = cx.b.binw(Op::Shl, hi, s32, 64);
                        cx.b.or(lo, hi)
                    };
                    if q {
                        (join(r[0], r[1]), join(r[2], r[3]))
                    } else {
                        (join(r[0], r[1]), r[0])
                    }
                };
                write(cx, d, res, q);
            }
            (0b10001, true) => {
                if size == 3 && !q {
                    return None;
                }
                let (a, b) = (read(cx, n), read(cx, m));
                let r = each(cx, a, b, |cx, x, y| {
                    if esize == 64 {
                        let t = cx.b.xor(x, y);
                        zero_lanes(cx, t, esize)
                    } else {
                        cx.b.emit(Op::EqLanes, &[x, y], esize as u64)
                    }
                });
                write(cx, d, r, q);
            }
            _ => return None,
        }
        return Some(Flow::Next);
    }
    if w & 0xbf3f_fc00 == 0x0e20_9800 {
        // CMEQ (zero).
        if size == 3 && !q {
            return None;
        }
        let a = read(cx, n);
        let r = each(cx, a, a, |cx, x, _| zero_lanes(cx, x, esize));
        write(cx, d, r, q);
        return Some(Flow::Next);
    }
    // The lane an imm5 field names (lowest set bit: the size; the bits above it: the index) as
    // (size log2 - 3, bits, index), for the forms whose imm5 names one.
    let imm5 = w >> 16 & 31;
    let elem = (imm5 & 15 != 0).then(|| {
        let lsb = imm5.trailing_zeros();
        (lsb, 8u32 << lsb, imm5 >> (lsb + 1))
    });
    if let Some((lsb, esize, _)) = elem
        && w & 0xbfe0_fc00 == 0x0e00_0c00
    {
        // DUP (general): the low lane of Xn repeated.
        if lsb == 3 && !q {
            return None;
        }
        let x = cx.x(n);
        let v = if esize == 64 {
            x
        } else {
            let x = cx.b.zext(x, esize);
            let rep = cx.k(u64::MAX / ((1u64 << esize) - 1));
            cx.b.bin(Op::Mul, x, rep)
        };
        write(cx, d, (v, v), q);
        return Some(Flow::Next);
    }
    if let Some((lsb, bits, index)) = elem
        && w & 0xbfe0_fc00 == 0x0e00_3c00
    {
        // UMOV (MOV to general): 64-bit needs Q, the narrower lanes need !Q.
        if (lsb == 3) != q {
            return None;
        }
        let v = lane(cx, n, index, bits);
        cx.set_x(d, v, true);
        return Some(Flow::Next);
    }
    if w & 0x9ff8_0400 == 0x0f00_0400
        && let Some(op) = fpsimd::moves::mod_imm_value(w)
    {
        // MOVI, MVNI, ORR, BIC (vector, immediate), FMOV (vector, immediate): a constant, or
        // one or-ed in or cleared.
        use fpsimd::moves::ModImm;
        let r = match op {
            ModImm::Set(k) => {
                let k = cx.k(k);
                (k, k)
            }
            ModImm::Or(k) | ModImm::Bic(k) => {
                let a = read(cx, d);
                let bic = matches!(op, ModImm::Bic(_));
                let k = cx.k(if bic { !k } else { k });
                each(
                    cx,
                    a,
                    a,
                    |cx, x, _| {
                        if bic { cx.b.and(x, k) } else { cx.b.or(x, k) }
                    },
                )
            }
        };
        write(cx, d, r, q);
        return Some(Flow::Next);
    }
    if w & 0x9f3f_ec00 == 0x0e20_0800 {
        // REV64, REV32, REV16: the lanes of each 64-, 32- or 16-bit container in reverse
        // order.
        let container = match (u, w >> 12 & 1) {
            (false, 0) => 64,
            (true, 0) => 32,
            (false, _) => 16,
            (true, _) => return None,
        };
        if esize >= container {
            return None;
        }
        let a = read(cx, n);
        let r = each(cx, a, a, |cx, x, _| reverse_lanes(cx, x, esize, container));
        write(cx, d, r, q);
        return Some(Flow::Next);
    }
    if w & 0xbfe0_8400 == 0x2e00_0000 {
        // EXT: bytes imm4.. of Vm:Vn (Vn the low part).
        let pos = (w >> 11 & 15) * 8;
        if !q && pos >= 64 {
            return None;
        }
        let (a, b) = (read(cx, n), read(cx, m));
        let words = if q {
            vec![a.0, a.1, b.0, b.1]
        } else {
            vec![a.0, b.0]
        };
        let lo = bits_at(cx, &words, pos);
        let hi = if q { bits_at(cx, &words, pos + 64) } else { lo };
        write(cx, d, (lo, hi), q);
        return Some(Flow::Next);
    }
    if let Some((lsb, bits, index)) = elem
        && w & 0xffe0_8400 == 0x6e00_0400
    {
        // INS (element): lane imm4 of Vn into lane imm5 of Vd, the other lanes kept.
        let v = lane(cx, n, (w >> 11 & 15) >> lsb, bits);
        insert_lane(cx, d, index, bits, v);
        return Some(Flow::Next);
    }
    if let Some((_, bits, index)) = elem
        && w & 0xffe0_fc00 == 0x4e00_1c00
    {
        // INS (general): the low lane of Xn into lane imm5 of Vd.
        let x = cx.x(n);
        let v = if bits == 64 { x } else { cx.b.zext(x, bits) };
        insert_lane(cx, d, index, bits, v);
        return Some(Flow::Next);
    }
    if let Some((_, bits, index)) = elem
        && w & 0xffe0_fc00 == 0x5e00_0400
    {
        // DUP (element, scalar) = MOV Bd/Hd/Sd/Dd, Vn.T[i]: the lane alone, the rest zero.
        let v = lane(cx, n, index, bits);
        let z = cx.k(0);
        write(cx, d, (v, z), true);
        return Some(Flow::Next);
    }
    if let Some(r) = scalar_shift(cx, w) {
        // SHL, SSHR, USHR, SSRA, USRA of a D register: the rest of Vd becomes zero.
        let z = cx.k(0);
        write(cx, d, (r, z), true);
        return Some(Flow::Next);
    }
    if w & 0xbf80_fc00 == 0x0f00_8400 && w >> 19 & 15 == 1 {
        // SHRN/SHRN2 from halfwords to bytes, shift 1..=8.
        let shift = 16 - (w >> 16 & 15);
        let (lo, hi) = read(cx, n);
        let packed = [lo, hi].map(|h| {
            let s = cx.k(shift as u64);
            let v = cx.b.binw(Op::Lshr, h, s, 64);
            compact_bytes(cx, v)
        });
        let s32 = cx.k(32);
        let top = cx.b.binw(Op::Shl, packed[1], s32, 64);
        let r = cx.b.or(packed[0], top);
        if q {
            // SHRN2 writes the upper half and keeps the lower one.
            cx.b.set(slot::v_hi(d), r);
        } else {
            let z = cx.k(0);
            cx.b.set(slot::v_lo(d), r);
            cx.b.set(slot::v_hi(d), z);
        }
        return Some(Flow::Next);
    }
    None
}

/// The result of a scalar shift by immediate of a D register (immh = 1xxx), if `w` is one the
/// lifter takes: SHL by 0..63, SSHR and USHR by 1..64, and SSRA and USRA (the shifted value
/// added to Dd). A right shift by 64 gives the sign (SSHR) or zero (USHR).
fn scalar_shift(cx: &mut Ctx, w: u32) -> Option<Val> {
    let (d, n) = (w & 31, w >> 5 & 31);
    let imm = w >> 16 & 0x3f;
    let op = match w & 0xffc0_fc00 {
        0x5f40_5400 => Op::Shl,
        0x5f40_0400 | 0x5f40_1400 => Op::Ashr,
        0x7f40_0400 | 0x7f40_1400 => Op::Lshr,
        _ => return None,
    };
    let x = cx.b.get(slot::v_lo(n));
    let shifted = match op {
        Op::Shl => {
            let k = cx.k(imm as u64);
            cx.b.binw(op, x, k, 64)
        }
        // 64 - imm: 64 when imm is 0, where an arithmetic shift by 63 gives the same.
        Op::Ashr => {
            let k = cx.k((64 - imm).min(63) as u64);
            cx.b.binw(op, x, k, 64)
        }
        _ if imm == 0 => cx.k(0),
        _ => {
            let k = cx.k(64 - imm as u64);
            cx.b.binw(op, x, k, 64)
        }
    };
    if !matches!(w & 0xffc0_fc00, 0x5f40_1400 | 0x7f40_1400) {
        return Some(shifted);
    }
    let acc = cx.b.get(slot::v_lo(d));
    Some(cx.b.add(acc, shifted))
}

/// The lanes of `esize` bits of the 64-bit half `x` in reverse order within each container of
/// `container` bits: the adjacent blocks of `esize`, then `2 * esize`... bits swapped, up to
/// half a container. The bytes of each word (REV32 of bytes: SHA-256's big-endian message
/// words, on both ISAs) are those of the whole half reversed, the words then swapped back:
/// two instructions, where the swaps of bytes and halfwords took five each.
fn reverse_lanes(cx: &mut Ctx, x: Val, esize: u32, container: u32) -> Val {
    if (esize, container) == (8, 64) {
        return cx.b.un(Op::Bswap, x, 64);
    }
    if (esize, container) == (8, 32) {
        let r = cx.b.un(Op::Bswap, x, 64);
        let k = cx.k(32);
        return cx.b.binw(Op::Ror, r, k, 64);
    }
    let mut x = x;
    let mut s = esize;
    while s < container {
        x = if s == 32 {
            let k = cx.k(32);
            cx.b.binw(Op::Ror, x, k, 64)
        } else {
            // The low `s` bits of every 2s-bit block.
            let m = cx.k(u64::MAX / ((1u64 << (2 * s)) - 1) * ((1u64 << s) - 1));
            let k = cx.k(s as u64);
            let lo = cx.b.and(x, m);
            let lo = cx.b.binw(Op::Shl, lo, k, 64);
            let hi = cx.b.binw(Op::Lshr, x, k, 64);
            let hi = cx.b.and(hi, m);
            cx.b.or(lo, hi)
        };
        s *= 2;
    }
    x
}

/// The 64 bits starting at bit `pos` of `words` (least significant first), zeros past the end.
fn bits_at(cx: &mut Ctx, words: &[Val], pos: u32) -> Val {
    let (w, s) = ((pos / 64) as usize, pos % 64);
    if s == 0 {
        return words[w];
    }
    let (ks, kt) = (cx.k(s as u64), cx.k(64 - s as u64));
    let low = cx.b.binw(Op::Lshr, words[w], ks, 64);
    match words.get(w + 1) {
        Some(&next) => {
            let high = cx.b.binw(Op::Shl, next, kt, 64);
            cx.b.or(low, high)
        }
        None => low,
    }
}

/// The slot of the 64-bit half of V`n` that holds bit `bit`.
fn half_slot(n: u32, bit: u32) -> u32 {
    if bit >= 64 {
        slot::v_hi(n)
    } else {
        slot::v_lo(n)
    }
}

/// Lane `index` of `esize` bits of V`n`, zero-extended.
fn lane(cx: &mut Ctx, n: u32, index: u32, esize: u32) -> Val {
    let bit = index * esize;
    let half = cx.b.get(half_slot(n, bit));
    if esize == 64 {
        return half;
    }
    let s = cx.k((bit % 64) as u64);
    let v = cx.b.binw(Op::Lshr, half, s, 64);
    cx.b.zext(v, esize)
}

/// Replaces lane `index` of `esize` bits of V`d` by `v` (zero-extended), keeping the others.
fn insert_lane(cx: &mut Ctx, d: u32, index: u32, esize: u32, v: Val) {
    let bit = index * esize;
    let s = half_slot(d, bit);
    if esize == 64 {
        cx.b.set(s, v);
        return;
    }
    let shift = (bit % 64) as u64;
    let mask = ((1u64 << esize) - 1) << shift;
    let half = cx.b.get(s);
    let keep = cx.k(!mask);
    let kept = cx.b.and(half, keep);
    let k = cx.k(shift);
    let placed = cx.b.binw(Op::Shl, v, k, 64);
    let r = cx.b.or(kept, placed);
    cx.b.set(s, r);
}

/// A pairwise operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pair {
    Max,
    Min,
    Add,
}

/// `op` on the adjacent pairs of 16- or 32-bit lanes of the 64-bit half `x`, the results
/// packed into the low 32 bits (bytes take `pairs8`).
fn pairwise(cx: &mut Ctx, x: Val, esize: u32, op: Pair, signed: bool) -> Val {
    if esize == 32 {
        let s = cx.k(32);
        let e = cx.b.zext(x, 32);
        let o = cx.b.binw(Op::Lshr, x, s, 64);
        if op == Pair::Add {
            let t = cx.b.add(e, o);
            return cx.b.zext(t, 32);
        }
        // Flipping the sign bits turns signed order into unsigned order.
        let bias = cx.k(if signed { 1 << 31 } else { 0 });
        let ce = cx.b.xor(e, bias);
        let co = cx.b.xor(o, bias);
        let lt = cx.b.bin(Op::Ult, ce, co);
        return if op == Pair::Max {
            cx.b.select(lt, o, e)
        } else {
            cx.b.select(lt, e, o)
        };
    }
    // Even lanes in `e`, odd lanes in `o`, each in a 32-bit slot.
    // (spread: the lane bits of each slot; carry: the bit just above them; low: bit 0 of each
    // slot; sign: each lane's sign bit.)
    let (spread, carry, low, sign) = (
        0x0000_ffff_0000_ffffu64,
        0x0001_0000_0001_0000u64,
        0x0000_0001_0000_0001u64,
        0x0000_8000_0000_8000u64,
    );
    let k = cx.k(spread);
    let e = cx.b.and(x, k);
    let sh = cx.k(esize as u64);
    let o = cx.b.binw(Op::Lshr, x, sh, 64);
    let o = cx.b.and(o, k);
    let r = if op == Pair::Add {
        let t = cx.b.add(e, o);
        cx.b.and(t, k)
    } else {
        let bias = cx.k(if signed { sign } else { 0 });
        let ce = cx.b.xor(e, bias);
        let co = cx.b.xor(o, bias);
        // (e | carry) - o keeps a slot's carry bit iff e >= o; no borrow leaves the slot.
        let c = cx.k(carry);
        let t = cx.b.or(ce, c);
        let t = cx.b.sub(t, co);
        let t = cx.b.binw(Op::Lshr, t, sh, 64);
        let lowk = cx.k(low);
        let ge = cx.b.and(t, lowk);
        let lane = cx.k((1u64 << esize) - 1);
        let mask = cx.b.bin(Op::Mul, ge, lane);
        let diff = cx.b.xor(e, o);
        let diff = cx.b.and(diff, mask);
        // Where e >= o: max is e, min is o.
        if op == Pair::Max {
            cx.b.xor(o, diff)
        } else {
            cx.b.xor(e, diff)
        }
    };
    let s = cx.k(16);
    let t = cx.b.binw(Op::Lshr, r, s, 64);
    let t = cx.b.or(r, t);
    cx.b.zext(t, 32)
}

/// The low bytes of the four halfwords of `v`, packed into its low 32 bits.
fn compact_bytes(cx: &mut Ctx, v: Val) -> Val {
    let k = cx.k(0x00ff_00ff_00ff_00ff);
    let v = cx.b.and(v, k);
    let s8 = cx.k(8);
    let t = cx.b.binw(Op::Lshr, v, s8, 64);
    let v = cx.b.or(v, t);
    let k = cx.k(0x0000_ffff_0000_ffff);
    let v = cx.b.and(v, k);
    let s16 = cx.k(16);
    let t = cx.b.binw(Op::Lshr, v, s16, 64);
    let v = cx.b.or(v, t);
    cx.b.zext(v, 32)
}
