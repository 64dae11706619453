//! [`DevpollSelector`]: Solaris `/dev/poll` (`poll(4D)`), Python's `selectors.DevpollSelector`
//! (illumos and Solaris).
//!
//! The records and the event translation live in `devpoll_logic`, which is compiled on every
//! unix target and unit-tested on Linux; this file makes the calls.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;

use ioselectors_sys::{self as sys, pollfd};

use crate::devpoll_logic::{self as logic, buffer_len, ready_events, Records};
use crate::selector::{GenericSelector, Interface, KernelObject, Sealed, WOKEN};
use crate::syscall::{self, OwnedFd};
use crate::waker::{Shared, Source};
use crate::{timeout, Error, Events, RawFd, Result};

// The logic module mirrors POLLREMOVE so that it builds without the sys crate's /dev/poll items.
const _: () = assert!(sys::POLLREMOVE == logic::POLLREMOVE);

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
pub type DevpollSelector<F = RawFd, D = ()> = GenericSelector<DevpollBackend, F, D>;

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

/// The `/dev/poll` backend of [`DevpollSelector`].
#[derive(Debug)]
pub struct DevpollBackend {
    dp: Option<OwnedFd>,
    /// `DP_POLL`'s result buffer, reused between calls.
    fds: Vec<pollfd>,
    /// The waker's fd (eventfd on illumos, a pipe's read end on Solaris), in the set for
    /// `POLLIN`; recognised by its number, which no other open file can have.
    waker: Option<Arc<Shared>>,
}

impl Sealed for DevpollBackend {}

impl KernelObject for DevpollBackend {
    fn kernel_fd(&self) -> Option<RawFd> {
        self.fileno()
    }
}

impl DevpollBackend {
    pub(crate) fn new() -> Result<Self> {
        Ok(DevpollBackend {
            dp: Some(syscall::open_devpoll()?),
            fds: Vec::new(),
            waker: None,
        })
    }

    pub(crate) fn fileno(&self) -> Option<RawFd> {
        self.dp.as_ref().map(OwnedFd::raw)
    }

    fn write(&self, records: &Records) -> Result<()> {
        let dp = self.dp.as_ref().ok_or(Error::Closed)?;
        syscall::write_pollfds(dp, records.as_slice())
    }
}

impl Interface for DevpollBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        syscall::check_fd_open(fd)?;
        self.write(&Records::register(fd, events))
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events) -> Result<()> {
        self.write(&Records::modify(fd, new))
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        self.write(&Records::unregister(fd))
    }

    fn wait(
        &mut self,
        timeout: Option<Duration>,
        nkeys: usize,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        let dp = self.dp.as_ref().ok_or(Error::Closed)?;
        let waker_fd = self.waker.as_ref().map(|w| w.fd());
        syscall::dp_poll(
            dp,
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
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        let shared = Shared::new(Source::new_fd()?);
        self.write(&Records::register(shared.fd(), Events::READ))?;
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}
