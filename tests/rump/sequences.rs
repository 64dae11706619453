//! Random op sequences on two `KqueueSelector`s side by side: one over NetBSD's kernel (the rump
//! kernel's kqueue and fds), one over the NetBSD kqueue model (host fds). Each op is applied to
//! both and every answer must be the same: register, modify, unregister, select (zero
//! timeout), closing and recreating the selector, `waker()` and `wake()` (a pipe waker on both:
//! neither kernel has `EVFILT_USER`), and on the files: write a byte, read, close, `dup2`.
//!
//! tests/model/mod.rs's interpreter cannot take this kernel as one more backend: its pool,
//! reads, writes, closes and `dup2`s are the host's system calls on host fd numbers, and its
//! checks read the host's `/proc`. So the pool here is made in each world (two pipes, two
//! socketpairs, all non-blocking, moved to fixed numbers: `RUMP_BASE..` in the rump kernel,
//! `HOST_BASE..` on the host), and answers are compared with fds turned back into slots.

use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ioselectors::__kernels::kqueue::{Kernel, KqueueBackend};
use ioselectors::{BaseSelector, Error, Events, GenericSelector, Waker};

use super::kernel::{self as rump, RumpKq};
use crate::common::Rng;
use crate::kernels::kqueue::{self, ModelKq, Os};

/// Pool slots: pipe 0 (read, write), pipe 1, socketpair 0, socketpair 1.
const SLOTS: usize = 8;
const RUMP_BASE: c_int = 40;
const HOST_BASE: c_int = 640;
/// Ops per sequence.
const OPS: usize = 60;
/// Sequences per run.
pub const SEQUENCES: usize = 400;

#[derive(Clone, Copy, Debug)]
enum Op {
    Register(usize, u8),
    Modify(usize, u8),
    Unregister(usize),
    Select,
    Write(usize),
    Read(usize),
    CloseFd(usize),
    Dup2(usize, usize),
    CloseSelector,
    NewSelector,
    Waker,
    Wake,
}

/// A file of the pool: `(pair index 0..4, end 0|1)`; pairs 0-1 are pipes, 2-3 socketpairs.
type FileId = (usize, usize);

/// The generator's view of which file each slot holds, so that it never writes to a file
/// whose peer is gone (`SIGPIPE`: the host ignores it, the rump kernel's is not wanted here).
struct Gen {
    files: [Option<FileId>; SLOTS],
}

impl Gen {
    fn peer_alive(&self, slot: usize) -> bool {
        let Some((pair, end)) = self.files[slot] else {
            return true; // closed: EBADF, no signal
        };
        self.files.contains(&Some((pair, 1 - end)))
    }

    fn op(&mut self, rng: &mut Rng) -> Op {
        let slot = rng.below(SLOTS);
        let mask = 1 + rng.below(3) as u8;
        match rng.below(100) {
            0..=19 => Op::Register(slot, mask),
            20..=29 => Op::Modify(slot, mask),
            30..=37 => Op::Unregister(slot),
            38..=55 => Op::Select,
            56..=67 if self.peer_alive(slot) => Op::Write(slot),
            56..=75 => Op::Read(slot),
            76..=81 => Op::CloseFd(slot),
            82..=86 => {
                let to = rng.below(SLOTS);
                if self.files[slot].is_none() {
                    // dup2 of a closed number fails: not generated.
                    return Op::Select;
                }
                self.files[to] = self.files[slot];
                Op::Dup2(slot, to)
            }
            87..=88 => Op::CloseSelector,
            89..=90 => Op::NewSelector,
            91..=94 => Op::Waker,
            _ => Op::Wake,
        }
    }

    fn apply(&mut self, op: Op) {
        if let Op::CloseFd(slot) = op {
            self.files[slot] = None;
        }
    }
}

/// One world's files.
pub trait Io {
    fn base(&self) -> c_int;
    fn write(&self, fd: c_int) -> Result<usize, i32>;
    fn read(&self, fd: c_int) -> Result<usize, i32>;
    fn close(&self, fd: c_int) -> Result<(), i32>;
    fn dup2(&self, from: c_int, to: c_int) -> Result<(), i32>;
    fn eagain(&self) -> i32;
    /// Whether this is the host (Linux's errno numbers).
    fn host(&self) -> bool;
}

/// The rump kernel's files; the pool at `.0..`.
pub struct RumpIo(pub c_int);

impl Io for RumpIo {
    fn base(&self) -> c_int {
        self.0
    }
    fn write(&self, fd: c_int) -> Result<usize, i32> {
        rump::write(fd, b"x")
    }
    fn read(&self, fd: c_int) -> Result<usize, i32> {
        rump::read(fd, &mut [0; 64])
    }
    fn close(&self, fd: c_int) -> Result<(), i32> {
        rump::close(fd)
    }
    fn dup2(&self, from: c_int, to: c_int) -> Result<(), i32> {
        rump::dup2(from, to)
    }
    fn eagain(&self) -> i32 {
        rump::EAGAIN
    }
    fn host(&self) -> bool {
        false
    }
}

/// The host's files; the pool at `.0..`.
pub struct HostIo(pub c_int);

fn host_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl Io for HostIo {
    fn base(&self) -> c_int {
        self.0
    }
    fn write(&self, fd: c_int) -> Result<usize, i32> {
        // SAFETY: one byte, valid for reads.
        let n = unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) };
        if n < 0 {
            Err(host_errno())
        } else {
            Ok(n as usize)
        }
    }
    fn read(&self, fd: c_int) -> Result<usize, i32> {
        let mut buf = [0u8; 64];
        // SAFETY: buf is valid for writes of 64 bytes.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            Err(host_errno())
        } else {
            Ok(n as usize)
        }
    }
    fn close(&self, fd: c_int) -> Result<(), i32> {
        // SAFETY: a pool number this world owns.
        if unsafe { libc::close(fd) } < 0 {
            Err(host_errno())
        } else {
            // The model drops the number's knotes at close time, as the kernel does (also
            // when the same file comes back at the number later).
            kqueue::closed(fd);
            Ok(())
        }
    }
    fn dup2(&self, from: c_int, to: c_int) -> Result<(), i32> {
        // SAFETY: pool numbers this world owns.
        if unsafe { libc::dup2(from, to) } < 0 {
            Err(host_errno())
        } else {
            if from != to {
                kqueue::closed(to);
            }
            Ok(())
        }
    }
    fn eagain(&self) -> i32 {
        libc::EAGAIN
    }
    fn host(&self) -> bool {
        true
    }
}

/// The pool in the rump kernel, at `base..`: two pipes, two socketpairs, then (`file`) a
/// regular file of its tmpfs.
pub fn rump_pool(base: c_int, file: bool) {
    let mut fds = Vec::new();
    for _ in 0..2 {
        let (r, w) = rump::pipe_with(rump::O_NONBLOCK);
        fds.extend([r, w]);
    }
    for _ in 0..2 {
        let (a, b) = rump::pair_with(rump::SOCK_NONBLOCK);
        fds.extend([a, b]);
    }
    if file {
        fds.push(rump::regular_file(&format!("pool-{base}")));
    }
    for (i, fd) in fds.iter().enumerate() {
        rump::dup2(fd.raw(), base + i as c_int).unwrap();
    }
}

/// The pool on the host, at `base..`, as [`rump_pool`].
pub fn host_pool(base: c_int, file: bool) {
    let mut fds = Vec::new();
    for _ in 0..2 {
        let mut p = [-1; 2];
        assert_eq!(
            // SAFETY: p is valid for writes of two ints.
            unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) },
            0
        );
        fds.extend(p);
    }
    for _ in 0..2 {
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        b.set_nonblocking(true).unwrap();
        fds.extend([a, b].map(std::os::fd::IntoRawFd::into_raw_fd));
    }
    if file {
        fds.push(std::os::fd::IntoRawFd::into_raw_fd(
            crate::common::temp_file(),
        ));
    }
    for (i, &fd) in fds.iter().enumerate() {
        // SAFETY: fd is ours; the target number is the pool's.
        assert!(unsafe { libc::dup2(fd, base + i as c_int) } >= 0);
        // SAFETY: the original, ours.
        unsafe { libc::close(fd) };
    }
}

pub type Sel<K> = GenericSelector<KqueueBackend<K>, c_int, u8>;

/// One world: a selector (or none after `CloseSelector`), its wakers, its files.
pub struct World<K: Kernel> {
    pub sel: Sel<K>,
    pub make: fn() -> K,
    pub wakers: Vec<Waker>,
    pub io: Box<dyn Io>,
}

impl<K: Kernel> World<K> {
    pub fn slot(&self, fd: c_int) -> isize {
        (i64::from(fd) - i64::from(self.io.base())) as isize
    }

    /// A pool number as its slot, any other number as itself.
    fn name(&self, fd: c_int) -> String {
        match self.slot(fd) {
            s @ 0..=63 => format!("slot {s}"),
            _ => fd.to_string(),
        }
    }

    pub fn error(&self, e: Error) -> String {
        match e {
            Error::AlreadyRegistered(fd) => format!("AlreadyRegistered({})", self.name(fd)),
            Error::NotRegistered(fd) => format!("NotRegistered({})", self.name(fd)),
            Error::InvalidFd(fd) => format!("InvalidFd({})", self.name(fd)),
            other => format!("{other:?}"),
        }
    }

    pub fn io_result(&self, r: Result<usize, i32>) -> String {
        match r {
            Err(e) if e == self.io.eagain() => "EAGAIN".into(),
            // Linux: a read from a socket whose peer closed with unread data in its own queue
            // is ECONNRESET once; NetBSD reads the end of file. Not kqueue's business.
            Err(libc::ECONNRESET) if self.io.host() => "Ok(0)".into(),
            other => format!("{other:?}"),
        }
    }

    /// Apply `op`: the answer, with fds as slots.
    fn apply(&mut self, op: Op) -> String {
        let fd = |slot: usize| self.io.base() + slot as c_int;
        match op {
            Op::Register(s, m) => {
                let r = self
                    .sel
                    .register(fd(s), Events::from_bits_retain(m.into()), m)
                    .map(|k| (k.events, k.data));
                r.map_or_else(|e| self.error(e), |k| format!("{k:?}"))
            }
            Op::Modify(s, m) => {
                let r = self
                    .sel
                    .modify(&fd(s), Events::from_bits_retain(m.into()), m)
                    .map(|k| (k.events, k.data));
                r.map_or_else(|e| self.error(e), |k| format!("{k:?}"))
            }
            Op::Unregister(s) => {
                let r = self.sel.unregister(&fd(s)).map(|k| (k.events, k.data));
                r.map_or_else(|e| self.error(e), |k| format!("{k:?}"))
            }
            Op::Select => match self.sel.select(Some(Duration::ZERO)) {
                Ok(ready) => {
                    let mut v: Vec<(isize, Events, u8)> = ready
                        .iter()
                        .map(|(k, ev)| (self.slot(k.fd), *ev, k.data))
                        .collect();
                    v.sort();
                    format!("{v:?}")
                }
                Err(e) => self.error(e),
            },
            Op::Write(s) => self.io_result(self.io.write(fd(s))),
            Op::Read(s) => self.io_result(self.io.read(fd(s))),
            Op::CloseFd(s) => format!("{:?}", self.io.close(fd(s))),
            Op::Dup2(a, b) => format!("{:?}", self.io.dup2(fd(a), fd(b))),
            Op::CloseSelector => {
                self.sel.close();
                String::new()
            }
            Op::NewSelector => {
                self.sel = Sel::with_kernel((self.make)());
                String::new()
            }
            Op::Waker => match self.sel.waker() {
                Ok(w) => {
                    self.wakers.push(w);
                    "Ok".into()
                }
                Err(e) => self.error(e),
            },
            Op::Wake => match self.wakers.last() {
                Some(w) => format!("{:?}", w.wake()),
                None => "no waker".into(),
            },
        }
    }

    pub fn close_pool(&self, slots: usize) {
        for i in 0..slots {
            let _ = self.io.close(self.io.base() + i as c_int);
        }
    }
}

pub fn netbsd_model() -> ModelKq {
    ModelKq::new(Os::NetBsd9)
}

/// `SEQUENCES` sequences of `OPS` ops: the selector over NetBSD's kernel and the one over the
/// NetBSD model give the same answer to every op.
#[test]
fn kernel_and_model_sequences_agree() {
    let _k = rump::kernel();
    let _lock = crate::common::lock();
    let mut rng = Rng::from_clock();
    let mut ops_run = 0;
    for seq in 0..SEQUENCES {
        rump_pool(RUMP_BASE, false);
        host_pool(HOST_BASE, false);
        let mut kernel = World {
            sel: Sel::with_kernel(RumpKq::new()),
            make: RumpKq::new,
            wakers: Vec::new(),
            io: Box::new(RumpIo(RUMP_BASE)),
        };
        let mut model = World {
            sel: Sel::with_kernel(netbsd_model()),
            make: netbsd_model,
            wakers: Vec::new(),
            io: Box::new(HostIo(HOST_BASE)),
        };
        let mut gen = Gen {
            files: [0, 1, 2, 3, 4, 5, 6, 7].map(|i| Some((i / 2, i % 2))),
        };
        let mut trace = Vec::new();
        for _ in 0..OPS {
            let op = gen.op(&mut rng);
            gen.apply(op);
            let (k, m) = (kernel.apply(op), model.apply(op));
            trace.push(format!("{op:?} -> {k}"));
            ops_run += 1;
            assert_eq!(
                k,
                m,
                "sequence {seq}: kernel and model differ at the last op of\n{}",
                trace.join("\n")
            );
        }
        kernel.close_pool(SLOTS);
        model.close_pool(SLOTS);
    }
    eprintln!("{SEQUENCES} sequences, {ops_run} ops: no divergence");
}
