//! Raw FFI declarations for the kernel readiness interfaces behind Python's `selectors` module:
//! `select(2)`, `poll(2)`, `epoll(7)`, `kqueue(2)`, Solaris `/dev/poll` (`poll(4D)`), and winsock
//! `select` on Windows.
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

#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;

mod layout;

#[cfg(unix)]
pub use errno::*;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use epoll::*;
#[cfg(unix)]
pub use fcntl::*;
#[cfg(unix)]
pub use poll::*;
#[cfg(unix)]
pub use select::*;
#[cfg(unix)]
pub use time::*;
pub use types::*;
