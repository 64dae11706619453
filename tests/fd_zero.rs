//! fd 0 is an fd like any other: Python's `register(0, ...)` works, only negative fds are a
//! `ValueError` (`_fileobj_to_fd`). In a child process, whose fd 0 (stdin, `/dev/null` there)
//! is replaced by one end of a socketpair, on every backend this OS has.
#![cfg(all(unix, feature = "std"))]

#[allow(unused_macros)]
mod common;

use std::io::Write;
use std::os::fd::RawFd;
use std::time::Duration;

use common::*;
use ioselectors::{Backend, BaseSelector, DefaultSelector, Error, EVENT_READ, EVENT_WRITE};

#[test]
#[cfg_attr(
    miri,
    ignore = "spawns a child process (posix_spawn), which Miri does not support"
)]
fn fd_zero_registers_and_reports() {
    in_child(module_path!(), "fd_zero_registers_and_reports", || {
        let (a, b) = pair();
        dup_onto(&a, 0);
        drop(a);
        (&b).write_all(b"x").unwrap();
        let backends: Vec<Backend> = Backend::PREFERENCE
            .iter()
            .copied()
            .filter(|b| DefaultSelector::<RawFd, ()>::with_backend(*b).is_ok())
            .collect();
        assert!(backends.len() >= 2, "{backends:?}");
        for backend in backends {
            let mut sel: DefaultSelector<RawFd, u8> =
                DefaultSelector::with_backend(backend).unwrap();
            assert_eq!(sel.register(0, EVENT_READ, 7).unwrap().fd, 0, "{backend}");
            let ready = sel.select(Some(Duration::from_secs(5))).unwrap();
            assert_eq!(ready.len(), 1, "{backend}");
            assert_eq!(
                (ready[0].0.fd, ready[0].0.data, ready[0].1),
                (0, 7, EVENT_READ)
            );
            sel.modify(&0, EVENT_WRITE, 8).unwrap();
            sel.unregister(&0).unwrap();
            // The boundary: -1 is invalid, before any system call.
            assert_eq!(
                sel.register(-1, EVENT_READ, 0).unwrap_err(),
                Error::InvalidFd(-1),
                "{backend}"
            );
        }
    });
}
