//! Raw FFI declarations for the kernel readiness interfaces behind Python's `selectors` module:
//! `select(2)`, `poll(2)`, `epoll(7)`, `kqueue(2)`, Solaris `/dev/poll` (`poll(4D)`), and winsock
//! `select` on Windows.
//!
//! | OS | readiness interfaces declared here |
//! |---|---|
//! | Linux (glibc, musl), Android | `epoll`, `poll`, `select` |
//! | macOS, iOS (`target_vendor = "apple"`), FreeBSD 12+, NetBSD, OpenBSD, DragonFly | `kqueue`, `poll`, `select` |
//! | illumos | `epoll`, `/dev/poll`, `poll`, `select` |
//! | Solaris | `/dev/poll`, `poll`, `select` |
//!
//! Everywhere on unix: `clock_gettime`, `open`/`close`/`read`/`write`/`fcntl`/`ioctl`/`pipe`/`dup`,
//! the per-OS `errno` accessor (also re-exported as `errno_location`) and the `E*` values the
//! safe layer matches on.
//!
//! This crate is declarations only: `extern "C"` functions, `#[repr(C)]` structs, constants and a
//! few `const fn` helpers for `fd_set` bit math. It has no dependencies (not even the `libc`
//! crate), no build script and no logic. Every item carries its C name verbatim and is reachable at
//! the crate root, as in `libc`. The safe layer is the `ioselectors` crate.
//!
//! Every struct's size, alignment and field offsets are asserted at compile time per target
//! family (see the `layout` module), and checked against the `libc` crate's definitions by the
//! `ioselectors` test suite on every supported target.
//!
//! # Safety
//!
//! Calling any function declared here is `unsafe`: the caller upholds the C contract given in the
//! item's documentation and man pages (valid pointers, buffer lengths, owned descriptors).
#![no_std]
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]

#[cfg(not(any(unix, windows)))]
compile_error!("ioselectors-sys supports unix and Windows targets only");

// Without a build script there are no cfg aliases; the OS lists below are written out once per
// `mod` line (the families follow the `libc` crate's tree):
//   epoll:   linux, android, illumos
//   kqueue:  target_vendor = "apple", freebsd, netbsd, openbsd, dragonfly
//   devpoll: illumos, solaris
#[cfg(all(
    unix,
    not(any(
        target_os = "linux",
        target_os = "android",
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris"
    ))
))]
compile_error!(
    "ioselectors-sys supports Linux, Android, Apple OSes, FreeBSD, NetBSD, OpenBSD, DragonFly, \
     illumos and Solaris among unix targets"
);

#[cfg(unix)]
mod errno;
#[cfg(unix)]
mod fcntl;
#[cfg(unix)]
mod poll;
#[cfg(unix)]
mod select;
#[cfg(unix)]
mod time;
mod types;

#[cfg(any(target_os = "linux", target_os = "android", target_os = "illumos"))]
mod epoll;

#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
mod kqueue;

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
mod devpoll;

mod layout;

#[cfg(windows)]
mod winsock;
#[cfg(windows)]
pub use winsock::*;

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
pub use devpoll::*;
#[cfg(any(target_os = "linux", target_os = "android", target_os = "illumos"))]
pub use epoll::*;
#[cfg(unix)]
pub use errno::*;
#[cfg(unix)]
pub use fcntl::*;
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
pub use kqueue::*;
#[cfg(unix)]
pub use poll::*;
#[cfg(unix)]
pub use select::*;
#[cfg(unix)]
pub use time::*;
pub use types::*;
