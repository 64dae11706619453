//! `poll(2)` (`<poll.h>`).

use crate::{c_int, c_short, nfds_t};

/// `struct pollfd` (`<poll.h>`): one descriptor and its requested and returned events. The same
/// layout on every supported OS.
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

#[cfg(unix)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
extern "C" {
    /// `int poll(struct pollfd fds[], nfds_t nfds, int timeout)`—Wait for events on a set of
    /// descriptors. `timeout` is in milliseconds; negative blocks.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/poll.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/poll.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/poll.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=poll&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/poll.2)
    ///  - [OpenBSD](https://man.openbsd.org/poll.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=poll&section=2)
    ///  - [illumos](https://illumos.org/man/2/poll)
    // <poll.h> on 32-bit macOS: the UNIX03 variant.
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86"),
        link_name = "poll$UNIX2003"
    )]
    pub fn poll(fds: *mut pollfd, nfds: nfds_t, timeout: c_int) -> c_int;
}

// The same on every supported OS.

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
/// Normal data may be read without blocking.
pub const POLLRDNORM: c_short = 0x040;
/// Priority data may be read without blocking.
pub const POLLRDBAND: c_short = 0x080;

/// `POLLWRNORM`/`POLLWRBAND` where they are `<asm-generic/poll.h>`'s own bits.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "mips",
        target_arch = "mips32r6",
        target_arch = "mips64",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
))]
mod wr {
    use crate::c_short;
    /// Normal data may be written without blocking (`<asm-generic/poll.h>`).
    pub const POLLWRNORM: c_short = 0x100;
    /// Priority data may be written without blocking (`<asm-generic/poll.h>`).
    pub const POLLWRBAND: c_short = 0x200;
}
/// `POLLWRNORM`/`POLLWRBAND` everywhere else: the BSDs', Apple's and illumos's `<poll.h>`,
/// Linux `<asm/poll.h>` on mips and sparc.
#[cfg(not(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "mips",
        target_arch = "mips32r6",
        target_arch = "mips64",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
)))]
mod wr {
    use crate::c_short;
    /// Normal data may be written without blocking (equals `POLLOUT`).
    pub const POLLWRNORM: c_short = 0x004;
    /// Priority data may be written without blocking.
    pub const POLLWRBAND: c_short = 0x100;
}
pub use wr::*;

/// Stream socket peer closed its end or shut down writing (Linux 2.6.17+,
/// `<asm-generic/poll.h>`).
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(target_arch = "sparc", target_arch = "sparc64"))
))]
pub const POLLRDHUP: c_short = 0x2000;
/// Stream socket peer closed its end or shut down writing (`arch/sparc/include/uapi/asm/poll.h`).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "sparc", target_arch = "sparc64")
))]
pub const POLLRDHUP: c_short = 0x800;
/// Stream socket peer closed its end or shut down writing (FreeBSD 13+ `sys/sys/poll.h`,
/// illumos `usr/src/uts/common/sys/poll.h`).
#[cfg(any(target_os = "freebsd", target_os = "illumos"))]
pub const POLLRDHUP: c_short = 0x4000;
