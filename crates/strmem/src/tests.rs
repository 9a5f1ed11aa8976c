//! The helpers against byte-at-a-time definitions of the C functions, on a buffer that is
//! the whole guest space (so running off its end must bail).

use super::*;
use proptest::prelude::*;

/// A space over `buf`: guest address 0 is its first byte, the space ends with it.
fn space(buf: &mut [u8]) -> Space {
    Space {
        base: buf.as_mut_ptr() as u64,
        end: buf.len() as u64,
    }
}

/// `strlen` byte by byte; None without a terminator.
fn len_of(buf: &[u8], s: usize) -> Option<u64> {
    buf.get(s..)?.iter().position(|&b| b == 0).map(|n| n as u64)
}

/// What each C function returns over `buf` (None where the helper must bail).
fn expected(kind: Kind, buf: &[u8], a: u64, b: u64, c: u64) -> Option<u64> {
    let (ua, ub, uc) = (a as usize, b as usize, c as usize);
    let at = |i: usize| buf.get(i).copied();
    Some(match kind {
        Kind::Strlen => len_of(buf, ua)?,
        Kind::Strcmp => {
            let mut i = 0;
            loop {
                let (Some(x), Some(y)) = (at(ua + i), at(ub + i)) else {
                    break 0;
                };
                if x != y || x == 0 {
                    break (i as u64).saturating_sub(STRCMP_SKIP) / STRCMP_SKIP * STRCMP_SKIP;
                }
                i += 1;
            }
        }
        Kind::StrcmpBytes => {
            let mut i = 0;
            loop {
                let (x, y) = (at(ua + i)?, at(ub + i)?);
                if x != y || x == 0 {
                    break (x as i64 - y as i64) as u64;
                }
                i += 1;
            }
        }
        Kind::Strchr | Kind::Strrchr => {
            let n = len_of(buf, ua)? as usize;
            let s = &buf[ua..=ua + n];
            let hit = if kind == Kind::Strchr {
                s.iter().position(|&x| x == b as u8)
            } else {
                s.iter().rposition(|&x| x == b as u8)
            };
            hit.map_or(0, |i| a + i as u64)
        }
        Kind::Memchr => {
            if uc == 0 {
                return Some(0);
            }
            let end = ua.checked_add(uc)?;
            let avail = &buf[ua.min(buf.len())..end.min(buf.len())];
            match avail.iter().position(|&x| x == b as u8) {
                Some(i) => a + i as u64,
                None if end <= buf.len() => 0,
                None => return None,
            }
        }
        Kind::Memset => {
            if ua + uc > buf.len() {
                return None;
            }
            a
        }
        Kind::Memcpy => {
            if uc == 0 {
                return Some(a);
            }
            if ua + uc > buf.len() || ub + uc > buf.len() || (ua < ub + uc && ub < ua + uc) {
                return None;
            }
            a
        }
    })
}

/// A buffer of `len` bytes from a small alphabet with some zeros, so strings end and
/// compare equal for a while.
fn buffer(len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![8 => 1u8..4, 1 => Just(0u8), 1 => any::<u8>()],
        len,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn helpers_compute_what_the_c_functions_do(
        mut buf in buffer(200),
        k in 0..Kind::ALL.len(),
        a in 0u64..210,
        b in 0u64..210,
        c in 0u64..220,
    ) {
        let kind = Kind::ALL[k];
        // A character that occurs: the first byte of the buffer, or one that does not.
        let b = if matches!(kind, Kind::Strchr | Kind::Strrchr | Kind::Memchr | Kind::Memset)
            && b % 2 == 0 { buf[0] as u64 } else { b };
        let want = expected(kind, &buf, a, b, c);
        let mut after = buf.clone();
        let sp = space(&mut buf);
        // SAFETY: the space is the buffer; bailing helpers touch nothing outside it.
        let got = unsafe { kind.run(sp, a, b, c) };
        match want {
            Some(w) => prop_assert_eq!(got, w),
            None => prop_assert_eq!(got, BAIL),
        }
        // What the writes should have left.
        if got != BAIL && c > 0 {
            match kind {
                Kind::Memset => after[a as usize..(a + c) as usize].fill(b as u8),
                Kind::Memcpy => after.copy_within(b as usize..(b + c) as usize, a as usize),
                _ => {}
            }
        }
        prop_assert_eq!(buf, after);
    }
}

#[test]
fn strcmp_across_pages_and_long_runs() {
    // Two equal strings, longer than a page, then one difference: every alignment of the
    // 16-byte steps against a page end is met.
    let mut buf = vec![b'x'; 3 * PAGE as usize];
    let n = buf.len();
    buf[n - 1] = 0;
    buf[PAGE as usize + 100] = 0;
    for (a, b) in [(0u64, 101u64), (5, 4000), (17, 2), (4090, 4095)] {
        let mut buf = buf.clone();
        let sp = space(&mut buf);
        // SAFETY: the space is the buffer.
        for kind in [Kind::Strcmp, Kind::StrcmpBytes] {
            // SAFETY: as above.
            let got = unsafe { kind.run(sp, a, b, 0) };
            assert_eq!(Some(got), expected(kind, &buf, a, b, 0), "{kind:?} {a} {b}");
        }
    }
}

#[test]
fn helpers_for_32_bit_guests_return_register_values() {
    let mut cpu = cpu::CpuState::default();
    let mut buf = [0u8; 64];
    cpu.mem_base = buf.as_mut_ptr() as u64;
    let state = &mut cpu as *mut cpu::CpuState as *mut u8;
    // memchr(1, 0, ~0): found at 1, as a 32-bit guest's memchr with n = SIZE_MAX finds it.
    let f = Kind::Memchr.helper(false).func;
    // SAFETY: the state's window is `buf`, and the search ends inside it.
    assert_eq!(unsafe { f(state, 1, 0, 0xffff_ffff) }, 1);
    // Past the end of the 32-bit space: bail.
    let f = Kind::Memset.helper(false).func;
    // SAFETY: as above; nothing is written.
    assert_eq!(unsafe { f(state, 0xffff_fff0, 0, 0x20) }, BAIL);
}
