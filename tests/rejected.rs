//! `try_register` loses nothing: every refused registration hands the file object and the data
//! back, untouched and still usable, on every backend, and leaves the registrations as they were.
#![cfg(all(unix, feature = "std"))]

#[allow(unused_macros)]
mod common;

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use common::{closed_fd, lock, pair};
use ioselectors::{Backend, BaseSelector, DefaultSelector, Error, Events, FileObj, EVENT_READ};

/// A socket that answers `fileno()` with a chosen number, to provoke each refusal.
#[derive(Debug)]
struct Obj {
    stream: UnixStream,
    fd: RawFd,
}

impl FileObj for Obj {
    fn fileno(&self) -> RawFd {
        self.fd
    }
}

fn honest(stream: UnixStream) -> Obj {
    let fd = stream.as_raw_fd();
    Obj { stream, fd }
}

/// The stream came back open: a byte written through it arrives at its peer.
fn assert_usable(mut stream: UnixStream, peer: &mut UnixStream) {
    stream.write_all(b"k").unwrap();
    let mut byte = [0];
    peer.read_exact(&mut byte).unwrap();
    assert_eq!(&byte, b"k");
}

#[test]
#[cfg_attr(miri, ignore = "calls getrlimit, which Miri does not support")]
fn refused_registrations_give_the_stream_and_data_back() {
    let _guard = lock(); // closed_fd() must stay closed
    for backend in [Backend::Select, Backend::Poll, Backend::Epoll] {
        if !backend.is_compiled() {
            continue;
        }
        let mut sel: DefaultSelector<Obj, String> = DefaultSelector::with_backend(backend).unwrap();
        let (registered, _registered_peer) = pair();
        let taken = registered.as_raw_fd();
        sel.register(honest(registered), EVENT_READ, "kept".into())
            .unwrap();

        // (the fd the object claims, None for its own; the mask; the refusal)
        let cases = [
            (None, Events::from_bits_retain(4), Error::InvalidEvents(4)),
            (Some(-1), EVENT_READ, Error::InvalidFd(-1)),
            (Some(taken), EVENT_READ, Error::AlreadyRegistered(taken)),
            (
                Some(closed_fd()),
                EVENT_READ,
                Error::Os(ioselectors_sys::EBADF),
            ),
        ];
        for (claim, events, expected) in cases {
            let (stream, mut peer) = pair();
            let obj = match claim {
                Some(fd) => Obj { stream, fd },
                None => honest(stream),
            };
            let rejected = sel.try_register(obj, events, "mine".into()).unwrap_err();
            assert_eq!(rejected.error, expected, "{backend}");
            assert_eq!(rejected.data, "mine", "{backend}");
            let map = sel.get_map().unwrap();
            assert_eq!(map.len(), 1, "{backend}: {expected}");
            assert_eq!(map.get(&taken).map(|k| k.data.as_str()), Some("kept"));
            assert_usable(rejected.fileobj.stream, &mut peer);
        }

        // RuntimeError: the selector is closed.
        sel.close();
        let (stream, mut peer) = pair();
        let rejected = sel
            .try_register(honest(stream), EVENT_READ, "late".into())
            .unwrap_err();
        assert_eq!(rejected.error, Error::Closed, "{backend}");
        assert_eq!(rejected.data, "late");
        assert_usable(rejected.fileobj.stream, &mut peer);
    }
}

#[test]
fn register_is_try_register_without_the_leftovers() {
    let mut sel: DefaultSelector<Obj, ()> = DefaultSelector::new().unwrap();
    let (stream, _peer) = pair();
    let err = sel
        .register(honest(stream), Events::EMPTY, ())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err, Error::InvalidEvents(0));
    let io: std::io::Error = sel
        .try_register(honest(pair().0), Events::EMPTY, ())
        .map(|_| ())
        .unwrap_err()
        .into();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
}

/// `Rejected` prints as its error (Display), shows the error but not the object or data
/// (Debug: neither needs to be `Debug`), and converts into it.
#[test]
fn rejected_prints_its_error() {
    let mut sel: ioselectors::PollSelector<Obj, ()> = ioselectors::PollSelector::new();
    let rejected = sel
        .try_register(honest(pair().0), Events::EMPTY, ())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(rejected.to_string(), Error::InvalidEvents(0).to_string());
    assert!(!rejected.to_string().is_empty());
    assert_eq!(
        format!("{rejected:?}"),
        "Rejected { error: InvalidEvents(0), .. }"
    );
    assert_eq!(Error::from(rejected), Error::InvalidEvents(0));
}
