//! The registered blocks by the guest page their first instruction lies in, for finding the
//! blocks a guest range invalidation hits.
//!
//! Registering a block is one hash lookup and a push, where an ordered set of (start, key)
//! cost a few hundred host instructions per translated block; an invalidation visits the
//! pages of its range, or every page when the range spans more pages than hold blocks.

use crate::pchash::PcMap;

/// Bytes per bucket: a guest page, the granule of the writes and unmappings that invalidate.
const PAGE_BITS: u32 = 12;

/// Blocks as (guest start, key), bucketed by start page.
#[derive(Default)]
pub struct StartIndex {
    pages: PcMap<Vec<(u64, u64)>>,
}

impl StartIndex {
    /// Registers the block `key` starting at `start`.
    pub fn insert(&mut self, start: u64, key: u64) {
        self.pages
            .entry(start >> PAGE_BITS)
            .or_default()
            .push((start, key));
    }

    /// Unregisters the block `key` starting at `start`.
    pub fn remove(&mut self, start: u64, key: u64) {
        let page = start >> PAGE_BITS;
        if let Some(list) = self.pages.get_mut(&page) {
            list.retain(|&e| e != (start, key));
            if list.is_empty() {
                self.pages.remove(&page);
            }
        }
    }

    /// Forgets every block.
    pub fn clear(&mut self) {
        self.pages.clear();
    }

    /// Every block starting in `[from, end)` as (start, key), in no particular order.
    pub fn starting_in(&self, from: u64, end: u64) -> Vec<(u64, u64)> {
        if from >= end {
            return Vec::new();
        }
        let (first, last) = (from >> PAGE_BITS, (end - 1) >> PAGE_BITS);
        let inside = |&&(s, _): &&(u64, u64)| from <= s && s < end;
        if last - first >= self.pages.len() as u64 {
            self.pages
                .values()
                .flatten()
                .filter(inside)
                .copied()
                .collect()
        } else {
            (first..=last)
                .filter_map(|p| self.pages.get(&p))
                .flatten()
                .filter(inside)
                .copied()
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_the_blocks_starting_in_a_range_by_pages_or_by_scan() {
        let mut ix = StartIndex::default();
        for (s, k) in [
            (0x1000, 1),
            (0x1ffc, 2),
            (0x2000, 3),
            (0x9000, 4),
            (0x2000, 5),
        ] {
            ix.insert(s, k);
        }
        // A narrow range walks its pages; a wide one scans the buckets.
        assert_eq!(
            sorted(ix.starting_in(0x1ffc, 0x2001)),
            vec![(0x1ffc, 2), (0x2000, 3), (0x2000, 5)]
        );
        assert_eq!(sorted(ix.starting_in(0x1001, 0x1ffc)), vec![]);
        assert_eq!(
            sorted(ix.starting_in(0, u64::MAX)),
            vec![
                (0x1000, 1),
                (0x1ffc, 2),
                (0x2000, 3),
                (0x2000, 5),
                (0x9000, 4)
            ]
        );
        assert_eq!(sorted(ix.starting_in(0x2000, 0x2000)), vec![]);
        ix.remove(0x2000, 3);
        ix.remove(0x9000, 4);
        ix.remove(0x9000, 4);
        assert_eq!(
            sorted(ix.starting_in(0, 0x10000)),
            vec![(0x1000, 1), (0x1ffc, 2), (0x2000, 5)]
        );
        ix.clear();
        assert_eq!(ix.starting_in(0, u64::MAX), vec![]);
    }
}
