//! [`Table`]: a map from small non-negative integers (fd numbers) to values, as fast as a `Vec`
//! indexed by fd for lookups, but whose memory follows what is stored rather than the largest
//! number ever stored.
//!
//! Two levels: a top-level `Vec` of optional pages, indexed by `i / N`, and pages of `N` slots
//! (`N` a power of two), indexed by `i % N`. A lookup is two dependent loads and two bounds
//! checks, O(1). A page is allocated when the first slot in it is filled. A page whose last slot
//! is emptied is kept until the next [`Table::trim`] (the selectors call it at the start of every
//! wait), which frees every empty page, truncates the top-level `Vec` to its last page and gives
//! its capacity back once it is at most a quarter used. The deferral keeps a burst of
//! unregistrations and registrations (the `churn` bench: all N fds unregistered, then registered
//! again) from freeing and reallocating, then re-initialising, a cache-cold page each time; the
//! hysteresis on the top level keeps a number that comes and goes at the edge from reallocating
//! it each time. Between two waits the table holds at most the pages its values needed at the
//! busiest moment, which the registrations needed anyway.
//!
//! Memory for values stored at numbers up to `max`: `8 · (max / N + 1)` bytes of top level plus
//! `size_of::<Option<T>>() · N` bytes (and a word of header) per page holding at least one value.
//! The figures for each table are in the docs of [`Registry`](crate::registry).

use alloc::boxed::Box;
use alloc::vec::Vec;

/// A page: `N` slots and the number of them that hold a value.
struct Page<T, const N: usize> {
    used: usize,
    slots: [Option<T>; N],
}

/// A two-level table of `Option<T>` indexed by `usize`, with pages of `N` slots.
pub(crate) struct Table<T, const N: usize> {
    pages: Vec<Option<Box<Page<T, N>>>>,
    /// A page has been emptied since the last `trim`, which then frees it.
    emptied: bool,
}

impl<T, const N: usize> Table<T, N> {
    const SHIFT: u32 = {
        assert!(N.is_power_of_two());
        N.trailing_zeros()
    };

    pub(crate) const fn new() -> Self {
        Table {
            pages: Vec::new(),
            emptied: false,
        }
    }

    #[inline]
    fn split(i: usize) -> (usize, usize) {
        (i >> Self::SHIFT, i & (N - 1))
    }

    /// The value at `i`, if any.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        let (p, s) = Self::split(i);
        self.pages.get(p)?.as_deref()?.slots[s].as_ref()
    }

    /// A shared view of the table, for a loop of lookups (see [`View`]).
    #[inline]
    pub(crate) fn view(&self) -> View<'_, T, N> {
        View { pages: &self.pages }
    }

    /// The value at `i`, if any, mutably.
    #[inline]
    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let (p, s) = Self::split(i);
        self.pages.get_mut(p)?.as_deref_mut()?.slots[s].as_mut()
    }

    /// Stores `value` at `i`, replacing any value there, and returns it.
    #[inline]
    pub(crate) fn insert(&mut self, i: usize, value: T) -> &mut T {
        let (p, s) = Self::split(i);
        // The page is there on every insert but the first in its range of `N` numbers; the
        // allocation is out of line so this stays a few instructions.
        if !matches!(self.pages.get(p), Some(Some(_))) {
            self.add_page(p);
        }
        let Some(Some(page)) = self.pages.get_mut(p) else {
            unreachable!() // add_page made it
        };
        let slot = &mut page.slots[s];
        page.used += usize::from(slot.is_none());
        slot.insert(value)
    }

    /// Allocates page `p` (growing the top level to hold it).
    #[cold]
    #[inline(never)]
    fn add_page(&mut self, p: usize) {
        if p >= self.pages.len() {
            self.pages.resize_with(p + 1, || None);
        }
        self.pages[p] = Some(Box::new(Page {
            used: 0,
            slots: core::array::from_fn(|_| None),
        }));
    }

    /// Takes the value at `i` out. A page left empty is freed by the next [`trim`](Self::trim).
    #[inline]
    pub(crate) fn remove(&mut self, i: usize) -> Option<T> {
        let (p, s) = Self::split(i);
        let page = self.pages.get_mut(p)?.as_deref_mut()?;
        let value = page.slots[s].take()?;
        page.used -= 1;
        self.emptied |= page.used == 0;
        Some(value)
    }

    /// Frees the pages emptied since the last call (one predicted branch when there are none).
    #[inline]
    pub(crate) fn trim(&mut self) {
        if self.emptied {
            self.free_empty_pages();
        }
    }

    /// Frees every empty page, then the trailing empty entries of the top level, whose
    /// capacity is given back once it is at most a quarter used.
    #[cold]
    #[inline(never)]
    fn free_empty_pages(&mut self) {
        self.emptied = false;
        for page in &mut self.pages {
            if page.as_ref().is_some_and(|page| page.used == 0) {
                *page = None;
            }
        }
        while let Some(None) = self.pages.last() {
            self.pages.pop();
        }
        if self.pages.len() <= self.pages.capacity() / 4 {
            self.pages.shrink_to(self.pages.len() * 2);
        }
    }

    /// Drops every value and frees every page.
    pub(crate) fn clear(&mut self) {
        self.pages = Vec::new();
        self.emptied = false;
    }

    /// `(i, &value)` in ascending `i`.
    pub(crate) fn iter(&self) -> Iter<'_, T, N> {
        Iter {
            pages: self.pages.iter().enumerate(),
            page: None,
        }
    }

    /// The bytes this table has allocated (top level and pages), for tests and docs.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.pages.capacity() * core::mem::size_of::<Option<Box<Page<T, N>>>>()
            + self.pages.iter().flatten().count() * core::mem::size_of::<Page<T, N>>()
    }
}

/// A table borrowed for lookups: a copy of the top level's slice (pointer and length), so a
/// loop that also writes memory the compiler cannot tell apart from the table (e.g. a `Vec`'s
/// buffer) keeps them in registers instead of reloading them from the table on every lookup.
pub(crate) struct View<'a, T, const N: usize> {
    pages: &'a [Option<Box<Page<T, N>>>],
}

impl<T, const N: usize> Clone for View<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, const N: usize> Copy for View<'_, T, N> {}

impl<'a, T, const N: usize> View<'a, T, N> {
    /// The value at `i`, if any: [`Table::get`].
    #[inline]
    pub(crate) fn get(self, i: usize) -> Option<&'a T> {
        let (p, s) = Table::<T, N>::split(i);
        self.pages.get(p)?.as_deref()?.slots[s].as_ref()
    }
}

impl<T, const N: usize> Default for Table<T, N> {
    fn default() -> Self {
        Table::new()
    }
}

impl<T, const N: usize> core::fmt::Debug for Table<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Table")
            .field("pages", &self.pages.iter().flatten().count())
            .finish()
    }
}

/// Iterator over a [`Table`]'s values in ascending index order.
pub(crate) struct Iter<'a, T, const N: usize> {
    pages: core::iter::Enumerate<core::slice::Iter<'a, Option<Box<Page<T, N>>>>>,
    /// The page being walked: its first index and its slots.
    page: Option<(
        usize,
        core::iter::Enumerate<core::slice::Iter<'a, Option<T>>>,
    )>,
}

impl<'a, T, const N: usize> Iterator for Iter<'a, T, N> {
    type Item = (usize, &'a T);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((base, slots)) = &mut self.page {
                let base = *base;
                if let Some(found) = slots.find_map(|(s, v)| Some((base + s, v.as_ref()?))) {
                    return Some(found);
                }
            }
            let (p, page) = self
                .pages
                .find_map(|(p, page)| Some((p, page.as_deref()?)))?;
            self.page = Some((p << Table::<T, N>::SHIFT, page.slots.iter().enumerate()));
        }
    }
}

/// Test helper: `actual` heap bytes against a documented figure. The figures are a 64-bit
/// target's (exact there); 32-bit pointers make them smaller, so elsewhere they are a bound.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_heap_bytes(actual: usize, documented: usize, fd: impl core::fmt::Display) {
    if cfg!(target_pointer_width = "64") {
        assert_eq!(actual, documented, "fd {fd}");
    } else {
        assert!(actual > 0 && actual <= documented, "fd {fd}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn pages_come_and_go() {
        let mut t: Table<u32, 64> = Table::new();
        assert_eq!(t.heap_bytes(), 0);
        *t.insert(1000, 1) += 1;
        t.insert(3, 3);
        t.insert(65, 65);
        assert_eq!(t.get(1000), Some(&2));
        assert_eq!(t.get(999), None);
        assert_eq!(t.get(5000), None);
        assert_eq!(t.get(usize::MAX), None);
        *t.get_mut(3).unwrap() = 30;
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            vec![(3, &30), (65, &65), (1000, &2)]
        );
        assert_eq!(t.pages.iter().flatten().count(), 3);
        assert_eq!(t.remove(1000), Some(2));
        assert_eq!(t.remove(1000), None);
        assert_eq!(t.pages.len(), 16, "an emptied page stays until trim");
        assert_eq!(t.get(1000), None);
        assert_eq!(t.iter().count(), 2);
        t.insert(1001, 11);
        assert_eq!(t.pages.iter().flatten().count(), 3, "and is reused");
        t.remove(1001);
        t.trim();
        assert_eq!(t.pages.len(), 2, "trailing empty pages are dropped");
        assert!(t.pages.capacity() <= 4, "and the top level shrinks");
        t.remove(3);
        t.remove(65);
        assert_eq!(t.pages.iter().flatten().count(), 2);
        t.trim();
        assert_eq!(t.heap_bytes(), 0, "nothing left once empty and trimmed");
        assert_eq!(t.iter().count(), 0);
        t.trim();
        assert_eq!(t.heap_bytes(), 0);
        t.insert(7, 7);
        t.clear();
        assert_eq!(t.get(7), None);
    }

    /// `free_empty_pages`' rule for the top level: its capacity is given back only once at
    /// most a quarter of it is used, and then down to twice the length (room to grow again
    /// without a reallocation at once).
    #[test]
    fn the_top_level_shrinks_at_a_quarter_to_twice_its_length() {
        // One slot per page: the top level is as long as the largest index + 1.
        let mut t: Table<u32, 1> = Table::new();
        for i in 0..32 {
            t.insert(i, 0);
        }
        let cap = t.pages.capacity();
        assert!(cap >= 32);
        // Down to one more than a quarter: kept whole.
        let keep = cap / 4 + 1;
        for i in keep..32 {
            t.remove(i);
        }
        t.trim();
        assert_eq!(t.pages.len(), keep);
        assert_eq!(t.pages.capacity(), cap, "more than a quarter used: kept");
        // A quarter: shrunk, to twice the length.
        t.remove(keep - 1);
        t.trim();
        let len = keep - 1;
        assert_eq!(t.pages.len(), len);
        assert!(
            t.pages.capacity() >= 2 * len && t.pages.capacity() < cap,
            "capacity {} for {len} pages (was {cap})",
            t.pages.capacity()
        );
        assert_eq!(
            alloc::format!("{t:?}"),
            alloc::format!("Table {{ pages: {len} }}")
        );
    }
}
