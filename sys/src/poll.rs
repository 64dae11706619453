//! `poll(2)` (`<poll.h>`).

use crate::{c_int, c_short, nfds_t};

/// `struct pollfd` (`<poll.h>`): one descriptor and its requested and returned events.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pollfd {
    /// The descriptor; negative entries are ignored by the kernel.
    pub fd: c_int,
    /// Requested events (`POLLIN`, `POLLOUT`, ...).
    pub events: c_short,
    /// Returned events, filled in by the kernel.
    pub revents: c_short,
}

extern "C" {
    /// `int poll(struct pollfd fds[], nfds_t nfds, int timeout)`—Wait for events on a set of
    /// descriptors. `timeout` is in milliseconds; negative blocks.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/poll.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/poll.2.html)
    pub fn poll(fds: *mut pollfd, nfds: nfds_t, timeout: c_int) -> c_int;
}

/// Data other than high-priority data may be read without blocking.
pub const POLLIN: c_short = 0x1;
/// High-priority data may be read without blocking.
pub const POLLPRI: c_short = 0x2;
/// Normal data may be written without blocking.
pub const POLLOUT: c_short = 0x4;
/// An error has occurred (output only).
pub const POLLERR: c_short = 0x8;
/// The device has been disconnected (output only).
pub const POLLHUP: c_short = 0x10;
/// Invalid descriptor: not open (output only).
pub const POLLNVAL: c_short = 0x20;

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use crate::c_short;
    // <asm-generic/poll.h>
    /// Normal data may be read without blocking.
    pub const POLLRDNORM: c_short = 0x040;
    /// Priority data may be read without blocking.
    pub const POLLRDBAND: c_short = 0x080;
    /// Normal data may be written without blocking.
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    pub const POLLWRNORM: c_short = 0x100;
    /// Priority data may be written without blocking.
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    pub const POLLWRBAND: c_short = 0x200;
    /// Normal data may be written without blocking (`<asm/poll.h>` on mips).
    #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
    pub const POLLWRNORM: c_short = 0x004;
    /// Priority data may be written without blocking (`<asm/poll.h>` on mips).
    #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
    pub const POLLWRBAND: c_short = 0x100;
    /// Stream socket peer closed its end or shut down writing (Linux 2.6.17+).
    pub const POLLRDHUP: c_short = 0x2000;
}
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use linux::*;
