//! The key map, Python's `_fd_to_key`. [`SelectorMap`] is the read-only view `get_map()`
//! returns.
//!
//! On Unix it is a two-level table indexed by fd (`src/table.rs`): a top-level vector of
//! optional pages of 256 slots, a page allocated when its first fd is registered and freed by
//! the first wait after its last one is unregistered. A lookup is two dependent loads, O(1),
//! on the hot path of every `select`; memory follows the registered fds rather than the
//! largest fd ever registered.
//!
//! ## Memory
//!
//! A slot is an `Option<Entry<F, D>>`: the key and the backend's 8-byte [`Mark`] (epoll's
//! generation and last-seen round, kept here so that checking a kernel entry and handing out
//! its key touch one cache line; unused by the other backends): 20 bytes for
//! `SelectorKey<RawFd, ()>` (fd, fileobj and events, 4 bytes each, and the mark, whose
//! non-zero generation is the `Option`'s niche), 32 for `SelectorKey<RawFd, usize>`. For keys
//! whose largest fd is `max`, with `s` bytes a slot, the key map takes
//! `8 · (⌊max / 256⌋ + 1)` bytes of top level plus `256 · s + 8` bytes per page in use. Poll's
//! position table is built the same way (`src/table.rs`): 512 slots of 8 bytes a page (4 104
//! bytes, top level `8 · (⌊max / 512⌋ + 1)`); epoll has no fd table of its own.
//! With 20-byte slots (on a 64-bit target; the unit tests check each table's exact size at
//! both fds, and `tests/memory.rs` prints the totals at fd 19 999 on Linux, counted by its
//! allocator, and asserts the budgets below):
//!
//! | one registration at | key map | poll's table | select's 4 fd sets |
//! |---|---|---|---|
//! | fd 19 999 | 632 + 5 128 = 5 760 | 320 + 4 104 = 4 424 | 4 · 2 504 = 10 016 |
//! | fd 1 000 000 | 31 256 + 5 128 = 36 384 | 15 632 + 4 104 = 19 736 | 4 · 125 008 = 500 032 |
//!
//! So one registration at fd 19 999 costs 10 216 bytes above an empty selector on poll (the
//! key map, the position table and a 32-byte `pollfd` array), 5 760 on epoll and 15 776 on
//! select; at fd 1 000 000, 56 152 bytes on poll and 36 384 on epoll (≤ 64 KiB). The first `select`
//! after unregistering it frees the pages and the top levels (they give their capacity back
//! once at most a quarter used), so nothing of it remains; until then the emptied pages are
//! kept, so that unregistering and registering again in between does not free and reallocate
//! them (`close` frees everything at once). select's sets are the exception: `select(2)`
//! takes bitmaps up to the largest fd, 1 bit per fd, in four copies (the registered readers
//! and writers, and the two handed to the kernel), so they stay proportional to the largest
//! registered fd (2.5 KB each at fd 20 000; only Linux and Android take fds ≥ `FD_SETSIZE` at
//! all); they too shrink, at the first `select` after the largest fd is unregistered.
//!
//! On Windows the fd is a socket handle: any pointer-sized value (kernel handles are multiples
//! of 4 and usually small, but a provider's sockets need not be kernel handles), so a table
//! indexed by it could be arbitrarily large. There the key map is a vector kept dense and
//! sorted by handle instead: lookups are a binary search (O(log n)), insertions and removals
//! shift the tail (O(n), a `memmove`, no worse than the O(n) work winsock's `select` does
//! per call), and memory is proportional to the number of registered sockets.

#[cfg(windows)]
use alloc::vec::Vec;
use core::fmt;

use crate::selector::{Mark, Marks};
#[cfg(unix)]
use crate::table::Table;
use crate::{Events, FileObj, RawFd, SelectorKey};

/// Slots per page of the Unix key table (a power of two; see the module docs for the sizes).
#[cfg(unix)]
pub(crate) const KEY_PAGE: usize = 256;

/// A key and the backend's [`Mark`] for it, in one slot: what a wait checks and what the
/// caller then reads are one cache line (for keys up to 56 bytes).
pub(crate) struct Entry<F, D> {
    key: SelectorKey<F, D>,
    mark: Mark,
}

pub(crate) struct Registry<F, D> {
    #[cfg(unix)]
    slots: Table<Entry<F, D>, KEY_PAGE>,
    #[cfg(windows)]
    slots: Vec<Option<Entry<F, D>>>,
    len: usize,
}

/// The table index of `fd`, or `None` for a negative fd.
#[cfg(unix)]
#[inline]
fn index(fd: RawFd) -> Option<usize> {
    usize::try_from(fd).ok()
}

/// The table index to look `fd` up at: `fd` itself, and for a negative fd a number ≥ 2^31,
/// which no registered fd has (they are validated non-negative, so below 2^31). One
/// instruction, no branch: the lookup's own bounds check turns such an index away.
#[cfg(unix)]
#[inline]
fn lookup_index(fd: RawFd) -> usize {
    fd as u32 as usize
}

impl<F, D> Registry<F, D> {
    pub(crate) const fn new() -> Self {
        Registry {
            #[cfg(unix)]
            slots: Table::new(),
            #[cfg(windows)]
            slots: Vec::new(),
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bytes the key table has allocated.
    #[cfg(all(test, unix))]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.heap_bytes()
    }

    /// Windows: the position of `fd` in the sorted table, or where it would go.
    #[cfg(windows)]
    fn search(&self, fd: RawFd) -> Result<usize, usize> {
        self.slots
            .binary_search_by(|slot| slot.as_ref().map(|e| e.key.fd).cmp(&Some(fd)))
    }

    /// The slot holding `fd`'s key, if any.
    #[cfg(windows)]
    fn slot(&self, fd: RawFd) -> Option<usize> {
        self.search(fd).ok()
    }

    /// `fd`'s entry, if registered.
    #[cfg(unix)]
    #[inline]
    fn entry(&self, fd: RawFd) -> Option<&Entry<F, D>> {
        self.slots.get(lookup_index(fd))
    }

    /// `fd`'s entry, if registered, mutably.
    #[cfg(unix)]
    #[inline]
    fn entry_mut(&mut self, fd: RawFd) -> Option<&mut Entry<F, D>> {
        self.slots.get_mut(lookup_index(fd))
    }

    #[cfg(windows)]
    fn entry(&self, fd: RawFd) -> Option<&Entry<F, D>> {
        self.slots.get(self.slot(fd)?)?.as_ref()
    }

    #[cfg(windows)]
    fn entry_mut(&mut self, fd: RawFd) -> Option<&mut Entry<F, D>> {
        let i = self.slot(fd)?;
        self.slots.get_mut(i)?.as_mut()
    }

    #[inline]
    pub(crate) fn get(&self, fd: RawFd) -> Option<&SelectorKey<F, D>> {
        self.entry(fd).map(|e| &e.key)
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, fd: RawFd) -> Option<&mut SelectorKey<F, D>> {
        self.entry_mut(fd).map(|e| &mut e.key)
    }

    /// The registered events of `fd` and the backend's mark for it, if registered.
    #[inline]
    pub(crate) fn events_and_mark(&self, fd: RawFd) -> Option<(Events, Mark)> {
        self.entry(fd).map(|e| (e.key.events, e.mark))
    }

    /// The map borrowed for the lookups of a loop over ready fds ([`View`]).
    #[inline]
    pub(crate) fn view(&self) -> View<'_, F, D> {
        View {
            #[cfg(unix)]
            slots: self.slots.view(),
            #[cfg(windows)]
            registry: self,
        }
    }

    /// Stores `key` with `mark` in the free slot of `key.fd` (the caller checked it is free
    /// and valid).
    #[cfg(unix)]
    #[inline]
    pub(crate) fn insert(&mut self, key: SelectorKey<F, D>, mark: Mark) -> &mut SelectorKey<F, D> {
        let i = index(key.fd).expect("registered fds are validated non-negative");
        debug_assert!(self.slots.get(i).is_none());
        self.len += 1;
        &mut self.slots.insert(i, Entry { key, mark }).key
    }

    /// Windows: inserts `key` at its sorted position (the caller checked `key.fd` is free).
    #[cfg(windows)]
    pub(crate) fn insert(&mut self, key: SelectorKey<F, D>, mark: Mark) -> &mut SelectorKey<F, D> {
        let i = self.search(key.fd).unwrap_or_else(|i| i);
        debug_assert!(self.slot(key.fd).is_none());
        self.slots.insert(i, None);
        self.len += 1;
        &mut self.slots[i].insert(Entry { key, mark }).key
    }

    /// Windows: removes `fd`'s key, keeping the table dense and sorted.
    #[cfg(windows)]
    pub(crate) fn remove(&mut self, fd: RawFd) -> Option<SelectorKey<F, D>> {
        let i = self.slot(fd)?;
        self.len -= 1;
        self.slots.remove(i).map(|e| e.key)
    }

    #[cfg(unix)]
    #[inline]
    pub(crate) fn remove(&mut self, fd: RawFd) -> Option<SelectorKey<F, D>> {
        let entry = self.slots.remove(lookup_index(fd))?;
        self.len -= 1;
        Some(entry.key)
    }

    /// Frees the key table's pages emptied since the last call (see `src/table.rs`); called at
    /// the start of every wait.
    #[inline]
    pub(crate) fn trim(&mut self) {
        #[cfg(unix)]
        self.slots.trim();
    }

    /// Drops every key and frees the table.
    pub(crate) fn clear(&mut self) {
        #[cfg(unix)]
        self.slots.clear();
        #[cfg(windows)]
        {
            self.slots = Vec::new();
        }
        self.len = 0;
    }

    pub(crate) fn iter(&self) -> Keys<'_, F, D> {
        Keys {
            slots: self.slots.iter(),
            left: self.len,
        }
    }
}

/// The key map borrowed for lookups: on Unix a copy of the key table's top level
/// (`table::View`), which a loop keeps in registers.
pub(crate) struct View<'a, F, D> {
    #[cfg(unix)]
    slots: crate::table::View<'a, Entry<F, D>, KEY_PAGE>,
    #[cfg(windows)]
    registry: &'a Registry<F, D>,
}

impl<'a, F, D> View<'a, F, D> {
    /// `fd`'s key, if registered: [`Registry::get`].
    #[inline]
    pub(crate) fn get(&self, fd: RawFd) -> Option<&'a SelectorKey<F, D>> {
        #[cfg(unix)]
        let entry = self.slots.get(lookup_index(fd));
        #[cfg(windows)]
        let entry = self.registry.entry(fd);
        entry.map(|e| &e.key)
    }
}

impl<F, D> Marks for Registry<F, D> {
    #[inline]
    fn len(&self) -> usize {
        self.len
    }

    #[cfg(unix)]
    #[inline]
    fn mark_mut(&mut self, fd: u32) -> Option<(&mut Mark, Events)> {
        let e = self.slots.get_mut(fd as usize)?;
        Some((&mut e.mark, e.key.events))
    }

    #[cfg(windows)]
    fn mark_mut(&mut self, fd: u32) -> Option<(&mut Mark, Events)> {
        let e = self.entry_mut(fd as RawFd)?;
        Some((&mut e.mark, e.key.events))
    }

    fn for_each_mark(&self, mut f: impl FnMut(RawFd, Mark, Events)) {
        #[cfg(unix)]
        let entries = self.slots.iter().map(|(_, e)| e);
        #[cfg(windows)]
        let entries = self.slots.iter().flatten();
        for e in entries {
            f(e.key.fd, e.mark, e.key.events);
        }
    }
}

/// A read-only view of a selector's registrations: Python's `get_map()` mapping.
///
/// Keyed by fd; lookups accept any [`FileObj`], like Python's `mapping[fileobj]`. Iteration is
/// in ascending fd order and yields the keys ([`keys`](SelectorMap::keys) yields the fds, as
/// iterating Python's mapping does).
pub struct SelectorMap<'a, F, D> {
    registry: &'a Registry<F, D>,
}

impl<'a, F, D> SelectorMap<'a, F, D> {
    pub(crate) fn new(registry: &'a Registry<F, D>) -> Self {
        SelectorMap { registry }
    }

    /// The number of registered file objects, Python's `len(mapping)`.
    pub fn len(&self) -> usize {
        self.registry.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key registered for `fileobj`'s fd, Python's `mapping.get(fileobj)`.
    pub fn get<G: FileObj + ?Sized>(&self, fileobj: &G) -> Option<&'a SelectorKey<F, D>> {
        self.registry.get(fileobj.fileno())
    }

    /// Whether `fileobj`'s fd is registered, Python's `fileobj in mapping`.
    pub fn contains<G: FileObj + ?Sized>(&self, fileobj: &G) -> bool {
        self.get(fileobj).is_some()
    }

    /// The keys, in ascending fd order (Python's `mapping.values()`).
    pub fn iter(&self) -> Keys<'a, F, D> {
        self.registry.iter()
    }

    /// The registered fds, ascending (Python's `list(mapping)`).
    pub fn keys(&self) -> impl Iterator<Item = RawFd> + 'a {
        self.registry.iter().map(|key| key.fd)
    }

    /// The keys, in ascending fd order (Python's `mapping.values()`).
    pub fn values(&self) -> Keys<'a, F, D> {
        self.iter()
    }
}

impl<F, D> Clone for SelectorMap<'_, F, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F, D> Copy for SelectorMap<'_, F, D> {}

impl<'a, F, D> IntoIterator for SelectorMap<'a, F, D> {
    type Item = &'a SelectorKey<F, D>;
    type IntoIter = Keys<'a, F, D>;
    fn into_iter(self) -> Keys<'a, F, D> {
        self.iter()
    }
}

impl<F: fmt::Debug, D: fmt::Debug> fmt::Debug for SelectorMap<'_, F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|key| (key.fd, key)))
            .finish()
    }
}

/// Iterator over registered keys in ascending fd order.
pub struct Keys<'a, F, D> {
    #[cfg(unix)]
    slots: crate::table::Iter<'a, Entry<F, D>, KEY_PAGE>,
    #[cfg(windows)]
    slots: core::slice::Iter<'a, Option<Entry<F, D>>>,
    left: usize,
}

impl<'a, F, D> Iterator for Keys<'a, F, D> {
    type Item = &'a SelectorKey<F, D>;

    fn next(&mut self) -> Option<Self::Item> {
        #[cfg(unix)]
        let entry = self.slots.next()?.1;
        #[cfg(windows)]
        let entry = self.slots.by_ref().find_map(Option::as_ref)?;
        self.left -= 1;
        Some(&entry.key)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<F, D> ExactSizeIterator for Keys<'_, F, D> {}

impl<F, D> fmt::Debug for Keys<'_, F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys").field("left", &self.left).finish()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::EVENT_READ;
    use alloc::vec;
    use alloc::vec::Vec;

    fn key(fd: RawFd) -> SelectorKey<RawFd, u32> {
        SelectorKey {
            fileobj: fd,
            fd,
            events: EVENT_READ,
            data: fd as u32 * 10,
        }
    }

    #[test]
    fn insert_get_remove() {
        let mut r = Registry::new();
        r.insert(key(5), Mark::UNUSED);
        r.insert(key(2), Mark::UNUSED);
        assert_eq!(r.len(), 2);
        assert_eq!(r.get(5).map(|k| k.data), Some(50));
        assert!(r.get(3).is_none() && r.get(-1).is_none() && r.get(1_000_000).is_none());
        for negative in [-1, -2, -255, -256, i32::MIN] {
            assert!(r.get(negative).is_none() && r.get_mut(negative).is_none());
            assert!(r.remove(negative).is_none());
        }
        assert_eq!(r.len(), 2);
        assert_eq!(r.iter().map(|k| k.fd).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(r.remove(5).map(|k| k.fd), Some(5));
        assert!(r.remove(5).is_none());
        let slot = core::mem::size_of::<Option<Entry<RawFd, u32>>>();
        assert!(
            r.slots.heap_bytes() <= 4 * 8 + 8 + KEY_PAGE * slot,
            "one page left, fd 2's: {} bytes",
            r.slots.heap_bytes()
        );
        r.remove(2);
        r.trim();
        assert_eq!(r.slots.heap_bytes(), 0, "and nothing once empty");
        r.insert(key(2), Mark::UNUSED);
        assert_eq!(r.len(), 1);
        r.clear();
        assert_eq!(r.len(), 0);
        assert_eq!(r.iter().count(), 0);
    }

    /// The figures of the module docs: one key at fd 19 999 and at fd 1 000 000.
    #[test]
    fn memory_follows_the_registrations() {
        let mut r: Registry<RawFd, ()> = Registry::new();
        assert_eq!(core::mem::size_of::<Option<Entry<RawFd, ()>>>(), 20);
        for (fd, bytes) in [(19_999, 5_760), (1_000_000, 36_384)] {
            r.insert(
                SelectorKey {
                    fileobj: fd,
                    fd,
                    events: EVENT_READ,
                    data: (),
                },
                Mark::UNUSED,
            );
            crate::table::assert_heap_bytes(r.heap_bytes(), bytes, fd);
            r.remove(fd);
            r.trim();
            assert_eq!(r.heap_bytes(), 0, "fd {fd}");
        }
    }

    #[test]
    fn map_view() {
        let mut r = Registry::new();
        r.insert(key(7), Mark::UNUSED);
        let m = SelectorMap::new(&r);
        assert_eq!(m.len(), 1);
        assert!(m.contains(&7) && !m.contains(&8) && !m.contains(&-3));
        assert_eq!(m.keys().collect::<Vec<_>>(), vec![7]);
        assert_eq!(m.values().len(), 1);
        assert_eq!(m.into_iter().next().map(|k| k.data), Some(70));
    }

    /// The iterator's exact length counts down as it yields (and prints); the map prints as a
    /// map of fds to keys, in fd order.
    #[test]
    fn map_iteration_length_and_debug() {
        let mut r = Registry::new();
        for fd in [7, 3, 5] {
            r.insert(key(fd), Mark::UNUSED);
        }
        let m = SelectorMap::new(&r);
        let mut it = m.iter();
        for left in (0..3).rev() {
            assert!(it.next().is_some());
            assert_eq!((it.len(), it.size_hint()), (left, (left, Some(left))));
        }
        assert!(it.next().is_none());
        assert_eq!(alloc::format!("{:?}", m.iter()), "Keys { left: 3 }");
        let key = |fd| r.get(fd).unwrap();
        assert_eq!(
            alloc::format!("{m:?}"),
            alloc::format!("{{3: {:?}, 5: {:?}, 7: {:?}}}", key(3), key(5), key(7))
        );
    }
}

#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;
    use crate::EVENT_READ;
    use alloc::vec;

    fn key(fd: RawFd) -> SelectorKey<RawFd, RawFd> {
        SelectorKey {
            fileobj: fd,
            fd,
            events: EVENT_READ,
            data: fd.wrapping_mul(10),
        }
    }

    #[test]
    fn sorted_dense_table_for_any_handle() {
        let mut r = Registry::new();
        let big = usize::MAX - 1; // INVALID_SOCKET is usize::MAX
        for fd in [0x1f4, 8, big, 0x10_0000, 3] {
            r.insert(key(fd), Mark::UNUSED);
        }
        assert_eq!(r.len(), 5);
        assert_eq!(r.slots.len(), 5, "one slot per registered handle");
        assert_eq!(
            r.iter().map(|k| k.fd).collect::<Vec<_>>(),
            vec![3, 8, 0x1f4, 0x10_0000, big]
        );
        assert_eq!(r.get(big).map(|k| k.fd), Some(big));
        assert!(r.get(4).is_none() && r.get(usize::MAX).is_none());
        if let Some(k) = r.get_mut(8) {
            k.data = 1;
        }
        assert_eq!(r.get(8).map(|k| k.data), Some(1));
        assert_eq!(r.remove(0x1f4).map(|k| k.fd), Some(0x1f4));
        assert!(r.remove(0x1f4).is_none());
        assert_eq!(r.len(), 4);
        assert_eq!(r.slots.len(), 4);
        let m = SelectorMap::new(&r);
        assert!(m.contains(&3) && !m.contains(&0x1f4));
        assert_eq!(m.keys().collect::<Vec<_>>(), vec![3, 8, 0x10_0000, big]);
        r.clear();
        assert_eq!(r.len(), 0);
        assert!(r.get(3).is_none());
    }
}
