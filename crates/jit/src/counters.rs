//! The run counters of [`crate::Tier::Quick`] translations, packed side by side.
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
//! Counters live as long as the code of their cache half: [`Counters::reset`] is for when
//! that half's code is about to be overwritten, when no code that decrements them can run.

use std::sync::atomic::AtomicU32;

/// Counters in a chunk (a page of them).
const CHUNK: usize = 1024;

/// The counters of the blocks in one half of the code cache.
#[derive(Default)]
pub(crate) struct Counters {
    /// Chunks handed out from, in order; a chunk never moves, so the code can hold the address
    /// of a counter in it.
    chunks: Vec<Box<[AtomicU32]>>,
    /// Counters handed out since the last reset.
    used: usize,
}

impl Counters {
    /// A counter starting at `value`, unused since the last [`reset`](Self::reset).
    pub(crate) fn take(&mut self, value: u32) -> &AtomicU32 {
        let (chunk, at) = (self.used / CHUNK, self.used % CHUNK);
        if chunk == self.chunks.len() {
            self.chunks
                .push((0..CHUNK).map(|_| AtomicU32::new(0)).collect());
        }
        self.used += 1;
        let c = &self.chunks[chunk][at];
        c.store(value, std::sync::atomic::Ordering::Relaxed);
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
        let first = c.take(7) as *const AtomicU32 as usize;
        let second = c.take(8) as *const AtomicU32 as usize;
        assert_eq!(second, first + 4, "side by side");
        for _ in 2..CHUNK + 5 {
            c.take(1);
        }
        assert_eq!(c.chunks.len(), 2);
        // Growing did not move what was handed out.
        // SAFETY: `first` points into the first chunk, which `c` still owns.
        assert_eq!(
            unsafe { &*(first as *const AtomicU32) }.load(Ordering::Relaxed),
            7
        );
        c.reset();
        let again = c.take(9);
        assert_eq!(again as *const AtomicU32 as usize, first);
        assert_eq!(again.load(Ordering::Relaxed), 9);
        assert_eq!(c.chunks.len(), 2, "chunks are kept");
    }
}
