//! [`SelectSelector`] on Windows: winsock `select`, Python's `selectors.SelectSelector` there.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;

use crate::selector::{GenericSelector, Interface, Mark, Marks, Sealed, WOKEN};
use crate::syscall::{self, SocketSet};
use crate::waker::{Shared, Source};
use crate::{timeout, Events, RawFd, Result};

/// Python's `selectors.SelectSelector`, over winsock `select` (on unix, over `select(2)`).
///
/// Only sockets can be registered, as in Python (winsock's `select` takes nothing else):
/// `register` checks the handle with `getsockopt(SO_TYPE)` and fails with
/// [`Error::Os`](crate::Error::Os) holding `WSAENOTSOCK` otherwise, winsock's counterpart of the
/// unix backends' `EBADF`. A socket closed *after* registration makes `select()` fail with
/// `WSAENOTSOCK` until it is unregistered, as in Python.
///
/// As in CPython, writers are also passed as the exceptional set and what it reports counts as
/// [`EVENT_WRITE`](crate::EVENT_WRITE): that is how winsock reports a failed non-blocking
/// `connect()`. The sets are sized to what is registered (winsock reads `fd_count`), so there
/// is no limit on the number of sockets (CPython's is 512 per set). With nothing registered,
/// `select()` waits out its timeout (`Sleep`) and returns no events, as on unix; CPython fails
/// there with `WSAEINVAL`, which is what winsock says to three empty sets.
///
/// Winsock is initialised (`WSAStartup(2.2)`) at the first `register` or `waker()`, once per
/// process, so sockets made without `std::net` work too, with or without the `std` feature.
///
/// Timeouts are rounded up to the microsecond (to the millisecond for an empty selector).
///
/// ```
/// use ioselectors::{BaseSelector, SelectSelector, EVENT_WRITE};
/// # #[cfg(all(windows, feature = "std"))] {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let a = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let mut sel = SelectSelector::new();
/// sel.register(&a, EVENT_WRITE, ())?;
/// let ready = sel.select(None)?;
/// assert_eq!(ready[0].1, EVENT_WRITE);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type SelectSelector<F = RawFd, D = ()> = GenericSelector<SelectBackend, F, D>;

impl<F, D> GenericSelector<SelectBackend, F, D> {
    /// A new, empty selector. Needs no kernel object, so it cannot fail.
    pub fn new() -> Self {
        Self::with(SelectBackend::new())
    }
}

impl<F, D> Default for GenericSelector<SelectBackend, F, D> {
    fn default() -> Self {
        Self::new()
    }
}

/// The winsock `select` backend of [`SelectSelector`].
#[derive(Debug, Default)]
pub struct SelectBackend {
    /// Registered readers and writers, each sorted by handle.
    readers: Vec<RawFd>,
    writers: Vec<RawFd>,
    /// The sets handed to winsock, refilled from the above for every call (the except set is
    /// the writers again).
    read_set: SocketSet,
    write_set: SocketSet,
    except_set: SocketSet,
    /// The waker's socket (a UDP socket connected to itself), added to the read set.
    waker: Option<Arc<Shared>>,
}

impl Sealed for SelectBackend {}

/// Adds `s` to or removes it from the sorted `set`.
fn put(set: &mut Vec<RawFd>, s: RawFd, present: bool) {
    match (set.binary_search(&s), present) {
        (Err(i), true) => set.insert(i, s),
        (Ok(i), false) => {
            set.remove(i);
        }
        _ => {}
    }
}

impl SelectBackend {
    pub(crate) const fn new() -> Self {
        SelectBackend {
            readers: Vec::new(),
            writers: Vec::new(),
            read_set: SocketSet::new(),
            write_set: SocketSet::new(),
            except_set: SocketSet::new(),
            waker: None,
        }
    }

    fn set(&mut self, s: RawFd, events: Events) {
        put(&mut self.readers, s, events.is_readable());
        put(&mut self.writers, s, events.is_writable());
    }
}

impl Interface for SelectBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        syscall::winsock_init()?;
        syscall::check_socket(fd)?;
        self.set(fd, events);
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events, _mark: Mark) -> Result<()> {
        self.set(fd, new);
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        self.set(fd, Events::EMPTY);
        Ok(())
    }

    fn wait(
        &mut self,
        timeout: Option<Duration>,
        _keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        let waker = self.waker.as_ref().map(|w| w.socket());
        if self.readers.is_empty() && self.writers.is_empty() && waker.is_none() {
            // Winsock rejects three empty sets (WSAEINVAL); Python on unix sleeps instead.
            syscall::sleep(timeout);
            return Ok(());
        }
        self.read_set.fill_with(&self.readers, waker);
        self.write_set.fill(&self.writers);
        self.except_set.fill(&self.writers);
        let tv = timeout.map(timeout::to_timeval);
        let n = syscall::select(
            &mut self.read_set,
            &mut self.write_set,
            &mut self.except_set,
            tv,
        )?;
        if n == 0 {
            return Ok(());
        }
        let start = ready.len();
        let woken = waker.is_some_and(|w| self.read_set.sockets().contains(&w));
        let read = (self.read_set.sockets().iter())
            .filter(|&&s| Some(s) != waker)
            .map(|&s| (s, Events::READ));
        // CPython: `r, w, x = select(r, w, w)`, then `w + x` counts as writable.
        let write = (self.write_set.sockets().iter())
            .chain(self.except_set.sockets())
            .map(|&s| (s, Events::WRITE));
        ready.extend(read.chain(write));
        // One entry per socket, READ and WRITE merged, in handle order.
        ready[start..].sort_unstable_by_key(|&(s, _)| s);
        ready.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 |= later.1;
            }
            same
        });
        if woken {
            if let Some(w) = &self.waker {
                w.drain();
            }
            ready.push((WOKEN, Events::EMPTY));
        }
        Ok(())
    }

    fn close(&mut self) {
        *self = SelectBackend::new();
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        let shared = Shared::new(Source::new_socket()?);
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}
