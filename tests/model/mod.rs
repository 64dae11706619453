//! The model-based op interpreter shared by `tests/model.rs` (stable `cargo test`, seeded
//! generator) and the `ops` fuzz target (`fuzz/fuzz_targets/ops.rs`, included with `#[path]`).
//!
//! Bytes decode into a sequence of [`Op`]s over a pool of [`SLOTS`] real fd numbers (two pipes,
//! two `UnixStream` pairs and a regular file, moved to fixed numbers from [`BASE_FD`] up, plus
//! spare numbers that start closed), and negative or huge raw fds. Each op runs on a real
//! selector and on [`Model`], which predicts the result exactly:
//!
//! * the map `fd → (events, data)` of Python's `_BaseSelectorImpl`, and which error each call
//!   returns, in CPython's order of checks;
//! * the process's fd table (which open file description each pool number refers to, with
//!   reference counts), so closing, `dup2` over a registered number, peer hang-ups and the
//!   kernel's per-backend answers (EBADF, EPERM, ENOENT, EEXIST) are predicted too;
//! * for epoll, the kernel's interest list as `(open file description, fd number, events,
//!   generation)` items, which outlive their fd number while the description is open elsewhere
//!   (epoll(7) Q6). An item whose fd is not registered, or registered under another
//!   generation, is a ghost: never reported, and a `select` that finds a ghost (or a second
//!   item for one fd) ready rebuilds the list from the registrations, each with the file now
//!   at its number (or none if the number is closed or a regular file);
//! * for kqueue (`KqueueSelector`'s code over each OS's model in `tests/kernels/kqueue.rs`),
//!   the knotes as `(fd number, filter, open file description)`: one `EV_ADD` per filter of a
//!   key, refused per OS for a pipe whose reader is gone (with the other filter rolled back),
//!   removed when their number is closed or `dup2` goes over it (kqueue(2); the runner tells
//!   the kernel models at that moment, `kernels::kqueue::closed`), re-added on the file now at
//!   the number by `modify`, and FreeBSD's pipe `EVFILT_WRITE` reported once at EOF. After
//!   every op the model kernel's knotes must equal these;
//! * the waker: `waker()` and `wake()` answer `Closed` exactly when the model's selector is
//!   closed or was replaced; on epoll the interest list holds exactly one extra entry for it
//!   (reserved user data, kept across rebuilds) whose eventfd counter is the number of wakes
//!   since the last `select`, which drains it; results and the map never show it;
//! * readiness: which events `select(0)` reports, from what was written, drained and closed,
//!   through each kernel's rules (select's read/write sets, poll's `revents` filtered by the
//!   requested bits plus ERR/HUP/NVAL, CPython's HUP/ERR → READ|WRITE mapping; kqueue's
//!   filters, an empty regular file never readable).
//!
//! After every op the selector's map must equal the model's and, on epoll, the kernel's
//! interest list (`/proc/self/fdinfo/<epfd>`) must equal the model's. After the sequence every
//! pool fd is closed and the process must hold exactly the fds it held before. Any divergence
//! panics.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ioselectors::{
    BaseSelector, DefaultSelector, EpollSelector, Error, Events, PollSelector, RawFd,
    SelectSelector, SelectorKey, Waker,
};
use ioselectors_sys as sys;

use crate::kernels::devpoll::{ModelDevpoll, Os as DevpollOs};
use crate::kernels::kqueue::{self as kq_model, ModelKq, Os as KqOs, Probe as KqProbe};
use ioselectors::__kernels::kqueue::Filter;

/// `DevpollSelector`'s code over a `/dev/poll` model.
type DevpollModel = ioselectors::GenericSelector<
    ioselectors::__kernels::devpoll::DevpollBackend<ModelDevpoll>,
    RawFd,
    u8,
>;

/// `KqueueSelector`'s code over a kqueue model.
type KqueueModel =
    ioselectors::GenericSelector<ioselectors::__kernels::kqueue::KqueueBackend<ModelKq>, RawFd, u8>;

/// The knotes of the kqueue model the runner's selector was made with (the runs are one at a
/// time: `tests/model.rs` holds a lock, the fuzzer runs one input at a time).
static KQ_PROBE: std::sync::Mutex<Option<KqProbe>> = std::sync::Mutex::new(None);

fn kqueue_model(os: KqOs) -> KqueueModel {
    let kernel = ModelKq::new(os);
    *KQ_PROBE.lock().unwrap_or_else(|e| e.into_inner()) = Some(kernel.probe());
    KqueueModel::with_kernel(kernel)
}

/// The first fd number of the pool: high enough that nothing the process opens by itself
/// (an epoll fd, a `/proc` listing) lands on a pool number, low enough for any `RLIMIT_NOFILE`.
pub const BASE_FD: RawFd = 200;
/// Pool numbers `BASE_FD .. BASE_FD + SLOTS`.
pub const SLOTS: usize = 12;
/// Raw fds that are never open: negative ones (`InvalidFd`) and huge ones (`EBADF`).
pub const RAW_FDS: [RawFd; 5] = [-1, -100, i32::MIN, 1_000_000, i32::MAX];
/// Masks, weighted towards valid ones; 0, 4, 5, 255 and high bits must be rejected.
pub const MASKS: [u32; 12] = [1, 2, 3, 1, 2, 3, 0, 4, 5, 255, 0x8000_0001, u32::MAX];
/// Longest sequence decoded from one input.
pub const MAX_OPS: usize = 200;

/// Which selector runs the ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `SelectSelector`.
    Select,
    /// `PollSelector`.
    Poll,
    /// `EpollSelector`.
    Epoll,
    /// `DefaultSelector::new()` (epoll on Linux).
    Default,
    /// `DevpollSelector`'s code over the illumos `/dev/poll` model (`tests/kernels/`).
    DevpollIllumos,
    /// `DevpollSelector`'s code over the Solaris `/dev/poll` model.
    DevpollSolaris,
    /// `KqueueSelector`'s code over the FreeBSD kqueue model (`tests/kernels/kqueue.rs`).
    KqueueFreeBsd,
    /// ... over the macOS kqueue model.
    KqueueMacOs,
    /// ... over the NetBSD 9 kqueue model (no `EVFILT_USER`: the waker is a pipe).
    KqueueNetBsd9,
    /// ... over the NetBSD 10 kqueue model.
    KqueueNetBsd10,
    /// ... over the OpenBSD kqueue model (no `EVFILT_USER`).
    KqueueOpenBsd,
    /// ... over the DragonFly kqueue model.
    KqueueDragonFly,
}

impl Backend {
    /// Every Linux backend, then /dev/poll's and kqueue's code over their models (new ones are
    /// added at the end: a fuzz input's first byte keeps picking the same backend).
    pub const ALL: [Backend; 12] = [
        Backend::Select,
        Backend::Poll,
        Backend::Epoll,
        Backend::Default,
        Backend::DevpollIllumos,
        Backend::DevpollSolaris,
        Backend::KqueueFreeBsd,
        Backend::KqueueMacOs,
        Backend::KqueueNetBsd9,
        Backend::KqueueNetBsd10,
        Backend::KqueueOpenBsd,
        Backend::KqueueDragonFly,
    ];

    /// Whether this runs over an in-memory kernel model (slower: fewer generated sequences).
    pub fn is_model(self) -> bool {
        matches!(self, Backend::DevpollIllumos | Backend::DevpollSolaris) || self.kqueue().is_some()
    }

    /// The kqueue model's OS, for the kqueue backends.
    pub fn kqueue(self) -> Option<KqOs> {
        match self {
            Backend::KqueueFreeBsd => Some(KqOs::FreeBsd),
            Backend::KqueueMacOs => Some(KqOs::MacOs),
            Backend::KqueueNetBsd9 => Some(KqOs::NetBsd9),
            Backend::KqueueNetBsd10 => Some(KqOs::NetBsd10),
            Backend::KqueueOpenBsd => Some(KqOs::OpenBsd),
            Backend::KqueueDragonFly => Some(KqOs::DragonFly),
            _ => None,
        }
    }

    fn is_epoll(self) -> bool {
        matches!(self, Backend::Epoll | Backend::Default)
    }
}

/// A file object argument: a pool slot (fd `BASE_FD + slot`) or a raw fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdArg {
    /// `BASE_FD + slot`.
    Slot(usize),
    /// A raw fd from [`RAW_FDS`].
    Raw(RawFd),
}

impl FdArg {
    fn fd(self) -> RawFd {
        match self {
            FdArg::Slot(s) => BASE_FD + s as RawFd,
            FdArg::Raw(fd) => fd,
        }
    }
}

/// One operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `register(fd, mask, data)`.
    Register(FdArg, u32, u8),
    /// `modify(fd, mask, data)`.
    Modify(FdArg, u32, u8),
    /// `unregister(fd)`.
    Unregister(FdArg),
    /// `select(Some(ZERO))` (owned keys) or `select_ready(Some(ZERO))` (borrowed).
    Select {
        /// Use `select_ready`.
        borrowed: bool,
    },
    /// `get_key(fd)`.
    GetKey(FdArg),
    /// `get_map()`, compared with the model.
    GetMap,
    /// `close()`.
    Close,
    /// Drop the selector and make a new one on the same backend.
    Recreate,
    /// Write one byte through the slot's fd (to the pipe, or to the socket's peer).
    Write(usize),
    /// Read everything pending on the slot's fd.
    Drain(usize),
    /// `close(2)` the slot's fd.
    CloseFd(usize),
    /// `dup2(from, to)`: the number `to` now refers to what `from` refers to.
    Dup2(usize, usize),
    /// `waker()`: a new handle (the first makes the kernel object), kept by the runner.
    Waker,
    /// `wake()` on the runner's `n % count`-th handle (none yet: nothing happens).
    Wake(u8),
}

struct Bytes<'a>(core::slice::Iter<'a, u8>);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        self.0.next().copied().unwrap_or(0)
    }
    fn fd(&mut self) -> FdArg {
        let b = self.next();
        let v = usize::from(b % 16);
        if v < SLOTS {
            FdArg::Slot(v)
        } else {
            FdArg::Raw(RAW_FDS[usize::from(b / 16) % RAW_FDS.len()])
        }
    }
    fn slot(&mut self) -> usize {
        usize::from(self.next()) % SLOTS
    }
    fn mask(&mut self) -> u32 {
        MASKS[usize::from(self.next()) % MASKS.len()]
    }
}

/// Decodes up to [`MAX_OPS`] ops; missing parameter bytes read as 0.
pub fn decode(data: &[u8]) -> Vec<Op> {
    let mut b = Bytes(data.iter());
    let mut ops = Vec::new();
    while let Some(&kind) = b.0.next() {
        if ops.len() == MAX_OPS {
            break;
        }
        let op = match kind % 17 {
            0..=2 => Op::Register(b.fd(), b.mask(), b.next()),
            3 => Op::Modify(b.fd(), b.mask(), b.next()),
            4 => Op::Unregister(b.fd()),
            5 | 6 => Op::Select {
                borrowed: b.next() & 1 == 1,
            },
            7 => Op::GetKey(b.fd()),
            8 => Op::GetMap,
            9 => {
                // Closing and recreating ends most of the interesting state: make them rarer.
                if b.next() % 4 == 0 {
                    Op::Close
                } else {
                    Op::Recreate
                }
            }
            10 | 11 => Op::Write(b.slot()),
            12 => Op::Drain(b.slot()),
            13 => Op::CloseFd(b.slot()),
            14 => Op::Dup2(b.slot(), b.slot()),
            15 => Op::Waker,
            _ => Op::Wake(b.next()),
        };
        ops.push(op);
    }
    ops
}

/// Encodes ops so that [`decode`] gives them back (for seed corpora).
pub fn encode(ops: &[Op]) -> Vec<u8> {
    let fd = |a: FdArg| -> u8 {
        match a {
            FdArg::Slot(s) => s as u8,
            FdArg::Raw(r) => {
                let i = RAW_FDS
                    .iter()
                    .position(|&x| x == r)
                    .expect("raw fd from RAW_FDS");
                (i as u8) * 16 + 12
            }
        }
    };
    let mask = |m: u32| MASKS.iter().position(|&x| x == m).expect("mask from MASKS") as u8;
    let mut out = Vec::new();
    for op in ops {
        match *op {
            Op::Register(f, m, d) => out.extend([0, fd(f), mask(m), d]),
            Op::Modify(f, m, d) => out.extend([3, fd(f), mask(m), d]),
            Op::Unregister(f) => out.extend([4, fd(f)]),
            Op::Select { borrowed } => out.extend([5, u8::from(borrowed)]),
            Op::GetKey(f) => out.extend([7, fd(f)]),
            Op::GetMap => out.push(8),
            Op::Close => out.extend([9, 0]),
            Op::Recreate => out.extend([9, 1]),
            Op::Write(s) => out.extend([10, s as u8]),
            Op::Drain(s) => out.extend([12, s as u8]),
            Op::CloseFd(s) => out.extend([13, s as u8]),
            Op::Dup2(a, b) => out.extend([14, a as u8, b as u8]),
            Op::Waker => out.push(15),
            Op::Wake(n) => out.extend([16, n]),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The process's fd table, as far as the pool goes.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Read end of pipe `p`.
    PipeR(usize),
    /// Write end of pipe `p`.
    PipeW(usize),
    /// Side `side` of socket pair `s`.
    Sock(usize, usize),
    /// A regular file.
    File,
}

#[derive(Debug)]
struct Ofd {
    kind: Kind,
    /// Pool numbers referring to this open file description.
    refs: usize,
}

/// What the kernel's `poll` method of a file would say, before filtering by requested events.
#[derive(Clone, Copy, Debug, Default)]
struct Flags {
    inp: bool,
    out: bool,
    err: bool,
    hup: bool,
}

const NPIPES: usize = 2;
const NPAIRS: usize = 2;
/// More bytes than this are never left pending in a pipe (small writes share a page), far
/// below its buffer, so writes never block and `out` is always set.
const MAX_PENDING: usize = 512;
/// A socket pair direction takes fewer: each 1-byte write is its own buffer of about 1 KiB
/// charged to the sender until read, and a unix stream socket stops being writable once that
/// exceeds a quarter of its send buffer (about 70 such writes with the default 208 KiB).
const MAX_SOCK_PENDING: usize = 32;

struct World {
    /// Slot → open file description.
    fds: [Option<usize>; SLOTS],
    ofds: Vec<Ofd>,
    /// Bytes pending in pipe `p`.
    pipe_data: [usize; NPIPES],
    /// `pipe_ofd[p] = [read end, write end]`.
    pipe_ofd: [[usize; 2]; NPIPES],
    /// Bytes pending to be read at side `i` of pair `s`.
    sock_data: [[usize; 2]; NPAIRS],
    sock_ofd: [[usize; 2]; NPAIRS],
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD takes no third argument and only reads the descriptor table.
    unsafe { sys::fcntl(fd, sys::F_GETFD) >= 0 }
}

/// Moves a fresh fd onto pool number `BASE_FD + slot`.
fn place(fd: RawFd, slot: usize) {
    let target = BASE_FD + slot as RawFd;
    assert!(!is_open(target), "pool fd {target} is already open");
    // SAFETY: fd is a fresh fd this module owns; target is a pool number checked to be closed.
    let r = unsafe { sys::dup2(fd, target) };
    assert_eq!(r, target, "dup2 onto the pool: errno {}", errno());
    // SAFETY: fd is owned here and no longer used.
    unsafe { sys::close(fd) };
}

fn file_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ioselectors-model-{}", std::process::id()))
}

impl World {
    fn new() -> World {
        let mut w = World {
            fds: [None; SLOTS],
            ofds: Vec::new(),
            pipe_data: [0; NPIPES],
            pipe_ofd: [[0; 2]; NPIPES],
            sock_data: [[0; 2]; NPAIRS],
            sock_ofd: [[0; 2]; NPAIRS],
        };
        let mut slot = 0;
        let mut add = |w: &mut World, fd: RawFd, kind: Kind| -> usize {
            place(fd, slot);
            w.ofds.push(Ofd { kind, refs: 1 });
            w.fds[slot] = Some(w.ofds.len() - 1);
            slot += 1;
            w.ofds.len() - 1
        };
        for p in 0..NPIPES {
            let mut fds = [0 as RawFd; 2];
            // SAFETY: fds has room for the two fds pipe(2) writes.
            assert_eq!(unsafe { sys::pipe(fds.as_mut_ptr()) }, 0, "pipe");
            w.pipe_ofd[p][0] = add(&mut w, fds[0], Kind::PipeR(p));
            w.pipe_ofd[p][1] = add(&mut w, fds[1], Kind::PipeW(p));
        }
        for s in 0..NPAIRS {
            let (a, b) = UnixStream::pair().expect("socketpair");
            w.sock_ofd[s][0] = add(&mut w, a.into_raw_fd(), Kind::Sock(s, 0));
            w.sock_ofd[s][1] = add(&mut w, b.into_raw_fd(), Kind::Sock(s, 1));
        }
        let path = file_path();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("regular file");
        let _ = std::fs::remove_file(&path);
        add(&mut w, file.into_raw_fd(), Kind::File);
        w
    }

    fn slot_of(fd: RawFd) -> Option<usize> {
        let s = usize::try_from(fd.checked_sub(BASE_FD)?).ok()?;
        (s < SLOTS).then_some(s)
    }

    /// The open file description the number `fd` refers to, `None` if it is closed.
    fn ofd_at(&self, fd: RawFd) -> Option<usize> {
        self.fds[Self::slot_of(fd)?]
    }

    fn refs(&self, ofd: usize) -> usize {
        self.ofds[ofd].refs
    }

    fn flags(&self, ofd: usize) -> Flags {
        match self.ofds[ofd].kind {
            Kind::PipeR(p) => Flags {
                inp: self.pipe_data[p] > 0,
                hup: self.refs(self.pipe_ofd[p][1]) == 0,
                ..Flags::default()
            },
            Kind::PipeW(p) => Flags {
                out: true,
                err: self.refs(self.pipe_ofd[p][0]) == 0,
                ..Flags::default()
            },
            Kind::Sock(s, side) => {
                let peer_gone = self.refs(self.sock_ofd[s][1 - side]) == 0;
                Flags {
                    inp: self.sock_data[s][side] > 0 || peer_gone,
                    out: true,
                    // The peer may also have set ECONNRESET (ERR); with HUP it changes nothing.
                    err: false,
                    hup: peer_gone,
                }
            }
            Kind::File => Flags {
                inp: true,
                out: true,
                ..Flags::default()
            },
        }
    }

    /// Drops one reference; returns whether the description is now closed.
    fn unref(&mut self, ofd: usize) -> bool {
        let o = &mut self.ofds[ofd];
        o.refs -= 1;
        if o.refs > 0 {
            return false;
        }
        if let Kind::Sock(s, side) = o.kind {
            self.sock_data[s][side] = 0;
        }
        true
    }

    fn close_all(&mut self) {
        for slot in 0..SLOTS {
            if let Some(ofd) = self.fds[slot].take() {
                // SAFETY: the pool number is open and owned by this world.
                assert_eq!(unsafe { sys::close(BASE_FD + slot as RawFd) }, 0);
                self.unref(ofd);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The selector model.

const IN: u32 = sys::EPOLLIN as u32;
const OUT: u32 = sys::EPOLLOUT as u32;
const ERR: u32 = sys::EPOLLERR as u32;
const HUP: u32 = sys::EPOLLHUP as u32;

/// CPython's poll-like rule: any bit other than IN reports WRITE, any other than OUT READ.
fn from_poll_like(revents: u32) -> Events {
    let mut e = Events::EMPTY;
    if revents & !IN != 0 {
        e |= Events::WRITE;
    }
    if revents & !OUT != 0 {
        e |= Events::READ;
    }
    e
}

/// `revents` as poll(2) and epoll report them: the file's bits filtered by the requested ones,
/// ERR and HUP always (the bit values of POLL* and EPOLL* agree for these four).
fn poll_revents(f: Flags, requested: Events) -> u32 {
    let mut r = 0;
    if f.inp && requested.is_readable() {
        r |= IN;
    }
    if f.out && requested.is_writable() {
        r |= OUT;
    }
    if f.err {
        r |= ERR;
    }
    if f.hup {
        r |= HUP;
    }
    r
}

/// What select(2) reports: the read set takes IN/HUP/ERR, the write set OUT/ERR.
fn select_events(f: Flags, requested: Events) -> Events {
    let mut e = Events::EMPTY;
    if requested.is_readable() && (f.inp || f.hup || f.err) {
        e |= Events::READ;
    }
    if requested.is_writable() && (f.out || f.err) {
        e |= Events::WRITE;
    }
    e
}

/// An epoll interest-list entry: the kernel keys it by (open file description, fd number).
/// `generation` is the selector's tag in the user data (the selector's count of registrations
/// the kernel accepted, when this one was made).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item {
    ofd: usize,
    fd: RawFd,
    events: Events,
    generation: u32,
}

/// The model of one selector.
struct Model {
    backend: Backend,
    /// Which selector this is (bumped by `Recreate`): a waker answers `Closed` once its
    /// selector is closed or replaced.
    instance: u32,
    /// Whether `waker()` made the kernel object (on epoll: one more interest-list entry,
    /// under the reserved tag, which survives rebuilds).
    waker: bool,
    /// Wakes since the last successful `select` (epoll: the eventfd's counter).
    pending: u64,
    closed: bool,
    keys: BTreeMap<RawFd, (Events, u8)>,
    /// epoll's interest list (empty for select and poll).
    kernel: Vec<Item>,
    /// epoll: the generation of each fd's latest registration.
    generations: BTreeMap<RawFd, u32>,
    /// epoll: the registrations the kernel accepted so far (the last generation handed out).
    added: u32,
    /// kqueue: the knotes, `(fd number, filter, open file description)`. A knote belongs to a
    /// number: closing the number (or `dup2` over it) removes it (kqueue(2)).
    knotes: Vec<(RawFd, Filter, usize)>,
    /// NetBSD: the `EVFILT_WRITE` knotes on a pipe's read end that an `EV_ADD` re-ran after the
    /// writer had gone, `(fd number, open file description)`: only those are reported
    /// (tests/kernels/kqueue.rs, `Os::read_end_write`).
    unmuted: Vec<(RawFd, usize)>,
}

/// The kqueue filters of a mask, in the order the backend submits them.
fn filters(events: Events) -> impl Iterator<Item = Filter> {
    [(Events::READ, Filter::Read), (Events::WRITE, Filter::Write)]
        .into_iter()
        .filter(move |&(e, _)| events.contains(e))
        .map(|(_, f)| f)
}

/// A predicted `select(0)` result.
#[derive(Debug)]
enum Prediction {
    /// Exactly these `(fd, events)`, in fd order.
    Exact(Vec<(RawFd, Events)>),
    /// This error.
    Err(Error),
}

type KeyTuple = (RawFd, Events, u8);

impl Model {
    fn new(backend: Backend) -> Model {
        Model {
            backend,
            instance: 0,
            waker: false,
            pending: 0,
            closed: false,
            keys: BTreeMap::new(),
            kernel: Vec::new(),
            generations: BTreeMap::new(),
            added: 0,
            knotes: Vec::new(),
            unmuted: Vec::new(),
        }
    }

    /// The errno with which this kqueue kernel refuses `EVFILT_WRITE` on the file at `ofd`
    /// (`None`: accepted): a pipe whose reader is gone; on NetBSD also a pipe's read end whose
    /// writer is gone (`EBADF`) and, on NetBSD 9, a regular file (`EINVAL`)
    /// (tests/kernels/kqueue.rs, per OS).
    fn kqueue_refuses_write(&self, w: &World, ofd: usize) -> Option<i32> {
        let os = self.backend.kqueue()?;
        match w.ofds[ofd].kind {
            Kind::PipeW(p) if w.refs(w.pipe_ofd[p][0]) == 0 => os.widowed_pipe(),
            Kind::PipeR(p) if os.read_end_write() && w.refs(w.pipe_ofd[p][1]) == 0 => {
                Some(sys::EBADF)
            }
            Kind::File if os.no_vnode_write() => Some(sys::EINVAL),
            _ => None,
        }
    }

    fn item(&self, ofd: usize, fd: RawFd) -> Option<usize> {
        self.kernel.iter().position(|i| i.ofd == ofd && i.fd == fd)
    }

    fn key(&self, fd: RawFd) -> KeyTuple {
        let (e, d) = self.keys[&fd];
        (fd, e, d)
    }

    /// The lookup part shared by modify, unregister and get_key.
    fn lookup(&self, fd: RawFd) -> Result<(), Error> {
        if self.closed {
            Err(Error::Closed)
        } else if fd < 0 {
            Err(Error::InvalidFd(fd))
        } else if !self.keys.contains_key(&fd) {
            Err(Error::NotRegistered(fd))
        } else {
            Ok(())
        }
    }

    fn register(&mut self, w: &World, fd: RawFd, mask: u32, data: u8) -> Result<KeyTuple, Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        let events = Events::from_bits_retain(mask).validate()?;
        if fd < 0 {
            return Err(Error::InvalidFd(fd));
        }
        if self.keys.contains_key(&fd) {
            return Err(Error::AlreadyRegistered(fd));
        }
        let Some(ofd) = w.ofd_at(fd) else {
            return Err(Error::Os(sys::EBADF));
        };
        if self.backend.is_epoll() {
            if w.ofds[ofd].kind == Kind::File {
                return Err(Error::Os(sys::EPERM));
            }
            if self.item(ofd, fd).is_some() {
                return Err(Error::Os(sys::EEXIST));
            }
            self.added += 1;
            let generation = self.added;
            self.generations.insert(fd, generation);
            self.kernel.push(Item {
                ofd,
                fd,
                events,
                generation,
            });
        }
        if self.backend.kqueue().is_some() {
            // One EV_ADD per filter; a refused one rolls back the other.
            if events.is_writable() {
                if let Some(errno) = self.kqueue_refuses_write(w, ofd) {
                    return Err(Error::Os(errno));
                }
            }
            self.knotes.extend(filters(events).map(|f| (fd, f, ofd)));
        }
        self.keys.insert(fd, (events, data));
        Ok((fd, events, data))
    }

    fn modify(&mut self, w: &World, fd: RawFd, mask: u32, data: u8) -> Result<KeyTuple, Error> {
        self.lookup(fd)?;
        let events = Events::from_bits_retain(mask).validate()?;
        let old = self.keys[&fd].0;
        if events != old && self.backend.is_epoll() {
            // EPOLL_CTL_MOD on the description the number refers to now; on failure the key
            // is dropped (and the EPOLL_CTL_DEL that follows fails the same way).
            let res = match w.ofd_at(fd) {
                None => Err(sys::EBADF),
                Some(ofd) if w.ofds[ofd].kind == Kind::File => Err(sys::EPERM),
                Some(ofd) => self.item(ofd, fd).ok_or(sys::ENOENT),
            };
            match res {
                // The item may be a ghost of this file and number: it takes the tag too.
                Ok(i) => {
                    self.kernel[i].events = events;
                    self.kernel[i].generation = self.generations[&fd];
                }
                Err(errno) => {
                    self.keys.remove(&fd);
                    return Err(Error::Os(errno));
                }
            }
        }
        if events != old && self.backend.kqueue().is_some() {
            // An EV_ADD for each filter of the new mask (an update where the knote exists, on
            // the file now at the number), then EV_DELETE for the others (ENOENT is fine). A
            // refusal rolls back what was added and drops the key, and `unregister`'s deletes
            // follow: the number keeps no knote.
            let res = match w.ofd_at(fd) {
                None => Err(sys::EBADF),
                Some(ofd) => {
                    let has_write = self.knotes.contains(&(fd, Filter::Write, ofd));
                    match self.kqueue_refuses_write(w, ofd) {
                        Some(errno) if events.is_writable() && !has_write => Err(errno),
                        // NetBSD: the kept EVFILT_WRITE is re-added, which re-runs the filter
                        // of a pipe's read end: with the writer gone it is reported from now.
                        Some(_)
                            if events.is_writable()
                                && matches!(w.ofds[ofd].kind, Kind::PipeR(_)) =>
                        {
                            if !self.unmuted.contains(&(fd, ofd)) {
                                self.unmuted.push((fd, ofd));
                            }
                            Ok(ofd)
                        }
                        _ => Ok(ofd),
                    }
                }
            };
            self.knotes.retain(|k| k.0 != fd);
            if !events.is_writable() || res.is_err() {
                self.unmuted.retain(|u| u.0 != fd);
            }
            match res {
                Ok(ofd) => self.knotes.extend(filters(events).map(|f| (fd, f, ofd))),
                Err(errno) => {
                    self.keys.remove(&fd);
                    return Err(Error::Os(errno));
                }
            }
        }
        self.keys.insert(fd, (events, data));
        Ok((fd, events, data))
    }

    fn unregister(&mut self, w: &World, fd: RawFd) -> Result<KeyTuple, Error> {
        self.lookup(fd)?;
        let key = self.key(fd);
        self.keys.remove(&fd);
        if let Some(i) = w.ofd_at(fd).and_then(|ofd| self.item(ofd, fd)) {
            self.kernel.remove(i);
        }
        self.knotes.retain(|k| k.0 != fd);
        self.unmuted.retain(|u| u.0 != fd);
        Ok(key)
    }

    fn get_key(&self, fd: RawFd) -> Result<KeyTuple, Error> {
        self.lookup(fd)?;
        Ok(self.key(fd))
    }

    fn close(&mut self) {
        self.closed = true;
        self.keys.clear();
        self.kernel.clear();
        self.knotes.clear();
        self.unmuted.clear();
        self.waker = false;
        self.pending = 0;
    }

    /// `waker()`: `Closed` on a closed selector; otherwise a handle on this instance.
    fn make_waker(&mut self) -> Result<u32, Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        self.waker = true;
        Ok(self.instance)
    }

    /// `wake()` on a handle made by selector `instance`.
    fn wake(&mut self, instance: u32) -> Result<(), Error> {
        if self.closed || instance != self.instance {
            return Err(Error::Closed);
        }
        self.pending += 1;
        Ok(())
    }

    /// The file description `ofd` was closed for good: epoll forgets its entries.
    fn forget(&mut self, ofd: usize) {
        self.kernel.retain(|i| i.ofd != ofd);
    }

    /// The number `fd` was closed (or `dup2` went over it): kqueue drops its knotes.
    fn number_closed(&mut self, fd: RawFd) {
        self.knotes.retain(|k| k.0 != fd);
        self.unmuted.retain(|u| u.0 != fd);
    }

    fn select(&mut self, w: &World) -> Prediction {
        if self.closed {
            return Prediction::Err(Error::Closed);
        }
        let mut out = Vec::new();
        match self.backend {
            Backend::Select => {
                if self.keys.keys().any(|&fd| w.ofd_at(fd).is_none()) {
                    return Prediction::Err(Error::Os(sys::EBADF));
                }
                for (&fd, &(ev, _)) in &self.keys {
                    let ofd = w.ofd_at(fd).expect("checked open");
                    let e = select_events(w.flags(ofd), ev);
                    if !e.is_empty() {
                        out.push((fd, e));
                    }
                }
            }
            // /dev/poll caches masks by fd number and polls whatever file is there now, a
            // closed number as POLLNVAL (poll(4D)): poll's rules.
            Backend::Poll | Backend::DevpollIllumos | Backend::DevpollSolaris => {
                for (&fd, &(ev, _)) in &self.keys {
                    let e = match w.ofd_at(fd) {
                        None => Events::READ_WRITE, // POLLNVAL
                        Some(ofd) => from_poll_like(poll_revents(w.flags(ofd), ev)),
                    } & ev;
                    if !e.is_empty() {
                        out.push((fd, e));
                    }
                }
            }
            Backend::Epoll | Backend::Default => {
                let live = |m: &Model, i: &Item| {
                    m.keys.contains_key(&i.fd) && m.generations.get(&i.fd) == Some(&i.generation)
                };
                let ready = |i: &Item| poll_revents(w.flags(i.ofd), i.events) != 0;
                let mut seen = Vec::new();
                let mut rebuild = false;
                for i in self.kernel.iter().filter(|i| ready(i)) {
                    rebuild |= !live(self, i) || seen.contains(&i.fd);
                    seen.push(i.fd);
                }
                if rebuild {
                    // A new instance with each registration, the file now at its number.
                    let mut kernel = Vec::new();
                    for (&fd, &(events, _)) in &self.keys {
                        match w.ofd_at(fd) {
                            Some(ofd) if w.ofds[ofd].kind != Kind::File => kernel.push(Item {
                                ofd,
                                fd,
                                events,
                                generation: self.generations[&fd],
                            }),
                            _ => {}
                        }
                    }
                    self.kernel = kernel;
                }
                for item in &self.kernel {
                    let revents = poll_revents(w.flags(item.ofd), item.events);
                    if revents == 0 || !live(self, item) {
                        continue;
                    }
                    let e = from_poll_like(revents) & self.keys[&item.fd].0;
                    if !e.is_empty() {
                        out.push((item.fd, e));
                    }
                }
                out.sort_unstable();
            }
            Backend::KqueueFreeBsd
            | Backend::KqueueMacOs
            | Backend::KqueueNetBsd9
            | Backend::KqueueNetBsd10
            | Backend::KqueueOpenBsd
            | Backend::KqueueDragonFly => {
                // tests/kernels/kqueue.rs: EVFILT_READ when there is data, EOF or an error
                // (a regular file only before its end: this one stays empty), EVFILT_WRITE
                // when there is room, EOF or an error (a regular file always). The backend
                // merges the two filters of a number into one entry.
                let freebsd = self.backend == Backend::KqueueFreeBsd;
                let netbsd = self.backend.kqueue().is_some_and(|os| os.read_end_write());
                let mut oneshot = Vec::new();
                let mut merged: BTreeMap<RawFd, Events> = BTreeMap::new();
                for &(fd, filter, ofd) in &self.knotes {
                    let f = w.flags(ofd);
                    let file = w.ofds[ofd].kind == Kind::File;
                    let read_end = matches!(w.ofds[ofd].kind, Kind::PipeR(_));
                    let (ready, eof) = match filter {
                        // NetBSD: a pipe read end's EVFILT_WRITE, until re-added after the
                        // writer went.
                        Filter::Write
                            if netbsd && read_end && !self.unmuted.contains(&(fd, ofd)) =>
                        {
                            (false, false)
                        }
                        Filter::Read if file => (false, false),
                        Filter::Write if file => (true, false),
                        Filter::Read => (f.inp || f.hup || f.err, f.hup),
                        Filter::Write => (f.out || f.hup || f.err, f.hup || f.err),
                    };
                    if !ready {
                        continue;
                    }
                    *merged.entry(fd).or_insert(Events::EMPTY) |= match filter {
                        Filter::Read => Events::READ,
                        Filter::Write => Events::WRITE,
                    };
                    // FreeBSD turns a pipe's EVFILT_WRITE one-shot at EOF: reported once.
                    let pipe = matches!(w.ofds[ofd].kind, Kind::PipeR(_) | Kind::PipeW(_));
                    if freebsd && filter == Filter::Write && eof && pipe {
                        oneshot.push((fd, filter, ofd));
                    }
                }
                self.knotes.retain(|k| !oneshot.contains(k));
                out = merged
                    .into_iter()
                    .map(|(fd, e)| (fd, e & self.keys[&fd].0))
                    .filter(|(_, e)| !e.is_empty())
                    .collect();
            }
        }
        // The wait saw the waker's object ready (if a wake was pending) and drained it; the
        // results are the keys' alone.
        self.pending = 0;
        Prediction::Exact(out)
    }
}

// ---------------------------------------------------------------------------------------------
// The runner.

fn count_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// The waker's eventfd as `/proc/self/fdinfo/<epfd>` shows it: its number and its counter
/// (`eventfd-count`, from its own fdinfo). The selector's user data for it is all ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WakerItem {
    events: u32,
    count: u64,
}

/// epoll's interest list as `(fd, IN|OUT bits, generation)`, sorted, from
/// `/proc/self/fdinfo/<epfd>`, and the waker's entry if there is one.
fn epoll_interest(epfd: RawFd) -> (Vec<(RawFd, u32, u32)>, Option<WakerItem>) {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{epfd}")).expect("fdinfo");
    let mut items = Vec::new();
    let mut waker = None;
    for line in info.lines().filter(|l| l.starts_with("tfd:")) {
        let t: Vec<&str> = line.split_whitespace().collect();
        let field = |name: &str| t.iter().position(|&x| x == name).map(|i| t[i + 1]);
        let fd: RawFd = field("tfd:").and_then(|v| v.parse().ok()).expect("tfd");
        let events = field("events:")
            .and_then(|v| u32::from_str_radix(v, 16).ok())
            .expect("events");
        let data = field("data:")
            .and_then(|v| u64::from_str_radix(v, 16).ok())
            .expect("data");
        if data == u64::MAX {
            assert!(waker.is_none(), "two waker entries: {info}");
            let fdinfo =
                std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).expect("waker fdinfo");
            let count = fdinfo
                .lines()
                .find_map(|l| l.strip_prefix("eventfd-count:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
                .expect("eventfd-count: the waker is an eventfd");
            waker = Some(WakerItem {
                events: events & (IN | OUT),
                count,
            });
            continue;
        }
        assert_eq!(
            data as u32, fd as u32,
            "epoll user data: the fd below: {line}"
        );
        items.push((fd, events & (IN | OUT), (data >> 32) as u32));
    }
    items.sort_unstable();
    (items, waker)
}

fn tuple(k: &SelectorKey<RawFd, u8>) -> KeyTuple {
    assert_eq!(k.fileobj, k.fd, "key.fileobj and key.fd differ: {k:?}");
    (k.fd, k.events, k.data)
}

struct Runner<S> {
    backend: Backend,
    make: fn() -> S,
    epfd: fn(&S) -> Option<RawFd>,
    /// The inherent `waker()` of `S`.
    waker: fn(&mut S) -> Result<Waker, Error>,
    /// Every handle made, with the model's instance it belongs to.
    wakers: Vec<(Waker, u32)>,
    sel: S,
    model: Model,
    world: World,
    log: String,
}

impl<S: BaseSelector<RawFd, u8>> Runner<S> {
    fn fail(&self, what: std::fmt::Arguments<'_>) -> ! {
        panic!(
            "{:?}: {what}\nops so far:\n{}model keys: {:?}\nepoll items: {:?}",
            self.backend, self.log, self.model.keys, self.model.kernel
        )
    }

    fn check_key(
        &self,
        op: &Op,
        got: Result<&SelectorKey<RawFd, u8>, Error>,
        want: Result<KeyTuple, Error>,
    ) {
        let got = got.map(tuple);
        if got != want {
            self.fail(format_args!("{op:?}: got {got:?}, model says {want:?}"));
        }
    }

    fn check_map(&self) {
        let got: Option<Vec<KeyTuple>> = self.sel.get_map().map(|m| {
            assert_eq!(m.len(), m.iter().count(), "map len");
            assert_eq!(m.is_empty(), m.iter().next().is_none());
            for k in m.iter() {
                assert!(m.contains(&k.fd) && m.get(&k.fd) == Some(k));
            }
            m.iter().map(tuple).collect()
        });
        let want = (!self.model.closed).then(|| {
            self.model
                .keys
                .iter()
                .map(|(&fd, &(e, d))| (fd, e, d))
                .collect::<Vec<_>>()
        });
        if got != want {
            self.fail(format_args!("get_map: got {got:?}, model says {want:?}"));
        }
        if self.backend.kqueue().is_some() && !self.model.closed {
            let probe = KQ_PROBE.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let probe = probe.expect("the kqueue model's probe");
            // The pool's knotes (the pipe waker's read end is below BASE_FD).
            let pool = BASE_FD..BASE_FD + SLOTS as RawFd;
            let mut got: Vec<(RawFd, Filter)> = probe
                .knotes()
                .into_iter()
                .filter(|(fd, _)| pool.contains(fd))
                .collect();
            let mut want: Vec<(RawFd, Filter)> = self
                .model
                .knotes
                .iter()
                .map(|&(fd, f, _)| (fd, f))
                .collect();
            got.sort_unstable_by_key(|&(fd, f)| (fd, f == Filter::Write));
            want.sort_unstable_by_key(|&(fd, f)| (fd, f == Filter::Write));
            if got != want {
                self.fail(format_args!(
                    "kqueue knotes: kernel {got:?}, model {want:?}"
                ));
            }
        }
        if let Some(epfd) = (self.epfd)(&self.sel) {
            let (got, waker) = epoll_interest(epfd);
            let want_waker = self.model.waker.then_some(WakerItem {
                events: IN,
                count: self.model.pending,
            });
            if waker != want_waker {
                self.fail(format_args!(
                    "epoll waker entry: kernel {waker:?}, model {want_waker:?}"
                ));
            }
            let mut want: Vec<(RawFd, u32, u32)> = self
                .model
                .kernel
                .iter()
                .map(|i| {
                    let mut bits = 0;
                    if i.events.is_readable() {
                        bits |= IN;
                    }
                    if i.events.is_writable() {
                        bits |= OUT;
                    }
                    (i.fd, bits, i.generation)
                })
                .collect();
            want.sort_unstable();
            if got != want {
                self.fail(format_args!(
                    "epoll interest list: kernel {got:?}, model {want:?}"
                ));
            }
        }
    }

    fn check_select(&mut self, borrowed: bool) {
        let want = self.model.select(&self.world);
        let got: Result<Vec<(KeyTuple, Events)>, Error> = if borrowed {
            self.sel.select_ready(Some(Duration::ZERO)).map(|ready| {
                let n = ready.len();
                let v: Vec<_> = ready.map(|(k, e)| (tuple(k), e)).collect();
                assert_eq!(n, v.len(), "Ready's ExactSizeIterator len");
                v
            })
        } else {
            self.sel
                .select(Some(Duration::ZERO))
                .map(|v| v.iter().map(|(k, e)| (tuple(k), *e)).collect())
        };
        let got = match (got, &want) {
            (Err(e), Prediction::Err(w)) if e == *w => return,
            (Ok(v), Prediction::Exact(_)) => v,
            (got, want) => self.fail(format_args!("select: got {got:?}, model says {want:?}")),
        };
        // Invariants, whatever the prediction: one entry per fd, each a registered key as the
        // model has it, with events non-empty and within the key's events.
        let mut seen = Vec::new();
        for &((fd, kev, kdata), ev) in &got {
            if seen.contains(&fd) {
                self.fail(format_args!("select: fd {fd} reported twice: {got:?}"));
            }
            seen.push(fd);
            match self.model.keys.get(&fd) {
                Some(&(e, d)) if (e, d) == (kev, kdata) => {}
                other => self.fail(format_args!(
                    "select: key {:?} reported, model has {other:?}",
                    (fd, kev, kdata)
                )),
            }
            if ev.is_empty() || !kev.contains(ev) {
                self.fail(format_args!("select: events {ev:?} for key events {kev:?}"));
            }
        }
        let mut got: Vec<(RawFd, Events)> = got.iter().map(|&((fd, _, _), e)| (fd, e)).collect();
        got.sort_unstable();
        match want {
            Prediction::Exact(want) if got != want => self.fail(format_args!(
                "select: got {got:?}, model says exactly {want:?}"
            )),
            _ => {}
        }
    }

    fn fd_io(&mut self, slot: usize, write: bool) {
        let Some(ofd) = self.world.fds[slot] else {
            return;
        };
        let fd = BASE_FD + slot as RawFd;
        let w = &mut self.world;
        let (pending, limit): (&mut usize, usize) = match (w.ofds[ofd].kind, write) {
            (Kind::PipeW(p), true) if w.refs(w.pipe_ofd[p][0]) > 0 => {
                (&mut w.pipe_data[p], MAX_PENDING)
            }
            (Kind::Sock(s, side), true) if w.refs(w.sock_ofd[s][1 - side]) > 0 => {
                (&mut w.sock_data[s][1 - side], MAX_SOCK_PENDING)
            }
            (Kind::PipeR(p), false) => (&mut w.pipe_data[p], MAX_PENDING),
            (Kind::Sock(s, side), false) => (&mut w.sock_data[s][side], MAX_SOCK_PENDING),
            // Nothing to do (writing with no reader would raise SIGPIPE).
            _ => return,
        };
        if write {
            if *pending >= limit {
                return;
            }
            // SAFETY: one byte from a live buffer to an open pool fd.
            let n = unsafe { sys::write(fd, b"x".as_ptr().cast(), 1) };
            assert_eq!(n, 1, "write to fd {fd}: errno {}", errno());
            *pending += 1;
        } else {
            let mut buf = [0u8; MAX_PENDING];
            while *pending > 0 {
                // SAFETY: buf is writable for `pending` <= MAX_PENDING bytes; the fd is open
                // and has that many bytes pending, so the read does not block.
                let n = unsafe { sys::read(fd, buf.as_mut_ptr().cast(), *pending) };
                assert!(n > 0, "read from fd {fd}: {n}, errno {}", errno());
                *pending -= n as usize;
            }
        }
    }

    fn close_fd(&mut self, slot: usize) {
        if let Some(ofd) = self.world.fds[slot].take() {
            let fd = BASE_FD + slot as RawFd;
            // SAFETY: the pool number is open and owned by this world.
            assert_eq!(unsafe { sys::close(fd) }, 0);
            kq_model::closed(fd);
            self.model.number_closed(fd);
            if self.world.unref(ofd) {
                self.model.forget(ofd);
            }
        }
    }

    fn dup2(&mut self, from: usize, to: usize) {
        let Some(ofd) = self.world.fds[from] else {
            return;
        };
        if from == to {
            return;
        }
        let (f, t) = (BASE_FD + from as RawFd, BASE_FD + to as RawFd);
        // SAFETY: both are pool numbers; f is open; dup2 closes t's old description.
        assert_eq!(unsafe { sys::dup2(f, t) }, t, "dup2: errno {}", errno());
        self.world.ofds[ofd].refs += 1;
        if let Some(old) = self.world.fds[to].replace(ofd) {
            kq_model::closed(t);
            self.model.number_closed(t);
            if self.world.unref(old) {
                self.model.forget(old);
            }
        }
    }

    fn step(&mut self, op: Op) {
        let _ = writeln!(self.log, "  {op:?}");
        match op {
            Op::Register(f, mask, data) => {
                let fd = f.fd();
                let want = self.model.register(&self.world, fd, mask, data);
                let got = self.sel.register(fd, Events::from_bits_retain(mask), data);
                let got = got.map(tuple);
                if got != want {
                    self.fail(format_args!("{op:?}: got {got:?}, model says {want:?}"));
                }
            }
            Op::Modify(f, mask, data) => {
                let fd = f.fd();
                let want = self.model.modify(&self.world, fd, mask, data);
                let got = self.sel.modify(&fd, Events::from_bits_retain(mask), data);
                let got = got.map(tuple);
                if got != want {
                    self.fail(format_args!("{op:?}: got {got:?}, model says {want:?}"));
                }
            }
            Op::Unregister(f) => {
                let fd = f.fd();
                let want = self.model.unregister(&self.world, fd);
                let got = self.sel.unregister(&fd);
                let got = got.as_ref().map(tuple).map_err(|e| *e);
                if got != want {
                    self.fail(format_args!("{op:?}: got {got:?}, model says {want:?}"));
                }
            }
            Op::GetKey(f) => {
                let fd = f.fd();
                let want = self.model.get_key(fd);
                self.check_key(&op, self.sel.get_key(&fd), want);
            }
            Op::Select { borrowed } => self.check_select(borrowed),
            Op::GetMap => {}
            Op::Close => {
                self.sel.close();
                self.model.close();
            }
            Op::Recreate => {
                self.sel = (self.make)();
                let instance = self.model.instance + 1;
                self.model = Model::new(self.backend);
                self.model.instance = instance;
            }
            Op::Write(slot) => self.fd_io(slot, true),
            Op::Drain(slot) => self.fd_io(slot, false),
            Op::CloseFd(slot) => self.close_fd(slot),
            Op::Dup2(from, to) => self.dup2(from, to),
            Op::Waker => {
                let want = self.model.make_waker();
                let got = (self.waker)(&mut self.sel);
                match (got, want) {
                    (Ok(w), Ok(instance)) => {
                        // A bounded pool of handles (clones share the object).
                        if self.wakers.len() < 4 {
                            self.wakers.push((w, instance));
                        }
                    }
                    (Err(e), Err(w)) if e == w => {}
                    (got, want) => {
                        self.fail(format_args!("{op:?}: got {got:?}, model says {want:?}"))
                    }
                }
            }
            Op::Wake(n) => {
                if !self.wakers.is_empty() {
                    let (w, instance) = &self.wakers[usize::from(n) % self.wakers.len()];
                    let got = w.wake();
                    let want = self.model.wake(*instance);
                    if got != want {
                        self.fail(format_args!("{op:?}: got {got:?}, model says {want:?}"));
                    }
                }
            }
        }
        self.check_map();
    }
}

fn run_with<S: BaseSelector<RawFd, u8>>(
    backend: Backend,
    make: fn() -> S,
    epfd: fn(&S) -> Option<RawFd>,
    waker: fn(&mut S) -> Result<Waker, Error>,
    ops: &[Op],
) {
    let before = count_fds();
    let mut r = Runner {
        backend,
        make,
        epfd,
        waker,
        wakers: Vec::new(),
        sel: make(),
        model: Model::new(backend),
        world: World::new(),
        log: String::new(),
    };
    for &op in ops {
        r.step(op);
    }
    let Runner {
        sel,
        mut world,
        wakers,
        ..
    } = r;
    drop(sel);
    for (w, _) in &wakers {
        assert_eq!(
            w.wake(),
            Err(Error::Closed),
            "a waker outlived its selector"
        );
    }
    drop(wakers);
    world.close_all();
    for slot in 0..SLOTS {
        assert!(
            !is_open(BASE_FD + slot as RawFd),
            "pool fd {slot} left open"
        );
    }
    let after = count_fds();
    assert_eq!(
        before, after,
        "{backend:?}: fds leaked (before {before}, after {after})"
    );
}

/// Runs `ops` on `backend` against the model; panics on any divergence or leaked fd.
pub fn run_ops(backend: Backend, ops: &[Op]) {
    match backend {
        Backend::Select => run_with(
            backend,
            SelectSelector::<RawFd, u8>::new,
            |_| None,
            SelectSelector::waker,
            ops,
        ),
        Backend::Poll => run_with(
            backend,
            PollSelector::<RawFd, u8>::new,
            |_| None,
            PollSelector::waker,
            ops,
        ),
        Backend::Epoll => run_with(
            backend,
            || EpollSelector::<RawFd, u8>::new().expect("epoll_create1"),
            |s| s.fileno().ok(),
            EpollSelector::waker,
            ops,
        ),
        Backend::Default => run_with(
            backend,
            || DefaultSelector::<RawFd, u8>::new().expect("DefaultSelector::new"),
            |s| s.fileno().ok(),
            DefaultSelector::waker,
            ops,
        ),
        Backend::DevpollIllumos => run_with(
            backend,
            || DevpollModel::with_kernel(ModelDevpoll::new(DevpollOs::Illumos)),
            |_| None,
            DevpollModel::waker,
            ops,
        ),
        Backend::DevpollSolaris => run_with(
            backend,
            || DevpollModel::with_kernel(ModelDevpoll::new(DevpollOs::Solaris)),
            |_| None,
            DevpollModel::waker,
            ops,
        ),
        Backend::KqueueFreeBsd => run_kqueue(backend, || kqueue_model(KqOs::FreeBsd), ops),
        Backend::KqueueMacOs => run_kqueue(backend, || kqueue_model(KqOs::MacOs), ops),
        Backend::KqueueNetBsd9 => run_kqueue(backend, || kqueue_model(KqOs::NetBsd9), ops),
        Backend::KqueueNetBsd10 => run_kqueue(backend, || kqueue_model(KqOs::NetBsd10), ops),
        Backend::KqueueOpenBsd => run_kqueue(backend, || kqueue_model(KqOs::OpenBsd), ops),
        Backend::KqueueDragonFly => run_kqueue(backend, || kqueue_model(KqOs::DragonFly), ops),
    }
}

fn run_kqueue(backend: Backend, make: fn() -> KqueueModel, ops: &[Op]) {
    run_with(backend, make, |_| None, KqueueModel::waker, ops);
    *KQ_PROBE.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Fuzz entry point: the first byte picks the backend, the rest are ops.
pub fn run_bytes(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let backend = Backend::ALL[usize::from(first) % Backend::ALL.len()];
    run_ops(backend, &decode(rest));
}
