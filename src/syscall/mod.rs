//! The only module with `unsafe`: safe `pub(crate)` wrappers over the `ioselectors-sys`
//! declarations. Each takes slices or values, makes one call, and turns a failure into
//! [`Error::Os`](crate::Error::Os) with the thread's error value (the one place `errno` and
//! `WSAGetLastError` are read).
//!
//! Split by platform: `unix` (errno, fds, `poll`, `select`, and the epoll, kqueue and
//! /dev/poll calls behind their cfg aliases) and `windows` (winsock `select`, `WSAStartup`,
//! the socket check, the clock and `Sleep`). Both are re-exported here, so the rest of the
//! crate names `syscall::poll`, `syscall::SocketSet`, ... without caring which file it is in.
#![allow(unsafe_code)]

use ioselectors_sys as sys;

/// The error values the shared code matches on, under one name per platform: the thread's
/// `errno` values on unix; on Windows the `WSAGetLastError` values (`WSAEINTR` comes back only
/// from a call cancelled by `WSACancelBlockingCall`) and, for "no such interface" and "out of
/// memory", the `GetLastError` codes `std::io::Error` understands there. `ENFILE` has no
/// winsock counterpart; `WSAENOBUFS` stands in.
#[cfg(unix)]
pub(crate) use sys::{EAGAIN, EINTR, EMFILE, ENFILE, ENOMEM, ENOSYS};
#[cfg(windows)]
pub(crate) use sys::{
    ERROR_CALL_NOT_IMPLEMENTED as ENOSYS, ERROR_NOT_ENOUGH_MEMORY as ENOMEM, WSAEINTR as EINTR,
    WSAEMFILE as EMFILE, WSAENOBUFS as ENFILE, WSAEWOULDBLOCK as EAGAIN,
};

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;
