//! The global allocator: mimalloc.
//!
//! The translator allocates and frees many small, short-lived vectors per guest block (IR,
//! pass tables, assembler buffers, cache bookkeeping); glibc's malloc spent about a fifth of
//! translation time on them (perf, `python3 -c pass` under armrun), mimalloc's per-thread free
//! lists make start-up-heavy programs about 10% faster. Built with `no_thp` (Cargo.toml): by
//! default it madvises its arenas for transparent huge pages, and each first touch of one then
//! clears 2 MiB (perf: a tenth of a short run's samples in `clear_page_erms`; resident size of
//! a static hello 14 MB, 6 MB without).
//!
//! Allocations that need no more than word alignment (nearly all) go to `mi_malloc` and
//! `mi_zalloc`, which give every block that much: the `_aligned` entry points the `mimalloc`
//! crate calls for every layout cost several times as much (callgrind, python3 under armrun:
//! about 100 instructions per allocation, 300 per zeroed one, 2% of the run).
//!
//! mimalloc's first arena is 64 MiB instead of its default 1 GiB (see [`FIRST_ARENA_KIB`]),
//! set before the first allocation by a constructor in `.init_array`.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::{c_int, c_long, c_void};
use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// The size of mimalloc's first arena (its option `arena_reserve`, in KiB): 64 MiB. An arena's
/// bookkeeping bitmaps are zeroed when it is reserved, in proportion to its size: with the
/// default 1 GiB, that cost every armrun process 38 page faults (a static ARM program that only
/// exits: 164 -> 126 faults, about 0.1 ms of its 1.2 ms). Later arenas are reserved as needed, and
/// mimalloc makes them larger as their number grows.
const FIRST_ARENA_KIB: c_long = 64 * 1024;

/// mimalloc's index of option `arena_reserve` (`mi_option_arena_reserve` in its `mimalloc.h`;
/// the test `the_first_arena_is_64_mib` checks it by the option's name).
const MI_OPTION_ARENA_RESERVE: c_int = 23;

unsafe extern "C" {
    /// Sets a mimalloc option (`mimalloc.h`).
    fn mi_option_set(option: c_int, value: c_long);
}

/// Run by the C runtime before `main` (so before Rust's runtime allocates): sets
/// [`FIRST_ARENA_KIB`], unless the environment sets it (`MIMALLOC_ARENA_RESERVE`).
#[used]
#[unsafe(link_section = ".init_array")]
static SET_FIRST_ARENA: extern "C" fn() = set_first_arena;

extern "C" fn set_first_arena() {
    let name = c"MIMALLOC_ARENA_RESERVE";
    // SAFETY: `getenv` with a NUL-terminated name, called before any thread exists; nothing
    // here allocates (a Rust allocation could reserve the arena first).
    if unsafe { libc::getenv(name.as_ptr()) }.is_null() {
        // SAFETY: sets a plain option value; mimalloc reads it when it reserves an arena.
        unsafe { mi_option_set(MI_OPTION_ARENA_RESERVE, FIRST_ARENA_KIB) };
    }
}

/// The alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

/// mimalloc, called without alignment for layouts that need at most a word's.
pub struct MiMalloc;

// SAFETY: every method hands the layout's size (and, above a word, its alignment) to mimalloc,
// whose blocks are at least word-aligned and which frees any of them with `mi_free`; mimalloc
// returns null when it cannot allocate, as `GlobalAlloc` requires.
unsafe impl GlobalAlloc for MiMalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain FFI allocation calls; the size and alignment are the layout's.
        unsafe { new_block(layout, mi_malloc, mi_malloc_aligned) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe { new_block(layout, mi_zalloc, mi_zalloc_aligned) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`'s alignment, which the new
        // block keeps.
        unsafe {
            if layout.align() <= WORD {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

/// A block for `layout` from `plain` (word alignment) or `aligned` (more).
///
/// # Safety
/// `plain` and `aligned` are mimalloc allocation calls (`mi_malloc`/`mi_malloc_aligned` or the
/// zeroing pair).
unsafe fn new_block(
    layout: Layout,
    plain: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    // SAFETY: the caller passes mimalloc's entry points; the size and alignment are the layout's.
    unsafe {
        if layout.align() <= WORD {
            plain(layout.size()).cast()
        } else {
            aligned(layout.size(), layout.align()).cast()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ffi::c_char;

    unsafe extern "C" {
        /// Writes mimalloc's version and every option's name and value through `out`.
        fn mi_options_print_out(
            out: unsafe extern "C" fn(msg: *const c_char, arg: *mut c_void),
            arg: *mut c_void,
        );
    }

    /// Appends a line of mimalloc's output to the `String` at `arg`.
    unsafe extern "C" fn collect(msg: *const c_char, arg: *mut c_void) {
        // SAFETY: mimalloc passes a NUL-terminated message and the `arg` given below.
        let (msg, out) = unsafe { (std::ffi::CStr::from_ptr(msg), &mut *arg.cast::<String>()) };
        out.push_str(&msg.to_string_lossy());
    }

    #[test]
    fn the_first_arena_is_64_mib() {
        if std::env::var_os("MIMALLOC_ARENA_RESERVE").is_some() {
            return;
        }
        let mut out = String::new();
        // SAFETY: `collect` matches mimalloc's output callback and gets `out`, alive throughout.
        unsafe { mi_options_print_out(collect, (&raw mut out).cast()) };
        assert!(
            out.lines()
                .any(|l| l.trim() == "option 'arena_reserve': 65536 KiB"),
            "{out}"
        );
    }
}
