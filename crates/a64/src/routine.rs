//! glibc's string and memory routines recognised by their code and done by the host.
//!
//! A block that starts at the first instruction of a build of `strlen`, `strchr`, `strrchr`,
//! `memchr`, `memset`, `memcpy` or `memmove` that armrun knows byte for byte (Debian 12's
//! glibc: libc.so.6 of the libc6 package and libc.a of the cross compiler's libc6-dev-arm64-cross,
//! which differ) is lifted as one call of the [`strmem`] helper that does the same work on
//! x0, x1 and x2. It returns the routine's x0, and the block returns to x30; or it returns
//! [`strmem::BAIL`] and the block goes on at the routine's second instruction, so the
//! routine's own code runs. Every build here begins with a NOP (alignment padding), so going
//! on there skips nothing. `strcmp` is lifted as a call that skips both strings' equal
//! prefix (see [`strmem::STRCMP_SKIP`]) before its code runs on.
//!
//! A build is known by its length and the FNV-1a hash of all its bytes: the block then spans
//! the whole routine, so the code watch drops the translation if any of it changes. See
//! [`strmem`] for what a fault inside a helper looks like to the guest. Routines are
//! recognised only while [`strmem::enabled`].

use crate::ctx::Ctx;
use ir::{Op, Term};
use strmem::Kind;

/// A known build of a routine.
struct Routine {
    /// The routine's symbol.
    name: &'static str,
    /// Its first 8 bytes, as one little-endian number (the cheap test before the hash).
    prefix: u64,
    /// Its length in bytes.
    len: u64,
    /// FNV-1a (64-bit) of its bytes.
    fnv: u64,
    /// What it computes.
    kind: Kind,
}

/// A64's NOP, the first instruction of every build in [`ROUTINES`].
const NOP: u32 = 0xd503_201f;

/// A table entry; `prefix` is the first 8 bytes in memory order, written as one big-endian
/// number.
const fn entry(name: &'static str, prefix: u64, len: u64, fnv: u64, kind: Kind) -> Routine {
    Routine {
        name,
        prefix: u64::from_le_bytes(prefix.to_be_bytes()),
        len,
        fnv,
        kind,
    }
}

/// The builds armrun recognises (the ifunc resolvers choose `memcpy`, `memset`, `memchr` and
/// `strlen` among several by the CPU).
const ROUTINES: &[Routine] = &[
    // libc.so.6 (libc6 2.36-9+deb12u*), and those it shares with libc.a.
    entry(
        "strlen",
        0x1f20_03d5_042c_4092,
        304,
        0xc9e0_9ebe_81d9_7137,
        Kind::Strlen,
    ),
    entry(
        "strchr",
        0x1f20_03d5_02ec_7c92,
        172,
        0xd6e0_472a_0a29_8506,
        Kind::Strchr,
    ),
    entry(
        "strrchr",
        0x1f20_03d5_02ec_7c92,
        288,
        0x7d02_84b8_a079_3439,
        Kind::Strrchr,
    ),
    entry(
        "strcmp",
        0x1f20_03d5_2a00_00cb,
        308,
        0xf4ed_3288_05dd_cb3c,
        Kind::Strcmp,
    ),
    entry(
        "memchr",
        0x1f20_03d5_03ec_7c92,
        196,
        0x858c_f062_b018_8607,
        Kind::Memchr,
    ),
    entry(
        "memset",
        0x1f20_03d5_200c_014e,
        272,
        0x2e73_dee2_2caa_6983,
        Kind::Memset,
    ),
    entry(
        "__memcpy_simd",
        0x1f20_03d5_2400_028b,
        316,
        0x52fe_5e3d_f6aa_6a1a,
        Kind::Memcpy,
    ),
    entry(
        "__memmove_simd",
        0x1f20_03d5_2400_028b,
        176,
        0x99e3_a192_c20a_5d3a,
        Kind::Memcpy,
    ),
    entry(
        "__memchr_nosimd",
        0x1f20_03d5_a206_00b4,
        224,
        0x73d3_8607_7ea0_ee8d,
        Kind::Memchr,
    ),
    // libc.a of libc6-dev-arm64-cross (2.36-8cross1).
    entry(
        "__strlen_asimd",
        0x1f20_03d5_042c_4092,
        316,
        0xefe2_352f_7f03_df63,
        Kind::Strlen,
    ),
    entry(
        "strchr",
        0x1f20_03d5_02ec_7c92,
        160,
        0xe9e9_fa96_b1b8_bf0e,
        Kind::Strchr,
    ),
    entry(
        "strrchr",
        0x1f20_03d5_02ec_7c92,
        288,
        0x3d45_aebd_241b_aab7,
        Kind::Strrchr,
    ),
    entry(
        "__memchr_generic",
        0x1f20_03d5_03ec_7c92,
        192,
        0x7121_69fd_7bc8_bbd7,
        Kind::Memchr,
    ),
    entry(
        "__memset_generic",
        0x1f20_03d5_200c_014e,
        492,
        0xf8f2_8a99_d02c_9322,
        Kind::Memset,
    ),
    entry(
        "__memcpy_generic",
        0x1f20_03d5_2400_028b,
        396,
        0xf514_c486_c0c9_978d,
        Kind::Memcpy,
    ),
    entry(
        "__memmove_generic",
        0x1f20_03d5_2400_028b,
        220,
        0x2589_22bb_d37a_4379,
        Kind::Memcpy,
    ),
];

/// The known routine that begins at `pc`, whose first word `first` is, if any. Reads
/// nothing more unless that word is a NOP.
fn find(pc: u64, first: u32, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<&'static Routine> {
    find_in(ROUTINES, pc, first, fetch)
}

/// [`find`] among `routines`.
fn find_in(
    routines: &'static [Routine],
    pc: u64,
    first: u32,
    fetch: &dyn Fn(u64) -> Option<u32>,
) -> Option<&'static Routine> {
    if first != NOP || !strmem::enabled() {
        return None;
    }
    let prefix = (fetch(pc.wrapping_add(4))? as u64) << 32 | first as u64;
    let mut code: Vec<u8> = Vec::new();
    routines.iter().filter(|r| r.prefix == prefix).find(|r| {
        code.clear();
        (0..r.len / 4)
            .map(|i| fetch(pc.wrapping_add(4 * i)))
            .try_for_each(|w| w.map(|w| code.extend(w.to_le_bytes())))
            .is_some()
            && strmem::fnv1a(code.iter().copied()) == r.fnv
    })
}

/// Lifts the routine at `cx.pc` if a known one begins there (`first` is its first word), and
/// returns the block's terminator.
pub(crate) fn lift(cx: &mut Ctx, first: u32, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<Term> {
    let r = find(cx.pc, first, fetch)?;
    let pc = cx.pc;
    cx.b.mark(pc);
    let next = pc.wrapping_add(4);
    let (a, b, c) = (cx.x(0), cx.x(1), cx.x(2));
    let got = cx.b.call(r.kind.helper(true), a, b, c);
    let term = if r.kind.skips() {
        for (reg, v) in [(0, a), (1, b)] {
            let v = cx.b.add(v, got);
            cx.set_x(reg, v, true);
        }
        Term::Jump(next)
    } else {
        let bail = cx.k(strmem::BAIL);
        let bailed = cx.b.bin(Op::Eq, got, bail);
        let x0 = cx.b.select(bailed, a, got);
        cx.set_x(0, x0, true);
        let (resume, lr) = (cx.k(next), cx.x(30));
        let target = cx.b.select(bailed, resume, lr);
        // The routine returns (but where it bails).
        cx.b.hint(ir::Hint::Return);
        Term::JumpReg(target)
    };
    // The NOP, then the rest: the block spans the routine and counts as two instructions, so
    // a look-ahead does not remember it by its first instruction alone (`ir::flags_live`).
    cx.b.end_insn(next);
    cx.b.end_insn(pc.wrapping_add(r.len));
    Some(term)
}

/// The name of the known routine that begins at `pc`, for the translation log.
pub fn routine_at(pc: u64, fetch: &dyn Fn(u64) -> Option<u32>) -> Option<&'static str> {
    find(pc, fetch(pc)?, fetch).map(|r| r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        for r in ROUTINES {
            assert_eq!(r.len % 4, 0, "{}", r.name);
            assert_eq!(r.prefix as u32, NOP, "{} begins with a NOP", r.name);
        }
    }

    #[test]
    fn recognised_whole_and_only_whole() {
        // A made-up routine: a NOP, then pseudo-random words.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut code = vec![NOP];
        code.extend((0..15).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u32
        }));
        let bytes = |code: &[u32]| {
            code.iter()
                .flat_map(|w| w.to_le_bytes())
                .collect::<Vec<_>>()
        };
        let fnv = strmem::fnv1a(bytes(&code));
        let prefix = u64::from_le_bytes(bytes(&code)[..8].try_into().unwrap());
        let table: &'static [Routine] = Vec::leak(vec![Routine {
            name: "made_up",
            prefix,
            len: 64,
            fnv,
            kind: Kind::Strlen,
        }]);
        let found = |code: &[u32], pc: u64| {
            let fetch = |a: u64| code.get(((a.checked_sub(0x1000)?) / 4) as usize).copied();
            find_in(table, pc, fetch(pc)?, &fetch).map(|r| r.name)
        };
        assert_eq!(found(&code, 0x1000), Some("made_up"));
        assert_eq!(found(&code, 0x1004), None);
        assert_eq!(found(&code[..15], 0x1000), None);
        for i in [1, 7, 15] {
            let mut changed = code.clone();
            changed[i] ^= 0x40;
            assert_eq!(found(&changed, 0x1000), None, "word {i}");
        }
    }
}
