//! The classic pitfalls of readiness APIs (EINTR, fds closed or reused while registered, regular
//! files, fds above `FD_SETSIZE`, timeout rounding, HUP/ERR, ghost epoll events, `EMFILE`), as
//! tests, on every Linux backend: select, poll, epoll and the default selector (epoll here), and
//! on `KqueueSelector`'s and `DevpollSelector`'s code over the FreeBSD kqueue and illumos
//! /dev/poll models of `tests/kernels/` (their arms say what those kernels do). The
//! rules they check are listed in README.md, "Differences from CPython", and where each is
//! enforced in ARCHITECTURE.md.
//!
//! `pitfall_tests!` expands the shared tests into one module per backend; each module names its
//! selector type `Sel<F, D>` and provides `new()`, `fileno()` and `backend()`. Where backends
//! differ (the kernel's view of a closed fd, a regular file, a reused fd number), the test
//! matches on `backend()` and each arm says what CPython does; every expectation here was
//! checked against CPython 3.11's selectors running the same scenario.
//!
//! Tests that change `RLIMIT_NOFILE`, open thousands of fds or count `/proc/self/fd` run in a
//! child process (`common::in_child`); tests that install signal handlers or rely on a closed fd
//! number staying closed hold `common::lock()`.
#![cfg(all(any(target_os = "linux", target_os = "android"), feature = "std"))]

#[macro_use]
mod common;
#[path = "kernels/mod.rs"]
mod kernels;

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::*;
use ioselectors::{Backend, BaseSelector, Error, Events, FileObj, EVENT_READ, EVENT_WRITE};

// ---------------------------------------------------------------------------------------------

/// `(fd, events)` of a select result, sorted: the backends return different orders.
fn fds<D>(ready: &[(ioselectors::SelectorKey<RawFd, D>, Events)]) -> Vec<(RawFd, Events)> {
    let mut v: Vec<_> = ready.iter().map(|(key, ev)| (key.fd, *ev)).collect();
    v.sort();
    v
}

/// Offsets for [`run_signalled`]: a signal every 10 ms, for at most 3 s.
fn every_10ms_for_3s() -> Vec<Duration> {
    (1..=300).map(|i| Duration::from_millis(10 * i)).collect()
}

/// A socket moved to fd number `at` (which the caller, in a child process, knows is free).
fn socket_at(sock: UnixStream, at: RawFd) -> UnixStream {
    dup_onto(&sock, at);
    // SAFETY: dup_onto just made `at` refer to a new duplicate that nothing else owns.
    unsafe { UnixStream::from_raw_fd(at) }
}

macro_rules! pitfall_tests {
    () => {
        /// EINTR: a signal every 10 ms during a 300 ms wait with nothing ready. Every
        /// interrupted wait is retried with the time left: the call returns empty, after at
        /// least 300 ms, and not much later. (The signals stop after 3 s, so an implementation
        /// that restarts the full timeout fails the upper bound instead of hanging.) The
        /// signals are sent to the selecting thread: `setitimer(ITIMER_REAL)` signals the
        /// process, and in a multi-threaded test binary another thread may take them.
        #[test]
        #[cfg_attr(miri, ignore = "installs a signal handler (sigemptyset), which Miri does not support")]
        fn eintr_periodic_signal_waits_out_timeout() {
            let _lock = lock();
            let _handler = SignalHandler::install(libc::SIGALRM);
            let (ready, dt) = run_signalled(libc::SIGALRM, &every_10ms_for_3s(), || {
                let (rd, _wr) = pair();
                let mut s: Sel<RawFd, ()> = new();
                s.register(rd.as_raw_fd(), EVENT_READ, ()).unwrap();
                let (ready, dt) = time!(s.select(Some(Duration::from_millis(300))));
                (ready.unwrap().len(), dt)
            });
            let signals = SIGNALS.load(Ordering::SeqCst);
            assert_eq!(ready, 0);
            assert_waited(dt, Duration::from_millis(300), Duration::from_secs(2));
            assert!(signals >= 5, "only {signals} signals during the wait");
        }

        /// With signals every 10 ms, `select(None)` keeps waiting (never returns
        /// empty) until an fd is ready, and then reports exactly that fd (select's sets are
        /// rebuilt for every retry, so no stale "ready" bits).
        #[test]
        #[cfg_attr(miri, ignore = "installs a signal handler (sigemptyset), which Miri does not support")]
        fn eintr_periodic_signal_then_ready() {
            let _lock = lock();
            let _handler = SignalHandler::install(libc::SIGALRM);
            let (ready, want, dt) = run_signalled(libc::SIGALRM, &every_10ms_for_3s(), || {
                let (rd, wr) = pair();
                let (idle, _idle_peer) = pair();
                let mut s: Sel<RawFd, ()> = new();
                s.register(rd.as_raw_fd(), EVENT_READ, ()).unwrap();
                s.register(idle.as_raw_fd(), EVENT_READ, ()).unwrap();
                let start = Instant::now();
                let writer = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(200));
                    (&wr).write_all(b"x").unwrap();
                    wr
                });
                let ready = fds(&s.select(None).unwrap());
                let dt = start.elapsed();
                let _wr = writer.join().unwrap();
                (ready, vec![(rd.as_raw_fd(), EVENT_READ)], dt)
            });
            assert_eq!(ready, want);
            assert!(dt >= Duration::from_millis(200), "{dt:?}");
            assert!(SIGNALS.load(Ordering::SeqCst) >= 5);
        }

        /// Fds closed while registered. Per backend, exactly as CPython: poll gets
        /// `POLLNVAL` and reports the key with its events; epoll's kernel dropped the closed
        /// file and reports nothing; select(2) fails the whole call with `EBADF`. Unregistering
        /// the closed fd succeeds and the selector works again.
        #[test]
        #[cfg_attr(miri, ignore = "calls getrlimit, which Miri does not support")]
        fn fd_closed_while_registered() {
            let _lock = lock();
            let (_peer, wr) = pair();
            let w = wr.as_raw_fd();
            for events in [EVENT_READ, EVENT_WRITE, EVENT_READ | EVENT_WRITE] {
                let mut s: Sel<RawFd, ()> = new();
                let sock = high_fd(pair().0);
                let fd = sock.as_raw_fd();
                s.register(fd, events, ()).unwrap();
                s.register(w, EVENT_WRITE, ()).unwrap();
                drop(sock);

                let timeout = Duration::from_millis(50);
                let (result, dt) = time!(s.select(Some(timeout)).map(|r| fds(&r)));
                match backend(&s) {
                    Backend::Poll => {
                        let mut want = vec![(fd, events), (w, EVENT_WRITE)];
                        want.sort();
                        assert_eq!(result, Ok(want));
                    }
                    // kqueue(2): closing the fd removed its filters.
                    Backend::Epoll | Backend::Kqueue => {
                        assert_eq!(result, Ok(vec![(w, EVENT_WRITE)]));
                        assert!(dt < Duration::from_secs(1));
                    }
                    // poll(4D): a closed fd in the set is POLLNVAL, as on poll.
                    Backend::Devpoll => {
                        let mut want = vec![(fd, events), (w, EVENT_WRITE)];
                        want.sort();
                        assert_eq!(result, Ok(want));
                    }
                    Backend::Select => assert_eq!(result, Err(Error::Os(libc::EBADF))),
                    other => unreachable!("{other}"),
                }

                assert_eq!(s.unregister(&fd).unwrap().fd, fd);
                let ready = s.select(Some(Duration::ZERO)).unwrap();
                assert_eq!(fds(&ready), vec![(w, EVENT_WRITE)]);
            }
        }

        /// An fd number reused for another file while registered (`dup2` onto
        /// it). select and poll watch the number, so the new file's events reach the old key;
        /// epoll watched the old file, whose registration died with it (CPython behaves the
        /// same on each). Unregister succeeds, the map is consistent, and the number can be
        /// registered again.
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn fd_number_reused() {
            let _lock = lock(); // a closed file must really be closed (common::lock)
            let (a, _b) = pair();
            let (c, d) = pair();
            let a = OwnedFd::from(a);
            let fd = a.as_raw_fd();
            let mut s: Sel<RawFd, &str> = new();
            s.register(fd, EVENT_READ, "old").unwrap();

            dup_onto(&c, fd);
            assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());

            (&d).write_all(b"x").unwrap();
            let ready: Vec<_> = s
                .select(Some(Duration::ZERO))
                .unwrap()
                .into_iter()
                .map(|(key, ev)| (key.data, ev))
                .collect();
            match backend(&s) {
                // kqueue: dup2 closed the registered file, which removed its filters.
                Backend::Epoll | Backend::Kqueue => assert_eq!(ready, vec![]),
                // /dev/poll polls whatever file the cached number holds now.
                Backend::Poll | Backend::Select | Backend::Devpoll => {
                    assert_eq!(ready, vec![("old", EVENT_READ)])
                }
                other => unreachable!("{other}"),
            }

            assert_eq!(s.unregister(&fd).unwrap().data, "old");
            assert!(s.get_map().unwrap().is_empty());
            assert_eq!(s.get_key(&fd).unwrap_err(), Error::NotRegistered(fd));
            if let (Backend::Epoll, Some(epfd)) = (backend(&s), fileno(&s)) {
                assert!(epoll_watched(epfd).is_empty());
            }

            s.register(fd, EVENT_READ, "new").unwrap();
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            assert_eq!(ready.len(), 1);
            assert_eq!((ready[0].0.data, ready[0].1), ("new", EVENT_READ));
        }

        /// A regular file (and, on epoll, a directory). epoll refuses them with `EPERM` and
        /// leaves the map (and the kernel) as they were; select and poll accept a regular file
        /// and always report it ready.
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn regular_file() {
            let f = temp_file();
            let file = f.as_raw_fd();
            let (_rd, wr) = pair();
            let w = wr.as_raw_fd();
            let mut s: Sel<RawFd, ()> = new();
            s.register(w, EVENT_WRITE, ()).unwrap();
            match backend(&s) {
                Backend::Epoll => {
                    assert_eq!(
                        s.register(file, EVENT_READ, ()).unwrap_err(),
                        Error::Os(libc::EPERM)
                    );
                    assert_eq!(s.get_map().unwrap().len(), 1);
                    assert_eq!(s.get_key(&file).unwrap_err(), Error::NotRegistered(file));
                    let dir = std::fs::File::open(std::env::temp_dir()).expect("open a directory");
                    assert_eq!(
                        s.register(dir.as_raw_fd(), EVENT_READ, ()).unwrap_err(),
                        Error::Os(libc::EPERM)
                    );
                    assert_eq!(s.get_map().unwrap().len(), 1);
                    assert_eq!(epoll_watched(fileno(&s).unwrap()), vec![w]);
                    let ready = s.select(Some(Duration::ZERO)).unwrap();
                    assert_eq!(fds(&ready), vec![(w, EVENT_WRITE)]);
                }
                // kqueue accepts a regular file; EVFILT_READ is ready only before the end
                // (FreeBSD filt_vfsread: data = size - offset), EVFILT_WRITE always.
                Backend::Kqueue => {
                    s.register(file, EVENT_READ | EVENT_WRITE, ()).unwrap();
                    let mut want = vec![(file, EVENT_WRITE), (w, EVENT_WRITE)];
                    want.sort();
                    let ready = s.select(Some(Duration::ZERO)).unwrap();
                    assert_eq!(fds(&ready), want);
                    (&f).write_all(b"x").unwrap();
                    use std::io::{Seek, SeekFrom};
                    (&f).seek(SeekFrom::Start(0)).unwrap();
                    // Both entries, by fd (not `[0]`: `w` may have the lower number).
                    let mut want = vec![(file, EVENT_READ | EVENT_WRITE), (w, EVENT_WRITE)];
                    want.sort();
                    let ready = s.select(Some(Duration::ZERO)).unwrap();
                    assert_eq!(fds(&ready), want);
                }
                Backend::Poll | Backend::Select | Backend::Devpoll => {
                    s.register(file, EVENT_READ | EVENT_WRITE, ()).unwrap();
                    let mut want = vec![(file, EVENT_READ | EVENT_WRITE), (w, EVENT_WRITE)];
                    want.sort();
                    for _ in 0..3 {
                        let ready = s.select(Some(Duration::ZERO)).unwrap();
                        assert_eq!(fds(&ready), want);
                    }
                    s.unregister(&w).unwrap();
                    let (ready, dt) = time!(s.select(Some(Duration::from_secs(10))).unwrap());
                    assert_eq!(fds(&ready), vec![(file, EVENT_READ | EVENT_WRITE)]);
                    assert!(dt < Duration::from_secs(5), "{dt:?}");
                }
                other => unreachable!("{other}"),
            }
        }

        /// Fds at and above `FD_SETSIZE` (1023, 1024, 1500, 1501) next to low ones. select
        /// sizes its sets to the largest fd, so readiness is reported correctly for all of them
        /// (CPython's select() refuses them); the other backends never had a limit. The sets
        /// shrink again when the high fds are unregistered.
        #[test]
        #[cfg_attr(miri, ignore = "spawns a process (posix_spawn), which Miri cannot run")]
        fn fds_above_fd_setsize() {
            let name = concat!(module_path!(), "::fds_above_fd_setsize");
            if skip_select_above_fd_setsize_under_qemu(name, backend(&new::<RawFd, ()>())) {
                return;
            }
            in_child(module_path!(), "fds_above_fd_setsize", || {
                let Some(_restore) = raise_nofile(1600) else {
                    cannot_run(name, "RLIMIT_NOFILE cannot be raised to 1600");
                    return;
                };
                let (a, b) = pair();
                let (c, d) = pair();
                let (hi_r, hi_w) = (socket_at(a, 1500), socket_at(b, 1501));
                let (edge_rw, edge_r) = (socket_at(c, 1023), socket_at(d, 1024));
                let (lo_r, lo_w) = pair();
                let lo = lo_r.as_raw_fd();

                let mut s: Sel<RawFd, ()> = new();
                s.register(1500, EVENT_READ, ()).unwrap();
                s.register(1501, EVENT_WRITE, ()).unwrap();
                s.register(1023, EVENT_READ | EVENT_WRITE, ()).unwrap();
                s.register(1024, EVENT_READ, ()).unwrap();
                s.register(lo, EVENT_READ, ()).unwrap();

                let ready = s.select(Some(Duration::ZERO)).unwrap();
                assert_eq!(fds(&ready), vec![(1023, EVENT_WRITE), (1501, EVENT_WRITE)]);

                (&hi_w).write_all(b"x").unwrap();
                (&edge_rw).write_all(b"x").unwrap();
                (&lo_w).write_all(b"x").unwrap();
                let ready = s.select(Some(Duration::ZERO)).unwrap();
                let mut want = vec![
                    (lo, EVENT_READ),
                    (1023, EVENT_WRITE),
                    (1024, EVENT_READ),
                    (1500, EVENT_READ),
                    (1501, EVENT_WRITE),
                ];
                want.sort();
                assert_eq!(fds(&ready), want);

                for fd in [1500, 1501, 1024] {
                    s.unregister(&fd).unwrap();
                }
                let ready = s.select(Some(Duration::ZERO)).unwrap();
                let mut want = vec![(lo, EVENT_READ), (1023, EVENT_WRITE)];
                want.sort();
                assert_eq!(fds(&ready), want);
                drop((hi_r, edge_r));
            });
        }

        /// 10 000 socketpairs registered at once (RLIMIT_NOFILE raised, in a child process):
        /// one select reports all the writers, and then exactly the readers whose peers wrote.
        /// Where the hard limit cannot hold 10 000 pairs (and cannot be raised), as many as it
        /// holds (9 968 under a hard limit of 20 000); skipped below 5 000.
        #[test]
        #[cfg_attr(miri, ignore = "spawns a process (posix_spawn), which Miri cannot run")]
        fn ten_thousand_socketpairs() {
            let name = concat!(module_path!(), "::ten_thousand_socketpairs");
            if skip_select_above_fd_setsize_under_qemu(name, backend(&new::<RawFd, ()>())) {
                return;
            }
            in_child(module_path!(), "ten_thousand_socketpairs", || {
                const WANT: usize = 10_000;
                let (_restore, limit) = match raise_nofile(2 * WANT + 64) {
                    Some(restore) => (Some(restore), 2 * WANT + 64),
                    None => {
                        let (limit, restore) = raise_nofile_to_hard();
                        (restore, limit)
                    }
                };
                let pairs_n = WANT.min(limit.saturating_sub(64) / 2);
                if pairs_n < 5_000 {
                    let why = format!("RLIMIT_NOFILE {limit} holds only {pairs_n} socketpairs");
                    cannot_run(name, &why);
                    return;
                }
                eprintln!("{pairs_n} socketpairs (RLIMIT_NOFILE {limit})");
                let mut s: Sel<RawFd, ()> = new();
                let pairs = match register_socketpairs(&mut s, pairs_n) {
                    Ok(pairs) => pairs,
                    Err(why) => {
                        cannot_run(name, &why);
                        return;
                    }
                };

                let ready = s.select(None).unwrap();
                assert_eq!(ready.len(), pairs_n);
                let writers: BTreeSet<RawFd> = pairs.iter().map(|(_, w)| w.as_raw_fd()).collect();
                assert!(ready
                    .iter()
                    .all(|(k, ev)| *ev == EVENT_WRITE && writers.contains(&k.fd)));

                let mut rng = Rng::from_clock();
                let mut readers = BTreeSet::new();
                while readers.len() < 3 {
                    let (rd, wr) = &pairs[rng.below(pairs_n)];
                    if readers.insert(rd.as_raw_fd()) {
                        (&*wr).write_all(b"x").unwrap();
                    }
                }
                let ready = s.select(None).unwrap();
                assert_eq!(ready.len(), pairs_n + 3);
                let got: BTreeSet<RawFd> = ready
                    .iter()
                    .filter(|(_, ev)| *ev == EVENT_READ)
                    .map(|(k, _)| k.fd)
                    .collect();
                assert_eq!(got, readers);
            });
        }

        /// Timeouts below a millisecond are rounded up, never down to a busy-looping
        /// zero. Each `select(100 µs)` with nothing ready waits at least 100 µs (at least a
        /// whole millisecond on the backends that count in ms), and the thread sleeps through
        /// the waits rather than spinning: its CPU time stays well under the wall time.
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn sub_millisecond_timeouts_never_busy_loop() {
            let (rd, _wr) = pair();
            let mut s: Sel<RawFd, ()> = new();
            s.register(rd.as_raw_fd(), EVENT_READ, ()).unwrap();
            let asked = Duration::from_micros(100);
            let min = if millisecond_timeouts(backend(&s)) {
                Duration::from_millis(1)
            } else {
                asked
            };
            const CALLS: u32 = 200;
            let cpu0 = thread_cpu_time();
            let start = Instant::now();
            for _ in 0..CALLS {
                let (ready, dt) = time!(s.select(Some(asked)).unwrap());
                assert!(ready.is_empty());
                assert!(dt >= min, "select({asked:?}) returned after {dt:?}");
            }
            let wall = start.elapsed();
            let cpu = thread_cpu_time() - cpu0;
            eprintln!("{CALLS} x select({asked:?}): {wall:?}, {cpu:?} of CPU");
            assert!(wall >= min * CALLS);
            assert!(cpu < wall / 2, "{cpu:?} of CPU in {wall:?}: busy loop?");
        }

        /// The smallest positive timeouts: 1 ns is still a wait of one backend unit
        /// (1 µs for select, 1 ms for poll and epoll), not a zero-timeout poll. (README.md,
        /// "Differences from CPython": timeouts are rounded up once to the backend's unit, never to
        /// zero.)
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn nanosecond_timeouts_still_wait() {
            let (rd, _wr) = pair();
            let mut s: Sel<RawFd, ()> = new();
            s.register(rd.as_raw_fd(), EVENT_READ, ()).unwrap();
            let unit = if millisecond_timeouts(backend(&s)) {
                Duration::from_millis(1)
            } else {
                Duration::from_micros(1)
            };
            for asked in [Duration::from_nanos(1), Duration::from_nanos(100)] {
                for _ in 0..20 {
                    let (ready, dt) = time!(s.select(Some(asked)).unwrap());
                    assert!(ready.is_empty());
                    assert!(dt >= unit, "select({asked:?}) returned after {dt:?}");
                }
            }
        }

        /// A zero timeout is a non-blocking poll that still asks the kernel: readiness
        /// that appears between two zero-timeout calls is reported by the second, and a closed
        /// fd's kernel answer comes through (select(2)'s EBADF, poll's POLLNVAL). Negative
        /// timeouts (zero in Python) cannot be written with `Duration`.
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn zero_timeout_makes_the_syscall() {
            let _lock = lock();
            let (rd, wr) = pair();
            let r = rd.as_raw_fd();
            let mut s: Sel<RawFd, ()> = new();
            let (ready, dt) = time!(s.select(Some(Duration::ZERO)).unwrap());
            assert!(ready.is_empty() && dt < Duration::from_millis(500));

            s.register(r, EVENT_READ, ()).unwrap();
            assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
            (&wr).write_all(b"x").unwrap();
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            assert_eq!(fds(&ready), vec![(r, EVENT_READ)]);
            (&rd).read_exact(&mut [0]).unwrap();
            assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
            s.unregister(&r).unwrap();

            let sock = high_fd(pair().0);
            let fd = sock.as_raw_fd();
            s.register(fd, EVENT_READ, ()).unwrap();
            drop(sock);
            let result = s.select(Some(Duration::ZERO)).map(|r| fds(&r));
            match backend(&s) {
                Backend::Select => assert_eq!(result, Err(Error::Os(libc::EBADF))),
                Backend::Poll | Backend::Devpoll => assert_eq!(result, Ok(vec![(fd, EVENT_READ)])),
                Backend::Epoll | Backend::Kqueue => assert_eq!(result, Ok(vec![])),
                other => unreachable!("{other}"),
            }
            s.unregister(&fd).unwrap();
        }

        /// The same as mio's poll_closes_fd: 2 000 selectors made, used and closed (and
        /// 2 000 only dropped) leave the fd count as it was, and a selector's kernel fd is
        /// closed exactly once: a file opened after close() takes the freed number, and
        /// dropping the selector leaves that file alone.
        #[test]
        #[cfg_attr(miri, ignore = "spawns a process (posix_spawn), which Miri cannot run")]
        fn create_close_cycles_leak_no_fd() {
            in_child(module_path!(), "create_close_cycles_leak_no_fd", || {
                let (rd, _wr) = pair();
                let r = rd.as_raw_fd();
                let before = count_fds();
                for _ in 0..2000 {
                    let mut s: Sel<RawFd, ()> = new();
                    s.register(r, EVENT_READ, ()).unwrap();
                    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
                    s.close();
                }
                assert_eq!(count_fds(), before);
                for _ in 0..2000 {
                    let mut s: Sel<RawFd, ()> = new();
                    s.register(r, EVENT_READ, ()).unwrap();
                    drop(s);
                }
                assert_eq!(count_fds(), before);

                let mut s: Sel<RawFd, ()> = new();
                if let Some(fd) = fileno(&s) {
                    s.close();
                    assert!(!is_open(fd));
                    let f = File::open("/dev/null").unwrap();
                    assert_eq!(f.as_raw_fd(), fd, "single-threaded: the lowest free fd");
                    drop(s);
                    assert!(is_open(fd), "dropping a closed selector closed an fd again");
                    drop(f);
                }
                assert_eq!(count_fds(), before);
            });
        }

        /// HUP/ERR map to READ/WRITE exactly as CPython maps them (any bit but IN
        /// reports WRITE, any bit but OUT reports READ, masked with the key's events); the
        /// expected values are CPython's, backend by backend.
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn hup_and_err_mapping() {
            let _lock = lock(); // a closed file must really be closed (common::lock)
            let rw = EVENT_READ | EVENT_WRITE;
            for events in [EVENT_READ, EVENT_WRITE, rw] {
                // socketpair, peer closed: the registered subset, on every backend.
                let (a, b) = pair();
                let mut s: Sel<RawFd, ()> = new();
                s.register(a.as_raw_fd(), events, ()).unwrap();
                drop(b);
                let ready = s.select(Some(Duration::ZERO)).unwrap();
                assert_eq!(fds(&ready), vec![(a.as_raw_fd(), events)], "peer closed");

                // pipe write end, reader closed (POLLERR): the registered subset.
                let (r, w) = pipe();
                let mut s: Sel<RawFd, ()> = new();
                s.register(w.as_raw_fd(), events, ()).unwrap();
                drop(r);
                let ready = s.select(Some(Duration::ZERO)).unwrap();
                assert_eq!(fds(&ready), vec![(w.as_raw_fd(), events)], "reader closed");

                // pipe read end, writer closed (POLLHUP): poll and epoll report the registered
                // subset (HUP reports WRITE too); select(2) reports only READ.
                let (r, w) = pipe();
                let mut s: Sel<RawFd, ()> = new();
                s.register(r.as_raw_fd(), events, ()).unwrap();
                drop(w);
                let ready = s.select(Some(Duration::ZERO)).unwrap();
                let want = match backend(&s) {
                    Backend::Select => events & EVENT_READ,
                    _ => events,
                };
                let want = if want.is_empty() {
                    vec![]
                } else {
                    vec![(r.as_raw_fd(), want)]
                };
                assert_eq!(fds(&ready), want, "writer closed, {events:?}");
            }
        }

        /// A closed selector answers `Closed` to every method (before checking anything
        /// else) and makes no system call: even `select(2 s)` returns at once; `get_map()` is
        /// `None`; `close()` twice is fine. (CPython: get_key raises RuntimeError, but select
        /// and poll keep polling the old fds and accept registrations, and epoll raises
        /// ValueError.)
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn closed_selector() {
            let (rd, _wr) = pair();
            let r = rd.as_raw_fd();
            let mut s: Sel<RawFd, ()> = new();
            s.register(r, EVENT_READ, ()).unwrap();
            s.close();
            s.close();
            assert_eq!(s.register(r, EVENT_READ, ()).unwrap_err(), Error::Closed);
            assert_eq!(
                s.register(-1, Events::EMPTY, ()).unwrap_err(),
                Error::Closed
            );
            assert_eq!(s.unregister(&r).unwrap_err(), Error::Closed);
            assert_eq!(s.modify(&r, EVENT_WRITE, ()).unwrap_err(), Error::Closed);
            assert_eq!(s.get_key(&r).unwrap_err(), Error::Closed);
            // not even a wait: a closed selector does not block
            let (result, dt) = time!(s.select(Some(Duration::from_secs(2))).map(|r| r.len()));
            assert_eq!(result, Err(Error::Closed));
            assert!(dt < Duration::from_secs(1), "{dt:?}");
            assert_eq!(
                s.select_ready(Some(Duration::ZERO)).map(|r| r.len()),
                Err(Error::Closed)
            );
            assert!(s.get_map().is_none());
            assert_eq!(fileno(&s), None);
            assert!(
                is_open(r),
                "closing a selector leaves registered files open"
            );
        }

        /// Validation before any system call: invalid masks and negative fds give the
        /// documented errors in CPython's order and change nothing; an invalid `modify` keeps
        /// the old key and its kernel registration (CPython's select loses the registration,
        /// and its poll and epoll store the invalid mask).
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn invalid_masks_and_negative_fds() {
            let (rd, wr) = pair();
            let r = rd.as_raw_fd();
            let mut s: Sel<RawFd, &str> = new();
            for bits in [0, 4, 8, 7, 255, 999_999, u32::MAX] {
                let mask = Events::from_bits_retain(bits);
                assert_eq!(
                    s.register(r, mask, "").unwrap_err(),
                    Error::InvalidEvents(bits)
                );
            }
            // the mask is checked before the fd
            assert_eq!(
                s.register(-1, Events::EMPTY, "").unwrap_err(),
                Error::InvalidEvents(0)
            );
            assert_eq!(
                s.register(-5, EVENT_READ, "").unwrap_err(),
                Error::InvalidFd(-5)
            );
            assert!(s.get_map().unwrap().is_empty());
            if let (Backend::Epoll, Some(epfd)) = (backend(&s), fileno(&s)) {
                assert!(epoll_watched(epfd).is_empty());
            }

            let key = s.register(r, EVENT_READ, "key").unwrap().clone();
            for bits in [0, 4, 8, 7] {
                let mask = Events::from_bits_retain(bits);
                assert_eq!(
                    s.modify(&r, mask, "other").unwrap_err(),
                    Error::InvalidEvents(bits)
                );
                assert_eq!(s.get_key(&r).unwrap(), &key);
            }
            // modify, unregister and get_key look the fd up first
            assert_eq!(
                s.modify(&-1, EVENT_READ, "").unwrap_err(),
                Error::InvalidFd(-1)
            );
            assert_eq!(
                s.modify(&999_999, Events::EMPTY, "").unwrap_err(),
                Error::NotRegistered(999_999)
            );
            assert_eq!(s.unregister(&-1).unwrap_err(), Error::InvalidFd(-1));
            assert_eq!(s.get_key(&-1).unwrap_err(), Error::InvalidFd(-1));
            assert_eq!(s.get_map().unwrap().len(), 1);

            // the kernel registration is intact
            (&wr).write_all(b"x").unwrap();
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            assert_eq!(ready, vec![(key, EVENT_READ)]);
        }

        /// The Python example's pattern: `select()` returns owned snapshots, so the loop can
        /// register and unregister while it walks them. First the echo server of the
        /// selectors docs (accept → register; read → echo, or unregister at EOF); then a
        /// batch whose later entries are unregistered while handling the first: they stay in
        /// the snapshot (as in Python's list) but are gone from the map and from the next
        /// select.
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn unregister_while_walking_select_results() {
            #[derive(Clone, Copy, Debug, PartialEq)]
            enum Callback {
                Accept,
                Read,
            }
            const CLIENTS: usize = 3;
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let mut sel: Sel<RawFd, Callback> = new();
            sel.register(listener.as_raw_fd(), EVENT_READ, Callback::Accept)
                .unwrap();
            let mut clients: Vec<TcpStream> = (0..CLIENTS)
                .map(|_| TcpStream::connect(listener.local_addr().unwrap()).unwrap())
                .collect();
            for c in &mut clients {
                c.write_all(b"hi").unwrap();
            }

            let mut conns: HashMap<RawFd, TcpStream> = HashMap::new();
            let (mut echoed, mut closed) = (0, 0);
            let mut run = |sel: &mut Sel<RawFd, Callback>, done: &dyn Fn(usize, usize) -> bool| {
                let deadline = Instant::now() + Duration::from_secs(10);
                while !done(echoed, closed) {
                    assert!(Instant::now() < deadline, "echo server stalled");
                    for (key, mask) in sel.select(Some(Duration::from_secs(1))).unwrap() {
                        assert_eq!(mask, EVENT_READ);
                        match key.data {
                            Callback::Accept => {
                                let (conn, _) = listener.accept().unwrap();
                                conn.set_nonblocking(true).unwrap();
                                sel.register(conn.as_raw_fd(), EVENT_READ, Callback::Read)
                                    .unwrap();
                                conns.insert(conn.as_raw_fd(), conn);
                            }
                            Callback::Read => {
                                let mut conn = &conns[&key.fd];
                                let mut buf = [0; 1000];
                                match conn.read(&mut buf) {
                                    Ok(0) => {
                                        sel.unregister(&key.fd).unwrap();
                                        conns.remove(&key.fd);
                                        closed += 1;
                                    }
                                    Ok(n) => {
                                        conn.write_all(&buf[..n]).unwrap();
                                        echoed += 1;
                                    }
                                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                                    Err(e) => panic!("recv: {e}"),
                                }
                            }
                        }
                    }
                }
            };
            run(&mut sel, &|echoed, _| echoed == CLIENTS);
            for c in &mut clients {
                let mut buf = [0; 2];
                c.read_exact(&mut buf).unwrap();
                assert_eq!(&buf, b"hi");
            }
            clients.clear();
            run(&mut sel, &|_, closed| closed == CLIENTS);
            let map = sel.get_map().unwrap();
            assert_eq!(map.keys().collect::<Vec<_>>(), vec![listener.as_raw_fd()]);
            drop(conns);

            // Unregister the rest of the batch while handling its first entry.
            let pairs: Vec<_> = (0..3).map(|_| pair()).collect();
            let extra = pair();
            let mut s: Sel<RawFd, usize> = new();
            for (i, (_, w)) in pairs.iter().enumerate() {
                s.register(w.as_raw_fd(), EVENT_WRITE, i).unwrap();
            }
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            assert_eq!(ready.len(), 3);
            let first = ready[0].0.fd;
            for (n, (key, events)) in ready.iter().enumerate() {
                assert_eq!(*events, EVENT_WRITE);
                if n == 0 {
                    for (_, w) in &pairs {
                        if w.as_raw_fd() != first {
                            s.unregister(&w.as_raw_fd()).unwrap();
                        }
                    }
                    s.register(extra.1.as_raw_fd(), EVENT_WRITE, 99).unwrap();
                } else {
                    assert_eq!(
                        s.get_key(&key.fd).unwrap_err(),
                        Error::NotRegistered(key.fd)
                    );
                    assert_eq!(
                        s.unregister(&key.fd).unwrap_err(),
                        Error::NotRegistered(key.fd)
                    );
                }
            }
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            let mut want = vec![(first, EVENT_WRITE), (extra.1.as_raw_fd(), EVENT_WRITE)];
            want.sort();
            assert_eq!(fds(&ready), want);
        }

        /// `select_ready` reports what `select` reports, borrowing the keys stored in the
        /// selector. (tests/alloc_free.rs shows it allocates nothing in a steady state.)
        #[test]
        #[cfg_attr(miri, ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs")]
        fn select_ready_matches_select() {
            let (r1, w1) = pair();
            let (r2, w2) = pair();
            let (idle, _idle_peer) = pair();
            (&w1).write_all(b"x").unwrap();
            (&r2).write_all(b"x").unwrap();
            let mut s: Sel<RawFd, usize> = new();
            s.register(r1.as_raw_fd(), EVENT_READ, 1).unwrap();
            s.register(w1.as_raw_fd(), EVENT_WRITE, 2).unwrap();
            s.register(w2.as_raw_fd(), EVENT_READ | EVENT_WRITE, 3)
                .unwrap();
            s.register(idle.as_raw_fd(), EVENT_READ, 4).unwrap();

            let owned = s.select(Some(Duration::ZERO)).unwrap();
            let mut want: Vec<_> = owned.iter().map(|(k, ev)| (k.fd, k.data, *ev)).collect();
            want.sort();
            // Sorted too: fd numbers come from whichever are free, in any order between pairs
            // when other test threads close theirs (r1's can be above w1's: seen in CI).
            let mut expected = vec![
                (r1.as_raw_fd(), 1, EVENT_READ),
                (w1.as_raw_fd(), 2, EVENT_WRITE),
                (w2.as_raw_fd(), 3, EVENT_READ | EVENT_WRITE),
            ];
            expected.sort();
            assert_eq!(want, expected);

            type Key = ioselectors::SelectorKey<RawFd, usize>;
            let borrowed: Vec<(*const Key, RawFd, usize, Events)> = s
                .select_ready(Some(Duration::ZERO))
                .unwrap()
                .map(|(key, ev)| (key as *const Key, key.fd, key.data, ev))
                .collect();
            let mut got: Vec<_> = borrowed.iter().map(|&(_, fd, d, ev)| (fd, d, ev)).collect();
            got.sort();
            assert_eq!(got, want);
            for &(ptr, fd, _, _) in &borrowed {
                assert!(
                    std::ptr::eq(ptr, s.get_key(&fd).unwrap()),
                    "not the stored key"
                );
            }

            // Nothing ready: both wait out the timeout and report nothing.
            let mut idle_sel: Sel<RawFd, ()> = new();
            idle_sel.register(idle.as_raw_fd(), EVENT_READ, ()).unwrap();
            let t = Duration::from_millis(20);
            let (n, dt) = time!(idle_sel.select_ready(Some(t)).unwrap().len());
            assert_eq!(n, 0);
            assert_waited(dt, t, Duration::from_secs(2));
            let (v, dt) = time!(idle_sel.select(Some(t)).unwrap());
            assert!(v.is_empty());
            assert_waited(dt, t, Duration::from_secs(2));
        }
    };
}

/// `KqueueSelector`'s code over the FreeBSD kqueue model (tests/kernels/kqueue.rs).
mod kqueue_model_freebsd {
    use super::*;

    backend!(kqueue_model kernels::kqueue::Os::FreeBsd);

    pitfall_tests!();
}

/// `DevpollSelector`'s code over the illumos /dev/poll model (tests/kernels/devpoll.rs).
mod devpoll_model_illumos {
    use super::*;

    backend!(devpoll_model kernels::devpoll::Os::Illumos);

    pitfall_tests!();
}

mod select {
    use super::*;

    backend!(select);

    pitfall_tests!();
}

mod poll {
    use super::*;

    backend!(poll);

    pitfall_tests!();
}

mod epoll {
    use super::*;

    backend!(epoll);

    pitfall_tests!();

    /// Ghost events. epoll watches open file descriptions: when a registered fd's number
    /// is reused while a duplicate keeps the old file alive, the old file's entry stays in the
    /// kernel under the old number (epoll(7) Q6). While the key is registered its events are
    /// reported under it (CPython does the same). Once it is unregistered the entry is a ghost:
    /// the selector never reports it, and the first wait that sees it rebuilds the epoll
    /// instance (same fd number) without it.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
    )]
    fn ghost_events_after_fd_reuse() {
        let _lock = lock(); // a closed file must really be closed (common::lock)
        let (a, b) = pair();
        let (c, d) = pair();
        let a = OwnedFd::from(a);
        let fd = a.as_raw_fd();
        let ghost = a.try_clone().unwrap();
        let mut s: Sel<RawFd, &str> = new();
        let epfd = s.fileno().unwrap();
        s.register(fd, EVENT_READ, "old").unwrap();

        dup_onto(&c, fd);
        (&b).write_all(b"x").unwrap();
        let data = |s: &mut Sel<RawFd, &'static str>| -> Vec<(&'static str, Events)> {
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            ready.into_iter().map(|(k, ev)| (k.data, ev)).collect()
        };
        assert_eq!(data(&mut s), vec![("old", EVENT_READ)]);

        // EPOLL_CTL_DEL names the new file, which is not registered: ENOENT, ignored. The
        // ghost stays in the kernel until a wait sees it, which drops it (rebuild).
        assert_eq!(s.unregister(&fd).unwrap().data, "old");
        assert_eq!(epoll_watched(epfd), vec![fd]);
        assert_eq!(data(&mut s), vec![]);
        assert_eq!(s.fileno().unwrap(), epfd);
        assert!(epoll_watched(epfd).is_empty());

        // Registering the number again watches the new file only.
        s.register(fd, EVENT_READ, "new").unwrap();
        assert_eq!(epoll_watched(epfd), vec![fd]);
        assert_eq!(data(&mut s), vec![]);
        (&d).write_all(b"y").unwrap();
        assert_eq!(data(&mut s), vec![("new", EVENT_READ)]);
        drop(ghost);
        assert_eq!(data(&mut s), vec![("new", EVENT_READ)]);
    }

    /// A ghost (a registered fd closed while a `dup` keeps its file open, then unregistered)
    /// that is ready must not end `select` early: with nothing registered ready, a 300 ms
    /// select waits the 300 ms and returns nothing, every time (no caller loop spins).
    #[test]
    #[cfg_attr(
        miri,
        ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
    )]
    fn ready_ghost_does_not_cut_the_timeout() {
        let _lock = lock();
        let (x, peer) = pair();
        let fd = x.as_raw_fd();
        let dup = x.try_clone().unwrap();
        let mut s: Sel<RawFd, ()> = new();
        let epfd = s.fileno().unwrap();
        let (other, _other_peer) = pair();
        s.register(other.as_raw_fd(), EVENT_READ, ()).unwrap();
        s.register(fd, EVENT_READ, ()).unwrap();
        (&peer).write_all(b"x").unwrap();
        drop(x);
        s.unregister(&fd).unwrap();
        for _ in 0..2 {
            let t = Instant::now();
            let ready = s.select(Some(Duration::from_millis(300))).unwrap();
            let took = t.elapsed();
            assert!(ready.is_empty(), "{:?}", fds(&ready));
            assert!(
                took >= Duration::from_millis(300),
                "returned after {took:?}"
            );
        }
        assert_eq!(s.fileno().unwrap(), epfd);
        assert_eq!(epoll_watched(epfd), vec![other.as_raw_fd()]);
        drop(dup);
    }

    /// The wait's spare event slot: with every registered fd ready, and a ready ghost behind
    /// them in the kernel's ready list, the batch still has room for the ghost, so the first
    /// wait drops it (rebuild), with and without a waker (whose eventfd has a slot of its own).
    /// Four fds: the event buffer is sized exactly from four slots up (`Vec::reserve` on an
    /// empty `Vec` rounds smaller requests up to 4, which would hide a missing slot).
    #[test]
    #[cfg_attr(
        miri,
        ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
    )]
    fn a_ready_ghost_behind_every_registered_fd_is_dropped_at_once() {
        let _lock = lock();
        for with_waker in [false, true] {
            let mut s: Sel<RawFd, ()> = new();
            let epfd = s.fileno().unwrap();
            let _waker = with_waker.then(|| s.waker().unwrap());
            let pairs: Vec<_> = (0..4).map(|_| pair()).collect();
            for (a, _) in &pairs {
                s.register(a.as_raw_fd(), EVENT_READ, ()).unwrap();
            }
            let (x, peer) = pair();
            let fd = x.as_raw_fd();
            let dup = x.try_clone().unwrap();
            s.register(fd, EVENT_READ, ()).unwrap();
            drop(x);
            s.unregister(&fd).unwrap();
            let watched_before = epoll_watched(epfd);
            assert!(watched_before.contains(&fd), "{watched_before:?}");
            // Ready in this order: the four registered fds, then the ghost.
            for (_, b) in &pairs {
                (&*b).write_all(b"x").unwrap();
            }
            (&peer).write_all(b"x").unwrap();
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            assert_eq!(ready.len(), 4, "waker: {with_waker}");
            let watched = epoll_watched(epfd);
            assert!(
                !watched.contains(&fd) && watched.len() == 4 + usize::from(with_waker),
                "waker: {with_waker}: the ghost {fd} is still watched: {watched:?}"
            );
            drop(dup);
        }
    }

    /// A ready ghost whose number is registered again for another file: only the new file's
    /// own readiness is reported under the new key.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
    )]
    fn ready_ghost_not_reported_under_a_new_key() {
        let _lock = lock();
        let (x, peer) = pair();
        let x = OwnedFd::from(x);
        let fd = x.as_raw_fd();
        let dup = x.try_clone().unwrap();
        let (c, d) = pair();
        let mut s: Sel<RawFd, &str> = new();
        let epfd = s.fileno().unwrap();
        s.register(fd, EVENT_READ, "old").unwrap();
        (&peer).write_all(b"x").unwrap();
        // The number now names c's file, in one step: closing x first and then dup2()ing
        // would leave the number free for another test thread to take in between (dup2 then
        // fails with EBUSY, or replaces that thread's fd). x's file lives on in `dup`, so its
        // ready entry stays in the kernel; unregistering it fails (ENOENT: the number names
        // another file), is ignored, and leaves a ghost.
        dup_onto(&c, fd);
        s.unregister(&fd).unwrap();
        s.register(fd, EVENT_READ, "new").unwrap();
        let data = |s: &mut Sel<RawFd, &'static str>| -> Vec<(&'static str, Events)> {
            let ready = s.select(Some(Duration::ZERO)).unwrap();
            ready.into_iter().map(|(k, ev)| (k.data, ev)).collect()
        };
        assert_eq!(data(&mut s), vec![]);
        assert_eq!(epoll_watched(epfd), vec![fd]);
        (&d).write_all(b"y").unwrap();
        assert_eq!(data(&mut s), vec![("new", EVENT_READ)]);
        drop(x); // closes `fd`, now c's duplicate
        drop(dup);
    }
}

mod default {
    use super::*;

    backend!(default);

    pitfall_tests!();
}

/// `EMFILE` on construction. With the fd table full, `EpollSelector::new()` and
/// `DefaultSelector::new()` fail with `EMFILE` and leak nothing; poll and select need no fd of
/// their own and still work. The failed probe is not taken for "epoll unsupported": once fds
/// are free again, `DefaultSelector` is epoll, not poll. In a child process (it lowers
/// `RLIMIT_NOFILE` and counts fds).
#[test]
#[cfg_attr(miri, ignore = "spawns a process (posix_spawn), which Miri cannot run")]
fn emfile_on_construction() {
    in_child(module_path!(), "emfile_on_construction", || {
        use ioselectors::{DefaultSelector, EpollSelector, PollSelector, SelectSelector};
        let before = count_fds();
        let restore = lower_nofile(max_open_fd() as usize + 1);
        let mut filler = Vec::new();
        loop {
            match File::open("/dev/null") {
                Ok(f) => filler.push(f),
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
                Err(e) => panic!("open /dev/null: {e}"),
            }
        }
        let emfile = Error::Os(libc::EMFILE);
        assert_eq!(EpollSelector::<RawFd, ()>::new().unwrap_err(), emfile);
        assert_eq!(DefaultSelector::<RawFd, ()>::new().unwrap_err(), emfile);
        assert_eq!(ioselectors::default_backend(), Err(emfile));

        if let Some(null) = filler.first() {
            let null = null.as_raw_fd();
            let mut p: PollSelector<RawFd, ()> = PollSelector::new();
            p.register(null, EVENT_READ, ()).unwrap();
            assert_eq!(
                fds(&p.select(Some(Duration::ZERO)).unwrap()),
                vec![(null, EVENT_READ)]
            );
            let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
            s.register(null, EVENT_READ, ()).unwrap();
            assert_eq!(
                fds(&s.select(Some(Duration::ZERO)).unwrap()),
                vec![(null, EVENT_READ)]
            );
        }

        drop(filler);
        drop(restore);
        assert_eq!(count_fds(), before);

        let s = DefaultSelector::<RawFd, ()>::new().unwrap();
        assert_eq!(s.backend(), Backend::Epoll);
        assert!(s.fileno().is_ok());
        drop(s);
        assert_eq!(count_fds(), before);
    });
}
