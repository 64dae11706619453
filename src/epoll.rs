//! [`EpollSelector`]: `epoll(7)`, Python's `selectors.EpollSelector` (Linux, Android and
//! illumos).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::num::NonZeroU32;
use core::time::Duration;

use ioselectors_sys::{self as sys, epoll_event, EPOLLIN, EPOLLOUT};

use crate::events::{from_poll_like, to_poll_like};
use crate::selector::{GenericSelector, Interface, KernelObject, Mark, Marks, Sealed, WOKEN};
use crate::syscall::{self, OwnedFd};
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

// Per registered fd the backend keeps a `Mark` in the key map's entry (`src/selector.rs`):
// `generation`, the backend's registration count when the fd was added (so a ghost of an
// earlier registration of the number never matches a later one), and `seen`, the last `wait`
// round that saw an entry for the fd (to spot a second one). Kept next to the key, not in a
// table of the backend's own: checking an entry and handing out its key then touch one cache
// line per ready fd instead of two, which is what the per-event cost among thousands of
// registrations is made of (BENCHMARKS.md).

/// The user data of an interest-list entry: the generation above the fd.
fn tag(fd: RawFd, generation: NonZeroU32) -> u64 {
    (u64::from(generation.get()) << 32) | u64::from(fd as u32)
}

/// The user data of the waker's eventfd: `tag(-1, u32::MAX)`, which no registration has (a
/// registered fd is never negative). The key map is not consulted for it.
const WAKER_TAG: u64 = u64::MAX;

/// The `epoll(7)` backend of [`EpollSelector`].
#[derive(Debug)]
pub struct EpollBackend {
    epfd: Option<OwnedFd>,
    events: Vec<epoll_event>,
    /// The generation of the last `add` (0 before the first; wrapping, skipping 0): a ghost's
    /// generation matches a later registration of its number only if a multiple of 2^32 - 1
    /// registrations were made in between.
    generation: u32,
    /// Counts `wait` calls, for `Mark::seen` (wrapping: once every 2^32 waits a stale mark
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
    /// key-map lookup per entry, in the entry the caller reads the key from next.
    #[inline]
    fn collect(
        &mut self,
        keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
        strict: bool,
    ) -> Option<bool> {
        self.round = self.round.wrapping_add(1);
        let round = self.round;
        let mut woken = false;
        for e in &self.events {
            let (bits, data) = (e.events, e.u64);
            // The low half of the tag is the fd (non-negative: the kernel took it).
            let fd = data as u32;
            let (mark, registered) = match keys.mark_mut(fd) {
                Some((mark, registered))
                    if mark.generation.get() == (data >> 32) as u32 && mark.seen != round =>
                {
                    (mark, registered)
                }
                _ if data == WAKER_TAG => {
                    woken = true;
                    continue;
                }
                _ if strict => return None,
                _ => continue,
            };
            mark.seen = round;
            let events = from_poll_like(bits, IN, OUT) & registered;
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
        keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
        start: usize,
        max: usize,
    ) -> Result<bool> {
        ready.truncate(start);
        self.rebuild(keys)?;
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        syscall::epoll_wait(epfd, &mut self.events, max, 0)?;
        Ok(self.collect(keys, ready, false).unwrap_or(false))
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
    fn rebuild(&mut self, keys: &impl Marks) -> Result<()> {
        let old = self.epfd()?;
        let new = syscall::epoll_create()?;
        keys.for_each_mark(|fd, mark, events| {
            let _ = syscall::epoll_ctl(
                &new,
                sys::EPOLL_CTL_ADD,
                fd,
                to_poll_like(events, IN, OUT),
                tag(fd, mark.generation),
            );
        });
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
        Ok(())
    }

    #[inline]
    fn added_mark(&self) -> Mark {
        Mark {
            // The generation `add` just used (never 0 after an add).
            generation: NonZeroU32::new(self.generation).unwrap_or(NonZeroU32::MIN),
            seen: self.round,
        }
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events, mark: Mark) -> Result<()> {
        let bits = to_poll_like(new, IN, OUT);
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        // The key map holds the new events once the kernel has accepted them.
        syscall::epoll_ctl(epfd, sys::EPOLL_CTL_MOD, fd, bits, tag(fd, mark.generation))
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        syscall::epoll_ctl(self.epfd()?, sys::EPOLL_CTL_DEL, fd, 0, 0)
    }

    // One call site (select_ready's loop); inlining it there saves a call frame per wait.
    #[inline(always)]
    fn wait(
        &mut self,
        timeout: Option<Duration>,
        keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        // A registered fd normally has one entry of its generation, so nkeys slots hold them
        // all, and the spare one makes sure that a returned batch holds a ghost or a second
        // entry for some fd (possible after an `EPOLL_CTL_MOD` that named a ghost: the number
        // now refers to the ghost's file again) whenever there is one that is ready.
        let max = keys
            .len()
            .saturating_add(1 + usize::from(self.waker.is_some()));
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        syscall::epoll_wait(epfd, &mut self.events, max, timeout::to_millis(timeout))?;
        let start = ready.len();
        let woken = match self.collect(keys, ready, true) {
            Some(woken) => woken,
            None => self.recollect(keys, ready, start, max)?,
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

    /// epoll keeps nothing per fd of its own: its per-registration words are in the key map's
    /// entries, whose `Option` they give a niche (the figures of src/registry.rs).
    #[test]
    fn marks_live_in_the_key_map() {
        assert_eq!(core::mem::size_of::<Mark>(), 8);
        assert_eq!(
            core::mem::size_of::<Option<crate::registry::Entry<RawFd, ()>>>(),
            20
        );
        // fileobj, fd and events (4 bytes each), the data (a usize: 8 or 4 bytes, aligned),
        // then the 8-byte mark: 32 bytes on 64-bit targets, 24 on 32-bit ones (i686, armv7).
        let want = if cfg!(target_pointer_width = "64") {
            32
        } else {
            24
        };
        assert_eq!(
            core::mem::size_of::<Option<crate::registry::Entry<RawFd, usize>>>(),
            want
        );
    }
}
