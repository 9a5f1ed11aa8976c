//! Page-granular bookkeeping of the guest's mappings: which ranges are guest-owned and with what
//! protection. This is the source of truth for `check`, so it never trusts the host layout.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a mapping shows in /proc/self/maps besides its range and protection: the file it came
/// from (as the guest names it) and whether it is shared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Backing {
    /// The path as the guest sees it (may be empty for an anonymous shared mapping).
    pub path: Vec<u8>,
    /// File offset of the mapping's first byte.
    pub offset: u64,
    /// Device major number.
    pub major: u32,
    /// Device minor number.
    pub minor: u32,
    /// Inode number.
    pub inode: u64,
    /// True for `MAP_SHARED` (`s` in the permissions column).
    pub shared: bool,
}

impl Backing {
    /// The same backing seen `by` bytes further into the mapping.
    pub fn advanced(&self, by: u64) -> Backing {
        let mut b = self.clone();
        b.offset = b.offset.wrapping_add(by);
        b
    }

    /// Whether a range backed by `self` of `len` bytes continues seamlessly into `next`.
    fn continues_into(&self, len: u64, next: &Backing) -> bool {
        self.path == next.path
            && self.major == next.major
            && self.minor == next.minor
            && self.inode == next.inode
            && self.shared == next.shared
            && self.offset.wrapping_add(len) == next.offset
    }
}

/// A recorded range's end, protection and optional backing.
type Entry = (u64, i32, Option<Backing>);

/// Whether ranges `[s, e)` with `left` and one starting at `e` with `right` may be merged.
fn mergeable(s: u64, e: u64, left: &Option<Backing>, right: &Option<Backing>) -> bool {
    match (left, right) {
        (None, None) => true,
        (Some(l), Some(r)) => l.continues_into(e - s, r),
        _ => false,
    }
}

/// `b` advanced by `by` bytes (for the upper part of a split range).
fn advance(b: &Option<Backing>, by: u64) -> Option<Backing> {
    b.as_ref().map(|x| x.advanced(by))
}

/// Sorted, non-overlapping `[start, end)` ranges with a protection and optional backing, keyed
/// by start. Adjacent ranges with the same protection and continuous backing are merged so
/// lookups stay short.
#[derive(Debug, Default, Clone)]
pub struct Regions {
    map: BTreeMap<u64, Entry>,
    /// The span of executable ranges changed since the last [`Regions::take_code_change`].
    code_changed: Option<(u64, u64)>,
    /// How many code changes were ever noted: a [`crate::CodeWindow`] read at one count holds
    /// what the guest could execute as long as the count stays (shared, to be read unlocked).
    code_epoch: Arc<AtomicU64>,
    /// The last range a point lookup found, as `(start, end, prot)` (empty when `start ==
    /// end`): the translator asks about the same code range for every instruction word it
    /// fetches, and this answers without walking the tree. Cleared by [`Regions::carve`], the
    /// only way a range loses or changes protection (merging keeps it true).
    hint: Cell<(u64, u64, i32)>,
}

impl Regions {
    /// Widens the recorded span of changed code to cover `[a, b)`.
    pub fn note_code_change(&mut self, a: u64, b: u64) {
        self.code_epoch.fetch_add(1, Ordering::Release);
        self.code_changed = Some(match self.code_changed {
            Some((x, y)) => (x.min(a), y.max(b)),
            None => (a, b),
        });
    }

    /// The count of code changes noted so far, shared with whoever reads it unlocked.
    pub fn code_epoch(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.code_epoch)
    }

    /// The span of executable memory unmapped, replaced or reprotected (or noted by
    /// [`Regions::note_code_change`]) since the last call, if any.
    pub fn take_code_change(&mut self) -> Option<(u64, u64)> {
        self.code_changed.take()
    }

    /// Removes `[a, b)` from the bookkeeping, splitting ranges that straddle either edge.
    /// Executable pieces removed are recorded as changed code: translations made from them
    /// must not outlive them (every unmap, replacement and protection change comes here).
    pub fn carve(&mut self, a: u64, b: u64) {
        if a >= b {
            return;
        }
        self.hint.set((0, 0, 0));
        for (s, e, p) in self.overlapping(a, b) {
            if p & libc::PROT_EXEC != 0 {
                self.note_code_change(s, e);
            }
        }
        // A range starting before `a` may reach into [a, b): cut it at `a`, keeping what lies
        // past `b` as a separate piece.
        if let Some((&s, (e, p, k))) = self.map.range(..a).next_back()
            && *e > a
        {
            let (e, p, k) = (*e, *p, k.clone());
            if e > b {
                self.map.insert(b, (e, p, advance(&k, b - s)));
            }
            self.map.insert(s, (a, p, k));
        }
        let inside: Vec<u64> = self.map.range(a..b).map(|(&s, _)| s).collect();
        for s in inside {
            if let Some((e, p, k)) = self.map.remove(&s)
                && e > b
            {
                self.map.insert(b, (e, p, advance(&k, b - s)));
            }
        }
    }

    /// Records `[a, b)` with `prot` and no backing, replacing whatever was recorded there.
    pub fn insert(&mut self, a: u64, b: u64, prot: i32) {
        self.insert_backed(a, b, prot, None);
    }

    /// Records `[a, b)` with `prot` and `backing` (its offset is that of `a`), replacing whatever
    /// was recorded there.
    pub fn insert_backed(&mut self, a: u64, b: u64, prot: i32, backing: Option<Backing>) {
        if a >= b {
            return;
        }
        self.carve(a, b);
        let mut start = a;
        let mut end = b;
        let mut backing = backing;
        // Merge with a left neighbour ending exactly at `a` with the same protection and a
        // backing that continues into ours.
        if let Some((&s, (e, p, k))) = self.map.range(..a).next_back()
            && *e == a
            && *p == prot
            && mergeable(s, a, k, &backing)
        {
            backing = k.clone();
            self.map.remove(&s);
            start = s;
        }
        if let Some((e, p, k)) = self.map.get(&b)
            && *p == prot
            && mergeable(start, b, &backing, k)
        {
            end = *e;
            self.map.remove(&b);
        }
        self.map.insert(start, (end, prot, backing));
    }

    /// Changes the protection of every recorded piece of `[a, b)`, keeping each piece's backing.
    pub fn protect(&mut self, a: u64, b: u64, prot: i32) {
        for (s, e, _, k) in self.overlapping_backed(a, b) {
            self.insert_backed(s, e, prot, k);
        }
    }

    /// Replaces the backing of every recorded piece of `[a, b)` (`backing` describes `a`),
    /// keeping each piece's protection.
    pub fn set_backing(&mut self, a: u64, b: u64, backing: Option<Backing>) {
        for (s, e, p, _) in self.overlapping_backed(a, b) {
            self.insert_backed(s, e, p, advance(&backing, s - a));
        }
    }

    /// Like [`Regions::overlapping`], with each piece's backing (offset adjusted to the piece).
    pub fn overlapping_backed(&self, a: u64, b: u64) -> Vec<(u64, u64, i32, Option<Backing>)> {
        let mut out = Vec::new();
        if a >= b {
            return out;
        }
        if let Some((&s, (e, p, k))) = self.map.range(..a).next_back()
            && *e > a
        {
            out.push((a, (*e).min(b), *p, advance(k, a - s)));
        }
        for (&s, (e, p, k)) in self.map.range(a..b) {
            out.push((s, (*e).min(b), *p, k.clone()));
        }
        out
    }

    /// The backing of the range containing `addr`, adjusted to `addr`.
    pub fn backing_at(&self, addr: u64) -> Option<Backing> {
        self.overlapping_backed(addr, addr + 1)
            .into_iter()
            .next()
            .and_then(|r| r.3)
    }

    /// The pieces of recorded ranges that intersect `[a, b)`, clipped to it, in address order.
    pub fn overlapping(&self, a: u64, b: u64) -> Vec<(u64, u64, i32)> {
        self.pieces(a, b).collect()
    }

    /// [`Regions::overlapping`] without collecting: the permission checks of every guest
    /// access armrun makes (and of every instruction fetched for translation) allocate nothing.
    fn pieces(&self, a: u64, b: u64) -> impl Iterator<Item = (u64, u64, i32)> + '_ {
        let (first, rest) = if a < b {
            let first = self
                .map
                .range(..a)
                .next_back()
                .filter(|(_, e)| e.0 > a)
                .map(|(_, &(e, p, _))| (a, e.min(b), p));
            (first, Some(self.map.range(a..b)))
        } else {
            (None, None)
        };
        first.into_iter().chain(
            rest.into_iter()
                .flatten()
                .map(move |(&s, &(e, p, _))| (s, e.min(b), p)),
        )
    }

    /// True when any recorded range intersects `[a, b)`.
    pub fn overlaps(&self, a: u64, b: u64) -> bool {
        self.pieces(a, b).next().is_some()
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
        self.range_at(addr).map(|r| r.2)
    }

    /// The recorded range containing `addr` as `(start, end, prot)`, remembered as the hint.
    fn range_at(&self, addr: u64) -> Option<(u64, u64, i32)> {
        let hint = self.hint.get();
        if hint.0 <= addr && addr < hint.1 {
            return Some(hint);
        }
        let (&s, &(e, p, _)) = self.map.range(..=addr).next_back()?;
        (e > addr).then(|| {
            self.hint.set((s, e, p));
            (s, e, p)
        })
    }

    /// First address in `[a, b)` not covered by a range whose protection includes `prot`.
    pub fn first_lacking(&self, a: u64, b: u64, prot: i32) -> Option<u64> {
        if a < b
            && let Some((_, e, p)) = self.range_at(a)
            && e >= b
        {
            return (p & prot != prot).then_some(a);
        }
        let mut cur = a;
        for (s, e, p) in self.pieces(a, b) {
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
        for (&s, &(e, _, _)) in self.map.range(..top).rev() {
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
        self.map.iter().map(|(&s, &(e, p, _))| (s, e, p))
    }

    /// All ranges as `(start, end, prot, backing)`.
    pub fn iter_backed(&self) -> impl Iterator<Item = (u64, u64, i32, Option<&Backing>)> + '_ {
        self.map
            .iter()
            .map(|(&s, (e, p, k))| (s, *e, *p, k.as_ref()))
    }
}
