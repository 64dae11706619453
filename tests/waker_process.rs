//! `Waker` checks that need the process to themselves (their own test binary): a SIGALRM
//! handler that calls `wake()`, and no fd leak over 1 000 create/waker/wake/close cycles. The
//! two are serialised by a lock, since the leak check counts the process's open fds.
#![cfg(unix)]

use std::ffi::c_int;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use ioselectors::{Backend, BaseSelector, DefaultSelector, Waker};

static SERIAL: Mutex<()> = Mutex::new(());

/// The waker the handler wakes: a `Box<Waker>` turned into a raw pointer, freed only after the
/// handler has been uninstalled (so no handler can be looking at it).
static HANDLER_WAKER: AtomicPtr<Waker> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_alarm(_: c_int) {
    // Async-signal-safe: an atomic load and Waker::wake (one write(2)/kevent(2)).
    let w = HANDLER_WAKER.load(Ordering::SeqCst);
    if !w.is_null() {
        // SAFETY: w came from Box::into_raw below and is freed only after this handler is
        // uninstalled and the pointer cleared.
        let _ = unsafe { &*w }.wake();
    }
}

fn backends() -> Vec<Backend> {
    Backend::PREFERENCE
        .iter()
        .copied()
        .filter(|b| DefaultSelector::<i32, ()>::with_backend(*b).is_ok())
        .collect()
}

/// A SIGALRM handler calling `wake()` ends a `select(3 s)` early, on every backend. Without the
/// wake the select would retry after EINTR and wait its 3 s.
#[test]
#[cfg_attr(
    miri,
    ignore = "installs a signal handler (sigemptyset), which Miri does not support"
)]
fn signal_handler_wake_ends_select_early() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: an all-zero sigaction is valid (no flags, SIG_DFL); the mask is emptied below.
    let mut new: libc::sigaction = unsafe { std::mem::zeroed() };
    new.sa_sigaction = on_alarm as extern "C" fn(c_int) as libc::sighandler_t;
    // SAFETY: as above.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: new and old are valid sigactions.
    let ret = unsafe {
        libc::sigemptyset(&mut new.sa_mask);
        libc::sigaction(libc::SIGALRM, &new, &mut old)
    };
    assert_eq!(ret, 0);
    let mut wakers = Vec::new();
    for backend in backends() {
        let mut sel: DefaultSelector = DefaultSelector::with_backend(backend).unwrap();
        let waker = Box::into_raw(Box::new(sel.waker().unwrap()));
        wakers.push(waker);
        HANDLER_WAKER.store(waker, Ordering::SeqCst);
        // SAFETY: pthread_self takes no argument.
        let me = unsafe { libc::pthread_self() } as usize;
        // Before the spawn: the signal comes at least 300 ms after this instant however late
        // this thread runs again after spawning (under valgrind the new thread can run first for
        // a long while, and `start` taken after the spawn once made the select look early).
        let start = Instant::now();
        let killer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(300));
            // SAFETY: `me` is the test thread, alive until it joins this thread.
            unsafe { libc::pthread_kill(me as libc::pthread_t, libc::SIGALRM) }
        });
        let ready = sel.select(Some(Duration::from_secs(3))).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(killer.join().unwrap(), 0);
        assert!(ready.is_empty());
        assert!(
            elapsed < Duration::from_millis(2500),
            "{backend}: the handler's wake did not end select(3 s) early ({elapsed:?})"
        );
        assert!(
            elapsed >= Duration::from_millis(250),
            "{backend}: woke before the signal"
        );
        HANDLER_WAKER.store(std::ptr::null_mut(), Ordering::SeqCst);
    }
    // SAFETY: old is the action sigaction returned.
    let ret = unsafe { libc::sigaction(libc::SIGALRM, &old, std::ptr::null_mut()) };
    assert_eq!(ret, 0);
    // Only now that on_alarm is no longer installed (and the pointer is null) are the wakers
    // freed: a late SIGALRM can no longer reach them. (Before, they were leaked: LeakSanitizer
    // and valgrind reported one Waker per backend, and its fds stayed open.)
    for waker in wakers {
        // SAFETY: waker came from Box::into_raw above and nothing else refers to it any more.
        drop(unsafe { Box::from_raw(waker) });
    }
}

/// The number of open fds, from /proc/self/fd (Linux, Android; illumos has /proc/self/fd too).
fn open_fds() -> Option<usize> {
    std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count())
}

/// 1 000 cycles of create / waker / wake / close (and of drop with the waker outliving it) per
/// backend leave no fd behind; `close()` alone (the selector not dropped yet) releases them.
#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn no_fd_leak_over_1000_cycles() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(before) = open_fds() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no /proc/self/fd under CI"
        );
        eprintln!("SKIPPED: no /proc/self/fd on this OS");
        return;
    };
    for backend in backends() {
        for i in 0..1_000 {
            let mut sel: DefaultSelector = DefaultSelector::with_backend(backend).unwrap();
            let waker = sel.waker().unwrap();
            waker.wake().unwrap();
            assert!(sel.select(Some(Duration::from_secs(5))).unwrap().is_empty());
            if i % 2 == 0 {
                sel.close();
                drop(waker);
                // close(), not drop, releases the kernel objects: the selector's own and the
                // waker's, once no handle shares it.
                if i == 0 {
                    assert_eq!(
                        open_fds(),
                        Some(before),
                        "{backend}: fds kept after close()"
                    );
                }
            } else {
                drop(sel);
                assert!(waker.wake().is_err());
            }
        }
        assert_eq!(open_fds(), Some(before), "{backend} leaked fds");
    }
}
