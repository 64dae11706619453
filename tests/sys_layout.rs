//! `ioselectors-sys` against the `libc` crate (a dev-dependency only).
//!
//! libc is itself checked against each OS's real C headers by its `ctest` suite, so it is a good
//! oracle. Almost everything here is a `const` item: `cargo check --tests --target T` evaluates
//! the assertions (and resolves the type equalities), so type-checking a target proves it
//! without running anything there. `.ci/cross-check` does that for every supported target.
//!
//! Checked per target, cfg-gated exactly as the sys items are:
//! - type aliases are the *same type* as libc's (`nfds_t`, `time_t`, `clockid_t`, ...);
//! - every struct has libc's size and alignment, and every field libc's offset and type;
//! - every constant has libc's value and type;
//! - every function has libc's signature (written once, resolved against both crates).
//!
//! libc has no `/dev/poll` items (`dvpoll`, `DP_POLL`, `POLLREMOVE`): those are checked in
//! `sys/src/layout.rs` against illumos-gate `usr/src/uts/common/sys/devpoll.h` and
//! `usr/src/uts/common/sys/poll.h` only. Nor does libc name `fd_mask` on these OSes (its
//! `fd_set::fds_bits` is private); `fd_set` is compared by size and alignment here and bit by
//! bit at run time below.
#![cfg(unix)]
// libc deprecates musl's 32-bit `time_t`; the comparison must still name it.
#![allow(deprecated)]

use core::marker::PhantomData;
use core::mem::{align_of, offset_of, size_of};

use ioselectors_sys as sys;

/// Each named type alias is the same type in both crates (a mismatch does not compile).
macro_rules! same_type {
    ($($t:ident),* $(,)?) => {
        $( const _: PhantomData<libc::$t> = PhantomData::<sys::$t>; )*
    };
}

/// Each named constant has the same type (the array needs one element type) and value.
macro_rules! same_const {
    ($($c:ident),* $(,)?) => {
        $(
            const _: () = {
                let ours = sys::$c;
                let theirs = libc::$c;
                let _same_type = [ours, theirs];
                assert!(ours == theirs, concat!("value of ", stringify!($c), " differs from libc"));
            };
        )*
    };
}

/// Same size, alignment, field offsets and field types. Also reads every field of a zeroed
/// value, so a field missing on either side does not compile.
macro_rules! same_struct {
    ($s:ident { $($f:ident),* $(,)? }) => {
        const _: () = {
            assert!(
                size_of::<sys::$s>() == size_of::<libc::$s>(),
                concat!("size of ", stringify!($s), " differs from libc")
            );
            assert!(
                align_of::<sys::$s>() == align_of::<libc::$s>(),
                concat!("alignment of ", stringify!($s), " differs from libc")
            );
            $(
                assert!(
                    offset_of!(sys::$s, $f) == offset_of!(libc::$s, $f),
                    concat!("offset of ", stringify!($s), "::", stringify!($f), " differs from libc")
                );
            )*
            // SAFETY: both structs have only integer, integer-array and raw-pointer fields, for
            // which all-zero bytes are valid values.
            let ours: sys::$s = unsafe { core::mem::zeroed() };
            // SAFETY: as above.
            let theirs: libc::$s = unsafe { core::mem::zeroed() };
            // Copies the fields out (no references, so packed structs are fine).
            $( let _same_type = [ours.$f, theirs.$f]; )*
        };
    };
}

/// The function has the given signature in both crates. The signature is written once with
/// unqualified names, which resolve against `ioselectors_sys::*` in one block and `libc::*` in
/// the other; together with `same_type!`/`same_struct!` this proves the signatures agree.
macro_rules! same_fn {
    ($f:ident ( $($a:ty),+ , ... $(,)? ) -> $r:ty) => {
        const _: () = {
            use ioselectors_sys::*;
            let _: unsafe extern "C" fn($($a),+ , ...) -> $r = $f;
        };
        const _: () = {
            use libc::*;
            let _: unsafe extern "C" fn($($a),+ , ...) -> $r = $f;
        };
    };
    ($f:ident ( $($a:ty),* $(,)? ) -> $r:ty) => {
        const _: () = {
            use ioselectors_sys::*;
            let _: unsafe extern "C" fn($($a),*) -> $r = $f;
        };
        const _: () = {
            use libc::*;
            let _: unsafe extern "C" fn($($a),*) -> $r = $f;
        };
    };
}

// -------------------------------------------------------------------------------------------
// Types.

same_type!(
    c_char,
    c_int,
    c_long,
    c_short,
    c_uint,
    c_ulong,
    c_ushort,
    c_void,
    size_t,
    ssize_t,
    uintptr_t,
    intptr_t,
    time_t,
    suseconds_t,
    nfds_t,
    clockid_t,
);

// -------------------------------------------------------------------------------------------
// Structs.

same_struct!(pollfd {
    fd,
    events,
    revents
});
same_struct!(timeval { tv_sec, tv_usec });
same_struct!(timespec { tv_sec, tv_nsec });

// fd_set: libc keeps `fds_bits` private, so size and alignment (the alignment pins the word
// size: 4 for i32 words, 8 for 64-bit words on LP64).
const _: () = {
    assert!(size_of::<sys::fd_set>() == size_of::<libc::fd_set>());
    assert!(align_of::<sys::fd_set>() == align_of::<libc::fd_set>());
    assert!(size_of::<sys::fd_set>() * 8 == sys::FD_SETSIZE);
};

#[cfg(ioselectors_epoll)]
same_struct!(epoll_event { events, u64 });

#[cfg(any(
    target_vendor = "apple",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
same_struct!(kevent {
    ident,
    filter,
    flags,
    fflags,
    data,
    udata
});
// FreeBSD 12+ ABI: libc's default (`freebsd12`+ cfg) has `ext: [u64; 4]` too.
#[cfg(target_os = "freebsd")]
same_struct!(kevent {
    ident,
    filter,
    flags,
    fflags,
    data,
    udata,
    ext
});

// -------------------------------------------------------------------------------------------
// Constants.

same_const!(
    POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM,
    POLLWRBAND,
);
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "illumos"
))]
same_const!(POLLRDHUP);

same_const!(FD_SETSIZE, CLOCK_MONOTONIC);

same_const!(
    F_GETFD, F_SETFD, F_GETFL, F_SETFL, FD_CLOEXEC, O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK,
    O_CLOEXEC,
);

// The waker's mechanisms: eventfd (Linux, Android, illumos), pipe2 (all but Apple), EVFILT_USER
// (kqueue OSes but OpenBSD), and signal for the echo server's SIGINT/SIGTERM handler.
#[cfg(ioselectors_epoll)]
same_const!(EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE);
#[cfg(ioselectors_epoll)]
same_fn!(eventfd(c_uint, c_int) -> c_int);
#[cfg(not(target_vendor = "apple"))]
same_fn!(pipe2(*mut c_int, c_int) -> c_int);
#[cfg(all(ioselectors_kqueue, not(target_os = "openbsd")))]
same_const!(EVFILT_USER, NOTE_TRIGGER);
same_type!(sighandler_t);
same_const!(SIGINT, SIGTERM, SIG_ERR, SIG_DFL);
same_fn!(signal(c_int, sighandler_t) -> sighandler_t);

same_const!(
    EPERM,
    ENOENT,
    EINTR,
    EBADF,
    EAGAIN,
    EWOULDBLOCK,
    ENOMEM,
    EFAULT,
    EEXIST,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOSPC,
    EPIPE,
    ENOSYS,
);

#[cfg(ioselectors_epoll)]
same_const!(
    EPOLLIN,
    EPOLLPRI,
    EPOLLOUT,
    EPOLLERR,
    EPOLLHUP,
    EPOLLRDNORM,
    EPOLLRDBAND,
    EPOLLWRNORM,
    EPOLLWRBAND,
    EPOLLMSG,
    EPOLLRDHUP,
    EPOLLEXCLUSIVE,
    EPOLLWAKEUP,
    EPOLLONESHOT,
    EPOLLET,
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLL_CLOEXEC,
);

#[cfg(ioselectors_kqueue)]
same_const!(
    EVFILT_READ,
    EVFILT_WRITE,
    EV_ADD,
    EV_DELETE,
    EV_ENABLE,
    EV_DISABLE,
    EV_CLEAR,
    EV_ONESHOT,
    EV_RECEIPT,
    EV_ERROR,
    EV_EOF,
);

// /dev/poll: no libc definitions. Values from illumos-gate usr/src/uts/common/sys/devpoll.h
// (`#define DPIOC (0xD0 << 8)`, `#define DP_POLL (DPIOC | 1)`) and sys/poll.h
// (`#define POLLREMOVE 0x0800`); `struct dvpoll`'s first three fields are pinned in
// sys/src/layout.rs.
#[cfg(ioselectors_devpoll)]
const _: () = {
    assert!(sys::DP_POLL == 0xD001);
    assert!(sys::POLLREMOVE == 0x0800);
    let _: sys::c_int = sys::DP_POLL;
    let _: sys::c_short = sys::POLLREMOVE;
    // dp_fds / dp_nfds use the same pollfd and nfds_t as poll(2), checked above.
    assert!(offset_of!(sys::dvpoll, dp_nfds) == size_of::<*mut libc::pollfd>());
};

// -------------------------------------------------------------------------------------------
// Functions.

/// `ioctl`'s request type: `unsigned long` in glibc and the BSDs, `int` elsewhere.
#[cfg(any(
    target_os = "android",
    all(target_os = "linux", target_env = "musl"),
    target_os = "illumos",
    target_os = "solaris"
))]
type IoctlRequest = core::ffi::c_int;
#[cfg(not(any(
    target_os = "android",
    all(target_os = "linux", target_env = "musl"),
    target_os = "illumos",
    target_os = "solaris"
)))]
type IoctlRequest = core::ffi::c_ulong;

same_fn!(poll(*mut pollfd, nfds_t, c_int) -> c_int);
same_fn!(select(c_int, *mut fd_set, *mut fd_set, *mut fd_set, *mut timeval) -> c_int);
same_fn!(clock_gettime(clockid_t, *mut timespec) -> c_int);
same_fn!(open(*const c_char, c_int, ...) -> c_int);
same_fn!(close(c_int) -> c_int);
same_fn!(getpid() -> libc::pid_t);
same_fn!(read(c_int, *mut c_void, size_t) -> ssize_t);
same_fn!(write(c_int, *const c_void, size_t) -> ssize_t);
same_fn!(fcntl(c_int, c_int, ...) -> c_int);
same_fn!(ioctl(c_int, IoctlRequest, ...) -> c_int);
same_fn!(pipe(*mut c_int) -> c_int);
same_fn!(dup(c_int) -> c_int);
same_fn!(dup2(c_int, c_int) -> c_int);

#[cfg(any(target_os = "linux", target_os = "dragonfly"))]
same_fn!(__errno_location() -> *mut c_int);
#[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
same_fn!(__errno() -> *mut c_int);
#[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
same_fn!(__error() -> *mut c_int);
#[cfg(ioselectors_solarish)]
same_fn!(___errno() -> *mut c_int);
// The portable re-export.
const _: unsafe extern "C" fn() -> *mut sys::c_int = sys::errno_location;

#[cfg(ioselectors_epoll)]
mod epoll_fns {
    same_fn!(epoll_create1(c_int) -> c_int);
    same_fn!(epoll_ctl(c_int, c_int, c_int, *mut epoll_event) -> c_int);
    same_fn!(epoll_wait(c_int, *mut epoll_event, c_int, c_int) -> c_int);
}

#[cfg(ioselectors_kqueue)]
mod kqueue_fns {
    /// `kevent()`'s `nchanges`/`nevents` type: `size_t` on NetBSD, `int` elsewhere.
    #[cfg(target_os = "netbsd")]
    type KeventCount = usize;
    #[cfg(not(target_os = "netbsd"))]
    type KeventCount = core::ffi::c_int;

    same_fn!(kqueue() -> c_int);
    same_fn!(
        kevent(
            c_int,
            *const kevent,
            KeventCount,
            *mut kevent,
            KeventCount,
            *const timespec,
        ) -> c_int
    );
}

// -------------------------------------------------------------------------------------------
// Run-time checks (native target only).

/// The sys `fd_set` helpers produce bit-for-bit the same sets as libc's `FD_SET`/`FD_ISSET`.
#[test]
fn fd_set_bits_match_libc() {
    let max = sys::FD_SETSIZE as sys::c_int - 1;
    let nfdbits = sys::NFDBITS as sys::c_int;
    let fds = [
        0,
        1,
        2,
        7,
        8,
        31,
        32,
        33,
        63,
        64,
        nfdbits - 1,
        nfdbits,
        100,
        200,
        max,
    ];

    let mut ours = sys::fd_set {
        fds_bits: [0; sys::FD_SETSIZE / sys::NFDBITS],
    };
    sys::FD_ZERO(&mut ours);
    // SAFETY: all-zero bytes are a valid `fd_set`; FD_ZERO then initialises it formally.
    let mut theirs: libc::fd_set = unsafe { core::mem::zeroed() };
    // SAFETY: `theirs` is a valid, exclusively borrowed fd_set.
    unsafe { libc::FD_ZERO(&mut theirs) };

    for &fd in &fds {
        sys::FD_SET(fd, &mut ours);
        // SAFETY: `0 <= fd < FD_SETSIZE` and `theirs` is a valid fd_set.
        unsafe { libc::FD_SET(fd, &mut theirs) };
    }
    assert_eq!(
        as_bytes(&ours),
        as_bytes(&theirs),
        "FD_SET bit layout differs from libc"
    );

    for fd in 0..=max {
        // SAFETY: `0 <= fd < FD_SETSIZE` and `theirs` is a valid fd_set.
        let expected = unsafe { libc::FD_ISSET(fd, &theirs) };
        assert_eq!(sys::FD_ISSET(fd, &ours), expected, "FD_ISSET({fd})");
        assert_eq!(expected, fds.contains(&fd), "fd {fd}");
    }

    for &fd in &fds[..fds.len() / 2] {
        sys::FD_CLR(fd, &mut ours);
        // SAFETY: as above.
        unsafe { libc::FD_CLR(fd, &mut theirs) };
    }
    assert_eq!(
        as_bytes(&ours),
        as_bytes(&theirs),
        "FD_CLR bit layout differs from libc"
    );
    assert_eq!(sys::__FD_ELT(max), sys::FD_SETSIZE / sys::NFDBITS - 1);

    // FD_ZERO on a set with bits left (the other half of `fds`) clears every one.
    assert!(as_bytes(&ours).iter().any(|&b| b != 0));
    sys::FD_ZERO(&mut ours);
    // SAFETY: `theirs` is a valid, exclusively borrowed fd_set.
    unsafe { libc::FD_ZERO(&mut theirs) };
    assert!(
        as_bytes(&ours).iter().all(|&b| b == 0),
        "FD_ZERO left bits set"
    );
    assert_eq!(as_bytes(&ours), as_bytes(&theirs));
}

fn as_bytes<T>(value: &T) -> &[u8] {
    // SAFETY: `value` is a live, initialised `T` of `size_of::<T>()` bytes; `fd_set` has no
    // padding (an array of integers), so every byte is initialised.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
}

/// `errno_location` is the same thread-local `errno` that libc's accessor returns.
#[test]
fn errno_location_matches_libc() {
    // SAFETY: both accessors take no arguments and return the calling thread's errno address.
    let ours = unsafe { sys::errno_location() };
    #[cfg(any(target_os = "linux", target_os = "dragonfly"))]
    // SAFETY: as above.
    let theirs = unsafe { libc::__errno_location() };
    #[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
    // SAFETY: as above.
    let theirs = unsafe { libc::__errno() };
    #[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
    // SAFETY: as above.
    let theirs = unsafe { libc::__error() };
    #[cfg(ioselectors_solarish)]
    // SAFETY: as above.
    let theirs = unsafe { libc::___errno() };
    assert_eq!(ours, theirs);

    // A failing call through sys sets the errno libc sees.
    // SAFETY: closing an invalid descriptor has no effect beyond setting errno.
    let rc = unsafe { sys::close(-1) };
    assert_eq!(rc, -1);
    // SAFETY: `theirs` points to this thread's errno.
    assert_eq!(unsafe { *theirs }, sys::EBADF);
}

/// poll(2) through the sys declarations reports a pipe's read end readable after a write.
#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn poll_pipe_roundtrip() {
    let mut fds = [-1 as sys::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
    assert_eq!(unsafe { sys::pipe(fds.as_mut_ptr()) }, 0);
    let [rd, wr] = fds;

    let mut pfd = sys::pollfd {
        fd: rd,
        events: sys::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is one valid pollfd; timeout 0 does not block.
    assert_eq!(unsafe { sys::poll(&mut pfd, 1, 0) }, 0);

    // SAFETY: `wr` is our pipe's write end; the buffer is 1 valid byte.
    assert_eq!(unsafe { sys::write(wr, b"x".as_ptr().cast(), 1) }, 1);
    // SAFETY: `pfd` is one valid pollfd; the 1 s timeout bounds the wait.
    assert_eq!(unsafe { sys::poll(&mut pfd, 1, 1000) }, 1);
    assert_eq!(pfd.revents & sys::POLLIN, sys::POLLIN);

    let mut buf = [0u8; 4];
    // SAFETY: `rd` is our pipe's read end; `buf` is valid for `buf.len()` bytes.
    let n = unsafe { sys::read(rd, buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(n, 1);
    assert_eq!(buf[0], b'x');

    let mut now = sys::timespec::default();
    // SAFETY: `now` is a valid, exclusively borrowed timespec.
    let rc = unsafe { sys::clock_gettime(sys::CLOCK_MONOTONIC, &mut now) };
    assert_eq!(rc, 0);
    assert!(now.tv_sec > 0 || now.tv_nsec > 0);

    // SAFETY: we own both descriptors (returned by pipe(2)) and close each once.
    unsafe {
        assert_eq!(sys::close(rd), 0);
        assert_eq!(sys::close(wr), 0);
    }
}
