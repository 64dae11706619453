//! The pure helpers the fuzz targets check (`fuzz/fuzz_targets/logic.rs`), exposed only when
//! building with `--cfg fuzzing` (as `cargo fuzz` does). Not part of the API.

use core::ffi::c_int;
use core::time::Duration;

use crate::Events;

/// The longest single wait handed to `select(2)` or `kevent(2)`, in seconds.
pub const MAX_WAIT_SECS: u64 = crate::timeout::MAX_WAIT_SECS;

/// Kernel bits → events, CPython's poll-like rule.
pub fn from_poll_like(revents: u32, in_bit: u32, out_bit: u32) -> Events {
    crate::events::from_poll_like(revents, in_bit, out_bit)
}

/// Events → the kernel bits poll, epoll and /dev/poll are asked for.
pub fn to_poll_like(events: Events, in_bit: u32, out_bit: u32) -> u32 {
    crate::events::to_poll_like(events, in_bit, out_bit)
}

/// A timeout in milliseconds for poll and epoll (`-1` blocks).
pub fn to_millis(timeout: Option<Duration>) -> c_int {
    crate::timeout::to_millis(timeout)
}

/// A timeout for `select(2)` as `(tv_sec, tv_usec)`.
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
pub fn to_timeval(timeout: Duration) -> (i64, i64) {
    let tv = crate::timeout::to_timeval(timeout);
    (tv.tv_sec as i64, tv.tv_usec as i64)
}

/// A timeout for `kevent(2)` as `(tv_sec, tv_nsec)`.
#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
pub fn to_timespec(timeout: Duration) -> (i64, i64) {
    let ts = crate::timeout::to_timespec(timeout);
    (ts.tv_sec as i64, ts.tv_nsec as i64)
}
