//! [`Waker`]: wake a blocked `select` from another thread or from a signal handler.
//!
//! Python has no such object: asyncio builds a self-pipe by hand (`_make_self_pipe`, a socket
//! pair whose read end it registers) and `signal.set_wakeup_fd` writes to it from the C signal
//! handler. Here the selector makes and watches the kernel object itself, outside the key map.
//!
//! # Design
//!
//! The kernel object is owned by a [`Shared`] behind an [`Arc`]: one share in the selector
//! (which hands a second to its backend, to watch and drain), one in each [`Waker`]. The fd is
//! closed only when the last share goes, so `wake()` can never write into an fd number that was
//! closed and reused by something else. The selector marks the `Shared` closed (an atomic flag)
//! when it is closed or dropped; `wake()` then returns [`Error::Closed`] without a system call.
//!
//! | mechanism | where | watched as | `wake()` | drained by |
//! |---|---|---|---|---|
//! | `eventfd(0, EFD_CLOEXEC \| EFD_NONBLOCK)` | Linux, Android, illumos (every backend) | its fd, readable | `write` of a `u64` 1 | one 8-byte `read` |
//! | `EVFILT_USER` on the kqueue itself | kqueue on macOS/iOS, FreeBSD, NetBSD, DragonFly | `ident` 0 of that filter, which no fd registration uses | `kevent` with `NOTE_TRIGGER` | `EV_CLEAR` (reset when returned) |
//! | non-blocking `O_CLOEXEC` pipe | OpenBSD's kqueue, poll and select on the BSDs and macOS, Solaris | the read end, readable | `write` of 1 byte to the write end | `read`s until empty |
//! | a non-blocking UDP socket connected to itself on 127.0.0.1 | Windows | the socket, in the read set | `send` of 1 byte | `recv`s until `WSAEWOULDBLOCK` |
//!
//! Wakes coalesce in the kernel object (a counter, a pipe's bytes, a triggered filter, queued
//! datagrams); a full pipe or socket buffer, or a saturated counter, means a wake is already
//! pending, so `wake()` treats `EAGAIN`/`WSAEWOULDBLOCK` as success. The object is
//! level-triggered (or, for `EVFILT_USER`, stays triggered until returned), so a wake that
//! lands before the wait starts makes that wait return at once: none is lost.
//!
//! The watched entry is not a key: the backend recognises it by a reserved tag (epoll's user
//! data, kqueue's filter), or keeps it outside the registration arrays (poll's extra entry at
//! the end, select's extra bit), drains it during the wait, and reports "woken" to the shared
//! loop, which then returns whatever keys are ready, possibly none.

use alloc::sync::Arc;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

#[cfg(unix)]
use crate::syscall::OwnedFd;
use crate::{Error, Result};

/// Wakes the [`select`](crate::BaseSelector::select) blocked on one selector, from any thread or
/// from a signal handler. Made by the selector's `waker()` (on every selector type); cheap to
/// clone (an `Arc`), `Send + Sync + 'static`.
///
/// * [`wake`](Waker::wake) makes the `select` (or `select_ready`) blocked on that selector return
///   promptly — or, if none is blocked, the next one — with whatever keys are ready, possibly
///   none.
/// * Wakes coalesce: any number of `wake()` calls before a `select` give one early return, and
///   the `select` after it blocks normally again.
/// * The waker is invisible to the key map: not a key, not in `get_map()` or in results, not a
///   registration, and it cannot collide with a registration of any fd the caller owns (its own
///   fd is open for as long as it is watched, so no other file has that number).
/// * After the selector is closed or dropped, `wake()` returns [`Error::Closed`] and makes no
///   system call. The kernel object lives until the last `Waker` is dropped (on kqueue, where
///   it is the kqueue itself, that keeps the emptied kqueue fd open until then), so a `wake()`
///   racing with `close()` writes to its own object, never to a reused fd number.
///
/// # Async-signal safety
///
/// `wake()` is one atomic load and one system call (`write(2)`, `kevent(2)` or `send`): no
/// allocation, no lock. It may be called from a signal handler (on unix, `write` and `kevent`
/// are async-signal-safe); the echo server example does that for SIGINT/SIGTERM. Like any
/// handler that makes a system call, save and restore `errno` around it (the example does):
/// a wake that coalesces with a pending one is `Ok` but may leave `errno` at `EAGAIN`.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use std::time::Duration;
/// use ioselectors::{BaseSelector, DefaultSelector};
///
/// let mut sel: DefaultSelector = DefaultSelector::new()?;
/// let waker = sel.waker()?;
/// let t = std::thread::spawn(move || waker.wake());
/// assert!(sel.select(None)?.is_empty()); // returns once woken: no key is ready
/// t.join().unwrap()?;
/// # }
/// # Ok::<(), ioselectors::Error>(())
/// ```
#[derive(Clone)]
pub struct Waker {
    shared: Arc<Shared>,
}

impl Waker {
    /// Wake the selector: one system call, async-signal-safe.
    ///
    /// # Errors
    /// [`Error::Closed`] once the selector is closed or dropped (nothing is written);
    /// [`Error::Os`] if the system call fails (never seen: a full buffer or a saturated counter
    /// is a pending wake, and counts as success).
    pub fn wake(&self) -> Result<()> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        self.shared.source.trigger()
    }
}

impl fmt::Debug for Waker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waker")
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The kernel object and the closed flag, shared by the selector, its backend and every
/// [`Waker`]. Crate-internal (`pub` in a private module only because the sealed backend trait
/// names it).
#[derive(Debug)]
pub struct Shared {
    closed: AtomicBool,
    source: Source,
}

impl Shared {
    pub(crate) fn new(source: Source) -> Arc<Shared> {
        Arc::new(Shared {
            closed: AtomicBool::new(false),
            source,
        })
    }

    /// The fd a backend watches for readability (not for `EVFILT_USER`, which has none).
    #[cfg(unix)]
    pub(crate) fn fd(&self) -> crate::RawFd {
        self.source.fd()
    }

    /// The socket a backend watches for readability.
    #[cfg(windows)]
    pub(crate) fn socket(&self) -> crate::RawFd {
        self.source.socket()
    }

    /// Consume the pending wakes (the backend saw the object ready). Never blocks.
    pub(crate) fn drain(&self) {
        self.source.drain();
    }
}

/// The selector's share: marks the [`Shared`] closed when the selector is closed or dropped.
#[derive(Debug)]
pub(crate) struct Owner {
    shared: Arc<Shared>,
}

impl Owner {
    pub(crate) fn new(shared: Arc<Shared>) -> Owner {
        Owner { shared }
    }

    /// A new handle on the same object.
    pub(crate) fn waker(&self) -> Waker {
        Waker {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
    }
}

/// A kernel object that wakes its own waiter (kqueue's `EVFILT_USER`, fired with
/// `NOTE_TRIGGER`): what a [`Source::Kernel`] waker calls. Implemented by the kqueue backend's
/// kernel (`SystemKqueue`, and the tests' models); the shared core knows no backend. Unix
/// only, like [`Source::Kernel`] (winsock has no such filter).
#[cfg(unix)]
#[doc(hidden)]
pub trait Trigger: fmt::Debug + Send + Sync {
    /// Fire the wake: one system call, async-signal-safe, no allocation.
    ///
    /// # Errors
    /// [`Error::Os`].
    fn trigger(&self) -> Result<()>;
    /// Whether this is a `fork(2)` child of the process that made the object, which does not
    /// inherit it (kqueue(2)): then `wake()` answers [`Error::Closed`] without a call.
    fn forked(&self) -> bool;
    /// The fd the backend watches for readability when the object is a pipe of the backend's
    /// kernel rather than a filter (the tests' rump kernel, whose fds are not the process's:
    /// `Kernel::wake_pipe`); -1 (the default) for a filter, which has none.
    fn fd(&self) -> crate::RawFd {
        -1
    }
    /// Consume the pending wakes of such a pipe; nothing (the default) for a filter, which
    /// `EV_CLEAR` resets when it is returned.
    fn drain(&self) {}
}

/// What `wake()` writes to. See the module docs for which one each OS and backend uses.
#[derive(Debug)]
pub(crate) enum Source {
    /// An eventfd: watched, written and read through one fd.
    #[cfg(ioselectors_epoll)]
    EventFd(OwnedFd),
    /// A pipe: the read end is watched and drained, the write end written.
    #[cfg(all(unix, not(ioselectors_epoll)))]
    Pipe { read: OwnedFd, write: OwnedFd },
    /// A filter of the backend's kernel object, which it shares (kqueue's `EVFILT_USER`):
    /// triggered through it, reset by the kernel when returned (`EV_CLEAR`). Or a pipe that
    /// kernel made itself ([`Trigger::fd`], [`Trigger::drain`]: the tests' rump kernel).
    #[cfg(unix)]
    Kernel(Arc<dyn Trigger>),
    /// A UDP socket connected to itself.
    #[cfg(windows)]
    Socket(crate::syscall::OwnedSocket),
}

impl Source {
    /// The fd-based object of this OS: an eventfd, else a pipe.
    #[cfg(unix)]
    pub(crate) fn new_fd() -> Result<Source> {
        #[cfg(ioselectors_epoll)]
        {
            crate::syscall::eventfd().map(Source::EventFd)
        }
        #[cfg(not(ioselectors_epoll))]
        {
            let (read, write) = crate::syscall::pipe()?;
            Ok(Source::Pipe { read, write })
        }
    }

    /// The socket-based object of Windows.
    #[cfg(windows)]
    pub(crate) fn new_socket() -> Result<Source> {
        crate::syscall::self_connected_udp().map(Source::Socket)
    }

    #[cfg(unix)]
    fn fd(&self) -> crate::RawFd {
        match self {
            #[cfg(ioselectors_epoll)]
            Source::EventFd(fd) => fd.raw(),
            #[cfg(all(unix, not(ioselectors_epoll)))]
            Source::Pipe { read, .. } => read.raw(),
            Source::Kernel(kernel) => kernel.fd(),
        }
    }

    #[cfg(windows)]
    fn socket(&self) -> crate::RawFd {
        match self {
            Source::Socket(s) => s.raw(),
        }
    }

    /// One system call; a full buffer or saturated counter is a wake already pending.
    fn trigger(&self) -> Result<()> {
        let res = match self {
            #[cfg(ioselectors_epoll)]
            Source::EventFd(fd) => crate::syscall::write(fd, &1u64.to_ne_bytes()).map(drop),
            #[cfg(all(unix, not(ioselectors_epoll)))]
            Source::Pipe { write, .. } => crate::syscall::write(write, &[1]).map(drop),
            #[cfg(unix)]
            Source::Kernel(kernel) if kernel.forked() => Err(Error::Closed),
            #[cfg(unix)]
            Source::Kernel(kernel) => kernel.trigger(),
            #[cfg(windows)]
            Source::Socket(s) => crate::syscall::send_byte(s),
        };
        match res {
            Err(Error::Os(crate::syscall::EAGAIN)) => Ok(()),
            other => other,
        }
    }

    fn drain(&self) {
        match self {
            #[cfg(ioselectors_epoll)]
            Source::EventFd(fd) => {
                // One read resets the counter; EAGAIN: nothing pending (drained already).
                let _ = crate::syscall::read(fd, &mut [0; 8]);
            }
            #[cfg(all(unix, not(ioselectors_epoll)))]
            Source::Pipe { read, .. } => {
                // Until a short read (or EAGAIN): every pending wake is one byte.
                let mut buf = [0; 256];
                loop {
                    match crate::syscall::read(read, &mut buf) {
                        Ok(n) if n == buf.len() => {}
                        Err(Error::Os(crate::syscall::EINTR)) => {}
                        _ => break,
                    }
                }
            }
            #[cfg(unix)]
            // EV_CLEAR reset a filter when kevent returned it; a kernel's pipe drains itself.
            Source::Kernel(kernel) => kernel.drain(),
            #[cfg(windows)]
            Source::Socket(s) => {
                let mut buf = [0; 16];
                while crate::syscall::recv(s, &mut buf).is_ok() {}
            }
        }
    }
}
