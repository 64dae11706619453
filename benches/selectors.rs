//! Criterion benchmarks of every Linux backend against the same work written by hand with
//! `ioselectors_sys` calls (the floor), in the same group so that ratios come from one run.
//! `python3 benches/ratios.py` prints the ours/floor table; BENCHMARKS.md has the figures.
//!
//! * `churn/<backend>`: register(READ) → modify(READ|WRITE) → unregister, each over all N
//!   socket-pair ends in turn (3N calls per iteration). Floors: epoll, the three
//!   `epoll_ctl` calls; poll and select, a `pollfd` array / pair of `fd_set` bit arrays kept
//!   by hand with the same semantics, including the `fcntl(F_GETFD)` check at register that
//!   ioselectors makes on those backends (so both sides make the same system calls).
//! * `ready/<backend>`: one `select(0)` returning K ready keys out of N registered (data left
//!   pending, so it stays ready); `ours_select` (owned keys, a `Vec`), `ours_select_ready`
//!   (borrowed, allocation-free), and the floor: the syscall on reused buffers (select: the
//!   read and write sets copied from the registered ones), a scan of its output, and a key
//!   lookup in a `Vec` indexed by fd.
//! * `idle/<backend>`: the same with N idle keys and one ready.
//! * `owned/<backend>`: the owned-object path, `select_into` on a reused `ReadySet` then
//!   `get_key_mut` per ready key (reading its data), against what one writes without it:
//!   `select_ready`, the ready `(fd, events)` collected into a reused `Vec` (the selector stays
//!   borrowed while its iterator lives), then `get_key_mut` per entry. Not a syscall floor: the
//!   "floor" here is the existing API, so the ratio is the owned path's cost over it.
//! * `echo/epoll`: the echo example's loop over 64 loopback TCP connections, one round trip
//!   per connection per iteration: ours (`DefaultSelector`, `Rc<TcpStream>` keys, a callback
//!   as data, owned `select`) against a hand-written `epoll_wait` loop with the same I/O.
//! * `wake/epoll`: wake → return latency: a thread blocked in `select(None)` on an
//!   `EpollSelector` is woken with `Waker::wake()`, returns, and bumps a counter the waking
//!   thread spins on. The floor does the same by hand: an `eventfd` in an epoll instance,
//!   `write(2)` of 1 to wake, `epoll_wait(-1)` and an 8-byte `read(2)` that drains it.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode};
use ioselectors::{
    BaseSelector, DefaultSelector, EpollSelector, Events, PollSelector, RawFd, ReadySet,
    SelectSelector, EVENT_READ, EVENT_WRITE,
};
use ioselectors_sys::{self as sys, c_int, epoll_event, fd_mask, pollfd, NFDBITS};

const ZERO: Option<Duration> = Some(Duration::ZERO);

/// Raises the soft fd limit to the hard one (the benches hold up to ~10 000 sockets).
fn raise_nofile() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: lim is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: lim is a valid rlimit; raising the soft limit up to the hard one is allowed.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    }
}

/// `n` socket ends (from ⌈n/2⌉ pairs); end `i`'s peer is end `i ^ 1`.
struct Ends {
    socks: Vec<UnixStream>,
    n: usize,
}

impl Ends {
    fn new(n: usize) -> Ends {
        let mut socks = Vec::with_capacity(n + 1);
        while socks.len() < n {
            let (a, b) = UnixStream::pair().expect("socketpair (is RLIMIT_NOFILE high enough?)");
            socks.push(a);
            socks.push(b);
        }
        Ends { socks, n }
    }

    fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.socks[..self.n].iter().map(AsRawFd::as_raw_fd)
    }

    /// Makes `k` of the `n` ends readable (a byte written by each one's peer, never read),
    /// spread evenly over them: end `j · n / k` for `j` in `0..k`. Ready fds scattered among
    /// the registered ones, as a server's are, rather than the `k` lowest: with the lowest,
    /// N=10 000 K=1 024 touches the same table entries as N=1 024 K=1 024, and the per-event
    /// cost of looking keys up among many registrations (cache and TLB misses) never shows.
    fn make_ready(&self, k: usize) {
        for j in 0..k {
            (&self.socks[(j * self.n / k) ^ 1])
                .write_all(b"x")
                .expect("write");
        }
    }
}

/// Short runs (the whole suite takes about five minutes): 30 samples over 1.5 s.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500));
    g
}

/// For iterations of milliseconds (churn): 10 flat samples over about 3 s.
fn long_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    g
}

// ---------------------------------------------------------------------------------------------
// The floors: the same work by hand, through ioselectors_sys.

/// A key as a hand-written loop keeps it: fd, READ/WRITE bits, data.
#[derive(Clone, Copy, Debug)]
struct Key {
    fd: RawFd,
    events: u32,
    /// The caller's token, pushed with the ready events.
    data: usize,
}

/// Keys in a `Vec` indexed by fd.
#[derive(Default)]
struct Keys(Vec<Option<Key>>);

impl Keys {
    fn insert(&mut self, key: Key) {
        let i = key.fd as usize;
        if i >= self.0.len() {
            self.0.resize(i + 1, None);
        }
        self.0[i] = Some(key);
    }
    fn get(&self, fd: RawFd) -> Option<&Key> {
        self.0.get(fd as usize)?.as_ref()
    }
}

fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD takes no third argument.
    unsafe { sys::fcntl(fd, sys::F_GETFD) >= 0 }
}

const IN: u32 = sys::EPOLLIN as u32;
const OUT: u32 = sys::EPOLLOUT as u32;

/// Kernel bits → READ (1) / WRITE (2), as a hand-written loop would map them.
fn translate(bits: u32) -> u32 {
    let mut ev = 0;
    if bits & !OUT != 0 {
        ev |= 1;
    }
    if bits & !IN != 0 {
        ev |= 2;
    }
    ev
}

struct EpollFloor {
    epfd: RawFd,
    buf: Vec<epoll_event>,
    keys: Keys,
    /// `(token, events)` of the ready keys, reused from call to call, as a caller keeps it.
    out: Vec<(usize, u32)>,
}

impl EpollFloor {
    fn new() -> EpollFloor {
        // SAFETY: a flag word in, a new fd (or -1) out.
        let epfd = unsafe { sys::epoll_create1(sys::EPOLL_CLOEXEC) };
        assert!(epfd >= 0);
        EpollFloor {
            epfd,
            buf: Vec::new(),
            keys: Keys::default(),
            out: Vec::new(),
        }
    }

    fn ctl(&self, op: c_int, fd: RawFd, events: u32) {
        let mut ev = epoll_event {
            events,
            u64: fd as u64,
        };
        // SAFETY: ev is a valid epoll_event, only read during the call.
        let r = unsafe { sys::epoll_ctl(self.epfd, op, fd, &mut ev) };
        debug_assert_eq!(r, 0);
        black_box(r);
    }

    fn register(&mut self, fd: RawFd, data: usize) {
        self.ctl(sys::EPOLL_CTL_ADD, fd, IN);
        self.keys.insert(Key {
            fd,
            events: 1,
            data,
        });
        self.buf.reserve(self.keys.0.len());
        self.out.reserve(self.keys.0.len());
    }

    /// epoll_wait(0) and the lookup of each ready fd's key; returns the ready count.
    fn wait(&mut self) -> usize {
        let cap = self.buf.capacity().max(1);
        // SAFETY: buf has room for cap events, which the kernel may all write.
        let n = unsafe { sys::epoll_wait(self.epfd, self.buf.as_mut_ptr(), cap as c_int, 0) };
        let n = usize::try_from(n).expect("epoll_wait");
        // SAFETY: the kernel initialised the first n <= cap entries (plain data).
        unsafe { self.buf.set_len(n) };
        self.out.clear();
        for e in &self.buf {
            let (bits, fd) = (e.events, e.u64 as RawFd);
            if let Some(key) = self.keys.get(fd) {
                let ev = translate(bits) & key.events;
                if ev != 0 {
                    self.out.push((key.data, ev));
                }
            }
        }
        black_box(&self.out);
        self.out.len()
    }
}

impl Drop for EpollFloor {
    fn drop(&mut self) {
        // SAFETY: epfd is owned by this value and closed once.
        unsafe { sys::close(self.epfd) };
    }
}

/// A `pollfd` array kept by hand with ioselectors' semantics: fcntl check at register,
/// an fd-indexed position table, swap-remove at unregister.
#[derive(Default)]
struct PollFloor {
    fds: Vec<pollfd>,
    position: Vec<usize>,
    keys: Keys,
    out: Vec<(usize, u32)>,
}

fn poll_bits(events: u32) -> i16 {
    let mut b = 0;
    if events & 1 != 0 {
        b |= sys::POLLIN;
    }
    if events & 2 != 0 {
        b |= sys::POLLOUT;
    }
    b
}

impl PollFloor {
    fn register(&mut self, fd: RawFd, events: u32, data: usize) {
        assert!(fd_is_open(fd));
        let i = fd as usize;
        if i >= self.position.len() {
            self.position.resize(i + 1, usize::MAX);
        }
        self.position[i] = self.fds.len();
        self.fds.push(pollfd {
            fd,
            events: poll_bits(events),
            revents: 0,
        });
        self.keys.insert(Key { fd, events, data });
    }

    fn modify(&mut self, fd: RawFd, events: u32) {
        let p = self.position[fd as usize];
        self.fds[p].events = poll_bits(events);
        if let Some(Some(k)) = self.keys.0.get_mut(fd as usize) {
            k.events = events;
        }
    }

    fn unregister(&mut self, fd: RawFd) {
        let i = self.position[fd as usize];
        self.fds.swap_remove(i);
        if let Some(moved) = self.fds.get(i) {
            self.position[moved.fd as usize] = i;
        }
        self.position[fd as usize] = usize::MAX;
        self.keys.0[fd as usize] = None;
    }

    fn wait(&mut self) -> usize {
        // SAFETY: fds is valid for fds.len() entries; the kernel writes their revents.
        let n = unsafe { sys::poll(self.fds.as_mut_ptr(), self.fds.len() as sys::nfds_t, 0) };
        self.out.clear();
        let mut left = n.max(0);
        if left == 0 {
            return 0;
        }
        for p in &self.fds {
            if p.revents != 0 {
                let key = self.keys.get(p.fd).expect("registered");
                let ev = translate(u32::from(p.revents as u16)) & key.events;
                if ev != 0 {
                    self.out.push((key.data, ev));
                }
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        black_box(&self.out);
        self.out.len()
    }
}

/// Read and write `fd_set` bit arrays kept by hand (sized to the largest fd, as Linux
/// allows), copied into reused output arrays for each call.
#[derive(Default)]
struct SelectFloor {
    readers: Vec<fd_mask>,
    writers: Vec<fd_mask>,
    read_out: Vec<fd_mask>,
    write_out: Vec<fd_mask>,
    max_fd: RawFd,
    keys: Keys,
    out: Vec<(usize, u32)>,
}

impl SelectFloor {
    fn set(&mut self, fd: RawFd, events: u32) {
        let (w, bit) = (fd as usize / NFDBITS, 1 << (fd as usize % NFDBITS));
        if w >= self.readers.len() {
            self.readers.resize(w + 1, 0);
            self.writers.resize(w + 1, 0);
        }
        self.readers[w] &= !bit;
        self.writers[w] &= !bit;
        if events & 1 != 0 {
            self.readers[w] |= bit;
        }
        if events & 2 != 0 {
            self.writers[w] |= bit;
        }
    }

    fn register(&mut self, fd: RawFd, events: u32, data: usize) {
        assert!(fd_is_open(fd));
        self.set(fd, events);
        self.max_fd = self.max_fd.max(fd);
        self.keys.insert(Key { fd, events, data });
    }

    fn modify(&mut self, fd: RawFd, events: u32) {
        self.set(fd, events);
        if let Some(Some(k)) = self.keys.0.get_mut(fd as usize) {
            k.events = events;
        }
    }

    fn unregister(&mut self, fd: RawFd) {
        self.set(fd, 0);
        self.keys.0[fd as usize] = None;
        while self.readers.last() == Some(&0) && self.writers.last() == Some(&0) {
            self.readers.pop();
            self.writers.pop();
        }
        if fd == self.max_fd {
            self.max_fd = match self.readers.len().checked_sub(1) {
                None => 0,
                Some(last) => {
                    let word = self.readers[last] | self.writers[last];
                    (last * NFDBITS + NFDBITS - 1 - word.leading_zeros() as usize) as RawFd
                }
            };
        }
    }

    fn wait(&mut self) -> usize {
        self.read_out.clone_from(&self.readers);
        self.write_out.clone_from(&self.writers);
        let mut tv = sys::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        // SAFETY: both arrays hold ⌈(max_fd + 1) / NFDBITS⌉ words, all select(2) touches
        // for nfds = max_fd + 1; fd_set is an array of fd_mask; tv is a live timeval.
        let n = unsafe {
            sys::select(
                self.max_fd + 1,
                self.read_out.as_mut_ptr().cast(),
                self.write_out.as_mut_ptr().cast(),
                std::ptr::null_mut(),
                &mut tv,
            )
        };
        self.out.clear();
        let mut left = n.max(0) as u32;
        if left == 0 {
            return 0;
        }
        for (i, (&r, &w)) in self.read_out.iter().zip(&self.write_out).enumerate() {
            let mut bits = r | w;
            if bits == 0 {
                continue;
            }
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                let bit = 1 << b;
                bits &= !bit;
                let fd = (i * NFDBITS + b) as RawFd;
                let key = self.keys.get(fd).expect("registered");
                let ev = (u32::from(r & bit != 0) | (u32::from(w & bit != 0) << 1)) & key.events;
                if ev != 0 {
                    self.out.push((key.data, ev));
                }
            }
            left = left.saturating_sub(r.count_ones() + w.count_ones());
            if left == 0 {
                break;
            }
        }
        black_box(&self.out);
        self.out.len()
    }
}

// ---------------------------------------------------------------------------------------------
// churn

fn churn_ours<S: BaseSelector<RawFd, usize>>(sel: &mut S, ends: &Ends) {
    for (i, fd) in ends.fds().enumerate() {
        black_box(sel.register(fd, EVENT_READ, i).expect("register"));
    }
    for (i, fd) in ends.fds().enumerate() {
        black_box(
            sel.modify(&fd, EVENT_READ | EVENT_WRITE, i)
                .expect("modify"),
        );
    }
    for fd in ends.fds() {
        black_box(sel.unregister(&fd).expect("unregister"));
    }
}

fn churn_floor_epoll(floor: &EpollFloor, ends: &Ends) {
    for fd in ends.fds() {
        floor.ctl(sys::EPOLL_CTL_ADD, fd, IN);
    }
    for fd in ends.fds() {
        floor.ctl(sys::EPOLL_CTL_MOD, fd, IN | OUT);
    }
    for fd in ends.fds() {
        floor.ctl(sys::EPOLL_CTL_DEL, fd, 0);
    }
}

fn churn_floor_poll(floor: &mut PollFloor, ends: &Ends) {
    for (i, fd) in ends.fds().enumerate() {
        floor.register(fd, 1, i);
    }
    for fd in ends.fds() {
        floor.modify(fd, 3);
    }
    for fd in ends.fds() {
        floor.unregister(fd);
    }
    black_box(&floor.fds);
}

fn churn_floor_select(floor: &mut SelectFloor, ends: &Ends) {
    for (i, fd) in ends.fds().enumerate() {
        floor.register(fd, 1, i);
    }
    for fd in ends.fds() {
        floor.modify(fd, 3);
    }
    for fd in ends.fds() {
        floor.unregister(fd);
    }
    black_box(&floor.readers);
}

fn churn(c: &mut Criterion) {
    for n in [1_000, 10_000] {
        let ends = Ends::new(n);
        let label = format!("N={n}");

        let mut g = long_group(c, "churn/epoll");
        let mut sel = EpollSelector::<RawFd, usize>::new().expect("epoll");
        g.bench_function(BenchmarkId::new("ours", &label), |b| {
            b.iter(|| churn_ours(&mut sel, &ends))
        });
        let floor = EpollFloor::new();
        g.bench_function(BenchmarkId::new("floor", &label), |b| {
            b.iter(|| churn_floor_epoll(&floor, &ends))
        });
        g.finish();

        let mut g = long_group(c, "churn/poll");
        let mut sel = PollSelector::<RawFd, usize>::new();
        g.bench_function(BenchmarkId::new("ours", &label), |b| {
            b.iter(|| churn_ours(&mut sel, &ends))
        });
        let mut floor = PollFloor::default();
        g.bench_function(BenchmarkId::new("floor", &label), |b| {
            b.iter(|| churn_floor_poll(&mut floor, &ends))
        });
        g.finish();

        let mut g = long_group(c, "churn/select");
        let mut sel = SelectSelector::<RawFd, usize>::new();
        g.bench_function(BenchmarkId::new("ours", &label), |b| {
            b.iter(|| churn_ours(&mut sel, &ends))
        });
        let mut floor = SelectFloor::default();
        g.bench_function(BenchmarkId::new("floor", &label), |b| {
            b.iter(|| churn_floor_select(&mut floor, &ends))
        });
        g.finish();
    }
}

// ---------------------------------------------------------------------------------------------
// ready and idle

/// `select_ready(0)`, pushing each ready key's `(data, events)` into `out` (reused), as the
/// floor does; the ready count.
fn ready_into<S: BaseSelector<RawFd, usize>>(sel: &mut S, out: &mut Vec<(usize, u32)>) -> usize {
    out.clear();
    for (key, events) in sel.select_ready(ZERO).expect("select_ready") {
        out.push((key.data, events.bits()));
    }
    black_box(&*out);
    out.len()
}

/// The owned path: `select_into(0)` into `ready` (reused), then `get_key_mut` per ready key,
/// pushing its `(data, events)` into `out` (reused); the ready count.
fn owned_into<S: BaseSelector<RawFd, usize>>(
    sel: &mut S,
    ready: &mut ReadySet,
    out: &mut Vec<(usize, u32)>,
) -> usize {
    out.clear();
    sel.select_into(ZERO, ready).expect("select_into");
    for (token, events) in &*ready {
        let key = sel.get_key_mut(&token).expect("registered");
        out.push((*key.data, events.bits()));
    }
    black_box(&*out);
    out.len()
}

/// The same without `select_into`: `select_ready(0)`, its `(fd, events)` collected into `fds`
/// (reused), then `get_key_mut` per entry; the ready count.
fn ready_then_lookup<S: BaseSelector<RawFd, usize>>(
    sel: &mut S,
    fds: &mut Vec<(RawFd, Events)>,
    out: &mut Vec<(usize, u32)>,
) -> usize {
    fds.clear();
    fds.extend(
        sel.select_ready(ZERO)
            .expect("select_ready")
            .map(|(key, events)| (key.fd, events)),
    );
    out.clear();
    for &(fd, events) in &*fds {
        let key = sel.get_key_mut(&fd).expect("registered");
        out.push((*key.data, events.bits()));
    }
    black_box(&*out);
    out.len()
}

/// The (N, K) cases of the owned group.
const OWNED_CASES: [(usize, usize); 4] = [(16, 1), (16, 16), (1_024, 16), (1_024, 1_024)];

/// `owned/<backend>` on `ends` (K ready): ours = `owned_into`, floor = `ready_then_lookup`.
fn owned_case<S: BaseSelector<RawFd, usize>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    ends: &Ends,
    k: usize,
    mut sel: S,
) {
    for (i, fd) in ends.fds().enumerate() {
        sel.register(fd, EVENT_READ, i).expect("register");
    }
    let (mut ready, mut fds, mut out) = (ReadySet::new(), Vec::new(), Vec::new());
    assert_eq!(
        owned_into(&mut sel, &mut ready, &mut out),
        k,
        "ours, {label}"
    );
    assert_eq!(
        ready_then_lookup(&mut sel, &mut fds, &mut out),
        k,
        "floor, {label}"
    );
    g.bench_function(BenchmarkId::new("ours", label), |b| {
        b.iter(|| owned_into(&mut sel, &mut ready, &mut out))
    });
    g.bench_function(BenchmarkId::new("floor", label), |b| {
        b.iter(|| ready_then_lookup(&mut sel, &mut fds, &mut out))
    });
}

fn owned(c: &mut Criterion) {
    for (n, k) in OWNED_CASES {
        let ends = Ends::new(n);
        ends.make_ready(k);
        let label = format!("N={n} K={k}");
        let mut g = group(c, "owned/epoll");
        let sel = EpollSelector::<RawFd, usize>::new().expect("epoll");
        owned_case(&mut g, &label, &ends, k, sel);
        g.finish();
        let mut g = group(c, "owned/poll");
        owned_case(&mut g, &label, &ends, k, PollSelector::new());
        g.finish();
        let mut g = group(c, "owned/select");
        owned_case(&mut g, &label, &ends, k, SelectSelector::new());
        g.finish();
    }
}

/// Benchmarks ours (owned and borrowed) and a floor on `ends` with `k` ready.
fn ready_case<S: BaseSelector<RawFd, usize>>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    ends: &Ends,
    k: usize,
    mut sel: S,
    mut floor_wait: impl FnMut() -> usize,
) {
    for (i, fd) in ends.fds().enumerate() {
        sel.register(fd, EVENT_READ, i).expect("register");
    }
    // The work is what it claims to be: K ready, on both sides.
    assert_eq!(sel.select(ZERO).expect("select").len(), k, "ours, {label}");
    assert_eq!(floor_wait(), k, "floor, {label}");
    g.bench_function(BenchmarkId::new("ours_select", label), |b| {
        b.iter(|| black_box(sel.select(ZERO).expect("select")))
    });
    let mut out = Vec::new();
    g.bench_function(BenchmarkId::new("ours_select_ready", label), |b| {
        b.iter(|| ready_into(&mut sel, &mut out))
    });
    g.bench_function(BenchmarkId::new("floor", label), |b| {
        b.iter(&mut floor_wait)
    });
}

fn ready_all_backends(c: &mut Criterion, kind: &str, n: usize, k: usize, label: &str) {
    let ends = Ends::new(n);
    ends.make_ready(k);

    let mut g = group(c, &format!("{kind}/epoll"));
    let mut floor = EpollFloor::new();
    for (i, fd) in ends.fds().enumerate() {
        floor.register(fd, i);
    }
    let sel = EpollSelector::<RawFd, usize>::new().expect("epoll");
    ready_case(&mut g, label, &ends, k, sel, || floor.wait());
    g.finish();

    let mut g = group(c, &format!("{kind}/poll"));
    let mut floor = PollFloor::default();
    for (i, fd) in ends.fds().enumerate() {
        floor.register(fd, 1, i);
    }
    ready_case(&mut g, label, &ends, k, PollSelector::new(), || {
        floor.wait()
    });
    g.finish();

    let mut g = group(c, &format!("{kind}/select"));
    let mut floor = SelectFloor::default();
    for (i, fd) in ends.fds().enumerate() {
        floor.register(fd, 1, i);
    }
    ready_case(&mut g, label, &ends, k, SelectSelector::new(), || {
        floor.wait()
    });
    g.finish();
}

fn ready(c: &mut Criterion) {
    // (N, K) for N in {16, 1 024, 10 000}, K in {1, 16, min(N, 1 024)}, K <= N, each once.
    let mut cases = Vec::new();
    for n in [16, 1_024, 10_000] {
        for k in [1, 16, n.min(1_024)] {
            if k <= n && !cases.contains(&(n, k)) {
                cases.push((n, k));
            }
        }
    }
    for (n, k) in cases {
        ready_all_backends(c, "ready", n, k, &format!("N={n} K={k}"));
    }
}

fn idle(c: &mut Criterion) {
    for n in [10, 100, 1_000, 10_000] {
        ready_all_backends(c, "idle", n + 1, 1, &format!("N={n}+1"));
    }
}

// ---------------------------------------------------------------------------------------------
// echo

const CONNS: usize = 64;
const MSG: &[u8; 64] = b"The quick brown fox jumps over the lazy dog: 64 bytes of payload";

/// The echo example's per-connection callback: read what is there, write it back.
fn echo_once(stream: &TcpStream) -> usize {
    let mut buf = [0u8; 4096];
    match (&*stream).read(&mut buf) {
        Ok(0) | Err(_) => 0,
        Ok(n) => {
            (&*stream).write_all(&buf[..n]).expect("echo write");
            n
        }
    }
}

/// 64 connected (client, server) pairs over loopback; server ends non-blocking.
fn connections() -> Vec<(TcpStream, Rc<TcpStream>)> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    (0..CONNS)
        .map(|_| {
            let client = TcpStream::connect(addr).expect("connect");
            let (server, _) = listener.accept().expect("accept");
            server.set_nonblocking(true).expect("nonblocking");
            client.set_nodelay(true).expect("nodelay");
            server.set_nodelay(true).expect("nodelay");
            (client, Rc::new(server))
        })
        .collect()
}

/// One iteration: every client sends MSG, the server loop echoes until all bytes went back,
/// every client reads its echo.
fn round_trip(conns: &[(TcpStream, Rc<TcpStream>)], mut serve: impl FnMut() -> usize) {
    for (client, _) in conns {
        (&*client).write_all(MSG).expect("client write");
    }
    let mut echoed = 0;
    while echoed < CONNS * MSG.len() {
        echoed += serve();
    }
    let mut buf = [0u8; 64];
    for (client, _) in conns {
        (&*client).read_exact(&mut buf).expect("client read");
    }
}

type Callback = fn(&TcpStream) -> usize;

/// Ours: the echo example's loop body (owned `select`, the callback in the key's data).
fn serve_ours(sel: &mut DefaultSelector<Rc<TcpStream>, Callback>) -> usize {
    let mut n = 0;
    for (key, events) in sel.select(None).expect("select") {
        if events.contains(Events::READ) {
            n += (key.data)(&key.fileobj);
        }
    }
    n
}

/// The floor: epoll_wait, the stream looked up by fd, the same callback.
fn serve_floor(floor: &mut EpollFloor, streams: &[Option<Rc<TcpStream>>]) -> usize {
    let cap = floor.buf.capacity() as c_int;
    // SAFETY: buf has room for cap events; -1 blocks until one is ready.
    let n = unsafe { sys::epoll_wait(floor.epfd, floor.buf.as_mut_ptr(), cap, -1) };
    let n = usize::try_from(n).expect("epoll_wait");
    // SAFETY: the kernel initialised the first n <= cap entries.
    unsafe { floor.buf.set_len(n) };
    let mut echoed = 0;
    for e in &floor.buf {
        let (bits, fd) = (e.events, e.u64 as usize);
        if translate(bits) & 1 != 0 {
            if let Some(stream) = &streams[fd] {
                echoed += echo_once(stream);
            }
        }
    }
    echoed
}

/// Ours and the floor over the same 64 connections (two epoll instances).
struct Echo {
    conns: Vec<(TcpStream, Rc<TcpStream>)>,
    sel: DefaultSelector<Rc<TcpStream>, Callback>,
    floor: EpollFloor,
    streams: Vec<Option<Rc<TcpStream>>>,
}

impl Echo {
    fn new() -> Echo {
        let conns = connections();
        let mut sel: DefaultSelector<Rc<TcpStream>, Callback> =
            DefaultSelector::with_backend(ioselectors::Backend::Epoll).expect("epoll");
        for (_, server) in &conns {
            sel.register(Rc::clone(server), EVENT_READ, echo_once as Callback)
                .expect("register");
        }
        let mut floor = EpollFloor::new();
        let mut streams: Vec<Option<Rc<TcpStream>>> = Vec::new();
        for (i, (_, server)) in conns.iter().enumerate() {
            let fd = server.as_raw_fd();
            floor.register(fd, i);
            if fd as usize >= streams.len() {
                streams.resize(fd as usize + 1, None);
            }
            streams[fd as usize] = Some(Rc::clone(server));
        }
        Echo {
            conns,
            sel,
            floor,
            streams,
        }
    }

    fn ours(&mut self) {
        let sel = &mut self.sel;
        round_trip(&self.conns, || serve_ours(sel));
    }

    fn floor(&mut self) {
        let (floor, streams) = (&mut self.floor, &self.streams);
        round_trip(&self.conns, || serve_floor(floor, streams));
    }
}

fn echo(c: &mut Criterion) {
    let mut g = group(c, "echo/epoll");
    let mut echo = Echo::new();
    g.bench_function(BenchmarkId::new("ours", "64 connections"), |b| {
        b.iter(|| echo.ours())
    });
    g.bench_function(BenchmarkId::new("floor", "64 connections"), |b| {
        b.iter(|| echo.floor())
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// wake/epoll: wake → return latency of a select(None) blocked in another thread.

/// A thread blocked in a wait loop, and how to wake it: `wake_and_wait` wakes it once and
/// spins until it has returned from its wait (it bumps `returns` after each).
struct Sleeper {
    returns: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    wake: Box<dyn Fn()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sleeper {
    /// Ours: `EpollSelector::select(None)` in the thread, `Waker::wake()` to wake it.
    fn ours() -> Sleeper {
        let mut sel = EpollSelector::<RawFd, ()>::new().expect("epoll");
        let waker = sel.waker().expect("waker");
        Sleeper::spawn(
            move || {
                black_box(sel.select(None).expect("select"));
            },
            Box::new(move || waker.wake().expect("wake")),
        )
    }

    /// The floor: an eventfd in an epoll instance, by hand.
    fn floor() -> Sleeper {
        // SAFETY: flag words in, new fds (or -1) out.
        let (epfd, efd) = unsafe {
            (
                sys::epoll_create1(sys::EPOLL_CLOEXEC),
                sys::eventfd(0, sys::EFD_CLOEXEC | sys::EFD_NONBLOCK),
            )
        };
        assert!(epfd >= 0 && efd >= 0);
        let mut ev = epoll_event { events: IN, u64: 0 };
        // SAFETY: ev is a valid epoll_event, only read during the call.
        let added = unsafe { sys::epoll_ctl(epfd, sys::EPOLL_CTL_ADD, efd, &mut ev) };
        assert_eq!(added, 0);
        let mut buf = [epoll_event::default(); 1];
        Sleeper::spawn(
            move || {
                // SAFETY: buf has room for 1 event; a drain of the 8-byte counter into a
                // live buffer.
                unsafe {
                    let n = sys::epoll_wait(epfd, buf.as_mut_ptr(), 1, -1);
                    if n == 1 {
                        let mut count = [0u8; 8];
                        black_box(sys::read(efd, count.as_mut_ptr().cast(), 8));
                    }
                }
            },
            Box::new(move || {
                let one = 1u64.to_ne_bytes();
                // SAFETY: 8 readable bytes to an eventfd this bench owns (never closed: the
                // process ends with the bench).
                black_box(unsafe { sys::write(efd, one.as_ptr().cast(), 8) });
            }),
        )
    }

    fn spawn(mut wait: impl FnMut() + Send + 'static, wake: Box<dyn Fn()>) -> Sleeper {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let returns = std::sync::Arc::new(AtomicUsize::new(0));
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (r, st) = (returns.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::Acquire) {
                wait();
                r.fetch_add(1, Ordering::Release);
            }
        });
        Sleeper {
            returns,
            stop,
            wake,
            thread: Some(thread),
        }
    }

    /// One wake, then spin (yielding after a while) until the thread has returned.
    fn wake_and_wait(&self) {
        use std::sync::atomic::Ordering;
        let before = self.returns.load(Ordering::Acquire);
        (self.wake)();
        let mut spins = 0u32;
        while self.returns.load(Ordering::Acquire) == before {
            spins += 1;
            if spins < 10_000 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        (self.wake)();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn wake(c: &mut Criterion) {
    let mut g = group(c, "wake/epoll");
    let ours = Sleeper::ours();
    g.bench_function("ours", |b| b.iter(|| ours.wake_and_wait()));
    drop(ours);
    let floor = Sleeper::floor();
    g.bench_function("floor", |b| b.iter(|| floor.wake_and_wait()));
    drop(floor);
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// Paired mode: `IOSELECTORS_PAIRED=1 cargo bench --bench selectors` (`IOSELECTORS_PAIRED=churn`,
// `ready`, `idle`, `wake` or `echo`: that group only).
//
// On a loaded machine criterion's medians for "ours" and "floor", measured one after the other
// seconds apart, drift with the load. This mode runs the same cases with ours and the floor
// interleaved batch by batch (rotating the order each round), takes the ratio within each
// round, and reports the median over the rounds: load that comes and goes affects both sides
// of a ratio alike. Batches are timed with the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID,
// user + system time), so the time the benchmark thread spends preempted by other processes
// is not counted either; `IOSELECTORS_ROUNDS` sets the number of rounds (default 31).

mod paired {
    use super::*;
    /// The calling thread's CPU time (user + system) in ns: time spent preempted by other
    /// processes on a loaded machine does not count, unlike wall-clock time.
    fn cpu_ns() -> f64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
        let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(r, 0);
        ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
    }

    /// Rounds per case: `IOSELECTORS_ROUNDS`, default 31.
    fn rounds() -> usize {
        std::env::var("IOSELECTORS_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(31)
    }

    fn median(v: &mut [f64]) -> f64 {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }

    /// Wall-clock ns since the first call: for the wake group, whose latency is spent in the
    /// other thread and in the scheduler, which the waking thread's CPU clock does not see.
    fn wall_ns() -> f64 {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as f64
    }

    /// Interleaved rounds of `names.len()` variants (`run(i)` runs variant i once; the last
    /// variant is the floor). Prints one line per variant but the floor.
    fn measure(group: &str, case: &str, names: &[&str], run: &mut dyn FnMut(usize)) {
        measure_with(cpu_ns, group, case, names, run);
    }

    /// [`measure`] on the given clock.
    fn measure_with(
        clock: fn() -> f64,
        group: &str,
        case: &str,
        names: &[&str],
        run: &mut dyn FnMut(usize),
    ) {
        let floor = names.len() - 1;
        for v in 0..names.len() {
            run(v); // warm-up
        }
        // A batch of the floor takes at least 2 ms.
        let mut iters = 1u32;
        loop {
            let t = clock();
            for _ in 0..iters {
                run(floor);
            }
            if clock() - t >= 2e6 || iters >= 1 << 20 {
                break;
            }
            iters *= 2;
        }
        let rounds = rounds();
        let mut times = vec![Vec::with_capacity(rounds); names.len()];
        let mut ratios = vec![Vec::with_capacity(rounds); names.len()];
        for round in 0..rounds {
            let mut t = vec![0.0; names.len()];
            for j in 0..names.len() {
                let v = (round + j) % names.len();
                let start = clock();
                for _ in 0..iters {
                    run(v);
                }
                t[v] = (clock() - start) / f64::from(iters);
            }
            for v in 0..names.len() {
                times[v].push(t[v]);
                ratios[v].push(t[v] / t[floor]);
            }
        }
        let floor_ns = median(&mut times[floor]);
        for v in 0..floor {
            let ns = median(&mut times[v]);
            let ratio = median(&mut ratios[v]);
            println!(
                "{group:<13} {case:<15} {:<18} {:>12.0} {:>12.0} {ratio:>7.3}",
                names[v], ns, floor_ns
            );
        }
    }

    fn ready_case<S: BaseSelector<RawFd, usize>>(
        group: &str,
        case: &str,
        ends: &Ends,
        mut sel: S,
        mut floor: impl FnMut() -> usize,
    ) {
        for (i, fd) in ends.fds().enumerate() {
            sel.register(fd, EVENT_READ, i).expect("register");
        }
        let names = ["ours_select", "ours_select_ready", "floor"];
        let mut out = Vec::new();
        measure(group, case, &names, &mut |v| match v {
            0 => {
                black_box(sel.select(ZERO).expect("select"));
            }
            1 => {
                ready_into(&mut sel, &mut out);
            }
            _ => {
                black_box(floor());
            }
        });
    }

    fn ready_all(kind: &str, n: usize, k: usize, case: &str) {
        let ends = Ends::new(n);
        ends.make_ready(k);
        let mut floor = EpollFloor::new();
        for (i, fd) in ends.fds().enumerate() {
            floor.register(fd, i);
        }
        let sel = EpollSelector::<RawFd, usize>::new().expect("epoll");
        ready_case(&format!("{kind}/epoll"), case, &ends, sel, || floor.wait());
        let mut floor = PollFloor::default();
        for (i, fd) in ends.fds().enumerate() {
            floor.register(fd, 1, i);
        }
        let sel = PollSelector::new();
        ready_case(&format!("{kind}/poll"), case, &ends, sel, || floor.wait());
        let mut floor = SelectFloor::default();
        for (i, fd) in ends.fds().enumerate() {
            floor.register(fd, 1, i);
        }
        let sel = SelectSelector::new();
        ready_case(&format!("{kind}/select"), case, &ends, sel, || floor.wait());
    }

    fn owned_case<S: BaseSelector<RawFd, usize>>(group: &str, case: &str, ends: &Ends, mut sel: S) {
        for (i, fd) in ends.fds().enumerate() {
            sel.register(fd, EVENT_READ, i).expect("register");
        }
        let (mut ready, mut fds, mut out) = (ReadySet::new(), Vec::new(), Vec::new());
        measure(group, case, &["ours", "floor"], &mut |v| match v {
            0 => {
                owned_into(&mut sel, &mut ready, &mut out);
            }
            _ => {
                ready_then_lookup(&mut sel, &mut fds, &mut out);
            }
        });
    }

    /// `owned/<backend>`: `IOSELECTORS_PAIRED=owned`.
    fn owned_all() {
        for (n, k) in OWNED_CASES {
            let ends = Ends::new(n);
            ends.make_ready(k);
            let case = format!("N={n} K={k}");
            let sel = EpollSelector::<RawFd, usize>::new().expect("epoll");
            owned_case("owned/epoll", &case, &ends, sel);
            owned_case("owned/poll", &case, &ends, PollSelector::new());
            owned_case("owned/select", &case, &ends, SelectSelector::new());
        }
    }

    /// `wake/epoll` alone: `IOSELECTORS_PAIRED=wake`.
    pub fn wake() {
        let (ours, floor) = (Sleeper::ours(), Sleeper::floor());
        // Wall clock: the latency is the other thread's wake-up, not this thread's CPU time.
        measure_with(
            wall_ns,
            "wake/epoll",
            "select(None)",
            &["ours", "floor"],
            &mut |v| match v {
                0 => ours.wake_and_wait(),
                _ => floor.wake_and_wait(),
            },
        );
    }

    /// Every group, or the one named (`churn`, `ready`, `idle`, `owned`, `wake`, `echo`).
    pub fn run(only: Option<&str>) {
        raise_nofile();
        println!(
            "{:<13} {:<15} {:<18} {:>12} {:>12} {:>7}",
            "group", "case", "ours", "ours ns", "floor ns", "ratio"
        );
        let want = |group: &str| only.is_none_or(|only| only == group);
        for n in [1_000, 10_000].into_iter().filter(|_| want("churn")) {
            let ends = Ends::new(n);
            let case = format!("N={n}");
            let names = ["ours", "floor"];
            let mut sel = EpollSelector::<RawFd, usize>::new().expect("epoll");
            let floor = EpollFloor::new();
            measure("churn/epoll", &case, &names, &mut |v| match v {
                0 => churn_ours(&mut sel, &ends),
                _ => churn_floor_epoll(&floor, &ends),
            });
            let mut sel = PollSelector::<RawFd, usize>::new();
            let mut floor = PollFloor::default();
            measure("churn/poll", &case, &names, &mut |v| match v {
                0 => churn_ours(&mut sel, &ends),
                _ => churn_floor_poll(&mut floor, &ends),
            });
            let mut sel = SelectSelector::<RawFd, usize>::new();
            let mut floor = SelectFloor::default();
            measure("churn/select", &case, &names, &mut |v| match v {
                0 => churn_ours(&mut sel, &ends),
                _ => churn_floor_select(&mut floor, &ends),
            });
        }
        let mut cases = Vec::new();
        for n in [16, 1_024, 10_000].into_iter().filter(|_| want("ready")) {
            for k in [1, 16, n.min(1_024)] {
                if k <= n && !cases.contains(&(n, k)) {
                    cases.push((n, k));
                }
            }
        }
        for (n, k) in cases {
            ready_all("ready", n, k, &format!("N={n} K={k}"));
        }
        for n in [10, 100, 1_000, 10_000]
            .into_iter()
            .filter(|_| want("idle"))
        {
            ready_all("idle", n + 1, 1, &format!("N={n}+1"));
        }
        if want("owned") {
            owned_all();
        }
        if want("wake") {
            wake();
        }
        if !want("echo") {
            return;
        }
        let mut echo = Echo::new();
        measure(
            "echo/epoll",
            "64 connections",
            &["ours", "floor"],
            &mut |v| match v {
                0 => echo.ours(),
                _ => echo.floor(),
            },
        );
    }
}

fn setup(c: &mut Criterion) {
    raise_nofile();
    black_box(c);
}

criterion_group!(benches, setup, churn, ready, idle, owned, echo, wake);

// ---------------------------------------------------------------------------------------------
// Instruction counts: `IOSELECTORS_CALLGRIND=BACKEND:VARIANT:N:K:ITERS` runs ITERS `select(0)`
// calls of one variant (`select`, `select_ready`, `select_ready_timed` (a 60 s timeout, for
// K ≥ 1) or `floor`) on one backend (`epoll`, `poll`,
// `select`) with K of N keys ready, and nothing else (or, for the variants `churn` and
// `churn_floor`, ITERS churn passes over N ends, K unused); run it under
// `valgrind --tool=callgrind` with two ITERS and divide the difference (BENCHMARKS.md).

fn callgrind(spec: &str) {
    let parts: Vec<&str> = spec.split(':').collect();
    let [backend, variant, n, k, iters] = parts[..] else {
        panic!("IOSELECTORS_CALLGRIND=BACKEND:VARIANT:N:K:ITERS, not {spec}");
    };
    let (n, k, iters): (usize, usize, usize) = (
        n.parse().expect("N"),
        k.parse().expect("K"),
        iters.parse().expect("ITERS"),
    );
    raise_nofile();
    let ends = Ends::new(n);
    if variant == "churn" || variant == "churn_floor" {
        // ITERS passes of register → modify → unregister over the N ends (K unused).
        return match (backend, variant) {
            ("epoll", "churn") => churn_passes(EpollSelector::new().expect("epoll"), &ends, iters),
            ("poll", "churn") => churn_passes(PollSelector::new(), &ends, iters),
            ("select", "churn") => churn_passes(SelectSelector::new(), &ends, iters),
            ("epoll", _) => {
                let f = EpollFloor::new();
                for _ in 0..iters {
                    churn_floor_epoll(&f, &ends);
                }
            }
            ("poll", _) => {
                let mut f = PollFloor::default();
                for _ in 0..iters {
                    churn_floor_poll(&mut f, &ends);
                }
            }
            ("select", _) => {
                let mut f = SelectFloor::default();
                for _ in 0..iters {
                    churn_floor_select(&mut f, &ends);
                }
            }
            _ => panic!("backend {backend}"),
        };
    }
    fn churn_passes<S: BaseSelector<RawFd, usize>>(mut sel: S, ends: &Ends, iters: usize) {
        for _ in 0..iters {
            churn_ours(&mut sel, ends);
        }
    }
    ends.make_ready(k);
    fn ours<S: BaseSelector<RawFd, usize>>(
        mut sel: S,
        ends: &Ends,
        variant: &str,
        k: usize,
        iters: usize,
    ) {
        for (i, fd) in ends.fds().enumerate() {
            sel.register(fd, EVENT_READ, i).expect("register");
        }
        let mut out = Vec::new();
        assert_eq!(ready_into(&mut sel, &mut out), k);
        assert_eq!(sel.select(ZERO).expect("select").len(), k);
        // The variant is chosen once, outside the loop, as the floor's is: a string match per
        // call would count against ours alone.
        match variant {
            "select" => {
                for _ in 0..iters {
                    black_box(sel.select(ZERO).expect("select"));
                }
            }
            "select_ready" => {
                for _ in 0..iters {
                    ready_into(&mut sel, &mut out);
                }
            }
            // With a timeout (K ≥ 1 keys are ready, so it returns at once): the timed path.
            "select_ready_timed" => {
                for _ in 0..iters {
                    out.clear();
                    let ready = sel.select_ready(Some(Duration::from_secs(60)));
                    for (key, events) in ready.expect("select_ready") {
                        out.push((key.data, events.bits()));
                    }
                    black_box(&out);
                }
            }
            _ => panic!("variant {variant}"),
        }
    }
    fn floor(mut wait: impl FnMut() -> usize, k: usize, iters: usize) {
        assert_eq!(wait(), k);
        for _ in 0..iters {
            black_box(wait());
        }
    }
    match (backend, variant) {
        ("epoll", "floor") => {
            let mut f = EpollFloor::new();
            for (i, fd) in ends.fds().enumerate() {
                f.register(fd, i);
            }
            floor(|| f.wait(), k, iters);
        }
        ("poll", "floor") => {
            let mut f = PollFloor::default();
            for (i, fd) in ends.fds().enumerate() {
                f.register(fd, 1, i);
            }
            floor(|| f.wait(), k, iters);
        }
        ("select", "floor") => {
            let mut f = SelectFloor::default();
            for (i, fd) in ends.fds().enumerate() {
                f.register(fd, 1, i);
            }
            floor(|| f.wait(), k, iters);
        }
        ("epoll", _) => ours(
            EpollSelector::new().expect("epoll"),
            &ends,
            variant,
            k,
            iters,
        ),
        ("poll", _) => ours(PollSelector::new(), &ends, variant, k, iters),
        ("select", _) => ours(SelectSelector::new(), &ends, variant, k, iters),
        _ => panic!("backend {backend}"),
    }
}

fn main() {
    if let Ok(spec) = std::env::var("IOSELECTORS_CALLGRIND") {
        return callgrind(&spec);
    }
    match std::env::var("IOSELECTORS_PAIRED").as_deref() {
        Ok(group @ ("churn" | "ready" | "idle" | "owned" | "wake" | "echo")) => {
            return paired::run(Some(group))
        }
        Ok(_) => return paired::run(None),
        Err(_) => {}
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
