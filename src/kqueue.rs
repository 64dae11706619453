//! [`KqueueSelector`]: `kqueue(2)`, Python's `selectors.KqueueSelector` (macOS, iOS, FreeBSD,
//! NetBSD, OpenBSD, DragonFly).
//!
//! The decisions (change lists, receipts, rollback, filter count, merging) live in
//! `kqueue_logic`. The backend itself ([`KqueueBackend`]) is generic over the kernel calls
//! ([`Kernel`]): [`SystemKqueue`], the only one the crate has, converts to and from
//! `struct kevent` and makes the calls (it exists on the kqueue OSes only, and is the default
//! type parameter, so `KqueueSelector` is monomorphised exactly as before). The generic code
//! compiles on every unix target, so the tests run it on Linux over in-memory kqueues that
//! model each BSD's and macOS's kernel (`tests/kernels/kqueue.rs`).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::kqueue_logic::{self as logic, collect_ready, Changes, FilterCount, Receipts};
pub use crate::kqueue_logic::{Action, Change, Filter, Kev, EV_EOF, EV_ERROR, USER_IDENT};
use crate::selector::{GenericSelector, Interface, KernelObject, Mark, Marks, Sealed, WOKEN};
use crate::waker::{Shared, Source, Trigger};
use crate::{Error, Events, RawFd, Result};

#[cfg(ioselectors_kqueue)]
mod system;
#[cfg(ioselectors_kqueue)]
pub use system::SystemKqueue;
#[cfg(test)]
mod tests;

/// `EINVAL`: what a kernel without `EVFILT_USER` answers to the waker's `EV_ADD` (NetBSD
/// before 10, OpenBSD before 7.5). The same value on every kqueue OS and on Linux.
pub const EINVAL: i32 = 22;

/// The kernel calls of [`KqueueBackend`], in the plain types of the backend's logic (no
/// `struct kevent`). **Test plumbing**, hidden from the docs: the crate's only implementation
/// is [`SystemKqueue`] (the real `kqueue(2)`), the default; the tests implement it with
/// in-memory models of each kernel. One value is one kqueue; it is shared (`Arc`) with the
/// [`Waker`](crate::Waker)s when the waker is its `EVFILT_USER` filter ([`Trigger`]).
#[doc(hidden)]
pub trait Kernel: Trigger + Sized + 'static {
    /// The returned-entries buffer, reused between calls.
    type Events: fmt::Debug + Send + Sync;
    /// An empty buffer.
    fn new_events() -> Self::Events;
    /// The kqueue's fd. ([`Trigger::forked`] says whether this process still has it.)
    fn fileno(&self) -> RawFd;
    /// `kevent(kq, changes, nevents slots, timeout)`: each change `EV_ADD` or `EV_DELETE`
    /// with `EV_RECEIPT`; `events` is cleared, then holds the returned entries (at most
    /// `nevents`, raised to 1). A `None` timeout blocks.
    ///
    /// # Errors
    /// The call's errno.
    fn kevent(
        &self,
        changes: &[Change],
        events: &mut Self::Events,
        nevents: usize,
        timeout: Option<Duration>,
    ) -> Result<()>;
    /// `kevent` with the waker's change `{USER_IDENT, EVFILT_USER, EV_ADD | EV_CLEAR |
    /// EV_RECEIPT}`, one slot, no wait: `events` holds the receipt.
    ///
    /// # Errors
    /// The call's errno (on OpenBSD, which has no `EVFILT_USER` in its headers here, `EINVAL`
    /// without a call, as its kernel would answer).
    fn add_user(&self, events: &mut Self::Events) -> Result<()>;
    /// The number of entries in `events`.
    fn returned(events: &Self::Events) -> usize;
    /// Entry `i` of `events` (`i < returned(events)`).
    fn entry(events: &Self::Events, i: usize) -> Kev;
    /// The pipe waker of a kernel without `EVFILT_USER`: `None` (the default, and
    /// [`SystemKqueue`]'s answer) for a pipe of this process (an eventfd on Linux), made by the
    /// waker itself; a kernel whose fds are not the process's (the tests' rump kernel, a NetBSD
    /// kernel in userspace) makes its own pipe, watched at [`Trigger::fd`].
    ///
    /// # Errors
    /// The errno of making the pipe.
    fn wake_pipe(&self) -> Result<Option<Arc<dyn Trigger>>> {
        Ok(None)
    }
}

/// Python's `selectors.KqueueSelector`, over `kqueue(2)` and `kevent(2)`. macOS, iOS,
/// FreeBSD (12+), NetBSD, OpenBSD and DragonFly.
///
/// One filter per event, `EVFILT_READ` for READ and `EVFILT_WRITE` for WRITE, level-triggered
/// (no `EV_CLEAR`), identified by the fd (`ident`; no pointer is given to the kernel).
///
/// * `register` submits all its filters in one `kevent()` call with `EV_ADD | EV_RECEIPT` and
///   reads every receipt. If one filter is refused, the ones that went in are deleted again
///   and the first error is returned: nothing is left behind, in the kernel or the map.
/// * `modify` submits, in one call, an `EV_ADD` for every filter of the new mask and an
///   `EV_DELETE` for every filter it drops (READ → READ|WRITE adds READ again and WRITE).
///   Adding a filter that exists only updates it, and re-adding the kept one makes the kernel
///   match the key even when the fd was closed since (which removed its filters, kqueue(2))
///   and its number reused: the key then watches the new file for all its events, as a fresh
///   `register` would. If part fails, what went through is undone (a kept filter is not
///   deleted) and the key is dropped, as on every backend.
/// * `unregister` deletes the key's filters in one call; `ENOENT` and `EBADF` (the fd was
///   closed, which removed its filters) are ignored, as in CPython.
/// * `select` gives the kernel one event slot per registered filter (a READ|WRITE key counts
///   two, as CPython since gh-110038), and never zero slots (bpo-29255). Entries with
///   `EV_ERROR` are not readiness and are skipped; `EV_EOF` on a filter reports that filter's
///   event.
///
/// Timeouts are a `timespec`, rounded up to the nanosecond and capped at 10⁸ seconds per call
/// (longer waits continue on the deadline).
///
/// The waker (`waker()`) is an `EVFILT_USER` filter (ident 0, `EV_CLEAR`) on this kqueue,
/// triggered with `NOTE_TRIGGER`; its idents are not fds, so it cannot collide with a
/// registration. The waker shares the kqueue fd: after `close()` the kqueue stays open, with
/// the filters it had (nobody waits on it any more; a filter holds no reference to its file),
/// until the last `Waker` is dropped. Where the kernel answers `EINVAL` to adding an
/// `EVFILT_USER` filter (NetBSD before 10, OpenBSD before 7.5, golang/go#66760,
/// nanomsg/nng#1232), the waker is a non-blocking pipe watched with `EVFILT_READ` instead,
/// decided by that answer, not by the OS version. A stale key whose number the pipe now has
/// (the key's fd was closed without `unregister`) never reaches the kernel: `unregister` skips
/// the delete, `modify` fails with `ENOENT` (the key is dropped, as on epoll), so no wake is
/// lost to it.
///
/// After `fork(2)` the child has no kqueue (kqueue(2): "The queue is not inherited by a child
/// created with fork(2)"; CPython gh-110395): the selector records `getpid()` at `kqueue()`
/// and, in a child, answers [`Error::Closed`](crate::Error::Closed) to everything, without a
/// call on that number and without closing it (it may be another file's now), and so do its
/// `Waker`s. This costs one `getpid()` per call.
///
/// The kqueue fd is made close-on-exec with `fcntl(F_SETFD, FD_CLOEXEC)` right after
/// `kqueue()`, which cannot do it atomically: a `fork`+`exec` in another thread in between
/// inherits it.
///
/// # Python equivalence
///
/// An fd ready for reading and writing is **one** `(key, READ | WRITE)` entry, as on every
/// other backend; CPython's `KqueueSelector` returns two entries with the same key, one per
/// filter. CPython adds each filter in its own `kevent()` call and, when the second fails,
/// leaves the first in the kernel; here the filters go in together and a partial failure is
/// undone.
///
/// ```
/// # #[cfg(ioselectors_kqueue)] {
/// use ioselectors::{BaseSelector, KqueueSelector};
/// let mut sel: KqueueSelector = KqueueSelector::new()?;
/// assert!(sel.fileno()? >= 0);
/// sel.close();
/// assert!(sel.fileno().is_err());
/// # }
/// # Ok::<(), ioselectors::Error>(())
/// ```
#[cfg(ioselectors_kqueue)]
pub type KqueueSelector<F = RawFd, D = ()> = GenericSelector<KqueueBackend, F, D>;

#[cfg(ioselectors_kqueue)]
impl<F, D> GenericSelector<KqueueBackend, F, D> {
    /// A new selector over a new kqueue (`kqueue()`, then `FD_CLOEXEC`).
    ///
    /// # Errors
    /// [`Error::Os`]: `EMFILE`/`ENFILE` when no fd is left, `ENOMEM`.
    pub fn new() -> Result<Self> {
        Ok(Self::with(KqueueBackend::new()?))
    }
}

impl<K: Kernel, F, D> GenericSelector<KqueueBackend<K>, F, D> {
    /// **Test plumbing**: a selector over the given kqueue (the tests' in-memory kernels).
    #[doc(hidden)]
    pub fn with_kernel(kernel: K) -> Self {
        Self::with(KqueueBackend::with_kernel(kernel))
    }
}

macro_rules! backend {
    ($($default:ty)?) => {
        /// The `kqueue(2)` backend of `KqueueSelector`, over the
        /// kernel calls `K` (the real ones by default; see [`Kernel`]).
        #[derive(Debug)]
        pub struct KqueueBackend<K: Kernel $(= $default)?> {
            /// Shared with the waker when it is an `EVFILT_USER` filter.
            kq: Option<Arc<K>>,
            /// Returned entries (receipts or events), reused between calls.
            events: K::Events,
            /// Filters registered, which sizes the event list.
            filters: FilterCount,
            /// The waker: `EVFILT_USER` on this kqueue, or a pipe's read end.
            waker: Option<Arc<Shared>>,
            /// The waker's fd when it is a pipe (or eventfd) watched with `EVFILT_READ`, else
            /// -1: registrations of that number are stale keys and never reach the kernel.
            waker_fd: RawFd,
        }
    };
}
#[cfg(ioselectors_kqueue)]
backend!(SystemKqueue);
#[cfg(not(ioselectors_kqueue))]
backend!();

impl<K: Kernel> Sealed for KqueueBackend<K> {}

impl<K: Kernel> KernelObject for KqueueBackend<K> {
    fn kernel_fd(&self) -> Result<RawFd> {
        self.fileno().ok_or(Error::Closed)
    }
}

#[cfg(ioselectors_kqueue)]
impl KqueueBackend {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self::with_kernel(SystemKqueue::new()?))
    }
}

impl<K: Kernel> KqueueBackend<K> {
    fn with_kernel(kernel: K) -> Self {
        KqueueBackend {
            kq: Some(Arc::new(kernel)),
            events: K::new_events(),
            filters: FilterCount::default(),
            waker: None,
            waker_fd: -1,
        }
    }

    pub(crate) fn fileno(&self) -> Option<RawFd> {
        self.kq
            .as_deref()
            .filter(|kq| !kq.forked())
            .map(Kernel::fileno)
    }

    /// The kqueue, or `Closed` after `close()` and in a `fork(2)` child, which did not
    /// inherit it: there the kqueue is released without closing its number (another file
    /// may have it) and no call is made on it.
    #[inline]
    fn kq(&mut self) -> Result<&Arc<K>> {
        if self.kq.as_deref().is_some_and(Trigger::forked) {
            self.close();
        }
        self.kq.as_ref().ok_or(Error::Closed)
    }

    /// One `kevent()` call submitting `changes` with receipts, one event slot per change (so
    /// nothing but receipts fits) and no wait: the receipts, or the call's errno.
    fn submit(
        kq: &K,
        events: &mut K::Events,
        changes: &Changes,
    ) -> core::result::Result<Receipts, i32> {
        let mut list = [Change {
            fd: 0,
            filter: Filter::Read,
            action: Action::Delete,
        }; 2];
        let mut n = 0;
        for (slot, change) in list.iter_mut().zip(changes.iter()) {
            *slot = change;
            n += 1;
        }
        match kq.kevent(&list[..n], events, n, Some(Duration::ZERO)) {
            Ok(()) => Ok(Self::receipts(events)),
            Err(Error::Os(errno)) => Err(errno),
            Err(_) => Err(EINVAL),
        }
    }

    /// The receipts (`EV_ERROR` entries) of the last [`submit`](Self::submit): at most one per
    /// change, so two. Other entries (readiness, returned by a kernel that ignores
    /// `EV_RECEIPT`) are not receipts; the level-triggered filters report them again.
    fn receipts(events: &K::Events) -> Receipts {
        let mut out = [Kev::NONE; 2];
        let receipts = (0..K::returned(events))
            .map(|i| K::entry(events, i))
            .filter(|k| k.flags & EV_ERROR != 0);
        for (slot, k) in out.iter_mut().zip(receipts) {
            *slot = k;
        }
        out
    }

    /// Check that the selector is open, then [`logic::apply`] `changes`.
    fn apply(&mut self, changes: &Changes) -> Result<()> {
        self.kq()?;
        let (Some(kq), events) = (self.kq.as_deref(), &mut self.events) else {
            return Err(Error::Closed);
        };
        logic::apply(changes, |c| Self::submit(kq, events, c)).map_err(Error::Os)
    }
}

impl<K: Kernel> Interface for KqueueBackend<K> {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        self.kq()?;
        if fd == self.waker_fd {
            // The waker's own fd, registered by number: its filter is the waker's.
            return Err(Error::Os(EEXIST));
        }
        self.apply(&Changes::add(fd, events))?;
        self.filters.added(events);
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, old: Events, new: Events, _mark: Mark) -> Result<()> {
        self.kq()?;
        if fd == self.waker_fd {
            // A stale key: its fd was closed (which removed its filters) and the number is
            // the waker's now. As epoll: ENOENT, and the caller drops the key.
            return Err(Error::Os(logic::ENOENT));
        }
        // On failure the caller drops the key and calls `remove(fd, old)`, which uncounts it;
        // `apply` has put the kernel back to `old` as far as it could.
        self.apply(&Changes::modify(fd, old, new))?;
        self.filters.modified(old, new);
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, events: Events) -> Result<()> {
        // Whatever the kernel says, the filters are gone (deleted, or removed with the fd).
        self.filters.removed(events);
        self.kq()?;
        if fd == self.waker_fd {
            // A stale key (see `modify`): its filters went with the close; deleting now
            // would delete the waker's.
            return Ok(());
        }
        let (Some(kq), evs) = (self.kq.as_deref(), &mut self.events) else {
            return Err(Error::Closed);
        };
        logic::remove(fd, events, |c| Self::submit(kq, evs, c)).map_err(Error::Os)
    }

    fn wait(
        &mut self,
        timeout: Option<Duration>,
        _keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        self.kq()?;
        let Some(kq) = self.kq.as_deref() else {
            return Err(Error::Closed);
        };
        let waker_slot = usize::from(self.waker.is_some());
        let nevents = self.filters.max_events().saturating_add(waker_slot);
        kq.kevent(&[], &mut self.events, nevents, timeout)?;
        let pipe = self.waker_fd as usize;
        let start = ready.len();
        let events = &self.events;
        collect_ready(
            (0..K::returned(events)).map(|i| {
                let mut kev = K::entry(events, i);
                // A pipe waker: its EVFILT_READ entry is the wake.
                kev.user |= kev.filter == Some(Filter::Read) && kev.ident == pipe;
                kev
            }),
            ready,
        );
        if ready[start..].last() == Some(&(WOKEN, Events::EMPTY)) {
            if let Some(waker) = &self.waker {
                waker.drain();
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        self.kq = None;
        self.events = K::new_events();
        self.filters = FilterCount::default();
        self.waker = None;
        self.waker_fd = -1;
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        let kq = Arc::clone(self.kq()?);
        // EVFILT_USER where the kernel has it; a kernel without it (NetBSD before 10, OpenBSD
        // before 7.5) answers EINVAL, and the waker is then a pipe watched with EVFILT_READ,
        // as mio and polling do there (golang/go#66760, nanomsg/nng#1232).
        let user = match kq.add_user(&mut self.events) {
            Ok(()) => Self::receipts(&self.events)
                .iter()
                .find(|k| k.user && k.flags & EV_ERROR != 0 && k.data != 0)
                .map_or(Ok(()), |k| Err(i32::try_from(k.data).unwrap_or(EINVAL))),
            Err(Error::Os(errno)) => Err(errno),
            Err(err) => return Err(err),
        };
        let shared = match user {
            Ok(()) => Shared::new(Source::Kernel(kq)),
            Err(EINVAL) => {
                let shared = match kq.wake_pipe()? {
                    Some(pipe) => Shared::new(Source::Kernel(pipe)),
                    None => Shared::new(Source::new_fd()?),
                };
                let change = Changes::add(shared.fd(), Events::READ);
                if let Err(errno) = Self::submit(&kq, &mut self.events, &change)
                    .and_then(|r| logic::settle(&change, &r).error.map_or(Ok(()), Err))
                {
                    return Err(Error::Os(errno));
                }
                self.waker_fd = shared.fd();
                shared
            }
            Err(errno) => return Err(Error::Os(errno)),
        };
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}

/// `EEXIST`: the waker's fd registered by number (same value on every kqueue OS and Linux).
const EEXIST: i32 = 17;
