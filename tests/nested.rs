//! Selectors that own a kernel object (epoll, kqueue, /dev/poll, and `DefaultSelector` on one of
//! them) are file objects themselves, as in Python: one can be registered in another, and the
//! outer selector reports the inner one READ when the inner one has a ready key.
//!
//! Run on the host (Linux): epoll and the default selector as the inner selector, under every
//! outer backend this OS has. The kqueue and /dev/poll modules are compiled (type-checked) for
//! their OSes by `.ci/cross-check`; /dev/poll's checks stop at registration (poll(4D) does not
//! promise that a /dev/poll fd can itself be polled).
#![cfg(all(unix, feature = "std"))]

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ioselectors::{
    Backend, BaseSelector, DefaultSelector, Error, FileObj, PollSelector, SelectSelector,
    EVENT_READ,
};

/// The outer selectors to try: every backend this build has, as a `DefaultSelector`.
fn outer_backends() -> Vec<Backend> {
    Backend::PREFERENCE
        .iter()
        .copied()
        .filter(|b| b.is_compiled())
        .collect()
}

/// One nested-selector test for an inner selector type: `$new` makes it.
macro_rules! nested_tests {
    ($new:expr, readiness = $readiness:expr) => {
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn inner_selector_with_a_ready_key_is_reported_read() {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            b.set_nonblocking(true).unwrap();
            let mut inner = $new;
            inner.register(b.as_raw_fd(), EVENT_READ, "b").unwrap();
            assert_eq!(inner.fileno(), Ok(FileObj::fileno(&inner)));
            // The outer selectors borrow `inner`; between them, read the byte back through it.
            let inner_fd = inner.fileno().unwrap();
            for kind in outer_backends() {
                {
                    let mut outer: DefaultSelector<&_, &str> =
                        DefaultSelector::with_backend(kind).unwrap();
                    let key = outer.register(&inner, EVENT_READ, "inner").unwrap();
                    assert_eq!(key.fd, inner_fd, "{kind}");
                    if !$readiness {
                        continue;
                    }
                    assert!(
                        outer.select(Some(Duration::ZERO)).unwrap().is_empty(),
                        "{kind}: nothing is ready in the inner selector yet"
                    );
                    a.write_all(b"x").unwrap();
                    let ready = outer.select(Some(Duration::from_secs(5))).unwrap();
                    assert_eq!(ready.len(), 1, "{kind}");
                    let (key, events) = &ready[0];
                    assert_eq!(
                        (key.data, *events, key.fd),
                        ("inner", EVENT_READ, inner_fd),
                        "{kind}"
                    );
                    assert!(std::ptr::eq(key.fileobj, &inner), "{kind}");
                }
                // The inner selector reports its own key, and the byte is read back.
                let ready = inner.select(Some(Duration::from_secs(5))).unwrap();
                assert_eq!(ready.len(), 1, "{kind}");
                assert_eq!((ready[0].0.data, ready[0].1), ("b", EVENT_READ), "{kind}");
                let mut buf = [0; 1];
                b.read_exact(&mut buf).unwrap();
            }
            // Also through the outer selectors of the fixed types.
            let mut poll: PollSelector<&_, ()> = PollSelector::new();
            assert_eq!(poll.register(&inner, EVENT_READ, ()).unwrap().fd, inner_fd);
            let mut select: SelectSelector<&_, ()> = SelectSelector::new();
            assert_eq!(
                select.register(&inner, EVENT_READ, ()).unwrap().fd,
                inner_fd
            );
        }

        /// A closed selector has no fd: `fileno()` says `Closed`, and as a file object it is
        /// the invalid fd, which registering rejects (Python: `ValueError`).
        #[test]
        fn closed_inner_selector_is_an_invalid_fd() {
            let mut inner = $new;
            inner.close();
            assert_eq!(inner.fileno(), Err(Error::Closed));
            assert_eq!(FileObj::fileno(&inner), -1);
            assert_eq!(inner.as_raw_fd(), -1);
            let mut outer: DefaultSelector<&_, ()> = DefaultSelector::new().unwrap();
            assert_eq!(
                outer.register(&inner, EVENT_READ, ()).map(|_| ()),
                Err(Error::InvalidFd(-1))
            );
        }
    };
}

#[cfg(ioselectors_epoll)]
mod epoll {
    use super::*;
    use ioselectors::EpollSelector;

    nested_tests!(
        EpollSelector::<RawFd, &str>::new().unwrap(),
        readiness = true
    );
}

#[cfg(ioselectors_kqueue)]
mod kqueue {
    use super::*;
    use ioselectors::KqueueSelector;

    nested_tests!(
        KqueueSelector::<RawFd, &str>::new().unwrap(),
        readiness = true
    );
}

#[cfg(ioselectors_devpoll)]
mod devpoll {
    use super::*;
    use ioselectors::DevpollSelector;

    nested_tests!(
        DevpollSelector::<RawFd, &str>::new().unwrap(),
        readiness = false
    );
}

/// `DefaultSelector` on a backend with a kernel object (kqueue, epoll or /dev/poll: the
/// first one this build has).
mod default {
    use super::*;

    fn kernel_backend() -> Backend {
        *Backend::PREFERENCE
            .iter()
            .find(|b| b.is_compiled() && !matches!(b, Backend::Poll | Backend::Select))
            .expect("every supported unix has epoll, kqueue or /dev/poll")
    }

    nested_tests!(
        DefaultSelector::<RawFd, &str>::with_backend(kernel_backend()).unwrap(),
        readiness = kernel_backend() != Backend::Devpoll
    );

    /// A `DefaultSelector` on poll or select has no kernel object: `fileno()` is an error and
    /// it registers as the invalid fd (Python's `PollSelector` has no `fileno` at all).
    #[test]
    fn default_selector_without_kernel_object_has_no_fileno() {
        for kind in [Backend::Poll, Backend::Select] {
            let inner: DefaultSelector<RawFd, ()> = DefaultSelector::with_backend(kind).unwrap();
            assert!(matches!(inner.fileno(), Err(Error::Os(_))), "{kind}");
            assert_eq!(FileObj::fileno(&inner), -1, "{kind}");
            let mut outer: DefaultSelector<&_, ()> = DefaultSelector::new().unwrap();
            assert_eq!(
                outer.register(&inner, EVENT_READ, ()).map(|_| ()),
                Err(Error::InvalidFd(-1)),
                "{kind}"
            );
        }
    }
}
