//! Data processing (immediate): PC-relative addressing, add/sub, logical, move wide, bitfield
//! and extract.

use crate::ctx::{Ctx, Flow, M, width};
use decode::a64_base::A64Base as I;
use ir::{Op, Val};

/// Lifts one data-processing-immediate instruction.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let sf = m.f('s') == 1;
    let w = width(sf);
    let (d, n) = (m.f('d'), m.f('n'));
    match m.id() {
        I::Adr | I::Adrp => {
            let imm = m.fs('i') << 2 | m.f('l') as i64;
            let v = if m.id() == I::Adr {
                cx.pc_rel(imm)
            } else {
                (cx.pc & !0xfff).wrapping_add((imm << 12) as u64)
            };
            let v = cx.k(v);
            cx.set_x(d, v, true);
        }
        I::AddImm | I::AddsImm | I::SubImm | I::SubsImm => {
            let imm = (m.f('i') as u64) << (12 * m.f('h'));
            let sub = matches!(m.id(), I::SubImm | I::SubsImm);
            let flags = matches!(m.id(), I::AddsImm | I::SubsImm);
            let a = cx.xsp(n);
            // `mov x29, sp` and friends: the register itself (set_xsp narrows a 32-bit one).
            let r = if imm == 0 && !flags {
                a
            } else {
                let b = cx.k(if sub { !imm } else { imm });
                let c = cx.k(sub as u64);
                cx.add_with_carry(a, b, c, w, flags)
            };
            if flags {
                cx.set_x(d, r, sf)
            } else {
                cx.set_xsp(d, r, sf)
            }
        }
        I::AndImm | I::OrrImm | I::EorImm | I::AndsImm => {
            let Some((imm, _)) = decode_bit_masks(m.f('N'), m.f('k'), m.f('r'), true, w) else {
                return Flow::Undef;
            };
            let a = cx.x(n);
            let b = cx.k(imm);
            let op = match m.id() {
                I::OrrImm => Op::Or,
                I::EorImm => Op::Xor,
                _ => Op::And,
            };
            let r = cx.b.bin(op, a, b);
            if m.id() == I::AndsImm {
                let f = cx.b.un(Op::LogicFlags, r, w as u64);
                cx.set_nzcv(f);
                cx.set_x(d, r, sf);
            } else {
                cx.set_xsp(d, r, sf);
            }
        }
        I::Movn | I::Movz | I::Movk => {
            let hw = m.f('h');
            if !sf && hw >= 2 {
                return Flow::Undef;
            }
            let sh = 16 * hw;
            let imm = (m.f('i') as u64) << sh;
            let r = match m.id() {
                I::Movn => cx.k(!imm),
                I::Movz => cx.k(imm),
                _ => {
                    let old = cx.x(d);
                    let keep = cx.k(!(0xffffu64 << sh));
                    let kept = cx.b.and(old, keep);
                    let ins = cx.k(imm);
                    cx.b.or(kept, ins)
                }
            };
            cx.set_x(d, r, sf);
        }
        I::Sbfm | I::Bfm | I::Ubfm => return bitfield(cx, m, sf),
        I::Extr => {
            let lsb = m.f('k');
            if m.f('N') != sf as u32 || lsb >= w {
                return Flow::Undef;
            }
            let lo = cx.x(m.f('m'));
            let r = if lsb == 0 {
                lo
            } else {
                let hi = cx.x(n);
                let lo = cx.shift_k(Op::Lshr, lo, lsb, w);
                let hi = cx.shift_k(Op::Shl, hi, w - lsb, w);
                cx.b.or(lo, hi)
            };
            cx.set_x(d, r, sf);
        }
        _ => return Flow::Undef,
    }
    Flow::Next
}

/// SBFM, BFM and UBFM (and their aliases LSL, LSR, ASR, SXT*, UXT*, SBFX, UBFX, BFI, BFXIL).
fn bitfield(cx: &mut Ctx, m: &M, sf: bool) -> Flow {
    let w = width(sf);
    let (immr, imms) = (m.f('r'), m.f('k'));
    if m.f('N') != sf as u32 || immr >= w || imms >= w {
        return Flow::Undef;
    }
    let Some((wmask, tmask)) = decode_bit_masks(m.f('N'), imms, immr, false, w) else {
        return Flow::Undef;
    };
    let (d, n) = (m.f('d'), m.f('n'));
    let src = cx.x(n);
    if m.id() != I::Bfm {
        let r = extract_or_insert(cx, src, m.id() == I::Sbfm, immr, imms, w);
        cx.set_x(d, r, sf);
        return Flow::Next;
    }
    let rotated = cx.shift_k(Op::Ror, src, immr, w);
    let wm = cx.k(wmask);
    let bot_src = cx.b.and(rotated, wm);
    let (bot, top) = match m.id() {
        I::Bfm => {
            let dst = cx.x(d);
            let nwm = cx.k(!wmask);
            let kept = cx.b.and(dst, nwm);
            (cx.b.or(kept, bot_src), dst)
        }
        I::Sbfm => {
            // Replicate bit `imms` of the source across the word.
            let up = cx.shift_k(Op::Shl, src, 63 - imms, 64);
            let sign = cx.shift_k(Op::Ashr, up, 63, 64);
            (bot_src, sign)
        }
        _ => {
            let zero = cx.k(0);
            (bot_src, zero)
        }
    };
    let tm = cx.k(tmask);
    let ntm = cx.k(!tmask);
    let t = cx.b.and(top, ntm);
    let bt = cx.b.and(bot, tm);
    let r = cx.b.or(t, bt);
    cx.set_x(d, r, sf);
    Flow::Next
}

/// SBFM/UBFM as the field operation they name, in one to three IR ops instead of the general
/// rotate-and-mask: with `imms >= immr` bits `immr..=imms` are extracted to the bottom (SBFX,
/// UBFX, ASR, LSR, SXT*, UXT*), otherwise bits `0..=imms` are placed at `w - immr` (SBFIZ,
/// UBFIZ, LSL); `signed` sign-extends the field, else it is zero-extended.
fn extract_or_insert(cx: &mut Ctx, src: Val, signed: bool, immr: u32, imms: u32, w: u32) -> Val {
    let (lsb, len, dst_lsb) = if imms >= immr {
        (immr, imms - immr + 1, 0)
    } else {
        (0, imms + 1, w - immr)
    };
    // The field at the bottom, extended to `w` bits.
    let field = match (signed, len) {
        (_, l) if lsb + l == w && dst_lsb == 0 => {
            let op = if signed { Op::Ashr } else { Op::Lshr };
            cx.shift_k(op, src, lsb, w)
        }
        // LSL: the field's top bit lands on the word's, nothing above it to fill.
        (_, l) if dst_lsb + l == w => src,
        (true, 8 | 16 | 32) if lsb == 0 => cx.b.sext(src, len),
        (false, 8 | 16 | 32) => {
            let low = cx.shift_k(Op::Lshr, src, lsb, w);
            cx.b.zext(low, len)
        }
        (true, _) => {
            let up = cx.shift_k(Op::Shl, src, w - lsb - len, w);
            cx.shift_k(Op::Ashr, up, w - len, w)
        }
        (false, _) => {
            let low = cx.shift_k(Op::Lshr, src, lsb, w);
            let ones = cx.k((1u64 << len) - 1);
            cx.b.and(low, ones)
        }
    };
    cx.shift_k(Op::Shl, field, dst_lsb, w)
}

/// The ARM manual's DecodeBitMasks: (wmask, tmask) for a `datasize`-bit operation, or `None`
/// for a reserved encoding.
pub fn decode_bit_masks(
    n: u32,
    imms: u32,
    immr: u32,
    immediate: bool,
    datasize: u32,
) -> Option<(u64, u64)> {
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return None;
    }
    let esize = 1u32 << len;
    if esize > datasize {
        return None;
    }
    let levels = esize - 1;
    if immediate && imms & levels == levels {
        return None;
    }
    let s = imms & levels;
    let r = immr & levels;
    let diff = s.wrapping_sub(r) & levels;
    let ones = |k: u32| if k >= 64 { u64::MAX } else { (1u64 << k) - 1 };
    let emask = ones(esize);
    let welem = ones(s + 1);
    let telem = ones(diff + 1);
    let wrot = if r == 0 {
        welem
    } else {
        ((welem >> r) | (welem << (esize - r))) & emask
    };
    let rep = |e: u64| {
        let mut v = 0u64;
        let mut i = 0;
        while i < datasize {
            v |= e << i;
            i += esize;
        }
        v
    };
    Some((rep(wrot), rep(telem)))
}

#[cfg(test)]
mod tests {
    use super::decode_bit_masks;

    #[test]
    fn bitmask_immediates() {
        // and x0, x1, #0xf: N=1 immr=0 imms=3.
        assert_eq!(decode_bit_masks(1, 3, 0, true, 64).unwrap().0, 0xf);
        // orr w0, w1, #0x55555555: N=0 immr=0 imms=0b111100.
        assert_eq!(
            decode_bit_masks(0, 0x3c, 0, true, 32).unwrap().0,
            0x5555_5555
        );
        // 0xff00ff00ff00ff00: esize 16, 8 ones rotated by 8.
        assert_eq!(
            decode_bit_masks(0, 0x27, 8, true, 64).unwrap().0,
            0xff00_ff00_ff00_ff00
        );
        // All ones is reserved.
        assert!(decode_bit_masks(1, 0x3f, 0, true, 64).is_none());
        assert!(decode_bit_masks(0, 0x3e, 0, true, 64).is_none());
        // esize 64 in a 32-bit operation.
        assert!(decode_bit_masks(1, 3, 0, true, 32).is_none());
    }
}
