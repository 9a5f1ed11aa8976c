//! The host code of every compiled block by host address, for each half of the code cache.
//!
//! A half hands out addresses in increasing order until it is reused (see `cache`), so each
//! half's records are a vector kept sorted by pushing: registering a block is a push and
//! finding the block around a host address is a binary search, where an ordered tree cost a
//! few hundred host instructions per translated block.

/// Records of type `R` by host start address, for the two halves of the cache.
pub struct CodeMap<R> {
    halves: [Vec<(usize, R)>; 2],
}

impl<R> Default for CodeMap<R> {
    fn default() -> Self {
        CodeMap {
            halves: [Vec::new(), Vec::new()],
        }
    }
}

impl<R> CodeMap<R> {
    /// Registers `rec` for code at `base` in half `half`, whose earlier blocks all lie below
    /// `base`.
    pub fn push(&mut self, half: usize, base: usize, rec: R) {
        let v = &mut self.halves[half];
        assert!(
            v.last().is_none_or(|&(b, _)| b < base),
            "a half of the code cache hands out increasing addresses"
        );
        v.push((base, rec));
    }

    /// The record of the block starting exactly at `base`.
    pub fn get(&self, base: usize) -> Option<&R> {
        self.halves.iter().find_map(|v| {
            v.binary_search_by_key(&base, |&(b, _)| b)
                .ok()
                .map(|k| &v[k].1)
        })
    }

    /// The block starting at or below `addr` nearest to it in either half, as (start,
    /// record); the caller checks that `addr` lies inside it.
    pub fn at_or_below(&self, addr: usize) -> Option<(usize, &R)> {
        self.halves
            .iter()
            .filter_map(|v| {
                let k = v.partition_point(|&(b, _)| b <= addr);
                k.checked_sub(1).map(|k| (v[k].0, &v[k].1))
            })
            .max_by_key(|&(b, _)| b)
    }

    /// Forgets every record of half `half` (its code is about to be overwritten).
    pub fn clear(&mut self, half: usize) {
        self.halves[half].clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_in_either_half_and_forgets_a_cleared_half() {
        let mut m = CodeMap::default();
        m.push(1, 0x9000, "c");
        m.push(0, 0x1000, "a");
        m.push(0, 0x1400, "b");
        m.push(1, 0x9100, "d");
        assert_eq!(m.get(0x1400), Some(&"b"));
        assert_eq!(m.get(0x9100), Some(&"d"));
        assert_eq!(m.get(0x1401), None);
        assert_eq!(m.at_or_below(0x0fff), None);
        assert_eq!(m.at_or_below(0x1000), Some((0x1000, &"a")));
        assert_eq!(m.at_or_below(0x13ff), Some((0x1000, &"a")));
        assert_eq!(m.at_or_below(0x8fff), Some((0x1400, &"b")));
        assert_eq!(m.at_or_below(0x9050), Some((0x9000, &"c")));
        assert_eq!(m.at_or_below(usize::MAX), Some((0x9100, &"d")));
        m.clear(0);
        assert_eq!(m.get(0x1000), None);
        assert_eq!(m.at_or_below(0x8fff), None);
        assert_eq!(m.at_or_below(0x9000), Some((0x9000, &"c")));
    }

    #[test]
    #[should_panic(expected = "increasing addresses")]
    fn refuses_an_address_below_the_half_s_last() {
        let mut m = CodeMap::default();
        m.push(0, 0x2000, ());
        m.push(0, 0x1000, ());
    }
}
