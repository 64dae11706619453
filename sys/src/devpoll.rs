//! Solaris/illumos `/dev/poll` (`poll(4D)`, `<sys/devpoll.h>`).
//!
//! The `libc` crate has none of these items; they are transcribed from illumos-gate
//! `usr/src/uts/common/sys/devpoll.h` and `usr/src/uts/common/sys/poll.h`, which Oracle Solaris
//! shares.
//!
//! Usage: `open("/dev/poll", O_RDWR | O_CLOEXEC)`; register or change interest by `write(2)`-ing
//! `pollfd` records (a `POLLREMOVE` record first to replace a descriptor's mask, since writes
//! OR into the cached mask); wait with `ioctl(fd, DP_POLL, &mut dvpoll)`.
//!
//! # References
//!  - [illumos](https://illumos.org/man/4D/poll)

use crate::{c_int, c_short, nfds_t, pollfd};

/// `struct dvpoll` (`<sys/devpoll.h>`): the argument of the `DP_POLL` ioctl.
///
/// Three fields, deliberately. Oracle Solaris's `struct dvpoll` has exactly these. Since 2015
/// illumos's has a fourth, `sigset_t *dp_setp`, read only by the `DP_PPOLL` ioctl: for
/// `DP_POLL`, illumos's `devpoll.c` copies in only the bytes up to `dp_setp`
/// (`dpsize = (uintptr_t)STRUCT_FADDR(dvpoll, dp_setp) - (uintptr_t)STRUCT_FADDR(dvpoll,
/// dp_fds)`), so the 3-field struct is correct for `DP_POLL` on both systems.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dvpoll {
    /// Output buffer: the kernel writes up to `dp_nfds` ready `pollfd`s here.
    pub dp_fds: *mut pollfd,
    /// Capacity of `dp_fds`, in `pollfd`s.
    pub dp_nfds: nfds_t,
    /// Timeout in milliseconds; -1 blocks, 0 returns immediately.
    pub dp_timeout: c_int,
}

/// `ioctl` request: wait for events on the descriptors cached in this `/dev/poll` instance
/// (`DPIOC | 1`, with `DPIOC = 0xD0 << 8`). Returns the number of ready `pollfd`s written to
/// `dp_fds`.
pub const DP_POLL: c_int = (0xD0 << 8) | 1;

/// `pollfd::events` value written to `/dev/poll`: remove the descriptor from the set
/// (`<sys/poll.h>`: `0x0800`).
pub const POLLREMOVE: c_short = 0x0800;
