//! `epoll(7)` (`<sys/epoll.h>`): Linux, Android and illumos (illumos emulates the Linux API on
//! top of `/dev/poll`, with the same constant values).

use crate::c_int;

/// `struct epoll_event` (`<sys/epoll.h>`): the `epoll_data_t` union is flattened to its `u64`
/// member, as the `libc` crate does.
///
/// Packed on x86_64, and on 32-bit x86 under glibc, where the kernel's `__EPOLL_PACKED`
/// applies (`<linux/eventpoll.h>`); `packed(4)` on illumos x86 and x86_64
/// (`usr/src/uts/common/sys/epoll.h`: `#pragma pack(4)`); naturally aligned elsewhere. Copy `u64`
/// out before taking a reference to it.
#[repr(C)]
#[cfg_attr(
    all(
        any(target_os = "linux", target_os = "android"),
        any(target_arch = "x86_64", all(target_arch = "x86", target_env = "gnu"))
    ),
    repr(packed)
)]
#[cfg_attr(
    all(
        target_os = "illumos",
        any(target_arch = "x86", target_arch = "x86_64")
    ),
    repr(packed(4))
)]
#[derive(Clone, Copy, Debug, Default)]
pub struct epoll_event {
    /// Event mask (`EPOLLIN`, `EPOLLOUT`, ...).
    pub events: u32,
    /// User data, returned unchanged by `epoll_wait`.
    pub u64: u64,
}

// Inside the alias macro for the docs.rs badge (foreign items: see lib.rs).
ioselectors_epoll! {
    extern "C" {
        /// `int epoll_create1(int flags)`—Open an epoll instance.
        ///
        /// # References
        ///  - [Linux](https://man7.org/linux/man-pages/man2/epoll_create1.2.html)
        ///  - [illumos](https://illumos.org/man/3C/epoll_create1)
        pub fn epoll_create1(flags: c_int) -> c_int;

        /// `int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)`—Add, modify or
        /// remove an entry of the interest list.
        ///
        /// # References
        ///  - [Linux](https://man7.org/linux/man-pages/man2/epoll_ctl.2.html)
        ///  - [illumos](https://illumos.org/man/3C/epoll_ctl)
        pub fn epoll_ctl(epfd: c_int, op: c_int, fd: c_int, event: *mut epoll_event) -> c_int;

        /// `int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)`—
        /// Wait for events. `maxevents` must be > 0; `timeout` is in milliseconds, -1 blocks.
        ///
        /// # References
        ///  - [Linux](https://man7.org/linux/man-pages/man2/epoll_wait.2.html)
        ///  - [illumos](https://illumos.org/man/3C/epoll_wait)
        pub fn epoll_wait(
            epfd: c_int,
            events: *mut epoll_event,
            maxevents: c_int,
            timeout: c_int,
        ) -> c_int;
    }
}

/// Readable.
pub const EPOLLIN: c_int = 0x1;
/// Urgent data readable.
pub const EPOLLPRI: c_int = 0x2;
/// Writable.
pub const EPOLLOUT: c_int = 0x4;
/// Error condition (always reported).
pub const EPOLLERR: c_int = 0x8;
/// Hang up (always reported).
pub const EPOLLHUP: c_int = 0x10;
/// Normal data readable.
pub const EPOLLRDNORM: c_int = 0x40;
/// Priority band data readable.
pub const EPOLLRDBAND: c_int = 0x80;
/// Normal data writable.
pub const EPOLLWRNORM: c_int = 0x100;
/// Priority data writable.
pub const EPOLLWRBAND: c_int = 0x200;
/// Unused.
pub const EPOLLMSG: c_int = 0x400;
/// Peer closed or shut down writing.
pub const EPOLLRDHUP: c_int = 0x2000;
/// Exclusive wakeup.
pub const EPOLLEXCLUSIVE: c_int = 0x10000000;
/// Prevent system suspend while the event is pending.
pub const EPOLLWAKEUP: c_int = 0x20000000;
/// One-shot notification.
pub const EPOLLONESHOT: c_int = 0x40000000;
/// Edge-triggered notification.
pub const EPOLLET: c_int = 0x80000000u32 as c_int;

/// `epoll_ctl` op: add an entry.
pub const EPOLL_CTL_ADD: c_int = 1;
/// `epoll_ctl` op: remove an entry.
pub const EPOLL_CTL_DEL: c_int = 2;
/// `epoll_ctl` op: change an entry's events.
pub const EPOLL_CTL_MOD: c_int = 3;

/// `epoll_create1` flag: close on `exec` (equals Linux's generic `O_CLOEXEC`; illumos
/// `sys/epoll.h` uses the same value).
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "sparc", target_arch = "sparc64")
)))]
pub const EPOLL_CLOEXEC: c_int = 0x80000;
/// `epoll_create1` flag: close on `exec` (equals `O_CLOEXEC`, sparc value).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "sparc", target_arch = "sparc64")
))]
pub const EPOLL_CLOEXEC: c_int = 0x400000;
