//! [`EpollSelector`]: `epoll(7)`, Python's `selectors.EpollSelector` (Linux and Android).

use alloc::vec::Vec;
use core::time::Duration;

use ioselectors_sys::{self as sys, epoll_event, EPOLLIN, EPOLLOUT};

use crate::events::{from_poll_like, to_poll_like};
use crate::selector::{GenericSelector, Interface, Sealed};
use crate::syscall::{self, OwnedFd};
use crate::{timeout, Error, Events, RawFd, Result};

/// Python's `selectors.EpollSelector`, over `epoll(7)`. Linux and Android.
///
/// Level-triggered, asking for `EPOLLIN`/`EPOLLOUT` only, with the fd as the event's user
/// data. A changed mask is one `EPOLL_CTL_MOD`. The event buffer is reused between calls and
/// sized to the number of registered fds (at least 1, since `epoll_wait` rejects 0).
///
/// The kernel refuses regular files and directories with `EPERM`. epoll watches open file
/// descriptions: an fd closed while registered is dropped by the kernel (its key stays until
/// unregistered), while a `dup` of it keeps reporting under the old number (epoll(7), Q6).
///
/// Timeouts are rounded up to the millisecond.
///
/// ```
/// # #[cfg(any(target_os = "linux", target_os = "android", target_os = "illumos"))] {
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

    /// The epoll instance's fd, Python's `EpollSelector.fileno()`.
    ///
    /// # Errors
    /// [`Error::Closed`] after `close()` (Python: `ValueError`).
    pub fn fileno(&self) -> Result<RawFd> {
        match &self.backend.epfd {
            Some(fd) if !self.is_closed() => Ok(fd.raw()),
            _ => Err(Error::Closed),
        }
    }
}

const IN: u32 = EPOLLIN as u32;
const OUT: u32 = EPOLLOUT as u32;

/// The `epoll(7)` backend of [`EpollSelector`].
#[derive(Debug)]
pub struct EpollBackend {
    epfd: Option<OwnedFd>,
    events: Vec<epoll_event>,
    /// An `EPOLL_CTL_DEL` failed: the fd had been closed or its number reused, and if the old
    /// open file description lives on elsewhere (a `dup`), the kernel still holds its entry
    /// and reports it under the old number, possibly next to a new registration of that
    /// number (epoll(7), Q6). From then on `wait` merges entries per fd, and doubles the event
    /// buffer so that such entries do not crowd out the registered keys.
    stale: bool,
}

impl Sealed for EpollBackend {}

impl EpollBackend {
    pub(crate) fn new() -> Result<Self> {
        Ok(EpollBackend {
            epfd: Some(syscall::epoll_create()?),
            events: Vec::new(),
            stale: false,
        })
    }

    pub(crate) fn fileno(&self) -> Option<RawFd> {
        self.epfd.as_ref().map(OwnedFd::raw)
    }

    fn ctl(&self, op: core::ffi::c_int, fd: RawFd, events: Events) -> Result<()> {
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        syscall::epoll_ctl(epfd, op, fd, to_poll_like(events, IN, OUT))
    }
}

impl Interface for EpollBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        self.ctl(sys::EPOLL_CTL_ADD, fd, events)
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events) -> Result<()> {
        self.ctl(sys::EPOLL_CTL_MOD, fd, new)
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        let res = self.ctl(sys::EPOLL_CTL_DEL, fd, Events::EMPTY);
        self.stale |= res.is_err();
        res
    }

    fn wait(
        &mut self,
        timeout: Option<Duration>,
        nkeys: usize,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        let epfd = self.epfd.as_ref().ok_or(Error::Closed)?;
        // Stale entries are reported too and would take slots from the registered keys: give
        // them as many again, so that one call still sees every ready key in the usual case.
        let max = if self.stale {
            nkeys.saturating_mul(2)
        } else {
            nkeys
        };
        syscall::epoll_wait(epfd, &mut self.events, max, timeout::to_millis(timeout))?;
        ready.extend(self.events.iter().map(|e| {
            let (bits, data) = (e.events, e.u64);
            (data as RawFd, from_poll_like(bits, IN, OUT))
        }));
        if self.stale {
            // One entry per fd, events merged; in place, without allocating.
            ready.sort_unstable_by_key(|&(fd, _)| fd);
            ready.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 |= later.1;
                }
                same
            });
        }
        Ok(())
    }

    fn close(&mut self) {
        self.epfd = None;
        self.events = Vec::new();
        self.stale = false;
    }
}
