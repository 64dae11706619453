//! Python's [`selectors`](https://docs.python.org/3/library/selectors.html) module for Rust:
//! register file objects with an event mask and attached data, then wait until some are ready.
//!
//! Every kernel interface Python has, behind one [`BaseSelector`] trait: [`SelectSelector`],
//! `PollSelector` (unix), `EpollSelector` (Linux, Android, illumos), `KqueueSelector` (macOS,
//! iOS, the BSDs), `DevpollSelector` (illumos, Solaris), and [`DefaultSelector`], which picks the
//! best one at run time. On Windows, [`SelectSelector`] runs over winsock `select` (sockets
//! only) and is the [`DefaultSelector`]. Zero dependencies (the FFI is the hand-written
//! `ioselectors-sys` crate), `no_std` + `alloc`. The documentation on docs.rs marks each
//! per-OS item with the systems it exists on.
//!
//! ```
//! # #[cfg(all(unix, feature = "std"))] {
//! use std::io::{Read, Write};
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use ioselectors::{BaseSelector, DefaultSelector, EVENT_READ, EVENT_WRITE};
//!
//! let (a, b) = UnixStream::pair()?;
//! let mut sel = DefaultSelector::new()?;
//! sel.register(&a, EVENT_WRITE, "a")?;
//! sel.register(&b, EVENT_READ, "b")?;
//!
//! for (key, events) in sel.select(Some(Duration::from_secs(1)))? {
//!     assert_eq!((key.data, events), ("a", EVENT_WRITE));
//!     (&a).write_all(b"ping")?; // std sockets do I/O through shared references too
//! }
//! let ready = sel.select(Some(Duration::from_secs(1)))?;
//! assert!(ready.iter().any(|(key, ev)| key.data == "b" && *ev == EVENT_READ));
//! let mut buf = [0; 4];
//! (&b).read_exact(&mut buf)?;
//! sel.unregister(&a)?;
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Python → Rust
//!
//! | Python | ioselectors |
//! |---|---|
//! | `EVENT_READ`, `EVENT_WRITE` | [`EVENT_READ`], [`EVENT_WRITE`] ([`Events`]) |
//! | `SelectorKey(fileobj, fd, events, data)` | [`SelectorKey`] `{ fileobj, fd, events, data }` |
//! | an int fd, or an object with `fileno()` | [`FileObj`]: [`RawFd`], std's fd types, references and `Rc`/`Arc`/`Box` of them, `Fd(x)` for any `AsFd` type, and the selectors that own a kernel object |
//! | `sel.register(f, ev, data)` | [`sel.register(f, ev, data)?`](BaseSelector::register) |
//! | `sel.unregister(f)` / `sel.modify(f, ev, data)` | [`unregister(&f)`](BaseSelector::unregister) / [`modify(&f, ev, data)`](BaseSelector::modify) |
//! | `sel.select(timeout)` | [`select(Some(Duration))`](BaseSelector::select); `None` blocks; [`select_ready`](BaseSelector::select_ready) does not allocate once its buffers have grown |
//! | `sel.get_key(f)` / `sel.get_map()` | [`get_key(&f)`](BaseSelector::get_key) / [`get_map()`](BaseSelector::get_map) (`None` once closed) |
//! | `sel.fileno()` (epoll, kqueue, devpoll) | [`fileno()`](GenericSelector::fileno) `-> Result<RawFd>` on the selectors with a kernel object, `DefaultSelector` included |
//! | `with DefaultSelector() as sel:` | `Drop` closes; [`close()`](BaseSelector::close) is explicit and idempotent |
//! | ValueError / KeyError / RuntimeError / OSError | [`Error`]'s variants |
//!
//! # Waker
//!
//! Every selector's `waker()` returns a [`Waker`]: `wake()` makes the `select` blocked on that
//! selector (or the next one) return early, from any thread or from a signal handler (it is one
//! system call, async-signal-safe). Python has no such object (asyncio builds a self-pipe by
//! hand); here the selector owns the kernel object (an eventfd, a kqueue `EVFILT_USER` filter,
//! a pipe, or on Windows a self-connected UDP socket) and keeps it out of the key map. See
//! [`Waker`] for the guarantees and the mechanism per OS.
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use ioselectors::{BaseSelector, DefaultSelector};
//! let mut sel: DefaultSelector = DefaultSelector::new()?;
//! let waker = sel.waker()?;
//! let waking = std::thread::spawn(move || waker.wake());
//! assert!(sel.select(None)?.is_empty()); // woken, nothing registered
//! waking.join().unwrap()?;
//! # }
//! # Ok::<(), ioselectors::Error>(())
//! ```
//!
//! # Semantics
//!
//! CPython's, made consistent between backends: validation before any system call, the same
//! validation errors on every backend, rollback on failure, one closed-selector rule, HUP/ERR
//! mapped as CPython maps them, timeouts rounded up once and never to zero, `EINTR` retried against
//! the original deadline. The README's "Differences from CPython" table lists every deliberate
//! difference.
//!
//! # File objects from other crates
//!
//! Anything with an fd registers through `Fd` (with `std`): `sel.register(Fd(&socket), ev,
//! data)` for a `socket2::Socket`, a `mio` or `rustix` type, or any other `AsFd` (`AsSocket` on
//! Windows). A type with only `AsRawFd` registers its number: `sel.register(x.as_raw_fd(), ...)`.
//!
//! # Selectors in selectors
//!
//! As in Python, a selector that owns a kernel object (`EpollSelector`,
//! `KqueueSelector`, `DevpollSelector`, and a [`DefaultSelector`] on one of those) is a file
//! object itself — [`FileObj`], and `AsRawFd` with `std` — so it can be registered in another
//! selector, which reports it readable when it has a ready key (`tests/nested.rs`). There is no
//! `AsFd`, since a closed selector has no fd to lend; [`GenericSelector::fileno`] reports that
//! as [`Error::Closed`]. `SelectSelector` and `PollSelector` have no kernel object and no
//! `fileno()`, as in Python.
//!
//! # The FFI crate is not re-exported
//!
//! `ioselectors-sys` follows the C headers of each OS, and an FFI crate has to change when a
//! declaration turns out wrong for some target. Re-exporting it here would make every such fix a
//! breaking change of this crate too, so it is not: its items are an implementation detail, and
//! code that wants the raw constants (say, `EBADF` to compare with [`Error::Os`]) depends on
//! `ioselectors-sys` itself, or, with `std`, converts the error into `std::io::Error` and looks
//! at its `kind()`.
//!
//! # Crate features
//!
//! * `std` (default): `std::error::Error` for [`Error`], `From<Error> for std::io::Error`, and
//!   [`FileObj`] for std's fd and socket types, `Fd`, and `AsRawFd` for the selectors that
//!   own a kernel object. Without it the crate is `no_std` + `alloc`, and everything else works
//!   the same (the monotonic clock comes from the sys crate either way: `clock_gettime`,
//!   `QueryPerformanceCounter` on Windows).
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
// docs.rs (`--cfg docsrs`, nightly): each per-OS item says where it exists. The badges come from
// the item macros below, which name the OSes; the aliases themselves are hidden from them.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    docsrs,
    doc(auto_cfg(hide(
        ioselectors_epoll,
        ioselectors_kqueue,
        ioselectors_devpoll,
        ioselectors_bsd,
        ioselectors_solarish
    )))
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// `ioselectors_epoll! { items }` and the like: `#[cfg(alias)]` plus the docs.rs badge naming the
// alias's OSes, generated from the one list in sys/build.rs (passed on by build.rs).
include!(concat!(env!("OUT_DIR"), "/cfg_aliases.rs"));

// The README's Rust samples are compiled and run with the doctests (they use Unix sockets).
#[cfg(all(doctest, unix, feature = "std"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod default;
#[cfg(unix)]
mod devpoll;
ioselectors_devpoll! {
    pub use devpoll::{DevpollBackend, DevpollSelector};
}
#[cfg(unix)]
mod devpoll_logic;
// Declared outside the alias macro (which adds the docs.rs badge to the public items), so
// that tools that follow `mod` declarations, such as cargo-mutants, find the file.
#[cfg(ioselectors_epoll)]
mod epoll;
ioselectors_epoll! {
    pub use epoll::{EpollBackend, EpollSelector};
}
mod error;
mod events;
mod key;
#[cfg(unix)]
mod kqueue;
ioselectors_kqueue! {
    pub use kqueue::{KqueueBackend, KqueueSelector};
}
#[cfg(unix)]
mod kqueue_logic;
#[cfg(unix)]
mod poll;
mod registry;
// Winsock's select is a different interface (socket arrays, not bitmaps): its own file.
#[cfg_attr(windows, path = "select_windows.rs")]
mod select;
mod selector;
mod syscall;
#[cfg(unix)]
mod table;
mod timeout;
mod waker;

pub use default::{default_backend, Backend, DefaultBackend, DefaultSelector};
pub use error::{Error, Result};
pub use events::{Events, EVENT_READ, EVENT_WRITE};
#[cfg(feature = "std")]
pub use key::Fd;
pub use key::{FileObj, SelectorKey};
#[cfg(unix)]
pub use poll::{PollBackend, PollSelector};
pub use registry::{Keys, SelectorMap};
pub use select::{SelectBackend, SelectSelector};
pub use selector::{
    BaseSelector, GenericSelector, KeyMut, Ready, ReadySet, ReadySetIter, Rejected, Token,
};
pub use waker::Waker;

// Every selector type is `Send + Sync` whenever its file objects and data are, on every target
// where it exists (kqueue's event buffer once made `KqueueSelector` and `DefaultSelector`
// neither, on macOS and the BSDs only). Checked by every build of the library, so
// `.ci/cross-check` (ten targets; Linux x86_64 and aarch64 with glibc are built by the host
// stage and .ci/linux-arches) and `.ci/windows` check it everywhere; tests/send_sync.rs
// also moves and shares selectors across threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    // The waker is a handle for other threads and signal handlers: Clone + Send + Sync +
    // 'static on every target, whatever its kernel object (eventfd, EVFILT_USER, pipe, socket).
    const fn waker<T: Clone + Send + Sync + 'static>() {}
    waker::<Waker>();
    #[allow(dead_code)]
    const fn selectors<F: Send + Sync, D: Send + Sync>() {
        send_sync::<SelectSelector<F, D>>();
        send_sync::<DefaultSelector<F, D>>();
        #[cfg(unix)]
        send_sync::<PollSelector<F, D>>();
        #[cfg(ioselectors_epoll)]
        send_sync::<EpollSelector<F, D>>();
        #[cfg(ioselectors_kqueue)]
        send_sync::<KqueueSelector<F, D>>();
        #[cfg(ioselectors_devpoll)]
        send_sync::<DevpollSelector<F, D>>();
    }
};

/// A file descriptor: what [`FileObj::fileno`] returns (`int` on unix).
#[cfg(unix)]
pub type RawFd = core::ffi::c_int;
/// A socket handle: what [`FileObj::fileno`] returns on Windows, winsock's `SOCKET`
/// (pointer-sized, unsigned; `std::os::windows::io::RawSocket` converted). Python's
/// `fileno()` gives an `int` there too; `INVALID_SOCKET` plays the part of a negative fd.
#[cfg(windows)]
pub type RawFd = ioselectors_sys::SOCKET;

/// **Test plumbing, not API**: the kqueue and /dev/poll backends over replaceable kernel
/// calls, so that the tests (and the fuzz targets) run the real backend code on Linux over
/// in-memory models of each kernel (`tests/kernels/`). Hidden from the docs; no stability
/// promise. The release selectors use the default kernels (`SystemKqueue`, `SystemDevpoll`),
/// which make the system calls.
#[cfg(unix)]
#[doc(hidden)]
pub mod __kernels {
    /// The kqueue backend, its kernel trait and the plain types the trait speaks.
    pub mod kqueue {
        pub use crate::kqueue::{
            Action, Change, Filter, Kernel, Kev, KqueueBackend, EINVAL, EV_EOF, EV_ERROR,
            USER_IDENT,
        };
    }
    /// The /dev/poll backend, its kernel trait and `POLLREMOVE`.
    pub mod devpoll {
        pub use crate::devpoll::{DevpollBackend, Kernel};
        pub use crate::devpoll_logic::POLLREMOVE;
        pub use ioselectors_sys::pollfd;
    }
    pub use crate::waker::Trigger;
}

#[cfg(all(fuzzing, unix))]
#[doc(hidden)]
#[path = "fuzz_helpers.rs"]
pub mod __fuzz;
