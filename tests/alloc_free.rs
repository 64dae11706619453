//! `select_ready` in a steady state allocates nothing: a counting global allocator watches
//! repeated calls (after one warm-up call) on every Linux backend, with K ready keys out of N
//! registered (level-triggered: the data is left pending, so the same keys stay ready).
#![cfg(any(target_os = "linux", target_os = "android"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ioselectors::{
    BaseSelector, DefaultSelector, EpollSelector, PollSelector, RawFd, SelectSelector, EVENT_READ,
};

/// Counts the calling thread's allocations while `COUNTING` is set on it.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // try_with: thread-locals may be gone while a thread is torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only
// const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded with the caller's layout (GlobalAlloc contract).
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: ptr was allocated by System with layout (every allocation goes through it).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: ptr was allocated by System with layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocator calls (alloc, realloc, dealloc) made by `f` on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    ALLOCS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (out, ALLOCS.with(Cell::get))
}

#[test]
fn the_counter_counts() {
    let (v, n) = allocations(|| vec![1u8; 100]);
    assert_eq!(v.len(), 100);
    assert!(n >= 1, "the counting allocator saw no allocation");
}

/// `n` socket pairs; the first `k` have data pending on the side that gets registered.
fn pairs(n: usize, k: usize) -> Vec<(UnixStream, UnixStream)> {
    (0..n)
        .map(|i| {
            let (mut a, b) = UnixStream::pair().expect("socketpair");
            if i < k {
                a.write_all(b"x").expect("write");
            }
            (a, b)
        })
        .collect()
}

fn steady_state<S: BaseSelector<RawFd, usize>>(name: &str, mut sel: S) {
    for (n, k) in [(1, 1), (16, 1), (16, 16), (256, 16), (256, 256)] {
        let socks = pairs(n, k);
        for (i, (_, b)) in socks.iter().enumerate() {
            sel.register(b.as_raw_fd(), EVENT_READ, i)
                .expect("register");
        }
        let poll = |sel: &mut S| -> usize {
            let ready = sel
                .select_ready(Some(Duration::ZERO))
                .expect("select_ready");
            let mut count = 0;
            for (key, events) in ready {
                assert!(key.data < k && events == EVENT_READ, "{key:?} {events:?}");
                count += 1;
            }
            count
        };
        assert_eq!(poll(&mut sel), k, "{name}: warm-up, n={n} k={k}");
        let (counts, allocs) = allocations(|| {
            let mut counts = [0; 10];
            for c in &mut counts {
                *c = poll(&mut sel);
            }
            counts
        });
        assert_eq!(counts, [k; 10], "{name}: n={n} k={k}");
        assert_eq!(
            allocs, 0,
            "{name}: {allocs} allocator calls in 10 steady-state select_ready calls (n={n}, k={k})"
        );
        for (_, b) in &socks {
            sel.unregister(&b.as_raw_fd()).expect("unregister");
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn select_ready_allocates_nothing_in_a_steady_state() {
    steady_state("select", SelectSelector::<RawFd, usize>::new());
    steady_state("poll", PollSelector::<RawFd, usize>::new());
    steady_state(
        "epoll",
        EpollSelector::<RawFd, usize>::new().expect("epoll"),
    );
    steady_state(
        "default",
        DefaultSelector::<RawFd, usize>::new().expect("default"),
    );
}
