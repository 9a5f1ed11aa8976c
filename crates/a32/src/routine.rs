//! Run-time library routines recognised by their code and lifted by what they compute.
//!
//! 32-bit ARM has no 64-bit divide, so every `uint64_t` division or remainder of an armhf or
//! armel program calls libgcc's `__udivmoddi4` (through `__aeabi_uldivmod`), which finds the
//! quotient one bit per loop iteration: for a 64-bit dividend and a small divisor, some 50
//! iterations of about ten instructions, where the host has one divide instruction. A block
//! that starts at the first instruction of a build of the routine armrun knows byte for byte
//! (the one in Debian's libgcc, which the linker copies into every program and library that
//! divides) is lifted as the IR's 64-bit divide instead.
//!
//! A build is known by its length and the FNV-1a hash of all its bytes, read through the
//! lifter's `fetch`: the code watch then covers every byte, and the block spans the whole
//! routine, so rewriting any of it drops the translation as it would any other.
//!
//! # What the block does
//! As the AAPCS call `__udivmoddi4(n, d, rem)`: n in r1:r0, d in r3:r2, the pointer `rem` at
//! \[sp\]. For d ≠ 0, r1:r0 become n / d, the remainder is stored at `rem` unless it is null,
//! and the block returns to lr (interworking, like the routine's `pop {..., pc}`). It leaves
//! r2, r3, r12, lr and the flags as they were, where the routine leaves them changed: the
//! calling convention makes them scratch, so no caller can read them. For d = 0 (only direct
//! callers: `__aeabi_uldivmod` handles it before the call) the block runs the routine's first
//! instructions, up to its register push, and continues in the routine's own code, so that
//! case gives what the routine gives.
//!
//! Unlike in the routine, a fault on the load of `rem` or the store of the remainder is
//! reported at the routine's first instruction, with the registers of the call.

use crate::ctx::{Ctx, Flow};
use ir::{Op, Term, Val};

/// A known build of a routine.
pub(crate) struct Routine {
    /// The routine's symbol.
    pub name: &'static str,
    /// Thumb code (else A32).
    thumb: bool,
    /// Its first halfword (Thumb) or word (A32): the cheap test before the hash.
    first: u32,
    /// Its length in bytes.
    len: u64,
    /// FNV-1a (64-bit) of its bytes.
    fnv: u64,
    /// How many instructions the d = 0 path runs before it continues in the routine's code:
    /// those up to and including the push of the callee-saved registers.
    prologue: u32,
}

/// The builds armrun recognises.
const ROUTINES: &[Routine] = &[
    // Debian 12's gcc-12 for armhf (Thumb-2), in libgcc.a: `stmdb sp!, {r4-r9, lr}` first.
    Routine {
        name: "__udivmoddi4",
        thumb: true,
        first: 0xe92d,
        len: 262,
        fnv: 0x3c14_ff34_8c2d_ecac,
        prologue: 1,
    },
    // Debian 12's gcc-12 for armel (A32): `cmp r0, r2; push {r4-r9, lr}` first.
    Routine {
        name: "__udivmoddi4",
        thumb: false,
        first: 0xe150_0002,
        len: 288,
        fnv: 0xcc49_c416_63a6_ac20,
        prologue: 2,
    },
];

/// The FNV-1a offset basis and prime (64-bit).
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The known routine whose first instruction is at `pc` in Thumb state `thumb`, if any.
/// Reads only the first halfword or word unless it matches one.
pub(crate) fn find(
    pc: u64,
    thumb: bool,
    fetch: &dyn Fn(u64) -> Option<u32>,
) -> Option<&'static Routine> {
    find_in(ROUTINES, pc, thumb, fetch)
}

/// [`find`] among `routines`.
fn find_in(
    routines: &'static [Routine],
    pc: u64,
    thumb: bool,
    fetch: &dyn Fn(u64) -> Option<u32>,
) -> Option<&'static Routine> {
    let first = fetch(pc)? & if thumb { 0xffff } else { u32::MAX };
    routines
        .iter()
        .filter(|r| r.thumb == thumb && r.first == first)
        .find(|r| hash(pc, r, fetch) == Some(r.fnv))
}

/// FNV-1a of `r.len` bytes of code at `pc`, fetched as `r`'s instruction set does; None if
/// any of them cannot be read.
fn hash(pc: u64, r: &Routine, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<u64> {
    let unit = if r.thumb { 2 } else { 4 };
    let mut h = FNV_OFFSET;
    for off in (0..r.len).step_by(unit) {
        let v = fetch((pc + off) & 0xffff_ffff)?;
        for byte in &v.to_le_bytes()[..unit] {
            h = (h ^ *byte as u64).wrapping_mul(FNV_PRIME);
        }
    }
    Some(h)
}

/// Lifts routine `r` at `cx.pc` (see the module documentation) and returns the block's
/// terminator. The block counts as the prologue's instructions and one more.
pub(crate) fn lift(cx: &mut Ctx, r: &Routine, fetch: &dyn Fn(u64) -> Option<u32>) -> Term {
    let (pc, thumb) = (cx.pc, cx.thumb);
    cx.begin(pc, if thumb { 2 } else { 4 }, 14);
    cx.b.mark(crate::key::key(pc, thumb, 0));
    let n = pair(cx, 0);
    let d = pair(cx, 2);
    let zero = cx.k(0);
    let d_zero = cx.b.bin(Op::Eq, d, zero);
    let q = cx.b.binw(Op::UDiv, n, d, 64);
    let qd = cx.b.bin(Op::Mul, q, d);
    let rem = cx.b.sub(n, qd);
    let sp = cx.r(13);
    let rem_at = cx.b.load(sp, 4);
    let divides = cx.b.bin(Op::Ult, zero, d);
    let to_store = cx.b.bin(Op::Ult, zero, rem_at);
    let store = cx.b.and(divides, to_store);
    cx.b.store_if(rem_at, rem, store, 8);

    // The d = 0 path: the routine's own first instructions, under that condition.
    cx.guard = Some(d_zero);
    let mut at = pc;
    for _ in 0..r.prologue {
        let (word, len) = crate::fetch_insn(at, thumb, fetch).expect("hashed code is readable");
        cx.begin(at, len, 14);
        cx.b.mark(crate::key::key(at, thumb, 0));
        let flow = crate::lift_one(cx, word, len);
        debug_assert!(matches!(flow, Flow::Next), "{} prologue ends early", r.name);
        at = (at + len) & 0xffff_ffff;
        cx.b.end_insn(at);
    }
    cx.guard = None;

    for (reg, half) in [(0, 0), (1, 32)] {
        let k = cx.k(half);
        let shifted = cx.b.binw(Op::Lshr, q, k, 64);
        let v = cx.b.zext(shifted, 32);
        let old = cx.r(reg);
        let v = cx.b.select(d_zero, old, v);
        cx.set_r(reg, v);
    }
    let lr = cx.r(14);
    let resume = cx.k(at | thumb as u64);
    let target = cx.b.select(d_zero, resume, lr);
    let term = cx.write_pc(target, true);
    // Also keeps a look-ahead from remembering the block by its first instruction alone
    // (`ir::flags_live` memoises one-instruction lifts): it counts as two at least.
    cx.b.end_insn((pc + r.len) & 0xffff_ffff);
    term
}

/// The 64-bit value in R`lo + 1`:R`lo`.
fn pair(cx: &mut Ctx, lo: u32) -> Val {
    let l = cx.r(lo);
    let h = cx.r(lo + 1);
    let k = cx.k(32);
    let h = cx.b.binw(Op::Shl, h, k, 64);
    cx.b.or(h, l)
}

/// The name of the known routine whose first instruction is at key `key` (see
/// [`crate::key`]), for the translation log.
pub fn routine_at(key: u64, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<&'static str> {
    let thumb = crate::key::thumb(key);
    (crate::key::itstate(key) == 0)
        .then(|| find(crate::key::addr(key), thumb, fetch))
        .flatten()
        .map(|r| r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fetch over `code` at address 0x1000, as the lifter's: halfwords (zero-extended) in
    /// Thumb state, words in A32 state.
    fn fetcher(code: &[u8], thumb: bool) -> impl Fn(u64) -> Option<u32> + '_ {
        move |a: u64| {
            let off = usize::try_from(a.checked_sub(0x1000)?).ok()?;
            let n = if thumb { 2 } else { 4 };
            let mut w = [0u8; 4];
            w[..n].copy_from_slice(code.get(off..off + n)?);
            Some(u32::from_le_bytes(w))
        }
    }

    /// A routine made of `len` pseudo-random bytes, and its table entry.
    fn made_up(len: usize, thumb: bool) -> (Vec<u8>, &'static [Routine]) {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let code: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let first = if thumb {
            u16::from_le_bytes([code[0], code[1]]) as u32
        } else {
            u32::from_le_bytes(code[..4].try_into().unwrap())
        };
        let fnv = code
            .iter()
            .fold(FNV_OFFSET, |h, b| (h ^ *b as u64).wrapping_mul(FNV_PRIME));
        let r = Routine {
            name: "made_up",
            thumb,
            first,
            len: len as u64,
            fnv,
            prologue: 1,
        };
        (code, Vec::leak(vec![r]))
    }

    #[test]
    fn recognised_whole_and_only_whole() {
        for thumb in [true, false] {
            let (mut code, table) = made_up(64, thumb);
            let found = |code: &[u8], pc: u64, t: bool| {
                find_in(table, pc, t, &fetcher(code, thumb)).map(|r| r.name)
            };
            assert_eq!(found(&code, 0x1000, thumb), Some("made_up"));
            // Elsewhere, in the other instruction set, or cut short: not the routine.
            assert_eq!(found(&code, 0x1002, thumb), None);
            assert_eq!(found(&code, 0x1000, !thumb), None);
            assert_eq!(found(&code[..62], 0x1000, thumb), None);
            // Any byte changed, first or last included.
            for i in [0, 1, 17, 63] {
                code[i] ^= 0x40;
                assert_eq!(found(&code, 0x1000, thumb), None, "byte {i}");
                code[i] ^= 0x40;
            }
        }
    }

    #[test]
    fn the_real_table_is_consistent() {
        for r in ROUTINES {
            let unit = if r.thumb { 2 } else { 4 };
            assert_eq!(r.len % unit, 0, "{}", r.name);
            assert!(r.prologue >= 1 && (r.prologue as u64) * unit < r.len);
            assert!(!r.thumb || r.first <= 0xffff);
        }
    }
}
