//! CPython's `Lib/test/test_selectors.py` (3.11.7), ported: every test method, named after it,
//! run against every selector this OS has.
//!
//! `selector_tests!` expands `BaseSelectorTestCase`'s 19 methods, plus kqueue's two
//! (`test_register_bad_fd`, `test_empty_select_timeout`): those check rules ioselectors makes
//! uniform (README.md, "Differences from CPython": a closed fd is `EBADF` at `register` on every
//! backend; an empty selector waits out its timeout on every backend), so they run everywhere. `scalable_tests!` is
//! `ScalableSelectorMixIn`'s `test_above_fd_setsize`, which also runs on select where select
//! takes fds ≥ `FD_SETSIZE` (Linux). Backend-specific tests sit in their backend's module.
//!
//! Each module names its selector type `Sel<F, D>` and provides `new()`, `fileno()` (Python's
//! `fileno()` where the selector has one) and `backend()` (which interface it runs on, for the
//! few expectations that differ). Python's dynamic file objects become [`common::Obj`] (an int
//! fd or a socket compared by identity); where CPython uses `Mock`s or behaviour Rust has no
//! equivalent for, the test says what it checks instead.
//!
//! Where ioselectors deliberately differs from CPython (README.md, "Differences from
//! CPython"), the tests check ioselectors' documented behaviour and say what CPython does.
#![cfg(all(unix, feature = "std"))]

#[macro_use]
mod common;
#[cfg(any(target_os = "linux", target_os = "android"))]
#[path = "kernels/mod.rs"]
mod kernels;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use ioselectors::{Backend, BaseSelector, Error, Events, FileObj, EVENT_READ, EVENT_WRITE};

/// Python's `with sel:` block: derefs to the selector, and `close()`s it when the block ends
/// (`__exit__`), so the selector can still be inspected afterwards. (Dropping a selector closes
/// it too; that is Rust's own `with`.)
struct With<'a, S: BaseSelector<F, D>, F: FileObj, D>(&'a mut S, PhantomData<(F, D)>);

impl<'a, S: BaseSelector<F, D>, F: FileObj, D> With<'a, S, F, D> {
    fn new(sel: &'a mut S) -> Self {
        With(sel, PhantomData)
    }
}

impl<S: BaseSelector<F, D>, F: FileObj, D> Deref for With<'_, S, F, D> {
    type Target = S;
    fn deref(&self) -> &S {
        self.0
    }
}

impl<S: BaseSelector<F, D>, F: FileObj, D> DerefMut for With<'_, S, F, D> {
    fn deref_mut(&mut self) -> &mut S {
        self.0
    }
}

impl<S: BaseSelector<F, D>, F: FileObj, D> Drop for With<'_, S, F, D> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// CPython's `find_ready_matching`: the fds of the ready keys whose events include `flag`.
fn find_ready_matching<D>(
    ready: &[(ioselectors::SelectorKey<RawFd, D>, Events)],
    flag: Events,
) -> Vec<RawFd> {
    ready
        .iter()
        .filter(|(_, events)| events.intersects(flag))
        .map(|(key, _)| key.fileobj)
        .collect()
}

/// `BaseSelectorTestCase`, plus kqueue's two tests that hold for every backend here.
macro_rules! selector_tests {
    () => {
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_register() {
            let (rd, _wr) = pair();
            let mut s: Sel<Obj<'_>, &str> = new();

            let key = s
                .register(Obj::Sock(&rd), EVENT_READ, "data")
                .unwrap()
                .clone();
            assert_eq!(key.fileobj, Obj::Sock(&rd));
            assert_eq!(key.fd, rd.as_raw_fd());
            assert_eq!(key.events, EVENT_READ);
            assert_eq!(key.data, "data");

            // register an unknown event (ValueError)
            assert_eq!(
                s.register(Obj::Fd(0), Events::from_bits_retain(999_999), "")
                    .unwrap_err(),
                Error::InvalidEvents(999_999)
            );
            // register an invalid FD (ValueError)
            assert_eq!(
                s.register(Obj::Fd(-10), EVENT_READ, "").unwrap_err(),
                Error::InvalidFd(-10)
            );
            // register twice (KeyError)
            assert_eq!(
                s.register(Obj::Sock(&rd), EVENT_READ, "").unwrap_err(),
                Error::AlreadyRegistered(rd.as_raw_fd())
            );
            // register the same FD, but with a different object (KeyError)
            assert_eq!(
                s.register(Obj::Fd(rd.as_raw_fd()), EVENT_READ, "")
                    .unwrap_err(),
                Error::AlreadyRegistered(rd.as_raw_fd())
            );
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_unregister() {
            let (rd, _wr) = pair();
            let mut s: Sel<Obj<'_>, ()> = new();

            s.register(Obj::Sock(&rd), EVENT_READ, ()).unwrap();
            let key = s.unregister(&rd).unwrap();
            assert_eq!(key.fileobj, Obj::Sock(&rd));

            // unregister an unknown file obj (KeyError)
            assert_eq!(
                s.unregister(&999_999).unwrap_err(),
                Error::NotRegistered(999_999)
            );
            // unregister twice (KeyError)
            assert_eq!(
                s.unregister(&rd).unwrap_err(),
                Error::NotRegistered(rd.as_raw_fd())
            );
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_unregister_after_fd_close() {
            let (rd, wr) = pair();
            let mut s: Sel<RawFd, ()> = new();
            let (r, w) = (rd.as_raw_fd(), wr.as_raw_fd());
            s.register(r, EVENT_READ, ()).unwrap();
            s.register(w, EVENT_WRITE, ()).unwrap();
            drop(rd);
            drop(wr);
            // The backends' EBADF/ENOENT is ignored.
            assert_eq!(s.unregister(&r).unwrap().fd, r);
            assert_eq!(s.unregister(&w).unwrap().fd, w);
            assert!(s.get_map().unwrap().is_empty());
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_unregister_after_fd_close_and_reuse() {
            let (rd, wr) = pair();
            let (rd, wr) = (OwnedFd::from(rd), OwnedFd::from(wr));
            let mut s: Sel<RawFd, ()> = new();
            let (r, w) = (rd.as_raw_fd(), wr.as_raw_fd());
            s.register(r, EVENT_READ, ()).unwrap();
            s.register(w, EVENT_WRITE, ()).unwrap();
            let (rd2, wr2) = pair();
            // CPython closes rd and wr, then dup2()s the second pair onto their numbers. dup2
            // does both at once, so no other test thread can take the numbers in between.
            // rd and wr now own the duplicates and close them at the end (CPython's
            // `addCleanup(os.close, r)`).
            dup_onto(&rd2, r);
            dup_onto(&wr2, w);
            assert_eq!(s.unregister(&r).unwrap().fd, r);
            assert_eq!(s.unregister(&w).unwrap().fd, w);
            assert!(s.get_map().unwrap().is_empty());
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_unregister_after_socket_close() {
            let (a, b) = pair();
            let (rd, wr) = (Rc::new(PySocket::new(a)), Rc::new(PySocket::new(b)));
            let mut s: Sel<Rc<PySocket>, ()> = new();
            let r = s.register(rd.clone(), EVENT_READ, ()).unwrap().fd;
            let w = s.register(wr.clone(), EVENT_WRITE, ()).unwrap().fd;
            rd.close();
            wr.close();
            // The sockets' fileno() is now -1. CPython's unregister(rd) then falls back to an
            // identity search over the keys and finds rd's key. ioselectors looks file objects up
            // by fd only (the object passed need not have the registered type, so there is no
            // identity to compare): -1 is an invalid fd, and nothing is removed. The key records
            // the fd it was registered under, and unregistering by that fd succeeds.
            assert_eq!(s.unregister(&rd).unwrap_err(), Error::InvalidFd(-1));
            assert_eq!(s.get_map().unwrap().len(), 2);
            let key = s.unregister(&r).unwrap();
            assert!(Rc::ptr_eq(&key.fileobj, &rd));
            let key = s.unregister(&w).unwrap();
            assert!(Rc::ptr_eq(&key.fileobj, &wr));
            assert!(s.get_map().unwrap().is_empty());
        }

        #[test]
        #[cfg_attr(miri, ignore = "calls getrlimit, which Miri does not support")]
        fn test_modify() {
            let (rd, _wr) = pair();
            let mut s: Sel<Obj<'_>, u32> = new();

            let key = s.register(Obj::Sock(&rd), EVENT_READ, 0).unwrap().clone();

            // modify events
            let key2 = s.modify(&rd, EVENT_WRITE, 0).unwrap().clone();
            assert_ne!(key.events, key2.events);
            assert_eq!(&key2, s.get_key(&rd).unwrap());

            s.unregister(&rd).unwrap();

            // modify data
            let (d1, d2) = (1, 2);
            let key = s.register(Obj::Sock(&rd), EVENT_READ, d1).unwrap().clone();
            let key2 = s.modify(&rd, EVENT_READ, d2).unwrap().clone();
            assert_eq!(key.events, key2.events);
            assert_ne!(key.data, key2.data);
            assert_eq!(&key2, s.get_key(&rd).unwrap());
            assert_eq!(key2.data, d2);

            // modify unknown file obj (KeyError)
            assert_eq!(
                s.modify(&999_999, EVENT_READ, 0).unwrap_err(),
                Error::NotRegistered(999_999)
            );

            // modify uses a shortcut. CPython swaps register/unregister for Mocks and asserts a
            // data-only modify calls neither. Here the proof is a data-only modify of an fd
            // that was closed after it was registered: it can only succeed if nothing touches
            // the fd. epoll_ctl and kevent would fail with EBADF, and so would a re-registration
            // (CPython's select and kqueue modify is unregister + register; register checks the
            // fd is open).
            let _lock = lock();
            let sock = high_fd(pair().0);
            let fd = sock.as_raw_fd();
            s.register(Obj::Fd(fd), EVENT_READ, 3).unwrap();
            drop(sock);
            let d3 = 4;
            let key = s.modify(&fd, EVENT_READ, d3).unwrap().clone();
            assert_eq!((key.events, key.data), (EVENT_READ, d3));
            assert_eq!(s.get_key(&fd).unwrap(), &key);
            s.unregister(&fd).unwrap();
        }

        #[test]
        #[cfg_attr(miri, ignore = "calls getrlimit, which Miri does not support")]
        fn test_modify_unregister() {
            // bpo-30014: the fd is unregistered when the backend fails in modify(). CPython
            // mocks the poll-like backends so that their modify raises ZeroDivisionError; here
            // the kernel fails for real: the registered fd is closed, so epoll_ctl(MOD) or
            // kevent fails with EBADF.
            let _lock = lock();
            let mut s: Sel<RawFd, ()> = new();
            let sock = high_fd(pair().0);
            let fd = sock.as_raw_fd();
            s.register(fd, EVENT_READ, ()).unwrap();
            assert_eq!(s.get_map().unwrap().len(), 1);
            drop(sock);
            let result = s.modify(&fd, EVENT_WRITE, ()).map(|key| key.events);
            match modify_asks_kernel(backend(&s)) {
                Some(true) => {
                    assert_eq!(result, Err(Error::Os(libc::EBADF)));
                    assert_eq!(s.get_map().unwrap().len(), 0);
                    assert_eq!(s.get_key(&fd).unwrap_err(), Error::NotRegistered(fd));
                }
                Some(false) => {
                    // poll and select keep the change in memory, so nothing can fail (CPython
                    // needs a mock for poll for the same reason, and skips select).
                    assert_eq!(result, Ok(EVENT_WRITE));
                    assert_eq!(s.get_map().unwrap().len(), 1);
                    s.unregister(&fd).unwrap();
                }
                None => match result {
                    Err(_) => assert_eq!(s.get_map().unwrap().len(), 0),
                    Ok(events) => {
                        assert_eq!(events, EVENT_WRITE);
                        assert_eq!(s.get_map().unwrap().len(), 1);
                    }
                },
            }
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_close() {
            let (rd, wr) = pair();
            let mut s: Sel<Obj<'_>, ()> = new();
            assert!(s.get_map().is_some());

            s.register(Obj::Sock(&rd), EVENT_READ, ()).unwrap();
            s.register(Obj::Sock(&wr), EVENT_WRITE, ()).unwrap();

            s.close();
            // RuntimeError
            assert_eq!(s.get_key(&rd).unwrap_err(), Error::Closed);
            assert_eq!(s.get_key(&wr).unwrap_err(), Error::Closed);
            // CPython also checks that a mapping taken before close() has lost the keys
            // (KeyError). A SelectorMap borrows its selector, so the borrow checker forbids
            // holding one across close(); a new one is not given out.
            assert!(s.get_map().is_none());
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_get_key() {
            let (rd, _wr) = pair();
            let mut s: Sel<Obj<'_>, &str> = new();

            let key = s
                .register(Obj::Sock(&rd), EVENT_READ, "data")
                .unwrap()
                .clone();
            assert_eq!(&key, s.get_key(&rd).unwrap());

            // unknown file obj (KeyError)
            assert_eq!(
                s.get_key(&999_999).unwrap_err(),
                Error::NotRegistered(999_999)
            );
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_get_map() {
            let (rd, _wr) = pair();
            let mut s: Sel<Obj<'_>, &str> = new();

            {
                let keys = s.get_map().unwrap();
                assert!(keys.is_empty());
                assert_eq!(keys.len(), 0);
                assert_eq!(keys.iter().count(), 0);
                assert_eq!(keys.keys().count(), 0);
                // 3.13: keys.get(rd) is None
                assert!(keys.get(&rd).is_none());
            }
            let key = s
                .register(Obj::Sock(&rd), EVENT_READ, "data")
                .unwrap()
                .clone();
            // CPython's mapping is a live view; this one borrows the selector, so it is taken
            // again after register().
            let keys = s.get_map().unwrap();
            assert!(keys.contains(&rd));
            assert_eq!(keys.get(&rd), Some(&key));
            assert_eq!(keys.len(), 1);
            // iterating Python's mapping yields the fds
            assert_eq!(keys.keys().collect::<Vec<_>>(), vec![rd.as_raw_fd()]);
            assert_eq!(keys.values().collect::<Vec<_>>(), vec![&key]);

            // unknown file obj (KeyError)
            assert!(keys.get(&999_999).is_none());

            // Read-only mapping: `del keys[rd]` is a TypeError in Python. SelectorMap has no
            // method that changes anything, and while one is alive the borrow checker forbids
            // changing the selector.
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_select() {
            let (rd, wr) = pair();
            let mut s: Sel<Obj<'_>, ()> = new();

            s.register(Obj::Sock(&rd), EVENT_READ, ()).unwrap();
            let wr_key = s.register(Obj::Sock(&wr), EVENT_WRITE, ()).unwrap().clone();

            let result = s.select(None).unwrap();
            for (_key, events) in &result {
                assert!(!events.is_empty());
                assert!(Events::READ_WRITE.contains(*events));
            }
            assert_eq!(result, vec![(wr_key, EVENT_WRITE)]);
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_select_read_write() {
            // gh-110038: when a file descriptor is registered for both read and write, the two
            // events must be seen on a single call to select().
            let (sock1, sock2) = pair();
            let mut s: Sel<Obj<'_>, ()> = new();
            (&sock2).write_all(b"foo").unwrap();
            let my_key = s
                .register(Obj::Sock(&sock1), EVENT_READ | EVENT_WRITE, ())
                .unwrap()
                .clone();

            let (mut seen_read, mut seen_write) = (false, false);
            let result = s.select(None).unwrap();
            // We get the read and write either in the same result entry or in two distinct
            // entries with the same key.
            assert!(result.len() <= 2);
            for (key, events) in &result {
                assert_eq!(key, &my_key);
                assert!(Events::READ_WRITE.contains(*events));
                if events.contains(EVENT_READ) {
                    assert!(!seen_read);
                    seen_read = true;
                }
                if events.contains(EVENT_WRITE) {
                    assert!(!seen_write);
                    seen_write = true;
                }
            }
            assert!(seen_read);
            assert!(seen_write);
            // ioselectors merges them into one entry on every backend, kqueue included
            // (CPython's kqueue gives two).
            assert_eq!(result.len(), 1);
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_context_manager() {
            let (rd, wr) = pair();
            let mut s: Sel<Obj<'_>, ()> = new();

            {
                let mut sel = With::new(&mut s);
                sel.register(Obj::Sock(&rd), EVENT_READ, ()).unwrap();
                sel.register(Obj::Sock(&wr), EVENT_WRITE, ()).unwrap();
            }

            // RuntimeError
            assert_eq!(s.get_key(&rd).unwrap_err(), Error::Closed);
            assert_eq!(s.get_key(&wr).unwrap_err(), Error::Closed);
            // Closing a selector leaves the registered files alone (in Python too).
            assert!(is_open(rd.as_raw_fd()) && is_open(wr.as_raw_fd()));
        }

        #[test]
        fn test_fileno() {
            let mut s: Sel<RawFd, ()> = new();
            // Only the selectors with a kernel object (epoll, kqueue, /dev/poll) have one.
            if let Some(fd) = fileno(&s) {
                assert!(fd >= 0);
                assert!(is_open(fd));
            }
            s.close();
            // CPython raises ValueError after close().
            assert_eq!(fileno(&s), None);
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_selector() {
            const NUM_SOCKETS: usize = 12;
            const MSG: &[u8] = b" This is a test.";
            let mut rng = Rng::from_clock();
            let pairs: Vec<(UnixStream, UnixStream)> = (0..NUM_SOCKETS).map(|_| pair()).collect();
            let mut s: Sel<RawFd, ()> = new();

            let mut sockets = HashMap::new();
            let mut writers = Vec::new();
            let (mut r2w, mut w2r) = (HashMap::new(), HashMap::new());
            for (rd, wr) in &pairs {
                let (r, w) = (rd.as_raw_fd(), wr.as_raw_fd());
                s.register(r, EVENT_READ, ()).unwrap();
                s.register(w, EVENT_WRITE, ()).unwrap();
                sockets.insert(r, rd);
                sockets.insert(w, wr);
                writers.push(w);
                r2w.insert(r, w);
                w2r.insert(w, r);
            }

            let mut bufs = Vec::new();

            while !writers.is_empty() {
                let ready = s.select(None).unwrap();
                let ready_writers = find_ready_matching(&ready, EVENT_WRITE);
                assert!(!ready_writers.is_empty(), "no sockets ready for writing");
                let wr = ready_writers[rng.below(ready_writers.len())];
                let mut w: &UnixStream = sockets[&wr];
                w.write_all(MSG).unwrap();

                let mut ready_readers = Vec::new();
                for _ in 0..10 {
                    let ready = s.select(None).unwrap();
                    ready_readers = find_ready_matching(&ready, EVENT_READ);
                    if !ready_readers.is_empty() {
                        break;
                    }
                    // there might be a delay between the write to the write end and the read
                    // end is reported ready
                    std::thread::sleep(Duration::from_millis(100));
                }
                assert!(!ready_readers.is_empty(), "no sockets ready for reading");
                assert_eq!(ready_readers, vec![w2r[&wr]]);
                let rd = ready_readers[0];
                let mut buf = vec![0; MSG.len()];
                let mut r: &UnixStream = sockets[&rd];
                r.read_exact(&mut buf).unwrap();
                bufs.push(buf);
                s.unregister(&r2w[&rd]).unwrap();
                s.unregister(&rd).unwrap();
                writers.retain(|&w| w != r2w[&rd]);
            }

            assert_eq!(bufs, vec![MSG.to_vec(); NUM_SOCKETS]);
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_empty_select() {
            // bpo-23009: select() works when no fd is registered (epoll must not be asked for
            // zero events).
            let mut s: Sel<RawFd, ()> = new();
            assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_timeout() {
            let (rd, wr) = pair();
            let mut s: Sel<Obj<'_>, ()> = new();

            s.register(Obj::Sock(&wr), EVENT_WRITE, ()).unwrap();
            // CPython also passes -1, which it treats as 0; a Duration cannot be negative, so
            // both calls are zero timeouts here.
            let ((a, b), dt) = time!((
                s.select(Some(Duration::ZERO)).unwrap().len(),
                s.select(Some(Duration::ZERO)).unwrap().len()
            ));
            assert_eq!((a, b), (1, 1));
            assert!(dt < Duration::from_millis(500), "{dt:?}");

            s.unregister(&wr).unwrap();
            s.register(Obj::Sock(&rd), EVENT_READ, ()).unwrap();
            let ((a, b), dt) = time!((
                s.select(Some(Duration::ZERO)).unwrap().len(),
                s.select(Some(Duration::ZERO)).unwrap().len()
            ));
            assert_eq!((a, b), (0, 0));
            assert!(dt < Duration::from_millis(500), "{dt:?}");

            let (ready, dt) = time!(s.select(Some(Duration::from_secs(1))).unwrap());
            assert!(ready.is_empty());
            // CPython accepts 0.8 s <= dt <= 2.0 s; ioselectors waits at least the timeout.
            assert_waited(dt, Duration::from_secs(1), Duration::from_secs(2));
        }

        #[test]
        #[cfg_attr(miri, ignore = "installs a signal handler (sigemptyset), which Miri does not support")]
        fn test_select_interrupt_exc() {
            // CPython's SIGALRM handler raises InterruptSelect, which aborts select(30) at once.
            // A Rust signal handler cannot unwind, and select() retries EINTR against its
            // deadline (PEP 475). What a Rust handler can do to end the wait is what CPython's
            // own signal wakeup fd does: write to a pipe the selector watches. So: the
            // handler writes a byte, the interrupted wait is resumed and sees the pipe readable,
            // and select(30) returns that key within 5 s, as CPython's returns by raising.
            let _lock = lock();
            let _handler = SignalHandler::install(libc::SIGALRM);
            let (ready, dt) = run_signalled(libc::SIGALRM, &[Duration::from_secs(1)], || {
                let (wake_r, wake_w) = pipe();
                let (rd, _wr) = pair();
                let mut s: Sel<RawFd, &'static str> = new();
                s.register(rd.as_raw_fd(), EVENT_READ, "rd").unwrap();
                s.register(wake_r.as_raw_fd(), EVENT_READ, "wakeup")
                    .unwrap();
                WAKE_FD.store(wake_w.as_raw_fd(), Ordering::SeqCst);
                let (ready, dt) = time!(s.select(Some(Duration::from_secs(30))));
                WAKE_FD.store(-1, Ordering::SeqCst);
                let ready: Vec<_> = ready
                    .unwrap()
                    .into_iter()
                    .map(|(key, events)| (key.data, events))
                    .collect();
                (ready, dt)
            });
            assert_eq!(ready, vec![("wakeup", EVENT_READ)]);
            // select() was interrupted before the timeout of 30 seconds
            assert!(dt < Duration::from_secs(5), "{dt:?}");
            assert!(SIGNALS.load(Ordering::SeqCst) >= 1);
        }

        #[test]
        #[cfg_attr(miri, ignore = "installs a signal handler (sigemptyset), which Miri does not support")]
        fn test_select_interrupt_noraise() {
            // The handler returns: select() is interrupted (EINTR) and retried with the time
            // left (PEP 475). The handler is installed without SA_RESTART and the signal is sent
            // to the selecting thread (see run_signalled for why not alarm()).
            let _lock = lock();
            let _handler = SignalHandler::install(libc::SIGALRM);
            let (ready, dt) = run_signalled(libc::SIGALRM, &[Duration::from_secs(1)], || {
                let (rd, _wr) = pair();
                let mut s: Sel<RawFd, ()> = new();
                s.register(rd.as_raw_fd(), EVENT_READ, ()).unwrap();
                let (ready, dt) = time!(s.select(Some(Duration::from_millis(1500))));
                (ready.unwrap().len(), dt)
            });
            assert_eq!(ready, 0);
            assert!(SIGNALS.load(Ordering::SeqCst) >= 1, "the signal never came");
            // CPython asserts dt >= 1.0 s; ioselectors retries against the original deadline,
            // so the whole 1.5 s is waited.
            assert_waited(dt, Duration::from_millis(1500), Duration::from_secs(2));
        }

        #[test]
        #[cfg_attr(miri, ignore = "calls getrlimit, which Miri does not support")]
        fn test_register_bad_fd() {
            // CPython's kqueue test (KqueueSelector must raise EBADF for a closed fd). In
            // ioselectors every backend does, select and poll included (CPython's accept it).
            let _lock = lock();
            let mut s: Sel<RawFd, ()> = new();
            let bad_f = closed_fd();
            assert_eq!(
                s.register(bad_f, EVENT_READ, ()).unwrap_err(),
                Error::Os(libc::EBADF)
            );
            // the SelectorKey has been removed (KeyError)
            assert_eq!(s.get_key(&bad_f).unwrap_err(), Error::NotRegistered(bad_f));
        }

        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn test_empty_select_timeout() {
            // CPython's kqueue test (bpo-23009, bpo-29255): the timeout is applied when no fd is
            // registered. It holds for every backend.
            let mut s: Sel<RawFd, ()> = new();
            let (ready, dt) = time!(s.select(Some(Duration::from_secs(1))).unwrap());
            assert!(ready.is_empty());
            // CPython accepts 0.8 s <= dt <= 2.0 s; ioselectors waits at least the timeout.
            assert_waited(dt, Duration::from_secs(1), Duration::from_secs(2));
        }
    };
}

/// `ScalableSelectorMixIn`.
macro_rules! scalable_tests {
    () => {
        #[test]
        #[cfg_attr(miri, ignore = "spawns a process (posix_spawn), which Miri cannot run")]
        fn test_above_fd_setsize() {
            // A scalable implementation should have no problem with more than FD_SETSIZE file
            // descriptors. In a child process: it raises RLIMIT_NOFILE and opens thousands of
            // fds, which would starve the other tests of fds.
            let name = concat!(module_path!(), "::test_above_fd_setsize");
            if skip_select_above_fd_setsize_under_qemu(name, backend(&new::<RawFd, ()>())) {
                return;
            }
            in_child(module_path!(), "test_above_fd_setsize", || {
                let (limit, _restore) = raise_nofile_to_hard();
                // CPython caps at 2**16; 20 000 keeps the test quick (it is not behind a
                // resource flag here). Guard for already allocated fds (stdin, stdout...).
                let num_fds = limit.min(20_000).saturating_sub(32);

                let mut s: Sel<RawFd, ()> = new();
                let _socks = match register_socketpairs(&mut s, num_fds / 2) {
                    Ok(socks) => socks,
                    Err(why) => {
                        cannot_run(name, &why);
                        return;
                    }
                };

                let fds = s.select(None).unwrap();
                assert_eq!(fds.len(), num_fds / 2);
                assert!(fds.iter().all(|(_, events)| *events == EVENT_WRITE));
                eprintln!("{} ready writers of {} fds", fds.len(), num_fds);
            });
        }
    };
}

mod select {
    use super::*;

    backend!(select);

    selector_tests!();

    // CPython does not run this on select (its select() refuses fds >= FD_SETSIZE); here select
    // sizes its sets to the largest fd where the kernel takes any nfds.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    scalable_tests!();

    /// The scan of the output sets stops once it has seen as many bits as select(2) said it
    /// left set, counting a word's read and write bits apart: here the first word holds three
    /// fds ready both ways (six bits) and a later word one more, which must not be missed. In
    /// a child process, so that the fd numbers are known (3 to 8 for the pairs, 200 for the
    /// last one).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    #[cfg_attr(miri, ignore = "spawns a process (posix_spawn), which Miri cannot run")]
    fn every_word_of_the_sets_is_scanned() {
        in_child(module_path!(), "every_word_of_the_sets_is_scanned", || {
            let pairs: Vec<_> = (0..3).map(|_| pair()).collect();
            let (a, far_peer) = pair();
            dup_onto(&a, 200);
            drop(a);
            // SAFETY: fd 200 was just made by dup_onto and nothing else owns it.
            let _far = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(200) };
            let mut s: Sel<RawFd, ()> = new();
            let mut want = Vec::new();
            for (x, y) in &pairs {
                assert!(x.as_raw_fd() < 64, "{}", x.as_raw_fd());
                s.register(x.as_raw_fd(), EVENT_READ | EVENT_WRITE, ())
                    .unwrap();
                (&*y).write_all(b"x").unwrap();
                want.push((x.as_raw_fd(), EVENT_READ | EVENT_WRITE));
            }
            s.register(200, EVENT_WRITE, ()).unwrap();
            want.push((200, EVENT_WRITE));
            let mut got: Vec<_> = s
                .select(Some(Duration::from_secs(5)))
                .unwrap()
                .iter()
                .map(|(k, e)| (k.fd, *e))
                .collect();
            got.sort_unstable_by_key(|&(fd, _)| fd);
            assert_eq!(got, want);
            drop(far_peer);
        });
    }

    /// Where select(2) takes any nfds (Linux), the waker's fd may be above FD_SETSIZE too: in a
    /// child whose numbers below it are all taken, `waker()` works and wakes.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    #[cfg_attr(miri, ignore = "spawns a process (posix_spawn), which Miri cannot run")]
    fn waker_above_fd_setsize() {
        let name = concat!(module_path!(), "::waker_above_fd_setsize");
        if skip_select_above_fd_setsize_under_qemu(name, Backend::Select) {
            return;
        }
        in_child(module_path!(), "waker_above_fd_setsize", || {
            let setsize = ioselectors_sys::FD_SETSIZE;
            let Some(_restore) = raise_nofile(setsize + 64) else {
                cannot_run(name, "RLIMIT_NOFILE cannot be raised above FD_SETSIZE");
                return;
            };
            // Every free number below FD_SETSIZE taken (dup picks the lowest free one).
            let (a, _b) = pair();
            let mut fillers = Vec::new();
            loop {
                let fd = a.try_clone().unwrap();
                if fd.as_raw_fd() as usize >= setsize {
                    break;
                }
                fillers.push(fd);
            }
            let mut s: Sel<RawFd, ()> = new();
            let waker = s.waker().unwrap();
            waker.wake().unwrap();
            assert!(s.select(Some(Duration::from_secs(5))).unwrap().is_empty());
            drop(fillers);
        });
    }

    /// Where select(2) cannot take fds >= FD_SETSIZE, registering one fails cleanly (CPython
    /// accepts it and fails in select()).
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    #[test]
    fn register_above_fd_setsize_is_invalid_fd() {
        in_child(
            module_path!(),
            "register_above_fd_setsize_is_invalid_fd",
            || {
                let fd = ioselectors_sys::FD_SETSIZE as RawFd;
                let Some(_restore) = raise_nofile(fd as usize + 16) else {
                    cannot_run(
                        concat!(module_path!(), "::register_above_fd_setsize_is_invalid_fd"),
                        "RLIMIT_NOFILE cannot be raised above FD_SETSIZE",
                    );
                    return;
                };
                // This child has far fewer fds open, so the number FD_SETSIZE is free and ours.
                let (a, _b) = pair();
                dup_onto(&a, fd);
                // SAFETY: fd was just made by dup_onto and nothing else owns it.
                let _owner = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
                let mut s: Sel<RawFd, ()> = new();
                assert_eq!(
                    s.register(fd, EVENT_READ, ()).unwrap_err(),
                    Error::InvalidFd(fd)
                );
                assert!(s.get_map().unwrap().is_empty());
            },
        );
    }
}

mod poll {
    use super::*;

    backend!(poll);

    selector_tests!();
    scalable_tests!();
}

#[cfg(ioselectors_epoll)]
mod epoll {
    use super::*;
    use std::fs::File;

    backend!(epoll);

    selector_tests!();
    scalable_tests!();

    #[test]
    #[cfg_attr(
        miri,
        ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
    )]
    fn test_register_file() {
        // epoll(7) returns EPERM when given a file to watch (Python: OSError)
        let f = temp_file();
        let mut s: Sel<&File, ()> = new();
        assert_eq!(
            s.register(&f, EVENT_READ, ()).unwrap_err(),
            Error::Os(libc::EPERM)
        );
        // the SelectorKey has been removed (KeyError)
        assert_eq!(
            s.get_key(&f).unwrap_err(),
            Error::NotRegistered(f.as_raw_fd())
        );
    }

    /// test_modify_unregister with the other real failure: the registered fd's number now
    /// refers to another file, which epoll does not watch, so `EPOLL_CTL_MOD` fails with
    /// `ENOENT`. The key is dropped, and nothing is left in the kernel, so the fd can be
    /// registered again (after CPython's map-only rollback, a kernel registration that outlived
    /// the key would make that `EEXIST`).
    #[cfg(any(target_os = "linux", target_os = "android"))] // /proc/self/fdinfo
    #[test]
    #[cfg_attr(
        miri,
        ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
    )]
    fn modify_failure_after_fd_reuse_drops_key() {
        let _lock = lock(); // a closed file must really be closed (common::lock)
        let (a, _b) = pair();
        let (c, _d) = pair();
        let a = OwnedFd::from(a);
        let fd = a.as_raw_fd();
        let mut s: Sel<RawFd, ()> = new();
        let epfd = s.fileno().unwrap();
        s.register(fd, EVENT_READ, ()).unwrap();
        assert_eq!(epoll_watched(epfd), vec![fd]);

        // The registered file is closed (its only fd now refers to c's file): the kernel
        // drops the registration.
        dup_onto(&c, fd);
        assert_eq!(epoll_watched(epfd), Vec::<RawFd>::new());

        assert_eq!(
            s.modify(&fd, EVENT_WRITE, ()).unwrap_err(),
            Error::Os(libc::ENOENT)
        );
        assert_eq!(s.get_map().unwrap().len(), 0);
        assert_eq!(s.get_key(&fd).unwrap_err(), Error::NotRegistered(fd));
        assert_eq!(epoll_watched(epfd), Vec::<RawFd>::new());

        s.register(fd, EVENT_WRITE, ()).unwrap();
        assert_eq!(epoll_watched(epfd), vec![fd]);
        let ready = s.select(Some(Duration::ZERO)).unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!((ready[0].0.fd, ready[0].1), (fd, EVENT_WRITE));
    }
}

mod default {
    use super::*;

    backend!(default);

    selector_tests!();
    scalable_tests!();

    /// Python's `_can_use` order on this OS (or, in `fallback`'s child processes, the first
    /// interface the kernel does not refuse).
    #[test]
    fn chooses_pythons_backend() {
        let s: Sel<RawFd, ()> = new();
        let expected = if cfg!(any(target_os = "linux", target_os = "android")) {
            Backend::Epoll
        } else if cfg!(ioselectors_kqueue) {
            Backend::Kqueue
        } else if cfg!(target_os = "solaris") {
            Backend::Devpoll
        } else if cfg!(target_os = "illumos") {
            Backend::Epoll
        } else {
            Backend::Poll
        };
        // In `fallback`'s child processes the kernel refuses epoll (and poll).
        let expected = refused_by_parent().unwrap_or(expected);
        assert_eq!(s.backend(), expected);
        assert_eq!(ioselectors::default_backend(), Ok(expected));
    }
}

#[cfg(ioselectors_kqueue)]
mod kqueue {
    use super::*;

    backend!(kqueue);

    // test_register_bad_fd and test_empty_select_timeout, kqueue's own tests in CPython, are in
    // selector_tests!.
    selector_tests!();
    scalable_tests!();
}

#[cfg(ioselectors_devpoll)]
mod devpoll {
    use super::*;

    backend!(devpoll);

    selector_tests!();
    scalable_tests!();
}

/// `DefaultSelector`'s fallback chain run for real: the kernel refuses `epoll_create1` (and
/// `epoll_create`), then poll too, by a seccomp filter (tests/common/seccomp.rs), in a child
/// process (the test binary re-executed). There `DefaultSelector` must choose poll, then select,
/// and pass `default`'s tests: CPython's `BaseSelectorTestCase` and `test_above_fd_setsize`,
/// the same checks as `PollSelector` and `SelectSelector`. The probe cache is checked by
/// changing the kernel's answer after the first probe.
///
/// Not under Miri: it installs seccomp filters (prctl) and re-executes the test binary; Miri
/// supports neither.
#[cfg(all(target_os = "linux", not(miri)))]
mod fallback {
    use super::*;
    use ioselectors::{DefaultSelector, EpollSelector, PollSelector};
    use std::thread;

    /// Whether the tests can run here; prints the skip (or fails under `CI=true` on the host).
    fn seccomp_works(test: &str) -> bool {
        let Some(why) = seccomp::unavailable() else {
            return true;
        };
        if seccomp::skip_allowed_under_ci() {
            println!("SKIPPED: {test}: {why}");
        } else {
            cannot_run(test, &why);
        }
        false
    }

    /// The number of `default::` tests, from the test binary's own `--list`.
    fn default_tests() -> usize {
        let out = run_self(&["default::", "--list"], &[]);
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("default::") && l.ends_with(": test"))
            .count()
    }

    /// `default`'s tests in a child process where the kernel refuses `refused`: every one of
    /// them but `skip` passes (`chooses_pythons_backend` checks that the choice is the
    /// expected fallback).
    fn suite_refusing(test: &str, refused: &str, skip: Option<&str>) {
        if !seccomp_works(test) {
            return;
        }
        let n = default_tests() - usize::from(skip.is_some());
        assert!(n > 20, "only {n} default:: tests listed");
        let mut args = vec!["default::", "--test-threads=1"];
        if let Some(skip) = skip {
            args.extend(["--skip", skip]);
        }
        let out = run_self(&args, &[(seccomp::REFUSE_ENV, refused)]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "default:: with {refused} refused: {}",
            out.status
        );
        let want = format!("test result: ok. {n} passed; 0 failed");
        assert!(stdout.contains(&want), "expected {want:?}");
    }

    #[test]
    fn default_tests_pass_on_poll_when_epoll_is_refused() {
        suite_refusing(
            "default_tests_pass_on_poll_when_epoll_is_refused",
            "epoll",
            None,
        );
    }

    /// All but `test_above_fd_setsize`: it re-executes the test binary, which inherits the
    /// filter (filters survive `execve`), and Rust's runtime aborts at start-up when its poll(2)
    /// of fds 0-2 fails with anything but `EINVAL`/`EAGAIN`/`ENOMEM`. `select::`'s copy of it
    /// runs on `SelectSelector`, the backend `DefaultSelector` delegates to here.
    #[test]
    fn default_tests_pass_on_select_when_epoll_and_poll_are_refused() {
        suite_refusing(
            "default_tests_pass_on_select_when_epoll_and_poll_are_refused",
            "epoll,poll",
            Some("default::test_above_fd_setsize"),
        );
    }

    /// The refusal itself, and what `DefaultSelector` does on its fallback besides CPython's
    /// tests: results filtered to the registered events, and a `Waker` from another thread.
    fn fallback_checks(expected: Backend) {
        assert_eq!(
            EpollSelector::<RawFd, ()>::new().unwrap_err(),
            Error::Os(libc::ENOSYS),
            "the filter does not refuse epoll_create1"
        );
        if expected == Backend::Select {
            let mut p: PollSelector = PollSelector::new();
            assert_eq!(
                p.select(Some(Duration::ZERO)).unwrap_err(),
                Error::Os(libc::ENOSYS),
                "the filter does not refuse poll"
            );
        }
        assert_eq!(ioselectors::default_backend(), Ok(expected));
        let mut sel: DefaultSelector<RawFd, u8> = DefaultSelector::new().unwrap();
        assert_eq!(sel.backend(), expected);
        assert_eq!(sel.fileno().ok(), None, "{expected} has no kernel object");

        // Both ends are writable, neither is readable: `a` (READ only) is filtered out, `b`'s
        // WRITE is reported without the READ it did not get.
        let (a, b) = pair();
        let (fa, fb) = (a.as_raw_fd(), b.as_raw_fd());
        sel.register(fa, EVENT_READ, 1).unwrap();
        sel.register(fb, EVENT_READ | EVENT_WRITE, 2).unwrap();
        let ready: Vec<_> = sel
            .select(Some(Duration::ZERO))
            .unwrap()
            .into_iter()
            .map(|(k, ev)| (k.fd, k.data, ev))
            .collect();
        assert_eq!(ready, vec![(fb, 2, EVENT_WRITE)]);
        // `a` readable now, and writable, but registered for READ: READ only.
        (&b).write_all(b"x").unwrap();
        let mut ready: Vec<_> = sel
            .select(Some(Duration::ZERO))
            .unwrap()
            .into_iter()
            .map(|(k, ev)| (k.fd, k.data, ev))
            .collect();
        ready.sort();
        let mut want = vec![(fa, 1, EVENT_READ), (fb, 2, EVENT_WRITE)];
        want.sort();
        assert_eq!(ready, want);
        sel.unregister(&fb).unwrap();
        sel.modify(&fa, EVENT_WRITE, 3).unwrap();
        let ready = sel.select(Some(Duration::ZERO)).unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!(
            (ready[0].0.fd, ready[0].0.data, ready[0].1),
            (fa, 3, EVENT_WRITE)
        );
        sel.unregister(&fa).unwrap();

        // A wake from another thread ends a select that would wait 30 s; the waker's own fd is
        // never reported.
        let waker = sel.waker().unwrap();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            waker.wake().unwrap();
        });
        assert!(sel
            .select(Some(Duration::from_secs(30)))
            .unwrap()
            .is_empty());
        t.join().unwrap();
        assert!(sel.get_map().unwrap().is_empty());
    }

    #[test]
    fn poll_fallback_filters_masks_and_wakes() {
        let test = "poll_fallback_filters_masks_and_wakes";
        if seccomp_works(test) {
            in_child(module_path!(), test, || {
                seccomp::refuse(&seccomp::epoll_syscalls(), libc::ENOSYS).unwrap();
                fallback_checks(Backend::Poll);
            });
        }
    }

    #[test]
    fn select_fallback_filters_masks_and_wakes() {
        let test = "select_fallback_filters_masks_and_wakes";
        if seccomp_works(test) {
            in_child(module_path!(), test, || {
                let both = [seccomp::epoll_syscalls(), seccomp::poll_syscalls()].concat();
                seccomp::refuse(&both, libc::ENOSYS).unwrap();
                fallback_checks(Backend::Select);
            });
        }
    }

    /// One probe per process: once poll is chosen, the kernel answers `epoll_create1` with
    /// `EMFILE`, which a new probe would return as an error (lack of fds says nothing about
    /// support); `DefaultSelector::new()` keeps working on poll without asking again.
    #[test]
    fn the_choice_is_probed_once_per_process() {
        let test = "the_choice_is_probed_once_per_process";
        if seccomp_works(test) {
            in_child(module_path!(), test, || {
                seccomp::refuse(&seccomp::epoll_syscalls(), libc::ENOSYS).unwrap();
                let sel: DefaultSelector = DefaultSelector::new().unwrap();
                assert_eq!(sel.backend(), Backend::Poll);
                // The most recent filter's errno wins.
                seccomp::refuse(&seccomp::epoll_syscalls(), libc::EMFILE).unwrap();
                assert_eq!(
                    EpollSelector::<RawFd, ()>::new().unwrap_err(),
                    Error::Os(libc::EMFILE)
                );
                for _ in 0..3 {
                    assert_eq!(ioselectors::default_backend(), Ok(Backend::Poll));
                    let sel: DefaultSelector = DefaultSelector::new().unwrap();
                    assert_eq!(sel.backend(), Backend::Poll);
                }
            });
        }
    }

    /// A probe that fails for lack of fds is an error, and is not kept: the next call probes
    /// again. Here `epoll_create1` fails with `EMFILE`, then with `ENOSYS`, then poll with
    /// `ENOMEM`, then `ENOSYS`.
    #[test]
    fn a_probe_failing_for_lack_of_fds_is_not_kept() {
        let test = "a_probe_failing_for_lack_of_fds_is_not_kept";
        if seccomp_works(test) {
            in_child(module_path!(), test, || {
                let (epoll, poll) = (seccomp::epoll_syscalls(), seccomp::poll_syscalls());
                seccomp::refuse(&epoll, libc::EMFILE).unwrap();
                for _ in 0..2 {
                    assert_eq!(ioselectors::default_backend(), Err(Error::Os(libc::EMFILE)));
                    assert_eq!(
                        DefaultSelector::<RawFd, ()>::new().unwrap_err(),
                        Error::Os(libc::EMFILE)
                    );
                }
                seccomp::refuse(&epoll, libc::ENOSYS).unwrap();
                seccomp::refuse(&poll, libc::ENOMEM).unwrap();
                assert_eq!(ioselectors::default_backend(), Err(Error::Os(libc::ENOMEM)));
                seccomp::refuse(&poll, libc::ENOSYS).unwrap();
                assert_eq!(ioselectors::default_backend(), Ok(Backend::Select));
                let sel: DefaultSelector = DefaultSelector::new().unwrap();
                assert_eq!(sel.backend(), Backend::Select);
                // Kept now: poll's answer no longer matters.
                seccomp::refuse(&poll, libc::ENOMEM).unwrap();
                assert_eq!(ioselectors::default_backend(), Ok(Backend::Select));
            });
        }
    }
}

/// `KqueueSelector`'s and `DevpollSelector`'s code over the per-OS kernel models
/// (tests/kernels/kqueue.rs, tests/kernels/devpoll.rs), on Linux. Not `scalable_tests!`: the
/// model checks every knote's file at each call (O(n²) for thousands of fds); the backend code it
/// would run is the same. Not under Miri: the models read readiness with poll(2), which Miri does
/// not implement.
macro_rules! model_modules {
    ($($module:ident: $kind:ident $os:expr;)*) => {$(
        #[cfg(all(any(target_os = "linux", target_os = "android"), not(miri)))]
        mod $module {
            use super::*;

            backend!($kind $os);

            selector_tests!();
        }
    )*};
}

model_modules! {
    kqueue_model_freebsd: kqueue_model kernels::kqueue::Os::FreeBsd;
    kqueue_model_macos: kqueue_model kernels::kqueue::Os::MacOs;
    kqueue_model_netbsd9: kqueue_model kernels::kqueue::Os::NetBsd9;
    kqueue_model_netbsd10: kqueue_model kernels::kqueue::Os::NetBsd10;
    kqueue_model_openbsd: kqueue_model kernels::kqueue::Os::OpenBsd;
    kqueue_model_dragonfly: kqueue_model kernels::kqueue::Os::DragonFly;
    devpoll_model_illumos: devpoll_model kernels::devpoll::Os::Illumos;
    devpoll_model_solaris: devpoll_model kernels::devpoll::Os::Solaris;
}
