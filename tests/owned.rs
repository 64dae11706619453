//! The owned-object API (`select_into`, `get_key_mut`, `unregister` handing the object back),
//! `len`/`is_empty`, the waker through the trait, `select_until`, and the result order of each
//! backend compared with CPython 3.11's.
#![cfg(all(unix, feature = "std"))]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ioselectors::{
    BaseSelector, Error, FileObj, PollSelector, ReadySet, SelectSelector, EVENT_READ,
};

const LONG: Option<Duration> = Some(Duration::from_secs(30));

/// The scenario behind the README's "Result order", run on CPython 3.11 with
/// `socket.socketpair()`:
///
/// ```python
/// pairs = [socket.socketpair() for _ in range(6)]
/// for label, idx in enumerate([3, 1, 4, 0, 2]):
///     sel.register(pairs[idx][1], selectors.EVENT_READ, label)
/// sel.unregister(pairs[1][1])
/// sel.register(pairs[5][1], selectors.EVENT_READ, 5)
/// sel.modify(pairs[4][1], selectors.EVENT_READ, 22)
/// for a, b in pairs: a.send(b"x")
/// print([k.data for k, _ in sel.select(1)])
/// ```
///
/// CPython 3.11.7 prints `[3, 4, 0, 22, 5]` for `SelectSelector` (ascending fd) and
/// `EpollSelector` (the order the fds became ready), `[0, 22, 3, 4, 5]` for `PollSelector`
/// (registration order; unregistering one does not move the others).
fn order<S: BaseSelector<UnixStream, u32>>(mut sel: S) -> Vec<u32> {
    let mut pairs: Vec<(UnixStream, Option<UnixStream>)> = (0..6)
        .map(|_| {
            let (a, b) = UnixStream::pair().unwrap();
            (a, Some(b))
        })
        .collect();
    for (label, idx) in [3, 1, 4, 0, 2].into_iter().enumerate() {
        let b = pairs[idx].1.take().unwrap();
        sel.register(b, EVENT_READ, label as u32).unwrap();
    }
    // Unregister by a token of the registered object: the fd of pairs[1]'s other end.
    let fd1 = sel
        .get_map()
        .unwrap()
        .iter()
        .find(|k| k.data == 1)
        .map(|k| k.fd)
        .unwrap();
    let key = sel.unregister(&fd1).unwrap();
    assert_eq!(key.data, 1);
    let b5 = pairs[5].1.take().unwrap();
    sel.register(b5, EVENT_READ, 5).unwrap();
    let fd22 = sel
        .get_map()
        .unwrap()
        .iter()
        .find(|k| k.data == 2)
        .map(|k| k.fd)
        .unwrap();
    sel.modify(&fd22, EVENT_READ, 22).unwrap();
    for (a, _) in &mut pairs {
        a.write_all(b"x").unwrap();
    }
    let mut ready = ReadySet::new();
    sel.select_into(LONG, &mut ready).unwrap();
    let mut labels = Vec::new();
    for (token, _) in &ready {
        labels.push(*sel.data_mut(&token).unwrap());
    }
    // Everything readable is reported in one call (the writes are done before it).
    assert_eq!(labels.len(), 5, "{labels:?}");
    labels
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn select_order_is_cpythons() {
    assert_eq!(order(SelectSelector::new()), [3, 4, 0, 22, 5]);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn poll_order_is_cpythons() {
    assert_eq!(order(PollSelector::new()), [0, 22, 3, 4, 5]);
}

#[cfg(ioselectors_epoll)]
#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn epoll_order_is_cpythons() {
    assert_eq!(
        order(ioselectors::EpollSelector::new().unwrap()),
        [3, 4, 0, 22, 5]
    );
}

/// Owned streams registered by value, read in place, their data changed, other keys
/// registered and unregistered while the ready set is walked.
fn owned_loop<S: BaseSelector<UnixStream, Vec<u8>>>(mut sel: S) {
    let (mut a, b) = UnixStream::pair().unwrap();
    let (mut c, d) = UnixStream::pair().unwrap();
    sel.register(b, EVENT_READ, Vec::new()).unwrap();
    assert_eq!((sel.len(), sel.is_empty()), (1, false));
    a.write_all(b"first").unwrap();
    let mut d = Some(d);
    let mut ready = ReadySet::new();
    let mut rounds = 0;
    while !sel.is_empty() {
        rounds += 1;
        assert!(rounds < 100, "bounded");
        sel.select_into(LONG, &mut ready).unwrap();
        assert!(!ready.is_empty());
        for (token, events) in &ready {
            assert_eq!(events, EVENT_READ);
            let key = match sel.get_key_mut(&token) {
                Ok(key) => key,
                Err(Error::NotRegistered(_)) => continue,
                Err(err) => panic!("{err}"),
            };
            let mut buf = [0; 64];
            let n = key.fileobj.read(&mut buf).unwrap();
            assert!(n > 0 || !key.data.is_empty());
            key.data.extend_from_slice(&buf[..n]);
            if n == 0 {
                let key = sel.unregister(&token).unwrap();
                // The object comes back, still open.
                assert!(key.data == b"first" || key.data == b"second", "{key:?}");
                // The object comes back, still open: the peer's half is still readable.
                let mut s = key.fileobj;
                s.write_all(b"!").unwrap();
            } else if let Some(d) = d.take() {
                // Register another one from inside the loop, and make both ends finish.
                sel.register(d, EVENT_READ, Vec::new()).unwrap();
                c.write_all(b"second").unwrap();
                let (a2, c2) = (a.try_clone().unwrap(), c.try_clone().unwrap());
                a2.shutdown(std::net::Shutdown::Write).unwrap();
                c2.shutdown(std::net::Shutdown::Write).unwrap();
            }
        }
    }
    assert_eq!(sel.len(), 0);
    drop((a, c));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn owned_loop_select() {
    owned_loop(SelectSelector::new());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn owned_loop_poll() {
    owned_loop(PollSelector::new());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn owned_loop_default() {
    owned_loop(ioselectors::DefaultSelector::new().unwrap());
}

/// The waker and `select_until` through the trait alone.
fn generic_waker<S: BaseSelector<UnixStream, ()>>(mut sel: S) {
    let waker = sel.waker().unwrap();
    let mut ready = ReadySet::new();
    // A deadline already past polls once.
    let past = Instant::now();
    sel.select_until(Some(past), &mut ready).unwrap();
    assert!(ready.is_empty());
    waker.wake().unwrap();
    sel.select_until(Some(Instant::now() + Duration::from_secs(30)), &mut ready)
        .unwrap();
    assert!(ready.is_empty());
    // A deadline in the future is waited out (nothing registered, nothing ready).
    let start = Instant::now();
    let end = start + Duration::from_millis(20);
    sel.select_until(Some(end), &mut ready).unwrap();
    assert!(Instant::now() >= end, "returned before the deadline");
    sel.close();
    assert_eq!(sel.len(), 0);
    assert!(sel.is_empty());
    assert_eq!(
        sel.select_into(Some(Duration::ZERO), &mut ready),
        Err(Error::Closed)
    );
    assert_eq!(waker.wake(), Err(Error::Closed));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn generic_waker_and_deadline() {
    generic_waker(SelectSelector::new());
    generic_waker(PollSelector::new());
    generic_waker(ioselectors::DefaultSelector::new().unwrap());
}

/// Mixed types in one selector, owned: `Box<dyn Trait>` over a socket and a child's stdout pipe
/// (registration order on poll).
#[test]
#[cfg_attr(
    miri,
    ignore = "spawns a child process (posix_spawn), which Miri does not support"
)]
fn mixed_types_boxed() {
    trait Stream: ioselectors::FileObj + Read {}
    impl<T: ioselectors::FileObj + Read> Stream for T {}
    let (mut a, b) = UnixStream::pair().unwrap();
    let mut child = std::process::Command::new("sh")
        .args(["-c", "printf p"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let r = child.stdout.take().unwrap();
    let mut sel: PollSelector<Box<dyn Stream>, &str> = PollSelector::new();
    sel.register(Box::new(b), EVENT_READ, "socket").unwrap();
    sel.register(Box::new(r), EVENT_READ, "pipe").unwrap();
    a.write_all(b"s").unwrap();
    assert!(child.wait().unwrap().success());
    let mut ready = ReadySet::new();
    sel.select_into(LONG, &mut ready).unwrap();
    let mut got = Vec::new();
    for (token, _) in &ready {
        let key = sel.get_key_mut(&token).unwrap();
        let mut byte = [0];
        key.fileobj.read_exact(&mut byte).unwrap();
        got.push((*key.data, byte[0]));
    }
    assert_eq!(got, [("socket", b's'), ("pipe", b'p')]);
}

/// `std::io::PipeReader`/`PipeWriter` (Rust 1.87; compiled when build.rs's probe finds it) and
/// `UnixDatagram` are file objects, owned in the selector.
#[cfg(ioselectors_std_pipe)]
#[clippy::msrv = "1.87"]
#[test]
#[cfg_attr(
    miri,
    ignore = "uses a Unix datagram socket, which Miri does not support"
)]
fn std_pipes_and_datagrams() {
    use std::os::unix::net::UnixDatagram;
    let (r, w) = std::io::pipe().unwrap();
    let (da, db) = UnixDatagram::pair().unwrap();
    let mut sel: PollSelector<Box<dyn ioselectors::FileObj>, u8> = PollSelector::new();
    sel.register(Box::new(r), EVENT_READ, 0).unwrap();
    sel.register(Box::new(w), ioselectors::EVENT_WRITE, 1)
        .unwrap();
    sel.register(Box::new(db), EVENT_READ, 2).unwrap();
    da.send(b"d").unwrap();
    let mut ready = ReadySet::new();
    sel.select_into(LONG, &mut ready).unwrap();
    let got: Vec<u8> = ready
        .iter()
        .map(|(token, _)| *sel.data_mut(&token).unwrap())
        .collect();
    assert_eq!(
        got,
        [1, 2],
        "the writer and the datagram socket, not the empty pipe"
    );
}

/// What a `ReadySet` and a `Ready` say about themselves: their length, an exact size hint that
/// counts down, tokens that are the keys' fds, and Debug output (a selector shows its backend,
/// whether it is closed and its keys).
#[test]
#[cfg_attr(miri, ignore = "selects on a PollSelector: Miri has no poll(2)")]
fn ready_sets_and_ready_iterators_report_their_size() {
    let mut sel: PollSelector<UnixStream, u32> = PollSelector::new();
    let mut peers = Vec::new();
    let mut fds = Vec::new();
    for i in 0..3 {
        let (a, b) = UnixStream::pair().unwrap();
        fds.push(sel.register(b, EVENT_READ, i).unwrap().fd);
        peers.push(a);
    }
    for a in &peers[..2] {
        (&*a).write_all(b"x").unwrap();
    }
    let mut ready = ReadySet::new();
    assert_eq!((ready.len(), ready.is_empty()), (0, true));
    sel.select_into(LONG, &mut ready).unwrap();
    assert_eq!((ready.len(), ready.is_empty()), (2, false));
    let mut it = ready.iter();
    assert_eq!((it.size_hint(), it.len()), ((2, Some(2)), 2));
    let (token, events) = it.next().unwrap();
    assert_eq!((it.size_hint(), it.len()), ((1, Some(1)), 1));
    assert_eq!(events, EVENT_READ);
    assert_eq!(token.fd(), token.fileno());
    assert_eq!(token.fd(), sel.get_key(&token).unwrap().fd);
    let tokens: Vec<_> = (&ready).into_iter().map(|(t, _)| t.fd()).collect();
    assert_eq!(tokens, fds[..2]);

    let found = sel.select_ready(LONG).unwrap();
    assert_eq!((found.size_hint(), found.len()), ((2, Some(2)), 2));
    assert_eq!(format!("{found:?}"), "Ready { left: 2 }");
    let mut found = found;
    found.next().unwrap();
    assert_eq!((found.size_hint(), found.len()), ((1, Some(1)), 1));
    assert_eq!(format!("{found:?}"), "Ready { left: 1 }");

    let shown = format!("{sel:?}");
    assert!(
        shown.starts_with(
            "GenericSelector { backend: \"ioselectors::poll::PollBackend\", closed: false, keys: ["
        ) && shown.matches("SelectorKey").count() == 3,
        "{shown}"
    );
    assert!(!sel.is_closed());
    sel.close();
    assert!(sel.is_closed());
    assert_eq!(
        format!("{sel:?}"),
        "GenericSelector { backend: \"ioselectors::poll::PollBackend\", closed: true, keys: [] }"
    );
}
