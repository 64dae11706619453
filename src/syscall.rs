//! The only module with `unsafe`: safe `pub(crate)` wrappers over the `ioselectors-sys`
//! declarations. Each takes slices or values, makes one call, and turns `-1` into
//! [`Error::Os`] with the thread's `errno` (the one place errno is read).
#![allow(unsafe_code)]

#[cfg(any(ioselectors_epoll, windows))]
use alloc::vec::Vec;
use core::ffi::c_int;
use core::time::Duration;

use ioselectors_sys as sys;

use crate::{Error, Result};

/// The error values the shared code matches on, under one name per platform: the thread's
/// `errno` values on unix; on Windows the `WSAGetLastError` values (`WSAEINTR` comes back only
/// from a call cancelled by `WSACancelBlockingCall`) and, for "no such interface" and "out of
/// memory", the `GetLastError` codes `std::io::Error` understands there. `ENFILE` has no
/// winsock counterpart; `WSAENOBUFS` stands in.
#[cfg(unix)]
pub(crate) use sys::{EINTR, EMFILE, ENFILE, ENOMEM, ENOSYS};
#[cfg(windows)]
pub(crate) use sys::{
    ERROR_CALL_NOT_IMPLEMENTED as ENOSYS, ERROR_NOT_ENOUGH_MEMORY as ENOMEM, WSAEINTR as EINTR,
    WSAEMFILE as EMFILE, WSAENOBUFS as ENFILE,
};

// ---------------------------------------------------------------------------------------------
// Windows: winsock `select` over run-time-sized `fd_set`s, `WSAStartup`, the socket check, the
// performance counter and `Sleep`.

/// The calling thread's last winsock error (`WSAGetLastError`).
#[cfg(windows)]
fn wsa_error() -> i32 {
    // SAFETY: WSAGetLastError takes no argument and only reads thread-local state.
    unsafe { sys::WSAGetLastError() }
}

/// Initialise winsock (`WSAStartup(2.2)`) once per process, before the first winsock call.
///
/// Needed without `std` (and with it, for sockets that did not come from `std::net`, which
/// initialises winsock when it makes a socket). The reference is kept until the process exits;
/// threads racing on the first call may each take one, which is harmless (`WSAStartup` is
/// reference-counted and thread-safe).
#[cfg(windows)]
pub(crate) fn winsock_init() -> Result<()> {
    use core::sync::atomic::{AtomicBool, Ordering};
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.load(Ordering::Acquire) {
        return Ok(());
    }
    let mut data = core::mem::MaybeUninit::<sys::WSADATA>::uninit();
    // SAFETY: data is valid for writes of one WSADATA, which WSAStartup fills in; the version
    // word is a plain integer.
    let err = unsafe { sys::WSAStartup(sys::MAKEWORD(2, 2), data.as_mut_ptr()) };
    if err != 0 {
        return Err(Error::Os(err));
    }
    STARTED.store(true, Ordering::Release);
    Ok(())
}

/// Whether `s` is an open socket: `getsockopt(s, SOL_SOCKET, SO_TYPE)`, `Err(Os(WSAENOTSOCK))`
/// if not (winsock's counterpart of unix's `EBADF`).
#[cfg(windows)]
pub(crate) fn check_socket(s: sys::SOCKET) -> Result<()> {
    let mut ty: c_int = 0;
    let mut len = core::mem::size_of::<c_int>() as c_int;
    // SAFETY: optval points to a writable c_int and optlen to its size, which is what SO_TYPE
    // writes; any handle value is safe to pass (a non-socket fails with WSAENOTSOCK).
    let ret = unsafe {
        sys::getsockopt(
            s,
            sys::SOL_SOCKET,
            sys::SO_TYPE,
            (&mut ty as *mut c_int).cast(),
            &mut len,
        )
    };
    if ret == sys::SOCKET_ERROR {
        Err(Error::Os(wsa_error()))
    } else {
        Ok(())
    }
}

/// A winsock `fd_set` sized at run time. Winsock reads `fd_count` entries of `fd_array`, so
/// the set is stored as a vector of `SOCKET`s: slot 0 is the header (`fd_count`, a `u32` at
/// offset 0, padded to a `SOCKET`: `ioselectors-sys` asserts that `fd_array` starts one `SOCKET`
/// in), then the sockets. It is never shorter than a C `fd_set` (`1 + FD_SETSIZE` slots), so
/// code that assumes the C size reads nothing past it.
#[cfg(windows)]
#[derive(Debug, Default)]
pub(crate) struct SocketSet {
    buf: Vec<sys::SOCKET>,
}

#[cfg(windows)]
impl SocketSet {
    pub(crate) const fn new() -> Self {
        SocketSet { buf: Vec::new() }
    }

    /// Replace the contents with `sockets` (no allocation once the buffer is large enough).
    pub(crate) fn fill(&mut self, sockets: &[sys::SOCKET]) {
        // More than u32::MAX sockets cannot be registered; clamp so fd_count <= len - 1.
        let count = u32::try_from(sockets.len()).unwrap_or(u32::MAX);
        let mut header = [0u8; core::mem::size_of::<sys::SOCKET>()];
        header[..4].copy_from_slice(&count.to_ne_bytes());
        self.buf.clear();
        self.buf.push(sys::SOCKET::from_ne_bytes(header));
        self.buf.extend_from_slice(sockets);
        if self.buf.len() < 1 + sys::FD_SETSIZE {
            self.buf.resize(1 + sys::FD_SETSIZE, sys::INVALID_SOCKET);
        }
    }

    /// `fd_count`, read back from the header (never more than the slots that follow it).
    fn count(&self) -> usize {
        let Some(header) = self.buf.first() else {
            return 0;
        };
        let bytes = header.to_ne_bytes();
        let count = u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        (count as usize).min(self.buf.len() - 1)
    }

    /// The sockets in the set: after [`select`], the ready ones.
    pub(crate) fn sockets(&self) -> &[sys::SOCKET] {
        self.buf.get(1..1 + self.count()).unwrap_or(&[])
    }

    /// The set for `select`: null when empty.
    fn as_mut_ptr(&mut self) -> *mut sys::fd_set {
        if self.count() == 0 {
            core::ptr::null_mut()
        } else {
            self.buf.as_mut_ptr().cast()
        }
    }
}

/// Winsock `select(0, read, write, except, timeout)`: the number of ready entries over the
/// three sets, each of which is rewritten to hold its ready sockets. Empty sets are passed as
/// null; the caller makes sure not all three are empty (winsock fails with `WSAEINVAL`).
#[cfg(windows)]
pub(crate) fn select(
    read: &mut SocketSet,
    write: &mut SocketSet,
    except: &mut SocketSet,
    timeout: Option<sys::timeval>,
) -> Result<usize> {
    let tv = timeout;
    let tvp = tv
        .as_ref()
        .map_or(core::ptr::null(), |tv| tv as *const sys::timeval);
    let (r, w, e) = (read.as_mut_ptr(), write.as_mut_ptr(), except.as_mut_ptr());
    // SAFETY: each non-null set points to a SocketSet buffer: SOCKET-aligned (the alignment
    // of fd_set), a header whose first 4 bytes are fd_count, then at least fd_count (and at
    // least FD_SETSIZE) SOCKETs, all initialised. Winsock reads fd_count and the first
    // fd_count sockets and writes back a subset of them and a smaller count. The three
    // buffers are distinct allocations. tvp is null (block) or points to a live timeval.
    let n = unsafe { sys::select(0, r, w, e, tvp) };
    if n == sys::SOCKET_ERROR {
        Err(Error::Os(wsa_error()))
    } else {
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

/// `QueryPerformanceCounter` as a `Duration` since an arbitrary epoch (boot): monotonic.
#[cfg(windows)]
pub(crate) fn monotonic_now() -> Duration {
    let (mut ticks, mut freq): (sys::LARGE_INTEGER, sys::LARGE_INTEGER) = (0, 0);
    // SAFETY: ticks is a valid, writable LARGE_INTEGER; the call cannot fail on Windows XP
    // and later (profileapi.h).
    unsafe { sys::QueryPerformanceCounter(&mut ticks) };
    // SAFETY: as above, for freq.
    unsafe { sys::QueryPerformanceFrequency(&mut freq) };
    let ticks = u64::try_from(ticks).unwrap_or(0);
    let freq = u64::try_from(freq).unwrap_or(1).max(1);
    let nanos = u128::from(ticks % freq) * 1_000_000_000 / u128::from(freq);
    // ticks % freq < freq, so nanos < 10^9.
    Duration::new(ticks / freq, nanos as u32)
}

/// `Sleep`: wait out `timeout` (`None`: forever), rounded up to the millisecond. What an empty
/// `SelectSelector` does on Windows, where `select` with three empty sets fails.
#[cfg(windows)]
pub(crate) fn sleep(timeout: Option<Duration>) {
    let ms = match timeout {
        None => sys::INFINITE,
        Some(t) => u32::try_from(crate::timeout::to_millis(Some(t)))
            .unwrap_or(0)
            .min(sys::INFINITE - 1),
    };
    // SAFETY: Sleep takes a plain integer and has no failure mode.
    unsafe { sys::Sleep(ms) }
}

/// The calling thread's `errno`.
#[cfg(unix)]
pub(crate) fn errno() -> i32 {
    // SAFETY: errno_location() takes no argument and returns a pointer to the calling thread's
    // errno, valid for the thread's lifetime (errno(3)).
    unsafe { *sys::errno_location() }
}

/// `-1` (or any negative return) → `Err(Os(errno))`.
#[cfg(unix)]
fn cvt(ret: c_int) -> Result<c_int> {
    if ret < 0 {
        Err(Error::Os(errno()))
    } else {
        Ok(ret)
    }
}

/// An fd this crate opened (epoll, kqueue, /dev/poll), closed exactly once on drop.
#[cfg(unix)]
#[derive(Debug)]
pub(crate) struct OwnedFd(c_int);

#[cfg(unix)]
impl OwnedFd {
    pub(crate) fn raw(&self) -> c_int {
        self.0
    }
}

#[cfg(unix)]
impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: self.0 was returned open by the kernel to this OwnedFd, which is its only
        // owner, and this is the only place it is closed. The result is ignored: after close(2)
        // the fd is released even on EINTR/EIO (Linux, POSIX 2024).
        unsafe { sys::close(self.0) };
    }
}

/// Whether `fd` is open: `fcntl(fd, F_GETFD)`, `Err(Os(EBADF))` if not.
#[cfg(unix)]
pub(crate) fn check_open(fd: c_int) -> Result<()> {
    // SAFETY: F_GETFD takes no third argument and only reads the descriptor table.
    cvt(unsafe { sys::fcntl(fd, sys::F_GETFD) }).map(drop)
}

/// `clock_gettime(CLOCK_MONOTONIC)` as a `Duration` since an arbitrary epoch.
#[cfg(unix)]
pub(crate) fn monotonic_now() -> Duration {
    let mut ts = sys::timespec::default();
    // SAFETY: ts is a valid, writable timespec; CLOCK_MONOTONIC is supported everywhere this
    // crate builds (clock_gettime(2)), so the call cannot fail with these arguments.
    let ret = unsafe { sys::clock_gettime(sys::CLOCK_MONOTONIC, &mut ts) };
    debug_assert_eq!(ret, 0);
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

/// `poll(fds, fds.len(), timeout_ms)`: the number of entries with `revents != 0`.
#[cfg(unix)]
pub(crate) fn poll(fds: &mut [sys::pollfd], timeout_ms: c_int) -> Result<usize> {
    let nfds = sys::nfds_t::try_from(fds.len()).map_err(|_| Error::Os(sys::EINVAL))?;
    // SAFETY: fds is valid for reads and writes of nfds pollfd entries (nfds == fds.len()),
    // and the kernel writes only their revents fields.
    let n = cvt(unsafe { sys::poll(fds.as_mut_ptr(), nfds, timeout_ms) })?;
    Ok(n as usize)
}

/// `select(nfds, read, write, NULL, timeout)` over caller-sized bit arrays.
///
/// `nfds` is clamped to the bits the arrays hold, so the kernel never reads or writes past
/// them; empty arrays are passed as null sets.
#[cfg(unix)]
pub(crate) fn select(
    nfds: c_int,
    read: &mut [sys::fd_mask],
    write: &mut [sys::fd_mask],
    timeout: Option<sys::timeval>,
) -> Result<usize> {
    let words = read.len().min(write.len());
    let max_bits = c_int::try_from(words.saturating_mul(sys::NFDBITS)).unwrap_or(c_int::MAX);
    let nfds = nfds.clamp(0, max_bits);
    let set = |words: &mut [sys::fd_mask]| -> *mut sys::fd_set {
        if nfds == 0 {
            core::ptr::null_mut()
        } else {
            words.as_mut_ptr().cast()
        }
    };
    let (r, w) = (set(read), set(write));
    let mut tv = timeout;
    let tvp = tv
        .as_mut()
        .map_or(core::ptr::null_mut(), |tv| tv as *mut sys::timeval);
    // SAFETY: r and w are null or point to at least ceil(nfds / NFDBITS) fd_mask words
    // (nfds is clamped to the shorter array), which is all select(2) reads or writes: it
    // accesses only the first nfds bits of each set. fd_set is a plain array of fd_mask, so
    // the pointer cast keeps alignment. tvp is null (block) or points to a live timeval.
    let n = cvt(unsafe { sys::select(nfds, r, w, core::ptr::null_mut(), tvp) })?;
    Ok(n as usize)
}

/// `epoll_create1(EPOLL_CLOEXEC)`.
#[cfg(ioselectors_epoll)]
pub(crate) fn epoll_create() -> Result<OwnedFd> {
    // SAFETY: epoll_create1 takes a flag word and returns a new fd or -1.
    let fd = cvt(unsafe { sys::epoll_create1(sys::EPOLL_CLOEXEC) })?;
    Ok(OwnedFd(fd))
}

/// `epoll_ctl(epfd, op, fd, {events, u64: data})`: the user data is a plain integer (the
/// backend's fd and generation tag), so no pointer is ever handed to the kernel to keep.
#[cfg(ioselectors_epoll)]
pub(crate) fn epoll_ctl(
    epfd: &OwnedFd,
    op: c_int,
    fd: c_int,
    events: u32,
    data: u64,
) -> Result<()> {
    let mut event = sys::epoll_event { events, u64: data };
    // SAFETY: event is a valid epoll_event the kernel only reads during the call (it is
    // ignored for EPOLL_CTL_DEL but must be non-null before Linux 2.6.9).
    cvt(unsafe { sys::epoll_ctl(epfd.raw(), op, fd, &mut event) }).map(drop)
}

/// Make `dst`'s number refer to `src`'s open file description (`dup2(src, dst)`), then set
/// close-on-exec on it again (`fcntl(F_SETFD, FD_CLOEXEC)`; `dup2` clears it, and not every
/// target declares `dup3`). `dst`'s previous description loses this reference (closed if it
/// was the last). A concurrent `fork`+`exec` between the two calls inherits the number, as
/// with `kqueue()`. `src` stays open; the caller drops it.
#[cfg(ioselectors_epoll)]
pub(crate) fn dup_over(src: &OwnedFd, dst: &OwnedFd) -> Result<()> {
    // SAFETY: both fds are owned by OwnedFds, so neither number belongs to anyone else:
    // dup2 atomically replaces only the number dst owns, which dst keeps owning (and closes
    // exactly once on drop), and does not touch src.
    cvt(unsafe { sys::dup2(src.raw(), dst.raw()) })?;
    // SAFETY: F_SETFD takes one int argument, FD_CLOEXEC; dst is an fd this OwnedFd owns.
    cvt(unsafe { sys::fcntl(dst.raw(), sys::F_SETFD, sys::FD_CLOEXEC) }).map(drop)
}

/// `epoll_wait(epfd, buf, max, timeout_ms)` into `buf`'s storage, reused between calls: `buf`
/// is cleared, grown to hold `max` events if needed, and holds the returned events.
#[cfg(ioselectors_epoll)]
pub(crate) fn epoll_wait(
    epfd: &OwnedFd,
    buf: &mut Vec<sys::epoll_event>,
    max: usize,
    timeout_ms: c_int,
) -> Result<usize> {
    buf.clear();
    buf.reserve(max.max(1));
    let max = c_int::try_from(buf.capacity()).unwrap_or(c_int::MAX);
    // SAFETY: buf has capacity for at least max epoll_event entries, all of which the kernel
    // may write; max > 0 as epoll_wait(2) requires.
    let n = cvt(unsafe { sys::epoll_wait(epfd.raw(), buf.as_mut_ptr(), max, timeout_ms) })?;
    // SAFETY: epoll_wait(2) initialised the first n <= max <= capacity entries; epoll_event
    // is plain old data.
    unsafe { buf.set_len(n as usize) };
    Ok(n as usize)
}

/// `kqueue()`, then `fcntl(F_SETFD, FD_CLOEXEC)`: kqueue(2) has no close-on-exec flag, so
/// there is a window in which a concurrent `fork`+`exec` in another thread inherits the fd (as
/// with mio and CPython). If the `fcntl` fails the kqueue is closed and the error returned.
#[cfg(ioselectors_kqueue)]
pub(crate) fn kqueue() -> Result<OwnedFd> {
    // SAFETY: kqueue() takes no argument and returns a new fd or -1.
    let kq = OwnedFd(cvt(unsafe { sys::kqueue() })?);
    // SAFETY: F_SETFD takes one int argument, FD_CLOEXEC; kq is an fd this OwnedFd owns.
    cvt(unsafe { sys::fcntl(kq.raw(), sys::F_SETFD, sys::FD_CLOEXEC) })?;
    Ok(kq)
}

#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
/// A reusable buffer of `struct kevent`s: the entries `kevent()` returns, read back through
/// [`as_slice`](Self::as_slice).
///
/// It exists to be `Send` and `Sync`: `struct kevent` has a `udata: *mut c_void` field, which
/// makes a bare `Vec<kevent>` neither, and with it `KqueueSelector` and `DefaultSelector` on
/// macOS and the BSDs (while every other backend's buffers are plain integers).
#[derive(Debug, Default)]
pub(crate) struct KeventList(alloc::vec::Vec<sys::kevent>);

#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
// SAFETY: the only field that is not Send is `udata`, a pointer this crate never dereferences
// and never sets to anything but null (kqueue.rs builds every change with a null udata, and the
// kernel copies a change's udata back unchanged into the entries it returns). The buffer owns
// its entries (no aliasing), so moving it to another thread moves plain integers and null
// pointers.
unsafe impl Send for KeventList {}
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
// SAFETY: as for Send: shared access only reads integers and null `udata` pointers, never
// dereferenced; mutation needs `&mut`.
unsafe impl Sync for KeventList {}

#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
impl KeventList {
    pub(crate) const fn new() -> Self {
        KeventList(alloc::vec::Vec::new())
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// Room for at least `n` more entries (the `nevents` of the next [`kevent`] call).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }

    pub(crate) fn as_slice(&self) -> &[sys::kevent] {
        &self.0
    }
}

/// `kevent(kq, changes, events' spare capacity, timeout)`: submit `changes`, then append the
/// returned entries to `events` (at most its spare capacity, which is grown to at least one
/// slot, since `nevents == 0` makes `kevent` ignore the timeout, bpo-29255). A `None` timeout
/// blocks. Returns the number of entries appended.
#[cfg(ioselectors_kqueue)]
pub(crate) fn kevent(
    kq: &OwnedFd,
    changes: &[sys::kevent],
    events: &mut KeventList,
    timeout: Option<sys::timespec>,
) -> Result<usize> {
    let events = &mut events.0;
    if events.capacity() == events.len() {
        events.reserve(1);
    }
    let len = events.len();
    let spare = events.capacity() - len;
    // `int` everywhere but NetBSD (`size_t`).
    #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
    let nchanges = changes
        .len()
        .try_into()
        .map_err(|_| Error::Os(sys::EINVAL))?;
    #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
    let nevents = spare.min(c_int::MAX as usize).try_into().unwrap_or(1);
    let ts = timeout;
    let tsp = ts
        .as_ref()
        .map_or(core::ptr::null(), |ts| ts as *const sys::timespec);
    // SAFETY: changes is valid for reads of nchanges == changes.len() kevents, which the kernel
    // only reads. The event pointer is the start of events' spare capacity, valid for writes
    // of nevents <= spare kevents; the kernel writes at most nevents entries there. tsp is null
    // (block) or points to a live timespec. kq is an open kqueue this OwnedFd owns.
    let n = cvt(unsafe {
        sys::kevent(
            kq.raw(),
            changes.as_ptr(),
            nchanges,
            events.as_mut_ptr().add(len),
            nevents,
            tsp,
        )
    })? as usize;
    // SAFETY: kevent(2) initialised the first n <= nevents <= spare entries after len; kevent
    // is plain old data (integers and a raw pointer).
    unsafe { events.set_len(len + n) };
    Ok(n)
}

/// `open("/dev/poll", O_RDWR | O_CLOEXEC)`.
#[cfg(ioselectors_devpoll)]
pub(crate) fn open_devpoll() -> Result<OwnedFd> {
    let path = c"/dev/poll";
    // SAFETY: path is a NUL-terminated string that outlives the call; without O_CREAT, open
    // reads no mode argument.
    let fd = cvt(unsafe { sys::open(path.as_ptr(), sys::O_RDWR | sys::O_CLOEXEC) })?;
    Ok(OwnedFd(fd))
}

/// `write(dp, records)`: hand `pollfd` records to `/dev/poll` (poll(4D)), all of them,
/// retrying on `EINTR` (which applied none of them) and after a short write.
#[cfg(ioselectors_devpoll)]
pub(crate) fn write_pollfds(dp: &OwnedFd, records: &[sys::pollfd]) -> Result<()> {
    let size = core::mem::size_of_val(records);
    let base = records.as_ptr().cast::<u8>();
    let mut done = 0;
    while done < size {
        // SAFETY: base..base + size is the memory of records (plain pollfd structs), valid for
        // reads for the whole call; done < size, so the range written from is in bounds.
        let n = unsafe { sys::write(dp.raw(), base.add(done).cast(), size - done) };
        if n < 0 {
            let err = errno();
            if err == sys::EINTR {
                continue;
            }
            return Err(Error::Os(err));
        }
        if n == 0 {
            // No progress. Never seen (illumos's dpwrite takes all records or fails), but
            // looping on it would never end.
            return Err(Error::Os(sys::EINVAL));
        }
        done += n as usize;
    }
    Ok(())
}

/// `ioctl(dp, DP_POLL, {buf's capacity, timeout_ms})` into `buf`'s storage, reused between
/// calls: `buf` is cleared, grown to hold `max` records (at least 1) if needed, and holds the
/// ready records on return.
#[cfg(ioselectors_devpoll)]
pub(crate) fn dp_poll(
    dp: &OwnedFd,
    buf: &mut alloc::vec::Vec<sys::pollfd>,
    max: usize,
    timeout_ms: c_int,
) -> Result<usize> {
    buf.clear();
    buf.reserve(max.max(1));
    let nfds = buf.capacity().min(c_int::MAX as usize);
    let mut arg = sys::dvpoll {
        dp_fds: buf.as_mut_ptr(),
        dp_nfds: nfds as sys::nfds_t,
        dp_timeout: timeout_ms,
    };
    // SAFETY: DP_POLL takes a pointer to a dvpoll, which lives on this stack frame for the
    // call; its dp_fds points to buf's storage, valid for writes of dp_nfds <= capacity
    // pollfds, of which the kernel writes at most dp_nfds.
    let n = cvt(unsafe { sys::ioctl(dp.raw(), sys::DP_POLL, &mut arg as *mut sys::dvpoll) })?;
    let n = (n as usize).min(nfds);
    // SAFETY: DP_POLL initialised the first n <= dp_nfds <= capacity records; pollfd is
    // plain old data.
    unsafe { buf.set_len(n) };
    Ok(n)
}
