//! Memory follows what is registered: one registration at the highest fd this process may open
//! (the hard `RLIMIT_NOFILE` minus one, capped at 2^20) costs at most 16 KiB above an empty
//! selector when that fd is below 20 000 (64 KiB above that), and at most 4 KiB is left once it
//! is unregistered (and a `select` made), on every Linux backend; unregistering and
//! registering again before that `select` reuses the memory instead of reallocating it. A
//! counting global allocator tracks the live heap bytes and the allocator calls of the test
//! thread. The key type is `SelectorKey<RawFd, ()>` (16 bytes a slot).
#![cfg(any(target_os = "linux", target_os = "android"))]

#[allow(unused_macros)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ioselectors::{
    BaseSelector, DefaultSelector, EpollSelector, PollSelector, RawFd, SelectSelector, EVENT_READ,
};

/// Tracks the calling thread's live heap bytes while `COUNTING` is set on it.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn add(bytes: isize) {
    // try_with: thread-locals may be gone while a thread is torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = LIVE.try_with(|n| n.set(n.get() + bytes));
    }
}

/// Counts an allocator call that hands out memory (alloc, alloc_zeroed, realloc).
fn count_alloc() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        count_alloc();
        // SAFETY: forwarded with the caller's layout (GlobalAlloc contract).
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        count_alloc();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - layout.size() as isize);
        count_alloc();
        // SAFETY: ptr was allocated by System with layout (every allocation goes through it).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        // SAFETY: ptr was allocated by System with layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.with(Cell::get)
}

#[test]
fn the_counter_counts() {
    COUNTING.with(|c| c.set(true));
    let before = live();
    let v = vec![1u8; 100];
    assert_eq!(live() - before, 100);
    drop(v);
    assert_eq!(live(), before);
    COUNTING.with(|c| c.set(false));
}

/// Raises the soft fd limit to the hard one and returns the highest fd number it allows
/// (capped at 2^20 - 1, the kernel's default `nr_open`).
fn highest_fd() -> RawFd {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into lim.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let top = lim.rlim_max.min(1 << 20);
    lim.rlim_cur = top;
    // SAFETY: setrlimit reads one rlimit; raising the soft limit up to the hard one is allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    RawFd::try_from(top - 1).expect("fd limit fits an int")
}

/// One `select(0)` (at most the one registered key ready).
fn poll<S: BaseSelector<RawFd, ()>>(sel: &mut S) {
    let n = sel
        .select_ready(Some(Duration::ZERO))
        .expect("select_ready")
        .count();
    assert!(n <= 1);
}

/// `(empty, one registration at fd, after unregistering it)` live bytes of `sel`'s heap,
/// each measured after a `select(0)` so that the buffers a wait needs are counted.
fn figures<S: BaseSelector<RawFd, ()>>(mut sel: S, fd: RawFd) -> (isize, isize, isize) {
    let start = live();
    poll(&mut sel);
    let empty = live() - start;
    sel.register(fd, EVENT_READ, ()).expect("register");
    poll(&mut sel);
    let one = live() - start;
    sel.unregister(&fd).expect("unregister");
    poll(&mut sel);
    let after = live() - start;
    drop(sel);
    (empty, one, after)
}

#[test]
#[cfg_attr(miri, ignore = "calls getrlimit, which Miri does not support")]
fn one_registration_at_the_highest_fd_costs_little_and_unregistering_gives_it_back() {
    let fd = highest_fd();
    let (_a, b) = UnixStream::pair().expect("socketpair");
    // SAFETY: dup2 onto a number below the (raised) soft limit; the new fd is closed below.
    let got = unsafe { libc::dup2(b.as_raw_fd(), fd) };
    assert_eq!(
        got,
        fd,
        "dup2 onto fd {fd}: {}",
        std::io::Error::last_os_error()
    );
    let budget = if fd < 20_000 { 16 * 1024 } else { 64 * 1024 };
    let mut rows = Vec::new();
    COUNTING.with(|c| c.set(true));
    type Figures = Box<dyn Fn(RawFd) -> (isize, isize, isize)>;
    let selectors: [(&str, Figures); 4] = [
        ("select", Box::new(|fd| figures(SelectSelector::new(), fd))),
        ("poll", Box::new(|fd| figures(PollSelector::new(), fd))),
        (
            "epoll",
            Box::new(|fd| figures(EpollSelector::new().expect("epoll"), fd)),
        ),
        (
            "default",
            Box::new(|fd| figures(DefaultSelector::new().expect("default"), fd)),
        ),
    ];
    for (name, run) in &selectors {
        if *name == "select"
            && common::skip_select_above_fd_setsize_under_qemu(
                "memory::one_registration_at_the_highest_fd (select)",
                ioselectors::Backend::Select,
            )
        {
            continue;
        }
        rows.push((name, run(fd)));
    }
    COUNTING.with(|c| c.set(false));
    // SAFETY: fd is the dup made above, owned by this test.
    unsafe { libc::close(fd) };
    for (name, (empty, one, after)) in rows {
        eprintln!(
            "{name}: empty {empty} B, one registration at fd {fd} +{} B, after unregister +{} B",
            one - empty,
            after - empty
        );
        assert!(
            one - empty <= budget,
            "{name}: one registration at fd {fd} costs {} bytes (budget {budget})",
            one - empty
        );
        assert!(
            after - empty <= 4 * 1024,
            "{name}: {} bytes remain after unregistering fd {fd}",
            after - empty
        );
    }
}

/// Emptied pages (and select's shortened sets) are kept until the next `select`:
/// unregistering and registering again in between makes no allocator call (the `churn`
/// bench's pattern), and that `select` frees them. `(bytes registered, allocator calls of the
/// unregister + register, bytes left after the next select)`.
fn reuse_figures<S: BaseSelector<RawFd, ()>>(mut sel: S, fd: RawFd) -> (isize, usize, isize) {
    poll(&mut sel);
    let start = live();
    sel.register(fd, EVENT_READ, ()).expect("register");
    let registered = live() - start;
    let allocs = ALLOCS.with(Cell::get);
    sel.unregister(&fd).expect("unregister");
    sel.register(fd, EVENT_READ, ()).expect("register again");
    let again = ALLOCS.with(Cell::get) - allocs;
    assert_eq!(live() - start, registered);
    sel.unregister(&fd).expect("unregister");
    poll(&mut sel);
    let after = live() - start;
    drop(sel);
    (registered, again, after)
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn unregister_then_register_before_the_next_select_reuses_the_pages() {
    let (_a, b) = UnixStream::pair().expect("socketpair");
    // Far from the fds the test harness has open, so its pages are this registration's alone.
    let fd = 900;
    // SAFETY: dup2 onto a free number below any fd limit; the new fd is closed below.
    assert_eq!(unsafe { libc::dup2(b.as_raw_fd(), fd) }, fd);
    COUNTING.with(|c| c.set(true));
    let rows = [
        ("select", reuse_figures(SelectSelector::new(), fd)),
        ("poll", reuse_figures(PollSelector::new(), fd)),
        (
            "epoll",
            reuse_figures(EpollSelector::new().expect("epoll"), fd),
        ),
        (
            "default",
            reuse_figures(DefaultSelector::new().expect("default"), fd),
        ),
    ];
    COUNTING.with(|c| c.set(false));
    // SAFETY: fd is the dup made above, owned by this test.
    unsafe { libc::close(fd) };
    for (name, (registered, allocs, after)) in rows {
        eprintln!(
            "{name}: registered +{registered} B, unregister + register again: {allocs} \
             allocator calls, after the next select +{after} B"
        );
        assert!(registered > 0, "{name}: the first registration allocates");
        assert_eq!(allocs, 0, "{name}: registering again reuses that memory");
        assert_eq!(after, 0, "{name}: the next select frees it");
    }
}
