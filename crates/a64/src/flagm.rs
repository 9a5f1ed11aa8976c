//! Flag manipulation (FEAT_FlagM: CFINV, RMIF, SETF8, SETF16; FEAT_FlagM2: AXFLAG, XAFLAG).
//!
//! NZCV is held in ARM layout (N bit 31, Z 30, C 29, V 28); each instruction is a few bit
//! operations on that word.

use crate::ctx::{Ctx, Flow, M};
use decode::a64_base::A64Base as I;
use ir::{Op, Val};

const Z: u64 = 1 << 30;
const C: u64 = 1 << 29;

/// Lifts one flag-manipulation instruction.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let f = cx.nzcv();
    let r = match m.id() {
        I::Cfinv => {
            let c = cx.k(C);
            cx.b.xor(f, c)
        }
        I::Axflag => {
            // Z = Z | V, C = C & !V, N = V = 0.
            let vz = cx.shift_k(Op::Shl, f, 2, 64);
            let z = cx.b.or(f, vz);
            let z = and_k(cx, z, Z);
            let vc = cx.shift_k(Op::Shl, f, 1, 64);
            let nvc = cx.b.not(vc);
            let c = cx.b.and(f, nvc);
            let c = and_k(cx, c, C);
            cx.b.or(z, c)
        }
        I::Xaflag => {
            // N = !C & !Z, Z = Z & C, C = C | Z, V = !C & Z.
            let c = bit(cx, f, 29);
            let z = bit(cx, f, 30);
            let one = cx.k(1);
            let c_or_z = cx.b.or(c, z);
            let n = cx.b.xor(c_or_z, one);
            let zz = cx.b.and(z, c);
            let nc = cx.b.xor(c, one);
            let v = cx.b.and(z, nc);
            let n = cx.shift_k(Op::Shl, n, 31, 64);
            let zz = cx.shift_k(Op::Shl, zz, 30, 64);
            let cc = cx.shift_k(Op::Shl, c_or_z, 29, 64);
            let v = cx.shift_k(Op::Shl, v, 28, 64);
            let a = cx.b.or(n, zz);
            let b = cx.b.or(cc, v);
            cx.b.or(a, b)
        }
        I::Rmif => {
            // Flags whose mask bit is set take bits 3..0 of Xn rotated right by the immediate.
            let mask = (m.f('j') as u64) << 28;
            let x = cx.x(m.f('n'));
            let rot = cx.shift_k(Op::Ror, x, m.f('i'), 64);
            let moved = cx.shift_k(Op::Shl, rot, 28, 64);
            let new = and_k(cx, moved, mask);
            let kept = and_k(cx, f, !mask & 0xf000_0000);
            cx.b.or(kept, new)
        }
        I::Setf8 | I::Setf16 => {
            // N = bit top, Z = (low bits == 0), V = bit (top + 1) ^ bit top, C unchanged.
            let bits = if m.id() == I::Setf8 { 8 } else { 16 };
            let x = cx.x(m.f('n'));
            let top = bit(cx, x, bits - 1);
            let above = bit(cx, x, bits);
            let low = cx.b.zext(x, bits);
            let zero = cx.k(0);
            let z = cx.b.emit(Op::Eq, &[low, zero], 0);
            let v = cx.b.xor(top, above);
            let n = cx.shift_k(Op::Shl, top, 31, 64);
            let z = cx.shift_k(Op::Shl, z, 30, 64);
            let v = cx.shift_k(Op::Shl, v, 28, 64);
            let c = and_k(cx, f, C);
            let a = cx.b.or(n, z);
            let b = cx.b.or(c, v);
            cx.b.or(a, b)
        }
        _ => return Flow::Undef,
    };
    cx.set_nzcv(r);
    Flow::Next
}

/// `v & k`.
fn and_k(cx: &mut Ctx, v: Val, k: u64) -> Val {
    let k = cx.k(k);
    cx.b.and(v, k)
}

/// Bit `i` of `v` as 0 or 1.
fn bit(cx: &mut Ctx, v: Val, i: u32) -> Val {
    let s = cx.shift_k(Op::Lshr, v, i, 64);
    and_k(cx, s, 1)
}
