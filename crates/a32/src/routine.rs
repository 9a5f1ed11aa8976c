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
//!
//! # glibc's string and memory routines
//! Debian 12's armhf builds of `strlen`, `strchr`, `strrchr`, `memset` and the NEON and VFP
//! builds of `memcpy` and `memchr` (which glibc's resolvers choose by the HWCAPs), and its
//! armel builds of `strlen`, `strcmp`, `strchr`, `strrchr`, `memchr` and `memcpy`, are lifted
//! as one call of the host helper that does the same work ([`strmem`]), which returns the
//! routine's r0 or [`strmem::BAIL`]. After a result the block returns to lr; after a bail it
//! runs the routine's first instruction and continues in the routine's own code, as the d = 0
//! path of the division does. `strcmp`'s helper returns how far both strings can be skipped
//! ([`strmem::STRCMP_SKIP`]): the block advances r0 and r1 by that and the routine's own code
//! runs on. They are recognised only while [`strmem::enabled`].

use crate::ctx::{Ctx, Flow};
use ir::{Op, Term, Val};
use strmem::Kind;

/// A known build of a routine.
pub(crate) struct Routine {
    /// The routine's symbol.
    pub name: &'static str,
    /// Thumb code (else A32).
    thumb: bool,
    /// Its first 8 bytes: the cheap test before the hash (a function's first instruction
    /// alone, such as a push, is common).
    prefix: [u8; 8],
    /// Its length in bytes.
    len: u64,
    /// FNV-1a (64-bit) of its bytes.
    fnv: u64,
    /// How many instructions the fallback path runs before it continues in the routine's
    /// code: for the division those up to and including the push of the callee-saved
    /// registers.
    prologue: u32,
    /// What the block does.
    how: How,
}

/// How a recognised routine is lifted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    /// `__udivmoddi4`: the IR's 64-bit divide.
    Divide,
    /// A call of the host's helper for this kind, on r0, r1 and r2; for a kind that
    /// [`strmem::Kind::skips`], on r0 and r1, and the routine's own code runs on from there.
    Host(strmem::Kind),
}

/// The builds armrun recognises.
const ROUTINES: &[Routine] = &[
    // Debian 12's gcc-12 for armhf (Thumb-2), in libgcc.a: `stmdb sp!, {r4-r9, lr}` first.
    Routine {
        name: "__udivmoddi4",
        thumb: true,
        prefix: [0x2d, 0xe9, 0xf0, 0x43, 0x90, 0x42, 0x0d, 0x46],
        len: 262,
        fnv: 0x3c14_ff34_8c2d_ecac,
        prologue: 1,
        how: How::Divide,
    },
    // Debian 12's gcc-12 for armel (A32): `cmp r0, r2; push {r4-r9, lr}` first.
    Routine {
        name: "__udivmoddi4",
        thumb: false,
        prefix: [0x02, 0x00, 0x50, 0xe1, 0xf0, 0x43, 0x2d, 0xe9],
        len: 288,
        fnv: 0xcc49_c416_63a6_ac20,
        prologue: 2,
        how: How::Divide,
    },
    // Debian 12's glibc 2.36 for armhf, the same in libc.so.6 and libc.a. No first
    // instruction (the fallback's prologue) writes lr; one that writes r0 does so for the
    // fallback only (r0 is read back after it).
    host(
        "strlen",
        true,
        0x90f8_00f0_6de9_0245,
        220,
        0x31d3_51d7_aa3a_08ba,
        Kind::Strlen,
    ),
    host(
        "strcmp",
        true,
        0x0278_0b78_012a_28bf,
        740,
        0x21f9_178f_1752_b041,
        Kind::Strcmp,
    ),
    host(
        "strchr",
        true,
        0x0278_c9b2_00f0_0703,
        168,
        0xfe21_79ab_c738_b627,
        Kind::Strchr,
    ),
    host(
        "strrchr",
        true,
        0x0346_4ff0_0000_c9b2,
        162,
        0xca4d_8774_5ebb_1775,
        Kind::Strrchr,
    ),
    host(
        "memset",
        false,
        0x0030_a0e1_0800_52e3,
        124,
        0xef13_ae2d_8d90_14c5,
        Kind::Memset,
    ),
    host(
        "__memcpy_neon",
        false,
        0x00c0_a0e1_4000_52e3,
        1248,
        0x6f12_0ae8_d05a_f1b8,
        Kind::Memcpy,
    ),
    host(
        "__memcpy_vfp",
        false,
        0x00c0_a0e1_4000_52e3,
        1504,
        0xdf59_0a7c_3357_db66,
        Kind::Memcpy,
    ),
    host(
        "__memchr_neon",
        true,
        0x072a_0ad8_01f0_ff01,
        232,
        0x70bd_3167_806b_704f,
        Kind::Memchr,
    ),
    host(
        "__memchr_noneon",
        true,
        0x01f0_ff01_102a_2adb,
        156,
        0xbe77_b0d8_73e1_17e4,
        Kind::Memchr,
    ),
    // Debian 12's glibc 2.36 for armel (ARMv5T, A32), in libc.a (memset is armhf's).
    host(
        "strlen",
        false,
        0x0310_c0e3_0420_91e4,
        96,
        0xe49f_0361_cbfd_6f6b,
        Kind::Strlen,
    ),
    // A byte loop that returns the bytes' difference: all of it on the host.
    host(
        "strcmp",
        false,
        0x0130_d0e4_0120_d1e4,
        40,
        0x3934_0dac_df4e_c4e9,
        Kind::StrcmpBytes,
    ),
    host(
        "strchr",
        false,
        0x0300_10e3_ff10_01e2,
        252,
        0xef8a_cded_b7e8_2083,
        Kind::Strchr,
    ),
    host(
        "strrchr",
        false,
        0x7040_2de9_ff50_11e2,
        76,
        0xf133_421a_fb74_18e3,
        Kind::Strrchr,
    ),
    host(
        "memchr",
        false,
        0x0000_52e3_0d00_000a,
        216,
        0x3c64_762e_6957_ec1f,
        Kind::Memchr,
    ),
    host(
        "memcpy",
        false,
        0x1140_2de9_0420_52e2,
        784,
        0x566e_e50f_dba2_f39c,
        Kind::Memcpy,
    ),
];

/// A table entry for a routine the host helper for `kind` does; `prefix` is its first 8 bytes
/// in memory order, written as one big-endian number.
const fn host(
    name: &'static str,
    thumb: bool,
    prefix: u64,
    len: u64,
    fnv: u64,
    kind: Kind,
) -> Routine {
    Routine {
        name,
        thumb,
        prefix: prefix.to_be_bytes(),
        len,
        fnv,
        prologue: 1,
        how: How::Host(kind),
    }
}

/// The known routine whose first instruction, `first` (as the lifter fetched it: an A32 word,
/// a T16 halfword or a T32 pair as first << 16 | second), is at `pc` in Thumb state `thumb`,
/// if any. Reads nothing more unless that instruction begins one.
pub(crate) fn find(
    pc: u64,
    thumb: bool,
    first: u32,
    fetch: &dyn Fn(u64) -> Option<u32>,
) -> Option<&'static Routine> {
    let filter = if thumb { THUMB_FIRSTS } else { A32_FIRSTS };
    find_in(ROUTINES, filter, pc, thumb, first, fetch)
}

/// The bit of a [`firsts`] filter for a routine's first unit (its first halfword in Thumb
/// state, its first word in A32), a multiplicative hash's top six bits.
const fn first_bit(unit: u32) -> u64 {
    1 << (unit.wrapping_mul(0x9e37_79b1) >> 26)
}

/// A filter of the first units of the routines in `thumb` state: a block whose first unit's
/// [`first_bit`] is clear begins none of them. [`find`] runs at every block start, and the
/// table's walk took 190 host instructions a block; four in five of an armhf dynamic hello's
/// blocks now stop at the filter (the rest mostly begin with a push like the routines'), and
/// its start-up takes 32.42M host instructions instead of 32.64M.
const fn firsts(routines: &[Routine], thumb: bool) -> u64 {
    let mut filter = 0;
    let mut i = 0;
    while i < routines.len() {
        let r = &routines[i];
        if r.thumb == thumb {
            let p = r.prefix;
            let unit = match thumb {
                true => u16::from_le_bytes([p[0], p[1]]) as u32,
                false => u32::from_le_bytes([p[0], p[1], p[2], p[3]]),
            };
            filter |= first_bit(unit);
        }
        i += 1;
    }
    filter
}

/// [`firsts`] of the known Thumb routines.
const THUMB_FIRSTS: u64 = firsts(ROUTINES, true);
/// [`firsts`] of the known A32 routines.
const A32_FIRSTS: u64 = firsts(ROUTINES, false);

/// [`find`] among `routines`, whose first units are in `filter` (see [`firsts`]).
fn find_in(
    routines: &'static [Routine],
    filter: u64,
    pc: u64,
    thumb: bool,
    first: u32,
    fetch: &dyn Fn(u64) -> Option<u32>,
) -> Option<&'static Routine> {
    // The instruction's bytes in memory order (a T32 pair is two little-endian halfwords).
    let (word, n) = match (thumb, first > 0xffff) {
        (false, _) => (first, 4u32),
        (true, true) => (first.rotate_left(16), 4),
        (true, false) => (first, 2),
    };
    let unit = if thumb { word & 0xffff } else { word };
    if filter & first_bit(unit) == 0 {
        return None;
    }
    let on = strmem::enabled();
    let usable = |r: &Routine| r.thumb == thumb && (on || r.how == How::Divide);
    // (Integer compares: this runs at every block start.)
    let mask = (1u64 << (8 * n)) - 1;
    let begins = |r: &Routine| u64::from_le_bytes(r.prefix) & mask == word as u64;
    if !routines.iter().any(|r| usable(r) && begins(r)) {
        return None;
    }
    let mut prefix = [0u8; 8];
    bytes(pc, thumb, 8, fetch, |k, b| prefix[k] = b)?;
    routines
        .iter()
        .filter(|r| usable(r) && r.prefix == prefix)
        .find(|r| hash(pc, r, fetch) == Some(r.fnv))
}

/// FNV-1a of `r.len` bytes of code at `pc`; None if any of them cannot be read.
fn hash(pc: u64, r: &Routine, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<u64> {
    let mut code = Vec::with_capacity(r.len as usize);
    bytes(pc, r.thumb, r.len, fetch, |_, b| code.push(b))?;
    Some(strmem::fnv1a(code))
}

/// Gives `each` the `len` bytes of code at `pc` (with their index), fetched as Thumb state
/// `thumb` does (halfwords, or words in A32 state); None if one cannot be read.
fn bytes(
    pc: u64,
    thumb: bool,
    len: u64,
    fetch: &dyn Fn(u64) -> Option<u32>,
    mut each: impl FnMut(usize, u8),
) -> Option<()> {
    let unit = if thumb { 2 } else { 4 };
    for off in (0..len).step_by(unit) {
        let v = fetch((pc + off) & 0xffff_ffff)?;
        for (k, byte) in v.to_le_bytes()[..unit].iter().enumerate() {
            each(off as usize + k, *byte);
        }
    }
    Some(())
}

/// Lifts routine `r` at `cx.pc` (see the module documentation) and returns the block's
/// terminator. The block counts as the prologue's instructions and one more.
pub(crate) fn lift(cx: &mut Ctx, r: &Routine, fetch: &dyn Fn(u64) -> Option<u32>) -> Term {
    let pc = cx.pc;
    cx.begin(pc, if cx.thumb { 2 } else { 4 }, 14);
    cx.b.mark(crate::key::key(pc, cx.thumb, 0));
    match r.how {
        How::Divide => divide(cx, r, pc, fetch),
        How::Host(kind) if kind.skips() => {
            let (a, b) = (cx.r(0), cx.r(1));
            let zero = cx.k(0);
            let skip = cx.b.call(kind.helper(false), a, b, zero);
            for (reg, v) in [(0, a), (1, b)] {
                let v = cx.b.add(v, skip);
                let v = cx.z32(v);
                cx.set_r(reg, v);
            }
            let at = prologue(cx, r, fetch, None);
            let resume = cx.k(at | cx.thumb as u64);
            let term = cx.write_pc(resume, true);
            cx.b.end_insn((pc + r.len) & 0xffff_ffff);
            term
        }
        How::Host(kind) => {
            let args = [0, 1, 2].map(|n| cx.r(n));
            let got = cx.b.call(kind.helper(false), args[0], args[1], args[2]);
            let bail = cx.k(strmem::BAIL);
            let bailed = cx.b.bin(Op::Eq, got, bail);
            let at = prologue(cx, r, fetch, Some(bailed));
            let old = cx.r(0);
            let r0 = cx.b.select(bailed, old, got);
            cx.set_r(0, r0);
            ret(cx, r, pc, at, bailed)
        }
    }
}

/// The body of `__udivmoddi4`.
fn divide(cx: &mut Ctx, r: &Routine, pc: u64, fetch: &dyn Fn(u64) -> Option<u32>) -> Term {
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
    let at = prologue(cx, r, fetch, Some(d_zero));
    let low = cx.z32(q);
    let high = cx.shr(q, 32);
    for (reg, v) in [(0, low), (1, high)] {
        let old = cx.r(reg);
        let v = cx.b.select(d_zero, old, v);
        cx.set_r(reg, v);
    }
    ret(cx, r, pc, at, d_zero)
}

/// Lifts the routine's first `r.prologue` instructions, which run only where `fallback`
/// holds (always without one); returns the address after them.
fn prologue(
    cx: &mut Ctx,
    r: &Routine,
    fetch: &dyn Fn(u64) -> Option<u32>,
    fallback: Option<Val>,
) -> u64 {
    let thumb = cx.thumb;
    cx.guard = fallback;
    let mut at = cx.pc;
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
    at
}

/// The end of the block of the routine at `pc`: a return to lr, or where `fallback` holds a
/// jump to `at`, after the prologue, in the routine's own code.
fn ret(cx: &mut Ctx, r: &Routine, pc: u64, at: u64, fallback: Val) -> Term {
    let lr = cx.r(14);
    let resume = cx.k(at | cx.thumb as u64);
    let target = cx.b.select(fallback, resume, lr);
    // The routine returns (but for its fallback).
    cx.b.hint(ir::Hint::Return);
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
    let h = cx.shl(h, 32);
    cx.b.or(h, l)
}

/// The name of the known routine whose first instruction is at key `key` (see
/// [`crate::key`]), for the translation log.
pub fn routine_at(key: u64, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<&'static str> {
    let (pc, thumb) = (crate::key::addr(key), crate::key::thumb(key));
    let (first, _) = crate::fetch_insn(pc, thumb, fetch)?;
    (crate::key::itstate(key) == 0)
        .then(|| find(pc, thumb, first, fetch))
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

    /// A routine made of `len` pseudo-random bytes but byte 1 `hi` (in Thumb state, 0xe8 and
    /// above start a 32-bit instruction), and its table entry.
    fn made_up(len: usize, thumb: bool, hi: u8) -> (Vec<u8>, &'static [Routine]) {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let code: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut code = code;
        code[1] = hi;
        let prefix = code[..8].try_into().unwrap();
        let fnv = strmem::fnv1a(code.iter().copied());
        let r = Routine {
            name: "made_up",
            thumb,
            prefix,
            len: len as u64,
            fnv,
            prologue: 1,
            how: How::Divide,
        };
        (code, Vec::leak(vec![r]))
    }

    #[test]
    fn recognised_whole_and_only_whole() {
        for (thumb, hi) in [(true, 0x20), (true, 0xf8), (false, 0x20)] {
            let (mut code, table) = made_up(64, thumb, hi);
            let found = |code: &[u8], pc: u64, t: bool| {
                let fetch = fetcher(code, thumb);
                let (first, _) = crate::fetch_insn(pc, t, &fetch)?;
                // Through the first-unit filter, as `find` takes it for the real table: it
                // must let every routine's first unit through, T16, T32 and A32 alike.
                find_in(table, firsts(table, t), pc, t, first, &fetch).map(|r| r.name)
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
        }
    }
}
