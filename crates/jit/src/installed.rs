//! Which block keys code was ever installed for, as a one-hash Bloom filter that threads read
//! without the JIT's lock.
//!
//! The dispatcher looks a block up by key after every exit its thread's indirect-jump table
//! cannot resolve, and most of those keys have no code yet: a block about to run for the first
//! time, or one running on the interpreter. Finding that out took the lock, which a compiler
//! thread installing blocks holds much of the time: python3 (the suite's workload) made some
//! 60,000 such lookups and 5,000 that found code, and `Jit::lookup` with its waits for the
//! lock was 3% of the guest thread's samples (perf, aarch64 and armhf). A key whose bit is
//! clear has never had code, so the lookup answers without the lock; a set bit (the key's,
//! or another key's that shares it) sends it to the map as before.
//!
//! Bits are set with the lock held, before the block enters the map, and never cleared (a
//! block forgotten leaves its bit set: a lookup of its key takes the lock again, as all did
//! before). A thread that reads a bit still clear while another installs the block behaves as
//! if its lookup came just before the install; where it must see the block (a compiler
//! thread's job it waits for), the job's completion, published after the install, makes the
//! bit visible too.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bits in the filter (a power of two): 32 KiB. python3's run installs some 20,000
/// translations (quick and full ones of fewer keys), setting under 8% of the bits; cc1 -O2's
/// 140,000 keys set about 40%.
const BITS: usize = 1 << 18;

/// The filter.
pub(crate) struct Installed {
    words: Box<[AtomicU64]>,
}

impl Installed {
    /// An empty filter: no key was installed.
    pub(crate) fn new() -> Installed {
        Installed {
            words: (0..BITS / 64).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The word and bit of `key`: one multiply spreads 2- and 4-byte-aligned addresses, and
    /// the 32-bit guests' mode bits at the top of their keys (see `pchash`).
    fn at(&self, key: u64) -> (&AtomicU64, u64) {
        let h = key.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let bit = (h >> (64 - BITS.trailing_zeros())) as usize;
        (&self.words[bit / 64], 1 << (bit % 64))
    }

    /// Notes that code is being installed for `key` (before the block is in the map).
    pub(crate) fn insert(&self, key: u64) {
        let (word, bit) = self.at(key);
        if word.load(Ordering::Relaxed) & bit == 0 {
            word.fetch_or(bit, Ordering::Release);
        }
    }

    /// False if code was never installed for `key`; true if it may have been.
    pub(crate) fn may_hold(&self, key: u64) -> bool {
        let (word, bit) = self.at(key);
        word.load(Ordering::Acquire) & bit != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key inserted is reported (no false negatives, whatever shares its bit); a fresh
    /// filter holds nothing; and keys spread: of as many keys again that were not inserted,
    /// about as few are reported as the bits set predict.
    #[test]
    fn inserted_keys_are_held_and_others_mostly_not() {
        let f = Installed::new();
        let keys = |from: u64| (0..20_000u64).map(move |k| 0x40_0000 + from + 4 * k);
        assert!(keys(0).all(|k| !f.may_hold(k)), "empty");
        keys(0).for_each(|k| f.insert(k));
        assert!(keys(0).all(|k| f.may_hold(k)), "a key inserted is held");
        let others = keys(0x10_0000).filter(|&k| f.may_hold(k)).count();
        // 20,000 keys set at most 20,000 of 262,144 bits: under 8% of other keys share one.
        assert!(others < 20_000 * 10 / 100, "{others} of 20,000 other keys");
    }
}
