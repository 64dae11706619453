//! [`EpollSelector`]: `epoll(7)`, Python's `selectors.EpollSelector` (Linux, Android and
//! illumos).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::num::NonZeroU32;
use core::time::Duration;

use ioselectors_sys::{self as sys, epoll_event, EPOLLIN, EPOLLOUT};

use crate::events::{from_poll_like, to_poll_like};
use crate::selector::{GenericSelector, Interface, KernelObject, Sealed, WOKEN};
use crate::syscall::{self, OwnedFd};
use crate::table::Table;
use crate::waker::{Shared, Source};
use crate::{timeout, Error, Events, RawFd, Result};

/// Python's `selectors.EpollSelector`, over `epoll(7)`: Linux, Android, and illumos (whose
/// epoll emulates Linux's on top of `/dev/poll`; type-checked here, not run).
///
/// Level-triggered, asking for `EPOLLIN`/`EPOLLOUT` only. A changed mask is one
/// `EPOLL_CTL_MOD`. The event buffer is reused between calls and sized to the number of
/// registered fds plus one, and one more for the waker's entry once there is a waker.
///
/// The kernel refuses regular files and directories with `EPERM`. epoll watches open file
/// descriptions: an fd closed while registered is dropped by the kernel (its key stays until
/// unregistered), while a `dup` of it keeps reporting under the old number (epoll(7), Q6).
/// Such an entry keeps reporting under its key while the key is registered, as in CPython.
/// Once the key is unregistered (`EPOLL_CTL_DEL` then fails and is ignored, as in CPython)
/// the leftover entry is a "ghost": each registration's user data carries a generation next
/// to the fd, so a ghost is never reported, not even under a key registered later with the
/// same number. The first wait that sees a ghost (or two entries for one registered fd, left
/// by an `EPOLL_CTL_MOD` that reached a ghost) rebuilds the epoll instance without them:
/// a new instance with every registered fd added again (the file now at that number; an fd
/// the kernel refuses, e.g. closed, is left out, as the old instance would not watch it
/// either), moved onto the old fd number with `dup2`, so `fileno()` does not change.
///
/// Timeouts are rounded up to the millisecond.
///
/// ```
/// # #[cfg(ioselectors_epoll)] {
/// use ioselectors::{BaseSelector, EpollSelector};
/// let mut sel: EpollSelector = EpollSelector::new()?;
/// assert!(sel.fileno()? >= 0);
/// sel.close();
/// assert!(sel.fileno().is_err());
/// # }
/// # Ok::<(), ioselectors::Error>(())
/// ```
pub type EpollSelector<F = RawFd, D = ()> = GenericSelector<EpollBackend, F, D>;

impl<F, D> GenericSelector<EpollBackend, F, D> {
    /// A new selector over a new epoll instance (`epoll_create1(EPOLL_CLOEXEC)`).
    ///
    /// # Errors
    /// [`Error::Os`]: `EMFILE`/`ENFILE` when no fd is left, `ENOSYS` where epoll is missing.
    pub fn new() -> Result<Self> {
        Ok(Self::with(EpollBackend::new()?))
    }
}

const IN: u32 = EPOLLIN as u32;
const OUT: u32 = EPOLLOUT as u32;

/// A registered fd in the backend's table: its generation and its events.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// The backend's registration count when this fd was added (so a ghost of an earlier
    /// registration of the number never matches a later one; never 0, which also makes an
    /// `Option<Slot>` 12 bytes).
    generation: NonZeroU32,
    /// The registered events (never empty).
    events: Events,
    /// The last `wait` round that saw an entry for this fd (to spot a second one).
    seen: u32,
}

/// The user data of an interest-list entry: the generation above the fd.
fn tag(fd: RawFd, generation: NonZeroU32) -> u64 {
    (u64::from(generation.get()) << 32) | u64::from(fd as u32)
}

/// Slots per page of the slot table: 512 × 12 bytes (an `Option<Slot>`) = a 6 KiB page.
const SLOT_PAGE: usize = 512;

/// The user data of the waker's eventfd: `tag(-1, u32::MAX)`, which no registration has (a
/// registered fd is never negative). The key map is not consulted for it.
const WAKER_TAG: u64 = u64::MAX;

/// The `epoll(7)` backend of [`EpollSelector`].
#[derive(Debug)]
pub struct EpollBackend {
    epfd: Option<OwnedFd>,
    events: Vec<epoll_event>,
    /// `slots[fd]`: the registered fds (a paged table: memory follows the registered fds, not
    /// the largest one).
    slots: Table<Slot, SLOT_PAGE>,
    /// The generation of the last `add` (0 before the first; wrapping, skipping 0): a ghost's
    /// generation matches a later registration of its number only if a multiple of 2^32 - 1
    /// registrations were made in between.
    generation: u32,
    /// Counts `wait` calls, for [`Slot::seen`] (wrapping: once every 2^32 waits a stale mark
    /// may match, which costs one needless rebuild).
    round: u32,
    /// The waker's eventfd, in the interest list under [`WAKER_TAG`].
    waker: Option<Arc<Shared>>,
}

impl Sealed for EpollBackend {}

impl KernelObject for EpollBackend {
    fn kernel_fd(&self) -> Result<RawFd> {
        self.fileno().ok_or(Error::Closed)
    }
}

impl EpollBackend {
    pub(crate) fn new() -> Result<Self> {
        Ok(EpollBackend {
            epfd: Some(syscall::epoll_create()?),
            events: Vec::new(),
            slots: Table::new(),
            generation: 0,
            round: 0,
            waker: None,
        })
    }

    pub(crate) fn fileno(&self) -> Option<RawFd> {
        self.epfd.as_ref().map(OwnedFd::raw)
    }

    fn epfd(&self) -> Result<&OwnedFd> {
        self.epfd.as_ref().ok_or(Error::Closed)
    }

    /// Appends `(fd, events)` for each entry of the last wait, masked with the fd's registered
    /// events (empty results left out); `Some(whether the waker's entry was there)`. `strict`: stop
    /// at the first ghost (an entry of a number not registered, or of an earlier registration of
    /// it) or second entry of one fd in this round, and return `None`; otherwise skip those. One
    /// table lookup per entry.
    #[inline]
    fn collect(&mut self, ready: &mut Vec<(RawFd, Events)>, strict: bool) -> Option<bool> {
        self.round = self.round.wrapping_add(1);
        let round = self.round;
        let mut woken = false;
        for e in &self.events {
            let (bits, data) = (e.events, e.u64);
            // The low half of the tag is the fd (non-negative: the kernel took it).
            let fd = data as u32;
            let slot = match self.slots.get_mut(fd as usize) {
                Some(slot)
                    if slot.generation.get() == (data >> 32) as u32 && slot.seen != round =>
                {
                    slot
                }
                _ if data == WAKER_TAG => {
                    woken = true;
                    continue;
                }
                _ if strict => return None,
                _ => continue,
            };
            slot.seen = round;
            let events = from_poll_like(bits, IN, OUT) & slot.events;
            if !events.is_empty() {
                ready.push((fd as RawFd, events));
            }
        }
        Some(woken)
    }

    /// `wait`'s rare path, out of line so that `wait` stays small enough to inline: the batch
    /// held a ghost or a second entry for some fd. Drops what `collect` appended from
    /// `start`, rebuilds the kernel's instance without the ghosts and asks the new one,
    /// without waiting, what is ready now (one entry per registered fd); whether the waker's
    /// entry was there.
    #[cold]
    #[inline(never)]
    fn recollect(
        &mut self,
        ready: &mut Vec<(RawFd, Events)>,
        start: usize,
        max: usize,
    ) -> Result<bool> {
        ready.truncate(start);
        self.rebuild()?;
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        syscall::epoll_wait(epfd, &mut self.events, max, 0)?;
        Ok(self.collect(ready, false).unwrap_or(false))
    }

    /// Drains the waker (its entry was in the batch) and reports it as `(WOKEN, EMPTY)`.
    #[cold]
    #[inline(never)]
    fn drain_waker(&mut self, ready: &mut Vec<(RawFd, Events)>) {
        if let Some(waker) = &self.waker {
            waker.drain();
            ready.push((WOKEN, Events::EMPTY));
        }
    }

    /// Replace the epoll instance by a new one holding one entry per registered fd (the file
    /// now at that number), on the same fd number. An fd the kernel refuses (closed, or its
    /// number now a regular file) is left out but stays registered: the old instance did not
    /// watch it either. On failure (no fd left for the new instance) the old one stays, and
    /// the error goes to `select`.
    fn rebuild(&mut self) -> Result<()> {
        let old = self.epfd()?;
        let new = syscall::epoll_create()?;
        for (fd, slot) in self.slots.iter() {
            // fd came from a RawFd, so it fits.
            let fd = fd as RawFd;
            let _ = syscall::epoll_ctl(
                &new,
                sys::EPOLL_CTL_ADD,
                fd,
                to_poll_like(slot.events, IN, OUT),
                tag(fd, slot.generation),
            );
        }
        if let Some(waker) = &self.waker {
            syscall::epoll_ctl(&new, sys::EPOLL_CTL_ADD, waker.fd(), IN, WAKER_TAG)?;
        }
        syscall::dup_over(&new, old)
    }
}

impl Interface for EpollBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        let bits = to_poll_like(events, IN, OUT);
        let generation =
            NonZeroU32::new(self.generation.wrapping_add(1)).unwrap_or(NonZeroU32::MIN);
        let epfd = self.epfd()?;
        syscall::epoll_ctl(epfd, sys::EPOLL_CTL_ADD, fd, bits, tag(fd, generation))?;
        self.generation = generation.get();
        // The kernel took it, so fd is open: non-negative, and below the fd limit.
        let i = usize::try_from(fd).map_err(|_| Error::InvalidFd(fd))?;
        self.slots.insert(
            i,
            Slot {
                generation,
                events,
                seen: self.round,
            },
        );
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events) -> Result<()> {
        let bits = to_poll_like(new, IN, OUT);
        // One slot-table lookup: the slot is updated once the kernel has accepted the change.
        let mut slot = usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i));
        let generation = slot.as_ref().map_or(NonZeroU32::MIN, |s| s.generation);
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        syscall::epoll_ctl(epfd, sys::EPOLL_CTL_MOD, fd, bits, tag(fd, generation))?;
        if let Some(slot) = &mut slot {
            slot.events = new;
        }
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        if let Ok(i) = usize::try_from(fd) {
            self.slots.remove(i);
        }
        syscall::epoll_ctl(self.epfd()?, sys::EPOLL_CTL_DEL, fd, 0, 0)
    }

    // One call site (select_ready's loop); inlining it there saves a call frame per wait.
    #[inline(always)]
    fn wait(
        &mut self,
        timeout: Option<Duration>,
        nkeys: usize,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        // A registered fd normally has one entry of its generation, so nkeys slots hold them
        // all, and the spare one makes sure that a returned batch holds a ghost or a second
        // entry for some fd (possible after an `EPOLL_CTL_MOD` that named a ghost: the number
        // now refers to the ghost's file again) whenever there is one that is ready.
        let max = nkeys.saturating_add(1 + usize::from(self.waker.is_some()));
        // Pages of the slot table emptied by unregistrations since the last wait.
        self.slots.trim();
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        syscall::epoll_wait(epfd, &mut self.events, max, timeout::to_millis(timeout))?;
        let start = ready.len();
        let woken = match self.collect(ready, true) {
            Some(woken) => woken,
            None => self.recollect(ready, start, max)?,
        };
        // The waker's entry goes last, where `select_ready` looks for it.
        if woken {
            self.drain_waker(ready);
        }
        Ok(())
    }

    #[inline]
    fn filters(&self) -> bool {
        true
    }

    fn close(&mut self) {
        self.epfd = None;
        self.events = Vec::new();
        self.slots.clear();
        self.waker = None;
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        let shared = Shared::new(Source::new_fd()?);
        syscall::epoll_ctl(self.epfd()?, sys::EPOLL_CTL_ADD, shared.fd(), IN, WAKER_TAG)?;
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The figures of the key map's module docs (src/registry.rs).
    #[test]
    fn slot_table_memory() {
        assert_eq!(core::mem::size_of::<Option<Slot>>(), 12);
        let mut t: Table<Slot, SLOT_PAGE> = Table::new();
        for (fd, bytes) in [(19_999, 6_472), (1_000_000, 21_784)] {
            let slot = Slot {
                generation: NonZeroU32::MIN,
                events: Events::READ,
                seen: 0,
            };
            t.insert(fd, slot);
            crate::table::assert_heap_bytes(t.heap_bytes(), bytes, fd);
            t.remove(fd);
            t.trim();
            assert_eq!(t.heap_bytes(), 0, "fd {fd}");
        }
    }
}
