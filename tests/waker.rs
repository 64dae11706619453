//! `Waker`: wake a blocked `select` from another thread or a signal handler, on every backend
//! this host has (select, poll, epoll, and DefaultSelector; Windows has its own copy of these
//! checks in tests/windows.rs).
#![cfg(unix)]

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ioselectors::{BaseSelector, Error, Events, RawFd, Waker, EVENT_READ};

/// A bound for "returns promptly": generous, it only detects a hang.
const PROMPT: Duration = Duration::from_secs(5);
/// How soon a blocked `select` must return after `wake()`: "within a second" (issue 10).
const WAKE_BOUND: Duration = Duration::from_secs(1);

/// The Waker promises these on every target.
const _: fn() = || {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<Waker>();
};

macro_rules! backend_tests {
    ($($name:ident => $new:expr;)*) => {$(
        mod $name {
            use super::*;

            fn new() -> impl Sel {
                $new
            }

            #[test]
            #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
            fn wake_from_another_thread_returns_empty() {
                check_wake_from_thread(new());
            }
            #[test]
            #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
            fn wake_returns_ready_keys_too() {
                check_wake_with_ready_key(new());
            }
            #[test]
            #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
            fn wakes_coalesce_then_select_blocks_again() {
                check_coalesce(new());
            }
            #[test]
            #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
            fn wake_before_select_returns_at_once() {
                check_wake_before(new());
            }
            #[test]
            #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
            fn waker_outliving_selector_is_closed() {
                check_outlive(new());
            }
            #[test]
            #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
            fn waker_is_invisible_to_the_key_map() {
                check_invisible(new());
            }
            #[test]
            #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
            fn select_ready_is_woken_too() {
                check_select_ready(new());
            }
        }
    )*};
}

/// What the checks need from a selector type: `BaseSelector` (which has `waker()`), sendable.
trait Sel: BaseSelector<RawFd, &'static str> + Send + 'static {}

impl<S: BaseSelector<RawFd, &'static str> + Send + 'static> Sel for S {}

backend_tests! {
    select => ioselectors::SelectSelector::<RawFd, &'static str>::new();
    poll => ioselectors::PollSelector::<RawFd, &'static str>::new();
    default => ioselectors::DefaultSelector::<RawFd, &'static str>::new().unwrap();
}
#[cfg(ioselectors_epoll)]
backend_tests! {
    epoll => ioselectors::EpollSelector::<RawFd, &'static str>::new().unwrap();
}
#[cfg(ioselectors_kqueue)]
backend_tests! {
    kqueue => ioselectors::KqueueSelector::<RawFd, &'static str>::new().unwrap();
}
#[cfg(ioselectors_devpoll)]
backend_tests! {
    devpoll => ioselectors::DevpollSelector::<RawFd, &'static str>::new().unwrap();
}

/// A `select(None)` in one thread, woken by another: returns `[]` within a second of the wake
/// (the bound; a wake takes microseconds, so this only fails on a lost or late wake).
fn check_wake_from_thread(mut sel: impl Sel) {
    let waker = sel.waker().unwrap();
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        let ready = sel.select(None).map(|r| r.len());
        tx.send((ready, Instant::now())).unwrap();
        sel
    });
    // Let the select block (if it has not, the wake is for the next select: the same result).
    thread::sleep(Duration::from_millis(50));
    let woken = Instant::now();
    waker.wake().unwrap();
    let (ready, returned) = rx.recv_timeout(PROMPT).expect("select(None) was not woken");
    assert_eq!(ready, Ok(0));
    let latency = returned.saturating_duration_since(woken);
    assert!(
        latency < WAKE_BOUND,
        "select(None) returned {latency:?} after the wake"
    );
    drop(t.join().unwrap());
}

/// A wake while a key is ready: the select returns that key (and nothing for the waker).
fn check_wake_with_ready_key(mut sel: impl Sel) {
    let (mut a, b) = UnixStream::pair().unwrap();
    sel.register(fd(&b), EVENT_READ, "b").unwrap();
    let waker = sel.waker().unwrap();
    a.write_all(b"x").unwrap();
    waker.wake().unwrap();
    let ready = sel.select(Some(PROMPT)).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.data, ready[0].1), ("b", EVENT_READ));
}

/// 10 000 wakes before a select: one early return, then `select(200 ms)` waits its 200 ms.
fn check_coalesce(mut sel: impl Sel) {
    let waker = sel.waker().unwrap();
    for _ in 0..10_000 {
        waker.wake().unwrap();
    }
    let start = Instant::now();
    assert!(sel.select(Some(PROMPT)).unwrap().is_empty());
    assert!(start.elapsed() < PROMPT, "the wakes did not end the select");
    let start = Instant::now();
    assert!(sel
        .select(Some(Duration::from_millis(200)))
        .unwrap()
        .is_empty());
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(200),
        "a second select returned after {waited:?}: the wakes were not all drained"
    );
}

/// A wake before the select (none blocked): the next select returns at once.
fn check_wake_before(mut sel: impl Sel) {
    let waker = sel.waker().unwrap();
    waker.clone().wake().unwrap();
    let start = Instant::now();
    assert!(sel.select(None).unwrap().is_empty());
    assert!(start.elapsed() < PROMPT);
    // And a zero-timeout poll after it sees nothing pending.
    assert!(sel.select(Some(Duration::ZERO)).unwrap().is_empty());
}

/// close() and drop: every handle answers Closed; a second waker() on a closed selector too.
fn check_outlive(mut sel: impl Sel) {
    let waker = sel.waker().unwrap();
    let again = sel.waker().unwrap();
    // Debug shows whether the selector is gone (the fields are private).
    assert_eq!(format!("{waker:?}"), "Waker { closed: false, .. }");
    sel.close();
    assert_eq!(format!("{again:?}"), "Waker { closed: true, .. }");
    assert_eq!(waker.wake(), Err(Error::Closed));
    assert_eq!(again.wake(), Err(Error::Closed));
    assert_eq!(sel.waker().map(drop), Err(Error::Closed));
    drop(sel);
    assert_eq!(waker.wake(), Err(Error::Closed));

    let mut sel2 = sel_like_new(&waker);
    let w2 = sel2.waker().unwrap();
    drop(sel2);
    assert_eq!(w2.wake(), Err(Error::Closed));
}

/// A second selector of the same kind is not needed here: any open one shows drop semantics.
fn sel_like_new(_: &Waker) -> ioselectors::PollSelector<RawFd, &'static str> {
    ioselectors::PollSelector::new()
}

/// The waker is not a key: empty map, nothing in results, its fd cannot be looked up.
fn check_invisible(mut sel: impl Sel) {
    let waker = sel.waker().unwrap();
    assert_eq!(sel.get_map().unwrap().len(), 0);
    waker.wake().unwrap();
    let (mut a, b) = UnixStream::pair().unwrap();
    sel.register(fd(&b), EVENT_READ, "b").unwrap();
    assert_eq!(sel.get_map().unwrap().len(), 1);
    a.write_all(b"x").unwrap();
    let ready = sel.select(Some(PROMPT)).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].0.fd, fd(&b));
    sel.unregister(&fd(&b)).unwrap();
    assert_eq!(sel.get_map().unwrap().len(), 0);
}

/// `select_ready` (the allocation-free select) is woken the same way.
fn check_select_ready(mut sel: impl Sel) {
    let waker = sel.waker().unwrap();
    waker.wake().unwrap();
    assert_eq!(sel.select_ready(Some(PROMPT)).unwrap().len(), 0);
    let ready: Vec<Events> = sel
        .select_ready(Some(Duration::ZERO))
        .unwrap()
        .map(|(_, ev)| ev)
        .collect();
    assert!(ready.is_empty());
}

fn fd(s: &UnixStream) -> RawFd {
    use std::os::unix::io::AsRawFd;
    s.as_raw_fd()
}

/// Wakers cloned into three threads wake while the selector is dropped under them: every
/// `wake()` returns `Ok` (before the drop) or `Error::Closed` (after), never anything else, and
/// once the selector is gone every wake is `Closed`. No `select` call, so Miri runs it (under
/// several scheduler seeds in `.ci/miri`; ThreadSanitizer runs it in `.ci/sanitizers`): the
/// closed flag, the `Arc` and the eventfd or pipe are shared across threads race-free.
#[test]
fn wakes_race_the_selector_drop_from_several_threads() {
    let mut sel = ioselectors::PollSelector::<RawFd, &'static str>::new();
    let waker = sel.waker().unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let waker = waker.clone();
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                let mut closed = 0;
                for _ in 0..10 {
                    match waker.wake() {
                        Ok(()) => assert_eq!(closed, 0, "a wake succeeded after Closed"),
                        Err(Error::Closed) => closed += 1,
                        Err(e) => panic!("wake: {e}"),
                    }
                }
                closed
            })
        })
        .collect();
    barrier.wait();
    drop(sel);
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(waker.wake(), Err(Error::Closed));
}
