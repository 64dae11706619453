//! [`SystemKqueue`]: the real `kqueue(2)`/`kevent(2)` under [`KqueueBackend`](super::KqueueBackend),
//! converting the logic's plain types to and from `struct kevent`. Only on the kqueue OSes.

use core::time::Duration;

use ioselectors_sys::{self as sys, kevent};

use super::{Action, Change, Filter, Kernel, Kev};
use crate::kqueue_logic as logic;
use crate::syscall::{self, KeventList, OwnedFd};
use crate::waker::Trigger;
use crate::{timeout, RawFd, Result};

// The logic module mirrors these values so that it builds without the sys crate's kqueue items.
const _: () = assert!(sys::EV_ERROR as u32 == logic::EV_ERROR);
const _: () = assert!(sys::EV_EOF as u32 == logic::EV_EOF);
const _: () = assert!(sys::ENOENT == logic::ENOENT && sys::EBADF == logic::EBADF);
const _: () = assert!(sys::EINVAL == super::EINVAL);

/// One kqueue of the running kernel: its fd and the id of the process that made it.
///
/// Dropped (with the selector, or with the last `Waker` sharing it) it closes the fd, except
/// in a `fork(2)` child: the child does not inherit the kqueue (kqueue(2): "The queue is not
/// inherited by a child created with fork(2)"), so there the number is left alone.
#[derive(Debug)]
pub struct SystemKqueue {
    fd: Option<OwnedFd>,
    pid: RawFd,
}

impl SystemKqueue {
    /// `kqueue()`, then `FD_CLOEXEC`, and `getpid()`.
    pub(crate) fn new() -> Result<SystemKqueue> {
        Ok(SystemKqueue {
            fd: Some(syscall::kqueue()?),
            pid: syscall::getpid(),
        })
    }

    fn fd(&self) -> &OwnedFd {
        // Set from `new` until `drop`.
        self.fd.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for SystemKqueue {
    fn drop(&mut self) {
        if let Some(fd) = self.fd.take() {
            if self.forked() {
                fd.leak();
            }
        }
    }
}

/// A change as a `struct kevent`: `EV_ADD` or `EV_DELETE`, always with `EV_RECEIPT`.
fn to_kevent(change: Change) -> kevent {
    let filter = match change.filter {
        Filter::Read => sys::EVFILT_READ,
        Filter::Write => sys::EVFILT_WRITE,
    };
    let action = match change.action {
        Action::Add | Action::Renew => sys::EV_ADD,
        Action::Delete => sys::EV_DELETE,
    };
    kevent {
        ident: change.fd as sys::uintptr_t,
        filter,
        flags: action | sys::EV_RECEIPT,
        fflags: 0,
        data: 0,
        udata: core::ptr::null_mut(),
        #[cfg(target_os = "freebsd")]
        ext: [0; 4],
    }
}

/// The waker's `EVFILT_USER` change (ident [`logic::USER_IDENT`]): added with `EV_CLEAR` and a
/// receipt, or (`trigger`) fired with `NOTE_TRIGGER`.
#[cfg(not(target_os = "openbsd"))]
fn user_kevent(trigger: bool) -> kevent {
    kevent {
        ident: logic::USER_IDENT as sys::uintptr_t,
        filter: sys::EVFILT_USER,
        flags: if trigger {
            0
        } else {
            sys::EV_ADD | sys::EV_CLEAR | sys::EV_RECEIPT
        },
        fflags: if trigger { sys::NOTE_TRIGGER } else { 0 },
        data: 0,
        udata: core::ptr::null_mut(),
        #[cfg(target_os = "freebsd")]
        ext: [0; 4],
    }
}

/// A returned `struct kevent`, reduced to what the logic reads.
// `data` is intptr_t or int64_t, `flags` u16 or u32, depending on the OS.
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn from_kevent(k: &kevent) -> Kev {
    let filter = if k.filter == sys::EVFILT_READ {
        Some(Filter::Read)
    } else if k.filter == sys::EVFILT_WRITE {
        Some(Filter::Write)
    } else {
        None
    };
    #[cfg(not(target_os = "openbsd"))]
    let user = k.filter == sys::EVFILT_USER;
    #[cfg(target_os = "openbsd")]
    let user = false;
    Kev {
        ident: k.ident as usize,
        filter,
        flags: u32::from(k.flags),
        data: k.data as i64,
        user,
    }
}

/// `Waker::wake` on kqueue: one `kevent()` call with the `NOTE_TRIGGER` change and no event
/// list (so it returns at once, without allocating).
impl Trigger for SystemKqueue {
    fn trigger(&self) -> Result<()> {
        #[cfg(not(target_os = "openbsd"))]
        {
            syscall::kevent_submit(self.fd(), &user_kevent(true))
        }
        #[cfg(target_os = "openbsd")]
        {
            // Never shared with a waker on OpenBSD (the waker is a pipe there).
            Err(crate::Error::Os(sys::EINVAL))
        }
    }

    fn forked(&self) -> bool {
        syscall::getpid() != self.pid
    }
}

impl Kernel for SystemKqueue {
    type Events = KeventList;

    fn new_events() -> KeventList {
        KeventList::new()
    }

    fn fileno(&self) -> RawFd {
        self.fd().raw()
    }

    #[inline]
    fn kevent(
        &self,
        changes: &[Change],
        events: &mut KeventList,
        nevents: usize,
        timeout: Option<Duration>,
    ) -> Result<()> {
        // At most two changes, on the stack (the placeholder entries are never submitted).
        let placeholder = Change {
            fd: 0,
            filter: Filter::Read,
            action: Action::Delete,
        };
        let mut list = [to_kevent(placeholder); 2];
        let mut n = 0;
        for (slot, &change) in list.iter_mut().zip(changes) {
            *slot = to_kevent(change);
            n += 1;
        }
        events.clear();
        let ts = timeout.map(timeout::to_timespec);
        syscall::kevent(self.fd(), &list[..n], events, nevents, ts).map(drop)
    }

    fn add_user(&self, events: &mut KeventList) -> Result<()> {
        events.clear();
        #[cfg(not(target_os = "openbsd"))]
        {
            let zero = timeout::to_timespec(Duration::ZERO);
            syscall::kevent(self.fd(), &[user_kevent(false)], events, 1, Some(zero)).map(drop)
        }
        #[cfg(target_os = "openbsd")]
        {
            Err(crate::Error::Os(sys::EINVAL))
        }
    }

    #[inline]
    fn returned(events: &KeventList) -> usize {
        events.as_slice().len()
    }

    #[inline]
    fn entry(events: &KeventList, i: usize) -> Kev {
        from_kevent(&events.as_slice()[i])
    }
}
