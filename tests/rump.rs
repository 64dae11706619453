//! `KqueueSelector`'s code (`KqueueBackend`, through `ioselectors::__kernels`) against NetBSD's
//! own kqueue: a rump kernel, NetBSD's kernel sources (`sys/kern/kern_event.c`, `sys_pipe.c`,
//! `uipc_usrreq.c`) built as Linux shared libraries (tests/rump/kernel.rs). A local check, not
//! in CI: compiled only when `IOSELECTORS_RUMP_LIB` names the built libraries (build.rs sets
//! `ioselectors_rump`); README.md, "Against NetBSD's kernel (local check)", has the steps.
//!
//! * CPython's `test_selectors.py` tests and the pitfalls of tests/pitfalls.rs that a rump
//!   kernel can run, ported to its fds (the file objects are the rump kernel's fd numbers);
//!   each says what it leaves out of its original. Not run: the signal tests (a rump kernel's
//!   `kevent` sleeps on a host condition variable, which a host signal does not interrupt: no
//!   `EINTR` to retry), `test_above_fd_setsize` and the 10 000 socketpairs (the rump kernel's
//!   descriptor limit), fork (one rump kernel per host process).
//! * The waker, which is a pipe of the rump kernel there (this kernel has no `EVFILT_USER`).
//! * tests/rump/scenarios.rs: one scenario list run on the NetBSD kqueue model
//!   (tests/kernels/kqueue.rs) and on the kernel, with identical answers.
//! * tests/rump/ops.rs: tests/model.rs's op sequences (seed corpus and generated), and
//!   tests/rump/sequences.rs: more random op sequences, each on a selector over the kernel and
//!   one over the NetBSD model, side by side, with identical answers.
#![cfg(all(ioselectors_rump, target_os = "linux", feature = "std"))]

#[macro_use]
#[allow(unused_macros)] // backend!: the selector type here is `Sel`, below
mod common;
#[path = "rump/kernel.rs"]
mod kernel;
#[path = "kernels/mod.rs"]
mod kernels;
#[path = "model/mod.rs"]
mod model;
#[path = "rump/ops.rs"]
mod ops;
#[path = "rump/scenarios.rs"]
mod scenarios;
#[path = "rump/sequences.rs"]
mod sequences;

use std::collections::HashMap;
use std::os::raw::c_int;
use std::thread;
use std::time::Duration;

use common::{assert_waited, Rng};
use ioselectors::__kernels::kqueue::KqueueBackend;
use ioselectors::{BaseSelector, Error, Events, GenericSelector, EVENT_READ, EVENT_WRITE};
use kernel::{is_open, pair, pipe, read, write, Fd, RumpKq};

/// `KqueueSelector` over the rump kernel's kqueue.
type Sel<D = ()> = GenericSelector<KqueueBackend<RumpKq>, c_int, D>;

fn new<D>() -> Sel<D> {
    Sel::with_kernel(RumpKq::new())
}

/// `(fd, events)` of a select result, sorted.
fn fds<D>(ready: &[(ioselectors::SelectorKey<c_int, D>, Events)]) -> Vec<(c_int, Events)> {
    let mut v: Vec<_> = ready.iter().map(|(key, ev)| (key.fd, *ev)).collect();
    v.sort();
    v
}

fn put(fd: &Fd, data: &[u8]) {
    assert_eq!(write(fd.raw(), data), Ok(data.len()));
}

fn take(fd: &Fd, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    assert_eq!(read(fd.raw(), &mut buf), Ok(n));
    buf
}

// ---------------------------------------------------------------------------------------------
// CPython's test_selectors.py (BaseSelectorTestCase, KqueueSelectorTestCase), on rump fds

#[test]
fn test_register() {
    let _k = kernel::kernel();
    let (rd, _wr) = pair();
    let mut s: Sel<&str> = new();
    let key = s.register(rd.raw(), EVENT_READ, "data").unwrap().clone();
    assert_eq!(
        (key.fd, key.events, key.data),
        (rd.raw(), EVENT_READ, "data")
    );
    assert_eq!(
        s.register(0, Events::from_bits_retain(999_999), "")
            .unwrap_err(),
        Error::InvalidEvents(999_999)
    );
    assert_eq!(
        s.register(-10, EVENT_READ, "").unwrap_err(),
        Error::InvalidFd(-10)
    );
    assert_eq!(
        s.register(rd.raw(), EVENT_READ, "").unwrap_err(),
        Error::AlreadyRegistered(rd.raw())
    );
}

#[test]
fn test_unregister() {
    let _k = kernel::kernel();
    let (rd, _wr) = pair();
    let mut s: Sel = new();
    s.register(rd.raw(), EVENT_READ, ()).unwrap();
    assert_eq!(s.unregister(&rd.raw()).unwrap().fd, rd.raw());
    assert_eq!(
        s.unregister(&999_999).unwrap_err(),
        Error::NotRegistered(999_999)
    );
    assert_eq!(
        s.unregister(&rd.raw()).unwrap_err(),
        Error::NotRegistered(rd.raw())
    );
}

#[test]
fn test_unregister_after_fd_close() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let (r, w) = (rd.raw(), wr.raw());
    let mut s: Sel = new();
    s.register(r, EVENT_READ, ()).unwrap();
    s.register(w, EVENT_WRITE, ()).unwrap();
    drop(rd);
    drop(wr);
    // NetBSD answers the deletes with EBADF (the fd lookup comes first), which is ignored.
    assert_eq!(s.unregister(&r).unwrap().fd, r);
    assert_eq!(s.unregister(&w).unwrap().fd, w);
    assert!(s.get_map().unwrap().is_empty());
}

#[test]
fn test_unregister_after_fd_close_and_reuse() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let (r, w) = (rd.raw(), wr.raw());
    let mut s: Sel = new();
    s.register(r, EVENT_READ, ()).unwrap();
    s.register(w, EVENT_WRITE, ()).unwrap();
    let (rd2, wr2) = pair();
    // dup2 closes the registered files (which removes their filters) and reuses the numbers:
    // the deletes get ENOENT, which is ignored.
    kernel::dup2(rd2.raw(), r).unwrap();
    kernel::dup2(wr2.raw(), w).unwrap();
    assert_eq!(s.unregister(&r).unwrap().fd, r);
    assert_eq!(s.unregister(&w).unwrap().fd, w);
    assert!(s.get_map().unwrap().is_empty());
    drop((rd, wr)); // now the duplicates
}

#[test]
fn test_modify() {
    let _k = kernel::kernel();
    let (rd, _wr) = pair();
    let r = rd.raw();
    let mut s: Sel<u32> = new();
    let key = s.register(r, EVENT_READ, 0).unwrap().clone();
    let key2 = s.modify(&r, EVENT_WRITE, 0).unwrap().clone();
    assert_ne!(key.events, key2.events);
    assert_eq!(&key2, s.get_key(&r).unwrap());
    s.unregister(&r).unwrap();

    let key = s.register(r, EVENT_READ, 1).unwrap().clone();
    let key2 = s.modify(&r, EVENT_READ, 2).unwrap().clone();
    assert_eq!(key.events, key2.events);
    assert_eq!(key2.data, 2);
    assert_eq!(
        s.modify(&999_999, EVENT_READ, 0).unwrap_err(),
        Error::NotRegistered(999_999)
    );

    // The shortcut: a data-only modify of a closed fd touches no kernel.
    let (a, _b) = pair();
    let fd = a.raw();
    s.register(fd, EVENT_READ, 3).unwrap();
    drop(a);
    let key = s.modify(&fd, EVENT_READ, 4).unwrap().clone();
    assert_eq!((key.events, key.data), (EVENT_READ, 4));
    s.unregister(&fd).unwrap();
}

#[test]
fn test_modify_unregister() {
    // bpo-30014: the kernel fails the modify (the fd was closed: EBADF) and the key is dropped.
    let _k = kernel::kernel();
    let mut s: Sel = new();
    let (a, _b) = pair();
    let fd = a.raw();
    s.register(fd, EVENT_READ, ()).unwrap();
    drop(a);
    assert_eq!(
        s.modify(&fd, EVENT_WRITE, ()).map(|k| k.events),
        Err(Error::Os(kernel::EBADF))
    );
    assert_eq!(s.get_map().unwrap().len(), 0);
    assert_eq!(s.get_key(&fd).unwrap_err(), Error::NotRegistered(fd));
}

#[test]
fn test_close() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let mut s: Sel = new();
    s.register(rd.raw(), EVENT_READ, ()).unwrap();
    s.register(wr.raw(), EVENT_WRITE, ()).unwrap();
    let kq = s.fileno().unwrap();
    s.close();
    assert_eq!(s.get_key(&rd.raw()).unwrap_err(), Error::Closed);
    assert!(s.get_map().is_none());
    // The kqueue is closed in the rump kernel; the registered files are not.
    assert!(!is_open(kq));
    assert!(is_open(rd.raw()) && is_open(wr.raw()));
}

#[test]
fn test_get_key_and_map() {
    let _k = kernel::kernel();
    let (rd, _wr) = pair();
    let mut s: Sel<&str> = new();
    let key = s.register(rd.raw(), EVENT_READ, "data").unwrap().clone();
    assert_eq!(&key, s.get_key(&rd.raw()).unwrap());
    assert_eq!(
        s.get_key(&999_999).unwrap_err(),
        Error::NotRegistered(999_999)
    );
    let keys = s.get_map().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys.get(&rd.raw()), Some(&key));
}

#[test]
fn test_select() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let mut s: Sel = new();
    s.register(rd.raw(), EVENT_READ, ()).unwrap();
    let wr_key = s.register(wr.raw(), EVENT_WRITE, ()).unwrap().clone();
    assert_eq!(s.select(None).unwrap(), vec![(wr_key, EVENT_WRITE)]);
}

#[test]
fn test_select_read_write() {
    // gh-110038: both events of one fd in one select (one entry here).
    let _k = kernel::kernel();
    let (sock1, sock2) = pair();
    let mut s: Sel = new();
    put(&sock2, b"foo");
    let key = s
        .register(sock1.raw(), EVENT_READ | EVENT_WRITE, ())
        .unwrap()
        .clone();
    assert_eq!(
        s.select(None).unwrap(),
        vec![(key, EVENT_READ | EVENT_WRITE)]
    );
}

#[test]
fn test_fileno() {
    let _k = kernel::kernel();
    let mut s: Sel = new();
    let fd = s.fileno().unwrap();
    assert!(fd >= 0 && is_open(fd));
    s.close();
    assert!(s.fileno().is_err());
}

#[test]
fn test_selector() {
    const NUM_SOCKETS: usize = 12;
    const MSG: &[u8] = b" This is a test.";
    let _k = kernel::kernel();
    let mut rng = Rng::from_clock();
    let pairs: Vec<(Fd, Fd)> = (0..NUM_SOCKETS).map(|_| pair()).collect();
    let mut s: Sel = new();
    let mut sockets = HashMap::new();
    let mut writers = Vec::new();
    let (mut r2w, mut w2r) = (HashMap::new(), HashMap::new());
    for (rd, wr) in &pairs {
        let (r, w) = (rd.raw(), wr.raw());
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
        let ready = fds(&s.select(None).unwrap());
        let ready_writers: Vec<c_int> = ready
            .iter()
            .filter(|(_, ev)| ev.contains(EVENT_WRITE))
            .map(|&(fd, _)| fd)
            .collect();
        assert!(!ready_writers.is_empty(), "no sockets ready for writing");
        let wr = ready_writers[rng.below(ready_writers.len())];
        put(sockets[&wr], MSG);
        let ready = fds(&s.select(None).unwrap());
        let ready_readers: Vec<c_int> = ready
            .iter()
            .filter(|(_, ev)| ev.contains(EVENT_READ))
            .map(|&(fd, _)| fd)
            .collect();
        assert_eq!(ready_readers, vec![w2r[&wr]]);
        let rd = ready_readers[0];
        bufs.push(take(sockets[&rd], MSG.len()));
        s.unregister(&r2w[&rd]).unwrap();
        s.unregister(&rd).unwrap();
        writers.retain(|&w| w != r2w[&rd]);
    }
    assert_eq!(bufs, vec![MSG.to_vec(); NUM_SOCKETS]);
}

#[test]
fn test_empty_select() {
    let _k = kernel::kernel();
    let mut s: Sel = new();
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
}

#[test]
fn test_timeout() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let mut s: Sel = new();
    s.register(wr.raw(), EVENT_WRITE, ()).unwrap();
    assert_eq!(s.select(Some(Duration::ZERO)).unwrap().len(), 1);
    s.unregister(&wr.raw()).unwrap();
    s.register(rd.raw(), EVENT_READ, ()).unwrap();
    assert_eq!(s.select(Some(Duration::ZERO)).unwrap().len(), 0);
    let (ready, dt) = time!(s.select(Some(Duration::from_secs(1))).unwrap());
    assert!(ready.is_empty());
    assert_waited(dt, Duration::from_secs(1), Duration::from_secs(2));
}

#[test]
fn test_register_bad_fd() {
    // KqueueSelectorTestCase: a closed fd is EBADF, and no key is left.
    let _k = kernel::kernel();
    let mut s: Sel = new();
    let bad = kernel::closed_fd();
    assert_eq!(
        s.register(bad, EVENT_READ, ()).unwrap_err(),
        Error::Os(kernel::EBADF)
    );
    assert_eq!(s.get_key(&bad).unwrap_err(), Error::NotRegistered(bad));
}

#[test]
fn test_empty_select_timeout() {
    // KqueueSelectorTestCase (bpo-29255): never zero event slots, so the timeout is waited.
    let _k = kernel::kernel();
    let mut s: Sel = new();
    let (ready, dt) = time!(s.select(Some(Duration::from_secs(1))).unwrap());
    assert!(ready.is_empty());
    assert_waited(dt, Duration::from_secs(1), Duration::from_secs(2));
}

// ---------------------------------------------------------------------------------------------
// tests/pitfalls.rs, the kqueue arms

#[test]
fn fd_closed_while_registered() {
    let _k = kernel::kernel();
    let (_peer, wr) = pair();
    let w = wr.raw();
    for events in [EVENT_READ, EVENT_WRITE, EVENT_READ | EVENT_WRITE] {
        let mut s: Sel = new();
        let (sock, _other) = pair();
        let fd = sock.raw();
        s.register(fd, events, ()).unwrap();
        s.register(w, EVENT_WRITE, ()).unwrap();
        drop(sock);
        // kqueue(2): closing the fd removed its filters.
        let ready = s.select(Some(Duration::from_millis(50))).unwrap();
        assert_eq!(fds(&ready), vec![(w, EVENT_WRITE)]);
        assert_eq!(s.unregister(&fd).unwrap().fd, fd);
        let ready = s.select(Some(Duration::ZERO)).unwrap();
        assert_eq!(fds(&ready), vec![(w, EVENT_WRITE)]);
    }
}

#[test]
fn fd_number_reused() {
    let _k = kernel::kernel();
    let (a, _b) = pair();
    let (c, d) = pair();
    let fd = a.raw();
    let mut s: Sel<&str> = new();
    s.register(fd, EVENT_READ, "old").unwrap();
    kernel::dup2(c.raw(), fd).unwrap();
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
    put(&d, b"x");
    // dup2 closed the registered file, which removed its filter.
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
    assert_eq!(s.unregister(&fd).unwrap().data, "old");
    s.register(fd, EVENT_READ, "new").unwrap();
    let ready = s.select(Some(Duration::ZERO)).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.data, ready[0].1), ("new", EVENT_READ));
    drop(a); // the duplicate of c
}

#[test]
fn modify_after_close_and_reuse_watches_the_new_file() {
    // README: re-adding the kept filter makes the kernel match the key after the fd was closed
    // and its number reused (READ → READ|WRITE renews READ and adds WRITE).
    let _k = kernel::kernel();
    let (a, _b) = pair();
    let (c, d) = pair();
    let fd = a.raw();
    let mut s: Sel = new();
    s.register(fd, EVENT_READ, ()).unwrap();
    kernel::dup2(c.raw(), fd).unwrap();
    s.modify(&fd, EVENT_READ | EVENT_WRITE, ()).unwrap();
    put(&d, b"x");
    let ready = s.select(Some(Duration::ZERO)).unwrap();
    assert_eq!(fds(&ready), vec![(fd, EVENT_READ | EVENT_WRITE)]);
    drop(a);
}

#[test]
fn regular_file() {
    // A tmpfs file. NetBSD's vnode filter (genfs_vnops.c genfs_kqfilter) takes EVFILT_READ
    // only: EVFILT_WRITE is EINVAL, so READ|WRITE is refused and the READ filter that went in
    // with it is deleted again (nothing left behind). EVFILT_READ is ready only before the
    // end (filt_genfsread: data = size - offset).
    let _k = kernel::kernel();
    let f = kernel::regular_file("regular_file");
    let file = f.raw();
    let (_rd, wr) = pair();
    let w = wr.raw();
    let mut s: Sel = new();
    s.register(w, EVENT_WRITE, ()).unwrap();
    assert_eq!(
        s.register(file, EVENT_READ | EVENT_WRITE, ()).unwrap_err(),
        Error::Os(kernel::EINVAL)
    );
    assert!(s.get_key(&file).is_err());
    // Written by another descriptor of the file: this one's offset stays at 0, so it would be
    // readable, and a READ filter left behind by the failed register would report it.
    let g = kernel::regular_file("regular_file");
    put(&g, b"x");
    assert_eq!(
        fds(&s.select(Some(Duration::ZERO)).unwrap()),
        vec![(w, EVENT_WRITE)]
    );
    s.register(file, EVENT_READ, ()).unwrap();
    let mut want = vec![(file, EVENT_READ), (w, EVENT_WRITE)];
    want.sort();
    assert_eq!(fds(&s.select(Some(Duration::ZERO)).unwrap()), want);
    // At the end: not readable.
    take(&f, 1);
    assert_eq!(
        fds(&s.select(Some(Duration::ZERO)).unwrap()),
        vec![(w, EVENT_WRITE)]
    );
    assert_eq!(
        s.modify(&file, EVENT_WRITE, ()).unwrap_err(),
        Error::Os(kernel::EINVAL)
    );
}

#[test]
fn hup_and_err_mapping() {
    let _k = kernel::kernel();
    let rw = EVENT_READ | EVENT_WRITE;
    for events in [EVENT_READ, EVENT_WRITE, rw] {
        // socketpair, peer closed: the registered subset.
        let (a, b) = pair();
        let mut s: Sel = new();
        s.register(a.raw(), events, ()).unwrap();
        drop(b);
        let ready = s.select(Some(Duration::ZERO)).unwrap();
        assert_eq!(fds(&ready), vec![(a.raw(), events)], "peer closed");

        // pipe read end, writer closed: READ (with EV_EOF). The read end's EVFILT_WRITE,
        // accepted while the writer was there, is never reported (sys_pipe.c pipe_kqfilter
        // hangs it on the writer, whose close does not wake it); poll and epoll report WRITE
        // there (HUP).
        let (r, w) = pipe();
        let mut s: Sel = new();
        s.register(r.raw(), events, ()).unwrap();
        drop(w);
        let ready = s.select(Some(Duration::ZERO)).unwrap();
        let want = if events.contains(EVENT_READ) {
            vec![(r.raw(), EVENT_READ)]
        } else {
            vec![]
        };
        assert_eq!(fds(&ready), want, "writer closed, {events:?}");
        // With the writer gone, a new EVFILT_WRITE there is EBADF.
        let mut s: Sel = new();
        let refused = s.register(r.raw(), events, ());
        if events.contains(EVENT_WRITE) {
            assert_eq!(refused.unwrap_err(), Error::Os(kernel::EBADF));
        } else {
            refused.unwrap();
        }
    }
}

#[test]
fn pipe_writer_sees_reader_close() {
    // NetBSD: EVFILT_WRITE on a pipe whose reader is gone is refused with EBADF at EV_ADD
    // (sys_pipe.c pipe_kqfilter); one registered before reports EV_EOF, level-triggered (every
    // select, not once as FreeBSD's one-shot knote).
    let _k = kernel::kernel();
    let (r, w) = pipe();
    let mut s: Sel = new();
    s.register(w.raw(), EVENT_WRITE, ()).unwrap();
    drop(r);
    for _ in 0..3 {
        let ready = s.select(Some(Duration::ZERO)).unwrap();
        assert_eq!(fds(&ready), vec![(w.raw(), EVENT_WRITE)]);
    }
    let (r2, w2) = pipe();
    drop(r2);
    assert_eq!(
        s.register(w2.raw(), EVENT_WRITE, ()).unwrap_err(),
        Error::Os(kernel::EBADF)
    );
    assert!(s.get_key(&w2.raw()).is_err());
}

#[test]
fn closed_selector() {
    let _k = kernel::kernel();
    let (rd, _wr) = pair();
    let r = rd.raw();
    let mut s: Sel = new();
    s.register(r, EVENT_READ, ()).unwrap();
    s.close();
    s.close();
    assert_eq!(s.register(r, EVENT_READ, ()).unwrap_err(), Error::Closed);
    assert_eq!(s.unregister(&r).unwrap_err(), Error::Closed);
    assert_eq!(s.modify(&r, EVENT_WRITE, ()).unwrap_err(), Error::Closed);
    let (result, dt) = time!(s.select(Some(Duration::from_secs(2))).map(|r| r.len()));
    assert_eq!(result, Err(Error::Closed));
    assert!(dt < Duration::from_secs(1), "{dt:?}");
    assert!(is_open(r));
}

#[test]
fn invalid_masks_keep_the_registration() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let r = rd.raw();
    let mut s: Sel<&str> = new();
    let key = s.register(r, EVENT_READ, "key").unwrap().clone();
    for bits in [0, 4, 8, 7] {
        assert_eq!(
            s.modify(&r, Events::from_bits_retain(bits), "other")
                .unwrap_err(),
            Error::InvalidEvents(bits)
        );
    }
    put(&wr, b"x");
    assert_eq!(
        s.select(Some(Duration::ZERO)).unwrap(),
        vec![(key, EVENT_READ)]
    );
}

#[test]
fn zero_timeout_makes_the_syscall() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let r = rd.raw();
    let mut s: Sel = new();
    s.register(r, EVENT_READ, ()).unwrap();
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
    put(&wr, b"x");
    assert_eq!(
        fds(&s.select(Some(Duration::ZERO)).unwrap()),
        vec![(r, EVENT_READ)]
    );
    take(&rd, 1);
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
}

#[test]
fn nevents_counts_filters() {
    // gh-110038 / bpo-29255: one slot per filter, never zero; submits get one slot per change.
    let _k = kernel::kernel();
    let kq = RumpKq::new();
    let calls = std::sync::Arc::clone(&kq.calls);
    let mut s: Sel = Sel::with_kernel(kq);
    let (a, _b) = pair();
    s.select(Some(Duration::ZERO)).unwrap();
    s.register(a.raw(), EVENT_READ | EVENT_WRITE, ()).unwrap();
    s.select(Some(Duration::ZERO)).unwrap();
    s.modify(&a.raw(), EVENT_READ, ()).unwrap();
    s.select(Some(Duration::ZERO)).unwrap();
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls, vec![(0, 1), (2, 2), (0, 2), (2, 2), (0, 1)]);
}

// ---------------------------------------------------------------------------------------------
// The waker: a pipe of the rump kernel (no EVFILT_USER here)

#[test]
fn waker_is_a_pipe_and_wakes_from_another_thread() {
    let _k = kernel::kernel();
    let mut s: Sel = new();
    let waker = s.waker().unwrap();
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        waker.wake().unwrap();
    });
    let (ready, dt) = time!(s.select(Some(Duration::from_secs(30))).unwrap());
    assert!(ready.is_empty());
    assert!(dt < Duration::from_secs(10), "{dt:?}");
    t.join().unwrap();
    // Drained: the next select waits its timeout.
    let (ready, dt) = time!(s.select(Some(Duration::from_millis(100))).unwrap());
    assert!(ready.is_empty());
    assert_waited(dt, Duration::from_millis(100), Duration::from_secs(2));
}

#[test]
fn wakes_coalesce_and_keys_still_reported() {
    let _k = kernel::kernel();
    let (rd, wr) = pair();
    let mut s: Sel = new();
    s.register(rd.raw(), EVENT_READ, ()).unwrap();
    let waker = s.waker().unwrap();
    // More wakes than the pipe holds bytes: a full pipe is a pending wake.
    for _ in 0..20_000 {
        waker.wake().unwrap();
    }
    put(&wr, b"x");
    let ready = s.select(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(fds(&ready), vec![(rd.raw(), EVENT_READ)]);
    take(&rd, 1);
    let (ready, dt) = time!(s.select(Some(Duration::from_millis(100))).unwrap());
    assert!(ready.is_empty());
    assert_waited(dt, Duration::from_millis(100), Duration::from_secs(2));
    s.close();
    assert_eq!(waker.wake().unwrap_err(), Error::Closed);
}

#[test]
fn stale_key_on_the_waker_pipe_number() {
    // A key whose fd was closed without unregister, and whose number the waker's pipe then
    // took: never reaches the kernel (unregister skips the delete, modify is ENOENT).
    let _k = kernel::kernel();
    let (a, _b) = pair();
    let fd = a.raw();
    let mut s: Sel = new();
    s.register(fd, EVENT_READ, ()).unwrap();
    drop(a);
    let waker = s.waker().unwrap();
    // The pipe's read end took the lowest free number: fd.
    assert!(is_open(fd));
    assert_eq!(
        s.modify(&fd, EVENT_WRITE, ()).unwrap_err(),
        Error::Os(kernel::ENOENT)
    );
    s.register(fd, EVENT_READ, ()).unwrap_err();
    waker.wake().unwrap();
    let (ready, dt) = time!(s.select(Some(Duration::from_secs(30))).unwrap());
    assert!(ready.is_empty() && dt < Duration::from_secs(10));
}
