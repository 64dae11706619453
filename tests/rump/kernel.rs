//! NetBSD's kqueue, pipes and AF_LOCAL sockets in a rump kernel (NetBSD's kernel sources built as
//! Linux shared libraries, whose system calls are plain C functions), and [`RumpKq`], a
//! `Kernel` for `KqueueBackend` that forwards to them. Built only with `ioselectors_rump`
//! (README.md, "Against NetBSD's kernel (local check)").
//!
//! Everything here speaks NetBSD's ABI (sys/sys/event.h, sys/sys/fcntl.h, sys/sys/errno.h of
//! the rump kernel's source tree): `struct kevent` with `u32` filter and flags and an `i64`
//! `data`, `size_t` counts, NetBSD's `O_*` values and errno numbers (the rump kernel sets the
//! host's `errno` to NetBSD's number: `rumpuser_seterrno`). The fds are the rump kernel's
//! (one process: the rump kernel's default one, shared by every thread of the test binary),
//! never the host's: they are closed with the rump kernel's `close`, and a test makes its pipes
//! and sockets there.
#![allow(dead_code)]

use std::os::raw::{c_char, c_int, c_uint, c_void};
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::Duration;

use ioselectors::__kernels::kqueue::{Action, Change, Filter, Kernel, Kev, USER_IDENT};
use ioselectors::__kernels::Trigger;
use ioselectors::{Error, Result};

/// NetBSD's `struct kevent` (7.99: `__kevent50`), sys/sys/event.h.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kevent {
    pub ident: usize,
    pub filter: u32,
    pub flags: u32,
    pub fflags: u32,
    pub data: i64,
    pub udata: isize,
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct PollFd {
    pub fd: c_int,
    pub events: i16,
    pub revents: i16,
}

// sys/sys/event.h
pub const EVFILT_READ: u32 = 0;
pub const EVFILT_WRITE: u32 = 1;
/// NetBSD 10's `EVFILT_USER` (this kernel's filters are 0..=6).
pub const EVFILT_USER: u32 = 8;
pub const EV_ADD: u32 = 0x0001;
pub const EV_DELETE: u32 = 0x0002;
pub const EV_CLEAR: u32 = 0x0020;
pub const EV_RECEIPT: u32 = 0x0040;
pub const EV_EOF: u32 = 0x8000;
pub const EV_ERROR: u32 = 0x4000;
pub const NOTE_TRIGGER: u32 = 0x0100_0000;
// sys/sys/fcntl.h
pub const O_RDWR: c_int = 0x0002;
pub const O_NONBLOCK: c_int = 0x0004;
pub const O_CREAT: c_int = 0x0200;
pub const O_CLOEXEC: c_int = 0x0040_0000;
pub const F_GETFL: c_int = 3;
// sys/sys/socket.h
pub const AF_LOCAL: c_int = 1;
pub const SOCK_STREAM: c_int = 1;
pub const SHUT_WR: c_int = 1;
pub const SOCK_NONBLOCK: c_int = 0x2000_0000;
// sys/sys/errno.h (the low ones are Linux's too)
pub const ENOENT: i32 = 2;
pub const EBADF: i32 = 9;
pub const EEXIST: i32 = 17;
pub const EINVAL: i32 = 22;
pub const EPIPE: i32 = 32;
pub const EAGAIN: i32 = 35;
// sys/sys/poll.h (Linux's values too)
pub const POLLIN: i16 = 0x0001;
pub const POLLOUT: i16 = 0x0004;
pub const POLLERR: i16 = 0x0008;
pub const POLLHUP: i16 = 0x0010;
pub const POLLNVAL: i16 = 0x0020;

// librump (the kernel, its system calls) and librumpuser (its hypercalls, on the host). The
// components (vfs, networking, local sockets) are loaded by `kernel()` before `rump_init`.
#[link(name = "rump")]
#[link(name = "rumpuser")]
extern "C" {
    fn rump_init() -> c_int;
    fn rump___sysimpl_kqueue1(flags: c_int) -> c_int;
    fn rump___sysimpl_kevent50(
        kq: c_int,
        changes: *const Kevent,
        nchanges: usize,
        events: *mut Kevent,
        nevents: usize,
        timeout: *const Timespec,
    ) -> c_int;
    fn rump___sysimpl_pipe2(fds: *mut c_int, flags: c_int) -> c_int;
    fn rump___sysimpl_socketpair(domain: c_int, ty: c_int, proto: c_int, fds: *mut c_int) -> c_int;
    fn rump___sysimpl_close(fd: c_int) -> c_int;
    fn rump___sysimpl_dup2(from: c_int, to: c_int) -> c_int;
    fn rump___sysimpl_read(fd: c_int, buf: *mut c_void, len: usize) -> isize;
    fn rump___sysimpl_write(fd: c_int, buf: *const c_void, len: usize) -> isize;
    fn rump___sysimpl_poll(fds: *mut PollFd, nfds: c_uint, timeout: c_int) -> c_int;
    fn rump___sysimpl_fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn rump___sysimpl_shutdown(fd: c_int, how: c_int) -> c_int;
    fn rump___sysimpl_open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn rump___sysimpl_mkdir(path: *const c_char, mode: u32) -> c_int;
    fn rump___sysimpl_mount50(
        fstype: *const c_char,
        path: *const c_char,
        flags: c_int,
        data: *mut c_void,
        len: usize,
    ) -> c_int;
}

/// sys/fs/tmpfs/tmpfs_args.h
#[repr(C)]
struct TmpfsArgs {
    ta_version: c_int,
    ta_nodes_max: u64,
    ta_size_max: i64,
    ta_root_uid: u32,
    ta_root_gid: u32,
    ta_root_mode: u32,
}

/// The errno the rump kernel left (NetBSD's number).
fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn cvt(rv: c_int) -> std::result::Result<c_int, i32> {
    if rv < 0 {
        Err(errno())
    } else {
        Ok(rv)
    }
}

static INIT: Once = Once::new();
static LOCK: Mutex<()> = Mutex::new(());

/// Boot the rump kernel (once per process) and hold it: its fd table is one for the whole test
/// binary, so the tests take turns (a closed number must stay closed, a reused one must be the
/// test's). The guard is the turn.
pub fn kernel() -> MutexGuard<'static, ()> {
    INIT.call_once(|| {
        // The components register themselves from ELF constructors, and no symbol of theirs
        // is referenced: loaded here (RTLD_GLOBAL, dependencies first), rump_init finds them.
        for lib in [
            "rumpvfs",
            "rumpfs_tmpfs",
            "rumpnet",
            "rumpnet_net",
            "rumpnet_local",
        ] {
            let path = format!("{}/lib{lib}.so\0", env!("IOSELECTORS_RUMP_LIB"));
            // SAFETY: a NUL-terminated path; loading runs the library's constructors.
            let handle =
                unsafe { libc::dlopen(path.as_ptr().cast(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
            assert!(!handle.is_null(), "dlopen {path}");
        }
        // SAFETY: no arguments; boots the rump kernel in this process, once.
        let rv = unsafe { rump_init() };
        assert_eq!(rv, 0, "rump_init");
        // A tmpfs at /tmp for regular files: the rump kernel's own root file system (rumpfs)
        // has no kqueue filter (EOPNOTSUPP); tmpfs has NetBSD's (genfs_kqfilter), as FFS.
        let mut args = TmpfsArgs {
            ta_version: 1,
            ta_nodes_max: 0,
            ta_size_max: 0,
            ta_root_uid: 0,
            ta_root_gid: 0,
            ta_root_mode: 0o1777,
        };
        // SAFETY: NUL-terminated strings; args is valid for reads and writes of its size.
        unsafe {
            // rumpfs has a /tmp already (EEXIST).
            let made = cvt(rump___sysimpl_mkdir(c"/tmp".as_ptr(), 0o1777));
            assert!(matches!(made, Ok(_) | Err(EEXIST)), "mkdir /tmp: {made:?}");
            cvt(rump___sysimpl_mount50(
                c"tmpfs".as_ptr(),
                c"/tmp".as_ptr(),
                0,
                (&mut args as *mut TmpfsArgs).cast(),
                std::mem::size_of::<TmpfsArgs>(),
            ))
            .expect("mount tmpfs");
        }
    });
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// An fd of the rump kernel, closed there when dropped.
#[derive(Debug, PartialEq, Eq)]
pub struct Fd(c_int);

impl Fd {
    pub fn raw(&self) -> c_int {
        self.0
    }

    /// Give up ownership: the number is not closed when this is dropped.
    pub fn into_raw(self) -> c_int {
        let fd = self.0;
        std::mem::forget(self);
        fd
    }

    /// Own a number of the rump kernel.
    pub fn from_raw(fd: c_int) -> Fd {
        Fd(fd)
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        let _ = close(self.0);
    }
}

/// `close(2)` in the rump kernel: the errno if it failed.
pub fn close(fd: c_int) -> std::result::Result<(), i32> {
    // SAFETY: closes a number of the rump kernel's fd table; no memory is involved.
    cvt(unsafe { rump___sysimpl_close(fd) }).map(drop)
}

/// `pipe2(O_CLOEXEC | flags)`: (read end, write end).
pub fn pipe_with(flags: c_int) -> (Fd, Fd) {
    let mut fds = [-1; 2];
    // SAFETY: fds is valid for writes of two ints.
    cvt(unsafe { rump___sysimpl_pipe2(fds.as_mut_ptr(), O_CLOEXEC | flags) }).expect("pipe2");
    (Fd(fds[0]), Fd(fds[1]))
}

/// A pipe, blocking.
pub fn pipe() -> (Fd, Fd) {
    pipe_with(0)
}

/// `socketpair(AF_LOCAL, SOCK_STREAM | flags)`.
pub fn pair_with(flags: c_int) -> (Fd, Fd) {
    let mut fds = [-1; 2];
    // SAFETY: fds is valid for writes of two ints.
    cvt(unsafe { rump___sysimpl_socketpair(AF_LOCAL, SOCK_STREAM | flags, 0, fds.as_mut_ptr()) })
        .expect("socketpair");
    (Fd(fds[0]), Fd(fds[1]))
}

/// `socketpair(AF_LOCAL, SOCK_STREAM)`, blocking.
pub fn pair() -> (Fd, Fd) {
    pair_with(0)
}

/// A regular file of the rump kernel's tmpfs, opened read-write (created empty).
pub fn regular_file(name: &str) -> Fd {
    let path = format!("/tmp/{name}\0");
    // SAFETY: path is a NUL-terminated string; the mode is the variadic third argument.
    let fd =
        cvt(unsafe { rump___sysimpl_open(path.as_ptr().cast(), O_RDWR | O_CREAT, 0o600 as c_int) })
            .expect("open");
    Fd(fd)
}

/// `dup2(from, to)`.
pub fn dup2(from: c_int, to: c_int) -> std::result::Result<(), i32> {
    // SAFETY: two numbers of the rump kernel's fd table.
    cvt(unsafe { rump___sysimpl_dup2(from, to) }).map(drop)
}

/// `write(fd, buf)`: the bytes written or the errno.
pub fn write(fd: c_int, buf: &[u8]) -> std::result::Result<usize, i32> {
    // SAFETY: buf is valid for reads of buf.len() bytes.
    let n = unsafe { rump___sysimpl_write(fd, buf.as_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(errno())
    } else {
        Ok(n as usize)
    }
}

/// `read(fd, buf)`: the bytes read or the errno.
pub fn read(fd: c_int, buf: &mut [u8]) -> std::result::Result<usize, i32> {
    // SAFETY: buf is valid for writes of buf.len() bytes.
    let n = unsafe { rump___sysimpl_read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(errno())
    } else {
        Ok(n as usize)
    }
}

/// `shutdown(fd, SHUT_WR)`.
pub fn shutdown_write(fd: c_int) {
    // SAFETY: a number of the rump kernel's fd table.
    cvt(unsafe { rump___sysimpl_shutdown(fd, SHUT_WR) }).expect("shutdown");
}

/// Whether `fd` is open in the rump kernel (`fcntl(F_GETFL)` succeeds).
pub fn is_open(fd: c_int) -> bool {
    // SAFETY: F_GETFL takes no third argument and touches no memory.
    unsafe { rump___sysimpl_fcntl(fd, F_GETFL) >= 0 }
}

/// `poll(2)` of the rump kernel with a zero timeout: the `revents` of each `(fd, events)`.
pub fn poll_now(fds: &[(c_int, i16)]) -> Vec<i16> {
    let mut list: Vec<PollFd> = fds
        .iter()
        .map(|&(fd, events)| PollFd {
            fd,
            events,
            revents: 0,
        })
        .collect();
    // SAFETY: list is valid for reads and writes of list.len() pollfds.
    cvt(unsafe { rump___sysimpl_poll(list.as_mut_ptr(), list.len() as c_uint, 0) }).expect("poll");
    list.iter().map(|p| p.revents).collect()
}

/// A number that is closed in the rump kernel now (and stays so while the caller holds
/// [`kernel`]).
pub fn closed_fd() -> c_int {
    let (r, w) = pipe();
    let fd = r.raw();
    drop(r);
    drop(w);
    assert!(!is_open(fd));
    fd
}

/// A kqueue of the rump kernel, made with `kqueue1(O_CLOEXEC)`.
#[derive(Debug)]
pub struct RumpKq {
    fd: c_int,
    /// `(nchanges, nevents)` of every `kevent` call made through [`Kernel`].
    pub calls: Arc<Mutex<Vec<(usize, usize)>>>,
}

impl RumpKq {
    pub fn new() -> RumpKq {
        // SAFETY: kqueue1 takes flags and returns a new fd of the rump kernel.
        let fd = cvt(unsafe { rump___sysimpl_kqueue1(O_CLOEXEC) }).expect("kqueue1");
        RumpKq {
            fd,
            calls: Arc::default(),
        }
    }

    /// `kevent(kq, changes, nevents slots, timeout)` exactly as given: the returned entries
    /// (as many as the return value says), or the errno.
    pub fn raw(
        &self,
        changes: &[Kevent],
        nevents: usize,
        timeout: Option<Duration>,
    ) -> std::result::Result<Vec<Kevent>, i32> {
        let mut out = vec![Kevent::default(); nevents];
        let ts = timeout.map(|t| Timespec {
            tv_sec: t.as_secs().min(100_000_000) as i64,
            tv_nsec: i64::from(t.subsec_nanos()),
        });
        let tsp = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const Timespec);
        // SAFETY: changes is valid for reads of changes.len() kevents, out for writes of
        // nevents; tsp is null or points to a live timespec.
        let n = cvt(unsafe {
            rump___sysimpl_kevent50(
                self.fd,
                changes.as_ptr(),
                changes.len(),
                out.as_mut_ptr(),
                nevents,
                tsp,
            )
        })?;
        out.truncate(n as usize);
        Ok(out)
    }
}

impl Default for RumpKq {
    fn default() -> Self {
        RumpKq::new()
    }
}

impl Drop for RumpKq {
    fn drop(&mut self) {
        let _ = close(self.fd);
    }
}

/// A change as NetBSD's `struct kevent`: `EV_ADD` or `EV_DELETE`, with `EV_RECEIPT`.
pub fn to_kevent(c: &Change) -> Kevent {
    Kevent {
        ident: c.fd as usize,
        filter: match c.filter {
            Filter::Read => EVFILT_READ,
            Filter::Write => EVFILT_WRITE,
        },
        flags: EV_RECEIPT
            | match c.action {
                Action::Add | Action::Renew => EV_ADD,
                Action::Delete => EV_DELETE,
            },
        ..Kevent::default()
    }
}

/// A returned entry, as the backend reads it.
pub fn from_kevent(k: &Kevent) -> Kev {
    Kev {
        ident: k.ident,
        filter: match k.filter {
            EVFILT_READ => Some(Filter::Read),
            EVFILT_WRITE => Some(Filter::Write),
            _ => None,
        },
        flags: k.flags,
        data: k.data,
        user: k.filter == EVFILT_USER,
    }
}

impl Trigger for RumpKq {
    fn trigger(&self) -> Result<()> {
        let k = Kevent {
            ident: USER_IDENT,
            filter: EVFILT_USER,
            fflags: NOTE_TRIGGER,
            ..Kevent::default()
        };
        self.raw(&[k], 0, None).map(drop).map_err(Error::Os)
    }

    fn forked(&self) -> bool {
        false
    }
}

impl Kernel for RumpKq {
    type Events = Vec<Kev>;

    fn new_events() -> Vec<Kev> {
        Vec::new()
    }

    fn fileno(&self) -> c_int {
        self.fd
    }

    fn kevent(
        &self,
        changes: &[Change],
        events: &mut Vec<Kev>,
        nevents: usize,
        timeout: Option<Duration>,
    ) -> Result<()> {
        events.clear();
        // As SystemKqueue: never zero slots.
        let nevents = nevents.max(1);
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((changes.len(), nevents));
        let list: Vec<Kevent> = changes.iter().map(to_kevent).collect();
        let out = self.raw(&list, nevents, timeout).map_err(Error::Os)?;
        events.extend(out.iter().map(from_kevent));
        Ok(())
    }

    fn add_user(&self, events: &mut Vec<Kev>) -> Result<()> {
        events.clear();
        let k = Kevent {
            ident: USER_IDENT,
            filter: EVFILT_USER,
            flags: EV_ADD | EV_CLEAR | EV_RECEIPT,
            ..Kevent::default()
        };
        let out = self.raw(&[k], 1, Some(Duration::ZERO)).map_err(Error::Os)?;
        events.extend(out.iter().map(from_kevent));
        Ok(())
    }

    fn returned(events: &Vec<Kev>) -> usize {
        events.len()
    }

    fn entry(events: &Vec<Kev>, i: usize) -> Kev {
        events[i]
    }

    fn wake_pipe(&self) -> Result<Option<Arc<dyn Trigger>>> {
        let (read, write) = pipe_with(O_NONBLOCK);
        Ok(Some(Arc::new(WakePipe { read, write })))
    }
}

/// The waker's pipe, in the rump kernel (this kernel has no `EVFILT_USER`).
#[derive(Debug)]
pub struct WakePipe {
    read: Fd,
    write: Fd,
}

impl Trigger for WakePipe {
    fn trigger(&self) -> Result<()> {
        match write(self.write.raw(), &[1]) {
            // A full pipe: a wake is pending.
            Ok(_) | Err(EAGAIN) => Ok(()),
            Err(e) => Err(Error::Os(e)),
        }
    }

    fn forked(&self) -> bool {
        false
    }

    fn fd(&self) -> c_int {
        self.read.raw()
    }

    fn drain(&self) {
        let mut buf = [0; 256];
        while read(self.read.raw(), &mut buf) == Ok(buf.len()) {}
    }
}
