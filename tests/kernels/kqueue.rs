//! An in-memory kqueue per OS ([`Os`]), implementing `ioselectors::__kernels::kqueue::Kernel`.
//!
//! Rules, with where they come from:
//!
//! * **Changes** are applied in order (FreeBSD `kern_event.c` `kqueue_kevent`). `EV_ADD` and
//!   `EV_DELETE` look the fd up first: a closed number is `EBADF`, for a delete too (NetBSD's
//!   kernel answered EBADF under a rump kernel; FreeBSD `kqueue_register` calls `fget` before
//!   looking for the knote). A delete of a filter that is not there is `ENOENT`. A second
//!   `EV_ADD` of an existing filter updates it.
//! * **Receipts**: with `EV_RECEIPT` (every kernel here; `receipts: false` models one that
//!   ignores it) each change writes an `EV_ERROR` entry (`data` = errno or 0) while there are
//!   event slots; an error with no slot left fails the whole call with that errno and stops
//!   (FreeBSD: "if (nevents == 0) ... return (error)"); once an entry was written the call
//!   returns them without scanning for readiness (`if (nerrors) return`). NetBSD's kernel did
//!   the same under the rump kernel (see ARCHITECTURE.md), and there an applied change with no
//!   slot left for its receipt also ends the call, which then returns 0 (`Os::stops_when_full`).
//! * **close removes knotes**: kqueue(2) "Calling close() on a file descriptor will remove any
//!   kevents that reference the descriptor", and `dup2` over a number closes its file. The model
//!   records each knote's file (`st_dev`, `st_ino`, access mode) and drops the knotes whose
//!   number is closed or holds another file at the start of every call, when it is observable.
//!   A test that closes numbers itself calls [`closed`], which drops them at close time as the
//!   kernels do, also when the same file comes back at the same number (which the check by
//!   identity cannot see).
//! * **Readiness** from `poll(2)` on the real fd: `EVFILT_READ` when `POLLIN`/`POLLHUP`/
//!   `POLLERR`, `EV_EOF` with `POLLHUP` (the writer or peer is gone); `EVFILT_WRITE` when
//!   `POLLOUT`/`POLLERR`/`POLLHUP`, `EV_EOF` when the reader is gone. A regular file's
//!   `EVFILT_READ` is ready only while the offset is before the end (FreeBSD `filt_vfsread`:
//!   `kn_data = va_size - f_offset`; poll says "ready" at EOF), its `EVFILT_WRITE` always.
//! * **Per OS**: `EVFILT_USER` is refused with `EINVAL` by NetBSD before 10 (its filters are
//!   0..=6; nng#1232, golang/go#66760) and OpenBSD before 7.5. `EVFILT_WRITE` on a pipe whose
//!   reader is gone is refused at `EV_ADD`: FreeBSD and DragonFly `pipe_kqfilter` `EPIPE`,
//!   NetBSD `EBADF` (seen under the rump kernel), OpenBSD `EPIPE`. macOS refuses ttys and
//!   `/dev/null` (character devices here) with `EINVAL` (mio#1377, libuv#979). FreeBSD turns a
//!   pipe writer's knote one-shot when the reader closes (`knlist_cleardel` sets
//!   `EV_EOF | EV_ONESHOT`): reported once, then gone; NetBSD keeps it level-triggered.
//! * **fork**: the queue is not inherited by a child (kqueue(2)). The model records `getpid()`
//!   at creation; in a child every call fails with `EBADF` (the number is not a kqueue there)
//!   and dropping the model does not close the numbers.
//! * The kqueue's own fd is a real eventfd that never becomes readable (so `fileno()` is a real
//!   number and nesting works; its readiness is not modelled), the `EVFILT_USER` trigger another.

use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ioselectors::__kernels::kqueue::{
    Action, Change, Filter, Kernel, Kev, EINVAL, EV_EOF, EV_ERROR, USER_IDENT,
};
use ioselectors::__kernels::Trigger;
use ioselectors::{Error, Result};

use super::{errno, eventfd, getpid, identity, millis, poll};

/// The kqueue kernels modelled.
#[allow(clippy::enum_variant_names)] // MacOs: the OS's name
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    FreeBsd,
    MacOs,
    NetBsd9,
    NetBsd10,
    OpenBsd,
    DragonFly,
}

impl Os {
    pub const ALL: [Os; 6] = [
        Os::FreeBsd,
        Os::MacOs,
        Os::NetBsd9,
        Os::NetBsd10,
        Os::OpenBsd,
        Os::DragonFly,
    ];

    /// Whether `EVFILT_USER` exists (NetBSD 10, OpenBSD 7.5 added it; the OpenBSD model is
    /// an older release).
    pub fn has_user(self) -> bool {
        !matches!(self, Os::NetBsd9 | Os::OpenBsd)
    }

    /// Whether a change that needs a receipt when no event slot is left ends the call even
    /// when it was applied: NetBSD `kern_event.c` `kevent1` (7.99.34, the source tree run under
    /// the rump kernel, tests/rump.rs): `if (error || (kevp->flags & EV_RECEIPT)) { if (nevents
    /// != 0) { ...write the receipt... } else { goto done; } }`, where `error` is that change's
    /// (0 if applied) and `*retval = nerrors` is only set after the whole list: the later
    /// changes are not applied and the call returns 0, the receipts written not counted. (The
    /// loop is assumed unchanged in NetBSD 9 and 10; the others are modelled as going on.)
    fn stops_when_full(self) -> bool {
        matches!(self, Os::NetBsd9 | Os::NetBsd10)
    }

    /// Whether `EVFILT_WRITE` on a pipe's **read** end is the NetBSD one: NetBSD `sys_pipe.c`
    /// `pipe_kqfilter` hangs it on the peer (`pipe = pipe->pipe_peer; if (pipe == NULL) return
    /// (EBADF)`), so `EV_ADD` is `EBADF` once the writer is gone, and `filt_pipewrite` then
    /// measures the write end's own buffer, which nothing fills: the knote is not reported,
    /// not even after the writer closes, which does not wake it (all seen under the rump
    /// kernel, tests/rump.rs) — until an `EV_ADD` of it re-runs the filter, which then finds
    /// the writer gone (`EV_EOF`).
    pub fn read_end_write(self) -> bool {
        matches!(self, Os::NetBsd9 | Os::NetBsd10)
    }

    /// Whether `EVFILT_WRITE` on a regular file is refused with `EINVAL`: NetBSD
    /// `genfs_vnops.c` `genfs_kqfilter` (the `VOP_KQFILTER` of FFS and tmpfs) takes only
    /// `EVFILT_READ` and `EVFILT_VNODE` (`default: return (EINVAL)`), in the 7.99 tree run under
    /// the rump kernel (tests/rump.rs, on tmpfs). Modelled for NetBSD 9, whose genfs is that
    /// one; NetBSD 10's is not checked here and is modelled as accepting it.
    pub fn no_vnode_write(self) -> bool {
        self == Os::NetBsd9
    }

    /// The errno of `EV_ADD` of `EVFILT_WRITE` on a pipe whose reader is gone (`None`: accepted).
    pub fn widowed_pipe(self) -> Option<i32> {
        match self {
            Os::FreeBsd | Os::DragonFly | Os::OpenBsd => Some(libc::EPIPE),
            Os::NetBsd9 | Os::NetBsd10 => Some(libc::EBADF),
            Os::MacOs => None,
        }
    }
}

/// A filter's place in the knote map's key.
trait Index {
    fn index(self) -> u8;
}

impl Index for Filter {
    fn index(self) -> u8 {
        match self {
            Filter::Read => 0,
            Filter::Write => 1,
        }
    }
}

#[derive(Debug)]
struct Knote {
    fd: RawFd,
    filter: Filter,
    file: File,
    /// The file's type (`st_mode & S_IFMT`): it stays while the knote lives (a knote whose
    /// number holds another file is pruned first).
    fmt: u32,
    /// FreeBSD: one-shot after the pipe's reader closed.
    oneshot: bool,
    /// NetBSD: `EVFILT_WRITE` on a pipe's read end, not reported (see `Os::read_end_write`).
    mute: bool,
}

/// What tells two files apart at one number: `(st_dev, st_ino)` and the access mode (a pipe's
/// two ends share their inode, `O_RDONLY` vs `O_WRONLY` tells them apart).
type File = (u64, u64, i32);

/// The file at `fd` as [`File`], or the errno of `fstat` (`EBADF` for a closed number).
fn file_at(fd: RawFd) -> std::result::Result<(File, u32), i32> {
    let (dev, ino, mode) = identity(fd)?;
    // SAFETY: F_GETFL takes no third argument and only reads the descriptor's flags.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    Ok(((dev, ino, fl & libc::O_ACCMODE), mode))
}

/// Every live model kqueue of the process, for [`closed`].
static LIVE: Mutex<Vec<std::sync::Weak<Mutex<State>>>> = Mutex::new(Vec::new());

/// Tell the models that the number `fd` was closed (by `close(2)`, or by `dup2(2)` over it):
/// its knotes go, in every kqueue of the process, as the kernels do at close time (kqueue(2):
/// "Calling close() on a file descriptor will remove any kevents that reference the
/// descriptor"; FreeBSD `kern_descrip.c` calls `knote_fdclose` from `closefp` and from
/// `kern_dup` when the new number was open). Without this call a model sees a close only when
/// the number then holds another file, or none ([`prune`]); with it, also when the same file
/// comes back at the same number.
pub fn closed(fd: RawFd) {
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|w| w.strong_count() > 0);
    for state in live.iter().filter_map(std::sync::Weak::upgrade) {
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        st.knotes.remove(&(fd, Filter::Read.index()));
        st.knotes.remove(&(fd, Filter::Write.index()));
    }
}

#[derive(Debug, Default)]
struct State {
    /// By `(fd, filter)`: a kqueue has at most one knote per identifier and filter.
    knotes: BTreeMap<(RawFd, u8), Knote>,
    user: bool,
    /// `(nchanges, nevents)` of every `kevent` call.
    calls: Vec<(usize, usize)>,
}

/// One modelled kqueue.
#[derive(Debug)]
pub struct ModelKq {
    pub os: Os,
    /// Whether `EV_RECEIPT` is honoured.
    pub receipts: bool,
    /// Whether the kernel makes the waker's pipe itself (`Kernel::wake_pipe`), as the rump
    /// kernel of tests/rump.rs must (its fds are not the process's); by default the waker
    /// makes its own.
    pub own_wake_pipe: bool,
    fd: Option<OwnedFd>,
    user_fd: Option<OwnedFd>,
    pid: i32,
    state: Arc<Mutex<State>>,
}

impl ModelKq {
    pub fn new(os: Os) -> ModelKq {
        let state = Arc::new(Mutex::new(State::default()));
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::downgrade(&state));
        ModelKq {
            os,
            receipts: true,
            own_wake_pipe: false,
            fd: Some(eventfd()),
            user_fd: Some(eventfd()),
            pid: getpid(),
            state,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A handle on this kernel's state that outlives handing the model to a selector.
    pub fn probe(&self) -> Probe {
        Probe(Arc::clone(&self.state))
    }
}

/// What a test reads of a model after giving it to a selector.
#[derive(Clone, Debug)]
pub struct Probe(Arc<Mutex<State>>);

impl Probe {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `(nchanges, nevents)` of every `kevent` call so far.
    pub fn calls(&self) -> Vec<(usize, usize)> {
        self.state().calls.clone()
    }

    /// The live knotes as `(fd, filter)`, after dropping those of closed or reused numbers.
    pub fn knotes(&self) -> Vec<(RawFd, Filter)> {
        let mut st = self.state();
        prune(&mut st.knotes);
        st.knotes.values().map(|k| (k.fd, k.filter)).collect()
    }
}

impl ModelKq {
    fn is_child(&self) -> bool {
        getpid() != self.pid
    }

    /// Apply one change: `Err(errno)` if refused.
    fn change(&self, st: &mut State, c: &Change) -> std::result::Result<(), i32> {
        let (file, mode) = file_at(c.fd)?;
        let key = (c.fd, c.filter.index());
        match c.action {
            Action::Delete => {
                st.knotes.remove(&key).ok_or(libc::ENOENT)?;
            }
            Action::Add | Action::Renew => {
                if let Some(k) = st.knotes.get_mut(&key) {
                    // An update. NetBSD kern_event.c kqueue_register then calls the filter
                    // (`rv = (*kn->kn_fop->f_event)(kn, 0); if (rv) knote_activate(kn)`): a
                    // muted knote whose pipe lost its writer is activated (EV_EOF), and then
                    // reported at every scan (`Os::read_end_write`).
                    if k.mute && writer_gone(c.fd) {
                        k.mute = false;
                    }
                    return Ok(());
                }
                let fmt = mode & libc::S_IFMT;
                if self.os == Os::MacOs && fmt == libc::S_IFCHR {
                    return Err(libc::EINVAL);
                }
                if c.filter == Filter::Write && fmt == libc::S_IFIFO && widowed(c.fd) {
                    if let Some(e) = self.os.widowed_pipe() {
                        return Err(e);
                    }
                }
                if c.filter == Filter::Write && fmt == libc::S_IFREG && self.os.no_vnode_write() {
                    return Err(libc::EINVAL);
                }
                let mute = c.filter == Filter::Write
                    && fmt == libc::S_IFIFO
                    && self.os.read_end_write()
                    && file.2 == libc::O_RDONLY;
                if mute && writer_gone(c.fd) {
                    return Err(libc::EBADF);
                }
                st.knotes.insert(
                    key,
                    Knote {
                        fd: c.fd,
                        filter: c.filter,
                        file,
                        fmt,
                        oneshot: false,
                        mute,
                    },
                );
            }
        }
        Ok(())
    }

    /// The ready knotes (at most `max`), and whether the user filter fired; waits up to
    /// `timeout` for one.
    ///
    /// The timeout runs from the first `poll`, not from entry: a kernel's own bookkeeping takes
    /// nanoseconds, the model's takes tens of microseconds (hundreds under qemu-user, in a debug
    /// build), and counting it would turn a 100 µs timeout into a zero-timeout scan that never
    /// sleeps — the selector would look like a busy loop (tests/pitfalls.rs
    /// `sub_millisecond_timeouts_never_busy_loop`, seen under qemu-aarch64) for a cost no kernel has.
    fn scan(&self, max: usize, timeout: Option<Duration>) -> std::result::Result<Vec<Kev>, i32> {
        let mut deadline: Option<Instant> = None;
        loop {
            let mut out = Vec::new();
            let (mut fds, mut fmts, user) = {
                let mut st = self.state();
                prune(&mut st.knotes);
                let mut fds = Vec::new();
                let live = || st.knotes.values().filter(|k| !k.mute);
                let fmts: Vec<u32> = live().map(|k| k.fmt).collect();
                for k in live() {
                    let events = match k.filter {
                        Filter::Read => libc::POLLIN,
                        Filter::Write => libc::POLLOUT,
                    };
                    fds.push(libc::pollfd {
                        fd: k.fd,
                        events,
                        revents: 0,
                    });
                }
                (fds, fmts, st.user)
            };
            let user_fd = self.user_fd.as_ref().map_or(-1, |f| f.as_raw_fd());
            if user {
                fds.push(libc::pollfd {
                    fd: user_fd,
                    events: libc::POLLIN,
                    revents: 0,
                });
                fmts.push(0);
            }
            // Regular files are answered from their offset, not from poll.
            let regular: Vec<bool> = fmts.iter().map(|&f| f == libc::S_IFREG).collect();
            let mut polled: Vec<libc::pollfd> = fds
                .iter()
                .zip(&regular)
                .map(|(p, &reg)| libc::pollfd {
                    fd: if reg { -1 } else { p.fd },
                    ..*p
                })
                .collect();
            let any_regular_ready = fds
                .iter()
                .zip(&regular)
                .any(|(p, &reg)| reg && regular_ready(p.fd, p.events));
            let d = timeout.map(|t| *deadline.get_or_insert_with(|| Instant::now() + t));
            let wait = if any_regular_ready {
                0
            } else {
                millis(d.map(|d| d.saturating_duration_since(Instant::now())))
            };
            match poll(&mut polled, wait) {
                Ok(_) => {}
                Err(e) => return Err(e),
            }
            let mut st = self.state();
            let mut fired = false;
            for (i, p) in polled.iter().enumerate() {
                let fd = fds[i].fd;
                if fd == user_fd && user && i == fds.len() - 1 {
                    if p.revents & libc::POLLIN != 0 {
                        fired = true;
                    }
                    continue;
                }
                let (ready, eof) = if regular[i] {
                    (regular_ready(fd, fds[i].events), false)
                } else {
                    let r = p.revents;
                    let want = fds[i].events;
                    let ready = r & (want | libc::POLLHUP | libc::POLLERR) != 0;
                    let eof = if want == libc::POLLIN {
                        // A pipe's write end whose reader is gone (POLLERR) reads as EOF too:
                        // NetBSD sys_pipe.c filt_piperead sets EV_EOF when the peer is gone,
                        // whichever end this is.
                        r & libc::POLLHUP != 0
                            || (r & libc::POLLERR != 0 && fmts[i] == libc::S_IFIFO)
                    } else {
                        r & (libc::POLLERR | libc::POLLHUP) != 0
                    };
                    (ready, eof)
                };
                if !ready || out.len() >= max {
                    continue;
                }
                let filter = if fds[i].events == libc::POLLIN {
                    Filter::Read
                } else {
                    Filter::Write
                };
                out.push(Kev {
                    ident: fd as usize,
                    filter: Some(filter),
                    flags: if eof { EV_EOF } else { 0 },
                    data: 0,
                    user: false,
                });
                // FreeBSD: a pipe writer's knote turns one-shot when the reader goes.
                if self.os == Os::FreeBsd
                    && filter == Filter::Write
                    && eof
                    && fmts[i] == libc::S_IFIFO
                {
                    if let Some(k) = st.knotes.get_mut(&(fd, filter.index())) {
                        k.oneshot = true;
                    }
                }
            }
            st.knotes.retain(|_, k| !k.oneshot);
            if fired && out.len() < max {
                // EV_CLEAR: the trigger is reset as it is returned.
                let mut buf = [0u8; 8];
                // SAFETY: buf is valid for writes of 8 bytes.
                unsafe { libc::read(user_fd, buf.as_mut_ptr().cast(), 8) };
                out.push(Kev {
                    ident: USER_IDENT,
                    filter: None,
                    flags: 0,
                    data: 0,
                    user: true,
                });
            }
            if !out.is_empty() {
                return Ok(out);
            }
            match d {
                Some(d) if Instant::now() >= d => return Ok(out),
                _ => {}
            }
        }
    }
}

/// Whether the pipe at `fd` (a write end) has lost its reader: Linux's poll says `POLLERR`.
fn widowed(fd: RawFd) -> bool {
    let mut p = [libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    }];
    poll(&mut p, 0).is_ok() && p[0].revents & libc::POLLERR != 0
}

/// FreeBSD `filt_vfsread`: readable while the offset is before the end; writable always.
fn regular_ready(fd: RawFd, events: i16) -> bool {
    if events != libc::POLLIN {
        return true;
    }
    // SAFETY: lseek and fstat on an fd, no memory handed over but st.
    let off = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    // SAFETY: stat is plain data, valid when zeroed.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: st is valid for writes of one stat.
    if off < 0 || unsafe { libc::fstat(fd, &mut st) } < 0 {
        return false;
    }
    off < st.st_size
}

/// Whether the pipe at `fd` (a read end) has lost its writer: Linux's poll says `POLLHUP`.
fn writer_gone(fd: RawFd) -> bool {
    let mut p = [libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }];
    poll(&mut p, 0).is_ok() && p[0].revents & libc::POLLHUP != 0
}

/// kqueue(2): closing a number removes its knotes (and `dup2` over it closes its file).
fn prune(knotes: &mut BTreeMap<(RawFd, u8), Knote>) {
    knotes.retain(|_, k| file_at(k.fd).is_ok_and(|(f, _)| f == k.file));
}

/// [`prune`] for the knotes of one number.
fn prune_fd(knotes: &mut BTreeMap<(RawFd, u8), Knote>, fd: RawFd) {
    let file = file_at(fd).ok().map(|(f, _)| f);
    for filter in [Filter::Read, Filter::Write] {
        let key = (fd, filter.index());
        if knotes.get(&key).is_some_and(|k| Some(k.file) != file) {
            knotes.remove(&key);
        }
    }
}

fn receipt(c: &Change, errno: i32) -> Kev {
    Kev {
        ident: c.fd as usize,
        filter: Some(c.filter),
        flags: EV_ERROR,
        data: errno.into(),
        user: false,
    }
}

impl Trigger for ModelKq {
    fn trigger(&self) -> Result<()> {
        if self.is_child() {
            return Err(Error::Os(libc::EBADF));
        }
        let fd = self.user_fd.as_ref().map_or(-1, |f| f.as_raw_fd());
        let one = 1u64.to_ne_bytes();
        // SAFETY: one is valid for reads of 8 bytes.
        if unsafe { libc::write(fd, one.as_ptr().cast(), 8) } < 0 && errno() != libc::EAGAIN {
            return Err(Error::Os(errno()));
        }
        Ok(())
    }

    fn forked(&self) -> bool {
        self.is_child()
    }
}

impl Kernel for ModelKq {
    type Events = Vec<Kev>;

    fn new_events() -> Vec<Kev> {
        Vec::new()
    }

    fn fileno(&self) -> RawFd {
        self.fd.as_ref().map_or(-1, |f| f.as_raw_fd())
    }

    fn kevent(
        &self,
        changes: &[Change],
        events: &mut Vec<Kev>,
        nevents: usize,
        timeout: Option<Duration>,
    ) -> Result<()> {
        events.clear();
        if self.is_child() {
            return Err(Error::Os(libc::EBADF));
        }
        {
            let mut st = self.state();
            st.calls.push((changes.len(), nevents));
            // Only the changes' numbers are looked at here (the rest is pruned by the scan,
            // where it shows): registering thousands of fds stays linear.
            for c in changes {
                prune_fd(&mut st.knotes, c.fd);
            }
            let mut written = false;
            for c in changes {
                let res = self.change(&mut st, c);
                let errno = res.err().unwrap_or(0);
                if errno == 0 && !self.receipts {
                    continue;
                }
                if events.len() < nevents {
                    events.push(receipt(c, errno));
                    written = true;
                } else if errno != 0 {
                    return Err(Error::Os(errno));
                } else if self.os.stops_when_full() {
                    // Applied, but no slot for its receipt: the call ends here, successfully,
                    // and returns 0 (the receipts written are not counted).
                    events.clear();
                    return Ok(());
                }
            }
            if written {
                return Ok(());
            }
        }
        if nevents == 0 {
            return Ok(());
        }
        match self.scan(nevents, timeout) {
            Ok(out) => {
                *events = out;
                Ok(())
            }
            Err(e) => Err(Error::Os(e)),
        }
    }

    fn wake_pipe(&self) -> Result<Option<Arc<dyn Trigger>>> {
        if !self.own_wake_pipe {
            return Ok(None);
        }
        let mut fds = [-1; 2];
        // SAFETY: fds is valid for writes of two ints.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } < 0 {
            return Err(Error::Os(errno()));
        }
        // SAFETY: both numbers are new and owned by nobody else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        Ok(Some(Arc::new(WakePipe { read, write })))
    }

    fn add_user(&self, events: &mut Vec<Kev>) -> Result<()> {
        events.clear();
        if self.is_child() {
            return Err(Error::Os(libc::EBADF));
        }
        let mut st = self.state();
        st.calls.push((1, 1));
        let errno = if self.os.has_user() {
            st.user = true;
            0
        } else {
            EINVAL
        };
        events.push(Kev {
            ident: USER_IDENT,
            filter: None,
            flags: EV_ERROR,
            data: errno.into(),
            user: true,
        });
        Ok(())
    }

    fn returned(events: &Vec<Kev>) -> usize {
        events.len()
    }

    fn entry(events: &Vec<Kev>, i: usize) -> Kev {
        events[i]
    }
}

/// The waker's pipe when the model makes it ([`ModelKq::own_wake_pipe`]).
#[derive(Debug)]
pub struct WakePipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl Trigger for WakePipe {
    fn trigger(&self) -> Result<()> {
        // SAFETY: one byte, valid for reads.
        if unsafe { libc::write(self.write.as_raw_fd(), [1u8].as_ptr().cast(), 1) } < 0
            && errno() != libc::EAGAIN
        {
            return Err(Error::Os(errno()));
        }
        Ok(())
    }

    fn forked(&self) -> bool {
        false
    }

    fn fd(&self) -> RawFd {
        self.read.as_raw_fd()
    }

    fn drain(&self) {
        let mut buf = [0u8; 64];
        // SAFETY: buf is valid for writes of its length.
        while unsafe { libc::read(self.read.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) } > 0 {
        }
    }
}

impl Drop for ModelKq {
    fn drop(&mut self) {
        // In a fork child the numbers are not this kqueue's: leave them alone.
        if self.is_child() {
            for fd in [self.fd.take(), self.user_fd.take()].into_iter().flatten() {
                let _ = fd.into_raw_fd();
            }
        }
    }
}
