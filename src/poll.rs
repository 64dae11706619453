//! [`PollSelector`]: `poll(2)`, Python's `selectors.PollSelector`.

use alloc::vec::Vec;
use core::time::Duration;

use ioselectors_sys::{pollfd, POLLIN, POLLOUT};

use crate::events::{from_poll_like, to_poll_like};
use crate::selector::{GenericSelector, Interface, Sealed};
use crate::{syscall, timeout, Events, RawFd, Result};

/// Python's `selectors.PollSelector`, over `poll(2)`. Available on every unix.
///
/// The `pollfd` array is kept incrementally (O(1) register, modify and unregister through an
/// fd-indexed position table) and handed to the kernel as is. Returned bits map to events as
/// in CPython: `POLLHUP`, `POLLERR` and `POLLNVAL` report whatever the key asked for.
///
/// `register` checks that the fd is open (`fcntl(F_GETFD)`, `EBADF` otherwise), as the other
/// backends' kernels do. An fd closed after registration reports `POLLNVAL`, i.e. ready.
///
/// Timeouts are rounded up to the millisecond. (macOS's `poll(2)` does not work on devices
/// such as `/dev/tty`.)
///
/// ```
/// use ioselectors::{BaseSelector, PollSelector, EVENT_READ};
/// let mut sel: PollSelector = PollSelector::new();
/// assert!(sel.select(Some(std::time::Duration::ZERO))?.is_empty());
/// # Ok::<(), ioselectors::Error>(())
/// ```
pub type PollSelector<F = RawFd, D = ()> = GenericSelector<PollBackend, F, D>;

impl<F, D> GenericSelector<PollBackend, F, D> {
    /// A new, empty selector. Needs no kernel object, so it cannot fail.
    pub fn new() -> Self {
        Self::with(PollBackend::new())
    }
}

impl<F, D> Default for GenericSelector<PollBackend, F, D> {
    fn default() -> Self {
        Self::new()
    }
}

const IN: u32 = POLLIN as u32;
const OUT: u32 = POLLOUT as u32;

/// The `poll(2)` backend of [`PollSelector`].
#[derive(Debug, Default)]
pub struct PollBackend {
    fds: Vec<pollfd>,
    /// `position[fd]` is the index of `fd`'s entry in `fds`.
    position: Vec<usize>,
}

impl Sealed for PollBackend {}

impl PollBackend {
    pub(crate) const fn new() -> Self {
        PollBackend {
            fds: Vec::new(),
            position: Vec::new(),
        }
    }

    fn entry(&mut self, fd: RawFd) -> Option<&mut pollfd> {
        let i = *self.position.get(usize::try_from(fd).ok()?)?;
        self.fds.get_mut(i).filter(|p| p.fd == fd)
    }
}

/// The `events` field for a mask.
fn poll_bits(events: Events) -> i16 {
    // IN | OUT fits the short field.
    to_poll_like(events, IN, OUT) as i16
}

impl Interface for PollBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        syscall::check_open(fd)?;
        let index = usize::try_from(fd).map_err(|_| crate::Error::InvalidFd(fd))?;
        if index >= self.position.len() {
            self.position.resize(index + 1, usize::MAX);
        }
        self.position[index] = self.fds.len();
        self.fds.push(pollfd {
            fd,
            events: poll_bits(events),
            revents: 0,
        });
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events) -> Result<()> {
        if let Some(p) = self.entry(fd) {
            p.events = poll_bits(new);
        }
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        let Some(index) = usize::try_from(fd)
            .ok()
            .filter(|&i| i < self.position.len())
        else {
            return Ok(());
        };
        let i = self.position[index];
        if self.fds.get(i).is_some_and(|p| p.fd == fd) {
            self.fds.swap_remove(i);
            if let Some(moved) = self.fds.get(i) {
                self.position[moved.fd as usize] = i;
            }
        }
        self.position[index] = usize::MAX;
        while self.position.last() == Some(&usize::MAX) {
            self.position.pop();
        }
        Ok(())
    }

    fn wait(
        &mut self,
        timeout: Option<Duration>,
        _nkeys: usize,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        if syscall::poll(&mut self.fds, timeout::to_millis(timeout))? == 0 {
            return Ok(());
        }
        for p in &self.fds {
            if p.revents != 0 {
                // Python masks revents with 0xffff: the field is a short.
                let revents = u32::from(p.revents as u16);
                ready.push((p.fd, from_poll_like(revents, IN, OUT)));
            }
        }
        Ok(())
    }

    fn close(&mut self) {
        *self = PollBackend::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_table_survives_swap_remove() {
        let mut b = PollBackend::new();
        // fds 0..=2 are open in any test process (stdin/stdout/stderr may be closed under some
        // harnesses, so insert directly).
        for fd in [2, 0, 1] {
            let i = fd as usize;
            if i >= b.position.len() {
                b.position.resize(i + 1, usize::MAX);
            }
            b.position[i] = b.fds.len();
            b.fds.push(pollfd {
                fd,
                events: POLLIN,
                revents: 0,
            });
        }
        b.remove(2, Events::READ).unwrap();
        assert_eq!(b.fds.len(), 2);
        assert_eq!(b.entry(1).map(|p| p.fd), Some(1));
        assert_eq!(b.entry(0).map(|p| p.fd), Some(0));
        assert!(b.entry(2).is_none());
        b.modify(1, Events::READ, Events::WRITE).unwrap();
        assert_eq!(b.entry(1).map(|p| p.events), Some(POLLOUT));
        b.remove(1, Events::WRITE).unwrap();
        b.remove(0, Events::READ).unwrap();
        assert!(b.fds.is_empty() && b.position.is_empty());
    }
}
