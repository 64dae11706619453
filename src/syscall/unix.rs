//! Unix: `errno`, the fds this crate owns, the fd check, the monotonic clock, `poll`, `select`,
//! and the epoll, kqueue and /dev/poll calls (each behind its cfg alias from build.rs).

#[cfg(ioselectors_epoll)]
use alloc::vec::Vec;
use core::ffi::c_int;
use core::time::Duration;

use ioselectors_sys as sys;

use crate::{Error, Result};

/// The calling thread's `errno`.
pub(crate) fn errno() -> i32 {
    // SAFETY: errno_location() takes no argument and returns a pointer to the calling thread's
    // errno, valid for the thread's lifetime (errno(3)).
    unsafe { *sys::errno_location() }
}

/// `-1` (or any negative return) → `Err(Os(errno))`.
#[inline]
fn cvt(ret: c_int) -> Result<c_int> {
    if ret < 0 {
        Err(Error::Os(errno()))
    } else {
        Ok(ret)
    }
}

/// An fd this crate opened (epoll, kqueue, /dev/poll), closed exactly once on drop.
#[derive(Debug)]
pub(crate) struct OwnedFd(c_int);

impl OwnedFd {
    pub(crate) fn raw(&self) -> c_int {
        self.0
    }

    /// Give the number up without closing it: in a `fork(2)` child, whose kqueue was not
    /// inherited, the number may belong to another file now.
    #[cfg(ioselectors_kqueue)]
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: self.0 was returned open by the kernel to this OwnedFd, which is its only
        // owner, and this is the only place it is closed. The result is ignored: after close(2)
        // the fd is released even on EINTR/EIO (Linux, POSIX 2024).
        unsafe { sys::close(self.0) };
    }
}

/// `eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`: a waker's kernel object on Linux, Android and
/// illumos (the epoll OSes are the eventfd ones).
#[cfg(ioselectors_epoll)]
pub(crate) fn eventfd() -> Result<OwnedFd> {
    // SAFETY: eventfd takes an initial count and a flag word and returns a new fd or -1.
    let fd = cvt(unsafe { sys::eventfd(0, sys::EFD_CLOEXEC | sys::EFD_NONBLOCK) })?;
    Ok(OwnedFd(fd))
}

/// A non-blocking, close-on-exec pipe, `(read end, write end)`: `pipe2(O_CLOEXEC |
/// O_NONBLOCK)`, or on Apple's OSes (no `pipe2`) `pipe` then `fcntl` on each end (a concurrent
/// `fork`+`exec` in between inherits the ends, as with `kqueue()`). The waker's object where
/// there is no eventfd.
#[cfg(not(ioselectors_epoll))]
pub(crate) fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as c_int; 2];
    #[cfg(not(target_vendor = "apple"))]
    {
        // SAFETY: fds is valid for writes of the two ints pipe2 fills in.
        cvt(unsafe { sys::pipe2(fds.as_mut_ptr(), sys::O_CLOEXEC | sys::O_NONBLOCK) })?;
        Ok((OwnedFd(fds[0]), OwnedFd(fds[1])))
    }
    #[cfg(target_vendor = "apple")]
    {
        // SAFETY: fds is valid for writes of the two ints pipe fills in.
        cvt(unsafe { sys::pipe(fds.as_mut_ptr()) })?;
        let ends = (OwnedFd(fds[0]), OwnedFd(fds[1]));
        for fd in [ends.0.raw(), ends.1.raw()] {
            // SAFETY: F_SETFD takes one int argument; fd is owned by `ends`.
            cvt(unsafe { sys::fcntl(fd, sys::F_SETFD, sys::FD_CLOEXEC) })?;
            // SAFETY: F_GETFL takes no third argument; fd is owned by `ends`.
            let flags = cvt(unsafe { sys::fcntl(fd, sys::F_GETFL) })?;
            // SAFETY: F_SETFL takes one int argument; fd is owned by `ends`.
            cvt(unsafe { sys::fcntl(fd, sys::F_SETFL, flags | sys::O_NONBLOCK) })?;
        }
        Ok(ends)
    }
}

/// One `write(fd, buf)`: the number of bytes written. Async-signal-safe (no allocation, no
/// lock): what [`Waker::wake`](crate::Waker::wake) calls.
pub(crate) fn write(fd: &OwnedFd, buf: &[u8]) -> Result<usize> {
    // SAFETY: buf is valid for reads of buf.len() bytes for the call; fd is owned by an OwnedFd
    // the caller borrows, so it is open and is the file it was made for.
    let n = unsafe { sys::write(fd.raw(), buf.as_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(Error::Os(errno()))
    } else {
        Ok(n as usize)
    }
}

/// One `read(fd, buf)`: the number of bytes read.
pub(crate) fn read(fd: &OwnedFd, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: buf is valid for writes of buf.len() bytes for the call; fd is owned by an
    // OwnedFd the caller borrows, so it is open and is the file it was made for.
    let n = unsafe { sys::read(fd.raw(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(Error::Os(errno()))
    } else {
        Ok(n as usize)
    }
}

/// Whether `fd` is open: `fcntl(fd, F_GETFD)`, `Err(Os(EBADF))` if not.
pub(crate) fn check_fd_open(fd: c_int) -> Result<()> {
    // SAFETY: F_GETFD takes no third argument and only reads the descriptor table.
    cvt(unsafe { sys::fcntl(fd, sys::F_GETFD) }).map(drop)
}

/// `clock_gettime(CLOCK_MONOTONIC)` as a `Duration` since an arbitrary epoch.
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
#[inline]
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
#[inline]
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
#[inline]
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

/// `getpid()`: the calling process's id (never fails).
#[cfg(ioselectors_kqueue)]
pub(crate) fn getpid() -> c_int {
    // SAFETY: getpid() takes no argument and cannot fail.
    unsafe { sys::getpid() }
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

#[cfg(ioselectors_kqueue)]
/// A reusable buffer of `struct kevent`s: the entries `kevent()` returns, read back through
/// [`as_slice`](Self::as_slice).
///
/// It exists to be `Send` and `Sync`: `struct kevent` has a `udata: *mut c_void` field, which
/// makes a bare `Vec<kevent>` neither, and with it `KqueueSelector` and `DefaultSelector` on
/// macOS and the BSDs (while every other backend's buffers are plain integers).
#[derive(Debug, Default)]
// `pub` (in this private module) because it is `SystemKqueue`'s `Kernel::Events`.
pub struct KeventList(alloc::vec::Vec<sys::kevent>);

#[cfg(ioselectors_kqueue)]
// SAFETY: the only field that is not Send is `udata`, a pointer this crate never dereferences
// and never sets to anything but null (kqueue/system.rs builds every change with a null udata, and the
// kernel copies a change's udata back unchanged into the entries it returns). The buffer owns
// its entries (no aliasing), so moving it to another thread moves plain integers and null
// pointers.
unsafe impl Send for KeventList {}
#[cfg(ioselectors_kqueue)]
// SAFETY: as for Send: shared access only reads integers and null `udata` pointers, never
// dereferenced; mutation needs `&mut`.
unsafe impl Sync for KeventList {}

#[cfg(ioselectors_kqueue)]
impl KeventList {
    pub(crate) const fn new() -> Self {
        KeventList(alloc::vec::Vec::new())
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    pub(crate) fn as_slice(&self) -> &[sys::kevent] {
        &self.0
    }
}

/// `kevent(kq, changes, nevents slots of events, timeout)`: submit `changes`, then append the
/// returned entries to `events` (at most `nevents`, which is raised to one, since
/// `nevents == 0` makes `kevent` ignore the timeout, bpo-29255). A `None` timeout blocks.
/// Returns the number of entries appended.
#[cfg(ioselectors_kqueue)]
pub(crate) fn kevent(
    kq: &OwnedFd,
    changes: &[sys::kevent],
    events: &mut KeventList,
    nevents: usize,
    timeout: Option<sys::timespec>,
) -> Result<usize> {
    let events = &mut events.0;
    let nevents = nevents.max(1);
    events.reserve(nevents);
    let len = events.len();
    // Exactly `nevents` slots, whatever the buffer's spare capacity: a submit gets one slot per
    // change, so a kernel never has room for more than the receipts.
    let spare = (events.capacity() - len).min(nevents);
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

/// `kevent(kq, &change, 1, NULL, 0, NULL)`: submit one change and return at once (no event
/// list: `nevents == 0` does not wait). No allocation, async-signal-safe (kevent(2) is a
/// system call): the waker's `NOTE_TRIGGER`. Not on OpenBSD, whose waker is a pipe.
#[cfg(all(ioselectors_kqueue, not(target_os = "openbsd")))]
pub(crate) fn kevent_submit(kq: &OwnedFd, change: &sys::kevent) -> Result<()> {
    // SAFETY: change points to one valid kevent, only read during the call; the event list is
    // null with nevents == 0, so the kernel writes nothing; a null timeout is allowed (not
    // used with nevents == 0). kq is an open kqueue this OwnedFd owns.
    cvt(unsafe {
        sys::kevent(
            kq.raw(),
            change,
            1,
            core::ptr::null_mut(),
            0,
            core::ptr::null(),
        )
    })
    .map(drop)
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

/// `ioctl(dp, DP_POLL, {max, timeout_ms})` into `buf`'s storage, reused between calls: `buf`
/// is cleared, grown to hold `max` records (at least 1) if needed, and holds the ready records
/// on return.
#[cfg(ioselectors_devpoll)]
pub(crate) fn dp_poll(
    dp: &OwnedFd,
    buf: &mut alloc::vec::Vec<sys::pollfd>,
    max: usize,
    timeout_ms: c_int,
) -> Result<usize> {
    buf.clear();
    // dp_nfds is the count asked for, not the buffer's capacity (which grows by doubling):
    // Solaris and illumos before 2016 refuse dp_nfds >= OPEN_MAX with EINVAL (poll(4D)).
    let nfds = max.clamp(1, c_int::MAX as usize);
    buf.reserve(nfds);
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

#[cfg(all(test, ioselectors_epoll))]
mod tests {
    use super::*;

    /// `read`/`write` give the kernel's byte count, or its errno: shown on an eventfd, whose
    /// rules eventfd(2) states ("a read(2) fails with EAGAIN if the counter is zero" in
    /// nonblocking mode; a write that would take the counter past 0xfffffffffffffffe fails
    /// with EAGAIN; "a read(2) fails with the error EINVAL if the size of the supplied buffer
    /// is less than 8 bytes").
    #[test]
    fn read_and_write_give_the_count_or_the_errno() {
        let fd = eventfd().unwrap();
        assert_eq!(read(&fd, &mut [0; 8]), Err(Error::Os(sys::EAGAIN)));
        assert_eq!(write(&fd, &5u64.to_ne_bytes()), Ok(8));
        let mut buf = [0; 8];
        assert_eq!(read(&fd, &mut buf), Ok(8));
        assert_eq!(u64::from_ne_bytes(buf), 5);
        assert_eq!(write(&fd, &(u64::MAX - 1).to_ne_bytes()), Ok(8));
        assert_eq!(write(&fd, &1u64.to_ne_bytes()), Err(Error::Os(sys::EAGAIN)));
        assert_eq!(read(&fd, &mut [0; 4]), Err(Error::Os(sys::EINVAL)));
    }

    /// And 0 is a count like any other: end of file, or an empty buffer written.
    #[test]
    #[cfg(feature = "std")]
    fn zero_bytes_is_a_count() {
        use std::os::fd::IntoRawFd;
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let a = OwnedFd(a.into_raw_fd());
        assert_eq!(write(&a, &[]), Ok(0));
        drop(b);
        assert_eq!(read(&a, &mut [0; 8]), Ok(0));
    }
}
