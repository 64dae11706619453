//! fd 0 is an fd like any other: Python's `register(0, ...)` works, only negative fds are a
//! `ValueError` (`_fileobj_to_fd`). In a child process, whose fd 0 (stdin, `/dev/null` there)
//! is replaced by one end of a socketpair, on every backend this OS has. And fd 1, in a fork
//! child whose stdout is replaced the same way: no number is the backends' own before a waker
//! exists, nor stands for "the waker was drained".
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

/// fd 1 (stdout, replaced by a socket in a fork child: `in_child` reads the child's stdout, so
/// it cannot be used here) registered, reported ready alone and next to a wake, on every
/// backend this OS has. The child's exit status carries one bit per failed backend.
#[test]
#[cfg_attr(miri, ignore = "forks, which Miri does not support")]
fn fd_one_registers_and_reports() {
    let backends: Vec<Backend> = Backend::PREFERENCE
        .iter()
        .copied()
        .filter(|b| DefaultSelector::<RawFd, ()>::with_backend(*b).is_ok())
        .collect();
    assert!(backends.len() >= 2, "{backends:?}");
    let _lock = lock();
    let (a, b) = pair();
    (&b).write_all(b"x").unwrap();
    // SAFETY: the child only runs the code below and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: in the child only: fd 1 becomes `a`'s socket.
        let mut code =
            i32::from(unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&a), 1) } != 1);
        let five = Some(Duration::from_secs(5));
        for (bit, &backend) in backends.iter().enumerate() {
            let ok = (|| -> Result<bool, Error> {
                let mut sel: DefaultSelector<RawFd, u8> = DefaultSelector::with_backend(backend)?;
                sel.register(1, EVENT_READ, 7)?;
                let alone: Vec<_> = sel.select(five)?.iter().map(|(k, e)| (k.fd, *e)).collect();
                let waker = sel.waker()?;
                waker.wake()?;
                let woken: Vec<_> = sel.select(five)?.iter().map(|(k, e)| (k.fd, *e)).collect();
                sel.unregister(&1)?;
                Ok(alone == [(1, EVENT_READ)] && woken == [(1, EVENT_READ)])
            })();
            code |= i32::from(ok != Ok(true)) << (bit + 1);
        }
        // SAFETY: leaves the child at once, without running the parent's atexit handlers.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: status is valid for writes of one int.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child status {status}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "failed checks (bit 0: dup2, then one per backend of {backends:?})"
    );
}
