//! Raw FFI declarations for the kernel readiness interfaces behind Python's `selectors` module:
//! `select(2)`, `poll(2)`, `epoll(7)`, `kqueue(2)`, Solaris `/dev/poll` (`poll(4D)`), and winsock
//! `select` on Windows.
//!
//! | OS | readiness interfaces declared here |
//! |---|---|
//! | Linux (glibc, musl), Android | `epoll`, `eventfd`, `poll`, `select` |
//! | macOS, iOS (`target_vendor = "apple"`), FreeBSD 12+, NetBSD, OpenBSD, DragonFly | `kqueue`, `poll`, `select` |
//! | illumos | `epoll`, `eventfd`, `/dev/poll`, `poll`, `select` |
//! | Solaris | `/dev/poll`, `poll`, `select` |
//!
//! Everywhere on unix: `clock_gettime`, `open`/`close`/`read`/`write`/`fcntl`/`ioctl`/`pipe`/`pipe2`/`dup`,
//! `signal`,
//! the per-OS `errno` accessor (also re-exported as `errno_location`) and the `E*` values the
//! safe layer matches on.
//!
//! This crate is declarations only: `extern "C"` functions, `#[repr(C)]` structs, constants and a
//! few `const fn` helpers for `fd_set` bit math. It has no dependencies (not even the `libc`
//! crate) and no logic. Every item carries its C name verbatim and is reachable at the crate
//! root, as in `libc`. The safe layer is the `ioselectors` crate.
//!
//! Its build script (`build.rs`, no dependencies, reads only cargo's `CARGO_CFG_TARGET_*`
//! variables) is where the per-OS lists are written, once: it sets the cfg aliases
//! `ioselectors_epoll`, `ioselectors_kqueue`, `ioselectors_devpoll` (the OSes of the table above)
//! and the families `ioselectors_bsd`, `ioselectors_solarish`, and hands them to the
//! `ioselectors` crate's build script through `links = "ioselectors_sys"`.
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

// The per-OS lists are written once, in build.rs, which sets the cfg aliases used here and in
// the `ioselectors` crate: `ioselectors_epoll`, `ioselectors_kqueue`, `ioselectors_devpoll` (and
// the families `ioselectors_bsd`, `ioselectors_solarish`). Every supported unix has at least one
// of the three kernel interfaces, so a unix target with none is one this crate does not know.
#[cfg(all(
    unix,
    not(any(ioselectors_epoll, ioselectors_kqueue, ioselectors_devpoll))
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
mod signal;
#[cfg(unix)]
mod time;
mod types;

#[cfg(ioselectors_epoll)]
mod epoll;
#[cfg(ioselectors_epoll)]
mod eventfd;

#[cfg(ioselectors_kqueue)]
mod kqueue;

#[cfg(ioselectors_devpoll)]
mod devpoll;

mod layout;

#[cfg(windows)]
mod winsock;
#[cfg(windows)]
pub use winsock::*;

#[cfg(ioselectors_devpoll)]
pub use devpoll::*;
#[cfg(ioselectors_epoll)]
pub use epoll::*;
#[cfg(unix)]
pub use errno::*;
#[cfg(ioselectors_epoll)]
pub use eventfd::*;
#[cfg(unix)]
pub use fcntl::*;
#[cfg(ioselectors_kqueue)]
pub use kqueue::*;
#[cfg(unix)]
pub use poll::*;
#[cfg(unix)]
pub use select::*;
#[cfg(unix)]
pub use signal::*;
#[cfg(unix)]
pub use time::*;
pub use types::*;
