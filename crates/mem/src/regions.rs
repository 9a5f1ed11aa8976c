//! Page-granular bookkeeping of the guest's mappings: which ranges are guest-owned and with what
//! protection. This is the source of truth for `check`, so it never trusts the host layout.

use std::collections::BTreeMap;

/// Sorted, non-overlapping `[start, end)` ranges with a protection, keyed by start.
/// Adjacent ranges with the same protection are merged so lookups stay short.
#[derive(Debug, Default, Clone)]
pub struct Regions {
    map: BTreeMap<u64, (u64, i32)>,
}

impl Regions {
    /// Removes `[a, b)` from the bookkeeping, splitting ranges that straddle either edge.
    pub fn carve(&mut self, a: u64, b: u64) {
        if a >= b {
            return;
        }
        // A range starting before `a` may reach into [a, b): cut it at `a`, keeping what lies
        // past `b` as a separate piece.
        if let Some((&s, &(e, p))) = self.map.range(..a).next_back()
            && e > a
        {
            self.map.insert(s, (a, p));
            if e > b {
                self.map.insert(b, (e, p));
            }
        }
        let inside: Vec<u64> = self.map.range(a..b).map(|(&s, _)| s).collect();
        for s in inside {
            if let Some((e, p)) = self.map.remove(&s)
                && e > b
            {
                self.map.insert(b, (e, p));
            }
        }
    }

    /// Records `[a, b)` with `prot`, replacing whatever was recorded there.
    pub fn insert(&mut self, a: u64, b: u64, prot: i32) {
        if a >= b {
            return;
        }
        self.carve(a, b);
        let mut start = a;
        let mut end = b;
        // Merge with a left neighbour ending exactly at `a` with the same protection.
        if let Some((&s, &(e, p))) = self.map.range(..a).next_back()
            && e == a
            && p == prot
        {
            self.map.remove(&s);
            start = s;
        }
        if let Some(&(e, p)) = self.map.get(&b)
            && p == prot
        {
            self.map.remove(&b);
            end = e;
        }
        self.map.insert(start, (end, prot));
    }

    /// The pieces of recorded ranges that intersect `[a, b)`, clipped to it, in address order.
    pub fn overlapping(&self, a: u64, b: u64) -> Vec<(u64, u64, i32)> {
        let mut out = Vec::new();
        if a >= b {
            return out;
        }
        if let Some((_, &(e, p))) = self.map.range(..a).next_back()
            && e > a
        {
            out.push((a, e.min(b), p));
        }
        for (&s, &(e, p)) in self.map.range(a..b) {
            out.push((s, e.min(b), p));
        }
        out
    }

    /// True when any recorded range intersects `[a, b)`.
    pub fn overlaps(&self, a: u64, b: u64) -> bool {
        !self.overlapping(a, b).is_empty()
    }

    /// The sub-ranges of `[a, b)` that are not recorded, in address order.
    pub fn gaps(&self, a: u64, b: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut cur = a;
        for (s, e, _) in self.overlapping(a, b) {
            if s > cur {
                out.push((cur, s));
            }
            cur = e;
        }
        if cur < b {
            out.push((cur, b));
        }
        out
    }

    /// The protection of the range containing `addr`, if any.
    pub fn prot_at(&self, addr: u64) -> Option<i32> {
        self.overlapping(addr, addr + 1).first().map(|r| r.2)
    }

    /// First address in `[a, b)` not covered by a range whose protection includes `prot`.
    pub fn first_lacking(&self, a: u64, b: u64, prot: i32) -> Option<u64> {
        let mut cur = a;
        for (s, e, p) in self.overlapping(a, b) {
            if s > cur || p & prot != prot {
                return Some(cur);
            }
            cur = e;
        }
        (cur < b).then_some(cur)
    }

    /// Highest `len`-byte gap that ends at or below `top` and starts at or above `bottom`.
    pub fn find_top_down(&self, bottom: u64, top: u64, len: u64) -> Option<u64> {
        let mut top = top;
        for (&s, &(e, _)) in self.map.range(..top).rev() {
            if e <= top && top - e >= len {
                let cand = top - len;
                return (cand >= bottom).then_some(cand);
            }
            top = top.min(s);
        }
        (top >= bottom && top - bottom >= len).then(|| top - len)
    }

    /// All ranges as `(start, end, prot)`.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64, i32)> + '_ {
        self.map.iter().map(|(&s, &(e, p))| (s, e, p))
    }
}
