//! [`DevpollSelector`]: Solaris `/dev/poll` (`poll(4D)`), Python's `selectors.DevpollSelector`
//! (illumos and Solaris).
//!
//! The records and the event translation live in `devpoll_logic`. The backend
//! ([`DevpollBackend`]) is generic over the kernel calls ([`Kernel`]); [`SystemDevpoll`], the
//! default and the crate's only one, makes them (illumos and Solaris only). The generic code
//! compiles on every unix target, so the tests run it on Linux over in-memory models of
//! illumos's and Solaris's `/dev/poll` (`tests/kernels/devpoll.rs`).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::c_int;
use core::fmt;
use core::time::Duration;

use ioselectors_sys::pollfd;

use crate::devpoll_logic::{buffer_len, ready_events, Records};
use crate::selector::{GenericSelector, Interface, KernelObject, Mark, Marks, Sealed, WOKEN};
use crate::waker::{Shared, Source};
use crate::{timeout, Error, Events, RawFd, Result};

#[cfg(ioselectors_devpoll)]
// The logic module mirrors POLLREMOVE so that it builds without the sys crate's /dev/poll items.
const _: () = assert!(ioselectors_sys::POLLREMOVE == crate::devpoll_logic::POLLREMOVE);

#[cfg(test)]
mod tests;

/// The kernel calls of [`DevpollBackend`]. **Test plumbing**, hidden from the docs: the crate's
/// only implementation is [`SystemDevpoll`] (the real `/dev/poll`), the default; the tests
/// implement it with in-memory models of illumos's and Solaris's driver.
#[doc(hidden)]
pub trait Kernel: fmt::Debug + Send + Sync + Sized + 'static {
    /// The `/dev/poll` fd.
    fn fileno(&self) -> RawFd;
    /// `write(dp, records)`, all of them.
    ///
    /// # Errors
    /// The call's errno.
    fn write(&self, records: &[pollfd]) -> Result<()>;
    /// `ioctl(dp, DP_POLL, {fds, nfds, timeout_ms})`: `fds` is cleared, then holds the ready
    /// records (at most `nfds`; `-1` blocks).
    ///
    /// # Errors
    /// The call's errno.
    fn dp_poll(&self, fds: &mut Vec<pollfd>, nfds: usize, timeout_ms: c_int) -> Result<()>;
}

/// One `/dev/poll` instance of the running kernel.
#[cfg(ioselectors_devpoll)]
#[derive(Debug)]
pub struct SystemDevpoll(crate::syscall::OwnedFd);

#[cfg(ioselectors_devpoll)]
impl Kernel for SystemDevpoll {
    fn fileno(&self) -> RawFd {
        self.0.raw()
    }

    fn write(&self, records: &[pollfd]) -> Result<()> {
        crate::syscall::write_pollfds(&self.0, records)
    }

    #[inline]
    fn dp_poll(&self, fds: &mut Vec<pollfd>, nfds: usize, timeout_ms: c_int) -> Result<()> {
        crate::syscall::dp_poll(&self.0, fds, nfds, timeout_ms).map(drop)
    }
}

/// Python's `selectors.DevpollSelector`, over Solaris `/dev/poll` (`poll(4D)`). illumos and
/// Solaris.
///
/// `/dev/poll` is opened with `O_RDWR | O_CLOEXEC`. Registering writes one `pollfd` record
/// (`POLLIN`/`POLLOUT`); changing a mask writes a `POLLREMOVE` record and the new one in one
/// `write()` (a record ORs into the cached mask, so a bit can only be dropped by removing the
/// fd first); unregistering writes a `POLLREMOVE` record. `select` is one `ioctl(DP_POLL)`
/// into a buffer reused between calls and sized to the number of registered fds (at least 1),
/// plus one for the waker's fd once there is a waker.
/// Returned bits map to events exactly as on poll: `POLLHUP`, `POLLERR` and `POLLNVAL` report
/// whatever the key asked for.
///
/// `register` checks that the fd is open (`fcntl(F_GETFD)`, `EBADF` otherwise), as on poll.
///
/// Timeouts are rounded up to the millisecond.
///
/// # Python equivalence
///
/// Records are written as soon as `register`, `modify` or `unregister` is called, so a refused
/// record is an error of that call. CPython buffers them and writes at `select()` (or when its
/// buffer is full), so there the error surfaces at `select()`. CPython also sizes the result
/// buffer to the `RLIMIT_NOFILE` soft limit read at creation; here it is the number of
/// registered fds, which is all `DP_POLL` can return.
///
/// ```
/// # #[cfg(ioselectors_devpoll)] {
/// use ioselectors::{BaseSelector, DevpollSelector};
/// let mut sel: DevpollSelector = DevpollSelector::new()?;
/// assert!(sel.fileno()? >= 0);
/// sel.close();
/// assert!(sel.fileno().is_err());
/// # }
/// # Ok::<(), ioselectors::Error>(())
/// ```
#[cfg(ioselectors_devpoll)]
pub type DevpollSelector<F = RawFd, D = ()> = GenericSelector<DevpollBackend, F, D>;

#[cfg(ioselectors_devpoll)]
impl<F, D> GenericSelector<DevpollBackend, F, D> {
    /// A new selector over a new `/dev/poll` instance (`open("/dev/poll", O_RDWR |
    /// O_CLOEXEC)`).
    ///
    /// # Errors
    /// [`Error::Os`]: `EMFILE`/`ENFILE` when no fd is left, `ENOENT` where there is no
    /// `/dev/poll`.
    pub fn new() -> Result<Self> {
        Ok(Self::with(DevpollBackend::new()?))
    }
}

impl<K: Kernel, F, D> GenericSelector<DevpollBackend<K>, F, D> {
    /// **Test plumbing**: a selector over the given `/dev/poll` (the tests' in-memory kernels).
    #[doc(hidden)]
    pub fn with_kernel(kernel: K) -> Self {
        Self::with(DevpollBackend::with_kernel(kernel))
    }
}

macro_rules! backend {
    ($($default:ty)?) => {
        /// The `/dev/poll` backend of `DevpollSelector`, over the
        /// kernel calls `K` (the real ones by default; see [`Kernel`]).
        #[derive(Debug)]
        pub struct DevpollBackend<K: Kernel $(= $default)?> {
            dp: Option<K>,
            /// `DP_POLL`'s result buffer, reused between calls.
            fds: Vec<pollfd>,
            /// The waker's fd (eventfd on illumos, a pipe's read end on Solaris), in the set for
            /// `POLLIN`; recognised by its number, which no other open file can have.
            waker: Option<Arc<Shared>>,
            /// That number, or -1.
            waker_fd: RawFd,
        }
    };
}
#[cfg(ioselectors_devpoll)]
backend!(SystemDevpoll);
#[cfg(not(ioselectors_devpoll))]
backend!();

impl<K: Kernel> Sealed for DevpollBackend<K> {}

impl<K: Kernel> KernelObject for DevpollBackend<K> {
    fn kernel_fd(&self) -> Result<RawFd> {
        self.fileno().ok_or(Error::Closed)
    }
}

#[cfg(ioselectors_devpoll)]
impl DevpollBackend {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self::with_kernel(SystemDevpoll(
            crate::syscall::open_devpoll()?,
        )))
    }
}

impl<K: Kernel> DevpollBackend<K> {
    fn with_kernel(kernel: K) -> Self {
        DevpollBackend {
            dp: Some(kernel),
            fds: Vec::new(),
            waker: None,
            waker_fd: -1,
        }
    }

    pub(crate) fn fileno(&self) -> Option<RawFd> {
        self.dp.as_ref().map(Kernel::fileno)
    }

    fn write(&self, records: &Records) -> Result<()> {
        let dp = self.dp.as_ref().ok_or(Error::Closed)?;
        dp.write(records.as_slice())
    }
}

impl<K: Kernel> Interface for DevpollBackend<K> {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        crate::syscall::check_fd_open(fd)?;
        if fd == self.waker_fd {
            // The waker's own fd, registered by number: its record is the waker's.
            return Err(Error::Os(EEXIST));
        }
        self.write(&Records::register(fd, events))
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events, _mark: Mark) -> Result<()> {
        if fd == self.waker_fd {
            // A stale key: its fd was closed and the number is the waker's now. As epoll:
            // ENOENT, and the caller drops the key (whose `remove` is skipped below).
            return Err(Error::Os(ENOENT));
        }
        self.write(&Records::modify(fd, new))
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        if fd == self.waker_fd {
            // A stale key: POLLREMOVE now would remove the waker's record.
            return Ok(());
        }
        self.write(&Records::unregister(fd))
    }

    fn wait(
        &mut self,
        timeout: Option<Duration>,
        keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        let nkeys = keys.len();
        let dp = self.dp.as_ref().ok_or(Error::Closed)?;
        let waker_fd = self.waker.as_ref().map(|w| w.fd());
        dp.dp_poll(
            &mut self.fds,
            buffer_len(nkeys + usize::from(waker_fd.is_some())),
            timeout::to_millis(timeout),
        )?;
        for p in self.fds.iter().filter(|p| p.revents != 0) {
            if Some(p.fd) == waker_fd {
                if let Some(waker) = &self.waker {
                    waker.drain();
                }
                ready.push((WOKEN, Events::EMPTY));
            } else {
                ready.push((p.fd, ready_events(p.revents)));
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        self.dp = None;
        self.fds = Vec::new();
        self.waker = None;
        self.waker_fd = -1;
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        if self.dp.is_none() {
            return Err(Error::Closed);
        }
        let shared = Shared::new(Source::new_fd()?);
        self.write(&Records::register(shared.fd(), Events::READ))?;
        self.waker_fd = shared.fd();
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}

/// `EEXIST` and `ENOENT`: the same values on illumos, Solaris and Linux.
const EEXIST: i32 = 17;
/// See [`EEXIST`].
const ENOENT: i32 = 2;
