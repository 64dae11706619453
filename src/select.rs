//! [`SelectSelector`]: `select(2)`, Python's `selectors.SelectSelector`.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::c_int;
use core::time::Duration;

use ioselectors_sys::{self as sys, fd_mask, NFDBITS};

use crate::selector::{GenericSelector, Interface, Mark, Marks, Sealed, WOKEN};
use crate::waker::{Shared, Source};
use crate::{syscall, timeout, Error, Events, RawFd, Result};

/// Python's `selectors.SelectSelector`, over `select(2)`. Available on every unix (and on
/// Windows over winsock).
///
/// The read and write sets are kept incrementally and copied into reused buffers for each call,
/// rebuilt before every retry after `EINTR`. On Linux and Android the sets are sized to the
/// largest registered fd, so fds ≥ `FD_SETSIZE` (1024) work (the kernel takes any `nfds`;
/// run on Linux, type-checked for Android); elsewhere registering such an fd fails with
/// [`Error::InvalidFd`] instead of writing past an `fd_set`.
///
/// `register` checks that the fd is open (`fcntl(F_GETFD)`, `EBADF` otherwise), as the other
/// backends' kernels do. An fd closed *after* registration makes `select()` fail with `EBADF`
/// until it is unregistered, as in Python.
///
/// Timeouts are rounded up to the microsecond.
///
/// ```
/// use ioselectors::{BaseSelector, SelectSelector, EVENT_WRITE};
/// # #[cfg(all(unix, feature = "std"))] {
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
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

/// The `select(2)` backend of [`SelectSelector`].
#[derive(Debug, Default)]
pub struct SelectBackend {
    /// Registered readers and writers, one bit per fd; always the same length.
    readers: Vec<fd_mask>,
    writers: Vec<fd_mask>,
    /// The sets handed to the kernel, refilled from the above for every call.
    read_out: Vec<fd_mask>,
    write_out: Vec<fd_mask>,
    /// The largest registered fd, -1 when none.
    max_fd: c_int,
    /// The waker's fd, added to the read set handed to the kernel (not to `readers`).
    waker: Option<Arc<Shared>>,
    /// The sets were shortened since the last wait, which then gives their memory back if
    /// they are at most a quarter of their capacity.
    shortened: bool,
}

impl Sealed for SelectBackend {}

impl SelectBackend {
    pub(crate) const fn new() -> Self {
        SelectBackend {
            readers: Vec::new(),
            writers: Vec::new(),
            read_out: Vec::new(),
            write_out: Vec::new(),
            max_fd: -1,
            waker: None,
            shortened: false,
        }
    }

    /// Sets `fd`'s bits in both sets to `events`, growing the sets to hold it.
    #[inline]
    fn set(&mut self, fd: RawFd, events: Events) {
        let word = sys::__FD_ELT(fd);
        if word >= self.readers.len() || word >= self.writers.len() {
            self.grow(word);
        }
        let bit = sys::__FD_MASK(fd);
        let read = if events.is_readable() { bit } else { 0 };
        let write = if events.is_writable() { bit } else { 0 };
        if let (Some(r), Some(w)) = (self.readers.get_mut(word), self.writers.get_mut(word)) {
            *r = (*r & !bit) | read;
            *w = (*w & !bit) | write;
        }
    }

    /// Grows both sets to hold word `word` (out of line: `set` stays a few instructions).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, word: usize) {
        self.readers.resize(word + 1, 0);
        self.writers.resize(word + 1, 0);
    }

    /// After the largest fd was removed: drops the sets' trailing zero words and finds the
    /// new largest fd. Their memory goes back at the next wait ([`release`](Self::release)),
    /// so an unregistration and a registration in between reuse it.
    #[cold]
    #[inline(never)]
    fn shrink(&mut self) {
        while self.readers.last() == Some(&0) && self.writers.last() == Some(&0) {
            self.readers.pop();
            self.writers.pop();
        }
        self.shortened = true;
        self.max_fd = match self.readers.len().checked_sub(1) {
            None => -1,
            Some(last) => {
                let word = self.readers[last] | self.writers[last];
                let top = NFDBITS as u32 - 1 - word.leading_zeros();
                c_int::try_from(last * NFDBITS).unwrap_or(c_int::MAX) + top as c_int
            }
        };
    }

    /// At a wait after the sets were shortened: gives their memory back once they are at
    /// most a quarter of their capacity (the hysteresis keeps a top fd that comes and goes
    /// from reallocating each time), the buffers handed to the kernel with them.
    #[cold]
    #[inline(never)]
    fn release(&mut self) {
        self.shortened = false;
        let len = self.readers.len();
        if len <= self.readers.capacity() / 4 {
            for set in [
                &mut self.readers,
                &mut self.writers,
                &mut self.read_out,
                &mut self.write_out,
            ] {
                set.truncate(len);
                set.shrink_to(len * 2);
            }
        }
    }
}

/// Whether `select(2)` on this OS takes fds ≥ `FD_SETSIZE` given large enough sets.
const UNBOUNDED_SETS: bool = cfg!(any(target_os = "linux", target_os = "android"));

impl Interface for SelectBackend {
    fn add(&mut self, fd: RawFd, events: Events) -> Result<()> {
        if !UNBOUNDED_SETS && usize::try_from(fd).map_or(true, |fd| fd >= sys::FD_SETSIZE) {
            return Err(Error::InvalidFd(fd));
        }
        syscall::check_fd_open(fd)?;
        self.set(fd, events);
        self.max_fd = self.max_fd.max(fd);
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, _old: Events, new: Events, _mark: Mark) -> Result<()> {
        self.set(fd, new);
        Ok(())
    }

    fn remove(&mut self, fd: RawFd, _events: Events) -> Result<()> {
        self.set(fd, Events::EMPTY);
        // Below the largest registered fd, whose bit is still set, the sets keep their length.
        if fd < self.max_fd {
            return Ok(());
        }
        self.shrink();
        Ok(())
    }

    #[inline]
    fn wait(
        &mut self,
        timeout: Option<Duration>,
        _keys: &mut impl Marks,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<()> {
        if self.shortened {
            self.release();
        }
        self.read_out.clone_from(&self.readers);
        self.write_out.clone_from(&self.writers);
        let mut nfds = self.max_fd + 1;
        // The waker's bit, set in the copy only, so a registration of any fd is untouched.
        let waker = self.waker.as_ref().map(|w| (w.fd(), sys::__FD_ELT(w.fd())));
        if let Some((fd, word)) = waker {
            if word >= self.read_out.len() {
                self.read_out.resize(word + 1, 0);
                self.write_out.resize(word + 1, 0);
            }
            self.read_out[word] |= sys::__FD_MASK(fd);
            nfds = nfds.max(fd + 1);
        }
        let tv = timeout.map(timeout::to_timeval);
        // The kernel counts the bits it left set: the scan stops once they are all seen.
        let mut left = syscall::select(nfds, &mut self.read_out, &mut self.write_out, tv)?;
        let mut woken = false;
        if let (Some((fd, word)), Some(w)) = (waker, &self.waker) {
            let bit = sys::__FD_MASK(fd);
            if left != 0 && self.read_out[word] & bit != 0 {
                self.read_out[word] &= !bit;
                w.drain();
                woken = true;
                left -= 1;
            }
        }
        if left != 0 {
            for (i, (&r, &w)) in self.read_out.iter().zip(&self.write_out).enumerate() {
                let mut bits = r | w;
                if bits == 0 {
                    continue;
                }
                while bits != 0 {
                    let b = bits.trailing_zeros();
                    let bit: fd_mask = 1 << b;
                    bits &= !bit;
                    let mut events = Events::EMPTY;
                    if r & bit != 0 {
                        events |= Events::READ;
                    }
                    if w & bit != 0 {
                        events |= Events::WRITE;
                    }
                    let fd = c_int::try_from(i * NFDBITS + b as usize).unwrap_or(c_int::MAX);
                    ready.push((fd, events));
                }
                left = left.saturating_sub((r.count_ones() + w.count_ones()) as usize);
                if left == 0 {
                    break;
                }
            }
        }
        // The waker's entry goes last, where `select_ready` looks for it.
        if woken {
            ready.push((WOKEN, Events::EMPTY));
        }
        Ok(())
    }

    /// The output sets are subsets of the registered readers and writers.
    #[inline]
    fn filters(&self) -> bool {
        true
    }

    fn close(&mut self) {
        *self = SelectBackend::new();
    }

    fn add_waker(&mut self) -> Result<Arc<Shared>> {
        let shared = Shared::new(Source::new_fd()?);
        let fd = shared.fd();
        if !UNBOUNDED_SETS && usize::try_from(fd).map_or(true, |fd| fd >= sys::FD_SETSIZE) {
            return Err(Error::InvalidFd(fd));
        }
        self.waker = Some(Arc::clone(&shared));
        Ok(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `release`'s rule, on the sets' capacity: kept while the sets are longer than a quarter
    /// of it; at a quarter or less, shrunk to twice their length. (`Vec::shrink_to` keeps at
    /// least the length and the bound it is given; how far below the old capacity it goes is
    /// the allocator's business, so only "smaller" is checked there.) And `shrink`'s largest
    /// fd as the top ones go: -1 once none is left.
    #[test]
    fn release_keeps_a_quarter_full_set_and_shrinks_to_twice_its_length() {
        let word = NFDBITS as RawFd;
        let mut b = SelectBackend::new();
        // Bits in words 0, 2, 4 and 15: the sets are 16 words long. (`set` and `remove` make no
        // system call; `add` would check that each fd is open.)
        for fd in [0, 2 * word, 4 * word, 15 * word] {
            b.set(fd, Events::READ);
        }
        b.max_fd = 15 * word;
        let full = b.readers.capacity();
        assert!(b.readers.len() == 16 && full >= 16, "capacity {full}");
        let quarter = full / 4;
        assert!((3..5).contains(&quarter), "capacity {full}");
        // The top fd goes: 5 words left, more than a quarter: kept.
        b.remove(15 * word, Events::READ).unwrap();
        assert!(b.shortened && b.readers.len() == 5 && b.max_fd == 4 * word);
        b.release();
        assert_eq!(b.readers.capacity(), full, "5 words of {full}: kept");
        // Then 3 words, a quarter or less: shrunk to 6 words or so.
        b.remove(4 * word, Events::READ).unwrap();
        assert_eq!((b.readers.len(), b.max_fd), (3, 2 * word));
        b.release();
        for set in [&b.readers, &b.writers] {
            let shrunk = set.capacity();
            assert!(
                (6..full).contains(&shrunk),
                "3 words of {full}: shrunk to {shrunk}, not to twice the length"
            );
        }
        // The last fds go: no word left, and no largest fd (-1).
        b.remove(2 * word, Events::READ).unwrap();
        assert_eq!((b.readers.len(), b.max_fd), (1, 0));
        b.remove(0, Events::READ).unwrap();
        assert_eq!((b.readers.len(), b.writers.len(), b.max_fd), (0, 0, -1));
    }
}
