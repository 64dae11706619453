//! `clock_gettime(2)` (`<time.h>`): the monotonic clock used to retry interrupted waits against
//! their deadline without `std`.

use crate::{c_int, clockid_t, timespec};

#[cfg(unix)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
extern "C" {
    /// `int clock_gettime(clockid_t clock_id, struct timespec *tp)`—Read a clock.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/clock_gettime.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/clock_gettime.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man3/clock_gettime.3.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=clock_gettime&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/clock_gettime.2)
    ///  - [OpenBSD](https://man.openbsd.org/clock_gettime.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=clock_gettime&section=2)
    ///  - [illumos](https://illumos.org/man/3C/clock_gettime)
    // NetBSD <time.h>: renamed `__clock_gettime50` since NetBSD 5 (64-bit time_t).
    #[cfg_attr(target_os = "netbsd", link_name = "__clock_gettime50")]
    pub fn clock_gettime(clock_id: clockid_t, tp: *mut timespec) -> c_int;
}

/// A clock that cannot be set and never jumps backwards (`<linux/time.h>`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const CLOCK_MONOTONIC: clockid_t = 1;
/// A clock that cannot be set and never jumps backwards (`<time.h>`: `_CLOCK_MONOTONIC`).
#[cfg(target_vendor = "apple")]
pub const CLOCK_MONOTONIC: clockid_t = 6;
/// A clock that cannot be set and never jumps backwards (`<sys/_clock_id.h>`, `<time.h>`).
#[cfg(any(target_os = "freebsd", target_os = "dragonfly"))]
pub const CLOCK_MONOTONIC: clockid_t = 4;
/// A clock that cannot be set and never jumps backwards (`<sys/time.h>`, `<sys/_time.h>`).
#[cfg(any(target_os = "netbsd", target_os = "openbsd"))]
pub const CLOCK_MONOTONIC: clockid_t = 3;
/// A clock that cannot be set and never jumps backwards (`usr/src/uts/common/sys/time_impl.h`:
/// `CLOCK_HIGHRES`).
#[cfg(ioselectors_solarish)]
pub const CLOCK_MONOTONIC: clockid_t = 4;
