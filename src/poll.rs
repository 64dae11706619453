//! [`PollSelector`]: `poll(2)`, Python's `selectors.PollSelector`.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;

use ioselectors_sys::{pollfd, POLLIN, POLLOUT};

use crate::events::{from_poll_like_asked, to_poll_like};
use crate::selector::{GenericSelector, Interface, Mark, Marks, Sealed, WOKEN};
use crate::table::Table;
use crate::waker::{Shared, Source};
use crate::{syscall, timeout, Events, RawFd, Result};

/// Python's `selectors.PollSelector`, over `poll(2)`. Available on every unix.
///
/// The `pollfd` array is kept incrementally (O(1) register, modify and unregister through an
/// fd-indexed position table) and handed to the kernel as is. It stays in registration order
/// (an unregistered entry leaves a hole that the next wait closes, in one pass), so results come
/// in registration order, as in CPython (whose `poll` object keeps its fds in a dict). Returned bits map to events as
/// in CPython: `POLLHUP`, `POLLERR` and `POLLNVAL` report whatever the key asked for.
///
/// `register` checks that the fd is open (`fcntl(F_GETFD)`, `EBADF` otherwise), as the other
/// backends' kernels do. An fd closed after registration reports `POLLNVAL`, i.e. ready.
///
/// Timeouts are rounded up to the millisecond. (macOS's `poll(2)` does not work on devices
/// such as `/dev/tty`: its man page, BUGS; not tested here, there is no macOS kernel.)
///
/// ```
/// use ioselectors::{BaseSelector, PollSelector, EVENT_READ};
/// let mut sel: PollSelector = PollSelector::new();
/// assert!(sel.select(Some(std::time::Duration::ZERO))?.is_empty());
/// # Ok::<(), ioselectors::Error>(())
/// ```
pub type PollSelector<F = RawFd, D = ()> = GenericSelector<PollBackend, F, D>;

impl<F, D> GenericSelector<PollBackend, F, D> {
    /// A new, empty selector. Needs no kernel object, so it cannot fail.
    pub fn new() -> Self {
        Self::with(PollBackend::new())
    }
}

impl<F, D> Default for GenericSelector<PollBackend, F, D> {
    fn default() -> Self {
        Self::new()
    }
}

const IN: u32 = POLLIN as u32;
const OUT: u32 = POLLOUT as u32;

/// The fd of an unregistered entry until the next wait removes it: poll(2) ignores negative fds
/// (its `revents` comes back 0).
const HOLE: RawFd = -1;

/// Slots per page of the position table: 512 × 8 bytes (an `Option<u32>`) = a 4 KiB page.
const POSITION_PAGE: usize = 512;

/// The `poll(2)` backend of [`PollSelector`].
#[derive(Debug, Default)]
pub struct PollBackend {
    fds: Vec<pollfd>,
    /// `position[fd]` is the index of `fd`'s entry in `fds` (a paged table: memory follows
    /// the registered fds, not the largest one).
    position: Table<u32, POSITION_PAGE>,
    /// An entry was removed since the last wait, which then frees the position table's emptied
    /// pages and checks whether to shrink `fds`.
    removed: bool,
    /// Entries of `fds` that are holes (unregistered, [`HOLE`]), closed by `close_holes`.
    holes: usize,
    /// The waker's fd, appended to `fds` for each `poll()` call and taken off after it.
    waker: Option<Arc<Shared>>,
}

impl Sealed for PollBackend {}

impl PollBackend {
    pub(crate) const fn new() -> Self {
        PollBackend {
            fds: Vec::new(),
            position: Table::new(),
            removed: false,
            holes: 0,
            waker: None,
        }
    }

    fn entry(&mut self, fd: RawFd) -> Option<&mut pollfd> {
        let i = *self.position.get(usize::try_from(fd).ok()?)?;
        self.fds.get_mut(i as usize).filter(|p| p.fd == fd)
    }

    /// After unregistrations: frees the position table's emptied pages and, once the `pollfd`
    /// array is at most a quarter full, shrinks it to twice its length, keeping room for the
    /// waker's entry (pushed and popped on every wait, so it never reallocates the array).
    #[cold]
    #[inline(never)]
    fn shrink_fds(&mut self) {
        self.removed = false;
        self.close_holes();
        self.position.trim();
        let len = self.fds.len();
        if len <= self.fds.capacity() / 4 {
            self.fds
                .shrink_to((len * 2).max(len + usize::from(self.waker.is_some())));
        }
    }

    /// Closes the holes left by `remove`, keeping the order, and renumbers the positions: one
    /// pass over `fds`.
    fn close_holes(&mut self) {
        if self.holes == 0 {
            return;
        }
        self.holes = 0;
        self.fds.retain(|p| p.fd != HOLE);
        for (i, p) in self.fds.iter().enumerate() {
            if let Some(at) = self.position.get_mut(p.fd as usize) {
                *at = i as u32;
            }
        }
    }

    /// Records `fd` at the end of `fds`.
    fn push(&mut self, fd: RawFd, index: usize, events: i16) -> Result<()> {
        // poll(2) takes at most RLIMIT_NOFILE entries, far below u32::MAX.
        let at = u32::try_from(self.fds.len()).map_err(|_| crate::Error::InvalidFd(fd))?;
        self.position.insert(index, at);
        self.fds.push(pollfd {
            fd,
            events,
            revents: 0,
        });
        Ok(())
    }
}

/// The events a `pollfd` reports, masked with its own `events` (the key's, as POLLIN/POLLOUT).
/// Python masks `revents` with 0xffff: the field is a short.
#[inline]
fn ready_events(p: &pollfd) -> Events {
    from_poll_like_asked(
        u32::from(p.revents as u16),
        u32::from(p.events as u16),
        IN,
        OUT,
    )
}

/// The `events` field for a mask.
fn poll_bits(events: Events) -> i16 {
    // IN | OUT fits the short field.
    to_poll_like(events, IN, OUT) as i16
}

impl Interface for PollBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        syscall::check_fd_open(fd)?;
        let index = usize::try_from(fd).map_err(|_| crate::Error::InvalidFd(fd))?;
        self.push(fd, index, poll_bits(events))
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events, _mark: Mark) -> Result<()> {
        if let Some(p) = self.entry(fd) {
            p.events = poll_bits(new);
        }
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        let Some(i) = usize::try_from(fd)
            .ok()
            .and_then(|index| self.position.remove(index))
        else {
            return Ok(());
        };
        // The entry becomes a hole (a negative fd, which poll(2) skips and never reports) rather
        // than being swapped with the last: the order of the others, registration order, is
        // CPython's. The last entry is simply popped. The next wait closes the holes (one pass),
        // frees the position table's emptied pages and, maybe, shrinks the `pollfd` array; so
        // does a `remove` that leaves more holes than entries, so that registering and
        // unregistering without ever waiting cannot grow the array (amortized O(1)).
        self.removed = true;
        let i = i as usize;
        if self.fds.get(i).is_some_and(|p| p.fd == fd) {
            if i + 1 == self.fds.len() {
                self.fds.pop();
            } else {
                self.fds[i].fd = HOLE;
                self.fds[i].events = 0;
                self.holes += 1;
                if self.holes * 2 > self.fds.len() {
                    self.close_holes();
                }
            }
        }
        Ok(())
    }

    // One call site (select_ready's loop); inlining it there saves a call frame per wait.
    #[inline(always)]
    fn wait(
        &mut self,
        timeout: Option<Duration>,
        _keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        // Memory back once the array is at most a quarter full, here rather than in
        // `remove`: a burst of unregistrations (then registrations) would otherwise shrink
        // and regrow it, and a large array is its own mapping whose regrowth page-faults.
        if self.removed {
            self.shrink_fds();
        }
        if let Some(waker) = &self.waker {
            self.fds.push(pollfd {
                fd: waker.fd(),
                events: POLLIN,
                revents: 0,
            });
        }
        let res = syscall::poll(&mut self.fds, timeout::to_millis(timeout));
        let mut woken = false;
        if let Some(waker) = &self.waker {
            if self.fds.pop().is_some_and(|p| p.revents != 0) {
                waker.drain();
                woken = true;
            }
        }
        // The kernel counts the entries it set `revents` on (the waker's too): the scan stops
        // after the last.
        let mut left = res?.saturating_sub(usize::from(woken));
        if left != 0 {
            for p in &self.fds {
                if p.revents != 0 {
                    let events = ready_events(p);
                    if !events.is_empty() {
                        ready.push((p.fd, events));
                    }
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
        }
        // The waker's entry goes last, where `select_ready` looks for it.
        if woken {
            ready.push((WOKEN, Events::EMPTY));
        }
        Ok(())
    }

    #[inline]
    fn filters(&self) -> bool {
        true
    }

    fn close(&mut self) {
        *self = PollBackend::new();
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        let shared = Shared::new(Source::new_fd()?);
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_table_survives_remove() {
        let mut b = PollBackend::new();
        // fds 0..=2 are open in any test process (stdin/stdout/stderr may be closed under some
        // harnesses, so insert directly).
        for fd in [2, 0, 1] {
            b.push(fd, fd as usize, POLLIN).unwrap();
        }
        b.remove(2, Events::READ).unwrap();
        assert_eq!(b.fds.len(), 3, "a hole until the next wait");
        b.shrink_fds();
        assert_eq!(b.fds.iter().map(|p| p.fd).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(b.entry(1).map(|p| p.fd), Some(1));
        assert_eq!(b.entry(0).map(|p| p.fd), Some(0));
        assert!(b.entry(2).is_none());
        b.modify(1, Events::READ, Events::WRITE, Mark::UNUSED)
            .unwrap();
        assert_eq!(b.entry(1).map(|p| p.events), Some(POLLOUT));
        b.remove(1, Events::WRITE).unwrap();
        b.remove(0, Events::READ).unwrap();
        assert!(b.fds.is_empty() && b.removed, "the last entries are popped");
        assert!(
            b.position.heap_bytes() > 0,
            "the emptied page waits for the next wait"
        );
        b.shrink_fds();
        assert!(b.fds.is_empty());
        assert!(b.position.heap_bytes() == 0 && !b.removed);
    }

    /// Registering and unregistering without ever waiting: the holes are closed as they
    /// outnumber the entries, so the array stays bounded, in registration order.
    #[test]
    fn holes_without_waits_stay_bounded() {
        let mut b = PollBackend::new();
        for round in 0..100 {
            for fd in 0..3 {
                b.push(fd, fd as usize, POLLIN).unwrap();
            }
            // Unregister the first two (holes), keep the last, then drop it too.
            b.remove(0, Events::READ).unwrap();
            b.remove(1, Events::READ).unwrap();
            assert!(b.fds.len() <= 3, "round {round}: {} entries", b.fds.len());
            assert_eq!(b.entry(2).map(|p| p.fd), Some(2));
            b.remove(2, Events::READ).unwrap();
        }
        assert!(b.fds.len() <= 2, "{} entries left", b.fds.len());
        // Order kept across a hole: 5, 6, 7 registered, 6 unregistered.
        let mut b = PollBackend::new();
        for fd in [7, 5, 6] {
            b.push(fd, fd as usize, POLLIN).unwrap();
        }
        b.remove(5, Events::READ).unwrap();
        b.shrink_fds();
        assert_eq!(b.fds.iter().map(|p| p.fd).collect::<Vec<_>>(), [7, 6]);
        assert_eq!(b.entry(6).map(|p| p.fd), Some(6));
    }

    /// `remove`'s two rules: the last entry is popped at once (no hole); any other becomes a
    /// hole, and the holes are closed as soon as they outnumber the entries, not before.
    #[test]
    fn remove_pops_the_last_entry_and_closes_holes_once_they_outnumber_entries() {
        let mut b = PollBackend::new();
        for fd in 0..4 {
            b.push(fd, fd as usize, POLLIN).unwrap();
        }
        b.remove(3, Events::READ).unwrap();
        assert_eq!((b.fds.len(), b.holes), (3, 0), "the last entry is popped");
        // Two holes among four entries: as many holes as entries, kept.
        let mut b = PollBackend::new();
        for fd in 0..4 {
            b.push(fd, fd as usize, POLLIN).unwrap();
        }
        b.remove(0, Events::READ).unwrap();
        b.remove(1, Events::READ).unwrap();
        assert_eq!((b.fds.len(), b.holes), (4, 2), "two holes of four: kept");
        // A third hole outnumbers the one entry left: closed.
        b.remove(2, Events::READ).unwrap();
        assert_eq!(
            (b.fds.len(), b.holes),
            (1, 0),
            "three holes of four: closed"
        );
        assert_eq!(b.entry(3).map(|p| p.fd), Some(3));
        // One hole of two entries: kept.
        let mut b = PollBackend::new();
        for fd in 0..2 {
            b.push(fd, fd as usize, POLLIN).unwrap();
        }
        b.remove(0, Events::READ).unwrap();
        assert_eq!((b.fds.len(), b.holes), (2, 1), "one hole of two: kept");
    }

    /// `shrink_fds`' rule, on the array's capacity: kept while the entries fill more than a
    /// quarter of it; at a quarter or less, shrunk to twice their count (room to grow back
    /// without a reallocation); with nothing left, one slot kept for the waker's entry, which
    /// every wait pushes and pops. (`Vec::shrink_to` keeps at least the length and the bound
    /// it is given; how far below the old capacity it goes is the allocator's business, so
    /// only "smaller" is checked there.)
    #[test]
    #[cfg_attr(
        all(miri, target_vendor = "apple"),
        ignore = "the waker's pipe: macOS has no pipe2, and Miri has no fcntl(F_SETFD) for its close-on-exec flag"
    )]
    fn shrink_fds_keeps_a_quarter_full_array_and_room_for_the_waker() {
        let mut b = PollBackend::new();
        for fd in 0..16 {
            b.push(fd, fd as usize, POLLIN).unwrap();
        }
        let full = b.fds.capacity();
        let quarter = full / 4;
        assert!(quarter >= 2, "capacity {full}");
        // The last entries are popped: no holes, only the length changes.
        for fd in (quarter + 1..16).rev() {
            b.remove(fd as RawFd, Events::READ).unwrap();
        }
        b.shrink_fds();
        assert_eq!(b.fds.len(), quarter + 1);
        assert_eq!(b.fds.capacity(), full, "more than a quarter full: kept");
        b.remove(quarter as RawFd, Events::READ).unwrap();
        b.shrink_fds();
        assert_eq!(b.fds.len(), quarter);
        let shrunk = b.fds.capacity();
        assert!(
            shrunk >= 2 * quarter && shrunk < full,
            "a quarter full ({quarter} of {full}): shrunk to {shrunk}, not to twice the length"
        );
        // Everything unregistered: one slot stays for the waker's entry.
        drop(b.add_waker().unwrap());
        for fd in (0..quarter).rev() {
            b.remove(fd as RawFd, Events::READ).unwrap();
        }
        b.shrink_fds();
        assert!(b.fds.is_empty());
        assert!(b.fds.capacity() >= 1, "no room left for the waker's entry");
    }

    /// The figures of the key map's module docs (src/registry.rs).
    #[test]
    fn position_table_memory() {
        let mut t: Table<u32, POSITION_PAGE> = Table::new();
        for (fd, bytes) in [(19_999, 4_424), (1_000_000, 19_736)] {
            t.insert(fd, 0);
            crate::table::assert_heap_bytes(t.heap_bytes(), bytes, fd);
            t.remove(fd);
            t.trim();
            assert_eq!(t.heap_bytes(), 0, "fd {fd}");
        }
    }
}
