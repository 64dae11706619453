//! Primitive C types and the time structs shared by several interfaces.
//!
//! Per-OS widths follow the system headers (`<sys/types.h>`, `<sys/time.h>`, `<time.h>`).

pub use core::ffi::{c_char, c_int, c_long, c_short, c_uint, c_ulong, c_ushort, c_void};

/// `time_t`: seconds (`<sys/types.h>`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub type time_t = c_long;

/// `suseconds_t`: microseconds in a `timeval` (`<sys/types.h>`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub type suseconds_t = c_long;

/// `nfds_t`: the count argument of `poll(2)` (`<poll.h>`).
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
pub type nfds_t = c_ulong;
/// `nfds_t`: the count argument of `poll(2)` (`<poll.h>`).
#[cfg(all(target_os = "linux", target_env = "musl"))]
pub type nfds_t = c_ulong;
/// `nfds_t`: the count argument of `poll(2)` (`<poll.h>`).
#[cfg(target_os = "android")]
pub type nfds_t = c_uint;

/// `clockid_t`: a clock identifier for `clock_gettime(2)` (`<time.h>`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub type clockid_t = c_int;

/// `struct timeval` (`<sys/time.h>`): the timeout of `select(2)`.
#[cfg(unix)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct timeval {
    /// Seconds.
    pub tv_sec: time_t,
    /// Microseconds, `0..1_000_000`.
    pub tv_usec: suseconds_t,
}

/// `struct timespec` (`<time.h>`): the timeout of `kevent(2)` and the result of
/// `clock_gettime(2)`.
#[cfg(unix)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct timespec {
    /// Seconds.
    pub tv_sec: time_t,
    /// Nanoseconds, `0..1_000_000_000`.
    pub tv_nsec: c_long,
}
