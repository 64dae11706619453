//! `eventfd(2)` (`<sys/eventfd.h>`): a kernel counter behind an fd, readable while non-zero.
//! Linux, Android and illumos (illumos-gate `usr/src/uts/common/sys/eventfd.h`).

use crate::c_int;
#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::{O_CLOEXEC, O_NONBLOCK};

// Inside the alias macro for the docs.rs badge (foreign items: see lib.rs).
ioselectors_epoll! {
    extern "C" {
        /// `int eventfd(unsigned int initval, int flags)`—Create a file descriptor for event
        /// notification. A `write` of an 8-byte integer adds it to the counter; a `read` of 8
        /// bytes returns the counter and resets it to zero (without `EFD_SEMAPHORE`).
        ///
        /// # References
        ///  - [Linux](https://man7.org/linux/man-pages/man2/eventfd.2.html)
        ///  - [illumos](https://illumos.org/man/3C/eventfd)
        pub fn eventfd(initval: crate::c_uint, flags: c_int) -> c_int;
    }
}

/// `eventfd` flag: close on `exec`. Linux defines it as `O_CLOEXEC` (eventfd(2)), on every
/// architecture.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const EFD_CLOEXEC: c_int = O_CLOEXEC;
/// `eventfd` flag: non-blocking. Linux defines it as `O_NONBLOCK` (eventfd(2)), on every
/// architecture.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const EFD_NONBLOCK: c_int = O_NONBLOCK;
/// `eventfd` flag: semaphore-like reads (each `read` takes 1 from the counter).
pub const EFD_SEMAPHORE: c_int = 0x1;

/// `eventfd` flag: close on `exec` (illumos `sys/eventfd.h`: `0x80000`, not `O_CLOEXEC`).
#[cfg(target_os = "illumos")]
pub const EFD_CLOEXEC: c_int = 0x80000;
/// `eventfd` flag: non-blocking (illumos `sys/eventfd.h`: `0x800`, not `O_NONBLOCK`).
#[cfg(target_os = "illumos")]
pub const EFD_NONBLOCK: c_int = 0x800;
