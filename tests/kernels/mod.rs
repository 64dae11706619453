//! In-memory kqueue and `/dev/poll` kernels, per OS, for running the real `KqueueBackend` and
//! `DevpollBackend` code (through `ioselectors::__kernels`) on Linux. Shared by the test
//! binaries with `#[path]`, as `tests/model/mod.rs` is.
//!
//! They work over **real fds**: readiness is what `poll(2)` says about the real files, and a
//! knote or `/dev/poll` entry is checked against the file now at its number (`fstat`), so
//! closing, `dup2` and reused numbers behave as the kernels document, not as the crate assumes.
//! Each rule cites the man page or kernel source it comes from; what a model cannot see (the
//! same file reopened at the same number) is said where it matters.
#![allow(dead_code)]

pub mod devpoll;
pub mod kqueue;

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// The thread's errno.
pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `(st_dev, st_ino, st_mode)` of the file at `fd`, or the errno of `fstat` (`EBADF` for a
/// closed number).
pub fn identity(fd: RawFd) -> Result<(u64, u64, u32), i32> {
    // SAFETY: st is a plain struct fstat fills; fd is only read.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: st is valid for writes of one stat.
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        return Err(errno());
    }
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    Ok((st.st_dev as u64, st.st_ino as u64, st.st_mode as u32))
}

/// A new eventfd (close-on-exec, non-blocking): the models' own fds.
pub fn eventfd() -> OwnedFd {
    // SAFETY: eventfd takes two ints and returns a new fd or -1.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    assert!(fd >= 0, "eventfd: {}", errno());
    // SAFETY: fd is new and owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// `poll(2)` on `fds` for at most `timeout_ms` (`-1` blocks): the errno on failure.
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: i32) -> Result<usize, i32> {
    // SAFETY: fds is valid for reads and writes of fds.len() pollfds.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        Err(errno())
    } else {
        Ok(n as usize)
    }
}

/// The process's id.
pub fn getpid() -> i32 {
    // SAFETY: no argument, cannot fail.
    unsafe { libc::getpid() }
}

/// A timeout in milliseconds for `poll`, rounded up (`-1` for none).
pub fn millis(timeout: Option<std::time::Duration>) -> i32 {
    match timeout {
        None => -1,
        Some(d) => {
            let ms = d.as_nanos().div_ceil(1_000_000);
            ms.min(i32::MAX as u128) as i32
        }
    }
}
