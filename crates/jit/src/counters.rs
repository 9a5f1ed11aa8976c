//! The run counters of [`crate::Tier::Quick`] translations, packed side by side near the code.
//!
//! A quick block's code starts by decrementing its counter in memory. A big program (cc1)
//! has thousands of quick blocks that each run a few hundred times, far apart, so the
//! counter is rarely in the data cache when its block starts: each one on a heap allocation
//! of its own (an `Arc<AtomicU32>`, two or three to a cache line between unrelated data),
//! that miss was most of the time a quick block took (perf on cc1 -O2 for armhf: a fifth of
//! the time in translated code was quick blocks', two thirds of that at the decrement).
//! Here the counters of blocks translated one after the other, which tend to run one after
//! the other, share cache lines, sixteen to a line.
//!
//! Chunks are mapped just past the code cache when the host allows (an address hint), so the
//! code can reach its counter `rip`-relatively: `sub dword [rip + d], 1`, 7 bytes, instead of
//! a 10-byte `movabs` of its address and the decrement through it. They are separate pages
//! from any code: a write near instructions being executed would make the CPU discard them
//! as self-modifying code.
//!
//! Counters live as long as the code of their cache half: [`Counters::reset`] is for when
//! that half's code is about to be overwritten, when no code that decrements them can run.

use std::sync::atomic::{AtomicU32, Ordering};

/// Counters in a chunk (16 pages of them).
const CHUNK: usize = 16 * 1024;
/// Bytes of a chunk.
const CHUNK_BYTES: usize = CHUNK * std::mem::size_of::<AtomicU32>();

/// A private read-write mapping of [`CHUNK`] zeroed counters.
struct Chunk(std::ptr::NonNull<AtomicU32>);

// SAFETY: the mapping is owned by this value alone (unmapped only by its drop); the counters
// in it are atomics, which any thread may use.
unsafe impl Send for Chunk {}

impl Chunk {
    /// Maps a chunk, at `hint` if that range is free (else where the host puts it).
    fn map(hint: usize) -> Chunk {
        // SAFETY: an anonymous private mapping without MAP_FIXED replaces nothing: the hint is
        // only a preference.
        let p = unsafe {
            libc::mmap(
                hint as *mut libc::c_void,
                CHUNK_BYTES,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        assert!(p != libc::MAP_FAILED, "cannot map JIT run counters");
        Chunk(std::ptr::NonNull::new(p.cast()).expect("mmap gives no null mapping"))
    }

    fn get(&self, k: usize) -> &AtomicU32 {
        assert!(k < CHUNK);
        // SAFETY: `k` is inside the mapping of CHUNK counters, zero-filled (a valid AtomicU32)
        // and alive as long as `self`.
        unsafe { &*self.0.as_ptr().add(k) }
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // SAFETY: exactly the mapping made in `map`; its counters go with the code of their
        // cache half, which no thread runs any more when the owner drops them.
        unsafe { libc::munmap(self.0.as_ptr().cast(), CHUNK_BYTES) };
    }
}

/// The counters of the blocks in one half of the code cache.
#[derive(Default)]
pub(crate) struct Counters {
    /// Chunks handed out from, in order; a chunk never moves, so the code can hold the address
    /// of a counter in it.
    chunks: Vec<Chunk>,
    /// Counters handed out since the last reset.
    used: usize,
}

impl Counters {
    /// A counter starting at `value`, unused since the last [`reset`](Self::reset). A new
    /// chunk is mapped at `*hint` if possible, which then moves past it.
    pub(crate) fn take(&mut self, value: u32, hint: &mut usize) -> &AtomicU32 {
        let (chunk, at) = (self.used / CHUNK, self.used % CHUNK);
        if chunk == self.chunks.len() {
            let c = Chunk::map(*hint);
            *hint = c.0.as_ptr() as usize + CHUNK_BYTES;
            self.chunks.push(c);
        }
        self.used += 1;
        let c = self.chunks[chunk].get(at);
        c.store(value, Ordering::Relaxed);
        c
    }

    /// Hands every counter out again (its chunks are kept for reuse).
    pub(crate) fn reset(&mut self) {
        self.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn counters_are_packed_stay_put_and_are_reused_after_a_reset() {
        let mut c = Counters::default();
        let mut hint = 0;
        let first = c.take(7, &mut hint) as *const AtomicU32 as usize;
        assert_eq!(
            hint,
            first + CHUNK_BYTES,
            "the next chunk is asked for just past it"
        );
        let second = c.take(8, &mut hint) as *const AtomicU32 as usize;
        assert_eq!(second, first + 4, "side by side");
        for _ in 2..CHUNK + 5 {
            c.take(1, &mut hint);
        }
        assert_eq!(c.chunks.len(), 2);
        // Growing did not move what was handed out.
        // SAFETY: `first` points into the first chunk, which `c` still owns.
        assert_eq!(
            unsafe { &*(first as *const AtomicU32) }.load(Ordering::Relaxed),
            7
        );
        c.reset();
        let again = c.take(9, &mut hint);
        assert_eq!(again as *const AtomicU32 as usize, first);
        assert_eq!(again.load(Ordering::Relaxed), 9);
        assert_eq!(c.chunks.len(), 2, "chunks are kept");
    }
}
