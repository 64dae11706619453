//! `clock_gettime(2)` (`<time.h>`): the monotonic clock used to retry interrupted waits against
//! their deadline without `std`.

use crate::{c_int, clockid_t, timespec};

extern "C" {
    /// `int clock_gettime(clockid_t clock_id, struct timespec *tp)`—Read a clock.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/clock_gettime.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/clock_gettime.2.html)
    pub fn clock_gettime(clock_id: clockid_t, tp: *mut timespec) -> c_int;
}

/// A clock that cannot be set and never jumps backwards (`<linux/time.h>`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const CLOCK_MONOTONIC: clockid_t = 1;
