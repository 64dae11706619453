//! One scenario list, run on the NetBSD kqueue model (tests/kernels/kqueue.rs, over host fds)
//! and on NetBSD's kernel (the rump kernel, over its fds): every answer must be the same.
//!
//! A scenario makes files (numbered slots: the same slot is a different fd number in each
//! world), closes and `dup2`s them, writes to them, and calls `kevent` with raw change lists
//! and event-slot counts (0 and fewer slots than changes included, which the backend itself
//! never does). An answer is the call's errno, or its returned entries as `(slot, filter,
//! EV_ERROR | EV_EOF bits, data of an EV_ERROR entry)`, sorted: `data` of a readiness entry (bytes
//! readable, space writable) and the order of a scan are not modelled.

use std::os::fd::IntoRawFd;
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ioselectors::__kernels::kqueue::{Action, Change, Filter, Kernel, Kev};
use ioselectors::Error;

use super::kernel::{self as rump, Kevent, RumpKq};
use crate::kernels::kqueue::{ModelKq, Os};

/// One step of a scenario; slots are numbered in the order the files are made.
#[derive(Clone, Debug)]
pub enum Step {
    /// A pipe: two slots, read end then write end.
    Pipe,
    /// A socketpair (AF_LOCAL / AF_UNIX stream): two slots.
    Pair,
    /// A new empty regular file: one slot.
    File,
    /// Close a slot's number.
    Close(usize),
    /// `dup2(slot a, number of slot b)`.
    Dup2(usize, usize),
    /// Write one byte to a slot.
    Write(usize),
    /// `kevent` with these changes (with `EV_RECEIPT` when the flag says so), this many event
    /// slots and a zero timeout.
    Kevent(Vec<(usize, Filter, Action)>, bool, usize),
    /// The waker's `EVFILT_USER` `EV_ADD | EV_CLEAR | EV_RECEIPT`, one slot.
    AddUser,
}

use Action::{Add, Delete};
use Filter::{Read, Write};
use Step::*;

/// A returned entry, normalised: `(slot, filter, EV_ERROR|EV_EOF, errno of a receipt)`; the
/// slot is `usize::MAX` for an ident that is no slot's number (the user filter's 0 included,
/// marked by the filter name "user").
type Entry = (usize, &'static str, u32, i64);
type Answer = Result<Vec<Entry>, i32>;

const EV_ERROR: u32 = 0x4000;
const EV_EOF: u32 = 0x8000;

fn normalise(kevs: &[Kev], slots: &[c_int]) -> Vec<Entry> {
    let mut v: Vec<Entry> = kevs
        .iter()
        .map(|k| {
            let slot = slots
                .iter()
                .rposition(|&fd| fd as usize == k.ident && !k.user)
                .unwrap_or(usize::MAX);
            let filter = match (k.filter, k.user) {
                (_, true) => "user",
                (Some(Read), _) => "read",
                (Some(Write), _) => "write",
                (None, _) => "other",
            };
            let error = k.flags & EV_ERROR != 0;
            (
                slot,
                filter,
                k.flags & (EV_ERROR | EV_EOF),
                if error { k.data } else { 0 },
            )
        })
        .collect();
    v.sort();
    v
}

/// A kqueue and the files of a scenario.
trait World {
    fn slots(&mut self) -> &mut Vec<c_int>;
    fn pipe(&mut self) -> (c_int, c_int);
    fn pair(&mut self) -> (c_int, c_int);
    fn file(&mut self, n: usize) -> c_int;
    fn close(&mut self, fd: c_int);
    fn dup2(&mut self, from: c_int, to: c_int);
    fn write(&mut self, fd: c_int);
    fn kevent(
        &mut self,
        changes: &[Change],
        receipts: bool,
        nevents: usize,
    ) -> Result<Vec<Kev>, i32>;
    fn add_user(&mut self) -> Result<Vec<Kev>, i32>;

    /// Run `steps`: the answer of each `Kevent` and `AddUser`.
    fn run(&mut self, steps: &[Step]) -> Vec<Answer> {
        let mut answers = Vec::new();
        let mut files = 0;
        for step in steps {
            match step {
                Pipe | Pair => {
                    let (a, b) = if matches!(step, Pipe) {
                        self.pipe()
                    } else {
                        self.pair()
                    };
                    self.slots().extend([a, b]);
                }
                File => {
                    files += 1;
                    let f = self.file(files);
                    self.slots().push(f);
                }
                Close(s) => {
                    let fd = self.slots()[*s];
                    self.close(fd);
                }
                Dup2(a, b) => {
                    let (a, b) = (self.slots()[*a], self.slots()[*b]);
                    self.dup2(a, b);
                }
                Step::Write(s) => {
                    let fd = self.slots()[*s];
                    self.write(fd);
                }
                Kevent(changes, receipts, nevents) => {
                    let slots = self.slots().clone();
                    let changes: Vec<Change> = changes
                        .iter()
                        .map(|&(s, filter, action)| Change {
                            fd: slots[s],
                            filter,
                            action,
                        })
                        .collect();
                    let got = self.kevent(&changes, *receipts, *nevents);
                    answers.push(got.map(|k| normalise(&k, &slots)));
                }
                AddUser => {
                    let slots = self.slots().clone();
                    answers.push(self.add_user().map(|k| normalise(&k, &slots)));
                }
            }
        }
        answers
    }
}

/// The NetBSD model, over host fds (the model reads their readiness with Linux's poll).
struct ModelWorld {
    kq: ModelKq,
    slots: Vec<c_int>,
    files: Vec<std::fs::File>,
    /// Numbers closed by the scenario (not closed again: another thread may have one now).
    closed: Vec<c_int>,
}

fn host(rv: c_int) -> c_int {
    assert!(rv >= 0, "{}", std::io::Error::last_os_error());
    rv
}

impl World for ModelWorld {
    fn slots(&mut self) -> &mut Vec<c_int> {
        &mut self.slots
    }
    fn pipe(&mut self) -> (c_int, c_int) {
        let mut fds = [-1; 2];
        // SAFETY: fds is valid for writes of two ints.
        host(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) });
        (fds[0], fds[1])
    }
    fn pair(&mut self) -> (c_int, c_int) {
        let (a, b) = UnixStream::pair().unwrap();
        (a.into_raw_fd(), b.into_raw_fd())
    }
    fn file(&mut self, _n: usize) -> c_int {
        let f = crate::common::temp_file();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
        self.files.push(f);
        fd
    }
    fn close(&mut self, fd: c_int) {
        if let Some(i) = self
            .files
            .iter()
            .position(|f| std::os::fd::AsRawFd::as_raw_fd(f) == fd)
        {
            drop(self.files.remove(i));
        } else {
            // SAFETY: a number this world made and owns.
            host(unsafe { libc::close(fd) });
        }
        crate::kernels::kqueue::closed(fd);
        self.closed.push(fd);
    }
    fn dup2(&mut self, from: c_int, to: c_int) {
        // SAFETY: two numbers this world owns.
        host(unsafe { libc::dup2(from, to) });
        crate::kernels::kqueue::closed(to);
        self.closed.retain(|&fd| fd != to);
    }
    fn write(&mut self, fd: c_int) {
        // SAFETY: one byte, valid for reads.
        let n = unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) };
        assert_eq!(n, 1, "write: {}", std::io::Error::last_os_error());
    }
    fn kevent(
        &mut self,
        changes: &[Change],
        receipts: bool,
        nevents: usize,
    ) -> Result<Vec<Kev>, i32> {
        self.kq.receipts = receipts;
        let mut events = Vec::new();
        let res = self
            .kq
            .kevent(changes, &mut events, nevents, Some(Duration::ZERO));
        self.kq.receipts = true;
        match res {
            Ok(()) => Ok(events),
            Err(Error::Os(e)) => Err(e),
            Err(e) => panic!("{e:?}"),
        }
    }
    fn add_user(&mut self) -> Result<Vec<Kev>, i32> {
        let mut events = Vec::new();
        match self.kq.add_user(&mut events) {
            Ok(()) => Ok(events),
            Err(Error::Os(e)) => Err(e),
            Err(e) => panic!("{e:?}"),
        }
    }
}

impl Drop for ModelWorld {
    fn drop(&mut self) {
        let files: Vec<c_int> = self
            .files
            .iter()
            .map(std::os::fd::AsRawFd::as_raw_fd)
            .collect();
        let mut fds = self.slots.clone();
        fds.sort();
        fds.dedup();
        for fd in fds
            .into_iter()
            .filter(|fd| !files.contains(fd) && !self.closed.contains(fd))
        {
            // SAFETY: numbers this world made and still owns.
            unsafe { libc::close(fd) };
        }
    }
}

/// NetBSD's kernel, over the rump kernel's fds.
struct RumpWorld {
    kq: RumpKq,
    slots: Vec<c_int>,
}

impl World for RumpWorld {
    fn slots(&mut self) -> &mut Vec<c_int> {
        &mut self.slots
    }
    fn pipe(&mut self) -> (c_int, c_int) {
        let (r, w) = rump::pipe();
        (r.into_raw(), w.into_raw())
    }
    fn pair(&mut self) -> (c_int, c_int) {
        let (a, b) = rump::pair();
        (a.into_raw(), b.into_raw())
    }
    fn file(&mut self, n: usize) -> c_int {
        rump::regular_file(&format!("scenario-{n}-{}", std::process::id())).into_raw()
    }
    fn close(&mut self, fd: c_int) {
        rump::close(fd).unwrap();
    }
    fn dup2(&mut self, from: c_int, to: c_int) {
        rump::dup2(from, to).unwrap();
    }
    fn write(&mut self, fd: c_int) {
        assert_eq!(rump::write(fd, b"x"), Ok(1));
    }
    fn kevent(
        &mut self,
        changes: &[Change],
        receipts: bool,
        nevents: usize,
    ) -> Result<Vec<Kev>, i32> {
        let list: Vec<Kevent> = changes
            .iter()
            .map(|c| {
                let mut k = rump::to_kevent(c);
                if !receipts {
                    k.flags &= !rump::EV_RECEIPT;
                }
                k
            })
            .collect();
        self.kq
            .raw(&list, nevents, Some(Duration::ZERO))
            .map(|out| out.iter().map(rump::from_kevent).collect())
    }
    fn add_user(&mut self) -> Result<Vec<Kev>, i32> {
        let mut events = Vec::new();
        match self.kq.add_user(&mut events) {
            Ok(()) => Ok(events),
            Err(Error::Os(e)) => Err(e),
            Err(e) => panic!("{e:?}"),
        }
    }
}

impl Drop for RumpWorld {
    fn drop(&mut self) {
        let mut fds = self.slots.clone();
        fds.sort();
        fds.dedup();
        for fd in fds {
            let _ = rump::close(fd);
        }
    }
}

/// A scan: no change, 8 slots.
fn scan() -> Step {
    Kevent(vec![], true, 8)
}

fn add(slot: usize, filter: Filter) -> Step {
    Kevent(vec![(slot, filter, Add)], true, 1)
}

fn delete(slot: usize, filter: Filter) -> Step {
    Kevent(vec![(slot, filter, Delete)], true, 1)
}

/// The scenario list: the rows of what NetBSD 7.99's kernel answered (ARCHITECTURE.md, "kqueue
/// kernels"), and a few more.
pub fn scenarios() -> Vec<(&'static str, Vec<Step>)> {
    let both = |s: usize| vec![(s, Read, Add), (s, Write, Add)];
    let both_deleted = || Kevent(vec![(0, Read, Delete), (0, Write, Delete)], true, 2);
    vec![
        (
            "receipts, 2 changes, 2 slots: no readiness scan in that call",
            vec![Pair, Kevent(both(0), true, 2), scan()],
        ),
        (
            "receipts, 2 changes, 8 slots",
            vec![Pair, Kevent(both(0), true, 8), scan()],
        ),
        (
            "receipts, 2 changes, 1 slot",
            vec![Pair, Kevent(both(0), true, 1), both_deleted()],
        ),
        (
            "receipts, 2 changes, 0 slots",
            vec![Pair, Kevent(both(0), true, 0), both_deleted()],
        ),
        (
            "more errors than slots",
            vec![Pair, Close(0), Kevent(both(0), true, 1)],
        ),
        (
            "no EV_RECEIPT, 8 slots: the scan runs",
            vec![Pair, Kevent(both(0), false, 8)],
        ),
        (
            "no EV_RECEIPT, 0 slots",
            vec![Pair, Kevent(both(0), false, 0), both_deleted()],
        ),
        (
            "EV_ADD on a closed fd, then a good change, 2 slots",
            vec![
                Pair,
                Close(0),
                Kevent(vec![(0, Read, Add), (1, Read, Add)], true, 2),
                delete(1, Read),
            ],
        ),
        (
            "EV_ADD on a closed fd, then a good change, 0 slots",
            vec![
                Pair,
                Close(0),
                Kevent(vec![(0, Read, Add), (1, Read, Add)], true, 0),
                delete(1, Read),
            ],
        ),
        (
            "close removes filters and queued events",
            vec![
                Pair,
                Step::Write(1),
                add(0, Read),
                add(0, Write),
                scan(),
                Close(0),
                scan(),
            ],
        ),
        (
            "EV_DELETE on a closed number",
            vec![Pair, add(0, Read), Close(0), delete(0, Read)],
        ),
        (
            "dup2 over a registered number",
            vec![
                Pair,
                Pair,
                add(0, Read),
                Dup2(2, 0),
                delete(0, Read),
                Step::Write(3),
                scan(),
            ],
        ),
        (
            "EV_DELETE of a filter not there",
            vec![
                Pair,
                delete(0, Write),
                add(0, Read),
                delete(0, Write),
                delete(0, Read),
                delete(0, Read),
            ],
        ),
        (
            "EVFILT_WRITE on a pipe whose reader is gone",
            vec![Pipe, Close(0), add(1, Write), add(1, Read), scan()],
        ),
        (
            "writer filter, then the reader closes: EV_EOF every scan",
            vec![Pipe, add(1, Write), scan(), Close(0), scan(), scan()],
        ),
        (
            "reader filter, then the writer closes",
            vec![Pipe, add(0, Read), scan(), Close(1), scan(), scan()],
        ),
        (
            "pipe read end, data then the writer closes",
            vec![Pipe, add(0, Read), Step::Write(1), scan(), Close(1), scan()],
        ),
        (
            "EVFILT_WRITE on a pipe's read end",
            vec![Pipe, add(0, Write), scan(), Close(1), scan()],
        ),
        (
            "EVFILT_READ on a pipe's write end",
            vec![Pipe, add(1, Read), scan(), Close(0), scan()],
        ),
        (
            "socketpair peer closes: READ and WRITE with EV_EOF",
            vec![Pair, Kevent(both(0), true, 2), scan(), Close(1), scan()],
        ),
        (
            "socketpair shut down by the peer after data",
            vec![
                Pair,
                Kevent(both(0), true, 2),
                Step::Write(1),
                scan(),
                Close(1),
                scan(),
            ],
        ),
        (
            "a second EV_ADD updates the filter: one entry",
            vec![Pair, add(0, Write), add(0, Write), scan()],
        ),
        (
            "EV_ADD and EV_DELETE of one filter in one call",
            vec![
                Pair,
                Kevent(vec![(0, Write, Add), (0, Write, Delete)], true, 2),
                scan(),
            ],
        ),
        ("EVFILT_USER", vec![AddUser, AddUser]),
        (
            "a regular file at its end: WRITE only",
            vec![
                File,
                Kevent(vec![(0, Read, Add), (0, Write, Add)], true, 2),
                scan(),
                Step::Write(0),
                scan(),
            ],
        ),
        (
            "readiness after read ready and written",
            vec![
                Pair,
                add(0, Read),
                scan(),
                Step::Write(1),
                scan(),
                add(1, Write),
                scan(),
            ],
        ),
    ]
}

/// The scenario list on the model and on the kernel: identical answers, scenario by scenario.
#[test]
fn netbsd_model_matches_the_kernel() {
    let _k = rump::kernel();
    let _lock = crate::common::lock();
    let mut diverged = Vec::new();
    let list = scenarios();
    for (name, steps) in &list {
        let model = ModelWorld {
            kq: ModelKq::new(Os::NetBsd9),
            slots: Vec::new(),
            files: Vec::new(),
            closed: Vec::new(),
        }
        .run(steps);
        let kernel = RumpWorld {
            kq: RumpKq::new(),
            slots: Vec::new(),
        }
        .run(steps);
        eprintln!("{name}:\n  kernel {kernel:?}");
        if model != kernel {
            eprintln!("  model  {model:?}  DIFFERS");
            diverged.push(*name);
        }
    }
    eprintln!("{} scenarios, {} diverged", list.len(), diverged.len());
    assert!(
        diverged.is_empty(),
        "the model diverged from NetBSD's kernel: {diverged:?}"
    );
}
