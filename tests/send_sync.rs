//! Every selector type is `Send + Sync` whenever its file objects and data are, on every target
//! where it exists. The generic check below is type-checked for every target by
//! `.ci/cross-check` (which builds the tests) and `.ci/windows`; the library asserts the same in
//! `src/lib.rs`. The runtime tests move a registered `DefaultSelector` into another thread and
//! share one between threads.
#![cfg(all(any(unix, windows), feature = "std"))]

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use ioselectors::{BaseSelector, DefaultSelector, SelectSelector, EVENT_WRITE};

fn send_sync<T: Send + Sync>() {}

/// For every `F` and `D` that are `Send + Sync` (checked generically, not for one instance).
fn every_selector<F: Send + Sync, D: Send + Sync>() {
    send_sync::<SelectSelector<F, D>>();
    send_sync::<DefaultSelector<F, D>>();
    #[cfg(unix)]
    send_sync::<ioselectors::PollSelector<F, D>>();
    #[cfg(ioselectors_epoll)]
    send_sync::<ioselectors::EpollSelector<F, D>>();
    #[cfg(ioselectors_kqueue)]
    send_sync::<ioselectors::KqueueSelector<F, D>>();
    #[cfg(ioselectors_devpoll)]
    send_sync::<ioselectors::DevpollSelector<F, D>>();
}

#[test]
fn every_selector_is_send_and_sync() {
    every_selector::<ioselectors::RawFd, ()>();
    every_selector::<TcpStream, String>();
    every_selector::<Arc<TcpStream>, Vec<u8>>();
}

/// A connected loopback client (the connection completes in the listener's backlog).
fn client() -> (TcpListener, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    (listener, stream)
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn a_registered_default_selector_moves_to_another_thread() {
    let (_listener, stream) = client();
    let stream = Arc::new(stream);
    let mut sel: DefaultSelector<Arc<TcpStream>, String> = DefaultSelector::new().unwrap();
    sel.register(stream, EVENT_WRITE, "client".to_string())
        .unwrap();
    let mut sel = std::thread::spawn(move || {
        let ready = sel.select(Some(Duration::from_secs(10))).unwrap();
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].0.data, "client");
        assert_eq!(ready[0].1, EVENT_WRITE);
        sel
    })
    .join()
    .unwrap();
    // Back on this thread, still usable.
    assert_eq!(sel.select(Some(Duration::ZERO)).unwrap().len(), 1);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn a_default_selector_is_shared_between_threads() {
    let (_listener, stream) = client();
    let mut sel: DefaultSelector<TcpStream, u32> = DefaultSelector::new().unwrap();
    let fd = sel.register(stream, EVENT_WRITE, 7).unwrap().fd;
    let sel = &sel;
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|_| s.spawn(move || sel.get_key(&fd).unwrap().data))
            .collect();
        for reader in readers {
            assert_eq!(reader.join().unwrap(), 7);
        }
    });
}
