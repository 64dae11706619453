//! Primitive C types and the time structs shared by several interfaces.
//!
//! Per-OS widths follow the system headers (`<sys/types.h>`, `<sys/time.h>`, `<time.h>`), as
//! transcribed by the `libc` crate (`src/unix/*/mod.rs`), which `tests/sys_layout.rs` checks
//! against on every supported target.

pub use core::ffi::{c_char, c_int, c_long, c_short, c_uint, c_ulong, c_ushort, c_void};

/// `size_t` (`<stddef.h>`).
pub type size_t = usize;
/// `ssize_t` (`<sys/types.h>`).
pub type ssize_t = isize;
/// `uintptr_t` (`<stdint.h>`).
pub type uintptr_t = usize;
/// `intptr_t` (`<stdint.h>`).
pub type intptr_t = isize;

// ---------------------------------------------------------------------------------------------
// time_t: seconds (`<sys/types.h>`).

/// `time_t`: seconds (`<sys/types.h>`). `long`, except on x32 and riscv32 Linux (64-bit time).
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        all(target_arch = "x86_64", target_pointer_width = "32"),
        target_arch = "riscv32"
    ))
))]
pub type time_t = c_long;
/// `time_t`: seconds (`<sys/types.h>`). 64-bit on x32 and riscv32 Linux.
#[cfg(all(
    target_os = "linux",
    any(
        all(target_arch = "x86_64", target_pointer_width = "32"),
        target_arch = "riscv32"
    )
))]
pub type time_t = i64;
/// `time_t`: seconds (`<sys/_types.h>`, `__darwin_time_t` is `long`).
#[cfg(target_vendor = "apple")]
pub type time_t = c_long;
/// `time_t`: seconds (`<machine/_types.h>`: `__int64_t`, `__int32_t` on i386 only).
#[cfg(all(target_os = "freebsd", not(target_arch = "x86")))]
pub type time_t = i64;
/// `time_t`: seconds (`<machine/_types.h>`: `__int32_t` on i386).
#[cfg(all(target_os = "freebsd", target_arch = "x86"))]
pub type time_t = i32;
/// `time_t`: seconds (`<machine/stdint.h>`: `__int64_t` on NetBSD 6+, OpenBSD 5.5+ and
/// DragonFly).
#[cfg(any(target_os = "netbsd", target_os = "openbsd", target_os = "dragonfly"))]
pub type time_t = i64;
/// `time_t`: seconds (`<sys/types.h>`: `long`).
#[cfg(ioselectors_solarish)]
pub type time_t = c_long;

// ---------------------------------------------------------------------------------------------
// suseconds_t: microseconds (`<sys/types.h>`).

/// `suseconds_t`: microseconds in a `timeval` (`<sys/types.h>`: `long`).
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "sparc64",
        all(target_arch = "x86_64", target_pointer_width = "32"),
        target_arch = "riscv32"
    ))
))]
pub type suseconds_t = c_long;
/// `suseconds_t`: microseconds in a `timeval` (`<bits/typesizes.h>` on sparc64: `int`).
#[cfg(all(target_os = "linux", target_arch = "sparc64"))]
pub type suseconds_t = i32;
/// `suseconds_t`: microseconds in a `timeval` (64-bit on x32 and riscv32 Linux).
#[cfg(all(
    target_os = "linux",
    any(
        all(target_arch = "x86_64", target_pointer_width = "32"),
        target_arch = "riscv32"
    )
))]
pub type suseconds_t = i64;
/// `suseconds_t`: microseconds in a `timeval` (`<sys/_types.h>`: `__int32_t`).
#[cfg(target_vendor = "apple")]
pub type suseconds_t = i32;
/// `suseconds_t`: microseconds in a `timeval` (`<sys/types.h>`: `long`).
#[cfg(any(
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "openbsd",
    target_os = "illumos",
    target_os = "solaris"
))]
pub type suseconds_t = c_long;
/// `suseconds_t`: microseconds in a `timeval` (`<sys/types.h>`: `int`).
#[cfg(target_os = "netbsd")]
pub type suseconds_t = c_int;

// ---------------------------------------------------------------------------------------------
// nfds_t (`<poll.h>`).

/// `nfds_t`: the count argument of `poll(2)` (`<poll.h>`: `unsigned long`).
#[cfg(any(target_os = "linux", target_os = "illumos", target_os = "solaris"))]
pub type nfds_t = c_ulong;
/// `nfds_t`: the count argument of `poll(2)` (`<poll.h>`: `unsigned int`).
#[cfg(any(
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
))]
pub type nfds_t = c_uint;

// ---------------------------------------------------------------------------------------------
// clockid_t (`<time.h>`, `<sys/types.h>`).

/// `clockid_t`: a clock identifier for `clock_gettime(2)` (`<sys/types.h>`: `int`).
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "illumos",
    target_os = "solaris"
))]
pub type clockid_t = c_int;
/// `clockid_t`: a clock identifier for `clock_gettime(2)` (`<time.h>`: `enum`, `unsigned`).
#[cfg(target_vendor = "apple")]
pub type clockid_t = c_uint;
/// `clockid_t`: a clock identifier for `clock_gettime(2)` (`<sys/types.h>`: `unsigned long`).
#[cfg(target_os = "dragonfly")]
pub type clockid_t = c_ulong;

/// The type of `timespec::tv_nsec`: `long`, except `long long` on x32 (glibc bug 16437).
#[cfg(all(unix, not(all(target_arch = "x86_64", target_pointer_width = "32"))))]
type nsec_t = c_long;
#[cfg(all(unix, target_arch = "x86_64", target_pointer_width = "32"))]
type nsec_t = i64;

/// `struct timeval` (`<sys/time.h>`): the timeout of `select(2)`.
///
/// On Apple LP64 targets `tv_usec` is 32-bit, so the struct has 4 bytes of tail padding.
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
    pub tv_nsec: nsec_t,
}
