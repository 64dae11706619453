//! The only module with `unsafe`: safe `pub(crate)` wrappers over the `ioselectors-sys`
//! declarations. Each takes slices or values, makes one call, and turns `-1` into
//! [`Error::Os`] with the thread's `errno` (the one place errno is read).
#![allow(unsafe_code)]

#[cfg(any(target_os = "linux", target_os = "android"))]
use alloc::vec::Vec;
use core::ffi::c_int;
use core::time::Duration;

use ioselectors_sys as sys;

use crate::{Error, Result};

/// The calling thread's `errno`.
pub(crate) fn errno() -> i32 {
    // SAFETY: errno_location() takes no argument and returns a pointer to the calling thread's
    // errno, valid for the thread's lifetime (errno(3)).
    unsafe { *sys::errno_location() }
}

/// `-1` (or any negative return) → `Err(Os(errno))`.
fn cvt(ret: c_int) -> Result<c_int> {
    if ret < 0 {
        Err(Error::Os(errno()))
    } else {
        Ok(ret)
    }
}

/// An fd this crate opened (epoll, kqueue, /dev/poll), closed exactly once on drop.
#[derive(Debug)]
pub(crate) struct OwnedFd(c_int);

impl OwnedFd {
    pub(crate) fn raw(&self) -> c_int {
        self.0
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: self.0 was returned open by the kernel to this OwnedFd, which is its only
        // owner, and this is the only place it is closed. The result is ignored: after close(2)
        // the fd is released even on EINTR/EIO (Linux, POSIX 2024).
        unsafe { sys::close(self.0) };
    }
}

/// Whether `fd` is open: `fcntl(fd, F_GETFD)`, `Err(Os(EBADF))` if not.
pub(crate) fn check_open(fd: c_int) -> Result<()> {
    // SAFETY: F_GETFD takes no third argument and only reads the descriptor table.
    cvt(unsafe { sys::fcntl(fd, sys::F_GETFD) }).map(drop)
}

/// `clock_gettime(CLOCK_MONOTONIC)` as a `Duration` since an arbitrary epoch.
pub(crate) fn monotonic_now() -> Duration {
    let mut ts = sys::timespec::default();
    // SAFETY: ts is a valid, writable timespec; CLOCK_MONOTONIC is supported everywhere this
    // crate builds (clock_gettime(2)), so the call cannot fail with these arguments.
    let ret = unsafe { sys::clock_gettime(sys::CLOCK_MONOTONIC, &mut ts) };
    debug_assert_eq!(ret, 0);
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

/// `poll(fds, fds.len(), timeout_ms)`: the number of entries with `revents != 0`.
pub(crate) fn poll(fds: &mut [sys::pollfd], timeout_ms: c_int) -> Result<usize> {
    let nfds = sys::nfds_t::try_from(fds.len()).map_err(|_| Error::Os(sys::EINVAL))?;
    // SAFETY: fds is valid for reads and writes of nfds pollfd entries (nfds == fds.len()),
    // and the kernel writes only their revents fields.
    let n = cvt(unsafe { sys::poll(fds.as_mut_ptr(), nfds, timeout_ms) })?;
    Ok(n as usize)
}

/// `select(nfds, read, write, NULL, timeout)` over caller-sized bit arrays.
///
/// `nfds` is clamped to the bits the arrays hold, so the kernel never reads or writes past
/// them; empty arrays are passed as null sets.
pub(crate) fn select(
    nfds: c_int,
    read: &mut [sys::fd_mask],
    write: &mut [sys::fd_mask],
    timeout: Option<sys::timeval>,
) -> Result<usize> {
    let words = read.len().min(write.len());
    let max_bits = c_int::try_from(words.saturating_mul(sys::NFDBITS)).unwrap_or(c_int::MAX);
    let nfds = nfds.clamp(0, max_bits);
    let set = |words: &mut [sys::fd_mask]| -> *mut sys::fd_set {
        if nfds == 0 {
            core::ptr::null_mut()
        } else {
            words.as_mut_ptr().cast()
        }
    };
    let (r, w) = (set(read), set(write));
    let mut tv = timeout;
    let tvp = tv
        .as_mut()
        .map_or(core::ptr::null_mut(), |tv| tv as *mut sys::timeval);
    // SAFETY: r and w are null or point to at least ceil(nfds / NFDBITS) fd_mask words
    // (nfds is clamped to the shorter array), which is all select(2) reads or writes: it
    // accesses only the first nfds bits of each set. fd_set is a plain array of fd_mask, so
    // the pointer cast keeps alignment. tvp is null (block) or points to a live timeval.
    let n = cvt(unsafe { sys::select(nfds, r, w, core::ptr::null_mut(), tvp) })?;
    Ok(n as usize)
}

/// `epoll_create1(EPOLL_CLOEXEC)`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn epoll_create() -> Result<OwnedFd> {
    // SAFETY: epoll_create1 takes a flag word and returns a new fd or -1.
    let fd = cvt(unsafe { sys::epoll_create1(sys::EPOLL_CLOEXEC) })?;
    Ok(OwnedFd(fd))
}

/// `epoll_ctl(epfd, op, fd, {events, u64: fd})`: the fd itself is the user data, so no pointer
/// is ever handed to the kernel to keep.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn epoll_ctl(epfd: &OwnedFd, op: c_int, fd: c_int, events: u32) -> Result<()> {
    let mut event = sys::epoll_event {
        events,
        u64: fd as u64,
    };
    // SAFETY: event is a valid epoll_event the kernel only reads during the call (it is
    // ignored for EPOLL_CTL_DEL but must be non-null before Linux 2.6.9).
    cvt(unsafe { sys::epoll_ctl(epfd.raw(), op, fd, &mut event) }).map(drop)
}

/// `epoll_wait(epfd, buf, max, timeout_ms)` into `buf`'s storage, reused between calls: `buf`
/// is cleared, grown to hold `max` events if needed, and holds the returned events.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn epoll_wait(
    epfd: &OwnedFd,
    buf: &mut Vec<sys::epoll_event>,
    max: usize,
    timeout_ms: c_int,
) -> Result<usize> {
    buf.clear();
    buf.reserve(max.max(1));
    let max = c_int::try_from(buf.capacity()).unwrap_or(c_int::MAX);
    // SAFETY: buf has capacity for at least max epoll_event entries, all of which the kernel
    // may write; max > 0 as epoll_wait(2) requires.
    let n = cvt(unsafe { sys::epoll_wait(epfd.raw(), buf.as_mut_ptr(), max, timeout_ms) })?;
    // SAFETY: epoll_wait(2) initialised the first n <= max <= capacity entries; epoll_event
    // is plain old data.
    unsafe { buf.set_len(n as usize) };
    Ok(n as usize)
}
