//! The kqueue and /dev/poll backends' answers to what a kernel-level review found (fork,
//! `dp_nfds`, kernels without `EVFILT_USER`, modify after a number was reused, stale keys and
//! the waker, receipts' event slots, nested /dev/poll), run on Linux over the in-memory kernels
//! of `tests/kernels/` (real fds, per-OS rules cited there).
#![cfg(any(target_os = "linux", target_os = "android"))]

#[path = "kernels/mod.rs"]
mod kernels;

use std::io::Write;
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::time::Duration;

use ioselectors::__kernels::devpoll::DevpollBackend;
use ioselectors::__kernels::kqueue::{Filter, KqueueBackend};
use ioselectors::{BaseSelector, Error, Events, GenericSelector, PollSelector};
use kernels::devpoll::{self as dp, ModelDevpoll};
use kernels::kqueue::{ModelKq, Os};

type Kq = GenericSelector<KqueueBackend<ModelKq>, RawFd, ()>;
type Dp = GenericSelector<DevpollBackend<ModelDevpoll>, RawFd, ()>;

/// Every test here opens fds, and some count on which number the kernel hands out next: one
/// at a time.
static NUMBERS: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    NUMBERS.lock().unwrap_or_else(|e| e.into_inner())
}

fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: fds is valid for writes of two ints.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    (fds[0], fds[1])
}

fn close(fd: RawFd) {
    // SAFETY: the tests close only fds they opened.
    unsafe { libc::close(fd) };
}

fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD reads the fd's flags.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

const FIVE: Option<Duration> = Some(Duration::from_secs(5));

/// fork: the child has no kqueue (kqueue(2)); the selector and its `EVFILT_USER` waker answer
/// Closed there, make no kevent call and close no number. The parent's selector is unaffected.
#[test]
#[cfg_attr(miri, ignore = "forks, which Miri does not support")]
fn kqueue_after_fork_is_closed_in_the_child() {
    let _g = lock();
    for os in Os::ALL {
        let model = ModelKq::new(os);
        let probe = model.probe();
        let mut sel = Kq::with_kernel(model);
        let (r, w) = pipe();
        sel.register(r, Events::READ, ()).unwrap();
        let waker = sel.waker().unwrap();
        let kq = sel.fileno().unwrap();
        let calls = probe.calls().len();
        // SAFETY: the child only runs the code below and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let mut code = 0;
            if sel.select(Some(Duration::ZERO)).err() != Some(Error::Closed) {
                code |= 1;
            }
            if sel.register(w, Events::WRITE, ()).err() != Some(Error::Closed) {
                code |= 2;
            }
            // Not ENOSYS (a selector without a kernel object): this one has none any more.
            if sel.fileno() != Err(Error::Closed) {
                code |= 32;
            }
            // EVFILT_USER is the kqueue's: Closed. The pipe of a kernel without it is
            // inherited like any pipe, so that wake writes to it (documented).
            let want = if os.has_user() {
                Err(Error::Closed)
            } else {
                Ok(())
            };
            if waker.wake() != want {
                code |= 4;
            }
            if probe.calls().len() != calls {
                code |= 8;
            }
            drop(waker);
            drop(sel);
            if !is_open(kq) {
                code |= 16;
            }
            // SAFETY: leaves the child at once, without running the parent's atexit handlers.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: status is valid for writes of one int.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status), "{os:?}: child status {status}");
        assert_eq!(libc::WEXITSTATUS(status), 0, "{os:?}: failed checks (bits)");
        // The parent goes on.
        waker.wake().unwrap();
        assert!(sel.select(FIVE).unwrap().is_empty());
        close(r);
        close(w);
    }
}

/// A selector without a waker has no waker fd: every number is the caller's, 1 too (the
/// backends answer `EEXIST` for the waker's own number, which no fd has before `waker()`). In a
/// fork child, whose fd 1 (stdout) is replaced by one end of a socketpair: registered, reported
/// readable, modified and unregistered on every kqueue and /dev/poll model.
#[test]
#[cfg_attr(miri, ignore = "forks, which Miri does not support")]
fn fd_one_is_the_callers_before_any_waker() {
    let _g = lock();
    let (a, b) = UnixStream::pair().unwrap();
    // SAFETY: the child only runs the code below and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: in the child only: fd 1 becomes `a`'s socket (the parent's stdout is
        // untouched).
        let mut code = i32::from(unsafe { libc::dup2(a.as_raw_fd(), 1) } != 1);
        (&b).write_all(b"x").unwrap();
        for (bit, os) in Os::ALL.into_iter().enumerate() {
            let ok = fd_one_round(&mut Kq::with_kernel(ModelKq::new(os)));
            code |= i32::from(!ok) << (bit + 1);
        }
        for os in dp::Os::ALL {
            let ok = fd_one_round(&mut Dp::with_kernel(ModelDevpoll::new(os)));
            code |= i32::from(!ok) << 7;
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
        "failed checks (bit 0: dup2, 1-6: kqueue {:?}, 7: /dev/poll {:?})",
        Os::ALL,
        dp::Os::ALL
    );
}

/// `fd_one_is_the_callers_before_any_waker`'s round on one selector: fd 1 registered, reported
/// readable alone, modified and unregistered.
fn fd_one_round(sel: &mut impl BaseSelector<RawFd, ()>) -> bool {
    let mut round = || -> Result<Vec<(RawFd, Events)>, Error> {
        sel.register(1, Events::READ, ())?;
        let ready = sel.select(FIVE)?.iter().map(|(k, e)| (k.fd, *e)).collect();
        sel.modify(&1, Events::WRITE, ())?;
        sel.unregister(&1)?;
        Ok(ready)
    };
    round() == Ok(vec![(1, Events::READ)])
}

/// DP_POLL's dp_nfds is the number of registered fds (plus the waker), not the buffer's
/// capacity, which grows by doubling and on Solaris reaches OPEN_MAX → EINVAL.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn devpoll_asks_for_as_many_records_as_fds() {
    let _g = lock();
    for os in dp::Os::ALL {
        let model = ModelDevpoll::new(os);
        let probe = model.probe();
        let mut sel = Dp::with_kernel(model);
        let pipes: Vec<_> = (0..5).map(|_| pipe()).collect();
        for &(r, _) in &pipes[..3] {
            sel.register(r, Events::READ, ()).unwrap();
        }
        sel.select(Some(Duration::ZERO)).unwrap();
        for &(r, _) in &pipes[3..] {
            sel.register(r, Events::READ, ()).unwrap();
        }
        sel.select(Some(Duration::ZERO)).unwrap();
        let _waker = sel.waker().unwrap();
        sel.select(Some(Duration::ZERO)).unwrap();
        assert_eq!(probe.nfds(), [3, 5, 6], "{os:?}");
        for (r, w) in pipes {
            close(r);
            close(w);
        }
    }
}

/// Solaris refuses dp_nfds >= OPEN_MAX: the model does, so the selector must never ask it.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn solaris_model_refuses_open_max() {
    let _g = lock();
    use ioselectors::__kernels::devpoll::Kernel;
    let model = ModelDevpoll::new(dp::Os::Solaris);
    let mut buf = Vec::new();
    assert_eq!(
        model.dp_poll(&mut buf, dp::open_max(), 0),
        Err(Error::Os(libc::EINVAL))
    );
    let model = ModelDevpoll::new(dp::Os::Illumos);
    assert_eq!(model.dp_poll(&mut buf, dp::open_max(), 0), Ok(()));
}

/// A kernel without EVFILT_USER (NetBSD 9, OpenBSD before 7.5) answers EINVAL to the waker's
/// filter; the waker is then a pipe, and wakes work.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn waker_falls_back_to_a_pipe_without_evfilt_user() {
    let _g = lock();
    for os in Os::ALL {
        let model = ModelKq::new(os);
        let probe = model.probe();
        let mut sel = Kq::with_kernel(model);
        let waker = sel.waker().unwrap();
        let pipe_knotes = probe.knotes().len();
        assert_eq!(pipe_knotes, usize::from(!os.has_user()), "{os:?}");
        let t = std::thread::spawn(move || waker.wake());
        assert!(sel.select(None).unwrap().is_empty(), "{os:?}");
        t.join().unwrap().unwrap();
        // Drained: the next poll finds nothing.
        assert!(sel.select(Some(Duration::ZERO)).unwrap().is_empty());
    }
}

/// modify after the fd was closed and its number reused: closing removed the filters
/// (kqueue(2)); the key says READ|WRITE, so the kernel must watch both on the new file.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn kqueue_modify_after_the_number_was_reused_watches_the_keys_events() {
    let _g = lock();
    for os in Os::ALL {
        let mut sel = Kq::with_kernel(ModelKq::new(os));
        let (a, _b) = UnixStream::pair().unwrap();
        let n = a.as_raw_fd();
        sel.register(n, Events::READ, ()).unwrap();
        // The number now holds another socket.
        let (c, mut d) = UnixStream::pair().unwrap();
        // SAFETY: dup2 onto a number this test owns (a's), which closes a's socket.
        assert_eq!(unsafe { libc::dup2(c.as_raw_fd(), n) }, n);
        sel.modify(&n, Events::READ_WRITE, ()).unwrap();
        d.write_all(b"x").unwrap();
        let ready = sel.select(FIVE).unwrap();
        assert_eq!(ready.len(), 1, "{os:?}");
        assert_eq!(ready[0].1, Events::READ_WRITE, "{os:?}");
        drop(a); // closes n (now the dup of c)
    }
}

/// A stale key (its fd closed without unregister) whose number the waker's pipe or eventfd
/// now has: unregister must not remove the waker's filter or record; modify fails with
/// ENOENT (the key is dropped, as on epoll) and leaves the waker too.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn a_stale_key_never_removes_the_waker() {
    let _g = lock();
    for os in [Os::NetBsd9, Os::OpenBsd] {
        let model = ModelKq::new(os);
        let probe = model.probe();
        let mut sel = Kq::with_kernel(model);
        let (r, w) = pipe();
        sel.register(r, Events::READ, ()).unwrap();
        sel.register(w, Events::WRITE, ()).unwrap();
        close(r);
        close(w);
        let waker = sel.waker().unwrap();
        let theirs: Vec<RawFd> = probe.knotes().iter().map(|k| k.0).collect();
        assert!(theirs.contains(&r), "{os:?}: the waker took another number");
        sel.unregister(&r).unwrap();
        assert_eq!(probe.knotes(), [(r, Filter::Read)], "{os:?}");
        if theirs.contains(&w) {
            assert!(sel.modify(&w, Events::READ, ()).is_err());
        }
        waker.wake().unwrap();
        assert!(sel.select(FIVE).unwrap().is_empty());
        assert_eq!(probe.knotes(), [(r, Filter::Read)], "{os:?}");
    }
    for os in dp::Os::ALL {
        let model = ModelDevpoll::new(os);
        let probe = model.probe();
        let mut sel = Dp::with_kernel(model);
        let (r, w) = pipe();
        sel.register(r, Events::READ, ()).unwrap();
        close(r);
        let _waker = sel.waker().unwrap();
        assert_eq!(
            probe.set(),
            [(r, libc::POLLIN)],
            "{os:?}: the waker took another number"
        );
        sel.unregister(&r).unwrap();
        assert_eq!(probe.set(), [(r, libc::POLLIN)], "{os:?}");
        close(w);
    }
}

/// register, modify and unregister hand kevent one event slot per change: room for the
/// receipts and nothing else, so no kernel can wait there or return readiness instead.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn submits_get_one_event_slot_per_change() {
    let _g = lock();
    let model = ModelKq::new(Os::FreeBsd);
    let probe = model.probe();
    let mut sel = Kq::with_kernel(model);
    let pipes: Vec<_> = (0..6).map(|_| pipe()).collect();
    for &(r, w) in &pipes[..5] {
        sel.register(r, Events::READ, ()).unwrap();
        sel.register(w, Events::WRITE, ()).unwrap();
    }
    // A wait with ten filters grows the event buffer to ten slots.
    assert_eq!(sel.select(Some(Duration::ZERO)).unwrap().len(), 5);
    let (r, w) = pipes[5];
    sel.register(r, Events::READ, ()).unwrap();
    sel.modify(&r, Events::READ_WRITE, ()).unwrap();
    sel.unregister(&r).unwrap();
    let calls = probe.calls();
    assert_eq!(calls[calls.len() - 3..], [(1, 1), (2, 2), (2, 2)]);
    let _ = w;
    for (r, w) in pipes {
        close(r);
        close(w);
    }
}

/// close() with a live Waker: the kqueue stays open for the waker, with the filters it had
/// (documented on KqueueSelector); nobody waits on it and the wakes answer Closed.
#[test]
fn kqueue_close_with_a_live_waker_keeps_the_filters_until_the_last_waker() {
    let _g = lock();
    let model = ModelKq::new(Os::MacOs);
    let probe = model.probe();
    let mut sel = Kq::with_kernel(model);
    let (a, _b) = UnixStream::pair().unwrap();
    sel.register(a.as_raw_fd(), Events::READ, ()).unwrap();
    let waker = sel.waker().unwrap();
    sel.close();
    assert_eq!(probe.knotes(), [(a.as_raw_fd(), Filter::Read)]);
    assert_eq!(waker.wake(), Err(Error::Closed));
}

/// poll(4D): "Polling on a /dev/poll file descriptor will result in POLLERR": a
/// DevpollSelector registered in another selector is always reported ready (as READ, by
/// CPython's mapping), whatever its own registrations.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn a_nested_devpoll_selector_is_always_ready() {
    let _g = lock();
    let inner = Dp::with_kernel(ModelDevpoll::new(dp::Os::Illumos));
    let mut outer: PollSelector<RawFd, ()> = PollSelector::new();
    outer
        .register(inner.fileno().unwrap(), Events::READ, ())
        .unwrap();
    let ready = outer.select(Some(Duration::ZERO)).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].1, Events::READ);
}

/// The per-OS refusals the README documents: a pipe whose reader is gone (FreeBSD/DragonFly/
/// OpenBSD EPIPE, NetBSD EBADF, accepted by macOS), a tty or /dev/null on macOS (EINVAL).
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn per_os_refusals_at_register() {
    let _g = lock();
    for os in Os::ALL {
        let mut sel = Kq::with_kernel(ModelKq::new(os));
        let (r, w) = pipe();
        close(r);
        let got = sel.register(w, Events::WRITE, ()).err();
        let want = match os {
            Os::FreeBsd | Os::DragonFly | Os::OpenBsd => Some(Error::Os(libc::EPIPE)),
            Os::NetBsd9 | Os::NetBsd10 => Some(Error::Os(libc::EBADF)),
            Os::MacOs => None,
        };
        assert_eq!(got, want, "{os:?}");
        assert_eq!(sel.get_map().unwrap().len(), usize::from(want.is_none()));
        close(w);
        let null = std::fs::File::open("/dev/null").unwrap().into_raw_fd();
        let got = sel.register(null, Events::READ, ()).err();
        let want = (os == Os::MacOs).then_some(Error::Os(libc::EINVAL));
        assert_eq!(got, want, "{os:?}");
        close(null);
    }
}

/// A kernel that makes the waker's pipe itself (`Kernel::wake_pipe`, the rump kernel's case in
/// tests/rump.rs, whose fds are not the process's): the backend watches that pipe's read end
/// (`Trigger::fd`), reports a wake as a wake and not as a key, drains it through the kernel's
/// pipe (`Trigger::drain`), and refuses the pipe's number as a key, as for its own pipe.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn a_kernels_own_wake_pipe_is_watched_and_drained() {
    let _g = lock();
    // A filter (EVFILT_USER) has no fd to watch: `Trigger::fd` says -1 there.
    assert_eq!(
        ioselectors::__kernels::Trigger::fd(&ModelKq::new(Os::FreeBsd)),
        -1
    );
    let mut model = ModelKq::new(Os::NetBsd9);
    model.own_wake_pipe = true;
    let probe = model.probe();
    let mut sel = Kq::with_kernel(model);
    let waker = sel.waker().unwrap();
    let knotes = probe.knotes();
    assert_eq!(knotes.len(), 1);
    let (fd, filter) = knotes[0];
    assert_eq!(filter, Filter::Read);
    assert_eq!(
        sel.register(fd, Events::READ, ()).unwrap_err(),
        Error::Os(libc::EEXIST)
    );
    let readable = |fd: RawFd| {
        let mut p = [libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        }];
        // SAFETY: p is valid for reads and writes of one pollfd.
        unsafe { libc::poll(p.as_mut_ptr(), 1, 0) };
        p[0].revents & libc::POLLIN != 0
    };
    for _ in 0..3 {
        waker.wake().unwrap();
    }
    assert!(readable(fd));
    assert!(sel.select(FIVE).unwrap().is_empty());
    assert!(!readable(fd), "the wake was not drained");
    assert_eq!(probe.knotes(), [(fd, Filter::Read)]);
    sel.close();
    assert_eq!(waker.wake().unwrap_err(), Error::Closed);
}

/// What NetBSD's kernel answered under the rump kernel (tests/rump.rs) and the NetBSD models
/// now say too (tests/kernels/kqueue.rs cites kern_event.c, sys_pipe.c and genfs_vnops.c):
/// an applied change with no event slot left ends the call, which returns 0; `EVFILT_WRITE` on
/// a regular file is EINVAL (NetBSD 9), so READ|WRITE is refused and rolled back; on a pipe's
/// read end it is EBADF once the writer is gone, and not reported until re-added.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs over the kernel models (tests/kernels/), which read readiness with poll(2) and set FD_CLOEXEC with fcntl: Miri supports neither"
)]
fn netbsd_models_keep_what_the_kernel_answered() {
    use ioselectors::__kernels::kqueue::{Action, Change, Kernel};
    let _g = lock();
    let (a, b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let change = |filter, action| Change { fd, filter, action };
    for os in [Os::NetBsd9, Os::NetBsd10] {
        for (nevents, applied) in [(1, 2), (0, 1)] {
            let model = ModelKq::new(os);
            let probe = model.probe();
            let mut events = Vec::new();
            let adds = [
                change(Filter::Read, Action::Add),
                change(Filter::Write, Action::Add),
            ];
            model
                .kevent(&adds, &mut events, nevents, Some(Duration::ZERO))
                .unwrap();
            assert!(events.is_empty(), "{os:?} {nevents}: {events:?}");
            assert_eq!(probe.knotes().len(), applied, "{os:?} {nevents}");
        }
    }
    let file = tempfile();
    let mut sel = Kq::with_kernel(ModelKq::new(Os::NetBsd9));
    assert_eq!(
        sel.register(file.as_raw_fd(), Events::READ | Events::WRITE, ())
            .unwrap_err(),
        Error::Os(libc::EINVAL)
    );
    sel.register(file.as_raw_fd(), Events::READ, ()).unwrap();

    let model = ModelKq::new(Os::NetBsd9);
    let probe = model.probe();
    let mut sel = Kq::with_kernel(model);
    let (r, w) = pipe();
    sel.register(r, Events::WRITE, ()).unwrap();
    close(w);
    assert!(sel.select(Some(Duration::ZERO)).unwrap().is_empty());
    sel.modify(&r, Events::WRITE, ()).unwrap(); // data only: no kernel call
    assert!(sel.select(Some(Duration::ZERO)).unwrap().is_empty());
    sel.modify(&r, Events::READ | Events::WRITE, ()).unwrap(); // re-adds WRITE
    let ready: Vec<_> = sel
        .select(Some(Duration::ZERO))
        .unwrap()
        .into_iter()
        .map(|(k, ev)| (k.fd, ev))
        .collect();
    assert_eq!(ready, [(r, Events::READ | Events::WRITE)]);
    sel.unregister(&r).unwrap();
    assert_eq!(
        sel.register(r, Events::WRITE, ()).unwrap_err(),
        Error::Os(libc::EBADF)
    );
    assert!(probe.knotes().is_empty());
    close(r);
    drop(b);
}

/// A new empty regular file, deleted already.
fn tempfile() -> std::fs::File {
    let path = std::env::temp_dir().join(format!("ioselectors-kf-{}", std::process::id()));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    f
}
