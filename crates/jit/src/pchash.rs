//! A hasher for maps keyed by guest addresses.
//!
//! The dispatcher looks blocks up by pc after every unlinked exit; std's SipHash, built to
//! resist adversarial keys, costs more than the lookup needs. Guest pcs are not chosen against
//! us (a guest can only slow its own emulation), so one multiply by an odd constant, with the
//! high bits folded down (hashbrown takes its bucket index from the low bits and a tag from the
//! top seven), spreads the 4-byte-aligned addresses well.

use std::hash::{BuildHasherDefault, Hasher};

/// Hashes one `u64` key.
#[derive(Default)]
pub struct PcHasher(u64);

impl Hasher for PcHasher {
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ h >> 29
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).rotate_left(5);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A `HashMap` keyed by guest pc.
pub type PcMap<V> = std::collections::HashMap<u64, V, BuildHasherDefault<PcHasher>>;

/// A `HashSet` of guest pcs.
pub type PcSet = std::collections::HashSet<u64, BuildHasherDefault<PcHasher>>;
