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
use crate::selector::{GenericSelector, Interface, KernelObject, Mark, Marks, Sealed};
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
/// | Windows | select (winsock; the only interface there) |
///
/// Other unix targets are not supported (`ioselectors-sys` stops the build with a
/// `compile_error!`: its constants and layouts are written per OS).
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
    /// Python's preference order. A slice, not an array: its length is not part of the API,
    /// so a new backend can be added (as `Backend` is `#[non_exhaustive]`).
    pub const PREFERENCE: &'static [Backend] = &[
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
        Backend::PREFERENCE.iter().copied().find(|b| *b as u8 == v)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The backend of [`DefaultSelector`]: whichever interface was chosen. Opaque: which one it
/// is is [`DefaultSelector::backend`]'s answer, a [`Backend`] (`#[non_exhaustive]`), so adding
/// a kernel interface is not a breaking change.
#[derive(Debug)]
pub struct DefaultBackend(Chosen);

/// The chosen interface, one variant per backend this build has.
#[derive(Debug)]
enum Chosen {
    #[cfg(ioselectors_kqueue)]
    Kqueue(KqueueBackend),
    #[cfg(ioselectors_epoll)]
    Epoll(EpollBackend),
    #[cfg(ioselectors_devpoll)]
    Devpoll(DevpollBackend),
    #[cfg(unix)]
    Poll(PollBackend),
    Select(SelectBackend),
}

impl Sealed for DefaultBackend {}

impl KernelObject for DefaultBackend {
    fn kernel_fd(&self) -> Result<RawFd> {
        match &self.0 {
            #[cfg(ioselectors_kqueue)]
            Chosen::Kqueue(b) => b.kernel_fd(),
            #[cfg(ioselectors_devpoll)]
            Chosen::Devpoll(b) => b.kernel_fd(),
            #[cfg(ioselectors_epoll)]
            Chosen::Epoll(b) => b.kernel_fd(),
            #[cfg(unix)]
            Chosen::Poll(_) => Err(Error::Os(crate::syscall::ENOSYS)),
            Chosen::Select(_) => Err(Error::Os(crate::syscall::ENOSYS)),
        }
    }
}

macro_rules! dispatch {
    ($self:expr, $b:ident => $e:expr) => {
        match $self {
            #[cfg(ioselectors_kqueue)]
            DefaultBackend(Chosen::Kqueue($b)) => $e,
            #[cfg(ioselectors_devpoll)]
            DefaultBackend(Chosen::Devpoll($b)) => $e,
            #[cfg(ioselectors_epoll)]
            DefaultBackend(Chosen::Epoll($b)) => $e,
            #[cfg(unix)]
            DefaultBackend(Chosen::Poll($b)) => $e,
            DefaultBackend(Chosen::Select($b)) => $e,
        }
    };
}

impl Interface for DefaultBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        dispatch!(self, b => b.add(fd, events))
    }
    #[inline]
    fn added_mark(&self) -> Mark {
        dispatch!(self, b => b.added_mark())
    }
    fn modify(&mut self, fd: RawFd, old: Events, new: Events, mark: Mark) -> Result<()> {
        dispatch!(self, b => b.modify(fd, old, new, mark))
    }
    fn remove(&mut self, fd: RawFd, events: Events) -> Result<()> {
        dispatch!(self, b => b.remove(fd, events))
    }
    #[inline]
    fn wait(
        &mut self,
        timeout: Option<Duration>,
        keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        dispatch!(self, b => b.wait(timeout, keys, ready))
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
        let chosen = match kind {
            #[cfg(ioselectors_kqueue)]
            Backend::Kqueue => Chosen::Kqueue(KqueueBackend::new()?),
            #[cfg(ioselectors_devpoll)]
            Backend::Devpoll => Chosen::Devpoll(DevpollBackend::new()?),
            #[cfg(ioselectors_epoll)]
            Backend::Epoll => Chosen::Epoll(EpollBackend::new()?),
            #[cfg(unix)]
            Backend::Poll => Chosen::Poll(PollBackend::new()),
            Backend::Select => Chosen::Select(SelectBackend::new()),
            _ => return Err(Error::Os(syscall::ENOSYS)),
        };
        Ok(DefaultBackend(chosen))
    }

    fn kind(&self) -> Backend {
        match &self.0 {
            #[cfg(ioselectors_kqueue)]
            Chosen::Kqueue(_) => Backend::Kqueue,
            #[cfg(ioselectors_devpoll)]
            Chosen::Devpoll(_) => Backend::Devpoll,
            #[cfg(ioselectors_epoll)]
            Chosen::Epoll(_) => Backend::Epoll,
            #[cfg(unix)]
            Chosen::Poll(_) => Backend::Poll,
            Chosen::Select(_) => Backend::Select,
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
    for &kind in Backend::PREFERENCE {
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
}
