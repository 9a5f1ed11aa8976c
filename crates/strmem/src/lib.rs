//! The C library's string and memory routines, done by the host over guest memory.
//!
//! The frontends recognise some builds of glibc's `strlen`, `memcpy` and the like byte for
//! byte (`a32::routine`, `a64::routine`) and lift each as one call of a helper here, which does
//! the routine's work with the host's own `memchr`, `memcpy` and so on instead of translating
//! the guest's word-at-a-time loops. A helper returns exactly what the routine returns for its
//! arguments, or [`BAIL`] where it does not take the case on:
//! - a range that would run past the guest's address space ([`Space::end`]), such as a
//!   `memchr` whose length only bounds a search that ends earlier;
//! - a copy whose source and destination overlap (what `memcpy` gives then is the routine's
//!   own business, and a `memmove` that overlaps is not idempotent: see below).
//!
//! The lifted block then runs the routine's own code, so every case gives what the routine
//! gives. Registers the calling convention leaves scratch keep their values, where the routine
//! would change them: no caller can read them.
//!
//! Guest memory is reached at `mem_base + address`, as translated code reaches it. A host fault
//! in a helper is the JIT's to recover (`jit::fault`): the guest sees a data fault at the
//! routine's first instruction, with the registers of the call. The routine may have read or
//! written a little more or less before its fault than the helper did. A write to a page
//! armrun protected because it holds translated code also faults that way, and the routine
//! runs again from its start; that is why a helper never writes memory it also reads.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

use ir::Helper;

/// What a helper returns where the routine's own code must run instead: no address, length
/// or (sign-extended) `strcmp` difference is this value.
pub const BAIL: u64 = 1 << 63;

/// Whether the frontends lift recognised routines as helper calls (see [`set_enabled`]).
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns the lifting of recognised routines as helper calls on (the default) or off, for
/// the whole process: off, they run as the guest's code, as in the reference interpreter.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether recognised routines are lifted as helper calls (see [`set_enabled`]).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The routines the helpers do, each with its C arguments in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `strlen(s)`.
    Strlen,
    /// `strcmp(a, b)`, in part: the helper returns how far both strings can be skipped (see
    /// [`STRCMP_SKIP`]), and the routine's own code compares what is left, so its result is
    /// the routine's however it computes it (glibc's armv7 build does not always return the
    /// difference of the bytes).
    Strcmp,
    /// `strchr(s, c)`.
    Strchr,
    /// `strrchr(s, c)`.
    Strrchr,
    /// `memchr(s, c, n)`.
    Memchr,
    /// `memset(s, c, n)`.
    Memset,
    /// `memcpy(d, s, n)` (also `memmove` where they do not overlap).
    Memcpy,
    /// `strcmp(a, b)` for builds that return the difference of the first differing bytes
    /// as unsigned chars (armel's byte loop), all of it.
    StrcmpBytes,
}

impl Kind {
    /// Every kind, in [`Kind`]'s order (the index of the helper tables).
    pub const ALL: [Kind; 8] = [
        Kind::Strlen,
        Kind::Strcmp,
        Kind::Strchr,
        Kind::Strrchr,
        Kind::Memchr,
        Kind::Memset,
        Kind::Memcpy,
        Kind::StrcmpBytes,
    ];

    /// Whether the helper returns how far the routine's arguments can be skipped (see
    /// [`STRCMP_SKIP`]) rather than its result: the frontends then advance them and run the
    /// routine's own code.
    pub fn skips(self) -> bool {
        self == Kind::Strcmp
    }

    /// The helper that does this routine for a 32-bit guest (results are 32-bit values, the
    /// address space ends at 4 GiB) or a 64-bit one.
    pub fn helper(self, wide: bool) -> &'static Helper {
        let i = self as usize;
        if wide { &HELPERS64[i] } else { &HELPERS32[i] }
    }

    /// Runs this routine on arguments `a`, `b`, `c` over `space` (see [`BAIL`]).
    ///
    /// # Safety
    /// Every byte of `space` below its end must be host memory that is either accessible or
    /// faults in a way the caller recovers from.
    pub unsafe fn run(self, space: Space, a: u64, b: u64, c: u64) -> u64 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                Kind::Strlen => strlen(space, a),
                Kind::Strcmp => strcmp_skip(space, a, b),
                Kind::StrcmpBytes => strcmp_bytes(space, a, b),
                Kind::Strchr => strchr(space, a, b as u8, false),
                Kind::Strrchr => strchr(space, a, b as u8, true),
                Kind::Memchr => memchr(space, a, b as u8, c),
                Kind::Memset => memset(space, a, b as u8, c),
                Kind::Memcpy => memcpy(space, a, b, c),
            }
        }
    }
}

/// A guest address space as the host sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Space {
    /// The host address of guest address 0.
    pub base: u64,
    /// The first guest address past the space: a range must end at or below it.
    pub end: u64,
}

/// The end of a 64-bit guest's space: the top of the host's user addresses (x86-64 with
/// four-level page tables); a range above it makes the helper bail.
const END64: u64 = 1 << 47;

/// What a [`Kind::Strcmp`] skip leaves before the strings' first difference or terminator,
/// and what it is a multiple of.
///
/// The helper returns the length `n` of an equal prefix of both strings without a terminator,
/// a multiple of this that ends at least this many bytes before the first position where they
/// differ or end (0 where none does before the space's end). glibc's routines give the same
/// for `strcmp(a + n, b + n)` as for `strcmp(a, b)`: they branch on the strings' addresses
/// modulo 16 at most (and on where pages end, which stays where it is), and their loops
/// read aligned words or vectors of up to 32 bytes, so the iteration that meets the difference
/// sees the same bytes at the same places; the slack keeps the difference clear of the
/// alignment prologue and first iterations, which begin at the skipped-to addresses.
pub const STRCMP_SKIP: u64 = 64;

/// FNV-1a (64-bit) of `bytes`: how the frontends know a build of a routine by its code.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The host's page size: a read that stays inside one page cannot fault unless a byte-wise
/// read of that page's first byte would.
const PAGE: u64 = 4096;

impl Space {
    /// The space a helper called from translated code works on: the guest's memory window
    /// from the CPU state, 4 GiB for a 32-bit guest.
    ///
    /// # Safety
    /// `cpu` must point at a live `cpu::CpuState`.
    unsafe fn of(cpu: *mut u8, wide: bool) -> Space {
        // SAFETY: translated code calls helpers with a pointer to the running thread's
        // CpuState (caller's contract); only `mem_base` is read.
        let base = unsafe { (*(cpu as *const cpu::CpuState)).mem_base };
        let end = if wide { END64 } else { 1 << 32 };
        Space { base, end }
    }

    /// The bytes from `addr` to the end of the space (None at or past the end).
    fn room(self, addr: u64) -> Option<u64> {
        (addr < self.end).then(|| self.end - addr)
    }

    /// The host address of guest `addr`, if `len` bytes from it stay inside the space.
    fn span(self, addr: u64, len: u64) -> Option<*mut u8> {
        let past = addr.checked_add(len)?;
        (past <= self.end).then(|| self.host(addr))
    }

    /// The host address of guest `addr`.
    fn host(self, addr: u64) -> *mut u8 {
        self.base.wrapping_add(addr) as *mut u8
    }
}

/// `memchr` of the host over `len` bytes at guest `addr`: the offset of the first `c`.
///
/// # Safety
/// As for [`Kind::run`], with `addr..addr + len` inside the space.
unsafe fn find(space: Space, addr: u64, c: u8, len: u64) -> Option<u64> {
    let p = space.host(addr) as *const c_void;
    // SAFETY: the range lies inside the space (caller's contract); the host's memchr reads
    // no page the range does not touch.
    let at = unsafe { libc::memchr(p, c as i32, len as usize) };
    (!at.is_null()).then(|| at as u64 - p as u64)
}

/// `strlen(s)`: the length, or None if no terminator comes before the space's end.
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn length(space: Space, s: u64) -> Option<u64> {
    // SAFETY: `room` bytes from `s` lie inside the space.
    space
        .room(s)
        .and_then(|room| unsafe { find(space, s, 0, room) })
}

/// See [`Kind::Strlen`].
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn strlen(space: Space, s: u64) -> u64 {
    // SAFETY: the caller's contract.
    unsafe { length(space, s) }.unwrap_or(BAIL)
}

/// `strchr(s, c)`, or with `last` `strrchr(s, c)`: the address of the first (last) `c` in the
/// string, its terminator included, or 0.
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn strchr(space: Space, s: u64, c: u8, last: bool) -> u64 {
    // SAFETY: the caller's contract.
    let Some(len) = (unsafe { length(space, s) }) else {
        return BAIL;
    };
    if c == 0 {
        return s + len;
    }
    let found = if last {
        let p = space.host(s) as *const c_void;
        // SAFETY: the string's `len` bytes were just read.
        let at = unsafe { libc::memrchr(p, c as i32, len as usize) };
        (!at.is_null()).then(|| at as u64 - p as u64)
    } else {
        // SAFETY: as above.
        unsafe { find(space, s, c, len) }
    };
    found.map_or(0, |off| s + off)
}

/// See [`Kind::Memchr`]. A search that finds nothing where `n` runs past the space bails.
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn memchr(space: Space, s: u64, c: u8, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let Some(room) = space.room(s) else {
        return BAIL;
    };
    // SAFETY: `n.min(room)` bytes from `s` lie inside the space.
    match unsafe { find(space, s, c, n.min(room)) } {
        Some(off) => s + off,
        None if n <= room => 0,
        None => BAIL,
    }
}

/// See [`Kind::Memset`].
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn memset(space: Space, s: u64, c: u8, n: u64) -> u64 {
    let Some(p) = space.span(s, n) else {
        return BAIL;
    };
    // SAFETY: the `n` bytes lie inside the space.
    unsafe { libc::memset(p as *mut c_void, c as i32, n as usize) };
    s
}

/// See [`Kind::Memcpy`]: bails where the ranges overlap.
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn memcpy(space: Space, d: u64, s: u64, n: u64) -> u64 {
    if n == 0 {
        return d;
    }
    let (Some(pd), Some(ps)) = (space.span(d, n), space.span(s, n)) else {
        return BAIL;
    };
    if d < s + n && s < d + n {
        return BAIL;
    }
    // SAFETY: both ranges lie inside the space and do not overlap.
    unsafe { libc::memcpy(pd as *mut c_void, ps as *const c_void, n as usize) };
    d
}

/// See [`Kind::Strcmp`].
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn strcmp_skip(space: Space, a: u64, b: u64) -> u64 {
    // SAFETY: the caller's contract.
    let stop = unsafe { first_stop(space, a, b) };
    stop.map_or(0, |i| {
        i.saturating_sub(STRCMP_SKIP) / STRCMP_SKIP * STRCMP_SKIP
    })
}

/// See [`Kind::StrcmpBytes`].
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn strcmp_bytes(space: Space, a: u64, b: u64) -> u64 {
    // SAFETY: the caller's contract.
    let Some(i) = (unsafe { first_stop(space, a, b) }) else {
        return BAIL;
    };
    let (pa, pb) = (space.host(a), space.host(b));
    // SAFETY: byte `i` of each string lies inside the space (`first_stop` read it).
    let (x, y) = unsafe { (pa.add(i as usize).read(), pb.add(i as usize).read()) };
    (x as i64 - y as i64) as u64
}

/// The index of the first byte where the strings at `a` and `b` differ or the first ends,
/// if that comes before the space's end: 16 bytes at a time while neither string's next 16
/// bytes cross a page, else byte by byte.
///
/// # Safety
/// As for [`Kind::run`].
unsafe fn first_stop(space: Space, a: u64, b: u64) -> Option<u64> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_setzero_si128,
    };
    let limit = space.room(a)?.min(space.room(b)?);
    let (pa, pb) = (space.host(a), space.host(b));
    let to_page_end = |p: *mut u8, i: u64| PAGE - (p as u64 + i) % PAGE;
    let mut i = 0u64;
    loop {
        // Whole 16-byte steps that stay inside the current page of both strings.
        let run = to_page_end(pa, i).min(to_page_end(pb, i)).min(limit - i);
        for _ in 0..run / 16 {
            // SAFETY: 16 bytes of each string from `i`, inside the space and inside one page
            // each, whose first bytes the routine reads too. SSE2 is part of x86-64.
            let stop = unsafe {
                let x = _mm_loadu_si128(pa.add(i as usize) as *const __m128i);
                let y = _mm_loadu_si128(pb.add(i as usize) as *const __m128i);
                let same = _mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) as u32;
                let nul = _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128())) as u32;
                (!same & 0xffff) | nul
            };
            if stop != 0 {
                return Some(i + stop.trailing_zeros() as u64);
            }
            i += 16;
        }
        // One byte, to get past a page end (or to the space's end).
        if i >= limit {
            return None;
        }
        // SAFETY: byte `i` of each string lies inside the space.
        let (x, y) = unsafe { (pa.add(i as usize).read(), pb.add(i as usize).read()) };
        if x != y || x == 0 {
            return Some(i);
        }
        i += 1;
    }
}

/// The helper for `KIND` (an index into [`Kind::ALL`]), 64-bit guest or not: the result of
/// a 32-bit guest's routine is its 32-bit register value.
///
/// # Safety
/// Called from translated code with its CPU state, whose guest memory window is live.
unsafe extern "C" fn helper<const KIND: usize, const WIDE: bool>(
    cpu: *mut u8,
    a: u64,
    b: u64,
    c: u64,
) -> u64 {
    // SAFETY: the caller's contract; faults in guest memory are the JIT's to recover.
    let r = unsafe { Kind::ALL[KIND].run(Space::of(cpu, WIDE), a, b, c) };
    if WIDE || r == BAIL {
        r
    } else {
        r as u32 as u64
    }
}

/// The helpers for a 64-bit guest (`WIDE`) or a 32-bit one, by [`Kind`].
const fn helpers<const WIDE: bool>() -> [Helper; 8] {
    const fn h(name: &'static str, func: ir::HelperFn) -> Helper {
        Helper { name, func }
    }
    [
        h("strlen", helper::<0, WIDE>),
        h("strcmp", helper::<1, WIDE>),
        h("strchr", helper::<2, WIDE>),
        h("strrchr", helper::<3, WIDE>),
        h("memchr", helper::<4, WIDE>),
        h("memset", helper::<5, WIDE>),
        h("memcpy", helper::<6, WIDE>),
        h("strcmp_bytes", helper::<7, WIDE>),
    ]
}

/// The helpers for 32-bit guests, by [`Kind`].
static HELPERS32: [Helper; 8] = helpers::<false>();

/// The helpers for 64-bit guests, by [`Kind`].
static HELPERS64: [Helper; 8] = helpers::<true>();

#[cfg(test)]
mod tests;
