//! [`DefaultSelector`]: the most efficient backend that works here, chosen at run time in
//! Python's order kqueue > epoll > devpoll > poll > select (Python's `_can_use` probes).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicU8, Ordering};
use core::time::Duration;

#[cfg(ioselectors_devpoll)]
use crate::devpoll::DevpollBackend;
#[cfg(ioselectors_epoll)]
use crate::epoll::EpollBackend;
#[cfg(ioselectors_kqueue)]
use crate::kqueue::KqueueBackend;
#[cfg(unix)]
use crate::poll::PollBackend;
use crate::select::SelectBackend;
use crate::selector::{GenericSelector, Interface, Sealed};
use crate::waker::Shared;
use crate::{syscall, Error, Events, RawFd, Result};

/// Python's `selectors.DefaultSelector`: the first backend that works on this machine, in
/// Python's preference order kqueue > epoll > devpoll > poll > select.
///
/// | OS | DefaultSelector |
/// |---|---|
/// | Linux, Android | epoll (poll if epoll is unavailable, e.g. `ENOSYS`) |
/// | macOS, iOS, FreeBSD, NetBSD, OpenBSD, DragonFly | kqueue |
/// | illumos | epoll |
/// | Solaris | /dev/poll |
/// | other unix | poll |
/// | Windows | select (winsock; the only interface there) |
///
/// Like Python's `_can_use`, the choice is probed once per process, by creating and closing
/// the kernel object (for poll: one zero-timeout `poll()`), and kept. A probe that fails for
/// lack of fds (`EMFILE`, `ENFILE`, `ENOMEM`) is not taken as "unsupported": the error is
/// returned and the next call probes again.
///
/// ```
/// use ioselectors::{Backend, BaseSelector, DefaultSelector};
/// let sel: DefaultSelector = DefaultSelector::new()?;
/// # #[cfg(target_os = "linux")]
/// assert_eq!(sel.backend(), Backend::Epoll);
/// println!("using {}", sel.backend()); // e.g. "epoll"
/// # Ok::<(), ioselectors::Error>(())
/// ```
pub type DefaultSelector<F = RawFd, D = ()> = GenericSelector<DefaultBackend, F, D>;

/// The kernel interfaces, named after Python's selector classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Backend {
    /// `kqueue(2)`: `KqueueSelector`.
    Kqueue = 1,
    /// `epoll(7)`: `EpollSelector`.
    Epoll = 2,
    /// Solaris `/dev/poll`: `DevpollSelector`.
    Devpoll = 3,
    /// `poll(2)`: `PollSelector` (unix).
    Poll = 4,
    /// `select(2)`: [`SelectSelector`](crate::SelectSelector).
    Select = 5,
}

impl Backend {
    /// Python's preference order.
    pub const PREFERENCE: [Backend; 5] = [
        Backend::Kqueue,
        Backend::Epoll,
        Backend::Devpoll,
        Backend::Poll,
        Backend::Select,
    ];

    /// The interface's name: `"kqueue"`, `"epoll"`, `"devpoll"`, `"poll"` or `"select"`.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Kqueue => "kqueue",
            Backend::Epoll => "epoll",
            Backend::Devpoll => "devpoll",
            Backend::Poll => "poll",
            Backend::Select => "select",
        }
    }

    /// Whether this build has the interface at all (it may still fail at run time).
    pub const fn is_compiled(self) -> bool {
        match self {
            Backend::Epoll => cfg!(ioselectors_epoll),
            Backend::Kqueue => cfg!(ioselectors_kqueue),
            Backend::Devpoll => cfg!(ioselectors_devpoll),
            Backend::Poll => cfg!(unix),
            Backend::Select => true,
        }
    }

    fn from_u8(v: u8) -> Option<Backend> {
        Backend::PREFERENCE.into_iter().find(|b| *b as u8 == v)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The backend of [`DefaultSelector`]: whichever interface was chosen.
#[derive(Debug)]
pub enum DefaultBackend {
    /// `kqueue(2)`.
    #[cfg(ioselectors_kqueue)]
    Kqueue(KqueueBackend),
    /// `epoll(7)`.
    #[cfg(ioselectors_epoll)]
    Epoll(EpollBackend),
    /// Solaris `/dev/poll`.
    #[cfg(ioselectors_devpoll)]
    Devpoll(DevpollBackend),
    /// `poll(2)`.
    #[cfg(unix)]
    Poll(PollBackend),
    /// `select(2)`.
    Select(SelectBackend),
}

impl Sealed for DefaultBackend {}

macro_rules! dispatch {
    ($self:expr, $b:ident => $e:expr) => {
        match $self {
            #[cfg(ioselectors_kqueue)]
            DefaultBackend::Kqueue($b) => $e,
            #[cfg(ioselectors_devpoll)]
            DefaultBackend::Devpoll($b) => $e,
            #[cfg(ioselectors_epoll)]
            DefaultBackend::Epoll($b) => $e,
            #[cfg(unix)]
            DefaultBackend::Poll($b) => $e,
            DefaultBackend::Select($b) => $e,
        }
    };
}

impl Interface for DefaultBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        dispatch!(self, b => b.add(fd, events))
    }
    fn modify(&mut self, fd: RawFd, old: Events, new: Events) -> Result<()> {
        dispatch!(self, b => b.modify(fd, old, new))
    }
    fn remove(&mut self, fd: RawFd, events: Events) -> Result<()> {
        dispatch!(self, b => b.remove(fd, events))
    }
    #[inline]
    fn wait(
        &mut self,
        timeout: Option<Duration>,
        nkeys: usize,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        dispatch!(self, b => b.wait(timeout, nkeys, ready))
    }
    #[inline]
    fn filters(&self) -> bool {
        dispatch!(self, b => b.filters())
    }
    fn close(&mut self) {
        dispatch!(self, b => b.close())
    }
    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        dispatch!(self, b => b.add_waker())
    }
}

impl DefaultBackend {
    fn open(kind: Backend) -> Result<DefaultBackend> {
        match kind {
            #[cfg(ioselectors_kqueue)]
            Backend::Kqueue => Ok(DefaultBackend::Kqueue(KqueueBackend::new()?)),
            #[cfg(ioselectors_devpoll)]
            Backend::Devpoll => Ok(DefaultBackend::Devpoll(DevpollBackend::new()?)),
            #[cfg(ioselectors_epoll)]
            Backend::Epoll => Ok(DefaultBackend::Epoll(EpollBackend::new()?)),
            #[cfg(unix)]
            Backend::Poll => Ok(DefaultBackend::Poll(PollBackend::new())),
            Backend::Select => Ok(DefaultBackend::Select(SelectBackend::new())),
            _ => Err(Error::Os(syscall::ENOSYS)),
        }
    }

    fn kind(&self) -> Backend {
        match self {
            #[cfg(ioselectors_kqueue)]
            DefaultBackend::Kqueue(_) => Backend::Kqueue,
            #[cfg(ioselectors_devpoll)]
            DefaultBackend::Devpoll(_) => Backend::Devpoll,
            #[cfg(ioselectors_epoll)]
            DefaultBackend::Epoll(_) => Backend::Epoll,
            #[cfg(unix)]
            DefaultBackend::Poll(_) => Backend::Poll,
            DefaultBackend::Select(_) => Backend::Select,
        }
    }
}

/// The probed choice, `0` until the first probe.
static CHOICE: AtomicU8 = AtomicU8::new(0);

/// Python's `_can_use(method)`: make the kernel object and close it (for poll, one
/// zero-timeout `poll()`). `Ok(false)` for "not supported here"; `Err` for a failure that
/// says nothing about support (out of fds or memory).
fn can_use(kind: Backend) -> Result<bool> {
    if !kind.is_compiled() {
        return Ok(false);
    }
    let probe = match kind {
        #[cfg(unix)]
        Backend::Poll => syscall::poll(&mut [], 0).map(drop),
        Backend::Select => Ok(()),
        _ => DefaultBackend::open(kind).map(drop),
    };
    match probe {
        Ok(()) => Ok(true),
        Err(Error::Os(e))
            if e == syscall::EMFILE || e == syscall::ENFILE || e == syscall::ENOMEM =>
        {
            Err(Error::Os(e))
        }
        Err(_) => Ok(false),
    }
}

/// The backend `DefaultSelector::new()` uses in this process, probing on first use.
///
/// # Errors
/// [`Error::Os`] when a probe failed for lack of fds or memory.
pub fn default_backend() -> Result<Backend> {
    if let Some(kind) = Backend::from_u8(CHOICE.load(Ordering::Relaxed)) {
        return Ok(kind);
    }
    for kind in Backend::PREFERENCE {
        if can_use(kind)? {
            CHOICE.store(kind as u8, Ordering::Relaxed);
            return Ok(kind);
        }
    }
    Ok(Backend::Select)
}

impl<F, D> GenericSelector<DefaultBackend, F, D> {
    /// A new selector on [`default_backend()`].
    ///
    /// # Errors
    /// [`Error::Os`] when the kernel object cannot be made (e.g. `EMFILE`).
    pub fn new() -> Result<Self> {
        Self::with_backend(default_backend()?)
    }

    /// A new selector on the given backend, e.g. from a `--backend` option.
    ///
    /// # Errors
    /// [`Error::Os`] with `ENOSYS` when this build lacks the interface; any error of making
    /// its kernel object.
    pub fn with_backend(kind: Backend) -> Result<Self> {
        Ok(Self::with(DefaultBackend::open(kind)?))
    }

    /// Which backend this selector runs on.
    pub fn backend(&self) -> Backend {
        self.backend.kind()
    }

    /// The kernel object's fd (epoll, kqueue, /dev/poll), Python's `fileno()`; `None` for
    /// poll and select, which have none, and after `close()`.
    pub fn fileno(&self) -> Option<RawFd> {
        if self.is_closed() {
            return None;
        }
        match &self.backend {
            #[cfg(ioselectors_kqueue)]
            DefaultBackend::Kqueue(b) => b.fileno(),
            #[cfg(ioselectors_devpoll)]
            DefaultBackend::Devpoll(b) => b.fileno(),
            #[cfg(ioselectors_epoll)]
            DefaultBackend::Epoll(b) => b.fileno(),
            _ => None,
        }
    }
}
