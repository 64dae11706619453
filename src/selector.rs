//! The [`BaseSelector`] contract and [`GenericSelector`], the one implementation of it that every
//! backend shares (Python's `_BaseSelectorImpl` plus its subclasses' bookkeeping).

use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use alloc::sync::Arc;

use crate::registry::{Registry, SelectorMap};
use crate::timeout::Deadline;
use crate::waker::{Owner, Shared};
use crate::{Error, Events, FileObj, RawFd, Result, SelectorKey, Waker};

/// The fd a backend's `wait` reports, with empty events, when it drained the waker: no key
/// has it (negative on unix, `INVALID_SOCKET` on Windows), so it is never a result.
#[cfg(unix)]
pub(crate) const WOKEN: RawFd = -1;
/// The fd a backend's `wait` reports, with empty events, when it drained the waker: no key
/// has it (negative on unix, `INVALID_SOCKET` on Windows), so it is never a result.
#[cfg(windows)]
pub(crate) const WOKEN: RawFd = ioselectors_sys::INVALID_SOCKET;

/// Python's `selectors.BaseSelector`: register file objects with an event mask and attached
/// data, then wait until some are ready.
///
/// Every selector type implements it with the same semantics (those of CPython, made
/// consistent between backends; see the crate docs and the README's "Differences from
/// CPython"):
///
/// * A closed selector answers [`Error::Closed`] to everything but `close` and `get_map`,
///   and makes no system call.
/// * `register` checks the mask, then the fd, then whether the fd is already registered, and
///   only then asks the kernel; on any error nothing is left behind.
/// * `modify`, `unregister` and `get_key` look the fd up first ([`Error::NotRegistered`]);
///   `modify` then checks the mask, and an invalid mask leaves the registration untouched.
/// * `select` returns one entry per ready key, with the ready events masked by the key's
///   events (never empty), and waits at least the timeout when nothing is ready, retrying
///   interrupted waits (`EINTR`) against the original deadline.
///
/// ```
/// # #[cfg(all(unix, feature = "std"))] {
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use std::time::Duration;
/// use ioselectors::{BaseSelector, DefaultSelector, EVENT_READ};
///
/// let (mut a, b) = UnixStream::pair()?;
/// let mut sel = DefaultSelector::new()?;
/// sel.register(&b, EVENT_READ, "b")?;
/// assert!(sel.select(Some(Duration::ZERO))?.is_empty());
/// a.write_all(b"hi")?;
/// let ready = sel.select(Some(Duration::from_secs(5)))?;
/// assert_eq!(ready.len(), 1);
/// assert_eq!((ready[0].0.data, ready[0].1), ("b", EVENT_READ));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait BaseSelector<F: FileObj, D> {
    /// Python's `register(fileobj, events, data=None)`: watch `fileobj` for `events`.
    ///
    /// # Errors
    /// [`Error::Closed`]; [`Error::InvalidEvents`] for an empty mask or unknown bits;
    /// [`Error::InvalidFd`] for a negative fd (or one the backend cannot take at all);
    /// [`Error::AlreadyRegistered`]; [`Error::Os`] when the kernel refuses, e.g. `EBADF` for a
    /// closed fd on every unix backend (`WSAENOTSOCK` on Windows), `EPERM` for a regular file
    /// on epoll.
    #[inline(always)]
    fn register(&mut self, fileobj: F, events: Events, data: D) -> Result<&SelectorKey<F, D>> {
        self.try_register(fileobj, events, data)
            .map_err(|rejected| rejected.error)
    }

    /// [`register`](BaseSelector::register) that loses nothing: on failure the file object and
    /// the data come back in the [`Rejected`] error, so a `TcpStream` registered by value is
    /// not dropped (closed) by a refused registration.
    ///
    /// A file object registered by value belongs to the selector from then on: walk the ready
    /// keys with [`select_into`](BaseSelector::select_into) (no `Clone` bound, unlike
    /// [`select`](BaseSelector::select)), use the object in place through
    /// [`get_key_mut`](BaseSelector::get_key_mut), and take it back with
    /// [`unregister`](BaseSelector::unregister). See the README's "Owning or borrowing file
    /// objects".
    ///
    /// ```
    /// # #[cfg(all(unix, feature = "std"))] {
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use ioselectors::{BaseSelector, Error, Events, PollSelector};
    ///
    /// let (a, _b) = UnixStream::pair()?;
    /// let mut sel: PollSelector<UnixStream, &str> = PollSelector::new();
    /// let rejected = sel.try_register(a, Events::EMPTY, "a").unwrap_err();
    /// assert_eq!(rejected.error, Error::InvalidEvents(0));
    /// let mut a = rejected.fileobj; // still open
    /// a.write_all(b"still usable")?;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`register`](BaseSelector::register), wrapped in [`Rejected`].
    fn try_register(
        &mut self,
        fileobj: F,
        events: Events,
        data: D,
    ) -> Result<&SelectorKey<F, D>, Rejected<F, D>>;

    /// Python's `unregister(fileobj)`: stop watching `fileobj` and return its key.
    ///
    /// Succeeds for an fd that was closed (or whose number was reused) since it was registered:
    /// the kernel's `EBADF`/`ENOENT` is ignored, as in Python.
    ///
    /// # Errors
    /// [`Error::Closed`]; [`Error::InvalidFd`] for a negative fd; [`Error::NotRegistered`].
    fn unregister<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<SelectorKey<F, D>>;

    /// Python's `modify(fileobj, events, data=None)`: change a registration's events and data.
    ///
    /// A data-only change makes no system call; an events change makes at most one (none on select
    /// and poll, which only update their own tables; one `EPOLL_CTL_MOD` on epoll). If that call
    /// fails the key is dropped, as CPython does since bpo-30014, and any kernel registration left
    /// behind is removed.
    ///
    /// # Errors
    /// [`Error::Closed`]; [`Error::InvalidFd`]; [`Error::NotRegistered`];
    /// [`Error::InvalidEvents`] (the registration is left as it was); [`Error::Os`].
    fn modify<G: FileObj + ?Sized>(
        &mut self,
        fileobj: &G,
        events: Events,
        data: D,
    ) -> Result<&SelectorKey<F, D>>;

    /// Python's `select(timeout=None)`: wait until some registered file objects are ready, or
    /// the timeout passes, and return `(key, ready events)` pairs, one per key.
    ///
    /// `None` blocks; `Some(Duration::ZERO)` polls (still one system call). Keys are owned
    /// copies, so the caller may register, modify or unregister while walking them. For a
    /// loop that must not allocate, use [`select_ready`](BaseSelector::select_ready).
    ///
    /// Unregister a file object before closing it. On epoll, an fd closed while registered
    /// whose open file lives on through a `dup` stays in the kernel's interest list
    /// (epoll(7), Q6): while its key is registered, its readiness is reported under it (as in
    /// CPython); once unregistered it is never reported, not even under a key registered
    /// later with that number, and it does not end the wait early (CPython's
    /// `EpollSelector` can return an empty list before the timeout then).
    ///
    /// # Errors
    /// [`Error::Closed`]; [`Error::Os`] from the kernel (e.g. `EBADF` from `select(2)` when a
    /// registered fd was closed).
    #[inline]
    fn select(&mut self, timeout: Option<Duration>) -> Result<Vec<(SelectorKey<F, D>, Events)>>
    where
        F: Clone,
        D: Clone,
    {
        // One allocation of exactly the ready count (`Ready` knows it), filled in one pass.
        let ready = self.select_ready(timeout)?;
        let mut out = Vec::with_capacity(ready.len());
        for (key, events) in ready {
            out.push((key.clone(), events));
        }
        Ok(out)
    }

    /// [`select`](BaseSelector::select) without allocating: the ready keys are borrowed from
    /// the selector, and the buffers behind them are reused from call to call.
    ///
    /// Allocation-free in the steady state, not on every call: the first call sizes the
    /// buffers, and a call after the registrations have grown past what they hold may grow
    /// them again, and the first call after unregistrations may give memory back (one free or
    /// shrink); calls in between allocate nothing (`tests/alloc_free.rs` counts).
    ///
    /// # Errors
    /// As [`select`](BaseSelector::select).
    fn select_ready(&mut self, timeout: Option<Duration>) -> Result<Ready<'_, F, D>>;

    /// [`select`](BaseSelector::select) into a reusable [`ReadySet`], for owned file objects:
    /// the set holds a [`Token`] (which names the key) and the ready events per ready key, and
    /// borrows nothing from the selector, so the loop over it may read and write the registered
    /// objects ([`get_key_mut`](BaseSelector::get_key_mut)), change their data, and register,
    /// modify and unregister keys, with no `Clone` bound on `F` or `D`.
    ///
    /// The set is cleared first. Allocation-free in the steady state, like
    /// [`select_ready`](BaseSelector::select_ready) (on the selectors of this crate the set and
    /// the selector's buffer trade places: no copy). A key unregistered by the loop before its
    /// turn is answered [`Error::NotRegistered`] by `get_key_mut`: skip it, as Python code
    /// checks `key.fileobj in self._fd_to_key` (a new key registered meanwhile on the same fd
    /// number, possible only once the old fd was closed, is what the token then reaches).
    ///
    /// ```
    /// # #[cfg(all(unix, feature = "std"))] {
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use std::time::Duration;
    /// use ioselectors::{BaseSelector, DefaultSelector, ReadySet, EVENT_READ};
    ///
    /// let (mut a, b) = UnixStream::pair()?;
    /// let mut sel: DefaultSelector<UnixStream, Vec<u8>> = DefaultSelector::new()?;
    /// sel.register(b, EVENT_READ, Vec::new())?; // owned: no Clone, no raw fd
    /// a.write_all(b"hi")?;
    /// drop(a);
    /// let mut ready = ReadySet::new();
    /// while !sel.is_empty() {
    ///     sel.select_into(Some(Duration::from_secs(5)), &mut ready)?;
    ///     for (token, _events) in &ready {
    ///         let key = sel.get_key_mut(&token)?;
    ///         let mut buf = [0; 64];
    ///         let n = key.fileobj.read(&mut buf)?; // the registered object, read in place
    ///         key.data.extend_from_slice(&buf[..n]);
    ///         if n == 0 {
    ///             let key = sel.unregister(&token)?; // hands the object and data back
    ///             assert_eq!(key.data, b"hi");
    ///         }
    ///     }
    /// }
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`select`](BaseSelector::select); the set is then empty.
    fn select_into(&mut self, timeout: Option<Duration>, ready: &mut ReadySet) -> Result<()> {
        ready.entries.clear();
        let found = self.select_ready(timeout)?;
        ready
            .entries
            .extend(found.map(|(key, events)| (key.fd, events)));
        Ok(())
    }

    /// [`select_into`](BaseSelector::select_into) with a deadline instead of a timeout: Python's
    /// `timeout = endtime - time()` loops (`subprocess`'s `_remaining_time`,
    /// `multiprocessing.connection.wait`) without a negative [`Duration`]. A deadline already
    /// past polls once (as Python's `select` does with a negative timeout); `None` blocks. The
    /// time left is measured once, on entry, then the EINTR and rounding rules are those of
    /// `select`. With `std` only (`Instant` is std's clock); without it, pass the time left to
    /// `select_into`.
    ///
    /// # Errors
    /// As [`select`](BaseSelector::select).
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    fn select_until(
        &mut self,
        deadline: Option<std::time::Instant>,
        ready: &mut ReadySet,
    ) -> Result<()> {
        let timeout = deadline.map(|end| end.saturating_duration_since(std::time::Instant::now()));
        self.select_into(timeout, ready)
    }

    /// Python's `close()`: release the kernel object and forget every key. Idempotent;
    /// dropping the selector does the same.
    fn close(&mut self);

    /// Python's `get_key(fileobj)`: the key `fileobj` is registered with.
    ///
    /// # Errors
    /// [`Error::Closed`] (Python's `RuntimeError`); [`Error::InvalidFd`];
    /// [`Error::NotRegistered`].
    fn get_key<G: FileObj + ?Sized>(&self, fileobj: &G) -> Result<&SelectorKey<F, D>>;

    /// Python's `get_map()`: a read-only view of the registrations, `None` once closed.
    fn get_map(&self) -> Option<SelectorMap<'_, F, D>>;

    /// Mutable access to the registered object and its data: the key `fileobj` (or a
    /// [`Token`] from a [`ReadySet`]) is registered with, as a [`KeyMut`]. Read from and write
    /// to the object you registered by value, change the data in place.
    ///
    /// The key's fd and events stay read-only (change the events with
    /// [`modify`](BaseSelector::modify)). Do not replace the object with one that has another
    /// fd: the registration stays under the old fd (unregister it first).
    ///
    /// # Errors
    /// As [`get_key`](BaseSelector::get_key).
    fn get_key_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<KeyMut<'_, F, D>>;

    /// The registered object itself, mutably: `get_key_mut(fileobj)?.fileobj`.
    ///
    /// # Errors
    /// As [`get_key`](BaseSelector::get_key).
    fn fileobj_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<&mut F>;

    /// The attached data, mutably: `get_key_mut(fileobj)?.data`.
    ///
    /// # Errors
    /// As [`get_key`](BaseSelector::get_key).
    fn data_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<&mut D>;

    /// The number of registered file objects (`len(selector.get_map())`); 0 once closed.
    #[inline]
    fn len(&self) -> usize {
        self.get_map().map_or(0, |map| map.len())
    }

    /// Whether nothing is registered: Python's `while selector.get_map():` loops as
    /// `while !sel.is_empty()`. True once closed.
    #[inline]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A [`Waker`] for this selector, reachable from code generic over `BaseSelector`: see
    /// [`GenericSelector::waker`].
    ///
    /// # Errors
    /// As [`GenericSelector::waker`].
    fn waker(&mut self) -> Result<Waker>;
}

/// A registered key, mutably: what [`get_key_mut`](BaseSelector::get_key_mut) returns.
#[derive(Debug)]
pub struct KeyMut<'a, F, D> {
    /// The registered file object.
    pub fileobj: &'a mut F,
    /// The attached data.
    pub data: &'a mut D,
    /// The fd it is registered under.
    pub fd: RawFd,
    /// The events it waits for.
    pub events: Events,
}

impl<F, D> KeyMut<'_, F, D> {
    /// The [`Token`] naming this key.
    pub fn token(&self) -> Token {
        Token(self.fd)
    }
}

impl<F, D> SelectorKey<F, D> {
    /// The [`Token`] naming this key: keep it (`sel.register(obj, ...)?.token()`) to reach an
    /// object registered by value later, e.g. to `unregister` it and take it back.
    pub fn token(&self) -> Token {
        Token(self.fd)
    }
}

/// Names one ready key of a [`ReadySet`]: pass it (by reference, it is a [`FileObj`]) to
/// [`get_key_mut`](BaseSelector::get_key_mut), `get_key`, `modify` or `unregister`. It is
/// the registered fd, as a key is in Python's `_fd_to_key`; [`fd`](Token::fd) gives the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Token(RawFd);

impl Token {
    /// The fd of the key it names.
    pub fn fd(self) -> RawFd {
        self.0
    }
}

impl FileObj for Token {
    #[inline]
    fn fileno(&self) -> RawFd {
        self.0
    }
}

/// The result buffer of [`select_into`](BaseSelector::select_into): `(Token, Events)` per
/// ready key, in the backend's result order (see the README's "Result order"). Reuse one set
/// across calls: it keeps its capacity.
#[derive(Clone, Debug, Default)]
pub struct ReadySet {
    entries: Vec<(RawFd, Events)>,
}

impl ReadySet {
    /// An empty set; allocates nothing until the first `select_into` fills it.
    pub const fn new() -> ReadySet {
        ReadySet {
            entries: Vec::new(),
        }
    }

    /// The number of ready keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key was ready (a timeout, or a wake).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The ready keys, as `(token, ready events)`.
    pub fn iter(&self) -> ReadySetIter<'_> {
        ReadySetIter {
            entries: self.entries.iter(),
        }
    }
}

impl<'a> IntoIterator for &'a ReadySet {
    type Item = (Token, Events);
    type IntoIter = ReadySetIter<'a>;
    fn into_iter(self) -> ReadySetIter<'a> {
        self.iter()
    }
}

/// Iterator over a [`ReadySet`].
#[derive(Clone, Debug)]
pub struct ReadySetIter<'a> {
    entries: core::slice::Iter<'a, (RawFd, Events)>,
}

impl Iterator for ReadySetIter<'_> {
    type Item = (Token, Events);

    #[inline]
    fn next(&mut self) -> Option<(Token, Events)> {
        self.entries.next().map(|&(fd, events)| (Token(fd), events))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl ExactSizeIterator for ReadySetIter<'_> {}

mod sealed {
    use core::num::NonZeroU32;

    use crate::{Events, RawFd};

    pub trait Sealed {}

    /// Two words a backend keeps per registration in the key map's entry, next to the key:
    /// epoll's generation tag and the last wait round that saw the fd (`src/epoll.rs`). The
    /// wait's check of a kernel entry and the caller's read of the key then touch one cache
    /// line per ready fd, where a table of the backend's own took a second one (among
    /// thousands of registrations, a second cache and TLB miss per event). The other backends
    /// leave it at [`Mark::UNUSED`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Mark {
        /// epoll: the backend's registration count when this fd was added (never 0, which also
        /// gives the key map's `Option` of an entry its niche: no tag word).
        pub(crate) generation: NonZeroU32,
        /// epoll: the last `wait` round that saw an entry for this fd.
        pub(crate) seen: u32,
    }

    impl Mark {
        /// What the backends that keep nothing per registration store.
        pub(crate) const UNUSED: Mark = Mark {
            generation: NonZeroU32::MIN,
            seen: 0,
        };
    }

    /// The key map as a backend's `wait` sees it: the number of keys, and per registered fd its
    /// [`Mark`] (mutably) and its events. Implemented by the key map (`src/registry.rs`).
    pub trait Marks {
        /// The number of registered fds.
        fn len(&self) -> usize;
        /// The mark and the registered events of `fd`, if registered. A `u32` (the fd as the
        /// kernel hands it back): a number ≥ 2^31 is never registered.
        fn mark_mut(&mut self, fd: u32) -> Option<(&mut Mark, Events)>;
        /// `f(fd, mark, events)` for every registration, in ascending fd order.
        fn for_each_mark(&self, f: impl FnMut(RawFd, Mark, Events));
    }
}
pub(crate) use sealed::{Mark, Marks, Sealed};

/// A kernel interface under a [`GenericSelector`]: select, poll, epoll, kqueue, /dev/poll, or
/// the run-time choice of [`DefaultSelector`](crate::DefaultSelector). Sealed: the methods are
/// the crate's internal contract, called only after the shared layer has validated everything.
#[doc(hidden)]
pub trait Interface: Sealed {
    /// Start watching `fd` (validated, not yet registered) for `events`.
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()>;
    /// The [`Mark`] to keep with the key of the fd `add` just registered ([`Mark::UNUSED`]
    /// but on epoll).
    #[inline]
    fn added_mark(&self) -> Mark {
        Mark::UNUSED
    }
    /// Change a registered `fd` from `old` to `new` (both valid, different); `mark` is the one
    /// kept with its key (`added_mark` after its `add`).
    fn modify(&mut self, fd: RawFd, old: Events, new: Events, mark: Mark) -> Result<()>;
    /// Stop watching `fd`; errors are ignored by the caller (the fd may be closed already).
    fn remove(&mut self, fd: RawFd, events: Events) -> Result<()>;
    /// One wait of at most `timeout` (`None` blocks), appending `(fd, events)` for the ready
    /// fds to `ready` (unmasked, merged per fd). `keys` is the key map: the number of
    /// registered fds, and each one's mark and events.
    /// If the waker's object was ready, it is drained and `(WOKEN, EMPTY)` appended.
    fn wait(
        &mut self,
        timeout: Option<Duration>,
        keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()>;
    /// Release the kernel object (and the backend's share of the waker).
    fn close(&mut self);
    /// Make the waker's kernel object, watch it outside the registrations (from now on every
    /// `wait` includes it), and return it; the backend keeps a share to watch and drain.
    /// Called at most once per open selector.
    fn add_waker(&mut self) -> Result<Arc<Shared>>;
    /// Whether `wait` already reports only registered fds, each once, with its events masked by
    /// the registered ones and never empty (from the backend's own table, which mirrors the
    /// key map). The shared layer then skips its own check, a key-map lookup per entry (debug
    /// builds still verify it).
    fn filters(&self) -> bool {
        false
    }
}

/// An [`Interface`] that may own a kernel object with an fd of its own (epoll, kqueue,
/// /dev/poll, and [`DefaultSelector`](crate::DefaultSelector)'s choice), which is what makes
/// its selector a file object. Sealed, like `Interface`.
#[doc(hidden)]
pub trait KernelObject: Interface {
    /// The kernel object's fd: [`Error::Closed`] once released (or, for kqueue, in a fork
    /// child, which has no kqueue), `Os(ENOSYS)` when this backend has none (a
    /// `DefaultSelector` on poll or select).
    fn kernel_fd(&self) -> Result<RawFd>;
}

/// The selector every backend shares: the key map, the validation and rollback rules, and the
/// EINTR/deadline loop, over a kernel interface (the sealed `Interface` trait). Use it through the
/// aliases [`SelectSelector`](crate::SelectSelector), `PollSelector`, `EpollSelector`,
/// `KqueueSelector`, `DevpollSelector` and [`DefaultSelector`](crate::DefaultSelector).
///
/// `F` is the file object type (default [`RawFd`]), `D` the attached data (default `()`).
pub struct GenericSelector<B, F = RawFd, D = ()> {
    pub(crate) backend: B,
    keys: Registry<F, D>,
    ready: Vec<(RawFd, Events)>,
    closed: bool,
    /// The selector's share of its waker, made by the first `waker()`; dropping it (on
    /// `close` or drop) makes every `Waker` answer `Closed`.
    waker: Option<Owner>,
}

#[cfg(test)]
mod test_support;

impl<B: Interface, F, D> GenericSelector<B, F, D> {
    pub(crate) const fn with(backend: B) -> Self {
        GenericSelector {
            backend,
            keys: Registry::new(),
            ready: Vec::new(),
            closed: false,
            waker: None,
        }
    }

    /// A [`Waker`] for this selector: `wake()` makes the `select` blocked on it (or the next
    /// one) return early, from any thread or a signal handler. The first call makes the kernel
    /// object (see [`Waker`] for which, per OS and backend); later calls return handles on the
    /// same one. The waker is not a key and never appears in `get_map()` or in results.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// use std::time::Duration;
    /// use ioselectors::{BaseSelector, Error, SelectSelector};
    ///
    /// let mut sel: SelectSelector = SelectSelector::new();
    /// let waker = sel.waker()?;
    /// waker.wake()?;
    /// waker.wake()?; // coalesces with the first
    /// assert!(sel.select(Some(Duration::from_secs(5)))?.is_empty()); // at once
    /// sel.close();
    /// assert_eq!(waker.wake(), Err(Error::Closed));
    /// # }
    /// # Ok::<(), ioselectors::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Closed`]; [`Error::Os`] when the kernel object cannot be made (e.g. `EMFILE`);
    /// on a unix `SelectSelector` outside Linux and Android, [`Error::InvalidFd`] if its fd is
    /// ≥ `FD_SETSIZE`.
    pub fn waker(&mut self) -> Result<Waker> {
        self.check_not_closed()?;
        if let Some(owner) = &self.waker {
            return Ok(owner.waker());
        }
        let owner = Owner::new(self.backend.add_waker()?);
        let waker = owner.waker();
        self.waker = Some(owner);
        Ok(waker)
    }

    /// Whether [`close`](BaseSelector::close) has been called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// `Err(Closed)` once [`close`](BaseSelector::close) has run: the one closed-selector rule,
    /// checked first by every method but `close` and `get_map`, before any system call. (Not
    /// to be confused with `syscall::check_fd_open`, which asks the kernel whether an fd is
    /// open.)
    fn check_not_closed(&self) -> Result<()> {
        if self.closed {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// `register`'s checks, in CPython's order, then the kernel call: the fd and the validated
    /// mask to store.
    fn admit(&mut self, fileobj: &F, events: Events) -> Result<(RawFd, Events)>
    where
        F: FileObj,
    {
        self.check_not_closed()?;
        let events = events.validate()?;
        let fd = Self::fd_of(fileobj)?;
        if self.keys.get(fd).is_some() {
            return Err(Error::AlreadyRegistered(fd));
        }
        self.backend.add(fd, events)?;
        Ok((fd, events))
    }

    /// `select`'s wait: fills `self.ready` with the ready keys' `(fd, masked events)`, with
    /// PEP 475's EINTR retries against the deadline (in `wait_timed`).
    #[inline(always)]
    fn wait_ready(&mut self, timeout: Option<Duration>) -> Result<()> {
        self.check_not_closed()?;
        // Pages of the key map emptied by unregistrations since the last wait are freed here.
        self.keys.trim();
        if timeout == Some(Duration::ZERO) {
            // A poll: one wait, whatever it finds (after EINTR too: no time is left), no
            // deadline.
            self.wait_once(timeout)?;
            return Ok(());
        }
        self.wait_timed(timeout)
    }

    /// `wait_ready` with a timeout other than zero: out of line, so that what is inlined into
    /// `select_ready`'s caller is the poll path alone (a blocking wait pays one more call).
    #[inline(never)]
    fn wait_timed(&mut self, timeout: Option<Duration>) -> Result<()> {
        let deadline = Deadline::new(timeout);
        // The first wait gets the whole timeout: `deadline.remaining()` is already a little
        // less, and would turn a timeout of a few nanoseconds into zero, a non-blocking poll.
        if self.wait_once(timeout)? {
            return Ok(());
        }
        self.wait_again(&deadline)
    }

    /// The rest of `wait_ready`'s loop, out of line (the first wait ended with nothing to
    /// report: a signal, a wait cut at the syscall's maximum, or only entries that were
    /// filtered out): wait again for the time left until something is ready or none is left.
    #[cold]
    #[inline(never)]
    fn wait_again(&mut self, deadline: &Deadline) -> Result<()> {
        loop {
            let remaining = deadline.remaining();
            if remaining == Some(Duration::ZERO) || self.wait_once(remaining)? {
                return Ok(());
            }
        }
    }

    /// One wait into `self.ready`, filtered: whether it ends `select` (something ready, or the
    /// waker drained); `false` for "nothing yet", including `EINTR` (PEP 475).
    #[inline(always)]
    fn wait_once(&mut self, timeout: Option<Duration>) -> Result<bool> {
        self.ready.clear();
        let res = self.backend.wait(timeout, &mut self.keys, &mut self.ready);
        let keys = &self.keys;
        // Python drops events for fds it no longer knows and masks with the key's events;
        // we also drop entries whose mask comes out empty. A wait whose entries all go is
        // "nothing yet": the timeout still holds, unless the waker was drained (its
        // `WOKEN` entry, which no key has), which returns what is ready, possibly nothing.
        // Backends whose own tables mirror the key map filter and mask in `wait`, in the
        // pass that reads the kernel's output, and put `WOKEN` last.
        let mut woken = false;
        if self.backend.filters() {
            woken = self.ready.last().is_some_and(|&(fd, _)| fd == WOKEN);
            if woken {
                self.ready.pop();
            }
            debug_assert!(self.ready.iter().all(|&(fd, events)| keys
                .get(fd)
                .is_some_and(|key| !events.is_empty() && events & key.events == events)));
        } else {
            self.ready.retain_mut(|(fd, events)| match keys.get(*fd) {
                Some(key) => {
                    *events &= key.events;
                    !events.is_empty()
                }
                None => {
                    woken |= *fd == WOKEN;
                    false
                }
            });
        }
        match res {
            Ok(()) => Ok(woken || !self.ready.is_empty()),
            // Nothing yet: a signal (PEP 475).
            Err(Error::Os(crate::syscall::EINTR)) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Python's `_fileobj_lookup`: the fd of `fileobj`, which must be non-negative (on
    /// Windows: not `INVALID_SOCKET`).
    fn fd_of<G: FileObj + ?Sized>(fileobj: &G) -> Result<RawFd> {
        let fd = fileobj.fileno();
        if crate::key::is_invalid(fd) {
            Err(Error::InvalidFd(fd))
        } else {
            Ok(fd)
        }
    }
}

/// The selectors that own a kernel object — `EpollSelector`, `KqueueSelector`, `DevpollSelector`
/// and [`DefaultSelector`](crate::DefaultSelector) — have Python's `fileno()` and are file objects
/// themselves, so one can be registered in another ([`FileObj`], and `AsRawFd` with `std`).
/// [`SelectSelector`](crate::SelectSelector) and `PollSelector` have no kernel object and no
/// `fileno()`, as in Python.
impl<B: KernelObject, F, D> GenericSelector<B, F, D> {
    /// The kernel object's fd, Python's `fileno()` (`EpollSelector.fileno()`, ...). One
    /// signature on every selector that has it.
    ///
    /// # Errors
    /// [`Error::Closed`] after `close()` (Python: `ValueError`); [`Error::Os`] with `ENOSYS`
    /// (`ERROR_CALL_NOT_IMPLEMENTED` on Windows) for a [`DefaultSelector`](crate::DefaultSelector)
    /// whose backend has no kernel object (poll or select; Python's `PollSelector` and
    /// `SelectSelector` have no `fileno` at all).
    ///
    /// ```
    /// use ioselectors::{Backend, BaseSelector, DefaultSelector, Error};
    /// let mut sel: DefaultSelector = DefaultSelector::new()?;
    /// match sel.backend() {
    ///     Backend::Epoll | Backend::Kqueue | Backend::Devpoll => assert!(sel.fileno().is_ok()),
    ///     _ => assert!(matches!(sel.fileno(), Err(Error::Os(_)))),
    /// }
    /// sel.close();
    /// assert_eq!(sel.fileno(), Err(Error::Closed));
    /// # Ok::<(), ioselectors::Error>(())
    /// ```
    pub fn fileno(&self) -> Result<RawFd> {
        if self.closed {
            return Err(Error::Closed);
        }
        self.backend.kernel_fd()
    }
}

/// A selector with a kernel object is a file object: its `fileno()`, or the invalid fd (`-1`;
/// `INVALID_SOCKET` on Windows) when it is closed or has none, which registering rejects with
/// [`Error::InvalidFd`] (as Python's closed file objects do).
impl<B: KernelObject, F, D> FileObj for GenericSelector<B, F, D> {
    fn fileno(&self) -> RawFd {
        GenericSelector::fileno(self).unwrap_or(crate::key::INVALID_FD)
    }
}

/// With `std`: the kernel object's fd for APIs that take `AsRawFd`, `-1` when the selector is
/// closed or has none (see [`fileno`](GenericSelector::fileno)).
///
/// There is deliberately no `AsFd`: a `BorrowedFd` must be a valid open fd, and a closed
/// selector (or a `DefaultSelector` on poll) has none to lend, so `as_fd` could only panic.
/// [`GenericSelector::fileno`] says so with an error instead.
#[cfg(all(unix, feature = "std"))]
impl<B: KernelObject, F, D> std::os::fd::AsRawFd for GenericSelector<B, F, D> {
    fn as_raw_fd(&self) -> RawFd {
        FileObj::fileno(self)
    }
}

impl<B: Interface, F: FileObj, D> BaseSelector<F, D> for GenericSelector<B, F, D> {
    #[inline(always)]
    fn try_register(
        &mut self,
        fileobj: F,
        events: Events,
        data: D,
    ) -> Result<&SelectorKey<F, D>, Rejected<F, D>> {
        match self.admit(&fileobj, events) {
            Ok((fd, events)) => Ok(self.keys.insert(
                SelectorKey {
                    fileobj,
                    fd,
                    events,
                    data,
                },
                self.backend.added_mark(),
            )),
            Err(error) => Err(Rejected {
                error,
                fileobj,
                data,
            }),
        }
    }

    #[inline]
    fn unregister<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<SelectorKey<F, D>> {
        self.check_not_closed()?;
        let fd = Self::fd_of(fileobj)?;
        let key = self.keys.remove(fd).ok_or(Error::NotRegistered(fd))?;
        // Python swallows OSError here: the fd may have been closed or reused since.
        let _ = self.backend.remove(fd, key.events);
        Ok(key)
    }

    #[inline]
    fn modify<G: FileObj + ?Sized>(
        &mut self,
        fileobj: &G,
        events: Events,
        data: D,
    ) -> Result<&SelectorKey<F, D>> {
        self.check_not_closed()?;
        let fd = Self::fd_of(fileobj)?;
        let (old, mark) = self
            .keys
            .events_and_mark(fd)
            .ok_or(Error::NotRegistered(fd))?;
        let events = events.validate()?;
        if events != old {
            if let Err(err) = self.backend.modify(fd, old, events, mark) {
                // bpo-30014: the key is dropped; also drop whatever the kernel still holds,
                // before the key: a file object that owns the fd closes it when dropped.
                let key = self.keys.remove(fd);
                let _ = self.backend.remove(fd, old);
                drop(key);
                return Err(err);
            }
        }
        let key = self.keys.get_mut(fd).ok_or(Error::NotRegistered(fd))?;
        key.events = events;
        key.data = data;
        Ok(key)
    }

    // Inlined with `wait_ready`'s poll path into the caller, whose loop over `Ready` then
    // shares its stack frame and registers: one frame per call instead of two (BENCHMARKS.md,
    // E, round 2).
    #[inline(always)]
    fn select_ready(&mut self, timeout: Option<Duration>) -> Result<Ready<'_, F, D>> {
        self.wait_ready(timeout)?;
        Ok(Ready {
            keys: self.keys.view(),
            ready: self.ready.iter(),
        })
    }

    fn select_into(&mut self, timeout: Option<Duration>, ready: &mut ReadySet) -> Result<()> {
        ready.entries.clear();
        self.wait_ready(timeout)?;
        // The two buffers trade places: the results go out without a copy, and the set's old
        // buffer (cleared by the next wait) is the next wait's.
        core::mem::swap(&mut self.ready, &mut ready.entries);
        Ok(())
    }

    fn get_key_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<KeyMut<'_, F, D>> {
        self.check_not_closed()?;
        let fd = Self::fd_of(fileobj)?;
        let key = self.keys.get_mut(fd).ok_or(Error::NotRegistered(fd))?;
        Ok(KeyMut {
            fileobj: &mut key.fileobj,
            data: &mut key.data,
            fd: key.fd,
            events: key.events,
        })
    }

    fn fileobj_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<&mut F> {
        Ok(self.get_key_mut(fileobj)?.fileobj)
    }

    fn data_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<&mut D> {
        Ok(self.get_key_mut(fileobj)?.data)
    }

    #[inline]
    fn len(&self) -> usize {
        if self.closed {
            0
        } else {
            self.keys.len()
        }
    }

    fn waker(&mut self) -> Result<Waker> {
        GenericSelector::waker(self)
    }

    fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            // Every Waker answers Closed from now on; the kernel object goes with the last one.
            self.waker = None;
            self.backend.close();
            self.keys.clear();
            self.ready = Vec::new();
        }
    }

    fn get_key<G: FileObj + ?Sized>(&self, fileobj: &G) -> Result<&SelectorKey<F, D>> {
        self.check_not_closed()?;
        let fd = Self::fd_of(fileobj)?;
        self.keys.get(fd).ok_or(Error::NotRegistered(fd))
    }

    fn get_map(&self) -> Option<SelectorMap<'_, F, D>> {
        (!self.closed).then(|| SelectorMap::new(&self.keys))
    }
}

impl<B, F: fmt::Debug, D: fmt::Debug> fmt::Debug for GenericSelector<B, F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenericSelector")
            .field("backend", &core::any::type_name::<B>())
            .field("closed", &self.closed)
            .field("keys", &self.keys.iter().collect::<Vec<_>>())
            .finish()
    }
}

/// The ready keys of one [`select_ready`](BaseSelector::select_ready) call, borrowed from the
/// selector: `(&key, events)` pairs, one per key, `events` masked by the key's events.
pub struct Ready<'a, F, D> {
    keys: crate::registry::View<'a, F, D>,
    ready: core::slice::Iter<'a, (RawFd, Events)>,
}

impl<'a, F, D> Iterator for Ready<'a, F, D> {
    type Item = (&'a SelectorKey<F, D>, Events);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        // Every entry was checked against the map when the Ready was made.
        let &(fd, events) = self.ready.next()?;
        self.keys.get(fd).map(|key| (key, events))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ready.size_hint()
    }
}

impl<F, D> ExactSizeIterator for Ready<'_, F, D> {}

impl<F, D> fmt::Debug for Ready<'_, F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("left", &self.ready.len())
            .finish()
    }
}

/// A refused [`try_register`](BaseSelector::try_register): the error, and the file object and
/// data handed back untouched.
pub struct Rejected<F, D> {
    /// Why the registration was refused.
    pub error: Error,
    /// The file object, as passed in.
    pub fileobj: F,
    /// The data, as passed in.
    pub data: D,
}

impl<F, D> fmt::Debug for Rejected<F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejected")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<F, D> fmt::Display for Rejected<F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

#[cfg(feature = "std")]
impl<F, D> std::error::Error for Rejected<F, D> {}

impl<F, D> From<Rejected<F, D>> for Error {
    fn from(rejected: Rejected<F, D>) -> Error {
        rejected.error
    }
}

#[cfg(feature = "std")]
impl<F, D> From<Rejected<F, D>> for std::io::Error {
    fn from(rejected: Rejected<F, D>) -> std::io::Error {
        rejected.error.into()
    }
}
