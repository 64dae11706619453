//! [`KqueueSelector`]: `kqueue(2)`, Python's `selectors.KqueueSelector` (macOS, iOS, FreeBSD,
//! NetBSD, OpenBSD, DragonFly).
//!
//! The decisions (change lists, receipts, rollback, filter count, merging) live in
//! `kqueue_logic`, which is compiled on every unix target and unit-tested on Linux; this file
//! only converts to and from `struct kevent` and makes the calls.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;

use ioselectors_sys::{self as sys, kevent};

use crate::kqueue_logic::{
    self as logic, collect_ready, Action, Changes, Filter, FilterCount, Kev, Receipts,
};
use crate::selector::{GenericSelector, Interface, KernelObject, Sealed, WOKEN};
use crate::syscall::{self, KeventList, OwnedFd};
use crate::waker::{Shared, Source};
use crate::{timeout, Error, Events, RawFd, Result};

// The logic module mirrors these values so that it builds without the sys crate's kqueue items.
const _: () = assert!(sys::EV_ERROR as u32 == logic::EV_ERROR);
const _: () = assert!(sys::EV_EOF as u32 == logic::EV_EOF);
const _: () = assert!(sys::ENOENT == logic::ENOENT && sys::EBADF == logic::EBADF);

/// Python's `selectors.KqueueSelector`, over `kqueue(2)` and `kevent(2)`. macOS, iOS,
/// FreeBSD (12+), NetBSD, OpenBSD and DragonFly.
///
/// One filter per event, `EVFILT_READ` for READ and `EVFILT_WRITE` for WRITE, level-triggered
/// (no `EV_CLEAR`), identified by the fd (`ident`; no pointer is given to the kernel).
///
/// * `register` submits all its filters in one `kevent()` call with `EV_ADD | EV_RECEIPT` and
///   reads every receipt. If one filter is refused, the ones that went in are deleted again
///   and the first error is returned: nothing is left behind, in the kernel or the map.
/// * `modify` changes only the filters that differ (READ → WRITE adds WRITE and deletes READ,
///   READ → READ|WRITE adds WRITE), in one call, and undoes what went through if part fails
///   (after which the key is dropped, as on every backend).
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
/// registration. The waker shares the kqueue fd: after `close()` the (emptied) kqueue stays
/// open until the last `Waker` is dropped. OpenBSD, whose `EVFILT_USER` is recent, uses a
/// non-blocking pipe watched with `EVFILT_READ` instead.
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
pub type KqueueSelector<F = RawFd, D = ()> = GenericSelector<KqueueBackend, F, D>;

impl<F, D> GenericSelector<KqueueBackend, F, D> {
    /// A new selector over a new kqueue (`kqueue()`, then `FD_CLOEXEC`).
    ///
    /// # Errors
    /// [`Error::Os`]: `EMFILE`/`ENFILE` when no fd is left, `ENOMEM`.
    pub fn new() -> Result<Self> {
        Ok(Self::with(KqueueBackend::new()?))
    }
}

/// The `kqueue(2)` backend of [`KqueueSelector`].
#[derive(Debug)]
pub struct KqueueBackend {
    /// Shared with the waker on the OSes where it is an `EVFILT_USER` filter.
    kq: Option<Arc<OwnedFd>>,
    /// Returned entries (receipts or events), reused between calls.
    events: KeventList,
    /// Filters registered, which sizes the event list.
    filters: FilterCount,
    /// The waker: `EVFILT_USER` on this kqueue, or (OpenBSD) a pipe's read end.
    waker: Option<Arc<Shared>>,
}

impl Sealed for KqueueBackend {}

impl KernelObject for KqueueBackend {
    fn kernel_fd(&self) -> Option<RawFd> {
        self.fileno()
    }
}

/// A change as a `struct kevent`: `EV_ADD` or `EV_DELETE`, always with `EV_RECEIPT`.
fn to_kevent(change: logic::Change) -> kevent {
    let filter = match change.filter {
        Filter::Read => sys::EVFILT_READ,
        Filter::Write => sys::EVFILT_WRITE,
    };
    let action = match change.action {
        Action::Add => sys::EV_ADD,
        Action::Delete => sys::EV_DELETE,
    };
    kevent {
        ident: change.fd as sys::uintptr_t,
        filter,
        flags: action | sys::EV_RECEIPT,
        fflags: 0,
        data: 0,
        udata: core::ptr::null_mut(),
        #[cfg(target_os = "freebsd")]
        ext: [0; 4],
    }
}

/// The waker's `EVFILT_USER` change (ident [`logic::USER_IDENT`]): added with `EV_CLEAR` and a
/// receipt, or (`trigger`) fired with `NOTE_TRIGGER`.
#[cfg(not(target_os = "openbsd"))]
fn user_kevent(trigger: bool) -> kevent {
    kevent {
        ident: logic::USER_IDENT as sys::uintptr_t,
        filter: sys::EVFILT_USER,
        flags: if trigger {
            0
        } else {
            sys::EV_ADD | sys::EV_CLEAR | sys::EV_RECEIPT
        },
        fflags: if trigger { sys::NOTE_TRIGGER } else { 0 },
        data: 0,
        udata: core::ptr::null_mut(),
        #[cfg(target_os = "freebsd")]
        ext: [0; 4],
    }
}

/// `Waker::wake` on kqueue: one `kevent()` call with the `NOTE_TRIGGER` change and no event
/// list (so it returns at once, without allocating).
#[cfg(not(target_os = "openbsd"))]
pub(crate) fn trigger(kq: &OwnedFd) -> Result<()> {
    syscall::kevent_submit(kq, &user_kevent(true))
}

/// A returned `struct kevent`, reduced to what the logic reads.
// `data` is intptr_t or int64_t, `flags` u16 or u32, depending on the OS.
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn from_kevent(k: &kevent) -> Kev {
    let filter = if k.filter == sys::EVFILT_READ {
        Some(Filter::Read)
    } else if k.filter == sys::EVFILT_WRITE {
        Some(Filter::Write)
    } else {
        None
    };
    #[cfg(not(target_os = "openbsd"))]
    let user = k.filter == sys::EVFILT_USER;
    #[cfg(target_os = "openbsd")]
    let user = false;
    Kev {
        ident: k.ident as usize,
        filter,
        flags: u32::from(k.flags),
        data: k.data as i64,
        user,
    }
}

impl KqueueBackend {
    pub(crate) fn new() -> Result<Self> {
        Ok(KqueueBackend {
            kq: Some(Arc::new(syscall::kqueue()?)),
            events: KeventList::new(),
            filters: FilterCount::default(),
            waker: None,
        })
    }

    pub(crate) fn fileno(&self) -> Option<RawFd> {
        self.kq.as_deref().map(OwnedFd::raw)
    }

    /// One `kevent()` call submitting `changes` with receipts and no wait: the receipts, or
    /// the call's errno.
    fn submit(&mut self, changes: &Changes) -> core::result::Result<Receipts, i32> {
        let kq = self.kq.as_deref().ok_or(sys::EBADF)?;
        // At most two changes, on the stack (the placeholder entries are never submitted).
        let placeholder = logic::Change {
            fd: 0,
            filter: Filter::Read,
            action: Action::Delete,
        };
        let mut list = [to_kevent(placeholder); 2];
        let mut n = 0;
        for (slot, change) in list.iter_mut().zip(changes.iter()) {
            *slot = to_kevent(change);
            n += 1;
        }
        self.events.clear();
        // One slot per change for its receipt.
        self.events.reserve(n);
        // A zero timeout: with EV_RECEIPT the call returns the receipts at once; a kernel
        // without EV_RECEIPT must not block either.
        let zero = timeout::to_timespec(Duration::ZERO);
        match syscall::kevent(kq, &list[..n], &mut self.events, Some(zero)) {
            Ok(_) => Ok(self.receipts()),
            Err(Error::Os(errno)) => Err(errno),
            Err(_) => Err(sys::EINVAL),
        }
    }

    /// The receipts (`EV_ERROR` entries) of the last [`submit`](Self::submit), converted: at
    /// most one per change, so two. Other entries (readiness, returned by a kernel that ignores
    /// `EV_RECEIPT`) are not receipts; the level-triggered filters report them again.
    fn receipts(&self) -> Receipts {
        let mut out = [Kev::NONE; 2];
        let receipts = self
            .events
            .as_slice()
            .iter()
            .map(from_kevent)
            .filter(|k| k.flags & logic::EV_ERROR != 0);
        for (slot, k) in out.iter_mut().zip(receipts) {
            *slot = k;
        }
        out
    }

    /// Check that the selector is open, then [`logic::apply`] `changes`.
    fn apply(&mut self, changes: &Changes) -> Result<()> {
        if self.kq.is_none() {
            return Err(Error::Closed);
        }
        logic::apply(changes, |c| self.submit(c)).map_err(Error::Os)
    }
}

impl Interface for KqueueBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        self.apply(&Changes::add(fd, events))?;
        self.filters.added(events);
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, old: Events, new: Events) -> Result<()> {
        // On failure the caller drops the key and calls `remove(fd, old)`, which uncounts it;
        // `apply` has put the kernel back to `old` as far as it could.
        self.apply(&Changes::modify(fd, old, new))?;
        self.filters.modified(old, new);
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, events: Events) -> Result<()> {
        // Whatever the kernel says, the filters are gone (deleted, or removed with the fd).
        self.filters.removed(events);
        if self.kq.is_none() {
            return Err(Error::Closed);
        }
        logic::remove(fd, events, |c| self.submit(c)).map_err(Error::Os)
    }

    fn wait(
        &mut self,
        timeout: Option<Duration>,
        _nkeys: usize,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        let kq = self.kq.as_deref().ok_or(Error::Closed)?;
        self.events.clear();
        let waker_slot = usize::from(self.waker.is_some());
        self.events
            .reserve(self.filters.max_events().saturating_add(waker_slot));
        let ts = timeout.map(timeout::to_timespec);
        syscall::kevent(kq, &[], &mut self.events, ts)?;
        let pipe = self.waker.as_ref().map_or(usize::MAX, |w| w.fd() as usize);
        let start = ready.len();
        collect_ready(
            self.events.as_slice().iter().map(|k| {
                let mut kev = from_kevent(k);
                // OpenBSD's waker is a pipe: its EVFILT_READ entry is the wake.
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
        self.events = KeventList::new();
        self.filters = FilterCount::default();
        self.waker = None;
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        let kq = self.kq.as_ref().ok_or(Error::Closed)?;
        #[cfg(not(target_os = "openbsd"))]
        let (shared, change) = (
            Shared::new(Source::User(Arc::clone(kq))),
            user_kevent(false),
        );
        #[cfg(target_os = "openbsd")]
        let (shared, change) = {
            let shared = Shared::new(Source::new_fd()?);
            let change = to_kevent(logic::Change {
                fd: shared.fd(),
                filter: Filter::Read,
                action: Action::Add,
            });
            (shared, change)
        };
        self.events.clear();
        self.events.reserve(1);
        let zero = timeout::to_timespec(Duration::ZERO);
        syscall::kevent(kq, &[change], &mut self.events, Some(zero))?;
        // The receipt: EV_ERROR with data = 0 when the filter went in.
        #[allow(clippy::unnecessary_cast)]
        if let Some(errno) = self
            .events
            .as_slice()
            .iter()
            .find(|k| u32::from(k.flags) & logic::EV_ERROR != 0 && k.data != 0)
            .map(|k| k.data as i32)
        {
            return Err(Error::Os(errno));
        }
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}
