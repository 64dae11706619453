//! Timeout conversion, in one place: `None` blocks, zero polls, anything else is rounded *up*
//! once to the backend's unit (so a wait is never shorter than asked, and a positive timeout
//! never becomes zero) and saturates at the largest value the syscall takes.
//!
//! Waits longer than that maximum, and waits cut short by a signal (`EINTR`), are continued
//! against a [`Deadline`] read from `CLOCK_MONOTONIC`, as CPython does since PEP 475.

use core::ffi::c_int;
use core::time::Duration;

use crate::syscall;

/// The longest single wait handed to `select(2)` or `kevent(2)`: 10⁸ seconds, the limit of the
/// BSD and macOS kernels' `itimerfix()` (larger values fail with `EINVAL`). Longer timeouts are
/// continued by the deadline loop.
pub(crate) const MAX_WAIT_SECS: u64 = 100_000_000;

/// Milliseconds for `poll(2)`, `epoll_wait(2)` and `DP_POLL`: `None` → -1 (block), otherwise
/// rounded up to the next millisecond and saturated at `c_int::MAX` (about 24.8 days).
#[inline]
pub(crate) fn to_millis(timeout: Option<Duration>) -> c_int {
    let Some(t) = timeout else { return -1 };
    // A poll (the common non-blocking case) skips the arithmetic below.
    if t.is_zero() {
        return 0;
    }
    // Whole milliseconds, rounded up: the fraction is at most 1 000 ms. u64 arithmetic
    // (saturating, far above c_int::MAX) rather than as_millis()'s u128.
    let ms = t
        .as_secs()
        .saturating_mul(1_000)
        .saturating_add(u64::from(t.subsec_nanos().div_ceil(1_000_000)));
    c_int::try_from(ms).unwrap_or(c_int::MAX)
}

/// Whole seconds (capped at [`MAX_WAIT_SECS`]) and the fraction rounded up to `unit_ns`
/// nanoseconds, carrying into the seconds.
fn split_ceil(t: Duration, unit_ns: u32) -> (u64, u32) {
    if t.as_secs() >= MAX_WAIT_SECS {
        return (MAX_WAIT_SECS, 0);
    }
    let frac = t.subsec_nanos().div_ceil(unit_ns);
    let per_sec = 1_000_000_000 / unit_ns;
    if frac == per_sec {
        (t.as_secs() + 1, 0)
    } else {
        (t.as_secs(), frac)
    }
}

/// A `timeval` for `select(2)` (and winsock `select`): rounded up to the next microsecond,
/// capped at [`MAX_WAIT_SECS`].
pub(crate) fn to_timeval(t: Duration) -> ioselectors_sys::timeval {
    let (secs, usecs) = split_ceil(t, 1_000);
    // Both fit on every OS (Windows' `long` is 32-bit): secs <= MAX_WAIT_SECS < 2^31 and
    // usecs < 10^6.
    #[allow(clippy::unnecessary_fallible_conversions)]
    ioselectors_sys::timeval {
        tv_sec: secs.try_into().unwrap_or(0),
        tv_usec: usecs.try_into().unwrap_or(0),
    }
}

/// A `timespec` for `kevent(2)`: exact to the nanosecond, capped at [`MAX_WAIT_SECS`].
#[cfg(unix)]
#[allow(dead_code)] // used by the kqueue backend only
pub(crate) fn to_timespec(t: Duration) -> ioselectors_sys::timespec {
    let (secs, nsecs) = split_ceil(t, 1);
    // Both fit on every OS: secs <= MAX_WAIT_SECS < 2^31 and nsecs < 10^9.
    #[allow(clippy::unnecessary_fallible_conversions)]
    ioselectors_sys::timespec {
        tv_sec: secs.try_into().unwrap_or(0),
        tv_nsec: nsecs.try_into().unwrap_or(0),
    }
}

/// When a `select()` call must return, on the monotonic clock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    /// `None`: block until something is ready.
    end: Option<Duration>,
}

impl Deadline {
    #[inline]
    pub(crate) fn new(timeout: Option<Duration>) -> Deadline {
        let end = match timeout {
            Some(Duration::ZERO) => Some(Duration::ZERO), // no clock read for a poll
            Some(t) => Some(syscall::monotonic_now().saturating_add(t)),
            None => None,
        };
        Deadline { end }
    }

    /// The time left: `None` to block, `Some(ZERO)` once the deadline has passed.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        let end = self.end?;
        if end == Duration::ZERO {
            return Some(Duration::ZERO);
        }
        Some(end.saturating_sub(syscall::monotonic_now()))
    }
}

#[cfg(test)]
#[allow(clippy::unnecessary_cast)] // time_t and suseconds_t differ per OS
mod tests {
    use super::*;

    #[test]
    fn millis_round_up_once_and_saturate() {
        assert_eq!(to_millis(None), -1);
        assert_eq!(to_millis(Some(Duration::ZERO)), 0);
        assert_eq!(to_millis(Some(Duration::from_nanos(1))), 1);
        assert_eq!(to_millis(Some(Duration::from_micros(100))), 1);
        assert_eq!(to_millis(Some(Duration::from_millis(1))), 1);
        assert_eq!(to_millis(Some(Duration::from_nanos(1_000_001))), 2);
        // Python's double rounding gives 10 for epoll and 2008 for poll here; we round once.
        assert_eq!(to_millis(Some(Duration::from_millis(9))), 9);
        assert_eq!(to_millis(Some(Duration::from_millis(2007))), 2007);
        assert_eq!(
            to_millis(Some(Duration::from_secs(86_400 * 24))),
            2_073_600_000
        );
        assert_eq!(
            to_millis(Some(Duration::from_secs(86_400 * 25))),
            c_int::MAX
        );
        assert_eq!(to_millis(Some(Duration::MAX)), c_int::MAX);
    }

    #[test]
    fn timeval_rounds_up_to_microseconds() {
        let tv = |t: Duration| {
            let tv = to_timeval(t);
            (tv.tv_sec as i64, tv.tv_usec as i64)
        };
        assert_eq!(tv(Duration::ZERO), (0, 0));
        assert_eq!(tv(Duration::from_nanos(100)), (0, 1));
        assert_eq!(tv(Duration::from_nanos(1_999_999_001)), (2, 0));
        assert_eq!(tv(Duration::from_millis(9)), (0, 9_000));
        assert_eq!(
            tv(Duration::from_secs(3) + Duration::from_micros(5)),
            (3, 5)
        );
        assert_eq!(tv(Duration::MAX), (MAX_WAIT_SECS as i64, 0));
    }

    #[cfg(unix)]
    #[test]
    fn timespec_is_exact_and_capped() {
        let ts = |t: Duration| {
            let ts = to_timespec(t);
            (ts.tv_sec as i64, ts.tv_nsec as i64)
        };
        assert_eq!(ts(Duration::from_nanos(1)), (0, 1));
        assert_eq!(ts(Duration::new(5, 999_999_999)), (5, 999_999_999));
        assert_eq!(
            ts(Duration::from_secs(MAX_WAIT_SECS + 1)),
            (MAX_WAIT_SECS as i64, 0)
        );
    }

    #[test]
    fn deadline() {
        assert_eq!(Deadline::new(None).remaining(), None);
        assert_eq!(
            Deadline::new(Some(Duration::ZERO)).remaining(),
            Some(Duration::ZERO)
        );
        let d = Deadline::new(Some(Duration::from_secs(60)));
        let left = d.remaining().unwrap();
        assert!(left <= Duration::from_secs(60) && left > Duration::from_secs(59));
        let far = Deadline::new(Some(Duration::MAX)).remaining().unwrap();
        assert!(far > Duration::from_secs(u64::MAX / 2));
    }
}
