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

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

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
